import Foundation

/// Writes a paper's report, figures and ledger under a reports folder (`Reports/` by default):
///
///     <folder>/<slug>.md
///     <folder>/figures/<slug>/<figure>.{dat,gp,svg}
///     <folder>/data/<slug>.json
///     <folder>/timing/<slug>.json        (wall time, machine-dependent, not committed)
///
/// A paper's files are one unit. Everything is rendered first, into a staging folder
/// `<folder>/.staging/<slug>/` (gnuplot's scratch files included, never the system's temporary
/// folder); then a manifest is written there, atomically, as the commit point; then each file is
/// renamed into place and the staging folder removed. An interruption before the manifest leaves
/// the published files untouched and the next run deletes the staging folder (roll back); an
/// interruption after it is finished by the next run (roll forward, ``recover(_:)``). A run that
/// fails, a figure gnuplot rejects, or a full disk while staging leaves the previous files as they
/// were. Only one process writes a folder at a time (``OutputLock``).
public struct ReportWriter: Sendable {
    public var folder: URL
    public var gnuplot: Gnuplot
    public var environment: ReportEnvironment
    /// The code excerpts compiled into this binary.
    public var excerpts: ExcerptLibrary

    public init(folder: URL, gnuplot: Gnuplot, environment: ReportEnvironment, excerpts: ExcerptLibrary) {
        self.folder = folder
        self.gnuplot = gnuplot
        self.environment = environment
        self.excerpts = excerpts
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

    /// Renders `outcome` and publishes its report, figures, ledger and timing as one unit.
    public func write(_ outcome: PaperOutcome) throws {
        let slug = outcome.info.slug
        let names = outcome.figures.map(\.name)
        if let bad = names.first(where: { $0.isEmpty || $0.contains("/") || $0.hasPrefix(".") }) {
            throw ReportError.malformedResults("\(slug): figure name '\(bad)' is not a plain file stem")
        }
        if Set(names).count != names.count {
            throw ReportError.malformedResults("\(slug): two figures share a name (\(names.joined(separator: ", ")))")
        }
        let report = try renderReport(outcome, environment: environment, excerpts: excerpts)
        let ledger = Ledger.updating(try Ledger.load(slug: slug, from: folder), with: outcome)

        let staging = Staging(folder: folder, slug: slug)
        try staging.reset()
        do {
            let scratch = staging.root.appendingPathComponent(".scratch")
            var files: [String: Data] = [:]
            for figure in try outcome.figures.map({ try gnuplot.render($0, scratch: scratch) }) {
                let stem = "figures/\(slug)/\(figure.name)"
                files[stem + ".dat"] = Data(figure.data.utf8)
                files[stem + ".gp"] = Data(figure.script.utf8)
                files[stem + ".svg"] = figure.svg
            }
            files["\(slug).md"] = Data(report.utf8)
            files["data/\(slug).json"] = ledger.encoded()
            if let timing = try timingFile(outcome) { files["timing/\(slug).json"] = timing }
            try? FileManager.default.removeItem(at: scratch)
            for (path, data) in files { try staging.stage(data, at: path) }
            try staging.commit(Manifest(files: files.keys.sorted(), figures: names.sorted()))
        } catch {
            try? FileManager.default.removeItem(at: staging.root)
            throw error
        }
        try staging.publish()
    }

    /// `timing/<slug>.json`: wall-clock seconds per run of each arm, machine-dependent, kept apart
    /// from the byte-identical report and ledger (and out of git); `nil` when nothing was timed.
    func timingFile(_ outcome: PaperOutcome) throws -> Data? {
        let timing = outcome.context.log.timing
        guard !timing.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        struct File: Encodable {
            var note = "Wall-clock seconds on the machine that ran this; machine-dependent, not part of the byte-identical report or ledger."
            var platform: String
            var scale: String
            var arms: [TimingRecord]
        }
        return try encoder.encode(File(platform: ReportEnvironment.platform, scale: outcome.context.scale.rawValue, arms: timing))
    }

    /// Finishes or undoes what an interrupted run left in `folder`: publishes every staged paper
    /// whose manifest was written, deletes every other staging folder, and removes stale
    /// temporary files (`.*.tmp`) of atomic writes. Call it holding the folder's ``OutputLock``.
    /// With `only` (a shard's papers, under a shared lock) just those papers' staging folders are
    /// recovered and temporaries are left to the next exclusive run.
    ///
    /// - Returns: the slugs published now (their previous run was interrupted after its commit point).
    @discardableResult
    public static func recover(_ folder: URL, only slugs: [String]? = nil) throws -> [String] {
        let fm = FileManager.default
        let stagingRoot = folder.appendingPathComponent(Staging.folderName)
        var finished: [String] = []
        let staged = ((try? fm.contentsOfDirectory(atPath: stagingRoot.path)) ?? []).sorted()
        for slug in staged where slugs?.contains(slug) ?? true {
            let staging = Staging(folder: folder, slug: slug)
            if fm.fileExists(atPath: staging.manifest.path) {
                try staging.publish()
                finished.append(slug)
            } else {
                try? fm.removeItem(at: staging.root)
            }
        }
        rmdir(stagingRoot.path)  // only when empty
        guard slugs == nil else { return finished }
        var folders = [folder, folder.appendingPathComponent("data"), folder.appendingPathComponent("timing")]
        let figures = folder.appendingPathComponent("figures")
        folders += ((try? fm.contentsOfDirectory(atPath: figures.path)) ?? []).map { figures.appendingPathComponent($0) }
        for dir in folders {
            for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where AtomicFile.isTemporary(name) {
                try? fm.removeItem(at: dir.appendingPathComponent(name))
            }
        }
        return finished
    }
}

/// What a staged paper publishes: its files (relative to the reports folder) and the names of its
/// figures (any other figure file in its folder is stale and removed).
struct Manifest: Codable, Equatable {
    var files: [String]
    var figures: [String]
}

/// A paper's staging folder, `<folder>/.staging/<slug>/`, mirroring the layout of the reports folder.
struct Staging {
    static let folderName = ".staging"
    var folder: URL
    var slug: String

