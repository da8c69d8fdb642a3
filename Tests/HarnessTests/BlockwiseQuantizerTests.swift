import XCTest
@testable import Harness

/// The 8-bit block-wise storage (`BlockwiseQuantized`), bitsandbytes' CPU lookup-table rounding
/// and the linear map: hand-computed codes and round-trip error bounds.
final class BlockwiseQuantizerTests: XCTestCase {
    /// Hand-computed codes: blocks of 2 over [0.5, −1, 0.25, 0, 0.3], dynamic signed map.
    func testBlockwiseCodesByHand() {
        let map = DynamicQuantizationMap.make(signed: true)
        let q = BlockwiseQuantized([0.5, -1, 0.25, 0, 0.3], map: map, blockSize: 2)
        XCTAssertEqual(q.absmax, [1, 0.25, 0.3])
        // 0.5/1 → the map's entry nearest 0.5; −1 → its smallest entry; 0.25/0.25 = 1 → its largest.
        XCTAssertEqual(q.codes[1], 0)
        XCTAssertEqual(q.codes[2], 255)
        XCTAssertEqual(q.codes[4], 255)
        XCTAssertEqual(map[Int(q.codes[3])], 0)
        XCTAssertEqual(map[Int(q.codes[0])], map.min { abs($0 - 0.5) < abs($1 - 0.5) }!)
        XCTAssertEqual(q.bytes, 5 + 3 * 4)
    }

    /// Round trip: every value is within half the widest gap of the map times its block's absmax;
    /// the linear map has bitsandbytes' shape (255 steps over [−1, 1] and a second zero).
    func testRoundTripErrorBound() {
        var rng = SeededRandom(seed: 3, path: ["roundtrip"])
        let x = (0..<1000).map { _ in Float(rng.normal()) * (rng.index(10) == 0 ? 100 : 1) }
        for map in [DynamicQuantizationMap.make(signed: true), DynamicQuantizationMap.linear(signed: true)] {
            let halfGap = zip(map.dropFirst(), map).map { $0 - $1 }.max()! / 2
            let q = BlockwiseQuantized(x, map: map, blockSize: 256), y = q.values(map: map)
            for i in x.indices { XCTAssertLessThanOrEqual(abs(x[i] - y[i]), halfGap * q.absmax[i / 256] * 1.0001) }
        }
        let linear = DynamicQuantizationMap.linear(signed: true)
        XCTAssertEqual(linear.count, 256)
        XCTAssertEqual(linear.filter { $0 == 0 }.count, 2)
        XCTAssertEqual(linear.first, -1)
        XCTAssertEqual(linear.last, 1)
    }

    /// The CPU lookup table gives the nearest entry away from midpoints, but puts a value of 1e-6
    /// (bin 32768, whose value is 1/65535 ≈ 1.5e-5) on a coarser entry than the nearest one; so does
    /// an exact 0, which the CPU kernel does not code as the map's 0 (bitsandbytes' behaviour).
    func testLookupTableAgreesWithNearestExceptForTinyValues() {
        let map = DynamicQuantizationMap.make(signed: true), table = QuantizationLookupTable(map: map)
        map.withUnsafeBufferPointer { m in
            for x: Float in [-0.9, -0.5, 0.25, 0.5, 1, -1] { XCTAssertEqual(table.code(x), ScaleByAdam8bit.nearest(x, in: m), "\(x)") }
            let tiny: Float = 1e-6
            XCTAssertNotEqual(table.code(tiny), ScaleByAdam8bit.nearest(tiny, in: m))
            XCTAssertEqual(table.code(tiny), ScaleByAdam8bit.nearest(1 / 65535, in: m))
        }
        XCTAssertEqual(table.code(0), table.code(1e-6))
        XCTAssertNotEqual(table.code(0), UInt8(map.firstIndex(of: 0)!))
    }
}
