import XCTest
import RealModule
@testable import Harness

/// The lane-wise `erf` behind GELU must give the C library's bits, or the papers' numbers move.
final class ErfLanesTests: XCTestCase {
    /// Every 97th float bit pattern of both signs over the lane formulas' range and past both of
    /// its ends (tiny, the 0.84375 split, 1.25 and beyond, infinities, NaN), 16 at a time.
    func testLanesMatchLibraryErfBitForBit() {
        var values: [Float] = [0, -0, .infinity, -.infinity, .nan, 0.84375, -0.84375, 1.25, -1.25,
                               Float(bitPattern: 0x3180_0000), Float(bitPattern: 0x317f_ffff), .leastNormalMagnitude]
        var bits: UInt32 = 0x2f00_0000
        while bits < 0x4100_0000 {
            values.append(Float(bitPattern: bits)); values.append(-Float(bitPattern: bits))
            bits &+= 97
        }
        while values.count % 16 != 0 { values.append(0.5) }
        var mismatches = 0
        for start in stride(from: 0, to: values.count, by: 16) {
            let lanes = ErfLanes.erf(SIMD16<Float>(values[start..<(start + 16)]))
            for lane in 0..<16 {
                let want = Float.erf(values[start + lane])
                if lanes[lane].bitPattern != want.bitPattern && !(lanes[lane].isNaN && want.isNaN) { mismatches += 1 }
            }
        }
        XCTAssertEqual(mismatches, 0, "of \(values.count) values")
        XCTAssertTrue(ErfLanes.matchesLibrary)
    }

    /// GELU's value and gradient through the lanes equal the scalar formulas, element by element,
    /// with a tail that is not a multiple of 16 and whatever the thread split.
    func testGELUMatchesScalarFormulaBitForBit() {
        var rng = SeededRandom(seed: 3, path: ["gelu"])
        let x = Tensor<Float>.randomNormal([37, 29], std: 1.5, using: &rng)
        let upstream = Tensor<Float>.randomNormal([37, 29], using: &rng)
        for threads in [1, 2] {
            ElementwiseParallelism.threadCount = threads
            defer { ElementwiseParallelism.threadCount = 1 }
            let tape = Tape<Float>()
            let input = tape.variable(x)
            let y = tape.gelu(input)
            tape.backward(from: tape.sum(tape.mul(y, tape.constant(upstream))))
            let dx = tape.gradient(of: input)
            let invSqrt2: Float = 1 / Float.sqrt(2), invSqrt2Pi: Float = 1 / Float.sqrt(2 * Float.pi)
            for i in 0..<x.count {
                let v = x.data[i]
                XCTAssertEqual(y.value.data[i].bitPattern, (v * (1 + Float.erf(v * invSqrt2)) / 2).bitPattern, "value \(i)")
                let cdf = (1 + Float.erf(v * invSqrt2)) / 2, pdf = Float.exp(-v * v / 2) * invSqrt2Pi
                XCTAssertEqual(dx.data[i].bitPattern, (upstream.data[i] * (cdf + v * pdf)).bitPattern, "gradient \(i)")
            }
        }
    }
}
