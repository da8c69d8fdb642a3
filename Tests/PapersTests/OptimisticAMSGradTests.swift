import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
import Harness

final class OptimisticAMSGradTests: XCTestCase {
    // MARK: - Hand-computed steps

    /// β₁ = β₂ = ½, ε = 0, last-gradient guess, gradients 1 then 3, by hand:
    /// step 1: θ = ½, v̂ = ½, d = √(½/½) = 1, θ̂ = 1, h = ½·0 + ½·1 = ½ → o = 1, u = 1 + 1 − 0 = 2;
    /// step 2: θ = 7/4, v̂ = 19/4, d = √(19/3), θ̂ = 7/3, h = ½·½ + ½·3 = 7/4 → o = (7/3)/d,
    /// u = 2·(7/3)/√(19/3) − 1.
    func testMatchesHandComputedSteps() {
        let scaling = ScaleByOptimisticAMSGrad(beta1: 0.5, beta2: 0.5, eps: 0)
        var u = Tensor<Float>(shape: [1], data: [1])
        scaling.update(&u, parameter: u, index: 0, step: 1)
        XCTAssertEqual(Double(u.data[0]), 2, accuracy: 1e-6)
        u = Tensor(shape: [1], data: [3])
        scaling.update(&u, parameter: u, index: 0, step: 2)
        XCTAssertEqual(Double(u.data[0]), 2 * (7.0 / 3) / (19.0 / 3).squareRoot() - 1, accuracy: 1e-6)
        XCTAssertEqual(Double(scaling.state[0][3].data[0]), (7.0 / 3) / (19.0 / 3).squareRoot(), accuracy: 1e-6, "offset o")
        XCTAssertEqual(scaling.stateBytes, 4 * 4, "θ, v, v̂, o: four floats per parameter")
    }

    // MARK: - Invariants

    static func gradients(_ steps: Int, _ count: Int) -> [Tensor<Float>] {
        var rng = SeededRandom(seed: 3, path: ["oams"])
        return (0..<steps).map { t in Tensor(shape: [count], data: (0..<count).map { i in Float(rng.normal()) + (i % 2 == 0 ? 1 : -0.5) * Float(t % 3) }) }
    }

    /// Runs `a` and `b` on the same quadratic from the same start and returns the two trajectories.
    static func trajectories(_ a: [GradientTransformation], _ b: [GradientTransformation], steps: Int = 30) -> ([[Float]], [[Float]]) {
        func run(_ chain: [GradientTransformation]) -> [[Float]] {
            let p = Parameter("p", Tensor(shape: [19], data: (0..<19).map { Float($0) / 7 - 1 }))
            let opt = ChainedOptimizer([p], transforms: chain, learningRate: 0.05)
            var out = [[Float]]()
            for _ in 0..<steps {
                p.grad = Tensor(shape: [19], data: p.value.data.enumerated().map { i, x in Float(i + 1) * x * x * x + x })
                opt.applyGradients()
                out.append(p.value.data)
            }
            return out
        }
        return (run(a), run(b))
    }

    /// Without an optimistic step (h ≡ 0) the method is AMSGrad, for any β₁.
    func testNoGuessIsAMSGrad() {
        let (opt, ams) = Self.trajectories(Chains.optimisticAMSGrad(guess: .none), Chains.adam(amsgrad: true))
        for (x, y) in zip(opt.joined(), ams.joined()) { XCTAssertEqual(x, y, accuracy: 1e-6 * max(1, abs(y))) }
    }

    /// With a zero guess and β₁ = 0, h = 0: again AMSGrad exactly. With β₁ = 0.9 it is not.
    func testZeroGuessWithoutMomentumIsAMSGrad() {
        let (opt, ams) = Self.trajectories(Chains.optimisticAMSGrad(beta1: 0, guess: .zero), Chains.adam(beta1: 0, amsgrad: true))
        for (x, y) in zip(opt.joined(), ams.joined()) { XCTAssertEqual(x, y, accuracy: 1e-6 * max(1, abs(y))) }
        let (last, _) = Self.trajectories(Chains.optimisticAMSGrad(), Chains.adam(amsgrad: true))
        XCTAssertGreaterThan(zip(last.joined(), ams.joined()).map { abs($0 - $1) }.max()!, 1e-3, "the optimistic step must change the run")
    }

