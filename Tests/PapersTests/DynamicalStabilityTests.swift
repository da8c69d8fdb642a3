import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
import Harness

final class DynamicalStabilityTests: XCTestCase {
    typealias P = DynamicalStabilityPaper

    func claim(_ id: String) -> Claim { P().claims.first { $0.id == id }! }

    /// 𝒯_η(S) equals the average of A_k S A_kᵀ with A_k = I − η K e_k e_kᵀ (n = 3, by hand).
    func testSecondMomentOperatorMatchesItsDefinition() {
        let n = 3, eta = 0.3
        let k: [Double] = [2, 0.5, -0.3, 0.5, 1, 0.2, -0.3, 0.2, 1.5]
        let s: [Double] = [1, 0.2, 0.1, 0.2, 0.7, -0.1, 0.1, -0.1, 0.4]
        var expected = [Double](repeating: 0, count: 9)
        for c in 0..<n {
            var a = [Double](repeating: 0, count: 9)
            for i in 0..<n { a[i * n + i] = 1; a[i * n + c] -= eta * k[i * n + c] }
            for i in 0..<n { for j in 0..<n {
                var v = 0.0
                for p in 0..<n { for q in 0..<n { v += a[i * n + p] * s[p * n + q] * a[j * n + q] } }
                expected[i * n + j] += v / Double(n)
            } }
        }
        let got = P.secondMomentStep(k, s, n: n, rate: eta)
        for (g, x) in zip(got, expected) { XCTAssertEqual(g, x, accuracy: 1e-12) }
    }

    /// Orthogonal gradients of equal norm c: the SGD edge is exactly 2/c = 2/tr(H) (the theorem is tight).
    func testEdgeIsTightForOrthogonalGradients() {
        let n = 5, c = 3.0
        let k = (0..<(n * n)).map { $0 % (n + 1) == 0 ? c : 0 }
        let edge = P.sgdEdge(k, n: n, trace: c, P.Settings())
        XCTAssertEqual(edge * c / 2, 1, accuracy: 1e-4)
    }

    /// Aligned gradients (all equal, K = c·11ᵀ): SGD is GD, the edge is 2/λ_max = 2/c = 2/tr(H).
    /// A generic Gram matrix has its edge strictly inside 2/tr(H) (the theorem's inequality).
    func testEdgeBelowTwoOverTraceForGenericGram() {
        let n = 4
        var rng = SeededRandom(seed: 7)
        let g = (0..<(n * 6)).map { _ in rng.normal() }
        var k = [Double](repeating: 0, count: n * n)
        for a in 0..<n { for b in 0..<n { for j in 0..<6 { k[a * n + b] += g[a * 6 + j] * g[b * 6 + j] } } }
        let trace = (0..<n).reduce(0) { $0 + k[$1 * n + $1] } / Double(n)
        let edge = P.sgdEdge(k, n: n, trace: trace, P.Settings())
        XCTAssertLessThanOrEqual(edge * trace / 2, 1.0005)
        XCTAssertGreaterThan(edge * trace / 2, 0.2)
    }

    /// The diagonal network's trace identity and the ℓ1 inequality tr(H) ≥ 4m‖w‖₁.
    func testTraceIsTheWeightedNormAndBoundsL1() throws {
        var s = P.Settings()
        s.examples = 6; s.features = 10; s.support = 2
        let p = P.Problem(s, rng: SeededRandom(seed: 3))
        var rng = SeededRandom(seed: 4)
        let sol = P.Solution(converged: true, diverged: false, steps: 0,
                             u: (0..<10).map { _ in rng.normal() }, v: (0..<10).map { _ in rng.normal() })
        let c = try P.curvature(P.gram(p, sol), n: p.n)
        var byHand = 0.0
        for j in 0..<p.d { for i in 0..<p.n { byHand += 4 * (sol.u[j] * sol.u[j] + sol.v[j] * sol.v[j]) * p.x[i * p.d + j] * p.x[i * p.d + j] } }
        XCTAssertEqual(c.trace, byHand / Double(p.n), accuracy: 1e-9)
        XCTAssertGreaterThanOrEqual(c.trace, 4 * p.smallestColumnMeanSquare * sol.w.reduce(0) { $0 + abs($1) })
        XCTAssertLessThanOrEqual(c.top, c.trace + 1e-12)
    }

