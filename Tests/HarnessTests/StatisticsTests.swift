import XCTest
@testable import Harness

final class StatisticsTests: XCTestCase {
    func testTQuantilesMatchReferenceValues() {
        // Reference values: SciPy `stats.t.ppf(0.975, df)`.
        let reference: [(Int, Double)] = [(1, 12.706204736), (2, 4.302652730), (4, 2.776445105), (9, 2.262157163),
                                          (30, 2.042272456), (31, 2.039513446), (40, 2.021075390),
                                          (60, 2.000297822), (100, 1.983971519), (1000, 1.962339081)]
        for (df, t) in reference {
            XCTAssertEqual(Statistics.tQuantile975(degreesOfFreedom: df), t, accuracy: 1e-6, "df \(df)")
        }
        XCTAssertTrue(Statistics.tQuantile975(degreesOfFreedom: 0).isNaN)
    }

    func testSummaryOfKnownSample() {
        let s = Summary([2, 4, 4, 4, 5, 5, 7, 9])
        XCTAssertEqual(s.count, 8)
        XCTAssertEqual(s.mean, 5, accuracy: 1e-15)
        XCTAssertEqual(s.standardDeviation, 2.138089935299395, accuracy: 1e-12)
        XCTAssertEqual(s.standardError, 0.7559289460184544, accuracy: 1e-12)
        // SciPy: stats.t.interval(0.95, 7, loc=5, scale=sem) = (3.21251208176379, 6.787487918236209)
        XCTAssertEqual(s.low, 3.21251208176379, accuracy: 1e-9)
        XCTAssertEqual(s.high, 6.787487918236209, accuracy: 1e-9)
        let ci = Statistics.confidenceInterval95([2, 4, 4, 4, 5, 5, 7, 9])
        XCTAssertEqual(ci.low, s.low)
        XCTAssertEqual(s.formatted, "5.0 ± 1.8")
    }

    func testSingleSampleHasNoInterval() {
        let s = Summary([0.123456])
        XCTAssertTrue(s.halfWidth.isNaN)
        XCTAssertEqual(s.formatted, "0.1235")
        XCTAssertTrue(Summary([]).mean.isNaN)
    }

