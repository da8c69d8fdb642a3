import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
import Harness

final class FloraTests: XCTestCase {
    let source = RandomProjectionSource(seed: 3, path: ["test"])

    func matrix(_ rows: Int, _ columns: Int, _ seed: UInt64) -> Tensor<Float> {
        var rng = SeededRandom(seed: seed, path: ["g"])
        return Tensor<Float>.randomNormal([rows, columns], using: &rng)
    }

    func assertClose(_ a: Tensor<Float>, _ b: Tensor<Float>, _ accuracy: Float = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, file: file, line: line)
        for (x, y) in zip(a.data, b.data) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
    }

    // MARK: - Momentum

    /// The parent: M = β₁M + (1−β₁)U from zero, the update is M.
    func testFullMomentumByHand() {
        let t = FloraMomentum(rank: nil, source: source)
        let (g1, g2) = (matrix(3, 4, 1), matrix(3, 4, 2))
        var u = g1
        t.update(&u, parameter: u, index: 0, step: 1)
        assertClose(u, 0.1 * g1)
        var w = g2
        t.update(&w, parameter: w, index: 0, step: 2)
        assertClose(w, 0.09 * g1 + 0.1 * g2)
        XCTAssertEqual(t.stateBytes, 12 * 4)
    }

    /// Flora with κ = 1: step 1 moves the (zero) momentum to projection 1 and stores 0.1·down₁(G₁);
    /// step 2 decompresses it with projection 1: U₂ = 0.1 G₂ + 0.9 · up₁(0.1 down₁(G₁)).
    func testCompressedMomentumAndTransferByHand() {
        let t = FloraMomentum(rank: 2, kappa: 1, source: source)
        let (g1, g2) = (matrix(4, 6, 1), matrix(4, 6, 2))   // rows < columns: the left side
        let p1 = source.projector(index: 0, refresh: 1, side: .left, rows: 4, columns: 6, rank: 2)
        var u = g1
        t.update(&u, parameter: u, index: 0, step: 1)
        assertClose(u, 0.1 * g1)
        var w = g2
        t.update(&w, parameter: w, index: 0, step: 2)
        assertClose(w, 0.1 * g2 + 0.09 * matmul(p1, matmul(p1, g1, transposeA: true)))
        XCTAssertEqual(t.stateBytes, 2 * 6 * 4)
    }

    /// State: r·max(m,n) for an eligible matrix; full for an aspect ratio above 4 or a side below r.
    func testStateBytesAndEligibility() {
        let t = FloraMomentum(rank: 8, source: source)
        for (i, shape) in [[32, 128], [128, 32], [8, 64], [4, 4]].enumerated() {
            var u = matrix(shape[0], shape[1], UInt64(i))
            t.update(&u, parameter: u, index: i, step: 1)
        }
        XCTAssertEqual(t.stateBytes, 4 * (8 * 128 + 128 * 8 + 8 * 64 + 16))
    }

    /// `up(down(G))` is unbiased: E[P Pᵀ] = I.
    func testProjectionIsUnbiased() {
        let g = matrix(4, 6, 9)
        var mean = Tensor<Float>.zeros([4, 6])
        let draws = 3000
        for k in 0..<draws {
            let p = source.projector(index: 0, refresh: k, side: .left, rows: 4, columns: 6, rank: 2)
            mean.add(FloraProjection.up(FloraProjection.down(g, p, .left), p, .left), scaledBy: 1 / Float(draws))
        }
        assertClose(mean, g, 0.15)
    }

    // MARK: - Accumulation and LoRA

    /// Two micro-batches: nothing moves after the first; then SGD (η = 1) takes up(down(G₁+G₂))/2
    /// with one projection; the next step draws another.
    func testAccumulationByHand() {
        let w = Parameter("w", Tensor<Float>.zeros([4, 6]))
        let a = FloraAccumulation(inner: ChainedOptimizer.sgd([w], learningRate: .constant(1)), microBatches: 2, rank: 2, source: source)
        let (g1, g2) = (matrix(4, 6, 1), matrix(4, 6, 2))
        w.grad = g1; a.applyGradients()
        XCTAssertEqual(w.value, .zeros([4, 6]))
        w.grad = g2; a.applyGradients()
        let p0 = source.projector(index: 0, refresh: 0, side: .left, rows: 4, columns: 6, rank: 2)
        assertClose(w.value, -0.5 * matmul(p0, matmul(p0, g1 + g2, transposeA: true)))
        XCTAssertEqual(a.stateBytes, 2 * 6 * 4)
        let full = FloraAccumulation(inner: ChainedOptimizer.sgd([w], learningRate: .constant(1)), microBatches: 2, rank: nil, source: source)
        let before = w.value
        w.grad = g1; full.applyGradients(); w.grad = g2; full.applyGradients()
        assertClose(w.value, before + (-0.5) * (g1 + g2))
    }

    /// LoRA's first SGD step (B = 0, so A gets no gradient) is exactly Flora's compressed step.
    func testLoRAFirstStepIsCompressedSGD() {
        let w = Parameter("w", matrix(6, 4, 5))     // rows > columns: the right side
        let w0 = w.value, g = matrix(6, 4, 6)
        let lora = LoRAOnWeights([w], learningRate: 0.1, rank: 2, source: source)
        w.grad = g; lora.applyGradients()
        let p = source.projector(index: 0, refresh: 0, side: .right, rows: 6, columns: 4, rank: 2)
        assertClose(w.value, w0 + (-0.1) * matmul(matmul(g, p, transposeB: true), p))
    }

    // MARK: - `reproduce trace`

    /// The trace path builds `flora` from the official keywords on the ls6x4b4 problem (W is 6×4,
    /// rank 2: its momentum is compressed), loss decreases, and an unknown keyword is refused.
    func testTracePath() throws {
        let golden = try GoldenTrace.golden("adam__ls6x4b4")
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        problem["optimizer"] = ["name": "flora", "hyperparams": ["lr": 0.01, "rank": 2, "kappa": 5, "beta1": 0.9, "scale_parameter": false]]
        let result = try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers)
        XCTAssertTrue(result.finite)
        XCTAssertLessThan(result.loss.last!, result.loss.first!)
        problem["optimizer"] = ["name": "flora", "hyperparams": ["lr": 0.01, "momentum": 0.9]]
        XCTAssertThrowsError(try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers))
    }

    // MARK: - Rules

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) { e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0) }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testRuleBranches() {
        let claims = FloraPaper().claims
        func verdict(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        XCTAssertEqual(verdict("c1", Self.evidence([:], ["c1.cosine_min": 0.99])), .reproduced)
        XCTAssertEqual(verdict("c1", Self.evidence([:], ["c1.cosine_min": 0.5])), .notReproduced)
        XCTAssertEqual(verdict("c2", Self.evidence([:], ["c2.rank_fixed": 8, "c2.rank_resampled": 80])), .reproduced)
        XCTAssertEqual(verdict("c2", Self.evidence([:], ["c2.rank_fixed": 8, "c2.rank_resampled": 9])), .notReproduced)
        XCTAssertEqual(verdict("c2", Self.evidence([:], ["c2.rank_fixed": 40, "c2.rank_resampled": 80])), .inconclusive(.premiseAbsent))
        XCTAssertEqual(verdict("c3a", Self.evidence([:], ["c3a.momentum_ratio_blocks": 0.25])), .reproduced)
        XCTAssertEqual(verdict("c3b", Self.evidence([:], ["c3b.accumulator_ratio_blocks": 0.3])), .notReproduced)
        let k = FloraPaper.task
        for (id, key) in [("c4a", "loss_flora_momentum_minus_full"), ("c4b", "loss_flora_accumulation_minus_full"), ("c4c", "loss_flora_momentum_minus_adamw")] {
            XCTAssertEqual(verdict(id, Self.evidence(["\(k).\(key)": (0, -0.01, 0.01)])), .reproduced, id)
            XCTAssertEqual(verdict(id, Self.evidence(["\(k).\(key)": (0.1, 0.06, 0.14)])), .notReproduced, id)
        }
    }

    // MARK: - A tiny run

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = FloraPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "flora")
        var settings = FloraPaper.Settings(context)
        settings.kappa = 2
        settings.learningRates = [1e-2]
        settings.dynamicsSteps = (lora: 3, rank: 20)
        settings.task = { StandardTasks.transformerMarkov($0, steps: 4) }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c3a.momentum_ratio_blocks"], 0.25)
        XCTAssertEqual(first.evidence["c3b.accumulator_ratio_blocks"], 0.25)
        XCTAssertLessThanOrEqual(first.evidence["c2.rank_fixed"], 8)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
        XCTAssertTrue(leagueEntries.contains { $0.arm.name == "flora" })
        XCTAssertNotNil(paper.traceOptimizers["flora"])
        XCTAssertEqual(try compiledExcerpts.excerpts(of: paper).map(\.name), ["flora-momentum", "flora-accumulation"])
    }
}
