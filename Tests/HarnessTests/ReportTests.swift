import Foundation
import XCTest
@testable import Harness

/// A paper that exists only in tests: one measured claim, one not testable, one figure, one table.
struct ReportFakePaper: Paper {
    var offset: Double = 0
    var failing = false
    var excerpts = ["fake-step"]
    var info: PaperInfo {
        PaperInfo(slug: "fake", title: "A Fake Paper", method: "Fake", family: "Testing", arxiv: "1234.5678",
                  code: "https://example.com/fake", summary: "A paper that exists only in tests.")
    }
    var claims: [Claim] {
        [Claim(id: "c1", statement: "x exceeds 1", source: "abstract", paperValue: "x = 2", paperSetting: "a big model", metric: "x",
               rule: .bound("x", "x", below: false, 1), scaling: "one number instead of a model",
               history: [RuleChange(version: "protocol v1", rule: "reproduced when x > 2.", verdict: "not reproduced (x = 1.5)",
                                    why: "the paper's bound is 1.")]),
         Claim.notTestable(id: "c2", statement: "scales to ImageNet", source: "Table 1", reason: "needs a GPU cluster")]
    }
    var method: String { "The method computes $x = 1 + s$." }
    var deviations: String { "Everything is fake." }
    var sourceFile: String { #filePath }

    func run(_ context: RunContext) throws -> PaperRun {
        struct Failure: Error {}
        if failing { throw Failure() }
        var evidence = Evidence()
        evidence.record("x", fakeStep(0.5) + offset)
        var rng = context.rng("curve")
        let ys = (0..<4).map { i in 1 / Double(i + 1) + 0.01 * rng.uniform() }
        let figure = Figure(name: "curve", title: "Loss", xLabel: "step", yLabel: "loss",
                            series: [Series("fake", x: [1, 2, 3, 4], y: ys, band: [0.1, 0.1, 0.1, 0.1]),
                                     Series("flat", x: [1, 4], y: [0.5, 0.5], style: .points)],
                            logY: true, reference: (0.3, "paper: 0.3"), caption: "The loss falls.")
        return PaperRun(evidence: evidence, setup: [.text("Seeds: 1.")],
                        results: [.table(Table(caption: "Numbers", headers: ["arm", "x"], rows: [["fake", "1.5"]])), .figure(figure)])
    }
}

// excerpt: fake-step
func fakeStep(_ s: Double) -> Double {
    1 + s
}
// end excerpt

let fixedEnvironment = ReportEnvironment(swift: "6.3.1", openBLAS: "OpenBLAS test", gnuplot: "gnuplot 5.4", cpu: "Test CPU")
/// The excerpts of this file, where the fake paper marks its regions.
let testExcerpts = ExcerptLibrary.scanning([#filePath])
/// A fresh scratch folder for gnuplot under the system's temporary folder.
func scratchFolder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("reproduce-test-\(UUID().uuidString)")
}

final class ReportTests: XCTestCase {
    func testReportHasTheExactStructure() throws {
        let outcome = try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake"))
        let report = try renderReport(outcome, environment: fixedEnvironment, excerpts: testExcerpts)
        let expected = """
            # A Fake Paper

            **Fake** · family: Testing · arXiv [1234.5678](https://arxiv.org/abs/1234.5678) · [PDF](https://arxiv.org/pdf/1234.5678) · [official code](https://example.com/fake)

            A paper that exists only in tests.

            ## Claims

            Measured at **quick** scale, seed 0. Each verdict is computed from the measurement by the claim's rule (below), built from the harness's decision types; a rule changed after a run shows its earlier version, the verdict under it and why it changed.

            | Claim | Statement | Verdict |
            |---|---|---|
            | c1 | x exceeds 1 | **reproduced** |
            | c2 | scales to ImageNet | **not testable on CPU** |

            ### What this means

            The data support c1. c2 cannot be tested on a CPU.

            ### Paper vs ours

            | Claim | Paper | Paper's setting | Ours | Our setting |
            |---|---|---|---|---|
            | c1 | x = 2 | a big model | x = 1.5 | one number instead of a model |
            | c2 | — | — | — | — |

            ### c1: reproduced

            *Source: abstract.*

            **Metric.** x

            **Rule.** Bound: reproduced when x is at least 1; not reproduced otherwise.

            **Rule history (protocol v1).** Earlier rule: reproduced when x > 2. Verdict under it: not reproduced (x = 1.5). Why it changed: the paper's bound is 1.

            ### c2: not testable on CPU

            *Source: Table 1.*

            **Metric.** —

            **Rule.** Not testable on CPU: needs a GPU cluster

            ## Setup

            Seeds: 1.

            ## Results

            *Table: Numbers*

            | arm | x |
            |---|---|
            | fake | 1.5 |

            ![Loss](figures/fake/curve.svg)

            *The loss falls.* (data: [curve.dat](figures/fake/curve.dat), script: [curve.gp](figures/fake/curve.gp))

            ## Method

            The method computes $x = 1 + s$.

            ### Code: `fake-step`

            From `Tests/HarnessTests/ReportTests.swift`:

            ```swift
            func fakeStep(_ s: Double) -> Double {
                1 + s
            }
            ```

            ## Deviations from the paper

            Everything is fake.

            ## Reproduce

            ```
            reproduce run fake --scale quick
            ```

            ## Environment

            | | |
            |---|---|
            | Swift | 6.3.1 |
            | OpenBLAS | OpenBLAS test |
            | gnuplot | gnuplot 5.4 |
            | CPU | Test CPU |

            """
        XCTAssertEqual(report, expected)
    }

    func testCommandListsNonDefaultOptions() throws {
        let outcome = try PaperOutcome.run(ReportFakePaper(), RunContext(seed: 7, scale: .full, seedsOverride: 3, slug: "fake"))
        XCTAssertEqual(outcome.command, "reproduce run fake --scale full --seeds 3 --seed 7")
    }

    func testVerdictsComeFromTheClaimRules() throws {
        let outcome = try PaperOutcome.run(ReportFakePaper(offset: -1), RunContext(scale: .quick, slug: "fake"))
        XCTAssertEqual(outcome.claims.map(\.judgement.verdict), [.notReproduced, .notTestable(reason: "needs a GPU cluster")])
        XCTAssertEqual(outcome.claims[0].judgement.measured, "x = 0.5")
    }

    func testMissingExcerptIsAnError() throws {
        var paper = ReportFakePaper()
        paper.excerpts = ["no-such-excerpt"]
        let outcome = try PaperOutcome.run(paper, RunContext(scale: .quick, slug: "fake"))
        XCTAssertThrowsError(try renderReport(outcome, environment: fixedEnvironment, excerpts: testExcerpts)) { error in
            XCTAssertEqual(error as? ReportError, .missingExcerpt(name: "no-such-excerpt", paper: "fake"))
        }
    }

    func testExcerptsFallBackToTheHarnessFolder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("excerpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let paperFile = root.appendingPathComponent("Sources/Papers/Family/P.swift")
        let harnessFile = root.appendingPathComponent("Sources/Harness/Optimizers/Shared.swift")
        for url in [paperFile, harnessFile] {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        }
        try "let a = 1\n".write(to: paperFile, atomically: true, encoding: .utf8)
        try "struct S {\n    // excerpt: shared\n    func f() {\n        g()\n    }\n    // end excerpt\n}\n".write(to: harnessFile, atomically: true, encoding: .utf8)
        struct Probe: Paper {
            var sourceFile: String
            var info: PaperInfo { PaperInfo(slug: "probe", title: "", method: "", family: "", arxiv: nil, code: nil, summary: "") }
            var claims: [Claim] { [] }
            var method: String { "" }
            var excerpts: [String] { ["shared"] }
            var deviations: String { "" }
            func run(_ context: RunContext) throws -> PaperRun { PaperRun(evidence: Evidence(), setup: [], results: []) }
        }
        let found = try ExcerptLibrary.scanning([paperFile.path, harnessFile.path]).excerpts(of: Probe(sourceFile: paperFile.path))
        XCTAssertEqual(found, [Excerpt(name: "shared", file: "Sources/Harness/Optimizers/Shared.swift", code: "func f() {\n    g()\n}")])
    }

    /// Excerpts come from the library compiled into the binary: the paper's source file need not exist.
    func testExcerptsNeedNoSourceTree() throws {
        struct Probe: Paper {
            var info: PaperInfo { PaperInfo(slug: "probe", title: "", method: "", family: "", arxiv: nil, code: nil, summary: "") }
            var claims: [Claim] { [] }
            var method: String { "" }
            var excerpts: [String] { ["step", "shared"] }
            var deviations: String { "" }
            var sourceFile: String { "/nowhere/at/all/Sources/Papers/Family/P.swift" }
            func run(_ context: RunContext) throws -> PaperRun { PaperRun(evidence: Evidence(), setup: [], results: []) }
        }
        let library = ExcerptLibrary([
            EmbeddedExcerpt(name: "step", file: "Sources/Papers/Other/Q.swift", lines: "wrong file"),
            EmbeddedExcerpt(name: "step", file: "Sources/Papers/Family/P.swift", lines: "    x += 1\n      y += 2"),
            EmbeddedExcerpt(name: "shared", file: "Sources/Harness/S.swift", lines: "  f()"),
        ])
        XCTAssertEqual(try library.excerpts(of: Probe()), [
            Excerpt(name: "step", file: "Sources/Papers/Family/P.swift", code: "x += 1\n  y += 2"),
            Excerpt(name: "shared", file: "Sources/Harness/S.swift", code: "f()"),
        ])
    }

    func testEnvironmentDoesNotDependOnTheWorkingFolder() throws {
        let here = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(here) }
        let gnuplot = try Gnuplot.locate()
        let first = ReportEnvironment.current(gnuplot: gnuplot)
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath("/"))
        XCTAssertEqual(ReportEnvironment.current(gnuplot: gnuplot), first)
    }

