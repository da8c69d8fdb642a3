import Foundation
import XCTest
@testable import Harness

/// The harness's SAM/ASAM wrapper: pytorch-optimizer's trajectories, the update formula, the
/// perturbation's norm, the exact restore of the weights and the state it adds.
final class SAMOptimizerTests: XCTestCase {
    /// The optimizers `reproduce trace` would see with SAM registered.
    static let optimizers = baselineTraceOptimizers.merging(["sam": SAM.traceFactory]) { _, sam in sam }

    /// The golden problem with the project name `sam`, `base_optimizer: "sgd"`, and every
    /// setting of the reference's `param_groups` that matters passed explicitly.
    static func problem(from golden: [String: Any], extra: [String: Any] = [:]) throws -> TraceProblem {
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let group = try XCTUnwrap((golden["param_groups"] as? [[String: Any]])?.first)
        var hyper: [String: Any] = ["base_optimizer": "sgd"]
        for key in ["lr", "momentum", "dampening", "weight_decay", "nesterov", "rho", "adaptive"] {
            hyper[key] = try XCTUnwrap(group[key], "param_groups lacks \(key)")
        }
        for (k, v) in extra { hyper[k] = v }
        problem["optimizer"] = ["name": "sam", "hyperparams": hyper]
        return try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem))
    }

    /// Every loss and parameter of the 20 steps within 1e-5 + 1e-4·|reference| of pytorch-optimizer
    /// 4.1.0's SAM around torch.optim.SGD.
    func check(_ file: String, line: UInt = #line) throws {
        let golden = try OptimizerGoldenTests.golden(file)
        let result = try Self.problem(from: golden).run(optimizers: Self.optimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertEqual(losses.count, 21, line: line)
        XCTAssertEqual(result.loss.count, 21, line: line)
        XCTAssertEqual(result.params.count, params.count, line: line)
        func close(_ x: Float, _ ref: Double) -> Bool { abs(Double(x) - ref) <= 1e-5 + 1e-4 * abs(ref) }
        for (k, (x, ref)) in zip(result.loss, losses).enumerated() {
            XCTAssertTrue(close(x, ref), "\(file) loss[\(k)] = \(x), reference \(ref)", line: line)
        }
        for k in params.indices {
            XCTAssertEqual(result.params[k].count, params[k].count, line: line)
            for (t, (mine, ref)) in zip(result.params[k], params[k]).enumerated() {
                XCTAssertEqual(mine.count, ref.count, line: line)
                for (i, (x, r)) in zip(mine, ref).enumerated() {
                    XCTAssertTrue(close(x, r), "\(file) params[\(k)][\(t)][\(i)] = \(x), reference \(r)", line: line)
                }
            }
        }
    }

    func testGoldenLeastSquares() throws { try check("sam__ls6x4b4") }
    func testGoldenRosenbrock() throws { try check("sam__rosenbrock") }

    /// The golden trajectory is not plain SGD's: with ρ = 0 SAM must collapse to SGD exactly,
    /// and with the golden ρ it must differ from SGD (so the golden test exercises the perturbation).
    func testRhoZeroIsTheBaseOptimizer() throws {
        let golden = try OptimizerGoldenTests.golden("sam__ls6x4b4")
        let sam0 = try Self.problem(from: golden, extra: ["rho": 0.0]).run(optimizers: Self.optimizers)
        var sgdProblem = try Self.problem(from: golden)
        sgdProblem.optimizerName = "sgd"
        sgdProblem.hyperparameters = TraceHyperparameters(optimizer: "sgd", values: sgdProblem.hyperparameters.values.filter {
            !["base_optimizer", "rho", "adaptive"].contains($0.key)
        })
        let sgd = try sgdProblem.run(optimizers: Self.optimizers)
        XCTAssertEqual(sam0, sgd)
        let sam = try Self.problem(from: golden).run(optimizers: Self.optimizers)
        XCTAssertGreaterThan(abs(sam.loss[20] - sgd.loss[20]), 1e-4)
    }

    /// Unknown keys name both SAM's and the base's accepted keys; a bad base or ρ is rejected.
    func testTraceFactoryRejectsUnknownKeys() throws {
        let params = [Parameter("x", Tensor(shape: [2], data: [1, 2]))]
        let h = TraceHyperparameters(optimizer: "sam", values: ["lr": .number(0.1), "betas": .numbers([0.9, 0.99])])
        XCTAssertThrowsError(try SAM.traceFactory(h, params)) { error in
            guard case let TraceError.unknownHyperparameter(key, optimizer, accepted) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "betas")
            XCTAssertEqual(optimizer, "sam")
            XCTAssertTrue(accepted.contains("rho") && accepted.contains("momentum") && accepted.contains("adaptive"))
        }
        XCTAssertThrowsError(try SAM.traceFactory(TraceHyperparameters(optimizer: "sam", values: ["base_optimizer": .text("lbfgs")]), params))
        XCTAssertThrowsError(try SAM.traceFactory(TraceHyperparameters(optimizer: "sam", values: ["rho": .number(-0.1)]), params))
        let adam = try SAM.traceFactory(TraceHyperparameters(optimizer: "sam", values: ["base_optimizer": .text("adam"), "rho": .number(0.1)]), params)
        XCTAssertEqual((adam as? SAM)?.rho, 0.1)
    }

    // MARK: The update, by hand

    /// ½ Σ cᵢ wᵢ² over the tensors, writing the gradient cᵢ wᵢ (a LossAndGradient body).
    static func diagonalQuadratic(_ c: [[Float]], _ params: [Parameter]) -> Float {
        var total: Float = 0
        for (k, p) in params.enumerated() {
            for i in 0..<p.value.count {
                total += 0.5 * c[k][i] * p.value.data[i] * p.value.data[i]
                p.grad.data[i] = c[k][i] * p.value.data[i]
            }
        }
        return total
    }

    /// One SAM and one ASAM step on f(w) = ½ Σ cᵢ wᵢ² (two tensors), against the formulas:
    /// ε̂ = ρ g/‖g‖ (global norm) or ρ w² g/‖|w| g‖, then w ← w − η ∇f(w + ε̂).
    func testOneStepMatchesTheFormula() {
        let c: [[Float]] = [[1, 3], [0.5, 2, 4]]
        let w0: [[Float]] = [[0.7, -1.2], [2.0, 0.3, -0.4]]
        for adaptive in [false, true] {
            let params = w0.enumerated().map { Parameter("p\($0.offset)", Tensor(shape: [$0.element.count], data: $0.element)) }
            let rho: Float = 0.2, lr: Float = 0.1
            let sam = SAM(base: ChainedOptimizer.sgd(params, learningRate: .constant(lr)), rho: rho, adaptive: adaptive)
            var calls = 0
            let loss = sam.step {
                calls += 1
                return Self.diagonalQuadratic(c, params)
            }
            XCTAssertEqual(calls, 2)
            let g = zip(c, w0).map { zip($0, $1).map { Double($0 * $1) } }
            let w = w0.map { $0.map(Double.init) }
            let tg = zip(w, g).map { zip($0, $1).map { adaptive ? abs($0) * $1 : $1 } }
            let norm = tg.flatMap { $0 }.map { $0 * $0 }.reduce(0, +).squareRoot()
            var expectedLoss = 0.0
            for k in 0..<2 {
                for i in 0..<w[k].count {
                    expectedLoss += 0.5 * Double(c[k][i]) * w[k][i] * w[k][i]
                    let e = Double(rho) * (adaptive ? w[k][i] * w[k][i] : 1) * g[k][i] / norm
                    let expected = w[k][i] - Double(lr) * Double(c[k][i]) * (w[k][i] + e)
                    XCTAssertEqual(Double(params[k].value.data[i]), expected, accuracy: 1e-6, "adaptive \(adaptive) [\(k)][\(i)]")
                }
            }
            XCTAssertEqual(Double(loss), expectedLoss, accuracy: 1e-6, "the loss at w, not at w + ε̂")
            // The saved copy is the only state SAM adds to plain SGD (which holds none).
            XCTAssertEqual(sam.stateBytes, 5 * 4)
        }
    }

    /// The perturbation has norm ρ exactly (SAM) and ASAM's has ‖T_w⁻¹ ε̂‖ = ρ; the weights are
    /// restored bit for bit; a zero gradient leaves the weights finite and unchanged.
    func testPerturbationNormAndZeroGradient() {
        for adaptive in [false, true] {
            let w0: [Float] = [0.5, -2, 1.5, 0.25]
            let p = Parameter("w", Tensor(shape: [4], data: w0))
            let sam = SAM(base: ChainedOptimizer.sgd([p], learningRate: .constant(0)), rho: 0.3, adaptive: adaptive)
            var perturbed: [Float] = []
            var call = 0
            sam.step {
                call += 1
                if call == 2 { perturbed = p.value.data }
                p.grad.data = [1, 2, -3, 0.5]
                return 0
            }
            let eps = zip(perturbed, w0).map { Double($0 - $1) }
            let measured = adaptive ? zip(eps, w0).map { $0 / Double(abs($1)) } : eps
            XCTAssertEqual(measured.map { $0 * $0 }.reduce(0, +).squareRoot(), 0.3, accuracy: 1e-6)
            XCTAssertEqual(p.value.data, w0, "restored exactly, then a zero-rate step")
        }
        let p = Parameter("w", Tensor(shape: [2], data: [1, 2]))
        let sam = SAM(base: ChainedOptimizer.sgd([p], learningRate: .constant(0.1)), rho: 0.05)
        sam.step { p.grad.data = [0, 0]; return 0 }
        XCTAssertEqual(p.value.data, [1, 2])
    }

    /// With momentum the base holds one buffer per tensor; SAM adds exactly one saved copy, once
    /// it has stepped.
    func testStateBytesAreTheBasePlusTheSavedWeights() {
        let params = [Parameter("a", Tensor(shape: [3, 4], repeating: 1)), Parameter("b", Tensor(shape: [5], repeating: 1))]
        let base = ChainedOptimizer.sgd(params, learningRate: .constant(0.1), momentum: 0.9)
        let sam = SAM(base: base, rho: 0.05)
        XCTAssertEqual(sam.stateBytes, 0)
        sam.step { for p in params { p.grad = Tensor(shape: p.value.shape, repeating: 0.5) }; return 0 }
        XCTAssertEqual(base.stateBytes, 17 * 4)
        XCTAssertEqual(sam.stateBytes, 2 * 17 * 4)
    }
}
