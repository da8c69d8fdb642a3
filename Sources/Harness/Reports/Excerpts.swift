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
// shows a shared baseline optimizer), found beside the paper's file in the package tree.
// Regions do not nest.

/// A region of source code shown in a report.
public struct Excerpt: Equatable, Sendable {
    public var name: String
    /// The file it was cut from, relative to the package root (`Sources/Papers/...`).
    public var file: String
    /// The lines between the markers, with their common indentation removed.
    public var code: String
}

/// The excerpt region `name` of `source`, if marked, with common indentation removed.
public func excerptRegion(named name: String, in source: String) -> String? {
    var inside = false
    var lines: [Substring] = []
    for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if inside {
            if trimmed == "// end excerpt" { return dedent(lines) }
            lines.append(line)
        } else if trimmed == "// excerpt: \(name)" {
            inside = true
        }
    }
    return nil
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

/// The `Sources/Harness` folder of the package holding `sourceFile`
/// (`…/Sources/Papers/<Family>/X.swift` → `…/Sources/Harness`), if there is one.
func harnessFolder(near sourceFile: String) -> URL? {
    let components = URL(fileURLWithPath: sourceFile).standardizedFileURL.pathComponents
    guard let i = components.lastIndex(of: "Sources") else { return nil }
    let root = NSString.path(withComponents: Array(components[...i]))
    return URL(fileURLWithPath: root).appendingPathComponent("Harness")
}

/// Finds every excerpt a paper names.
///
/// - Throws: ``ReportError/missingExcerpt(name:paper:)`` when a name is marked nowhere,
///   ``ReportError/ambiguousExcerpt(name:files:)`` when only the harness has it, in several files.
public func excerpts(of paper: any Paper) throws -> [Excerpt] {
    guard !paper.excerpts.isEmpty else { return [] }
    let own = (try? String(contentsOfFile: paper.sourceFile, encoding: .utf8)) ?? ""
    var harnessFiles: [(path: String, text: String)]?
    return try paper.excerpts.map { name in
        if let code = excerptRegion(named: name, in: own) {
            return Excerpt(name: name, file: packageRelativePath(paper.sourceFile), code: code)
        }
        if harnessFiles == nil { harnessFiles = swiftFiles(under: harnessFolder(near: paper.sourceFile)) }
        let hits = harnessFiles!.compactMap { file in excerptRegion(named: name, in: file.text).map { (file.path, $0) } }
        guard let hit = hits.first else { throw ReportError.missingExcerpt(name: name, paper: paper.info.slug) }
        guard hits.count == 1 else { throw ReportError.ambiguousExcerpt(name: name, files: hits.map { packageRelativePath($0.0) }) }
        return Excerpt(name: name, file: packageRelativePath(hit.0), code: hit.1)
    }
}

/// The Swift files under `folder`, sorted by path so a search is deterministic.
private func swiftFiles(under folder: URL?) -> [(path: String, text: String)] {
    guard let folder, let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
    var paths: [String] = []
    while let relative = enumerator.nextObject() as? String {
        if relative.hasSuffix(".swift") { paths.append(folder.appendingPathComponent(relative).path) }
    }
    return paths.sorted().compactMap { path in (try? String(contentsOfFile: path, encoding: .utf8)).map { (path, $0) } }
}
