import ArgumentParser
import Foundation
import Harness

/// Options shared by the commands that run papers.
struct RunOptions: ParsableArguments {
    @Option(help: "quick (CI-sized, seconds) or full (the committed reports).")
    var scale: String = "full"

    @Option(help: "Repetitions per arm, overriding each paper's choice.")
    var seeds: Int?

    @Option(help: "The global seed every random stream is derived from.")
    var seed: UInt64 = 0

    @Option(help: "Papers run in parallel (default: the number of cores).")
    var jobs: Int?

    @Option(help: "The reports folder.")
    var out: String = "Reports"

    @OptionGroup var kernel: KernelOptions

    /// The parsed scale.
    func parsedScale() throws -> Scale {
        guard let scale = Scale(rawValue: scale) else { throw BadInput("bad --scale '\(scale)': expected quick or full") }
        return scale
    }

    /// Validates the numeric options and returns the number of parallel jobs.
    func parsedJobs(default processors: Int) throws -> Int {
        if let seeds, !(1...maximumSeeds).contains(seeds) {
            throw BadInput("bad --seeds \(seeds): expected a count from 1 to \(maximumSeeds)")
        }
        return try validJobs(jobs, default: processors)
    }

    /// The output folder, checked.
    func outputFolder() throws -> URL { try reportsFolder(out) }
}

/// The most repetitions per arm `--seeds` accepts: the papers plan at most a dozen at full scale.
let maximumSeeds = 100
/// The most parallel jobs `--jobs` accepts.
let maximumJobs = 1024

/// The reports folder named by `--out`, which must not be empty (an empty path would write into
/// the working folder).
func reportsFolder(_ out: String) throws -> URL {
    guard !out.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw BadInput("bad --out '\(out)': expected a folder path")
    }
    return URL(fileURLWithPath: out)
}

/// `--native-blas`: read by `main` before parsing proper (``Reproduce/requestsNativeBLAS(_:)``),
/// because OpenBLAS fixes its kernel when it loads.
struct KernelOptions: ParsableArguments {
    @Flag(name: .customLong("native-blas"),
          help: "Let OpenBLAS pick its kernel for this CPU (faster on some) instead of the pinned Haswell kernel; the last bits of results then depend on the CPU. Same as REPRODUCE_NATIVE_BLAS=1.")
    var nativeBLAS = false
}

/// A command that accepts `--native-blas`.
protocol KernelSelecting {
    var kernel: KernelOptions { get }
}

/// `--jobs` checked, or the default.
func validJobs(_ jobs: Int?, default processors: Int) throws -> Int {
    if let jobs, !(1...maximumJobs).contains(jobs) {
        throw BadInput("bad --jobs \(jobs): expected a count from 1 to \(maximumJobs)")
    }
    return jobs ?? max(1, processors)
}

// MARK: - list

/// `reproduce list`: one line per registered paper.
struct ListCommand: ReproduceCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List every registered paper: slug, family, claims, last full-scale verdicts.")

    @Option(help: "The reports folder whose ledgers hold the verdicts.")
    var out: String = "Reports"

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        for line in listLines(papers: environment.papers, folder: try reportsFolder(out)) { environment.output(line) }
        return Exit.ok
    }
}

/// The lines of `reproduce list`: slug, family and claim count in aligned columns, then the
/// verdicts of the last full-scale run (from the ledger), or `not run at full scale`.
func listLines(papers: [any Paper], folder: URL) -> [String] {
    let rows: [[String]] = papers.map { paper in
        let count = paper.claims.count
        let claims = count == 1 ? "1 claim" : "\(count) claims"
        let full = (try? Ledger.load(slug: paper.info.slug, from: folder))??.full
        let verdicts = full.map { $0.claims.map(\.verdict).joined(separator: ", ") } ?? "not run at full scale"
        return [paper.info.slug, paper.info.family, claims, verdicts]
    }
    return alignedColumns(rows)
}

/// Rows with every column but the last padded to its widest cell, two spaces apart.
func alignedColumns(_ rows: [[String]]) -> [String] {
    guard let columns = rows.first?.count else { return [] }
    let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { c, cell in
            c == columns - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
}

// MARK: - run and all

/// `reproduce run <slug>...`.
struct RunCommand: ReproduceCommand, KernelSelecting {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run papers; write Reports/<slug>.md, figures and ledgers; print verdicts.")

    @Argument(help: "The papers' slugs (see reproduce list).")
    var slugs: [String] = []

    @OptionGroup var options: RunOptions
    var kernel: KernelOptions { options.kernel }

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        guard !slugs.isEmpty else { throw BadInput("run needs at least one paper slug (see reproduce list)") }
        _ = try options.parsedScale()
        _ = try options.parsedJobs(default: environment.processors)
        let papers = try select(slugs, from: environment.papers)
        return try runPapers(papers, options: options, environment: environment)
    }
}

