import Foundation

// # Arms x seeds, with a fair learning-rate selection
//
// A comparison of optimizers is only fair when every arm gets the same tuning budget. So each
// arm carries a small grid of hyperparameters; every grid point is run on the validation split
// over a few *selection* seeds; a rule fixed in code (never after looking at the test numbers)
// picks one point per arm; and the picked point is run afresh over the *evaluation* seeds,
// whose results the claim is judged on. The report shows the whole sweep, so a reader can see
// that no arm was starved of tuning.

/// Named hyperparameter values in a fixed order (printing never depends on dictionary order).
public struct Hyperparameters: Sendable, Equatable, CustomStringConvertible {
    public private(set) var names: [String]
    public private(set) var values: [Double]

    /// Hyperparameters in the given order, e.g. `Hyperparameters(["lr": 0.01, "rho": 0.05])`.
    public init(_ pairs: KeyValuePairs<String, Double>) {
        names = pairs.map(\.key)
        values = pairs.map(\.value)
        precondition(Set(names).count == names.count, "duplicate hyperparameter name in \(names)")
    }

    /// Hyperparameters from parallel lists of names and values.
    public init(names: [String], values: [Double]) {
        precondition(names.count == values.count && Set(names).count == names.count, "bad hyperparameters \(names)")
        self.names = names
        self.values = values
    }

    /// The value of `name`.
    ///
    /// - Precondition: `name` is present.
    public subscript(name: String) -> Double {
        guard let i = names.firstIndex(of: name) else { preconditionFailure("no hyperparameter \(name) in \(self)") }
        return values[i]
    }

    /// The value of `name`, or nil.
    public func value(_ name: String) -> Double? { names.firstIndex(of: name).map { values[$0] } }

    /// A copy with `name` set to `value` (appended when new).
    public func with(_ name: String, _ value: Double) -> Hyperparameters {
        var out = self
        if let i = names.firstIndex(of: name) { out.values[i] = value } else { out.names.append(name); out.values.append(value) }
        return out
    }

    /// The learning rate, stored under `"lr"`.
    public var learningRate: Double { self["lr"] }

    /// `"lr=0.01, rho=0.05"`, each value to four significant digits.
    public var description: String {
        zip(names, values).map { "\($0)=\(Format.significant($1, 4).trimmingTrailingZeros)" }.joined(separator: ", ")
    }

    /// A grid over the learning rates `lrs`, every other hyperparameter fixed to `fixed`.
    public static func learningRateGrid(_ lrs: [Double], fixed: KeyValuePairs<String, Double> = [:]) -> [Hyperparameters] {
        lrs.map { Hyperparameters(fixed).with("lr", $0) }
    }
}

extension String {
    /// `"0.0100"` → `"0.01"`, `"3.000"` → `"3"`, `"1.50e-4"` → `"1.5e-4"`.
    var trimmingTrailingZeros: String {
        let (mantissa, exponent): (Substring, Substring) = {
            if let e = firstIndex(of: "e") { return (self[..<e], self[e...]) }
            return (self[...], "")
        }()
        guard mantissa.contains(".") else { return self }
        var m = mantissa
        while m.hasSuffix("0") { m = m.dropLast() }
        if m.hasSuffix(".") { m = m.dropLast() }
        return String(m) + exponent
    }
}

/// Whether a run belongs to the learning-rate selection or to the final evaluation.
public enum Phase: String, Sendable {
    /// Scored on the validation split; only used to choose hyperparameters.
    case selection
    /// Scored on the test split with the chosen hyperparameters; the claim is judged on these.
    case evaluation
}

/// Everything one run may depend on.
public struct Trial {
    /// The arm's name.
    public var arm: String
    public var hyperparameters: Hyperparameters
    public var phase: Phase
    /// The repetition index within the phase (0-based).
    public var repetition: Int
    /// This arm's own stream, `context.rng(claim, arm, phase, "rep r")`.
    public var rng: SeededRandom
    /// A stream shared by every arm (and every grid point) at this phase and repetition,
    /// `context.rng(claim, "common", phase, "rep r")`: draw the initial weights, the data split
    /// and the batch order from it so arms differ only by their method (common random numbers),
    /// which makes paired differences between arms meaningful.
    public var commonRNG: SeededRandom
}