    func testLogAxesUseBaseTwoBelowTwoDecades() {
        func script(_ xs: [Double]) -> String {
            Figure(name: "f", title: "t", xLabel: "x", yLabel: "y", series: [Series("a", x: xs, y: xs.map { _ in 1 })],
                   logX: true, caption: "c").gnuplotScript
        }
        XCTAssertTrue(script([16, 32, 64]).contains("set logscale x 2\n"))
        XCTAssertTrue(script([1, 10, 1000]).contains("set logscale x 10\n"))
    }

    func testMathIsRewrittenForGitHubOutsideCodeAndTables() {
        let markdown = """
            Set $\\{1, 2\\}$ and norm $\\|x\\|\\,y$, `$\\{code\\}$`, literal \\{ outside.
            $$
            \\min_{\\|\\epsilon\\|\\le\\rho} f \\\\ g\\;h\\!k
            $$
            ```swift
            /// $\\{x\\}$
            ```
            | $\\{a\\}$ | b |
            """
        XCTAssertEqual(gitHubSafeMath(markdown), """
            Set $\\lbrace 1, 2\\rbrace $ and norm $\\Vert x\\Vert \\thinspace y$, `$\\{code\\}$`, literal \\{ outside.
            $$
            \\min_{\\Vert \\epsilon\\Vert \\le\\rho} f \\\\ g\\thickspace h\\negthinspace k
            $$
            ```swift
            /// $\\{x\\}$
            ```
            | $\\{a\\}$ | b |
            """)
    }

