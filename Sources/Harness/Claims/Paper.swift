/// How large an experiment runs: `quick` for CI (seconds per paper), `full` for the committed reports.
public enum Scale: String, CaseIterable, Sendable, Codable {
    case quick, full
}

/// The catalog facts about a paper that head its report.
public struct PaperInfo: Sendable {
    /// The project id: `Reports/<slug>.md`, `reproduce run <slug>`.
    public var slug: String
    public var title: String
    /// The method's short name (`"Adam"`).
    public var method: String
    /// The folder under `Sources/Papers/` (`"AdaptiveMethods"`).
    public var family: String
    /// arXiv identifier, e.g. `"1412.6980"`, if any.
    public var arxiv: String?
    /// The official implementation's URL, if one exists.
    public var code: String?
    /// A plain-language account of the paper and what it claims (Markdown).
    public var summary: String

    public init(slug: String, title: String, method: String, family: String, arxiv: String?, code: String?, summary: String) {
        self.slug = slug
        self.title = title
        self.method = method
        self.family = family
        self.arxiv = arxiv
        self.code = code
        self.summary = summary
    }
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

    public init(seed: UInt64 = 0, scale: Scale = .full, seedsOverride: Int? = nil, progress: Progress = .silent, slug: String) {
        self.seed = seed
        self.scale = scale
        self.seedsOverride = seedsOverride
        self.progress = progress
        self.slug = slug
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

/// What a paper's experiment returns: the evidence its claims are judged on, and the
/// results section of its report (tables and figures, in reading order).
public struct PaperRun {
    public var evidence: Evidence
    public var results: [ReportBlock]
    /// The setup actually used (data, model, seeds, budget, every hyperparameter), as Markdown.
    public var setup: [ReportBlock]

    public init(evidence: Evidence, setup: [ReportBlock], results: [ReportBlock]) {
        self.evidence = evidence
        self.setup = setup
        self.results = results
    }
}

/// A reproduced paper: one file in `Sources/Papers/<Family>/` conforms to this protocol, and
/// one line in the registry lists it.
public protocol Paper: Sendable {
    /// Catalog facts and the plain-language summary.
    var info: PaperInfo { get }
    /// The headline claims with their rules, fixed before any run.
    var claims: [Claim] { get }
    /// The method section of the report: the update rule with the paper's symbols explained
    /// (Markdown with `$...$` math), followed by the code excerpts named in ``excerpts``.
    var method: String { get }
    /// Names of `// excerpt: NAME` ... `// end excerpt` regions of ``sourceFile`` shown in the report.
    var excerpts: [String] { get }
    /// Where the experiment departs from the paper (scale, data, model) and why (Markdown).
    var deviations: String { get }
    /// The path of the paper's Swift file (`#filePath`), read when the report is written.
    var sourceFile: String { get }
    /// Runs the experiment.
    func run(_ context: RunContext) throws -> PaperRun
}
