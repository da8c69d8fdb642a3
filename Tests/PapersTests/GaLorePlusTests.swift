import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// GaLore+: the projector-source hook, randomized subspace iteration against the SVD, the
/// cross-head slice, the sparse residual's entries, update and bytes, the rules' branches, and a
/// tiny deterministic run.
final class GaLorePlusTests: XCTestCase {
    /// A `rows × columns` matrix of rank `rank` (a product of seeded Gaussian factors).
    static func lowRank(_ rows: Int, _ columns: Int, rank: Int, seed: UInt64) -> Tensor<Float> {
        var rng = SeededRandom(seed: seed, path: ["test"])
        let b = Tensor<Float>(shape: [rows, rank], data: (0..<rows * rank).map { _ in Float(rng.normal()) })
        let c = Tensor<Float>(shape: [rank, columns], data: (0..<rank * columns).map { _ in Float(rng.normal()) })
        return matmul(b, c)
    }

    static func maxAbs(_ t: Tensor<Float>) -> Float { t.data.map { abs($0) }.max() ?? 0 }

    /// On an exactly rank-3 matrix, three steps of subspace iteration find its column space:
    /// `P` is orthonormal and `PPᵀA = A`; the same as the SVD's `U[:, :3]` up to rotation.
    func testSubspaceIterationFindsTheColumnSpace() throws {
        let a = Self.lowRank(16, 8, rank: 3, seed: 1)
        let source = CrossHeadSubspaceIteration(heads: [1], seed: 7)
        var rng = SeededRandom(seed: 3, path: ["omega"])
        let p = source.subspaceIteration(a, rank: 3, rng: &rng)
        XCTAssertEqual(p.shape, [16, 3])
        XCTAssertLessThan(Self.maxAbs(matmul(p, p, transposeA: true) - .identity(3)), 1e-5)
        XCTAssertLessThan(Self.maxAbs(matmul(p, matmul(p, a, transposeA: true)) - a), 1e-4 * Self.maxAbs(a))
        let u = try svd(a).u.transposed.rows(0..<3).transposed
        XCTAssertLessThan(Self.maxAbs(matmul(p, p, transposeB: true) - matmul(u, u, transposeB: true)), 1e-4)
        XCTAssertEqual(source.flops, CrossHeadSubspaceIteration.iterationFlops(16, 8, 3, 2))
    }

    /// With two heads whose gradients span different subspaces, the shared projector is one head's
    /// basis: it reproduces that head's slice exactly and not the other's; its cost is the slice's.
    func testCrossHeadProjectorComesFromOneHead() throws {
        let left = Self.lowRank(12, 4, rank: 2, seed: 2), right = Self.lowRank(12, 4, rank: 2, seed: 3)
        var data = [Float]()
        for r in 0..<12 {
            let start = r * 4
            data.append(contentsOf: left.data[start..<(start + 4)])
            data.append(contentsOf: right.data[start..<(start + 4)])
        }
        let g = Tensor<Float>(shape: [12, 8], data: data)
        let source = CrossHeadSubspaceIteration(heads: [2], seed: 5)
        let p = source.projector(g, rank: 2, side: .left, index: 0, step: 1)
        XCTAssertEqual(p.shape, [12, 2])
        let errors = [left, right].map { Self.maxAbs(matmul(p, matmul(p, $0, transposeA: true)) - $0) / Self.maxAbs($0) }
        XCTAssertEqual(errors.filter { $0 < 1e-4 }.count, 1, "\(errors)")
        XCTAssertEqual(source.flops, CrossHeadSubspaceIteration.iterationFlops(12, 4, 2, 2))
        // Deterministic in (seed, index, step); the right side returns the transposed basis.
        XCTAssertEqual(source.projector(g, rank: 2, side: .left, index: 0, step: 1).data, p.data)
        XCTAssertEqual(source.projector(g.transposed, rank: 2, side: .right, index: 0, step: 1).shape, [2, 12])
    }

    /// The hook: GaLoreProjection with a fixed projector source takes `P` from it, and at step 1
    /// Adam's direction is `sign`, so the update is `α P sign(Pᵀ G)` (hand-computed).
    func testProjectorSourceHookSetsTheProjector() {
        let p = Tensor<Float>(shape: [2, 1], data: [0.6, 0.8])
        let projection = GaLoreProjection(settings: [GaLoreProjection.Settings(rank: 1, updateGap: 10, scale: 0.5)], inner: ScaleByAdam(),
                                          layout: .inputsByOutputs) { _, _, _, _, _ in p }
        var u = Tensor<Float>(shape: [2, 3], data: [1, -2, 3, -2, 1, 5])   // Pᵀ G = [-1, -0.4, 5.8]
        projection.update(&u, parameter: u, index: 0, step: 1)
        XCTAssertEqual(projection.projector(0)?.matrix.data, p.data)
        let expected: [Float] = [-0.3, -0.3, 0.3, -0.4, -0.4, 0.4]
        for (x, y) in zip(u.data, expected) { XCTAssertEqual(x, y, accuracy: 1e-6) }
    }

