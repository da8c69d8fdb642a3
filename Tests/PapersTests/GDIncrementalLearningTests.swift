import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
import Harness

final class GDIncrementalLearningTests: XCTestCase {
    /// M⋆ = V diag(σ) Vᵀ with a random orthonormal V.
    private func groundTruth(d: Int, _ sigma: [Double], seed: UInt64 = 3) -> (Tensor<Double>, Tensor<Double>) {
        var rng = SeededRandom(seed: seed)
        let v = MatrixSensingProblem.randomBasis(n: d, rank: sigma.count, rng: &rng)
        var m = Tensor<Double>.zeros([d, d])
        for i in 0..<d { for j in 0..<d { m[i, j] = sigma.indices.reduce(0) { $0 + sigma[$1] * v[i, $1] * v[j, $1] } } }
        return (m, v)
    }

    /// With H = I, GLRL's rank-s point is the best rank-s approximation Σ_{j≤s} σ_j v_j v_jᵀ and
    /// the escape rate from M_{s−1} is σ_s.
    func testPopulationGLRLIsTheTruncatedEigendecomposition() throws {
        let sigma = [3.0, 2, 1]
        let (m, v) = groundTruth(d: 6, sigma)
        let path = try GLRLPath(SensingInstance(populationWith: m), rank: 3, eta: 0.05)
        for s in 0..<3 {
            XCTAssertEqual(path.escapeRates[s], sigma[s], accuracy: 1e-9)
            var expected = Tensor<Double>.zeros([6, 6])
            for i in 0..<6 { for j in 0..<6 { expected[i, j] = (0...s).reduce(0) { $0 + sigma[$1] * v[i, $1] * v[j, $1] } } }
            XCTAssertLessThan((path.points[s] - expected).norm(), 1e-8, "M\(s + 1)")
        }
    }

    /// −∇f(U) = E(UUᵀ)U with E(M) = H[M⋆ − M], on a finite-measurement instance.
    func testGradientIsMinusEscapeMatrixTimesFactor() {
        var rng = SeededRandom(seed: 5)
        let instance = SensingInstance(d: 5, eigenvalues: [2, 1], measurements: 60, rng: &rng)
        let u = Tensor<Double>.randomNormal([5, 3], using: &rng)
        let g = instance.evaluate([u])[0].gradient
        let expected = matmul(instance.escapeMatrix(matmul(u, u, transposeB: true)), u)
        XCTAssertLessThan((g + expected).norm(), 1e-10 * expected.norm())
    }

    /// The c2 prediction where it is exact to first order (H = I): lowering α by 10⁴ delays the
    /// learning of direction s by ln(10⁴)/ln(1 + ησ_s) steps, to within a few steps.
    func testLearningTimeShiftsByThePredictedStepsInThePopulation() throws {
        let sigma = [3.0, 2, 1], eta = 0.05
        let (m, _) = groundTruth(d: 6, sigma)
        let instance = SensingInstance(populationWith: m)
        let path = try GLRLPath(instance, rank: 3, eta: eta)
        var rng = SeededRandom(seed: 9)
        let runs = try GDIncrementalLearningPaper.descend(instance, path: path, widths: [6], alphas: [1e-4, 1e-8],
                                                          eta: eta, steps: 700, rng: &rng)
        for s in 0..<3 {
            let shift = Double(runs[1].learnTimes[s]! - runs[0].learnTimes[s]!)
            XCTAssertEqual(shift, log(1e4) / log(1 + eta * sigma[s]), accuracy: 4, "phase \(s + 1)")
        }
        // One direction at a time: each learned in turn, and the run passes M₁ and M₂ closely.
        XCTAssertLessThan(runs[1].learnTimes[0]!, runs[1].learnTimes[1]!)
        XCTAssertLessThan(runs[1].learnTimes[1]!, runs[1].learnTimes[2]!)
        XCTAssertLessThan(runs[1].closestApproach(1).distance, 1e-3)
        XCTAssertLessThan(runs[1].closestApproach(2).distance, 1e-3)
    }

    /// The rules' branches on made-up evidence.
    func testRulesDecideBothWays() {
        let claims = GDIncrementalLearningPaper().claims
        func verdict(_ id: String, _ fill: (inout Evidence) -> Void) -> Verdict {
            var e = Evidence()
            fill(&e)
            return claims.first { $0.id == id }!.decide(e).verdict
        }
        XCTAssertEqual(verdict("c1a") { $0.record("c1a.worst_closest_approach", 0.01); $0.record("c1a.runs_out_of_order", 0) }, .reproduced)
        XCTAssertEqual(verdict("c1a") { $0.record("c1a.worst_closest_approach", 0.01); $0.record("c1a.runs_out_of_order", 1) }, .notReproduced)
        XCTAssertEqual(verdict("c1a") { $0.record("c1a.worst_closest_approach", 0.3); $0.record("c1a.runs_out_of_order", 0) }, .notReproduced)
        func slopes(_ e: inout Evidence, _ third: Summary) {
            e.record(interval: "c2.slope_ratio_minus_one.phase1", Summary([0.01, 0.02, 0.0]), tolerance: 0)
            e.record(interval: "c2.slope_ratio_minus_one.phase2", Summary([-0.02, 0.01, 0.0]), tolerance: 0)
            e.record(interval: "c2.slope_ratio_minus_one.phase3", third, tolerance: 0)
        }
        XCTAssertEqual(verdict("c2") { slopes(&$0, Summary([0.03, 0.02, 0.04])) }, .reproduced)
        XCTAssertEqual(verdict("c2") { slopes(&$0, Summary([0.3, 0.32, 0.31])) }, .notReproduced)
        XCTAssertEqual(verdict("c3b") { $0.record("c3b.worst_final_distance", 0.002) }, .reproduced)
        XCTAssertEqual(verdict("c3b") { $0.record("c3b.worst_final_distance", 0.2) }, .notReproduced)
    }

    /// A tiny run is deterministic and records every metric the rules read.
    func testTinyRunIsDeterministicAndDecidable() throws {
        let paper = GDIncrementalLearningPaper()
        let context = RunContext(seed: 1, scale: .quick, slug: paper.info.slug)
        var settings = GDIncrementalLearningPaper.Settings(context)
        (settings.d, settings.measurements, settings.alphas, settings.steps, settings.seeds) = (8, 150, [1e-3, 1e-5], 400, 1)
        let first = try paper.run(context, settings: settings), second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics.map(\.value.bitPattern), second.evidence.metrics.map(\.value.bitPattern))
        for claim in paper.claims { _ = claim.decide(first.evidence) }
        XCTAssertEqual(first.evidence["c1a.runs_out_of_order"], 0)
    }
}
