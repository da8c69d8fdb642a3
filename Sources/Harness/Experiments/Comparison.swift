import Foundation

// # The shared comparison template
//
// Most optimizer papers claim "our method trains these tasks better (or as well, with less
// memory) than tuned baselines". This is that experiment, written once: every arm gets the same
// learning-rate grid, the same selection seeds and the same selection rule on the metric the
// claim judges (protocol v2: grid extension at edges, power-planned evaluation seeds), on each of
// a list of standard tasks, and the report gets the standard blocks (summary, paired
// differences, loss curves with bands, the sweep folded away). A paper writes its arms and its
// claims' rules; the rest is here.

/// An optimizer under comparison: a name and how to build it from hyperparameters.
public struct OptimizerArm: Sendable {
    public var name: String
    public var make: OptimizerFactory
    /// The arm's own grid, when it tunes more than the shared learning rates (e.g. `lr × rho`).
    /// Nil: the comparison's learning-rate grid.
    public var grid: [Hyperparameters]?
    /// Hyperparameters whose grid edges extend (default: the learning rate).
    public var extendable: [String]
    /// What a reader of the league must know about this arm there, e.g. what it does on
    /// parameters its method does not cover (shown beside the optimizer in the league's table).
    public var remark: String?

    public init(_ name: String, grid: [Hyperparameters]? = nil, extendable: [String] = ["lr"], remark: String? = nil,
                make: @escaping OptimizerFactory) {
        self.name = name
        self.grid = grid
        self.extendable = extendable
        self.remark = remark
        self.make = make
    }
}

/// A tuned comparison of optimizer arms on standard tasks.
public struct Comparison: Sendable {
    public var context: RunContext
    /// The claim id (or ids, `"c3 c4"`), part of every stream's path.
    public var claim: String
    public var arms: [OptimizerArm]
    /// The shared learning-rate grid.
    public var learningRates: [Double]
    /// Selection on the judged metric (protocol v2).
    public var selection: SelectionRule
    public var selectionSeeds: Int
    public var evaluationSeeds: Int
    /// The most evaluation seeds a power plan may ask for.
    public var seedCap: Int
    /// The comparisons whose seeds are planned for power, per task (same plans on every task).
    public var power: [PowerPlan]

    public init(context: RunContext, claim: String, arms: [OptimizerArm], learningRates: [Double], selection: SelectionRule,
                selectionSeeds: Int, evaluationSeeds: Int, seedCap: Int? = nil, power: [PowerPlan] = []) {
        self.context = context
        self.claim = claim
        self.arms = arms
        self.learningRates = learningRates
        self.selection = selection
        self.selectionSeeds = selectionSeeds
        self.evaluationSeeds = evaluationSeeds
        self.seedCap = seedCap ?? evaluationSeeds
        self.power = power
    }

    /// Runs every arm on every task (tasks in order; streams `(claim, task key, arm, phase, rep)`).
    public func run(_ tasks: [StandardTask]) throws -> [TaskComparison] {
        try tasks.map { task in
            let experiment = Experiment(
                context: context, claim: "\(claim) \(task.key)",
                arms: arms.map { arm in
                    Arm(arm.name, grid: arm.grid ?? Hyperparameters.learningRateGrid(learningRates), extendable: arm.extendable) { trial in
                        task.train(trial, arm.make)
                    }
                },
                selectionSeeds: selectionSeeds, evaluationSeeds: evaluationSeeds, rule: selection,
                power: power, seedCap: seedCap)
            return TaskComparison(task: task, result: try experiment.compare(), selection: selection)
        }
    }

    /// The setup paragraph: arms, grid, selection and seeds (tasks describe themselves).
    public func setupText(_ tasks: [StandardTask]) -> String {
        var text = "**\(claim): the comparison.** Arms: \(arms.map(\.name).joined(separator: ", ")). Every arm is tuned over the "
        text += "learning rates \(learningRates.map { Format.compact($0, 2) }.joined(separator: ", ")) (extended by one step at an edge "
        text += "the choice lands on, up to twice) by \(selection.description), with \(Format.counted(selectionSeeds, "selection seed")); "
        text += "the chosen point is re-run on \(evaluationSeeds == seedCap ? "\(evaluationSeeds)" : "\(evaluationSeeds) to \(seedCap) (planned for 80% power)") "
        text += "fresh evaluation seeds, all arms sharing the initial point and data order at each seed."
        return ([text] + tasks.map(\.setup)).joined(separator: "\n\n")
    }
}

/// One task's comparison: the experiment's result and its standard report blocks.
public struct TaskComparison: Sendable {
    public var task: StandardTask
    public var result: ExperimentResult
    public var selection: SelectionRule

    /// The arm among `names` with the best selection score at its chosen point, picked before
    /// any evaluation run (a baseline chosen on test numbers would favour it).
    public func bestBySelection(_ names: [String]) -> String {
        func score(_ name: String) -> Double {
            let r = result[name]
            guard !r.sweep.isEmpty, !r.selectionFailed else { return selection.minimize ? .infinity : -.infinity }
            return r.sweep[r.chosenIndex].meanScore
        }
        return names.min { a, b in selection.minimize ? score(a) < score(b) : score(a) > score(b) }!
    }

    /// The sentence naming the baseline `bestBySelection` picked and the score it was picked by
    /// (`"selection score"`, `"validation accuracy"`), for the report beside the comparison.
    public func bestBaselineNote(_ baseline: String, selectedBy criterion: String) -> ReportBlock {
        .text("Best baseline by \(criterion) on \(task.label): **\(baseline)** (chosen before the evaluation runs).")
    }

    /// The standard blocks: a heading, the summary table (every arm's `metrics`), the paired
    /// differences of `judged` for `pairs`, the loss figure, and the sweep folded in `<details>`.
    public func blocks(judged: String, metrics: [String], pairs: [(method: String, baseline: String)], figure: String,
                       logY: Bool = true) -> [ReportBlock] {
        var out: [ReportBlock] = [.text("#### \(task.label)")]
        out.append(.table(ExperimentReport.summaryTable(result.arms, metrics: metrics,
                                                        caption: "\(task.label): each arm at its chosen point over \(Format.counted(result.evaluationSeeds, "evaluation seed")) (diverged runs excluded and counted).")))
        if !pairs.isEmpty {
            let rows = pairs.map { p -> [String] in
                let d = result[p.method].pairedDifference(judged, versus: result[p.baseline])
                let plan = result.plans.first { $0.plan.method == p.method && $0.plan.baseline == p.baseline }
                return ["\(p.method) − \(p.baseline)", d.formatted, "[\(Format.compact(d.low, 3)), \(Format.compact(d.high, 3))]", "\(d.count)",
                        plan.map { Format.compact($0.detectable, 3) } ?? "—"]
            }
            out.append(.table(Table(caption: "\(task.label): paired differences of \(judged) (same seed, same initial point and data order).",
                                    headers: ["difference", "mean ± 95% CI", "95% interval", "pairs", "detectable (80% power, planned)"],
                                    rows: rows)))
        }
        out.append(.figure(ExperimentReport.lossFigure(result.arms, name: figure, title: "\(task.label): training loss",
                                                       logY: logY, caption: "Mean training loss of each arm at its chosen point, with the 95% band over evaluation seeds.")))
        out.append(.details("Learning-rate sweep on \(task.label)", [.table(ExperimentReport.sweepTable(result.arms, rule: selection))]))
        return out
    }
}
