import Foundation

// # Running a paper and judging its claims
//
// The runner is the only place verdicts are made: it runs the paper's experiment once, then hands
// the evidence to every claim's own rule (`claim.decide`). Reports, ledgers and `verify` all read
// the resulting ``PaperOutcome``; none of them computes a verdict.

extension PaperRun: @unchecked Sendable {}

/// One claim with the judgement its rule gave.
public struct ClaimOutcome: Sendable {
    public var claim: Claim
    public var judgement: Judgement
}

/// A paper's experiment run once under a context, with every claim judged.
public struct PaperOutcome: Sendable {
    /// The paper that ran (its method text, excerpts and deviations head the report).
    public var paper: any Paper
    /// The context it ran under (seed, scale, seed-count override).
    public var context: RunContext
    /// Every claim in the paper's order, with its judgement.
    public var claims: [ClaimOutcome]
    /// The experiment's evidence and report blocks.
    public var run: PaperRun

    /// The paper's catalog facts.
    public var info: PaperInfo { paper.info }

    /// Runs `paper` under `context` and judges every claim on the evidence.
    ///
    /// - Throws: whatever the experiment throws; nothing is judged then.
    public static func run(_ paper: any Paper, _ context: RunContext) throws -> PaperOutcome {
        context.progress.report(context.slug, "running at \(context.scale.rawValue) scale, seed \(context.seed)")
        let run = try paper.run(context)
        let claims = paper.claims.map { ClaimOutcome(claim: $0, judgement: $0.decide(run.evidence)) }
        context.progress.report(context.slug, "done: " + claims.map { "\($0.claim.id) \($0.judgement.verdict.label)" }.joined(separator: ", "))
        return PaperOutcome(paper: paper, context: context, claims: claims, run: run)
    }

    /// The figures of the setup and results sections, in reading order.
    public var figures: [Figure] {
        (run.setup + run.results).flatMap(\.figures)
    }

    /// `reproduce run <slug> --scale S` (the paper's ``Paper/runArguments``), plus every option
    /// that differs from its default.
    public var command: String {
        var parts = ["reproduce"] + paper.runArguments + ["--scale", context.scale.rawValue]
        if let seeds = context.seedsOverride { parts += ["--seeds", "\(seeds)"] }
        if context.seed != 0 { parts += ["--seed", "\(context.seed)"] }
        return parts.joined(separator: " ")
    }
}

/// Maps `body` over `items` on up to `jobs` threads, returning results in the items' order
/// (never completion order), so output is the same whatever `jobs` is.
public func parallelMap<T, R>(_ items: [T], jobs: Int, _ body: @escaping (T) -> R) -> [R] {
    let workers = max(1, min(jobs, items.count))
    if workers == 1 { return items.map(body) }
    var results = [R?](repeating: nil, count: items.count)
    var next = 0
    let lock = NSLock()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            lock.lock()
            let index = next
            next += 1
            lock.unlock()
            guard index < items.count else { return }
            let result = body(items[index])
            lock.lock()
            results[index] = result
            lock.unlock()
        }
    }
    return results.map { $0! }
}
