import Foundation

// # The league's report: setup (protocol, tasks, targets, optimizers), then the rank summary, the
// performance profile, and one section per task (standings table, loss curves folded away).

extension League {
    func setupBlocks(_ tasks: [(LeagueTask, StandardTask)], context: RunContext, grid: [Double],
                     selectionSeeds: Int, evaluationSeeds: Int) -> [ReportBlock] {
        var text = "**Protocol.** \(Format.counted(entries.count, "optimizer")), each tuned over the learning rates "
        text += grid.map { Format.compact($0, 2) }.joined(separator: ", ")
        text += " (extended by one step at an edge the choice lands on, up to twice) with \(Format.counted(selectionSeeds, "selection seed")), "
        text += "then re-run at the chosen point on \(Format.counted(evaluationSeeds, "evaluation seed"))."
        let targets = Table(
            caption: "The tasks: what is judged, what selects, and the training-loss target of the time to result (fixed before the first run).",
            headers: ["task", "judged (lower is better)", "selected on", "target (training loss)"],
            rows: tasks.map { task, standard in
                [standard.label, task.judged, task.selection, "≤ " + Format.compact(context.pick(quick: task.target.quick, full: task.target.full), 3)]
            })
        let optimizers = Table(caption: "The optimizers, where each is registered, and what to know about it here.",
                               headers: ["optimizer", "registered by", "remark"],
                               rows: entries.map { [$0.name, $0.source == "harness" ? "harness baseline" : "[\($0.source)](\($0.source).md)", $0.arm.remark ?? ""] })
        return [.text(text), .table(targets), .table(optimizers)] + tasks.map { .text($0.1.setup) }
    }

    func resultBlocks(_ perTask: [(LeagueTask, StandardTask, ExperimentResult, [LeagueStanding])], context: RunContext) -> [ReportBlock] {
        var blocks: [ReportBlock] = []
        // Rank summary across tasks.
        let names = entries.map(\.name)
        let rows = names.map { name -> (String, Double, [String]) in
            let mine = perTask.compactMap { $0.3.first { $0.optimizer == name } }
            let meanRank = Statistics.mean(mine.map { Double($0.rank) })
            let firsts = mine.filter { $0.rank == 1 }.count
            let solved = mine.filter { $0.gradientEvaluationsToTarget.isFinite }.count
            let diverged = mine.map(\.diverged).reduce(0, +), runs = mine.map(\.evaluations).reduce(0, +)
            return (name, meanRank, [name, Format.fixed(meanRank, 2), "\(firsts)", "\(solved) of \(mine.count)", "\(diverged)/\(runs)"])
        }.sorted { ($0.1, names.firstIndex(of: $0.0)!) < ($1.1, names.firstIndex(of: $1.0)!) }
        blocks.append(.table(Table(
            caption: "Rank summary: mean rank over the tasks (1 is best; optimizers whose intervals overlap share a rank), tasks ranked first (ties included), tasks whose target was reached, and diverged evaluation runs.",
            headers: ["optimizer", "mean rank", "ranked first", "target reached", "diverged"], rows: rows.map(\.2))))

        // Performance profile over gradient evaluations to target.
        let taus = stride(from: 0.0, through: 5.0, by: 0.25).map { pow(2, $0) }
        let costs = perTask.map { entry in names.map { name in entry.3.first { $0.optimizer == name }?.gradientEvaluationsToTarget ?? .infinity } }
        let profile = Self.profile(costs, taus: taus)
        blocks.append(.figure(Figure(
            name: "performance-profile", title: "Performance profile: gradient evaluations to the target",
            xLabel: "τ (times the fewest gradient evaluations any optimizer needed on the task)", yLabel: "fraction of tasks solved",
            series: names.indices.map { Series(names[$0], x: taus, y: profile[$0], style: .steps) }, logX: true,
            caption: "ρ(τ): the fraction of tasks an optimizer reaches the target on within τ times the best optimizer's gradient evaluations there. Higher and further left is better; the value at τ = 1 is the share of tasks on which it was fastest, the value at the right edge the share it solved at all.")))

        for (task, standard, result, standings) in perTask {
            blocks.append(.text("#### \(standard.label)"))
            var headers = ["optimizer", "chosen", "\(task.judged) (mean ± 95% CI)"]
            let withAccuracy = standings.contains { $0.testAccuracy != nil }
            if withAccuracy { headers.append("test accuracy (mean ± 95% CI)") }
            headers += ["rank", "steps to target", "gradient evaluations to target", "state bytes", "diverged"]
            // Best rank first; within a rank, by the mean (then registry order, for equal means).
            let ordered = standings.sorted {
                ($0.rank, $0.judged.mean.isNaN ? .infinity : $0.judged.mean, names.firstIndex(of: $0.optimizer)!)
                    < ($1.rank, $1.judged.mean.isNaN ? .infinity : $1.judged.mean, names.firstIndex(of: $1.optimizer)!)
            }
            let table = ordered.map { s -> [String] in
                var row = [s.optimizer, s.chosen, s.judged.formatted]
                if withAccuracy { row.append(s.testAccuracy?.formatted ?? "—") }
                row += ["\(s.rank)", s.stepsToTarget.isFinite ? "\(Int(s.stepsToTarget))" : "not reached",
                        s.gradientEvaluationsToTarget.isFinite ? "\(Int(s.gradientEvaluationsToTarget))" : "not reached",
                        "\(s.stateBytes)", "\(s.diverged)/\(s.evaluations)"]
                return row
            }
            let target = Format.compact(context.pick(quick: task.target.quick, full: task.target.full), 3)
            blocks.append(.table(Table(caption: "\(standard.label): each optimizer at its chosen learning rate over \(Format.counted(result.evaluationSeeds, "evaluation seed")), best rank first; target: training loss ≤ \(target).",
                                       headers: headers, rows: table)))
            blocks.append(.details("Training loss curves and the learning-rate sweep on \(standard.label)", [
                .figure(ExperimentReport.lossFigure(result.arms, name: task.key, title: "\(standard.label): training loss",
                                                   caption: "Mean training loss of each optimizer at its chosen learning rate, with the 95% band over evaluation seeds.")),
                .table(ExperimentReport.sweepTable(result.arms, rule: .lowest(task.selection))),
            ]))
        }
        return blocks
    }
}
