import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// LoQT: the official merge schedule by hand, a merge's invariants (NF4 base, compensation never
/// worse than a zero restart), a hand-computed step, exact bytes, the rules' branches, a tiny run.
final class LoQTTests: XCTestCase {
    static func matrix(_ rows: Int, _ columns: Int, seed: UInt64, std: Double = 1) -> Tensor<Float> {
        var rng = SeededRandom(seed: seed, path: ["loqt", "test"])
        return Tensor<Float>.randomNormal([rows, columns], std: std, using: &rng)
    }

    /// `get_proj_update_steps` with T = 10: 10, then + 10 + ⌊1.2ᵏ⌋: 21, 32, 43, 55 (⌊1.2⁴⌋ = 2), 67,
    /// 79, 92 (⌊1.2⁷⌋ = 3); static: every 10. Step 1 always merges (the hooks attached at construction).
    func testMergeScheduleByHand() {
        XCTAssertEqual(MergeSchedule(gap: 10).steps(through: 100), [1, 10, 21, 32, 43, 55, 67, 79, 92])
        XCTAssertEqual(MergeSchedule(gap: 10, increment: nil).steps(through: 35), [1, 10, 20, 30])
        XCTAssertTrue(MergeSchedule(gap: 10).isMerge(55))
        XCTAssertFalse(MergeSchedule(gap: 10).isMerge(56))
        XCTAssertEqual(MergeSchedule(gap: 1, increment: nil).steps(through: 3), [1, 2, 3])
    }

    /// At a merge the base is an NF4 grid in torch's layout, the projector has the short side's
    /// shape, the parameter becomes deq(Q) + αPB, and five compensation iterations leave a smaller
    /// error than none (the first iteration already is the least-squares fit of the zero-restart error).
    func testMergeQuantisesAndCompensates() throws {
        let w = Self.matrix(64, 32, seed: 1, std: 0.1), g = Self.matrix(64, 32, seed: 2)  // [in 64, out 32]
        var errors: [Double] = []
        for iterations in [0, 5] {
            let s = LoQTAdapter.Settings(rank: 4, compensationIterations: iterations, schedule: MergeSchedule(gap: 10))
            let adapter = LoQTAdapter(settings: [s], inner: ScaleByAdam(eps: 1e-8), learningRate: .constant(0.1), layout: .inputsByOutputs)
            var u = g
            adapter.update(&u, parameter: w, index: 0, step: 1)
            let f = try XCTUnwrap(adapter.factor(0))
            XCTAssertEqual(f.side, .right)  // torch [32, 64]: out < in, so the output side (B: 64 × 4)
            XCTAssertEqual(f.p.shape, [4, 32])
            XCTAssertEqual(f.base.transposed.data, NormalFloatQuantizer().roundTrip(f.base.transposed.data))
            var view = f.base
            view.add(0.5 * matmul(f.b, f.p))
            var next = w
            next.add(u, scaledBy: -1)
            for i in 0..<view.count { XCTAssertEqual(next.data[i], view.data[i], accuracy: 1e-6) }
            if iterations == 0 { XCTAssertEqual(f.b.data, [Float](repeating: 0, count: 64 * 4)) }
            errors.append(f.mergeError)
        }
        XCTAssertLessThan(errors[1], errors[0])
    }

    /// Between merges, with fp32 weights: step 2's update is α P (lr · Adam(α Pᵀ G)) with Adam's
    /// first non-zero moments at t = 2 (step 1 stepped on a zeroed gradient), computed by hand.
    func testStepBetweenMergesByHand() throws {
        let w = Self.matrix(6, 8, seed: 3), g1 = Self.matrix(6, 8, seed: 4), g2 = Self.matrix(6, 8, seed: 5)
        let s = LoQTAdapter.Settings(rank: 2, alpha: 0.5, schedule: MergeSchedule(gap: 10), weights: nil, projector: nil)
        let adapter = LoQTAdapter(settings: [s], inner: ScaleByAdam(eps: 1e-8), learningRate: .constant(0.01), layout: .inputsByOutputs)
        var u = g1
        adapter.update(&u, parameter: w, index: 0, step: 1)
        XCTAssertEqual(u.data, [Float](repeating: 0, count: 48))  // B = 0, Adam of a zero gradient is 0
        let p = try XCTUnwrap(adapter.factor(0)).p  // [in 6, out 8]: in ≤ out, input side, P is 6 × 2
        XCTAssertEqual(p.shape, [6, 2])
        u = g2
        adapter.update(&u, parameter: w, index: 0, step: 2)
        var low = matmul(p, g2, transposeA: true)
        low.scale(by: 0.5)
        let b1 = 0.9, b2 = 0.999
        let n = low.data.map { x -> Float in
            let m = (1 - b1) * Double(x) / (1 - b1 * b1), v = (1 - b2) * Double(x * x) / (1 - b2 * b2)
            return Float(m / (v.squareRoot() + 1e-8))
        }
        let expected = matmul(p, Tensor(shape: low.shape, data: n.map { 0.5 * 0.01 * $0 }))
        for i in 0..<48 { XCTAssertEqual(u.data[i], expected.data[i], accuracy: 1e-6) }
        XCTAssertEqual(adapter.stateBytes, (48 + 12 + 16 + 2 * 16) * 4)  // W, P, B, Adam's two moments of B
    }

