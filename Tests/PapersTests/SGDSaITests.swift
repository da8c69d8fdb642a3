import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
@testable import Harness

final class SGDSaITests: XCTestCase {
    // MARK: - Golden trajectories (pytorch-optimizer 4.1.0 SGDSaI) through `reproduce trace`

    static let keys = ["lr", "momentum", "weight_decay", "weight_decouple", "eps"]
    static func problem(_ golden: [String: Any]) throws -> TraceProblem { try GoldenTrace.problem(golden, optimizer: "sgdsai", keys: keys) }
    /// The least-squares file has a matrix and a vector: both g-SNR branches.
    func checkGolden(_ file: String) throws { try GoldenTrace.check(file, optimizer: "sgdsai", keys: Self.keys) }

    func testGoldenLeastSquares() throws { try checkGolden("sgdsai__ls6x4b4") }
    func testGoldenRosenbrock() throws { try checkGolden("sgdsai__rosenbrock") }

    /// The g-SNR of each tensor and the momentum buffers after 20 steps match the library's state.
    func testStateMatchesReference() throws {
        let golden = try GoldenTrace.golden("sgdsai__ls6x4b4")
        let problem = try Self.problem(golden)
        let parameters = problem.makeParameters()
        let optimizer = try XCTUnwrap(try traceOptimizers["sgdsai"]!(problem.hyperparameters, parameters) as? ChainedOptimizer)
        for _ in 0..<problem.steps { optimizer.step { problem.evaluate(parameters, gradient: true) } }
        let momentum = try XCTUnwrap(optimizer.groups[0].transforms[0] as? AveragedMomentumFromZero)
        let snr = try XCTUnwrap(optimizer.groups[0].transforms[1] as? ScaleByInitialSNR)
        let last = try XCTUnwrap((golden["state"] as? [[[String: Any]]])?.last)
        for t in 0..<parameters.count {
            let gsnr = try XCTUnwrap(last[t]["gsnr"] as? Double)
            XCTAssertEqual(Double(snr.ratios[t]), gsnr, accuracy: 1e-5 * gsnr, "tensor \(t)")
            let buffer = try XCTUnwrap((last[t]["momentum_buffer"] as? [String: Any])?["data"] as? [Double])
            for (x, r) in zip(momentum.state[t][0].data, buffer) { XCTAssertLessThanOrEqual(abs(Double(x) - r), 1e-5 + 1e-4 * abs(r)) }
        }
        // One buffer per parameter and one Float per tensor.
        XCTAssertEqual(optimizer.stateBytes, 4 * parameters.reduce(0) { $0 + $1.value.count } + 4 * parameters.count)
    }

    // MARK: - The official convention, by hand

    /// Three steps on a matrix and a vector, in Double: G_j = ‖g₁‖/(σ + ε) over the first
    /// gradients, divided by the largest; b₁ = g₁, b ← μb + (1−μ)g; θ ← (1 − ηλ)θ − η G_j b.
    /// Later gradients do not change the scales.
    func testOfficialConventionMatchesHandComputation() {
        let w = Parameter("w", Tensor(shape: [3, 4], data: (0..<12).map { Float($0) / 5 - 1 }))
        let b = Parameter("b", Tensor(shape: [5], data: [0.5, -0.5, 1, 0, 2]))
        let lr = 0.1, mu = 0.9, wd = 0.01
        let opt = SGDSaIPaper.optimizer([w, b], learningRate: .constant(Float(lr)))
        func grads(_ t: Int) -> [[Float]] {
            [(0..<12).map { Float(cos(Double($0 * t + 1))) * Float($0 + 1) / 4 }, (0..<5).map { Float(sin(Double($0 + t))) }]
        }
        func snr(_ g: [Float]) -> Double {
            let x = g.map(Double.init), n = Double(x.count), mean = x.reduce(0, +) / n
            let sigma = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
            return x.map { $0 * $0 }.reduce(0, +).squareRoot() / (sigma + 1e-8)
        }
        let raw = grads(1).map(snr), scales = raw.map { $0 / raw.max()! }
        var theta = [w.value.data.map(Double.init), b.value.data.map(Double.init)]
        var buffer = [[Double]](repeating: [], count: 2)
        for t in 1...3 {
            let g = grads(t)
            w.grad = Tensor(shape: [3, 4], data: g[0])
            b.grad = Tensor(shape: [5], data: g[1])
            opt.applyGradients()
            for j in 0..<2 {
                let gradient: [Double] = g[j].map(Double.init)
                if t == 1 {
                    buffer[j] = gradient
                } else {
                    buffer[j] = zip(buffer[j], gradient).map { (old: Double, new: Double) -> Double in mu * old + (1 - mu) * new }
                }
                let step: Double = lr * scales[j]
                theta[j] = zip(theta[j], buffer[j]).map { (x: Double, m: Double) -> Double in (1 - lr * wd) * x - step * m }
                for (x, ref) in zip((j == 0 ? w : b).value.data, theta[j]) { XCTAssertEqual(Double(x), ref, accuracy: 1e-6, "step \(t) tensor \(j)") }
            }
        }
        let snrTransform = opt.groups[0].transforms[1] as! ScaleByInitialSNR
        XCTAssertEqual(snrTransform.ratios.max(), 1, "normalised by the largest ratio")
        XCTAssertEqual(opt.stateBytes, (12 + 5) * 4 + 2 * 4, "one buffer per parameter, one Float per tensor")
    }

