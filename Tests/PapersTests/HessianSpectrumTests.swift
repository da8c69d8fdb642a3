import Foundation
import XCTest
import Papers
@testable import SecondOrder
import Harness

final class HessianSpectrumTests: XCTestCase {
    typealias P = HessianSpectrumPaper

    func claim(_ id: String) -> Claim { P().claims.first { $0.id == id }! }

    func tiny() -> (P.Network, Tensor<Double>, [Int]) {
        let data = P.mixture(classes: 3, perClass: 4, dimension: 3, rng: SeededRandom(seed: 1, path: ["test", "data"]))
        return (P.Network(inputs: 3, hidden: 5, classes: 3, rng: SeededRandom(seed: 1, path: ["test", "net"])), data.x, data.labels)
    }

    /// Every column of the assembled Hessian against a central difference of exact gradients.
    func testHessianMatchesDifferencesOfGradients() {
        let (net, x, labels) = tiny()
        let h = net.hessian(x, labels), n = net.count, step = 1e-6
        XCTAssertEqual(n, 3 * 5 + 5 + 5 * 3 + 3)
        var largest = 0.0
        for j in 0..<n {
            var plus = net, minus = net
            for (q, e) in net.basis(j).enumerated() { plus.parameters[q].add(e, scaledBy: step); minus.parameters[q].add(e, scaledBy: -step) }
            let gp = plus.lossAndGradient(x, labels).1.flatMap(\.data), gm = minus.lossAndGradient(x, labels).1.flatMap(\.data)
            for i in 0..<n {
                let numeric = (gp[i] - gm[i]) / (2 * step)
                largest = max(largest, abs(h.data[i * n + j]))
                XCTAssertEqual(h.data[i * n + j], numeric, accuracy: 1e-6, "H[\(i), \(j)]")
            }
        }
        XCTAssertGreaterThan(largest, 1e-2)
    }

    /// J v against a central difference of the logits; G is symmetric positive semi-definite of rank ≤ N(k − 1).
    func testJacobianAndGaussNewton() throws {
        let (net, x, labels) = tiny()
        let (jac, g) = net.jacobianAndGaussNewton(x)
        func logits(_ m: P.Network) -> [Double] {
            let (d, hid, k) = (m.inputs, m.hidden, m.classes)
            return (0..<labels.count).flatMap { s -> [Double] in
                let a = (0..<hid).map { j in max(0, m.parameters[1].data[j] + (0..<d).reduce(0.0) { $0 + x.data[s * d + $1] * m.parameters[0].data[$1 * hid + j] }) }
                return (0..<k).map { c in m.parameters[3].data[c] + (0..<hid).reduce(0.0) { $0 + a[$1] * m.parameters[2].data[$1 * k + c] } }
            }
        }
        var rng = SeededRandom(seed: 2, path: ["test", "v"])
        let v = net.parameters.map { Tensor<Double>.randomNormal($0.shape, using: &rng) }
        var plus = net, minus = net
        for q in 0..<v.count { plus.parameters[q].add(v[q], scaledBy: 1e-6); minus.parameters[q].add(v[q], scaledBy: -1e-6) }
        let (fp, fm) = (logits(plus), logits(minus)), flatV = v.flatMap(\.data)
        for r in 0..<jac.shape[0] {
            let jv = (0..<net.count).reduce(0.0) { $0 + jac.data[r * net.count + $1] * flatV[$1] }
            XCTAssertEqual(jv, (fp[r] - fm[r]) / 2e-6, accuracy: 1e-6, "row \(r)")
        }
        let values = try symmetricEigen(g).values
        XCTAssertGreaterThan(values.first!, -1e-10)
        XCTAssertLessThanOrEqual(values.filter { $0 > 1e-10 }.count, labels.count * 2)
    }

    func testOutlierCountAtTheLargestRatioGap() {
        XCTAssertEqual(P.outlierCount([10, 8, 7, 0.5, 0.4, 0.3, 0.2, 0, -0.1]), 3)
        XCTAssertEqual(P.outlierCount([5, 0.2, 0.19, 0.18]), 1)
        XCTAssertEqual(P.outlierCount([4, 2, 1, 0.5] + [Double](repeating: 0.49, count: 40) + [1e-9]), 1, "only the top 30 are searched")
    }

    func testRuleBranches() {
        func bound(_ key: String, _ v: Double) -> Evidence { var e = Evidence(); e.record(key, v); return e }
        func interval(_ key: String, _ low: Double, _ high: Double) -> Evidence {
            var e = Evidence(); e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 5), tolerance: 0); return e
        }
        XCTAssertEqual(claim("c1a").decide(bound("c1a.bulk_share_min", 0.95)).verdict, .reproduced)
        XCTAssertEqual(claim("c1a").decide(bound("c1a.bulk_share_min", 0.5)).verdict, .notReproduced)
        XCTAssertEqual(claim("c1b").decide(bound("c1b.tracking_share", 0.8)).verdict, .reproduced)
        XCTAssertEqual(claim("c1b").decide(bound("c1b.tracking_share", 0.6)).verdict, .notReproduced)
        XCTAssertEqual(claim("c2a").decide(interval("c2a.log_outlier_ratio", -0.1, 0.1)).verdict, .reproduced)
        XCTAssertEqual(claim("c2a").decide(interval("c2a.log_outlier_ratio", 0.5, 0.9)).verdict, .notReproduced)
        XCTAssertEqual(claim("c2a").decide(interval("c2a.log_outlier_ratio", 0.1, 0.4)).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(claim("c2b").decide(interval("c2b.log_bulk_ratio", -1.5, -0.8)).verdict, .notReproduced)
        XCTAssertEqual(claim("c3").decide(interval("c3.gauss_newton_gap", 0.01, 0.05)).verdict, .reproduced)
        XCTAssertEqual(claim("c4").decide(interval("c4.barrier", 0.1, 0.3)).verdict, .notReproduced)
        XCTAssertEqual(P.barrier([1, 1.5, 2]), 0, "a monotone line has no barrier")
        XCTAssertEqual(P.barrier([1, 3, 2]), 0.5, accuracy: 1e-12)
    }

    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        var s = P.Settings()
        s.dimension = 3; s.points = 24; s.baseHidden = 4; s.baseClasses = 3
        s.classes = [2, 3]; s.widths = [4, 6]; s.seeds = 2; s.steps = 10; s.linePoints = 5
        let context = RunContext(seed: 0, scale: .quick, slug: "hessian-overparam-spectrum")
        let a = try P().run(context, settings: s), b = try P().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        for claim in P().claims { _ = claim.decide(a.evidence) }
        XCTAssertGreaterThan(a.evidence["k3_h4.lambda_max"], 0)
    }
}
