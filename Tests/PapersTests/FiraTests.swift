import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// Fira: pytorch-optimizer's trajectories through `reproduce trace`, the residual's scaling by
/// hand, the limiter's cap, the exact state bytes, the rules' branches and a tiny run.
final class FiraTests: XCTestCase {
    static let keys = ["lr", "betas", "eps", "weight_decay"]

    func testGoldenTrajectories() throws {
        try GoldenTrace.check("fira__ls6x4b4", optimizer: "fira", keys: Self.keys)
        try GoldenTrace.check("fira__rosenbrock1x2", optimizer: "fira", keys: Self.keys)
    }

    /// The official code's `alpha` is pytorch-optimizer's `scale`; giving both, different, is an error.
    func testAlphaNamesTheScale() throws {
        let golden = try GoldenTrace.golden("fira__ls6x4b4")
        func run(_ group: [String: Any]) throws -> TraceResult {
            var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
            problem["optimizer"] = ["name": "fira", "hyperparams": ["lr": 0.3]]
            var params = try XCTUnwrap(problem["params"] as? [[String: Any]])
            params[0]["group"] = group
            problem["params"] = params
            return try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers)
        }
        let base: [String: Any] = ["rank": 2, "update_proj_gap": 50, "projection_type": "std"]
        let viaScale = try run(base.merging(["scale": 0.5]) { a, _ in a })
        let viaAlpha = try run(base.merging(["alpha": 0.5]) { a, _ in a })
        XCTAssertEqual(viaScale.params, viaAlpha.params)
        XCTAssertNotEqual(viaScale.params, try run(base.merging(["scale": 1.0]) { a, _ in a }).params)
        XCTAssertThrowsError(try run(base.merging(["scale": 1.0, "alpha": 0.5]) { a, _ in a }))
    }

    /// φ by hand: per column for a left projector (ψ, R are k × n), per row for a right one (m × k).
    func testNormRatioByHand() {
        let psi = Tensor<Float>(shape: [2, 2], data: [3, 1, 4, 0]), r = Tensor<Float>(shape: [2, 2], data: [1, 0, 0, 2])
        var columns = Tensor<Float>(shape: [3, 2], data: [1, 1, 1, 1, 1, 1])
        ScaleByFira.scaleByNormRatio(&columns, direction: psi, gradient: r, columns: true)
        XCTAssertEqual(columns.data, [5, 0.5, 5, 0.5, 5, 0.5])   // ‖(3,4)‖/‖(1,0)‖, ‖(1,0)‖/‖(0,2)‖
        var rows = Tensor<Float>(shape: [2, 3], data: [1, 1, 1, 1, 1, 1])
        ScaleByFira.scaleByNormRatio(&rows, direction: psi, gradient: r, columns: false)
        XCTAssertEqual(rows.data.map { ($0 * 1e4).rounded() / 1e4 }, [3.1623, 3.1623, 3.1623, 2, 2, 2])   // √10/1, 4/2
    }

    /// With the full rank and α = 1 nothing is left over: Fira is GaLore.
    func testFullRankResidualVanishes() {
        let settings = [GaLoreProjection.Settings(rank: 3, updateGap: 2, scale: 1)]
        let fira = ScaleByFira(settings: settings, adam: ScaleByAdam(), layout: .outputsByInputs)
        let galore = GaLoreProjection(settings: settings, inner: ScaleByAdam(), layout: .outputsByInputs)
        var rng = SeededRandom(seed: 1, path: ["fira", "full rank"])
        let w = Tensor<Float>.zeros([5, 3])
        for step in 1...5 {
            var a = Tensor<Float>(shape: [5, 3], data: (0..<15).map { _ in Float(rng.normal()) }), b = a
            fira.update(&a, parameter: w, index: 0, step: step)
            galore.update(&b, parameter: w, index: 0, step: step)
            for (x, y) in zip(a.data, b.data) { XCTAssertEqual(x, y, accuracy: 1e-4) }
        }
    }

    /// A sudden tenfold rise of the out-of-subspace gradient: without the limiter the residual's
    /// norm jumps with it; with it, the norm grows by at most γ = 1.01 per step.
    func testLimiterCapsTheResidualGrowth() {
        func residualNorms(_ limit: Float?) -> [Float] {
            let settings = [GaLoreProjection.Settings(rank: 1, updateGap: 50)]
            let fira = ScaleByFira(settings: settings, adam: ScaleByAdam(), layout: .outputsByInputs, growthLimit: limit)
            let galore = GaLoreProjection(settings: settings, inner: ScaleByAdam(), layout: .outputsByInputs)
            let w = Tensor<Float>.zeros([6, 4])
            return (1...8).map { step in
                var g = Tensor<Float>.zeros([6, 4])
                // Rows (3, ±s): the subspace is the first column (P fixed at step 1); the residual (0, ±s)
                // is scaled row by row by |ψ(R)|/3, and s jumps from 0.1 to 1 at step 5.
                let spike: Float = step >= 5 ? 1 : 0.1
                (g.data[0], g.data[1], g.data[4], g.data[5]) = (3, spike, 3, -spike)
                var a = g, b = g
                fira.update(&a, parameter: w, index: 0, step: step)
                galore.update(&b, parameter: w, index: 0, step: step)
                return zip(a.data, b.data).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }
        }
        let limited = residualNorms(1.01), free = residualNorms(nil)
        XCTAssertGreaterThan(free[4] / free[3], 5)
        for t in 1..<limited.count { XCTAssertLessThanOrEqual(limited[t] / limited[t - 1], 1.01 * (1 + 1e-5)) }
    }

    /// Fira's state is GaLore's plus one Float per projected matrix.
    func testStateBytesAreGaLorePlusOneNormPerMatrix() throws {
        func params() -> [Parameter] {
            let ps = [Parameter("a", .zeros([6, 4])), Parameter("b", .zeros([4, 8])), Parameter("c", .zeros([4]))]
            for p in ps.prefix(2) { p.options = ["rank": 2]; p.grad = Tensor(shape: p.value.shape, data: (0..<p.value.count).map { Float($0 % 5) - 2 }) }
            ps[2].grad = Tensor(shape: [4], data: [1, 2, 3, 4])
            return ps
        }
        let fira = try FiraPaper.optimizer(params(), learningRate: .constant(0.1), layout: .outputsByInputs)
        let galore = try GaLore.optimizer(params(), learningRate: .constant(0.1), layout: .outputsByInputs)
        fira.applyGradients(); galore.applyGradients()
        XCTAssertEqual(galore.stateBytes, (4 * 2 + 2 * 6 * 2 + 4 * 2 + 2 * 2 * 8 + 2 * 4) * 4)   // P, moments of each matrix; Adam on the vector
        XCTAssertEqual(fira.stateBytes - galore.stateBytes, 2 * 4)
    }

    func testRuleBranches() {
        let claims = Dictionary(uniqueKeysWithValues: FiraPaper().claims.map { ($0.id, $0) })
        func interval(_ e: inout Evidence, _ key: String, _ low: Double, _ high: Double) {
            e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 6), tolerance: 0)
        }
        func c3(premise: Double, low: Double, high: Double) -> Verdict {
            var e = Evidence()
            e.record("c3.premise.spikes_without_limiter", premise, absoluteTolerance: 0, relativeTolerance: 0)
            interval(&e, "c3.spikes_fira_minus_no_limiter", low, high)
            return claims["c3"]!.decide(e).verdict
        }
        XCTAssertEqual(c3(premise: 0.2, low: -3, high: -2), .inconclusive(.premiseAbsent))
        XCTAssertEqual(c3(premise: 4, low: -3, high: -2), .reproduced)
        XCTAssertEqual(c3(premise: 4, low: -0.5, high: 0.5), .notReproduced)
        func c4b(_ low: Double, _ high: Double) -> Verdict {
            var e = Evidence()
            interval(&e, "c4b.log_loss_fira_minus_adamw", low, high)
            return claims["c4b"]!.decide(e).verdict
        }
        XCTAssertEqual(c4b(-0.02, 0.005), .reproduced)
        XCTAssertEqual(c4b(0.02, 0.03), .notReproduced)
        XCTAssertEqual(c4b(-0.01, 0.02), .inconclusive(.underpowered))
        var e = Evidence()
        e.record("c2a.state_bytes_fira_minus_galore_minus_limiter", 4, absoluteTolerance: 0, relativeTolerance: 0)
        XCTAssertEqual(claims["c2a"]!.decide(e).verdict, .notReproduced)
    }

    /// A tiny run: deterministic, every claim reads recorded metrics, the bytes claim holds.
    func testTinyRunIsDeterministic() throws {
        func run() throws -> PaperRun {
            let context = RunContext(seed: 2, scale: .quick, slug: "fira")
            var s = FiraPaper.Settings(context)
            (s.learningRates, s.evaluationSeeds, s.seedCap, s.updateGap, s.rankInterval) = ([1e-2], 2, 2, 3, 2)
            return try FiraPaper().run(context, settings: s, task: StandardTasks.transformerMarkov(context, steps: 4))
        }
        let (a, b) = (try run(), try run())
        XCTAssertEqual(a.evidence.metrics.map { "\($0.name)=\($0.value)" }, b.evidence.metrics.map { "\($0.name)=\($0.value)" })
        for claim in FiraPaper().claims { XCTAssertFalse(claim.decide(a.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(FiraPaper().claims.first { $0.id == "c2a" }!.decide(a.evidence).verdict, .reproduced)
        XCTAssertNotNil(Papers.paper(slug: "fira"))
        XCTAssertTrue(leagueEntries.contains { $0.arm.name == "fira" })
    }
}
