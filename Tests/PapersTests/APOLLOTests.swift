import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
@testable import Harness

/// APOLLO: pytorch-optimizer's trajectories through the trace path (with the golden's saved
/// projector injected: the reference drew it from torch's generator), a hand-computed step of
/// the paper's rule, the limiter and byte count, the rules' branches, and a tiny deterministic
/// run. The random projection sources have their own tests in HarnessTests.
final class APOLLOTests: XCTestCase {
    // MARK: - Golden trajectories (pytorch-optimizer 4.1.0 APOLLO)

    static let keys = ["lr", "betas", "eps", "weight_decay", "scale_type", "correct_bias"]

    /// The golden's projector (constant over its 20 steps: the refresh gap is 50).
    static func savedProjector(_ golden: [String: Any]) throws -> Tensor<Float> {
        let first = try XCTUnwrap((golden["state"] as? [[[String: Any]]])?.first?.first)
        let ortho = try XCTUnwrap((first["projector"] as? [String: Any])?["ortho_matrix"] as? [String: Any])
        let shape = try XCTUnwrap(ortho["shape"] as? [Int]), data = try XCTUnwrap(ortho["data"] as? [Double])
        return Tensor(shape: shape, data: data.map(Float.init))
    }

    /// Runs the golden's problem through the trace path with the `apollo` factory and the
    /// injected projector; returns the result and the optimizer's limiter after the run.
    func checkGolden(_ file: String, application: ScaleByApollo.Application = .projectedBack) throws -> Double {
        let golden = try GoldenTrace.golden(file)
        let problem = try GoldenTrace.problem(golden, optimizer: "apollo", keys: Self.keys)
        let factory = APOLLOPaper.traceFactory(projectors: .fixed([0: try Self.savedProjector(golden)]))
        XCTAssertNotNil(traceOptimizers["apollo"], "apollo is registered for reproduce trace")
        let result = try problem.run(optimizers: ["apollo": factory])
        let losses = try XCTUnwrap(golden["loss"] as? [Double]), params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        var worst = 0.0
        for (x, r) in zip(result.loss, losses) { worst = max(worst, abs(Double(x) - r) - 1e-4 * abs(r)) }
        for (mine, ref) in zip(result.params, params) {
            for (a, b) in zip(mine, ref) { for (x, r) in zip(a, b) { worst = max(worst, abs(Double(x) - r) - 1e-4 * abs(r)) } }
        }
        XCTAssertEqual(result.params.count, params.count)
        return worst
    }

    func testGoldenLeastSquares() throws { XCTAssertLessThanOrEqual(try checkGolden("apollo__ls6x4b4"), 1e-5) }
    func testGoldenRosenbrock() throws { XCTAssertLessThanOrEqual(try checkGolden("apollo__rosenbrock1x2"), 1e-5) }

    /// The limiter's stored norm after 20 steps is the library's `scaling_grad`.
    func testLimiterStateMatchesReference() throws {
        let golden = try GoldenTrace.golden("apollo__ls6x4b4")
        let problem = try GoldenTrace.problem(golden, optimizer: "apollo", keys: Self.keys)
        let parameters = problem.makeParameters()
        let factory = APOLLOPaper.traceFactory(projectors: .fixed([0: try Self.savedProjector(golden)]))
        let optimizer = try XCTUnwrap(try factory(problem.hyperparameters, parameters) as? ChainedOptimizer)
        for _ in 0..<problem.steps { optimizer.step { problem.evaluate(parameters, gradient: true) } }
        let apollo = try XCTUnwrap(optimizer.groups[0].transforms[0] as? ScaleByApollo)
        let expected = try XCTUnwrap((golden["state"] as? [[[String: Any]]])?.last?.first?["scaling_grad"] as? Double)
        XCTAssertEqual(Double(apollo.previousNorm[0]!), expected, accuracy: 1e-4 * expected)
        // Moments [6, 2] (8 bytes × 12 × 2), the limiter, and the injected [2, 4] projector.
        XCTAssertEqual(apollo.stateBytes, 2 * 12 * 4 + 4 + 8 * 4)
    }

    // MARK: - The paper's rule, by hand

