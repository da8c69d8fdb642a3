import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
@testable import Harness

final class SparseSpectralTrainingTests: XCTestCase {
    /// `scaleColumns` by hand: x = [[1, 2], [3, 4]], s = [2, −1] → [[2, −2], [6, −4]]; with the loss
    /// Σ out ⊙ [[1, 0], [0, 1]]: dx = [[2, 0], [0, −1]], ds = [1·1 + 0·3, 0·2 + 1·4] = [1, 4].
    func testScaleColumnsByHand() {
        let x = Parameter("x", Tensor(shape: [2, 2], data: [1, 2, 3, 4])), s = Parameter("s", Tensor(shape: [2], data: [2, -1]))
        _ = lossAndGradient(parameters: [x, s]) { tape in
            let out = tape.scaleColumns(tape.parameter(x), tape.parameter(s))
            XCTAssertEqual(out.value.data, [2, -2, 6, -4])
            return tape.sum(tape.mul(out, tape.constant(Tensor(shape: [2, 2], data: [1, 0, 0, 1]))))
        }
        XCTAssertEqual(x.grad.data, [2, 0, 0, -1])
        XCTAssertEqual(s.grad.data, [1, 4])
    }

    /// SST starts from the full-rank model's weights (U diag(s) Vᵀ = W to rounding), with
    /// orthonormal U; ReLoRA starts as W₀ exactly (B = 0).
    func testSameStartInEveryArm() {
        let rng = SeededRandom(seed: 1, path: ["sst"])
        let full = SpectralMLP(arm: .full, rank: 8, rng: rng), sst = SpectralMLP(arm: .sst, rank: 8, rng: rng)
        let relora = SpectralMLP(arm: .relora, rank: 8, rng: rng)
        for l in 0..<2 {
            for (a, b) in zip(sst.weight(l).data, full.weight(l).data) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            XCTAssertEqual(relora.weight(l).data, full.weight(l).data)
            let gram = matmul(sst.u[l].value, sst.u[l].value, transposeA: true), k = gram.shape[0]
            for i in 0..<k { XCTAssertEqual(gram.data[i * k + i], 1, accuracy: 1e-4) }
        }
    }

    /// Sampling: r distinct indices; an index of weight 0 is never drawn; a dominant weight is
    /// (almost) always drawn.
    func testMultinomialSampling() {
        var rng = SeededRandom(seed: 2, path: ["multinomial"])
        var hits = 0
        for _ in 0..<200 {
            let picked = SpectralMLP.multinomial([100, 1, 1, 1, 0, 1], count: 3, rng: &rng)
            XCTAssertEqual(Set(picked).count, 3)
            XCTAssertFalse(picked.contains(4))
            if picked.contains(0) { hits += 1 }
        }
        XCTAssertEqual(hits, 200)
    }

    /// Within a round only the sampled columns of U and V move; every s moves.
    func testOnlySampledVectorsMove() {
        let model = SpectralMLP(arm: .sst, rank: 4, rng: SeededRandom(seed: 3, path: ["mask"]))
        var sampler = SeededRandom(seed: 4, path: ["sampler"])
        model.startRound(0, rng: &sampler, seed: SeededRandom(seed: 5, path: ["r"]))
        let before = model.roundParameters.map(\.value)
        let opt = ChainedOptimizer.adam(model.roundParameters, learningRate: .constant(1e-2))
        var g = SeededRandom(seed: 6, path: ["x"])
        let x = Tensor<Float>.randomNormal([16, 64], using: &g), y = (0..<16).map { $0 % 10 }
        for _ in 0..<3 {
            _ = lossAndGradient(parameters: model.trainable) { tape in model.loss(tape, x, labels: y) }
            model.maskGradients(); opt.applyGradients()
        }
        for l in 0..<2 {
            let active = Set(model.active[l])
            XCTAssertEqual(active.count, 4)
            for (p, old) in [(model.u[l], before[l]), (model.v[l], before[4 + l])] {
                let k = p.value.shape[1]
                for j in 0..<k {
                    let moved = (0..<p.value.shape[0]).contains { p.value.data[$0 * k + j] != old.data[$0 * k + j] }
                    XCTAssertEqual(moved, active.contains(j), "\(p.name) column \(j)")
                }
            }
            XCTAssertTrue(zip(model.s[l].value.data, before[2 + l].data).allSatisfy { $0 != $1 }, "every singular value moves")
        }
    }

    func testByteCountsByConstruction() {
        let rng = SeededRandom(seed: 0, path: ["n"])
        XCTAssertEqual(SpectralMLP(arm: .full, rank: 8, rng: rng).trainedNumbers, 64 * 128 + 128 * 128 + 256 + 1290)
        XCTAssertEqual(SpectralMLP(arm: .relora, rank: 8, rng: rng).trainedNumbers, 8 * (192 + 256) + 256 + 1290)
        XCTAssertEqual(SpectralMLP(arm: .sst, rank: 8, rng: rng).trainedNumbers, 8 * (192 + 256) + 64 + 128 + 256 + 1290)
    }

    func testRuleBranches() {
        let claims = SparseSpectralTraining().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        func interval(_ k: String, _ m: Double, _ lo: Double, _ hi: Double) -> Evidence {
            var e = Evidence(); e.record(interval: k, Interval(mean: m, low: lo, high: hi, count: 8), tolerance: 0); return e
        }
        XCTAssertEqual(claim("c1b").decide(interval("c1b.log_loss_sst_minus_full", 0.02, -0.01, 0.05)).verdict, .reproduced)
        XCTAssertEqual(claim("c1b").decide(interval("c1b.log_loss_sst_minus_full", 0.3, 0.2, 0.4)).verdict, .notReproduced)
        XCTAssertEqual(claim("c2a").decide(interval("c2a.loss_sst_minus_relora", -0.05, -0.07, -0.03)).verdict, .reproduced)
        XCTAssertEqual(claim("c2a").decide(interval("c2a.loss_sst_minus_relora", 0.05, 0.03, 0.07)).verdict, .notReproduced)
        var e = Evidence(); e.record("c3.premise.gap_relora_minus_full", 0.1); e.record("c3.gap_closed", 0.7)
        XCTAssertEqual(claim("c3").decide(e).verdict, .reproduced)
        e = Evidence(); e.record("c3.premise.gap_relora_minus_full", 0.1); e.record("c3.gap_closed", 0.1)
        XCTAssertEqual(claim("c3").decide(e).verdict, .notReproduced)
        e = Evidence(); e.record("c3.premise.gap_relora_minus_full", 0.0); e.record("c3.gap_closed", 0.7)
        XCTAssertEqual(claim("c3").decide(e).verdict, .inconclusive(.premiseAbsent))
        e = Evidence(); e.record("c1a.grad_state_ratio_sst_over_full", 0.2)
        XCTAssertEqual(claim("c1a").decide(e).verdict, .reproduced)
    }

    func testTinyRunIsDeterministic() throws {
        let paper = SparseSpectralTraining()
        let context = RunContext(seed: 0, scale: .quick, slug: "sparse-spectral-training")
        var settings = SparseSpectralTraining.Settings(context)
        settings.epochs = 1; settings.learningRates = [3e-3]; settings.evaluationSeeds = 2; settings.seedCap = 2
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
        XCTAssertNotNil(Papers.paper(slug: "sparse-spectral-training"))
    }
}
