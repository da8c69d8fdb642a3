import RealModule

// # Statistics for seeds
//
// A claim is judged on a handful of seeded repetitions, so every number a report prints is a
// mean with a Student-t interval, never a bare mean. With 3-10 seeds the t quantile matters
// (t₀.₉₇₅ at 4 degrees of freedom is 2.776, not 1.96), so the quantiles below are exact to
// the printed digits for small samples rather than a normal approximation.

/// Descriptive statistics of a sample of `Double`s.
public enum Statistics {
    /// The arithmetic mean; NaN for an empty sample.
    public static func mean(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        // Summed in order so the result is the same on every run and machine.
        var s = 0.0
        for x in xs { s += x }
        return s / Double(xs.count)
    }

    /// The geometric mean, `exp(mean(log x))`, with values floored at 1e-300 (errors that reach
    /// exactly 0 stay finite); NaN for an empty sample. For quantities that span decades
    /// (recovery errors, losses near an optimum).
    public static func geometricMean(_ xs: [Double]) -> Double {
        xs.isEmpty ? .nan : Double.exp(xs.map { Double.log(max($0, 1e-300)) }.reduce(0, +) / Double(xs.count))
    }

    /// The sample standard deviation (divisor `n - 1`); NaN when `n < 2`.
    public static func standardDeviation(_ xs: [Double]) -> Double {
        guard xs.count >= 2 else { return .nan }
        let m = mean(xs)
        // Two-pass formula: the one-pass `E[x²] - E[x]²` loses all digits when the spread is
        // small beside the mean (e.g. accuracies 0.9801, 0.9803, ...).
        var ss = 0.0
        for x in xs { ss += (x - m) * (x - m) }
        return (ss / Double(xs.count - 1)).squareRoot()
    }

    /// The standard error of the mean, `s / √n`; NaN when `n < 2`.
    public static func standardError(_ xs: [Double]) -> Double {
        standardDeviation(xs) / Double(xs.count).squareRoot()
    }

    /// The 0.975 quantile of Student's t distribution with `df` degrees of freedom, the
    /// multiplier of the standard error in a two-sided 95% interval.
    ///
    /// Degrees of freedom 1...30 come from a table (values from SciPy's `t.ppf(0.975, df)`);
    /// beyond 30 the Cornish–Fisher expansion of Abramowitz and Stegun 26.7.5 in powers of
    /// `1/df` is accurate to better than 1e-6. Returns NaN for `df < 1`.
    public static func tQuantile975(degreesOfFreedom df: Int) -> Double {
        guard df >= 1 else { return .nan }
        if df <= t975Table.count { return t975Table[df - 1] }
        return cornishFisher(z: 1.959963984540054, df)
    }

    /// The 0.80 quantile of Student's t distribution with `df` degrees of freedom: the second
    /// term of the smallest detectable effect at 80% power (``minimalDetectableEffect(standardDeviation:count:)``).
    /// A table for 1...30 (SciPy's `t.ppf(0.8, df)`), Cornish–Fisher beyond. NaN for `df < 1`.
    public static func tQuantile80(degreesOfFreedom df: Int) -> Double {
        guard df >= 1 else { return .nan }
        if df <= t80Table.count { return t80Table[df - 1] }
        return cornishFisher(z: 0.8416212335729143, df)
    }

    /// The smallest true mean difference that a two-sided 95% paired t interval over `count`
    /// repetitions excludes zero for with 80% probability, when the paired differences have
    /// standard deviation `standardDeviation`: `(t₀.₉₇₅ + t₀.₈₀)·s/√n` with `n − 1` degrees of
    /// freedom. This is the "minimal detectable effect" a claim's evaluation seeds are planned
    /// against; NaN when `count < 2` or the deviation is unknown.
    public static func minimalDetectableEffect(standardDeviation s: Double, count n: Int) -> Double {
        guard n >= 2, s.isFinite else { return .nan }
        return (tQuantile975(degreesOfFreedom: n - 1) + tQuantile80(degreesOfFreedom: n - 1)) * s / Double(n).squareRoot()
    }