/// What one run measured.
public struct RunRecord: Sendable {
    /// The training (or evaluation) loss at each recorded point.
    public var losses: [Double] {
        didSet { if losses.contains(where: { !$0.isFinite }) { diverged = true } }
    }
    /// The step of each recorded loss, for plotting; nil means `0, 1, 2, …`.
    public var steps: [Int]?
    /// Named final metrics (`"test accuracy"`, `"validation loss"`), in the order recorded.
    public private(set) var metrics: [(name: String, value: Double)] = []
    /// True when any loss or metric was NaN or infinite, or the run declared itself diverged.
    /// A diverged run is recorded, never a crash.
    public var diverged: Bool
    /// Bytes of optimizer state (the optimizer's exact count), for memory claims.
    public var stateBytes: Int
    /// Wall-clock seconds the run took, measured by the runner. For progress lines, the
    /// machine-dependent timing file and the benchmark only: never print it in a report or
    /// ledger, which must be byte-identical.
    public var seconds: Double = 0
    /// What the run counted (FLOPs of matrix products, gradient evaluations), measured by the
    /// runner: deterministic, so it may be recorded as a metric.
    public var cost = Cost()

    public init(losses: [Double] = [], steps: [Int]? = nil, stateBytes: Int = 0, diverged: Bool = false) {
        self.losses = losses
        self.steps = steps
        self.stateBytes = stateBytes
        self.diverged = diverged || losses.contains { !$0.isFinite }
    }

    /// Records a metric; recording the same name twice is a programming error.
    public mutating func record(_ name: String, _ value: Double) {
        precondition(!metrics.contains { $0.name == name }, "metric \(name) recorded twice")
        metrics.append((name, value))
        if !value.isFinite { diverged = true }
    }

    /// The value of a metric, or nil when it was not recorded.
    public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }

    /// The x coordinates of ``losses``.
    public var lossSteps: [Int] { steps ?? Array(losses.indices) }
}

/// An arm of an experiment: a method, the hyperparameters it may be tuned over, and how to run it.
public struct Arm: Sendable {
    public var name: String
    /// The candidate hyperparameters. A single entry is used as is, without a selection phase.
    public var grid: [Hyperparameters]
    /// Runs the method once. A loss that becomes NaN should end the run early with the record
    /// marked diverged, not trap.
    public var run: @Sendable (Trial) throws -> RunRecord

    /// The hyperparameters whose grid edges extend (protocol v2): when the chosen point sits at
    /// the lowest or highest value of one of them, the grid grows by one step at that edge and
    /// the selection is rerun for the new points. Defaults to the learning rate.
    public var extendable: [String]

    public init(_ name: String, grid: [Hyperparameters], extendable: [String] = ["lr"],
                run: @escaping @Sendable (Trial) throws -> RunRecord) {
        precondition(!grid.isEmpty, "arm \(name) has an empty grid")
        self.name = name
        self.grid = grid
        self.extendable = extendable
        self.run = run
    }

    /// An arm with fixed hyperparameters.
    public init(_ name: String, fixed: Hyperparameters, run: @escaping @Sendable (Trial) throws -> RunRecord) {
        self.init(name, grid: [fixed], extendable: [], run: run)
    }
}

// ## Grid extension
//
// A choice at the edge of its grid says the best value may lie beyond it, and an arm whose best
// value lies beyond its grid was starved of tuning. Protocol v2 extends the grid by one step at
// that edge (geometric for positive values, the grid's own ratio) and reruns the selection for
// the new points, up to ``Experiment/maxExtensions`` times, the same rule for every arm. A choice
// still at an edge is flagged in the report and the ledger.