    /// One step, channel-wise on the raw gradient: with P fixed (left side of a [2, 3] matrix in
    /// torch layout, rank 1), R = PᵀG, Ñ = m/(√v + ε) with m = 0.1R, v = 0.001R², so each column's
    /// factor is |Ñ_j|/|R_j| and the update is −η·√(1−β₂)/(1−β₁)·factor_j·G[:, j].
    func testRawGradientStepMatchesHandComputation() {
        let w = Parameter("w", Tensor(shape: [2, 3], data: [0.5, -1, 2, 1.5, 0.25, -0.75]))
        w.grad = Tensor(shape: [2, 3], data: [0.3, -0.2, 0.1, -0.4, 0.5, 0.05])
        let p = Tensor<Float>(shape: [2, 1], data: [0.8, -0.6])
        let opt = APOLLOPaper.optimizer([w], learningRate: .constant(0.1), settings: { _ in GaLoreProjection.Settings(rank: 1, updateGap: 10) },
                                        scaleType: .channel, projectors: .fixed([0: p]), layout: .outputsByInputs)
        let before = w.value.data.map(Double.init), g = w.grad.data.map(Double.init)
        opt.applyGradients()
        let c = (1 - 0.999).squareRoot() / (1 - 0.9)
        for j in 0..<3 {
            let r = 0.8 * g[j] - 0.6 * g[3 + j]
            let n = 0.1 * r / ((0.001 * r * r).squareRoot() + 1e-6)
            let factor = abs(n) / (abs(r) + 1e-8)
            for i in 0..<2 {
                XCTAssertEqual(Double(w.value.data[i * 3 + j]), before[i * 3 + j] - 0.1 * c * factor * g[i * 3 + j], accuracy: 1e-5)
            }
        }
    }

    /// The limiter caps growth at 1.01 per step, and a random source stores no projector: state
    /// is the rank-r moments on the long side plus one Float.
    func testLimiterAndStateBytes() {
        let w = Parameter("block0.mlp.fc1.weight", Tensor(shape: [8, 32], repeating: 0))
        let opt = APOLLOPaper.optimizer([w], learningRate: .constant(1), settings: { _ in GaLoreProjection.Settings(rank: 2, updateGap: 3) },
                                        scaleType: .channel, projectors: .random(RandomProjectionSource(seed: 1, path: ["test"])))
        var previous = 0.0
        for t in 1...6 {
            w.grad = Tensor(shape: [8, 32], data: (0..<256).map { Float(t * t) * Float(sin(Double($0 + t))) })
            let before = w.value
            opt.applyGradients()
            let step = zip(before.data, w.value.data).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            // The bias correction changes between steps; undo it to compare the limited norms.
            let c = (1 - pow(0.999, Double(t))).squareRoot() / (1 - pow(0.9, Double(t)))
            if t > 1 { XCTAssertLessThanOrEqual(step / c, 1.01 * previous * (1 + 1e-5), "step \(t)") }
            previous = step / c
        }
        // [in 8, out 32] stores the torch shape [32, 8]: the input side (8) is projected, moments 32 × 2.
        XCTAssertEqual(opt.stateBytes, 2 * 32 * 2 * 4 + 4)
    }

    // MARK: - The rules

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) { e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0) }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testRuleBranches() {
        let claims = APOLLOPaper().claims
        func verdict(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        let k = APOLLOPaper.task
        XCTAssertEqual(verdict("c1", Self.evidence([:], ["c1.svd_count_apollo": 0])), .reproduced)
        XCTAssertEqual(verdict("c1", Self.evidence([:], ["c1.svd_count_apollo": 12])), .notReproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.state_ratio_apollo_llama7b": 0.2])), .reproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.state_ratio_apollo_llama7b": 0.3])), .notReproduced)
        XCTAssertEqual(verdict("c3a", Self.evidence([:], ["c3a.state_ratio_mini_over_sgdm_llama7b": 0.1])), .reproduced)
        XCTAssertEqual(verdict("c3a", Self.evidence([:], ["c3a.state_ratio_mini_over_sgdm_llama7b": 1.2])), .notReproduced)
        for (id, key) in [("c2b", "loss_apollo_minus_adamw"), ("c2c", "loss_apollo_minus_galore"), ("c2d", "loss_apollo_half_minus_adamw"),
                          ("c3c", "loss_mini_minus_adamw")] {
            XCTAssertEqual(verdict(id, Self.evidence(["\(k).\(key)": (0, -0.01, 0.01)])), .reproduced, id)
            XCTAssertEqual(verdict(id, Self.evidence(["\(k).\(key)": (0.1, 0.06, 0.14)])), .notReproduced, id)
        }
        XCTAssertEqual(verdict("c3b", Self.evidence(["\(k).loss_mini_minus_adamw": (-0.05, -0.07, -0.03)])), .reproduced)
        XCTAssertEqual(verdict("c3b", Self.evidence(["\(k).loss_mini_minus_adamw": (0.05, 0.03, 0.07)])), .notReproduced)
    }

    // MARK: - A tiny run

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = APOLLOPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "apollo")
        var settings = APOLLOPaper.Settings(context)
        settings.updateGap = 2
        settings.task = { StandardTasks.transformerMarkov($0, steps: 4) }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c1.svd_count_apollo"], 0)
        XCTAssertLessThan(first.evidence["c2a.state_ratio_apollo_llama7b"], 0.25)
        XCTAssertLessThan(first.evidence["diagnostic.tiny.state_ratio_mini_over_sgdm"], 1)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
        XCTAssertTrue(leagueEntries.contains { $0.arm.name == "apollo-mini" })
        XCTAssertEqual(try compiledExcerpts.excerpts(of: paper).map(\.name), ["scale-by-apollo"])
    }
}