/// `reproduce all [--shard K/N]`.
///
/// A shard writes only its own papers' files (report, figures, ledger, timing) and leaves the
/// index alone, so shards run side by side in one folder, or in separate folders copied together
/// afterwards, without touching a shared file; `reproduce index` then rebuilds `README.md` from
/// the ledgers, and the tree is byte for byte what one `reproduce all` writes.
struct AllCommand: ReproduceCommand, KernelSelecting {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Run every registered paper and rebuild the index, or run one shard of them (then run reproduce index when every shard is done).")

    @Option(help: "Run only the K-th of N deterministic slices of the registry (paper i goes to shard i % N + 1, K counts from 1) and leave the index to reproduce index.")
    var shard: String?

    @OptionGroup var options: RunOptions
    var kernel: KernelOptions { options.kernel }

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        var papers = environment.papers
        _ = try options.parsedScale()
        _ = try options.parsedJobs(default: environment.processors)
        guard let shard else {
            return try runPapers(papers, options: options, environment: environment, thenIndex: true)
        }
        let (k, n) = try parseShard(shard)
        papers = shardPapers(papers, k: k, of: n)
        let code = try runPapers(papers, options: options, environment: environment, asShard: true)
        environment.errors("shard \(k)/\(n): index not written; run reproduce index --out \(options.out) once every shard is done")
        return code
    }
}

/// Parses `K/N` with `1 <= K <= N`.
func parseShard(_ text: String) throws -> (k: Int, n: Int) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else {
        throw BadInput("bad --shard '\(text)': expected K/N with 1 <= K <= N, e.g. 2/8")
    }
    return (k, n)
}

/// The K-th of N slices of `papers` in registry order: paper `i` belongs to shard `i % N + 1`.
func shardPapers(_ papers: [any Paper], k: Int, of n: Int) -> [any Paper] {
    papers.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
}

/// The papers named by `slugs`, in the order given, without repeats.
///
/// - Throws: ``BadInput`` naming the first unknown slug and its close matches.
func select(_ slugs: [String], from papers: [any Paper]) throws -> [any Paper] {
    var chosen: [any Paper] = []
    for slug in slugs where !chosen.contains(where: { $0.info.slug == slug }) {
        guard let paper = papers.first(where: { $0.info.slug == slug }) else {
            let close = closeMatches(slug, among: papers.map(\.info.slug))
            let hint = close.isEmpty ? "" : "; did you mean \(close.joined(separator: ", "))?"
            throw BadInput("unknown paper '\(slug)'\(hint) (reproduce list shows every paper)")
        }
        chosen.append(paper)
    }
    return chosen
}

/// Up to three slugs within edit distance 2 of `slug` (or containing it), nearest first.
func closeMatches(_ slug: String, among slugs: [String]) -> [String] {
    let scored = slugs.enumerated().compactMap { index, candidate -> (Int, Int, String)? in
        let distance = editDistance(slug, candidate)
        let related = candidate.contains(slug) || slug.contains(candidate)
        guard distance <= 2 || (related && !slug.isEmpty) else { return nil }
        return (related ? min(distance, 1) : distance, index, candidate)
    }
    return scored.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.prefix(3).map(\.2)
}

/// Levenshtein distance over characters.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// Runs papers in parallel and writes their reports: checks gnuplot and the output folder first
/// (bad input, nothing written), locks the folder and finishes or undoes what an interrupted run
/// left there, prints one line of verdicts per paper in the order given, and returns 1 if an
/// experiment failed or 2 if a paper's files could not be written (either way that paper's
/// previous files are left untouched). With `thenIndex` the index is rebuilt under the same lock.
/// `asShard` shares the folder with the other shards of a fan-out (``lockReportsFolder``).
func runPapers(_ papers: [any Paper], options: RunOptions, environment: CLIEnvironment,
               thenIndex: Bool = false, asShard: Bool = false) throws -> Int32 {
    let scale = try options.parsedScale()
    let jobs = try options.parsedJobs(default: environment.processors)
    let gnuplot: Gnuplot
    do { gnuplot = try Gnuplot.locate(environment.gnuplot) } catch { throw BadInput("\(error)") }
    let folder = try options.outputFolder()
    let lock = try lockReportsFolder(folder, named: options.out, environment: environment,
                                     sharedBy: asShard ? papers.map(\.info.slug) : nil)
    defer { withExtendedLifetime(lock) {} }
    let writer = ReportWriter(folder: folder, gnuplot: gnuplot,
                              environment: environment.reportEnvironment ?? .current(gnuplot: gnuplot),
                              excerpts: environment.excerpts)
    // Papers run side by side on the cores; BLAS stays single-threaded inside each, so results
    // do not depend on --jobs.
    BLASThreads.set(1)
    let progress = environment.progress
    let results: [Result<PaperOutcome, Error>] = parallelMap(papers, jobs: jobs) { paper in
        Result {
            let context = RunContext(seed: options.seed, scale: scale, seedsOverride: options.seeds,
                                     progress: progress, slug: paper.info.slug)
            let outcome = try PaperOutcome.run(paper, context)
            try writer.write(outcome)
            return outcome
        }
    }
    var rows: [[String]] = []
    var code = Exit.ok
    for (paper, result) in zip(papers, results) {
        switch result {
        case .success(let outcome):
            let verdicts = outcome.claims.map { "\($0.claim.id) \($0.judgement.verdict.label)" }.joined(separator: ", ")
            rows.append([paper.info.slug, verdicts.isEmpty ? "written (no claims)" : verdicts])
        case .failure(let error as ReportError):
            code = Exit.badInput
            rows.append([paper.info.slug, "not written: \(error)"])
            environment.errors("reproduce: \(paper.info.slug) not written: \(error)")
        case .failure(let error):
            if code == Exit.ok { code = Exit.failed }
            rows.append([paper.info.slug, "failed: \(error)"])
            environment.errors("reproduce: \(paper.info.slug) failed: \(error)")
        }
    }
    for line in alignedColumns(rows) { environment.output(line) }
    if thenIndex { try writeIndex(papers: environment.papers, folder: folder) }
    return code
}

