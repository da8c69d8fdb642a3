import Foundation
import XCTest
import Papers
import Harness
@testable import MemoryEfficient

/// Subset-Norm and Subspace-Momentum: pytorch-optimizer's AdamWSN golden trajectories through
/// `reproduce trace`, the methods' invariants (subsets of one are Adam, full-rank SM is plain
/// momentum), the exact second-moment count, every rule's branches, and a tiny deterministic run.
final class SubsetNormSubspaceMomentumTests: XCTestCase {
    static let keys = ["lr", "betas", "eps", "weight_decay", "weight_decouple", "fixed_decay", "subset_size"]

    func testGoldenLeastSquares() throws { try GoldenTrace.check("adamwsn__ls6x4b4", optimizer: "adamw-sn", keys: Self.keys) }
    func testGoldenRosenbrock() throws { try GoldenTrace.check("adamwsn__rosenbrock", optimizer: "adamw-sn", keys: Self.keys) }

    /// After 20 steps the six per-row second moments of W (subset size ⌊√24⌋ = 4) and b's
    /// coordinate-wise ones match pytorch-optimizer's `exp_avg_sq`.
    func testSecondMomentMatchesReference() throws {
        let golden = try GoldenTrace.golden("adamwsn__ls6x4b4")
        let problem = try GoldenTrace.problem(golden, optimizer: "adamw-sn", keys: Self.keys)
        let parameters = problem.makeParameters()
        let optimizer = try XCTUnwrap(try traceOptimizers["adamw-sn"]!(problem.hyperparameters, parameters) as? ChainedOptimizer)
        for _ in 0..<problem.steps { optimizer.step { problem.evaluate(parameters, gradient: true) } }
        let scaling = try XCTUnwrap(optimizer.groups[0].transforms.first as? ScaleBySubsetNorm)
        let last = try XCTUnwrap((golden["state"] as? [[[String: Any]]])?.last)
        for t in 0..<2 {
            let ref = try XCTUnwrap((last[t]["exp_avg_sq"] as? [String: Any])?["data"] as? [Double])
            XCTAssertEqual(scaling.second[t].count, ref.count)
            for (x, r) in zip(scaling.second[t].data, ref) { XCTAssertEqual(Double(x), r, accuracy: 1e-8 + 1e-4 * abs(r)) }
        }
        XCTAssertEqual(scaling.secondMomentBytes, (6 + 4) * 4)
        XCTAssertEqual(optimizer.stateBytes, (24 + 4 + 6 + 4) * 4)
    }

    func testSubsetSizesFollowPyTorchOptimizer() {
        XCTAssertEqual(ScaleBySubsetNorm.Subsets.size(-1, count: 24), .contiguous(4))
        XCTAssertEqual(ScaleBySubsetNorm.Subsets.size(-2, count: 24), .contiguous(2))
        XCTAssertEqual(ScaleBySubsetNorm.Subsets.size(5, count: 24), .contiguous(4))
        XCTAssertEqual(ScaleBySubsetNorm.Subsets.size(2, count: 2), .contiguous(2))
        XCTAssertEqual(ScaleBySubsetNorm.Subsets.size(-1, count: 2), .contiguous(1))
        XCTAssertEqual(ScaleBySubsetNorm.Subsets.heuristic(rows: 32, columns: 128, layout: .inputsByOutputs), .columns)
        XCTAssertEqual(ScaleBySubsetNorm.Subsets.heuristic(rows: 128, columns: 32, layout: .inputsByOutputs), .contiguous(32))
    }

    static func gradients(_ shape: [Int], steps: Int) -> [Tensor<Float>] {
        var rng = SeededRandom(seed: 3, path: ["snsm test"])
        return (0..<steps).map { _ in .randomNormal(shape, using: &rng) }
    }

    static func run(_ t: GradientTransformation, _ gradients: [Tensor<Float>]) -> [Tensor<Float>] {
        gradients.enumerated().map { k, g in var u = g; t.update(&u, parameter: g, index: 0, step: k + 1); return u }
    }