    func testGnuplotDataAndScript() {
        let figure = Figure(name: "f", title: "T \"q\"", xLabel: "x", yLabel: "y",
                            series: [Series("a", x: [1, 2], y: [0.5, .nan], band: [0.25, 0.25]), Series("b", x: [], y: [], style: .linespoints)],
                            logX: true, reference: (2, "paper"), caption: "c")
        XCTAssertEqual(figure.gnuplotData, """
            # T "q"
            # x: x; y: y
            # index 0: a
            # x y lower upper
            1.0 0.5 0.25 0.75
            2.0 NaN NaN NaN


            # index 1: b
            # x y
            NaN NaN

            """)
        XCTAssertEqual(figure.gnuplotScript, """
            # T "q"
            # Re-plot with `gnuplot f.gp` in this folder; the data is in f.dat.
            set encoding utf8
            set terminal svg size 720,450 fixed font "sans,12" noenhanced background rgb "white"
            set output "f.svg"
            set title "T \\"q\\""
            set xlabel "x"
            set ylabel "y"
            set grid
            set autoscale xfix
            set offsets graph 0.02, graph 0.02, 0, 0
            set key below
            set style fill transparent solid 0.2 noborder
            set logscale x 2
            set format x "%g"
            plot "f.dat" index 0 using 1:3:4 with filledcurves lc rgb "#1f77b4" notitle, \\
                 "f.dat" index 0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "a", \\
                 "f.dat" index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb "#ff7f0e" title "b", \\
                 2.0 with lines dt 2 lw 1.5 lc rgb "black" title "paper"

            """)
    }