    func testPairedDifferences() {
        let d = Statistics.pairedDifferences([1, 2, 3], [0.5, 1.5, 3.5])
        XCTAssertEqual(d.mean, 1.0 / 6.0, accuracy: 1e-15)
        XCTAssertEqual(d.standardDeviation, (1.0 / 3.0).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(d.halfWidth, 4.302652729749462 * (1.0 / 3.0).squareRoot() / 3.0.squareRoot(), accuracy: 1e-12)
    }

    func testLineFitRecoversExactLine() {
        let x = (0..<10).map(Double.init)
        let fit = Statistics.lineFit(x: x, y: x.map { -0.5 * $0 + 3 })
        XCTAssertEqual(fit.slope, -0.5, accuracy: 1e-14)
        XCTAssertEqual(fit.intercept, 3, accuracy: 1e-13)
        XCTAssertEqual(fit.rSquared, 1, accuracy: 1e-14)
        XCTAssertEqual(fit(4), 1, accuracy: 1e-13)
    }

    func testLineFitMatchesSciPyOnNoisyData() {
        // SciPy linregress: slope 2.0028571428571427, intercept 1.0428571428571436,
        // r² 0.9980826452995359, stderr 0.0438922614163915.
        let fit = Statistics.lineFit(x: [0, 1, 2, 3, 4, 5], y: [1.1, 2.9, 5.2, 7.1, 8.8, 11.2])
        XCTAssertEqual(fit.slope, 2.0028571428571427, accuracy: 1e-12)
        XCTAssertEqual(fit.intercept, 1.0428571428571436, accuracy: 1e-12)
        XCTAssertEqual(fit.rSquared, 0.9980826452995359, accuracy: 1e-12)
        XCTAssertEqual(fit.slopeStandardError, 0.0438922614163915, accuracy: 1e-12)
    }

    func testSpearmanMatchesHandComputedValues() {
        XCTAssertEqual(Statistics.spearman([1, 2, 3, 4], [10, 20, 25, 100]), 1, accuracy: 1e-12, "monotone, not linear")
        XCTAssertEqual(Statistics.spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1, accuracy: 1e-12)
        // ranks (0, 1, 2) against (0, 2, 1): 1 − 6·2/(3·8) = 0.5
        XCTAssertEqual(Statistics.spearman([1, 2, 3], [1, 3, 2]), 0.5, accuracy: 1e-12)
        // ties take average ranks: (0.5, 0.5, 2) against (0, 1, 2) gives 1.5/√3
        XCTAssertEqual(Statistics.ranks([1, 1, 2]), [0.5, 0.5, 2])
        XCTAssertEqual(Statistics.spearman([1, 1, 2], [1, 2, 3]), 1.5 / 3.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(Statistics.spearman([5, 5, 5], [1, 2, 3]), 0, "a constant sample has no ordering")
        // scipy.stats.spearmanr([3.1, 0.2, 7.5, 7.5, 1.0, 4.4], [2.0, 0.5, 9.1, 6.0, 0.4, 5.5]).statistic
        XCTAssertEqual(Statistics.spearman([3.1, 0.2, 7.5, 7.5, 1.0, 4.4], [2.0, 0.5, 9.1, 6.0, 0.4, 5.5]),
                       0.9276336570439174, accuracy: 1e-12)
    }

    func testFormattingIsFixedAndRounded() {
        XCTAssertEqual(Format.fixed(2.5, 2), "2.50")
        XCTAssertEqual(Format.fixed(-0.0004, 2), "0.00")
        XCTAssertEqual(Format.fixed(-1.005, 1), "-1.0")
        XCTAssertEqual(Format.fixed(0.00123, 4), "0.0012")
        XCTAssertEqual(Format.fixed(12345.678, 0), "12346")
        XCTAssertEqual(Format.fixed(.nan, 2), "NaN")
        XCTAssertEqual(Format.fixed(-.infinity, 2), "-inf")
        XCTAssertEqual(Format.significant(0.012345, 2), "0.012")
        XCTAssertEqual(Format.significant(1000, 2), "1000")
        XCTAssertEqual(Format.significant(0.00001234, 3), "1.23e-5")
        XCTAssertEqual(Format.scientific(1234, 3), "1.23e3")
        XCTAssertEqual(Format.scientific(9.996, 3), "1.00e1")
        XCTAssertEqual(Format.meanPlusMinus(0.91234, 0.01234), "0.912 ± 0.012")
        XCTAssertEqual(Format.meanPlusMinus(123.4, 5.67), "123.4 ± 5.7")
        XCTAssertEqual(Format.meanPlusMinus(1234.5, 56.7), "1235 ± 57")
        XCTAssertEqual(Format.meanPlusMinus(3.1e-7, 2.2e-8), "(3.10 ± 0.22)e-7")
        XCTAssertEqual(Format.decimalExponent(1000), 3)
        XCTAssertEqual(Format.decimalExponent(0.001), -3)
        XCTAssertEqual(Format.decimalExponent(999.99), 2)
    }
}

final class FormatCountedTests: XCTestCase {
    func testCountedPluralises() {
        XCTAssertEqual(Format.counted(1, "seed"), "1 seed")
        XCTAssertEqual(Format.counted(0, "seed"), "0 seeds")
        XCTAssertEqual(Format.counted(3, "selection seed"), "3 selection seeds")
    }

    func testCompactTrimsZerosOnlyInFixedNotation() {
        XCTAssertEqual(Format.compact(0.0500, 3), "0.05")
        XCTAssertEqual(Format.compact(8.0, 3), "8")
        XCTAssertEqual(Format.compact(120, 3), "120")
        XCTAssertEqual(Format.compact(1.0e-7, 3), "1.00e-7")
        XCTAssertEqual(Format.compact(.nan), "—")
        XCTAssertEqual(Format.compact(-.infinity), "-∞")
    }
}