    /// Subsets of one coordinate are Adam with ε added to √v before the bias corrections.
    func testSubsetsOfOneAreAdam() {
        let gs = Self.gradients([3, 5], steps: 6)
        let sn = Self.run(ScaleBySubsetNorm(subsets: [.contiguous(1)], numerator: LerpMomentum()), gs)
        let adam = Self.run(ScaleByAdam(eps: 1e-8, epsilonPlacement: .beforeBiasCorrection), gs)
        for (a, b) in zip(sn, adam) { for (x, y) in zip(a.data, b.data) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y))) } }
    }

    /// One subset per column of a stored `[in, out]` matrix is one per row of its torch transpose:
    /// the two layouts give transposed updates, each with max(m, n) second moments.
    func testColumnSubsetsAreRowSubsetsOfTheTranspose() {
        let gs = Self.gradients([3, 5], steps: 4)
        let columns = ScaleBySubsetNorm(subsets: [.columns], numerator: LerpMomentum())
        let rows = ScaleBySubsetNorm(subsets: [.contiguous(3)], numerator: LerpMomentum())
        let a = Self.run(columns, gs), b = Self.run(rows, gs.map(\.transposed))
        for (x, y) in zip(a, b) { for (p, q) in zip(x.data, y.transposed.data) { XCTAssertEqual(p, q, accuracy: 1e-6 * max(1, abs(q))) } }
        XCTAssertEqual(columns.secondMomentBytes, 5 * 4)
        // Hand check of step 1: v_c = 0.001·Σ_r g_rc², u = g·√0.001/(0.1·(√v_c + 1e-8))... = g/√(Σ_r g_rc²).
        let g = gs[0]
        for c in 0..<5 {
            let norm = (0..<3).map { Double(g.data[$0 * 5 + c]) * Double(g.data[$0 * 5 + c]) }.reduce(0, +).squareRoot()
            for r in 0..<3 { XCTAssertEqual(Double(a[0].data[r * 5 + c]), Double(g.data[r * 5 + c]) / norm, accuracy: 1e-4) }
        }
    }

    /// At full rank the projector is orthogonal: no residual, and P·EMA(PᵀG) = EMA(G), so SN+SM is SN.
    func testFullRankSubspaceMomentumIsPlainMomentum() {
        let gs = Self.gradients([4, 6], steps: 5)
        let settings = [GaLoreProjection.Settings(rank: 4, updateGap: 100)]
        let sm = Self.run(ScaleBySubsetNorm(subsets: [.columns], numerator: SubspaceMomentum(settings: settings, layout: .inputsByOutputs)), gs)
        let sn = Self.run(ScaleBySubsetNorm(subsets: [.columns], numerator: LerpMomentum()), gs)
        for (a, b) in zip(sm, sn) { for (x, y) in zip(a.data, b.data) { XCTAssertEqual(x, y, accuracy: 2e-4 * max(1, abs(y))) } }
    }

    /// Rank 1, first step: N = (1 − β₁)PPᵀG + (G − PPᵀG); the SGD part passes the complement unchanged.
    func testLowRankFirstStepAddsTheComplement() throws {
        let g = Self.gradients([4, 6], steps: 1)[0]
        let sm = SubspaceMomentum(settings: [GaLoreProjection.Settings(rank: 1, updateGap: 10)], layout: .inputsByOutputs)
        var u = g
        sm.update(&u, parameter: g, index: 0, step: 1)
        let p = try XCTUnwrap(sm.projection.projector(0))
        let projected = p.side == .left ? matmul(p.matrix, matmul(p.matrix, g, transposeA: true)) : matmul(matmul(g, p.matrix, transposeB: true), p.matrix)
        for i in 0..<g.count {
            XCTAssertEqual(u.data[i], 0.1 * projected.data[i] + (g.data[i] - projected.data[i]), accuracy: 1e-5)
        }
        XCTAssertEqual(sm.stateBytes, (6 + 4) * 4, "projector of the short side (4 × 1 or 1 × 6) plus a rank-1 momentum of the long side")
    }

    /// The momentum restarts at each refresh (steps T+1, 2T+1, …).
    func testMomentumResetsAtRefresh() {
        let m = LerpMomentum(beta1: 0.9, resetGaps: [2])
        let g = Tensor<Float>(shape: [2], data: [1, -2])
        var u = g
        for step in 1...3 { u = g; m.update(&u, parameter: g, index: 0, step: step) }
        XCTAssertEqual(u.data[0], 0.1, accuracy: 1e-7)
        XCTAssertEqual(m.state[0][0].data[1], -0.2, accuracy: 1e-7)
    }

    func testTraceFactoryRejectsBadInput() throws {
        let factory = try XCTUnwrap(traceOptimizers["adamw-sn"])
        let params = [Parameter("p", Tensor(shape: [2], data: [0, 0]), options: ["sn": 1, "subset_size": 0])]
        XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "adamw-sn", values: [:]), params))
        XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "adamw-sn", values: ["fixed_decay": .bool(true)]), []))
        XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "adamw-sn", values: [:], groups: [["rank": .number(2)]]), []))
    }

    // MARK: - Rules

    func claim(_ id: String) -> Claim { SubsetNormSubspaceMomentum().claims.first { $0.id == id }! }

    func testRuleBranches() {
        func plain(_ id: String, _ key: String, _ v: Double) -> Verdict {
            var e = Evidence(); e.record(key, v); return claim(id).decide(e).verdict
        }
        XCTAssertEqual(plain("c1a", "c1a.sn_second_moment_bytes_minus_formula", 0), .reproduced)
        XCTAssertEqual(plain("c1a", "c1a.sn_second_moment_bytes_minus_formula", 4), .notReproduced)
        XCTAssertEqual(plain("c3a", "c3a.snsm_state_fraction", 0.2), .reproduced)
        XCTAssertEqual(plain("c3a", "c3a.snsm_state_fraction", 0.3), .notReproduced)
        for (id, key) in [("c3b", "c3b.transformer_markov.test_loss_snsm_minus_adamw"), ("c3c", "c3c.transformer_markov.test_loss_sn_minus_adamw")] {
            func verdict(_ ci: (Double, Double, Double)) -> Verdict { claim(id).decide(AdaBeliefTests.evidence([key: ci])).verdict }
            XCTAssertEqual(verdict((0, -0.01, 0.01)), .reproduced)
            XCTAssertEqual(verdict((0.05, 0.03, 0.07)), .notReproduced)
            XCTAssertNotEqual(verdict((0.01, -0.01, 0.03)), .reproduced)
        }
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = SubsetNormSubspaceMomentum()
        let context = RunContext(seed: 0, scale: .quick, slug: paper.info.slug)
        var settings = SubsetNormSubspaceMomentum.Settings(context)
        // A tiny classifier under the transformer's key (the real task's cost is the quick run's, checked by verify).
        let data = AdamTests.tinyData()
        settings.task = { _ in
            StandardTasks.classification(key: "transformer_markov", label: "tiny", data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in MLP(sizes: [64, 16, 10], rng: rng) }
        }
        settings.learningRates = [1e-2, 1e-1]
        settings.updateGap = 1
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c1a.sn_second_moment_bytes_minus_formula"], 0)
        XCTAssertLessThan(first.evidence["c3a.snsm_state_fraction"], first.evidence["diagnostic.sn_state_fraction"])
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    /// The LLaMA-60M fractions from the formulas, by hand: Adam 2·(Σ linear + embedding + norms).
    func testLlama60MFractions() {
        let f = SubsetNormSubspaceMomentum.llama60MFractions()
        XCTAssertEqual(f.snsm, 0.40485342737491736, accuracy: 1e-12)
        XCTAssertEqual(f.sn, 0.6418382190875027, accuracy: 1e-12)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: SubsetNormSubspaceMomentum())
        XCTAssertEqual(found.map(\.name), ["subset-norm", "subspace-momentum"])
    }
}
