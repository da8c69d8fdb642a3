import ArgumentParser
import Foundation
import Harness

/// `reproduce league [--only a,b] [--tasks t1,t2]`: every registered optimizer on the standard
/// tasks, tuned alike; writes `Reports/league.md`, its figures and `Reports/data/league.json`.
struct LeagueCommand: ReproduceCommand, KernelSelecting {
    static let configuration = CommandConfiguration(
        commandName: "league",
        abstract: "Rank every registered optimizer on the standard tasks under one tuning protocol; write Reports/league.md.")

    @Option(help: "Only these optimizers, comma-separated (default: all; see the league report's list).")
    var only: String?

    @Option(help: "Only these tasks, comma-separated keys (default: all).")
    var tasks: String?

    @OptionGroup var options: RunOptions
    var kernel: KernelOptions { options.kernel }

    func execute(in environment: CLIEnvironment) throws -> Int32 {
        _ = try options.parsedScale()
        let jobs = try options.parsedJobs(default: environment.processors)
        let league = try makeLeague(environment.leagueEntries, only: only, tasks: tasks, jobs: jobs)
        // One "paper": the league spreads its tasks over the jobs itself.
        return try runPapers([league], options: options, environment: environment)
    }
}

/// The league narrowed by `--only` and `--tasks`.
///
/// - Throws: ``BadInput`` naming an unknown optimizer or task and the accepted names.
func makeLeague(_ entries: [LeagueEntry], only: String?, tasks: String?, jobs: Int) throws -> League {
    guard !entries.isEmpty else { throw BadInput("no optimizers are registered for the league") }
    func names(_ text: String?, option: String, among accepted: [String]) throws -> [String]? {
        guard let text else { return nil }
        let list = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !list.isEmpty else { throw BadInput("bad --\(option) '\(text)': expected comma-separated names") }
        for name in list where !accepted.contains(name) {
            let close = closeMatches(name, among: accepted)
            let hint = close.isEmpty ? "" : "; did you mean \(close.joined(separator: ", "))?"
            throw BadInput("unknown \(option == "only" ? "optimizer" : "task") '\(name)' in --\(option)\(hint) (accepted: \(accepted.joined(separator: ", ")))")
        }
        return list
    }
    let chosen = try names(only, option: "only", among: entries.map(\.name))
    let chosenTasks = try names(tasks, option: "tasks", among: LeagueRegistry.tasks.map(\.key))
    // Registry order whatever order the names were given in, so the same set gives the same report.
    let kept = entries.filter { chosen?.contains($0.name) ?? true }
    let keptTasks = LeagueRegistry.tasks.filter { chosenTasks?.contains($0.key) ?? true }
    var selection: [String] = []
    if chosen != nil { selection += ["--only", kept.map(\.name).joined(separator: ",")] }
    if chosenTasks != nil { selection += ["--tasks", keptTasks.map(\.key).joined(separator: ",")] }
    return League(entries: kept, tasks: keptTasks, jobs: jobs, selection: selection)
}
