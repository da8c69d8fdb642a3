import Foundation
import XCTest
import Harness
@testable import reproduce

/// A paper that exists only in CLI tests: one measured claim, one not testable, one figure, one table.
/// `offset` stands for a change to the claim's code: it moves the recorded metric.
struct CLIFakePaper: Paper {
    var slug = "fake"
    var family = "Testing"
    var offset: Double = 0
    var failing = false
    var info: PaperInfo {
        PaperInfo(slug: slug, title: "Fake \(slug)", method: "Fake", family: family, arxiv: "1234.5678", code: nil, summary: "Only in tests.")
    }
    var claims: [Claim] {
        [Claim(id: "c1", statement: "x exceeds 1", source: "abstract", paperValue: "x = 2", metric: "x",
               rule: Rule(text: "reproduced when x > 1") { evidence in
                   Judgement(evidence["x"] > 1 ? .reproduced : .notReproduced, measured: "x = \(evidence["x"])")
               }, scaling: "none"),
         Claim.notTestable(id: "c2", statement: "scales up", source: "Table 1", reason: "needs a GPU")]
    }
    var method: String { "$x = 1 + s$" }
    var excerpts: [String] { [] }
    var deviations: String { "Fake." }
    var sourceFile: String { #filePath }

    func run(_ context: RunContext) throws -> PaperRun {
        struct Failure: Error, CustomStringConvertible { var description: String { "boom" } }
        if failing { throw Failure() }
        var rng = context.rng("x")
        var evidence = Evidence()
        let x = (context.scale == .quick ? 1.5 : 2.5) + offset
        evidence.record("x", x)
        let ys = (0..<5).map { _ in rng.normal() }
        return PaperRun(
            evidence: evidence, setup: [.text("Seeds: \(context.seeds(quick: 1, full: 2)).")],
            results: [.table(Table(caption: "x", headers: ["arm", "x"], rows: [["fake", "\(x)"]])),
                      .figure(Figure(name: "noise", title: "Noise", xLabel: "i", yLabel: "z",
                                     series: [Series("z", x: [0, 1, 2, 3, 4], y: ys, band: [0.1, 0.1, 0.1, 0.1, 0.1])],
                                     reference: (0, "zero"), caption: "Noise."))])
    }
}

/// Runs the CLI against fake papers and collects what it prints.
final class CLIHarness {
    var stdout: [String] = []
    var stderr: [String] = []
    var papers: [any Paper]
    var gnuplot = "gnuplot"

    init(_ papers: [any Paper]) { self.papers = papers }

    func callAsFunction(_ arguments: String...) -> Int32 {
        Reproduce.invoke(arguments, environment: environment)
    }
}

final class CLITests: FolderTestCase {
    func testRunPrintsVerdictsAndWritesEverything() throws {
        let cli = CLIHarness([CLIFakePaper(slug: "alpha"), CLIFakePaper(slug: "b", offset: -2)])
        XCTAssertEqual(cli("run", "b", "alpha", "--scale", "quick", "--out", folder.path), 0)
        XCTAssertEqual(cli.stdout, ["b      c1 not reproduced, c2 not testable on CPU",
                                    "alpha  c1 reproduced, c2 not testable on CPU"])
        XCTAssertEqual(try tree(folder).keys.sorted(), [
            "alpha.md", "b.md", "data/alpha.json", "data/b.json",
            "figures/alpha/noise.dat", "figures/alpha/noise.gp", "figures/alpha/noise.svg",
            "figures/b/noise.dat", "figures/b/noise.gp", "figures/b/noise.svg",
        ])
    }

    func testRerunsAndJobsGiveByteIdenticalFiles() throws {
        let papers: [any Paper] = (0..<4).map { CLIFakePaper(slug: "p\($0)") }
        let cli = CLIHarness(papers)
        let one = folder.appendingPathComponent("one"), two = folder.appendingPathComponent("two")
        XCTAssertEqual(cli("all", "--jobs", "1", "--out", one.path), 0)
        let first = try tree(one)
        XCTAssertEqual(cli("all", "--jobs", "1", "--out", one.path), 0)
        XCTAssertEqual(try tree(one), first, "a re-run rewrites the same bytes")
        XCTAssertEqual(cli("all", "--jobs", "2", "--out", two.path), 0)
        let second = try tree(two)
        for key in first.keys.sorted() where second[key] != first[key] {
            XCTFail("\(key) differs:\n\(String(decoding: first[key]!, as: UTF8.self))\n---\n\(String(decoding: second[key] ?? Data(), as: UTF8.self))")
        }
        XCTAssertEqual(second, first, "--jobs 2 writes the same bytes as --jobs 1")
        XCTAssertEqual(first.count, 4 * 5 + 1, "4 papers × (report, ledger, 3 figure files) + the index")
    }

