import Foundation

// # Figures through gnuplot
//
// Every figure is committed as three files side by side in `Reports/figures/<slug>/`:
// the numbers (`<name>.dat`), a self-contained script (`<name>.gp`) that reads them through a
// relative path, and the picture (`<name>.svg`) that script draws. Anyone can re-plot from the
// first two with `gnuplot <name>.gp` inside that folder; the report only links the SVG.

/// A colour-blind-friendly cycle (matplotlib's `tab10`), so series keep their colours across figures.
private let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                       "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

/// The shortest text that reads back as the same `Double`; non-finite values become `NaN`,
/// which gnuplot treats as a missing point (a diverged run leaves a gap, not a crash).
func plotNumber(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "NaN"
}

/// A gnuplot double-quoted string literal.
private func quoted(_ text: String) -> String {
    var out = "\""
    for character in text {
        switch character {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.append(character)
        }
    }
    return out + "\""
}

/// Text safe to put after `#` on one line.
private func commentLine(_ text: String) -> String {
    text.replacingOccurrences(of: "\n", with: " ")
}

extension Figure {
    /// The `.dat` file: a comment header, then one block per series (in order) separated by two
    /// blank lines, so the script addresses series `i` as `index i`. Columns are `x y`, or
    /// `x y lower upper` for a series with an error band.
    public var gnuplotData: String {
        var out = "# \(commentLine(title))\n# x: \(commentLine(xLabel)); y: \(commentLine(yLabel))\n"
        for (index, series) in series.enumerated() {
            if index > 0 { out += "\n\n" }
            out += "# index \(index): \(commentLine(series.title))\n"
            out += (series.band == nil ? "# x y" : "# x y lower upper") + (series.censored == nil ? "\n" : " censored\n")
            if series.x.isEmpty {
                // An empty block would merge with its neighbours' separators; one missing point keeps the indices.
                out += series.band == nil ? "NaN NaN\n" : "NaN NaN NaN NaN\n"
                continue
            }
            for i in series.x.indices {
                out += plotNumber(series.x[i]) + " " + plotNumber(series.y[i])
                if let band = series.band {
                    out += " " + plotNumber(series.y[i] - band[i]) + " " + plotNumber(series.y[i] + band[i])
                }
                if let censored = series.censored { out += censored[i] ? " 1" : " 0" }
                out += "\n"
            }
        }
        return out
    }

    /// 2 when the positive x values span less than a factor 100, else 10.
    var logBaseX: Int {
        let xs = series.flatMap(\.x).filter { $0 > 0 }
        guard let low = xs.min(), let high = xs.max() else { return 10 }
        return high / low < 100 ? 2 : 10
    }

