import Foundation

// # The results ledger
//
// `Reports/data/<slug>.json` keeps, for each scale, every claim's verdict and every metric the
// experiment recorded, in recorded order. It is what `verify` compares a fresh quick-scale run
// against and what the index counts. JSON with sorted keys, pretty-printed, one trailing newline:
// the same outcome always gives the same bytes.

/// A paper's committed results at both scales.
public struct Ledger: Codable, Equatable, Sendable {
    public var slug: String
    public var title: String
    public var family: String
    /// The last quick-scale run, if any.
    public var quick: Entry?
    /// The last full-scale run, if any.
    public var full: Entry?

    /// The results of one run at one scale.
    public struct Entry: Codable, Equatable, Sendable {
        /// The global seed of the run.
        public var seed: UInt64
        /// The `--seeds` override, or `nil` for the paper's own choice.
        public var seeds: Int?
        public var claims: [ClaimRecord]
        /// Every metric in recorded order.
        public var metrics: [Metric]
        /// The compiler, OpenBLAS kernel and CPU that produced the numbers
        /// (``ReportEnvironment/platform``). `verify` on the same platform demands identical
        /// numbers; elsewhere each metric's tolerance applies.
        public var platform: String?
        /// Every tuned arm: chosen point, grid range, edge flag (protocol v2; nil in older ledgers).
        public var tuning: [TuningRecord]?

        public init(seed: UInt64, seeds: Int?, claims: [ClaimRecord], metrics: [Metric], platform: String? = nil,
                    tuning: [TuningRecord]? = nil) {
            self.seed = seed
            self.seeds = seeds
            self.claims = claims
            self.metrics = metrics
            self.platform = platform
            self.tuning = tuning
        }
    }

    /// One claim's judgement.
    public struct ClaimRecord: Codable, Equatable, Sendable {
        public var id: String
        /// ``Verdict/label``.
        public var verdict: String
        /// The reason when the verdict is `inconclusive` (one of ``InconclusiveReason``) or
        /// `not testable on CPU`.
        public var reason: String?
        public var measured: String

        public init(id: String, verdict: String, reason: String?, measured: String) {
            self.id = id
            self.verdict = verdict
            self.reason = reason
            self.measured = measured
        }

        /// The verdict, parsed back from its label.
        public var parsedVerdict: Verdict? { Verdict(label: verdict, reason: reason) }

        /// The verdict as the index shows it: `"inconclusive (underpowered)"`.
        public var display: String { parsedVerdict?.display ?? verdict }
    }

    public init(slug: String, title: String, family: String, quick: Entry? = nil, full: Entry? = nil) {
        self.slug = slug
        self.title = title
        self.family = family
        self.quick = quick
        self.full = full
    }

    /// The entry for a scale.
    public subscript(scale: Scale) -> Entry? {
        get { scale == .quick ? quick : full }
        set { if scale == .quick { quick = newValue } else { full = newValue } }
    }

    /// `existing` (if any) with the outcome's scale replaced and the other scale kept.
    public static func updating(_ existing: Ledger?, with outcome: PaperOutcome) -> Ledger {
        let info = outcome.info
        var ledger = existing ?? Ledger(slug: info.slug, title: info.title, family: info.family)
        ledger.slug = info.slug
        ledger.title = info.title
        ledger.family = info.family
        ledger[outcome.context.scale] = Entry(outcome)
        return ledger
    }

    /// The ledger as committed: pretty JSON with sorted keys and a trailing newline.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // Encoding plain structs of strings and numbers cannot fail.
        var data = try! encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Decodes a committed ledger.
    public static func decode(_ data: Data) throws -> Ledger {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(Ledger.self, from: data)
    }

    /// `<folder>/data/<slug>.json`.
    public static func url(slug: String, in folder: URL) -> URL {
        folder.appendingPathComponent("data").appendingPathComponent("\(slug).json")
    }

    /// Reads the ledger of `slug` under the reports folder; `nil` when there is none.
    ///
    /// - Throws: ``ReportError/badLedger(path:reason:)`` when the file exists but does not decode.
    public static func load(slug: String, from folder: URL) throws -> Ledger? {
        let url = url(slug: slug, in: folder)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        do { return try decode(data) } catch {
            throw ReportError.badLedger(path: url.standardizedFileURL.path, reason: describeDecodingFailure(error, bytes: data.count))
        }
    }

    /// One line on why a ledger did not decode: empty, not JSON, or which field is missing or wrong.
    static func describeDecodingFailure(_ error: Error, bytes: Int) -> String {
        if bytes == 0 { return "the file is empty" }
        func field(_ path: [CodingKey]) -> String {
            path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not valid JSON" : "bad value at \(field(context.codingPath))"
        case .keyNotFound(let key, let context)?:
            return "missing field \(field(context.codingPath + [key]))"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "wrong type at \(field(context.codingPath))"
        default:
            return "not a ledger"
        }
    }
}

extension Ledger.Entry {
    /// The entry recording an outcome.
    public init(_ outcome: PaperOutcome) {
        self.init(
            seed: outcome.context.seed, seeds: outcome.context.seedsOverride,
            claims: outcome.claims.map { c in
                Ledger.ClaimRecord(id: c.claim.id, verdict: c.judgement.verdict.label, reason: c.judgement.verdict.reason,
                                   measured: c.judgement.measured)
            },
            metrics: outcome.run.evidence.metrics,
            platform: ReportEnvironment.platform,
            tuning: outcome.context.log.tuning)
    }
}
