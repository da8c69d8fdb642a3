import XCTest
@testable import Harness

final class ExperimentTests: XCTestCase {
    /// A run whose validation loss is `(lr - 0.1)²` plus seed-dependent jitter far below the
    /// gaps between grid points, and which diverges (NaN loss) above lr = 5.
    static func synthetic(_ trial: Trial) -> RunRecord {
        var rng = trial.rng
        let lr = trial.hyperparameters.learningRate
        var record = RunRecord(stateBytes: 16)
        for step in 0..<5 {
            let loss = lr > 5 ? (step < 2 ? 1.0 : .nan) : (lr - 0.1) * (lr - 0.1) + 1e-6 * rng.uniform() + 1 / Double(step + 1)
            record.losses.append(loss)
            if record.diverged { break }
        }
        record.record("validation loss", record.losses.last!)
        return record
    }

    func testSelectionPicksTheKnownBestAndMarksNaNRunsDiverged() throws {
        let arm = Arm("sgd", grid: Hyperparameters.learningRateGrid([0.01, 0.1, 1, 10])) { Self.synthetic($0) }
        let experiment = Experiment(context: RunContext(scale: .quick, slug: "test"), claim: "c1", arms: [arm],
                                    selectionSeeds: 2, evaluationSeeds: 3, rule: .lowest("validation loss"))
        let result = try experiment.run(arm)
        XCTAssertEqual(result.chosen.learningRate, 0.1)
        XCTAssertEqual(result.chosenIndex, 1)
        XCTAssertFalse(result.selectionFailed)
        XCTAssertEqual(result.sweep.count, 4)
        XCTAssertEqual(result.sweep.map(\.records.count), [2, 2, 2, 2])
        XCTAssertEqual(result.sweep.map(\.eligible), [true, true, true, false])
        XCTAssertTrue(result.sweep[3].records.allSatisfy(\.diverged))
        XCTAssertEqual(result.sweep[3].records[0].losses.count, 3)  // stopped at the NaN
        XCTAssertEqual(result.evaluation.count, 3)
        XCTAssertEqual(result.divergedCount, 0)
        XCTAssertEqual(result.evaluation[0].stateBytes, 16)

        let table = ExperimentReport.sweepTable([result], rule: experiment.rule)
        XCTAssertEqual(table.rows.count, 4)
        XCTAssertEqual(table.rows.map { $0[4] }, ["", "✓", "", ""])
        XCTAssertEqual(table.rows[3][2], "—")
        XCTAssertEqual(table.rows[3][3], "2/2")
        XCTAssertEqual(table.rows[1][1], "lr=0.1")
    }

    func testTiesGoToTheSmallerLearningRateAndAllDivergedIsRecorded() throws {
        let flat = Arm("flat", grid: Hyperparameters.learningRateGrid([1, 0.3, 0.03, 3])) { _ in
            var r = RunRecord(losses: [1])
            r.record("validation loss", 1)
            return r
        }
        let broken = Arm("broken", grid: Hyperparameters.learningRateGrid([1, 0.3])) { _ in RunRecord(losses: [1, .infinity]) }
        let experiment = Experiment(context: RunContext(scale: .quick, slug: "test"), claim: "c2", arms: [flat, broken],
                                    selectionSeeds: 1, evaluationSeeds: 2, rule: .lowest("validation loss"), maxExtensions: 0)
        let results = try experiment.run()
        XCTAssertEqual(results[0].chosen.learningRate, 0.03)
        XCTAssertTrue(results[1].selectionFailed)
        XCTAssertEqual(results[1].chosen.learningRate, 0.3)
        XCTAssertEqual(results[1].divergedCount, 2)
        XCTAssertTrue(results[1].summary("validation loss").mean.isNaN)
    }

    func testHighestRuleAndFixedArm() throws {
        let arm = Arm("acc", grid: Hyperparameters.learningRateGrid([0.1, 0.2, 0.4])) { t in
            var r = RunRecord()
            r.record("validation accuracy", 1 - abs(t.hyperparameters.learningRate - 0.2))
            return r
        }
        let fixed = Arm("fixed", fixed: Hyperparameters(["lr": 0.5, "rho": 0.05])) { t in
            var r = RunRecord()
            r.record("validation accuracy", Double(t.repetition))
            return r
        }
        let e = Experiment(context: RunContext(scale: .quick, slug: "test"), claim: "c3", arms: [arm, fixed],
                           selectionSeeds: 1, evaluationSeeds: 4, rule: .highest("validation accuracy"))
        let results = try e.run()
        XCTAssertEqual(results[0].chosen.learningRate, 0.2)
        XCTAssertTrue(results[1].sweep.isEmpty)
        XCTAssertEqual(results[1].values("validation accuracy"), [0, 1, 2, 3])
        XCTAssertEqual(results[1].chosen.description, "lr=0.5, rho=0.05")
        // Differences 1 - r for r = 0...3 (the chosen lr = 0.2 scores 1) paired by repetition: mean -0.5.
        let diff = results[0].pairedDifference("validation accuracy", versus: results[1])
        XCTAssertEqual(diff.count, 4)
        XCTAssertEqual(diff.mean, -0.5, accuracy: 1e-12)
        XCTAssertEqual(Hyperparameters(names: ["lr", "rho"], values: [0.5, 0.05]), results[1].chosen)
        let table = ExperimentReport.summaryTable(results, metrics: ["validation accuracy"], caption: "x")
        // mean 1.5, sd 1.29099, t(3) = 3.18245 → half-width 2.0543
        XCTAssertEqual(table.rows[1], ["fixed", "lr=0.5, rho=0.05", "1.5 ± 2.1", "0/4"])
    }

