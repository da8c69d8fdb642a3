import Foundation
import XCTest
@testable import Papers
import Harness

final class SAMTests: XCTestCase {
    // MARK: Golden trajectories (pytorch-optimizer 4.1.0 SAM around torch.optim.SGD)

    /// A golden file copied from the reference set into `Tests/HarnessTests/Golden`, read by a
    /// path relative to this file (PapersTests has no resource bundle).
    static func golden(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../HarnessTests/Golden/\(name).json").standardized
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The golden problem with the project name `sam`, `base_optimizer: "sgd"`, and every
    /// setting of the reference's `param_groups` that matters passed explicitly.
    static func problem(from golden: [String: Any], extra: [String: Any] = [:]) throws -> TraceProblem {
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        let group = try XCTUnwrap((golden["param_groups"] as? [[String: Any]])?.first)
        var hyper: [String: Any] = ["base_optimizer": "sgd"]
        for key in ["lr", "momentum", "dampening", "weight_decay", "nesterov", "rho", "adaptive"] {
            hyper[key] = try XCTUnwrap(group[key], "param_groups lacks \(key)")
        }
        for (k, v) in extra { hyper[k] = v }
        problem["optimizer"] = ["name": "sam", "hyperparams": hyper]
        return try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem))
    }

    func check(_ file: String, line: UInt = #line) throws {
        let golden = try Self.golden(file)
        let result = try Self.problem(from: golden).run(optimizers: traceOptimizers)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        let params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertEqual(losses.count, 21, line: line)
        XCTAssertEqual(result.loss.count, 21, line: line)
        XCTAssertEqual(result.params.count, params.count, line: line)
        func close(_ x: Float, _ ref: Double) -> Bool { abs(Double(x) - ref) <= 1e-5 + 1e-4 * abs(ref) }
        var worst = 0.0
        for (k, (x, ref)) in zip(result.loss, losses).enumerated() {
            XCTAssertTrue(close(x, ref), "\(file) loss[\(k)] = \(x), reference \(ref)", line: line)
            worst = max(worst, abs(Double(x) - ref))
        }
        for k in params.indices {
            XCTAssertEqual(result.params[k].count, params[k].count, line: line)
            for (t, (mine, ref)) in zip(result.params[k], params[k]).enumerated() {
                XCTAssertEqual(mine.count, ref.count, line: line)
                for (i, (x, r)) in zip(mine, ref).enumerated() {
                    XCTAssertTrue(close(x, r), "\(file) params[\(k)][\(t)][\(i)] = \(x), reference \(r)", line: line)
                    worst = max(worst, abs(Double(x) - r))
                }
            }
        }
        print("golden \(file): largest absolute difference \(worst)")
    }

    func testGoldenLeastSquares() throws { try check("sam__ls6x4b4") }
    func testGoldenRosenbrock() throws { try check("sam__rosenbrock") }

    /// The golden trajectory is not plain SGD's: with ρ = 0 SAM must collapse to SGD exactly,
    /// and with the golden ρ it must differ from SGD (so the golden test exercises the perturbation).
    func testRhoZeroIsTheBaseOptimizer() throws {
        let golden = try Self.golden("sam__ls6x4b4")
        let sam0 = try Self.problem(from: golden, extra: ["rho": 0.0]).run(optimizers: traceOptimizers)
        var sgdProblem = try Self.problem(from: golden)
        sgdProblem.optimizerName = "sgd"
        sgdProblem.hyperparameters = TraceHyperparameters(optimizer: "sgd", values: sgdProblem.hyperparameters.values.filter {
            !["base_optimizer", "rho", "adaptive"].contains($0.key)
        })
        let sgd = try sgdProblem.run(optimizers: traceOptimizers)
        XCTAssertEqual(sam0, sgd)
        let sam = try Self.problem(from: golden).run(optimizers: traceOptimizers)
        XCTAssertGreaterThan(abs(sam.loss[20] - sgd.loss[20]), 1e-4)
    }

    /// Unknown keys name both SAM's and the base's accepted keys; a bad base is rejected.
    func testTraceFactoryRejectsUnknownKeys() throws {
        let params = [Parameter("x", Tensor(shape: [2], data: [1, 2]))]
        let h = TraceHyperparameters(optimizer: "sam", values: ["lr": .number(0.1), "betas": .numbers([0.9, 0.99])])
        XCTAssertThrowsError(try SAM.traceFactory(h, params)) { error in
            guard case let TraceError.unknownHyperparameter(key, optimizer, accepted) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(key, "betas")
            XCTAssertEqual(optimizer, "sam")
            XCTAssertTrue(accepted.contains("rho") && accepted.contains("momentum") && accepted.contains("adaptive"))
        }
        let bad = TraceHyperparameters(optimizer: "sam", values: ["base_optimizer": .text("lbfgs")])
        XCTAssertThrowsError(try SAM.traceFactory(bad, params))
    }

    // MARK: The update, by hand

    /// ½ Σ cᵢ wᵢ² over the tensors, writing the gradient cᵢ wᵢ (a LossAndGradient body).
    static func diagonalQuadratic(_ c: [[Float]], _ params: [Parameter]) -> Float {
        var total: Float = 0
        for (k, p) in params.enumerated() {
            for i in 0..<p.value.count {
                total += 0.5 * c[k][i] * p.value.data[i] * p.value.data[i]
                p.grad.data[i] = c[k][i] * p.value.data[i]
            }
        }
        return total
    }

    /// One SAM and one ASAM step on f(w) = ½ Σ cᵢ wᵢ² (two tensors), against the formulas:
    /// ε̂ = ρ g/‖g‖ (global norm) or ρ w² g/‖|w| g‖, then w ← w − η ∇f(w + ε̂).
    func testOneStepMatchesTheFormula() {
        let c: [[Float]] = [[1, 3], [0.5, 2, 4]]
        let w0: [[Float]] = [[0.7, -1.2], [2.0, 0.3, -0.4]]
        for adaptive in [false, true] {
            let params = w0.enumerated().map { Parameter("p\($0.offset)", Tensor(shape: [$0.element.count], data: $0.element)) }
            let rho: Float = 0.2, lr: Float = 0.1
            let sam = SAM(base: ChainedOptimizer.sgd(params, learningRate: .constant(lr)), rho: rho, adaptive: adaptive)
            var calls = 0
            let loss = sam.step {
                calls += 1
                return Self.diagonalQuadratic(c, params)
            }
            XCTAssertEqual(calls, 2)
            // Expected, in Double.
            let g = zip(c, w0).map { zip($0, $1).map { Double($0 * $1) } }
            let w = w0.map { $0.map(Double.init) }
            let tg = zip(w, g).map { zip($0, $1).map { adaptive ? abs($0) * $1 : $1 } }
            let norm = tg.flatMap { $0 }.map { $0 * $0 }.reduce(0, +).squareRoot()
            var expectedLoss = 0.0
            for k in 0..<2 {
                for i in 0..<w[k].count {
                    expectedLoss += 0.5 * Double(c[k][i]) * w[k][i] * w[k][i]
                    let e = Double(rho) * (adaptive ? w[k][i] * w[k][i] : 1) * g[k][i] / norm
                    let perturbedGrad = Double(c[k][i]) * (w[k][i] + e)
                    let expected = w[k][i] - Double(lr) * perturbedGrad
                    XCTAssertEqual(Double(params[k].value.data[i]), expected, accuracy: 1e-6, "adaptive \(adaptive) [\(k)][\(i)]")
                }
            }
            XCTAssertEqual(Double(loss), expectedLoss, accuracy: 1e-6)
            // The saved copy is the only state SAM adds to plain SGD (which holds none).
            XCTAssertEqual(sam.stateBytes, 5 * 4)
        }
    }

    /// The perturbation has norm ρ exactly (SAM) and ASAM's has ‖T_w⁻¹ ε̂‖ = ρ; a zero gradient
    /// leaves the weights finite and unchanged.
    func testPerturbationNormAndZeroGradient() {
        for adaptive in [false, true] {
            let w0: [Float] = [0.5, -2, 1.5, 0.25]
            let p = Parameter("w", Tensor(shape: [4], data: w0))
            let sam = SAM(base: ChainedOptimizer.sgd([p], learningRate: .constant(0)), rho: 0.3, adaptive: adaptive)
            var perturbed: [Float] = []
            var call = 0
            sam.step {
                call += 1
                if call == 2 { perturbed = p.value.data }
                p.grad.data = [1, 2, -3, 0.5]
                return 0
            }
            let eps = zip(perturbed, w0).map { Double($0 - $1) }
            let measured = adaptive ? zip(eps, w0).map { $0 / Double(abs($1)) } : eps
            XCTAssertEqual(measured.map { $0 * $0 }.reduce(0, +).squareRoot(), 0.3, accuracy: 1e-6)
            XCTAssertEqual(p.value.data, w0, "restored exactly, then a zero-rate step")
        }
        let p = Parameter("w", Tensor(shape: [2], data: [1, 2]))
        let sam = SAM(base: ChainedOptimizer.sgd([p], learningRate: .constant(0.1)), rho: 0.05)
        sam.step { p.grad.data = [0, 0]; return 0 }
        XCTAssertEqual(p.value.data, [1, 2])
    }

    /// With momentum the base holds one buffer per tensor; SAM adds exactly one saved copy.
    func testStateBytesAreTheBasePlusTheSavedWeights() {
        let params = [Parameter("a", Tensor(shape: [3, 4], repeating: 1)), Parameter("b", Tensor(shape: [5], repeating: 1))]
        let base = ChainedOptimizer.sgd(params, learningRate: .constant(0.1), momentum: 0.9)
        let sam = SAM(base: base, rho: 0.05)
        XCTAssertEqual(sam.stateBytes, 0)
        sam.step { for p in params { p.grad = Tensor(shape: p.value.shape, repeating: 0.5) }; return 0 }
        XCTAssertEqual(base.stateBytes, 17 * 4)
        XCTAssertEqual(sam.stateBytes, 2 * 17 * 4)
    }

    // MARK: The noisy-label loss and the sharpness probe

    /// GCE's value is (1 − p_y^q)/q averaged, and its gradient matches central differences.
    func testGeneralizedCrossEntropyValueAndGradient() {
        var r = SeededRandom(seed: 9, path: ["gce"])
        let z = Tensor<Float>.randomNormal([3, 4], using: &r)
        let labels = [0, 3, 1], q: Float = 0.7
        func value(_ z: Tensor<Float>) -> Double {
            var total = 0.0
            for i in 0..<3 {
                let row = (0..<4).map { Double(z.data[i * 4 + $0]) }
                let m = row.max()!, s = row.map { Double.exp($0 - m) }.reduce(0, +)
                let p = Double.exp(row[labels[i]] - m) / s
                total += (1 - Double.pow(p, Double(q))) / Double(q)
            }
            return total / 3
        }
        let logits = Parameter("z", z)
        let loss = lossAndGradient(parameters: [logits]) { t in t.generalizedCrossEntropy(t.parameter(logits), labels: labels, q: q) }
        XCTAssertEqual(Double(loss), value(z), accuracy: 1e-6)
        for k in 0..<z.count {
            var plus = z, minus = z
            plus.data[k] += 1e-2
            minus.data[k] -= 1e-2
            let numeric = (value(plus) - value(minus)) / 2e-2
            XCTAssertEqual(Double(logits.grad.data[k]), numeric, accuracy: 2e-4, "entry \(k)")
        }
    }

    /// On L(w) = ½ Σ aᵢ wᵢ² the probe returns the largest aᵢ and leaves the weights untouched.
    func testTopHessianEigenvalueOfAQuadratic() {
        let a: [[Float]] = [[0.5, 3, -1], [7, 2]]
        let params = [Parameter("u", Tensor(shape: [3], data: [0.3, -0.2, 1])), Parameter("v", Tensor(shape: [2], data: [2, -1]))]
        let before = params.map(\.value)
        var rng = SeededRandom(seed: 4, path: ["power"])
        let lambda = Hessian.topEigenvalue(params, iterations: 60, h: 1e-2, rng: &rng) {
            Self.diagonalQuadratic(a, params)
        }
        XCTAssertEqual(lambda, 7, accuracy: 1e-3)
        XCTAssertEqual(params.map(\.value), before)
    }

    // MARK: The experiment

    /// A tiny configuration of the real experiment (debug builds are slow).
    private func tinySettings(_ context: RunContext) -> SharpnessAwareMinimization.Settings {
        var s = SharpnessAwareMinimization.Settings(context)
        s.epochs = 1
        s.selectionSeeds = 1
        s.evaluationSeeds = 2
        s.learningRates = [0.03, 0.1]
        s.rhos = [0.05]
        s.hessianExamples = 64
        s.hessianIterations = 2
        return s
    }

    /// A training run is a pure function of its trial: the same trial gives the same record;
    /// SAM, sharing SGD's initial weights and batches, ends elsewhere.
    func testTrainingIsDeterministicAndSAMDiffersFromSGD() throws {
        let context = RunContext(scale: .quick, slug: "sam")
        let s = tinySettings(context)
        let data = try SharpnessAwareMinimization.data(context, noise: 0.4)
        XCTAssertEqual(data.corrupted.count, Int((0.4 * Double(data.train.count)).rounded()))
        let experiment = Experiment(context: context, claim: "t", arms: [], selectionSeeds: 1, evaluationSeeds: 1, rule: .highest("validation accuracy"))
        let hp = Hyperparameters(["lr": 0.1, "rho": 0.05])
        let trial = experiment.trial(arm: "x", hyperparameters: hp, phase: .evaluation, repetition: 0)
        let a = SharpnessAwareMinimization.train(data, method: .sam, hyperparameters: hp, trial: trial, settings: s)
        let b = SharpnessAwareMinimization.train(data, method: .sam, hyperparameters: hp, trial: trial, settings: s)
        XCTAssertEqual(a.losses, b.losses)
        XCTAssertEqual(a.metrics.map(\.name), b.metrics.map(\.name))
        XCTAssertEqual(a.metrics.map(\.value), b.metrics.map(\.value))
        XCTAssertEqual(a.steps, [2], "one SAM epoch costs two epochs of gradient evaluations")
        let sgd = SharpnessAwareMinimization.train(data, method: .sgd(epochMultiple: 1), hyperparameters: hp, trial: trial, settings: s)
        XCTAssertNotEqual(a.losses, sgd.losses)
        for name in ["test accuracy", "train accuracy", "memorised noisy labels", "lambda_max", "validation accuracy"] {
            XCTAssertNotNil(a.metric(name), name)
        }
    }

    /// The whole experiment at a tiny size: every claim's rule reads only metrics the run
    /// recorded (a missing one traps), the verdicts are valid, and a rerun gives the same evidence.
    func testRunRecordsEveryMetricTheRulesRead() throws {
        let paper = SharpnessAwareMinimization()
        let context = RunContext(scale: .quick, slug: "sam")
        let first = try paper.run(context, settings: tinySettings(context))
        for claim in paper.claims {
            let judgement = claim.decide(first.evidence)
            if claim.id == "c2" {
                XCTAssertEqual(judgement.verdict.label, "not testable on CPU")
            } else {
                XCTAssertTrue(["reproduced", "not reproduced", "inconclusive"].contains(judgement.verdict.label))
                XCTAssertFalse(judgement.measured.contains("NaN"), judgement.measured)
            }
        }
        let second = try paper.run(context, settings: tinySettings(context))
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
        XCTAssertEqual(paper.claims.map(\.id), ["c1a", "c1b", "c2", "c3a", "c3b"])
        for key in ["c1a.gain_vs_sgd", "c1b.log_lambda_diff_vs_sgd", "c3.n20.gain_vs_sgd", "c3.n40.diff_vs_gce"] {
            XCTAssertTrue(first.evidence.has("\(key).ci_low"), key)
        }
    }

    /// The rules, on hand-made evidence: each branch of each verdict, with the v2 reasons.
    func testRulesDecideAsWritten() {
        func evidence(_ values: [String: (Double, Double, Double)]) -> Evidence {
            var e = Evidence()
            for key in values.keys.sorted() {
                let (m, lo, hi) = values[key]!
                e.record(interval: key, Interval(mean: m, low: lo, high: hi, count: 5), tolerance: 0)
            }
            return e
        }
        let claims = Dictionary(uniqueKeysWithValues: SharpnessAwareMinimization().claims.map { ($0.id, $0) })
        func c1a(_ g: (Double, Double, Double)) -> Verdict { claims["c1a"]!.decide(evidence(["c1a.gain_vs_sgd": g])).verdict }
        XCTAssertEqual(c1a((1, 0.2, 1.8)), .reproduced)
        XCTAssertEqual(c1a((0.1, -0.1, 0.3)), .notReproduced, "the interval excludes a 0.5-point gain")
        XCTAssertEqual(c1a((0.68, -1.12, 2.48)), .inconclusive(.underpowered), "v1's full-scale interval could not see 0.5 points")
        func c1b(_ f: (Double, Double, Double)) -> Verdict { claims["c1b"]!.decide(evidence(["c1b.log_lambda_diff_vs_sgd": f])).verdict }
        XCTAssertEqual(c1b((-0.5, -0.8, -0.2)), .reproduced)
        XCTAssertEqual(c1b((0.5, 0.2, 0.8)), .notReproduced, "SAM confidently sharper")
        func c3a(_ n20: (Double, Double, Double), _ n40: (Double, Double, Double)) -> Verdict {
            claims["c3a"]!.decide(evidence(["c3.n20.gain_vs_sgd": n20, "c3.n40.gain_vs_sgd": n40])).verdict
        }
        XCTAssertEqual(c3a((6, 4, 8), (9, 5, 13)), .reproduced)
        XCTAssertEqual(c3a((6, 4, 8), (2, 1, 2.9)), .notReproduced, "gain confidently below 3 at one noise rate")
        XCTAssertEqual(c3a((6, 4, 8), (4, -4, 12)), .inconclusive(.underpowered))
        func c3b(_ n20: (Double, Double, Double), _ n40: (Double, Double, Double)) -> Verdict {
            claims["c3b"]!.decide(evidence(["c3.n20.diff_vs_gce": n20, "c3.n40.diff_vs_gce": n40])).verdict
        }
        XCTAssertEqual(c3b((0, -0.5, 0.5), (-0.2, -0.9, 0.5)), .reproduced)
        XCTAssertEqual(c3b((0, -0.5, 0.5), (-4, -6, -2)), .notReproduced, "confidently worse than GCE")
        XCTAssertEqual(c3b((0, -0.5, 0.5), (-1.5, -3, 0)), .inconclusive(.underpowered), "parity undecided")
    }
}
