import Foundation
import XCTest
import Papers
@testable import SecondOrder
@testable import Harness

final class MKORTests: XCTestCase {
    // MARK: - The Sherman–Morrison refresh and the stabiliser

    /// One refresh gives exactly `(P⁻¹ + vvᵀ)⁻¹` with `P = γX + (1 − γ)I` (checked in Double against
    /// the eigendecomposition-based inverse), and counts `6d² + 4d` FLOPs.
    func testShermanMorrisonIsTheRankOneInverse() throws {
        let d = 5
        var rng = SeededRandom(seed: 2, path: ["mkor", "sm"])
        let b = Tensor<Double>(shape: [d, d], data: (0..<(d * d)).map { _ in rng.normal() * 0.3 })
        var spd = matmul(b, b, transposeA: true)
        for i in 0..<d { spd.data[i * d + i] += 1 }
        let x0 = try MatrixRoots.inverseRoot(spd, p: 1)   // a symmetric positive definite inverse factor
        let v = (0..<d).map { _ in Float(rng.normal()) }
        var x = x0.converted(to: Float.self)
        _ = MKORPreconditioner.shermanMorrison(&x, v, gamma: 0.95, threshold: 2)
        var p = x0.map { 0.95 * $0 }
        for i in 0..<d { p.data[i * d + i] += 0.05 }
        var target = try MatrixRoots.inverseRoot(p, p: 1)
        for i in 0..<d { for j in 0..<d { target.data[i * d + j] += Double(v[i]) * Double(v[j]) } }
        let expected = try MatrixRoots.inverseRoot(target, p: 1)
        for (a, e) in zip(x.data, expected.data) { XCTAssertEqual(Double(a), e, accuracy: 1e-5) }
        XCTAssertEqual(MKORPreconditioner.refreshFlops(d), 6 * d * d + 4 * d)
    }

    /// The first refresh only consumes the reset (identity stays identity); later refreshes count
    /// their FLOPs; an inverse with an entry above 2 is pulled to (1 − ζ)X + ζI at the next refresh.
    func testResetCountAndStabiliser() {
        let m = MKORPreconditioner(inputs: 2, outputs: 2)
        let x = Tensor<Float>(shape: [1, 2], data: [0.1, 0.2]), g = Tensor<Float>(shape: [1, 2], data: [0.3, -0.1])
        m.observe(step: 1, inputs: x, outputGradients: g)
        XCTAssertEqual(m.inverseR.data, Tensor<Float>.identity(3).data)
        XCTAssertEqual(m.flops, 0)
        m.observe(step: 2, inputs: x, outputGradients: g)
        XCTAssertEqual(m.flops, MKORPreconditioner.refreshFlops(3) + MKORPreconditioner.refreshFlops(2))
        XCTAssertFalse(m.reset)
        m.inverseL = Tensor(shape: [2, 2], data: [3, 0, 0, 1])
        m.observe(step: 3, inputs: x, outputGradients: g)
        XCTAssertTrue(m.reset, "an entry above 2 flags both factors")
        let flagged = m.inverseL
        m.observe(step: 4, inputs: x, outputGradients: g)
        for i in 0..<4 { XCTAssertEqual(m.inverseL.data[i], 0.9 * flagged.data[i] + (i % 3 == 0 ? 0.1 : 0), accuracy: 1e-6) }
        // The clipped batch mean: entries beyond ±100 count as ±100.
        XCTAssertEqual(MKORPreconditioner.clippedMean(Tensor(shape: [2, 1], data: [400, 0]), appendingOne: true, clip: 100), [50, 1])
    }

    /// MKOR's direction keeps the gradient's norm (‖∇W‖ + ‖∇b‖), layer by layer, on a real MLP step.
    func testNormRescalingKeepsTheGradientSize() {
        let model = MLP(sizes: [6, 5, 3], rng: SeededRandom(seed: 4, path: ["mkor", "norm"]))
        let optimizer = MKORPaper.mkor(model.parameters, 0.1)
        var rng = SeededRandom(seed: 5, path: ["mkor", "batch"])
        for _ in 0..<3 {
            let x = Tensor<Float>.randomNormal([8, 6], using: &rng), y = (0..<8).map { _ in rng.index(3) }
            _ = model.lossAndGradient(x, labels: y)
            let before = optimizer.layers.map { KroneckerOptimizer.norms(KroneckerOptimizer.gradientMatrix($0)) }
            optimizer.preconditionGradients()
            for (layer, b) in zip(optimizer.layers, before) {
                let after = KroneckerOptimizer.norms(KroneckerOptimizer.gradientMatrix(layer))
                XCTAssertEqual(after.0 + after.1, b.0 + b.1, accuracy: 1e-4 * (b.0 + b.1))
            }
        }
    }

