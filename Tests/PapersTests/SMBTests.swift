import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
import Harness

final class SMBTests: XCTestCase {
    // MARK: - Hand-computed steps on a quadratic (no golden exists)

    /// f(θ) = ½ Σ_tensors θᵀ A θ with diagonal A per tensor; loss and gradient, counting calls.
    final class Quadratic {
        let curvatures: [[Double]]
        var calls = 0
        init(_ curvatures: [[Double]]) { self.curvatures = curvatures }
        func loss(_ thetas: [[Double]]) -> Double {
            var total = 0.0
            for (theta, a) in zip(thetas, curvatures) {
                for (x, h) in zip(theta, a) { total += 0.5 * h * x * x }
            }
            return total
        }
        func gradient(_ thetas: [[Double]]) -> [[Double]] {
            zip(thetas, curvatures).map { (theta: [Double], a: [Double]) -> [Double] in zip(theta, a).map { $0 * $1 } }
        }
        func closure(_ params: [Parameter]) -> LossAndGradient {
            { [self] in
                calls += 1
                let thetas = params.map { $0.value.data.map(Double.init) }
                for (p, g) in zip(params, gradient(thetas)) { p.grad = Tensor(shape: p.value.shape, data: g.map(Float.init)) }
                return Float(loss(thetas))
            }
        }
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// The official `step_smb` in Double with explicit vectors s, g, y (not the optimizer's
    /// simplification through s = −αg): the trial fails Armijo, so each tensor takes
    /// θ + c_s s + c_g g + c_y y.
    func testModelStepMatchesHandComputation() {
        let problem = Quadratic([[1, 10], [2, 0.5, 4]])
        let start: [[Double]] = [[1, -0.5], [0.3, 2, -1]]
        let params = start.enumerated().map { Parameter("p\($0.offset)", Tensor(shape: [$0.element.count], data: $0.element.map(Float.init))) }
        let alpha = 0.4, c = 0.1, eta = 0.99
        let optimizer = SMBOptimizer(params, learningRate: Float(alpha), armijo: c, eta: eta)
        let loss = optimizer.step(problem.closure(params))
        XCTAssertEqual(problem.calls, 2, "two evaluations per step")
        XCTAssertEqual(Double(loss), problem.loss(start), accuracy: 1e-6, "the step returns the loss at θ")
        let g = problem.gradient(start)
        let s = g.map { $0.map { -alpha * $0 } }
        let trial = zip(start, s).map { zip($0, $1).map(+) }
        let squaredNorm = g.reduce(0) { $0 + Self.dot($1, $1) }
        XCTAssertGreaterThan(problem.loss(trial), problem.loss(start) - c * alpha * squaredNorm, "the trial step must fail Armijo here")
        let gPlus = problem.gradient(trial)
        XCTAssertEqual(optimizer.modelSteps, 1)
        for k in 0..<2 {
            let y = zip(gPlus[k], g[k]).map(-)
            let ys = Self.dot(y, s[k]), ss = Self.dot(s[k], s[k]), yy = Self.dot(y, y), yg = Self.dot(y, g[k]), gg = Self.dot(g[k], g[k]), sg = Self.dot(s[k], g[k])
            let sigma = 0.5 * (ss.squareRoot() * (yy.squareRoot() + gg.squareRoot() / eta) - ys)
            let theta = pow(ys + 2 * sigma, 2) - ss * yy
            let cg = -ss / (2 * sigma)
            let cs = cg / theta * (-(ys + 2 * sigma) * yg + yy * sg)
            let cy = cg / theta * (-(ys + 2 * sigma) * sg + ss * yg)
            for i in 0..<start[k].count {
                let expected = start[k][i] + cs * s[k][i] + cg * g[k][i] + cy * y[i]
                XCTAssertEqual(Double(params[k].value.data[i]), expected, accuracy: 1e-5 * max(1, abs(expected)), "tensor \(k) entry \(i)")
            }
        }
        // The model step lowers the loss below the failed trial's here.
        XCTAssertLessThan(problem.loss(params.map { $0.value.data.map(Double.init) }), problem.loss(trial))
        XCTAssertEqual(optimizer.stateBytes, 5 * 4, "one saved gradient per parameter")
    }

    /// When the trial passes Armijo the step is SGD's exactly; a zero-gradient tensor never moves
    /// (no 0/0) even on a model step.
    func testAcceptedTrialIsSGDAndZeroGradientTensorStays() {
        let problem = Quadratic([[1, 2], [3]])
        let params = [Parameter("a", Tensor(shape: [2], data: [1, -1])), Parameter("b", Tensor(shape: [1], data: [0]))]
        let small = SMBOptimizer(params, learningRate: 0.1)
        small.step(problem.closure(params))
        XCTAssertEqual(small.modelSteps, 0)
        XCTAssertEqual(params[0].value.data[0], 0.9, accuracy: 1e-7)
        XCTAssertEqual(params[0].value.data[1], -0.8, accuracy: 1e-7)
        let large = SMBOptimizer(params, learningRate: 1.5)        // overshoots the curvature-2 coordinate
        large.step(problem.closure(params))
        XCTAssertEqual(large.modelSteps, 1)
        XCTAssertEqual(params[1].value.data, [0])
        XCTAssertTrue(params[0].value.data.allSatisfy(\.isFinite))
    }