/// Where a chosen point sits at the edge of its grid.
public struct GridEdge: Sendable, Equatable {
    /// The hyperparameter at an edge.
    public var name: String
    /// True at the highest value, false at the lowest.
    public var upper: Bool
}

extension Array where Element == Hyperparameters {
    /// The sorted distinct values of `name` over the points that have it.
    func distinctValues(_ name: String) -> [Double] {
        let values: [Double] = compactMap { $0.value(name) }
        return Set(values).sorted()
    }

    /// The first of `names` at whose lowest or highest value `point` sits (needs two or more distinct values).
    func edge(of point: Hyperparameters, names: [String]) -> GridEdge? {
        for name in names {
            let values = distinctValues(name)
            guard values.count >= 2, let v = point.value(name) else { continue }
            if v == values.first { return GridEdge(name: name, upper: false) }
            if v == values.last { return GridEdge(name: name, upper: true) }
        }
        return nil
    }

    /// The new points one step beyond `edge`: every point at the edge value, moved by the
    /// grid's outermost step (a ratio for positive values, a difference otherwise).
    func extended(at edge: GridEdge) -> [Hyperparameters] {
        let values = distinctValues(edge.name)
        guard values.count >= 2 else { return [] }
        let (inner, outer) = edge.upper ? (values[values.count - 2], values[values.count - 1]) : (values[1], values[0])
        let next = inner > 0 && outer > 0 ? outer * (outer / inner) : outer + (outer - inner)
        return filter { $0.value(edge.name) == outer }.map { $0.with(edge.name, next) }
    }

    /// `"lr 1e-4…0.3"` for each of `names` that varies.
    func rangeDescription(_ names: [String]) -> String {
        names.compactMap { name -> String? in
            let v = distinctValues(name)
            guard let lo = v.first, let hi = v.last, v.count >= 2 else { return nil }
            return "\(name) \(Format.compact(lo, 3))…\(Format.compact(hi, 3))"
        }.joined(separator: ", ")
    }
}

/// A target a claim needs the tuning to reach (reach ε, reach a loss): an arm reaches it when
/// some eligible grid point's mean selection `metric` meets the threshold. When none does, a
/// claim that needs the target is inconclusive, `tuning failed` (``Rule/requiringTarget(_:_:)``).
public struct Target: Sendable, CustomStringConvertible {
    public var metric: String
    public var threshold: Double
    /// True when the metric must be at most the threshold (a loss), false for at least (an accuracy).
    public var atMost: Bool

    public static func atMost(_ metric: String, _ threshold: Double) -> Target { Target(metric: metric, threshold: threshold, atMost: true) }
    public static func atLeast(_ metric: String, _ threshold: Double) -> Target { Target(metric: metric, threshold: threshold, atMost: false) }

    func reached(_ value: Double) -> Bool { value.isFinite && (atMost ? value <= threshold : value >= threshold) }

    public var description: String { "\(metric) \(atMost ? "≤" : "≥") \(Format.compact(threshold, 3))" }
}

/// A comparison whose evaluation seeds are planned for power (protocol v2): before the
/// evaluation runs, the spread of the paired differences `method − baseline` of `metric` over
/// the selection seeds (at each arm's chosen point) gives the smallest effect `n` evaluation
/// seeds can detect at 80% power; `n` grows from the experiment's evaluation seeds up to its
/// cap until that effect is at most `minimalEffect`. A comparison still short at the cap is
/// marked underpowered.
public struct PowerPlan: Sendable {
    public var method: String
    public var baseline: String
    /// A metric both arms record in selection and evaluation runs.
    public var metric: String
    /// The effect the claim names (or the minimal effect of interest), in the metric's units
    /// after `scale` (e.g. accuracy points with `scale: 100`).
    public var minimalEffect: Double
    /// Multiplies the metric before differences are taken (100 for points of accuracy).
    public var scale: Double

    public init(method: String, baseline: String, metric: String, minimalEffect: Double, scale: Double = 1) {
        self.method = method
        self.baseline = baseline
        self.metric = metric
        self.minimalEffect = minimalEffect
        self.scale = scale
    }
}

