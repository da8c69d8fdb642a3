import XCTest
@testable import Harness

/// The step-decay and tabulated schedules of the method kit.
final class ScheduleTests: XCTestCase {
    func testStepDecayDropsAtItsMilestones() {
        let step = LearningRate.stepDecay(peak: 2, steps: 8)
        XCTAssertEqual((1...8).map { step($0) }, [2, 2, 2, 2, 0.2, 0.2, 0.02, 0.02].map { Float($0) })
        // Milestones that do not fall on whole steps round down: 0.3 · 10 = 3, so step 4 is the first dropped.
        let odd = LearningRate.stepDecay(peak: 1, steps: 10, milestones: [0.3], factor: 0.5)
        XCTAssertEqual([odd(3), odd(4)], [1, 0.5])
    }

    func testTabulatedScheduleScalesItsTable() {
        let table = LearningRate.tabulated(peak: 0.5, [0.2, 1, 0.4])
        XCTAssertEqual((0...4).map { table($0) }, [0, 0.1, 0.5, 0.2, 0])
    }
}