    var root: URL { folder.appendingPathComponent(Self.folderName).appendingPathComponent(slug) }
    /// The commit point: once this file exists the paper is published, now or by the next run.
    var manifest: URL { root.appendingPathComponent("MANIFEST.json") }

    /// Serialises creating a staging folder with removing the emptied `.staging` parent, for the
    /// papers a process writes side by side.
    private static let parentLock = NSLock()

    /// An empty staging folder (a leftover of an interrupted run is discarded).
    func reset() throws {
        try? FileManager.default.removeItem(at: root)
        Self.parentLock.lock()
        defer { Self.parentLock.unlock() }
        // Shards of a fan-out share the folder: another process may remove the emptied `.staging`
        // between our creating it and our folder inside it, so try again.
        for attempt in 1...5 {
            do {
                try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
                return
            } catch {
                if attempt == 5 { throw ReportError.unwritable(path: root.path, reason: describeIOError(error)) }
            }
        }
    }

    func stage(_ data: Data, at path: String) throws {
        try AtomicFile.write(data, to: root.appendingPathComponent(path))
    }

    func commit(_ manifest: Manifest) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(manifest), to: self.manifest)
    }

    /// Moves every staged file into place, removes the paper's stale figures, then the staging
    /// folder. Idempotent: a file already moved is skipped, so an interrupted publish resumes.
    func publish() throws {
        let fm = FileManager.default
        let manifest: Manifest
        do { manifest = try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: self.manifest)) } catch {
            throw ReportError.unwritable(path: self.manifest.path, reason: "unreadable staging manifest")
        }
        for path in manifest.files {
            let staged = root.appendingPathComponent(path)
            guard fm.fileExists(atPath: staged.path) else { continue }
            let target = folder.appendingPathComponent(path)
            do { try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
                throw ReportError.unwritable(path: target.deletingLastPathComponent().path, reason: describeIOError(error))
            }
            if rename(staged.path, target.path) != 0 {
                throw ReportError.unwritable(path: target.path, reason: String(cString: strerror(errno)))
            }
        }
        removeStaleFigures(keeping: Set(manifest.figures))
        try? fm.removeItem(at: root)
        Self.parentLock.lock()
        rmdir(root.deletingLastPathComponent().path)  // only when no other paper is staging
        Self.parentLock.unlock()
    }

    /// Removes figure files of figures the paper no longer draws, so the folder matches the report.
    private func removeStaleFigures(keeping names: Set<String>) {
        let figureFolder = folder.appendingPathComponent("figures").appendingPathComponent(slug)
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

/// The one-line reason of a Foundation file error (`No space left on device`), without its
/// framework decoration.
func describeIOError(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    return ns.localizedDescription
}
