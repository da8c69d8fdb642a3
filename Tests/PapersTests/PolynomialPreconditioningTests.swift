import Foundation
import XCTest
import Papers
@testable import SecondOrder
import Harness

final class PolynomialPreconditioningTests: XCTestCase {
    typealias P = PolynomialPreconditioningPaper

    func claim(_ id: String) -> Claim { P().claims.first { $0.id == id }! }

    func diagonal(_ lambda: [Double]) -> Tensor<Double> {
        var b = Tensor<Double>.zeros([lambda.count, lambda.count])
        for (i, l) in lambda.enumerated() { b.data[i * lambda.count + i] = l }
        return b
    }

    /// Newton's identities against the product recurrence; σ₂ of (1, 2, 3) = 11 by hand.
    func testSymmetricPolynomialsFromTraces() {
        let lambda = [5.0, 3, 2, 0.5, 0.25]
        let direct = P.elementarySymmetric(lambda, upTo: 4)
        let traces = P.powerSums(diagonal(lambda), upTo: 4)
        let fromTraces = P.elementarySymmetric(powerSums: traces.sums)
        for j in 0...4 { XCTAssertEqual(fromTraces[j], direct[j], accuracy: 1e-10 * max(1, direct[j])) }
        XCTAssertEqual(P.elementarySymmetric([1, 2, 3], upTo: 3), [1, 6, 11, 6])
        XCTAssertEqual(traces.products, 1, "tr B⁴ needs B² only")
        XCTAssertEqual(P.powerSums(diagonal(lambda), upTo: 2).products, 0)
        XCTAssertEqual(P.powerSums(diagonal(lambda), upTo: 6).products, 2)
    }

    /// On a diagonal B, P̂_τ e_j = σ_τ(λ₋ⱼ)/σ_τ(λ) e_j, and L̂_τ is the trace of P̂_τB.
    func testPreconditionerActsAsTheFormula() {
        let lambda = [100.0, 40, 1, 0.9, 0.5]
        let b = diagonal(lambda)
        for t in 1...3 {
            let p = P.Preconditioner(b, degree: t)
            let formula = P.preconditionedSpectrum(lambda, degree: t)
            for j in lambda.indices {
                var e = [Double](repeating: 0, count: lambda.count); e[j] = 1
                let y = p.apply(e) { v in zip(v, lambda).map { $0 * $1 } }
                XCTAssertEqual(y[j] * lambda[j], formula[j], accuracy: 1e-9 * formula[j])
                XCTAssertEqual(y.enumerated().filter { $0.offset != j }.map { abs($0.element) }.max()!, 0, accuracy: 1e-12)
            }
            XCTAssertEqual(p.smoothness, formula.reduce(0, +), accuracy: 1e-9 * p.smoothness)
            XCTAssertLessThanOrEqual(formula.max()! / formula.min()!, lambda.dropFirst(t).reduce(0, +) / lambda.last!)
        }
    }

    /// With a Krylov space as large as the problem, the adaptive step solves it at once; GD obeys its predicted rate.
    func testAdaptiveAndGradientDescentOnASmallQuadratic() throws {
        let f = try P.Quadratic(eigenvalues: [50, 4, 2, 1], rng: SeededRandom(seed: 3, path: ["test"]))
        let adaptive = try P.adaptive(f, dimension: 4, budget: 100)
        XCTAssertEqual(adaptive.iterations, 1)
        XCTAssertEqual(adaptive.products, 4)
        let p = P.Preconditioner(f.b, degree: 1)
        let mu = P.preconditionedSpectrum(f.eigenvalues, degree: 1).min()!
        let gd = P.gradientDescent(f, p, smoothness: p.smoothness, budget: 1_000_000)
        let predicted = Int((log(P.tolerance) / (2 * log(1 - mu / p.smoothness))).rounded(.up))
        XCTAssertNotNil(gd.products)
        XCTAssertLessThanOrEqual(gd.iterations, predicted)
        XCTAssertGreaterThan(gd.iterations, predicted / 3)
        XCTAssertEqual(gd.products, 2 * gd.iterations + 1, "two products per step, and the final gradient")
    }

    func testRuleBranches() {
        func interval(_ key: String, _ low: Double, _ high: Double) -> Evidence {
            var e = Evidence(); e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 3), tolerance: 0); return e
        }
        func value(_ key: String, _ v: Double) -> Evidence { var e = Evidence(); e.record(key, v); return e }
        XCTAssertEqual(claim("c2a").decide(interval("c2a.log_gain", 1.5, 2)).verdict, .reproduced)
        XCTAssertEqual(claim("c2b").decide(interval("c2b.log_gain", 0.1, 0.5)).verdict, .notReproduced)
        XCTAssertEqual(claim("c2c").decide(interval("c2c.log_gain", 0.9, 1.3)).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(claim("c3").decide(interval("c3.log_ratio", -1, 0)).verdict, .reproduced)
        XCTAssertEqual(claim("c3").decide(interval("c3.log_ratio", 0.3, 0.5)).verdict, .notReproduced)
        XCTAssertEqual(claim("c1a").decide(value("c1a.spectrum_error", 1e-3)).verdict, .notReproduced)
        XCTAssertEqual(claim("c1b").decide(value("c1b.bound_ratio", 0.7)).verdict, .reproduced)
        XCTAssertEqual(claim("c2e").decide(value("c2e.iteration_ratio", 1.01)).verdict, .notReproduced)
    }

    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        var s = P.Settings()
        s.dimension = 12; s.outlierScale = 50; s.seeds = 2; s.points = 40; s.features = 6; s.lambda = 0.1
        let context = RunContext(seed: 0, scale: .quick, slug: "polynomial-preconditioning")
        let a = try P().run(context, settings: s), b = try P().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        for claim in P().claims { _ = claim.decide(a.evidence) }
        XCTAssertLessThan(a.evidence["c1a.spectrum_error"], 1e-8)
    }
}
