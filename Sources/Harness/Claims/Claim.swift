/// The outcome of checking one claim, computed from measurements by the claim's rule.
public enum Verdict: Equatable, Sendable, Codable {
    /// The measurement meets the rule written down before the run.
    case reproduced
    /// The measurement contradicts the rule.
    case notReproduced
    /// The measurement neither meets nor contradicts the rule (e.g. the interval straddles the bound).
    case inconclusive
    /// The claim cannot be tested on a CPU; the reason says why.
    case notTestable(reason: String)

    /// The label used in reports and ledgers.
    public var label: String {
        switch self {
        case .reproduced: return "reproduced"
        case .notReproduced: return "not reproduced"
        case .inconclusive: return "inconclusive"
        case .notTestable: return "not testable on CPU"
        }
    }

    /// Parses a ``label`` back (the reason of `notTestable` is carried separately in ledgers).
    public init?(label: String, reason: String = "") {
        switch label {
        case "reproduced": self = .reproduced
        case "not reproduced": self = .notReproduced
        case "inconclusive": self = .inconclusive
        case "not testable on CPU": self = .notTestable(reason: reason)
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

/// One headline claim of a paper, as typed data in the paper's file.
///
/// The rule is fixed here, before any run: ``decide`` maps the evidence to a ``Judgement``
/// and is the only way a verdict is made. Nothing writes a verdict by hand.
public struct Claim: Sendable {
    /// Claim id as in the catalog (`"c1"`).
    public var id: String
    /// The claim in our own words, with the paper's figure.
    public var statement: String
    /// Where the claim is made: `"abstract"`, `"Table 2"`, `"Theorem 1"`.
    public var source: String
    /// The paper's figure for the table, or `"—"`.
    public var paperValue: String
    /// What is measured.
    public var metric: String
    /// The decision rule in words: comparator, threshold, and why that tolerance.
    public var rule: String
    /// How the experiment scales the paper's setting down (model, data, budget).
    public var scaling: String
    /// The rule as code: evidence in, judgement out.
    public var decide: @Sendable (Evidence) -> Judgement

    public init(
        id: String, statement: String, source: String, paperValue: String = "—", metric: String,
        rule: String, scaling: String, decide: @escaping @Sendable (Evidence) -> Judgement
    ) {
        self.id = id
        self.statement = statement
        self.source = source
        self.paperValue = paperValue
        self.metric = metric
        self.rule = rule
        self.scaling = scaling
        self.decide = decide
    }

    /// A claim that no CPU-sized experiment can test; its verdict is always `not testable on CPU`.
    public static func notTestable(id: String, statement: String, source: String, paperValue: String = "—", reason: String) -> Claim {
        Claim(id: id, statement: statement, source: source, paperValue: paperValue, metric: "—",
              rule: "Not testable on CPU: \(reason)", scaling: "—") { _ in
            Judgement(.notTestable(reason: reason), measured: "—")
        }
    }
}
