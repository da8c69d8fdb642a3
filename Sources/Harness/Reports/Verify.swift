import Foundation

// # Verification against the ledger
//
// `verify` re-runs each paper at quick scale with the committed seed and compares the outcome
// with the committed quick entry: a changed verdict, or a metric outside the tolerance the
// committed metric carries (`Metric.accepts`), is a failure naming paper, claim or metric, and
// both numbers. On the platform that wrote the ledger (same compiler, OpenBLAS kernel and CPU)
// a run is bit-for-bit reproducible, so there every metric must match exactly: any change to a
// claim's code shows. Elsewhere, where BLAS rounding may differ, verdicts must still match
// exactly and metrics within their tolerances. The summary line says which mode applied.

/// The failure lines for `outcome` against its committed quick-scale entry (empty when it matches).
///
/// - Parameter platform: this machine's ``ReportEnvironment/platform``; when it equals the
///   entry's, metrics must be identical instead of within tolerance.
public func verificationFailures(_ outcome: PaperOutcome, against committed: Ledger.Entry,
                                 platform: String = ReportEnvironment.platform) -> [String] {
    let exact = committed.platform == platform
    let slug = outcome.info.slug
    var failures: [String] = []
    for record in committed.claims where !outcome.claims.contains(where: { $0.claim.id == record.id }) {
        failures.append("\(slug) \(record.id): claim in the committed ledger (\(record.verdict)) but no longer in the paper")
    }
    for c in outcome.claims {
        guard let record = committed.claims.first(where: { $0.id == c.claim.id }) else {
            failures.append("\(slug) \(c.claim.id): new claim (\(c.judgement.verdict.display)) not in the committed ledger")
            continue
        }
        if record.verdict != c.judgement.verdict.label || (record.reason ?? "") != (c.judgement.verdict.reason ?? "") {
            failures.append("\(slug) \(c.claim.id): verdict changed: committed \(record.display) (\(record.measured)), now \(c.judgement.verdict.display) (\(c.judgement.measured))")
        }
    }
    let metrics = outcome.run.evidence.metrics
    for old in committed.metrics {
        guard let new = metrics.first(where: { $0.name == old.name }) else {
            failures.append("\(slug) metric \(old.name): committed \(old.value), not recorded now")
            continue
        }
        if exact {
            if !(old.value == new.value || (old.value.isNaN && new.value.isNaN)) {
                failures.append("\(slug) metric \(old.name): committed \(old.value), now \(new.value) (same platform as the ledger: must match exactly)")
            }
        } else if !old.accepts(new.value) {
            failures.append("\(slug) metric \(old.name): committed \(old.value), now \(new.value) (tolerance \(old.absoluteTolerance) + \(old.relativeTolerance) × |committed|)")
        }
    }
    for new in metrics where !committed.metrics.contains(where: { $0.name == new.name }) {
        failures.append("\(slug) metric \(new.name): now \(new.value), not in the committed ledger")
    }
    return failures
}

/// The result of verifying some papers.
public struct VerificationSummary: Sendable, Equatable {
    /// One line per discrepancy, papers in the order given.
    public var failures: [String]
    public var papers: Int
    public var claims: Int
    public var metrics: Int
    /// This machine's ``ReportEnvironment/platform``.
    public var platform: String
    /// The platform of each committed quick-scale entry compared against (`nil` where an entry
    /// records none), papers in the order given.
    public var ledgerPlatforms: [String?]

    public init(failures: [String], papers: Int, claims: Int, metrics: Int,
                platform: String = ReportEnvironment.platform, ledgerPlatforms: [String?] = []) {
        self.failures = failures
        self.papers = papers
        self.claims = claims
        self.metrics = metrics
        self.platform = platform
        self.ledgerPlatforms = ledgerPlatforms
    }

