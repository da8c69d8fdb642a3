import Foundation
import XCTest
import Papers
import Harness

/// The reference set's golden trajectories (copied into `Tests/HarnessTests/Golden`) run through
/// `Papers.traceOptimizers`, the table `reproduce trace` uses.
enum GoldenTrace {
    /// A golden file, read relative to this file (PapersTests has no resources of its own).
    static func golden(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../HarnessTests/Golden/\(name).json").standardizedFileURL
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The golden file's problem with the project's optimizer name and the `keys` of the
    /// reference's `param_groups` passed explicitly (defaults included), plus `extra` settings
    /// that are not in `param_groups` (a constructor argument such as bitsandbytes' `min_8bit_size`).
    static func problem(_ golden: [String: Any], optimizer: String, keys: [String], extra: [String: Any] = [:]) throws -> TraceProblem {
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let group = try XCTUnwrap((golden["param_groups"] as? [[String: Any]])?.first)
        var hyper: [String: Any] = [:]
        for key in keys { hyper[key] = try XCTUnwrap(group[key], "param_groups lacks \(key)") }
        hyper.merge(extra) { _, given in given }
        problem["optimizer"] = ["name": optimizer, "hyperparams": hyper]
        return try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem))
    }

    /// Every loss and parameter of the trajectory within 1e-5 + 1e-4·|reference|.
    static func check(_ file: String, optimizer: String, keys: [String], line: UInt = #line) throws {
        let golden = try Self.golden(file)
        let result = try problem(golden, optimizer: optimizer, keys: keys).run(optimizers: traceOptimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertTrue(result.finite, line: line)
        XCTAssertEqual(result.loss.count, losses.count, line: line)
        XCTAssertEqual(result.params.count, params.count, line: line)
        for (k, (x, ref)) in zip(result.loss, losses).enumerated() {
            XCTAssertLessThanOrEqual(abs(Double(x) - ref), 1e-5 + 1e-4 * abs(ref), "\(file) loss[\(k)]", line: line)
        }
        for (k, (mineStep, refStep)) in zip(result.params, params).enumerated() {
            for (mine, ref) in zip(mineStep, refStep) {
                XCTAssertEqual(mine.count, ref.count, line: line)
                for (x, r) in zip(mine, ref) {
                    XCTAssertLessThanOrEqual(abs(Double(x) - r), 1e-5 + 1e-4 * abs(r), "\(file) params[\(k)]", line: line)
                }
            }
        }
    }
}