    func testRunningOneScaleKeepsTheOther() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--scale", "quick", "--out", folder.path), 0)
        XCTAssertEqual(cli("run", "fake", "--seed", "4", "--out", folder.path), 0)
        let ledger = try XCTUnwrap(try Ledger.load(slug: "fake", from: folder))
        XCTAssertEqual(ledger.quick?.metrics.map(\.value), [1.5])
        XCTAssertEqual(ledger.full?.metrics.map(\.value), [2.5])
        XCTAssertEqual(ledger.full?.seed, 4)
    }

    func testListShowsLastFullScaleVerdicts() throws {
        let cli = CLIHarness([CLIFakePaper(slug: "adam", family: "AdaptiveMethods"), CLIFakePaper(slug: "lora-plus", family: "Adapters")])
        XCTAssertEqual(cli("run", "adam", "--out", folder.path), 0)
        XCTAssertEqual(cli("list", "--out", folder.path), 0)
        XCTAssertEqual(cli.stdout, [
            "adam       AdaptiveMethods  2 claims  reproduced, not testable on CPU",
            "lora-plus  Adapters         2 claims  not run at full scale",
        ])
        XCTAssertEqual(cli.stderr, [])
    }

    func testVerifyPassesUnchangedAndFailsWhenAMetricMoves() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--scale", "quick", "--out", folder.path), 0)
        let before = try tree(folder)
        XCTAssertEqual(cli("verify", "--out", folder.path), 0)
        XCTAssertEqual(cli.stdout, ["verify: 1 paper, 2 claims, 1 metric match the committed quick-scale ledgers; platform matches the ledgers (bit-identical mode)"])
        XCTAssertEqual(try tree(folder), before, "verify writes nothing")

        cli.papers = [CLIFakePaper(offset: 0.01)]
        XCTAssertEqual(cli("verify", "fake", "--out", folder.path), 1)
        XCTAssertEqual(cli.stdout, ["fake metric x: committed 1.5, now 1.51 (same platform as the ledger: must match exactly)",
                                    "verify: 1 failure; platform matches the ledgers (bit-identical mode)"])

