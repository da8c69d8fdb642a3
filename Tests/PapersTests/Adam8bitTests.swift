import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
import Harness

final class Adam8bitTests: XCTestCase {
    // MARK: - Golden trajectories and states (bitsandbytes 0.50.2, CPU path) through `reproduce trace`

    /// Runs a golden's problem through `Papers.traceOptimizers` under `optimizer` with the
    /// reference's settings (and its `min_8bit_size` = 1), checks every loss and parameter within
    /// 1e-5 + 1e-4·|reference|, and after every step the stored state: the byte codes of each
    /// state tensor exactly and each block's absmax within 1e-5 relative (the trajectory drifts within its own tolerance). Returns how many codes differed.
    @discardableResult
    static func check(_ file: String, optimizer: String, keys: [String], line: UInt = #line) throws -> Int {
        let golden = try GoldenTrace.golden(file)
        let problem = try GoldenTrace.problem(golden, optimizer: optimizer, keys: keys, extra: ["min_8bit_size": 1])
        let parameters = problem.makeParameters()
        let optimizer = try XCTUnwrap(try traceOptimizers[optimizer]!(problem.hyperparameters, parameters) as? ChainedOptimizer)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        let states = try XCTUnwrap(golden["state"] as? [[[String: Any]]])
        func close(_ x: Float, _ ref: Double) -> Bool { abs(Double(x) - ref) <= 1e-5 + 1e-4 * abs(ref) }
        func data<T>(_ entry: [String: Any], _ key: String) throws -> [T] {
            try XCTUnwrap((entry[key] as? [String: Any])?["data"] as? [T], "\(file) lacks \(key)")
        }
        var mismatches = 0
        XCTAssertTrue(close(problem.evaluate(parameters, gradient: false), losses[0]), line: line)
        for k in 1...20 {
            optimizer.step { problem.evaluate(parameters, gradient: true) }
            XCTAssertTrue(close(problem.evaluate(parameters, gradient: false), losses[k]), "\(file) loss[\(k)]", line: line)
            for (t, p) in parameters.enumerated() {
                for (x, r) in zip(p.value.data, params[k][t]) { XCTAssertTrue(close(x, r), "\(file) params[\(k)][\(t)]: \(x) vs \(r)", line: line) }
                let ref = states[k - 1][t]
                let stored: (codes: [[UInt8]], absmax: [[Float]])
                switch optimizer.groups[0].transforms[0] {
                case let adam as ScaleByAdam8bit:
                    let s = try XCTUnwrap(adam.quantizedState(t))
                    stored = ([s.m, s.v], [s.mAbsmax, s.vAbsmax])
                case let lion as ScaleByLion8bit:
                    let m = try XCTUnwrap(lion.momentum[t])
                    stored = ([m.codes], [m.absmax])
                default: XCTFail("unexpected transform"); return 0
                }
                for (s, (codes, absmax)) in zip(stored.codes, stored.absmax).enumerated() {
                    let refCodes: [Int] = try data(ref, "state\(s + 1)"), refMax: [Double] = try data(ref, "absmax\(s + 1)")
                    mismatches += zip(codes, refCodes).filter { Int($0) != $1 }.count
                    XCTAssertEqual(absmax.count, refMax.count, line: line)
                    for (a, r) in zip(absmax, refMax) { XCTAssertEqual(Double(a), r, accuracy: 1e-5 * abs(r) + 1e-12, "\(file) absmax\(s + 1) step \(k)", line: line) }
                }
            }
        }
        XCTAssertEqual(mismatches, 0, "\(file): codes differing from bitsandbytes' over 20 steps", line: line)
        return mismatches
    }

    func testAdam8bitGoldens() throws {
        for problem in ["ls6x4b4", "rosenbrock"] { try Self.check("adam8bit__\(problem)", optimizer: "adam8bit", keys: ["lr", "betas", "eps", "weight_decay"]) }
    }

    func testAdamW8bitGoldens() throws {
        for problem in ["ls6x4b4", "rosenbrock"] { try Self.check("adamw8bit__\(problem)", optimizer: "adamw8bit", keys: ["lr", "betas", "eps", "weight_decay"]) }
    }

    func testLion8bitGoldens() throws {
        for problem in ["ls6x4b4", "rosenbrock"] { try Self.check("lion8bit__\(problem)", optimizer: "lion8bit", keys: ["lr", "betas", "weight_decay"]) }
    }

