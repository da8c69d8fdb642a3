import Foundation

// # The optimizer league
//
// AlgoPerf compares training algorithms fairly on GPU-scale workloads; this is the same discipline
// on a CPU in minutes. Every optimizer the project registers (the harness baselines and each
// paper's `leagueOptimizers`) runs on the same standard tasks with the same tuning budget under
// protocol v2: one learning-rate grid for all (extended at an edge), the same selection seeds,
// selection on the validation version of the judged metric, then fresh evaluation seeds at the
// chosen point, every optimizer sharing the initial point and data order at each seed.
//
// Per task the league measures the final test metric (mean and 95% interval), the steps and
// gradient evaluations to reach a training-loss target fixed per task before any run (AlgoPerf's
// time-to-result in deterministic units: SAM pays two evaluations per step), optimizer-state
// bytes, and divergences. Across tasks: ranks with ties where intervals overlap, and a
// performance profile (Dolan–Moré): the fraction of tasks an optimizer solves within τ times the
// cheapest optimizer's gradient evaluations on that task.
//
// The league runs through the same machinery as a paper (it conforms to ``Paper`` with no
// claims), so it gets a report, a ledger that `verify` checks at quick scale, and atomic output.

/// An optimizer in the league: its arm (name and factory; the league tunes only `lr`) and where
/// it was registered.
public struct LeagueEntry: Sendable {
    public var arm: OptimizerArm
    /// `harness` for a baseline, else the registering paper's slug.
    public var source: String

    public init(_ arm: OptimizerArm, source: String) {
        self.arm = arm
        self.source = source
    }

    public var name: String { arm.name }
}

/// A league task: a standard task, what is judged and selected on, and the time-to-result target.
public struct LeagueTask: Sendable {
    public var key: String
    public var make: @Sendable (RunContext) throws -> StandardTask
    /// The judged metric of an evaluation run (lower is better).
    public var judged: String
    /// The same quantity measured without the test data, for selection.
    public var selection: String
    /// The training loss that counts as "solved", per scale (the quick budget is shorter).
    public var target: (quick: Double, full: Double)

    public init(key: String, judged: String, selection: String, target: (quick: Double, full: Double),
                make: @escaping @Sendable (RunContext) throws -> StandardTask) {
        self.key = key
        self.make = make
        self.judged = judged
        self.selection = selection
        self.target = target
    }
}

