import Foundation

/// How large an experiment runs: `quick` for CI (seconds per paper), `full` for the committed reports.
public enum Scale: String, CaseIterable, Sendable, Codable {
    case quick, full
}

/// Everything a paper's experiment may depend on. Two runs with equal contexts give identical results.
public struct RunContext: Sendable {
    /// The global seed (`--seed`, default 0).
    public var seed: UInt64
    /// `quick` or `full`.
    public var scale: Scale
    /// Repetitions per arm when the user overrides the paper's default (`--seeds N`).
    public var seedsOverride: Int?
    /// Where progress lines go (stderr on a terminal; silent otherwise).
    public var progress: Progress
    /// The paper being run (random streams are derived from it).
    public var slug: String
    /// What the run's experiments log for the ledger and the report (tuned arms); shared by
    /// copies of this context, one per paper run.
    public var log: RunLog

    public init(seed: UInt64 = 0, scale: Scale = .full, seedsOverride: Int? = nil, progress: Progress = .silent, slug: String) {
        self.seed = seed
        self.scale = scale
        self.seedsOverride = seedsOverride
        self.progress = progress
        self.slug = slug
        self.log = RunLog()
    }

    /// The number of repetitions: the override if given, else the paper's choice for this scale.
    public func seeds(quick: Int, full: Int) -> Int { seedsOverride ?? (scale == .quick ? quick : full) }

    /// Picks a value by scale.
    public func pick<T>(quick: T, full: T) -> T { scale == .quick ? quick : full }

    /// The random stream for `path` within this paper, e.g. `rng("c1", "Adam", "rep 2")`.
    public func rng(_ path: String...) -> SeededRandom {
        SeededRandom(seed: seed, path: [slug] + path)
    }
}

/// One tuned arm as the ledger and the report record it (protocol v2): the chosen point, the
/// grid's range after extension, and whether the choice still sits at an edge.
public struct TuningRecord: Codable, Equatable, Sendable {
    public var claim: String
    public var arm: String
    /// The chosen hyperparameters, `"lr=0.01, rho=0.05"`.
    public var chosen: String
    /// The grid's range after extension, `"lr 1e-4…0.3"` (empty for a fixed arm).
    public var range: String
    /// Grid points tried in selection.
    public var points: Int
    /// Selection seeds per point (0 for a fixed arm).
    public var selectionSeeds: Int
    /// Evaluation seeds at the chosen point.
    public var evaluationSeeds: Int
    /// How many times the grid was extended at an edge.
    public var extensions: Int
    /// `"lr upper"` / `"lr lower"` when the final choice is still at a grid edge, else nil.
    public var edge: String?
    /// Whether selection reached the claim's target (nil when the experiment has none).
    public var reachedTarget: Bool?
    /// True when every grid point diverged in selection.
    public var selectionFailed: Bool

    init(claim: String, _ r: ArmResult, selectionSeeds: Int) {
        self.claim = claim
        arm = r.arm
        chosen = r.chosen.description
        range = r.gridRange
        points = r.sweep.count
        self.selectionSeeds = selectionSeeds
        evaluationSeeds = r.evaluation.count
        extensions = r.extensions
        edge = r.edge.map { "\($0.name) \($0.upper ? "upper" : "lower")" }
        reachedTarget = r.reachedTarget
        selectionFailed = r.selectionFailed
    }
}

/// What the experiments of one paper run log, in the order they ran. Thread-safe; one per run.
public final class RunLog: @unchecked Sendable {
    private let lock = NSLock()
    private var records: [TuningRecord] = []
    private var timings: [TimingRecord] = []

    public init() {}

    /// Appends a tuned arm's record.
    public func append(_ record: TuningRecord) {
        lock.lock(); defer { lock.unlock() }
        records.append(record)
    }

    /// Appends an arm's wall-clock timing (machine-dependent; see ``TimingRecord``).
    public func append(_ record: TimingRecord) {
        lock.lock(); defer { lock.unlock() }
        timings.append(record)
    }

    /// The timings logged so far, in order.
    public var timing: [TimingRecord] {
        lock.lock(); defer { lock.unlock() }
        return timings
    }

    /// Puts the tuned arms logged so far in the order of `key`, for a run whose experiments
    /// finish concurrently (their completion order must not reach the ledger).
    public func orderTuning<Key: Comparable>(by key: (TuningRecord) -> Key) {
        lock.lock(); defer { lock.unlock() }
        records = records.enumerated().sorted { (key($0.element), $0.offset) < (key($1.element), $1.offset) }.map(\.element)
    }

    /// The tuned arms logged so far, in order.
    public var tuning: [TuningRecord] {
        lock.lock(); defer { lock.unlock() }
        return records
    }
}
