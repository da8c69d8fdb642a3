import ArgumentParser
import Foundation
import Harness
import Papers

// # The `reproduce` command line
//
// The entry point is written by hand around `parseAsRoot` so that every kind of bad input
// (unknown option, malformed value, unknown paper, bad shard, missing gnuplot, unwritable output
// folder) ends the same way: one line on stderr and exit code 2, before anything is written.
// Commands run against a ``CLIEnvironment`` so tests can inject papers, gnuplot and streams.

/// What the commands run against: the papers, the tools, and where text goes.
struct CLIEnvironment {
    /// The registered papers (the registry, or a test's fakes).
    var papers: [any Paper]
    /// The gnuplot executable, by name (looked up on `PATH`) or path.
    var gnuplot: String = "gnuplot"
    /// The environment section of reports; `nil` reads the machine's.
    var reportEnvironment: ReportEnvironment?
    /// Progress lines for long runs.
    var progress: Harness.Progress = .silent
    /// The number of papers run in parallel when `--jobs` is not given.
    var processors: Int = ProcessInfo.processInfo.activeProcessorCount
    /// The code excerpts reports show: those compiled into this binary (or a test's).
    var excerpts: ExcerptLibrary = compiledExcerpts
    /// The optimizers of `reproduce league` (none in tests that do not set them: no league then).
    var leagueEntries: [LeagueEntry] = []
    /// A line on standard output.
    var output: (String) -> Void
    /// A line on standard error.
    var errors: (String) -> Void

    /// The real registry, terminal progress and the process's streams.
    static func live() -> CLIEnvironment {
        CLIEnvironment(
            papers: registry, progress: .terminal(), leagueEntries: Papers.leagueEntries,
            output: { print($0) },
            errors: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
    }
}

/// Bad input: printed as `reproduce: <message>` on one line, exit code 2.
struct BadInput: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// Exit codes: 0 ok, 1 a verification (or an experiment) failed, 2 bad input or an I/O failure
/// (an unwritable or full output folder, an unreadable ledger, a folder another run is writing).
enum Exit {
    static let ok: Int32 = 0
    static let failed: Int32 = 1
    static let badInput: Int32 = 2
}

/// A subcommand that runs against an injected environment and returns its exit code.
protocol ReproduceCommand: ParsableCommand {
    func execute(in environment: CLIEnvironment) throws -> Int32
}

extension ReproduceCommand {
    mutating func run() throws {
        let code = try execute(in: .live())
        if code != Exit.ok { throw ExitCode(code) }
    }
}

/// The root command.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Re-derive the claims of optimization papers on a CPU and write literate reports.",
        discussion: "Exit codes: 0 ok, 1 a verification or an experiment failed, 2 bad input or an I/O failure (unwritable or full output folder, unreadable ledger, output folder in use by another run).",
        subcommands: [
            ListCommand.self,
            RunCommand.self,
            AllCommand.self,
            IndexCommand.self,
            VerifyCommand.self,
            TraceCommand.self,
            LeagueCommand.self,
            PlatformCommand.self,
        ])

    /// True when `arguments` parse to a command given `--native-blas`. Parsing has no side
    /// effects, so `main` asks this before deciding whether to pin OpenBLAS's kernel.
    static func requestsNativeBLAS(_ arguments: [String]) -> Bool {
        guard let command = try? parseAsRoot(arguments) as? KernelSelecting else { return false }
        return command.kernel.nativeBLAS
    }

    /// Parses `arguments` (without the program name), runs the command, and returns the exit code.
    static func invoke(_ arguments: [String], environment: CLIEnvironment) -> Int32 {
        let command: ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            return report(error, environment: environment)
        }
        do {
            if let command = command as? ReproduceCommand { return try command.execute(in: environment) }
            var other = command
            try other.run()
            return Exit.ok
        } catch {
            return report(error, environment: environment)
        }
    }

    /// Maps an error to its exit code, printing help in full and anything else as one line.
    private static func report(_ error: Error, environment: CLIEnvironment) -> Int32 {
        if let bad = error as? BadInput {
            environment.errors("reproduce: \(bad.message)")
            return Exit.badInput
        }
        if let io = error as? ReportError {
            environment.errors("reproduce: \(io)")
            return Exit.badInput
        }
        if let exit = error as? ExitCode { return exit.rawValue }
        let code = exitCode(for: error)
        if code == .success {
            environment.output(fullMessage(for: error))
            return Exit.ok
        }
        let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        if code == .validationFailure {
            environment.errors("reproduce: \(message) (see reproduce --help)")
            return Exit.badInput
        }
        environment.errors("reproduce: \(message)")
        return Exit.failed
    }
}
