import Foundation
import XCTest
import Papers
@testable import SecondOrder
@testable import Harness

final class MFACTests: XCTestCase {
    /// One M-FAC step from a fresh window: the window holds only g, so F⁻¹g = g/(λ + ‖g‖²/m) exactly.
    func testFirstStepIsScaledGradient() {
        let p = Parameter("p", Tensor(shape: [3], data: [1, 2, 3]))
        let optimizer = MFACOptimizer([p], learningRate: 0.5, window: 4, damping: 1e-2)
        p.grad = Tensor(shape: [3], data: [1, -2, 2])
        optimizer.applyGradients()
        let scale = 1 / (1e-2 + 9.0 / 4)
        for (i, (w, g)) in zip([1.0, 2, 3], [1.0, -2, 2]).enumerated() {
            XCTAssertEqual(Double(p.value.data[i]), w - 0.5 * scale * g, accuracy: 1e-5)
        }
    }

    /// OBS pruning removes exactly the requested fraction of prunable entries, leaves the others
    /// untouched by magnitude pruning, and for M-FAC applies −F⁻¹z before zeroing.
    func testPruningRemovesTheFractionAndAppliesTheUpdate() {
        let w = [0.1, -2, 0.5, 3, -0.05, 1], prunable = [true, true, true, true, true, false]
        var rng = SeededRandom(seed: 1, path: ["mfac", "prune"])
        let g = (0..<(3 * 6)).map { _ in rng.normal() }
        var inverse = StaticFisherInverse(gradients: g, count: 3, damping: 0.1)
        let diagonal = inverse.diagonal()
        let magnitude = MFACPaper.prune(w, prunable: prunable, sparsity: 0.4, pruner: .magnitude, inverse: &inverse, diagonal: diagonal, fisherDiagonal: diagonal)
        XCTAssertEqual(magnitude, [0, -2, 0.5, 3, 0, 1])
        let obs = MFACPaper.prune(w, prunable: prunable, sparsity: 0.4, pruner: .mfac, inverse: &inverse, diagonal: diagonal, fisherDiagonal: diagonal)
        let scores = (0..<5).map { w[$0] * w[$0] / (2 * diagonal[$0]) }
        let removed = (0..<5).sorted { scores[$0] < scores[$1] }.prefix(2)
        var z = [Double](repeating: 0, count: 6)
        for q in removed { z[q] = w[q] / diagonal[q] }
        let delta = inverse.multiply(z)
        for i in 0..<6 { XCTAssertEqual(obs[i], removed.contains(i) ? 0 : w[i] - delta[i], accuracy: 1e-12) }
    }

    func claim(_ id: String) -> Claim { MFACPaper().claims.first { $0.id == id }! }

    func testRuleBranches() {
        XCTAssertEqual(claim("c1a").decide(AdaBeliefTests.evidence([:], ["c1a.static_relative_error": 1e-10])).verdict, .reproduced)
        XCTAssertEqual(claim("c1a").decide(AdaBeliefTests.evidence([:], ["c1a.static_relative_error": 1e-3])).verdict, .notReproduced)
        func c1b(_ a: Double, _ b: Double, _ c: Double) -> Verdict {
            claim("c1b").decide(AdaBeliefTests.evidence([:], ["c1b.slope.ihvp_in_d": a, "c1b.slope.precomputation_in_m": b, "c1b.slope.entry_in_m": c])).verdict
        }
        XCTAssertEqual(c1b(1, 1.95, 1), .reproduced)
        XCTAssertEqual(c1b(2, 1.95, 1), .notReproduced)
        XCTAssertEqual(c1b(1, 3, 1), .notReproduced)
        let c3a = claim("c3a"), key = "c3a.accuracy_mfac_minus_magnitude"
        XCTAssertEqual(c3a.decide(AdaBeliefTests.evidence([key: (5, 3, 7)])).verdict, .reproduced)
        XCTAssertEqual(c3a.decide(AdaBeliefTests.evidence([key: (-1, -2, 0.5)])).verdict, .notReproduced)
        let c3b = claim("c3b"), key2 = "c3b.mlp_digits.test_accuracy_mfac_minus_best"
        XCTAssertEqual(c3b.decide(AdaBeliefTests.evidence([key2: (0, -0.5, 0.5)])).verdict, .reproduced)
        XCTAssertEqual(c3b.decide(AdaBeliefTests.evidence([key2: (-3, -4, -2)])).verdict, .notReproduced)
    }

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = MFACPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "m-fac")
        var settings = MFACPaper.Settings(context)
        settings.dimension = 60
        settings.counts = [4, 8]
        settings.costDimensions = [100, 1000]
        settings.pruningGradients = 8
        settings.pruningSizes = [64, 8, 10]
        settings.pretrainingEpochs = 1
        settings.learningRates = [1e-3, 1e-2]
        let data = AdamTests.tinyData()
        settings.pruningData = { _ in data }
        settings.optimizerTask = { _ in
            StandardTasks.classification(key: "mlp_digits", label: "tiny", data: data, model: "tiny", epochs: 1, batchSize: 16) { MLP(sizes: [64, 8, 10], rng: $0) }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertLessThan(first.evidence["c1a.static_relative_error"], 1e-6)
        XCTAssertLessThan(first.evidence["c2a.dynamic_relative_error"], 1e-6)
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
