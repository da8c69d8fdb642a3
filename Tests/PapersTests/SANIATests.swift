import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
import Harness

final class SANIATests: XCTestCase {
    /// Least squares f(w) = 1/(2n) Σᵢ (xᵢ·w − yᵢ)² on one weight vector, as a loss-and-gradient closure.
    static func leastSquares(_ w: Parameter, x: [[Double]], y: [Double]) -> LossAndGradient {
        {
            let v = w.value.data.map(Double.init), n = Double(x.count)
            var f = 0.0, g = [Double](repeating: 0, count: v.count)
            for (xi, yi) in zip(x, y) {
                let r = zip(xi, v).reduce(0) { $0 + $1.0 * $1.1 } - yi
                f += r * r / (2 * n)
                for j in v.indices { g[j] += r * xi[j] / n }
            }
            w.grad = Tensor(shape: [v.count], data: g.map(Float.init))
            return Float(f)
        }
    }

    func testLambdaRules() {
        XCTAssertEqual(SANIAOptimizer.lambda(loss: 1, q: 8, rule: .linear), 0.125)
        XCTAssertEqual(SANIAOptimizer.lambda(loss: 1, q: 8, rule: .quadratic), 1 - (0.75).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(SANIAOptimizer.lambda(loss: 5, q: 8, rule: .quadratic), 1, "no root: the model's minimiser")
        XCTAssertEqual(SANIAOptimizer.lambda(loss: 1, q: 0, rule: .quadratic), 0, "no direction, no step")
        XCTAssertEqual(SANIAOptimizer.lambda(loss: 1e-4, q: 1, rule: .quadratic), 1e-4, accuracy: 1e-8, "first-order agreement")
    }

    /// AdaGrad-SQR's first step by hand: B = g², s = 1/g, q = number of nonzero coordinates.
    func testAdaGradSQRFirstStepByHand() {
        let w = Parameter("w", Tensor(shape: [2], data: [0, 0]))
        let x = [[1.0, 2.0], [0.5, -1.0]], y = [1.0, 2.0]
        let optimizer = SANIAOptimizer([w], preconditioner: [ScaleByAdaGradSQR()])
        let loss = Double(optimizer.step(Self.leastSquares(w, x: x, y: y)))
        XCTAssertEqual(loss, (1 + 4) / 4, accuracy: 1e-6)
        let g = [-(1.0 * 1 + 2 * 0.5) / 2, -(1.0 * 2 + 2 * -1.0) / 2]   // [−1, 0]: the second coordinate has no gradient
        XCTAssertEqual(g[1], 0)
        let lambda = 1 - (1 - 2 * loss / 1).squareRoot()                // q = 1 (one nonzero coordinate); 2f > q → λ = 1
        XCTAssertEqual(optimizer.lastLambda, 2 * loss > 1 ? 1 : lambda, accuracy: 1e-6)
        XCTAssertEqual(Double(w.value.data[0]), -1 * (1 / g[0]), accuracy: 1e-5)
        XCTAssertEqual(w.value.data[1], 0, "0/(0 + ε) = 0")
        XCTAssertEqual(optimizer.stateBytes, 2 * 4)
    }

    /// The reference torch classes' floor: B = max(0.1, ·), so a tiny gradient takes a small step.
    func testFloorBoundsTheStep() {
        for t in [ScaleByAdaGradSQR(floor: 0.1), ScaleByAdamSQR(floor: 0.1)] as [GradientTransformation] {
            var u = Tensor<Float>(shape: [2], data: [0.01, 2])
            t.update(&u, parameter: .zeros([2]), index: 0, step: 1)
            XCTAssertEqual(u.data[0], 0.1, accuracy: 1e-6, "0.01 / max(0.1, 1e-4)")
            XCTAssertEqual(u.data[1], 0.5, accuracy: 1e-6, "2 / max(0.1, 4)")
        }
    }

    /// The paper's invariance: rescaling feature j by c_j maps the trajectory to w_j / c_j (from w₀ = 0),
    /// for AdaGrad-SQR and Adam-SQR; plain SPS (B = I) does not follow.
    func testScaleInvarianceOnAGeneralisedLinearModel() {
        let x = [[1.0, 2.0, -0.5], [0.3, -1.0, 1.5], [2.0, 0.1, 0.4], [-1.0, 0.7, 0.2]], y = [1.0, -0.5, 2.0, 0.3]
        let c = [1e-3, 1.0, 250.0]
        let xs = x.map { zip($0, c).map { $0 * $1 } }
        func run(_ features: [[Double]], _ make: () -> [GradientTransformation]) -> [Double] {
            let w = Parameter("w", Tensor(shape: [3], data: [0, 0, 0]))
            let optimizer = SANIAOptimizer([w], preconditioner: make())
            for _ in 0..<8 { optimizer.step(Self.leastSquares(w, x: features, y: y)) }
            return w.value.data.map(Double.init)
        }
        for (name, make) in [("AdaGrad-SQR", { [ScaleByAdaGradSQR()] as [GradientTransformation] }), ("Adam-SQR", { [ScaleByAdamSQR()] })] {
            let plain = run(x, make), scaled = run(xs, make)
            for j in 0..<3 {
                XCTAssertEqual(scaled[j] * c[j], plain[j], accuracy: 1e-4 * max(1, abs(plain[j])), "\(name) coordinate \(j)")
            }
        }
        let plain = run(x, { [] }), scaled = run(xs, { [] })
        XCTAssertGreaterThan(abs(scaled[0] * c[0] - plain[0]), 1e-2, "SPS is not invariant")
    }

    /// On a diagonal quadratic z ⊙ Hz = diag(H) exactly, so B = H, q = gᵀH⁻¹g = 2f, λ = 1: one Newton
    /// step to the minimum, paying 1 + 2 × 10 warm-up evaluations.
    func testHutchinsonSolvesADiagonalQuadraticInOneStep() {
        let h = [4.0, 0.01, 100.0]
        let w = Parameter("w", Tensor(shape: [3], data: [1, -2, 0.5]))
        var calls = 0
        let closure: LossAndGradient = {
            calls += 1
            let v = w.value.data.map(Double.init)
            w.grad = Tensor(shape: [3], data: zip(v, h).map { Float($0 * $1) })
            return Float(zip(v, h).reduce(0) { $0 + 0.5 * $1.1 * $1.0 * $1.0 })
        }
        let optimizer = SANIAOptimizer([w], preconditioner: [ScaleByHutchinson()], hessianStep: 1e-2)
        optimizer.step(closure)
        XCTAssertEqual(calls, 21)
        XCTAssertEqual(optimizer.lastLambda, 1, accuracy: 2e-3)
        for v in w.value.data { XCTAssertEqual(v, 0, accuracy: 0.05) }
    }

    // MARK: - Rules on synthetic evidence

    func claim(_ id: String) -> Claim { SANIAPaper().claims.first { $0.id == id }! }

    func testRuleBranches() {
        let inside = (0.0, -0.05, 0.05), worse = (0.5, 0.3, 0.7), wide = (0.0, -0.5, 0.5)
        func c1a(_ ci: (Double, Double, Double)) -> Verdict {
            claim("c1a").decide(AdaBeliefTests.evidence(["c1a.logreg.sania_adagrad_sqr_minus_best": ci])).verdict
        }
        XCTAssertEqual(c1a(inside), .reproduced)
        XCTAssertEqual(c1a(worse), .notReproduced)
        XCTAssertEqual(c1a((-1, -2, 0.05)), .reproduced, "better than the baseline is within the margin")
        func c2a(_ ci: (Double, Double, Double), sgd: Double, sps: Double) -> Verdict {
            claim("c2a").decide(AdaBeliefTests.evidence(["c2a.log_ratio.sania_adagrad_sqr": ci],
                                                        ["c2a.premise.sgd_mean_log_ratio": sgd, "c2a.premise.sps_mean_log_ratio": sps])).verdict
        }
        XCTAssertEqual(c2a(inside, sgd: 2, sps: 1), .reproduced)
        XCTAssertEqual(c2a(worse, sgd: 2, sps: 1), .notReproduced)
        XCTAssertEqual(c2a(wide, sgd: 2, sps: 1), .inconclusive(.underpowered))
        XCTAssertEqual(c2a(inside, sgd: 2, sps: 0.1), .inconclusive(.premiseAbsent))
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = SANIAPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "sania")
        var settings = SANIAPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        settings.epochs = 1
        let data = AdamTests.tinyData()
        settings.data = { _ in data }
        settings.mlp = { _ in
            StandardTasks.classification(key: "mlp_digits", label: "tiny MLP", data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                MLP(sizes: [64, 8, 10], rng: rng)
            }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        // 48 examples at batch 32: 2 steps; Hutchinson adds 2 per step and 20 at the first.
        XCTAssertEqual(first.evidence["cost.logreg.sgd.gradient_evaluations"], 2)
        XCTAssertEqual(first.evidence["cost.logreg.sania_hutchinson.gradient_evaluations"], 24)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: SANIAPaper())
        XCTAssertEqual(found.map(\.name), ["sania-preconditioners", "sania-step"])
        XCTAssertTrue(found[1].code.contains("class SANIAOptimizer"))
    }
}
