import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
import Harness

final class SGDNoiseRegimesTests: XCTestCase {
    typealias P = SGDNoiseRegimesPaper

    func claim(_ id: String) -> Claim { P().claims.first { $0.id == id }! }

    func interval(_ e: inout Evidence, _ key: String, _ low: Double, _ high: Double) {
        e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 5), tolerance: 0)
    }

    /// The crossing is log-interpolated between grid points and flags a curve that never departs.
    func testCrossingInterpolatesAndFlagsTheEdge() {
        let t = [0.1, 1, 10]
        let c = P.crossing(t, [1, 1.1, 1.3], level: 1.2)
        XCTAssertEqual(log(c.t), log(1) + 0.5 * (log(10) - log(1)), accuracy: 1e-12)
        XCTAssertFalse(c.atEdge)
        XCTAssertEqual(P.crossing(t, [1, 1.05, 1.1], level: 1.2).t, 10)
        XCTAssertTrue(P.crossing(t, [1, 1.05, 1.1], level: 1.2).atEdge)
    }

    /// χ = 1 puts fewer points near the boundary than χ = 0 (density ∝ |x₁| vs flat at 0), labels are sign x₁.
    func testBoundaryDensity() {
        func nearShare(_ chi: Int) -> Double {
            let d = P.perceptronData(size: 4000, dimension: 2, chi: chi, rng: SeededRandom(seed: 1))
            for i in 0..<4000 { XCTAssertEqual(d.y[i], d.x[i * 2] > 0 ? 1 : -1) }
            return Double((0..<4000).filter { abs(d.x[$0 * 2]) < 0.1 }.count) / 4000
        }
        XCTAssertEqual(nearShare(0), 0.0797, accuracy: 0.015)   // P(|N(0,1)| < 0.1)
        XCTAssertEqual(nearShare(1), 0.005, accuracy: 0.004)    // 1 − exp(−0.005)
    }

    /// A fitted perceptron has every margin ≥ κ; a hotter run ends with a larger weight vector here.
    func testPerceptronFitsEveryPoint() {
        var s = P.Settings()
        s.perceptronBudget = 200_000
        let d = P.perceptronData(size: 40, dimension: 8, chi: 1, rng: SeededRandom(seed: 2))
        let run = P.trainPerceptron(x: d.x, y: d.y, dimension: 8, temperature: 0.1, s, rng: SeededRandom(seed: 3))
        XCTAssertTrue(run.fitted)
        for i in 0..<40 {
            let m = d.y[i] * (0..<8).reduce(0) { $0 + run.w[$1] * d.x[i * 8 + $1] } / 8.0.squareRoot()
            XCTAssertGreaterThanOrEqual(m, s.margin)
        }
    }

    /// The network step is the gradient of F: compare with a central difference.
    func testNetworkGradientMatchesFiniteDifference() {
        var rng = SeededRandom(seed: 5)
        let h = 3, d = 4
        let net = P.Net(w: (0..<(h * d)).map { _ in rng.normal() }, a: (0..<h).map { _ in rng.normal() }, h: h, d: d)
        let x = ArraySlice((0..<d).map { _ in rng.normal() })
        var stepped = net
        stepped.addGradient(x, 1)
        for k in 0..<(h * d) {
            var plus = net, minus = net
            plus.w[k] += 1e-6; minus.w[k] -= 1e-6
            XCTAssertEqual(stepped.w[k] - net.w[k], (plus.output(x) - minus.output(x)) / 2e-6, accuracy: 1e-6)
        }
        for k in 0..<h {
            var plus = net, minus = net
            plus.a[k] += 1e-6; minus.a[k] -= 1e-6
            XCTAssertEqual(stepped.a[k] - net.a[k], (plus.output(x) - minus.output(x)) / 2e-6, accuracy: 1e-6)
        }
    }

    func testRuleBranches() {
        var e = Evidence()
        interval(&e, "c1.feature.high_minus_low", 0.01, 0.05); interval(&e, "c1.lazy.high_minus_low", -0.05, -0.01)
        XCTAssertEqual(claim("c1").decide(e).verdict, .reproduced)
        e = Evidence(); interval(&e, "c1.feature.high_minus_low", 0.01, 0.05); interval(&e, "c1.lazy.high_minus_low", 0.01, 0.05)
        XCTAssertEqual(claim("c1").decide(e).verdict, .notReproduced)
        e = Evidence(); interval(&e, "c1.feature.high_minus_low", -0.01, 0.05); interval(&e, "c1.lazy.high_minus_low", 0.01, 0.05)
        XCTAssertEqual(claim("c1").decide(e).verdict, .inconclusive(.underpowered))
        for (id, key) in [("c2", "c2.chi0"), ("c3a", "c3a"), ("c3b", "c3b")] {
            e = Evidence(); interval(&e, "\(key).slope", -0.8, -0.3); e.record("\(key).r2", 0.95)
            XCTAssertEqual(claim(id).decide(e).verdict, .reproduced)
            e = Evidence(); interval(&e, "\(key).slope", -0.8, -0.3); e.record("\(key).r2", 0.5)
            XCTAssertEqual(claim(id).decide(e).verdict, .notReproduced)
            e = Evidence(); interval(&e, "\(key).slope", -0.8, 0.3); e.record("\(key).r2", 0.95)
            XCTAssertEqual(claim(id).decide(e).verdict, .inconclusive(.underpowered))
        }
        e = Evidence(); interval(&e, "c4.slope_difference", 0.1, 0.4)
        XCTAssertEqual(claim("c4").decide(e).verdict, .reproduced)
        e = Evidence(); interval(&e, "c4.slope_difference", -0.1, 0.4)
        XCTAssertEqual(claim("c4").decide(e).verdict, .inconclusive(.underpowered))
    }

    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        var s = P.Settings()
        s.sizes = [16, 32, 64]; s.temperatures = [0.3, 1, 3]; s.seeds = 1; s.dimension = 8
        s.netTrain = 24; s.hidden = 4; s.netSeeds = 2; s.netBudget = 2_000
        let context = RunContext(seed: 0, scale: .quick, slug: "sgd-noise-regimes")
        let a = try P().run(context, settings: s), b = try P().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        for claim in P().claims { _ = claim.decide(a.evidence) }
    }
}