    func testStreamsDependOnArmPhaseAndRepetitionOnly() {
        let e = Experiment(context: RunContext(seed: 9, slug: "p"), claim: "c", arms: [], selectionSeeds: 1, evaluationSeeds: 1, rule: .lowest("l"))
        let lr1 = Hyperparameters(["lr": 1]), lr2 = Hyperparameters(["lr": 2])
        func draw(_ t: Trial) -> (UInt64, UInt64) { var a = t.rng, b = t.commonRNG; return (a.next(), b.next()) }
        let a = draw(e.trial(arm: "A", hyperparameters: lr1, phase: .selection, repetition: 0))
        let aOtherLR = draw(e.trial(arm: "A", hyperparameters: lr2, phase: .selection, repetition: 0))
        let b = draw(e.trial(arm: "B", hyperparameters: lr1, phase: .selection, repetition: 0))
        let aEval = draw(e.trial(arm: "A", hyperparameters: lr1, phase: .evaluation, repetition: 0))
        let aRep1 = draw(e.trial(arm: "A", hyperparameters: lr1, phase: .selection, repetition: 1))
        XCTAssertEqual(a.0, aOtherLR.0)
        XCTAssertNotEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(a.0, aEval.0)
        XCTAssertNotEqual(a.1, aEval.1)
        XCTAssertNotEqual(a.0, aRep1.0)
        var expected = SeededRandom(seed: 9, path: ["p", "c", "A", "selection", "rep 0"])
        XCTAssertEqual(a.0, expected.next())
    }

    func testRunRecordDivergence() {
        var r = RunRecord(losses: [1, 2])
        XCTAssertFalse(r.diverged)
        r.losses.append(.nan)
        XCTAssertTrue(r.diverged)
        var m = RunRecord(losses: [1])
        m.record("validation loss", .infinity)
        XCTAssertTrue(m.diverged)
        XCTAssertTrue(RunRecord(losses: [.infinity]).diverged)
        XCTAssertEqual(RunRecord(losses: [3, 2, 1]).lossSteps, [0, 1, 2])
    }

    func testMeanCurveBandAndLossFigure() {
        let s = ExperimentReport.meanCurve("a", x: [0, 1, 2], curves: [[1, 2, 9], [3, 4]])
        XCTAssertEqual(s.x, [0, 1])
        XCTAssertEqual(s.y, [2, 3])
        XCTAssertEqual(s.band![0], 12.706204736174694, accuracy: 1e-12)  // t(1)·sd/√2 with sd = √2
        let ok = RunRecord(losses: [4, 2], steps: [0, 10])
        let bad = RunRecord(losses: [4, .nan], steps: [0, 10])
        let result = ArmResult(arm: "m", sweep: [], chosenIndex: 0, chosen: Hyperparameters(["lr": 1]),
                               selectionFailed: false, evaluation: [ok, ok, bad])
        let f = ExperimentReport.lossFigure([result], name: "loss", title: "t", caption: "c")
        XCTAssertEqual(f.series.count, 1)
        XCTAssertEqual(f.series[0].title, "m (1 diverged, excluded)")
        XCTAssertEqual(f.series[0].x, [0, 10])
        XCTAssertEqual(f.series[0].y, [4, 2])
        XCTAssertEqual(f.series[0].band!, [0, 0])
    }

    func testHyperparameterDescriptions() {
        XCTAssertEqual(Hyperparameters(["lr": 0.001, "beta2": 0.999]).description, "lr=0.001, beta2=0.999")
        XCTAssertEqual(Hyperparameters(["lr": 3e-5]).description, "lr=3e-5")
        XCTAssertEqual(Hyperparameters(["lr": 1]).with("wd", 0.01).description, "lr=1, wd=0.01")
    }
}
