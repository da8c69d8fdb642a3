import Foundation
import XCTest
import Papers
@testable import SecondOrder
@testable import Harness

final class EGNTests: XCTestCase {
    /// f = w·x + c on one example x = 1, y = 3: J = [1, 1], so with λ = 1 both forms give
    /// d = −(JᵀJ + I)⁻¹Jᵀg = −(g/3, g/3) and the output moves by −2g/3 at α = 1.
    func testStepByHand() throws {
        var f = MLPFunction(weights: [Tensor(shape: [1, 1], data: [0.5])], biases: [Tensor(shape: [1], data: [0.25])], activation: .tanh)
        let x = Tensor<Double>(shape: [1, 1], data: [1])
        let egn = EGN(maxStep: 1, lambda: 1, beta: 0, lineSearch: false, adaptiveLambda: false)
        let loss = try egn.step(&f, x, [3], loss: .squaredError)
        let g = 0.75 - 3
        XCTAssertEqual(loss, 0.5 * g * g, accuracy: 1e-12)
        XCTAssertEqual(f.flat[0], 0.5 - g / 3, accuracy: 1e-12)
        XCTAssertEqual(f.flat[1], 0.25 - g / 3, accuracy: 1e-12)
    }

    /// On a linear model with squared error the GN model is exact, so ρ = 1 and λ shrinks by 0.99;
    /// the full step passes Armijo, and bias-corrected momentum's first step is the plain step.
    func testLambdaRuleLineSearchAndMomentum() throws {
        var rng = SeededRandom(seed: 2, path: ["egn test"])
        let model = MLPFunction(MLP(sizes: [3, 2], activation: .tanh, rng: rng.child("m")))
        let xf = Tensor<Float>.randomNormal([8, 3], using: &rng)
        let x = Tensor(shape: xf.shape, data: xf.data.map(Double.init)), y = (0..<16).map { sin(Double($0)) }
        var a = model, b = model
        let adaptive = EGN(maxStep: 1, beta: 0.9, lineSearch: true, adaptiveLambda: true)
        let before = try adaptive.step(&a, x, y, loss: .squaredError)
        XCTAssertEqual(adaptive.lambda, 0.99, accuracy: 1e-12)
        XCTAssertEqual(adaptive.stepSize, 1)
        XCTAssertLessThan(GaussNewtonLoss.squaredError.evaluate(outputs: a(x), targets: y).loss, before)
        _ = try EGN(maxStep: 1, beta: 0, lineSearch: true, adaptiveLambda: false).step(&b, x, y, loss: .squaredError)
        for (p, q) in zip(a.flat, b.flat) { XCTAssertEqual(p, q, accuracy: 1e-12) }
    }

    func testIdentityAndCostPieces() throws {
        XCTAssertLessThan(try EGNPaper.identityCheck(), 1e-10)
        let curve = try EGNPaper.costCurve([4, 8, 16])
        XCTAssertGreaterThan(EGNPaper.fit(curve.map(\.d), curve.map(\.flops)).r2, 0.999)
        let fit = EGNPaper.fit([0, 1, 2, 3], [1, 0, -1, -2])
        XCTAssertEqual(fit.slope, -1, accuracy: 1e-12)
        XCTAssertEqual(fit.r2, 1, accuracy: 1e-12)
    }

    func testRuleBranches() {
        let claims = EGNPaper().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        func interval(_ key: String, _ v: (Double, Double, Double)) -> Evidence {
            var e = Evidence()
            e.record(interval: key, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0)
            return e
        }
        XCTAssertEqual(claim("c4b").decide(interval("c4.breast_cancer.diff", (0, -1, 1))).verdict, .reproduced)
        XCTAssertEqual(claim("c4b").decide(interval("c4.breast_cancer.diff", (-5, -6, -4))).verdict, .notReproduced)
        XCTAssertEqual(claim("c4a").decide(interval("c4.regression.diff", (0.3, 0.2, 0.4))).verdict, .notReproduced)
        XCTAssertEqual(claim("c2a").decide(interval("c2a.log_loss_full_minus_ablated", (-1, -1.2, -0.8))).verdict, .reproduced)
        func c3(_ r2: Double, _ slope: Double) -> Verdict {
            var e = Evidence()
            e.record("c3.min_r_squared", r2)
            e.record("c3.max_slope", slope)
            return claim("c3").decide(e).verdict
        }
        XCTAssertEqual(c3(0.95, -0.1), .reproduced)
        XCTAssertEqual(c3(0.5, -0.1), .notReproduced)
        XCTAssertEqual(c3(0.95, 0.1), .notReproduced)
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let context = RunContext(seed: 0, scale: .quick, slug: "egn")
        var s = EGNPaper.Settings(context)
        (s.epochs, s.c3Steps, s.costWidths, s.egnGrid) = (1, 4, [4, 8], [1])
        s.grids = ["SGD": [0.1], "Adam": [0.01], "SGN": [0.5]]
        s.tasks = { _, _ in
            var rng = SeededRandom(seed: 1, path: ["tiny"])
            func split(_ n: Int, _ c: Int, labels: Bool) -> EGNPaper.Split {
                let x = Tensor<Float>.randomNormal([n, 4], using: &rng)
                let l = (0..<n).map { $0 % c }
                return EGNPaper.Split(x: Tensor(shape: x.shape, data: x.data.map(Double.init)),
                                      y: labels ? l.flatMap { k in (0..<c).map { $0 == k ? 1.0 : 0 } } : (0..<n).map { sin(Double($0)) }, labels: labels ? l : nil)
            }
            return [EGNPaper.Task(key: "regression", label: "r", sizes: [4, 3, 1], loss: .squaredError, train: split(32, 1, labels: false), validation: split(8, 1, labels: false), test: split(8, 1, labels: false)),
                    EGNPaper.Task(key: "breast_cancer", label: "b", sizes: [4, 3, 2], loss: .crossEntropy, train: split(32, 2, labels: true), validation: split(8, 2, labels: true), test: split(8, 2, labels: true)),
                    EGNPaper.Task(key: "mnist1d", label: "m", sizes: [4, 3, 3], loss: .crossEntropy, train: split(32, 3, labels: true), validation: split(8, 3, labels: true), test: split(8, 3, labels: true))]
        }
        let paper = EGNPaper()
        let first = try paper.run(context, settings: s)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        let second = try paper.run(context, settings: s)
        XCTAssertEqual(first.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" }, second.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" })
    }
}