    /// Abramowitz and Stegun 26.7.5: the t quantile whose normal quantile is `z`, for `df > 30`.
    private static func cornishFisher(z: Double, _ df: Int) -> Double {
        let v = Double(df)
        let z2 = z * z
        let g1 = (z2 + 1) * z / 4
        let g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
        let g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
        let g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
        return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v)
    }

    private static let t975Table: [Double] = [
        12.706204736174694, 4.302652729749462, 3.1824463052837078, 2.7764451051977934,
        2.5705818356363146, 2.4469118511449786, 2.364624251592784, 2.306004135204166,
        2.262157162798205, 2.228138851986274, 2.200985160091639, 2.1788128296672284,
        2.1603686564627913, 2.144786687917804, 2.131449545559776, 2.1199052992212546,
        2.1098155778333156, 2.1009220402410382, 2.0930240544083087, 2.085963447265864,
        2.0796138447276795, 2.0738730679040254, 2.0686576104190486, 2.0638985616280245,
        2.0595385527532972, 2.0555294386428735, 2.0518305164802846, 2.0484071417952454,
        2.045229642132703, 2.0422724563012378,
    ]

    private static let t80Table: [Double] = [
        1.3763819204711738, 1.0606601717798214, 0.9784723123633042, 0.9409645772351816,
        0.9195437802408271, 0.9057032851805317, 0.8960296443137653, 0.8888895177670202,
        0.8834038596855346, 0.8790578285505889, 0.8755299780738819, 0.8726092915881383,
        0.8701515339681739, 0.8680547815574207, 0.8662449731949518, 0.8646670017982918,
        0.863279017420053, 0.8620486679895989, 0.8609505502689286, 0.8599644397323866,
        0.8590740351948252, 0.8582660516582046, 0.8575295536880356, 0.8568554580756556,
        0.8562361576764691, 0.8556652333281678, 0.8551372306942819, 0.8546474855822227,
        0.8541919858818557, 0.8537672614712979,
    ]

    /// The two-sided 95% Student-t confidence interval for the mean; `(NaN, NaN)` when `n < 2`.
    public static func confidenceInterval95(_ xs: [Double]) -> (low: Double, high: Double) {
        let s = Summary(xs)
        return (s.low, s.high)
    }

    /// Summary of the paired differences `a[i] - b[i]` (repetition `i` of two arms that share
    /// their random numbers), whose interval is narrower than that of two independent means
    /// when the pairs are correlated.
    ///
    /// - Precondition: `a.count == b.count`.
    public static func pairedDifferences(_ a: [Double], _ b: [Double]) -> Summary {
        precondition(a.count == b.count, "paired differences need equal counts, got \(a.count) and \(b.count)")
        return Summary(zip(a, b).map { $0 - $1 })
    }

    /// Spearman's rank correlation: Pearson's correlation of the ranks, ties sharing their mean
    /// rank. Zero when either sample is constant (no ordering to correlate).
    ///
    /// Ranks start at 0. The ranks always sum to `n(n - 1)/2`, so their mean is the exact
    /// half-integer `(n - 1)/2` and every centred rank is exact: the result does not depend on
    /// the offset or the order of the samples' ties.
    ///
    /// - Precondition: equal counts.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "Spearman: \(x.count) x values, \(y.count) y values")
        let a = ranks(x), b = ranks(y), ma = mean(a), mb = mean(b)
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (p, q) in zip(a, b) {
            sab += (p - ma) * (q - mb); saa += (p - ma) * (p - ma); sbb += (q - mb) * (q - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }

    /// Ranks from 0 in increasing order, tied values sharing the mean of their ranks.
    public static func ranks(_ v: [Double]) -> [Double] {
        let order = v.indices.sorted { v[$0] < v[$1] }
        var r = [Double](repeating: 0, count: v.count), i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
            for k in i...j { r[order[k]] = Double(i + j) / 2 }
            i = j + 1
        }
        return r
    }

    /// The ordinary least-squares line `y ≈ slope · x + intercept`, e.g. a convergence rate
    /// as the slope of `log(error)` against the iteration.
    ///
    /// - Precondition: at least two points with distinct `x`.
    public static func lineFit(x: [Double], y: [Double]) -> LineFit {
        precondition(x.count == y.count, "line fit: \(x.count) x values, \(y.count) y values")
        precondition(x.count >= 2, "line fit needs at least two points")
        let mx = mean(x), my = mean(y)
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxx += dx * dx; sxy += dx * dy; syy += dy * dy
        }
        precondition(sxx > 0, "line fit needs at least two distinct x values")
        let slope = sxy / sxx
        let intercept = my - slope * mx
        var sse = 0.0
        for i in x.indices {
            let r = y[i] - (slope * x[i] + intercept)
            sse += r * r
        }
        let n = x.count
        let slopeSE = n > 2 ? (sse / Double(n - 2) / sxx).squareRoot() : .nan
        let r2 = syy > 0 ? 1 - sse / syy : 1
        return LineFit(slope: slope, intercept: intercept, rSquared: r2, slopeStandardError: slopeSE, count: n)
    }
}

