import Foundation
import XCTest
import Papers
@testable import SecondOrder
@testable import Harness

final class GradientNormalizedSmoothnessTests: XCTestCase {
    typealias P = GradientNormalizedSmoothnessPaper

    static func tiny() -> Dataset {
        var rng = SeededRandom(seed: 4, path: ["gns tiny"])
        let x = Tensor<Float>.randomNormal([30, 3], using: &rng)
        let y = (0..<30).map { i in x.data[i * 3] + 0.5 * x.data[i * 3 + 1] > 0 ? 1 : (x.data[i * 3 + 2] > 0.5 ? 2 : 0) }
        return Dataset(name: "tiny", features: x, labels: y, classCount: 3, citation: "synthetic")
    }

    /// The softmax objective's gradient and Hessian against central differences (Double), and
    /// its diagonal against the Hessian's.
    func testSoftmaxDerivativesMatchFiniteDifferences() {
        let (f, bohning) = P.softmaxRegression(Self.tiny(), l2: 0.01)
        var rng = SeededRandom(seed: 5, path: ["x"])
        let x = (0..<f.dimension).map { _ in rng.normal() }
        let g = f.gradient(x), h = f.hessian(x), d = f.hessianDiagonal(x), p = f.dimension
        let eps = 1e-6
        for i in 0..<p {
            var plus = x, minus = x
            plus[i] += eps; minus[i] -= eps
            XCTAssertEqual(g[i], (f.value(plus) - f.value(minus)) / (2 * eps), accuracy: 1e-7)
            let gp = f.gradient(plus), gm = f.gradient(minus)
            for j in 0..<p { XCTAssertEqual(h[j * p + i], (gp[j] - gm[j]) / (2 * eps), accuracy: 1e-6) }
            XCTAssertEqual(d[i], h[i * p + i], accuracy: 1e-12)
            // Böhning's bound dominates the Hessian on the diagonal.
            XCTAssertGreaterThanOrEqual(bohning[i * p + i], h[i * p + i] - 1e-12)
        }
    }

    /// Rosenbrock's gradient by differences, and Gauss–Newton = JᵀJ by hand at (1, 2).
    func testRosenbrockGradientAndGaussNewton() {
        let f = P.rosenbrock, x = [0.3, -0.7]
        for i in 0..<2 {
            var plus = x, minus = x
            plus[i] += 1e-6; minus[i] -= 1e-6
            XCTAssertEqual(f.gradient(x)[i], (f.value(plus) - f.value(minus)) / 2e-6, accuracy: 1e-6)
        }
        XCTAssertEqual(f.hessian([1, 2]), [401, -200, -200, 100])
    }

    /// One step by hand on f = ½‖x‖²·a (H̃ = exact = aI): λ = ‖g‖/(1 + 1e-8), x⁺ = x − g/(a + λ);
    /// the step decreases f enough, so it is accepted and γ doubles.
    func testOneStepByHand() {
        let a = 2.0
        let f = P.Objective(dimension: 2, value: { x in 0.5 * a * (x[0] * x[0] + x[1] * x[1]) }, gradient: { x in x.map { a * $0 } },
                            hessian: { _ in [a, 0, 0, a] }, hessianDiagonal: { _ in [a, a] })
        let t = P.gradientNormalizedSmoothness(f, from: [3, 4], iterations: 1, tolerance: 0) { x, _ in f.hessian(x) }
        let lambda = 10 / (1 + 1e-8), scale = 1 - a / (a + lambda)
        XCTAssertEqual(t.values[1], 0.5 * a * 25 * scale * scale, accuracy: 1e-12)
        XCTAssertEqual(t.values.count, 2)
    }

    func testLinearFitReadsTheRate() {
        let values = (0..<30).map { pow(10, -0.5 * Double($0)) }
        let fit = P.linearFit(values, optimum: 0)!
        XCTAssertGreaterThanOrEqual(fit.count, 15)
        XCTAssertNil(P.linearFit([1e-11, 1e-12], optimum: 0))
        XCTAssertEqual(fit.slope, -0.5, accuracy: 1e-9)
        XCTAssertEqual(fit.rSquared, 1, accuracy: 1e-9)
    }

    func testRuleBranches() {
        let claims = P().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        var e = Evidence()
        for p in P.convexProblems {
            for a in P.approximations {
                e.record("c3.\(p.key).\(a.rawValue).min_r2", 0.99)
                e.record(interval: "c3.\(p.key).\(a.rawValue).log_rate_ratio", Interval(mean: 1, low: 0.8, high: 1.2, count: 10), tolerance: 0)
            }
        }
        e.record("c3c.fraction_converged", 1)
        XCTAssertEqual(claim("c3a").decide(e).verdict, .reproduced)
        XCTAssertEqual(claim("c3b").decide(e).verdict, .reproduced)
        XCTAssertEqual(claim("c3c").decide(e).verdict, .reproduced)
        var f = Evidence()
        for p in P.convexProblems {
            for a in P.approximations {
                f.record("c3.\(p.key).\(a.rawValue).min_r2", a == .diagonal ? 0.5 : 0.99)
                f.record(interval: "c3.\(p.key).\(a.rawValue).log_rate_ratio", Interval(mean: -1, low: -1.2, high: -0.8, count: 10), tolerance: 0)
            }
        }
        f.record("c3c.fraction_converged", 0.9)
        XCTAssertEqual(claim("c3a").decide(f).verdict, .notReproduced)
        XCTAssertEqual(claim("c3b").decide(f).verdict, .notReproduced)
        XCTAssertEqual(claim("c3c").decide(f).verdict, .notReproduced)
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = P()
        let context = RunContext(seed: 0, scale: .quick, slug: "gradient-normalized-smoothness")
        var settings = P.Settings(context)
        settings.iterations = 15
        settings.starts = 2
        settings.problems = { [("logistic", Self.tiny()), ("softmax", Self.tiny())] }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" }, second.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" })
    }
}