    func testGnuplotSVGIsByteIdenticalAcrossRuns() throws {
        let gnuplot = try Gnuplot.locate()
        let outcome = try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake"))
        let figure = try XCTUnwrap(outcome.figures.first)
        let first = try gnuplot.render(figure, scratch: scratchFolder()), second = try gnuplot.render(figure, scratch: scratchFolder())
        XCTAssertEqual(first, second)
        let svg = String(decoding: first.svg, as: UTF8.self)
        XCTAssertTrue(svg.hasPrefix("<?xml"))
        XCTAssertTrue(svg.contains("paper: 0.3"), "the reference line's label is in the key")
        XCTAssertFalse(svg.contains(FileManager.default.temporaryDirectory.path), "no absolute paths in the SVG")
    }

    func testMissingGnuplotIsAClearError() {
        XCTAssertThrowsError(try Gnuplot.locate("/nonexistent/gnuplot")) { error in
            XCTAssertEqual("\(error)", "gnuplot not found (looked for '/nonexistent/gnuplot'); install it with `apt-get install gnuplot-nox`")
        }
    }

    func testLedgerRoundTripAndScaleUpdate() throws {
        let quick = try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake"))
        let full = try PaperOutcome.run(ReportFakePaper(offset: 1), RunContext(seed: 3, scale: .full, slug: "fake"))
        let ledger = Ledger.updating(Ledger.updating(nil, with: quick), with: full)
        XCTAssertEqual(ledger.quick?.metrics.map(\.value), [1.5])
        XCTAssertEqual(ledger.full?.metrics.map(\.value), [2.5])
        XCTAssertEqual(ledger.full?.seed, 3)
        XCTAssertEqual(ledger.quick?.claims, [
            Ledger.ClaimRecord(id: "c1", verdict: "reproduced", reason: nil, measured: "x = 1.5"),
            Ledger.ClaimRecord(id: "c2", verdict: "not testable on CPU", reason: "needs a GPU cluster", measured: "—"),
        ])
        let data = ledger.encoded()
        XCTAssertEqual(try Ledger.decode(data), ledger)
        XCTAssertEqual(data.last, UInt8(ascii: "\n"))
        let text = String(decoding: data, as: UTF8.self)
        let keys = ["\"family\"", "\"full\"", "\"quick\"", "\"slug\"", "\"title\""].map { text.range(of: $0)!.lowerBound }
        XCTAssertEqual(keys, keys.sorted(), "top-level keys are sorted")
        // Re-running one scale keeps the other.
        let rerun = Ledger.updating(try Ledger.decode(data), with: quick)
        XCTAssertEqual(rerun.full, ledger.full)
        // Non-finite metrics survive the JSON round trip.
        var entry = try XCTUnwrap(ledger.quick)
        entry.metrics = [Metric(name: "nan", value: .nan), Metric(name: "inf", value: .infinity)]
        let odd = Ledger(slug: "s", title: "t", family: "f", quick: entry)
        let back = try Ledger.decode(odd.encoded())
        XCTAssertTrue(back.quick!.metrics[0].value.isNaN)
        XCTAssertEqual(back.quick!.metrics[1].value, .infinity)
    }

