import Foundation
import XCTest
import Papers
@testable import Normalization
@testable import Harness

final class PowerNormTests: XCTestCase {
    /// `f(p) = Σ w ⊙ body(p)` and its tape gradient with respect to `p`.
    static func gradient(_ p: Parameter, weights w: [Float], _ body: (Tape<Float>, Variable<Float>) -> Variable<Float>) -> (Float, [Float]) {
        let loss = Harness.lossAndGradient(parameters: [p]) { tape in
            tape.sum(tape.mul(body(tape, tape.parameter(p)), tape.constant(Tensor(shape: p.value.shape, data: w))))
        }
        return (loss, p.grad.data)
    }

    /// Central differences of `f` in every coordinate of `p`, in Float.
    static func finiteDifferences(_ p: Parameter, _ f: () -> Float, h: Float = 1e-2) -> [Float] {
        (0..<p.value.count).map { i in
            let x = p.value.data[i]
            p.value.data[i] = x + h; let up = f()
            p.value.data[i] = x - h; let down = f()
            p.value.data[i] = x
            return (up - down) / (2 * h)
        }
    }

    /// Per-column mean of squares of a row-major `[rows, width]` array.
    static func quadraticMeans(_ v: [Float], rows: Int, width: Int) -> [Float] {
        var q = [Float](repeating: 0, count: width)
        for r in 0..<rows { for j in 0..<width { q[j] += v[r * width + j] * v[r * width + j] } }
        return q.map { $0 / Float(rows) }
    }

    static func randomParameter(_ name: String, rows: Int, width: Int, seed: UInt64) -> (Parameter, [Float]) {
        var rng = SeededRandom(seed: seed, path: [name])
        let x = Tensor<Float>.randomNormal([rows, width], std: 1, mean: 0.5, using: &rng)
        let w = Tensor<Float>.randomNormal([rows, width], std: 1, using: &rng).data
        return (Parameter(name, x), w)
    }

    // MARK: - BatchNorm: the exact gradient, running statistics

    func testBatchNormGradientMatchesFiniteDifferences() {
        let (p, w) = Self.randomParameter("x", rows: 6, width: 3, seed: 1)
        let bn = BatchNorm("bn", width: 3)
        bn.gain.value = Tensor(shape: [3], data: [1.5, -0.7, 0.9])
        let (_, grad) = Self.gradient(p, weights: w) { bn.forward($0, $1, training: true) }
        let numeric = Self.finiteDifferences(p) { Self.gradient(p, weights: w) { bn.forward($0, $1, training: true) }.0 }
        for (a, b) in zip(grad, numeric) { XCTAssertEqual(a, b, accuracy: 2e-2 * max(1, abs(b))) }
        // The gradient of a batch norm sums to zero over the batch in every feature (mean subtraction).
        for j in 0..<3 { XCTAssertEqual((0..<6).reduce(Float(0)) { $0 + grad[$1 * 3 + j] }, 0, accuracy: 1e-4) }
    }

    func testBatchNormEvaluationUsesRunningStatistics() {
        let x = Tensor<Float>(shape: [2, 1], data: [1, 3])   // μ_B = 2, σ²_B = 1
        let bn = BatchNorm("bn", width: 1)
        let first = Tape<Float>()
        _ = bn.forward(first, first.constant(x), training: true)
        XCTAssertEqual(bn.runningMean[0], 0.2, accuracy: 1e-12)
        XCTAssertEqual(bn.runningVariance[0], 1.0, accuracy: 1e-12)
        let tape = Tape<Float>()
        let y = bn.forward(tape, tape.constant(x), training: false).value.data
        XCTAssertEqual(y[0], Float(0.8 / (1 + 1e-5).squareRoot()), accuracy: 1e-6)
        XCTAssertEqual(bn.runningMean[0], 0.2, accuracy: 1e-12, "evaluation must not move the running statistics")
    }

    // MARK: - PowerNorm: forward with ψ²_{t−1}, warm-up, the approximate backward

    func testRowRMSScaleGradientMatchesFiniteDifferences() {
        let (p, w) = Self.randomParameter("x", rows: 4, width: 5, seed: 2)
        let (_, grad) = Self.gradient(p, weights: w) { $0.rowRMSScale($1) }
        let numeric = Self.finiteDifferences(p) { Self.gradient(p, weights: w) { $0.rowRMSScale($1) }.0 }
        for (a, b) in zip(grad, numeric) { XCTAssertEqual(a, b, accuracy: 2e-2 * max(1, abs(b))) }
    }

