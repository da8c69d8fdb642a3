import Foundation
import XCTest
@testable import SharpnessAndGeneralization
@testable import Harness

final class SAMImbalancedSaddleTests: XCTestCase {
    typealias Paper = SAMImbalancedSaddle

    /// The VS constants as losses.py computes them, and the loss value and gradient by hand:
    /// CE of z/Δ + ι, gradient (softmax − onehot)/Δ.
    func testVectorScalingLoss() {
        let vs = VectorScalingLoss(classCounts: [100, 10, 1], gamma: 0.3, tau: 1)
        XCTAssertEqual(Double(vs.inverseScale[0]), 1, accuracy: 1e-7)
        XCTAssertEqual(Double(vs.inverseScale[2]), pow(100, -0.3), accuracy: 1e-6)
        XCTAssertEqual(Double(vs.offset[1]), log(10.0 / 111), accuracy: 1e-6)
        let z = Parameter("z", Tensor(shape: [1, 3], data: [0.5, -0.2, 1.0]))
        let loss = lossAndGradient(parameters: [z]) { tape in vs.loss(tape, logits: tape.parameter(z), labels: [1]) }
        let adjusted = (0..<3).map { Double(z.value.data[$0] * vs.inverseScale[$0] + vs.offset[$0]) }
        let m = adjusted.max()!, sum = adjusted.map { exp($0 - m) }.reduce(0, +)
        XCTAssertEqual(Double(loss), -(adjusted[1] - m - log(sum)), accuracy: 1e-5)
        for c in 0..<3 {
            let p = exp(adjusted[c] - m) / sum
            XCTAssertEqual(Double(z.grad.data[c]), (p - (c == 1 ? 1 : 0)) * Double(vs.inverseScale[c]), accuracy: 1e-5)
        }
    }

    /// The splits: balanced test and validation sets, a training set whose counts fall by the ratio.
    func testSplitsAreLongTailedWithBalancedEvaluation() throws {
        let s = Paper.Settings(RunContext(scale: .quick, slug: "sam-imbalanced-saddle"))
        let d = try Paper.splits(RunContext(scale: .quick, slug: "sam-imbalanced-saddle"), s)
        let n = d.train.classCounts
        XCTAssertEqual(Double(n[0]) / Double(n[9]), s.ratio, accuracy: 0.3 * s.ratio)
        XCTAssertEqual(n, n.sorted(by: >))
        XCTAssertLessThanOrEqual(d.test.classCounts.max()! - d.test.classCounts.min()!, 2)
        XCTAssertLessThanOrEqual(d.validation.classCounts.max()! - d.validation.classCounts.min()!, 2)
        XCTAssertEqual(Set(d.tail(d.test).labels), Set(Paper.tailClasses))
    }

    /// Each rule's branches on synthetic evidence.
    func testRulesDecideEachBranch() {
        let claims = Dictionary(uniqueKeysWithValues: Paper().claims.map { ($0.id, $0) })
        func e(_ sign: Double) -> Evidence {
            var e = Evidence()
            func put(_ k: String, _ m: Double, _ w: Double) { e.record(interval: k, Interval(mean: m, low: m - w, high: m + w, count: 8), tolerance: 0) }
            put("c1.tail_minus_head_ratio", 0.3 * sign, 0.05); put("c2.tail_ratio_diff", -0.3 * sign, 0.05)
            put("c3a.tail_gain", 6 * sign, 1); put("c3b.overall_gain", 4 * sign, 1)
            return e
        }
        for id in ["c1", "c2", "c3a", "c3b"] {
            XCTAssertEqual(claims[id]!.decide(e(1)).verdict, .reproduced, id)
            XCTAssertEqual(claims[id]!.decide(e(-1)).verdict, .notReproduced, id)
        }
    }

    /// A tiny training run is deterministic, records the class-wise spectra, and SAM differs from SGD.
    func testTinyRunIsDeterministic() throws {
        let context = RunContext(scale: .quick, slug: "sam-imbalanced-saddle")
        var s = Paper.Settings(context)
        s.epochs = 1; s.lanczosSteps = 3
        let data = try Paper.splits(context, s)
        let experiment = Experiment(context: context, claim: "t", arms: [], selectionSeeds: 1, evaluationSeeds: 1, rule: .highest("validation accuracy"))
        let trial = experiment.trial(arm: "x", hyperparameters: Hyperparameters(["lr": 0.1, "rho": 0.5]), phase: .evaluation, repetition: 0)
        let a = try Paper.train(data, sam: true, trial: trial, s), b = try Paper.train(data, sam: true, trial: trial, s)
        XCTAssertEqual(a.losses, b.losses)
        XCTAssertEqual(a.metrics.map(\.value), b.metrics.map(\.value))
        XCTAssertNotEqual(a.losses, try Paper.train(data, sam: false, trial: trial, s).losses)
        for name in ["test accuracy", "test tail accuracy", "tail ratio", "head ratio", "tail lambda_min", "validation tail accuracy"] {
            XCTAssertNotNil(a.metric(name), name)
        }
        XCTAssertLessThanOrEqual(a.metric("tail lambda_min")!, a.metric("tail lambda_max")!)
    }
}
