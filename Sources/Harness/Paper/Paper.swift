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
    /// "What this means": a short paragraph under the claims table, consistent with the
    /// verdicts it is given (quick and full scale may differ). The default states the counts.
    func meaning(_ claims: [ClaimOutcome]) -> String
    /// The paper's optimizers that `reproduce trace` can run, by project name (empty by default):
    /// registering the paper registers them.
    var traceOptimizers: [String: TraceOptimizerFactory] { get }
    /// The paper's optimizers that `reproduce league` ranks (empty by default), one line each:
    /// `OptimizerArm("adabelief") { p, h in … }` with the paper's default hyperparameters; the
    /// league tunes the learning rate `h.learningRate` over its shared grid. Registering the paper
    /// adds the rows. Name them in lower case as `reproduce trace` does.
    var leagueOptimizers: [OptimizerArm] { get }
    /// The `reproduce` arguments that run this (default `run <slug>`), for the report's
    /// "Reproduce" line; the scale and seed options are added to them.
    var runArguments: [String] { get }
}

extension Paper {
    public func meaning(_ claims: [ClaimOutcome]) -> String { defaultMeaning(claims) }
    public var traceOptimizers: [String: TraceOptimizerFactory] { [:] }
    public var leagueOptimizers: [OptimizerArm] { [] }
    public var runArguments: [String] { ["run", info.slug] }

    /// One sentence per verdict kind, naming the claims: the fallback "What this means".
    public func defaultMeaning(_ claims: [ClaimOutcome]) -> String {
        var parts = [String]()
        func ids(_ match: (Verdict) -> Bool) -> [String] { claims.filter { match($0.judgement.verdict) }.map(\.claim.id) }
        let held = ids { $0 == .reproduced }, against = ids { $0 == .notReproduced }
        if !held.isEmpty { parts.append("The data support \(held.joined(separator: ", ")).") }
        if !against.isEmpty { parts.append("The data speak against \(against.joined(separator: ", ")).") }
        for reason in InconclusiveReason.allCases {
            let r = ids { $0 == .inconclusive(reason) }
            if !r.isEmpty { parts.append("\(r.joined(separator: ", ")) \(r.count == 1 ? "is" : "are") inconclusive (\(reason.rawValue)).") }
        }
        let untestable = ids { if case .notTestable = $0 { return true } else { return false } }
        if !untestable.isEmpty { parts.append("\(untestable.joined(separator: ", ")) cannot be tested on a CPU.") }
        return parts.joined(separator: " ")
    }
}