    /// The residual codes the largest `|G − PPᵀG|` entry (ρ·mn rounded up = 1 of 100), adds
    /// `α sign(Δ)` there at step 1, and costs 12 bytes beyond GaLore's state.
    func testSparseResidualCodesTheLargestLostEntry() {
        let p = Tensor<Float>(shape: [10, 1], data: [1] + Array(repeating: 0, count: 9))
        let projection = GaLoreProjection(settings: [GaLoreProjection.Settings(rank: 1, updateGap: 10, scale: 0.5)], inner: ScaleByAdam(),
                                          layout: .inputsByOutputs) { _, _, _, _, _ in p }
        let residual = SparseCodedResidual(projection: projection)
        var g = Tensor<Float>(shape: [10, 10], repeating: 0.1)
        g.data[0] = 9           // row 0 is kept by P
        g.data[37] = -4         // the largest lost entry
        var u = g
        residual.update(&u, parameter: g, index: 0, step: 1)
        XCTAssertEqual(u.data[37], -0.5, accuracy: 1e-5)
        XCTAssertEqual(u.data[38], 0, accuracy: 1e-6)
        XCTAssertEqual(u.data[0], 0.5, accuracy: 1e-5)
        XCTAssertEqual(residual.stateBytes, projection.stateBytes + 12)
        XCTAssertEqual(residual.codedEnergy / residual.residualEnergy, 16 / (16 + 89 * 0.01), accuracy: 1e-4)
    }

    /// Each rule's branches on synthetic evidence.
    func testRuleBranches() {
        let claims = Dictionary(uniqueKeysWithValues: GaLorePlus().claims.map { ($0.id, $0) })
        func interval(_ key: String, _ low: Double, _ high: Double) -> Evidence {
            var e = Evidence()
            e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 6), tolerance: 0)
            return e
        }
        let c4a = claims["c4a"]!
        XCTAssertEqual(c4a.decide(interval("c4a.log_loss_plus_minus_galore", -0.01, 0.005)).verdict, .reproduced)
        XCTAssertEqual(c4a.decide(interval("c4a.log_loss_plus_minus_galore", 0.02, 0.03)).verdict, .notReproduced)
        XCTAssertEqual(claims["c4b"]!.decide(interval("c4b.log_loss_plus_minus_adamw", 0.01, 0.04)).verdict.display.hasPrefix("inconclusive"), true)
        func scalar(_ key: String, _ value: Double) -> Evidence {
            var e = Evidence(); e.record(key, value, absoluteTolerance: 0, relativeTolerance: 0); return e
        }
        XCTAssertEqual(claims["c2a"]!.decide(scalar("c2a.projector_flop_ratio", 2.5)).verdict, .reproduced)
        XCTAssertEqual(claims["c2a"]!.decide(scalar("c2a.projector_flop_ratio", 1.5)).verdict, .notReproduced)
        XCTAssertEqual(claims["c2b"]!.decide(scalar("c2b.extra_state_minus_expected", 0)).verdict, .reproduced)
        XCTAssertEqual(claims["c2b"]!.decide(scalar("c2b.extra_state_minus_expected", 4)).verdict, .notReproduced)
        XCTAssertEqual(claims["c3"]!.decide(scalar("c3.residual_energy_share", 0.015)).verdict, .notReproduced)
        XCTAssertEqual(claims["c3"]!.decide(scalar("c3.residual_energy_share", 0.05)).verdict, .reproduced)
    }

    /// A tiny run: deterministic, every claim decides from recorded metrics, the memory identity holds.
    func testTinyRunIsDeterministicAndRecordsEveryMetric() throws {
        let s = GaLore.Settings(width: 8, context: 8, batch: 4, steps: 6, learningRates: [3e-3], evaluationSeeds: 2,
                                evaluationInterval: 3, updateGap: 3)
        let context = RunContext(seed: 0, scale: .quick, slug: "galore-plus")
        let run = try GaLorePlus().run(context, settings: s), again = try GaLorePlus().run(context, settings: s)
        XCTAssertEqual(run.evidence.metrics.map { "\($0.name)=\($0.value)" }, again.evidence.metrics.map { "\($0.name)=\($0.value)" })
        for claim in GaLorePlus().claims { XCTAssertFalse(claim.decide(run.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(run.evidence["c2b.extra_state_minus_expected"], 0)
        XCTAssertGreaterThan(run.evidence["c2a.projector_flop_ratio"], 1)
        XCTAssertNotNil(Papers.paper(slug: "galore-plus"))
    }

    /// `reproduce trace` runs `galore-plus` on the GaLore golden's least-squares problem (its
    /// `rank` group option) through the trace table: finite, and the loss falls; a misspelt group
    /// key is rejected by name.
    func testTraceRunsOnTheGaLoreProblem() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        let result = try GoldenTrace.problem(golden, optimizer: "galore-plus", keys: ["lr", "betas", "eps", "weight_decay"])
            .run(optimizers: traceOptimizers)
        XCTAssertTrue(result.finite)
        XCTAssertLessThan(try XCTUnwrap(result.loss.last), try XCTUnwrap(result.loss.first))
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        var params = try XCTUnwrap(problem["params"] as? [[String: Any]])
        params[0]["group"] = ["rnk": 2]
        problem["params"] = params
        problem["optimizer"] = ["name": "galore-plus", "hyperparams": ["lr": 0.01]]
        XCTAssertThrowsError(try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers))
    }
}
