/// A piece of a report's setup or results section.
public enum ReportBlock: Sendable {
    /// Markdown prose.
    case text(String)
    /// A table.
    case table(Table)
    /// A gnuplot figure, rendered to SVG with its `.gp` script and `.dat` data beside it.
    case figure(Figure)
    /// Long diagnostics, folded in a collapsible `<details>` block under a one-line summary.
    case details(String, [ReportBlock])

    /// The figures of this block, nested ones included, in reading order.
    public var figures: [Figure] {
        switch self {
        case .figure(let f): return [f]
        case .details(_, let blocks): return blocks.flatMap(\.figures)
        default: return []
        }
    }
}

/// A Markdown table.
public struct Table: Sendable {
    public var caption: String
    public var headers: [String]
    public var rows: [[String]]

    public init(caption: String, headers: [String], rows: [[String]]) {
        self.caption = caption
        self.headers = headers
        self.rows = rows
    }
}

/// One line (or set of points) in a figure.
public struct Series: Sendable {
    public var title: String
    /// The points, in plotting order.
    public var x: [Double]
    public var y: [Double]
    /// Optional half-width of an error band around `y` (e.g. a 95% interval), drawn as a shaded band.
    public var band: [Double]?
    /// `lines`, `points` or `linespoints`.
    public var style: Style
    /// Points whose value is censored (a diverged run drawn at a cap: "at least this bad"); they
    /// get an open marker and their own legend entry, so a reader never takes them for measurements.
    public var censored: [Bool]?

    /// `steps`: a step function (each value holds until the next x), for cumulative shares
    /// such as a performance profile.
    public enum Style: String, Sendable { case lines, points, linespoints, steps }

    public init(_ title: String, x: [Double], y: [Double], band: [Double]? = nil, style: Style = .lines, censored: [Bool]? = nil) {
        precondition(x.count == y.count && (band == nil || band!.count == y.count) && (censored == nil || censored!.count == y.count),
                     "series \(title): lengths differ")
        self.title = title
        self.x = x
        self.y = y
        self.band = band
        self.style = style
        self.censored = censored?.contains(true) == true ? censored : nil
    }
}

/// A figure: series on shared axes, with an optional horizontal reference line at the paper's value.
public struct Figure: Sendable {
    /// File stem, unique within the paper: `Reports/figures/<slug>/<name>.svg`.
    public var name: String
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var logX: Bool
    public var logY: Bool
    /// A horizontal line at the paper's figure, with its label.
    public var reference: (value: Double, label: String)?
    /// A sentence under the figure saying what to see in it.
    public var caption: String

    public init(name: String, title: String, xLabel: String, yLabel: String, series: [Series],
                logX: Bool = false, logY: Bool = false, reference: (value: Double, label: String)? = nil, caption: String) {
        self.name = name
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logX = logX
        self.logY = logY
        self.reference = reference
        self.caption = caption
    }
}