/// A least-squares line with the goodness of fit.
public struct LineFit: Sendable, Equatable {
    public var slope: Double
    public var intercept: Double
    /// The coefficient of determination (1 for points exactly on a line).
    public var rSquared: Double
    /// The standard error of the slope, `√(SSE/(n-2) / Σ(x-x̄)²)`; NaN for two points.
    public var slopeStandardError: Double
    /// The number of points fitted.
    public var count: Int

    /// The fitted value at `x`.
    public func callAsFunction(_ x: Double) -> Double { slope * x + intercept }
}

/// The mean of a sample with its 95% Student-t interval, as printed in reports.
public struct Summary: Sendable, Equatable {
    /// The sample size.
    public var count: Int
    public var mean: Double
    /// The sample standard deviation (NaN when `count < 2`).
    public var standardDeviation: Double
    /// The standard error of the mean (NaN when `count < 2`).
    public var standardError: Double
    /// Half the width of the 95% t-interval, `t₀.₉₇₅(n-1) · s/√n` (NaN when `count < 2`).
    public var halfWidth: Double

    /// Summarises a sample.
    public init(_ xs: [Double]) {
        count = xs.count
        mean = Statistics.mean(xs)
        standardDeviation = Statistics.standardDeviation(xs)
        standardError = standardDeviation / Double(max(count, 1)).squareRoot()
        halfWidth = Statistics.tQuantile975(degreesOfFreedom: count - 1) * standardError
    }

    /// The lower end of the 95% interval.
    public var low: Double { mean - halfWidth }
    /// The upper end of the 95% interval.
    public var high: Double { mean + halfWidth }

    /// `"0.912 ± 0.012"`: the half-width to two significant digits and the mean to the same
    /// decimal place, so the printed digits are the ones the seeds support. A sample of one
    /// prints the mean alone to four significant digits. Tiny or huge values share an exponent:
    /// `"(3.10 ± 0.22)e-7"`. Locale-independent.
    public var formatted: String { Format.meanPlusMinus(mean, halfWidth) }
}

/// Locale-independent number formatting for reports, so that a report is byte-identical
/// whatever the machine's language settings.
public enum Format {
    /// A count with its noun, singular or plural: `counted(1, "seed") == "1 seed"`,
    /// `counted(3, "seed") == "3 seeds"`.
    public static func counted(_ count: Int, _ noun: String) -> String {
        count == 1 ? "1 \(noun)" : "\(count) \(noun)s"
    }

