import Foundation
import XCTest
@testable import Harness

/// The baselines against trajectories recorded from torch.optim (PyTorch 2.13, float32, one
/// thread): every loss and parameter at every one of the 20 steps within 1e-5 + 1e-4·|reference|.
final class OptimizerGoldenTests: XCTestCase {
    /// Loads a golden file copied from the reference set into `Tests/HarnessTests/Golden`.
    static func golden(_ name: String) throws -> [String: Any] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Golden/\(name)", withExtension: "json"),
                                "missing golden file \(name)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The golden file's problem with the project's optimizer name and every hyperparameter of
    /// torch's `param_groups` that matters passed explicitly (defaults included).
    static func problem(from golden: [String: Any], optimizer: String, keys: [String]) throws -> TraceProblem {
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let group = try XCTUnwrap((golden["param_groups"] as? [[String: Any]])?.first)
        var hyper: [String: Any] = [:]
        for key in keys { hyper[key] = try XCTUnwrap(group[key], "param_groups lacks \(key)") }
        problem["optimizer"] = ["name": optimizer, "hyperparams": hyper]
        return try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem))
    }

    func check(_ file: String, optimizer: String, keys: [String], file sourceFile: StaticString = #filePath, line: UInt = #line) throws {
        let golden = try Self.golden(file)
        let result = try Self.problem(from: golden, optimizer: optimizer, keys: keys).run(optimizers: baselineTraceOptimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertEqual(losses.count, 21)
        XCTAssertEqual(result.loss.count, losses.count, file: sourceFile, line: line)
        XCTAssertEqual(result.params.count, params.count, file: sourceFile, line: line)
        XCTAssertTrue(result.finite)
        func close(_ x: Float, _ ref: Double) -> Bool { abs(Double(x) - ref) <= 1e-5 + 1e-4 * abs(ref) }
        var worst = 0.0
        for (k, (x, ref)) in zip(result.loss, losses).enumerated() {
            XCTAssertTrue(close(x, ref), "\(file) loss[\(k)] = \(x), reference \(ref)", file: sourceFile, line: line)
            worst = max(worst, abs(Double(x) - ref))
        }
        for k in 0..<params.count {
            XCTAssertEqual(result.params[k].count, params[k].count, file: sourceFile, line: line)
            for (t, (mine, ref)) in zip(result.params[k], params[k]).enumerated() {
                XCTAssertEqual(mine.count, ref.count, file: sourceFile, line: line)
                for (i, (x, r)) in zip(mine, ref).enumerated() {
                    XCTAssertTrue(close(x, r), "\(file) params[\(k)][\(t)][\(i)] = \(x), reference \(r)", file: sourceFile, line: line)
                    worst = max(worst, abs(Double(x) - r))
                }
            }
        }
        print("golden \(file): largest absolute difference \(worst)")
    }

    static let adamKeys = ["lr", "betas", "eps", "weight_decay", "amsgrad"]

    func testAdamLeastSquares() throws { try check("adam__ls6x4b4", optimizer: "adam", keys: Self.adamKeys) }
    func testAdamRosenbrock() throws { try check("adam__rosenbrock", optimizer: "adam", keys: Self.adamKeys) }
    func testAdamWLeastSquares() throws { try check("adamw__ls6x4b4", optimizer: "adamw", keys: Self.adamKeys) }
    func testAdamWRosenbrock() throws { try check("adamw__rosenbrock", optimizer: "adamw", keys: Self.adamKeys) }
    func testAMSGradLeastSquares() throws { try check("amsgrad__ls6x4b4", optimizer: "adam", keys: Self.adamKeys) }
    func testAMSGradRosenbrock() throws { try check("amsgrad__rosenbrock", optimizer: "adam", keys: Self.adamKeys) }

    /// torch's Adam with `decoupled_weight_decay: true` is AdamW: the project's `adam` accepts
    /// the flag and must then follow the AdamW golden trajectory.
    func testAdamWithDecoupledFlagFollowsAdamW() throws {
        try check("adamw__ls6x4b4", optimizer: "adam", keys: Self.adamKeys + ["decoupled_weight_decay"])
    }

    /// The state after the last step matches torch's `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`.
    func testAMSGradStateMatchesTorch() throws {
        let golden = try Self.golden("amsgrad__ls6x4b4")
        let problem = try Self.problem(from: golden, optimizer: "adam", keys: Self.adamKeys)
        let parameters = problem.makeParameters()
        let optimizer = try XCTUnwrap(try baselineTraceOptimizers["adam"]!(problem.hyperparameters, parameters) as? ChainedOptimizer)
        for _ in 0..<problem.steps { optimizer.step { problem.evaluate(parameters, gradient: true) } }
        let adam = try XCTUnwrap(optimizer.groups[0].transforms.last as? ScaleByAdam)
        let states = try XCTUnwrap(golden["state"] as? [[[String: Any]]])
        let last = try XCTUnwrap(states.last)
        for t in 0..<parameters.count {
            let mine = try XCTUnwrap(adam.state(t))
            for (key, tensor) in [("exp_avg", mine.m), ("exp_avg_sq", mine.v), ("max_exp_avg_sq", try XCTUnwrap(mine.vmax))] {
                let ref = try XCTUnwrap((last[t][key] as? [String: Any])?["data"] as? [Double])
                XCTAssertEqual(tensor.count, ref.count)
                for (x, r) in zip(tensor.data, ref) {
                    XCTAssertEqual(Double(x), r, accuracy: 1e-6 + 1e-4 * abs(r), "\(key) of tensor \(t)")
                }
            }
        }
    }
}
