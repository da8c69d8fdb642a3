import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// Grass: the selection through GaLore's hook (hand-computed step), the sparse update's support,
/// the rules' branches, a tiny deterministic run, and `reproduce trace` on GaLore's golden problem.
final class GrassTests: XCTestCase {
    /// Top-r through GaLore's projection: `[out 2, in 3]` projects its output side (left); the row of
    /// larger norm (row 1: 30 against 14) is selected, and at step 1 Adam's direction is `sign`, so
    /// the update is `α sign(g_1)` on that row and exactly zero on the other (structured sparse).
    func testTopRowUpdateIsStructuredSparse() {
        let projection = GaLoreProjection(settings: [GaLoreProjection.Settings(rank: 1, updateGap: 10, scale: 0.5)], inner: ScaleByAdam(),
                                          layout: .outputsByInputs, projectorSource: SparseRowSelection.source(rule: .topNorm, seed: 0))
        var u = Tensor<Float>(shape: [2, 3], data: [1, -2, 3, -2, 1, 5])
        projection.update(&u, parameter: u, index: 0, step: 1)
        XCTAssertEqual(Array(u.data[0..<3]), [0, 0, 0])
        for (x, y) in zip(u.data[3...], [-0.5, 0.5, 0.5] as [Float]) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        // Moments have GaLore's projected shape: 2 slots of k × c = 1 × 3 floats.
        XCTAssertEqual(projection.inner.stateBytes, 2 * 3 * 4)
    }

    /// Multi-Norm on a matrix whose rows 1–3 are zero: only row 0 can be drawn, ρ = 1/√(k·1), so
    /// with k = 2 the row is drawn twice and its update is the sum of two scaled directions.
    func testMultiNormDrawsOnlyRowsWithGradient() {
        let projection = GaLoreProjection(settings: [GaLoreProjection.Settings(rank: 2, updateGap: 10, scale: 1)], inner: ScaleByAdam(),
                                          layout: .outputsByInputs, projectorSource: SparseRowSelection.source(rule: .normSampling, seed: 4))
        var u = Tensor<Float>(shape: [4, 5], data: [1, -1, 2, -2, 3] + Array(repeating: 0, count: 15))
        projection.update(&u, parameter: u, index: 0, step: 1)
        let rho = Float(1 / 2.0.squareRoot())
        for (x, y) in zip(u.data[0..<5], [1, -1, 1, -1, 1] as [Float]) { XCTAssertEqual(x, 2 * rho * y, accuracy: 1e-5) }
        XCTAssertEqual(Array(u.data[5...]), Array(repeating: 0, count: 15))
    }

    func testRuleBranches() {
        let claims = Dictionary(uniqueKeysWithValues: Grass().claims.map { ($0.id, $0) })
        func scalar(_ key: String, _ value: Double) -> Evidence {
            var e = Evidence(); e.record(key, value, absoluteTolerance: 0, relativeTolerance: 0); return e
        }
        func interval(_ key: String, _ low: Double, _ high: Double) -> Evidence {
            var e = Evidence()
            e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 6), tolerance: 0)
            return e
        }
        XCTAssertEqual(claims["c1a"]!.decide(scalar("c1a.state_bytes_galore_minus_grass", 100)).verdict, .reproduced)
        XCTAssertEqual(claims["c1a"]!.decide(scalar("c1a.state_bytes_galore_minus_grass", 0)).verdict, .notReproduced)
        XCTAssertEqual(claims["c1b"]!.decide(scalar("c1b.gradient_entry_ratio", 0.25)).verdict, .reproduced)
        XCTAssertEqual(claims["c1b"]!.decide(scalar("c1b.gradient_entry_ratio", 0.6)).verdict, .notReproduced)
        XCTAssertEqual(claims["c1c"]!.decide(scalar("c1c.projection_flop_ratio", 40)).verdict, .reproduced)
        XCTAssertEqual(claims["c1c"]!.decide(scalar("c1c.projection_flop_ratio", 1.5)).verdict, .notReproduced)
        XCTAssertEqual(claims["c1d"]!.decide(scalar("c1d.communication_ratio", 0.4)).verdict, .reproduced)
        XCTAssertEqual(claims["c1d"]!.decide(scalar("c1d.communication_ratio", 0.9)).verdict, .notReproduced)
        XCTAssertEqual(claims["c2a"]!.decide(interval("c2a.log_loss_grass_minus_adamw", -0.01, 0.02)).verdict, .reproduced)
        XCTAssertEqual(claims["c2a"]!.decide(interval("c2a.log_loss_grass_minus_adamw", 0.04, 0.06)).verdict, .notReproduced)
        XCTAssertEqual(claims["c2b"]!.decide(interval("c2b.loss_grass_minus_galore", -0.01, 0.02)).verdict, .reproduced)
        XCTAssertTrue(claims["c2b"]!.decide(interval("c2b.loss_grass_minus_galore", 0.01, 0.05)).verdict.display.hasPrefix("inconclusive"))
    }

    /// A tiny run: deterministic, every claim decides from recorded metrics; the counts are the
    /// shapes' (width 8, k = 2: a quarter of the projected rows).
    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        let s = GaLore.Settings(width: 8, context: 8, batch: 4, steps: 6, learningRates: [3e-3], evaluationSeeds: 2,
                                evaluationInterval: 3, updateGap: 3)
        let context = RunContext(seed: 0, scale: .quick, slug: "grass")
        let run = try Grass().run(context, settings: s), again = try Grass().run(context, settings: s)
        XCTAssertEqual(run.evidence.metrics.map { "\($0.name)=\($0.value)" }, again.evidence.metrics.map { "\($0.name)=\($0.value)" })
        for claim in Grass().claims { XCTAssertFalse(claim.decide(run.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(run.evidence["c1b.gradient_entry_ratio"], 0.25)
        XCTAssertGreaterThan(run.evidence["c1a.state_bytes_galore_minus_grass"], 0)
        XCTAssertNotNil(Papers.paper(slug: "grass"))
    }

    /// `reproduce trace` runs `grass` on the GaLore golden's least-squares problem (its `rank` group
    /// option): finite, the loss falls; an unknown `selection` is rejected.
    func testTraceRunsOnTheGaLoreProblem() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        for selection in ["multi-norm", "top-r"] {
            let result = try GoldenTrace.problem(golden, optimizer: "grass", keys: ["lr", "betas", "eps", "weight_decay"],
                                                 extra: ["selection": selection]).run(optimizers: traceOptimizers)
            XCTAssertTrue(result.finite)
            XCTAssertLessThan(try XCTUnwrap(result.loss.last), try XCTUnwrap(result.loss.first))
        }
        XCTAssertThrowsError(try GoldenTrace.problem(golden, optimizer: "grass", keys: ["lr"], extra: ["selection": "svd"])
            .run(optimizers: traceOptimizers))
    }
}
