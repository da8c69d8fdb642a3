import Foundation
import XCTest
@testable import SharpnessAndGeneralization
@testable import Harness

final class SAMEdgeOfStabilityTests: XCTestCase {
    typealias Paper = SAMEdgeOfStability

    /// The predicted edges: 2/η, the root of ηλ(1 + ρλ) = 2, and normalised SAM's edge, which
    /// tends to GD's as the gradient norm grows.
    func testPredictedEdges() {
        XCTAssertEqual(EdgeSetting(kind: .gd, rate: 0.5, rho: 0).predictedEdge, 4)
        for (eta, rho) in [(0.5, 0.5), (0.3, 1.0), (0.8, 0.2)] {
            let l = EdgeSetting(kind: .usam, rate: eta, rho: rho).predictedEdge
            XCTAssertEqual(eta * l * (1 + rho * l), 2, accuracy: 1e-12)
            XCTAssertLessThan(l, 2 / eta)
            let sam = EdgeSetting(kind: .sam, rate: eta, rho: rho)
            let g = 0.7, e = sam.samEdge(gradientNorm: g)
            XCTAssertEqual(eta * e * (1 + rho * e / g), 2, accuracy: 1e-12)
            XCTAssertEqual(sam.samEdge(gradientNorm: 1e9), 2 / eta, accuracy: 1e-6)
        }
    }

    /// On a pure quadratic (Q = 0, one parameter, curvature c²) USAM converges just below its edge
    /// and diverges just above it, while GD at the same η converges on both sides.
    func testUSAMStabilityEdgeOnAQuadratic() throws {
        let c = 1.3
        let m = QuadraticRegressionModel(targets: [1], linear: [c], curvature: [0])
        let lambda = c * c
        for (factor, converges) in [(0.95, true), (1.05, false)] {
            let rho = 0.4, edgeRate = 2 / (lambda * (1 + rho * lambda))
            let usam = try m.train(EdgeSetting(kind: .usam, rate: factor * edgeRate, rho: rho), steps: 400, every: 400)
            let gd = try m.train(EdgeSetting(kind: .gd, rate: factor * edgeRate, rho: 0), steps: 400, every: 400)
            XCTAssertLessThan(gd.loss.last!, 1e-12)
            if converges { XCTAssertLessThan(usam.loss.last!, 1e-6) } else { XCTAssertTrue(usam.diverged || usam.loss.last! > 1) }
        }
    }

    /// Each rule's branches on synthetic evidence.
    func testRulesDecideEachBranch() {
        let claims = Dictionary(uniqueKeysWithValues: Paper().claims.map { ($0.id, $0) })
        func plateau(_ e: inout Evidence, _ s: EdgeSetting, _ mean: Double, diverged: Double = 0) {
            e.record(interval: "c2.\(s.key).ratio", Interval(mean: mean, low: mean - 0.03, high: mean + 0.03, count: 8), tolerance: 0)
            e.record("c2.\(s.key).diverged_share", diverged)
        }
        var good = Evidence(), bad = Evidence()
        for (i, s) in (Paper.Settings.gdSettings + Paper.Settings.usamSettings).enumerated() {
            plateau(&good, s, i == 2 ? 0.6 : 1.0)
            plateau(&bad, s, i % 2 == 0 ? 0.6 : 1.0, diverged: i == 3 ? 0.5 : 0)
        }
        XCTAssertEqual(claims["c2a"]!.decide(good).verdict, .reproduced)
        XCTAssertEqual(claims["c2b"]!.decide(good).verdict, .reproduced, "5 of 6 settings hold")
        XCTAssertEqual(claims["c2a"]!.decide(bad).verdict, .notReproduced)
        XCTAssertEqual(claims["c2b"]!.decide(bad).verdict, .notReproduced, "only 2 of 6 hold")
        func c1(_ mean: Double, _ ratio: Double) -> Verdict {
            var e = Evidence()
            e.record(interval: "c1.log_lambda_diff", Interval(mean: mean, low: mean - 0.05, high: mean + 0.05, count: 8), tolerance: 0)
            e.record("c1.min_loss_ratio", ratio)
            return claims["c1"]!.decide(e).verdict
        }
        XCTAssertEqual(c1(-0.4, 1e3), .reproduced)
        XCTAssertEqual(c1(0.2, 1e3), .notReproduced)
        XCTAssertEqual(c1(-0.4, 3), .inconclusive(.premiseAbsent))
        func c3(_ diff: Double, _ edge: Double) -> Verdict {
            var e = Evidence()
            e.record(interval: "c3.log_lambda_diff", Interval(mean: diff, low: diff - 0.1, high: diff + 0.1, count: 3), tolerance: 0)
            e.record(interval: "c3.gd_edge_ratio", Interval(mean: edge, low: edge - 0.05, high: edge + 0.05, count: 3), tolerance: 0)
            return claims["c3"]!.decide(e).verdict
        }
        XCTAssertEqual(c3(-0.7, 1.0), .reproduced)
        XCTAssertEqual(c3(-0.7, 0.5), .inconclusive(.premiseAbsent))
        XCTAssertEqual(c3(0.3, 1.0), .notReproduced)
    }

    /// A tiny run is deterministic and records every metric the rules read.
    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        let context = RunContext(scale: .quick, slug: "sam-eos")
        var s = Paper.Settings(context)
        s.steps = 60; s.instances = 2; s.flowSteps = 300
        s.mlpExamples = 48; s.mlpSteps = 6; s.mlpEvery = 3; s.mlpSeeds = 2; s.lanczosSteps = 3
        let a = try Paper().run(context, settings: s), b = try Paper().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics.map(\.name), b.evidence.metrics.map(\.name))
        XCTAssertEqual(a.evidence.metrics.map(\.value.bitPattern), b.evidence.metrics.map(\.value.bitPattern))
        for claim in Paper().claims { _ = claim.decide(a.evidence) }
        XCTAssertEqual(a.evidence.metrics.filter { $0.name.hasSuffix(".instances") }.count, 8)
    }
}
