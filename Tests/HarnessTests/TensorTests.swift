import XCTest
@testable import Harness

final class TensorTests: XCTestCase {
    func testMatmulMatchesNaiveProduct() {
        var rng = SeededRandom(seed: 1, path: ["matmul"])
        let a = Tensor<Double>.randomNormal([5, 7], using: &rng)
        let b = Tensor<Double>.randomNormal([7, 3], using: &rng)
        let c = matmul(a, b)
        for i in 0..<5 { for j in 0..<3 {
            var s = 0.0
            for k in 0..<7 { s += a[i, k] * b[k, j] }
            XCTAssertEqual(c[i, j], s, accuracy: 1e-12)
        } }
        let ct = matmul(b, a, transposeA: true, transposeB: true)
        XCTAssertEqual(ct.shape, [3, 5])
        for i in 0..<5 { for j in 0..<3 { XCTAssertEqual(ct[j, i], c[i, j], accuracy: 1e-12) } }
    }

    func testSVDReconstructsAndIsOrthonormal() throws {
        var rng = SeededRandom(seed: 2, path: ["svd"])
        for shape in [[6, 4], [4, 6]] {
            let a = Tensor<Double>.randomNormal(shape, using: &rng)
            let f = try svd(a)
            var us = f.u
            for i in 0..<us.rows { for j in 0..<us.columns { us[i, j] *= f.s[j] } }
            let back = matmul(us, f.vt)
            for (x, y) in zip(back.data, a.data) { XCTAssertEqual(x, y, accuracy: 1e-10) }
            XCTAssertTrue(zip(f.s, f.s.dropFirst()).allSatisfy { $0 >= $1 })
            let utu = matmul(f.u, f.u, transposeA: true)
            for i in 0..<utu.rows { for j in 0..<utu.columns { XCTAssertEqual(utu[i, j], i == j ? 1 : 0, accuracy: 1e-10) } }
        }
    }

    func testSymmetricEigenAndSolvers() throws {
        var rng = SeededRandom(seed: 3, path: ["eig"])
        let g = Tensor<Double>.randomNormal([5, 5], using: &rng)
        let spd = matmul(g, g, transposeB: true) + Tensor<Double>.identity(5)
        let (w, v) = try symmetricEigen(spd)
        let av = matmul(spd, v)
        for i in 0..<5 { for j in 0..<5 { XCTAssertEqual(av[i, j], v[i, j] * w[j], accuracy: 1e-9) } }
        let b = Tensor<Double>.randomNormal([5, 2], using: &rng)
        let x1 = try choleskySolve(spd, b), x2 = try solve(spd, b)
        let r = matmul(spd, x1) - b
        XCTAssertLessThan(r.norm(), 1e-10)
        XCTAssertLessThan((x1 - x2).norm(), 1e-10)
        let q = try orthonormalBasis(Tensor<Double>.randomNormal([6, 3], using: &rng))
        let qtq = matmul(q, q, transposeA: true)
        for i in 0..<3 { for j in 0..<3 { XCTAssertEqual(qtq[i, j], i == j ? 1 : 0, accuracy: 1e-12) } }
    }

    func testStreamsDependOnlyOnSeedAndPath() {
        var a = SeededRandom(seed: 7, path: ["p", "c1", "arm"])
        var b = SeededRandom(seed: 7, path: ["p", "c1", "arm"])
        var c = SeededRandom(seed: 7, path: ["p", "c1arm"])
        let xa = (0..<4).map { _ in a.next() }
        XCTAssertEqual(xa, (0..<4).map { _ in b.next() })
        XCTAssertNotEqual(xa, (0..<4).map { _ in c.next() })
        // xoshiro256** reference: state seeded by SplitMix64(0) gives this first output
        // (computed from the published C reference implementation's algorithm).
        var z = SeededRandom(seed: 0)
        XCTAssertEqual(z.next(), 0x99EC_5F36_CB75_F2B4)
    }
}
