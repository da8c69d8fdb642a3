import Foundation
import XCTest
@testable import Harness

/// Muon against the trajectories of torch.optim.Muon and pytorch-optimizer's Muon (bfloat16
/// Newton–Schulz, AdamW for the bias), and the orthogonaliser's own properties.
final class MuonTests: XCTestCase {
    /// The golden's problem for the project's `muon`, with every setting of its param_groups that
    /// matters passed under the reference's keyword names (pytorch-optimizer's AdamW group as `adamw_*`).
    static func problem(_ file: String) throws -> (TraceProblem, [String: Any]) {
        let golden = try OptimizerGoldenTests.golden(file)
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let groups = try XCTUnwrap(golden["param_groups"] as? [[String: Any]])
        let muon = try XCTUnwrap(groups.first { ($0["use_muon"] as? Bool) ?? true })
        var hyper: [String: Any] = [:]
        for key in ["lr", "momentum", "nesterov", "weight_decay", "ns_steps", "eps", "weight_decouple", "use_adjusted_lr"] {
            if let v = muon[key] { hyper[key] = v }
        }
        if let c = muon["ns_coefficients"] as? [Double] { hyper["ns_coefficients"] = c }
        if let c = muon["ns_coeffs"] as? [[Double]] { hyper["ns_coeffs"] = c.flatMap { $0 } }
        if muon.keys.contains("adjust_lr_fn") { hyper["adjust_lr_fn"] = (muon["adjust_lr_fn"] as? String) ?? "original" }
        if let adamw = groups.first(where: { ($0["use_muon"] as? Bool) == false }) {
            hyper["adamw_lr"] = adamw["lr"]; hyper["adamw_betas"] = adamw["betas"]
            hyper["adamw_eps"] = adamw["eps"]; hyper["adamw_wd"] = adamw["weight_decay"]
        }
        problem["optimizer"] = ["name": "muon", "hyperparams": hyper]
        return (try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)), golden)
    }

    func check(_ file: String, line: UInt = #line) throws {
        let (problem, golden) = try Self.problem(file)
        let result = try problem.run(optimizers: baselineTraceOptimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double]), params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertEqual(result.loss.count, 21, line: line)
        func close(_ x: Float, _ ref: Double) -> Bool { abs(Double(x) - ref) <= 1e-5 + 1e-4 * abs(ref) }
        var worst = 0.0
        for (k, (x, ref)) in zip(result.loss, losses).enumerated() {
            XCTAssertTrue(close(x, ref), "\(file) loss[\(k)] = \(x), reference \(ref)", line: line)
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

    func testPyTorchOptimizerMuonLeastSquaresWithAdamWBias() throws { try check("muon__ls6x4b4") }
    func testPyTorchOptimizerMuonRosenbrock() throws { try check("muon__rosenbrock1x2") }
    func testTorchMuonLeastSquaresWithDecay() throws { try check("muon_torch__ls6x4") }
    func testTorchMuonRosenbrock() throws { try check("muon_torch__rosenbrock1x2") }

    /// In float32, five quintic steps put every singular value of a random matrix into the band
    /// the coefficients were chosen for (about [0.68, 1.13]), wide and tall alike; the direction
    /// is invariant to the input's scale.
    func testOrthogonaliserSingularValuesAndScaleInvariance() throws {
        var rng = SeededRandom(seed: 7, path: ["muon", "test"])
        for shape in [[8, 20], [20, 8]] {
            var g = Tensor<Float>.zeros(shape)
            for i in 0..<g.count { g.data[i] = Float(rng.normal()) }
            let o = NewtonSchulz.orthogonalize(g, arithmetic: .float32)
            XCTAssertEqual(o.shape, shape)
            let s = try svd(o).s
            XCTAssertEqual(s.count, 8)
            for sigma in s { XCTAssertTrue(sigma > 0.6 && sigma < 1.2, "singular value \(sigma) for \(shape)") }
            let scaled = NewtonSchulz.orthogonalize(Tensor(shape: shape, data: g.data.map { $0 * 1024 }), arithmetic: .float32)
            for (a, b) in zip(o.data, scaled.data) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    /// bfloat16 rounding: ties to even, 8 significant bits.
    func testBFloat16Rounding() {
        var t = Tensor<Float>(shape: [4], data: [1 + 1.0 / 256, 1 + 3.0 / 256, 1 + 1.0 / 512, -3.0])
        NewtonSchulz.roundToBFloat16(&t)
        XCTAssertEqual(t.data, [1, 1 + 4.0 / 256, 1, -3])
    }

    /// Counted FLOPs of one orthogonalisation of an m×n matrix (m ≤ n): per step 2m²n (XXᵀ),
    /// 2m³ (A²), 2m²n (BX).
    func testOrthogonaliserCost() {
        let g = Tensor<Float>(shape: [16, 40], repeating: 0.5)
        let (_, cost) = CostMeter.measure { NewtonSchulz.orthogonalize(g) }
        XCTAssertEqual(cost.matmulFlops, 5 * (2 * 16 * 16 * 40 + 2 * 16 * 16 * 16 + 2 * 16 * 16 * 40))
    }

    /// The default split: matrices to Muon, vectors, embeddings and the head to AdamW; the
    /// per-tensor `use_muon` option overrides.
    func testParameterSplit() {
        let w = Parameter("block0.mlp.fc1.weight", .zeros([4, 3])), b = Parameter("block0.mlp.fc1.bias", .zeros([4]))
        let e = Parameter("embed.token", .zeros([5, 4])), h = Parameter("head.weight", .zeros([5, 4]))
        let forced = Parameter("v", .zeros([3]), options: ["use_muon": 1])
        XCTAssertEqual([w, b, e, h, forced].map(Muon.takesMatrixMethod), [true, false, false, false, true])
        let optimizer = Muon.optimizer([w, b, e, h], learningRate: 0.02)
        XCTAssertEqual(optimizer.groups.map(\.parameters.count), [1, 3])
    }

    func testTraceRejectsBadSettings() throws {
        func run(_ hyper: String, group: String = "") throws {
            let json = #"{"name": "t", "objective": "rosenbrock", "dtype": "float32", "steps": 2, "rosenbrock": {"a": 1, "b": 100}, "params": [{"name": "xy", "shape": [1, 2], "init": [-1.5, 2]\#(group)}], "optimizer": {"name": "muon", "hyperparams": {\#(hyper)}}}"#
            _ = try TraceProblem.parse(Data(json.utf8)).run(optimizers: baselineTraceOptimizers)
        }
        XCTAssertNoThrow(try run(#""lr": 0.1"#))
        XCTAssertThrowsError(try run(#""ns_coeffs": [1, 2]"#))
        XCTAssertThrowsError(try run(#""ns_steps": 0"#))
        XCTAssertThrowsError(try run(#""adjust_lr_fn": "other""#))
        XCTAssertThrowsError(try run(#""betas": [0.9, 0.9]"#))
        XCTAssertThrowsError(try run(#""lr": 0.1"#, group: #", "group": {"use_muon": 3}"#))
    }
}
