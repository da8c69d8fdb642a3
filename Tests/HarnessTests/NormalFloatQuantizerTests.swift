import XCTest
@testable import Harness

/// NF4: bitsandbytes' sixteen levels, hand-computed codes, exact bytes, the round-trip bound.
final class NormalFloatQuantizerTests: XCTestCase {
    /// The levels exactly as bitsandbytes lists them (`get_4bit_type("nf4")`), sorted, 0 exact.
    func testLevelsAreBitsandbytesNF4() {
        let expected: [Float] = [-1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
                                 -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
                                 0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
                                 0.7229568362236023, 1.0]
        XCTAssertEqual(NormalFloat4.levels, expected)
        XCTAssertEqual(NormalFloat4.levels[Int(NormalFloat4.zeroCode)], 0)
        XCTAssertEqual(NormalFloat4.maximumRelativeError, (1 - 0.6961928009986877) / 2, accuracy: 1e-7)  // the gap −1 … −0.696
    }

    /// Two blocks of four, by hand. Block 1 (absmax 1): 0.5 lies below the midpoint 0.50166 of
    /// levels 12 and 13 → 12; −1 → 0; 0.04 just above the midpoint 0.039790 of 0 and 0.0796 → 8;
    /// 0 → 7. Block 2 (absmax 2): 1 → 15; −0.1 above −0.13791 → 6; 0.5 → 12; a tie at exactly the
    /// midpoint goes to the lower level.
    func testCodesByHand() {
        let q = NormalFloatQuantizer(blockSize: 4)
        let mid: Float = 0.5 * (0.07958029955625534 + 0.16093020141124725)
        let x: [Float] = [0.5, -1.0, 0.04, 0, 2, -0.2, 1.0, 2 * mid]
        let c = q.quantize(x)
        XCTAssertEqual(c.codes, [12, 0, 8, 7, 15, 6, 12, 8])
        XCTAssertEqual(c.absmax, [1, 2])
        XCTAssertEqual(c.dequantized()[6], 2 * 0.44070982933044434, accuracy: 1e-7)
        XCTAssertEqual(q.quantize([0, 0, 0]).codes, [7, 7, 7])
        XCTAssertEqual(q.quantize([0, 0, 0]).dequantized(), [0, 0, 0])
    }

    /// Half a byte per value (rounded up) plus an fp32 absmax per block; with double quantisation a
    /// byte per block, an fp32 per 256 blocks and one fp32 offset.
    func testBytes() {
        XCTAssertEqual(NormalFloatQuantizer(blockSize: 4).quantize([1, 2, 3, 4, 5]).bytes(), 3 + 8)
        XCTAssertEqual(NormalFloatQuantizer.bytes(count: 64 * 300), 9600 + 4 * 300)
        XCTAssertEqual(NormalFloatQuantizer.bytes(count: 64 * 300, doubleQuantization: true), 9600 + 300 + 8 + 4)
    }

    /// Every value comes back within half its gap between levels times the block's absmax (at most
    /// 0.1519 · absmax), the block's extreme exactly, and quantising the round trip changes nothing.
    func testRoundTripErrorBound() {
        var rng = SeededRandom(seed: 3, path: ["nf4"])
        let x = (0..<1000).map { _ in Float(rng.normal()) }
        let q = NormalFloatQuantizer()
        let c = q.quantize(x), y = c.dequantized()
        for i in x.indices {
            let a = c.absmax[i / 64]
            XCTAssertLessThanOrEqual(abs(x[i] - y[i]), NormalFloat4.maximumRelativeError * a * (1 + 1e-6))
            if abs(x[i]) == a { XCTAssertEqual(y[i], x[i]) }
        }
        XCTAssertEqual(q.roundTrip(y), y)
    }
}
