import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
import Harness

final class DiffGradTests: XCTestCase {
    // MARK: - Golden trajectories (pytorch-optimizer 4.1) through `reproduce trace`'s path

    func testGoldenLeastSquares() throws { try AdaBeliefTests.checkGolden("diffgrad__ls6x4b4", optimizer: "diffgrad") }
    func testGoldenRosenbrock() throws { try AdaBeliefTests.checkGolden("diffgrad__rosenbrock", optimizer: "diffgrad") }

    /// After 20 steps, m, v and the previous gradient match pytorch-optimizer's state.
    func testStateMatchesReference() throws {
        let (problem, golden) = try AdaBeliefTests.checkGolden("diffgrad__ls6x4b4", optimizer: "diffgrad")
        let parameters = problem.makeParameters()
        let optimizer = try XCTUnwrap(try traceOptimizers["diffgrad"]!(problem.hyperparameters, parameters) as? ChainedOptimizer)
        for _ in 0..<problem.steps { optimizer.step { problem.evaluate(parameters, gradient: true) } }
        let scaling = try XCTUnwrap(optimizer.groups[0].transforms.first as? ScaleByDiffGrad)
        let last = try XCTUnwrap((golden["state"] as? [[[String: Any]]])?.last)
        for t in 0..<parameters.count {
            for (slot, key) in [(0, "exp_avg"), (1, "exp_avg_sq"), (2, "previous_grad")] {
                let ref = try XCTUnwrap((last[t][key] as? [String: Any])?["data"] as? [Double])
                let mine = scaling.state[t][slot].data
                XCTAssertEqual(mine.count, ref.count)
                for (x, r) in zip(mine, ref) { XCTAssertEqual(Double(x), r, accuracy: 1e-6 + 1e-4 * abs(r), "\(key) of tensor \(t)") }
            }
        }
        // Three state tensors per parameter tensor: 1.5 × Adam's.
        XCTAssertEqual(optimizer.stateBytes, 3 * parameters.reduce(0) { $0 + $1.value.count } * 4)
    }

    // MARK: - Hand-computed steps and invariants

    /// Eq. 6–8 in Double with the official ε placement and L2 weight decay (`decoupled: false`, the
    /// official code's): ξ = sigmoid(|g_prev − g|), θ ← θ − α√(1−β₂ᵗ)/(1−β₁ᵗ) · ξm/(√v + ε).
    func testMatchesHandComputedSteps() {
        let gradients: [[Float]] = [[0.5, -2, 1e-3], [0.1, -1, 4], [0.1, 0.2, 2], [0.5, -2, 0]]
        let alpha = 0.01, lambda = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-8
        let p = Parameter("p", Tensor(shape: [3], data: [1, 2, 3]))
        let opt = ChainedOptimizer([p], transforms: Chains.diffGrad(weightDecay: Float(lambda), decoupled: false), learningRate: .constant(Float(alpha)))
        var m = [Double](repeating: 0, count: 3), v = m, previous = m, theta: [Double] = [1, 2, 3]
        for (t, raw) in gradients.enumerated() {
            p.grad = Tensor(shape: [3], data: raw)
            opt.applyGradients()
            let scale = (1 - pow(b2, Double(t + 1))).squareRoot() / (1 - pow(b1, Double(t + 1)))
            for i in 0..<3 {
                let g = Double(raw[i]) + lambda * theta[i]
                m[i] = b1 * m[i] + (1 - b1) * g
                v[i] = b2 * v[i] + (1 - b2) * g * g
                let xi = 1 / (1 + exp(-abs(previous[i] - g)))
                previous[i] = g
                theta[i] -= alpha * scale * xi * m[i] / (v[i].squareRoot() + eps)
                XCTAssertEqual(Double(p.value.data[i]), theta[i], accuracy: 1e-6 * max(1, abs(theta[i])), "step \(t + 1) entry \(i)")
            }
        }
    }

    /// ξ ∈ [1/2, 1): diffGrad's update is between half of Adam's and Adam's, coordinate by
    /// coordinate, on random gradients of any scale (against Adam with the same ε placement, √v + ε;
    /// torch's √v̂ + ε differs where √v is near ε); exactly half for a repeated gradient.
    func testStepIsBetweenHalfAndFullAdamStep() {
        var rng = SeededRandom(seed: 4, path: ["diffgrad", "bracket"])
        let diffGrad = ScaleByDiffGrad(), adam = ScaleByAdam(epsilonPlacement: .beforeBiasCorrection)
        for t in 1...50 {
            let g = Tensor<Float>(shape: [40], data: (0..<40).map { _ in Float(rng.normal() * pow(10, rng.uniform(-3, 1))) })
            var a = g, b = g
            diffGrad.update(&a, parameter: g, index: 0, step: t)
            adam.update(&b, parameter: g, index: 0, step: t)
            for (x, y) in zip(a.data, b.data) where y != 0 {
                XCTAssertGreaterThanOrEqual(x / y, 0.5 * (1 - 1e-5))
                XCTAssertLessThan(x / y, 1 + 1e-5)
            }
        }
        XCTAssertEqual(DiffGradPaper.stepOverAdam(Array(repeating: 3, count: 10)), 0.5, accuracy: 1e-6)
        XCTAssertEqual(DiffGradPaper.stepOverAdam([1, -1, 1, -1]), 1 / (1 + exp(-2)), accuracy: 1e-5)
    }