    /// The `.gp` script: reads `<name>.dat` and writes `<name>.svg` in the current folder.
    public var gnuplotScript: String {
        var lines = [
            "# \(commentLine(title))",
            "# Re-plot with `gnuplot \(name).gp` in this folder; the data is in \(name).dat.",
            "set encoding utf8",
            "set terminal svg size 720,450 fixed font \"sans,12\" noenhanced background rgb \"white\"",
            "set output \(quoted(name + ".svg"))",
            "set title \(quoted(title))",
            "set xlabel \(quoted(xLabel))",
            "set ylabel \(quoted(yLabel))",
            "set grid",
            // Points at the ends of the x range stay inside the frame.
            "set autoscale xfix",
            "set offsets graph 0.02, graph 0.02, 0, 0",
            // Below the plot the legend can never hide a curve.
            "set key below",
            "set style fill transparent solid 0.2 noborder",
        ]
        // Log axes get compact tick labels ("1e-06", not gnuplot's default "0.0000010").
        // Less than two decades of x gets base-2 ticks: base 10 would label one tick or none.
        if logX { lines.append("set logscale x \(logBaseX)"); lines.append("set format x \"%g\"") }
        if logY { lines.append("set logscale y 10"); lines.append("set format y \"%g\"") }
        let file = quoted(name + ".dat")
        var plots: [String] = []
        for (index, series) in series.enumerated() {
            // Past the palette's ten colours, the cycle repeats with a dash pattern, so no two
            // series look alike (the league draws one per optimizer).
            let dash = index >= palette.count ? " dt \(index / palette.count + 1)" : ""
            let colour = "lc rgb \(quoted(palette[index % palette.count]))" + dash
            if series.band != nil {
                plots.append("\(file) index \(index) using 1:3:4 with filledcurves \(colour) notitle")
            }
            let style: String
            switch series.style {
            case .lines: style = "with lines lw 2"
            case .points: style = "with points pt 7 ps 0.8"
            case .linespoints: style = "with linespoints lw 2 pt 7 ps 0.8"
            case .steps: style = "with steps lw 2"
            }
            plots.append("\(file) index \(index) using 1:2 \(style) \(colour) title \(quoted(series.title))")
            if series.censored != nil {
                let column = series.band == nil ? 3 : 5
                plots.append("\(file) index \(index) using 1:(column(\(column)) > 0 ? $2 : NaN) with points pt 8 ps 1.6 \(colour) "
                             + "title \(quoted(series.title + ": censored (diverged; at least this bad)"))")
            }
        }
        if let reference {
            // A constant function rather than an arrow, so the line enters the key and the y autoscale.
            plots.append("\(plotNumber(reference.value)) with lines dt 2 lw 1.5 lc rgb \"black\" title \(quoted(reference.label))")
        }
        lines.append("plot " + plots.joined(separator: ", \\\n     "))
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The three files of one rendered figure, held in memory until the report is committed.
public struct RenderedFigure: Sendable, Equatable {
    public var name: String
    public var data: String
    public var script: String
    public var svg: Data
}

/// A located gnuplot executable.
public struct Gnuplot: Sendable {
    /// The executable's path.
    public let path: String
    /// `gnuplot --version`, e.g. `"gnuplot 5.4 patchlevel 4"`.
    public let version: String

    /// Finds gnuplot by name on `PATH` (or at a path) and checks it runs.
    ///
    /// - Throws: ``ReportError/gnuplotMissing(_:)`` with a one-line explanation.
    public static func locate(_ nameOrPath: String = "gnuplot") throws -> Gnuplot {
        let hint = "install it with `apt-get install gnuplot-nox`"
        guard let path = resolveExecutable(nameOrPath) else {
            throw ReportError.gnuplotMissing("gnuplot not found (looked for '\(nameOrPath)'); \(hint)")
        }
        guard let result = try? runProcess(path, ["--version"]), result.status == 0 else {
            throw ReportError.gnuplotMissing("gnuplot at '\(path)' does not run; \(hint)")
        }
        return Gnuplot(path: path, version: result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Draws a figure: writes its `.dat` and `.gp` into a private folder under `scratch` (the
    /// paper's staging folder, so an interrupted run leaves nothing in the system's temporary
    /// folder), runs gnuplot there (so the script's relative paths resolve), and returns all three
    /// files' contents.
    public func render(_ figure: Figure, scratch: URL) throws -> RenderedFigure {
        let folder = scratch.appendingPathComponent("figure-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw ReportError.unwritable(path: folder.path, reason: describeIOError(error))
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = figure.gnuplotData, script = figure.gnuplotScript
        do {
            try Data(data.utf8).write(to: folder.appendingPathComponent(figure.name + ".dat"))
            try Data(script.utf8).write(to: folder.appendingPathComponent(figure.name + ".gp"))
        } catch {
            throw ReportError.unwritable(path: folder.path, reason: describeIOError(error))
        }
        let result = try runProcess(path, [figure.name + ".gp"], in: folder)
        let svgURL = folder.appendingPathComponent(figure.name + ".svg")
        guard result.status == 0, let svg = FileManager.default.contents(atPath: svgURL.path), !svg.isEmpty else {
            let message = result.standardError.split(separator: "\n").last.map(String.init) ?? "exit status \(result.status)"
            throw ReportError.gnuplotFailed(figure: figure.name, message: message)
        }
        return RenderedFigure(name: figure.name, data: data, script: script, svg: svg)
    }
}
