import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class ProjectionHeadBenefitsTests: XCTestCase {
    typealias P = ProjectionHeadBenefits

    /// The ReLU network's spectral contrastive gradients match central differences.
    func testReLUGradientsMatchFiniteDifferences() throws {
        var r = SeededRandom(seed: 1, path: ["ph", "grad"])
        let q = try orthonormalBasis(Tensor<Double>.randomNormal([6, 6], using: &r))
        let data = P.sample(7, q: q, views: true, rng: &r)
        let w1 = Tensor<Double>.randomNormal([5, 6], using: &r), w2 = Tensor<Double>.randomNormal([3, 5], using: &r)
        let (_, g1, g2) = P.reluLossAndGradients(w1: w1, w2: w2, v1: data.v1, v2: data.v2)
        func loss(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double { P.reluLossAndGradients(w1: a, w2: b, v1: data.v1, v2: data.v2).0 }
        for i in 0..<w1.count {
            var p = w1, m = w1; p.data[i] += 1e-6; m.data[i] -= 1e-6
            XCTAssertEqual(g1.data[i], (loss(p, w2) - loss(m, w2)) / 2e-6, accuracy: 1e-5 * max(1, abs(g1.data[i])), "W1[\(i)]")
        }
        for i in 0..<w2.count {
            var p = w2, m = w2; p.data[i] += 1e-6; m.data[i] -= 1e-6
            XCTAssertEqual(g2.data[i], (loss(w1, p) - loss(w1, m)) / 2e-6, accuracy: 1e-5 * max(1, abs(g2.data[i])), "W2[\(i)]")
        }
    }

    /// Gradient descent nearly conserves W₁W₁ᵀ − W₂ᵀW₂ (exactly under gradient flow): the balance
    /// that makes the encoder carry the square root of the output's weights.
    func testLinearTrainingConservesBalance() throws {
        var r = SeededRandom(seed: 2, path: ["ph", "basis"])
        let q = try orthonormalBasis(Tensor<Double>.randomNormal([8, 8], using: &r))
        var initRng = SeededRandom(seed: 3, path: ["ph", "init"]), copy = initRng
        let w10 = Tensor<Double>.randomNormal([16, 8], std: 0.03, using: &copy), w20 = Tensor<Double>.randomNormal([16, 16], std: 0.03, using: &copy)
        let (w1, w2) = P.trainLinear(q: q, steps: 8000, initScale: 0.03, rng: &initRng)
        let before = matmul(w10, w10, transposeB: true) - matmul(w20, w20, transposeA: true)
        let after = matmul(w1, w1, transposeB: true) - matmul(w2, w2, transposeA: true)
        XCTAssertLessThan((after - before).norm(), 0.02 * matmul(w1, w1, transposeB: true).norm())
        // and the output reaches the closed-form optimum √ρ/σ along every feature
        let post = P.featureWeights(matmul(w2, w1), q)
        for (k, w) in post.enumerated() { XCTAssertEqual(w, P.invariances[k].squareRoot() / P.strengths[k], accuracy: 0.02, "feature \(k)") }
    }

    func testSampleFlipsOnlyTheSignOfLatentZero() throws {
        var r = SeededRandom(seed: 4, path: ["ph", "sample"])
        let q = Tensor<Double>.identity(6)
        let s = P.sample(4000, q: q, views: true, rng: &r)
        var flips = 0, corr = 0.0
        for i in 0..<4000 {
            XCTAssertEqual(abs(s.v1.data[i * 6]), abs(s.x.data[i * 6]), accuracy: 1e-12)
            if s.v1.data[i * 6] != s.v2.data[i * 6] { flips += 1 }
            corr += s.v1.data[i * 6 + 1] * s.v2.data[i * 6 + 1] / 4000
        }
        XCTAssertEqual(Double(flips) / 4000, 0.5, accuracy: 0.04)
        XCTAssertEqual(corr, 0.9 * 1.0 * 1.0, accuracy: 0.06)   // ρ₁σ₁²
    }

    func testProbeOnExactAndOnNoise() throws {
        var r = SeededRandom(seed: 5, path: ["ph", "probe"])
        let z = Tensor<Double>.randomNormal([300, 2], using: &r), zt = Tensor<Double>.randomNormal([300, 2], using: &r)
        let y = (0..<300).map { z.data[$0 * 2] }, yt = (0..<300).map { zt.data[$0 * 2] }
        let exact = try P.probe(train: z, trainTarget: y, test: zt, testTarget: yt)
        XCTAssertEqual(exact.r2, 1, accuracy: 1e-6); XCTAssertGreaterThan(exact.accuracy, 0.95)
        let noise = Tensor<Double>.randomNormal([300, 2], using: &r), noiseTest = Tensor<Double>.randomNormal([300, 2], using: &r)
        XCTAssertLessThan(try P.probe(train: noise, trainTarget: y, test: noiseTest, testTarget: yt).r2, 0.05)
    }

    func testRulesBranches() {
        let claims = Dictionary(uniqueKeysWithValues: P().claims.map { ($0.id, $0) })
        func evidence(_ values: [String: Double], diff: [Double]) -> Evidence {
            var e = Evidence()
            for (k, v) in values.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
            e.record(interval: "c3a.pre_minus_post_accuracy", Summary(diff), tolerance: 0.5)
            return e
        }
        let good = evidence(["c1a.inequality_post_over_pre": 2, "c1b.log_ratio_exponent": 0.51, "c1b.post_weight_max_relative_error": 0.01,
                             "c2.pre_r2": 0.9, "c2.post_r2": 0.01], diff: [40, 45, 42])
        for id in ["c1a", "c1b", "c2", "c3a"] { XCTAssertEqual(claims[id]!.decide(good).verdict, .reproduced, id) }
        let bad = evidence(["c1a.inequality_post_over_pre": 1, "c1b.log_ratio_exponent": 0.7, "c1b.post_weight_max_relative_error": 0.01,
                            "c2.pre_r2": 0.2, "c2.post_r2": 0.01], diff: [0, 1, -1])
        for id in ["c1a", "c1b", "c2", "c3a"] { XCTAssertEqual(claims[id]!.decide(bad).verdict, .notReproduced, id) }
        let wide = evidence(["c1a.inequality_post_over_pre": 2, "c1b.log_ratio_exponent": 0.5, "c1b.post_weight_max_relative_error": 0,
                             "c2.pre_r2": 0.9, "c2.post_r2": 0], diff: [0, 20])
        XCTAssertEqual(claims["c3a"]!.decide(wide).verdict, .inconclusive(.underpowered))
        if case .notTestable = claims["c3b"]!.decide(good).verdict {} else { XCTFail("c3b should be not testable") }
    }

    /// A few Adam steps on fresh batches lower the contrastive loss.
    func testReLUTrainingLowersTheLoss() throws {
        var r = SeededRandom(seed: 6, path: ["ph", "train"])
        let q = try orthonormalBasis(Tensor<Double>.randomNormal([6, 6], using: &r))
        var evalRng = SeededRandom(seed: 7, path: ["ph", "eval"])
        let batch = P.sample(512, q: q, views: true, rng: &evalRng)
        var a = SeededRandom(seed: 8, path: ["ph", "w"]), b = a
        let (u1, u2) = P.trainReLU(q: q, hidden: 16, output: 4, steps: 1, batch: 64, rng: &a)
        let (v1, v2) = P.trainReLU(q: q, hidden: 16, output: 4, steps: 150, batch: 64, rng: &b)
        let early = P.reluLossAndGradients(w1: u1, w2: u2, v1: batch.v1, v2: batch.v2).0
        let late = P.reluLossAndGradients(w1: v1, w2: v2, v1: batch.v1, v2: batch.v2).0
        XCTAssertLessThan(late, early - 0.1)
    }
}