    /// The ratio is scale-free (‖cg‖/σ(cg) = ‖g‖/σ(g)), so a block's step does not depend on the
    /// size of its gradient at initialisation, only on how evenly it is spread; a constant
    /// gradient has σ = 0 and the pytorch-optimizer convention falls back to ‖g‖.
    func testRatioIsScaleFreeAndHandlesZeroSpread() {
        let official = ScaleByInitialSNR([], eps: 0, convention: .official)
        let library = ScaleByInitialSNR([], eps: 0, convention: .pytorchOptimizer)
        let g = Tensor<Float>(shape: [2, 3], data: [1, -2, 0.5, 3, 0, -1])
        var scaled = g
        scaled.scale(by: 1000)
        XCTAssertEqual(official.ratio(g), official.ratio(scaled), accuracy: 1e-9 * official.ratio(g))
        XCTAssertEqual(library.ratio(Tensor(shape: [2, 2], data: [2, 2, 2, 2])), 4, accuracy: 1e-12)
        XCTAssertEqual(library.ratio(Tensor(shape: [3], data: [3, 0, 4])), 5, accuracy: 1e-12, "vectors: ‖g‖")
        XCTAssertEqual(library.ratio(Tensor(shape: [1, 3], data: [3, 0, 4])), 5, accuracy: 1e-12, "single rows: ‖g‖")
    }

    // MARK: - Trace validation

    func testTraceValidation() throws {
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        func make(_ values: [String: HyperparameterValue]) throws -> any Optimizer {
            try traceOptimizers["sgdsai"]!(TraceHyperparameters(optimizer: "sgdsai", values: values), params)
        }
        XCTAssertNoThrow(try make([:]))
        XCTAssertNoThrow(try make(["momentum": .number(0), "weight_decouple": .bool(false)]))
        XCTAssertThrowsError(try make(["momentum": .number(1)]))
        XCTAssertThrowsError(try make(["momentum": .number(-0.1)]))
        XCTAssertThrowsError(try make(["lr": .number(-1)]))
        XCTAssertThrowsError(try make(["nesterov": .bool(true)]))
    }

    // MARK: - The rules

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) { e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0) }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testRuleBranches() {
        let claims = SGDSaIPaper().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        let k = "c1.transformer_markov"
        // c1a: non-inferiority within 2%.
        XCTAssertEqual(claim("c1a").decide(Self.evidence(["\(k).log_loss_sai_minus_adamw": (0, -0.01, 0.01)])).verdict, .reproduced)
        XCTAssertEqual(claim("c1a").decide(Self.evidence(["\(k).log_loss_sai_minus_adamw": (0.1, 0.05, 0.15)])).verdict, .notReproduced)
        // c1b: the premise (SGD+momentum worse than AdamW) gates the verdict.
        let better = (-0.3, -0.4, -0.2), none = (0.0, -0.005, 0.005)
        XCTAssertEqual(claim("c1b").decide(Self.evidence(["\(k).log_loss_sai_minus_sgdm": better, "\(k).log_loss_adamw_minus_sgdm": better])).verdict, .reproduced)
        XCTAssertEqual(claim("c1b").decide(Self.evidence(["\(k).log_loss_sai_minus_sgdm": better, "\(k).log_loss_adamw_minus_sgdm": none])).verdict,
                       .inconclusive(.premiseAbsent))
        XCTAssertEqual(claim("c1b").decide(Self.evidence(["\(k).log_loss_sai_minus_sgdm": none, "\(k).log_loss_adamw_minus_sgdm": better])).verdict, .notReproduced)
        // c2: half, up to the scalars.
        XCTAssertEqual(claim("c2").decide(Self.evidence([:], ["c2.state_ratio_sai_over_adamw": 0.5003])).verdict, .reproduced)
        XCTAssertEqual(claim("c2").decide(Self.evidence([:], ["c2.state_ratio_sai_over_adamw": 1])).verdict, .notReproduced)
        // c3: spread no worse than AdamW's + 0.1.
        XCTAssertEqual(claim("c3").decide(Self.evidence(["c3.grid_spread_sai_minus_adamw": (-0.2, -0.3, -0.1)])).verdict, .reproduced)
        XCTAssertEqual(claim("c3").decide(Self.evidence(["c3.grid_spread_sai_minus_adamw": (0.5, 0.3, 0.7)])).verdict, .notReproduced)
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = SGDSaIPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "sgd-sai")
        var settings = SGDSaIPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        var rng = SeededRandom(seed: 9, path: ["tiny task"])
        let features = Tensor<Float>.randomNormal([48, 64], using: &rng)
        let labels = (0..<48).map { _ in rng.index(10) }
        let data = Dataset(name: "tiny", features: features, labels: labels, classCount: 10, citation: "synthetic")
        let splits = DataSplits(train: data, validation: data, test: data)
        func tiny(_ key: String) -> StandardTask {
            StandardTasks.classification(key: key, label: key, data: splits, model: "tiny", epochs: 2, batchSize: 16) { MLP(sizes: [64, 16, 10], rng: $0) }
        }
        settings.transformerTask = { _ in tiny("transformer_markov") }
        settings.otherTasks = { _ in SGDSaIPaper.otherTasks.map { tiny($0.key) } }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        let ratio = first.evidence["c2.state_ratio_sai_over_adamw"]
        XCTAssertGreaterThan(ratio, 0.5)
        XCTAssertLessThan(ratio, 0.501)
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsAndRegistration() throws {
        let found = try compiledExcerpts.excerpts(of: SGDSaIPaper())
        XCTAssertEqual(found.map(\.name), ["scale-by-initial-snr"])
        XCTAssertNotNil(paper(slug: "sgd-sai"))
        XCTAssertTrue(leagueEntries.contains { $0.arm.name == "sgd-sai" })
    }
}