/// A power plan with what it found.
public struct PlannedComparison: Sendable {
    public var plan: PowerPlan
    /// The standard deviation of the selection runs' paired differences (NaN with fewer than two).
    public var selectionSpread: Double
    /// The evaluation seeds the plan asked for (within the experiment's floor and cap).
    public var seeds: Int
    /// The smallest effect those seeds detect at 80% power (NaN when the spread is unknown).
    public var detectable: Double
    /// True when even the cap leaves the detectable effect above the minimal effect.
    public var underpowered: Bool { !(detectable <= plan.minimalEffect) }
}

/// How the selection phase picks a grid point, fixed before any run.
public struct SelectionRule: Sendable, CustomStringConvertible {
    /// The metric read from each selection run's ``RunRecord/metrics``.
    public var metric: String
    /// True to pick the lowest mean, false the highest.
    public var minimize: Bool

    /// Pick the lowest mean of `metric` (e.g. `"validation loss"`).
    public static func lowest(_ metric: String) -> SelectionRule { SelectionRule(metric: metric, minimize: true) }
    /// Pick the highest mean of `metric` (e.g. `"validation accuracy"`).
    public static func highest(_ metric: String) -> SelectionRule { SelectionRule(metric: metric, minimize: false) }

    /// The rule in words, for the report.
    public var description: String {
        "the grid point with the \(minimize ? "lowest" : "highest") mean \(metric) over the selection seeds, " +
        "among points none of whose selection runs diverged; ties (within 1e-12 relative) go to the smaller " +
        "learning rate (or, without one, the earlier grid point)"
    }

    /// The index of the chosen point given each point's mean score and eligibility, or nil
    /// when no point is eligible.
    func choose(_ grid: [Hyperparameters], scores: [Double], eligible: [Bool]) -> Int? {
        var best: Int?
        for i in grid.indices where eligible[i] && scores[i].isFinite {
            guard let b = best else { best = i; continue }
            let (s, t) = (scores[i], scores[b])
            let tie = abs(s - t) <= 1e-12 * max(abs(s), abs(t))
            if tie {
                if let li = grid[i].value("lr"), let lb = grid[b].value("lr"), li < lb { best = i }
            } else if minimize ? s < t : s > t {
                best = i
            }
        }
        return best
    }
}

/// One grid point of an arm's selection sweep.
public struct SweepPoint: Sendable {
    public var hyperparameters: Hyperparameters
    /// The selection runs, one per selection seed.
    public var records: [RunRecord]
    /// The selection metric of each run (NaN when missing).
    public var scores: [Double]
    /// True when no selection run diverged and every score is finite.
    public var eligible: Bool
    /// The mean score (NaN when any run diverged).
    public var meanScore: Double { Statistics.mean(scores) }
}

/// Everything an arm produced: the sweep, the choice and the evaluation runs.
public struct ArmResult: Sendable {
    public var arm: String
    /// Every grid point's selection runs (empty for a fixed arm).
    public var sweep: [SweepPoint]
    /// The index of the chosen grid point.
    public var chosenIndex: Int
    public var chosen: Hyperparameters
    /// True when every grid point diverged in selection; the smallest learning rate (or the
    /// first point) was then evaluated, and the report should say so.
    public var selectionFailed: Bool
    /// The runs with the chosen hyperparameters, one per evaluation seed.
    public var evaluation: [RunRecord]
    /// How many times the grid was extended at an edge.
    public var extensions: Int = 0
    /// Where the final choice still sits at a grid edge after the extensions (nil when inside).
    public var edge: GridEdge?
    /// Whether some eligible grid point reached the experiment's target (nil without a target).
    public var reachedTarget: Bool?
    /// The grid's range after extension, e.g. `"lr 1e-4…0.3"`.
    public var gridRange: String = ""

    /// The values of `metric` over the evaluation runs (NaN where missing).
    public func values(_ metric: String) -> [Double] { evaluation.map { $0.metric(metric) ?? .nan } }

