import XCTest
@testable import Harness

/// The DCT basis (orthonormality, hand-computed entries), the ℓ1 column selection, and the
/// column-selection projector source (orientation, exact recovery, counted FLOPs and bytes).
final class DCTBasisTests: XCTestCase {
    func maxDeviationFromIdentity(_ q: Tensor<Float>, transposeFirst: Bool) -> Float {
        let p = transposeFirst ? matmul(q, q, transposeA: true) : matmul(q, q, transposeB: true)
        var worst: Float = 0
        for i in 0..<p.rows { for j in 0..<p.columns { worst = max(worst, abs(p[i, j] - (i == j ? 1 : 0))) } }
        return worst
    }

    func testOrthonormalBothWays() {
        for n in [1, 2, 5, 32] {
            let q = DCTBasis.matrix(n)
            XCTAssertLessThan(maxDeviationFromIdentity(q, transposeFirst: false), 1e-5, "QQᵀ, n = \(n)")
            XCTAssertLessThan(maxDeviationFromIdentity(q, transposeFirst: true), 1e-5, "QᵀQ, n = \(n)")
        }
    }

    /// n = 3 by hand: row 0 = 1/√3; row 1 = √(2/3)·cos(π(2j+1)/6) = (1/√2, 0, −1/√2);
    /// row 2 = √(2/3)·cos(π(2j+1)/3) = (1/√6, −2/√6, 1/√6).
    func testHandComputedThreePoint() {
        let q = DCTBasis.matrix(3)
        let expected: [Float] = [1 / 3.0.squareRoot(), 1 / 3.0.squareRoot(), 1 / 3.0.squareRoot(),
                                 1 / 2.0.squareRoot(), 0, -1 / 2.0.squareRoot(),
                                 1 / 6.0.squareRoot(), -2 / 6.0.squareRoot(), 1 / 6.0.squareRoot()].map { Float($0) }
        for (a, b) in zip(q.data, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        // A constant signal has only the DC coefficient: Q·1 = (√n, 0, …).
        let dc = matmul(DCTBasis.matrix(8), Tensor(shape: [8, 1], repeating: 1))
        XCTAssertEqual(dc.data[0], Float(8.0.squareRoot()), accuracy: 1e-5)
        for x in dc.data.dropFirst() { XCTAssertEqual(x, 0, accuracy: 1e-5) }
    }

    func testTopColumnsByL1NormWithTies() {
        // Column ℓ1 norms 3, 4, 1: the top two are 1 then 0.
        XCTAssertEqual(ColumnSelection.top(Tensor(shape: [2, 3], data: [1, -3, 0.5, 2, 1, -0.5]), rank: 2), [1, 0])
        XCTAssertEqual(ColumnSelection.top(Tensor(shape: [1, 3], data: [1, -1, 1]), rank: 2), [0, 1])
        XCTAssertEqual(ColumnSelection.top(Tensor(shape: [1, 2], data: [1, 2]), rank: 5), [1, 0])
    }

    /// A gradient `a·Q[:, c]ᵀ` lies in one basis column: selection finds `c` and the rank-1
    /// projection keeps it whole, on either side; the bases are built once per size.
    func testRankOneGradientIsRecoveredOnBothSides() {
        let source = OrthogonalColumnSelection()
        let q = DCTBasis.matrix(4)
        let a: [Float] = [0.5, -1, 2, 0.25, 1.5, -0.75]
        var g = [Float](repeating: 0, count: 24)
        for i in 0..<6 { for j in 0..<4 { g[i * 4 + j] = a[i] * q[j, 2] } }
        let right = Tensor(shape: [6, 4], data: g)
        let pr = source.projector(right, rank: 1, side: .right, index: 0, step: 1)
        XCTAssertEqual(pr.shape, [1, 4])
        XCTAssertEqual(source.selected[0], [2])
        let back = matmul(matmul(right, pr, transposeB: true), pr)
        for (x, y) in zip(back.data, right.data) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        let left = right.transposed
        let pl = source.projector(left, rank: 1, side: .left, index: 1, step: 1)
        XCTAssertEqual(pl.shape, [4, 1])
        XCTAssertEqual(source.selected[1], [2])
        XCTAssertEqual(source.basesBuilt, 1)
        XCTAssertEqual(source.flops, 2 * (2 * 6 * 16 + 6 * 4))
        // Two rank-1 index lists (4 bytes each) and one 4 × 4 fp32 basis.
        XCTAssertEqual(source.stateBytes(), 2 * 4 + 16 * 4)
        XCTAssertEqual(source.stateBytes(basisStored: false), 8)
    }

    func testRandomOrthogonalBasisIsOrthonormalAndSeeded() {
        let basis = OrthogonalColumnSelection.Basis.randomOrthogonal(seed: 3, path: ["t"])
        let q = OrthogonalColumnSelection(basis: basis).matrix(6)
        XCTAssertLessThan(maxDeviationFromIdentity(q, transposeFirst: true), 1e-5)
        XCTAssertEqual(q.data, OrthogonalColumnSelection(basis: basis).matrix(6).data)
        XCTAssertNotEqual(q.data, DCTBasis.matrix(6).data)
    }
}
