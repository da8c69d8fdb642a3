import Foundation
import XCTest
@testable import Harness

/// Grass's sparse row selection: hand-computed top-r, the dense form equal to the gather on both
/// sides, the unbiased scaling of Multi-Norm and Multi-Unif (E[PPᵀ] = I), without-replacement
/// distinctness, zero-probability rows never drawn, determinism, and the counted costs.
final class SparseRowSelectionTests: XCTestCase {
    let g = Tensor<Float>(shape: [4, 3], data: [1, 0, 0,   3, 4, 0,   0, 0, 2,   1, 1, 1])   // row norms² 1, 25, 4, 3

    func testTopRAndTheGatherEqualTheDenseProjection() {
        XCTAssertEqual(SparseRowSelection.squaredNorms(of: g, side: .left), [1, 25, 4, 3])
        XCTAssertEqual(SparseRowSelection.squaredNorms(of: g, side: .right), [11, 17, 5])
        var rng = SeededRandom(seed: 0, path: ["t"])
        let top = SparseRowSelection.select(norms: [1, 25, 4, 3], count: 2, rule: .topNorm, using: &rng)
        XCTAssertEqual(top, .init(rows: [1, 2], scales: [1, 1]))
        XCTAssertEqual(SparseRowSelection.select(norms: [2, 2, 2], count: 2, rule: .topNorm, using: &rng).rows, [0, 1])
        let scaled = SparseRowSelection.Selection(rows: [3, 1, 3], scales: [0.5, 2, -1])
        let left = SparseRowSelection.matrix(scaled, size: 4, side: .left)
        XCTAssertEqual(matmul(left, g, transposeA: true).data, SparseRowSelection.gather(g, scaled, side: .left).data)
        XCTAssertEqual(SparseRowSelection.gather(g, scaled, side: .left).data, [0.5, 0.5, 0.5, 6, 8, 0, -1, -1, -1])
        let cols = SparseRowSelection.Selection(rows: [2, 0], scales: [3, 1])
        let right = SparseRowSelection.matrix(cols, size: 3, side: .right)
        XCTAssertEqual(matmul(g, right, transposeB: true).data, SparseRowSelection.gather(g, cols, side: .right).data)
        XCTAssertEqual(SparseRowSelection.gather(g, cols, side: .right).data, [0, 1, 0, 3, 6, 0, 3, 1])
    }

    /// With replacement, ρ_j = 1/√(k p): E[PPᵀ] = I averaged over draws; a zero-norm row is never drawn.
    func testSamplingIsUnbiasedAndSkipsZeroRows() {
        let norms: [Double] = [1, 0, 4, 3, 2]
        for rule in [SparseRowSelection.Rule.normSampling, .uniform] {
            var rng = SeededRandom(seed: 1, path: [rule.rawValue])
            var diagonal = [Double](repeating: 0, count: 5)
            let draws = 4000
            for _ in 0..<draws {
                let s = SparseRowSelection.select(norms: norms, count: 2, rule: rule, using: &rng)
                if rule == .normSampling { XCTAssertFalse(s.rows.contains(1)) }
                for (i, r) in zip(s.rows, s.scales) { diagonal[i] += Double(r * r) / Double(draws) }
            }
            for i in 0..<5 where !(rule == .normSampling && i == 1) { XCTAssertEqual(diagonal[i], 1, accuracy: 0.1, "\(rule) \(i)") }
        }
        var rng = SeededRandom(seed: 2, path: ["nr"])
        for _ in 0..<50 {
            let s = SparseRowSelection.select(norms: norms, count: 4, rule: .normSamplingWithoutReplacement, using: &rng)
            XCTAssertEqual(Set(s.rows).count, 4)
        }
        XCTAssertEqual(Set(SparseRowSelection.select(norms: norms, count: 5, rule: .normSamplingWithoutReplacement, using: &rng).rows), Set(0..<5))
    }

    func testSourceIsDeterministicAndCostsAreCounted() {
        let source = SparseRowSelection.source(rule: .normSampling, seed: 9)
        let a = source(g, 2, .left, 0, 1)
        XCTAssertEqual(a.shape, [4, 2])
        XCTAssertEqual(a.data, source(g, 2, .left, 0, 1).data)
        XCTAssertEqual(a.data.filter { $0 != 0 }.count, 2)
        XCTAssertEqual(source(g, 5, .right, 0, 1).shape, [3, 3])          // rank clamped to the side
        XCTAssertEqual(SparseRowSelection.denseProjectionFlops(d: 4, c: 3, k: 2), 96)
        XCTAssertEqual(SparseRowSelection.sparseProjectionFlops(c: 3, k: 2), 12)
        XCTAssertEqual(SparseRowSelection.selectionFlops(d: 4, c: 3), 28)
        XCTAssertEqual(SparseRowSelection.selectionBytes(k: 2, rule: .normSampling, scaleBytes: 2), 12)
        XCTAssertEqual(SparseRowSelection.selectionBytes(k: 2, rule: .topNorm, scaleBytes: 2), 8)
    }
}
