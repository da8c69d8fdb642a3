import Foundation
import XCTest
import Papers
@testable import SecondOrder
@testable import Harness

final class OASISTests: XCTestCase {
    /// f = ½(a x² + b y²) with its exact (diagonal) Hessian: every Hutchinson probe returns (a, b)
    /// exactly, so D̂ = diag(a, b) and g/D̂ = w. By hand: w₁ = (1 − η₀)w₀; then Δg = D̂Δw, so the
    /// local bound is ½‖Δw‖_D̂/‖D̂Δw‖*_D̂ = ½, θ₀ = ∞ gives η₁ = ½, and η₂ = min(√2·½, ½) = ½.
    func testStepsByHandOnADiagonalQuadratic() {
        for reuse in [true, false] {
            let (a, b): (Float, Float) = (4, 0.25)
            let w = Parameter("w", Tensor(shape: [2], data: [1, -2]))
            let oasis = OASIS([w], initialStep: 0.5, warmStartProbes: 3, reusePreviousGradient: reuse, rng: SeededRandom(seed: 1, path: ["t"])) { _, _ in
                { v in [Tensor(shape: [2], data: [a * v[0].data[0], b * v[0].data[1]])] }
            }
            func closure() -> Float {
                w.grad = Tensor(shape: [2], data: [a * w.value.data[0], b * w.value.data[1]])
                return 0.5 * (a * w.value.data[0] * w.value.data[0] + b * w.value.data[1] * w.value.data[1])
            }
            oasis.step(closure)
            XCTAssertEqual(w.value.data[0], 0.5, accuracy: 1e-6)
            XCTAssertEqual(w.value.data[1], -1, accuracy: 1e-6)
            oasis.step(closure)
            XCTAssertEqual(oasis.stepSize, 0.5, accuracy: 1e-6)
            XCTAssertEqual(oasis.theta, 1, accuracy: 1e-6)
            XCTAssertEqual(w.value.data[0], 0.25, accuracy: 1e-6)
            XCTAssertEqual(w.value.data[1], -0.5, accuracy: 1e-6)
            oasis.step(closure)
            XCTAssertEqual(oasis.stepSize, 0.5, accuracy: 1e-6)
            XCTAssertEqual(oasis.stateBytes, (reuse ? 3 : 2) * 2 * 4)
        }
    }

    /// The truncation: a negative or tiny curvature estimate is replaced by max(|D|, α).
    func testTruncationBoundsTheFirstStep() {
        let w = Parameter("w", Tensor(shape: [2], data: [0, 0]))
        let oasis = OASIS([w], initialStep: 1, truncation: 0.1, warmStartProbes: 1, rng: SeededRandom(seed: 2, path: ["t"])) { _, _ in
            { v in [Tensor(shape: [2], data: [-2 * v[0].data[0], 1e-6 * v[0].data[1]])] }
        }
        oasis.step { w.grad = Tensor(shape: [2], data: [1, 1]); return 0 }
        XCTAssertEqual(w.value.data[0], -0.5, accuracy: 1e-6)
        XCTAssertEqual(w.value.data[1], -10, accuracy: 1e-4)
    }

    func testLeagueEntry() { XCTAssertEqual(OASISPaper().leagueOptimizers.map(\.name), ["oasis"]) }

    func testRuleBranches() {
        let claims = OASISPaper().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        func evidence(_ prefix: String, _ suffix: String, _ values: [(Double, Double, Double)]) -> Evidence {
            var e = Evidence()
            for (p, v) in zip(OASISPaper.problems, values) {
                e.record(interval: "\(prefix).\(p.key).\(suffix)", Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0)
            }
            return e
        }
        let close = (0.0, -0.01, 0.01), worse = (0.5, 0.4, 0.6), wide = (0.0, -1.0, 1.0)
        XCTAssertEqual(claim("c1a").decide(evidence("c1a", "log_loss_oasis_minus_best_tuned", [close, close, close])).verdict, .reproduced)
        XCTAssertEqual(claim("c1a").decide(evidence("c1a", "log_loss_oasis_minus_best_tuned", [close, close, worse])).verdict, .notReproduced)
        XCTAssertEqual(claim("c3").decide(evidence("c1a", "log_loss_oasis_minus_best_tuned", [close, close, worse])).verdict, .reproduced)
        XCTAssertEqual(claim("c3").decide(evidence("c1a", "log_loss_oasis_minus_best_tuned", [wide, wide, close])).verdict, .inconclusive(.underpowered))
        let better = (-1.0, -1.2, -0.8)
        XCTAssertEqual(claim("c1b").decide(evidence("c1b", "log_loss_oasis_minus_default_adam", [better, better, worse])).verdict, .reproduced)
        XCTAssertEqual(claim("c1c").decide(evidence("c1c", "log_loss_oasis_minus_default_sgd", [worse, worse, better])).verdict, .notReproduced)
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = OASISPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "oasis")
        var settings = OASISPaper.Settings(context)
        settings.learningRates = [1e-2]
        settings.fullBatchBudget = 12
        settings.minibatchBudget = 24
        let data = AuONTests.tinyData().train
        settings.problems = { _ in
            [OASISPaper.Problem(key: "breast_cancer", label: "a", data: data, sizes: [16, 4], l2: 0.02, batchSize: nil),
             OASISPaper.Problem(key: "wine", label: "b", data: data, sizes: [16, 4], l2: 0.02, batchSize: nil),
             OASISPaper.Problem(key: "mlp_digits", label: "c", data: data, sizes: [16, 8, 4], l2: 0, batchSize: 16)]
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" }, second.evidence.metrics.map { "\($0.name)=\($0.value.bitPattern)" })
    }
}
