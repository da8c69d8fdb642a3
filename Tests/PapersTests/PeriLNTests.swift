import Foundation
import XCTest
import Papers
@testable import Normalization
import Harness

final class PeriLNTests: XCTestCase {
    private func tinySetup() -> (RunContext, MarkovTokenSource, TokenBatch) {
        let context = RunContext(seed: 0, scale: .quick, slug: "peri-ln")
        var rng = context.standardRNG("markov", "source")
        let source = MarkovTokenSource(vocabularySize: 32, order: 2, branching: 4, smoothing: 0.02, using: &rng)
        var heldOut = context.standardRNG("markov", "held out")
        return (context, source, source.batch(sequences: 8, length: 16, using: &heldOut))
    }

    /// The measurements' invariants: Post-LN's stream ends in a unit-gain LN (variance ≤ 1 after a
    /// few small steps), Peri-LN's starts from a normalised embedding, and every block's gradient
    /// and every layer's variance is measured.
    func testMeasurementsSeeTheNorms() {
        let (context, source, validation) = tinySetup()
        let settings = PeriLNPaper.Settings(layers: 3, steps: 2, selectionSeeds: 1, evaluationSeeds: 1)
        let post = PeriLNPaper.train(.post, learningRate: 1e-3, seed: 0, settings: settings, context: context, source: source, validation: validation)
        let peri = PeriLNPaper.train(.peri, learningRate: 1e-3, seed: 0, settings: settings, context: context, source: source, validation: validation)
        let pre = PeriLNPaper.train(.pre, learningRate: 1e-3, seed: 0, settings: settings, context: context, source: source, validation: validation)
        for m in [post, peri, pre] {
            XCTAssertFalse(m.diverged)
            XCTAssertEqual(m.variance.count, 4)
            XCTAssertEqual(m.gradientNorm.count, 3)
            XCTAssertTrue(m.gradientNorm.allSatisfy { $0 > 0 && $0.isFinite })
            XCTAssertTrue(zip(m.variance, m.maxActivation).allSatisfy { $0.squareRoot() <= $1 })
        }
        XCTAssertEqual(post.variance[3], 1, accuracy: 0.02)
        XCTAssertEqual(peri.variance[0], 1, accuracy: 0.05)
        // GPT-2's N(0, 0.02²) embeddings: Pre-LN's stream starts tiny.
        XCTAssertLessThan(pre.variance[0], 0.01)
        // Peri-LN adds one unit-RMS (normalised, gain ≈ 1) vector per sublayer to a unit-RMS
        // embedding: by the triangle inequality the stream's mean square stays below (1 + 2L)².
        XCTAssertLessThan(peri.variance[3], 49 * 1.05)
    }

    func testRuleBranches() {
        let claims = PeriLNPaper().claims
        func verdict(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        func interval(_ pairs: [(String, (Double, Double, Double))]) -> Evidence {
            var e = Evidence()
            for (key, v) in pairs { e.record(interval: key, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0) }
            return e
        }
        XCTAssertEqual(verdict("c1a", interval([("c1a.log_growth_peri_minus_pre", (-1, -1.5, -0.5))])), .reproduced)
        XCTAssertEqual(verdict("c1b", interval([("c1b.log_growth_peri_minus_post", (0.5, 0.2, 0.8))])), .notReproduced)
        XCTAssertEqual(verdict("c2a", interval([("c2a.log_max_peri_minus_pre", (0, -2, 2))])), .inconclusive(.underpowered))
        let vanishing = ("c2b.post_log_grad_ratio", (-0.5, -0.8, -0.2))
        XCTAssertEqual(verdict("c2b", interval([vanishing, ("c2b.grad_imbalance_peri_minus_post", (-0.4, -0.6, -0.2))])), .reproduced)
        XCTAssertEqual(verdict("c2b", interval([("c2b.post_log_grad_ratio", (0.5, 0.2, 0.8)), ("c2b.grad_imbalance_peri_minus_post", (-0.4, -0.6, -0.2))])),
                       .inconclusive(.premiseAbsent))
        XCTAssertEqual(verdict("c2d", interval([("c2d.val_loss_peri_minus_pre", (0.005, -0.01, 0.015))])), .reproduced)
        XCTAssertEqual(verdict("c2d", interval([("c2d.val_loss_peri_minus_pre", (0.1, 0.05, 0.15))])), .notReproduced)
        func divergences(_ pre: Double, _ both: Double) -> Verdict {
            var e = Evidence()
            e.record("c2c.pre_divergences", pre)
            e.record("c2c.peri_diverged_where_pre_did", both)
            return verdict("c2c", e)
        }
        XCTAssertEqual(divergences(0, 0), .inconclusive(.premiseAbsent))
        XCTAssertEqual(divergences(3, 0), .reproduced)
        XCTAssertEqual(divergences(3, 1), .notReproduced)
        guard case .notTestable = verdict("c3", Evidence()) else { return XCTFail("c3 is about 3.2B parameters") }
    }

    /// A tiny run feeds every rule, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = PeriLNPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "peri-ln")
        var settings = PeriLNPaper.Settings(layers: 2, steps: 3, selectionSeeds: 2, evaluationSeeds: 2)
        settings.learningRates = [1e-3, 1e-1]
        settings.validationSequences = 4
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
