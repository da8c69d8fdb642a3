import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
import Harness

final class AdaBeliefTests: XCTestCase {
    // MARK: - Golden trajectories (pytorch-optimizer 4.1) through `reproduce trace`'s path

    /// A golden file of `Tests/HarnessTests/Golden`, read relative to this file.
    static func golden(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../HarnessTests/Golden/\(name).json").standardizedFileURL
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// Runs the golden's problem through `Papers.traceOptimizers` under `optimizer`, passing every
    /// setting of the reference's `param_groups` that matters, and checks all 21 losses and every
    /// parameter within 1e-5 + 1e-4·|reference|. Returns the problem and the golden for state checks.
    @discardableResult
    static func checkGolden(_ file: String, optimizer: String, line: UInt = #line) throws -> (TraceProblem, [String: Any]) {
        let golden = try Self.golden(file)
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let group = try XCTUnwrap((golden["param_groups"] as? [[String: Any]])?.first)
        var hyper: [String: Any] = [:]
        for key in ["lr", "betas", "eps", "weight_decay", "weight_decouple", "fixed_decay", "rectify", "ams_bound"] {
            hyper[key] = try XCTUnwrap(group[key], "param_groups lacks \(key)")
        }
        problem["optimizer"] = ["name": optimizer, "hyperparams": hyper]
        let parsed = try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem))
        let result = try parsed.run(optimizers: traceOptimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertEqual(result.loss.count, 21, line: line)
        XCTAssertTrue(result.finite, line: line)
        func close(_ x: Float, _ ref: Double) -> Bool { abs(Double(x) - ref) <= 1e-5 + 1e-4 * abs(ref) }
        for (k, (x, ref)) in zip(result.loss, losses).enumerated() {
            XCTAssertTrue(close(x, ref), "\(file) loss[\(k)] = \(x), reference \(ref)", line: line)
        }
        XCTAssertEqual(result.params.count, params.count, line: line)
        for (k, (mine, ref)) in zip(result.params, params).enumerated() {
            XCTAssertEqual(mine.count, ref.count, line: line)
            for (t, (xs, rs)) in zip(mine, ref).enumerated() {
                XCTAssertEqual(xs.count, rs.count, line: line)
                for (i, (x, r)) in zip(xs, rs).enumerated() {
                    XCTAssertTrue(close(x, r), "\(file) params[\(k)][\(t)][\(i)] = \(x), reference \(r)", line: line)
                }
            }
        }
        return (parsed, golden)
    }

    func testGoldenLeastSquares() throws { try Self.checkGolden("adabelief__ls6x4b4", optimizer: "adabelief") }
    func testGoldenRosenbrock() throws { try Self.checkGolden("adabelief__rosenbrock", optimizer: "adabelief") }

    /// After 20 steps, m and s match pytorch-optimizer's `exp_avg` and `exp_avg_var` (ε inside s included).
    func testStateMatchesReference() throws {
        let (problem, golden) = try Self.checkGolden("adabelief__ls6x4b4", optimizer: "adabelief")
        let parameters = problem.makeParameters()
        let optimizer = try XCTUnwrap(try traceOptimizers["adabelief"]!(problem.hyperparameters, parameters) as? ChainedOptimizer)
        for _ in 0..<problem.steps { optimizer.step { problem.evaluate(parameters, gradient: true) } }
        let scaling = try XCTUnwrap(optimizer.groups[0].transforms.first as? ScaleByAdaBelief)
        let last = try XCTUnwrap((golden["state"] as? [[[String: Any]]])?.last)
        for t in 0..<parameters.count {
            for (slot, key) in [(0, "exp_avg"), (1, "exp_avg_var")] {
                let ref = try XCTUnwrap((last[t][key] as? [String: Any])?["data"] as? [Double])
                let mine = scaling.state[t][slot].data
                XCTAssertEqual(mine.count, ref.count)
                for (x, r) in zip(mine, ref) { XCTAssertEqual(Double(x), r, accuracy: 1e-7 + 1e-4 * abs(r), "\(key) of tensor \(t)") }
            }
        }
        XCTAssertEqual(optimizer.stateBytes, 2 * parameters.reduce(0) { $0 + $1.value.count } * 4)
    }

    // MARK: - Hand-computed steps and invariants

    /// Algorithm 2 in Double with the official ε placement and decoupled weight decay:
    /// s ← β₂s + (1−β₂)(g−m)² + ε, θ ← θ(1 − αλ) − α/(1−β₁ᵗ) · m/(√s/√(1−β₂ᵗ) + ε).
    func testMatchesHandComputedSteps() {
        let gradients: [[Float]] = [[0.5, -2, 1e-3], [0.1, -1, 4], [-0.3, 0.2, 2], [0.5, -2, 0]]
        let alpha = 0.01, lambda = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-16
        let p = Parameter("p", Tensor(shape: [3], data: [1, 2, 3]))
        let opt = ChainedOptimizer([p], transforms: Chains.adaBelief(weightDecay: Float(lambda)), learningRate: .constant(Float(alpha)))
        var m = [Double](repeating: 0, count: 3), s = m, theta: [Double] = [1, 2, 3]
        for (t, g) in gradients.enumerated() {
            p.grad = Tensor(shape: [3], data: g)
            opt.applyGradients()
            let bc1 = 1 - pow(b1, Double(t + 1)), bc2 = 1 - pow(b2, Double(t + 1))
            for i in 0..<3 {
                m[i] = b1 * m[i] + (1 - b1) * Double(g[i])
                s[i] = b2 * s[i] + (1 - b2) * pow(Double(g[i]) - m[i], 2) + eps
                theta[i] = theta[i] * (1 - alpha * lambda) - alpha / bc1 * m[i] / (s[i].squareRoot() / bc2.squareRoot() + eps)
                XCTAssertEqual(Double(p.value.data[i]), theta[i], accuracy: 1e-6 * max(1, abs(theta[i])), "step \(t + 1) entry \(i)")
            }
        }
    }

