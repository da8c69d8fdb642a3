import Foundation

// # The index
//
// `Reports/README.md` is rebuilt from the ledgers and the registry, never edited by hand:
// verdict counts, then one table per family in registry order.

/// The verdict labels in the order the index counts them.
private let verdictOrder = ["reproduced", "not reproduced", "inconclusive", "not testable on CPU", "not run"]

/// The index entry of one registered paper.
public struct IndexEntry: Sendable {
    public var info: PaperInfo
    /// The paper's claim ids, in its order.
    public var claimIDs: [String]
    /// Its ledger, if it has been run.
    public var ledger: Ledger?

    public init(info: PaperInfo, claimIDs: [String], ledger: Ledger?) {
        self.info = info
        self.claimIDs = claimIDs
        self.ledger = ledger
    }

    /// The full-scale entry, else the quick one, with its scale.
    public var latest: (scale: Scale, entry: Ledger.Entry)? {
        if let full = ledger?.full { return (.full, full) }
        if let quick = ledger?.quick { return (.quick, quick) }
        return nil
    }

    /// Each claim's verdict label at the latest scale (`not run` for claims the ledger lacks),
    /// with an inconclusive verdict's reason.
    public var verdicts: [(id: String, label: String, display: String)] {
        let records = latest?.entry.claims ?? []
        return claimIDs.map { id in
            let r = records.first { $0.id == id }
            return (id, r?.verdict ?? "not run", r?.display ?? "not run")
        }
    }
}

/// Renders `Reports/README.md` for the registered papers, in registry order, with a link to the
/// optimizer league when its ledger exists.
public func renderIndex(_ entries: [IndexEntry], league: Bool = false) -> String {
    var counts = [Int](repeating: 0, count: verdictOrder.count)
    for entry in entries {
        for verdict in entry.verdicts {
            counts[verdictOrder.firstIndex(of: verdict.label) ?? verdictOrder.count - 1] += 1
        }
    }
    var text = """
        # Reports

        One literate report per reproduced paper, written by `reproduce run`. Verdicts come from the \
        ledgers in [`data/`](data/); rebuild this page with `reproduce index`.

        ## Verdicts

        | Verdict | Claims |
        |---|---|

        """
    if league {
        text = text.replacingOccurrences(of: "\n\n## Verdicts", with: """
             The [optimizer league](league.md) ranks every registered optimizer on the standard tasks.

            ## Verdicts
            """)
    }
    for (label, count) in zip(verdictOrder, counts) { text += "| \(label) | \(count) |\n" }
    text += "\nCounts are at full scale; a paper with only a quick-scale run is counted at quick scale.\n"
    var reasons = [String: Int]()
    for entry in entries { for v in entry.verdicts where v.label == "inconclusive" { reasons[v.display, default: 0] += 1 } }
    if !reasons.isEmpty {
        text += "\n| Inconclusive, by reason | Claims |\n|---|---|\n"
        for reason in InconclusiveReason.allCases {
            if let n = reasons["inconclusive (\(reason.rawValue))"] { text += "| \(reason.rawValue) | \(n) |\n" }
        }
    }

    var families: [String] = []
    for entry in entries where !families.contains(entry.info.family) { families.append(entry.info.family) }
    for family in families {
        text += "\n## \(family)\n\n| Paper | Method | Verdicts | Scale |\n|---|---|---|---|\n"
        for entry in entries where entry.info.family == family {
            let info = entry.info
            var paper = entry.latest == nil ? markdownCell(info.title) : "[\(markdownCell(info.title))](\(info.slug).md)"
            if let arxiv = info.arxiv { paper += " · [arXiv](https://arxiv.org/abs/\(arxiv))" }
            if let code = info.code { paper += " · [code](\(code))" }
            let verdicts = entry.verdicts.map { "\($0.id) \($0.display)" }.joined(separator: "; ")
            let scale = entry.latest.map { "[\($0.scale.rawValue)](data/\(info.slug).json)" } ?? "—"
            text += "| \(paper) | \(markdownCell(info.method)) | \(markdownCell(verdicts)) | \(scale) |\n"
        }
    }
    return text
}

/// Rebuilds `<folder>/README.md` from the ledgers of `papers`.
public func writeIndex(papers: [any Paper], folder: URL) throws {
    let entries = try papers.map { paper in
        IndexEntry(info: paper.info, claimIDs: paper.claims.map(\.id), ledger: try Ledger.load(slug: paper.info.slug, from: folder))
    }
    let league = FileManager.default.fileExists(atPath: Ledger.url(slug: "league", in: folder).path)
    try AtomicFile.write(renderIndex(entries, league: league), to: folder.appendingPathComponent("README.md"))
}
