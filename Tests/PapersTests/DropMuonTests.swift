import Foundation
import XCTest
import Papers
@testable import Orthogonalized
import Harness

final class DropMuonTests: XCTestCase {
    /// The cost model by hand for the 64-128-128-10 MLP (units m·n): forward 25,856; full
    /// backward 25,856 + 17,664; cutoff 1: 17,664 + 1,280; cutoff 2: 1,280.
    func testCostModelAndExpectedSpeedup() {
        let sizes = [8192, 16384, 1280]
        XCTAssertEqual(DropMuon.cost(cutoff: 0, sizes: sizes), 25856 + 25856 + 17664)
        XCTAssertEqual(DropMuon.cost(cutoff: 1, sizes: sizes), 25856 + 17664 + 1280)
        XCTAssertEqual(DropMuon.cost(cutoff: 2, sizes: sizes), 25856 + 1280)
        let expected = 69376.0 / ((69376.0 + 44800 + 27136) / 3)
        XCTAssertEqual(DropMuon.expectedSpeedup(sizes: sizes, probabilities: [1.0 / 3, 1.0 / 3, 1.0 / 3]), expected, accuracy: 1e-12)
        XCTAssertEqual(DropMuon.expectedSpeedup(sizes: sizes, probabilities: [1, 0, 0]), 1, accuracy: 1e-12)
    }

    /// Layers below the cutoff keep their weights and state; layers at or above it take Muon's step.
    /// With all mass on the last layer only the output layer moves.
    func testOnlyLayersAboveTheCutoffMove() {
        let mlp = MLP(sizes: [4, 6, 3], rng: SeededRandom(seed: 1, path: ["t"]))
        let p = AuONPaper.withHead(mlp.parameters)
        XCTAssertEqual(DropMuon.layers(of: p).map { $0.map(\.name) }, [["layer0.weight", "layer0.bias"], ["layer1.weight", "layer1.bias"]])
        for q in p { q.grad = Tensor(shape: q.value.shape, repeating: 0.5) }
        let before = p.map(\.value)
        let layers = DropMuon.layers(of: p).map { DropMuonPaper.muon($0, Hyperparameters(["lr": 0.1])) }
        let drop = DropMuon(layers: layers, probabilities: [0, 1], rng: SeededRandom(seed: 2, path: ["t"]))
        drop.applyGradients()
        XCTAssertEqual(p[0].value, before[0])
        XCTAssertEqual(p[1].value, before[1])
        XCTAssertNotEqual(p[2].value, before[2])
        XCTAssertNotEqual(p[3].value, before[3])
        XCTAssertEqual(drop.spent, DropMuon.cost(cutoff: 1, sizes: [24, 18]))
        XCTAssertEqual(drop.fullCost, DropMuon.cost(cutoff: 0, sizes: [24, 18]))
    }

    func testSamplerFollowsTheProbabilities() {
        var rng = SeededRandom(seed: 3, path: ["t"])
        var counts = [0, 0, 0]
        for _ in 0..<30_000 { counts[DropMuon.sample([0.2, 0.3, 0.5], &rng)] += 1 }
        XCTAssertEqual(Double(counts[0]) / 30_000, 0.2, accuracy: 0.015)
        XCTAssertEqual(Double(counts[2]) / 30_000, 0.5, accuracy: 0.015)
    }

    func testLeagueEntry() { XCTAssertEqual(DropMuonPaper().leagueOptimizers.map(\.name), ["drop-muon"]) }

    func testStopAfterFreezesTheParameters() {
        let w = Parameter("w", Tensor(shape: [2], data: [1, 1]))
        w.grad = Tensor(shape: [2], data: [1, 1])
        let opt = StopAfter(ChainedOptimizer.sgd([w], learningRate: 0.5), steps: 1)
        opt.applyGradients(); opt.applyGradients()
        XCTAssertEqual(w.value.data, [0.5, 0.5])
    }

    // MARK: - The rules

    func testRuleBranches() {
        let claims = DropMuonPaper().claims
        func decide(_ id: String, _ key: String, _ value: (Double, Double, Double)) -> Verdict {
            var e = Evidence()
            e.record(interval: key, Interval(mean: value.0, low: value.1, high: value.2, count: 8), tolerance: 0)
            return claims.first { $0.id == id }!.decide(e).verdict
        }
        XCTAssertEqual(decide("c1a", "c1a.accuracy_points_drop_minus_muon", (0, -0.3, 0.3)), .reproduced)
        XCTAssertEqual(decide("c1a", "c1a.accuracy_points_drop_minus_muon", (-2, -2.5, -1.5)), .notReproduced)
        XCTAssertEqual(decide("c1c", "c1c.accuracy_points_drop_minus_budget_muon", (1, 0.6, 1.4)), .reproduced)
        XCTAssertEqual(decide("c1c", "c1c.accuracy_points_drop_minus_budget_muon", (0, -0.2, 0.2)), .notReproduced)
        XCTAssertEqual(decide("c1c", "c1c.accuracy_points_drop_minus_budget_muon", (0, -3, 3)), .inconclusive(.underpowered))
        var e = Evidence()
        e.record("c1b.counted_speedup", 1.05)
        XCTAssertEqual(claims.first { $0.id == "c1b" }!.decide(e).verdict, .notReproduced)
        guard case .notTestable = claims.first(where: { $0.id == "c2" })!.decide(e).verdict else { return XCTFail("c2 is a theorem") }
    }

    /// A tiny run feeds every rule with finite metrics, identically twice.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = DropMuonPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "drop-muon")
        var settings = DropMuonPaper.Settings(context)
        settings.learningRates = [1e-2]
        let data = AuONTests.tinyData()
        settings.task = { _ in
            (StandardTasks.classification(key: "mlp_digits", label: "tiny", data: data, model: "tiny", epochs: 1, batchSize: 16) { rng in
                MLP(sizes: [16, 8, 8, 4], rng: rng)
            }, 3)
        }
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite })
        XCTAssertGreaterThan(first.evidence["c1b.expected_speedup"], 1.4)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }
}
