import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
@testable import Harness

/// SLTrain: the fixed random support, the invariant that S never leaves it and that low rank
/// (δ = 0) keeps S ≡ 0, hand-computed parameter counts, the rules' branches, and a tiny
/// deterministic run.
final class SLTrainTests: XCTestCase {
    func testSupportIsAFixedUniformSubset() {
        let rng = SeededRandom(seed: 3, path: ["t"])
        let omega = SLTrain.support(count: 1024, density: 0.03, rng: rng)
        XCTAssertEqual(omega.count, 30)  // ⌊0.03 · 1024⌋
        XCTAssertEqual(omega, omega.sorted())
        XCTAssertEqual(Set(omega).count, 30)
        XCTAssertTrue(omega.allSatisfy { (0..<1024).contains($0) })
        XCTAssertEqual(omega, SLTrain.support(count: 1024, density: 0.03, rng: rng))
    }

    func testMaskedGradientOnlyMovesTheSupport() {
        let s = SLTrain.settings(RunContext(seed: 0, scale: .quick, slug: "sltrain"))
        var batches = SeededRandom(seed: 1, path: ["batches"])
        var sourceRNG = SeededRandom(seed: 2, path: ["source"])
        let source = MarkovTokenSource(vocabularySize: s.vocabulary, order: s.order, branching: s.branching,
                                       smoothing: s.smoothing, using: &sourceRNG)
        for method in [SLTrain.Method.slTrain, .lowRank] {
            let (model, optimizer, supports) = SLTrain.model(method, settings: s, learningRate: 1e-2, common: SeededRandom(seed: 5, path: ["c"]))
            let blocks = model.linearLayers.filter { GaLore.isBlockMatrix($0.name) }
            XCTAssertEqual(blocks.count, 2 * s.layers * 3)
            let before = blocks.map(\.weight.value.data)
            for _ in 0..<3 {
                let b = GaLore.TokenSet(source.sample(sequences: 4, length: s.context + 1, using: &batches))
                _ = optimizer.step { model.lossAndGradient(tokens: b.tokens, targets: b.targets, batch: 4) }
            }
            for (k, layer) in blocks.enumerated() {
                let omega = Set(supports[k])
                XCTAssertEqual(omega.count, method == .slTrain ? Int(0.03 * Double(layer.weight.value.count)) : 0)
                for (i, (w, w0)) in zip(layer.weight.value.data, before[k]).enumerated() where !omega.contains(i) {
                    XCTAssertEqual(w, 0); XCTAssertEqual(w0, 0)
                }
                if method == .slTrain { XCTAssertTrue(omega.contains { layer.weight.value.data[$0] != before[k][$0] }) }
                XCTAssertNotNil(layer.adapter)
                XCTAssertEqual(layer.adapter!.scale, Float(SLTrain.scaleOverRank))
            }
            // A, B, S (masked) and biases are all trained.
            XCTAssertTrue(model.trainableParameters.contains { $0.name.hasSuffix("lora_B") })
            XCTAssertTrue(model.trainableParameters.contains { $0.name == "block0.attn.wq.weight" })
        }
    }

    /// Width 16, r = 4, MLP 64: per block four 16×16 and two 16×64 matrices.
    func testCountsByHand() {
        let s = SLTrain.settings(RunContext(seed: 0, scale: .quick, slug: "sltrain"))
        XCTAssertEqual(s.width, 16)
        let full = SLTrain.counts(.adamW, settings: s), low = SLTrain.counts(.lowRank, settings: s), sl = SLTrain.counts(.slTrain, settings: s)
        let dense = 2 * (4 * 256 + 2 * 1024), lowRank = 2 * (4 * 4 * 32 + 2 * 4 * 80), nnz = 2 * (4 * 7 + 2 * 30)
        XCTAssertEqual(full.parameters - low.parameters, dense - lowRank)
        XCTAssertEqual(sl.parameters - low.parameters, nnz)
        XCTAssertEqual(sl.indices, nnz)
        XCTAssertEqual(low.indices, 0)
        XCTAssertEqual(SLTrain.bf16Bytes(sl) - SLTrain.bf16Bytes(low), Double(16 * nnz))
    }

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) { e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0) }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testRuleBranches() {
        let claims = SLTrain().claims
        func verdict(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        let premise = "c1a.premise.loss_lowrank_minus_adamw", main = "c1a.loss_sltrain_minus_lowrank"
        XCTAssertEqual(verdict("c1a", Self.evidence([premise: (0.1, 0.05, 0.15), main: (-0.05, -0.08, -0.02)])), .reproduced)
        XCTAssertEqual(verdict("c1a", Self.evidence([premise: (0.1, 0.05, 0.15), main: (0.0, -0.005, 0.005)])), .notReproduced)
        XCTAssertEqual(verdict("c1a", Self.evidence([premise: (0.0, -0.005, 0.005), main: (-0.05, -0.08, -0.02)])), .inconclusive(.premiseAbsent))
        XCTAssertEqual(verdict("c1b", Self.evidence(["c1b.loss_sltrain_minus_adamw": (0.01, -0.01, 0.03)])), .reproduced)
        XCTAssertEqual(verdict("c1b", Self.evidence(["c1b.loss_sltrain_minus_adamw": (0.1, 0.07, 0.13)])), .notReproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.extra_parameters": 0.05])), .reproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.extra_parameters": 0.2])), .notReproduced)
        XCTAssertEqual(verdict("c2b", Self.evidence([:], ["c2b.extra_memory": 0.09])), .reproduced)
        XCTAssertEqual(verdict("c2b", Self.evidence([:], ["c2b.extra_memory": 0.11])), .notReproduced)
    }

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = SLTrain()
        let context = RunContext(seed: 0, scale: .quick, slug: "sltrain")
        var s = SLTrain.settings(context)
        s.steps = 4
        s.evaluationInterval = 2
        let first = try paper.run(context, settings: s)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        let second = try paper.run(context, settings: s)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
        XCTAssertEqual(try compiledExcerpts.excerpts(of: paper).map(\.name), ["sparse-support", "layer-swap"])
    }
}