        cli.papers = [CLIFakePaper(offset: -1)]
        XCTAssertEqual(cli("verify", "--out", folder.path), 1)
        XCTAssertEqual(cli.stdout.first, "fake c1: verdict changed: committed reproduced (x = 1.5), now not reproduced (x = 0.5)")
    }

    /// Off the ledger's platform, verify says so, names what differs, and applies the tolerances.
    func testVerifyOnAnotherPlatformSaysSoAndUsesTolerances() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--scale", "quick", "--out", folder.path), 0)
        var ledger = try XCTUnwrap(try Ledger.load(slug: "fake", from: folder))
        let ours = ReportEnvironment.platform.components(separatedBy: "; ")
        XCTAssertEqual(ledger.quick?.platform, ours.joined(separator: "; "))
        var theirs = ours
        theirs[2] = "kernel Zen (native)"
        ledger.quick?.platform = theirs.joined(separator: "; ")
        try ledger.encoded().write(to: folder.appendingPathComponent("data/fake.json"))

        cli.papers = [CLIFakePaper(offset: 1e-4)]
        XCTAssertEqual(cli("verify", "--out", folder.path), 0, "1e-4 is inside the tolerance 1e-6 + 1e-3 × 1.5")
        XCTAssertEqual(cli.stdout, ["verify: 1 paper, 2 claims, 1 metric match the committed quick-scale ledgers; "
                                    + "platform differs from the ledgers' (kernel Zen (native) vs \(ours[2])): verdicts exact, metrics within tolerance"])
        cli.papers = [CLIFakePaper(offset: -1)]
        XCTAssertEqual(cli("verify", "--out", folder.path), 1)
        XCTAssertEqual(cli.stdout.first, "fake c1: verdict changed: committed reproduced (x = 1.5), now not reproduced (x = 0.5)")
        XCTAssertTrue(cli.stdout.last?.hasSuffix("verdicts exact, metrics within tolerance") == true, "\(cli.stdout)")
    }

    func testVerificationModeWithLedgersFromSeveralPlatforms() {
        let ours = "Swift 6.3.1; OpenBLAS 0.3.21 Haswell; kernel Haswell (pinned); AMD EPYC"
        let old = "Swift 6.3.1; OpenBLAS 0.3.21 Cooperlake; AMD EPYC"
        func mode(_ ledgers: [String?]) -> String? {
            VerificationSummary(failures: [], papers: ledgers.count, claims: 0, metrics: 0, platform: ours, ledgerPlatforms: ledgers).mode
        }
        XCTAssertEqual(mode([]), nil)
        XCTAssertEqual(mode([ours, ours]), "platform matches the ledgers (bit-identical mode)")
        XCTAssertEqual(mode([old, old]), "platform differs from the ledgers' (OpenBLAS 0.3.21 Cooperlake vs OpenBLAS 0.3.21 Haswell; "
                                         + "kernel Haswell (pinned)): verdicts exact, metrics within tolerance")
        XCTAssertEqual(mode([ours, nil]), "platform differs from 1 of 2 ledgers' (not recorded vs \(ours)): "
                                          + "there verdicts exact, metrics within tolerance; elsewhere bit-identical")
        XCTAssertEqual(mode(["Swift 6.3.1; OpenBLAS 0.3.21 Haswell; AMD EPYC"]),
                       "platform differs from the ledgers' (— vs kernel Haswell (pinned)): verdicts exact, metrics within tolerance",
                       "a ledger from before kernel stamps")
        XCTAssertEqual(mode([old, nil]), "platform differs from the ledgers' (2 other platforms vs \(ours)): verdicts exact, metrics within tolerance")
    }

    func testVerifyFailsWithoutACommittedQuickLedger() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 0, "a full-scale ledger only")
        XCTAssertEqual(cli("verify", "--out", folder.path), 2, "bad input, said before any paper runs")
        let ledger = folder.appendingPathComponent("data/fake.json").standardizedFileURL.path
        XCTAssertEqual(cli.stderr, ["reproduce: no committed quick-scale ledger \(ledger) (run verify in the checkout, or pass --out; write one with: reproduce run fake --scale quick)"])
        XCTAssertEqual(cli.stdout, [])
    }

    func testShardsPartitionTheRegistryInOrder() throws {
        let papers: [any Paper] = (0..<7).map { CLIFakePaper(slug: "p\($0)") }
        let shards = (1...3).map { k in shardPapers(papers, k: k, of: 3).map(\.info.slug) }
        XCTAssertEqual(shards, [["p0", "p3", "p6"], ["p1", "p4"], ["p2", "p5"]])
        XCTAssertEqual(try parseShard("2/8").k, 2)
        let cli = CLIHarness(papers)
        XCTAssertEqual(cli("all", "--shard", "2/3", "--scale", "quick", "--out", folder.path), 0)
        XCTAssertEqual(cli.stdout.map { String($0.prefix(2)) }, ["p1", "p4"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("README.md").path),
                       "a shard leaves the index to reproduce index")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("p0.md").path))
    }

    func testAFailingPaperExitsOneAndKeepsItsOldReport() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 0)
        let before = try tree(folder)
        cli.papers = [CLIFakePaper(failing: true)]
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 1)
        XCTAssertEqual(cli.stderr, ["reproduce: fake failed: boom"])
        XCTAssertEqual(try tree(folder), before)
    }

    /// Each bad input: one line on stderr, exit code 2, nothing written.
    func testBadInputIsOneLineAndExitTwo() throws {
        let cli = CLIHarness([CLIFakePaper(slug: "adam"), CLIFakePaper(slug: "adamw"), CLIFakePaper(slug: "sam")])
        let out = folder.path
        let cases: [([String], String)] = [
            (["run", "adma", "--out", out], "reproduce: unknown paper 'adma'; did you mean adam, adamw? (reproduce list shows every paper)"),
            (["run", "galore", "--out", out], "reproduce: unknown paper 'galore' (reproduce list shows every paper)"),
            (["verify", "sgd", "--out", out], "reproduce: unknown paper 'sgd'; did you mean sam? (reproduce list shows every paper)"),
            (["all", "--shard", "3/2", "--out", out], "reproduce: bad --shard '3/2': expected K/N with 1 <= K <= N, e.g. 2/8"),
            (["all", "--shard", "0/4", "--out", out], "reproduce: bad --shard '0/4': expected K/N with 1 <= K <= N, e.g. 2/8"),
            (["all", "--shard", "x", "--out", out], "reproduce: bad --shard 'x': expected K/N with 1 <= K <= N, e.g. 2/8"),
            (["run", "adam", "--scale", "medium", "--out", out], "reproduce: bad --scale 'medium': expected quick or full"),
            (["run", "adam", "--jobs", "0", "--out", out], "reproduce: bad --jobs 0: expected a count from 1 to 1024"),
            (["run", "adam", "--seeds", "abc", "--out", out], "reproduce: The value 'abc' is invalid for '--seeds <seeds>' (see reproduce --help)"),
            (["run", "adam", "--bogus"], "reproduce: Unknown option '--bogus'. Did you mean '--jobs'? (see reproduce --help)"),
            (["--bogus"], "reproduce: Unknown option '--bogus' (see reproduce --help)"),
            (["run", "--out", out], "reproduce: run needs at least one paper slug (see reproduce list)"),
            (["run", "adam", "--seeds", "0", "--out", out], "reproduce: bad --seeds 0: expected a count from 1 to 100"),
            (["run", "adam", "--seeds", "101", "--out", out], "reproduce: bad --seeds 101: expected a count from 1 to 100"),
            (["run", "adam", "--seeds", "4294967296", "--out", out], "reproduce: bad --seeds 4294967296: expected a count from 1 to 100"),
            (["all", "--jobs", "100000", "--out", out], "reproduce: bad --jobs 100000: expected a count from 1 to 1024"),
            (["run", "adam", "--out", ""], "reproduce: bad --out '': expected a folder path"),
            (["all", "--out", " "], "reproduce: bad --out ' ': expected a folder path"),
            (["index", "--out", ""], "reproduce: bad --out '': expected a folder path"),
            (["verify", "--out", ""], "reproduce: bad --out '': expected a folder path"),
            (["list", "--out", ""], "reproduce: bad --out '': expected a folder path"),
        ]
        for (arguments, message) in cases {
            XCTAssertEqual(Reproduce.invoke(arguments, environment: cli.environment), 2, "\(arguments)")
            XCTAssertEqual(cli.stderr, [message], "\(arguments)")
            XCTAssertEqual(cli.stdout, [], "\(arguments)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(arguments) wrote output")
        }
    }

    func testMissingGnuplotFailsBeforeWritingAnything() {
        let cli = CLIHarness([CLIFakePaper()])
        cli.gnuplot = "/nonexistent/gnuplot"
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 2)
        XCTAssertEqual(cli.stderr, ["reproduce: gnuplot not found (looked for '/nonexistent/gnuplot'); install it with `apt-get install gnuplot-nox`"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))
    }

    func testUnwritableOutputFolder() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let blocker = folder.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        let cli = CLIHarness([CLIFakePaper()])
        let out = blocker.appendingPathComponent("Reports").path
        XCTAssertEqual(cli("run", "fake", "--out", out), 2)
        XCTAssertEqual(cli.stderr, ["reproduce: cannot write to the output folder '\(out)'"])
        XCTAssertEqual(cli("index", "--out", out), 2)
        XCTAssertEqual(cli.stderr, ["reproduce: cannot write to the output folder '\(out)'"])
    }

    func testCloseMatches() {
        XCTAssertEqual(closeMatches("lora", among: ["adam", "lora-plus", "sam"]), ["lora-plus"])
        XCTAssertEqual(closeMatches("zzzzzz", among: ["adam", "sam"]), [])
        XCTAssertEqual(editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(editDistance("", "abc"), 3)
    }
}

extension CLIHarness {
    /// The environment a call would use, for calls that pass arguments as an array.
    var environment: CLIEnvironment {
        stdout = []
        stderr = []
        return CLIEnvironment(
            papers: papers, gnuplot: gnuplot,
            reportEnvironment: ReportEnvironment(swift: "6.3.1", openBLAS: "test", gnuplot: "test", cpu: "test"),
            processors: 2, output: { [unowned self] in stdout.append($0) }, errors: { [unowned self] in stderr.append($0) })
    }
}
