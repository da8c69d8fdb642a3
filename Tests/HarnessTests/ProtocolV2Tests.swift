import XCTest
@testable import Harness

/// Claim-check protocol v2: the decision types, the tuning protocol and their records.
final class ProtocolV2Tests: XCTestCase {
    static func evidence(_ key: String, _ mean: Double, _ low: Double, _ high: Double, n: Int = 5, mde: Double? = nil) -> Evidence {
        var e = Evidence()
        e.record(interval: key, Interval(mean: mean, low: low, high: high, count: n), tolerance: 0)
        if let mde { e.record("\(key).mde", mde) }
        return e
    }

    // MARK: - Decisions

    func testSuperiorityReproducedOnlyWhenTheIntervalClearsZero() {
        let rule = Rule.superiority("d", "gain", better: .higher, minimalEffect: 0.5)
        XCTAssertEqual(rule.decide(Self.evidence("d", 1, 0.2, 1.8)).verdict, .reproduced)
        // The interval excludes the minimal effect: the data speak against the claim.
        XCTAssertEqual(rule.decide(Self.evidence("d", 0.1, -0.1, 0.3)).verdict, .notReproduced)
        // A wide interval that could not have seen 0.5: underpowered, never "not reproduced".
        XCTAssertEqual(rule.decide(Self.evidence("d", 0.7, -1.1, 2.5)).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(rule.decide(Self.evidence("d", 0.7, -1.1, 2.5, mde: 3.1)).verdict, .inconclusive(.underpowered))
        // Planned to detect 0.5 but straddling: undecided, not underpowered.
        XCTAssertEqual(rule.decide(Self.evidence("d", 0.2, -0.05, 0.6, mde: 0.4)).verdict, .inconclusive(.undecided))
        // Lower is better flips the sign.
        let lower = Rule.superiority("d", "loss", better: .lower, minimalEffect: 0.1)
        XCTAssertEqual(lower.decide(Self.evidence("d", -0.3, -0.4, -0.2)).verdict, .reproduced)
        XCTAssertEqual(lower.decide(Self.evidence("d", 0.3, 0.2, 0.4)).verdict, .notReproduced)
    }

    func testSuperiorityWithAClaimedSizeNeedsTheWholeIntervalBeyondIt() {
        let rule = Rule.superiority("d", "gain", better: .higher, minimalEffect: 0.5, sizeClaimed: true)
        XCTAssertEqual(rule.decide(Self.evidence("d", 1, 0.6, 1.4)).verdict, .reproduced)
        XCTAssertEqual(rule.decide(Self.evidence("d", 0.8, 0.45, 1.15, mde: 0.4)).verdict, .inconclusive(.undecided))
        XCTAssertEqual(rule.decide(Self.evidence("d", 0.8, 0.3, 1.3, mde: 0.4)).verdict, .inconclusive(.underpowered), "the realised spread overrides a plan that was too optimistic")
        XCTAssertTrue(rule.text.contains("+0.5"), rule.text)
    }

    func testNonInferiorityAndEquivalenceAreJudgedByTheIntervalNotTheMean() {
        let nonInferior = Rule.nonInferiority("d", "accuracy", better: .higher, margin: 1)
        XCTAssertEqual(nonInferior.decide(Self.evidence("d", -0.2, -0.8, 0.4)).verdict, .reproduced)
        XCTAssertEqual(nonInferior.decide(Self.evidence("d", -2, -2.5, -1.5)).verdict, .notReproduced)
        XCTAssertEqual(nonInferior.decide(Self.evidence("d", -0.2, -3, 2.6)).verdict, .inconclusive(.underpowered))

        let equivalent = Rule.equivalence("d", "ratio − 1", margin: 0.01)
        XCTAssertEqual(equivalent.decide(Self.evidence("d", 0.002, -0.004, 0.008)).verdict, .reproduced)
        // The mean is inside the band but the interval is not: not "reproduced".
        XCTAssertEqual(equivalent.decide(Self.evidence("d", 0.009, 0.002, 0.016, mde: 0.005)).verdict, .inconclusive(.undecided))
        XCTAssertEqual(equivalent.decide(Self.evidence("d", 0.0, -0.02, 0.02)).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(equivalent.decide(Self.evidence("d", 0.05, 0.03, 0.07)).verdict, .notReproduced)
    }

    func testExactBoundAndIntervalRules() {
        var e = Evidence()
        e.record("bytes", 2)
        e.record("deviation", 3e-7)
        e.record(interval: "slope", Interval(mean: 0.99, low: 0.98, high: 1.0, count: 30), tolerance: 0)
        XCTAssertEqual(Rule.exact("bytes", "ratio", equals: 2, byConstruction: true).decide(e).verdict, .reproduced)
        XCTAssertTrue(Rule.exact("bytes", "ratio", equals: 2, byConstruction: true).text.contains("by construction"))
        XCTAssertEqual(Rule.exact("bytes", "ratio", equals: 3).decide(e).verdict, .notReproduced)
        XCTAssertEqual(Rule.bound("deviation", "deviation", 1e-4).decide(e).verdict, .reproduced)
        XCTAssertEqual(Rule.bound("deviation", "deviation", below: false, 1e-4).decide(e).verdict, .notReproduced)
        XCTAssertEqual(Rule.interval("slope", "exponent", below: true, 0.75).decide(e).verdict, .notReproduced)
        XCTAssertEqual(Rule.interval("slope", "exponent", below: true, 0.985).decide(e).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(Rule.interval("slope", "exponent", below: false, 0.75).decide(e).verdict, .reproduced)
    }

    func testAPremiseThatFailsGivesPremiseAbsent() {
        var e = Self.evidence("d", 0.0, -0.03, 0.03)
        e.record("baseline_gap", 0.001)
        let rule = Rule.superiority("d", "gain", better: .higher, minimalEffect: 0.1)
            .given(premise: .bound("baseline_gap", "LoRA's gap to full rank", below: false, 0.05), "LoRA loses to full rank")
        let j = rule.decide(e)
        XCTAssertEqual(j.verdict, .inconclusive(.premiseAbsent))
        XCTAssertTrue(j.measured.contains("premise not shown"), j.measured)
        XCTAssertTrue(rule.text.hasPrefix("Premise — LoRA loses to full rank"))
        var held = Self.evidence("d", 0.0, -0.03, 0.03)
        held.record("baseline_gap", 0.2)
        XCTAssertEqual(rule.decide(held).verdict, .notReproduced)
    }

    func testATargetNeverReachedGivesTuningFailed() {
        var e = Self.evidence("d", 1, 0.5, 1.5)
        e.record("reached", 0)
        let rule = Rule.superiority("d", "speed-up", better: .higher, minimalEffect: 0.2).requiringTarget("reached", "loss ≤ 0.1")
        XCTAssertEqual(rule.decide(e).verdict, .inconclusive(.tuningFailed))
    }

    func testCombinationsKeepACommonReasonOrSayMixed() {
        var e = Evidence()
        e.record(interval: "a", Interval(mean: 1, low: 0.5, high: 1.5, count: 5), tolerance: 0)
        e.record(interval: "b", Interval(mean: 0, low: -2, high: 2, count: 5), tolerance: 0)
        e.record(interval: "c", Interval(mean: 0, low: -0.1, high: 0.1, count: 5), tolerance: 0)
        e.record("x", 0)
        e.record(interval: "t", Interval(mean: 1, low: 0.5, high: 1.5, count: 5), tolerance: 0)
        func sup(_ k: String) -> Rule { .superiority(k, k, better: .higher, minimalEffect: 0.3) }
        XCTAssertEqual(Rule.all([("a", sup("a")), ("b", sup("b"))]).decide(e).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(Rule.all([("a", sup("a")), ("c", sup("c"))]).decide(e).verdict, .notReproduced)
        let tuned = sup("t").requiringTarget("x", "target")
        XCTAssertEqual(Rule.all([("b", sup("b")), ("t", tuned)]).decide(e).verdict, .inconclusive(.mixed))
        XCTAssertEqual(Rule.atLeast(1, of: [("a", sup("a")), ("c", sup("c"))]).decide(e).verdict, .reproduced)
        XCTAssertEqual(Rule.atLeast(2, of: [("a", sup("a")), ("b", sup("b")), ("c", sup("c"))]).decide(e).verdict, .inconclusive(.mixed))
        XCTAssertEqual(Rule.atLeast(2, of: [("a", sup("a")), ("b", sup("b")), ("b", sup("b"))]).decide(e).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(Rule.atLeast(2, of: [("a", sup("a")), ("c", sup("c")), ("c", sup("c"))]).decide(e).verdict, .notReproduced)
    }

    func testVerdictReasonsRoundTripThroughTheLedgerLabels() {
        for reason in InconclusiveReason.allCases {
            let v = Verdict.inconclusive(reason)
            XCTAssertEqual(Verdict(label: v.label, reason: v.reason), v)
            XCTAssertEqual(v.display, "inconclusive (\(reason.rawValue))")
        }
        XCTAssertNil(Verdict(label: "inconclusive", reason: "bad luck"))
        XCTAssertEqual(Verdict(label: "not testable on CPU", reason: "GPU"), .notTestable(reason: "GPU"))
    }

    // MARK: - Power

    func testMinimalDetectableEffectMatchesTheTFormula() {
        // (t.975,4 + t.80,4)·s/√5 with s = 1.
        XCTAssertEqual(Statistics.minimalDetectableEffect(standardDeviation: 1, count: 5), (2.7764451051977934 + 0.9409645772351816) / 5.0.squareRoot(), accuracy: 1e-12)
        XCTAssertTrue(Statistics.minimalDetectableEffect(standardDeviation: 1, count: 1).isNaN)
        XCTAssertEqual(Statistics.tQuantile80(degreesOfFreedom: 40), 0.8506997958, accuracy: 1e-6)  // SciPy t.ppf(0.8, 40)
    }

    /// Two arms whose paired difference has a known spread: the plan raises the evaluation seeds
    /// until the detectable effect reaches the minimal effect, or stops at the cap and says so.
    func testPowerPlanRaisesSeedsUpToTheCap() throws {
        func arm(_ name: String, offset: Double) -> Arm {
            Arm(name, fixed: Hyperparameters(["lr": 0.1])) { trial in
                var r = RunRecord(losses: [1])
                // Noise ±1 per repetition, drawn from the arm's own stream.
                var rng = trial.rng
                r.record("score", offset + rng.uniform(-1, 1))
                return r
            }
        }
        let context = RunContext(scale: .quick, slug: "test")
        let loose = Experiment(context: context, claim: "p", arms: [arm("a", offset: 1), arm("b", offset: 0)], selectionSeeds: 4,
                               evaluationSeeds: 3, rule: .highest("score"),
                               power: [PowerPlan(method: "a", baseline: "b", metric: "score", minimalEffect: 1.5)], seedCap: 30)
        let result = try loose.compare()
        let plan = try XCTUnwrap(result.plans.first)
        XCTAssertGreaterThan(plan.seeds, 3)
        XCTAssertLessThanOrEqual(plan.detectable, 1.5)
        XCTAssertFalse(plan.underpowered)
        XCTAssertEqual(result["a"].evaluation.count, plan.seeds)
        XCTAssertEqual(result["b"].evaluation.count, plan.seeds)

        var tight = loose
        tight.power = [PowerPlan(method: "a", baseline: "b", metric: "score", minimalEffect: 0.01)]
        tight.seedCap = 6
        let capped = try tight.compare()
        XCTAssertEqual(capped.plans[0].seeds, 6)
        XCTAssertTrue(capped.plans[0].underpowered)
        var e = Evidence()
        capped.recordDifference("d", method: "a", baseline: "b", metric: "score", tolerance: 0, into: &e)
        XCTAssertEqual(e["d.mde"], capped.plans[0].detectable)
        XCTAssertEqual(e.interval("d").detectable, capped.plans[0].detectable)
    }

    // MARK: - Grid extension

    /// A score that keeps improving with the learning rate: the choice lands on the top edge,
    /// the grid grows by the grid's own ratio, twice, and the final choice is flagged.
    func testAChoiceAtTheEdgeExtendsTheGrid() throws {
        let arm = Arm("up", grid: Hyperparameters.learningRateGrid([0.01, 0.1])) { trial in
            var r = RunRecord(losses: [1])
            r.record("loss", -trial.hyperparameters.learningRate)
            return r
        }
        let context = RunContext(scale: .quick, slug: "test")
        let experiment = Experiment(context: context, claim: "g", arms: [arm], selectionSeeds: 1, evaluationSeeds: 1, rule: .lowest("loss"))
        let result = try experiment.run(arm)
        XCTAssertEqual(result.sweep.map(\.hyperparameters.learningRate), [0.01, 0.1, 1, 10].map { $0 }, accuracy: 1e-12)
        XCTAssertEqual(result.chosen.learningRate, 10, accuracy: 1e-12)
        XCTAssertEqual(result.extensions, 2)
        XCTAssertEqual(result.edge, GridEdge(name: "lr", upper: true))
        XCTAssertEqual(result.gridRange, "lr 0.01…10")
        let log = context.log.tuning
        XCTAssertEqual(log.count, 1)
        XCTAssertEqual(log[0].edge, "lr upper")
        XCTAssertEqual(log[0].extensions, 2)
    }

    /// An optimum just past the grid's edge is found by one extension and is then interior.
    func testExtensionFindsAnOptimumPastTheEdge() throws {
        let arm = Arm("bowl", grid: Hyperparameters.learningRateGrid([0.001, 0.01])) { trial in
            var r = RunRecord(losses: [1])
            r.record("loss", abs(log10(trial.hyperparameters.learningRate) + 1))  // best at 0.1
            return r
        }
        let experiment = Experiment(context: RunContext(scale: .quick, slug: "test"), claim: "g", arms: [arm],
                                    selectionSeeds: 1, evaluationSeeds: 1, rule: .lowest("loss"))
        let result = try experiment.run(arm)
        XCTAssertEqual(result.chosen.learningRate, 0.1, accuracy: 1e-12)
        XCTAssertEqual(result.extensions, 2)
        XCTAssertNil(result.edge)
    }

    /// Every point diverging extends the grid towards smaller steps.
    func testAllDivergedExtendsDownward() throws {
        let arm = Arm("hot", grid: Hyperparameters.learningRateGrid([1, 10])) { trial in
            var r = RunRecord(losses: [trial.hyperparameters.learningRate > 0.5 ? .nan : 1])
            r.record("loss", abs(log10(trial.hyperparameters.learningRate) + 1))  // best at 0.1
            return r
        }
        let experiment = Experiment(context: RunContext(scale: .quick, slug: "test"), claim: "g", arms: [arm],
                                    selectionSeeds: 1, evaluationSeeds: 1, rule: .lowest("loss"))
        let result = try experiment.run(arm)
        XCTAssertFalse(result.selectionFailed)
        XCTAssertEqual(result.chosen.learningRate, 0.1, accuracy: 1e-12)
    }

    /// A target no grid point reaches is recorded, and the key reads 0.
    func testTargetReachedIsRecordedPerArm() throws {
        let arm = Arm("slow", grid: Hyperparameters.learningRateGrid([0.1, 0.2, 0.3])) { trial in
            var r = RunRecord(losses: [1])
            r.record("loss", 1 + abs(trial.hyperparameters.learningRate - 0.2))
            return r
        }
        let experiment = Experiment(context: RunContext(scale: .quick, slug: "test"), claim: "t", arms: [arm], selectionSeeds: 1,
                                    evaluationSeeds: 1, rule: .lowest("loss"), target: .atMost("loss", 0.5))
        let result = try experiment.compare()
        XCTAssertEqual(result["slow"].reachedTarget, false)
        var e = Evidence()
        result.recordTargetReached("t.reached", into: &e)
        XCTAssertEqual(e["t.reached"], 0)
    }

    // MARK: - The method kit

    func testPerTensorStateCountsBytesAndHandlesTails() {
        let state = PerTensorState(slots: 2)
        for count in [3, 16, 37] {
            var u = Tensor<Float>(shape: [count], data: (0..<count).map { Float($0) })
            state.update(&u, index: count, { g, a, b in a = a + g; b = b + 2 * g; g = a + b })
            XCTAssertEqual(u.data, (0..<count).map { 3 * Float($0) })
            XCTAssertEqual(state[count][1].data, (0..<count).map { 2 * Float($0) })
        }
        XCTAssertEqual(state.bytes, 2 * (3 + 16 + 37) * 4)
    }

    /// The three-slot pass keeps each slot's values apart, across full lanes and the tail, and
    /// carries them over to the next call.
    func testPerTensorStateThreeSlots() {
        let state = PerTensorState(slots: 3)
        for count in [5, 16, 35] {
            for _ in 0..<2 {
                var u = Tensor<Float>(shape: [count], data: (0..<count).map { Float($0) })
                state.update(&u, index: count, { g, a, b, c in a = a + g; b = b + 2 * g; c = g - c; g = a + b + c })
            }
            XCTAssertEqual(state[count][0].data, (0..<count).map { 2 * Float($0) })
            XCTAssertEqual(state[count][1].data, (0..<count).map { 4 * Float($0) })
            XCTAssertEqual(state[count][2].data, (0..<count).map { _ in 0 })
        }
        XCTAssertEqual(state.bytes, 3 * (5 + 16 + 35) * 4)
    }

    func testSchedules() {
        let cosine = LearningRate.cosine(peak: 1, steps: 10)
        XCTAssertEqual(cosine(1), 1)
        XCTAssertEqual(cosine(6), 0.5, accuracy: 1e-6)
        XCTAssertEqual(cosine(11), 0, accuracy: 1e-7)
        XCTAssertEqual(LearningRate.linearDecay(peak: 1, steps: 4)(1), 1)
        XCTAssertEqual(LearningRate.linearDecay(peak: 1, steps: 4)(4), 0.25)
        XCTAssertEqual(LearningRate.inverseSquareRoot(0.5)(4), 0.25)
        let warm = LearningRate.warmup(4, peak: 1, then: .constant(1))
        XCTAssertEqual((1...5).map { warm($0) }, [0.25, 0.5, 0.75, 1, 1])
        XCTAssertEqual(BiasCorrection.factor(0.9, step: 2), 0.19, accuracy: 1e-12)
    }

    // MARK: - Figures

    /// Censored points get their own open-marker layer and legend entry, and gnuplot draws them.
    func testCensoredPointsAreMarkedInFigures() throws {
        let figure = Figure(name: "censored", title: "t", xLabel: "x", yLabel: "y",
                            series: [Series("a", x: [1, 2, 3], y: [1, 2, 30], censored: [false, false, true]),
                                     Series("b", x: [1, 2], y: [1, 1], band: [0.1, 0.1], censored: [false, false])],
                            caption: "c")
        XCTAssertTrue(figure.gnuplotData.contains("# x y censored\n1.0 1.0 0\n2.0 2.0 0\n3.0 30.0 1\n"))
        XCTAssertNil(figure.series[1].censored, "a series with nothing censored draws no extra layer")
        XCTAssertEqual(figure.gnuplotScript.components(separatedBy: "pt 8").count, 2)
        XCTAssertTrue(figure.gnuplotScript.contains("a: censored (diverged; at least this bad)"))
        let rendered = try Gnuplot.locate().render(figure, scratch: FileManager.default.temporaryDirectory.appendingPathComponent("reproduce-test-\(UUID().uuidString)"))
        XCTAssertTrue(String(decoding: rendered.svg, as: UTF8.self).contains("censored"))
    }

    // MARK: - Counted cost

    func testCostMeterCountsMatmulFlopsAndNests() {
        let a = Tensor<Float>.ones([3, 4]), b = Tensor<Float>.ones([4, 5])
        let (outer, total) = CostMeter.measure { () -> Cost in
            _ = matmul(a, b)
            let (_, inner) = CostMeter.measure { _ = matmul(a, b, transposeA: false); CostMeter.countGradientEvaluations(2) }
            return inner
        }
        XCTAssertEqual(outer, Cost(gradientEvaluations: 2, matmulFlops: 2 * 3 * 4 * 5))
        XCTAssertEqual(total, Cost(gradientEvaluations: 2, matmulFlops: 2 * 2 * 3 * 4 * 5))
        // Outside a measurement nothing is counted and nothing traps.
        _ = matmul(a, b)
    }

    /// The runner fills every run's cost: a deterministic task counts one gradient per step.
    func testRunnerRecordsCostPerRun() throws {
        let context = RunContext(scale: .quick, slug: "test")
        let task = StandardTasks.rosenbrock(context)
        let arm = Arm("sgd", fixed: Hyperparameters(["lr": 1e-4])) { trial in
            task.train(trial) { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate))) }
        }
        let result = try Experiment(context: context, claim: "k", arms: [arm], selectionSeeds: 1, evaluationSeeds: 2,
                                    rule: .lowest("final training loss")).run(arm)
        XCTAssertEqual(result.meanCost.gradientEvaluations, 200)
        XCTAssertEqual(context.log.timing.map(\.runs), [2])
        var e = Evidence()
        e.record(cost: "k.sgd", result.meanCost)
        XCTAssertEqual(e["k.sgd.gradient_evaluations"], 200)
    }

    // MARK: - Standard tasks and the comparison template

    /// The deterministic tasks descend under a tuned optimizer, and a run is a pure function of its trial.
    func testDeterministicTasksDescendAndRepeat() throws {
        let context = RunContext(scale: .quick, slug: "test")
        for task in [StandardTasks.quadratic(context), StandardTasks.rosenbrock(context)] {
            let experiment = Experiment(context: context, claim: "s", arms: [], selectionSeeds: 1, evaluationSeeds: 1, rule: .lowest("final training loss"))
            let trial = experiment.trial(arm: "adam", hyperparameters: Hyperparameters(["lr": 0.01]), phase: .evaluation, repetition: 0)
            let make: OptimizerFactory = { p, h in ChainedOptimizer.adam(p, learningRate: .constant(Float(h.learningRate))) }
            let a = task.train(trial, make), b = task.train(trial, make)
            XCTAssertEqual(a.losses, b.losses, task.key)
            XCTAssertLessThan(a.losses.last!, a.losses.first!, task.key)
            XCTAssertEqual(a.metric("log final training loss")!, log(a.metric("final training loss")!), accuracy: 1e-12)
            XCTAssertNotNil(a.metric("test loss"))
        }
    }

    /// The regret comparator's box minimiser: the clamped solution when the free one leaves the box
    /// (G = [[2, 1], [1, 2]], m = (9, 0): free optimum (6, −3); in [−2, 2]² the minimiser is (2, −1)),
    /// and the free solution when it lies inside.
    func testRegretComparatorBoxMinimizer() {
        let gram = Tensor<Double>(shape: [2, 2], data: [2, 1, 1, 2])
        let outside = OnlineRegret.boxMinimizer(gram, Tensor(shape: [2, 1], data: [9, 0]), bound: 2)
        XCTAssertEqual(outside[0], 2, accuracy: 1e-12)
        XCTAssertEqual(outside[1], -1, accuracy: 1e-12)
        let inside = OnlineRegret.boxMinimizer(gram, Tensor(shape: [2, 1], data: [1, 1]), bound: 2)
        XCTAssertEqual(inside[0], 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(inside[1], 1.0 / 3, accuracy: 1e-12)
    }

    /// The MNIST-1D MLP with another activation is the same task (data, initial point) with another
    /// nonlinearity: its own key, and a different first training loss from the same trial.
    func testMNIST1DActivationVariant() throws {
        let context = RunContext(scale: .quick, slug: "test")
        let relu = try StandardTasks.mlpMNIST1D(context), tanh = try StandardTasks.mlpMNIST1D(context, activation: .tanh)
        XCTAssertEqual(relu.key, "mlp_mnist1d")
        XCTAssertEqual(tanh.key, "mlp_mnist1d_tanh")
        let experiment = Experiment(context: context, claim: "s", arms: [], selectionSeeds: 1, evaluationSeeds: 1, rule: .lowest("final training loss"))
        let trial = experiment.trial(arm: "sgd", hyperparameters: Hyperparameters(["lr": 0]), phase: .evaluation, repetition: 0)
        let make: OptimizerFactory = { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate))) }
        let a = relu.train(trial, make), b = tanh.train(trial, make)
        XCTAssertNotEqual(a.losses.first!, b.losses.first!)
        XCTAssertEqual(a.losses.first!, a.losses.last!, "lr 0 leaves the ReLU network where it started")
    }