    /// The mean and 95% interval of `metric` over the evaluation runs; diverged runs are left
    /// out unless `includingDiverged` (then any NaN makes the summary NaN).
    public func summary(_ metric: String, includingDiverged: Bool = false) -> Summary {
        Summary(evaluation.filter { includingDiverged || !$0.diverged }.map { $0.metric(metric) ?? .nan })
    }

    /// The mean and 95% interval of `self.metric - other.metric` paired by evaluation
    /// repetition (the arms share ``Trial/commonRNG`` at each repetition). Pairs where either
    /// run diverged are left out.
    public func pairedDifference(_ metric: String, versus other: ArmResult, scale: Double = 1) -> Summary {
        precondition(evaluation.count == other.evaluation.count, "paired difference needs equal evaluation counts")
        var a = [Double](), b = [Double]()
        for (x, y) in zip(evaluation, other.evaluation) where !x.diverged && !y.diverged {
            a.append((x.metric(metric) ?? .nan) * scale)
            b.append((y.metric(metric) ?? .nan) * scale)
        }
        return Statistics.pairedDifferences(a, b)
    }

    /// The mean cost of an evaluation run (integer division of the totals; every run of a
    /// deterministic budget counts the same).
    public var meanCost: Cost {
        let total = evaluation.reduce(Cost()) { $0 + $1.cost }, n = max(evaluation.count, 1)
        return Cost(gradientEvaluations: total.gradientEvaluations / n, functionEvaluations: total.functionEvaluations / n,
                    matmulFlops: total.matmulFlops / n)
    }

    /// The number of evaluation runs that diverged.
    public var divergedCount: Int { evaluation.filter(\.diverged).count }
}

/// Runs arms over seeds with a fair, rule-based hyperparameter selection (protocol v2).
///
/// Every arm gets the same kind of grid, the same selection seeds and the same rule; a choice at
/// a grid edge extends the grid (``maxExtensions``); at full scale at least three selection seeds
/// are required; an optional ``target`` records whether tuning reached what the claim needs;
/// ``power`` plans the evaluation seeds from the selection runs' spread. Every tuned arm is
/// logged in the run's ``RunLog`` for the ledger and the report.
public struct Experiment: Sendable {
    public var context: RunContext
    /// The claim id, part of every stream's path.
    public var claim: String
    public var arms: [Arm]
    public var selectionSeeds: Int
    /// The evaluation seeds (the floor when ``power`` plans more).
    public var evaluationSeeds: Int
    public var rule: SelectionRule
    /// How many times an arm's grid may be extended at an edge.
    public var maxExtensions: Int
    /// The target a claim needs the tuning to reach, if any.
    public var target: Target?
    /// Comparisons whose evaluation seeds are planned for power (``compare()``).
    public var power: [PowerPlan]
    /// The most evaluation seeds a power plan may ask for.
    public var seedCap: Int

    /// The smallest number of selection seeds protocol v2 accepts at full scale.
    public static let minimumSelectionSeeds = 3

    public init(context: RunContext, claim: String, arms: [Arm], selectionSeeds: Int, evaluationSeeds: Int,
                rule: SelectionRule, maxExtensions: Int = 2, target: Target? = nil, power: [PowerPlan] = [], seedCap: Int? = nil) {
        precondition(Set(arms.map(\.name)).count == arms.count, "arm names must be unique")
        precondition(evaluationSeeds >= 1 && selectionSeeds >= 1)
        self.context = context
        self.claim = claim
        self.arms = arms
        self.selectionSeeds = selectionSeeds
        self.evaluationSeeds = evaluationSeeds
        self.rule = rule
        self.maxExtensions = maxExtensions
        self.target = target
        self.power = power
        self.seedCap = max(seedCap ?? evaluationSeeds, evaluationSeeds)
    }