    /// Hand-computed: g = [1, 2], z = [0.5, −1], divisor 2, α_b = 0.9.
    func testApproximateBackwardByHand() {
        let pn = PowerNorm("pn", width: 1)
        XCTAssertEqual(pn.approximateBackward([1, 2], z: [0.5, -1], divisor: [2]), [0.5, 1.0])   // ν₀ = 0
        XCTAssertEqual(pn.emaGZ[0], -0.75, accuracy: 1e-7)                                      // mean(g z)
        let second = pn.approximateBackward([1, 2], z: [0.5, -1], divisor: [2])                // g̃ = g + 0.075 z
        XCTAssertEqual(second[0], 0.51875, accuracy: 1e-6)
        XCTAssertEqual(second[1], 0.9625, accuracy: 1e-6)
        // The code's ema_gz is the paper's ν/(1 − α_b): ν₂ = ν₁(1 − 0.1 Γ) + 0.1 Λ, Γ = 0.625, Λ = −0.75.
        let nu1 = 0.1 * -0.75, nu2 = nu1 * (1 - 0.1 * 0.625) + 0.1 * -0.75
        XCTAssertEqual(0.1 * Double(pn.emaGZ[0]), nu2, accuracy: 1e-7)
    }

    /// After warm-up the forward divides by the running ψ² from *before* the batch, and the
    /// tape's gradient is the approximate one (with ν₀ = 0: g/ψ, then through the RMS scaling).
    func testForwardUsesPreviousRunningQuadraticMean() {
        let pn = PowerNorm("pn", width: 2, warmupIterations: 0)
        let (p, w) = Self.randomParameter("x", rows: 3, width: 2, seed: 3)
        let tape = Tape<Float>()
        let u = tape.rowRMSScale(tape.constant(p.value)).value.data
        let square = Self.quadraticMeans(u, rows: 3, width: 2)
        let (_, grad) = Self.gradient(p, weights: w) { pn.forward($0, $1, training: true) }   // ψ²₀ = 1
        let expectedDU = w.map { $0 / (1 + 1e-5).squareRoot() }
        _ = Harness.lossAndGradient(parameters: [p]) { t in   // the expected ∂L/∂x, into p.grad
            t.sum(t.mul(t.rowRMSScale(t.parameter(p)), t.constant(Tensor(shape: [3, 2], data: expectedDU))))
        }
        for (a, b) in zip(grad, p.grad.data) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for j in 0..<2 { XCTAssertEqual(pn.runningPhi[j], 0.9 + 0.1 * square[j], accuracy: 1e-6) }
        let t3 = Tape<Float>()
        let y = pn.forward(t3, t3.constant(p.value), training: true).value.data
        for r in 0..<3 { for j in 0..<2 {
            let psi: Float = 0.9 + 0.1 * square[j]
            XCTAssertEqual(y[r * 2 + j], u[r * 2 + j] / (psi + 1e-5).squareRoot(), accuracy: 1e-6)
        } }
    }

    /// During warm-up the forward uses the batch's own quadratic mean, and ψ² starts at it.
    func testWarmupNormalisesByTheBatch() {
        let pn = PowerNorm("pn", width: 2, warmupIterations: 2)
        let (p, _) = Self.randomParameter("x", rows: 4, width: 2, seed: 4)
        let tape = Tape<Float>()
        let y = pn.forward(tape, tape.constant(p.value), training: true).value.data
        for q in Self.quadraticMeans(y, rows: 4, width: 2) { XCTAssertEqual(q, 1, accuracy: 1e-3) }
        let u = tape.rowRMSScale(tape.constant(p.value)).value.data
        let square = Self.quadraticMeans(u, rows: 4, width: 2)
        for j in 0..<2 { XCTAssertEqual(pn.runningPhi[j], square[j], accuracy: 1e-5) }
        XCTAssertEqual(pn.iteration, 1)
        _ = pn.forward(tape, tape.constant(p.value), training: false)
        XCTAssertEqual(pn.iteration, 1, "evaluation is not a training step")
    }

    // MARK: - In the model

