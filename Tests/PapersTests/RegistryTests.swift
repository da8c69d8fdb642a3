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
    func testCommittedReportsShowTheCurrentCodeAndHaveBothScales() throws {
        let reports = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Reports")
        for paper in registry {
            let slug = paper.info.slug
            let report = try String(contentsOf: reports.appendingPathComponent("\(slug).md"), encoding: .utf8)
            for excerpt in try excerpts(of: paper) {
                XCTAssertTrue(report.contains("```swift\n\(excerpt.code)\n```"),
                              "Reports/\(slug).md shows an old version of excerpt '\(excerpt.name)': run `reproduce run \(slug)`")
            }
            let ledger = try XCTUnwrap(Ledger.load(slug: slug, from: reports), "no ledger for \(slug)")
            XCTAssertNotNil(ledger.quick, "\(slug): no quick-scale ledger")
            XCTAssertNotNil(ledger.full, "\(slug): no full-scale ledger")
        }
    }
}
