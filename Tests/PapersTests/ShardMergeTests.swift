import Foundation
import XCTest
import Harness
@testable import reproduce

/// `reproduce all --shard K/N` runs fan out over machines (scripts/slurm, the full-run workflow):
/// each shard writes only its own papers' files and never the index, so shard folders copy
/// together without a conflict, shards share one folder safely, and after `reproduce index` the
/// tree is byte for byte what one `reproduce all` writes.
final class ShardMergeTests: FolderTestCase {
    /// Five papers in two families, so the index has two tables and every shard of 2 or 3 has work.
    let papers: [any Paper] = (0..<5).map { CLIFakePaper(slug: "p\($0)", family: $0 < 3 ? "Testing" : "Other", offset: Double($0) - 1) }

    /// The files a run of `slugs` writes: report, ledger and the fake's one figure.
    func files(of slugs: [String]) -> Set<String> {
        Set(slugs.flatMap { ["\($0).md", "data/\($0).json", "figures/\($0)/noise.dat", "figures/\($0)/noise.gp", "figures/\($0)/noise.svg"] })
    }

    func testShardFoldersCopiedTogetherAndIndexedEqualOneRun() throws {
        let single = folder.appendingPathComponent("single")
        XCTAssertEqual(CLIHarness(papers)("all", "--scale", "quick", "--out", single.path), 0)
        let expected = try tree(single)
        XCTAssertEqual(Set(expected.keys), files(of: papers.map(\.info.slug)).union(["README.md"]))

        let merged = folder.appendingPathComponent("merged")
        for k in 1...2 {
            let shard = folder.appendingPathComponent("shard-\(k)")
            let cli = CLIHarness(papers)
            XCTAssertEqual(cli("all", "--shard", "\(k)/2", "--scale", "quick", "--out", shard.path), 0)
            XCTAssertEqual(cli.stderr, ["shard \(k)/2: index not written; run reproduce index --out \(shard.path) once every shard is done"])
            let written = try tree(shard)
            let own = shardPapers(papers, k: k, of: 2).map(\.info.slug)
            XCTAssertEqual(own, k == 1 ? ["p0", "p2", "p4"] : ["p1", "p3"])
            XCTAssertEqual(Set(written.keys), files(of: own), "shard \(k) writes its own papers' files and nothing shared")
            for (path, data) in written {
                let target = merged.appendingPathComponent(path)
                XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "\(path) written by two shards")
                try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: target)
                XCTAssertEqual(data, expected[path], "\(path) as one run writes it")
            }
        }
        XCTAssertNil(try tree(merged)["README.md"])
        XCTAssertEqual(CLIHarness(papers)("index", "--out", merged.path), 0)
        XCTAssertEqual(try tree(merged), expected, "merged shards + reproduce index = reproduce all")
    }

    func testShardsRunningAtOnceInOneFolderEqualOneRun() throws {
        let single = folder.appendingPathComponent("single"), shared = folder.appendingPathComponent("shared")
        XCTAssertEqual(CLIHarness(papers)("all", "--scale", "quick", "--out", single.path), 0)
        // Three shards at the same time, each creating the folder and its data/ and figures/ as
        // array tasks on several nodes do, plus a fourth with nothing to run (N above the paper count
        // leaves the last shards empty).
        let codes = ShardCodes()
        DispatchQueue.concurrentPerform(iterations: 3) { i in
            let code = CLIHarness(papers)("all", "--shard", "\(i + 1)/3", "--scale", "quick", "--jobs", "1", "--out", shared.path)
            codes.set(i, code)
        }
        XCTAssertEqual(codes.values, [0: 0, 1: 0, 2: 0])
        let empty = CLIHarness(Array(papers.prefix(3)))
        XCTAssertEqual(empty("all", "--shard", "4/4", "--scale", "quick", "--out", shared.path), 0)
        XCTAssertEqual(empty.stdout, [])
        XCTAssertNil(try tree(shared)["README.md"], "no shard writes the index")
        XCTAssertEqual(CLIHarness(papers)("index", "--out", shared.path), 0)
        XCTAssertEqual(try tree(shared), try tree(single))
    }
}

/// Exit codes collected from concurrent shards.
private final class ShardCodes: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [Int: Int32] = [:]
    func set(_ i: Int, _ code: Int32) { lock.lock(); values[i] = code; lock.unlock() }
}
