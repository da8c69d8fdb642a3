import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class FisherSAMTests: XCTestCase {
    /// L(w) = ½ Σ aᵢwᵢ² + ⅓ w₀³, a gradient that changes under a perturbation.
    private func closure(_ p: Parameter) -> LossAndGradient {
        {
            let w = p.value.data, a: [Float] = [3, 1, 0.5, 2]
            p.grad = Tensor(shape: [4], data: (0..<4).map { a[$0] * w[$0] + ($0 == 0 ? w[0] * w[0] : 0) })
            var loss: Float = w[0] * w[0] * w[0] / 3
            for i in 0..<4 { loss += 0.5 * a[i] * w[i] * w[i] }
            return loss
        }
    }

    /// The mask keeps the k largest Fisher entries across tensors, ties to the earlier coordinate.
    func testTopMaskKeepsTheLargestEntries() {
        let f = [Tensor<Float>(shape: [2], data: [0.5, 3]), Tensor<Float>(shape: [3], data: [1, 3, 0.1])]
        XCTAssertEqual(FisherSAM.topMask(f, keep: 2).map(\.data), [[0, 1], [0, 1, 0]])
        XCTAssertEqual(FisherSAM.topMask(f, keep: 1).map(\.data), [[0, 1], [0, 0, 0]], "tie between 3 and 3 goes to the earlier")
        XCTAssertEqual(FisherSAM.topMask(f, keep: 3).map(\.data), [[0, 1], [1, 1, 0]])
    }

    /// A zero mask makes FSAM its base (no perturbation); a mask of ones is SAM; a partial mask
    /// perturbs only its coordinates, by ρ·g/‖g‖ with the full norm.
    func testMaskedPerturbation() {
        func step(mask: [Float]?) -> [Float] {
            let p = Parameter("w", Tensor(shape: [4], data: [0.5, -1, 2, 0.3]))
            let base = ChainedOptimizer.sgd([p], learningRate: .constant(0.1))
            let o: any Optimizer = mask.map { m -> any Optimizer in
                // The mask's own values as the Fisher, with the sparsity that keeps exactly its ones.
                let ones = m.reduce(0, +)
                return FisherSAM(base: base, rho: 0.2, sparsity: ones == 0 ? 0.9 : Double(1 - ones / 4), interval: 1,
                                 source: .perExample({ [Tensor(shape: [4], data: m)] }))
            } ?? SAM(base: base, rho: 0.2)
            o.step(closure(p))
            return p.value.data
        }
        let p = Parameter("w", Tensor(shape: [4], data: [0.5, -1, 2, 0.3]))
        ChainedOptimizer.sgd([p], learningRate: .constant(0.1)).step(closure(p))
        XCTAssertEqual(step(mask: [0, 0, 0, 0]), p.value.data)
        XCTAssertEqual(step(mask: [1, 1, 1, 1]), step(mask: nil))
        // By hand: g = (1.75, −1, 1, 0.6); ε = 0.2·g/‖g‖ on coordinate 0 only.
        let g: [Float] = [1.75, -1, 1, 0.6]
        let norm: Float = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2] + g[3] * g[3]).squareRoot()
        let w0: Float = 0.5 + 0.2 * g[0] / norm
        let g0: Float = 3 * w0 + w0 * w0
        let expected: [Float] = [0.5 - 0.1 * g0, -0.9, 1.9, 0.24]
        for (x, y) in zip(step(mask: [1, 0, 0, 0]), expected) { XCTAssertEqual(x, y, accuracy: 1e-6) }
    }

    /// The empirical Fisher from the per-sample statistics is the mean of squared per-example gradients.
    func testEmpiricalFisherIsTheMeanSquare() {
        let grads: [[Float]] = [[1, -2], [3, 0.5], [-1, 1]]
        let b = Float(grads.count)
        var mean: [Float] = [0, 0], variance: [Float] = [0, 0], expected: [Float] = [0, 0]
        for g in grads { for j in 0..<2 { mean[j] += g[j] / b; expected[j] += g[j] * g[j] / b } }
        for g in grads { for j in 0..<2 { let r = g[j] - mean[j]; variance[j] += r * r / (b - 1) } }
        let stats = PerSampleGradientStatistics(count: 3, mean: [Tensor(shape: [2], data: mean)], variance: [Tensor(shape: [2], data: variance)])
        for (x, y) in zip(stats.empiricalFisher[0].data, expected) { XCTAssertEqual(x, y, accuracy: 1e-5) }
    }

    /// The league variant is SAM until its first refresh, then perturbs (1 − s) of the coordinates.
    func testLeagueVariantStartsAsSAMThenMasks() {
        func run(_ make: (Parameter) -> any Optimizer, steps: Int) -> [Float] {
            let p = Parameter("w", Tensor(shape: [4], data: [0.5, -1, 2, 0.3]))
            let o = make(p)
            for _ in 0..<steps { o.step(closure(p)) }
            return p.value.data
        }
        let sam = { (p: Parameter) in SAM(base: ChainedOptimizer.sgd([p], learningRate: .constant(0.1)), rho: 0.1) }
        let fsam = { (p: Parameter) in FisherSAM(base: ChainedOptimizer.sgd([p], learningRate: .constant(0.1)), rho: 0.1, sparsity: 0.5, interval: 3, source: .appliedGradients) }
        XCTAssertEqual(run(sam, steps: 3), run(fsam, steps: 3))
        XCTAssertNotEqual(run(sam, steps: 4), run(fsam, steps: 4))
        let p = Parameter("w", Tensor(shape: [4], data: [0.5, -1, 2, 0.3]))
        let f = fsam(p)
        for _ in 0..<4 { f.step(closure(p)) }
        XCTAssertEqual(f.mask?[0].data.reduce(0, +), 2)
    }

    /// Each rule's branches on hand-made evidence.
    func testRulesDecideAsWritten() {
        let claims = Dictionary(uniqueKeysWithValues: FisherSAMPaper().claims.map { ($0.id, $0) })
        func paired(_ id: String, _ key: String, _ m: Double, _ lo: Double, _ hi: Double) -> Verdict {
            var e = Evidence(); e.record(interval: key, Interval(mean: m, low: lo, high: hi, count: 6), tolerance: 0)
            return claims[id]!.decide(e).verdict
        }
        for (id, key) in [("c2", "c2.gain_vs_sam"), ("c3", "c3.gain_vs_sam.n50")] {
            XCTAssertEqual(paired(id, key, 1.5, 0.4, 2.6), .reproduced, id)
            XCTAssertEqual(paired(id, key, 0, -0.3, 0.3), .notReproduced, id)
            XCTAssertEqual(paired(id, key, 0.5, -1.5, 2.5), .inconclusive(.underpowered), id)
        }
        XCTAssertEqual(claims["c1"]!.decide(Evidence()).verdict.label, "not testable on CPU")
    }

    /// The whole experiment at a tiny size records what the rules read, deterministically.
    func testTinyRunRecordsEveryMetricDeterministically() throws {
        let paper = FisherSAMPaper(), context = RunContext(scale: .quick, slug: "fsam-fisher-mask")
        var s = FisherSAMPaper.Settings(context)
        (s.hidden, s.pretrainEpochs, s.steps, s.learningRates, s.fisherExamples) = ([8], 1, 10, [3e-3], 8)
        (s.selectionSeeds, s.evaluationSeeds, s.seedCap) = (1, 2, 2)
        let first = try paper.run(context, settings: s)
        for claim in paper.claims where claim.id != "c1" {
            let j = claim.decide(first.evidence)
            XCTAssertTrue(["reproduced", "not reproduced", "inconclusive"].contains(j.verdict.label), claim.id)
            XCTAssertFalse(j.measured.contains("NaN"), j.measured)
        }
        let total = 8 * 64 + 8 + 8 * 10 + 10
        let kept = Int(Double(total) * (1 - 0.9))
        XCTAssertEqual(first.evidence["diagnostic.perturbed_share"], Double(kept) / Double(total), accuracy: 1e-12)
        XCTAssertEqual(try paper.run(context, settings: s).evidence.metrics, first.evidence.metrics)
    }
}
