import Foundation
import XCTest
import Harness
import Papers
@testable import reproduce

/// `reproduce trace` given hostile input, in process (``Reproduce/invoke(_:environment:)``):
/// each case ends as one `reproduce: ...` line on stderr and exit code 2, prints nothing on
/// stdout and writes no `--out` file.
final class TraceCommandInputTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("trace-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// A GaLore problem (one matrix with per-tensor options, one vector), with edits applied.
    static let galore = """
    {"objective": "least_squares", "steps": 3,
     "params": [{"name": "W", "shape": [2, 3], "init": [1, 0, 0, 1, 0.5, -0.5],
                 "A": {"shape": [3, 2], "data": [1, 2, 0, 1, 3, -1]},
                 "B": {"shape": [3, 3], "data": [1, 1, 0, 2, -1, 0, 0, 1, 1]}, "n": 3,
                 "group": {"rank": 1, "update_proj_gap": 2, "scale": 1.0, "projection_type": "std"}},
                {"name": "b", "shape": [2], "init": [0.5, -0.5],
                 "A": {"shape": [2, 2], "data": [2, 0, 1, 1]}, "B": {"shape": [2], "data": [1, 0]}, "n": 2, "group": {}}],
     "optimizer": {"name": "galore", "hyperparams": {"lr": 0.1}}}
    """

    /// Writes `text` (the GaLore problem after replacing `old` with `new` when given) and returns its path.
    func write(_ text: String = galore, replacing old: String? = nil, with new: String = "") throws -> String {
        var text = text
        if let old {
            XCTAssertTrue(text.contains(old), "the edit must apply: \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        let url = folder.appendingPathComponent("p-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// Runs `reproduce trace --problem path --out …` and asserts the bad-input contract; returns the line.
    func rejected(_ path: String, out: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> String? {
        let cli = CLIHarness([])
        let target = out ?? folder.appendingPathComponent("out.json").path
        let code = Reproduce.invoke(["trace", "--problem", path, "--out", target], environment: cli.environment)
        XCTAssertEqual(code, 2, "exit code", file: file, line: line)
        XCTAssertEqual(cli.stderr.count, 1, "one line: \(cli.stderr)", file: file, line: line)
        XCTAssertFalse(cli.stderr.first?.contains("\n") ?? false, file: file, line: line)
        XCTAssertEqual(cli.stdout, [], file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.json").path), "wrote output", file: file, line: line)
        return cli.stderr.first
    }

    /// The valid problem runs through the CLI and prints what the library computes.
    func testValidProblemPrintsItsTrajectory() throws {
        let path = try write()
        let cli = CLIHarness([])
        XCTAssertEqual(Reproduce.invoke(["trace", "--problem", path], environment: cli.environment), 0)
        let expected = try TraceProblem.parse(Data(Self.galore.utf8)).run(optimizers: traceOptimizers).json()
        XCTAssertEqual(cli.stdout.joined(separator: "\n") + "\n", expected)
        XCTAssertEqual(cli.stderr, [])
    }

    // MARK: - Issue 7, section 5

    func testOverflowingShapes() throws {
        let huge = "[999999999, 999999999, 999999999]"
        XCTAssertEqual(rejected(try write(replacing: "\"shape\": [2, 3]", with: "\"shape\": \(huge)")),
                       "reproduce: malformed problem: field 'params[0].shape': shape [999999999, 999999999, 999999999] is over the cap of 1000000 elements per tensor")
        XCTAssertEqual(rejected(try write(replacing: "\"A\": {\"shape\": [3, 2]", with: "\"A\": {\"shape\": \(huge)")),
                       "reproduce: malformed problem: field 'params[0].A.shape': shape [999999999, 999999999, 999999999] is over the cap of 1000000 elements per tensor")
    }

    func testStepsOverTheCap() throws {
        XCTAssertEqual(rejected(try write(replacing: "\"steps\": 3", with: "\"steps\": 999999999")),
                       "reproduce: malformed problem: field 'steps': steps 999999999 is over the cap of 100000")
    }

    func testGaLoreGroupOptions() throws {
        let accepted = "accepted keys: projection_type, rank, scale, update_proj_gap"
        XCTAssertEqual(rejected(try write(replacing: "\"rank\": 1", with: "\"rank\": \"two\"")),
                       "reproduce: invalid per-tensor option 'rank' for optimizer 'galore' in field 'params[0].group.rank': expected a whole number from 1 to 1000000000, got \"two\"; \(accepted)")
        XCTAssertEqual(rejected(try write(replacing: "\"rank\": 1", with: "\"rnk\": 2")),
                       "reproduce: unknown per-tensor option 'rnk' for optimizer 'galore' in field 'params[0].group'; accepted: projection_type, rank, scale, update_proj_gap")
        // A rank of 0 used to be reported as 'optimizer.hyperparams.group'; 1e20 used to trap in Int(_:).
        for bad in ["0", "1e20", "1.5", "true"] {
            XCTAssertEqual(rejected(try write(replacing: "\"rank\": 1", with: "\"rank\": \(bad)"))?
                .hasPrefix("reproduce: invalid per-tensor option 'rank' for optimizer 'galore' in field 'params[0].group.rank': expected a whole number from 1 to 1000000000"),
                           true, bad)
        }
        XCTAssertEqual(rejected(try write(replacing: "\"update_proj_gap\": 2", with: "\"update_proj_gap\": -2"))?.contains("'params[0].group.update_proj_gap'"), true)
        XCTAssertEqual(rejected(try write(replacing: "\"group\": {}", with: "\"group\": {\"scale\": \"big\"}"))?.contains("'params[1].group.scale': expected a finite number, got \"big\""), true)
        XCTAssertEqual(rejected(try write(replacing: "\"projection_type\": \"std\"", with: "\"projection_type\": \"diag\""))?
            .contains("expected one of 'std', 'reverse_std', 'right', 'left', got \"diag\""), true)
    }

    /// Every trace optimizer, baseline or paper's, rejects what torch rejects, naming itself and the key.
    /// The problem carries no per-tensor options (each optimizer has its own); an optimizer whose
    /// reference has no `weight_decay` keyword (Flora's Adafactor, LoQT) rejects it as unknown.
    func testHyperparameterRangesForEveryOptimizer() throws {
        let plain = Self.galore.replacingOccurrences(of: "\"group\": {\"rank\": 1, \"update_proj_gap\": 2, \"scale\": 1.0, \"projection_type\": \"std\"}", with: "\"group\": {}")
        XCTAssertNotEqual(plain, Self.galore)
        for name in traceOptimizers.keys.sorted() {
            func hyper(_ json: String) throws -> String {
                try write(plain, replacing: "{\"name\": \"galore\", \"hyperparams\": {\"lr\": 0.1}}", with: "{\"name\": \"\(name)\", \"hyperparams\": \(json)}")
            }
            XCTAssertEqual(rejected(try hyper("{\"lr\": -0.1}")),
                           "reproduce: invalid hyperparameter 'lr' for optimizer '\(name)' in field 'optimizer.hyperparams.lr': Invalid learning rate: -0.1 (torch requires lr >= 0)")
            let decay = rejected(try hyper("{\"weight_decay\": -0.01}")) ?? ""
            if decay.hasPrefix("reproduce: unknown hyperparameter 'weight_decay' for optimizer '\(name)'") {
                XCTAssertTrue(["flora", "loqt"].contains(name), "\(name) should take weight_decay")
            } else {
                XCTAssertEqual(decay, "reproduce: invalid hyperparameter 'weight_decay' for optimizer '\(name)' in field 'optimizer.hyperparams.weight_decay': Invalid weight_decay value: -0.01 (torch requires weight_decay >= 0)")
            }
        }
        for (name, extra) in [("adam", ""), ("adamw", ""), ("adamax", ""), ("galore", ""), ("sam", "\"base_optimizer\": \"adam\", ")] {
            for (betas, index, value) in [("[0.9, 1.0]", 1, "1.0"), ("[-0.1, 0.999]", 0, "-0.1"), ("[1.5, 0.999]", 0, "1.5")] {
                let path = try write(replacing: "{\"name\": \"galore\", \"hyperparams\": {\"lr\": 0.1}}",
                                     with: "{\"name\": \"\(name)\", \"hyperparams\": {\(extra)\"betas\": \(betas)}}")
                XCTAssertEqual(rejected(path),
                               "reproduce: invalid hyperparameter 'betas' for optimizer '\(name)' in field 'optimizer.hyperparams.betas[\(index)]': Invalid beta parameter at index \(index): \(value) (torch requires 0 <= beta < 1)")
            }
            let eps = try write(replacing: "{\"name\": \"galore\", \"hyperparams\": {\"lr\": 0.1}}", with: "{\"name\": \"\(name)\", \"hyperparams\": {\(extra)\"eps\": -1e-8}}")
            XCTAssertEqual(rejected(eps)?.contains("Invalid epsilon value: -1e-08 (torch requires eps >= 0)"), true, name)
        }
        let sgd = try write(replacing: "{\"name\": \"galore\", \"hyperparams\": {\"lr\": 0.1}}", with: "{\"name\": \"sgd\", \"hyperparams\": {\"momentum\": -0.9}}")
        XCTAssertEqual(rejected(sgd)?.contains("Invalid momentum value: -0.9"), true)
    }

    // MARK: - Other hostile files

    func testHostileFiles() throws {
        // Every registered trace optimizer, so a new paper's optimizer does not break the message.
        let registered = traceOptimizers.keys.sorted().joined(separator: ", ")
        let cases: [(String, String)] = [
            (try write(""), "reproduce: cannot read problem file '%@': the file is empty"),
            (try write("hello"), "reproduce: malformed problem: field '(file)': not valid JSON"),
            (try write("[1, 2, 3]"), "reproduce: malformed problem: field '(file)': expected an object"),
            (try write("null"), "reproduce: malformed problem: field '(file)': expected an object"),
            (try write(replacing: "\"lr\": 0.1", with: "\"lr\": NaN"), "reproduce: malformed problem: field '(file)': not valid JSON"),
            (try write(replacing: "\"lr\": 0.1", with: "\"lr\": Infinity"), "reproduce: malformed problem: field '(file)': not valid JSON"),
            (try write(replacing: "\"lr\": 0.1", with: "\"lr\": 1e400"), "reproduce: malformed problem: field '(file)': not valid JSON"),
            (try write(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)), "reproduce: malformed problem: field '(file)': not valid JSON"),
            (try write(replacing: "\"lr\": 0.1", with: "\"lr\": 1e39"),
             "reproduce: invalid hyperparameter 'lr' for optimizer 'galore' in field 'optimizer.hyperparams.lr': expected a number within the float32 range (magnitude below 3.4e38)"),
            (try write(replacing: "\"init\": [1, 0", with: "\"init\": [1e39, 0"),
             "reproduce: malformed problem: field 'params[0].init[0]': expected a number within the float32 range (magnitude below 3.4e38)"),
            (try write(replacing: "\"n\": 3", with: "\"n\": 1e-50"), "reproduce: malformed problem: field 'params[0].n': must be positive and within the float32 range"),
            (try write(replacing: "\"steps\": 3", with: "\"steps\": 3, \"steps\": 30"),
             "reproduce: malformed problem: field 'steps': given twice; each key of an object must appear once"),
            (try write(replacing: "\"rank\": 1", with: "\"rank\": 1, \"rank\": 2"),
             "reproduce: malformed problem: field 'params[0].group.rank': given twice; each key of an object must appear once"),
            (try write(replacing: "\"steps\": 3,", with: ""), "reproduce: malformed problem: field 'steps': missing"),
            (folder.path, "reproduce: cannot read problem file '%@': it is a folder"),
            (folder.appendingPathComponent("absent.json").path, "reproduce: cannot read problem file '%@': no such file"),
            ("", "reproduce: cannot read problem file '%@': no such file"),
            (try write(replacing: "\"name\": \"galore\"", with: "\"name\": \"Adam\""),
             "reproduce: unknown optimizer 'Adam' in field 'optimizer.name'; accepted: \(registered); did you mean 'adam' or 'adam8bit' or 'adamax'?"),
            (try write(replacing: "\"name\": \"galore\"", with: "\"name\": \"galor\""),
             "reproduce: unknown optimizer 'galor' in field 'optimizer.name'; accepted: \(registered); did you mean 'galore' or 'galore-plus' or 'q_galore'?"),
        ]
        for (path, message) in cases {
            XCTAssertEqual(rejected(path), message.replacingOccurrences(of: "%@", with: path))
        }
    }

    /// A bad `--out` is found before the run, and nothing is written.
    func testUnwritableOutput() throws {
        let path = try write()
        XCTAssertEqual(rejected(path, out: ""), "reproduce: cannot write '': the path is empty")
        XCTAssertEqual(rejected(path, out: folder.path), "reproduce: cannot write '\(folder.path)': it is a folder")
        let missing = folder.appendingPathComponent("no/such/out.json").path
        XCTAssertEqual(rejected(path, out: missing),
                       "reproduce: cannot write '\(missing)': its folder '\(folder.appendingPathComponent("no/such").path)' does not exist")
    }
}
