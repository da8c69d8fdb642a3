import Foundation

// # Verification against the ledger
//
// `verify` re-runs each paper at quick scale with the committed seed and compares the outcome
// with the committed quick entry: a changed verdict, or a metric outside the tolerance the
// committed metric carries (`Metric.accepts`), is a failure naming paper, claim or metric, and
// both numbers. On the platform that wrote the ledger (same compiler, OpenBLAS kernel and CPU)
// a run is bit-for-bit reproducible, so there every metric must match exactly: any change to a
// claim's code shows. Elsewhere, where BLAS rounding may differ, the tolerances apply.

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

    /// The one-line summary printed when everything matches.
    public var line: String {
        failures.isEmpty
            ? "verify: \(Format.counted(papers, "paper")), \(Format.counted(claims, "claim")), \(Format.counted(metrics, "metric")) match the committed quick-scale ledgers"
            : "verify: \(Format.counted(failures.count, "failure"))"
    }
}


/// Re-runs `papers` at quick scale in memory (writing nothing) and compares each with the quick
/// entry of its ledger under `folder`. A paper without one fails.
public func verify(papers: [any Paper], folder: URL, jobs: Int, progress: Progress = .silent) -> VerificationSummary {
    let results: [(failures: [String], claims: Int, metrics: Int)] = parallelMap(papers, jobs: jobs) { paper in
        let slug = paper.info.slug
        let committed: Ledger.Entry?
        do { committed = try Ledger.load(slug: slug, from: folder)?.quick } catch {
            return (["\(slug): \(error)"], 0, 0)
        }
        guard let committed else {
            return (["\(slug): no committed quick-scale ledger in data/\(slug).json (write one with: reproduce run \(slug) --scale quick)"], 0, 0)
        }
        let context = RunContext(seed: committed.seed, scale: .quick, seedsOverride: committed.seeds, progress: progress, slug: slug)
        do {
            let outcome = try PaperOutcome.run(paper, context)
            return (verificationFailures(outcome, against: committed), outcome.claims.count, outcome.run.evidence.metrics.count)
        } catch {
            return (["\(slug): the experiment failed: \(error)"], 0, 0)
        }
    }
    return VerificationSummary(failures: results.flatMap(\.failures), papers: papers.count,
                               claims: results.map(\.claims).reduce(0, +), metrics: results.map(\.metrics).reduce(0, +))
}
