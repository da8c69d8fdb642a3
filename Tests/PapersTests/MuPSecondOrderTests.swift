import Foundation
import XCTest
import Papers
@testable import SecondOrder
import Harness

final class MuPSecondOrderTests: XCTestCase {
    typealias P = MuPSecondOrderPaper

    /// At the base width μP is SP; at 4× the base the table's multipliers.
    func testScalings() {
        for method in [P.Method.kfac, .shampoo] {
            let base = P.Scaling(method, .mup, width: 16, base: 16)
            XCTAssertEqual(base.initialization + base.learningRate + base.inputDamping + base.outputDamping, Array(repeating: 1, count: 12))
            let sp = P.Scaling(method, .sp, width: 64, base: 16)
            XCTAssertEqual(sp.learningRate + sp.inputDamping + sp.outputDamping, Array(repeating: 1, count: 9))
        }
        let k = P.Scaling(.kfac, .mup, width: 64, base: 16)
        XCTAssertEqual(k.initialization, [1, 1, 0.5])
        XCTAssertEqual(k.learningRate, [1, 1, 1])
        XCTAssertEqual(k.inputDamping, [1, 4, 4])
        XCTAssertEqual(k.outputDamping, [0.25, 0.25, 1])
        let s = P.Scaling(.shampoo, .mup, width: 64, base: 16)
        XCTAssertEqual(s.learningRate, [2, 1, 0.5])
        XCTAssertEqual(s.inputDamping, [0.25, 1, 4])
    }

    func tinyNet() -> (KroneckerMLP, Tensor<Float>, [Int]) {
        let net = KroneckerMLP.standard(sizes: [3, 4, 2], rng: SeededRandom(seed: 2, path: ["net"]))
        return (net, Tensor(shape: [1, 3], data: [0.5, -1, 2]), [1])
    }

    /// Shampoo on one example: L = |ā|² δδᵀ, R = |δ|² āāᵀ, so the step is −η δāᵀ/√(|ā|²|δ|² + ε) exactly.
    func testShampooStepByHand() throws {
        let (net, x, y) = tinyNet()
        let pass = net.pass(x, labels: y), before = net.weights
        var rng = SeededRandom(seed: 0, path: ["unused"])
        let step = P.SecondOrderStep(.shampoo, net: net, learningRates: [0.1, 0.2], inputDamping: [1e-3, 1e-3], outputDamping: [1e-3, 1e-3])
        try step(x, labels: y, rng: &rng)
        for l in 0..<2 {
            let a = pass.inputs[l].data.map(Double.init), d = pass.outputGradients[l].data.map(Double.init)
            let scale = (a.reduce(0) { $0 + $1 * $1 } * d.reduce(0) { $0 + $1 * $1 } + 1e-3).squareRoot()
            for o in 0..<d.count { for j in 0..<a.count {
                let expected = Double(before[l].data[o * a.count + j]) - [0.1, 0.2][l] * d[o] * a[j] / scale
                XCTAssertEqual(Double(net.weights[l].data[o * a.count + j]), expected, accuracy: 1e-5)
            } }
        }
    }

    /// K-FAC on one example with the empirical Fisher: A = āāᵀ, B = δδᵀ, so
    /// ΔW = −η δāᵀ/((|δ|² + ρ_B)(|ā|² + ρ_A)) exactly (Sherman–Morrison on both sides).
    func testKFACStepByHand() throws {
        let (net, x, y) = tinyNet()
        let pass = net.pass(x, labels: y), before = net.weights
        var rng = SeededRandom(seed: 3, path: ["unused"])
        let step = P.SecondOrderStep(.kfac, net: net, learningRates: [0.1, 0.1], inputDamping: [0.5, 0.5], outputDamping: [0.25, 0.25])
        try step(x, labels: y, rng: &rng)
        for l in 0..<2 {
            let a = pass.inputs[l].data.map(Double.init), d = pass.outputGradients[l].data.map(Double.init)
            let scale = (d.reduce(0) { $0 + $1 * $1 } + 0.25) * (a.reduce(0) { $0 + $1 * $1 } + 0.5)
            for o in 0..<d.count { for j in 0..<a.count {
                let expected = Double(before[l].data[o * a.count + j]) - 0.1 * d[o] * a[j] / scale
                XCTAssertEqual(Double(net.weights[l].data[o * a.count + j]), expected, accuracy: 1e-5 * max(1, abs(expected)))
            } }
        }
    }

    func testSlope() {
        XCTAssertEqual(P.slope([0, 1, 2, 3], [1, 1.5, 2, 2.5]), 0.5, accuracy: 1e-12)
    }

    func testRuleBranches() {
        let claims = P().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        var e = Evidence()
        e.record("c1a.kfac.mup.max_abs_slope", 0.1); e.record("c1a.kfac.sp.max_abs_slope", 0.5)
        XCTAssertEqual(claim("c1a").decide(e).verdict, .reproduced)
        var f = Evidence()
        f.record("c1a.kfac.mup.max_abs_slope", 0.4); f.record("c1a.kfac.sp.max_abs_slope", 0.5)
        XCTAssertEqual(claim("c1a").decide(f).verdict, .notReproduced)
        var g = Evidence()
        g.record("c3b.shampoo.mup.lr_shift_steps", 0); g.record("c3b.shampoo.sp.lr_shift_steps", 1)
        XCTAssertEqual(claim("c3b").decide(g).verdict, .inconclusive(.premiseAbsent))
        var h = Evidence()
        h.record(interval: "c2a.kfac.accuracy_points_mup_minus_sp", Interval(mean: 2, low: 1, high: 3, count: 5), tolerance: 0)
        XCTAssertEqual(claim("c2a").decide(h).verdict, .reproduced)
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = P()
        let context = RunContext(seed: 0, scale: .quick, slug: "mup-second-order")
        var settings = P.Settings(context)
        (settings.widths, settings.baseWidth, settings.learningRates) = ([4, 8], 4, [0.05, 0.2])
        (settings.evaluationSeeds, settings.epochs, settings.batchSize) = (2, 1, 16)
        let data = AuONTests.tinyData()
        settings.data = { _ in data }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
