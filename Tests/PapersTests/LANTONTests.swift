import Foundation
import XCTest
import Papers
@testable import Orthogonalized
import Harness

final class LANTONTests: XCTestCase {
    // MARK: - The method

    /// Two 2×2 layers, two steps, by hand. Step 1 has no noise sample (no momentum yet): both
    /// layers take Muon's step. Step 2: B₁ = 0.05·G₁ = 0.05·I for both; layer A's deviation
    /// G₂ − B₁ = 0.95·I has ‖·‖_* = 1.9, H = 0.1·1.9² = 0.361; layer B's, diag(2.95, −1.05), has
    /// ‖·‖_* = 4, H = 1.6. A is the least noisy (rate 1); B's rate is √(0.361/1.6) = 0.475.
    func testHandComputedTwoSteps() {
        let a = Parameter("a", .zeros([2, 2])), b = Parameter("b", .zeros([2, 2]))
        let lanton = ScaleByLanton(layers: [a, b])
        let reference = [ScaleByMuon(), ScaleByMuon()]
        let gradients: [[[Float]]] = [[[1, 0, 0, 1], [1, 0, 0, 1]], [[1, 0, 0, 1], [3, 0, 0, -1]]]
        for (step, pair) in gradients.enumerated() {
            a.grad = Tensor(shape: [2, 2], data: pair[0]); b.grad = Tensor(shape: [2, 2], data: pair[1])
            for (index, p) in [a, b].enumerated() {
                var u = p.grad, v = p.grad
                lanton.update(&u, parameter: p.value, index: index, step: step + 1)
                reference[index].update(&v, parameter: p.value, index: 0, step: step + 1)
                let rate: Float = step == 0 || index == 0 ? 1 : 0.475
                for (x, y) in zip(u.data, v.data) { XCTAssertEqual(x, rate * y, accuracy: 1e-5) }
            }
        }
        XCTAssertEqual(lanton.noise[0], 0.361, accuracy: 1e-5)
        XCTAssertEqual(lanton.noise[1], 1.6, accuracy: 1e-5)
        XCTAssertEqual(lanton.multipliers[1], 0.475, accuracy: 1e-5)
        XCTAssertEqual(lanton.stateBytes, 2 * 16 + 2 * 4)
        XCTAssertEqual(ScaleByLanton.nuclearNorm(Tensor(shape: [2, 2], data: [0, 2, -3, 0])), 5, accuracy: 1e-5)
    }

    /// With the same gradients in every layer the rates are all 1: LANTON is Muon exactly.
    func testEqualNoiseIsMuon() {
        let params = (0..<3).map { Parameter("layer\($0).weight", .zeros([4, 6])) }
        let lanton = LANTON.optimizer(params, learningRate: 0.02), muon = Muon.optimizer(params.map { Parameter($0.name, $0.value) }, learningRate: 0.02)
        var rng = SeededRandom(seed: 4, path: ["equal"])
        for _ in 0..<5 {
            let g = Tensor<Float>.randomNormal([4, 6], using: &rng)
            for p in lanton.parameters + muon.parameters { p.grad = g }
            lanton.applyGradients(); muon.applyGradients()
        }
        for (x, y) in zip(lanton.parameters, muon.parameters) { XCTAssertEqual(x.value.data, y.value.data) }
        XCTAssertEqual((lanton.groups[0].transforms[0] as! ScaleByLanton).multipliers, [1, 1, 1])
    }

    /// Noisier layers get smaller rates, the least noisy keeps the group's; the rates do not
    /// change when every gradient is scaled by a constant.
    func testNoisierLayersStepShorterAndScaleInvariance() {
        func rates(_ scale: Float) -> [Float] {
            let params = (0..<3).map { Parameter("layer\($0).weight", .zeros([4, 6])) }
            let scaling = ScaleByLanton(layers: params)
            let optimizer = Muon.optimizer(params, learningRate: 0.01, matrix: scaling)
            var rng = SeededRandom(seed: 5, path: ["noisy"])
            for _ in 0..<8 {
                let shared = Tensor<Float>.randomNormal([4, 6], using: &rng)
                for (p, s) in zip(params, [Float(0.1), 1, 4]) {
                    let own = Tensor<Float>.randomNormal([4, 6], using: &rng)
                    p.grad = Tensor(shape: [4, 6], data: zip(shared.data, own.data).map { scale * ($0 + s * $1) })
                }
                optimizer.applyGradients()
            }
            return scaling.multipliers
        }
        let r = rates(1)
        XCTAssertEqual(r[0], 1)
        XCTAssertLessThan(r[1], r[0]); XCTAssertLessThan(r[2], r[1])
        for (x, y) in zip(r, rates(100)) { XCTAssertEqual(x, y, accuracy: 1e-4) }
    }

    // MARK: - The rules

    static func evidence(_ intervals: [String: (Double, Double, Double)]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) {
            e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0)
        }
        return e
    }

    func testSuperiorityRuleBranches() {
        let claims = LANTONPaper().claims
        func verdict(_ id: String, _ key: String, _ v: (Double, Double, Double)) -> Verdict {
            claims.first { $0.id == id }!.decide(Self.evidence([key: v])).verdict
        }
        let loss = "c1a.transformer_markov.log_loss_lanton_minus_muon"
        XCTAssertEqual(verdict("c1a", loss, (-0.03, -0.05, -0.01)), .reproduced)
        XCTAssertEqual(verdict("c1a", loss, (0.02, 0.005, 0.04)), .notReproduced)
        XCTAssertEqual(verdict("c1a", loss, (0.0, -0.2, 0.2)), .inconclusive(.underpowered))
        let acc = "c1b.mlp_digits.accuracy_points_lanton_minus_muon"
        XCTAssertEqual(verdict("c1b", acc, (1.0, 0.2, 1.8)), .reproduced)
        XCTAssertEqual(verdict("c1b", acc, (-0.5, -0.9, -0.1)), .notReproduced)
        XCTAssertEqual(verdict("c3", "c3.transformer_markov.log_loss_lanton_minus_best", (-0.03, -0.05, -0.01)), .reproduced)
    }

    // MARK: - The experiment end to end (tiny settings)

    /// A tiny run records every metric the rules read, finite and identical on a second run.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = LANTONPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "lanton")
        var settings = LANTONPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        var rng = SeededRandom(seed: 9, path: ["tiny task"])
        let features = Tensor<Float>.randomNormal([48, 16], using: &rng)
        let labels = (0..<48).map { _ in rng.index(4) }
        let set = Dataset(name: "tiny", features: features, labels: labels, classCount: 4, citation: "synthetic")
        let data = DataSplits(train: set, validation: set, test: set)
        settings.tasks = { _ in
            [("transformer_markov", "tiny A"), ("mlp_digits", "tiny B")].map { key, label in
                StandardTasks.classification(key: key, label: label, data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                    MLP(sizes: [16, 8, 8, 4], rng: rng)
                }
            }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: LANTONPaper())
        XCTAssertEqual(found.map(\.name), ["scale-by-muon", "lanton"])
        XCTAssertTrue(found[1].code.contains("nuclearNorm"))
    }

    /// `reproduce trace` knows `lanton`, and the league lists it.
    func testRegistered() throws {
        XCTAssertNotNil(traceOptimizers["lanton"])
        XCTAssertEqual(LANTONPaper().leagueOptimizers.map(\.name), ["lanton"])
    }
}
