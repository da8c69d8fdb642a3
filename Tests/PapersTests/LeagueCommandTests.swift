import Foundation
import XCTest
import Harness
import Papers
@testable import reproduce

final class LeagueCommandTests: XCTestCase {
    /// Every registered optimizer appears once: the baselines and each paper's, by lower-case name.
    func testEveryRegisteredOptimizerIsInTheLeague() {
        let names = Papers.leagueEntries.map(\.name)
        XCTAssertEqual(Set(names).count, names.count, "duplicate league names: \(names)")
        for name in ["sgd", "sgd-nesterov", "adagrad", "rmsprop", "adam", "adamw", "adamax", "sam"] {
            XCTAssertTrue(names.contains(name), name)
        }
        XCTAssertEqual(names, names.map { $0.lowercased() })
    }

    func testLeagueWritesItsReportAndLedgerAndRejectsUnknownNames() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("league-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let cli = CLIHarness([])
        var environment = cli.environment
        environment.leagueEntries = LeagueRegistry.baselines
        let out = ["--out", folder.path, "--scale", "quick"]
        XCTAssertEqual(Reproduce.invoke(["league", "--only", "adma"] + out, environment: environment), 2)
        XCTAssertEqual(cli.stderr, ["reproduce: unknown optimizer 'adma' in --only; did you mean adam, adamw? (accepted: sgd, sgd-nesterov, adagrad, rmsprop, adam, adamw, shampoo, scalable-shampoo)"])
        XCTAssertEqual(Reproduce.invoke(["league", "--tasks", "mnist"] + out, environment: cli.environment.with(environment.leagueEntries)), 2)
        XCTAssertTrue(cli.stderr.first?.hasPrefix("reproduce: unknown task 'mnist' in --tasks") == true, "\(cli.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))
        XCTAssertEqual(Reproduce.invoke(["league", "--only", "adam,sgd", "--tasks", "quadratic"] + out,
                                        environment: cli.environment.with(environment.leagueEntries)), 0)
        XCTAssertEqual(cli.stdout, ["league  written (no claims)"])
        let report = try String(contentsOf: folder.appendingPathComponent("league.md"), encoding: .utf8)
        XCTAssertTrue(report.contains("reproduce league --only sgd,adam --tasks quadratic --scale quick"), "registry order in the command")
        XCTAssertFalse(report.contains("## Claims"))
        let ledger = try XCTUnwrap(Ledger.load(slug: "league", from: folder)?.quick)
        XCTAssertEqual(Set(ledger.metrics.map(\.name).filter { $0.hasSuffix(".rank") }), ["quadratic.sgd.rank", "quadratic.adam.rank"])
    }
}

extension CLIEnvironment {
    /// This environment with league optimizers.
    func with(_ entries: [LeagueEntry]) -> CLIEnvironment {
        var copy = self
        copy.leagueEntries = entries
        return copy
    }
}
