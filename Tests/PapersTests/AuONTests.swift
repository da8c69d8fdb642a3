import Foundation
import XCTest
import Papers
@testable import Orthogonalized
import Harness

final class AuONTests: XCTestCase {
    // MARK: - The method

    /// The brake by hand on a 2×2 momentum: ‖M‖ = 5, Ĝ = 1.5 M/5, r = √mean cosh²Ĝ, U = M/r.
    func testBrakeMatchesHandComputation() {
        let m = Tensor<Float>(shape: [2, 2], data: [3, 0, 0, -4])
        let scaled = [0.9, 0.0, 0.0, -1.2]
        let r = (scaled.map { cosh($0) * cosh($0) }.reduce(0, +) / 4).squareRoot()
        let u = AuON.brake(m)
        for (x, y) in zip(u.data, m.data) { XCTAssertEqual(Double(x), Double(y) / r, accuracy: 1e-5) }
        XCTAssertEqual(AuON.brake(.zeros([2, 2])).data, [0, 0, 0, 0])
    }

    /// r lies in [1, cosh γ]: many small entries barely brake, one entry holding the whole norm
    /// brakes most; the direction is homogeneous of degree one (no trust region by itself).
    func testBrakeRangeAndHomogeneity() {
        let spread = Tensor<Float>(shape: [16, 16], repeating: 0.1)
        let spike = Tensor<Float>(shape: [16, 16], data: [1] + [Float](repeating: 0, count: 255))
        let rSpread = spread.data[0] / AuON.brake(spread).data[0]
        let rSpike = spike.data[0] / AuON.brake(spike).data[0]
        XCTAssertEqual(Double(rSpread), (1 + sinh(1.5 / 16) * sinh(1.5 / 16)).squareRoot(), accuracy: 1e-5)
        XCTAssertEqual(Double(rSpike), ((cosh(1.5) * cosh(1.5) + 255) / 256).squareRoot(), accuracy: 1e-5)
        let big = AuON.brake(Tensor(shape: [16, 16], data: spread.data.map { $0 * 100 }))
        XCTAssertEqual(big.data[0], 100 * AuON.brake(spread).data[0], accuracy: 1e-3)
    }

    /// AuON is Muon's scaling with another direction: the momentum buffer follows torch's lerp,
    /// and the step does no matrix product; Hybrid-AuON does one Newton–Schulz step.
    func testAuONIsMuonWithAnotherDirection() {
        let scaling = AuON.scaling()
        var u = Tensor<Float>(shape: [2, 2], data: [3, 0, 0, -4])
        let cost = CostMeter.measure { scaling.update(&u, parameter: .zeros([2, 2]), index: 0, step: 1) }.cost
        XCTAssertEqual(cost.matmulFlops, 0)
        // Nesterov: B = 0.05 G, U = B − (B − G)·0.05 = 0.0975 G; the brake is scale-free in r.
        let expected = AuON.brake(Tensor(shape: [2, 2], data: [3, 0, 0, -4].map { Float(0.0975) * $0 }))
        for (x, y) in zip(u.data, expected.data) { XCTAssertEqual(x, y, accuracy: 1e-6) }
        XCTAssertEqual(scaling.stateBytes, 16)
        let g = Tensor<Float>(shape: [4, 8], repeating: 0.25)
        XCTAssertEqual(CostMeter.measure { AuON.hybrid(g) }.cost.matmulFlops, 2 * 4 * 4 * 8 + 2 * 4 * 4 * 4 + 2 * 4 * 4 * 8)
    }

    /// The head of an MLP goes to Adam with the vectors; a transformer's `head` already does.
    func testMatrixSplitOfAnMLP() {
        let mlp = MLP(sizes: [4, 5, 3], rng: SeededRandom(seed: 1, path: ["t"]))
        let optimizer = Muon.optimizer(AuONPaper.withHead(mlp.parameters), learningRate: 0.1)
        XCTAssertEqual(optimizer.groups.map(\.parameters.count), [1, 3])
    }

