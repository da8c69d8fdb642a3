import ArgumentParser
import Foundation
import Harness
import Papers

/// `reproduce trace --problem FILE [--out FILE]`: one optimizer on a small problem, written as
/// the trajectory JSON of the reference set (`loss` and `params` after every step).
///
/// Every rejected problem (unreadable file, malformed field, unknown optimizer, a hyperparameter
/// torch would reject, a size over ``TraceLimits``) ends as one `reproduce: ...` line and exit
/// code 2, with nothing written.
struct TraceCommand: ReproduceCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Run one optimizer on a small least-squares or Rosenbrock problem and print its trajectory as JSON."
    )

    @Option(name: .long, help: "The problem file (JSON: objective, params, optimizer name and hyperparams).")
    var problem: String

    @Option(name: .long, help: "Write the trajectory JSON to this file instead of standard output.")
    var out: String?

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        do {
            // Check the destination first: a long trace should not run only to fail at the end.
            if let out { try TraceCommand.checkWritable(out) }
            let json = try TraceCommand.trace(problemPath: problem)
            if let out {
                // Write beside the target and rename, so a failure never leaves half a file; the
                // temporary is `.<name>.<pid>.<uuid>.tmp` and removed on failure (Foundation's
                // atomic write would leave its `.nosync` file behind when killed or out of space).
                do {
                    try AtomicFile.write(json, to: URL(fileURLWithPath: out))
                } catch let error as ReportError {
                    guard case .unwritable(_, let reason) = error else { throw error }
                    throw TraceError.unwritable(path: out, reason: reason)
                }
            } else {
                environment.output(String(json.dropLast()))
            }
            return Exit.ok
        } catch let TraceError.unknownOptimizer(name, accepted) {
            let near = closeMatches(name.lowercased(), among: accepted.sorted())
            let hint = near.isEmpty ? "" : "; did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))?"
            throw BadInput("\(TraceError.unknownOptimizer(name, accepted: accepted))\(hint)")
        } catch let error as TraceError {
            throw BadInput("\(error)")
        }
    }

    /// Throws unless `path` names a file that can be created or replaced: not empty, not a
    /// folder, in an existing folder.
    static func checkWritable(_ path: String) throws {
        guard !path.isEmpty else { throw TraceError.unwritable(path: path, reason: "the path is empty") }
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw TraceError.unwritable(path: path, reason: "it is a folder")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw TraceError.unwritable(path: path, reason: "its folder '\(folder)' does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw TraceError.unwritable(path: path, reason: "its folder '\(folder)' is not writable")
        }
    }

    /// The bytes of a problem file, at most ``TraceLimits/fileBytes``; throws ``TraceError``
    /// saying why it cannot be read (missing, a folder, unreadable, empty, too large).
    static func read(problemPath path: String) throws -> Data {
        var isFolder: ObjCBool = false
        guard !path.isEmpty, FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw TraceError.unreadable(path: path, reason: "no such file")
        }
        guard !isFolder.boolValue else { throw TraceError.unreadable(path: path, reason: "it is a folder") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TraceError.unreadable(path: path, reason: "permission denied")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            // One byte past the cap tells a file at the cap from a larger one (or an endless device).
            data = try handle.read(upToCount: TraceLimits.fileBytes + 1) ?? Data()
        } catch {
            throw TraceError.unreadable(path: path, reason: "reading failed")
        }
        guard data.count <= TraceLimits.fileBytes else {
            throw TraceError.unreadable(path: path, reason: "larger than the cap of \(TraceLimits.fileBytes >> 20) MiB")
        }
        guard !data.isEmpty else { throw TraceError.unreadable(path: path, reason: "the file is empty") }
        return data
    }

    /// Reads, parses and runs a problem file; returns the trajectory JSON.
    static func trace(problemPath: String) throws -> String {
        try TraceProblem.parse(read(problemPath: problemPath)).run(optimizers: traceOptimizers).json()
    }
}
