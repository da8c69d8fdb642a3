import Foundation
import XCTest
@testable import Harness

/// The trace problem format: objectives and their gradients, output JSON, and one-line errors
/// that name the offending field.
final class OptimizerTraceTests: XCTestCase {
    static let leastSquares = """
    {"name": "tiny", "objective": "least_squares", "dtype": "float32", "steps": 3,
     "params": [{"name": "W", "shape": [2, 2], "init": [1, 0, 0, 1],
                 "A": {"shape": [3, 2], "data": [1, 2, 0, 1, 3, -1]},
                 "B": {"shape": [3, 2], "data": [1, 1, 0, 2, -1, 0]}, "n": 3,
                 "group": {"rank": 1, "use_muon": true, "projection_type": "std"}},
                {"name": "b", "shape": [2], "init": [0.5, -0.5],
                 "A": {"shape": [2, 2], "data": [2, 0, 1, 1]}, "B": {"shape": [2], "data": [1, 0]}, "n": 2}],
     "optimizer": {"name": "sgd", "hyperparams": {"lr": 0.1}}}
    """

    func parse(_ text: String) throws -> TraceProblem { try TraceProblem.parse(Data(text.utf8)) }

    /// Replaces `old` by `new` in the valid problem and returns the error it raises.
    func error(replacing old: String, with new: String, run: Bool = false) -> TraceError? {
        let text = Self.leastSquares.replacingOccurrences(of: old, with: new)
        XCTAssertNotEqual(text, Self.leastSquares, "the edit must apply")
        do {
            let problem = try parse(text)
            if run { _ = try problem.run(optimizers: baselineTraceOptimizers) }
            XCTFail("expected an error for \(new)")
            return nil
        } catch let e as TraceError {
            XCTAssertFalse(e.description.contains("\n"), "one line: \(e)")
            return e
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    /// Loss and gradient against central finite differences in Double, on both objectives.
    func testGradientsMatchFiniteDifferences() throws {
        let rosen = try parse("""
        {"objective": "rosenbrock", "steps": 1, "rosenbrock": {"a": 1, "b": 100},
         "params": [{"name": "xy", "shape": [1, 2], "init": [-0.75, 0.5]}],
         "optimizer": {"name": "adam", "hyperparams": {}}}
        """)
        for problem in [try parse(Self.leastSquares), rosen] {
            let ps = problem.makeParameters()
            _ = problem.evaluate(ps, gradient: true)
            for p in ps {
                for i in 0..<p.value.count {
                    let x = p.value.data[i], h: Float = 1e-2
                    p.value.data[i] = x + h; let up = Double(problem.evaluate(ps, gradient: false))
                    p.value.data[i] = x - h; let down = Double(problem.evaluate(ps, gradient: false))
                    p.value.data[i] = x
                    let fd = (up - down) / (2 * Double(h))
                    // Both objectives are polynomials of degree ≤ 4; h² error terms stay small here.
                    XCTAssertEqual(Double(p.grad.data[i]), fd, accuracy: 2e-2 * max(1, abs(fd)), "\(p.name)[\(i)]")
                }
            }
        }
        // Rosenbrock by hand at (−0.75, 0.5): f = 1.75² + 100·(0.5 − 0.5625)² = 3.0625 + 0.390625.
        XCTAssertEqual(rosen.evaluate(rosen.makeParameters(), gradient: false), 3.453125)
    }

    func testParsesOptionsAndRunsAndWritesJSON() throws {
        let problem = try parse(Self.leastSquares)
        let ps = problem.makeParameters()
        XCTAssertEqual(ps[0].options, ["rank": 1, "use_muon": 1])
        XCTAssertEqual(ps[0].textOptions, ["projection_type": "std"])
        XCTAssertEqual(problem.hyperparameters.values, ["lr": .number(0.1)])
        let result = try problem.run(optimizers: baselineTraceOptimizers)
        XCTAssertEqual(result.loss.count, 4)
        XCTAssertEqual(result.params.count, 4)
        XCTAssertEqual(result.params[0], [[1, 0, 0, 1], [0.5, -0.5]])
        XCTAssertLessThan(result.loss[3], result.loss[0])
        // one SGD step by hand for the vector tensor: r = A b − B = [0, 0]... so only W moves at step 1
        XCTAssertEqual(result.params[1][1], [0.5, -0.5])
        // The JSON reads back to the same values.
        let back = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.json().utf8)) as? [String: Any])
        XCTAssertEqual((back["loss"] as? [Double])?.map(Float.init), result.loss)
        XCTAssertEqual((back["params"] as? [[[Double]]])?.map { $0.map { $0.map(Float.init) } }, result.params)
        XCTAssertEqual(back["finite"] as? Bool, true)
    }

    func testNonFiniteValuesAreReportedNotCrashing() {
        let r = TraceResult(loss: [1, .nan], params: [[[1]], [[.infinity]]])
        XCTAssertFalse(r.finite)
        XCTAssertTrue(r.json().contains("null"))
        XCTAssertTrue(r.json().contains("\"finite\": false"))
    }

    func testUnknownOptimizerListsAcceptedNames() {
        let e = error(replacing: "\"name\": \"sgd\"", with: "\"name\": \"adamax\"", run: true)
        XCTAssertEqual(e?.description,
                       "unknown optimizer 'adamax' in field 'optimizer.name'; accepted: adagrad, adam, adamw, muon, rmsprop, scalable-shampoo, sgd, shampoo, sophia")
    }

    func testUnknownHyperparameterListsAcceptedNames() {
        let e = error(replacing: "{\"lr\": 0.1}", with: "{\"lr\": 0.1, \"betas\": [0.9, 0.99]}", run: true)
        XCTAssertEqual(e?.description,
                       "unknown hyperparameter 'betas' for optimizer 'sgd' in field 'optimizer.hyperparams'; accepted: dampening, lr, momentum, nesterov, weight_decay")
    }

    func testIllTypedHyperparameterNamesIt() {
        let e = error(replacing: "{\"lr\": 0.1}", with: "{\"lr\": 0.1, \"nesterov\": 1}", run: true)
        XCTAssertEqual(e, .invalidHyperparameter("nesterov", optimizer: "sgd", expected: "true or false"))
        let f = error(replacing: "\"name\": \"sgd\", \"hyperparams\": {\"lr\": 0.1}", with: "\"name\": \"adam\", \"hyperparams\": {\"betas\": [0.9]}", run: true)
        XCTAssertTrue(f?.description.contains("'optimizer.hyperparams.betas'") == true, f?.description ?? "")
    }

    func testMalformedFilesNameTheField() {
        let cases: [(String, String, String)] = [
            ("\"steps\": 3", "\"steps\": \"three\"", "'steps'"),
            ("\"steps\": 3,", "", "'steps': missing"),
            ("\"n\": 3", "\"n\": -3", "'params[0].n'"),
            ("[1, 2, 0, 1, 3, -1]", "[1, 2, 0, 1, 3]", "'params[0].A.data'"),
            ("\"shape\": [3, 2], \"data\": [1, 2, 0, 1, 3, -1]", "\"shape\": [3, 3], \"data\": [1, 2, 0, 1, 3, -1, 0, 0, 0]", "'params[0].A.shape'"),
            ("\"shape\": [2], \"init\": [0.5, -0.5]", "\"shape\": [2], \"init\": [0.5]", "'params[1].init'"),
            ("\"B\": {\"shape\": [2]", "\"B\": {\"shape\": [3]", "'params[1].B"),
            ("\"least_squares\"", "\"rastrigin\"", "'objective'"),
            ("\"float32\"", "\"float64\"", "'dtype'"),
            ("\"projection_type\": \"std\"", "\"projection_type\": [1]", "'params[0].group.projection_type'"),
            ("\"optimizer\": {\"name\": \"sgd\",", "\"optimizer\": {", "'optimizer.name': missing"),
        ]
        for (old, new, field) in cases {
            let e = error(replacing: old, with: new)
            XCTAssertTrue(e?.description.contains(field) == true, "\(e?.description ?? "no error") should name \(field)")
        }
        XCTAssertEqual(error(replacing: "\"steps\": 3,", with: "\"steps\": 3,,")?.description,
                       "malformed problem: field '(file)': not valid JSON")
    }

    /// Rosenbrock needs exactly one two-element tensor.
    func testRosenbrockShapeIsChecked() {
        XCTAssertThrowsError(try parse("""
        {"objective": "rosenbrock", "steps": 1, "params": [{"shape": [3], "init": [1, 2, 3]}],
         "optimizer": {"name": "adam"}}
        """)) { XCTAssertEqual(($0 as? TraceError)?.description.contains("'params'"), true) }
    }
}