/// The league's optimizers and tasks.
public enum LeagueRegistry {
    /// The harness baselines, with torch.optim's defaults but the learning rate.
    public static let baselines: [LeagueEntry] = [
        OptimizerArm("sgd") { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("sgd-nesterov") { p, h in
            ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9, nesterov: true)
        },
        OptimizerArm("adagrad") { p, h in ChainedOptimizer.adagrad(p, learningRate: h.learningRate) },
        OptimizerArm("rmsprop") { p, h in ChainedOptimizer.rmsprop(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("adam") { p, h in ChainedOptimizer.adam(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("adamw") { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("shampoo") { p, h in ChainedOptimizer(p, transforms: [ScaleByShampoo()], learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("scalable-shampoo") { p, h in ChainedOptimizer(p, transforms: [ScaleByScalableShampoo()], learningRate: .constant(Float(h.learningRate))) },
    ].map { LeagueEntry($0, source: "harness") }

    /// The tasks, each with its target fixed before the league first ran: about where a well-tuned
    /// adaptive method gets within the budget, so that reaching it separates fast from slow.
    /// Classifiers and the transformer are judged on test loss and selected on validation loss;
    /// the quadratic and Rosenbrock (no test data) on the log of the final loss.
    public static let tasks: [LeagueTask] = [
        LeagueTask(key: "quadratic", judged: "log final training loss", selection: "log final training loss",
                   target: (quick: 1e-2, full: 1e-3)) { StandardTasks.quadratic($0) },
        LeagueTask(key: "rosenbrock", judged: "log final training loss", selection: "log final training loss",
                   target: (quick: 0.5, full: 1e-2)) { StandardTasks.rosenbrock($0) },
        LeagueTask(key: "softmax_digits", judged: "test loss", selection: "validation loss",
                   target: (quick: 0.3, full: 0.1)) { try StandardTasks.softmaxDigits($0) },
        LeagueTask(key: "mlp_digits", judged: "test loss", selection: "validation loss",
                   target: (quick: 0.2, full: 0.05)) { try StandardTasks.mlpDigits($0) },
        LeagueTask(key: "mlp_mnist1d", judged: "test loss", selection: "validation loss",
                   target: (quick: 1.4, full: 0.9)) { try StandardTasks.mlpMNIST1D($0) },
        LeagueTask(key: "cnn_digits", judged: "test loss", selection: "validation loss",
                   target: (quick: 0.5, full: 0.1)) { try StandardTasks.cnnDigits($0) },
        LeagueTask(key: "transformer_markov", judged: "test loss", selection: "validation loss",
                   target: (quick: 3.2, full: 2.2)) { StandardTasks.transformerMarkov($0) },
    ]
}

/// One optimizer's standing on one task.
public struct LeagueStanding: Sendable {
    public var optimizer: String
    public var chosen: String
    public var judged: Summary
    public var testAccuracy: Summary?
    /// Median over evaluation seeds of the first recorded step whose training loss met the
    /// target (infinite when at least half never did).
    public var stepsToTarget: Double
    /// ``stepsToTarget`` times the gradient evaluations per step.
    public var gradientEvaluationsToTarget: Double
    public var stateBytes: Int
    public var diverged: Int
    public var evaluations: Int
    /// 1 + the number of optimizers whose whole interval is better than this one's.
    public var rank: Int = 0
}

/// The league as a paper without claims: `reproduce league` runs it, `verify` checks its ledger.
public struct League: Paper {
    public var entries: [LeagueEntry]
    public var tasks: [LeagueTask]
    /// Tasks run side by side (results do not depend on it).
    public var jobs: Int
    /// The `reproduce league` options that narrowed it, for the report's command line.
    public var selection: [String]

    public init(entries: [LeagueEntry], tasks: [LeagueTask] = LeagueRegistry.tasks, jobs: Int = 1, selection: [String] = []) {
        self.entries = entries
        self.tasks = tasks
        self.jobs = jobs
        self.selection = selection
    }

    public var info: PaperInfo {
        PaperInfo(slug: "league", title: "The optimizer league", method: "every registered optimizer, tuned alike",
                  family: "League", arxiv: nil, code: nil, summary: """
            Every optimizer the project registers, \(entries.count) here, on \(tasks.count) standard tasks with the same \
            tuning budget (protocol v2), ranked on the final test metric with ties where the 95% intervals overlap, and \
            timed to a fixed training-loss target in gradient evaluations (AlgoPerf's time-to-result in deterministic \
            units). Not a paper: no claims are judged here.
            """)
    }
    public var claims: [Claim] { [] }
    public var excerpts: [String] { [] }
    public var sourceFile: String { #filePath }
    public var runArguments: [String] { ["league"] + selection }

    public var method: String {
        #"""
        For each task, every optimizer is tuned over the same learning-rate grid (each grid point on the same selection seeds; a choice at an edge extends the grid by one step, up to twice) by the lowest mean of the task's selection metric: validation loss for the classifiers and the transformer, the log of the final loss for the quadratic and Rosenbrock. The chosen point is re-run on fresh evaluation seeds, every optimizer sharing the initial point and data order at each seed. Only the learning rate is tuned; every other hyperparameter is the optimizer's default as registered.

        **Rank.** On each task, an optimizer's rank is 1 plus the number of optimizers whose whole 95% interval of the judged metric lies below its own: optimizers whose intervals overlap share a rank. A run that diverges is left out of the interval and counted; an optimizer whose evaluation runs all diverged ranks last.

        **Time to result.** The training loss is recorded along each run (every epoch for the classifiers, twenty times per run otherwise); steps to target is the first recorded step at or below the task's target, the median over evaluation seeds (unreached when at least half never reached it); gradient evaluations to target multiply it by the optimizer's gradient evaluations per step, counted by the harness. The performance profile $\rho(\tau)$ is the fraction of tasks on which an optimizer's gradient evaluations to target are within $\tau$ times the fewest any optimizer needed there.
        """#
    }

    public var deviations: String {
        #"""
        The league is not a paper and has no claims. Its tasks are the harness's standard tasks at CPU scale, far from AlgoPerf's workloads; the targets were fixed once, before the league first ran, near what a tuned adaptive method reaches within each budget. Only the learning rate is tuned (the optimizers' other defaults may favour some of them), and the time to result counts gradient evaluations, not wall time: an optimizer with an expensive step (Newton–Schulz iterations, projections) is not charged for it here.
        """#
    }

    /// Grid, selection seeds and evaluation seeds per scale.
    func budget(_ context: RunContext) -> (grid: [Double], selectionSeeds: Int, evaluationSeeds: Int) {
        context.pick(quick: ([1e-3, 1e-2, 1e-1, 1], 1, context.seeds(quick: 2, full: 5)),
                     full: ([1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1], 3, context.seeds(quick: 2, full: 5)))
    }

    public func run(_ context: RunContext) throws -> PaperRun {
        let (grid, selectionSeeds, evaluationSeeds) = budget(context)
        let outcomes: [Result<(LeagueTask, StandardTask, ExperimentResult), Error>] = parallelMap(tasks, jobs: jobs) { task in
            Result {
                let standard = try task.make(context)
                let experiment = Experiment(
                    context: context, claim: task.key,
                    arms: entries.map { entry in
                        Arm(entry.name, grid: Hyperparameters.learningRateGrid(grid), extendable: ["lr"]) { trial in
                            standard.train(trial, entry.arm.make)
                        }
                    },
                    selectionSeeds: selectionSeeds, evaluationSeeds: evaluationSeeds, rule: .lowest(task.selection))
                return (task, standard, try experiment.compare())
            }
        }
        // The tasks ran concurrently: the ledger lists their tuning in task order, arms in entry order.
        let taskIndex = Dictionary(uniqueKeysWithValues: tasks.enumerated().map { ($1.key, $0) })
        let armIndex = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        context.log.orderTuning { (taskIndex[$0.claim] ?? tasks.count) * (entries.count + 1) + (armIndex[$0.arm] ?? entries.count) }
        var evidence = Evidence()
        var perTask: [(LeagueTask, StandardTask, ExperimentResult, [LeagueStanding])] = []
        for outcome in outcomes {
            let (task, standard, result) = try outcome.get()
            let target = context.pick(quick: task.target.quick, full: task.target.full)
            let standings = Self.rank(result.arms.map { Self.standing($0, judged: task.judged, target: target) })
            for s in standings {
                let key = "\(task.key).\(s.optimizer)"
                evidence.record(interval: "\(key).\(task.judged)", s.judged, tolerance: 0.05)
                // Off the ledger's platform a rank may move by one where two intervals just touch.
                evidence.record("\(key).rank", Double(s.rank), absoluteTolerance: 1, relativeTolerance: 0)
                evidence.record("\(key).steps_to_target", s.stepsToTarget, absoluteTolerance: 0, relativeTolerance: 0.25)
                evidence.record("\(key).gradient_evaluations_to_target", s.gradientEvaluationsToTarget,
                                absoluteTolerance: 0, relativeTolerance: 0.25)
                evidence.record("\(key).state_bytes", Double(s.stateBytes), absoluteTolerance: 0, relativeTolerance: 0)
                evidence.record("\(key).diverged", Double(s.diverged), absoluteTolerance: 1, relativeTolerance: 0)
            }
            perTask.append((task, standard, result, standings))
        }
        let setup = setupBlocks(perTask.map { ($0.0, $0.1) }, context: context, grid: grid,
                                selectionSeeds: selectionSeeds, evaluationSeeds: evaluationSeeds)
        return PaperRun(evidence: evidence, setup: setup, results: resultBlocks(perTask, context: context))
    }

    // MARK: - Measuring

    /// An arm's standing on a task (rank filled in by ``rank(_:)``).
    static func standing(_ arm: ArmResult, judged: String, target: Double) -> LeagueStanding {
        let reached = arm.evaluation.map { run -> Double in
            guard !run.diverged, let i = run.losses.firstIndex(where: { $0 <= target }) else { return .infinity }
            return Double(run.lossSteps[i])
        }.sorted()
        // Median with the unreached at infinity: unreached when at least half never got there.
        let median = reached.isEmpty ? .infinity
            : reached.count % 2 == 1 ? reached[reached.count / 2] : 0.5 * (reached[reached.count / 2 - 1] + reached[reached.count / 2])
        let run = arm.evaluation.first { !$0.diverged } ?? arm.evaluation.first
        let totalSteps = Double(run?.lossSteps.last ?? 0)
        let perStep = totalSteps > 0 ? Double(run?.cost.gradientEvaluations ?? 0) / totalSteps : 1
        let accuracy = arm.evaluation.contains { $0.metric("test accuracy") != nil } ? arm.summary("test accuracy") : nil
        return LeagueStanding(optimizer: arm.arm, chosen: arm.chosen.description, judged: arm.summary(judged),
                              testAccuracy: accuracy, stepsToTarget: median,
                              gradientEvaluationsToTarget: median.isFinite ? median * perStep : .infinity,
                              stateBytes: run?.stateBytes ?? 0, diverged: arm.divergedCount, evaluations: arm.evaluation.count)
    }

    /// Ranks with ties: 1 + the number of others whose 95% interval lies wholly below (lower is
    /// better). An optimizer with no finite result ranks after every other.
    static func rank(_ standings: [LeagueStanding]) -> [LeagueStanding] {
        func interval(_ s: LeagueStanding) -> (low: Double, high: Double)? {
            guard s.judged.count > 0, s.judged.mean.isFinite else { return nil }
            // One seed has no interval: its point is both ends.
            return s.judged.halfWidth.isFinite ? (s.judged.low, s.judged.high) : (s.judged.mean, s.judged.mean)
        }
        return standings.map { s in
            var ranked = s
            guard let mine = interval(s) else {
                ranked.rank = standings.filter { interval($0) != nil }.count + 1
                return ranked
            }
            ranked.rank = 1 + standings.filter { other in interval(other).map { $0.high < mine.low } ?? false }.count
            return ranked
        }
    }

    /// The performance profile: for each optimizer, ρ(τ) at each τ of `taus`.
    static func profile(_ costs: [[Double]], taus: [Double]) -> [[Double]] {
        // costs[task][optimizer]; infinite where the target was not reached.
        let best = costs.map { $0.filter(\.isFinite).min() ?? .infinity }
        let optimizers = costs.first?.count ?? 0
        return (0..<optimizers).map { o in
            taus.map { tau in
                let solved = costs.indices.filter { t in costs[t][o].isFinite && costs[t][o] <= tau * best[t] }.count
                return costs.isEmpty ? 0 : Double(solved) / Double(costs.count)
            }
        }
    }
}
