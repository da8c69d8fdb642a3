import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// COAP: the correlation-aware step against finite differences of its objective, the warm-started
/// sketch, the schedule, the memory count, the rules' branches, a tiny deterministic run and the trace.
final class COAPTests: XCTestCase {
    static func matrix(_ rows: Int, _ columns: Int, seed: UInt64, scale: Double = 0.5) -> Tensor<Float> {
        var rng = SeededRandom(seed: seed, path: ["coap test"])
        return Tensor(shape: [rows, columns], data: (0..<rows * columns).map { _ in Float(scale * rng.normal()) })
    }

    /// The objective in Double, straight from its definition (per-row or per-column cosine).
    static func objective(_ p: [Double], a: Tensor<Float>, m: Tensor<Float>, r: Int, overRows: Bool) -> Double {
        let (rows, cols) = (a.rows, a.columns)
        func A(_ i: Int, _ j: Int) -> Double { Double(a.data[i * cols + j]) }
        func P(_ k: Int, _ j: Int) -> Double { p[k * cols + j] }
        var mse = 0.0, b = [Double](repeating: 0, count: rows * cols)
        for i in 0..<rows {
            let apt = (0..<r).map { k in (0..<cols).reduce(0.0) { $0 + A(i, $1) * P(k, $1) } }
            for j in 0..<cols {
                let rec = (0..<r).reduce(0.0) { $0 + apt[$1] * P($1, j) }
                mse += (rec - A(i, j)) * (rec - A(i, j))
                b[i * cols + j] = (0..<r).reduce(0.0) { $0 + Double(m.data[i * r + $1]) * P($1, j) }
            }
        }
        let units = overRows ? rows : cols, length = overRows ? cols : rows
        var cos = 0.0
        for u in 0..<units {
            var ab = 0.0, aa = 0.0, bb = 0.0
            for t in 0..<length {
                let idx = overRows ? u * cols + t : t * cols + u
                let x = Double(a.data[idx]), y = b[idx]
                ab += x * y; aa += x * x; bb += y * y
            }
            cos += ab / (aa * bb).squareRoot() / Double(units)
        }
        return mse / Double(rows * cols) * (1 - cos)
    }

    /// One step moves P by −0.1 · clip(∇L) with ∇L from central differences, for both cosine axes.
    func testCorrelationAwareStepFollowsTheObjectiveGradient() {
        let a = Self.matrix(5, 3, seed: 1), m = Self.matrix(5, 2, seed: 2), p = Self.matrix(2, 3, seed: 3)
        for overRows in [true, false] {
            let source = CorrelationAwareSource(reprojectFactors: [5], rowsAreOutputs: true, seed: 0)
            let q = source.correlationAwareStep(p, a: a, m: m, cosineOverRows: overRows)
            let base = p.data.map(Double.init), h = 1e-5
            let gradient = base.indices.map { i -> Double in
                var up = base, down = base
                up[i] += h; down[i] -= h
                return (Self.objective(up, a: a, m: m, r: 2, overRows: overRows) - Self.objective(down, a: a, m: m, r: 2, overRows: overRows)) / (2 * h)
            }
            let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot(), coefficient = 0.1 * min(1, 1 / (norm + 1e-6))
            for i in base.indices {
                XCTAssertEqual(Double(q.data[i]), base[i] - coefficient * gradient[i], accuracy: 2e-5 + 1e-3 * abs(coefficient * gradient[i]), "overRows \(overRows) [\(i)]")
            }
            XCTAssertGreaterThan(norm, 1e-3)
            XCTAssertEqual(source.gradientSteps, 1)
        }
    }

    /// On an exactly rank-2 matrix the one-pass sketch finds its row space (A PᵀP = A, P orthonormal),
    /// from a random start and from a warm start alike.
    func testSketchFindsTheRowSpace() {
        let a = matmul(Self.matrix(8, 2, seed: 4), Self.matrix(2, 5, seed: 5))
        let source = CorrelationAwareSource(reprojectFactors: [5], rowsAreOutputs: true, seed: 0)
        let p = source.sketch(a, rank: 2, omega: nil, index: 0)
        let warm = source.sketch(a, rank: 2, omega: Self.matrix(2, 5, seed: 6).transposed, index: 0)
        for q in [p, warm] {
            XCTAssertEqual(q.shape, [2, 5])
            XCTAssertLessThan(GaLorePlusTests.maxAbs(matmul(q, q, transposeB: true) - .identity(2)), 1e-5)
            XCTAssertLessThan(GaLorePlusTests.maxAbs(matmul(matmul(a, q, transposeB: true), q) - a), 1e-4 * GaLorePlusTests.maxAbs(a))
        }
        XCTAssertEqual(source.sketches, 2)
        XCTAssertGreaterThan(source.lapackFlops, 0)
    }

    /// Calls 0, λ, 2λ sketch, the others step; a left projector comes back `rows × r`; without a
    /// first moment the source sketches.
    func testScheduleAndSides() {
        let g = Self.matrix(4, 6, seed: 7)
        let source = CorrelationAwareSource(reprojectFactors: [3], rowsAreOutputs: false, seed: 0)
        source.firstMoment = { _ in (0..<12).map { Float($0) * 0.1 - 0.3 } }   // M of Pᵀ G: 2 × 6
        for step in 0..<7 {
            let p = source.projector(g, rank: 2, side: .left, index: 0, step: step + 1)
            XCTAssertEqual(p.shape, [4, 2])
        }
        XCTAssertEqual(source.sketches, 3)
        XCTAssertEqual(source.gradientSteps, 4)
        let right = CorrelationAwareSource(reprojectFactors: [3], rowsAreOutputs: false, seed: 0)
        XCTAssertEqual(right.projector(g, rank: 2, side: .right, index: 0, step: 1).shape, [2, 6])
        XCTAssertEqual(right.projector(g, rank: 2, side: .right, index: 0, step: 2).shape, [2, 6])
        XCTAssertEqual(right.sketches, 2)
    }