    func record(_ pairs: [String: Double]) -> Evidence {
        var e = Evidence()
        for key in pairs.keys.sorted() { e.record(key, pairs[key]!) }
        return e
    }

    /// Each rule's branches on synthetic evidence.
    func testRuleBranches() {
        XCTAssertEqual(claim("c1a").decide(record(["c1a.max_trace_ratio_at_sgd_edge": 0.99])).verdict, .reproduced)
        XCTAssertEqual(claim("c1a").decide(record(["c1a.max_trace_ratio_at_sgd_edge": 1.2])).verdict, .notReproduced)
        XCTAssertEqual(claim("c1b").decide(record(["c1b.sgd1.some_converged": 1, "c1b.sgd1.max_trace_ratio": 1.05])).verdict, .reproduced)
        XCTAssertEqual(claim("c1b").decide(record(["c1b.sgd1.some_converged": 1, "c1b.sgd1.max_trace_ratio": 1.3])).verdict, .notReproduced)
        XCTAssertEqual(claim("c1b").decide(record(["c1b.sgd1.some_converged": 0, "c1b.sgd1.max_trace_ratio": 0])).verdict, .inconclusive(.tuningFailed))
        XCTAssertEqual(claim("c1c").decide(record(["c1c.gd.max_lambda_ratio": 0.3, "c1c.gd.max_trace_ratio": 3])).verdict, .reproduced)
        XCTAssertEqual(claim("c1c").decide(record(["c1c.gd.max_lambda_ratio": 0.3, "c1c.gd.max_trace_ratio": 1.2])).verdict, .notReproduced)
        XCTAssertEqual(claim("c1c").decide(record(["c1c.gd.max_lambda_ratio": 1.3, "c1c.gd.max_trace_ratio": 3])).verdict, .notReproduced)
        XCTAssertEqual(claim("c2a").decide(record(["c1b.sgd1.some_converged": 1, "c2a.sgd1.max_l1_ratio": 0.5])).verdict, .reproduced)
        for (id, key) in [("c2b", "c2b.test_error_sgd_minus_gd"), ("c3", "c3.test_error_large_minus_small")] {
            func e(_ low: Double, _ high: Double, reached: Double = 1) -> Evidence {
                var e = Evidence()
                e.record("c3.two_converged_rates", reached)
                e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 10), tolerance: 0)
                return e
            }
            XCTAssertEqual(claim(id).decide(e(-0.2, -0.1)).verdict, .reproduced)
            XCTAssertEqual(claim(id).decide(e(0.01, 0.1)).verdict, .notReproduced)
            XCTAssertEqual(claim(id).decide(e(-0.2, 0.1)).verdict, .inconclusive(.underpowered))
            XCTAssertEqual(claim(id).decide(e(-0.2, -0.1, reached: 0)).verdict, .inconclusive(.tuningFailed))
        }
    }

    /// A tiny run records every metric the rules read, identically twice; SGD's solutions obey the bound.
    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        var s = P.Settings()
        s.examples = 10; s.features = 30; s.support = 2; s.seeds = 2; s.edgeSeeds = 1
        s.rates = [0.01, 0.04]; s.sgdBudget = 20_000; s.gdBudget = 5_000; s.bisections = 12; s.powerIterations = 60
        let context = RunContext(seed: 0, scale: .quick, slug: "sgd-dynamical-stability")
        let a = try P().run(context, settings: s), b = try P().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        for claim in P().claims { _ = claim.decide(a.evidence) }
        // Minima that GD reached within the tiny budget get the exact edge check; the theorem holds at each.
        if a.evidence["c1a.minima_checked"] > 0 { XCTAssertLessThanOrEqual(a.evidence["c1a.max_trace_ratio_at_sgd_edge"], 1.001) }
        XCTAssertEqual(a.evidence["c1b.sgd1.some_converged"], 1)
        XCTAssertLessThanOrEqual(a.evidence["c1b.sgd1.max_trace_ratio"], 1.1)
    }
}