    /// The trial for one run. Streams: `(seed, slug, claim, arm, phase, "rep r")` and the
    /// common `(seed, slug, claim, "common", phase, "rep r")`; the grid point is deliberately
    /// not in the path, so every learning rate of a sweep starts from the same weights and data.
    public func trial(arm: String, hyperparameters: Hyperparameters, phase: Phase, repetition: Int) -> Trial {
        Trial(arm: arm, hyperparameters: hyperparameters, phase: phase, repetition: repetition,
              rng: context.rng(claim, arm, phase.rawValue, "rep \(repetition)"),
              commonRNG: context.rng(claim, "common", phase.rawValue, "rep \(repetition)"))
    }

    private func execute(_ arm: Arm, _ hp: Hyperparameters, _ phase: Phase, _ rep: Int) throws -> RunRecord {
        context.progress.report(context.slug, "\(claim) \(arm.name) [\(hp)] \(phase.rawValue) rep \(rep)")
        let start = Date()
        var (record, cost) = try CostMeter.measure { try arm.run(trial(arm: arm.name, hyperparameters: hp, phase: phase, repetition: rep)) }
        record.seconds = Date().timeIntervalSince(start)
        record.cost = cost
        return record
    }

    private func sweepPoint(_ arm: Arm, _ hp: Hyperparameters) throws -> SweepPoint {
        let records = try (0..<selectionSeeds).map { try execute(arm, hp, .selection, $0) }
        let scores = records.map { $0.metric(rule.metric) ?? .nan }
        return SweepPoint(hyperparameters: hp, records: records, scores: scores,
                          eligible: !records.contains { $0.diverged } && scores.allSatisfy(\.isFinite))
    }

    /// The selection phase of one arm: the sweep with edge extensions, and the choice.
    /// `force` runs the selection seeds even for a single grid point (a power plan needs them).
    func select(_ arm: Arm, force: Bool = false) throws -> ArmResult {
        guard arm.grid.count > 1 || force else {
            return ArmResult(arm: arm.name, sweep: [], chosenIndex: 0, chosen: arm.grid[0], selectionFailed: false, evaluation: [])
        }
        precondition(context.scale == .quick || context.seedsOverride != nil || selectionSeeds >= Self.minimumSelectionSeeds,
                     "protocol v2: at full scale a tuned arm needs at least \(Self.minimumSelectionSeeds) selection seeds (\(claim) \(arm.name) has \(selectionSeeds))")
        var grid = arm.grid
        var sweep = try grid.map { try sweepPoint(arm, $0) }
        var extensions = 0
        var chosen = rule.choose(grid, scores: sweep.map(\.meanScore), eligible: sweep.map(\.eligible))
        while extensions < maxExtensions {
            let edge: GridEdge?
            if let i = chosen { edge = grid.edge(of: grid[i], names: arm.extendable) }
            else if arm.extendable.contains("lr") { edge = GridEdge(name: "lr", upper: false) }   // all diverged: smaller steps
            else { edge = nil }
            guard let edge else { break }
            let added = grid.extended(at: edge).filter { !grid.contains($0) }
            guard !added.isEmpty else { break }
            grid += added
            sweep += try added.map { try sweepPoint(arm, $0) }
            extensions += 1
            chosen = rule.choose(grid, scores: sweep.map(\.meanScore), eligible: sweep.map(\.eligible))
        }
        let failed = chosen == nil
        let index = chosen ?? grid.indices.min { (grid[$0].value("lr") ?? 0, $0) < (grid[$1].value("lr") ?? 0, $1) }!
        var result = ArmResult(arm: arm.name, sweep: sweep, chosenIndex: index, chosen: grid[index],
                               selectionFailed: failed, evaluation: [])
        result.extensions = extensions
        result.edge = failed ? nil : grid.edge(of: grid[index], names: arm.extendable)
        result.gridRange = grid.rangeDescription(arm.extendable)
        if let target {
            result.reachedTarget = sweep.contains { p in
                p.eligible && target.reached(Statistics.mean(p.records.map { $0.metric(target.metric) ?? .nan }))
            }
        }
        return result
    }

