import XCTest
import Papers
@testable import LowRankAdapters
import Harness

final class LoRAPlusTests: XCTestCase {
    private static let base: PretrainedLanguageModel = PretrainedFixture.model(
        LanguageModelPretraining(model: TransformerConfig(vocabulary: 12, context: 6, width: 16, heads: 2, layers: 1),
                                 steps: 40, batchSize: 8, learningRate: 1e-2, warmupSteps: 5, seed: 3))

    private func adaptedModel(seed: UInt64 = 1) -> TinyTransformer {
        let model = Self.base.makeModel()
        model.attachLoRA(rank: 2, alpha: 4, to: LoRAPlus.adapted, rng: SeededRandom(seed: seed, path: ["adapters"]))
        return model
    }

    private func batch(_ k: Int) -> TokenBatch {
        var rng = SeededRandom(seed: 9, path: ["batch \(k)"])
        return Self.base.taskB(fraction: 0.5).batch(sequences: 4, length: 6, using: &rng)
    }

    private func bits(_ ps: [Parameter]) -> [[UInt32]] { ps.map { $0.value.data.map(\.bitPattern) } }

    /// B = 0 makes every adapter an exact no-op: the adapted model's logits equal the base model's bit for bit.
    func testZeroInitialisedAdaptersLeaveThePretrainedOutputsBitIdentical() {
        let b = batch(0)
        let plain = Self.base.makeModel().forward(Tape<Float>(), tokens: b.tokens, batch: 4, training: false).value
        let model = adaptedModel()
        XCTAssertEqual(model.loraAdapters.count, 6, "q, k, v, o, fc1, fc2 of the one block")
        XCTAssertTrue(model.loraAdapters.allSatisfy { $0.a.value.norm() > 0 && $0.b.value.norm() == 0 })
        let adapted = model.forward(Tape<Float>(), tokens: b.tokens, batch: 4, training: false).value
        XCTAssertEqual(adapted.data.map(\.bitPattern), plain.data.map(\.bitPattern))
    }

    /// With λ = 1 the two LoRA+ groups are LoRA's single group split in two: identical trajectories.
    func testLoRAPlusWithRatioOneIsLoRABitForBit() {
        let m1 = adaptedModel(), m2 = adaptedModel()
        let lora = LoRAPlus.loraOptimizer(m1, learningRate: 3e-3, steps: 8)
        let plus = ChainedOptimizer(groups: LoRAPlus.parameterGroups(m2, learningRate: 3e-3, ratio: 1, steps: 8))
        XCTAssertEqual(plus.groups.count, 2)
        for k in 0..<8 {
            let b = batch(k)
            let l1 = lora.step { m1.lossAndGradient(tokens: b.tokens, targets: b.targets, batch: 4) }
            let l2 = plus.step { m2.lossAndGradient(tokens: b.tokens, targets: b.targets, batch: 4) }
            XCTAssertEqual(l1.bitPattern, l2.bitPattern, "step \(k)")
        }
        XCTAssertEqual(bits(m1.parameters), bits(m2.parameters))
        XCTAssertNotEqual(bits(m1.parameters), bits(adaptedModel().parameters), "the adapters must have moved")
        XCTAssertEqual(lora.stateBytes, plus.stateBytes)
    }

    /// The first Adam step from B = 0: A's gradient is exactly zero (it is multiplied by B), so A
    /// does not move, and every B entry with a nonzero gradient moves by ≈ λη (Adam's first step
    /// is lr · g/(|g| + ε)).
    func testFirstStepMovesBByRatioTimesRateAndLeavesAUnchanged() {
        let model = adaptedModel()
        let aBefore = bits(model.loraAdapters.map(\.a))
        let eta = 1e-3, lambda = 4.0
        let opt = ChainedOptimizer(groups: LoRAPlus.parameterGroups(model, learningRate: eta, ratio: lambda, steps: 10))
        let b = batch(0)
        opt.step { model.lossAndGradient(tokens: b.tokens, targets: b.targets, batch: 4) }
        XCTAssertEqual(bits(model.loraAdapters.map(\.a)), aBefore)
        let largest = model.loraAdapters.map { $0.b.value.data.map { abs($0) }.max()! }.max()!
        XCTAssertEqual(Double(largest), lambda * eta, accuracy: 1e-3 * lambda * eta)
        XCTAssertEqual(opt.groups.map { $0.learningRate(1) }, [Float(eta), Float(eta * lambda)])
        XCTAssertEqual(opt.groups[0].learningRate(10), Float(eta / 10), "linear decay reaches η/T at the last step")
    }

