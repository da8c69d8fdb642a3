import Foundation
import XCTest
import Papers
@testable import SecondOrder
import Harness

final class SPDSubmanifoldMomentumTests: XCTestCase {
    typealias P = SPDSubmanifoldMomentumPaper

    func testBFloat16Rounding() {
        let x = Tensor<Float>(shape: [5], data: [1, 1 + 1.0 / 512, 1 + 3.0 / 512, 1 + 1.0 / 256, -3.14159])
        // Below half an ulp (2⁻⁸) rounds down, above rounds up, a tie goes to even.
        XCTAssertEqual(BFloat16.nearest(x).data, [1, 1, 1 + 1.0 / 128, 1, -3.140625])
    }

    /// With fixed statistics the factor updates settle where the natural gradient vanishes:
    /// λ‖C‖²/d KᵀK + tr(CᵀGC)/d KᵀAK = I, i.e. S_K = KKᵀ = (γA + λ′I)⁻¹ with γ = tr(S_C G)/d and
    /// λ′ = λ tr(S_C)/d (and symmetrically for S_C): the damped inverses, reached with products only.
    func testFactorsConvergeToTheDampedInverses() throws {
        let a = Tensor<Float>(shape: [3, 3], data: [2, 0.5, 0, 0.5, 1, 0.2, 0, 0.2, 0.5])
        let g = Tensor<Float>(shape: [2, 2], data: [0.3, 0.1, 0.1, 0.2])
        var f = P.LocalFactors(inputs: 3, outputs: 2)
        for _ in 0..<3000 { f.update(a: a, g: g, damping: 1e-2, beta1: 0.05, beta2: 0.5, round: { $0 }) }
        func trace(_ m: Tensor<Float>) -> Double { (0..<m.rows).reduce(0) { $0 + Double(m.data[$1 * m.rows + $1]) } }
        let gamma = trace(matmul(f.sC, g)) / 2, lambda = 1e-2 * trace(f.sC) / 2
        var target = a.converted(to: Double.self).map { $0 * gamma }
        for i in 0..<3 { target.data[i * 3 + i] += lambda }
        let inverse = try MatrixRoots.inverseRoot(target, p: 1)
        for (x, y) in zip(f.sK.data, inverse.data) { XCTAssertEqual(Double(x), y, accuracy: 1e-3 * max(1, abs(y))) }
        let eigen = try symmetricEigen(f.sK.converted(to: Double.self)).values
        XCTAssertGreaterThan(eigen.min()!, 0)
    }

    /// One factor update from the identity by hand (p = d = 1): n_K = ½(λc² k² + c²g·a·k² − 1) with
    /// k = c = 1, m_K = n_K (β₂ m₀ = 0), k ← k − β₁ k m_K.
    func testScalarUpdateByHand() {
        var f = P.LocalFactors(inputs: 1, outputs: 1)
        f.update(a: Tensor(shape: [1, 1], data: [2]), g: Tensor(shape: [1, 1], data: [0.5]), damping: 0.1, beta1: 0.2, beta2: 0.5, round: { $0 })
        let nK: Float = 0.5 * (0.1 + 0.5 * 2 - 1), nC: Float = 0.5 * (0.1 + 2 * 0.5 - 1)
        XCTAssertEqual(f.k.data[0], 1 - 0.2 * nK, accuracy: 1e-6)
        XCTAssertEqual(f.c.data[0], 1 - 0.2 * nC, accuracy: 1e-6)
        XCTAssertEqual(f.sK.data[0], (1 - 0.2 * nK) * (1 - 0.2 * nK), accuracy: 1e-6)
    }

    /// The league's INGD (the harness's `KroneckerOptimizer` with `INGDPreconditioner`, on an
    /// ordinary `MLP`) takes the paper trainer's steps on the same network and batches.
    func testLeagueArmStepsAsThePaperTrainer() throws {
        let sizes = [5, 4, 3]
        let model = MLP(sizes: sizes, rng: SeededRandom(seed: 7, path: ["ingd league"]))
        // The trainer's layout: out × (in + 1), the bias in the last column.
        func packed(_ l: Int) -> Tensor<Float> {
            let (w, b) = (model.linears[l].weight.value, model.linears[l].bias!.value)
            let (inputs, outputs) = (w.shape[0], w.shape[1])
            var m = Tensor<Float>.zeros([outputs, inputs + 1])
            for o in 0..<outputs {
                for j in 0..<inputs { m.data[o * (inputs + 1) + j] = w.data[j * outputs + o] }
                m.data[o * (inputs + 1) + inputs] = b.data[o]
            }
            return m
        }
        let net = KroneckerMLP(sizes: sizes, weights: (0..<2).map(packed)), start = packed(0)
        let trainer = P.Trainer(.ingd, net: net, rate: 0.05, precision: .float32, beta1: 0.01)
        let arm = try XCTUnwrap(P().leagueOptimizers.first { $0.name == "ingd" })
        let optimizer = arm.make(model.parameters, Hyperparameters(["lr": 0.05]))
        var rng = SeededRandom(seed: 8, path: ["ingd league", "batches"]), unused = rng
        for _ in 0..<4 {
            let x = Tensor<Float>.randomNormal([16, 5], using: &rng), y = (0..<16).map { _ in rng.index(3) }
            _ = try trainer(x, labels: y, rng: &unused)
            optimizer.step { model.lossAndGradient(x, labels: y) }
        }
        for l in 0..<2 {
            for (a, b) in zip(packed(l).data, net.weights[l].data) { XCTAssertEqual(a, b, accuracy: 2e-5) }
        }
        let moved = zip(packed(0).data, start.data).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(moved, 1e-3, "the steps must move the weights for the comparison to mean anything")
    }

    func testRuleBranches() {
        let claims = P().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        var e = Evidence()
        e.record("c1.smallest_factor_eigenvalue_ratio", 1e-3)
        e.record("c2a.ingd_decompositions", 0)
        XCTAssertEqual(claim("c1").decide(e).verdict, .reproduced)
        XCTAssertEqual(claim("c2a").decide(e).verdict, .reproduced)
        var f = Evidence()
        f.record("c1.smallest_factor_eigenvalue_ratio", -1)
        XCTAssertEqual(claim("c1").decide(f).verdict, .notReproduced)
        var h = Evidence()
        h.record(interval: "c2b.accuracy_points_ingd_minus_kfac", Interval(mean: -0.2, low: -0.6, high: 0.2, count: 5), tolerance: 0)
        h.record(interval: "c2d.accuracy_points_kfac_fp32_minus_bf16", Interval(mean: 0, low: -0.3, high: 0.3, count: 5), tolerance: 0)
        XCTAssertEqual(claim("c2b").decide(h).verdict, .reproduced)
        XCTAssertEqual(claim("c2d").decide(h).verdict, .notReproduced)
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = P()
        let context = RunContext(seed: 0, scale: .quick, slug: "spd-submanifold-momentum")
        var settings = P.Settings(context)
        (settings.hidden, settings.batchSize, settings.epochs) = (8, 16, 1)
        let data = AuONTests.tinyData()
        settings.data = { _ in data }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        XCTAssertEqual(first.evidence["c2a.ingd_decompositions"], 0)
        XCTAssertGreaterThan(first.evidence["c2a.kfac_decompositions"], 0)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
