import Foundation
import XCTest
import Harness
@testable import reproduce

/// A paper's files are one unit: staged, committed by a manifest, published together; interrupted
/// runs are rolled back or forward by the next run; one writer per folder; I/O failures exit 2.
final class OutputUnitTests: FolderTestCase {
    func write(_ text: String, _ path: String) throws {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func testASecondWriterIsRefusedAndWritesNothing() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 0)
        let before = try tree(folder)
        var held: OutputLock? = try OutputLock(folder)
        for arguments in [["run", "fake", "--seed", "2"], ["all"], ["index"]] {
            XCTAssertEqual(Reproduce.invoke(arguments + ["--out", folder.path], environment: cli.environment), 2, "\(arguments)")
            XCTAssertEqual(cli.stderr, ["reproduce: another reproduce run is writing to \(folder.path); wait for it to finish or choose another --out"])
        }
        XCTAssertEqual(try tree(folder), before)
        XCTAssertNotNil(held)
        held = nil
        XCTAssertEqual(cli("run", "fake", "--seed", "2", "--out", folder.path), 0, "the lock goes with its holder")
    }

    /// The shards of a fan-out share a folder with each other, never with another run.
    func testShardsShareTheFolderOnlyWithShards() throws {
        let cli = CLIHarness((0..<4).map { CLIFakePaper(slug: "p\($0)") })
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var shard: OutputLock? = try OutputLock(folder, shared: true)
        XCTAssertEqual(cli("all", "--shard", "2/2", "--out", folder.path), 0, "another shard runs beside it")
        XCTAssertEqual(cli("index", "--out", folder.path), 2, "an exclusive writer does not")
        XCTAssertNotNil(shard)
        shard = nil
        let whole = try OutputLock(folder)
        XCTAssertEqual(cli("all", "--shard", "1/2", "--out", folder.path), 2, "nor does a shard beside an exclusive writer")
        withExtendedLifetime(whole) {}
    }

    func testAnInterruptedStagingIsRolledBackWithStaleTemporaries() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 0)
        let published = try tree(folder)
        // A run killed while staging (no manifest yet), and temporaries of killed atomic writes.
        try write("half a report", ".staging/fake/fake.md")
        try write("{}", ".staging/fake/data/fake.json")
        try write("partial", ".fake.md.123.ABC.tmp")
        try write("partial", "data/.fake.json.123.ABC.tmp")
        try write("partial", "figures/fake/.noise.svg.123.ABC.tmp")
        XCTAssertEqual(cli("index", "--out", folder.path), 0)
        XCTAssertEqual(cli.stderr, [])
        var expected = published
        expected["README.md"] = try tree(folder)["README.md"]
        XCTAssertEqual(try tree(folder), expected, "staging and temporaries removed, published files untouched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".staging").path))
    }

    func testACommittedButUnpublishedPaperIsRolledForward() throws {
        let cli = CLIHarness([CLIFakePaper()])
        let other = folder.appendingPathComponent("other")
        XCTAssertEqual(cli("run", "fake", "--seed", "1", "--out", other.path), 0)
        let next = try tree(other)
        try FileManager.default.removeItem(at: other)
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 0)
        // The seed-1 files staged and committed, then the run killed after publishing only the report.
        let files = next.keys.sorted()
        for (path, data) in next { try write(String(decoding: data, as: UTF8.self), ".staging/fake/" + path) }
        try write(#"{"figures":["noise"],"files":\#(String(decoding: try JSONEncoder().encode(files), as: UTF8.self))}"#,
                  ".staging/fake/MANIFEST.json")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("fake.md"))
        try FileManager.default.moveItem(at: folder.appendingPathComponent(".staging/fake/fake.md"), to: folder.appendingPathComponent("fake.md"))
        XCTAssertEqual(cli("index", "--out", folder.path), 0)
        XCTAssertEqual(cli.stderr, ["reproduce: finished publishing fake's files, interrupted in an earlier run"])
        let after = try tree(folder)
        for (path, data) in next { XCTAssertEqual(after[path], data, path) }
        XCTAssertEqual(Set(after.keys), Set(next.keys).union(["README.md"]))
    }

    /// A full disk, emulated by a file-size limit (EFBIG, as ENOSPC, fails the write): exit 2, one
    /// line per paper, and the paper's previous files exactly as they were, figures included.
    func testAFullDiskLeavesThePreviousFilesAndExitsTwo() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--out", folder.path), 0)
        let before = try tree(folder)
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previous = signal(SIGXFSZ, SIG_IGN)
        var small = saved
        small.rlim_cur = 1024
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &small)
        let code = cli("run", "fake", "--seed", "3", "--out", folder.path)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        signal(SIGXFSZ, previous)
        XCTAssertEqual(code, 2)
        XCTAssertEqual(cli.stderr.count, 1)
        XCTAssertTrue(cli.stderr.first?.hasPrefix("reproduce: fake not written: cannot write ") == true, "\(cli.stderr)")
        XCTAssertTrue(cli.stderr.first?.hasSuffix(": File too large") == true, "\(cli.stderr)")
        XCTAssertEqual(try tree(folder), before)
    }

    func testACorruptLedgerIsOneLineAndExitTwo() throws {
        let cli = CLIHarness([CLIFakePaper()])
        XCTAssertEqual(cli("run", "fake", "--scale", "quick", "--out", folder.path), 0)
        let ledger = folder.appendingPathComponent("data/fake.json").standardizedFileURL.path
        for (content, reason) in [("", "the file is empty"), ("{", "not valid JSON"), (#"{"slug": "fake"}"#, "missing field title"),
                                  (#"{"slug": 3}"#, "wrong type at slug")] {
            try write(content, "data/fake.json")
            for arguments in [["run", "fake"], ["verify"], ["index"]] {
                XCTAssertEqual(Reproduce.invoke(arguments + ["--out", folder.path], environment: cli.environment), 2, "\(arguments) \(content)")
                XCTAssertEqual(cli.stderr.last, "reproduce: \(arguments[0] == "run" ? "fake not written: " : "")cannot read ledger \(ledger): \(reason)",
                               "\(arguments) \(content)")
                XCTAssertEqual(cli.stderr.count, 1, "\(cli.stderr)")
            }
        }
    }
}
