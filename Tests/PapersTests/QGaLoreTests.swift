import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// Q-GaLore: the projection is GaLore's when both deltas are off, the lazy schedule by hand, the
/// INT4 projector and INT8 weights on their grids, exact bytes, the rules' branches, a tiny run.
final class QGaLoreTests: XCTestCase {
    final class Identity: GradientTransformation {
        func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {}
        var stateBytes: Int { 0 }
    }

    static func gradients(_ n: Int, rows: Int = 4, columns: Int = 6) -> [Tensor<Float>] {
        var rng = SeededRandom(seed: 5, path: ["qgalore", "grads"])
        return (0..<n).map { _ in Tensor<Float>.randomNormal([rows, columns], using: &rng) }
    }

    /// With no lazy refresh and fp32 projectors the update is GaLore's bit for bit, and it counts
    /// one SVD per matrix at steps 1, T+1, ….
    func testWithBothDeltasOffItIsGaLore() {
        for layout in [GaLoreProjection.Layout.outputsByInputs, .inputsByOutputs] {
            let s = GaLoreProjection.Settings(rank: 2, updateGap: 5, scale: 0.25)
            let parent = GaLoreProjection(settings: [s], inner: ScaleByAdam(eps: 1e-8), layout: layout)
            let child = QGaLoreProjection(settings: [s], inner: ScaleByAdam(eps: 1e-8), layout: layout, lazy: nil, projectorQuantizer: nil)
            let w = Tensor<Float>.zeros([4, 6])
            for (t, g) in Self.gradients(12).enumerated() {
                var a = g, b = g
                parent.update(&a, parameter: w, index: 0, step: t + 1)
                child.update(&b, parameter: w, index: 0, step: t + 1)
                XCTAssertEqual(a.data, b.data)
            }
            XCTAssertEqual(child.svdCount, 3)
            XCTAssertEqual(child.stateBytes, parent.stateBytes)
        }
    }

    /// A gradient that never changes: similarity 1 at every refresh. With T = 1 the first five
    /// similarities come from SVDs 2–6 (steps 2–6); then T doubles at every refresh: steps 7 (T → 4),
    /// 9 (T → 8), 17 (T → 16). Nine SVDs in 20 steps.
    func testSettledSubspaceDoublesTheIntervalByHand() {
        let p = QGaLoreProjection(settings: [GaLoreProjection.Settings(rank: 2, updateGap: 1)], inner: Identity(), layout: .outputsByInputs,
                                  projectorQuantizer: nil)
        let g = Self.gradients(1)[0], w = Tensor<Float>.zeros([4, 6])
        var counts: [Int] = []
        for step in 1...20 {
            var u = g
            p.update(&u, parameter: w, index: 0, step: step)
            counts.append(p.svdCount)
        }
        XCTAssertEqual(counts, [1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9])
        XCTAssertEqual(p.gap(0), 16)
    }

    /// Top singular vectors alternating between orthogonal directions: similarity 0, T never grows.
    func testChangingSubspaceKeepsTheInterval() {
        let p = QGaLoreProjection(settings: [GaLoreProjection.Settings(rank: 1, updateGap: 1)], inner: Identity(), layout: .outputsByInputs)
        var a = Tensor<Float>.zeros([4, 6]), b = Tensor<Float>.zeros([4, 6])
        for j in 0..<6 { a[0, j] = Float(j + 1); b[1, j] = Float(6 - j) }
        for step in 1...12 {
            var u = step % 2 == 0 ? a : b
            p.update(&u, parameter: a, index: 0, step: step)
        }
        XCTAssertEqual(p.svdCount, 12)
        XCTAssertEqual(p.gap(0), 1)
    }

    /// The INT4 projector is the group-wise round trip of GaLore's, in torch's layout, and its bytes
    /// are the codes (half a byte each) plus an fp32 scale and zero point per group.
    func testProjectorIsQuantisedToFourBits() throws {
        let s = GaLoreProjection.Settings(rank: 2, updateGap: 5)
        let g = Self.gradients(1, rows: 6, columns: 4)[0]  // [in, out]
        let parent = GaLoreProjection(settings: [s], inner: Identity(), layout: .inputsByOutputs)
        let child = QGaLoreProjection(settings: [s], inner: Identity(), layout: .inputsByOutputs, lazy: nil)
        var a = g, b = g
        parent.update(&a, parameter: g, index: 0, step: 1)
        child.update(&b, parameter: g, index: 0, step: 1)
        let exact = try XCTUnwrap(parent.projector(0)).matrix, stored = try XCTUnwrap(child.projector(0))
        XCTAssertEqual(exact.shape, [2, 4])  // torch [out 4, in 6] projects its output side: U[:, :2], stored transposed
        XCTAssertEqual(stored.transposed.data, GroupQuantizer(bits: 4, groupSize: 256).roundTrip(exact.transposed.data))
        XCTAssertLessThanOrEqual(Set(stored.data).count, 16)
        XCTAssertEqual(child.stateBytes, 8 / 2 + 2 * 4)
    }

