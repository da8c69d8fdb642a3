import Foundation
import XCTest
@testable import Papers
import Harness

final class RegistryTests: XCTestCase {
    func testSlugsAreUnique() {
        let slugs = registry.map(\.info.slug)
        XCTAssertEqual(Set(slugs).count, slugs.count)
    }

    /// A report must show the code that ran: every excerpt of every registered paper appears
    /// verbatim in its committed report, and every paper has a report and a ledger at both scales.
    /// Editing an excerpted region without re-running the paper fails here.
    /// The build plugin cut the same regions out of the sources as the harness's scanner does
    /// (this build is current, so the two agree file for file).
    func testCompiledExcerptsMatchTheSources() throws {
        let sources = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
        var paths: [String] = []
        for folder in ["Harness", "Papers"] {
            let root = sources.appendingPathComponent(folder)
            for relative in try FileManager.default.subpathsOfDirectory(atPath: root.path) where relative.hasSuffix(".swift") {
                // The registry module's own files are not scanned by the plugin, only the families'.
                if folder == "Papers" && !relative.contains("/") { continue }
                paths.append(root.appendingPathComponent(relative).path)
            }
        }
        let scanned = ExcerptLibrary.scanning(paths).regions
        XCTAssertGreaterThan(scanned.count, 5)
        XCTAssertEqual(compiledExcerpts.regions.sorted { ($0.file, $0.name) < ($1.file, $1.name) },
                       scanned.sorted { ($0.file, $0.name) < ($1.file, $1.name) })
    }

    func testCommittedReportsShowTheCurrentCodeAndHaveBothScales() throws {
        let reports = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reports")
        for paper in registry {
            let slug = paper.info.slug
            let report = try String(contentsOf: reports.appendingPathComponent("\(slug).md"), encoding: .utf8)
            for excerpt in try compiledExcerpts.excerpts(of: paper) {
                XCTAssertTrue(report.contains("```swift\n\(excerpt.code)\n```"),
                              "Reports/\(slug).md shows an old version of excerpt '\(excerpt.name)': run `reproduce run \(slug)`")
            }
            let ledger = try XCTUnwrap(Ledger.load(slug: slug, from: reports), "no ledger for \(slug)")
            XCTAssertNotNil(ledger.quick, "\(slug): no quick-scale ledger")
            XCTAssertNotNil(ledger.full, "\(slug): no full-scale ledger")
        }
    }
}
