import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class GAMTests: XCTestCase {
    /// L(w) = ½ Σ aᵢ(wᵢ − cᵢ)² + ¼ w₀⁴ (a non-constant Hessian, so the finite differences matter).
    private let a: [Double] = [3, 0.5, 1.5], c: [Double] = [0.2, -1, 0.4]
    private func gradient(_ w: [Double]) -> [Double] {
        (0..<3).map { i in a[i] * (w[i] - c[i]) + (i == 0 ? w[0] * w[0] * w[0] : 0) }
    }
    private func closure(_ p: Parameter) -> LossAndGradient {
        {
            let w = p.value.data.map(Double.init)
            p.grad = Tensor(shape: [3], data: self.gradient(w).map(Float.init))
            var loss: Double = 0.25 * pow(w[0], 4)
            for i in 0..<3 {
                let r: Double = w[i] - self.c[i]
                loss += 0.5 * self.a[i] * r * r
            }
            return Float(loss)
        }
    }

    /// One GAM step around plain SGD equals the official update written out in Double.
    func testOneStepMatchesTheOfficialUpdateByHand() {
        let w: [Double] = [0.7, 0.3, -0.5], lr = 0.1, rho = 0.2, rhoP = 0.03, alpha = 0.1, beta = 0.1, gamma = 0.05
        func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        func add(_ x: [Double], _ v: [Double], _ s: Double) -> [Double] { zip(x, v).map { $0 + s * $1 } }
        let g0 = gradient(w), g1 = gradient(add(w, g0, rhoP / norm(g0)))
        let h = zip(g1, g0).map { $0 - $1 }
        let adv = add(w, h, rho / norm(h))
        let g2 = gradient(adv), g3 = gradient(add(adv, g2, rhoP / norm(g2)))
        var d = (0..<3).map { alpha * g1[$0] + (1 - alpha) * g3[$0] }
        let pm = (0..<3).map { g0[$0] + (1 - beta) * g2[$0] }
        let cosine = zip(pm, d).reduce(0) { $0 + $1.0 * $1.1 } / (norm(d) * norm(pm))
        let dn = norm(d)
        d = (0..<3).map { d[$0] - gamma * (pm[$0] - cosine * norm(pm) * d[$0] / dn) }
        let expected = add(w, d, -lr)

        let p = Parameter("w", Tensor(shape: [3], data: w.map(Float.init)))
        let gam = GAM(base: ChainedOptimizer.sgd([p], learningRate: .constant(Float(lr))), rho: Float(rho), rhoPrime: Float(rhoP),
                      alpha: Float(alpha), beta: Float(beta), gamma: Float(gamma))
        let loss = gam.step(closure(p))
        let quadratic: Double = 0.5 * (3 * 0.25 + 0.5 * 1.69 + 1.5 * 0.81)
        let quartic: Double = 0.25 * pow(0.7, 4)
        XCTAssertEqual(Double(loss), quadratic + quartic, accuracy: 1e-5, "the loss at w")
        for i in 0..<3 { XCTAssertEqual(Double(p.value.data[i]), expected[i], accuracy: 2e-6, "w[\(i)]") }
        XCTAssertEqual(gam.stateBytes, 4 * 3 * 4, "saved weights and three gradient copies, SGD without momentum holds none")
    }

    /// With both radii and γ at zero every gradient is g₀, so GAM is its base; SAM+GAM with SAM's
    /// radius at zero is GAM; with a positive radius it differs.
    func testGAMReducesToItsBaseAndSAMGAMToGAM() {
        func run(_ make: (Parameter) -> any Optimizer) -> [Float] {
            let p = Parameter("w", Tensor(shape: [3], data: [0.7, 0.3, -0.5]))
            let o = make(p)
            for _ in 0..<3 { o.step(closure(p)) }
            return p.value.data
        }
        let sgd = run { ChainedOptimizer.sgd([$0], learningRate: .constant(0.1), momentum: 0.9) }
        let flatGAM = run { GAM(base: ChainedOptimizer.sgd([$0], learningRate: .constant(0.1), momentum: 0.9), rho: 0, rhoPrime: 0, gamma: 0) }
        for (x, y) in zip(sgd, flatGAM) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        let gam = run { GAM(base: ChainedOptimizer.sgd([$0], learningRate: .constant(0.1))) }
        let samGAM0 = run { GAM(base: ChainedOptimizer.sgd([$0], learningRate: .constant(0.1)), samRho: 0) }
        let samGAM = run { GAM(base: ChainedOptimizer.sgd([$0], learningRate: .constant(0.1)), samRho: 0.1) }
        XCTAssertEqual(gam, samGAM0)
        XCTAssertNotEqual(gam, samGAM)
        XCTAssertNotEqual(gam, sgd)
    }

    /// The c2 check on a small trained-from-init MLP: both estimates are positive, R⁽⁰⁾ ≤ R⁽¹⁾,
    /// R⁽¹⁾ ≥ ρ·‖∇L(θ)‖ (θ itself is in the ball), and the weights come back unchanged.
    func testFlatnessEstimatesObeyTheInequalitiesAndRestoreTheWeights() throws {
        var rng = SeededRandom(seed: 3, path: ["gam-test"])
        let model = MLP(sizes: [5, 8, 3], rng: rng.child("m"))
        let x = Tensor<Float>.randomNormal([32, 5], using: &rng)
        let y = (0..<32).map { $0 % 3 }
        let before = model.parameters.map(\.value.data)
        _ = model.lossAndGradient(x, labels: y)
        let gradNorm = Double(VectorOps.norm(model.trainableParameters.map(\.grad)))
        let f = GAMPaper.flatness(model, x, y, radius: 0.05, steps: 5)
        XCTAssertEqual(model.parameters.map(\.value.data), before)
        XCTAssertGreaterThan(f.zeroth, 0)
        XCTAssertLessThanOrEqual(f.zeroth, f.first)
        XCTAssertGreaterThanOrEqual(f.first, 0.05 * gradNorm * (1 - 1e-6))
    }

    /// Each rule's branches on hand-made evidence.
    func testRulesDecideAsWritten() {
        let claims = Dictionary(uniqueKeysWithValues: GAMPaper().claims.map { ($0.id, $0) })
        func scalar(_ id: String, _ key: String, _ v: Double) -> Verdict {
            var e = Evidence(); e.record(key, v); return claims[id]!.decide(e).verdict
        }
        XCTAssertEqual(scalar("c2a", "c2a.min_margin", 0.2), .reproduced)
        XCTAssertEqual(scalar("c2a", "c2a.min_margin", -0.01), .notReproduced)
        XCTAssertEqual(scalar("c2b", "c2b.min_ratio", 0.96), .reproduced)
        XCTAssertEqual(scalar("c2b", "c2b.min_ratio", 0.9), .notReproduced)
        func paired(_ id: String, _ key: String, _ m: Double, _ lo: Double, _ hi: Double) -> Verdict {
            var e = Evidence(); e.record(interval: key, Interval(mean: m, low: lo, high: hi, count: 6), tolerance: 0)
            return claims[id]!.decide(e).verdict
        }
        for (id, key) in [("c3", "c3.gain_vs_sgd"), ("c4a", "c4a.gain_vs_sam")] {
            XCTAssertEqual(paired(id, key, 1, 0.2, 1.8), .reproduced, id)
            XCTAssertEqual(paired(id, key, 0, -0.2, 0.2), .notReproduced, id)
            XCTAssertEqual(paired(id, key, 0.5, -1, 2), .inconclusive(.underpowered), id)
        }
        XCTAssertEqual(paired("c4b", "c4b.log_lambda_diff_vs_sam", -0.4, -0.6, -0.2), .reproduced)
        XCTAssertEqual(paired("c4b", "c4b.log_lambda_diff_vs_sam", 0.3, 0.1, 0.5), .notReproduced)
        XCTAssertEqual(claims["c1"]!.decide(Evidence()).verdict.label, "not testable on CPU")
    }

    /// The whole experiment at a tiny size records every metric the rules read, deterministically.
    func testTinyRunRecordsEveryMetricDeterministically() throws {
        let paper = GAMPaper(), context = RunContext(scale: .quick, slug: "gam")
        var s = GAMPaper.Settings(context)
        (s.hidden, s.batchSize, s.epochs, s.learningRates, s.radii) = ([8], 800, 1, [0.1], [0.05])
        (s.selectionSeeds, s.evaluationSeeds, s.seedCap, s.probeExamples, s.lanczosSteps, s.ascentSteps) = (1, 2, 2, 64, 3, 2)
        let first = try paper.run(context, settings: s)
        for claim in paper.claims where claim.id != "c1" {
            let j = claim.decide(first.evidence)
            XCTAssertTrue(["reproduced", "not reproduced", "inconclusive"].contains(j.verdict.label), claim.id)
            XCTAssertFalse(j.measured.contains("NaN"), j.measured)
        }
        XCTAssertEqual(try paper.run(context, settings: s).evidence.metrics, first.evidence.metrics)
    }

    /// `reproduce trace` knows "gam", with the official names; unknown keys are rejected.
    func testTraceRegistration() throws {
        XCTAssertNotNil(GAMPaper().traceOptimizers["gam"])
        let golden = try GoldenTrace.golden("sam__ls6x4b4")
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        problem["optimizer"] = ["name": "gam", "hyperparams": ["lr": 0.1, "grad_rho": 0.03, "grad_norm_rho": 0.2, "grad_gamma": 0.05]]
        let result = try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers)
        XCTAssertTrue(result.finite)
        XCTAssertLessThan(result.loss.last!, result.loss.first!)
        problem["optimizer"] = ["name": "gam", "hyperparams": ["lr": 0.1, "grad_rhoo": 0.03]]
        XCTAssertThrowsError(try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers))
    }
}
