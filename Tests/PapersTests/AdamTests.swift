import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
import Harness

final class AdamTests: XCTestCase {
    // MARK: - Adam through the paper's trace table still matches torch

    /// A golden file of `Tests/HarnessTests/Golden`, read relative to this file (PapersTests has
    /// no resources of its own).
    static func golden(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../HarnessTests/Golden/\(name).json").standardizedFileURL
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// torch.optim.Adam's trajectory (20 steps, lr 0.3, least squares) through `Papers.traceOptimizers`,
    /// i.e. with the bias-correction switch at its default: every loss and parameter within
    /// 1e-5 + 1e-4·|reference|.
    func checkGolden(_ file: String, amsgrad: Bool) throws {
        let golden = try Self.golden(file)
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let group = try XCTUnwrap((golden["param_groups"] as? [[String: Any]])?.first)
        var hyper: [String: Any] = [:]
        for key in ["lr", "betas", "eps", "weight_decay", "amsgrad"] { hyper[key] = group[key] }
        XCTAssertEqual(hyper["amsgrad"] as? Bool, amsgrad)
        problem["optimizer"] = ["name": "adam", "hyperparams": hyper]
        let result = try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertEqual(result.loss.count, losses.count)
        for (x, ref) in zip(result.loss, losses) { XCTAssertLessThanOrEqual(abs(Double(x) - ref), 1e-5 + 1e-4 * abs(ref)) }
        for (mineTensor, refTensor) in zip(result.params, params) {
            for (mine, ref) in zip(mineTensor, refTensor) {
                XCTAssertEqual(mine.count, ref.count)
                for (x, r) in zip(mine, ref) { XCTAssertLessThanOrEqual(abs(Double(x) - r), 1e-5 + 1e-4 * abs(r)) }
            }
        }
    }

    func testAdamGoldenLeastSquares() throws { try checkGolden("adam__ls6x4b4", amsgrad: false) }
    func testAMSGradGoldenRosenbrock() throws { try checkGolden("amsgrad__rosenbrock", amsgrad: true) }

    // MARK: - The bias-correction ablation

    /// Without correction the update is m/(√v + ε), computed here in Double for three steps of
    /// varying gradients; with it, m̂/(√v̂ + ε). The first uncorrected step is (1−β₁)/√(1−β₂) ≈ 3.16
    /// times the corrected one.
    func testBiasCorrectionSwitchMatchesHandComputation() {
        let gradients: [[Float]] = [[0.5, -2, 1e-3], [0.1, -1, 4], [-0.3, 0.2, 2]]
        for corrected in [true, false] {
            let p = Parameter("p", Tensor(shape: [3], data: [1, 2, 3]))
            let opt = ChainedOptimizer([p], transforms: [ScaleByAdam(biasCorrection: corrected)], learningRate: 0.01)
            var m = [Double](repeating: 0, count: 3), v = m, theta: [Double] = [1, 2, 3]
            for (t, g) in gradients.enumerated() {
                p.grad = Tensor(shape: [3], data: g)
                opt.applyGradients()
                let step = t + 1
                for i in 0..<3 {
                    m[i] = 0.9 * m[i] + 0.1 * Double(g[i])
                    v[i] = 0.999 * v[i] + 0.001 * Double(g[i]) * Double(g[i])
                    let bc1 = corrected ? 1 - pow(0.9, Double(step)) : 1
                    let bc2 = corrected ? 1 - pow(0.999, Double(step)) : 1
                    theta[i] -= 0.01 * (m[i] / bc1) / ((v[i] / bc2).squareRoot() + 1e-8)
                    XCTAssertEqual(Double(p.value.data[i]), theta[i], accuracy: 1e-6 * max(1, abs(theta[i])), "step \(step) entry \(i) corrected \(corrected)")
                }
            }
        }
        // First step sizes: α·sign(g) with correction, α·0.1/√0.001 ≈ 3.162α without.
        let p = Parameter("p", Tensor(shape: [1], data: [0]))
        let opt = ChainedOptimizer([p], transforms: [ScaleByAdam(biasCorrection: false)], learningRate: 1.0)
        p.grad = Tensor(shape: [1], data: [0.25])
        opt.applyGradients()
        XCTAssertEqual(Double(p.value.data[0]), -0.1 / 0.001.squareRoot(), accuracy: 1e-5)
    }

    /// The fused kernel honours the switch: fused and transformation-by-transformation runs are bit-identical.
    func testFusedPathHonoursBiasCorrectionSwitch() {
        func run(fused: Bool) -> [Float] {
            let p = Parameter("p", Tensor(shape: [37], data: (0..<37).map { Float($0) / 10 }))
            let opt = ChainedOptimizer(groups: [ParameterGroup([p], transforms: [ScaleByAdam(biasCorrection: false)], learningRate: 0.05)],
                                       allowsFusion: fused)
            for t in 0..<5 {
                p.grad = Tensor(shape: [37], data: (0..<37).map { Float(sin(Double($0 * (t + 1)))) })
                opt.applyGradients()
            }
            return p.value.data
        }
        XCTAssertEqual(run(fused: true), run(fused: false))
    }

    // MARK: - AdaMax

    /// Algorithm 2 with torch's ε, in Double: m ← β₁m + (1−β₁)g, u ← max(β₂u, |g| + ε),
    /// θ ← θ − α/(1−β₁ᵗ)·m/u, over five steps including a zero and a sign change.
    func testAdaMaxMatchesHandComputedSteps() {
        let gradients: [[Float]] = [[1, -0.5, 0], [-2, 0.25, 0], [0.5, 0.5, 3], [0, -4, -1], [0.1, 0.1, 0.1]]
        let alpha = 0.002, beta1 = 0.9, beta2 = 0.999, eps = 1e-8
        let p = Parameter("p", Tensor(shape: [3], data: [0.3, -0.7, 1]))
        let opt = ChainedOptimizer([p], transforms: Chains.adamax(), learningRate: .constant(Float(alpha)))
        var m = [Double](repeating: 0, count: 3), u = m, theta: [Double] = [0.3, -0.7, 1]
        for (t, g) in gradients.enumerated() {
            p.grad = Tensor(shape: [3], data: g)
            opt.applyGradients()
            for i in 0..<3 {
                m[i] = beta1 * m[i] + (1 - beta1) * Double(g[i])
                u[i] = max(beta2 * u[i], abs(Double(g[i])) + eps)
                theta[i] -= alpha / (1 - pow(beta1, Double(t + 1))) * m[i] / u[i]
                XCTAssertEqual(Double(p.value.data[i]), theta[i], accuracy: 1e-7, "step \(t + 1) entry \(i)")
            }
        }
        // Two state tensors per parameter tensor, as Adam.
        XCTAssertEqual(opt.stateBytes, 2 * 3 * 4)
    }

    /// Section 7.1: AdaMax's step is bounded by α in every coordinate, whatever the gradients.
    func testAdaMaxStepIsBoundedByLearningRate() {
        var rng = SeededRandom(seed: 5, path: ["adamax", "bound"])
        let p = Parameter("p", .zeros([50]))
        let opt = ChainedOptimizer([p], transforms: Chains.adamax(), learningRate: 0.002)
        for _ in 0..<200 {
            let before = p.value
            p.grad = Tensor(shape: [50], data: (0..<50).map { _ in Float(rng.normal() * pow(10, rng.uniform(-3, 3))) })
            opt.applyGradients()
            for i in 0..<50 { XCTAssertLessThanOrEqual(abs(p.value.data[i] - before.data[i]), 0.002 * (1 + 1e-5)) }
        }
    }

    /// `reproduce trace` knows `adamax`, defaults its learning rate to the paper's 0.002, and
    /// rejects keys torch.optim.Adamax does not take.
    func testAdaMaxTraceFactory() throws {
        let parameters = [Parameter("p", Tensor(shape: [1], data: [0]))]
        let factory = try XCTUnwrap(traceOptimizers["adamax"])
        let optimizer = try factory(TraceHyperparameters(optimizer: "adamax", values: [:]), parameters)
        parameters[0].grad = Tensor(shape: [1], data: [5])
        optimizer.applyGradients()
        XCTAssertEqual(parameters[0].value.data[0], -0.002, accuracy: 1e-9)
        XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "adamax", values: ["amsgrad": .bool(true)]), parameters))
    }

    // MARK: - Invariance to diagonal rescaling

    static func tinyData() -> DataSplits {
        var rng = SeededRandom(seed: 9, path: ["tiny task"])
        let features = Tensor<Float>.randomNormal([48, 64], using: &rng)
        let labels = (0..<48).map { _ in rng.index(10) }
        let data = Dataset(name: "tiny", features: features, labels: labels, classCount: 10, citation: "synthetic")
        return DataSplits(train: data, validation: data, test: data)
    }

    /// Powers of two are multiplied exactly, so with ε negligible the rescaled Adam run is
    /// bit-identical to the plain one; SGD's is not; and with generic factors Adam deviates only
    /// at rounding level.
    func testAdamIsInvariantToDiagonalRescaling() {
        let task = AdamPaper.DigitsModel(data: Self.tinyData(), hidden: [], batchSize: 8)
        let rng = SeededRandom(seed: 3, path: ["invariance"])
        let shapes = task.makeModel(rng.child("model")).parameters.map(\.value.shape)
        let twos = AdamPaper.rescalingFactors(shapes: shapes, powersOfTwo: true, rng: SeededRandom(seed: 1, path: ["c"]))
        let generic = AdamPaper.rescalingFactors(shapes: shapes, powersOfTwo: false, rng: SeededRandom(seed: 1, path: ["c"]))
        XCTAssertTrue(generic.allSatisfy { $0.data.allSatisfy { $0 >= 0.01 && $0 <= 100 } })
        XCTAssertGreaterThan(generic.flatMap(\.data).max()! / generic.flatMap(\.data).min()!, 1e3)
        func path(_ chain: [GradientTransformation]) -> [[Float]] {
            AdamPaper.trajectory(task: task, chain: chain, learningRate: 0.01, steps: 40, rng: rng)
        }
        let plain = path([ScaleByAdam(eps: 1e-30)])
        XCTAssertEqual(path([AdamPaper.RescaleGradients(twos), ScaleByAdam(eps: 1e-30)]), plain)
        XCTAssertLessThan(AdamPaper.relativeDeviation(path([AdamPaper.RescaleGradients(generic), ScaleByAdam(eps: 1e-30)]), from: plain), 1e-4)
        let sgd = path(Chains.sgd(momentum: 0.9))
        XCTAssertGreaterThan(AdamPaper.relativeDeviation(path([AdamPaper.RescaleGradients(generic)] + Chains.sgd(momentum: 0.9)), from: sgd), 0.5)
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

    /// c1a: the SGD contrast is a premise; ε ≈ 0 must be at rounding level.
    func testInvarianceRuleBranches() {
        let claim = AdamPaper().claims.first { $0.id == "c1a" }!
        func verdict(_ eps0: Double, _ eps8: Double, _ sgd: Double) -> Verdict {
            claim.decide(Self.evidence([:], ["c1a.deviation.adam_eps0": eps0, "c1a.deviation.adam_eps1e-8": eps8,
                                             "c1a.deviation.sgd_momentum": sgd])).verdict
        }
        XCTAssertEqual(verdict(1e-7, 0.01, 2), .reproduced)
        XCTAssertEqual(verdict(1e-2, 0.01, 2), .notReproduced)
        XCTAssertEqual(verdict(1e-7, 0.01, 0.1), .inconclusive(.premiseAbsent))
    }

    /// c3: non-inferiority on at least two of three tasks, by the interval.
    func testComparisonRuleBranches() {
        let claim = AdamPaper().claims.first { $0.id == "c3" }!
        let keys = AdamPaper.taskLabels.map { "c3.\($0.key).log_loss_adam_minus_best" }
        func verdict(_ cis: [(Double, Double, Double)]) -> Verdict {
            claim.decide(Self.evidence(Dictionary(uniqueKeysWithValues: zip(keys, cis)))).verdict
        }
        let good = (0.0, -0.05, 0.05), bad = (0.5, 0.3, 0.7), wide = (0.0, -0.5, 0.5)
        XCTAssertEqual(verdict([good, good, bad]), .reproduced)
        XCTAssertEqual(verdict([bad, bad, good]), .notReproduced)
        XCTAssertEqual(verdict([good, wide, bad]), .inconclusive(.mixed))
        XCTAssertEqual(verdict([good, wide, wide]), .inconclusive(.underpowered))
    }

    // MARK: - The experiment end to end (tiny settings)

    /// A tiny run records every metric the rules read (deciding never traps), its memory metric
    /// is exactly 2, and a second run gives identical evidence.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = AdamPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "adam")
        var settings = AdamPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        settings.invarianceSteps = 10
        settings.ablationSteps = 5
        settings.ablationRates = [0.1]
        settings.regretRounds = 1000
        let data = Self.tinyData()
        settings.tasks = { _ in
            AdamPaper.taskLabels.map { t in
                StandardTasks.classification(key: t.key, label: t.label, data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                    MLP(sizes: [64, 10], rng: rng)
                }
            }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims {
            let judgement = claim.decide(first.evidence)
            XCTAssertFalse(judgement.measured.isEmpty, claim.id)
        }
        XCTAssertEqual(first.evidence["c1b.adam_state_over_parameter_bytes"], 2)
        XCTAssertEqual(first.evidence["c1b.adamax_state_over_parameter_bytes"], 2)
        XCTAssertEqual(first.evidence["c1a.deviation.adam_eps0_power_of_two"], 0)
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    /// Every excerpt the report names is marked exactly once.
    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: AdamPaper())
        XCTAssertEqual(found.map(\.name), ["scale-by-adam-constants", "scale-by-adam", "adamax"])
        XCTAssertTrue(found[1].code.contains("k.oneMinusBeta1"))
        XCTAssertTrue(found[2].code.contains("class ScaleByAdaMax"))
    }
}
