import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class HessianCriteriaTests: XCTestCase {
    typealias P = HessianLandscapeGeneralizationPaper

    func claim(_ id: String) -> Claim { P().claims.first { $0.id == id }! }

    /// re and Kh_½ by hand on a two-probe quadrature, as LLA's `hessian_criteria` averages them.
    func testCriteriaByHand() {
        let q = HessianEstimators.SpectralQuadrature(dimension: 3, nodes: [[-1, 2, 4], [-0.5, 1]], weights: [[0.25, 0.25, 0.5], [0.5, 0.5]])
        let c = P.criteria(q)
        XCTAssertEqual(c.re, (0.25 + 0.5) / 2, accuracy: 1e-12)
        let kh1 = 0.25.squareRoot() / (0.5.squareRoot() + 2.0.squareRoot()), kh2 = 0.25.squareRoot() / 0.5.squareRoot()
        XCTAssertEqual(c.kh, (kh1 + kh2) / 2, accuracy: 1e-12)
        XCTAssertEqual(c.positive, (0.75 + 0.5) / 2, accuracy: 1e-12)
    }

    func testRuleBranches() {
        func value(_ key: String, _ v: Double) -> Evidence { var e = Evidence(); e.record(key, v); return e }
        XCTAssertEqual(claim("c2").decide(value("c2.kh_below_one_share", 1)).verdict, .reproduced)
        XCTAssertEqual(claim("c2").decide(value("c2.kh_below_one_share", 0.5)).verdict, .notReproduced)
        XCTAssertEqual(claim("c3a").decide(value("c3a.abs_spearman", 0.7)).verdict, .reproduced)
        XCTAssertEqual(claim("c3b").decide(value("c3b.abs_spearman", 0.2)).verdict, .notReproduced)
        if case .notTestable = claim("c1").decide(Evidence()).verdict {} else { XCTFail("c1 is not testable") }
    }

    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        var s = P.Settings()
        s.widths = [8]; s.optimizers = ["sgd", "adam"]; s.noiseRates = [0]; s.epochs = 1; s.evaluationExamples = 40
        s.probes = 1; s.lanczosSteps = 4
        let context = RunContext(seed: 0, scale: .quick, slug: "hessian-landscape-generalization")
        let a = try P().run(context, settings: s), b = try P().run(context, settings: s)
        XCTAssertEqual(a.evidence.metrics, b.evidence.metrics)
        for claim in P().claims { _ = claim.decide(a.evidence) }
        XCTAssertGreaterThan(a.evidence["clean_test_accuracy_mean"], 0.1)
    }
}
