import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// FRUGAL: GaLore's golden trajectory when the state-free rule is off, hand-computed block steps,
/// the split's invariants, exact state bytes, the rules' branches and a tiny run.
final class FRUGALTests: XCTestCase {
    /// With the state-free rule `no` (and Hugging Face's ε, pytorch-optimizer's GaLore) FRUGAL is
    /// GaLore: the golden's 20 steps stay inside one subspace period (T = 50), so the restart
    /// never fires and both settings of `reset_statistics` match.
    func testGaLoreGoldenWithoutStateFreeRule() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        let losses = try XCTUnwrap(golden["loss"] as? [Double]), params = try XCTUnwrap(golden["params"] as? [[[Double]]])
        for restart in [true, false] {
            let factory: TraceOptimizerFactory = { h, p in
                let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
                return try FRUGALPaper.optimizer(p, learningRate: .constant(try h.float("lr", default: 1e-3)), beta1: b1, beta2: b2,
                                                 eps: try h.float("eps", default: 1e-6), placement: .beforeBiasCorrection, restart: restart,
                                                 stateFree: .none, layout: .outputsByInputs)
            }
            let result = try GoldenTrace.problem(golden, optimizer: "frugal-hf", keys: ["lr", "betas", "eps"]).run(optimizers: ["frugal-hf": factory])
            for (x, r) in zip(result.loss, losses) { XCTAssertLessThanOrEqual(abs(Double(x) - r), 1e-5 + 1e-4 * abs(r)) }
            for (x, r) in zip(result.params.last!.joined(), params.last!.joined()) { XCTAssertLessThanOrEqual(abs(Double(x) - r), 1e-5 + 1e-4 * abs(r)) }
        }
    }

    /// The registered `frugal` runs the same problem with signSGD on the residual, so it leaves
    /// GaLore's trajectory; a bad rule name is a clear error.
    func testTraceFactory() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        let frugal = try GoldenTrace.problem(golden, optimizer: "frugal", keys: ["lr", "betas", "eps"], extra: ["weight_decay": 0]).run(optimizers: traceOptimizers)
        let reference = try XCTUnwrap(golden["params"] as? [[[Double]]])
        XCTAssertTrue(frugal.finite)
        XCTAssertGreaterThan(zip(frugal.params[1][0], reference[1][0]).map { abs(Double($0) - $1) }.max()!, 0.01)
        XCTAssertThrowsError(try GoldenTrace.problem(golden, optimizer: "frugal", keys: ["lr"], extra: ["inactive_update_rule": "adam"]).run(optimizers: traceOptimizers))
    }

    func testSignOfZeroIsZero() {
        var u = Tensor<Float>(shape: [4], data: [1, 1, 1, 1])
        StateFreeRule.signSGD.add(Tensor(shape: [4], data: [3, -2, 0, 1e-9]), scaledBy: 0.5, to: &u)
        XCTAssertEqual(u.data, [1.5, 0.5, 1, 1.5])
    }

    /// The SVD split with SGD on the residual: the update is GaLore's plus `G − P PᵀG`, and that
    /// residual is orthogonal to the subspace; at full rank nothing is left.
    func testResidualIsTheComplement() {
        var rng = SeededRandom(seed: 3, path: ["frugal", "residual"])
        let g = Tensor<Float>(shape: [5, 4], data: (0..<20).map { _ in Float(rng.normal()) }), w = Tensor<Float>.zeros([5, 4])
        for rank in [2, 4] {
            let settings = [GaLoreProjection.Settings(rank: rank, updateGap: 10)]
            let frugal = ScaleByFRUGAL(settings: settings, stateFree: .sgd, layout: .outputsByInputs) { ScaleByAdam() }
            let galore = GaLoreProjection(settings: settings, inner: ScaleByAdam(), layout: .outputsByInputs)
            var a = g, b = g
            frugal.update(&a, parameter: w, index: 0, step: 1)
            galore.update(&b, parameter: w, index: 0, step: 1)
            let residual = a - b, p = galore.projector(0)!.matrix   // right projector, r × 4
            let inside = matmul(residual, p, transposeB: true)
            XCTAssertLessThan(inside.data.map(abs).max()!, 1e-5)
            let norm = residual.data.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
            if rank == 4 { XCTAssertLessThan(norm, 1e-5) } else { XCTAssertGreaterThan(norm, 0.1) }
        }
    }

    /// The restart: at step T + 1 Adam starts over, so its update is a first step's, ±1.
    func testStateRestartsWithTheSubspace() {
        let restarting = RestartingState(period: 2) { ScaleByAdam(eps: 1e-12) }
        let w = Tensor<Float>.zeros([2])
        var outputs: [[Float]] = []
        for (step, g) in [[1, -1], [3, 1], [0.5, 4]].enumerated() {
            var u = Tensor<Float>(shape: [2], data: g.map(Float.init))
            restarting.update(&u, parameter: w, index: 0, step: step + 1)
            outputs.append(u.data)
        }
        for (x, y) in zip(outputs[0], [1, -1] as [Float]) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertNotEqual(outputs[1].map { $0.magnitude }, [1, 1])
        for (x, y) in zip(outputs[2], [1, 1] as [Float]) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertEqual(restarting.stateBytes, 2 * 2 * 4)
    }

    /// Blocks by hand: two tensors, ρ = 1/2, T = 2, descending. Period 0 activates tensor 1
    /// (Adam's first step, ±1), tensor 0 takes sign(g); period 1 swaps them and frees tensor 1's state.
    func testBlockStepsByHand() {
        let blocks = ScaleByBlockFRUGAL(count: 2, density: 0.5, gap: 2, order: .descending, stateFree: .signSGD, stateFreeScale: 0.5) { ScaleByAdam(eps: 1e-12) }
        XCTAssertEqual((0..<3).map { blocks.activeSet(period: $0) }, [[1], [0], [1]])
        let w = Tensor<Float>.zeros([2])
        func step(_ t: Int, _ index: Int, _ g: [Float]) -> [Float] {
            var u = Tensor<Float>(shape: [2], data: g)
            blocks.update(&u, parameter: w, index: index, step: t)
            return u.data
        }
        XCTAssertEqual(step(1, 0, [2, -3]), [0.5, -0.5])
        for (x, y) in zip(step(1, 1, [2, -3]), [1, -1] as [Float]) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertEqual(blocks.stateBytes, 2 * 2 * 4)
        for (x, y) in zip(step(3, 0, [0, 5]), [0, 1] as [Float]) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertEqual(step(3, 1, [-4, 0]), [-0.5, 0])
        XCTAssertEqual(blocks.stateBytes, 2 * 2 * 4)   // tensor 1's moments freed, tensor 0's fresh
        let random = ScaleByBlockFRUGAL(count: 12, density: 0.25, gap: 5, order: .random(seed: 7)) { ScaleByAdam() }
        XCTAssertEqual(random.activeSet(period: 4), random.activeSet(period: 4))
        XCTAssertEqual(Set((0..<6).map { random.activeSet(period: $0).count }), [3])
        XCTAssertGreaterThan(Set((0..<6).map { random.activeSet(period: $0) }).count, 1)
    }

    /// c1a's count: the moments take exactly ρ of AdamW's on the tiny transformer's matrices.
    func testMomentFractionIsRho() {
        let model = TinyTransformer(config: TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: 2), rng: SeededRandom(seed: 1, path: ["m"]))
        let matrices = model.parameters.filter(FRUGALPaper.isBlockMatrix)
        XCTAssertEqual(matrices.count, 12)
        let (fraction, projectorBytes) = FRUGALPaper.momentFraction(matrices, density: 0.25)
        XCTAssertEqual(fraction, 0.25)
        XCTAssertEqual(projectorBytes, (8 * 32 * 8 + 4 * 8 * 32) * 4)   // r × short side on each matrix, r = 8
    }

    func testLogLogSlope() {
        XCTAssertEqual(FRUGALPaper.logLogSlope([1, 4, 16], [1, 0.5, 0.25]), -0.5, accuracy: 1e-12)
    }

    func testRuleBranches() {
        let claims = Dictionary(uniqueKeysWithValues: FRUGALPaper().claims.map { ($0.id, $0) })
        func decide(_ id: String, _ key: String, _ low: Double, _ high: Double) -> Verdict {
            var e = Evidence()
            e.record(interval: key, Interval(mean: (low + high) / 2, low: low, high: high, count: 6), tolerance: 0)
            return claims[id]!.decide(e).verdict
        }
        XCTAssertEqual(decide("c2", "c2.rate_exponent", -0.7, -0.5), .reproduced)
        XCTAssertEqual(decide("c2", "c2.rate_exponent", -0.3, -0.1), .notReproduced)
        XCTAssertEqual(decide("c2", "c2.rate_exponent", -0.5, -0.3), .inconclusive(.underpowered))
        XCTAssertEqual(decide("c3a", "c3a.log_loss_frugal_minus_galore", -0.2, -0.1), .reproduced)
        XCTAssertEqual(decide("c3a", "c3a.log_loss_frugal_minus_galore", 0.02, 0.1), .notReproduced)
        XCTAssertEqual(decide("c3c", "c3c.log_loss_frugal_blocks_minus_adamw", -0.01, 0.02), .reproduced)
        XCTAssertEqual(decide("c3c", "c3c.log_loss_frugal_blocks_minus_adamw", 0.04, 0.06), .notReproduced)
        var e = Evidence()
        e.record("c1a.moment_fraction_minus_rho", 0.01, absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c1b.step_rank_frugal_over_adamw", 0.5, absoluteTolerance: 0, relativeTolerance: 0)
        XCTAssertEqual(claims["c1a"]!.decide(e).verdict, .notReproduced)
        XCTAssertEqual(claims["c1b"]!.decide(e).verdict, .notReproduced)
    }

    /// A tiny run: deterministic, every claim reads recorded metrics, the byte claim holds.
    func testTinyRunIsDeterministic() throws {
        func run() throws -> PaperRun {
            let context = RunContext(seed: 2, scale: .quick, slug: "frugal")
            var s = FRUGALPaper.Settings(context)
            (s.learningRates, s.evaluationSeeds, s.seedCap, s.updateGap, s.rankInterval, s.rateSeeds, s.horizons) = ([1e-2], 2, 2, 2, 2, 2, [16, 64])
            return try FRUGALPaper().run(context, settings: s, task: StandardTasks.transformerMarkov(context, steps: 4))
        }
        let (a, b) = (try run(), try run())
        XCTAssertEqual(a.evidence.metrics.map { "\($0.name)=\($0.value)" }, b.evidence.metrics.map { "\($0.name)=\($0.value)" })
        for claim in FRUGALPaper().claims { XCTAssertFalse(claim.decide(a.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(FRUGALPaper().claims.first { $0.id == "c1a" }!.decide(a.evidence).verdict, .reproduced)
        XCTAssertNotNil(Papers.paper(slug: "frugal"))
        XCTAssertTrue(leagueEntries.contains { $0.arm.name == "frugal" })
    }
}
