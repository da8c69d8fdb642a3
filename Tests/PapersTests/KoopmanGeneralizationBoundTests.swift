import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class KoopmanGeneralizationBoundTests: XCTestCase {
    typealias P = KoopmanGeneralizationBound

    /// Hand-computed factors: orthogonal W gives log Koopman 0, spectral 2^{3/2}d, Frobenius d;
    /// W = cI gives s·log₁₀ max(1, c) − (d/2) log₁₀ c per layer.
    func testFactorsByHand() throws {
        var r = SeededRandom(seed: 1, path: ["koopman", "q"])
        let d = 8
        let q1 = try orthonormalBasis(Tensor<Double>.randomNormal([d, d], using: &r)), q2 = try orthonormalBasis(Tensor<Double>.randomNormal([d, d], using: &r))
        let f = try P.factors([q1, q2])
        XCTAssertEqual(f.koopman, 0, accuracy: 1e-12)
        XCTAssertEqual(f.spectral, log10(pow(2, 1.5) * Double(d)), accuracy: 1e-12)
        XCTAssertEqual(f.frobenius, log10(Double(d)), accuracy: 1e-12)
        XCTAssertEqual(f.conditionNumber, 1, accuracy: 1e-12)
        for c in [0.5, 3.0] {
            let w = c * Tensor<Double>.identity(d)
            let g = try P.factors([w])
            XCTAssertEqual(g.koopman, 5 * log10(max(1, c)) - 0.5 * Double(d) * log10(c), accuracy: 1e-12)
            XCTAssertEqual(g.spectral, log10(c) + 1.5 * log10(pow(Double(d), 2.0 / 3.0)), accuracy: 1e-12)
        }
    }

    /// The Koopman norm formula: sup over η of ((1+|Wᵀη|²)/(1+|η|²))^{s/2} approaches max(1,‖W‖)^s.
    func testKoopmanSupremumMatchesTheClosedForm() throws {
        var r = SeededRandom(seed: 2, path: ["koopman", "sup"])
        let w = Tensor<Double>.randomNormal([3, 3], using: &r), s = 2.0
        let top = try svd(w).s[0]
        var best = 0.0
        for _ in 0..<2000 {
            let dir = Tensor<Double>.randomNormal([3, 1], using: &r), radius = pow(10, r.uniform(-2, 4))
            let eta = radius / dir.norm() * dir
            best = max(best, pow((1 + matmul(w, eta, transposeA: true).squaredNorm()) / (1 + eta.squaredNorm()), s / 2))
        }
        XCTAssertLessThanOrEqual(best, pow(max(1, top), s) * (1 + 1e-12))
        XCTAssertGreaterThan(best, 0.9 * pow(max(1, top), s))
    }

    func testRetractionIsOrthogonalAndNearest() throws {
        var r = SeededRandom(seed: 3, path: ["koopman", "ret"])
        let q = try orthonormalBasis(Tensor<Double>.randomNormal([6, 6], using: &r))
        let noisy = q + 0.05 * Tensor<Double>.randomNormal([6, 6], using: &r)
        let x = P.retract(noisy)
        XCTAssertLessThan((matmul(x, x, transposeA: true) - .identity(6)).norm(), 1e-11)
        let d = try svd(noisy)
        XCTAssertLessThan((x - matmul(d.u, d.vt)).norm(), 1e-10)
    }

    /// Backpropagation matches central differences on a tiny network.
    func testGradientsMatchFiniteDifferences() throws {
        var r = SeededRandom(seed: 4, path: ["koopman", "grad"])
        let net = try P.Network(width: 4, classes: 3, orthogonal: false, rng: &r)
        let x = Tensor<Double>.randomNormal([5, 4], using: &r), labels = [0, 2, 1, 1, 0]
        let grads = net.evaluate(x, labels, gradients: true).grads
        for j in net.p.indices { for i in 0..<net.p[j].count {
            var plus = net, minus = net
            plus.p[j].data[i] += 1e-6; minus.p[j].data[i] -= 1e-6
            let numeric = (plus.evaluate(x, labels, gradients: false).loss - minus.evaluate(x, labels, gradients: false).loss) / 2e-6
            XCTAssertEqual(grads[j].data[i], numeric, accuracy: 1e-7, "parameter \(j) entry \(i)")
        } }
    }

    func testRulesBranches() {
        let claims = Dictionary(uniqueKeysWithValues: P().claims.map { ($0.id, $0) })
        func evidence(_ values: [String: Double]) -> Evidence {
            var e = Evidence()
            for (k, v) in values.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
            return e
        }
        let good = ["c1.orth_koopman_minus_norm_log10": -1, "c2.orth_koopman_log10_spread": 0, "c2.orth_spectral_log10_growth": 0.6,
                    "c3.koopman_tighter_count": 3, "c3.norm_tighter_count": 3]
        for id in ["c1", "c2", "c3"] { XCTAssertEqual(claims[id]!.decide(evidence(good)).verdict, .reproduced, id) }
        let bad = ["c1.orth_koopman_minus_norm_log10": 0.5, "c2.orth_koopman_log10_spread": 0, "c2.orth_spectral_log10_growth": 0.1,
                   "c3.koopman_tighter_count": 3, "c3.norm_tighter_count": 0]
        for id in ["c1", "c2", "c3"] { XCTAssertEqual(claims[id]!.decide(evidence(bad)).verdict, .notReproduced, id) }
    }

    /// A tiny run: the orthogonal arm stays orthogonal through training, so its factor is 1.
    func testQuickRunKeepsOrthogonality() throws {
        var r = SeededRandom(seed: 5, path: ["koopman", "run"])
        var net = try P.Network(width: 8, classes: 3, orthogonal: true, rng: &r)
        let x = Tensor<Double>.randomNormal([20, 8], using: &r), labels = (0..<20).map { $0 % 3 }
        let before = net.evaluate(x, labels, gradients: false).loss
        P.train(&net, x: x, labels: labels, steps: 30, batch: 10, orthogonal: true, rng: &r)
        XCTAssertLessThan(net.evaluate(x, labels, gradients: false).loss, before)
        XCTAssertEqual(try P.factors([net.p[0], net.p[2]]).koopman, 0, accuracy: 1e-9)
    }
}
