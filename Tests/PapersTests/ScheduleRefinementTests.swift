import Foundation
import XCTest
import Papers
@testable import SchedulesAndBatchSize
import Harness

final class ScheduleRefinementTests: XCTestCase {
    /// Width 2⌊0.5·7/2⌋ + 1 = 3: the first value repeated before the start, the series reflected
    /// past its end (so the last window is [9, 4, 9]), by hand.
    func testMedianFilterByHand() {
        XCTAssertEqual(ScheduleRefinement.medianFilter([1, 5, 2, 8, 3, 9, 4], tau: 0.5), [1, 2, 5, 3, 8, 4, 9])
        XCTAssertEqual(ScheduleRefinement.medianFilter([3, 1, 2], tau: 0.1), [3, 1, 2])   // width 1: unchanged
    }

    /// Constant norms give linear decay to exactly 0; η_t = w_t Σ_{p>t} w_p by hand otherwise.
    func testScheduleFromWeights() {
        XCTAssertEqual(ScheduleRefinement.schedule(weights: [2, 2, 2, 2, 2]), [1, 0.75, 0.5, 0.25, 0])
        XCTAssertEqual(ScheduleRefinement.schedule(weights: [1, 2, 4]), [0.75, 1, 0])   // 1·6, 2·4, 4·0
        let linear = ScheduleRefinement.refine([Double](repeating: 3, count: 40), weighting: .l2)
        for (value, expected) in zip(linear, (0..<40).map { Double(39 - $0) / 39 }) { XCTAssertEqual(value, expected, accuracy: 1e-12) }
    }

    /// SGD's w = ĝ⁻² and Adam's w = ĝ⁻¹ differ: a large first norm makes a warm-up, stronger with SGD's.
    func testWeightingsDiffer() {
        XCTAssertEqual(ScheduleRefinement.refine([2, 1, 1], weighting: .l2, tau: 0.1), [0.5, 1, 0])   // w = [¼, 1, 1]
        XCTAssertEqual(ScheduleRefinement.refine([2, 1, 1], weighting: .l1, tau: 0.1), [1, 1, 0])     // w = [½, 1, 1]
    }

    /// The recorder sums over the group's tensors per step and leaves the update alone.
    func testRecorderNormsOverTensors() {
        let a = Parameter("a", Tensor(shape: [2], data: [1, 1])), b = Parameter("b", Tensor(shape: [1], data: [0]))
        a.grad = Tensor(shape: [2], data: [3, 4]); b.grad = Tensor(shape: [1], data: [-12])
        let recorder = RecordGradientNorms()
        let optimizer = ChainedOptimizer([a, b], transforms: [recorder], learningRate: 0.5)
        optimizer.applyGradients()
        b.grad = Tensor(shape: [1], data: [2])
        optimizer.applyGradients()
        XCTAssertEqual(recorder.l2, [13, (9 + 16 + 4).squareRoot()])
        XCTAssertEqual(recorder.l1, [19, 9])
        XCTAssertEqual(a.value.data, [-2, -3])
        XCTAssertEqual(recorder.stateBytes, 0)
    }

    /// Linear decay as a table: no warm-up (ratio 1) and a fall of 0.1 over the last 10%.
    func testShapeStatistics() {
        let linear = (1...100).map { Double(100 - $0 + 1) / 100 }
        XCTAssertEqual(ScheduleRefinement.startOverPeak(linear), 1)
        XCTAssertEqual(ScheduleRefinement.terminalDrop(linear), 0.1, accuracy: 1e-12)
        XCTAssertEqual(ScheduleRefinement.startOverPeak([0.2, 1, 0.5]), 0.2)
    }

