import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class DoubleDescentOptimizationTests: XCTestCase {
    typealias P = DoubleDescentOptimization

    /// T explicit gradient steps at η = n/s₁² from zero equal the spectral filter, for a tall and a wide Φ.
    func testFilterEqualsExplicitGradientDescent() throws {
        for (n, width) in [(12, 7), (7, 12)] {
            var r = SeededRandom(seed: 4, path: ["dd", "\(n)"])
            let phi = Tensor<Double>.randomNormal([n, width], using: &r), y = Tensor<Double>.randomNormal([n, 3], using: &r)
            let d = try svd(phi)
            let eta = Double(n) / (d.s[0] * d.s[0]), steps = 37
            var beta = Tensor<Double>.zeros([width, 3])
            for _ in 0..<steps { beta.add(matmul(phi, matmul(phi, beta) - y, transposeA: true), scaledBy: -eta / Double(n)) }
            var c = matmul(d.u, y, transposeA: true)
            for i in 0..<d.s.count {
                let g = P.gain(d.s[i], top: d.s[0], cutoff: 0, budget: steps)
                for o in 0..<3 { c.data[i * 3 + o] *= g }
            }
            let filtered = matmul(d.vt, c, transposeA: true)
            XCTAssertLessThan((filtered - beta).norm(), 1e-12 * beta.norm())
        }
    }

    /// The exact gain is the pseudo-inverse: it interpolates above the threshold, and the budgets'
    /// training losses fall with the budget.
    func testCellInterpolatesAndLossFallsWithBudget() throws {
        var r = SeededRandom(seed: 5, path: ["dd", "cell"])
        let xTrain = Tensor<Double>.randomNormal([10, 5], using: &r), yTrain = Tensor<Double>.randomNormal([10, 2], using: &r)
        let xTest = Tensor<Double>.randomNormal([6, 5], using: &r), yTest = Tensor<Double>.randomNormal([6, 2], using: &r)
        let data = P.Split(xTrain: xTrain, yTrain: yTrain, xTest: xTest, yTest: yTest)
        let w = Tensor<Double>.randomNormal([30, 5], using: &r)
        // Centred (normalized) columns span at most the complement of the constant vector, so the
        // exact solution leaves exactly the targets' mean: loss ‖ȳ‖².
        var mean = [0.0, 0.0]
        for i in 0..<10 { for o in 0..<2 { mean[o] += yTrain.data[i * 2 + o] / 10 } }
        for normalized in [false, true] {
            let c = try P.cell(data, w: w, width: 25, normalized: normalized)
            XCTAssertEqual(c.trainLoss.last!, normalized ? mean[0] * mean[0] + mean[1] * mean[1] : 0, accuracy: 1e-12)
            for b in 1..<c.trainLoss.count { XCTAssertLessThanOrEqual(c.trainLoss[b], c.trainLoss[b - 1] * (1 + 1e-12)) }
            XCTAssertGreaterThan(c.trainLoss[0], 1e-3)
            XCTAssertGreaterThanOrEqual(c.kappa, 1)
        }
        // Below the threshold the exact solution is least squares: its residual is orthogonal to Φ.
        let under = try P.cell(data, w: w, width: 4, normalized: false)
        XCTAssertGreaterThan(under.trainLoss.last!, 1e-3)
    }

    func testProminence() {
        let widths = [10, 50, 80, 100, 120, 200, 400]
        XCTAssertEqual(P.prominence([5, 3, 4, 9, 6, 2, 1], widths: widths, n: 100), 9 - 3, accuracy: 1e-12)
        XCTAssertLessThan(P.prominence([9, 8, 7, 6, 5, 4, 3], widths: widths, n: 100), 0)
    }

    func testRulesBranches() {
        let claims = Dictionary(uniqueKeysWithValues: P().claims.map { ($0.id, $0) })
        func evidence(_ values: [String: Double]) -> Evidence {
            var e = Evidence()
            for (k, v) in values.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
            return e
        }
        let good = ["c1.spearman_peak_vs_threshold_loss": -0.9, "c1.shortest_budget_peak_ratio": 0.01, "c1.exact_peak_relative": 3,
                    "c2.spearman_peak_vs_budget_over_kappa": 0.9, "c2.kappa_peak_at_threshold": 1, "c3.practical_peak_ratio": 0.05]
        for id in ["c1", "c2", "c3"] { XCTAssertEqual(claims[id]!.decide(evidence(good)).verdict, .reproduced, id) }
        var bad = good
        bad["c1.spearman_peak_vs_threshold_loss"] = -0.5; bad["c2.spearman_peak_vs_budget_over_kappa"] = 0.3; bad["c3.practical_peak_ratio"] = 0.4
        for id in ["c1", "c2", "c3"] { XCTAssertEqual(claims[id]!.decide(evidence(bad)).verdict, .notReproduced, id) }
        var noPremise = good
        noPremise["c1.exact_peak_relative"] = 0.1; noPremise["c2.kappa_peak_at_threshold"] = 0.5
        XCTAssertEqual(claims["c1"]!.decide(evidence(noPremise)).verdict, .inconclusive(.premiseAbsent))
        XCTAssertEqual(claims["c2"]!.decide(evidence(noPremise)).verdict, .inconclusive(.premiseAbsent))
    }

    /// The quick run records every metric the rules read, and the exact solution shows the peak.
    func testQuickRunRecordsTheRulesMetrics() throws {
        let run = try P().run(RunContext(seed: 0, scale: .quick, slug: "double-descent-optimization"))
        for claim in P().claims { _ = claim.decide(run.evidence) }
        XCTAssertGreaterThan(run.evidence["peak.raw.exact"], run.evidence["peak.raw.T=10"])
        XCTAssertLessThan(run.evidence["threshold_train_loss.raw.exact"], 1e-12)
    }
}