    /// Exact bytes: NF4 weights and projector plus fp32 B and moments; the paper-shape formulas by hand.
    func testBytes() {
        let s = LoQTAdapter.Settings(rank: 4, schedule: MergeSchedule(gap: 10))
        let adapter = LoQTAdapter(settings: [s], inner: ScaleByAdam(eps: 1e-8), learningRate: .constant(0.1), layout: .inputsByOutputs)
        var u = Self.matrix(32, 128, seed: 6)
        adapter.update(&u, parameter: Self.matrix(32, 128, seed: 7), index: 0, step: 1)
        // Q: 4096 values → 2048 + 64·4; P: 4·32 = 128 values → 64 + 2·4; B and its two moments: 3 · 4·128 · 4.
        XCTAssertEqual(adapter.stateBytes, 2048 + 256 + 64 + 8 + 3 * 512 * 4)
        let l7 = LoQTPaper.PaperShape.llama7B
        XCTAssertEqual(l7.params, GaLore.Llama7B.params)
        XCTAssertEqual(l7.adamW, 8 * Double(l7.params))
        XCTAssertLessThan(l7.loqt(layerwiseGradients: true), l7.loqt(layerwiseGradients: false))
    }

    /// Through `reproduce trace`'s path on GaLore's least-squares golden problem (W is `[out 6, in 4]`,
    /// one NF4 block): without compensation step 1 leaves W at exactly the NF4 round trip of its
    /// initial value (B = 0, Adam of a zeroed gradient is 0); with five iterations it lands closer.
    func testTracePathQuantisesTheFirstStep() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        let initial = try XCTUnwrap(((golden["problem"] as? [String: Any])?["params"] as? [[String: Any]])?.first?["init"] as? [Double]).map { Float($0) }
        let nf4 = NormalFloatQuantizer().roundTrip(initial)
        func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() }
        var firstSteps: [[Float]] = []
        for iterations in [0, 5] {
            let problem = try GoldenTrace.problem(golden, optimizer: "loqt", keys: ["lr", "betas", "eps"],
                                                  extra: ["compensate_quant_error_iterations": iterations])
            let result = try problem.run(optimizers: traceOptimizers)
            XCTAssertTrue(result.finite)
            XCTAssertLessThan(result.loss.last!, result.loss.first!)
            firstSteps.append(result.params[1][0])
        }
        XCTAssertEqual(firstSteps[0], nf4)
        XCTAssertLessThan(distance(firstSteps[1], initial), distance(nf4, initial))
    }

    func testRuleBranches() {
        let claims = LoQTPaper().claims
        func decide(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        func interval(_ key: String, _ lo: Double, _ hi: Double) -> Evidence {
            var e = Evidence(); e.record(interval: key, Interval(mean: (lo + hi) / 2, low: lo, high: hi, count: 6), tolerance: 0); return e
        }
        func values(_ pairs: [String: Double]) -> Evidence {
            var e = Evidence(); for (k, v) in pairs { e.record(k, v, absoluteTolerance: 0, relativeTolerance: 0) }; return e
        }
        XCTAssertEqual(decide("c1a", interval("c1a.log_loss_loqt_minus_adamw", -0.01, 0.04)), .reproduced)
        XCTAssertEqual(decide("c1a", interval("c1a.log_loss_loqt_minus_adamw", 0.06, 0.09)), .notReproduced)
        XCTAssertEqual(decide("c2a", interval("c2a.loss_uncompensated_minus_loqt", 0.02, 0.05)), .reproduced)
        XCTAssertEqual(decide("c2b", interval("c2b.loss_fixed_minus_loqt", -0.05, 0.005)), .notReproduced)
        XCTAssertEqual(decide("c2c", values(["c2c.memory_ratio_7b": 0.3])), .reproduced)
        XCTAssertEqual(decide("c2c", values(["c2c.memory_ratio_7b": 0.45])), .notReproduced)
        XCTAssertEqual(decide("c2d", values(["c2d.loqt_7b_gib": 14, "c2d.adamw_7b_gib": 50])), .reproduced)
        XCTAssertEqual(decide("c2d", values(["c2d.loqt_7b_gib": 14, "c2d.adamw_7b_gib": 20])), .inconclusive(.premiseAbsent))
        XCTAssertEqual(decide("c2e", values(["c2e.loqt_13b_layerwise_gib": 25])), .notReproduced)
    }

    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        let s = GaLore.Settings(width: 8, context: 8, batch: 4, steps: 8, learningRates: [1e-2, 3e-2], evaluationSeeds: 2,
                                evaluationInterval: 4, updateGap: 3)
        let context = RunContext(seed: 3, scale: .quick, slug: "loqt")
        let a = try LoQTPaper().run(context, settings: s), b = try LoQTPaper().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        for claim in LoQTPaper().claims { XCTAssertFalse(claim.decide(a.evidence).measured.isEmpty, claim.id) }
        XCTAssertNotNil(Papers.paper(slug: "loqt"))
    }
}
