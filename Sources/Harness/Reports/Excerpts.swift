import Foundation

// # Code excerpts
//
// A report shows the code that ran, cut from the Swift sources between markers:
//
//     // excerpt: adam-update
//     ...
//     // end excerpt
//
// The paper's own file is searched first, then every Swift file of the harness (a paper often
// shows a shared baseline optimizer). Regions do not nest. The regions are cut out at build time
// (``ExcerptLibrary``), never read from the source tree at run time.

/// A region of source code shown in a report.
public struct Excerpt: Equatable, Sendable {
    public var name: String
    /// The file it was cut from, relative to the package root (`Sources/Papers/...`).
    public var file: String
    /// The lines between the markers, with their common indentation removed.
    public var code: String
}

private func dedent(_ lines: [Substring]) -> String {
    let indents = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix(while: { $0 == " " }).count }
    let common = indents.min() ?? 0
    return lines.map { line in line.allSatisfy(\.isWhitespace) ? "" : String(line.dropFirst(common)) }
        .joined(separator: "\n")
}

/// The path from the package root: the part of `path` from its last `Sources/` (or `Tests/`) on.
func packageRelativePath(_ path: String) -> String {
    let components = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
    if let i = components.lastIndex(where: { $0 == "Sources" || $0 == "Tests" }) {
        return components[i...].joined(separator: "/")
    }
    return URL(fileURLWithPath: path).lastPathComponent
}

/// One marked region as the build embedded it: its name, its file (relative to the package
/// root) and its lines as written, indentation included.
public struct EmbeddedExcerpt: Sendable, Equatable {
    public var name: String
    public var file: String
    public var lines: String

    public init(name: String, file: String, lines: String) {
        self.name = name
        self.file = file
        self.lines = lines
    }
}

/// The excerpt regions compiled into a binary.
///
/// The `EmbedExcerpts` build plugin cuts every region out of the harness and the paper families
/// at build time (`compiledExcerpts` in the `Papers` module), so a report always shows the code
/// that was compiled into the binary that ran: with the source tree absent or edited since the
/// build, the report is the same.
public struct ExcerptLibrary: Sendable {
    public var regions: [EmbeddedExcerpt]

    public init(_ regions: [EmbeddedExcerpt]) { self.regions = regions }

    /// The regions of the given Swift files as they are on disk now, for tests with fake papers.
    public static func scanning(_ paths: [String]) -> ExcerptLibrary {
        var regions: [EmbeddedExcerpt] = []
        for path in paths.sorted() {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            var name: String?
            var lines: [Substring] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if let current = name {
                    if trimmed == "// end excerpt" {
                        regions.append(EmbeddedExcerpt(name: current, file: packageRelativePath(path), lines: lines.joined(separator: "\n")))
                        name = nil
                        lines = []
                    } else {
                        lines.append(line)
                    }
                } else if trimmed.hasPrefix("// excerpt: ") {
                    name = String(trimmed.dropFirst("// excerpt: ".count))
                }
            }
        }
        return ExcerptLibrary(regions)
    }

    /// Finds every excerpt a paper names: in the paper's own file first, else in the harness.
    ///
    /// - Throws: ``ReportError/missingExcerpt(name:paper:)`` when a name is marked nowhere,
    ///   ``ReportError/ambiguousExcerpt(name:files:)`` when only the harness has it, in several files.
    public func excerpts(of paper: any Paper) throws -> [Excerpt] {
        let own = packageRelativePath(paper.sourceFile)
        return try paper.excerpts.map { name in
            let named = regions.filter { $0.name == name }
            if let mine = named.first(where: { $0.file == own }) {
                return Excerpt(name: name, file: own, code: dedent(mine.lines.split(separator: "\n", omittingEmptySubsequences: false)))
            }
            let shared = named.filter { $0.file.hasPrefix("Sources/Harness/") }
            guard let hit = shared.first else { throw ReportError.missingExcerpt(name: name, paper: paper.info.slug) }
            guard shared.count == 1 else { throw ReportError.ambiguousExcerpt(name: name, files: shared.map(\.file)) }
            return Excerpt(name: name, file: hit.file, code: dedent(hit.lines.split(separator: "\n", omittingEmptySubsequences: false)))
        }
    }
}
