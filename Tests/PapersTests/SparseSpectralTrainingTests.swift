import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
@testable import Harness

final class SparseSpectralTrainingTests: XCTestCase {
    /// SST starts from the full-rank model's weights (U diag(s) Vᵀ = W to rounding), with
    /// orthonormal U; ReLoRA starts as W₀ exactly (B = 0).
    func testSameStartInEveryArm() {
        let rng = SeededRandom(seed: 1, path: ["sst"])
        let full = SpectralMLP(arm: .full, rank: 8, rng: rng), sst = SpectralMLP(arm: .sst, rank: 8, rng: rng)
        let relora = SpectralMLP(arm: .relora, rank: 8, rng: rng)
        for l in 0..<2 {
            for (a, b) in zip(sst.weight(l).data, full.weight(l).data) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            XCTAssertEqual(relora.weight(l).data, full.weight(l).data)
            let gram = matmul(sst.spectral[l].u.value, sst.spectral[l].u.value, transposeA: true), k = gram.shape[0]
            for i in 0..<k { XCTAssertEqual(gram.data[i * k + i], 1, accuracy: 1e-4) }
        }
    }

    /// Within an iteration only the sampled columns of U and V move; every σ moves; U, V stay
    /// unit-norm columns and W = U diag(σ) Vᵀ; a re-SVD comes after ⌈k/r⌉ iterations.
    func testOnlySampledVectorsMove() {
        let model = SpectralMLP(arm: .sst, rank: 4, learningRate: .constant(1e-2), rng: SeededRandom(seed: 3, path: ["mask"]))
        let persistent = ChainedOptimizer.adam(model.persistent, learningRate: .constant(1e-2))
        var sampler = SeededRandom(seed: 4, path: ["sampler"])
        model.startIteration(0, rng: &sampler, seed: SeededRandom(seed: 5, path: ["r"]))
        let before = model.spectral.flatMap { [$0.u.value, $0.sigma.value, $0.v.value] }
        var g = SeededRandom(seed: 6, path: ["x"])
        let x = Tensor<Float>.randomNormal([16, 64], using: &g), y = (0..<16).map { $0 % 10 }
        for _ in 0..<3 {
            _ = lossAndGradient(parameters: model.trainable) { tape in model.loss(tape, x, labels: y) }
            model.update(persistent)
        }
        for l in 0..<2 {
            let layer = model.spectral[l], active = Set(layer.active)
            XCTAssertEqual(active.count, 4)
            for (p, old) in [(layer.u, before[3 * l]), (layer.v, before[3 * l + 2])] {
                let k = p.value.shape[1]
                for j in 0..<k {
                    let moved = (0..<p.value.shape[0]).contains { p.value.data[$0 * k + j] != old.data[$0 * k + j] }
                    XCTAssertEqual(moved, active.contains(j), "\(p.name) column \(j)")
                    let norm = (0..<p.value.shape[0]).reduce(Float(0)) { $0 + p.value.data[$1 * k + j] * p.value.data[$1 * k + j] }
                    XCTAssertEqual(norm, 1, accuracy: 1e-4)
                }
            }
            XCTAssertTrue(zip(layer.sigma.value.data, before[3 * l + 1].data).allSatisfy { $0 != $1 }, "every singular value moves")
            for (a, b) in zip(model.weight(l).data, layer.factor.weight.data) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        }
        let k0 = model.spectral[0].sigma.value.count
        model.startIteration(k0 / 4, rng: &sampler, seed: SeededRandom(seed: 5, path: ["r"]))
        let gram = matmul(model.spectral[0].u.value, model.spectral[0].u.value, transposeA: true)
        for i in 0..<k0 { for j in 0..<k0 { XCTAssertEqual(gram.data[i * k0 + j], i == j ? 1 : 0, accuracy: 1e-4) } }
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
        func c3(_ premise: (Double, Double), _ main: (Double, Double)) -> Verdict {
            var e = Evidence()
            e.record(interval: "c3.premise.relora_minus_full", Interval(mean: (premise.0 + premise.1) / 2, low: premise.0, high: premise.1, count: 8), tolerance: 0)
            e.record(interval: "c3.sst_minus_40pct_point", Interval(mean: (main.0 + main.1) / 2, low: main.0, high: main.1, count: 8), tolerance: 0)
            return claim("c3").decide(e).verdict
        }
        XCTAssertEqual(c3((0.02, 0.04), (-0.03, -0.01)), .reproduced)
        XCTAssertEqual(c3((0.02, 0.04), (0.01, 0.03)), .notReproduced)
        XCTAssertEqual(c3((-0.01, 0.04), (-0.03, -0.01)), .inconclusive(.premiseAbsent))
        XCTAssertEqual(claim("c3").history.count, 1)
        var e = Evidence(); e.record("c1a.grad_state_ratio_sst_over_full", 0.2)
        XCTAssertEqual(claim("c1a").decide(e).verdict, .reproduced)
    }

    func testTinyRunIsDeterministic() throws {
        let paper = SparseSpectralTraining()
        let context = RunContext(seed: 0, scale: .quick, slug: "sparse-spectral-training")
        var settings = SparseSpectralTraining.Settings(context)
        settings.epochs = 1; settings.iterationSteps = 5; settings.learningRates = [3e-3]; settings.evaluationSeeds = 2; settings.seedCap = 2
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
        XCTAssertNotNil(Papers.paper(slug: "sparse-spectral-training"))
    }
}