    /// The evaluation phase of one arm at its chosen point, over `seeds` repetitions.
    func evaluate(_ arm: Arm, _ selected: ArmResult, seeds: Int) throws -> ArmResult {
        var result = selected
        result.evaluation = try (0..<seeds).map { try execute(arm, selected.chosen, .evaluation, $0) }
        context.log.append(TuningRecord(claim: claim, result, selectionSeeds: selected.sweep.isEmpty ? 0 : selectionSeeds))
        context.log.append(TimingRecord(claim: claim, arm: arm.name, secondsPerRun: Statistics.mean(result.evaluation.map(\.seconds)),
                                        runs: result.evaluation.count))
        return result
    }

    /// Runs one arm: the selection sweep (skipped for a single grid point), then the evaluation.
    public func run(_ arm: Arm) throws -> ArmResult {
        try evaluate(arm, try select(arm), seeds: evaluationSeeds)
    }

    /// Runs every arm in order (no power planning; see ``compare()``).
    public func run() throws -> [ArmResult] { try arms.map { try run($0) } }

    /// Selection for every arm, then the power plans, then the evaluation of every arm over the
    /// planned number of seeds (the largest any plan asks for, so all pairs stay paired).
    public func compare() throws -> ExperimentResult {
        let planned = Set(power.flatMap { [$0.method, $0.baseline] })
        let selected = try arms.map { try select($0, force: planned.contains($0.name)) }
        func chosen(_ name: String) -> ArmResult {
            guard let r = selected.first(where: { $0.arm == name }) else { preconditionFailure("power plan names unknown arm \(name)") }
            return r
        }
        var plans = [PlannedComparison]()
        for plan in power {
            let a = chosen(plan.method), b = chosen(plan.baseline)
            let ra = a.sweep[a.chosenIndex].records, rb = b.sweep[b.chosenIndex].records
            let diffs = zip(ra, rb).map { x, y in ((x.metric(plan.metric) ?? .nan) - (y.metric(plan.metric) ?? .nan)) * plan.scale }
            let spread = Statistics.standardDeviation(diffs.filter(\.isFinite))
            var n = evaluationSeeds
            var detectable = Statistics.minimalDetectableEffect(standardDeviation: spread, count: n)
            while !(detectable <= plan.minimalEffect) && n < seedCap && spread.isFinite {
                n += 1
                detectable = Statistics.minimalDetectableEffect(standardDeviation: spread, count: n)
            }
            plans.append(PlannedComparison(plan: plan, selectionSpread: spread, seeds: n, detectable: detectable))
        }
        let seeds = plans.map(\.seeds).max() ?? evaluationSeeds
        let results = try zip(arms, selected).map { try evaluate($0, $1, seeds: seeds) }
        return ExperimentResult(arms: results, plans: plans, evaluationSeeds: seeds)
    }
}

/// What ``Experiment/compare()`` produced: every arm, the power plans and the seeds used.
public struct ExperimentResult: Sendable {
    public var arms: [ArmResult]
    public var plans: [PlannedComparison]
    public var evaluationSeeds: Int

    /// The arm named `name`.
    public subscript(name: String) -> ArmResult {
        guard let r = arms.first(where: { $0.arm == name }) else { preconditionFailure("no arm \(name)") }
        return r
    }

    /// Records the paired difference `method − baseline` of `metric` (times `scale`) as the
    /// interval `key` (``Evidence/record(interval:_:tolerance:)``), with the planned detectable
    /// effect as `key.mde` when a power plan covered the pair.
    public func recordDifference(_ key: String, method: String, baseline: String, metric: String, scale: Double = 1,
                                 tolerance: Double, into evidence: inout Evidence) {
        let d = self[method].pairedDifference(metric, versus: self[baseline], scale: scale)
        evidence.record(interval: key, d, tolerance: tolerance)
        // A plan needs two or more selection seeds to estimate the spread; without one the
        // rules estimate the detectable effect from the interval itself.
        if let plan = plans.first(where: { $0.plan.method == method && $0.plan.baseline == baseline && $0.plan.metric == metric }),
           plan.detectable.isFinite {
            evidence.record("\(key).mde", plan.detectable, absoluteTolerance: tolerance, relativeTolerance: 0)
        }
    }

