import ArgumentParser
import Foundation
import Harness
import Papers

/// `reproduce trace --problem FILE [--out FILE]`: one optimizer on a small problem, written as
/// the trajectory JSON of the reference set (`loss` and `params` after every step).
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Run one optimizer on a small least-squares or Rosenbrock problem and print its trajectory as JSON."
    )

    @Option(name: .long, help: "The problem file (JSON: objective, params, optimizer name and hyperparams).")
    var problem: String

    @Option(name: .long, help: "Write the trajectory JSON to this file instead of standard output.")
    var out: String?

    func run() throws {
        do {
            let json = try TraceCommand.trace(problemPath: problem)
            if let out {
                // Write beside the target and rename, so a failure never leaves half a file.
                let url = URL(fileURLWithPath: out)
                do {
                    try Data(json.utf8).write(to: url, options: .atomic)
                } catch {
                    throw TraceError.unwritable(path: out, reason: "does its folder exist and is it writable?")
                }
            } else {
                print(json, terminator: "")
            }
        } catch let error as TraceError {
            FileHandle.standardError.write(Data("reproduce trace: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Reads, parses and runs a problem file; returns the trajectory JSON.
    static func trace(problemPath: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: problemPath))
        } catch {
            throw TraceError.unreadable(path: problemPath, reason: "no such readable file")
        }
        return try TraceProblem.parse(data).run(optimizers: traceOptimizers).json()
    }
}
