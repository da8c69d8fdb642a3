import Foundation
import XCTest
@testable import Harness

/// Random projection sources (APOLLO, Flora): shapes and orientation, the 1/r scaling that makes
/// E[PᵀP] = I, Rademacher's exact diagonal, and determinism by named stream.
final class RandomProjectionTests: XCTestCase {
    func testRandomProjectionScalingAndDeterminism() {
        let source = RandomProjectionSource(seed: 3, path: ["apollo", "test"])
        let right = source.projector(index: 0, refresh: 0, side: .right, rows: 9, columns: 6, rank: 4)
        let left = source.projector(index: 0, refresh: 0, side: .left, rows: 9, columns: 6, rank: 4)
        XCTAssertEqual(right.shape, [4, 6])
        XCTAssertEqual(left.shape, [9, 4])
        XCTAssertEqual(right.data, source.projector(index: 0, refresh: 0, side: .right, rows: 9, columns: 6, rank: 4).data)
        XCTAssertNotEqual(right.data, source.projector(index: 0, refresh: 1, side: .right, rows: 9, columns: 6, rank: 4).data)
        XCTAssertNotEqual(right.data, source.projector(index: 1, refresh: 0, side: .right, rows: 9, columns: 6, rank: 4).data)
        // E[PᵀP] = I for P of shape r × n with entries of variance 1/r: average over 2000 draws.
        for distribution in RandomProjection.Distribution.allCases {
            var rng = SeededRandom(seed: 5, path: ["gram", distribution.rawValue])
            var mean = [Double](repeating: 0, count: 36)
            let draws = 2000
            for _ in 0..<draws {
                let p = RandomProjection.matrix(rows: 4, columns: 6, rank: 4, distribution: distribution, using: &rng)
                let gram = matmul(p, p, transposeA: true)
                for k in 0..<36 { mean[k] += Double(gram.data[k]) / Double(draws) }
                if distribution == .rademacher { for i in 0..<6 { XCTAssertEqual(gram.data[i * 7], 1, accuracy: 1e-6) } }
            }
            for i in 0..<6 { for j in 0..<6 { XCTAssertEqual(mean[i * 6 + j], i == j ? 1 : 0, accuracy: 0.1, "\(distribution) [\(i), \(j)]") } }
        }
    }

}
