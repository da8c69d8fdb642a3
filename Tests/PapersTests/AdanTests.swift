import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
@testable import Harness

final class AdanTests: XCTestCase {
    // MARK: - Golden trajectories (pytorch-optimizer 4.1.0) through `reproduce trace`

    static let keys = ["lr", "betas", "eps", "weight_decay", "weight_decouple", "max_grad_norm"]
    static func problem(_ golden: [String: Any]) throws -> TraceProblem { try GoldenTrace.problem(golden, optimizer: "adan", keys: keys) }
    func checkGolden(_ file: String) throws { try GoldenTrace.check(file, optimizer: "adan", keys: Self.keys) }

    func testGoldenLeastSquares() throws { try checkGolden("adan__ls6x4b4") }
    func testGoldenRosenbrock() throws { try checkGolden("adan__rosenbrock") }

    /// After 20 steps the four state tensors match pytorch-optimizer's `exp_avg`, `exp_avg_diff`,
    /// `exp_avg_sq` and `previous_grad` (which the library stores negated).
    func testStateMatchesReference() throws {
        let golden = try GoldenTrace.golden("adan__ls6x4b4")
        let problem = try Self.problem(golden)
        let parameters = problem.makeParameters()
        let optimizer = try XCTUnwrap(try traceOptimizers["adan"]!(problem.hyperparameters, parameters) as? ChainedOptimizer)
        for _ in 0..<problem.steps { optimizer.step { problem.evaluate(parameters, gradient: true) } }
        let adan = try XCTUnwrap(optimizer.groups[0].transforms.first as? ScaleByAdan)
        let last = try XCTUnwrap((golden["state"] as? [[[String: Any]]])?.last)
        for t in 0..<parameters.count {
            let mine = adan.state[t]
            for (slot, name, sign) in [(0, "exp_avg", 1.0), (1, "exp_avg_diff", 1.0), (2, "exp_avg_sq", 1.0), (3, "previous_grad", -1.0)] {
                let ref = try XCTUnwrap((last[t][name] as? [String: Any])?["data"] as? [Double])
                for (x, r) in zip(mine[slot].data, ref) {
                    XCTAssertLessThanOrEqual(abs(Double(x) - sign * r), 1e-5 + 1e-4 * abs(r), "tensor \(t) \(name)")
                }
            }
        }
        XCTAssertEqual(optimizer.stateBytes, 4 * parameters.reduce(0) { $0 + $1.value.count } * 4)
    }

    // MARK: - Hand-computed steps

    /// Algorithm 1 in Double with the library's betas, three steps over a 21-element tensor (a
    /// SIMD tail of 5), with the proximal and the decoupled weight decay.
    func testMatchesHandComputedSteps() {
        let n = 21, lr = 0.05, wd = 0.1, b1 = 0.98, b2 = 0.92, b3 = 0.99, eps = 1e-8
        func gradient(_ t: Int) -> [Float] { (0..<n).map { Float(sin(Double(($0 + 1) * (t + 2)))) * Float($0 % 3 + 1) } }
        for decoupled in [false, true] {
            let start = (0..<n).map { Float($0) / 7 - 1 }
            let p = Parameter("p", Tensor(shape: [n], data: start))
            let opt = AdanPaper.optimizer([p], learningRate: .constant(Float(lr)), weightDecay: Float(wd), decoupled: decoupled)
            var m = [Double](repeating: 0, count: n), v = m, s = m, previous = m, theta = start.map(Double.init)
            for t in 1...3 {
                let g = gradient(t)
                p.grad = Tensor(shape: [n], data: g)
                opt.applyGradients()
                for i in 0..<n {
                    let gi = Double(g[i]), d = t == 1 ? 0 : gi - previous[i]
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * d
                    s[i] = b3 * s[i] + (1 - b3) * (gi + b2 * d) * (gi + b2 * d)
                    previous[i] = gi
                    let denominator = s[i].squareRoot() / (1 - pow(b3, Double(t))).squareRoot() + eps
                    let step = (m[i] / (1 - pow(b1, Double(t))) + b2 * v[i] / (1 - pow(b2, Double(t)))) / denominator
                    theta[i] = decoupled ? theta[i] * (1 - lr * wd) - lr * step : (theta[i] - lr * step) / (1 + lr * wd)
                    XCTAssertEqual(Double(p.value.data[i]), theta[i], accuracy: 2e-6 * max(1, abs(theta[i])), "step \(t) entry \(i) decoupled \(decoupled)")
                }
            }
            XCTAssertEqual(opt.stateBytes, 4 * n * 4, "m, v, n and the previous gradient")
        }
    }

    /// The Nesterov estimate: at the first step the difference is zero, so Adan's first step is
    /// m̂/(|ĝ| + ε) = sign(g) for every coordinate (as Adam's), and a gradient that repeats adds no v.
    func testFirstStepIsSignAndDifferencesVanishOnConstantGradients() {
        let p = Parameter("p", Tensor(shape: [4], data: [0, 0, 0, 0]))
        let opt = AdanPaper.optimizer([p], learningRate: .constant(0.1))
        for _ in 0..<5 {
            p.grad = Tensor(shape: [4], data: [3, -0.01, 200, -7])
            opt.applyGradients()
        }
        let adan = opt.groups[0].transforms[0] as! ScaleByAdan
        XCTAssertEqual(adan.state[0][1].data, [0, 0, 0, 0], "v averages zero differences")
        for (x, sign) in zip(p.value.data, [-1.0, 1, -1, 1]) { XCTAssertEqual(Double(x), sign * 0.5, accuracy: 1e-5) }
    }

