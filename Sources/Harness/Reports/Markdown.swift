import Foundation

// # The literate report
//
// `Reports/<slug>.md` reads top to bottom: what the paper claims and whether it held, how the
// method works (with the code that ran), how the experiment was set up, what it measured, where
// it departs from the paper, how to re-run it, and on what machine. The text is a pure function
// of the outcome and the environment, so the same run gives the same bytes.

/// One Markdown table cell: pipes escaped, line breaks folded.
func markdownCell(_ text: String) -> String {
    text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
}

extension Table {
    /// The table as Markdown: the caption, then a pipe table.
    public var markdown: String {
        var lines = ["*Table: \(caption)*", ""]
        lines.append("| " + headers.map(markdownCell).joined(separator: " | ") + " |")
        lines.append("|" + String(repeating: "---|", count: headers.count))
        for row in rows {
            precondition(row.count == headers.count, "table \(caption): a row has \(row.count) cells, headers \(headers.count)")
            lines.append("| " + row.map(markdownCell).joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

extension Figure {
    /// The figure as Markdown for a report in `Reports/`: the SVG, then the caption with links to
    /// the data and the script.
    public func markdown(slug: String) -> String {
        let base = "figures/\(slug)/\(name)"
        return "![\(title)](\(base).svg)\n\n*\(caption)* (data: [\(name).dat](\(base).dat), script: [\(name).gp](\(base).gp))"
    }
}

extension ReportBlock {
    /// The block as Markdown for the report of `slug`.
    public func markdown(slug: String) -> String {
        switch self {
        case .text(let text): return text.trimmingCharacters(in: .newlines)
        case .table(let table): return table.markdown
        case .figure(let figure): return figure.markdown(slug: slug)
        case .details(let summary, let blocks):
            // Blank lines around the inner Markdown so GitHub renders it inside the block.
            return "<details>\n<summary>\(summary)</summary>\n\n" + blocks.map { $0.markdown(slug: slug) }.joined(separator: "\n\n") + "\n\n</details>"
        }
    }
}

/// Renders the report of an outcome, with the code excerpts from `excerpts` (the regions compiled
/// into this binary).
///
/// - Throws: ``ReportError/missingExcerpt(name:paper:)`` (and the ambiguity error) from the
///   method section; nothing else can fail.
public func renderReport(_ outcome: PaperOutcome, environment: ReportEnvironment, excerpts: ExcerptLibrary) throws -> String {
    let paper = outcome.paper, info = outcome.info, slug = info.slug
    var sections: [String] = []

    var head = "# \(info.title)\n\n"
    var links = ["**\(info.method)**", "family: \(info.family)"]
    if let arxiv = info.arxiv {
        links.append("arXiv [\(arxiv)](https://arxiv.org/abs/\(arxiv))")
        links.append("[PDF](https://arxiv.org/pdf/\(arxiv))")
    }
    if let code = info.code { links.append("[official code](\(code))") }
    head += links.joined(separator: " · ")
    head += "\n\n" + info.summary.trimmingCharacters(in: .whitespacesAndNewlines)
    sections.append(head)

    // A run without claims (the league) has no claims section.
    if !outcome.claims.isEmpty { sections.append(claimsSection(outcome)) }

    let blocks = { (title: String, list: [ReportBlock]) -> String in
        ([title] + list.map { $0.markdown(slug: slug) }).joined(separator: "\n\n")
    }
    sections.append(blocks("## Setup", outcome.run.setup))
    sections.append(blocks("## Results", outcome.run.results))
    let tuning = outcome.context.log.tuning
    if !tuning.isEmpty {
        let atEdge = tuning.filter { $0.edge != nil }
        var text = "## Tuning\n\nProtocol v2: every tuned arm gets the same kind of grid and selection seeds; a choice at a grid "
        text += "edge extends the grid by one step there (up to twice), and a choice still at an edge is flagged. "
        text += atEdge.isEmpty ? "No final choice sits at a grid edge." : "\(Format.counted(atEdge.count, "tuned arm")) still at an edge: "
            + atEdge.map { "\($0.claim) \($0.arm) (\($0.edge!))" }.joined(separator: ", ") + "."
        let rows = tuning.map { t -> [String] in
            [t.claim, t.arm, t.chosen, t.range.isEmpty ? "fixed" : t.range, "\(t.points)", "\(t.selectionSeeds)", "\(t.evaluationSeeds)",
             "\(t.extensions)", t.edge ?? "—", t.reachedTarget.map { $0 ? "yes" : "**no**" } ?? "—"]
        }
        let table = Table(caption: "Every tuned arm: chosen point, grid range after extension, seeds, and edge and target flags.",
                          headers: ["claim", "arm", "chosen", "grid range", "points", "selection seeds", "evaluation seeds",
                                    "extensions", "at edge", "target reached"], rows: rows)
        text += "\n\n" + ReportBlock.details("Tuning of \(Format.counted(tuning.count, "arm"))", [.table(table)]).markdown(slug: slug)
        sections.append(text)
    }

    var method = "## Method\n\n" + paper.method.trimmingCharacters(in: .whitespacesAndNewlines)
    for excerpt in try excerpts.excerpts(of: paper) {
        method += "\n\n### Code: `\(excerpt.name)`\n\nFrom `\(excerpt.file)`:\n\n```swift\n\(excerpt.code)\n```"
    }
    sections.append(method)
    sections.append("## Deviations from the paper\n\n" + paper.deviations.trimmingCharacters(in: .whitespacesAndNewlines))
    sections.append("## Reproduce\n\n```\n\(outcome.command)\n```")
    sections.append("""
        ## Environment

        | | |
        |---|---|
        | Swift | \(markdownCell(environment.swift)) |
        | OpenBLAS | \(markdownCell(environment.openBLAS)) |
        | gnuplot | \(markdownCell(environment.gnuplot)) |
        | CPU | \(markdownCell(environment.cpu)) |
        """)
    return gitHubSafeMath(sections.joined(separator: "\n\n")) + "\n"
}

/// The claims section: the table with verdicts, what they mean, the paper beside ours, and each
/// claim's rule with its history.
private func claimsSection(_ outcome: PaperOutcome) -> String {
    let paper = outcome.paper
    let hasHistory = outcome.claims.contains { !$0.claim.history.isEmpty }
    var claims = "## Claims\n\n"
    claims += "Measured at **\(outcome.context.scale.rawValue)** scale, seed \(outcome.context.seed). "
    claims += "Each verdict is computed from the measurement by the claim's rule (below), built from the harness's decision types"
    claims += hasHistory ? "; a rule changed after a run shows its earlier version, the verdict under it and why it changed.\n\n"
                         : " and fixed before the run.\n\n"
    claims += "| Claim | Statement | Verdict |\n|---|---|---|\n"
    for c in outcome.claims {
        claims += "| " + [c.claim.id, c.claim.statement, "**\(c.judgement.verdict.display)**"].map(markdownCell).joined(separator: " | ") + " |\n"
    }
    claims += "\n### What this means\n\n" + paper.meaning(outcome.claims).trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
    claims += "\n### Paper vs ours\n\n| Claim | Paper | Paper's setting | Ours | Our setting |\n|---|---|---|---|---|\n"
    for c in outcome.claims {
        let cells = [c.claim.id, c.claim.paperValue, c.claim.paperSetting, c.judgement.measured, c.claim.scaling]
        claims += "| " + cells.map(markdownCell).joined(separator: " | ") + " |\n"
    }
    for c in outcome.claims {
        claims += "\n### \(c.claim.id): \(c.judgement.verdict.display)\n\n"
        claims += "*Source: \(c.claim.source).*\n\n"
        claims += "**Metric.** \(c.claim.metric)\n\n**Rule.** \(c.claim.rule.text)\n"
        if case .notTestable(let reason) = c.judgement.verdict, !c.claim.rule.text.contains(reason) {
            claims += "\n**Why not testable on CPU.** \(reason)\n"
        }
        for change in c.claim.history {
            claims += "\n**Rule history (\(change.version)).** Earlier rule: \(change.rule) Verdict under it: \(change.verdict). Why it changed: \(change.why)\n"
        }
    }
    return claims.trimmingCharacters(in: .newlines)
}