    func testTransformerTrainingAndEvaluationModes() {
        let tokens = Array(0..<32).map { $0 % 7 }
        for (kind, differs) in [(NormalizationKind.layerNorm, false), (.batchNorm, true), (.powerNorm, true)] {
            let model = TinyTransformer(config: TransformerConfig(vocabulary: 8, context: 16, width: 8, heads: 2, layers: 1, normalization: kind),
                                        rng: SeededRandom(seed: 5, path: ["model"]))
            let train = model.forward(Tape<Float>(), tokens: tokens, batch: 2, training: true).value.data
            let eval = model.forward(Tape<Float>(), tokens: tokens, batch: 2, training: false).value.data
            XCTAssertEqual(train != eval, differs, "\(kind)")
            XCTAssertEqual(model.layers.filter { $0 is NormalizationLayer }.count, 3)
        }
    }

    // MARK: - The rules and a tiny run

    func testRuleBranches() {
        func verdict(_ id: String, interval: (Double, Double, Double)? = nil, plain: Double? = nil, key: String) -> Verdict {
            var e = Evidence()
            if let i = interval { e.record(interval: key, Interval(mean: i.0, low: i.1, high: i.2, count: 5), tolerance: 0); e.record(key + ".mde", 0.001) }
            if let v = plain { e.record(key, v) }
            return PowerNormPaper().claims.first { $0.id == id }!.decide(e).verdict
        }
        let c3a = "c3a.val_loss_pn_minus_ln"
        XCTAssertEqual(verdict("c3a", interval: (-0.05, -0.08, -0.02), key: c3a), .reproduced)
        XCTAssertEqual(verdict("c3a", interval: (0.02, 0.01, 0.03), key: c3a), .notReproduced)
        let c1a = "c1a.log_mean_fluctuation_lm_minus_mlp"
        XCTAssertEqual(verdict("c1a", interval: (0.5, 0.3, 0.7), key: c1a), .reproduced)
        XCTAssertEqual(verdict("c1a", interval: (-0.5, -0.7, -0.3), key: c1a), .notReproduced)
        XCTAssertEqual(verdict("c1d", plain: 2, key: "c1d.divergences_bn_minus_ln"), .reproduced)
        XCTAssertEqual(verdict("c1d", plain: 0, key: "c1d.divergences_bn_minus_ln"), .notReproduced)
        // c3b is judged only where BN trails LN (c1c): otherwise PN has nothing to repair.
        func c3b(bnMinusLN: (Double, Double, Double), pnMinusBN: (Double, Double, Double)) -> Verdict {
            var e = Evidence()
            for (key, i) in [("c1c.val_loss_bn_minus_ln", bnMinusLN), ("c3b.val_loss_pn_minus_bn", pnMinusBN)] {
                e.record(interval: key, Interval(mean: i.0, low: i.1, high: i.2, count: 5), tolerance: 0); e.record(key + ".mde", 0.001)
            }
            return PowerNormPaper().claims.first { $0.id == "c3b" }!.decide(e).verdict
        }
        XCTAssertEqual(c3b(bnMinusLN: (0.05, 0.03, 0.07), pnMinusBN: (-0.05, -0.07, -0.03)), .reproduced)
        XCTAssertEqual(c3b(bnMinusLN: (0.05, 0.03, 0.07), pnMinusBN: (0.01, -0.005, 0.02)), .notReproduced)
        XCTAssertEqual(c3b(bnMinusLN: (-0.004, -0.02, 0.013), pnMinusBN: (0.01, -0.005, 0.02)), .inconclusive(.premiseAbsent))
        XCTAssertFalse(PowerNormPaper().claims.first { $0.id == "c3b" }!.history.isEmpty)
    }

    func testTinyRunIsDeterministic() throws {
        let settings = PowerNormPaper.Settings(steps: 4, selectionSeeds: 2, evaluationSeeds: 2, mlpEpochs: 1, learningRates: [1e-3, 1e-2])
        let context = RunContext(seed: 7, scale: .quick, slug: "powernorm")
        let a = try PowerNormPaper().run(context, settings: settings).evidence
        let b = try PowerNormPaper().run(context, settings: settings).evidence
        XCTAssertEqual(a.metrics.map(\.name), b.metrics.map(\.name))
        XCTAssertEqual(a.metrics.map(\.value.bitPattern), b.metrics.map(\.value.bitPattern))
        XCTAssertTrue(a.interval("c3b.val_loss_pn_minus_bn").mean.isFinite)
        XCTAssertTrue(a.interval("c1a.log_mean_fluctuation_lm_minus_mlp").mean.isFinite)
    }
}