    func testTraceFactoryValidatesKeywords() throws {
        let factory = try XCTUnwrap(traceOptimizers["diffgrad"])
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        XCTAssertNoThrow(try factory(TraceHyperparameters(optimizer: "diffgrad", values: ["weight_decay": .number(0.1)]), params))
        for bad: [String: HyperparameterValue] in [["rectify": .bool(true)], ["fixed_decay": .bool(true)], ["momentum": .number(0.9)], ["betas": .numbers([0.9, 1])]] {
            XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "diffgrad", values: bad), params), "\(bad)")
        }
    }

    // MARK: - The rules

    func claim(_ id: String) -> Claim { DiffGradPaper().claims.first { $0.id == id }! }

    func testFrictionAndRegretRuleBranches() {
        func c1(_ constant: Double, _ changing: Double) -> Verdict {
            claim("c1").decide(AdaBeliefTests.evidence([:], ["c1.step_over_adam.constant": constant, "c1.step_over_adam.changing": changing])).verdict
        }
        XCTAssertEqual(c1(0.5, 0.98), .reproduced)
        XCTAssertEqual(c1(0.6, 0.98), .notReproduced)
        XCTAssertEqual(c1(0.5, 0.7), .notReproduced)
        func c2(_ ls: (Double, Double, Double), _ reddi: (Double, Double, Double)) -> Verdict {
            claim("c2").decide(AdaBeliefTests.evidence(["c2.rate.least_squares": ls, "c2.rate.reddi": reddi])).verdict
        }
        XCTAssertEqual(c2((0.2, 0.15, 0.25), (0.5, 0.45, 0.55)), .reproduced)
        XCTAssertEqual(c2((0.2, 0.15, 0.25), (1.0, 0.95, 1.05)), .notReproduced)
    }

    func testComparisonRuleBranches() {
        let keys = DiffGradPaper.activations.map { "c3b.\(DiffGradPaper.activationKey($0)).test_accuracy_diffgrad_minus_adam" }
        func c3b(_ cis: [(Double, Double, Double)]) -> Verdict {
            claim("c3b").decide(AdaBeliefTests.evidence(Dictionary(uniqueKeysWithValues: zip(keys, cis)))).verdict
        }
        let fine = (0.1, -0.2, 0.4), worse = (-2.0, -3.0, -1.0)
        XCTAssertEqual(c3b([fine, fine, fine, fine]), .reproduced)
        XCTAssertEqual(c3b([fine, fine, worse, fine]), .notReproduced)
        let c3a = claim("c3a"), key = "c3a.cnn_digits.test_accuracy_diffgrad_minus_best"
        XCTAssertEqual(c3a.decide(AdaBeliefTests.evidence([key: (1, 0.3, 1.7)])).verdict, .reproduced)
        XCTAssertEqual(c3a.decide(AdaBeliefTests.evidence([key: (-0.3, -0.6, 0.1)])).verdict, .notReproduced)
        XCTAssertEqual(c3a.decide(AdaBeliefTests.evidence([key: (0, -3, 3)])).verdict, .inconclusive(.underpowered))
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = DiffGradPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "diffgrad")
        var settings = DiffGradPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        settings.regretRounds = 1000
        settings.frictionSteps = 20
        let data = AdamTests.tinyData()
        func tiny(_ key: String) -> StandardTask {
            StandardTasks.classification(key: key, label: key, data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in MLP(sizes: [64, 10], rng: rng) }
        }
        settings.imageTask = { _ in tiny("cnn_digits") }
        settings.activationTasks = { _ in DiffGradPaper.activations.map { tiny(DiffGradPaper.activationKey($0)) } }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c1.step_over_adam.constant"], 0.5, accuracy: 1e-6)
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: DiffGradPaper())
        XCTAssertEqual(found.map(\.name), ["diffgrad"])
        XCTAssertTrue(found[0].code.contains("class ScaleByDiffGrad"))
    }
}
