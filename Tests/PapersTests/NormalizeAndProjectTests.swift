import Foundation
import XCTest
import Papers
@testable import Normalization
import Harness

final class NormalizeAndProjectTests: XCTestCase {
    static func batch(rows: Int = 32, features: Int = 8, classes: Int = 3) -> (Tensor<Float>, [Int]) {
        var r = SeededRandom(seed: 5, path: ["nap", "batch"])
        return (.randomNormal([rows, features], using: &r), (0..<rows).map { $0 % classes })
    }

    /// c1's identity: a hidden weight followed by LayerNorm is scale-invariant (loss unchanged,
    /// gradient ÷ c, orthogonal to the weight); the plain MLP's is not.
    func testNormalizedWeightsAreScaleInvariant() {
        let (x, y) = Self.batch()
        let ln = LayerNormMLP(sizes: [8, 12, 12, 3], rng: SeededRandom(seed: 1, path: ["t"]))
        XCTAssertLessThan(NormalizeAndProjectPaper.invarianceDeviation(ln, x: x, labels: y), 1e-3)
        let plain = MLP(sizes: [8, 12, 12, 3], rng: SeededRandom(seed: 1, path: ["t"]))
        let base = plain.lossAndGradient(x, labels: y)
        plain.linears[0].weight.value.scale(by: 3)
        XCTAssertGreaterThan(abs(plain.lossAndGradient(x, labels: y) - base), 1e-3)
    }

    func testLayerNormMLPParameters() {
        let m = LayerNormMLP(sizes: [4, 6, 5, 3], rng: SeededRandom(seed: 1, path: ["t"]))
        XCTAssertEqual(m.parameters.map(\.name), ["layer0.weight", "ln0.gain", "ln0.bias", "layer1.weight", "ln1.gain", "ln1.bias",
                                                 "layer2.weight", "layer2.bias"])
        XCTAssertEqual(NormProjection.weights(m.parameters).map(\.name), ["layer0.weight", "layer1.weight", "layer2.weight"])
    }

    /// A hand-computed step: w = (3, 4), ‖w‖ = 5, gradient (1, 0), SGD at lr 1 gives (2, 4), projected
    /// back to norm 5: (2, 4)·5/√20. The unprojected bias takes the plain step.
    func testProjectionAfterAnyOptimizerStep() {
        let w = Parameter("w", Tensor(shape: [1, 2], data: [3, 4])), b = Parameter("b", Tensor(shape: [1], data: [1]))
        w.grad = Tensor(shape: [1, 2], data: [1, 0])
        b.grad = Tensor(shape: [1], data: [0.5])
        let nap = NormProjection(ChainedOptimizer.sgd([w, b], learningRate: 1.0), projecting: [w])
        XCTAssertEqual(nap.stateBytes, 4)
        nap.applyGradients()
        let k = Float(5 / 20.0.squareRoot())
        XCTAssertEqual(w.value.data[0], 2 * k, accuracy: 1e-6)
        XCTAssertEqual(w.value.data[1], 4 * k, accuracy: 1e-6)
        XCTAssertEqual(b.value.data[0], 0.5)
        for _ in 0..<5 { nap.applyGradients() }
        XCTAssertEqual(w.value.norm(), 5, accuracy: 1e-5)
    }

    /// ‖Δw‖/‖w‖ of the inner step: w = (3, 4), gradient (2, 0), lr 0.5 → Δ = (−1, 0), rate 0.2.
    func testEffectiveRateProbe() {
        let w = Parameter("w", Tensor(shape: [1, 2], data: [3, 4]))
        w.grad = Tensor(shape: [1, 2], data: [2, 0])
        let probe = EffectiveRateProbe(ChainedOptimizer.sgd([w], learningRate: 0.5), watching: [w])
        probe.applyGradients()
        XCTAssertEqual(probe.drain()[0], 0.2, accuracy: 1e-7)
        XCTAssertEqual(probe.drain()[0], 0)
    }

    func testRuleBranches() {
        let claims = NormalizeAndProjectPaper().claims
        func decide(_ id: String, _ values: [String: (Double, Double, Double)]) -> Verdict {
            var e = Evidence()
            for (key, v) in values.sorted(by: { $0.key < $1.key }) {
                e.record(interval: key, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0)
            }
            return claims.first { $0.id == id }!.decide(e).verdict
        }
        var e = Evidence()
        e.record("c1a.invariance_deviation", 1e-6)
        XCTAssertEqual(claims[0].decide(e).verdict, .reproduced)
        let grows = (0.5, 0.3, 0.7), flat = (0.0, -0.1, 0.1)
        XCTAssertEqual(decide("c1b", ["c1b.log_norm_growth_ln": grows, "c1b.log_elr_ratio_ln": (-0.5, -0.7, -0.3)]), .reproduced)
        XCTAssertEqual(decide("c1b", ["c1b.log_norm_growth_ln": grows, "c1b.log_elr_ratio_ln": (0.5, 0.3, 0.7)]), .notReproduced)
        XCTAssertEqual(decide("c1b", ["c1b.log_norm_growth_ln": flat, "c1b.log_elr_ratio_ln": (-0.5, -0.7, -0.3)]), .inconclusive(.premiseAbsent))
        XCTAssertEqual(decide("c2a", ["c2a.log_elr_ratio_nap": flat]), .reproduced)
        XCTAssertEqual(decide("c2a", ["c2a.log_elr_ratio_nap": (-0.7, -0.9, -0.5)]), .notReproduced)
        let loses = (-10.0, -14.0, -6.0)
        XCTAssertEqual(decide("c2b", ["c2b.ln_late_minus_first_points": loses, "c2b.late_points_nap_minus_ln": (8, 5, 11)]), .reproduced)
        XCTAssertEqual(decide("c2b", ["c2b.ln_late_minus_first_points": loses, "c2b.late_points_nap_minus_ln": (0, -1, 1)]), .notReproduced)
        XCTAssertEqual(decide("c2c", ["c2c.ln_late_minus_first_points": (2, 1, 3), "c2c.late_points_nap_minus_ln": (8, 5, 11)]), .inconclusive(.premiseAbsent))
        XCTAssertEqual(decide("c3", ["c3.test_points_nap_minus_mlp": (0, -0.5, 0.5)]), .reproduced)
        XCTAssertEqual(decide("c3", ["c3.test_points_nap_minus_mlp": (-3, -4, -2)]), .notReproduced)
        guard case .notTestable = claims.first(where: { $0.id == "c2d" })!.decide(e).verdict else { return XCTFail("Atari is not testable") }
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = NormalizeAndProjectPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "normalize-and-project")
        var s = NormalizeAndProjectPaper.Settings(context)
        (s.sizes, s.tasks, s.subset, s.epochsPerTask, s.stationaryEpochs, s.learningRates) = ([64, 8, 8, 10], 3, 32, 2, 1, [1e-2])
        let first = try paper.run(context, settings: s)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        XCTAssertLessThan(first.evidence["c1a.invariance_deviation"], 1e-3)
        let second = try paper.run(context, settings: s)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