    /// The state count at hand-computable shapes; the 1B count lands within a point of 61%.
    func testMemoryCount() {
        let b = COAPPaper.llamaStateBytes(hidden: 4, mlp: 8, layers: 1, vocabulary: 10, rank: 2, eightBit: false)
        XCTAssertEqual(b.adamW, 1008)
        XCTAssertEqual(b.coap, 800)
        let e = COAPPaper.llamaStateBytes(hidden: 4, mlp: 8, layers: 1, vocabulary: 10, rank: 2, eightBit: true)
        XCTAssertEqual(e.coap, 160 + 168 + 192)   // attention 4 × (2·(8 + 4) + 16), MLP 3 × (2·(16 + 4) + 16), other 2·(92 + 4)
    }

    /// Each rule's branches on synthetic evidence.
    func testRuleBranches() {
        let claims = Dictionary(uniqueKeysWithValues: COAPPaper().claims.map { ($0.id, $0) })
        func interval(_ key: String, _ low: Double, _ high: Double) -> Evidence {
            var e = Evidence()
            e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 6), tolerance: 0)
            return e
        }
        func scalar(_ key: String, _ value: Double) -> Evidence {
            var e = Evidence(); e.record(key, value, absoluteTolerance: 0, relativeTolerance: 0); return e
        }
        XCTAssertEqual(claims["c1a"]!.decide(interval("c1a.loss_coap_minus_adamw", -0.01, 0.015)).verdict, .reproduced)
        XCTAssertEqual(claims["c1a"]!.decide(interval("c1a.loss_coap_minus_adamw", 0.03, 0.05)).verdict, .notReproduced)
        XCTAssertEqual(claims["c1b"]!.decide(interval("c1b.loss_coap_minus_galore", -0.05, -0.01)).verdict, .reproduced)
        XCTAssertEqual(claims["c1b"]!.decide(interval("c1b.loss_coap_minus_galore", -0.005, 0.01)).verdict, .notReproduced)
        XCTAssertTrue(claims["c1c"]!.decide(interval("c1c.loss_coap_minus_random", -0.05, 0.02)).verdict.display.hasPrefix("inconclusive"))
        XCTAssertEqual(claims["c3b"]!.decide(interval("c3b.loss_coap8_minus_galore", -0.05, -0.02)).verdict, .reproduced)
        XCTAssertEqual(claims["c2a"]!.decide(scalar("c2a.llama1b_reduction_percent", 61.4)).verdict, .reproduced)
        XCTAssertEqual(claims["c2a"]!.decide(scalar("c2a.llama1b_reduction_percent", 58)).verdict, .notReproduced)
        XCTAssertEqual(claims["c3a"]!.decide(scalar("c3a.llama7b_8bit_reduction_percent", 79)).verdict, .notReproduced)
        XCTAssertEqual(claims["c2b"]!.decide(scalar("c2b.flop_overhead", 0.02)).verdict, .reproduced)
        XCTAssertEqual(claims["c2b"]!.decide(scalar("c2b.flop_overhead", 0.08)).verdict, .notReproduced)
    }

    /// A tiny run: deterministic, every claim decides from recorded metrics, COAP holds GaLore's bytes.
    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        let s = GaLore.Settings(width: 8, context: 8, batch: 4, steps: 10, learningRates: [3e-3], evaluationSeeds: 2,
                                evaluationInterval: 5, updateGap: 5)
        let context = RunContext(seed: 0, scale: .quick, slug: "coap")
        let run = try COAPPaper().run(context, settings: s), again = try COAPPaper().run(context, settings: s)
        XCTAssertEqual(run.evidence.metrics.map { "\($0.name)=\($0.value)" }, again.evidence.metrics.map { "\($0.name)=\($0.value)" })
        for claim in COAPPaper().claims { XCTAssertFalse(claim.decide(run.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(run.evidence["coap.state_bytes"], run.evidence["galore.state_bytes"])
        XCTAssertLessThan(run.evidence["8bit_coap.state_bytes"], run.evidence["coap.state_bytes"])
        XCTAssertGreaterThan(run.evidence["diagnostic.coap.mean_relative_move"], 0)
        for arm in ["adamw", "galore", "random_projection", "coap", "8bit_coap"] { XCTAssertTrue(run.evidence["\(arm).test_loss"].isFinite, arm) }
        XCTAssertNotNil(Papers.paper(slug: "coap"))
    }

    /// `reproduce trace` runs `coap` on the GaLore golden's least-squares problem with COAP's group
    /// keys: finite, the loss falls; GaLore's `update_proj_gap` is rejected by name.
    func testTraceRunsWithCOAPKeys() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        var params = try XCTUnwrap(problem["params"] as? [[String: Any]])
        params[0]["group"] = ["rank": 2, "update_interval": 2, "reproject_factor": 3, "scale": 1.0]
        problem["params"] = params
        problem["optimizer"] = ["name": "coap", "hyperparams": ["lr": 0.3, "eps": 1e-6]]
        let result = try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers)
        XCTAssertTrue(result.finite)
        XCTAssertLessThan(try XCTUnwrap(result.loss.last), try XCTUnwrap(result.loss.first))
        params[0]["group"] = ["rank": 2, "update_proj_gap": 2]
        problem["params"] = params
        XCTAssertThrowsError(try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers))
    }
}