    // MARK: - The rules

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) {
            e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0)
        }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testBoundAndCostRules() {
        let claims = AuONPaper().claims
        func verdict(_ id: String, _ key: String, _ value: Double) -> Verdict {
            claims.first { $0.id == id }!.decide(Self.evidence([:], [key: value])).verdict
        }
        XCTAssertEqual(verdict("c1a", "c1a.max_update_spectral_norm", 0.5), .reproduced)
        XCTAssertEqual(verdict("c1a", "c1a.max_update_spectral_norm", 1.5), .notReproduced)
        XCTAssertEqual(verdict("c1b", "c1b.auon_matmul_flops", 0), .reproduced)
        XCTAssertEqual(verdict("c1b", "c1b.auon_matmul_flops", 64), .notReproduced)
        XCTAssertEqual(verdict("c2", "c2.max_auon_over_muon_operations", 0.01), .reproduced)
        XCTAssertEqual(verdict("c2", "c2.max_auon_over_muon_operations", 2), .notReproduced)
    }

    /// c3a: the loss within 2% on the transformer and accuracy within 1 point on the MLP.
    func testComparableRuleBranches() {
        let claim = AuONPaper().claims.first { $0.id == "c3a" }!
        func verdict(_ loss: (Double, Double, Double), _ accuracy: (Double, Double, Double)) -> Verdict {
            claim.decide(Self.evidence(["c3a.transformer_markov.log_loss_auon_minus_best": loss,
                                        "c3a.mlp_digits.accuracy_points_auon_minus_best": accuracy])).verdict
        }
        let goodLoss = (0.0, -0.01, 0.01), badLoss = (0.05, 0.03, 0.07), goodAcc = (0.0, -0.5, 0.5), wideAcc = (0.0, -3.0, 3.0)
        XCTAssertEqual(verdict(goodLoss, goodAcc), .reproduced)
        XCTAssertEqual(verdict(badLoss, goodAcc), .notReproduced)
        XCTAssertEqual(verdict(goodLoss, (-2.0, -2.5, -1.5)), .notReproduced)
        XCTAssertEqual(verdict(goodLoss, wideAcc), .inconclusive(.underpowered))
    }

    // MARK: - The experiment end to end (tiny settings)

    static func tinyData() -> DataSplits {
        var rng = SeededRandom(seed: 9, path: ["tiny task"])
        let features = Tensor<Float>.randomNormal([48, 16], using: &rng)
        let labels = (0..<48).map { _ in rng.index(4) }
        let data = Dataset(name: "tiny", features: features, labels: labels, classCount: 4, citation: "synthetic")
        return DataSplits(train: data, validation: data, test: data)
    }

    /// A tiny run records every metric the rules read, finite and identical on a second run;
    /// the counted cost favours AuON at every width.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = AuONPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "auon")
        var settings = AuONPaper.Settings(context)
        settings.learningRates = [1e-2, 1e-1]
        settings.costWidths = [8, 16]
        let data = Self.tinyData()
        settings.tasks = { _ in
            [("transformer_markov", "tiny A"), ("mlp_digits", "tiny B")].map { key, label in
                StandardTasks.classification(key: key, label: label, data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                    MLP(sizes: [16, 8, 4], rng: rng)
                }
            }
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertEqual(first.evidence["c1b.auon_matmul_flops"], 0)
        XCTAssertLessThan(first.evidence["c2.max_auon_over_muon_operations"], 1)
        XCTAssertGreaterThan(first.evidence["c1a.max_update_spectral_norm"], 0)
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: AuONPaper())
        XCTAssertEqual(found.map(\.name), ["scale-by-muon", "auon-direction"])
        XCTAssertTrue(found[1].code.contains("coshf"))
    }

    /// `reproduce trace` knows `muon`, and the league lists muon and auon.
    func testRegistered() {
        XCTAssertNotNil(traceOptimizers["muon"])
        XCTAssertEqual(AuONPaper().leagueOptimizers.map(\.name), ["muon", "auon"])
    }
}