    // MARK: - Trace validation (pytorch-optimizer's ranges)

    func testTraceValidation() throws {
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        func make(_ values: [String: HyperparameterValue]) throws -> any Optimizer {
            try traceOptimizers["adan"]!(TraceHyperparameters(optimizer: "adan", values: values), params)
        }
        XCTAssertNoThrow(try make([:]))
        XCTAssertNoThrow(try make(["betas": .numbers([0.98, 0.92, 1])]), "β₃ = 1 is allowed, as pytorch-optimizer")
        XCTAssertNoThrow(try make(["betas": .numbers([0, 0, 0])]))
        XCTAssertThrowsError(try make(["betas": .numbers([1, 0.92, 0.99])])) { error in
            XCTAssertTrue("\(error)".contains("betas[0]"), "\(error)")
        }
        XCTAssertThrowsError(try make(["betas": .numbers([0.98, 1, 0.99])]))
        XCTAssertThrowsError(try make(["betas": .numbers([0.98, 0.92, 1.01])])) { error in
            XCTAssertTrue("\(error)".contains("betas[2]"), "\(error)")
        }
        XCTAssertThrowsError(try make(["betas": .numbers([0.98, -0.1, 0.99])]))
        XCTAssertThrowsError(try make(["betas": .numbers([0.9, 0.999])]))
        XCTAssertThrowsError(try make(["lr": .number(-1)]))
        XCTAssertThrowsError(try make(["max_grad_norm": .number(1)]))
        XCTAssertThrowsError(try make(["amsgrad": .bool(true)]))
    }

    // MARK: - The rules

    static func evidence(_ intervals: [String: (Double, Double, Double)]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) {
            e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0)
        }
        return e
    }

    func testComparisonRuleBranches() {
        let paper = AdanPaper()
        for (id, suffix) in [("c3", "log_loss_adan_minus_best"), ("c4a", "log_loss_adan_half_minus_adamw")] {
            let claim = paper.claims.first { $0.id == id }!
            let keys = AdanPaper.taskLabels.map { "\(id).\($0.key).\(suffix)" }
            func verdict(_ cis: [(Double, Double, Double)]) -> Verdict {
                claim.decide(Self.evidence(Dictionary(uniqueKeysWithValues: zip(keys, cis)))).verdict
            }
            let better = (-0.3, -0.4, -0.2), worse = (0.5, 0.3, 0.7), wide = (0.0, -0.8, 0.8)
            XCTAssertEqual(verdict([better, better, worse]), .reproduced, id)
            XCTAssertEqual(verdict([worse, worse, better]), .notReproduced, id)
            XCTAssertEqual(verdict([better, wide, wide]), .inconclusive(.underpowered), id)
        }
        XCTAssertEqual(paper.claims.first { $0.id == "c1" }!.decide({ var e = Evidence(); e.record("c1.gradient_evaluations_per_step", 1); return e }()).verdict, .reproduced)
        XCTAssertEqual(paper.claims.first { $0.id == "c1" }!.decide({ var e = Evidence(); e.record("c1.gradient_evaluations_per_step", 2); return e }()).verdict, .notReproduced)
    }

    // MARK: - The experiment end to end (tiny settings)

    static func tinyTasks(epochs: Int) -> [StandardTask] {
        var rng = SeededRandom(seed: 9, path: ["tiny task"])
        let features = Tensor<Float>.randomNormal([48, 64], using: &rng)
        let labels = (0..<48).map { _ in rng.index(10) }
        let data = Dataset(name: "tiny", features: features, labels: labels, classCount: 10, citation: "synthetic")
        let splits = DataSplits(train: data, validation: data, test: data)
        return AdanPaper.taskLabels.map { t in
            StandardTasks.classification(key: t.key, label: t.label, data: splits, model: "tiny", epochs: epochs, batchSize: 16) { MLP(sizes: [64, 10], rng: $0) }
        }
    }

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = AdanPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "adan")
        var settings = AdanPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        settings.tasks = { _ in Self.tinyTasks(epochs: 2) }
        settings.halfTasks = { _ in Self.tinyTasks(epochs: 1) }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c1.gradient_evaluations_per_step"], 1)
        XCTAssertEqual(first.evidence["c1.adan_state_over_parameter_bytes"], 4)
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: AdanPaper())
        XCTAssertEqual(found.map(\.name), ["scale-by-adan", "proximal-decay"])
        XCTAssertTrue(found[0].code.contains("class ScaleByAdan"))
    }

    func testLeagueAndRegistry() {
        XCTAssertNotNil(paper(slug: "adan"))
        XCTAssertTrue(leagueEntries.contains { $0.arm.name == "adan" })
    }
}