    /// Records 1 when every tuned arm reached the experiment's target in selection, else 0.
    public func recordTargetReached(_ key: String, into evidence: inout Evidence) {
        let reached = arms.allSatisfy { $0.reachedTarget ?? true }
        evidence.record(key, reached ? 1 : 0, absoluteTolerance: 0, relativeTolerance: 0)
    }
}

// ## Report blocks

/// Turns experiment results into report tables and figures.
public enum ExperimentReport {
    /// The full selection sweep: one row per arm and grid point, with the mean selection score
    /// and its interval, the number of diverged runs, and a mark on the chosen point.
    public static func sweepTable(_ results: [ArmResult], rule: SelectionRule, caption: String? = nil) -> Table {
        var rows = [[String]]()
        for r in results {
            if r.sweep.isEmpty {
                rows.append([r.arm, r.chosen.description, "fixed (not tuned)", "", "✓"])
                continue
            }
            for (i, p) in r.sweep.enumerated() {
                let diverged = p.records.filter(\.diverged).count
                let score = p.eligible ? Summary(p.scores).formatted : "—"
                rows.append([r.arm, p.hyperparameters.description, score, "\(diverged)/\(p.records.count)",
                             i == r.chosenIndex ? (r.selectionFailed ? "✓ (all diverged)" : "✓") : ""])
            }
        }
        return Table(caption: caption ?? "Hyperparameter selection. Chosen: \(rule.description).",
                     headers: ["arm", "hyperparameters", rule.metric + " (mean ± 95% CI)", "diverged", "chosen"],
                     rows: rows)
    }

    /// One row per arm: the chosen hyperparameters and each metric's mean ± 95% interval over
    /// the non-diverged evaluation runs, with the diverged count.
    public static func summaryTable(_ results: [ArmResult], metrics: [String], caption: String) -> Table {
        let rows = results.map { r -> [String] in
            [r.arm, r.chosen.description] + metrics.map { r.summary($0).formatted } + ["\(r.divergedCount)/\(r.evaluation.count)"]
        }
        return Table(caption: caption, headers: ["arm", "hyperparameters"] + metrics.map { $0 + " (mean ± 95% CI)" } + ["diverged"], rows: rows)
    }

    /// The mean of `curves` pointwise, with the 95% t half-width as a band, truncated to the
    /// shortest curve. The band is nil for a single curve.
    public static func meanCurve(_ title: String, x: [Double], curves: [[Double]], style: Series.Style = .lines) -> Series {
        let length = min(curves.map(\.count).min() ?? 0, x.count)
        var mean = [Double](), band = [Double]()
        for t in 0..<length {
            let s = Summary(curves.map { $0[t] })
            mean.append(s.mean)
            band.append(s.halfWidth)
        }
        return Series(title, x: Array(x.prefix(length)), y: mean, band: curves.count > 1 ? band : nil, style: style)
    }

    /// Each arm's mean evaluation loss curve with its 95% band across seeds. Diverged runs are
    /// left out of the mean and counted in the series title.
    public static func lossFigure(_ results: [ArmResult], name: String, title: String, xLabel: String = "step",
                                  yLabel: String = "training loss", logY: Bool = true, caption: String) -> Figure {
        let series = results.compactMap { r -> Series? in
            let kept = r.evaluation.filter { !$0.diverged }
            guard let first = kept.first else { return nil }
            let label = r.divergedCount > 0 ? "\(r.arm) (\(r.divergedCount) diverged, excluded)" : r.arm
            return meanCurve(label, x: first.lossSteps.map(Double.init), curves: kept.map(\.losses))
        }
        return Figure(name: name, title: title, xLabel: xLabel, yLabel: yLabel, series: series, logY: logY, caption: caption)
    }
}
