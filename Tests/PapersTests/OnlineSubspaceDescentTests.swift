import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// Online Subspace Descent: GaLore's golden through `reproduce trace` for the two steps the
/// projectors agree on, convergence on the quadratic, the rules' branches, and a tiny run.
final class OnlineSubspaceDescentTests: XCTestCase {
    /// On GaLore's golden least-squares problem (rank 2, T = 50) OSD's first SVD and its first use
    /// twice are GaLore's: the trajectory matches the golden through step 2, then parts from it
    /// (the basis has moved), stays finite and keeps descending.
    func testTraceMatchesGaLoreGoldenUntilTheBasisMoves() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        let result = try GoldenTrace.problem(golden, optimizer: "online-subspace-descent", keys: ["lr", "betas", "eps", "weight_decay"])
            .run(optimizers: traceOptimizers)
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        for k in 0...2 {
            for (x, r) in zip(result.params[k][0], params[k][0]) { XCTAssertEqual(Double(x), r, accuracy: 1e-5 + 1e-4 * abs(r), "step \(k)") }
        }
        XCTAssertGreaterThan(zip(result.params[3][0], params[3][0]).map { abs(Double($0) - $1) }.max()!, 1e-6)
        XCTAssertTrue(result.finite)
        XCTAssertLessThan(try XCTUnwrap(result.loss.last), 0.5 * result.loss[0])
    }

    /// c1's quadratic: the periodic-SVD, random and full-rank rules cut the gradient norm by orders of
    /// magnitude in 1500 steps; the online-PCA basis reduces it but stalls (its saddle, see `meaning`).
    func testProjectorRulesOnTheQuadratic() {
        let q = OnlineSubspaceDescent.Quadratic(steps: 1500)
        for rule in [OnlineSubspaceDescent.Quadratic.Rule.svd, .random, .fullRank] {
            XCTAssertLessThan(q.gradientRatio(rule, seed: 0), 1e-2, rule.rawValue)
        }
        let online = q.gradientRatio(.onlinePCA, seed: 0)
        XCTAssertLessThan(online, 1)
        XCTAssertGreaterThan(online, 1e-2)
    }

    /// Each rule's branches on synthetic evidence.
    func testRuleBranches() {
        let claims = Dictionary(uniqueKeysWithValues: OnlineSubspaceDescent().claims.map { ($0.id, $0) })
        func scalar(_ key: String, _ value: Double) -> Evidence {
            var e = Evidence(); e.record(key, value, absoluteTolerance: 0, relativeTolerance: 0); return e
        }
        func interval(_ key: String, _ low: Double, _ high: Double) -> Evidence {
            var e = Evidence()
            e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 6), tolerance: 0)
            return e
        }
        XCTAssertEqual(claims["c1"]!.decide(scalar("c1.worst_gradient_ratio", 5e-5)).verdict, .reproduced)
        XCTAssertEqual(claims["c1"]!.decide(scalar("c1.worst_gradient_ratio", 2e-3)).verdict, .notReproduced)
        XCTAssertEqual(claims["c2a"]!.decide(scalar("c2a.svds_beyond_initial", 0)).verdict, .reproduced)
        XCTAssertEqual(claims["c2a"]!.decide(scalar("c2a.svds_beyond_initial", 12)).verdict, .notReproduced)
        XCTAssertEqual(claims["c2b"]!.decide(scalar("c2b.projector_flop_share", 0.03)).verdict, .reproduced)
        XCTAssertEqual(claims["c2b"]!.decide(scalar("c2b.projector_flop_share", 0.2)).verdict, .notReproduced)
        XCTAssertEqual(claims["c3a"]!.decide(interval("c3a.log_loss_osd_minus_galore", -0.03, -0.01)).verdict, .reproduced)
        XCTAssertEqual(claims["c3a"]!.decide(interval("c3a.log_loss_osd_minus_galore", -0.005, 0.01)).verdict, .notReproduced)
        XCTAssertEqual(claims["c3b"]!.decide(interval("c3b.log_loss_osd_minus_adamw", -0.01, 0.02)).verdict, .reproduced)
        XCTAssertEqual(claims["c3b"]!.decide(interval("c3b.log_loss_osd_minus_adamw", 0.04, 0.06)).verdict, .notReproduced)
    }

    /// A tiny run: deterministic, every claim decides from recorded metrics, one SVD per block matrix.
    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        let s = GaLore.Settings(width: 8, context: 8, batch: 4, steps: 6, learningRates: [3e-3], evaluationSeeds: 2,
                                evaluationInterval: 3, updateGap: 3)
        let context = RunContext(seed: 0, scale: .quick, slug: "online-subspace-descent")
        let q = OnlineSubspaceDescent.Quadratic(steps: 50)
        let run = try OnlineSubspaceDescent().run(context, settings: s, quadratic: q)
        let again = try OnlineSubspaceDescent().run(context, settings: s, quadratic: q)
        XCTAssertEqual(run.evidence.metrics.map { "\($0.name)=\($0.value)" }, again.evidence.metrics.map { "\($0.name)=\($0.value)" })
        for claim in OnlineSubspaceDescent().claims { XCTAssertFalse(claim.decide(run.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(run.evidence["c2a.svds_beyond_initial"], 0)
        XCTAssertGreaterThan(run.evidence["osd.state_bytes"], run.evidence["galore.state_bytes"])
        XCTAssertNotNil(Papers.paper(slug: "online-subspace-descent"))
    }
}
