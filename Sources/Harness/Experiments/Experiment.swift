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
    /// Wall-clock seconds the run took, measured by the runner. For progress lines and the
    /// benchmark only: never print it in a report or ledger, which must be byte-identical.
    public var seconds: Double = 0

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

    public init(_ name: String, grid: [Hyperparameters], run: @escaping @Sendable (Trial) throws -> RunRecord) {
        precondition(!grid.isEmpty, "arm \(name) has an empty grid")
        self.name = name
        self.grid = grid
        self.run = run
    }

    /// An arm with fixed hyperparameters.
    public init(_ name: String, fixed: Hyperparameters, run: @escaping @Sendable (Trial) throws -> RunRecord) {
        self.init(name, grid: [fixed], run: run)
    }
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
    public func pairedDifference(_ metric: String, versus other: ArmResult) -> Summary {
        precondition(evaluation.count == other.evaluation.count, "paired difference needs equal evaluation counts")
        var a = [Double](), b = [Double]()
        for (x, y) in zip(evaluation, other.evaluation) where !x.diverged && !y.diverged {
            a.append(x.metric(metric) ?? .nan)
            b.append(y.metric(metric) ?? .nan)
        }
        return Statistics.pairedDifferences(a, b)
    }

    /// The number of evaluation runs that diverged.
    public var divergedCount: Int { evaluation.filter(\.diverged).count }
}

/// Runs arms over seeds with a fair, rule-based hyperparameter selection.
public struct Experiment: Sendable {
    public var context: RunContext
    /// The claim id, part of every stream's path.
    public var claim: String
    public var arms: [Arm]
    public var selectionSeeds: Int
    public var evaluationSeeds: Int
    public var rule: SelectionRule

    public init(context: RunContext, claim: String, arms: [Arm], selectionSeeds: Int, evaluationSeeds: Int, rule: SelectionRule) {
        precondition(Set(arms.map(\.name)).count == arms.count, "arm names must be unique")
        precondition(evaluationSeeds >= 1 && selectionSeeds >= 1)
        self.context = context
        self.claim = claim
        self.arms = arms
        self.selectionSeeds = selectionSeeds
        self.evaluationSeeds = evaluationSeeds
        self.rule = rule
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
        var record = try arm.run(trial(arm: arm.name, hyperparameters: hp, phase: phase, repetition: rep))
        record.seconds = Date().timeIntervalSince(start)
        return record
    }

    /// Runs one arm: the selection sweep (skipped for a single grid point), then the evaluation.
    public func run(_ arm: Arm) throws -> ArmResult {
        var sweep = [SweepPoint]()
        var chosenIndex = 0, failed = false
        if arm.grid.count > 1 {
            for hp in arm.grid {
                let records = try (0..<selectionSeeds).map { try execute(arm, hp, .selection, $0) }
                let scores = records.map { $0.metric(rule.metric) ?? .nan }
                sweep.append(SweepPoint(hyperparameters: hp, records: records, scores: scores,
                                        eligible: !records.contains { $0.diverged } && scores.allSatisfy(\.isFinite)))
            }
            if let i = rule.choose(arm.grid, scores: sweep.map(\.meanScore), eligible: sweep.map(\.eligible)) {
                chosenIndex = i
            } else {
                failed = true
                chosenIndex = arm.grid.indices.min { (arm.grid[$0].value("lr") ?? 0, $0) < (arm.grid[$1].value("lr") ?? 0, $1) }!
            }
        }
        let hp = arm.grid[chosenIndex]
        let evaluation = try (0..<evaluationSeeds).map { try execute(arm, hp, .evaluation, $0) }
        return ArmResult(arm: arm.name, sweep: sweep, chosenIndex: chosenIndex, chosen: hp,
                         selectionFailed: failed, evaluation: evaluation)
    }

    /// Runs every arm in order.
    public func run() throws -> [ArmResult] { try arms.map { try run($0) } }
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
