import Foundation
import XCTest
import Papers
@testable import SecondOrder
@testable import Harness

final class SophiaPaperTests: XCTestCase {
    /// pytorch-optimizer's `SophiaH` golden (exact diagonal every 10 steps, the trace factory's
    /// default `update_period`) through `reproduce trace`'s table.
    func testGoldenThroughTheTracePath() throws {
        try GoldenTrace.check("sophiah__ls6x4b4", optimizer: "sophia", keys: ["lr", "betas", "weight_decay", "weight_decouple", "fixed_decay", "p", "eps"])
    }

    /// The paper's form by hand: after one step from x = 0 with gradient g and diagonal d,
    /// m = (1 − β₁)g, h = (1 − β₂)d, and x = −η·clip(m/(γh), 1): a Newton-like step where
    /// |m| < γh, exactly ±η where the ratio exceeds 1, and ±η where the curvature is negative.
    func testPaperFormOneStepByHand() {
        let x = Parameter("x", Tensor(shape: [3], data: [0, 0, 0]))
        let g: [Float] = [0.01, -3, 2], d: [Float] = [1, 1, -4]
        let sophia = SophiaPaper.sophia([x], learningRate: 0.5, gamma: 2) { _, _ in [Tensor(shape: [3], data: d)] }
        sophia.step { x.grad.data = g; return 0 }
        let m = g.map { 0.035 * $0 }, h = d.map { 0.01 * $0 * 2 }
        let expected = zip(m, h).map { mi, hi in -0.5 * min(max(mi / max(hi, 1e-12), -1), 1) }
        XCTAssertEqual(expected[0], -0.5 * 0.035 * 0.01 / 0.02, accuracy: 1e-7)
        XCTAssertEqual(expected[1], 0.5)
        XCTAssertEqual(expected[2], -0.5)
        for (a, b) in zip(x.value.data, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(sophia.stateBytes, 2 * 3 * 4)
    }

    func testStepsToReachInterpolatesInLogLoss() {
        let losses = [1.0, 0.5, 0.1, 0.01], steps = [0, 5, 10, 15]
        XCTAssertEqual(SophiaPaper.stepsToReach(0.5, losses: losses, steps: steps)!, 5, accuracy: 1e-12)
        // Between 0.1 (step 10) and 0.01 (step 15), 10^-1.5 lies halfway in log.
        XCTAssertEqual(SophiaPaper.stepsToReach(pow(10, -1.5), losses: losses, steps: steps)!, 12.5, accuracy: 1e-9)
        XCTAssertNil(SophiaPaper.stepsToReach(0.001, losses: losses, steps: steps))
        XCTAssertNil(SophiaPaper.stepsToReach(0.01, losses: [1, .nan, 0.001], steps: [0, 1, 2]))
        XCTAssertEqual(SophiaPaper.stepsToReach(2, losses: losses, steps: steps)!, 0)
    }

    /// AdamW reaches its final 0.1 at step 20; the method at step 10 (speed-up 2), or never
    /// (counted at the budget, log speed-up 0).
    func testLogSpeedupsPairBySeedAndCensor() {
        func arm(_ curves: [[Double]]) -> ArmResult {
            ArmResult(arm: "a", sweep: [], chosenIndex: 0, chosen: Hyperparameters(["lr": 1]), selectionFailed: false,
                      evaluation: curves.map { RunRecord(losses: $0, steps: [0, 10, 20]) })
        }
        let adamW = arm([[1, 0.5, 0.1], [1, 0.5, 0.1]]), method = arm([[1, 0.1, 0.05], [1, 0.9, 0.8]])
        let s = SophiaPaper.logSpeedups(method: method, adamW: adamW)
        XCTAssertEqual(s.censored, 1)
        XCTAssertEqual(s.values[0], log(2), accuracy: 1e-12)
        XCTAssertEqual(s.values[1], 0, accuracy: 1e-12)
    }

    /// Gradient descent at η = 1 on the quadratic: xᵢ(t) = (1 − λᵢ)ᵗ xᵢ(0), so the count is the
    /// first t with (1/d) Σ (1 − λᵢ)^{2t} ≤ 1e-4 (computed in Double; Float may differ by one).
    func testGradientDescentCountMatchesTheClosedForm() {
        let d = 20, kappa = 10.0
        let lambda = (0..<d).map { pow(kappa, -Double($0) / Double(d - 1)) }
        var t = 0
        while lambda.reduce(0, { $0 + pow(1 - $1, 2 * Double(t)) }) / Double(d) > 1e-4 { t += 1 }
        let measured = SophiaPaper.iterations(kappa: kappa, dimension: d, method: .gd, learningRate: 1, cap: 10_000)!
        XCTAssertLessThanOrEqual(abs(measured - t), 1)
        XCTAssertNil(SophiaPaper.iterations(kappa: kappa, dimension: d, method: .gd, learningRate: 1, cap: 5))
    }

    func testRuleBranches() {
        let claims = SophiaPaper().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        func speed(_ mean: Double, _ low: Double, _ high: Double) -> Verdict {
            var e = Evidence()
            e.record(interval: "c2a.log_speedup_g", Interval(mean: mean, low: low, high: high, count: 8), tolerance: 0)
            return claim("c2a").decide(e).verdict
        }
        XCTAssertEqual(speed(0.7, 0.5, 0.9), .reproduced)
        XCTAssertEqual(speed(0.1, -0.1, 0.3), .notReproduced)
        XCTAssertEqual(speed(0.4, -1, 1.8), .inconclusive(.underpowered))
        var e = Evidence()
        e.record("c1a.sophia_g_flop_overhead", 0.05)
        e.record("c1b.sophia_h_flop_overhead", 0.15)
        e.record("c1c.state_bytes_ratio", 1)
        XCTAssertEqual(claim("c1a").decide(e).verdict, .reproduced)
        XCTAssertEqual(claim("c1b").decide(e).verdict, .notReproduced)
        XCTAssertEqual(claim("c1c").decide(e).verdict, .reproduced)
        e.record("c3.sophia_iteration_ratio", 1.5)
        e.record("c3.gd_iteration_ratio_over_kappa_ratio", 0.01)
        XCTAssertEqual(claim("c3").decide(e).verdict, .inconclusive(.premiseAbsent))
        var f = Evidence()
        f.record("c3.sophia_iteration_ratio", 3)
        f.record("c3.gd_iteration_ratio_over_kappa_ratio", 0.9)
        XCTAssertEqual(claim("c3").decide(f).verdict, .notReproduced)
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = SophiaPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "sophia")
        var settings = SophiaPaper.Settings(context)
        settings.learningRates = [1e-2]
        settings.epochs = 2
        settings.sizes = [16, 8, 8, 4]
        settings.data = { _ in AuONTests.tinyData() }
        settings.kappas = [10, 100]
        settings.iterationCap = 3_000
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c1c.state_bytes_ratio"], 1)
        XCTAssertGreaterThan(first.evidence["c1a.sophia_g_flop_overhead"], 0)
        XCTAssertGreaterThan(first.evidence["c1b.sophia_h_flop_overhead"], 0)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" }, second.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" })
    }
}
