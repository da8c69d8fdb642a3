import Foundation

/// Errors from writing reports, figures and ledgers.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// The gnuplot executable could not be found or run.
    case gnuplotMissing(String)
    /// gnuplot ran but failed on a figure's script.
    case gnuplotFailed(figure: String, message: String)
    /// A `// excerpt: NAME` region named in ``Paper/excerpts`` was not found.
    case missingExcerpt(name: String, paper: String)
    /// The same excerpt name marks regions in more than one file.
    case ambiguousExcerpt(name: String, files: [String])
    /// A paper's results are malformed (duplicate figure names, a figure without points).
    case malformedResults(String)
    /// A file or folder could not be written.
    case unwritable(path: String, reason: String)
    /// A ledger on disk could not be read.
    case badLedger(path: String, reason: String)
    /// Another process is writing the reports folder.
    case busy(path: String)

    public var description: String {
        switch self {
        case .gnuplotMissing(let message): return message
        case .gnuplotFailed(let figure, let message): return "gnuplot failed on figure \(figure): \(message)"
        case .missingExcerpt(let name, let paper): return "\(paper): excerpt '\(name)' not found (mark it with // excerpt: \(name) ... // end excerpt)"
        case .ambiguousExcerpt(let name, let files): return "excerpt '\(name)' is marked in several files: \(files.joined(separator: ", "))"
        case .malformedResults(let message): return message
        case .unwritable(let path, let reason): return "cannot write \(path): \(reason)"
        case .badLedger(let path, let reason): return "cannot read ledger \(path): \(reason)"
        case .busy(let path): return "another reproduce run is writing to \(path); wait for it to finish or choose another --out"
        }
    }
}

/// Whole-file writes that never leave a half-written file behind.
public enum AtomicFile {
    /// Writes `data` to `url` by writing a temporary file in the same folder and renaming it
    /// over the target, so a reader (or a crash) sees either the old file or the new one.
    /// Creates missing parent folders.
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportError.unwritable(path: folder.path, reason: describeIOError(error))
        }
        // The temporary name only has to be unique among concurrent writers of this folder.
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString).tmp")
        // POSIX writes, so a full disk (ENOSPC) or a file-size limit (EFBIG) is reported as such
        // and the partial temporary file removed.
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw ReportError.unwritable(path: url.path, reason: String(cString: strerror(errno))) }
        var failure: Int32 = 0
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if close(fd) != 0, failure == 0 { failure = errno }
        if failure != 0 {
            unlink(temporary.path)
            throw ReportError.unwritable(path: url.path, reason: String(cString: strerror(failure)))
        }
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportError.unwritable(path: url.path, reason: reason)
        }
    }

    /// True for the name of a temporary file these writes make (`.<name>.<pid>.<uuid>.tmp`): what
    /// a killed writer can leave behind, removed by ``ReportWriter/recover(_:)``.
    public static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".tmp")
    }

    /// Writes UTF-8 text atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// The result of running an external program to completion.
struct ProcessResult {
    var status: Int32
    var standardOutput: String
    var standardError: String
}

/// Runs `executable` with `arguments` in `directory` and collects its output.
func runProcess(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drain both pipes before waiting, so a chatty child cannot block on a full pipe.
    let group = DispatchGroup()
    final class Box: @unchecked Sendable { var data = Data() }
    let errData = Box()
    group.enter()
    DispatchQueue.global().async {
        errData.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         standardOutput: String(decoding: outData, as: UTF8.self),
                         standardError: String(decoding: errData.data, as: UTF8.self))
}

/// The absolute path of `name` found on `PATH`, or `name` itself when it already contains a slash.
func resolveExecutable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