    func testVerificationOnTheSamePlatformDemandsIdenticalNumbers() throws {
        let committed = Ledger.Entry(try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake")))
        XCTAssertEqual(committed.platform, ReportEnvironment.platform)
        let same = try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake"))
        XCTAssertEqual(verificationFailures(same, against: committed), [])
        let within = try PaperOutcome.run(ReportFakePaper(offset: 1e-4), RunContext(scale: .quick, slug: "fake"))
        XCTAssertEqual(verificationFailures(within, against: committed), [
            "fake metric x: committed 1.5, now 1.5001 (same platform as the ledger: must match exactly)",
        ])
    }

    func testVerificationNamesPaperMetricAndNumbers() throws {
        var committed = Ledger.Entry(try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake")))
        committed.platform = "another machine"
        let same = try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake"))
        XCTAssertEqual(verificationFailures(same, against: committed), [])
        let within = try PaperOutcome.run(ReportFakePaper(offset: 1e-4), RunContext(scale: .quick, slug: "fake"))
        XCTAssertEqual(verificationFailures(within, against: committed), [], "1e-4 is inside 1e-6 + 1e-3 × 1.5")
        let moved = try PaperOutcome.run(ReportFakePaper(offset: -1), RunContext(scale: .quick, slug: "fake"))
        XCTAssertEqual(verificationFailures(moved, against: committed), [
            "fake c1: verdict changed: committed reproduced (x = 1.5), now not reproduced (x = 0.5)",
            "fake metric x: committed 1.5, now 0.5 (tolerance 1e-06 + 0.001 × |committed|)",
        ])
    }

    func testWriterLeavesNothingWhenRenderingFails() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var paper = ReportFakePaper()
        paper.excerpts = ["no-such-excerpt"]
        let writer = ReportWriter(folder: folder, gnuplot: try Gnuplot.locate(), environment: fixedEnvironment, excerpts: testExcerpts)
        let outcome = try PaperOutcome.run(paper, RunContext(scale: .quick, slug: "fake"))
        XCTAssertThrowsError(try writer.write(outcome))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))
    }

    func testWriterWritesReportFiguresAndLedger() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = ReportWriter(folder: folder, gnuplot: try Gnuplot.locate(), environment: fixedEnvironment, excerpts: testExcerpts)
        let outcome = try PaperOutcome.run(ReportFakePaper(), RunContext(scale: .quick, slug: "fake"))
        try writer.write(outcome)
        let files = try FileManager.default.subpathsOfDirectory(atPath: folder.path).sorted()
        XCTAssertEqual(files, ["data", "data/fake.json", "fake.md", "figures", "figures/fake",
                               "figures/fake/curve.dat", "figures/fake/curve.gp", "figures/fake/curve.svg"])
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("fake.md"), encoding: .utf8),
                       try renderReport(outcome, environment: fixedEnvironment, excerpts: testExcerpts))
        XCTAssertEqual(try Ledger.load(slug: "fake", from: folder)?.quick, Ledger.Entry(outcome))
    }

    func testIndexCountsVerdictsPerFamily() throws {
        let paper = ReportFakePaper()
        let quick = Ledger.updating(nil, with: try PaperOutcome.run(paper, RunContext(scale: .quick, slug: "fake")))
        var other = paper.info
        other.slug = "other"
        other.title = "Other | Paper"
        other.family = "Second"
        other.arxiv = nil
        other.code = nil
        let index = renderIndex([
            IndexEntry(info: paper.info, claimIDs: ["c1", "c2"], ledger: quick),
            IndexEntry(info: other, claimIDs: ["c1"], ledger: nil),
        ])
        XCTAssertEqual(index, """
            # Reports

            One literate report per reproduced paper, written by `reproduce run`. Verdicts come from the ledgers in [`data/`](data/); rebuild this page with `reproduce index`.

            ## Verdicts

            | Verdict | Claims |
            |---|---|
            | reproduced | 1 |
            | not reproduced | 0 |
            | inconclusive | 0 |
            | not testable on CPU | 1 |
            | not run | 1 |

            Counts are at full scale; a paper with only a quick-scale run is counted at quick scale.

            ## Testing

            | Paper | Method | Verdicts | Scale |
            |---|---|---|---|
            | [A Fake Paper](fake.md) · [arXiv](https://arxiv.org/abs/1234.5678) · [code](https://example.com/fake) | Fake | c1 reproduced; c2 not testable on CPU | [quick](data/fake.json) |

            ## Second

            | Paper | Method | Verdicts | Scale |
            |---|---|---|---|
            | Other \\| Paper | Fake | c1 not run | — |

            """)
    }

    /// An inconclusive verdict shows its reason in the paper's row and in a count by reason.
    /// The index links the league only when its ledger exists.
    func testIndexLinksTheLeagueWhenItExists() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let link = "The [optimizer league](league.md) ranks every registered optimizer on the standard tasks."
        try writeIndex(papers: [], folder: folder)
        XCTAssertFalse(try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8).contains(link))
        try AtomicFile.write("{}", to: Ledger.url(slug: "league", in: folder))
        try writeIndex(papers: [], folder: folder)
        let index = try String(contentsOf: folder.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertTrue(index.contains("`reproduce index`. \(link)\n\n## Verdicts"), index)
    }

    func testIndexShowsInconclusiveReasons() throws {
        let paper = ReportFakePaper()
        var ledger = Ledger.updating(nil, with: try PaperOutcome.run(paper, RunContext(scale: .quick, slug: "fake")))
        ledger.quick!.claims[0] = Ledger.ClaimRecord(id: "c1", verdict: "inconclusive", reason: "underpowered", measured: "x")
        let index = renderIndex([IndexEntry(info: paper.info, claimIDs: ["c1", "c2"], ledger: ledger)])
        XCTAssertTrue(index.contains("| inconclusive | 1 |"), index)
        XCTAssertTrue(index.contains("| Inconclusive, by reason | Claims |\n|---|---|\n| underpowered | 1 |\n"), index)
        XCTAssertTrue(index.contains("c1 inconclusive (underpowered); c2 not testable on CPU"), index)
    }

    func testEnvironmentReadsTheBuildAndMachine() throws {
        let environment = ReportEnvironment.current(gnuplot: try Gnuplot.locate())
        XCTAssertTrue(environment.openBLAS.hasPrefix("OpenBLAS"), environment.openBLAS)
        XCTAssertTrue(environment.gnuplot.hasPrefix("gnuplot 5"), environment.gnuplot)
        XCTAssertNotEqual(environment.cpu, "unknown")
        XCTAssertEqual(ReportEnvironment.current(gnuplot: nil).gnuplot, "not used")
    }

    func testParallelMapKeepsOrder() {
        let items = Array(0..<50)
        XCTAssertEqual(parallelMap(items, jobs: 4) { $0 * $0 }, items.map { $0 * $0 })
    }

    func testAtomicWriteReplacesWithoutLeftovers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("a/b.txt")
        try AtomicFile.write("one", to: url)
        try AtomicFile.write("two", to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "two")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["b.txt"])
    }
}