    /// INT8 weights: each group of 256 values in torch's [out, in] rows takes at most 256 levels,
    /// and stochastic rounding moves no value by a whole step of its group.
    func testInt8WeightsStayOnTheGrid() {
        var rng = SeededRandom(seed: 1, path: ["w"])
        let w = Parameter("w", Tensor<Float>.randomNormal([32, 16], std: 0.02, using: &rng))  // [in, out]
        let before = w.value.transposed.data
        var sr: SeededRandom? = SeededRandom(seed: 2, path: ["sr"])
        Int8Weights.requantize(w, stochastic: &sr)
        let after = w.value.transposed.data
        for g in 0..<2 {
            let group = before[(g * 256)..<(g * 256 + 256)]
            let step = (group.max()! - group.min()!) / 255
            XCTAssertLessThanOrEqual(Set(after[(g * 256)..<(g * 256 + 256)]).count, 256)
            for i in (g * 256)..<(g * 256 + 256) { XCTAssertLessThan(abs(after[i] - before[i]), step * 1.0001) }
        }
        XCTAssertNotEqual(before, after)
    }

    // MARK: - Claims

    func testMemoryFormulasAgreeWithGaLoresAndByHand() {
        typealias P = QGaLore.PaperShape
        let l = GaLore.Llama7B.self
        XCTAssertEqual(P.galore(rank: 1024), l.weights + l.galoreState(eightBitMoments: false), accuracy: 1)
        // One 4096 × 4096 matrix at rank 8: INT8 weights 16 Mi + 2·2·65536 scale bytes, INT4 projector 4096·8/2 + 4·128, moments 2·(32768 + 4·128).
        XCTAssertEqual(P.int(8, 4096 * 4096) + P.int(4, 4096 * 8) + 2 * P.eightBit(4096 * 8),
                       Double(16_777_216 + 262_144 + 16_384 + 512 + 2 * (32_768 + 512)))
        XCTAssertLessThan(P.qgalore(rank: 8), P.lora(rank: 8))
    }

    func testRuleBranches() {
        let claims = QGaLore().claims
        func decide(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        func interval(_ key: String, _ lo: Double, _ hi: Double) -> Evidence {
            var e = Evidence(); e.record(interval: key, Interval(mean: (lo + hi) / 2, low: lo, high: hi, count: 6), tolerance: 0); return e
        }
        func value(_ key: String, _ v: Double) -> Evidence { var e = Evidence(); e.record(key, v, absoluteTolerance: 0, relativeTolerance: 0); return e }
        XCTAssertEqual(decide("c1a", value("c1a.svd_ratio", 0.3)), .reproduced)
        XCTAssertEqual(decide("c1a", value("c1a.svd_ratio", 0.8)), .notReproduced)
        XCTAssertEqual(decide("c2a", interval("c2a.log_loss_qgalore_minus_galore", -0.01, 0.015)), .reproduced)
        XCTAssertEqual(decide("c2a", interval("c2a.log_loss_qgalore_minus_galore", 0.03, 0.05)), .notReproduced)
        if case .inconclusive = decide("c1b", interval("c1b.log_loss_lazy_minus_galore", -0.01, 0.03)) {} else { XCTFail("c1b straddles its margin") }
        XCTAssertEqual(decide("c2b", interval("c2b.loss_stochastic_minus_nearest", -0.08, -0.03)), .reproduced)
        XCTAssertEqual(decide("c2b", interval("c2b.loss_stochastic_minus_nearest", 0.01, 0.05)), .notReproduced)
        XCTAssertEqual(decide("c3a", value("c3a.memory_ratio_vs_galore", 0.51)), .notReproduced)
    }

    // MARK: - The experiment

    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        let s = GaLore.Settings(width: 8, context: 8, batch: 4, steps: 8, learningRates: [1e-2, 3e-2], evaluationSeeds: 2,
                                evaluationInterval: 4, updateGap: 1)
        let context = RunContext(seed: 3, scale: .quick, slug: "q-galore")
        let a = try QGaLore().run(context, settings: s), b = try QGaLore().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        XCTAssertEqual(a.evidence["galore.svd_count"], 12 * 8)
        XCTAssertLessThan(a.evidence["qgalore.state_bytes"], a.evidence["galore.state_bytes"])
        for claim in QGaLore().claims { XCTAssertFalse(claim.decide(a.evidence).measured.isEmpty, claim.id) }
        XCTAssertNotNil(Papers.paper(slug: "q-galore"))
    }
}
