import Foundation
import XCTest
@testable import Harness

/// Sophia against pytorch-optimizer's `SophiaH` goldens (exact Hessian diagonal every
/// `update_period` steps) through the trace path, the trace problems' exact diagonals, and the
/// pluggable estimators.
final class SophiaTests: XCTestCase {
    static let keys = ["lr", "betas", "weight_decay", "weight_decouple", "fixed_decay", "p", "eps"]

    /// The golden's problem with every setting of its `param_groups` and its `hessian_update_period`.
    static func problem(_ golden: [String: Any]) throws -> TraceProblem {
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let group = try XCTUnwrap((golden["param_groups"] as? [[String: Any]])?.first)
        var hyper: [String: Any] = [:]
        for key in keys { hyper[key] = try XCTUnwrap(group[key], "param_groups lacks \(key)") }
        XCTAssertEqual(golden["hessian_source"] as? String, "exact")
        hyper["update_period"] = try XCTUnwrap(golden["hessian_update_period"] as? Int)
        problem["optimizer"] = ["name": "sophia", "hyperparams": hyper]
        return try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem))
    }

    func check(_ file: String, line: UInt = #line) throws {
        let golden = try OptimizerGoldenTests.golden(file)
        let result = try Self.problem(golden).run(optimizers: baselineTraceOptimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertEqual(result.loss.count, 21, line: line)
        XCTAssertEqual(result.params.count, params.count, line: line)
        XCTAssertTrue(result.finite, line: line)
        func close(_ x: Float, _ ref: Double) -> Bool { abs(Double(x) - ref) <= 1e-5 + 1e-4 * abs(ref) }
        var worst = 0.0
        for (k, (x, ref)) in zip(result.loss, losses).enumerated() {
            XCTAssertTrue(close(x, ref), "\(file) loss[\(k)] = \(x), reference \(ref)", line: line)
            worst = max(worst, abs(Double(x) - ref))
        }
        for k in 0..<params.count {
            for (t, (mine, ref)) in zip(result.params[k], params[k]).enumerated() {
                XCTAssertEqual(mine.count, ref.count, line: line)
                for (i, (x, r)) in zip(mine, ref).enumerated() {
                    XCTAssertTrue(close(x, r), "\(file) params[\(k)][\(t)][\(i)] = \(x), reference \(r)", line: line)
                    worst = max(worst, abs(Double(x) - r))
                }
            }
        }
        print("golden \(file): largest absolute difference \(worst)")
    }

    func testLeastSquaresGolden() throws { try check("sophiah__ls6x4b4") }
    func testRosenbrockGolden() throws { try check("sophiah__rosenbrock") }

    /// After every step, the momentum and Hessian moment match pytorch-optimizer's `state`
    /// (the moment changes at steps 0 and 10 only), and the problem's exact diagonal matches
    /// its `hessian` at those steps.
    func testStateMatchesTheReferenceAfterEveryStep() throws {
        for file in ["sophiah__ls6x4b4", "sophiah__rosenbrock"] {
            let golden = try OptimizerGoldenTests.golden(file)
            let problem = try Self.problem(golden)
            let parameters = problem.makeParameters()
            var h = problem.hyperparameters
            h.hessianDiagonal = { problem.hessianDiagonal($0) }
            let sophia = try XCTUnwrap(try baselineTraceOptimizers["sophia"]!(h, parameters) as? Sophia)
            let states = try XCTUnwrap(golden["state"] as? [[[String: Any]]])
            for (k, state) in states.enumerated() {
                if k % 10 == 0 {
                    for (t, exact) in problem.hessianDiagonal(parameters).enumerated() {
                        let ref = try XCTUnwrap((state[t]["hessian"] as? [String: Any])?["data"] as? [Double])
                        for (x, r) in zip(exact.data, ref) { XCTAssertEqual(Double(x), r, accuracy: 1e-5 * max(1, abs(r)), "\(file) hessian at step \(k)") }
                    }
                }
                sophia.step { problem.evaluate(parameters, gradient: true) }
                for t in parameters.indices {
                    let mine = try XCTUnwrap(sophia.scaling.state(t))
                    for (key, tensor) in [("momentum", mine.momentum), ("hessian_moment", mine.hessianMoment)] {
                        let ref = try XCTUnwrap((state[t][key] as? [String: Any])?["data"] as? [Double])
                        XCTAssertEqual(tensor.count, ref.count)
                        for (x, r) in zip(tensor.data, ref) {
                            XCTAssertEqual(Double(x), r, accuracy: 1e-6 + 1e-4 * abs(r), "\(file) \(key) of tensor \(t) after step \(k + 1)")
                        }
                    }
                }
            }
        }
    }

    /// The trace problems' closed-form diagonals agree with central differences of their exact
    /// gradients (in Double, away from the initial point too).
    func testTraceProblemHessianDiagonalMatchesDifferencesOfGradients() throws {
        for file in ["sophiah__ls6x4b4", "sophiah__rosenbrock"] {
            let problem = try Self.problem(try OptimizerGoldenTests.golden(file))
            let parameters = problem.makeParameters()
            for p in parameters { for i in 0..<p.value.count { p.value.data[i] += 0.125 * Float(i % 3) - 0.0625 } }
            let diagonal = problem.hessianDiagonal(parameters)
            let step: Float = 1.0 / 64
            for (t, p) in parameters.enumerated() {
                for i in 0..<p.value.count {
                    let x = p.value.data[i]
                    p.value.data[i] = x + step
                    _ = problem.evaluate(parameters, gradient: true)
                    let plus = Double(p.grad.data[i])
                    p.value.data[i] = x - step
                    _ = problem.evaluate(parameters, gradient: true)
                    let minus = Double(p.grad.data[i])
                    p.value.data[i] = x
                    let difference = (plus - minus) / (2 * Double(step))
                    XCTAssertEqual(Double(diagonal[t].data[i]), difference, accuracy: 1e-3 * max(1, abs(difference)),
                                   "\(file) tensor \(t) entry \(i)")
                }
            }
        }
    }

    /// Bad hyperparameters end with a one-line error naming the key.
    func testFactoryRejectsBadHyperparameters() {
        let params = [Parameter("w", Tensor(shape: [2], data: [1, 2]))]
        func error(_ values: [String: HyperparameterValue], diagonal: Bool = true) -> String? {
            var h = TraceHyperparameters(optimizer: "sophia", values: values)
            if diagonal { h.hessianDiagonal = { $0.map { Tensor<Float>.zeros($0.value.shape) } } }
            do { _ = try Sophia.traceFactory(h, params); return nil } catch { return "\(error)" }
        }
        XCTAssertNil(error(["lr": .number(0.1), "update_period": .number(3)]))
        XCTAssertEqual(error(["num_samples": .number(1)]),
                       "unknown hyperparameter 'num_samples' for optimizer 'sophia' in field 'optimizer.hyperparams'; accepted: betas, eps, fixed_decay, lr, p, update_period, weight_decay, weight_decouple")
        XCTAssertEqual(error(["p": .number(-1)]), "invalid hyperparameter 'p' for optimizer 'sophia' in field 'optimizer.hyperparams.p': expected a number >= 0")
        XCTAssertEqual(error(["update_period": .number(0)]),
                       "invalid hyperparameter 'update_period' for optimizer 'sophia' in field 'optimizer.hyperparams.update_period': expected a whole number >= 1")
        XCTAssertNotNil(error(["betas": .numbers([0.9, 1])]))
        XCTAssertEqual(error([:], diagonal: false), "malformed problem: field 'objective': optimizer 'sophia' needs the problem's exact Hessian diagonal")
    }

    /// Weight decay: decoupled p ← p(1 − ηλ) − η·clip(m/h̄), or L2 into the gradient before the moments.
    func testWeightDecayFollowsTheReference() {
        for decoupled in [true, false] {
            let p = Parameter("w", Tensor(shape: [2], data: [1, -2]))
            let sophia = Sophia([p], learningRate: 0.5, clip: 10, weightDecay: 0.1, decoupledWeightDecay: decoupled,
                                updatePeriod: 10) { _, _ in [Tensor(shape: [2], data: [4, 8])] }
            sophia.step { p.grad = Tensor(shape: [2], data: [0.3, 0.6]); return 0 }
            for (i, (w, g, h)) in [(Float(1), Float(0.3), Float(4)), (-2, 0.6, 8)].enumerated() {
                let gradient = decoupled ? g : g + 0.1 * w
                let ratio = min(max(0.04 * gradient / (0.01 * h), -10), 10)
                let expected = decoupled ? w * (1 - 0.5 * 0.1) - 0.5 * ratio : w - 0.5 * ratio
                XCTAssertEqual(p.value.data[i], expected, accuracy: 1e-5, "decoupled \(decoupled), entry \(i)")
            }
        }
    }

    /// On f(w) = ½ Σ cᵢwᵢ² the Hessian is diagonal, so Hutchinson's z ⊙ Hz is exact for any
    /// probe: Sophia-H on central-difference products follows Sophia with the exact diagonal,
    /// refreshing every 3 steps (the estimator is called at steps 0, 3, 6, 9 only).
    func testHutchinsonEstimatorMatchesTheExactDiagonalOnADiagonalQuadratic() {
        let c: [[Float]] = [[0.5, 3, -1], [7, 2]]
        func parameters() -> [Parameter] {
            [Parameter("u", Tensor(shape: [3], data: [0.3, -0.2, 1])), Parameter("v", Tensor(shape: [2], data: [2, -1]))]
        }
        let exactParams = parameters(), estimatedParams = parameters()
        var calls = 0
        let exact = Sophia(exactParams, learningRate: 0.5, clip: 1, updatePeriod: 3) { params, _ in
            calls += 1
            return c.enumerated().map { Tensor(shape: [c[$0.offset].count], data: $0.element) }
        }
        let estimated = Sophia(estimatedParams, learningRate: 0.5, clip: 1, updatePeriod: 3,
                               estimator: Sophia.hutchinson(probes: 2, rng: SeededRandom(seed: 3, path: ["sophia-h"]), h: 1e-2))
        for _ in 0..<10 {
            exact.step { SAMOptimizerTests.diagonalQuadratic(c, exactParams) }
            estimated.step { SAMOptimizerTests.diagonalQuadratic(c, estimatedParams) }
        }
        XCTAssertEqual(calls, 4)
        for (a, b) in zip(exactParams, estimatedParams) {
            for (x, y) in zip(a.value.data, b.value.data) { XCTAssertEqual(x, y, accuracy: 1e-4) }
        }
        // The negative curvature entry is floored at ε and clipped: it moved by exactly ηρ per step.
        XCTAssertEqual(exactParams[0].value.data[2], 6)
        XCTAssertEqual(exact.stateBytes, 2 * 5 * 4)
    }

    /// Sophia-G folds B·ĝ⊙ĝ (labels from the model's softmax, its own stream) into the moment:
    /// after the first step h̄ = (1 − β₂)·the estimate computed independently from the same stream.
    func testGaussNewtonBartlettEstimatorFeedsTheMoment() throws {
        let (model, x, labels, _) = GaussNewtonTests.problem()
        var rng = SeededRandom(seed: 12, path: ["sophia-g"])
        let expected = model.gaussNewtonBartlettDiagonal(x, samples: 2, rng: &rng)
        let sophia = Sophia(model.trainableParameters, learningRate: 0.1,
                            estimator: Sophia.gaussNewtonBartlett(model, input: { x }, samples: 2,
                                                                  rng: SeededRandom(seed: 12, path: ["sophia-g"])))
        sophia.step { model.lossAndGradient(x, labels: labels) }
        for (t, e) in expected.enumerated() {
            let moment = try XCTUnwrap(sophia.scaling.state(t)).hessianMoment
            for (m, d) in zip(moment.data, e.data) { XCTAssertEqual(m, Float(0.01) * d, accuracy: 1e-7 + 1e-5 * abs(d)) }
        }
        XCTAssertGreaterThan(expected.flatMap(\.data).max()!, 0)
    }
}