    /// The one-line summary: the counts that match, or the number of failures, then ``mode``.
    public var line: String {
        let counts = failures.isEmpty
            ? "\(Format.counted(papers, "paper")), \(Format.counted(claims, "claim")), \(Format.counted(metrics, "metric")) match the committed quick-scale ledgers"
            : Format.counted(failures.count, "failure")
        return "verify: " + ([counts] + (mode.map { [$0] } ?? [])).joined(separator: "; ")
    }

    /// How the comparison was made: bit-identical where this platform is the ledgers', verdicts
    /// exact and metrics within tolerance where it differs (naming the parts that differ);
    /// `nil` when no ledger was read.
    public var mode: String? {
        guard !ledgerPlatforms.isEmpty else { return nil }
        let others = ledgerPlatforms.filter { $0 != platform }
        if others.isEmpty { return "platform matches the ledgers (bit-identical mode)" }
        var distinct: [String?] = []
        for other in others where !distinct.contains(other) { distinct.append(other) }
        let difference = distinct.count == 1
            ? platformDifference(distinct[0], platform)
            : "\(distinct.count) other platforms vs \(platform)"
        if others.count == ledgerPlatforms.count {
            return "platform differs from the ledgers' (\(difference)): verdicts exact, metrics within tolerance"
        }
        return "platform differs from \(others.count) of \(ledgerPlatforms.count) ledgers' (\(difference)): there verdicts exact, metrics within tolerance; elsewhere bit-identical"
    }
}

/// `<theirs> vs <ours>`, keeping only the `; `-separated parts of the two platforms that differ
/// (`—` for a side that only lacks a part the other has, e.g. a ledger from before kernel stamps).
func platformDifference(_ theirs: String?, _ ours: String) -> String {
    guard let theirs else { return "not recorded vs \(ours)" }
    let a = theirs.components(separatedBy: "; "), b = ours.components(separatedBy: "; ")
    let onlyTheirs = a.filter { !b.contains($0) }, onlyOurs = b.filter { !a.contains($0) }
    guard !onlyTheirs.isEmpty || !onlyOurs.isEmpty else { return "\(theirs) vs \(ours)" }
    func side(_ parts: [String]) -> String { parts.isEmpty ? "—" : parts.joined(separator: "; ") }
    return "\(side(onlyTheirs)) vs \(side(onlyOurs))"
}

/// Re-runs `papers` at quick scale in memory (writing nothing) and compares each with the quick
/// entry of its ledger under `folder`. A paper without one fails.
///
/// - Parameter platform: this machine's ``ReportEnvironment/platform``.
public func verify(papers: [any Paper], folder: URL, jobs: Int, progress: Progress = .silent,
                   platform: String = ReportEnvironment.platform) -> VerificationSummary {
    typealias PaperCheck = (failures: [String], claims: Int, metrics: Int, ledgerPlatform: String??)
    let results: [PaperCheck] = parallelMap(papers, jobs: jobs) { paper in
        let slug = paper.info.slug
        let committed: Ledger.Entry?
        do { committed = try Ledger.load(slug: slug, from: folder)?.quick } catch {
            return (["\(slug): \(error)"], 0, 0, nil)
        }
        guard let committed else {
            return (["\(slug): no committed quick-scale ledger in data/\(slug).json (write one with: reproduce run \(slug) --scale quick)"], 0, 0, nil)
        }
        let context = RunContext(seed: committed.seed, scale: .quick, seedsOverride: committed.seeds, progress: progress, slug: slug)
        do {
            let outcome = try PaperOutcome.run(paper, context)
            return (verificationFailures(outcome, against: committed, platform: platform), outcome.claims.count,
                    outcome.run.evidence.metrics.count, .some(committed.platform))
        } catch {
            return (["\(slug): the experiment failed: \(error)"], 0, 0, .some(committed.platform))
        }
    }
    return VerificationSummary(failures: results.flatMap(\.failures), papers: papers.count,
                               claims: results.map(\.claims).reduce(0, +), metrics: results.map(\.metrics).reduce(0, +),
                               platform: platform, ledgerPlatforms: results.compactMap(\.ledgerPlatform))
}
