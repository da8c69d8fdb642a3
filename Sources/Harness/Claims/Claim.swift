/// Why a claim is inconclusive: one of a fixed list, so that 291 papers give the same reasons and
/// a reader of the index can tell a weak test from a missing premise.
public enum InconclusiveReason: String, CaseIterable, Sendable, Codable {
    /// The interval is too wide to decide: the smallest effect the evaluation seeds could detect
    /// (planned from the selection runs' spread) exceeds the effect the claim names.
    case underpowered = "underpowered"
    /// The baseline does not show the problem the method fixes, so no comparison can speak to
    /// the claim (LoRA does not lose to full rank; GD does not slow with κ).
    case premiseAbsent = "premise absent at this scale"
    /// The claim needs a target (reach ε, reach a loss) that no grid point reached in selection.
    case tuningFailed = "tuning failed"
    /// The parts of a claim (tasks, baselines, settings) point different ways.
    case mixed = "mixed"
    /// An adequately powered interval still contains both no effect and the effect of interest.
    case undecided = "interval straddles the bound"
}

/// The outcome of checking one claim, computed from measurements by the claim's rule.
public enum Verdict: Equatable, Sendable {
    /// The measurement meets the rule written down before the run.
    case reproduced
    /// The data speak against the claim: the interval excludes the claimed (or a minimal) effect.
    case notReproduced
    /// Neither, for the reason given.
    case inconclusive(InconclusiveReason)
    /// The claim cannot be tested on a CPU; the reason says why.
    case notTestable(reason: String)

    /// The label used in reports and ledgers (without the reason).
    public var label: String {
        switch self {
        case .reproduced: return "reproduced"
        case .notReproduced: return "not reproduced"
        case .inconclusive: return "inconclusive"
        case .notTestable: return "not testable on CPU"
        }
    }

    /// The reason carried by `inconclusive` and `not testable on CPU` (ledger field `"reason"`).
    public var reason: String? {
        switch self {
        case .inconclusive(let r): return r.rawValue
        case .notTestable(let r): return r
        default: return nil
        }
    }

    /// The label with an inconclusive verdict's reason, as the index and claim tables show it:
    /// `"inconclusive (underpowered)"`.
    public var display: String {
        if case .inconclusive(let r) = self { return "inconclusive (\(r.rawValue))" }
        return label
    }

    /// Parses a ``label`` and its ledger reason back; nil for an unknown label or reason.
    public init?(label: String, reason: String? = nil) {
        switch label {
        case "reproduced": self = .reproduced
        case "not reproduced": self = .notReproduced
        case "inconclusive":
            guard let r = InconclusiveReason(rawValue: reason ?? "") else { return nil }
            self = .inconclusive(r)
        case "not testable on CPU": self = .notTestable(reason: reason ?? "")
        default: return nil
        }
    }
}

/// A named number measured by an experiment, with the tolerance `verify` allows it to move.
public struct Metric: Equatable, Sendable, Codable {
    /// The metric's key, unique within its paper (`"c1.adam_over_best_baseline"`).
    public var name: String
    /// The measured value.
    public var value: Double
    /// `verify` accepts a re-run value `v` when `|v - value| <= absoluteTolerance + relativeTolerance * |value|`.
    public var absoluteTolerance: Double
    public var relativeTolerance: Double

    public init(name: String, value: Double, absoluteTolerance: Double = 1e-6, relativeTolerance: Double = 1e-3) {
        self.name = name
        self.value = value
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
    }

    /// True when `other` is within this metric's tolerance of ``value`` (NaN matches NaN only).
    public func accepts(_ other: Double) -> Bool {
        if value.isNaN || other.isNaN { return value.isNaN && other.isNaN }
        if value.isInfinite || other.isInfinite { return value == other }
        return abs(other - value) <= absoluteTolerance + relativeTolerance * abs(value)
    }
}

/// The measurements of one run of a paper's experiment: every metric a claim's rule reads.
public struct Evidence: Sendable {
    /// The metrics in the order they were recorded (reports and ledgers keep this order).
    public private(set) var metrics: [Metric] = []

    public init() {}

    /// Records a metric; recording the same name twice is a programming error.
    public mutating func record(_ name: String, _ value: Double, absoluteTolerance: Double = 1e-6, relativeTolerance: Double = 1e-3) {
        precondition(!metrics.contains { $0.name == name }, "metric \(name) recorded twice")
        metrics.append(Metric(name: name, value: value, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance))
    }

    /// The value of a recorded metric.
    ///
    /// - Precondition: the metric was recorded (a rule reading a metric its experiment never
    ///   recorded is a bug in the paper's file, caught by the paper's tests).
    public subscript(name: String) -> Double {
        guard let m = metrics.first(where: { $0.name == name }) else {
            preconditionFailure("metric \(name) was not recorded; recorded: \(metrics.map(\.name))")
        }
        return m.value
    }

    /// True when the metric was recorded.
    public func has(_ name: String) -> Bool { metrics.contains { $0.name == name } }

    /// Records an interval as `name.mean`, `name.ci_low`, `name.ci_high` and `name.n`, the four
    /// numbers the decision rules read (``Rule``); `tolerance` is the absolute tolerance of the
    /// first three for `verify` off the ledger's platform.
    public mutating func record(interval name: String, _ summary: Summary, tolerance: Double) {
        record(interval: name, Interval(mean: summary.mean, low: summary.low, high: summary.high, count: summary.count),
               tolerance: tolerance)
    }

