import Foundation
import XCTest
@testable import SharpnessAndGeneralization
@testable import Harness

final class SAMSDETests: XCTestCase {
    typealias Paper = SAMSDEPaper

    /// m(s) matches the mean cosine of a Rice variable (reference values from SciPy's i0e/i1e),
    /// its small-s slope √π/(2√2), its limit 1, and a Monte Carlo estimate of E[(g+Z)/‖g+Z‖].
    func testMeanCosine() {
        XCTAssertEqual(SAMSDE.meanCosine(0.5), 0.303835205263479, accuracy: 1e-9)
        XCTAssertEqual(SAMSDE.meanCosine(1), 0.5571794683822477, accuracy: 1e-9)
        XCTAssertEqual(SAMSDE.meanCosine(2), 0.8443201636405566, accuracy: 1e-9)
        XCTAssertEqual(SAMSDE.meanCosine(10), 0.9949615186623326, accuracy: 1e-6)
        XCTAssertEqual(SAMSDE.meanCosine(1e-4) / 1e-4, Double.pi.squareRoot() / (2 * 2.0.squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(SAMSDE.meanCosine(200), 1, accuracy: 1e-4)
        var rng = SeededRandom(seed: 5, path: ["rice"])
        let g = SIMD2(0.6, -0.3), sigma = 0.5
        var sum = SIMD2<Double>.zero
        let n = 100_000
        for _ in 0..<n {
            let v = g + sigma * SIMD2(rng.normal(), rng.normal())
            sum += v / (v * v).sum().squareRoot()
        }
        let norm = (g * g).sum().squareRoot(), expected = (SAMSDE.meanCosine(norm / sigma) / norm) * g
        XCTAssertEqual(sum.x / Double(n), expected.x, accuracy: 5e-3)
        XCTAssertEqual(sum.y / Double(n), expected.y, accuracy: 5e-3)
    }

    /// USAM's drift is the gradient of f + ρ/2‖∇f‖² (central differences), its diffusion σ(I + ρH).
    func testUSAMDriftIsTheRegularisedGradient() {
        let x = SIMD2(0.7, -0.4), rho = 0.3, h = 1e-5
        func regularised(_ x: SIMD2<Double>) -> Double { let g = NoisyQuartic.gradient(x); return NoisyQuartic.value(x) + rho / 2 * (g * g).sum() }
        let (b, d) = SAMSDE.drift(.usam, x, rho: rho, sigma: 0.5)
        XCTAssertEqual(b.x, (regularised(x + SIMD2(h, 0)) - regularised(x - SIMD2(h, 0))) / (2 * h), accuracy: 1e-7)
        XCTAssertEqual(b.y, (regularised(x + SIMD2(0, h)) - regularised(x - SIMD2(0, h))) / (2 * h), accuracy: 1e-7)
        XCTAssertEqual(d.x, 0.5 * (1 + rho * (1 + 3 * 0.49)), accuracy: 1e-12)
    }

    /// One step of each algorithm by hand on f = x₁² + y² (gradient 2x).
    func testStepsByHand() {
        let grad: (SIMD2<Double>) -> SIMD2<Double> = { 2 * $0 }
        let x = SIMD2(1.0, 2.0), z = SIMD2(0.5, -1.0), eta = 0.1, rho = 0.2
        XCTAssertEqual(NoisyMethod.sgd.step(x, noise: z, rate: eta, rho: rho, gradient: grad), SIMD2(1 - 0.1 * 2.5, 2 - 0.1 * 3))
        // g = (2.5, 3); USAM gradient at x + ρg = (1.5, 2.6): (3, 5.2) + z.
        let u = NoisyMethod.usam.step(x, noise: z, rate: eta, rho: rho, gradient: grad)
        XCTAssertEqual(u.x, 1 - 0.1 * 3.5, accuracy: 1e-12)
        XCTAssertEqual(u.y, 2 - 0.1 * 4.2, accuracy: 1e-12)
        // SAM: ‖g‖ = √15.25; ascent point x + 0.2 g/‖g‖.
        let n = 15.25.squareRoot(), s = NoisyMethod.sam.step(x, noise: z, rate: eta, rho: rho, gradient: grad)
        XCTAssertEqual(s.x, 1 - 0.1 * (2 * (1 + 0.2 * 2.5 / n) + 0.5), accuracy: 1e-12)
        XCTAssertEqual(s.y, 2 - 0.1 * (2 * (2 + 0.2 * 3 / n) - 1), accuracy: 1e-12)
    }

    /// SGD against SGD's SDE: halving η halves the weak error (the classical order 1), a check of
    /// the coupling and of the Euler–Maruyama scheme.
    func testSGDWeakErrorHalvesWithTheRate() {
        var s = Paper.Settings.quick
        s.paths = 150
        var a = SeededRandom(seed: 2, path: ["w"]), b = SeededRandom(seed: 2, path: ["w"])
        let coarse = Paper.weakErrors(.sgd, sdes: [.sgd], rate: 0.02, s, rng: &a)[0]
        let fine = Paper.weakErrors(.sgd, sdes: [.sgd], rate: 0.01, s, rng: &b)[0]
        XCTAssertEqual(coarse / fine, 2, accuracy: 0.4)
    }

    /// Each rule's branches on synthetic evidence.
    func testRulesDecideEachBranch() {
        let claims = Dictionary(uniqueKeysWithValues: Paper().claims.map { ($0.id, $0) })
        func evidence(order: Double, ratio: Double, share: Double, time: Double) -> Evidence {
            var e = Evidence()
            func put(_ k: String, _ m: Double, _ w: Double) { e.record(interval: k, Interval(mean: m, low: m - w, high: m + w, count: 8), tolerance: 0) }
            put("c1a.order", order, 0.1); put("c1b.order", order, 0.1); put("c1c.log_error_ratio", ratio, 0.2)
            put("c2.flat_share_diff", share, 3); put("c3a.log_time_ratio", time, 0.2); put("c3b.log_time_ratio", time, 0.2)
            return e
        }
        let good = evidence(order: 1.0, ratio: 2, share: 20, time: 2)
        let bad = evidence(order: 0.4, ratio: -0.5, share: -10, time: 0)
        for id in ["c1a", "c1b", "c1c", "c2", "c3a", "c3b"] {
            XCTAssertEqual(claims[id]!.decide(good).verdict, .reproduced, id)
            XCTAssertEqual(claims[id]!.decide(bad).verdict, .notReproduced, id)
        }
        XCTAssertEqual(claims["c1a"]!.decide(evidence(order: 0.7, ratio: 0, share: 0, time: 0)).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(claims["c3a"]!.decide(evidence(order: 1, ratio: 0, share: 0, time: log(2))).verdict, .inconclusive(.undecided))
    }

    /// A tiny run is deterministic and records every metric the rules read.
    func testTinyRunIsDeterministic() throws {
        let context = RunContext(scale: .quick, slug: "sam-sde")
        var s = Paper.Settings(context)
        s.rates = [0.04, 0.02]; s.replicates = 2; s.paths = 20; s.seeds = 2
        s.wellPaths = 20; s.wellSteps = 50; s.saddlePaths = 20; s.saddleSteps = 50
        let a = try Paper().run(context, settings: s), b = try Paper().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics.map(\.name), b.evidence.metrics.map(\.name))
        XCTAssertEqual(a.evidence.metrics.map(\.value.bitPattern), b.evidence.metrics.map(\.value.bitPattern))
        for claim in Paper().claims { _ = claim.decide(a.evidence) }
    }
}
