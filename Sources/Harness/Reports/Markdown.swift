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
        }
    }
}

/// Renders the report of an outcome.
///
/// - Throws: ``ReportError/missingExcerpt(name:paper:)`` (and the ambiguity error) from the
///   method section; nothing else can fail.
public func renderReport(_ outcome: PaperOutcome, environment: ReportEnvironment) throws -> String {
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

    var claims = "## Claims\n\n"
    claims += "Measured at **\(outcome.context.scale.rawValue)** scale, seed \(outcome.context.seed). "
    claims += "Each verdict is computed from the measurement by the rule stated below, fixed before the run.\n\n"
    claims += "| Claim | Statement | Source | Paper | Measured | Verdict |\n|---|---|---|---|---|---|\n"
    for c in outcome.claims {
        let cells = [c.claim.id, c.claim.statement, c.claim.source, c.claim.paperValue, c.judgement.measured, c.judgement.verdict.label]
        claims += "| " + cells.map(markdownCell).joined(separator: " | ") + " |\n"
    }
    for c in outcome.claims {
        claims += "\n### \(c.claim.id): \(c.judgement.verdict.label)\n\n"
        claims += "**Metric.** \(c.claim.metric)\n\n**Rule.** \(c.claim.rule)\n\n**Scaling.** \(c.claim.scaling)\n"
        if case .notTestable(let reason) = c.judgement.verdict, !c.claim.rule.contains(reason) {
            claims += "\n**Why not testable on CPU.** \(reason)\n"
        }
    }
    sections.append(claims.trimmingCharacters(in: .newlines))

    var method = "## Method\n\n" + paper.method.trimmingCharacters(in: .whitespacesAndNewlines)
    for excerpt in try excerpts(of: paper) {
        method += "\n\n### Code: `\(excerpt.name)`\n\nFrom `\(excerpt.file)`:\n\n```swift\n\(excerpt.code)\n```"
    }
    sections.append(method)

    let blocks = { (title: String, list: [ReportBlock]) -> String in
        ([title] + list.map { $0.markdown(slug: slug) }).joined(separator: "\n\n")
    }
    sections.append(blocks("## Setup", outcome.run.setup))
    sections.append(blocks("## Results", outcome.run.results))
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
        | Commit | \(markdownCell(environment.commit)) |
        """)
    return gitHubSafeMath(sections.joined(separator: "\n\n")) + "\n"
}