    /// The template runs every arm on every task with the same grid and logs each tuned arm.
    func testComparisonTemplateRunsEveryArmOnEveryTask() throws {
        let context = RunContext(scale: .quick, slug: "test")
        let arms = [
            OptimizerArm("SGD") { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate))) },
            OptimizerArm("Adam") { p, h in ChainedOptimizer.adam(p, learningRate: .constant(Float(h.learningRate))) },
        ]
        let comparison = Comparison(context: context, claim: "c", arms: arms, learningRates: [0.003, 0.01, 0.03],
                                    selection: .lowest("log final training loss"), selectionSeeds: 1, evaluationSeeds: 2,
                                    power: [PowerPlan(method: "Adam", baseline: "SGD", metric: "log final training loss", minimalEffect: 0.1)])
        let tasks = [StandardTasks.quadratic(context, conditionNumber: 10, dimension: 5)]
        let results = try comparison.run(tasks)
        XCTAssertEqual(results.count, 1)
        XCTAssertEqual(results[0].result.arms.map(\.arm), ["SGD", "Adam"])
        XCTAssertEqual(context.log.tuning.map(\.arm), ["SGD", "Adam"])
        XCTAssertTrue(context.log.tuning.allSatisfy { $0.range.hasPrefix("lr ") })
        let blocks = results[0].blocks(judged: "log final training loss", metrics: ["final training loss"], pairs: [("Adam", "SGD")], figure: "f")
        XCTAssertEqual(blocks.flatMap(\.figures).map(\.name), ["f"])
        XCTAssertTrue(["SGD", "Adam"].contains(results[0].bestBySelection(["SGD", "Adam"])))
        XCTAssertTrue(comparison.setupText(tasks).contains("quadratic"))
    }
}

private func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy * max(1, abs(y)), file: file, line: line) }
}