    /// The first step: m₁ = (1−β₁)g and g − m₁ = β₁g, so ŝ₁ = β₁²g² and m̂₁ = g: the step is
    /// α·sign(g)/β₁ whatever |g| (Adam's first step is α·sign(g)).
    func testFirstStepIsAlphaOverBeta1() {
        let p = Parameter("p", Tensor(shape: [3], data: [0, 0, 0]))
        let opt = ChainedOptimizer([p], transforms: Chains.adaBelief(), learningRate: 0.01)
        p.grad = Tensor(shape: [3], data: [3, -0.02, 700])
        opt.applyGradients()
        for (x, sign) in zip(p.value.data, [-1.0, 1, -1]) { XCTAssertEqual(Double(x), sign * 0.01 / 0.9, accuracy: 1e-7) }
    }

    /// c1's mechanism: with |g| = 1 throughout, Adam's step size is the same for a consistent and a
    /// random sign (v sees only g²), AdaBelief's is many times larger for the consistent one.
    func testStepSizesSeparateConsistentFromRandomGradients() {
        let sizes = AdaBeliefPaper.stepSizes(steps: 1000, rng: SeededRandom(seed: 0, path: ["c1"]))
        XCTAssertEqual(sizes.adam, 1, accuracy: 1e-6)
        XCTAssertGreaterThan(sizes.adaBelief, 10)
        XCTAssertEqual(sizes.steps.adaBelief.random, 1, accuracy: 0.2, "random signs: ŝ ≈ E[(g − m)²] ≈ 1")
    }

    /// The trace factory takes pytorch-optimizer's keywords, refuses the variants it does not implement.
    func testTraceFactoryValidatesKeywords() throws {
        let factory = try XCTUnwrap(traceOptimizers["adabelief"])
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        XCTAssertNoThrow(try factory(TraceHyperparameters(optimizer: "adabelief", values: ["rectify": .bool(false), "weight_decouple": .bool(false)]), params))
        for bad: [String: HyperparameterValue] in [["rectify": .bool(true)], ["ams_bound": .bool(true)], ["amsgrad": .bool(false)], ["eps": .number(-1)]] {
            XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "adabelief", values: bad), params), "\(bad)")
        }
    }

    // MARK: - The rules

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) {
            e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0)
        }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func claim(_ id: String) -> Claim { AdaBeliefPaper().claims.first { $0.id == id }! }

    func testBeliefRuleBranches() {
        func verdict(_ adaBelief: Double, _ adam: Double) -> Verdict {
            claim("c1").decide(Self.evidence([:], ["c1.adabelief_stepsize_ratio": adaBelief, "c1.adam_stepsize_ratio": adam])).verdict
        }
        XCTAssertEqual(verdict(18, 1), .reproduced)
        XCTAssertEqual(verdict(1.2, 1), .notReproduced)
        XCTAssertEqual(verdict(18, 3), .inconclusive(.premiseAbsent))
    }

    func testComparisonRuleBranches() {
        let c2b = claim("c2b"), key = "c2b.cnn_digits.test_accuracy_adabelief_minus_sgdm"
        XCTAssertEqual(c2b.decide(Self.evidence([key: (0.1, -0.3, 0.5)])).verdict, .reproduced)
        XCTAssertEqual(c2b.decide(Self.evidence([key: (-2, -3, -1)])).verdict, .notReproduced)
        XCTAssertEqual(c2b.decide(Self.evidence([key: (-0.5, -1.5, 0.5)])).verdict, .inconclusive(.underpowered))
        let c3b = claim("c3b"), lm = "c3b.transformer_markov.test_loss_adabelief_minus_best"
        XCTAssertEqual(c3b.decide(Self.evidence([lm: (-0.05, -0.08, -0.02)])).verdict, .reproduced)
        XCTAssertEqual(c3b.decide(Self.evidence([lm: (0.02, 0.001, 0.04)])).verdict, .notReproduced)
        let c2a = claim("c2a"), loss = "c2a.cnn_digits.log_loss_adabelief_minus_adam"
        XCTAssertEqual(c2a.decide(Self.evidence([loss: (0.3, 0.2, 0.4)])).verdict, .notReproduced)
        guard case .notTestable = claim("c4").decide(Evidence()).verdict else { return XCTFail("c4 must be not testable") }
    }

    // MARK: - The experiment end to end (tiny settings)

    /// A tiny run records every metric the rules read and gives identical evidence twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = AdaBeliefPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "adabelief")
        var settings = AdaBeliefPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        settings.beliefSteps = 50
        let data = AdamTests.tinyData()
        settings.imageTask = { _ in
            StandardTasks.classification(key: "cnn_digits", label: "tiny", data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                MLP(sizes: [64, 10], rng: rng)
            }
        }
        settings.languageTask = { _ in
            StandardTasks.classification(key: "transformer_markov", label: "tiny LM", data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                MLP(sizes: [64, 10], rng: rng)
            }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: AdaBeliefPaper())
        XCTAssertEqual(found.map(\.name), ["adabelief"])
        XCTAssertTrue(found[0].code.contains("class ScaleByAdaBelief"))
    }
}
