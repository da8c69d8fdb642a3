import Foundation
import XCTest
import Papers
@testable import SharpnessAndGeneralization
@testable import Harness

final class SAMTests: XCTestCase {
    // MARK: `reproduce trace`

    /// Registering the paper makes `reproduce trace` run the harness's SAM: the registry's "sam"
    /// gives the trajectory of `SAM.traceFactory` (which Tests/HarnessTests/SAMOptimizerTests.swift
    /// pins to pytorch-optimizer's), ending at the golden file's last loss.
    func testReproduceTraceRunsTheHarnessSAM() throws {
        XCTAssertNotNil(SharpnessAwareMinimization().traceOptimizers["sam"])
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../HarnessTests/Golden/sam__ls6x4b4.json").standardized
        let golden = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        problem["optimizer"] = ["name": "sam", "hyperparams": ["base_optimizer": "sgd", "lr": 0.3, "rho": 0.05]]
        let parsed = try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem))
        let registered = try parsed.run(optimizers: traceOptimizers)
        let harness = try parsed.run(optimizers: baselineTraceOptimizers.merging(["sam": SAM.traceFactory]) { _, sam in sam })
        XCTAssertEqual(registered, harness)
        let losses = try XCTUnwrap(golden["loss"] as? [Double])
        XCTAssertEqual(Double(registered.loss[20]), losses[20], accuracy: 1e-5 + 1e-4 * abs(losses[20]))
    }

    // MARK: The noisy-label loss

    /// GCE's value is (1 − p_y^q)/q averaged, and its gradient matches central differences.
    func testGeneralizedCrossEntropyValueAndGradient() {
        var r = SeededRandom(seed: 9, path: ["gce"])
        let z = Tensor<Float>.randomNormal([3, 4], using: &r)
        let labels = [0, 3, 1], q: Float = 0.7
        func value(_ z: Tensor<Float>) -> Double {
            var total = 0.0
            for i in 0..<3 {
                let row = (0..<4).map { Double(z.data[i * 4 + $0]) }
                let m = row.max()!, s = row.map { Double.exp($0 - m) }.reduce(0, +)
                let p = Double.exp(row[labels[i]] - m) / s
                total += (1 - Double.pow(p, Double(q))) / Double(q)
            }
            return total / 3
        }
        let logits = Parameter("z", z)
        let loss = lossAndGradient(parameters: [logits]) { t in t.generalizedCrossEntropy(t.parameter(logits), labels: labels, q: q) }
        XCTAssertEqual(Double(loss), value(z), accuracy: 1e-6)
        for k in 0..<z.count {
            var plus = z, minus = z
            plus.data[k] += 1e-2
            minus.data[k] -= 1e-2
            let numeric = (value(plus) - value(minus)) / 2e-2
            XCTAssertEqual(Double(logits.grad.data[k]), numeric, accuracy: 2e-4, "entry \(k)")
        }
    }

    // MARK: The experiment

    typealias SAMPaper = SharpnessAwareMinimization

    /// A tiny configuration of the real experiment (debug builds are slow).
    private func tinySettings(_ context: RunContext) -> SAMPaper.Settings {
        var s = SAMPaper.Settings(context)
        s.hidden = [16]
        s.batchSize = 800
        s.epochs = 1
        s.selectionSeeds = 2
        s.evaluationSeeds = 2
        s.seedCap = 2
        s.learningRates = [0.03, 0.1]
        s.rhos = [0.05, 0.2]
        s.hessianExamples = 64
        s.lanczosSteps = 3
        return s
    }

    /// A training run is a pure function of its trial: the same trial gives the same record;
    /// SAM, sharing SGD's initial weights and batches, ends elsewhere; an evaluation run records
    /// every metric the claims and tables read.
    func testTrainingIsDeterministicAndSAMDiffersFromSGD() throws {
        let context = RunContext(scale: .quick, slug: "sam")
        let s = tinySettings(context)
        let data = try SAMPaper.data(context, noise: 0.4)
        XCTAssertEqual(data.corruptedTrain.count, Int((0.4 * Double(data.train.count)).rounded()))
        let experiment = Experiment(context: context, claim: "t", arms: [], selectionSeeds: 1, evaluationSeeds: 1, rule: .highest("validation accuracy"))
        let hp = Hyperparameters(["lr": 0.1, "rho": 0.05])
        let trial = experiment.trial(arm: "x", hyperparameters: hp, phase: .evaluation, repetition: 0)
        let a = try SAMPaper.train(data, method: .sam, hyperparameters: hp, trial: trial, settings: s)
        let b = try SAMPaper.train(data, method: .sam, hyperparameters: hp, trial: trial, settings: s)
        XCTAssertEqual(a.losses, b.losses)
        XCTAssertEqual(a.metrics.map(\.name), b.metrics.map(\.name))
        XCTAssertEqual(a.metrics.map(\.value), b.metrics.map(\.value))
        XCTAssertEqual(a.steps, [2], "one SAM epoch costs two epochs of gradient evaluations")
        let sgd = try SAMPaper.train(data, method: .sgd(epochMultiple: 1), hyperparameters: hp, trial: trial, settings: s)
        XCTAssertNotEqual(a.losses, sgd.losses)
        for name in ["test accuracy", "train accuracy", "memorised noisy labels", "lambda_max", "lambda_min", "log lambda_max", "validation accuracy"] {
            XCTAssertNotNil(a.metric(name), name)
        }
        let clean = try SAMPaper.data(context, noise: 0)
        XCTAssertTrue(clean.corruptedTrain.isEmpty)
        XCTAssertEqual(clean.test, data.test, "test labels stay clean")
        XCTAssertNotEqual(clean.validation.labels, data.validation.labels, "validation labels are noisy too")
    }

    /// The noisy power plans convert noisy validation points to clean points: a clean difference
    /// d shows as d·(1 − ηK/(K−1)) on noisy labels.
    func testNoisyPowerPlansConvertToCleanPoints() {
        let plans = SAMPaper.noisyPlans(SAMPaper.noiseLevels[1])
        XCTAssertEqual(plans.map(\.baseline), ["SGD", "GCE"])
        XCTAssertEqual(plans.map(\.minimalEffect), [3, 1])
        XCTAssertEqual(plans[0].scale, 100 / (1 - 0.4 * 10 / 9), accuracy: 1e-9)
    }

    /// The whole experiment at a tiny size: every claim's rule reads only metrics the run
    /// recorded (a missing one traps), the verdicts are valid, every ρ of the grid gets a
    /// sensitivity row, and a rerun gives the same evidence.
    func testRunRecordsEveryMetricTheRulesRead() throws {
        let paper = SAMPaper()
        let context = RunContext(scale: .quick, slug: "sam")
        let first = try paper.run(context, settings: tinySettings(context))
        XCTAssertEqual(paper.claims.map(\.id), ["c1a", "c1b", "c2", "c3a", "c3b", "c3c", "c3d"])
        for claim in paper.claims {
            let judgement = claim.decide(first.evidence)
            if claim.id == "c2" {
                XCTAssertEqual(judgement.verdict.label, "not testable on CPU")
            } else {
                XCTAssertTrue(["reproduced", "not reproduced", "inconclusive"].contains(judgement.verdict.label))
                XCTAssertFalse(judgement.measured.contains("NaN"), judgement.measured)
            }
        }
        for key in ["c1a.gain_vs_sgd", "c1b.log_lambda_diff_vs_sgd", "c3.n20.gain_vs_sgd", "c3.n40.diff_vs_gce", "c3.n40.sgd_memorised"] {
            XCTAssertTrue(first.evidence.has("\(key).ci_low"), key)
        }
        // Two selection seeds give a spread, so the plans record the detectable effect.
        XCTAssertTrue(first.evidence.has("c1a.gain_vs_sgd.mde"))
        XCTAssertTrue(first.evidence.has("c3.n20.diff_vs_gce.mde"))
        // At most one of the two radii is chosen; another has a sensitivity row for each claim it judges.
        let names = first.evidence.metrics.map(\.name)
        for id in ["c1a", "c1b", "c3a", "c3b", "c3c", "c3d"] {
            XCTAssertTrue(names.contains { $0.hasPrefix("diagnostic.sensitivity.\(id).rho=") }, id)
        }
        let second = try paper.run(context, settings: tinySettings(context))
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    /// The rules, on hand-made evidence: each branch of each verdict, with the v2 reasons.
    func testRulesDecideAsWritten() {
        func evidence(_ values: [String: (Double, Double, Double)]) -> Evidence {
            var e = Evidence()
            for key in values.keys.sorted() {
                let (m, lo, hi) = values[key]!
                e.record(interval: key, Interval(mean: m, low: lo, high: hi, count: 5), tolerance: 0)
            }
            return e
        }
        let claims = Dictionary(uniqueKeysWithValues: SAMPaper().claims.map { ($0.id, $0) })
        func c1a(_ g: (Double, Double, Double)) -> Verdict { claims["c1a"]!.decide(evidence(["c1a.gain_vs_sgd": g])).verdict }
        XCTAssertEqual(c1a((1, 0.2, 1.8)), .reproduced)
        XCTAssertEqual(c1a((0.1, -0.1, 0.3)), .notReproduced, "the interval excludes a 0.5-point gain")
        XCTAssertEqual(c1a((0.68, -1.12, 2.48)), .inconclusive(.underpowered), "v1's full-scale interval could not see 0.5 points")
        XCTAssertEqual(c1a((0.3, -0.05, 0.65)), .inconclusive(.undecided), "narrow, yet straddling both 0 and 0.5")
        func c1b(_ f: (Double, Double, Double)) -> Verdict { claims["c1b"]!.decide(evidence(["c1b.log_lambda_diff_vs_sgd": f])).verdict }
        XCTAssertEqual(c1b((-0.5, -0.8, -0.2)), .reproduced)
        XCTAssertEqual(c1b((0.5, 0.2, 0.8)), .notReproduced, "SAM confidently sharper")
        // Robustness: 3 points claimed, given that SGD memorises beyond the 11.1% chance level.
        let memorises = (23.0, 21.0, 25.0), chance = (11.0, 9.0, 13.0)
        for (id, key) in [("c3a", "n20"), ("c3b", "n40")] {
            func robust(_ g: (Double, Double, Double), premise: (Double, Double, Double) = memorises) -> Verdict {
                claims[id]!.decide(evidence(["c3.\(key).gain_vs_sgd": g, "c3.\(key).sgd_memorised": premise])).verdict
            }
            XCTAssertEqual(robust((6, 4, 8)), .reproduced, id)
            XCTAssertEqual(robust((2, 1, 2.9)), .notReproduced, "\(id): gain confidently below 3")
            XCTAssertEqual(robust((4, -4, 12)), .inconclusive(.underpowered), id)
            XCTAssertEqual(robust((6, 4, 8), premise: chance), .inconclusive(.premiseAbsent), "\(id): SGD at chance, nothing to be robust to")
        }
        for (id, key) in [("c3c", "n20"), ("c3d", "n40")] {
            func parity(_ d: (Double, Double, Double)) -> Verdict { claims[id]!.decide(evidence(["c3.\(key).diff_vs_gce": d])).verdict }
            XCTAssertEqual(parity((-0.2, -0.9, 0.5)), .reproduced, id)
            XCTAssertEqual(parity((-4, -6, -2)), .notReproduced, "\(id): confidently worse than GCE by more than the margin")
            XCTAssertEqual(parity((-1.5, -3, 0)), .inconclusive(.underpowered), "\(id): parity undecided")
        }
    }

    /// "What this means" follows the verdicts: it names each one and explains the reasons present.
    func testMeaningReadsTheVerdicts() {
        let paper = SAMPaper()
        func outcomes(_ verdicts: [String: Verdict]) -> [ClaimOutcome] {
            paper.claims.map { ClaimOutcome(claim: $0, judgement: Judgement(verdicts[$0.id] ?? .reproduced, measured: "")) }
        }
        let all = paper.meaning(outcomes([:]))
        XCTAssertFalse(all.contains("underpowered") || all.contains("premise"))
        let mixed = paper.meaning(outcomes(["c1a": .inconclusive(.underpowered), "c3b": .inconclusive(.premiseAbsent), "c3d": .notReproduced]))
        XCTAssertTrue(mixed.contains("generalisation gain over its base optimizer is inconclusive (underpowered)"))
        XCTAssertTrue(mixed.contains("at 20% noise and inconclusive (premise absent at this scale) at 40%"))
        XCTAssertTrue(mixed.contains("reproduced at 20% and not reproduced at 40%"))
        XCTAssertTrue(mixed.contains("An underpowered verdict means"))
        XCTAssertTrue(mixed.contains("Where the premise is absent"))
    }
}