    /// The half iterates are AMSGrad's: on the same gradient stream, the summed OPT-AMSGrad
    /// directions minus the final offset equal the summed AMSGrad directions (the telescoping of
    /// o_{t+1} − o_t), and v̂ never decreases and bounds v.
    func testHalfIteratesAreAMSGradsAndVHatIsMonotone() {
        let opt = ScaleByOptimisticAMSGrad(), ams = ScaleByAdam(amsgrad: true)
        let stream = Self.gradients(40, 21)
        var sumOpt = [Double](repeating: 0, count: 21), sumAms = sumOpt
        var previous = [Float](repeating: 0, count: 21)
        for (t, g) in stream.enumerated() {
            var a = g, b = g
            opt.update(&a, parameter: g, index: 0, step: t + 1)
            ams.update(&b, parameter: g, index: 0, step: t + 1)
            for i in 0..<21 { sumOpt[i] += Double(a.data[i]); sumAms[i] += Double(b.data[i]) }
            let v = opt.state[0][1].data, vhat = opt.state[0][2].data
            for i in 0..<21 {
                XCTAssertGreaterThanOrEqual(vhat[i], previous[i], "v̂ decreased at step \(t + 1)")
                XCTAssertGreaterThanOrEqual(vhat[i], v[i])
            }
            previous = vhat
        }
        let offset = opt.state[0][3].data
        for i in 0..<21 { XCTAssertEqual(sumOpt[i] - Double(offset[i]), sumAms[i], accuracy: 1e-4 * max(1, abs(sumAms[i]))) }
        XCTAssertEqual(opt.state[0][0].data, ams.state(0)!.m.data, "θ is AMSGrad's first moment")
    }

    /// The trace factory takes lr, betas, eps and weight_decay (torch's L2 form) and refuses anything else.
    func testTraceFactoryValidatesKeywords() throws {
        let factory = try XCTUnwrap(traceOptimizers["optimistic_amsgrad"])
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        XCTAssertNoThrow(try factory(TraceHyperparameters(optimizer: "optimistic_amsgrad", values: ["lr": .number(0.1), "eps": .number(1e-8), "weight_decay": .number(0.1)]), params))
        for bad: [String: HyperparameterValue] in [["amsgrad": .bool(true)], ["weight_decouple": .bool(true)], ["eps": .number(-1)], ["weight_decay": .number(-0.1)]] {
            XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "optimistic_amsgrad", values: bad), params), "\(bad)")
        }
    }

    // MARK: - The rules

    func claim(_ id: String) -> Claim { OptimisticAMSGradPaper().claims.first { $0.id == id }! }

    func testRuleBranches() {
        let c1 = claim("c1"), loss = "c1.mlp_mnist1d.log_loss_opt_minus_amsgrad"
        XCTAssertEqual(c1.decide(AdaBeliefTests.evidence([loss: (-0.3, -0.4, -0.2)])).verdict, .reproduced)
        XCTAssertEqual(c1.decide(AdaBeliefTests.evidence([loss: (0.2, 0.1, 0.3)])).verdict, .notReproduced)
        XCTAssertEqual(c1.decide(AdaBeliefTests.evidence([loss: (-0.05, -0.3, 0.2)])).verdict, .inconclusive(.underpowered))
        let c4a = claim("c4a"), acc = "c4a.cnn_digits.test_accuracy_opt_minus_best"
        XCTAssertEqual(c4a.decide(AdaBeliefTests.evidence([acc: (1.5, 0.8, 2.2)])).verdict, .reproduced)
        XCTAssertEqual(c4a.decide(AdaBeliefTests.evidence([acc: (-1, -1.5, -0.5)])).verdict, .notReproduced)
        let c4b = claim("c4b"), lm = "c4b.transformer_markov.test_loss_opt_minus_best"
        XCTAssertEqual(c4b.decide(AdaBeliefTests.evidence([lm: (-0.05, -0.08, -0.02)])).verdict, .reproduced)
        XCTAssertEqual(c4b.decide(AdaBeliefTests.evidence([lm: (0.02, 0.001, 0.04)])).verdict, .notReproduced)
        for id in ["c2", "c3"] {
            guard case .notTestable = claim(id).decide(Evidence()).verdict else { return XCTFail("\(id) must be not testable") }
        }
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = OptimisticAMSGradPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "optimistic-amsgrad")
        var settings = OptimisticAMSGradPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        let data = AdamTests.tinyData()
        func tiny(_ key: String) -> (RunContext) throws -> StandardTask {
            { _ in
                StandardTasks.classification(key: key, label: "tiny", data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                    MLP(sizes: [64, 10], rng: rng)
                }
            }
        }
        settings.lossTask = tiny("mlp_mnist1d")
        settings.imageTask = tiny("cnn_digits")
        settings.languageTask = tiny("transformer_markov")
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: OptimisticAMSGradPaper())
        XCTAssertEqual(found.map(\.name), ["optimistic-amsgrad"])
        XCTAssertTrue(found[0].code.contains("class ScaleByOptimisticAMSGrad"))
    }
}
