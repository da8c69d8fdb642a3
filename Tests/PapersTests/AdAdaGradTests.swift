import Foundation
import XCTest
import Papers
@testable import SchedulesAndBatchSize
import Harness

final class AdAdaGradTests: XCTestCase {
    // MARK: - AdaGrad-Norm

    /// Accumulator 1e-2, gradients (3, 4) then (0, 1), by hand: b² = 25.01 → u = g/√25.01;
    /// then b² = 26.01 → u = (0, 1)/√26.01. One float of state per tensor.
    func testAdaGradNormMatchesHandComputedSteps() {
        let scaling = ScaleByAdaGradNorm(eps: 0)
        var u = Tensor<Float>(shape: [2], data: [3, 4])
        scaling.update(&u, parameter: u, index: 0, step: 1)
        XCTAssertEqual(Double(u.data[0]), 3 / 25.01.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(Double(u.data[1]), 4 / 25.01.squareRoot(), accuracy: 1e-6)
        u = Tensor(shape: [2], data: [0, 1])
        scaling.update(&u, parameter: u, index: 0, step: 2)
        XCTAssertEqual(Double(u.data[1]), 1 / 26.01.squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(scaling.stateBytes, 4)
        var other = Tensor<Float>(shape: [3], data: [0, 0, 2])
        scaling.update(&other, parameter: other, index: 1, step: 1)
        XCTAssertEqual(Double(other.data[2]), 2 / 4.01.squareRoot(), accuracy: 1e-6, "each tensor has its own accumulator")
        XCTAssertEqual(scaling.stateBytes, 8)
        let decayed = ScaleByAdaGradNorm(eps: 0, weightDecay: 0.5)
        var w = Tensor<Float>(shape: [2], data: [3, 4])
        decayed.update(&w, parameter: w, index: 0, step: 1)
        XCTAssertEqual(Double(w.data[0]), 3 / 25.01.squareRoot() + 1.5, accuracy: 1e-6, "the official decay adds wd·grad")
    }

    /// The trace factory accepts the reference keywords and refuses others.
    func testTraceFactoryValidatesKeywords() throws {
        let factory = try XCTUnwrap(AdAdaGradPaper().traceOptimizers["adagradnorm"])
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        XCTAssertNoThrow(try factory(TraceHyperparameters(optimizer: "adagradnorm", values: ["lr": .number(0.1), "initial_accumulator_value": .number(0.1)]), params))
        XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: "adagradnorm", values: ["betas": .number(0.9)]), params))
    }

    // MARK: - The batch tests

    static func statistics(mean: [Float], variance: [Float]) -> PerSampleGradientStatistics {
        // Two examples g ± d give mean g and unbiased variance 2d².
        let model = Parameter("p", Tensor(shape: [mean.count], repeating: 0))
        let half = variance.map { ($0 / 2).squareRoot() }
        let rows = Tensor<Float>(shape: [2, 1], data: [1, -1])
        return PerSampleGradientStatistics(parameters: [model], input: rows, labels: [0, 1]) { x, _ in
            model.grad = Tensor(shape: [mean.count], data: zip(mean, half).map { $0 + x.data[0] * $1 })
            return 0
        }
    }

    /// Norm test: ‖Var‖₁/(η²‖ḡ‖²) = (2 + 6)/(0.01 · 4) = 200; never shrinks, capped.
    /// Coordinate test: max(2/(0.01·4), 6/(0.01·0.0001)...) with a near-zero mean coordinate → cap.
    func testNormAndCoordinateTests() {
        let s = Self.statistics(mean: [2, 0], variance: [2, 6])
        XCTAssertEqual(BatchSizeTest.norm(eta: 0.1).next(32, s, cap: 512), 200)
        XCTAssertEqual(BatchSizeTest.norm(eta: 0.1).next(300, s, cap: 512), 300, "batches never shrink")
        XCTAssertEqual(BatchSizeTest.norm(eta: 0.05).next(32, s, cap: 512), 512, "capped")
        XCTAssertEqual(BatchSizeTest.fixed.next(32, s, cap: 512), 32)
        XCTAssertEqual(BatchSizeTest.coordinate(eta: 0.1).next(32, s, cap: 512), 512, "a zero-mean coordinate with variance fails every batch")
        let even = Self.statistics(mean: [2, 1], variance: [2, 0.5])
        XCTAssertEqual(BatchSizeTest.coordinate(eta: 0.1).next(32, even, cap: 512), 50, "max(2/(0.01·4), 0.5/(0.01·1)) = 50")
        let dead = Self.statistics(mean: [2, 0], variance: [2, 0])
        XCTAssertEqual(BatchSizeTest.coordinate(eta: 0.1).next(32, dead, cap: 512), 50, "a dead coordinate is skipped")
    }

    // MARK: - The rules

    func claim(_ id: String) -> Claim { AdAdaGradPaper().claims.first { $0.id == id }! }

    func testRuleBranches() {
        func plain(_ key: String, _ v: Double) -> Evidence { var e = Evidence(); e.record(key, v); return e }
        XCTAssertEqual(claim("c1").decide(plain("c1.min_growth", 4)).verdict, .reproduced)
        XCTAssertEqual(claim("c1").decide(plain("c1.min_growth", 1)).verdict, .notReproduced)
        XCTAssertEqual(claim("c3a").decide(plain("c3a.step_ratio", 0.3)).verdict, .reproduced)
        XCTAssertEqual(claim("c3a").decide(plain("c3a.step_ratio", 0.95)).verdict, .notReproduced)
        XCTAssertEqual(claim("c2").decide(AdaBeliefTests.evidence(["c2.slope": (-1.5, -1.8, -1.2)])).verdict, .reproduced)
        XCTAssertEqual(claim("c2").decide(AdaBeliefTests.evidence(["c2.slope": (-0.5, -0.6, -0.4)])).verdict, .notReproduced)
        XCTAssertEqual(claim("c2").decide(AdaBeliefTests.evidence(["c2.slope": (-0.8, -1.0, -0.6)])).verdict, .inconclusive(.underpowered))
        for id in ["c3b", "c3c", "c3d", "c3e"] {
            let key = "\(id).test_accuracy_difference"
            XCTAssertEqual(claim(id).decide(AdaBeliefTests.evidence([key: (0.2, -0.5, 0.9)])).verdict, .reproduced)
            XCTAssertEqual(claim(id).decide(AdaBeliefTests.evidence([key: (-3, -4, -2)])).verdict, .notReproduced)
        }
    }

    // MARK: - The rate problem and the experiment end to end (tiny settings)

    /// min‖∇F‖² never increases, and the batch test drives it down.
    func testRateRunIsMonotone() {
        let curve = AdAdaGradPaper.rateRun(seed: SeededRandom(seed: 1, path: ["rate"]), steps: 60, eta: 0.1)
        for (a, b) in zip(curve, curve.dropFirst()) { XCTAssertLessThanOrEqual(b, a) }
        XCTAssertLessThan(curve.last!, curve.first! * 0.5)
    }

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = AdAdaGradPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "adadagrad")
        var settings = AdAdaGradPaper.Settings(context)
        settings.learningRates = [1e-1]
        settings.data = { _ in AdamTests.tinyData() }
        settings.epochs = 2
        settings.smallBatch = 4
        settings.largeBatch = 16
        settings.rateSteps = 40
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: AdAdaGradPaper())
        XCTAssertEqual(found.map(\.name), ["adadagrad"])
        XCTAssertTrue(found[0].code.contains("class ScaleByAdaGradNorm"))
    }
}
