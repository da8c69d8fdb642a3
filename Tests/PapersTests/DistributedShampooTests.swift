import Foundation
import XCTest
import Papers
@testable import SecondOrder
import Harness

final class DistributedShampooTests: XCTestCase {
    /// The harness's Scalable Shampoo, which the paper's configuration sets, through `reproduce
    /// trace`'s table: the golden of the reference with roots every step from step 1.
    func testScalableShampooGoldenThroughTrace() throws {
        try GoldenTrace.check("scalableshampoo__ls6x4b4", optimizer: "scalable-shampoo",
                              keys: ["lr", "betas", "weight_decay", "decoupled_weight_decay", "decoupled_learning_rate",
                                     "moving_average_for_momentum", "nesterov"])
    }

    /// The first step of the paper's configuration by hand. The AdaGrad graft at step 1 is
    /// `g/(|g| + 1e-6)`, so the matrix's step has the graft's norm exactly, whatever the roots, and
    /// points along `L^(−1/4) G R^(−1/4)` with `L = εI + GGᵀ`, `R = εI + GᵀG`; the rank-one bias keeps
    /// its own direction at the graft's step size. Nesterov momentum at step 1 multiplies both by 1 + μ = 1.9.
    func testFirstStepByHand() throws {
        let g = Tensor<Float>(shape: [3, 2], data: [0.5, -1, 2, 0.25, -0.75, 1.5])
        let b = Tensor<Float>(shape: [2], data: [0.3, -2])
        let w = Parameter("w", .zeros([3, 2])), bias = Parameter("b", .zeros([2]))
        w.grad = g; bias.grad = b
        let lr: Float = 0.1
        let optimizer = ChainedOptimizer([w, bias], transforms: [ScaleByScalableShampoo(DistributedShampooPaper.shampoo(interval: 1))],
                                         learningRate: .constant(lr))
        optimizer.applyGradients()
        // Bias (rank one, no preconditioner): its own direction with the graft's norm, −lr · 1.9 · g ‖D‖/‖g‖,
        // D = g/(|g| + 1e-6) the AdaGrad graft.
        let graftNorm = b.data.map { Double($0 / (abs($0) + 1e-6)) }.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let gradientNorm = b.data.map { Double($0) * Double($0) }.reduce(0, +).squareRoot()
        for i in 0..<2 { XCTAssertEqual(Double(bias.value.data[i]), -Double(lr) * 1.9 * Double(b.data[i]) * graftNorm / gradientNorm, accuracy: 1e-6) }
        // Matrix: the norm of the graft, √6 (each entry ±1 up to 1e-6), times lr · 1.9.
        let step = w.value.data.map { Double($0) }
        XCTAssertEqual(sqrt(step.reduce(0) { $0 + $1 * $1 }), Double(lr) * 1.9 * 6.0.squareRoot(), accuracy: 1e-4)
        // Direction: the exact roots from the eigendecomposition, in Double.
        let gd = g.converted(to: Double.self)
        var left = matmul(gd, gd, transposeB: true), right = matmul(gd, gd, transposeA: true)
        for i in 0..<3 { left.data[i * 3 + i] += 1e-6 }
        for i in 0..<2 { right.data[i * 2 + i] += 1e-6 }
        let direction = matmul(matmul(try MatrixRoots.inverseRoot(left, p: 4), gd), try MatrixRoots.inverseRoot(right, p: 4))
        let norm = sqrt(direction.data.reduce(0) { $0 + $1 * $1 })
        let expected = direction.data.map { -Double(lr) * 1.9 * 6.0.squareRoot() * $0 / norm }
        for (x, e) in zip(step, expected) { XCTAssertEqual(x, e, accuracy: 5e-3 * Double(lr)) }
        // Plain AdaGrad's direction (the graft) is a different one: the test can tell them apart.
        let graft = g.data.map { -Double(lr) * 1.9 * Double($0 / (abs($0) + 1e-6)) }
        XCTAssertGreaterThan(zip(graft, expected).map { abs($0 - $1) }.max()!, 0.05)
    }