    /// Records counted cost (``Cost``) as `name.gradient_evaluations`, `name.function_evaluations`
    /// and `name.matmul_flops`: exact counts, so `verify` demands them unchanged everywhere.
    public mutating func record(cost name: String, _ cost: Cost) {
        record("\(name).gradient_evaluations", Double(cost.gradientEvaluations), absoluteTolerance: 0, relativeTolerance: 0)
        record("\(name).function_evaluations", Double(cost.functionEvaluations), absoluteTolerance: 0, relativeTolerance: 0)
        record("\(name).matmul_flops", Double(cost.matmulFlops), absoluteTolerance: 0, relativeTolerance: 0)
    }

    /// Records an already formed interval (a fitted rate, say) under `name`, as
    /// ``record(interval:_:tolerance:)`` does.
    public mutating func record(interval name: String, _ interval: Interval, tolerance: Double) {
        record("\(name).mean", interval.mean, absoluteTolerance: tolerance, relativeTolerance: 0)
        record("\(name).ci_low", interval.low, absoluteTolerance: tolerance, relativeTolerance: 0)
        record("\(name).ci_high", interval.high, absoluteTolerance: tolerance, relativeTolerance: 0)
        record("\(name).n", Double(interval.count), absoluteTolerance: 0, relativeTolerance: 0)
    }

    /// The interval recorded under `name` by ``record(interval:_:tolerance:)``, with its
    /// planned minimal detectable effect `name.mde` when the experiment recorded one.
    public func interval(_ name: String) -> Interval {
        Interval(mean: self["\(name).mean"], low: self["\(name).ci_low"], high: self["\(name).ci_high"],
                 count: Int(self["\(name).n"]), detectable: has("\(name).mde") ? self["\(name).mde"] : nil)
    }
}

/// A 95% interval as read back from the evidence.
public struct Interval: Sendable, Equatable {
    public var mean: Double
    public var low: Double
    public var high: Double
    /// The number of (paired) repetitions behind it.
    public var count: Int
    /// The smallest effect the repetitions could detect at 80% power, planned from the
    /// selection runs before the evaluation (nil when not planned).
    public var detectable: Double?

    public init(mean: Double, low: Double, high: Double, count: Int, detectable: Double? = nil) {
        self.mean = mean
        self.low = low
        self.high = high
        self.count = count
        self.detectable = detectable
    }

    /// The interval of `-x`.
    public var negated: Interval { Interval(mean: -mean, low: -high, high: -low, count: count, detectable: detectable) }

    /// `"0.68 [−1.12, 2.48]"` with `digits` significant digits.
    public func formatted(_ digits: Int = 3) -> String {
        "\(Format.compact(mean, digits)) [\(Format.compact(low, digits)), \(Format.compact(high, digits))]"
    }
}

/// A verdict with the measured figure shown beside the paper's in the claims table.
public struct Judgement: Equatable, Sendable {
    public var verdict: Verdict
    /// The measurement in words, e.g. `"Adam/best baseline = 0.93 (digits), 1.04 (MLP)"`.
    public var measured: String

    public init(_ verdict: Verdict, measured: String) {
        self.verdict = verdict
        self.measured = measured
    }
}

/// A rule that was replaced after a run, kept so the report can show the claim's history.
public struct RuleChange: Sendable {
    /// Which version of the rule (e.g. `"protocol v1"`).
    public var version: String
    /// The earlier rule in words.
    public var rule: String
    /// The verdict (and measurement) it gave, per scale, e.g. `"full: not reproduced (…)"`.
    public var verdict: String
    /// Why it changed.
    public var why: String

    public init(version: String, rule: String, verdict: String, why: String) {
        self.version = version
        self.rule = rule
        self.verdict = verdict
        self.why = why
    }
}

/// One headline claim of a paper, as typed data in the paper's file.
///
/// The rule is fixed here, before any run, and built from the harness's decision types
/// (``Rule``): its text is generated by the same code that decides, so prose and code cannot
/// drift, and nothing writes a verdict by hand.
public struct Claim: Sendable {
    /// Claim id as in the catalog (`"c1"`), with a letter for each part of a split claim (`"c1a"`).
    public var id: String
    /// The claim in our own words.
    public var statement: String
    /// Where the claim is made: `"abstract"`, `"Table 2"`, `"Theorem 1"`.
    public var source: String
    /// The paper's figure, or `"—"`.
    public var paperValue: String
    /// The paper's setting for that figure (its closest-scale row), for the paper-vs-ours table.
    public var paperSetting: String
    /// What is measured.
    public var metric: String
    /// The decision rule: its text and its code.
    public var rule: Rule
    /// How the experiment scales the paper's setting down (model, data, budget).
    public var scaling: String
    /// Earlier rules of this claim, oldest first (empty when the rule is the one fixed before the first run).
    public var history: [RuleChange]

    public init(
        id: String, statement: String, source: String, paperValue: String = "—", paperSetting: String = "—",
        metric: String, rule: Rule, scaling: String, history: [RuleChange] = []
    ) {
        self.id = id
        self.statement = statement
        self.source = source
        self.paperValue = paperValue
        self.paperSetting = paperSetting
        self.metric = metric
        self.rule = rule
        self.scaling = scaling
        self.history = history
    }

    /// The rule as code: evidence in, judgement out.
    public func decide(_ evidence: Evidence) -> Judgement { rule.decide(evidence) }

    /// A claim that no CPU-sized experiment can test; its verdict is always `not testable on CPU`.
    public static func notTestable(id: String, statement: String, source: String, paperValue: String = "—",
                                   paperSetting: String = "—", reason: String, history: [RuleChange] = []) -> Claim {
        Claim(id: id, statement: statement, source: source, paperValue: paperValue, paperSetting: paperSetting,
              metric: "—", rule: Rule(text: "Not testable on CPU: \(reason)") { _ in
                  Judgement(.notTestable(reason: reason), measured: "—")
              }, scaling: "—", history: history)
    }
}
