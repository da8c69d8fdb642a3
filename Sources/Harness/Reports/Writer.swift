import Foundation

/// Writes a paper's report, figures and ledger under a reports folder (`Reports/` by default):
///
///     <folder>/<slug>.md
///     <folder>/figures/<slug>/<figure>.{dat,gp,svg}
///     <folder>/data/<slug>.json
///
/// Everything is rendered in memory first (gnuplot runs in a private temporary folder); only then
/// is each file replaced atomically. A run that fails, or a figure gnuplot rejects, leaves the
/// previous files untouched.
public struct ReportWriter: Sendable {
    public var folder: URL
    public var gnuplot: Gnuplot
    public var environment: ReportEnvironment

    public init(folder: URL, gnuplot: Gnuplot, environment: ReportEnvironment) {
        self.folder = folder
        self.gnuplot = gnuplot
        self.environment = environment
    }

    /// Checks that `folder` (and its `data/` and `figures/`) can be created and written.
    ///
    /// - Throws: ``ReportError/unwritable(path:reason:)``.
    public static func checkWritable(_ folder: URL) throws {
        // Unique across machines too: shards on several nodes share one folder, and process ids
        // repeat from node to node.
        let probe = folder.appendingPathComponent(".reproduce-write-probe-\(getpid())-\(UUID().uuidString)")
        do {
            for sub in ["", "data", "figures"] {
                try FileManager.default.createDirectory(at: sub.isEmpty ? folder : folder.appendingPathComponent(sub),
                                                        withIntermediateDirectories: true)
            }
            try Data().write(to: probe)
            try FileManager.default.removeItem(at: probe)
        } catch {
            throw ReportError.unwritable(path: folder.path, reason: "the output folder is not writable")
        }
    }

    /// Renders and writes the report, figures and ledger of `outcome`.
    public func write(_ outcome: PaperOutcome) throws {
        let slug = outcome.info.slug
        let figures = outcome.figures
        let names = figures.map(\.name)
        if let bad = names.first(where: { $0.isEmpty || $0.contains("/") || $0.hasPrefix(".") }) {
            throw ReportError.malformedResults("\(slug): figure name '\(bad)' is not a plain file stem")
        }
        if Set(names).count != names.count {
            throw ReportError.malformedResults("\(slug): two figures share a name (\(names.joined(separator: ", ")))")
        }
        let report = try renderReport(outcome, environment: environment)
        let rendered = try figures.map(gnuplot.render)
        let ledger = Ledger.updating(try Ledger.load(slug: slug, from: folder), with: outcome)

        let figureFolder = folder.appendingPathComponent("figures").appendingPathComponent(slug)
        for figure in rendered {
            try AtomicFile.write(figure.data, to: figureFolder.appendingPathComponent(figure.name + ".dat"))
            try AtomicFile.write(figure.script, to: figureFolder.appendingPathComponent(figure.name + ".gp"))
            try AtomicFile.write(figure.svg, to: figureFolder.appendingPathComponent(figure.name + ".svg"))
        }
        removeStaleFigures(in: figureFolder, keeping: Set(names))
        try AtomicFile.write(report, to: folder.appendingPathComponent("\(slug).md"))
        try AtomicFile.write(ledger.encoded(), to: Ledger.url(slug: slug, in: folder))
        try writeTiming(outcome)
    }

    /// `<folder>/timing/<slug>.json`: wall-clock seconds per run of each arm, machine-dependent,
    /// kept apart from the byte-identical report and ledger (and out of git).
    func writeTiming(_ outcome: PaperOutcome) throws {
        let timing = outcome.context.log.timing
        guard !timing.isEmpty else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        struct File: Encodable {
            var note = "Wall-clock seconds on the machine that ran this; machine-dependent, not part of the byte-identical report or ledger."
            var platform: String
            var scale: String
            var arms: [TimingRecord]
        }
        let data = try encoder.encode(File(platform: ReportEnvironment.platform, scale: outcome.context.scale.rawValue, arms: timing))
        let url = folder.appendingPathComponent("timing").appendingPathComponent("\(outcome.info.slug).json")
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(data, to: url)
    }

    /// Removes figure files of figures the paper no longer draws, so the folder matches the report.
    private func removeStaleFigures(in figureFolder: URL, keeping names: Set<String>) {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: figureFolder.path) else { return }
        for file in files {
            let url = figureFolder.appendingPathComponent(file)
            guard ["dat", "gp", "svg"].contains(url.pathExtension),
                  !names.contains(url.deletingPathExtension().lastPathComponent) else { continue }
            try? FileManager.default.removeItem(at: url)
        }
        if names.isEmpty, (try? FileManager.default.contentsOfDirectory(atPath: figureFolder.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: figureFolder)
        }
    }
}
