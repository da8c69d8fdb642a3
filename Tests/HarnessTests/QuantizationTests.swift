import XCTest
@testable import Harness

/// Group-wise n-bit quantisation (``GroupQuantizer``) and ``StochasticRounding``: hand-computed
/// codes, the round-trip error bounds, and unbiasedness on a fixed stream.
final class QuantizationTests: XCTestCase {
    func testFourBitCodesByHand() {
        // s = (13 − (−2)) / 15 = 1, z = −round(−2) = 2; round(0.5) = 0 and round(1.5) = 2 (ties to even).
        let q = GroupQuantizer(bits: 4, groupSize: 4).quantize([-2, 0.5, 1.5, 13])
        XCTAssertEqual(q.codes, [0, 2, 4, 15])
        XCTAssertEqual(q.scales, [1])
        XCTAssertEqual(q.zeros, [2])
        XCTAssertEqual(q.dequantized(), [-2, 0, 2, 13])
        // s = 0.75 / 15 = 0.05, z = 6: codes 0, 6, 9, 15.
        let p = GroupQuantizer(bits: 4, groupSize: 4).quantize([-0.3, 0, 0.15, 0.45])
        XCTAssertEqual(p.codes, [0, 6, 9, 15])
        XCTAssertEqual(p.zeros, [6])
        for (a, b) in zip(p.dequantized(), [Float(-0.3), 0, 0.15, 0.45]) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testGroupsAreIndependentAndTheLastMayBeShort() {
        let q = GroupQuantizer(bits: 2, groupSize: 4).quantize([-1, 0, 1, 2, 0, 0, -3, 3, 1, 2])
        XCTAssertEqual(q.scales.count, 3)
        XCTAssertEqual(q.scales[0], 1)        // (2 − (−1)) / 3
        XCTAssertEqual(q.scales[1], 2)        // (3 − (−3)) / 3
        XCTAssertEqual(q.codes[0..<4], [0, 1, 2, 3])
        XCTAssertEqual(q.codes[4..<8], [2, 2, 0, 3])   // z = −round(−1.5) = 2 (ties to even)
        // A group on one side of zero: z = clamp(−round(1), 0, 3) = 0, so the grid is {0, 1, 2, 3}·s.
        let positive = GroupQuantizer(bits: 2, groupSize: 4).quantize([1, 2, 3, 4])
        XCTAssertEqual(positive.zeros, [0])
        XCTAssertEqual(positive.dequantized(), [1, 2, 3, 3], "the clamped zero point loses the top value by a whole step")
    }

    func testByteCounts() {
        // 256 INT4 codes = 128 bytes, one BF16 scale and zero = 4 bytes.
        XCTAssertEqual(GroupQuantizer.bytes(count: 256, bits: 4, groupSize: 256, scaleBytes: 2), 132)
        XCTAssertEqual(GroupQuantizer.bytes(count: 1000, bits: 8, groupSize: 256, scaleBytes: 2), 1000 + 4 * 4)
        XCTAssertEqual(GroupQuantizer(bits: 4, groupSize: 4).quantize([1, 2, 3]).bytes(scaleBytes: 4), 2 + 8)
    }

    func testRoundTripErrorIsAtMostHalfAStepWhenTheGroupStraddlesZero() {
        var rng = SeededRandom(seed: 7, path: ["quantizer"])
        for bits in [2, 4, 8] {
            let quantizer = GroupQuantizer(bits: bits, groupSize: 64)
            let x = (0..<256).map { _ in Float(rng.normal()) }
            let q = quantizer.quantize(x), back = q.dequantized()
            for i in 0..<x.count {
                let s = q.scales[i / 64]
                XCTAssertLessThanOrEqual(abs(back[i] - x[i]), s / 2 * (1 + 1e-5), "bits \(bits), value \(i)")
            }
            var draws = SeededRandom(seed: 8, path: ["sr", "\(bits)"])
            let stochastic = quantizer.quantize(x, stochastic: &draws)
            for (i, v) in stochastic.dequantized().enumerated() {
                XCTAssertLessThan(abs(v - x[i]), stochastic.scales[i / 64] * (1 + 1e-5))
            }
        }
    }

    func testStochasticRoundingByHand() {
        // 2.25: down below u = 0.25, up from there; on the grid nothing moves.
        XCTAssertEqual(StochasticRounding.roundToInteger(2.25, uniform: 0.2), 3)
        XCTAssertEqual(StochasticRounding.roundToInteger(2.25, uniform: 0.3), 2)
        XCTAssertEqual(StochasticRounding.roundToInteger(-1.75, uniform: 0.2), -1)
        XCTAssertEqual(StochasticRounding.roundToInteger(-1.75, uniform: 0.3), -2)
        XCTAssertEqual(StochasticRounding.roundToInteger(4, uniform: 0), 4)
        XCTAssertEqual(StochasticRounding.round(0.3, step: 0.5, uniform: 0.5), 0.5)
        XCTAssertEqual(StochasticRounding.round(0.3, step: 0.5, uniform: 0.7), 0)
    }

    func testStochasticRoundingIsUnbiasedAndWithinOneStep() {
        var rng = SeededRandom(seed: 1, path: ["stochastic-rounding"])
        let step: Float = 0.125, n = 20_000
        let values: [Float] = [0.3, -0.71, 0.015625]
        for x in values {
            let r = StochasticRounding.round([Float](repeating: x, count: n), step: step, using: &rng)
            XCTAssertTrue(r.allSatisfy { abs($0 - x) < step })
            let mean = r.reduce(0.0) { $0 + Double($1) } / Double(n)
            let frac = Double(x / step) - Double(x / step).rounded(.down)
            let sd = Double(step) * (frac * (1 - frac) / Double(n)).squareRoot()
            XCTAssertEqual(mean, Double(x), accuracy: 4 * sd + 1e-9, "E[round(\(x))] = \(x)")
        }
        // Nearest rounding of the same value is biased by a fixed amount, which stochastic rounding is not.
        XCTAssertEqual((Float(0.3) / step).rounded() * step, 0.25)
    }

    func testGroupQuantizationWithStochasticRoundingIsUnbiased() {
        let x: [Float] = [-1, 0.37, 0.5, 2]  // s = 3 / 255 with 8 bits
        let quantizer = GroupQuantizer(bits: 8, groupSize: 4)
        var rng = SeededRandom(seed: 2, path: ["group-sr"])
        var sum = [Double](repeating: 0, count: 4)
        let n = 4000
        for _ in 0..<n {
            for (i, v) in quantizer.quantize(x, stochastic: &rng).dequantized().enumerated() { sum[i] += Double(v) }
        }
        let s = 3.0 / 255
        for i in 0..<4 { XCTAssertEqual(sum[i] / Double(n), Double(x[i]), accuracy: 4 * s * 0.5 / Double(n).squareRoot() + 1e-6) }
    }
}