    /// `x` with exactly `decimals` digits after the point (`fixed(2.5, 2) == "2.50"`); rounding
    /// is half away from zero on the binary value. NaN prints `"NaN"`, infinities `"inf"`/`"-inf"`.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        let d = max(0, min(decimals, 17))
        let scaled = (abs(x) * Double.pow(10, d)).rounded(.toNearestOrAwayFromZero)
        // Beyond 2^63 the fixed form is meaningless anyway; fall back to scientific.
        guard scaled < 9.0e18 else { return scientific(x, 6) }
        let digits = String(UInt64(scaled))
        var body: String
        if d == 0 {
            body = digits
        } else {
            let padded = String(repeating: "0", count: max(0, d + 1 - digits.count)) + digits
            let cut = padded.index(padded.endIndex, offsetBy: -d)
            body = padded[..<cut] + "." + padded[cut...]
        }
        return (x < 0 && scaled != 0) ? "-" + body : body
    }

    /// `x` with `digits` significant digits in fixed notation (`significant(0.012345, 2) == "0.012"`),
    /// or scientific when `|x|` is below 1e-4 or at least 1e6.
    public static func significant(_ x: Double, _ digits: Int) -> String {
        if !x.isFinite { return fixed(x, 0) }
        if x == 0 { return fixed(0, max(digits - 1, 0)) }
        let e = decimalExponent(x)
        if e < -4 || e >= 6 { return scientific(x, digits) }
        return fixed(x, max(digits - 1 - e, 0))
    }

    /// ``significant(_:_:)`` without trailing zeros after the point (`compact(0.0500, 3) == "0.05"`,
    /// `compact(8.00, 3) == "8"`), for prose and verdict strings; NaN prints `"—"`, infinities `"∞"`/`"-∞"`.
    public static func compact(_ x: Double, _ digits: Int = 3) -> String {
        if x.isNaN { return "—" }
        if x.isInfinite { return x > 0 ? "∞" : "-∞" }
        var s = significant(x, digits)
        guard s.contains("."), !s.contains("e") else { return s }
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    /// `x` as `m.mmme±x` with `digits` significant digits (`scientific(1234, 3) == "1.23e3"`).
    public static func scientific(_ x: Double, _ digits: Int) -> String {
        if !x.isFinite { return fixed(x, 0) }
        if x == 0 { return fixed(0, max(digits - 1, 0)) + "e0" }
        var e = decimalExponent(x)
        var m = fixed(x / Double.pow(10, e), max(digits - 1, 0))
        // Rounding may carry the mantissa to 10 (9.996 → "10.00").
        if abs(Double(m) ?? 0) >= 10 {
            e += 1
            m = fixed(x / Double.pow(10, e), max(digits - 1, 0))
        }
        return m + "e" + String(e)
    }

    /// The mean and half-width of an interval as `"mean ± halfWidth"` (see ``Summary/formatted``).
    public static func meanPlusMinus(_ mean: Double, _ halfWidth: Double) -> String {
        if !mean.isFinite { return fixed(mean, 0) }
        guard halfWidth.isFinite, halfWidth > 0 else { return significant(mean, 4) }
        let big = max(abs(mean), halfWidth)
        let eBig = decimalExponent(big)
        if eBig < -4 || eBig >= 6 {
            let scale = Double.pow(10, eBig)
            let decimals = max(1 - (decimalExponent(halfWidth) - eBig), 0)
            return "(" + fixed(mean / scale, decimals) + " ± " + fixed(halfWidth / scale, decimals) + ")e" + String(eBig)
        }
        let decimals = max(1 - decimalExponent(halfWidth), 0)
        return fixed(mean, decimals) + " ± " + fixed(halfWidth, decimals)
    }

    /// `floor(log10|x|)`, corrected for the rounding of `log10` at exact powers of ten.
    static func decimalExponent(_ x: Double) -> Int {
        let a = abs(x)
        var e = Int(Double.log10(a).rounded(.down))
        if Double.pow(10, e) > a { e -= 1 }
        if Double.pow(10, e + 1) <= a { e += 1 }
        return e
    }
}
