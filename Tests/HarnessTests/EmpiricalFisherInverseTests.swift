import Foundation
import XCTest
@testable import Harness

/// M-FAC's two algorithms against the dense inverse of `λI + GᵀG/m` in Double.
final class EmpiricalFisherInverseTests: XCTestCase {
    let d = 40, m = 6, lambda = 1e-3

    func gradients(_ seed: UInt64, rows: Int) -> [Double] {
        var rng = SeededRandom(seed: seed, path: ["mfac", "g"])
        return (0..<(rows * d)).map { _ in rng.normal() }
    }

    func denseInverse(_ g: [Double], rows: Int) throws -> Tensor<Double> {
        let gm = Tensor<Double>(shape: [rows, d], data: g)
        var f = matmul(gm, gm, transposeA: true).map { $0 / Double(m) }
        for i in 0..<d { f.data[i * d + i] += lambda }
        return try choleskySolve(f, .identity(d))
    }

    func testStaticProductsAndEntriesMatchTheDenseInverse() throws {
        let g = gradients(1, rows: m)
        var inverse = StaticFisherInverse(gradients: g, count: m, damping: lambda)
        XCTAssertEqual(inverse.flops, StaticFisherInverse.precomputationFlops(dimension: d, count: m))
        let dense = try denseInverse(g, rows: m)
        var rng = SeededRandom(seed: 2, path: ["mfac", "x"])
        let x = (0..<d).map { _ in rng.normal() }
        let exact = matmul(dense, Tensor(shape: [d, 1], data: x)).data
        for (a, b) in zip(inverse.multiply(x), exact) { XCTAssertEqual(a, b, accuracy: 1e-8 * max(1, abs(b))) }
        for (i, j) in [(0, 0), (3, 7), (39, 39)] {
            XCTAssertEqual(inverse.element(i, j), dense.data[i * d + j], accuracy: 1e-8 * max(1, abs(dense.data[i * d + j])))
        }
    }

    /// The window holds the last m gradients (zeros before m arrive); products match the dense
    /// inverse after every replacement, and the counters add the documented costs.
    func testSlidingWindowMatchesTheDenseInverseOfItsWindow() throws {
        let stream = gradients(3, rows: 2 * m + 1)
        var window = SlidingWindowFisherInverse(dimension: d, count: m, damping: lambda)
        var rng = SeededRandom(seed: 4, path: ["mfac", "x"])
        for t in 1...(2 * m + 1) {
            let before = window.flops
            window.replaceOldest(with: Array(stream[((t - 1) * d)..<(t * d)]))
            XCTAssertEqual(window.flops - before, SlidingWindowFisherInverse.updateFlops(dimension: d, count: m))
            let first = max(0, t - m), held = Array(stream[(first * d)..<(t * d)])
            let dense = try denseInverse(held + [Double](repeating: 0, count: (m - (t - first)) * d), rows: m)
            let x = (0..<d).map { _ in rng.normal() }
            let exact = matmul(dense, Tensor(shape: [d, 1], data: x)).data
            let start = window.flops
            for (a, b) in zip(window.multiply(x), exact) { XCTAssertEqual(a, b, accuracy: 1e-7 * max(1, abs(b)), "after \(t)") }
            XCTAssertEqual(window.flops - start, SlidingWindowFisherInverse.productFlops(dimension: d, count: m))
        }
    }
}
