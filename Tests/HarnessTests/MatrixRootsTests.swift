import XCTest
@testable import Harness

/// Inverse p-th roots against exact answers: diagonal matrices by hand, `(A^(−1/p))^p A = I` on
/// seeded SPD matrices, each damping convention, and the coupled Newton iteration against the
/// eigendecomposition.
final class MatrixRootsTests: XCTestCase {
    /// A seeded SPD matrix `B Bᵀ + shift I` (n × n).
    func spd(_ n: Int, shift: Double = 0.5, path: String) -> Tensor<Double> {
        var rng = SeededRandom(seed: 9, path: ["matrix-roots", path])
        let b = Tensor<Double>(shape: [n, n], data: (0..<(n * n)).map { _ in Double(rng.normal()) })
        var a = matmul(b, b, transposeB: true)
        for i in 0..<n { a.data[i * n + i] += shift }
        return a
    }

    func assertClose(_ a: Tensor<Double>, _ b: Tensor<Double>, _ tolerance: Double, _ message: String = "", line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, line: line)
        let worst = zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "\(message) largest difference \(worst)", line: line)
    }

    func testDiagonalRootsByHand() throws {
        let a = Tensor<Double>(shape: [3, 3], data: [16, 0, 0, 0, 81, 0, 0, 0, 1])
        assertClose(try MatrixRoots.inverseRoot(a, p: 4), Tensor(shape: [3, 3], data: [0.5, 0, 0, 0, 1.0 / 3, 0, 0, 0, 1]), 1e-14)
        assertClose(try MatrixRoots.inverseRoot(a, p: 2), Tensor(shape: [3, 3], data: [0.25, 0, 0, 0, 1.0 / 9, 0, 0, 0, 1]), 1e-14)
        // Ridge: (diag(15, 80, 0) + I)^(−1/4); floor: max(λ, 16); relative floor: max(λ, 0.2 · 80).
        let singular = Tensor<Double>(shape: [3, 3], data: [15, 0, 0, 0, 80, 0, 0, 0, 0])
        let ridge = try MatrixRoots.inverseRoot(singular, p: 4, damping: .ridge(1))
        assertClose(ridge, Tensor(shape: [3, 3], data: [0.5, 0, 0, 0, pow(81, -0.25), 0, 0, 0, 1]), 1e-14)
        let floor = try MatrixRoots.inverseRoot(singular, p: 2, damping: .floor(16))
        assertClose(floor, Tensor(shape: [3, 3], data: [0.25, 0, 0, 0, pow(80, -0.5), 0, 0, 0, 0.25]), 1e-14)
        let relative = try MatrixRoots.inverseRoot(singular, p: 2, damping: .relativeFloor(0.2))
        assertClose(relative, Tensor(shape: [3, 3], data: [0.25, 0, 0, 0, pow(80, -0.5), 0, 0, 0, 0.25]), 1e-14)
        let relativeRidge = try MatrixRoots.inverseRoot(singular, p: 1, damping: .relativeRidge(0.01))
        assertClose(relativeRidge, Tensor(shape: [3, 3], data: [1 / 15.8, 0, 0, 0, 1 / 80.8, 0, 0, 0, 1 / 0.8]), 1e-14)
        // No damping on a singular matrix: an infinite root, not a silent wrong one.
        XCTAssertFalse(try MatrixRoots.inverseRoot(singular, p: 2).isFinite)
    }

    /// `(A^(−1/4))⁴ A = I`, the root symmetric positive definite, and `A^(−1/2) A A^(−1/2) = I`.
    func testRootsOfSPDMatricesInvertThem() throws {
        for (n, p) in [(2, 4), (5, 4), (8, 2), (6, 3)] {
            let a = spd(n, path: "\(n)-\(p)")
            let root = try MatrixRoots.inverseRoot(a, p: Double(p))
            var power = Tensor<Double>.identity(n)
            for _ in 0..<p { power = matmul(power, root) }
            assertClose(matmul(power, a), .identity(n), 1e-10, "n=\(n) p=\(p)")
            assertClose(root, root.transposed, 1e-13, "symmetry")
            XCTAssertGreaterThan(try symmetricEigen(root).values.min()!, 0)
        }
        let a = spd(7, path: "half")
        let half = try MatrixRoots.inverseRoot(a, p: 2)
        assertClose(matmul(matmul(half, a), half), .identity(7), 1e-10)
    }

    /// The root of `Q D Qᵀ` is `Q D^(−1/p) Qᵀ` for a known orthogonal `Q` (a rotation).
    func testRootOfRotatedDiagonal() throws {
        let c = cos(0.3), s = sin(0.3)
        let q = Tensor<Double>(shape: [2, 2], data: [c, -s, s, c])
        let d = Tensor<Double>(shape: [2, 2], data: [81, 0, 0, 1.0 / 16])
        let a = matmul(matmul(q, d), q, transposeB: true)
        let expected = matmul(matmul(q, Tensor(shape: [2, 2], data: [1.0 / 3, 0, 0, 2])), q, transposeB: true)
        assertClose(try MatrixRoots.inverseRoot(a, p: 4), expected, 1e-13)
    }

    /// Float input: computed in Double, rounded once, so it agrees with the Double root to Float precision.
    func testFloatRootUsesDoubleArithmetic() throws {
        let a = spd(6, path: "float")
        let exact = try MatrixRoots.inverseRoot(a, p: 4)
        let single = try MatrixRoots.inverseRoot(a.converted(to: Float.self), p: 4)
        for (x, y) in zip(single.data, exact.data) { XCTAssertEqual(Double(x), y, accuracy: 1e-6 * max(1, abs(y))) }
    }

    /// The coupled Newton iteration converges to the same damped root `(A + ε λ_max I)^(−1/p)` up to
    /// its stopping residual, and its 1 × 1 case is closed-form.
    func testCoupledNewtonMatchesEigenRoot() throws {
        for (n, p) in [(2, 4), (6, 4), (4, 2)] {
            let a = spd(n, shift: 0.1, path: "newton-\(n)")
            let eps = 1e-6
            let exact = try MatrixRoots.inverseRoot(a, p: Double(p), damping: .relativeRidge(eps))
            let newton = try MatrixRoots.coupledNewtonInverseRoot(a, p: p, ridge: eps)
            // The iteration stops at ‖M − I‖_max ≤ 1e-3, so the root is accurate to about 1e-3/p relatively.
            let scale = exact.data.map(abs).max()!
            assertClose(newton, exact, 1e-3 * scale, "n=\(n) p=\(p)")
            let tight = try MatrixRoots.coupledNewtonInverseRoot(a, p: p, ridge: eps, tolerance: 1e-12)
            assertClose(tight, exact, 1e-9 * scale, "tight n=\(n) p=\(p)")
        }
        let one = try MatrixRoots.coupledNewtonInverseRoot(Tensor<Float>(shape: [1, 1], data: [16]), p: 4, ridge: 0)
        XCTAssertEqual(one.data[0], 0.5, accuracy: 1e-7)
    }
}