/// Checks that the reports folder can be written, takes its lock, and finishes or undoes what an
/// interrupted run left in it.
///
/// One writer at a time, except the shards of one fan-out (`all --shard K/N` on Slurm or a CI
/// matrix), which write disjoint papers into one shared folder: given `sharedBy` (the shard's
/// papers) the lock is shared with other shards, still exclusive of any other run, and only those
/// papers' interrupted files are recovered; stale temporaries wait for the next exclusive run
/// (the fan-out's `reproduce index`).
func lockReportsFolder(_ folder: URL, named out: String, environment: CLIEnvironment,
                       sharedBy slugs: [String]? = nil) throws -> OutputLock {
    do { try ReportWriter.checkWritable(folder) } catch {
        throw BadInput("cannot write to the output folder '\(out)'")
    }
    let lock = try OutputLock(folder, shared: slugs != nil)
    for slug in try ReportWriter.recover(folder, only: slugs) {
        environment.errors("reproduce: finished publishing \(slug)'s files, interrupted in an earlier run")
    }
    return lock
}

// MARK: - index

/// `reproduce index`.
struct IndexCommand: ReproduceCommand {
    static let configuration = CommandConfiguration(
        commandName: "index", abstract: "Rebuild Reports/README.md from the ledgers in Reports/data.")

    @Option(help: "The reports folder.")
    var out: String = "Reports"

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        let folder = try reportsFolder(out)
        let lock = try lockReportsFolder(folder, named: out, environment: environment)
        defer { withExtendedLifetime(lock) {} }
        try writeIndex(papers: environment.papers, folder: folder)
        environment.output("wrote \((out as NSString).appendingPathComponent("README.md")) (\(environment.papers.count) papers)")
        return Exit.ok
    }
}

// MARK: - verify

/// `reproduce verify [slug...]`.
struct VerifyCommand: ReproduceCommand, KernelSelecting {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-run at quick scale (writing nothing) and compare with the committed ledgers; exit 1 on a change.")

    @Argument(help: "The papers to verify (default: all).")
    var slugs: [String] = []

    @Option(help: "Papers run in parallel (default: the number of cores).")
    var jobs: Int?

    @Option(help: "The reports folder holding the committed ledgers.")
    var out: String = "Reports"

    @OptionGroup var kernel: KernelOptions

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        let jobs = try validJobs(jobs, default: environment.processors)
        // The league is checked like a paper (when optimizers are registered for it), and first:
        // it is the longest quick run, and the papers fill the other cores while it runs rather
        // than leaving it alone at the end.
        let candidates = (environment.leagueEntries.isEmpty ? [] : [try makeLeague(environment.leagueEntries, only: nil, tasks: nil, jobs: jobs)] as [any Paper])
            + environment.papers
        let papers = slugs.isEmpty ? candidates : try select(slugs, from: candidates)
        let folder = try reportsFolder(out)
        // Every ledger is read before any paper runs: a missing or unreadable one is bad input,
        // said at once rather than after the whole suite.
        for paper in papers {
            let slug = paper.info.slug
            guard try Ledger.load(slug: slug, from: folder)?.quick != nil else {
                throw BadInput("no committed quick-scale ledger \(Ledger.url(slug: slug, in: folder).standardizedFileURL.path) "
                               + "(run verify in the checkout, or pass --out; write one with: reproduce \(paper.runArguments.joined(separator: " ")) --scale quick)")
            }
        }
        BLASThreads.set(1)
        let summary = verify(papers: papers, folder: folder, jobs: jobs, progress: environment.progress)
        for line in summary.failures { environment.output(line) }
        environment.output(summary.line)
        return summary.failures.isEmpty ? Exit.ok : Exit.failed
    }
}

// MARK: - platform

/// `reproduce platform`: the platform string the ledgers record.
struct PlatformCommand: ReproduceCommand, KernelSelecting {
    static let configuration = CommandConfiguration(
        commandName: "platform",
        abstract: "Print the platform a run here stamps in its ledgers: compiler, OpenBLAS build, kernel in force, CPU.")

    @OptionGroup var kernel: KernelOptions

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        environment.output(ReportEnvironment.platform)
        return Exit.ok
    }
}