    /// On random gradient pairs the model step is a descent direction for the tensor's g
    /// (cos(s_new, −g) > 0) and its coefficients are finite.
    func testModelStepIsADescentDirection() {
        var rng = SeededRandom(seed: 3, path: ["smb", "descent"])
        for trial in 0..<200 {
            let n = 8, scale = Float(pow(10, rng.uniform(-3, 1)))
            let g = (0..<n).map { _ in Float(rng.normal()) * scale }
            let gPlus = (0..<n).map { _ in Float(rng.normal()) * scale * 3 }
            let p = Parameter("p", Tensor(shape: [n], data: Array(repeating: 0, count: n)))
            let optimizer = SMBOptimizer([p], learningRate: Float(pow(10, rng.uniform(-3, 0))), armijo: 0.1)
            var cosines = [Double]()
            optimizer.observeModelStep = { cosines = $0 }
            var call = 0
            optimizer.step {
                call += 1
                p.grad = Tensor(shape: [n], data: call == 1 ? g : gPlus)
                return call == 1 ? 0 : 1                              // the trial always fails
            }
            XCTAssertEqual(cosines.count, 1)
            XCTAssertGreaterThan(cosines[0], 0, "trial \(trial)")
            XCTAssertTrue(p.value.data.allSatisfy(\.isFinite))
        }
    }

    func testTraceFactoryValidatesKeywords() throws {
        let factory = try XCTUnwrap(SMBPaper().traceOptimizers["smb"])
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        let ok = try factory(TraceHyperparameters(optimizer: "smb", values: ["lr": .number(0.5), "eta": .number(0.9), "c": .number(0.2)]), params)
        XCTAssertEqual((ok as? SMBOptimizer)?.eta, 0.9)
        for bad: [String: HyperparameterValue] in [["independent_batch": .bool(true)], ["autoschedule": .bool(true)], ["eta": .number(0)],
                                                    ["c": .number(-1)], ["lr": .number(-1)], ["momentum": .number(0.9)], ["weight_decay": .number(0.1)]] {
            XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "smb", values: bad), params), "\(bad)")
        }
        XCTAssertEqual(SMBPaper().leagueOptimizers.map(\.name), ["smb"])
    }

    // MARK: - The rules

    func claim(_ id: String) -> Claim { SMBPaper().claims.first { $0.id == id }! }

    func testMechanismAndWindowRuleBranches() {
        func c1(_ fraction: Double, _ cosine: Double) -> Verdict {
            claim("c1").decide(AdaBeliefTests.evidence([:], ["c1.model_step_fraction": fraction, "c1.mean_cosine_with_minus_gradient": cosine])).verdict
        }
        XCTAssertEqual(c1(0.3, 0.8), .reproduced)
        XCTAssertEqual(c1(0.01, 0.8), .notReproduced)
        XCTAssertEqual(c1(0.3, 0.999), .notReproduced)
        func c3a(_ counts: [Double]) -> Verdict {
            let keys = SMBPaper.tasks.map { "c3a.\($0.key).window_smb_minus_best_baseline" }
            return claim("c3a").decide(AdaBeliefTests.evidence([:], Dictionary(uniqueKeysWithValues: zip(keys, counts)))).verdict
        }
        XCTAssertEqual(c3a([1, 2, 0]), .reproduced)
        XCTAssertEqual(c3a([1, 0, -1]), .notReproduced)
        if case .notTestable = claim("c2").decide(Evidence()).verdict {} else { XCTFail("c2 is a proof") }
    }

    func testComparisonRuleBranches() {
        func verdict(_ id: String, _ metric: String, _ cis: [(Double, Double, Double)]) -> Verdict {
            let keys = SMBPaper.tasks.map { "\(id).\($0.key).\(metric)" }
            return claim(id).decide(AdaBeliefTests.evidence(Dictionary(uniqueKeysWithValues: zip(keys, cis)))).verdict
        }
        let fine = (0.1, -0.5, 0.7), worse = (-3.0, -4.0, -2.0), better = (2.0, 1.0, 3.0), wide = (0.0, -3.0, 3.0)
        XCTAssertEqual(verdict("c3b", "test_accuracy_smb_minus_adam", [fine, fine, worse]), .reproduced)
        XCTAssertEqual(verdict("c3b", "test_accuracy_smb_minus_adam", [worse, fine, worse]), .notReproduced)
        XCTAssertEqual(verdict("c3c", "test_accuracy_smb_minus_best", [better, better, wide]), .reproduced)
        XCTAssertEqual(verdict("c3c", "test_accuracy_smb_minus_best", [worse, (-0.5, -1, -0.1), better]), .notReproduced)
        XCTAssertEqual(verdict("c3c", "test_accuracy_smb_minus_best", [wide, wide, wide]), .inconclusive(.underpowered))
    }

    // MARK: - The experiment end to end (tiny settings)

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = SMBPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "smb")
        var settings = SMBPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        settings.diagnosticEpochs = 1
        let data = AdamTests.tinyData()
        settings.tasks = { _ in
            SMBPaper.tasks.map { t in
                StandardTasks.classification(key: t.key, label: t.label, data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in MLP(sizes: [64, 10], rng: rng) }
            }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        // 48 examples at batch 16, one epoch: 3 steps, two evaluations each for SMB, one for SGD.
        XCTAssertEqual(first.evidence["cost.mlp_digits.smb.gradient_evaluations"], 6)
        XCTAssertEqual(first.evidence["cost.mlp_digits.sgd.gradient_evaluations"], 3)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: SMBPaper())
        XCTAssertEqual(found.map(\.name), ["smb-step"])
        XCTAssertTrue(found[0].code.contains("class SMBOptimizer"))
    }
}
