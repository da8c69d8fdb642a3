import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
@testable import Harness

/// DCT column selection: a hand-computed step through the trace factory (selection, Adam's first
/// step, the map back), re-selection at the official default gap of 1, the rules' branches, and a
/// tiny deterministic run. The basis and the selection have their own tests in HarnessTests.
final class DCTLowRankProjectionTests: XCTestCase {
    /// `w` is torch `[out 3, in 2]`: the input side (n = 2) is projected. With `Q = s[[1, 1], [1, −1]]`,
    /// `s = 1/√2`, `S = GQ` has columns `s(G₀ + G₁) = s(1, 0.7, −0.6)` (ℓ1 2.3s) and `s(G₀ − G₁) =
    /// s(1, 0.3, −1.4)` (ℓ1 2.7s): column 1 wins. Adam's first step is `sign(R)`, mapped back through
    /// `P = s[1, −1]`: `w ← w − η·sign(R_i)·s·(1, −1)`.
    func testHandComputedStepsThroughTraceFactory() throws {
        let factory = try XCTUnwrap(DCTLowRankProjection().traceOptimizers["dct-adamw"])
        let w = Parameter("w", Tensor(shape: [3, 2], data: [0.5, -1, 2, 1.5, 0.25, -0.75]))
        w.options = ["rank": 1]
        let h = TraceHyperparameters(optimizer: "dct-adamw", values: ["lr": .number(0.1)], groups: [["rank": .number(1)]])
        let optimizer = try XCTUnwrap(try factory(h, [w]) as? ChainedOptimizer)
        w.grad = Tensor(shape: [3, 2], data: [1, 0, 0.5, 0.2, -1, 0.4])
        let before = w.value.data
        optimizer.applyGradients()
        let s = Float(0.5.squareRoot()), signs: [Float] = [1, 1, -1]
        for i in 0..<3 {
            XCTAssertEqual(w.value.data[2 * i], before[2 * i] - 0.1 * signs[i] * s, accuracy: 1e-6)
            XCTAssertEqual(w.value.data[2 * i + 1], before[2 * i + 1] + 0.1 * signs[i] * s, accuracy: 1e-6)
        }
        // update_proj_gap defaults to 1 (the official code): a gradient along column 0 re-selects it.
        w.grad = Tensor(shape: [3, 2], data: [1, 1, 2, 2, -1, -1])
        optimizer.applyGradients()
        let projection = try XCTUnwrap(optimizer.groups[0].transforms[0] as? GaLoreProjection)
        for x in try XCTUnwrap(projection.projector(0)).matrix.data { XCTAssertEqual(x, s, accuracy: 1e-6) }
        XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "dct-adamw", values: ["rank": .number(1)]), [w]))
    }

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) { e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0) }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testRuleBranches() {
        let claims = DCTLowRankProjection().claims
        func verdict(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        let k = DCTLowRankProjection.task
        XCTAssertEqual(verdict("c1a", Self.evidence(["c1a.captured_ratio_dct": (0.95, 0.92, 0.98)])), .reproduced)
        XCTAssertEqual(verdict("c1a", Self.evidence(["c1a.captured_ratio_dct": (0.8, 0.75, 0.85)])), .notReproduced)
        XCTAssertEqual(verdict("c1a", Self.evidence(["c1a.captured_ratio_dct": (0.9, 0.85, 0.95)])), .inconclusive(.underpowered))
        XCTAssertEqual(verdict("c1b", Self.evidence(["c1b.captured_ratio_dct_minus_random": (0.1, 0.05, 0.15)])), .reproduced)
        XCTAssertEqual(verdict("c1b", Self.evidence(["c1b.captured_ratio_dct_minus_random": (-0.1, -0.15, -0.05)])), .notReproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.projection_bytes_ratio_llama7b": 0.02])), .reproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.projection_bytes_ratio_llama7b": 1.5])), .notReproduced)
        XCTAssertEqual(verdict("c2b", Self.evidence([:], ["c2b.extra_bases_built": 0])), .reproduced)
        XCTAssertEqual(verdict("c2b", Self.evidence([:], ["c2b.extra_bases_built": 11])), .notReproduced)
        XCTAssertEqual(verdict("c3d", Self.evidence([:], ["c3d.projector_flops_ratio": 0.2])), .reproduced)
        XCTAssertEqual(verdict("c3d", Self.evidence([:], ["c3d.projector_flops_ratio": 2])), .notReproduced)
        XCTAssertEqual(verdict("c3a", Self.evidence(["\(k).loss_dct_minus_galore": (0, -0.01, 0.01)])), .reproduced)
        XCTAssertEqual(verdict("c3a", Self.evidence(["\(k).loss_dct_minus_galore": (0.05, 0.03, 0.07)])), .notReproduced)
        XCTAssertEqual(verdict("c3c", Self.evidence(["\(k).loss_dct_minus_adamw": (0.02, 0.0, 0.04)])), .reproduced)
        XCTAssertEqual(verdict("c3c", Self.evidence(["\(k).loss_dct_minus_adamw": (0.1, 0.06, 0.14)])), .notReproduced)
        XCTAssertEqual(verdict("c3b", Self.evidence(["\(k).loss_dct_minus_random": (-0.05, -0.07, -0.03)])), .reproduced)
        XCTAssertEqual(verdict("c3b", Self.evidence(["\(k).loss_dct_minus_random": (0.05, 0.03, 0.07)])), .notReproduced)
    }

    /// Byte and FLOP formulas by hand at one 32 × 128 matrix, rank 8: GaLore 32·8·4 = 1024 bytes,
    /// DCT 8·4 + 32²·4 = 4128; selection 2·128·32² + 128·32 FLOPs against R-SVD 6·128·32² + 20·32³.
    func testCountsByHand() {
        let bytes = DCTLowRankProjection.projectionBytes([(32, 128)], rank: 8, bytesPerValue: 4)
        XCTAssertEqual(bytes.svd, 1024)
        XCTAssertEqual(bytes.dct, 4128)
        let flops = DCTLowRankProjection.refreshFlops([(32, 128)])
        XCTAssertEqual(flops.dct, 2 * 128 * 1024 + 128 * 32)
        XCTAssertEqual(flops.svd, 6 * 128 * 1024 + 20 * 32768)
    }

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = DCTLowRankProjection()
        let context = RunContext(seed: 0, scale: .quick, slug: "dct-lowrank-projection")
        var settings = DCTLowRankProjection.Settings(context)
        settings.updateGap = 2
        settings.qualitySteps = 3
        settings.qualityEvery = 2
        settings.task = { StandardTasks.transformerMarkov($0, steps: 4) }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c2b.extra_bases_built"], 0)
        // The SVD subspace is optimal: no selection keeps more of the gradient.
        XCTAssertLessThanOrEqual(first.evidence["c1a.captured_ratio_dct.mean"], 1 + 1e-6)
        // Twelve block matrices, rank 8 indices, one 32 × 32 basis: the measured state equals the formula.
        XCTAssertEqual(first.evidence["diagnostic.tiny.dct_state_bytes_measured"], Double(12 * 8 * 4 + 32 * 32 * 4))
        XCTAssertLessThan(first.evidence["c3d.projector_flops_ratio"], 1)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
        XCTAssertTrue(leagueEntries.contains { $0.arm.name == "dct-adamw" })
        XCTAssertEqual(try compiledExcerpts.excerpts(of: paper).map(\.name), ["optimizer"])
    }
}
