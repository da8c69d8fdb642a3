import Foundation
import XCTest
import Papers
@testable import SchedulesAndBatchSize
import Harness

final class RMTLearningRatesTests: XCTestCase {
    typealias P = RMTLearningRatesPaper

    func claim(_ id: String) -> Claim { P().claims.first { $0.id == id }! }

    func evidence(_ key: String, low: Double, high: Double) -> Evidence {
        var e = Evidence()
        e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 15), tolerance: 0)
        return e
    }

    /// c1: reproduced when c's interval lies above 0, not when wholly below, else inconclusive.
    func testCurvatureRuleBranches() {
        for id in ["c1a", "c1b"] {
            let key = "\(id).c"
            XCTAssertEqual(claim(id).decide(evidence(key, low: 0.5, high: 3)).verdict, .reproduced)
            XCTAssertEqual(claim(id).decide(evidence(key, low: -3, high: -0.5)).verdict, .notReproduced)
            XCTAssertEqual(claim(id).decide(evidence(key, low: -1, high: 2)).verdict, .inconclusive(.underpowered))
        }
    }

    /// c2: the slope's interval must sit inside the band ([0.7, 1.3] SGD, [0.3, 0.7] Adam).
    func testSlopeRuleBranches() {
        XCTAssertEqual(claim("c2a").decide(evidence("c2a.slope", low: 0.8, high: 1.2)).verdict, .reproduced)
        XCTAssertEqual(claim("c2a").decide(evidence("c2a.slope", low: 0.2, high: 0.5)).verdict, .notReproduced)
        XCTAssertEqual(claim("c2a").decide(evidence("c2a.slope", low: 1.4, high: 1.6)).verdict, .notReproduced)
        XCTAssertEqual(claim("c2a").decide(evidence("c2a.slope", low: 0.5, high: 1.0)).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(claim("c2b").decide(evidence("c2b.slope", low: 0.4, high: 0.6)).verdict, .reproduced)
        XCTAssertEqual(claim("c2b").decide(evidence("c2b.slope", low: 0.8, high: 1.1)).verdict, .notReproduced)
        if case .notTestable = claim("c3").decide(Evidence()).verdict {} else { XCTFail("c3 is not testable") }
    }

    /// Bisection finds a threshold to within the bracket width / 2^steps, from below, and flags edges.
    func testBisectionFindsTheThresholdAndFlagsEdges() {
        var calls = 0
        let r = P.largestStableRate(bracket: (low: -8, high: 6), steps: 10) { calls += 1; return $0 < 0.3 }
        XCTAssertNil(r.edge)
        XCTAssertLessThanOrEqual(r.log2Rate, log2(0.3))
        XCTAssertGreaterThan(r.log2Rate, log2(0.3) - 14.0 / 1024 - 1e-12)
        XCTAssertEqual(calls, 12)
        XCTAssertEqual(P.largestStableRate(bracket: (low: -8, high: 6), steps: 5) { _ in true }.edge, "high")
        XCTAssertEqual(P.largestStableRate(bracket: (low: -8, high: 6), steps: 5) { _ in false }.edge, "low")
    }

    /// The fit recovers λ_emp and c exactly from noiseless λ = 2 + 5/B, with a zero-width interval.
    func testFitRecoversTheOneOverBLaw() {
        let sizes = [8.0, 16, 32, 64, 128]
        let f = P.fit(x: sizes.map { 1 / $0 }, y: sizes.map { 2 + 5 / $0 })
        XCTAssertEqual(f.slope.mean, 5, accuracy: 1e-9)
        XCTAssertEqual(f.line.intercept, 2, accuracy: 1e-9)
        XCTAssertEqual(f.slope.high - f.slope.low, 0, accuracy: 1e-6)
    }

    /// A tiny deterministic run records every metric the rules read, identically twice.
    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        var s = P.Settings()
        s.hidden = [8]; s.trainExamples = 128; s.checkpointEpochs = 1
        s.curvatureSizes = [8, 32]; s.batchesPerSize = 2; s.lanczosSteps = 3
        s.stabilitySizes = [8, 32]; s.seeds = 2; s.stabilitySteps = 4; s.bisections = 2
        let context = RunContext(seed: 0, scale: .quick, slug: "rmt-lr-batch-size")
        let a = try P().run(context, settings: s), b = try P().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        for claim in P().claims { _ = claim.decide(a.evidence) }
        XCTAssertGreaterThan(a.evidence["c1b.lambda_full"], 0, "the GGN is positive semi-definite")
    }
}