    /// The official grouping: lora_B and every trainable 1-D tensor at λη; biases and LayerNorm
    /// without weight decay; everything else (lora_A, other matrices) at η.
    func testParameterGroupsFollowTheOfficialRule() {
        let model = adaptedModel()
        model.finalNorm?.isFrozen = false
        model.head.isFrozen = false
        let groups = LoRAPlus.parameterGroups(model, learningRate: 1e-3, ratio: 8, weightDecay: 0.1, steps: 5)
        XCTAssertEqual(groups.count, 3)
        let names = groups.map { $0.parameters.map(\.name) }
        XCTAssertTrue(names[0].allSatisfy { $0.hasSuffix("lora_A") || $0 == "head.weight" })
        XCTAssertTrue(names[0].contains("head.weight"))
        XCTAssertEqual(names[1].count, 6)
        XCTAssertTrue(names[1].allSatisfy { $0.hasSuffix("lora_B") })
        XCTAssertEqual(Set(names[2]), ["final_ln.gain", "final_ln.bias", "head.bias"])
        XCTAssertEqual(groups.map { $0.learningRate(1) }, [1e-3, 8e-3, 8e-3])
        XCTAssertEqual(groups.map { $0.transforms.contains { $0 is AddDecayedWeights } }, [true, true, false])
        XCTAssertEqual(Set(names.flatMap { $0 }), Set(model.trainableParameters.map(\.name)), "every trainable tensor in exactly one group")
        XCTAssertEqual(names.flatMap { $0 }.count, model.trainableParameters.count)
    }

    func testStepsToTargetAndBlockMeans() {
        XCTAssertEqual(LoRAPlus.blockMeans([4, 2, 3, 1, 9], block: 2), [3, 2])
        XCTAssertEqual(LoRAPlus.stepsToTarget([5, 3, 2, 1], target: 2, block: 10), 30)
        XCTAssertNil(LoRAPlus.stepsToTarget([5, 3], target: 2, block: 10))
        XCTAssertEqual(LoRAPlus.meanCurve([[1, 2, 3], [3, 4]]), [2, 3])
    }

    /// A tiny run through the paper's own code path: deterministic, and every claim's rule reads
    /// only metrics the run records.
    func testTinyRunIsDeterministicAndFeedsEveryClaim() throws {
        let paper = LoRAPlus()
        var s = LoRAPlus.Settings(widths: [16, 32], pretrainSteps: 5, steps: 10, learningRates: [1e-3, 1e-2], evaluationSeeds: 2)
        s.validationSequences = 4
        s.testSequences = 4
        s.batch = 4
        let context = RunContext(seed: 0, scale: .quick, slug: "lora-plus")
        let r1 = try paper.run(context, settings: s), r2 = try paper.run(context, settings: s)
        XCTAssertEqual(r1.evidence.metrics, r2.evidence.metrics)
        for claim in paper.claims {
            let j = claim.decide(r1.evidence)
            XCTAssertFalse(j.measured.isEmpty, claim.id)
        }
        XCTAssertEqual(r1.evidence["c2.trainable_parameters.difference"], 0)
        XCTAssertEqual(r1.evidence["c2.state_bytes.difference"], 0)
        XCTAssertEqual(r1.evidence["c2.lora.gradient_evaluations_per_step"], 1)
        XCTAssertEqual(paper.claims.map(\.id), ["c1", "c2", "c3a", "c3b"])
        XCTAssertTrue(registry.contains { $0.info.slug == "lora-plus" })
        XCTAssertTrue(r1.evidence.has("c3b.target_reached"))
    }

    /// c3b is never judged on a target no tuning reached; c1 reads the growth's interval.
    func testRulesDecideAsWritten() {
        let claims = Dictionary(uniqueKeysWithValues: LoRAPlus().claims.map { ($0.id, $0) })
        func e(_ key: String, _ low: Double, _ high: Double, extra: [String: Double] = [:]) -> Evidence {
            var e = Evidence()
            e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 5), tolerance: 0)
            for (k, v) in extra { e.record(k, v) }
            return e
        }
        XCTAssertEqual(claims["c3b"]!.decide(e("c3b.log_speedup", 0.5, 0.9, extra: ["c3b.target_reached": 0])).verdict, .inconclusive(.tuningFailed))
        XCTAssertEqual(claims["c3b"]!.decide(e("c3b.log_speedup", 0.5, 0.9, extra: ["c3b.target_reached": 1])).verdict, .reproduced)
        XCTAssertEqual(claims["c3b"]!.decide(e("c3b.log_speedup", -0.2, 0.1, extra: ["c3b.target_reached": 1])).verdict, .notReproduced)
        XCTAssertEqual(claims["c1"]!.decide(e("c1.gain_growth", 0.01, 0.05)).verdict, .reproduced)
        XCTAssertEqual(claims["c1"]!.decide(e("c1.gain_growth", -0.5, 0.5)).verdict, .inconclusive(.underpowered))
    }
}