    /// bitsandbytes' default `min_8bit_size` (4096) would keep these small tensors 32-bit: the trace
    /// says so instead of silently quantising them; an unknown keyword is rejected too.
    func testTraceRejectsWhatItDoesNotImplement() throws {
        let golden = try GoldenTrace.golden("adam8bit__ls6x4b4")
        let problem = try GoldenTrace.problem(golden, optimizer: "adam8bit", keys: ["lr"])
        XCTAssertThrowsError(try traceOptimizers["adam8bit"]!(problem.hyperparameters, problem.makeParameters())) { error in
            XCTAssertTrue("\(error)".contains("min_8bit_size"), "\(error)")
        }
        let lion = try GoldenTrace.problem(golden, optimizer: "lion8bit", keys: ["lr", "eps"], extra: ["min_8bit_size": 1])
        XCTAssertThrowsError(try traceOptimizers["lion8bit"]!(lion.hyperparameters, lion.makeParameters()))
    }

    // MARK: - Invariants and the claims' rules

    /// c4: the 8-bit state is 2 bytes per parameter plus 8 per block of 256, about a quarter of fp32.
    func testStateBytesFollowTheFormula() {
        let b = Adam8bitPaper.stateBytes()
        XCTAssertEqual(b.eightBit, b.formula)
        XCTAssertEqual(b.thirtyTwoBit, 8 * b.parameters)
        XCTAssertLessThan(Double(b.eightBit) / Double(b.thirtyTwoBit), 0.27)
        XCTAssertGreaterThan(Double(b.eightBit) / Double(b.thirtyTwoBit), 0.25)
    }

    func testRuleBranches() {
        let claims = Dictionary(uniqueKeysWithValues: Adam8bitPaper().claims.map { ($0.id, $0) })
        func verdict(_ id: String, _ key: String, _ interval: Interval) -> Verdict {
            var e = Evidence()
            e.record(interval: key, interval, tolerance: 0)
            return claims[id]!.decide(e).verdict
        }
        let k1a = "c1a.transformer_markov.log_loss_8bit_minus_32bit"
        XCTAssertEqual(verdict("c1a", k1a, Interval(mean: 0, low: -0.005, high: 0.005, count: 8)), .reproduced)
        XCTAssertEqual(verdict("c1a", k1a, Interval(mean: 0.05, low: 0.03, high: 0.07, count: 8)), .notReproduced)
        let k1b = "c1b.mlp_mnist1d.test_accuracy_8bit_minus_32bit"
        XCTAssertEqual(verdict("c1b", k1b, Interval(mean: 0, low: -0.3, high: 0.3, count: 8)), .reproduced)
        XCTAssertEqual(verdict("c1b", k1b, Interval(mean: -2, low: -3, high: -1, count: 8)), .notReproduced)
        let k2a = "c2a.log_update_error_blockwise_minus_tensorwise"
        XCTAssertEqual(verdict("c2a", k2a, Interval(mean: -1, low: -1.2, high: -0.8, count: 5)), .reproduced)
        XCTAssertEqual(verdict("c2a", k2a, Interval(mean: 0.5, low: 0.3, high: 0.7, count: 5)), .notReproduced)
        var e = Evidence()
        e.record("c4a.state_bytes_8bit_minus_formula", 0)
        e.record("c4b.state_fraction_8bit_over_32bit", 0.2539)
        XCTAssertEqual(claims["c4a"]!.decide(e).verdict, .reproduced)
        XCTAssertEqual(claims["c4b"]!.decide(e).verdict, .reproduced)
        var f = Evidence()
        f.record("c4a.state_bytes_8bit_minus_formula", 8)
        f.record("c4b.state_fraction_8bit_over_32bit", 0.3)
        XCTAssertEqual(claims["c4a"]!.decide(f).verdict, .notReproduced)
        XCTAssertEqual(claims["c4b"]!.decide(f).verdict, .notReproduced)
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = Adam8bitPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "adam-8bit")
        var settings = Adam8bitPaper.Settings(context)
        settings.errorSeeds = 2
        let data = AdamTests.tinyData()
        let tiny = { (key: String) in { (_: RunContext) in
            StandardTasks.classification(key: key, label: "tiny", data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                MLP(sizes: [64, 10], rng: rng)
            }
        } }
        settings.languageTask = tiny("transformer_markov")
        settings.imageTask = tiny("mlp_mnist1d")
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: Adam8bitPaper())
        XCTAssertEqual(found.map(\.name), ["quantized-adam", "adam8bit-deltas"])
        XCTAssertTrue(found[1].code.contains("class ScaleByLion8bit"))
    }
}
