import Foundation
import XCTest
@testable import Harness

/// Long-tailed subsets: the class-size profiles and the subsampling.
final class ClassImbalanceTests: XCTestCase {
    /// Exponential: n_c = n_max·ratio^(−c/(K−1)), rounded; step: the last classes at n_max/ratio.
    func testProfiles() {
        XCTAssertEqual(ImbalanceProfile.exponential.counts(headCount: 100, ratio: 10, classCount: 3), [100, 32, 10])
        XCTAssertEqual(ImbalanceProfile.exponential.counts(headCount: 500, ratio: 100, classCount: 10).first, 500)
        XCTAssertEqual(ImbalanceProfile.exponential.counts(headCount: 500, ratio: 100, classCount: 10).last, 5)
        XCTAssertEqual(ImbalanceProfile.step(minorityClasses: 2).counts(headCount: 50, ratio: 5, classCount: 4), [50, 50, 10, 10])
        XCTAssertEqual(ImbalanceProfile.exponential.counts(headCount: 3, ratio: 100, classCount: 4), [3, 1, 1, 1], "at least one example")
        XCTAssertEqual(ImbalanceProfile.exponential.counts(headCount: 40, ratio: 1, classCount: 3), [40, 40, 40])
    }

    /// The subset has the profile's class sizes, with the smallest class as the head size by
    /// default; its rows are distinct original rows, sorted, with their labels; the same stream
    /// gives the same subset and another stream another one.
    func testSubsetFollowsTheProfileAndKeepsRows() throws {
        let digits = try Datasets.digits()
        let head = digits.classCounts.min()!
        var rng = SeededRandom(seed: 3, path: ["imbalance"])
        let rows = digits.classImbalanceIndices(ratio: 50, using: &rng)
        XCTAssertEqual(rows, rows.sorted())
        XCTAssertEqual(Set(rows).count, rows.count)
        XCTAssertTrue(rows.allSatisfy { $0 >= 0 && $0 < digits.count })
        let expected = ImbalanceProfile.exponential.counts(headCount: head, ratio: 50, classCount: 10)
        XCTAssertEqual((0..<10).map { c in rows.filter { digits.labels[$0] == c }.count }, expected)
        XCTAssertEqual(expected.first, head)
        XCTAssertEqual(expected.last, Int((Double(head) / 50).rounded()))
        var again = SeededRandom(seed: 3, path: ["imbalance"])
        let tail = digits.withClassImbalance(ratio: 50, using: &again)
        XCTAssertEqual(tail, digits.subset(rows, name: tail.name))
        XCTAssertEqual(tail.classCounts, expected)
        var other = SeededRandom(seed: 4, path: ["imbalance"])
        XCTAssertNotEqual(digits.classImbalanceIndices(ratio: 50, using: &other), rows)
    }

    /// A given head size and the step profile.
    func testStepProfileWithAGivenHead() throws {
        let digits = try Datasets.digits()
        var rng = SeededRandom(seed: 5, path: ["step"])
        let step = digits.withClassImbalance(ratio: 10, profile: .step(minorityClasses: 5), headCount: 100, using: &rng)
        XCTAssertEqual(step.classCounts, [100, 100, 100, 100, 100, 10, 10, 10, 10, 10])
    }
}