    /// MKOR-H switches at the end of the first window whose mean loss fell by less than 5%, and then
    /// takes plain SGD steps.
    func testHybridSwitchesWhenTheLossStalls() {
        let p = Parameter("x", Tensor(shape: [2], data: [1, 1]))
        let hybrid = MKORHybrid(MKORPaper.mkor([p], 0.01), window: 10, stall: 0.05)
        var t = 0
        for _ in 0..<40 {
            hybrid.step { t += 1; p.grad = Tensor(shape: [2], data: [1, 1]); return t <= 10 ? 10 : (t <= 20 ? 5 : 4.9) }
        }
        XCTAssertEqual(hybrid.switchedAt, 30)
        XCTAssertFalse(hybrid.inner.preconditioning)
    }

    // MARK: - The rules

    func claim(_ id: String) -> Claim { MKORPaper().claims.first { $0.id == id }! }

    func testRuleBranches() {
        func c1(_ mkor: Double, _ kfac: Double) -> Verdict {
            claim("c1").decide(AdaBeliefTests.evidence([:], ["c1.flops_slope.mkor": mkor, "c1.flops_slope.kfac": kfac])).verdict
        }
        XCTAssertEqual(c1(2.0, 2.9), .reproduced)
        XCTAssertEqual(c1(2.6, 2.9), .notReproduced)
        XCTAssertEqual(c1(2.0, 2.5), .notReproduced)
        func c2(_ id: String, _ key: String, _ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> Verdict {
            claim(id).decide(AdaBeliefTests.evidence(["\(id).mlp_mnist1d.\(key)": a, "\(id).mlp_digits.\(key)": b])).verdict
        }
        let better = (-0.5, -0.7, -0.3), worse = (0.4, 0.2, 0.6), wide = (0.0, -2.0, 2.0)
        XCTAssertEqual(c2("c2a", "log_loss_mkor_minus_kfac", better, better), .reproduced)
        XCTAssertEqual(c2("c2a", "log_loss_mkor_minus_kfac", better, worse), .notReproduced)
        XCTAssertEqual(c2("c2b", "log_loss_mkor_minus_best_first_order", wide, better), .inconclusive(.underpowered))
        func c3(_ d: (Double, Double, Double), fraction: Double) -> Verdict {
            claim("c3").decide(AdaBeliefTests.evidence(["c3.mlp_mnist1d.test_accuracy_hybrid_minus_mkor": d], ["c3.first_order_fraction": fraction])).verdict
        }
        XCTAssertEqual(c3((0.1, -0.2, 0.3), fraction: 0.5), .reproduced)
        XCTAssertEqual(c3((-2, -3, -1), fraction: 0.5), .notReproduced)
        XCTAssertEqual(c3((0.1, -0.2, 0.3), fraction: 0), .inconclusive(.premiseAbsent))
        XCTAssertEqual(claim("c4").decide(Evidence()).verdict.label, "not testable on CPU")
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = MKORPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "mkor")
        var settings = MKORPaper.Settings(context)
        settings.widths = [8, 16, 32]
        settings.countSteps = 3
        let data = AdamTests.tinyData()
        func tiny(_ key: String) -> StandardTask {
            StandardTasks.classification(key: key, label: key, data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in MLP(sizes: [64, 8, 10], rng: rng) }
        }
        settings.tasks = { _ in MKORPaper.tasks.map(tiny) }
        settings.hybridTask = { _ in tiny("mlp_mnist1d") }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c1.flops_slope.mkor"], 2, accuracy: 0.15)
        XCTAssertGreaterThan(first.evidence["c1.flops_slope.kfac"], 2.5)
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: MKORPaper())
        XCTAssertEqual(found.map(\.name), ["mkor-preconditioner", "mkor-hybrid"])
    }
}