    /// The cost probe on a 4×3 weight with a gradient that costs nothing: statistics (GGᵀ, GᵀG)
    /// and preconditioning (two mode products) cost 2·(2·4·4·3 + 2·3·3·4) = 336 FLOPs a step; the
    /// root recomputation `R` enters as R/k, so (o₁ − o₁₀₀)/(o₁₀ − o₁₀₀) = 0.99/0.09 = 11.
    func testStepCostModel() {
        let w = Parameter("w", .zeros([4, 3]))
        let probe = DistributedShampooPaper.Probe(parameters: [w]) {
            w.grad = Tensor(shape: [4, 3], data: (0..<12).map { Float($0 % 5) - 1.5 })
            return 0
        }
        let cost = DistributedShampooPaper.stepCost(probe, steps: 20, intervals: [1, 10, 100])
        XCTAssertEqual(cost.gradient, 0)
        let o = cost.overhead
        XCTAssertGreaterThan(o[100]!, 336)
        XCTAssertLessThan(o[100]!, o[10]!)
        XCTAssertEqual((o[1]! - o[100]!) / (o[10]! - o[100]!), 11, accuracy: 1e-9)
        let roots = (o[1]! - o[100]!) / 0.99
        XCTAssertEqual(o[100]! - roots / 100, 336, accuracy: 1e-6 * o[1]!)
    }

    // MARK: - The rules

    func testRuleBranches() {
        let claims = DistributedShampooPaper().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        func both(_ prefix: String, _ suffix: String, _ value: (Double, Double, Double)) -> Evidence {
            var e = Evidence()
            for key in ["cnn_digits", "transformer_markov"] {
                e.record(interval: "\(prefix).\(key).\(suffix)", Interval(mean: value.0, low: value.1, high: value.2, count: 8), tolerance: 0)
            }
            return e
        }
        XCTAssertEqual(claim("c1a").decide(both("c1a", "log_test_loss_shampoo_minus_adam", (-0.3, -0.4, -0.2))).verdict, .reproduced)
        XCTAssertEqual(claim("c1a").decide(both("c1a", "log_test_loss_shampoo_minus_adam", (0.2, 0.1, 0.3))).verdict, .notReproduced)
        XCTAssertEqual(claim("c1b").decide(both("c1b", "log_test_loss_shampoo_minus_adagrad", (0, -0.5, 0.5))).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(claim("c1c").decide(both("c1c", "log_test_loss_k100_minus_k1", (0.01, -0.02, 0.04))).verdict, .reproduced)
        XCTAssertEqual(claim("c1c").decide(both("c1c", "log_test_loss_k100_minus_k1", (0.5, 0.3, 0.7))).verdict, .notReproduced)
        var e = Evidence()
        e.record("c1d.cnn_digits.flops_per_step_over_adam", 1.2)
        e.record("c1d.transformer_markov.flops_per_step_over_adam", 1.2)
        XCTAssertEqual(claim("c1d").decide(e).verdict, .reproduced)
        var f = Evidence()
        f.record("c1d.cnn_digits.flops_per_step_over_adam", 1.2)
        f.record("c1d.transformer_markov.flops_per_step_over_adam", 2)
        XCTAssertEqual(claim("c1d").decide(f).verdict, .notReproduced)
        guard case .notTestable = claim("c2").decide(e).verdict else { return XCTFail("c2 needs multi-device hardware") }
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = DistributedShampooPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "distributed-shampoo")
        var settings = DistributedShampooPaper.Settings(context)
        settings.learningRates = [1e-2]
        settings.evaluationSeeds = 2
        settings.probeSteps = 3
        let data = AuONTests.tinyData()
        let tiny = { (key: String) in
            StandardTasks.classification(key: key, label: key, data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                MLP(sizes: [16, 8, 4], rng: rng)
            }
        }
        settings.tasks = { _ in ["cnn_digits", "transformer_markov"].map(tiny) }
        settings.probes = { _ in
            let model = MLP(sizes: [16, 8, 4], rng: SeededRandom(seed: 1, path: ["probe"]))
            let (x, y) = data.train.batch(Array(0..<16))
            let probe = DistributedShampooPaper.Probe(parameters: model.parameters) { model.lossAndGradient(x, labels: y) }
            return ["cnn_digits": probe, "transformer_markov": probe]
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        XCTAssertGreaterThan(first.evidence["c1d.cnn_digits.flops_per_step_over_adam"], 1)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