    /// With no step the last iterate is x₁ = 0 and f − f⋆ = √(2/π)·‖x⋆‖ = √(2/π); steps help.
    func testConvexProblemClosedForm() {
        var rng = SeededRandom(seed: 1, path: ["t"])
        XCTAssertEqual(ScheduleRefinementPaper.lastIterateSuboptimality(rate: { _ in 0 }, steps: 5, rng: &rng), (2 / Double.pi).squareRoot(), accuracy: 1e-12)
        var rng2 = SeededRandom(seed: 1, path: ["t"])
        XCTAssertLessThan(ScheduleRefinementPaper.lastIterateSuboptimality(rate: { t in 0.05 * Double(500 - t + 1) / 500 }, steps: 500, rng: &rng2), 0.2)
    }

    /// Step decay and cosine reach the harness schedules the arms use.
    func testArmsAreTheFiveSchedules() {
        XCTAssertEqual(ScheduleRefinementPaper.arms(steps: 10).map(\.name), ["constant", "step decay", "cosine", "linear decay", "refined"])
    }

    // MARK: - The rules

    func testRuleBranches() {
        let claims = ScheduleRefinementPaper().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        let keys = ScheduleRefinementPaper.taskLabels.map(\.key)
        func intervals(_ pattern: (String) -> String, _ value: (Double, Double, Double), count: Int = 4) -> Evidence {
            var e = Evidence()
            for (i, k) in keys.enumerated() {
                let v = i < count ? value : (0.5, 0.4, 0.6)
                e.record(interval: pattern(k), Interval(mean: v.0, low: v.1, high: v.2, count: 8), tolerance: 0)
            }
            return e
        }
        XCTAssertEqual(claim("c3a").decide(intervals({ "c3a.\($0).log_loss_linear_minus_cosine" }, (0, -0.01, 0.01))).verdict, .reproduced)
        XCTAssertEqual(claim("c3a").decide(intervals({ "c3a.\($0).log_loss_linear_minus_cosine" }, (0.2, 0.1, 0.3))).verdict, .notReproduced)
        XCTAssertEqual(claim("c4").decide(intervals({ "c4.\($0).log_loss_refined_minus_linear" }, (-0.1, -0.15, -0.05), count: 2)).verdict, .reproduced)
        XCTAssertEqual(claim("c4").decide(intervals({ "c4.\($0).log_loss_refined_minus_linear" }, (0, -0.005, 0.005))).verdict, .notReproduced)
        var c1 = Evidence()
        c1.record(interval: "c1.log_subopt_linear_minus_constant", Interval(mean: -1, low: -1.2, high: -0.8, count: 20), tolerance: 0)
        c1.record(interval: "c1.log_subopt_linear_minus_invsqrt", Interval(mean: -0.5, low: -0.7, high: -0.3, count: 20), tolerance: 0)
        XCTAssertEqual(claim("c1").decide(c1).verdict, .reproduced)
        func shapes(start: Double, drop: Double, on count: Int) -> Evidence {
            var e = Evidence()
            for (i, k) in keys.enumerated() {
                e.record("c2.\(k).start_over_peak", i < count ? start : 1)
                e.record("c2.\(k).terminal_drop", i < count ? drop : 0.1)
            }
            return e
        }
        XCTAssertEqual(claim("c2").decide(shapes(start: 0.3, drop: 0.4, on: 2)).verdict, .reproduced)
        XCTAssertEqual(claim("c2").decide(shapes(start: 0.3, drop: 0.1, on: 4)).verdict, .notReproduced)   // warm-up, no fast end
    }

    /// A tiny run (four copies of a tiny task) records every metric the rules read, finite and
    /// identical on a second run.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = ScheduleRefinementPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "lr-schedule-refinement")
        var settings = ScheduleRefinementPaper.Settings(context)
        settings.learningRates = [1e-1]
        settings.convexSteps = 50
        settings.convexRates = [0.1]
        let data = AuONTests.tinyData()
        settings.tasks = { _ in
            ScheduleRefinementPaper.taskLabels.map { t in
                (StandardTasks.classification(key: t.key, label: t.label, data: data, model: "tiny", epochs: 4, batchSize: 16) { rng in
                    MLP(sizes: [16, 8, 4], rng: rng)
                }, 12)
            }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.filter { !$0.name.hasSuffix(".mde") }.allSatisfy { $0.value.isFinite })
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
