import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class LoRAGGPOTests: XCTestCase {
    /// σ_j by hand: column norms of W' and of G (rescaled to W's Frobenius norm), fan-in n = 2.
    func testColumnScalesByHand() {
        let m = Tensor<Float>(shape: [2, 2], data: [3, 0, 4, 1])     // columns (3,4), (0,1): ‖·‖² = 25, 1
        let g = Tensor<Float>(shape: [2, 2], data: [0, 1, 0, 1])     // columns ‖·‖² = 0, 2; c = 26/2 = 13
        let s = GGPO.columnScales(merged: m, gradient: g, sigma: 0.1, alpha: 0.5, beta: 0.5)
        XCTAssertEqual(s[0], 0.1 * (0.5 * 25 / 2).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(s[1], 0.1 * ((0.5 * 1 + 0.5 * 13 * 2) / 2).squareRoot(), accuracy: 1e-6)
        let none = GGPO.columnScales(merged: m, gradient: .zeros([2, 2]), sigma: 0.1, alpha: 0.5, beta: 0.5)
        XCTAssertEqual(none[1], 0.1 * (0.5 * 1 / 2).squareRoot(), accuracy: 1e-6, "no gradient yet: weight term only")
    }

    /// One evaluation per step at W + ε, the weights restored exactly, the base applying that gradient;
    /// σ = 0 is the base optimizer.
    func testOneEvaluationAtThePerturbedPointThenRestore() {
        func run(sigma: Float) -> (w: [Float], seen: [[Float]], evaluations: Int) {
            let p = Parameter("w", Tensor(shape: [2, 2], data: [0.5, -1, 2, 0.3]))
            var seen = [[Float]](), evaluations = 0
            let o = GGPO(base: ChainedOptimizer.sgd([p], learningRate: .constant(0.1)), targets: [GGPO.Target(p)], sigma: sigma,
                         rng: SeededRandom(seed: 1))
            o.step {
                evaluations += 1; seen.append(p.value.data)
                p.grad = Tensor(shape: [2, 2], data: p.value.data.map { 2 * $0 })
                return p.value.data.reduce(0) { $0 + $1 * $1 }
            }
            return (p.value.data, seen, evaluations)
        }
        let w0: [Float] = [0.5, -1, 2, 0.3]
        let plain = run(sigma: 0)
        XCTAssertEqual(plain.evaluations, 1)
        XCTAssertEqual(plain.w, w0.map { $0 - 0.1 * 2 * $0 })
        let noisy = run(sigma: 0.5)
        XCTAssertEqual(noisy.evaluations, 1)
        XCTAssertNotEqual(noisy.seen[0], w0)
        for i in 0..<4 { XCTAssertEqual(noisy.w[i], w0[i] - 0.1 * 2 * noisy.seen[0][i], accuracy: 1e-6) }
    }

    /// The noise has the column standard deviations σ_j (sample check on a tall weight).
    func testNoiseHasTheColumnScales() {
        let rows = 4000
        let w = Tensor<Float>(shape: [rows, 2], data: (0..<(2 * rows)).map { $0 % 2 == 0 ? 1 : 0.1 })
        let p = Parameter("w", w)
        var eps = [Float]()
        let o = GGPO(base: ChainedOptimizer.sgd([p], learningRate: .constant(0)), targets: [GGPO.Target(p)], sigma: 0.2, rng: SeededRandom(seed: 2))
        o.step { eps = zip(p.value.data, w.data).map { $0 - $1 }; return 0 }
        let expected = GGPO.columnScales(merged: w, gradient: .zeros([rows, 2]), sigma: 0.2, alpha: 0.5, beta: 0.5)
        for j in 0..<2 {
            let col = stride(from: j, to: eps.count, by: 2).map { Double(eps[$0]) }
            let sd = (col.map { $0 * $0 }.reduce(0, +) / Double(rows)).squareRoot()
            XCTAssertEqual(sd, Double(expected[j]), accuracy: 0.05 * Double(expected[j]))
        }
        XCTAssertEqual(p.value.data, w.data, "weights restored")
    }

    /// A LoRA layer's target perturbs W, scaled by the merged weight W + (α/r)(BA)ᵀ.
    func testLoRATargetMergesTheAdapter() {
        let layer = Linear("l", inputs: 3, outputs: 2, rng: SeededRandom(seed: 3))
        let lora = layer.attachLoRA(rank: 2, alpha: 4, rng: SeededRandom(seed: 4))
        lora.b.value = Tensor(shape: [2, 2], data: [1, 2, -1, 0.5])
        let t = GGPO.Target(loraLayer: layer)
        XCTAssertTrue(t.parameter === layer.weight)
        let merged = t.merged()
        for i in 0..<3 {
            for j in 0..<2 {
                var ba: Float = 0
                for k in 0..<2 { ba += lora.b.value.data[j * 2 + k] * lora.a.value.data[k * 3 + i] }
                XCTAssertEqual(merged.data[i * 2 + j], layer.weight.value.data[i * 2 + j] + 2 * ba, accuracy: 1e-6)
            }
        }
    }

    func testBumpSeesOnlyFallRiseFall() {
        XCTAssertEqual(LoRAGGPO.bump([10, 6, 9, 4]), 3)               // rise to 9 above max(6, 4)
        XCTAssertLessThanOrEqual(LoRAGGPO.bump([10, 8, 6, 4]), 0)      // monotone
        XCTAssertLessThanOrEqual(LoRAGGPO.bump([10, 5, 7, 9]), 0)      // U: overfitting, no second descent
    }

    /// Each rule's branches on hand-made evidence.
    func testRulesDecideAsWritten() {
        let claims = Dictionary(uniqueKeysWithValues: LoRAGGPO().claims.map { ($0.id, $0) })
        func paired(_ id: String, _ key: String, _ m: Double, _ lo: Double, _ hi: Double) -> Verdict {
            var e = Evidence(); e.record(interval: key, Interval(mean: m, low: lo, high: hi, count: 5), tolerance: 0)
            return claims[id]!.decide(e).verdict
        }
        for (id, key) in [("c3a", "c3a.gain_vs_lora"), ("c3b", "c3b.gain_vs_sam")] {
            XCTAssertEqual(paired(id, key, 1.5, 0.4, 2.6), .reproduced, id)
            XCTAssertEqual(paired(id, key, 0, -0.3, 0.3), .notReproduced, id)
            XCTAssertEqual(paired(id, key, 0.5, -1.5, 2.5), .inconclusive(.underpowered), id)
        }
        XCTAssertEqual(paired("c2", "c2.log_sharpness", -0.5, -0.8, -0.2), .reproduced)
        XCTAssertEqual(paired("c2", "c2.log_sharpness", 0.1, 0.0, 0.2), .notReproduced)
        func bumps(_ lora: Double, _ ratio: Double, epoch: Double = 2) -> [String: Verdict] {
            var e = Evidence()
            e.record("c1.lora_bump", lora); e.record("c4a.bump_ratio", ratio)
            e.record("c4b.lora_epoch_bump", epoch); e.record("c4b.epoch_bump_ratio", ratio)
            return Dictionary(uniqueKeysWithValues: ["c1", "c4a", "c4b"].map { ($0, claims[$0]!.decide(e).verdict) })
        }
        XCTAssertEqual(bumps(2, 0.3), ["c1": .reproduced, "c4a": .reproduced, "c4b": .reproduced])
        XCTAssertEqual(bumps(2, 0.8), ["c1": .reproduced, "c4a": .notReproduced, "c4b": .notReproduced])
        XCTAssertEqual(bumps(0.2, 0.3, epoch: 0.1), ["c1": .notReproduced, "c4a": .inconclusive(.premiseAbsent), "c4b": .inconclusive(.premiseAbsent)])
        var cost = Evidence(); cost.record("c5.ggpo_evaluations_per_step", 1); cost.record("c5.sam_evaluations_per_step", 2)
        XCTAssertEqual(claims["c5"]!.decide(cost).verdict, .reproduced)
    }

    /// The whole experiment at a tiny size records what the rules read, deterministically.
    func testTinyRunRecordsEveryMetricDeterministically() throws {
        let paper = LoRAGGPO(), context = RunContext(scale: .quick, slug: "lora-ggpo")
        var s = LoRAGGPO.Settings(context)
        (s.hidden, s.pretrainEpochs, s.steps, s.evalEvery, s.ranks, s.trainSize, s.powerIterations) = ([8], 1, 12, 4, [1, 2, 4], 30, 3)
        let first = try paper.run(context, settings: s)
        for claim in paper.claims {
            let j = claim.decide(first.evidence)
            XCTAssertTrue(["reproduced", "not reproduced", "inconclusive"].contains(j.verdict.label), claim.id)
            XCTAssertFalse(j.measured.contains("NaN"), "\(claim.id): \(j.measured)")
        }
        XCTAssertEqual(first.evidence["c5.ggpo_evaluations_per_step"], 1)
        XCTAssertEqual(first.evidence["c5.sam_evaluations_per_step"], 2)
        XCTAssertEqual(try paper.run(context, settings: s).evidence.metrics, first.evidence.metrics)
    }
}
