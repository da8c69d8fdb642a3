import Foundation
import XCTest
@testable import Harness

/// Hostile `reproduce trace` input at the harness level: size caps with overflow-checked element
/// counts, torch's hyperparameter ranges in the shared accessors, declared per-tensor options,
/// and duplicate keys. (The CLI-level cases are in PapersTests/TraceCommandInputTests.swift.)
final class TraceInputTests: XCTestCase {
    /// A valid least-squares problem with `steps` and the `W` tensor's shape and init replaceable.
    static func problem(steps: String = "3", shape: String = "[2, 2]", initial: String = "[1, 0, 0, 1]",
                        a: String = "{\"shape\": [3, 2], \"data\": [1, 2, 0, 1, 3, -1]}", optimizer: String = "{\"name\": \"sgd\", \"hyperparams\": {\"lr\": 0.1}}") -> String {
        """
        {"objective": "least_squares", "steps": \(steps),
         "params": [{"name": "W", "shape": \(shape), "init": \(initial), "A": \(a),
                     "B": {"shape": [3, 2], "data": [1, 1, 0, 2, -1, 0]}, "n": 3}],
         "optimizer": \(optimizer)}
        """
    }

    /// The error `text` raises when parsed and, with `run`, run with the baselines.
    func error(_ text: String, run: Bool = false) -> TraceError? {
        do {
            let problem = try TraceProblem.parse(Data(text.utf8))
            if run { _ = try problem.run(optimizers: baselineTraceOptimizers) }
            XCTFail("expected an error")
            return nil
        } catch let e as TraceError {
            XCTAssertFalse(e.description.contains("\n"), "one line: \(e)")
            return e
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    // MARK: - Sizes

    /// The product of these dimensions overflows Int; it used to trap (exit 132) in the size check.
    func testOverflowingShapeIsOverTheCapNotACrash() {
        let huge = "[999999999, 999999999, 999999999]"
        let message = "shape [999999999, 999999999, 999999999] is over the cap of 1000000 elements per tensor"
        XCTAssertEqual(error(Self.problem(shape: huge)), .malformed(field: "params[0].shape", reason: message))
        XCTAssertEqual(error(Self.problem(a: "{\"shape\": \(huge), \"data\": [1]}")), .malformed(field: "params[0].A.shape", reason: message))
        XCTAssertThrowsError(try JSONValue.elementCount([1000, 1000, 1000], "x")) {
            XCTAssertEqual($0 as? TraceError, .malformed(field: "x", reason: "shape [1000, 1000, 1000] is over the cap of 1000000 elements per tensor"))
        }
        XCTAssertThrowsError(try JSONValue.elementCount([Int.max / 2, 3], "x"))
        XCTAssertEqual(try JSONValue.elementCount([1000, 1000], "x"), TraceLimits.elementsPerTensor)
    }

    func testStepsOverTheCapSayTheCap() throws {
        XCTAssertEqual(error(Self.problem(steps: "999999999")), .malformed(field: "steps", reason: "steps 999999999 is over the cap of 100000"))
        XCTAssertEqual(error(Self.problem(steps: "1e300"))?.description, "malformed problem: field 'steps': steps 1e+300 is over the cap of 100000")
        XCTAssertEqual(error(Self.problem(steps: "-1")), .malformed(field: "steps", reason: "must be at least 0, got -1"))
        XCTAssertEqual(error(Self.problem(steps: "2.5")), .malformed(field: "steps", reason: "expected a whole number"))
        XCTAssertEqual(try TraceProblem.parse(Data(Self.problem(steps: "100000").utf8)).steps, TraceLimits.steps)
    }

    /// Steps × parameter values bounds the trajectory held in memory and printed.
    func testTrajectoryOverTheCapIsRejectedBeforeRunning() {
        let d = 200
        let vector = """
        {"objective": "least_squares", "steps": 100000,
         "params": [{"shape": [\(d)], "init": \(Array(repeating: 0, count: d)), "A": {"shape": [1, \(d)], "data": \(Array(repeating: 1, count: d))},
                     "B": {"shape": [1], "data": [1]}, "n": 1}],
         "optimizer": {"name": "sgd"}}
        """
        XCTAssertEqual(error(vector), .malformed(field: "steps", reason: "100000 steps of 200 parameter values is over the cap of 10000000 values in the trajectory"))
    }

    /// The parser spends every tensor's elements (parameters, A, B) from one budget.
    func testTotalElementsOverTheCap() throws {
        var budget = ElementBudget()
        for _ in 0..<4 { try budget.spend(TraceLimits.elementsPerTensor) }
        XCTAssertEqual(budget.used, TraceLimits.totalElements)
        XCTAssertThrowsError(try budget.spend(1)) {
            XCTAssertEqual($0 as? TraceError, .malformed(field: "params", reason: "over the cap of 4000000 elements over all tensors (parameters, A and B)"))
        }
    }

    /// Values that are finite in Double but not in Float32 would start the run at infinity.
    func testValuesOutsideFloat32AreRejected() {
        XCTAssertEqual(error(Self.problem(initial: "[1e39, 0, 0, 1]")),
                       .malformed(field: "params[0].init[0]", reason: "expected a number within the float32 range (magnitude below 3.4e38)"))
        XCTAssertEqual(error(Self.problem().replacingOccurrences(of: "\"n\": 3", with: "\"n\": 1e-50")),
                       .malformed(field: "params[0].n", reason: "must be positive and within the float32 range"))
        XCTAssertEqual(error(Self.problem(optimizer: "{\"name\": \"sgd\", \"hyperparams\": {\"lr\": 1e39}}"), run: true),
                       .invalidHyperparameter("lr", optimizer: "sgd", expected: "a number within the float32 range (magnitude below 3.4e38)"))
    }

    // MARK: - torch's ranges, for every factory through the shared accessors

    func testTorchRangesInTheAccessors() throws {
        func h(_ values: [String: HyperparameterValue]) -> TraceHyperparameters { TraceHyperparameters(optimizer: "opt", values: values) }
        XCTAssertThrowsError(try h(["lr": .number(-0.1)]).float("lr", default: 1)) {
            XCTAssertEqual(($0 as? TraceError)?.description,
                           "invalid hyperparameter 'lr' for optimizer 'opt' in field 'optimizer.hyperparams.lr': Invalid learning rate: -0.1 (torch requires lr >= 0)")
        }
        XCTAssertThrowsError(try h(["betas": .numbers([0.9, 1])]).pair("betas", default: (0, 0))) {
            XCTAssertEqual(($0 as? TraceError)?.description,
                           "invalid hyperparameter 'betas' for optimizer 'opt' in field 'optimizer.hyperparams.betas[1]': Invalid beta parameter at index 1: 1.0 (torch requires 0 <= beta < 1)")
        }
        XCTAssertThrowsError(try h(["betas": .numbers([-0.5, 0.9])]).numbers("betas", default: []))
        for key in ["eps", "weight_decay", "momentum", "alpha", "lr_decay", "initial_accumulator_value", "rho", "perturb_eps"] {
            XCTAssertThrowsError(try h([key: .number(-1e-8)]).number(key, default: 0), key) {
                XCTAssertTrue(($0 as? TraceError)?.description.contains("'optimizer.hyperparams.\(key)'") == true, "\($0)")
            }
            XCTAssertEqual(try h([key: .number(0)]).number(key, default: 1), 0, "\(key) = 0 is allowed, as in torch")
        }
        // The edges torch accepts, and a key torch does not range-check.
        XCTAssertEqual(try h(["lr": .number(0)]).float("lr", default: 1), 0)
        XCTAssertEqual(try h(["betas": .numbers([0, 0.999999])]).pair("betas", default: (1, 1)).1, 0.999999)
        XCTAssertEqual(try h(["dampening": .number(-0.5)]).float("dampening", default: 0), -0.5)
    }

    /// Every baseline factory rejects a negative learning rate and a beta of 1 where it takes betas.
    func testEveryBaselineChecksItsRanges() {
        for name in baselineTraceOptimizers.keys.sorted() {
            let e = error(Self.problem(optimizer: "{\"name\": \"\(name)\", \"hyperparams\": {\"lr\": -0.1}}"), run: true)
            XCTAssertEqual(e?.description.contains("for optimizer '\(name)' in field 'optimizer.hyperparams.lr': Invalid learning rate: -0.1"), true, name)
            let w = error(Self.problem(optimizer: "{\"name\": \"\(name)\", \"hyperparams\": {\"weight_decay\": -0.01}}"), run: true)
            XCTAssertEqual(w?.description.contains("Invalid weight_decay value: -0.01"), true, name)
        }
        for name in ["adam", "adamw"] {
            let e = error(Self.problem(optimizer: "{\"name\": \"\(name)\", \"hyperparams\": {\"betas\": [0.9, 1.0]}}"), run: true)
            XCTAssertEqual(e, .outOfRange("betas", optimizer: name, field: "optimizer.hyperparams.betas[1]",
                                          torch: "Invalid beta parameter at index 1: 1.0", requirement: "0 <= beta < 1"))
        }
    }

    // MARK: - Per-tensor options

    func testDeclaredGroupOptionsAreChecked() throws {
        let options: [String: TraceGroupOption] = ["rank": .wholeNumber(1...10), "scale": .number, "on": .bool, "kind": .choice(["a", "b"])]
        func check(_ group: [String: HyperparameterValue]) throws {
            try TraceHyperparameters(optimizer: "opt", values: [:], groups: [[:], group]).acceptGroups(options)
        }
        XCTAssertNoThrow(try check(["rank": .number(2), "scale": .number(-0.5), "on": .bool(true), "kind": .text("b")]))
        XCTAssertThrowsError(try check(["rnk": .number(2)])) {
            XCTAssertEqual(($0 as? TraceError)?.description,
                           "unknown per-tensor option 'rnk' for optimizer 'opt' in field 'params[1].group'; accepted: kind, on, rank, scale")
        }
        XCTAssertThrowsError(try check(["rank": .text("two")])) {
            XCTAssertEqual(($0 as? TraceError)?.description,
                           "invalid per-tensor option 'rank' for optimizer 'opt' in field 'params[1].group.rank': expected a whole number from 1 to 10, got \"two\"; accepted keys: kind, on, rank, scale")
        }
        for bad: HyperparameterValue in [.number(0), .number(11), .number(1.5), .bool(true)] {
            XCTAssertThrowsError(try check(["rank": bad]), "\(bad)")
        }
        XCTAssertThrowsError(try check(["on": .number(1)]))
        XCTAssertThrowsError(try check(["kind": .text("c")])) {
            XCTAssertTrue("\($0)".contains("expected one of 'a', 'b', got \"c\""), "\($0)")
        }
        // An optimizer without per-tensor options ignores group, as torch keeps extra group keys.
        let withGroup = Self.problem().replacingOccurrences(of: "\"n\": 3", with: "\"n\": 3, \"group\": {\"rank\": 2}")
        XCTAssertEqual(try TraceProblem.parse(Data(withGroup.utf8)).run(optimizers: baselineTraceOptimizers).loss.count, 4)
    }

    // MARK: - JSON

    /// Foundation's decoder keeps the first of two equal keys, Python's json the last.
    func testDuplicateKeysAreRejectedWithTheirPath() {
        XCTAssertEqual(error(Self.problem(steps: "3, \"steps\": 30")), .malformed(field: "steps", reason: "given twice; each key of an object must appear once"))
        XCTAssertEqual(firstDuplicateKey(in: Data(#"{"a": [1, {"b": {"c": 1, "c": 2}}]}"#.utf8)), "a[1].b.c")
        XCTAssertEqual(firstDuplicateKey(in: Data(#"{"st\u0065ps": 1, "steps": 2}"#.utf8)), "steps")
        XCTAssertNil(firstDuplicateKey(in: Data(#"{"a": "{\"a\": 1, \"a\": 2}", "b": [{"a": 1}, {"a": 2}], "c": {"a": 1}}"#.utf8)))
        XCTAssertNil(firstDuplicateKey(in: Data(Self.problem().utf8)))
    }
}
