import XCTest
@testable import Harness

final class SparseSpectralTests: XCTestCase {
    /// A factor by hand: U = I₂, σ = [2, 1], V = I₂, so W = diag(2, 1). With G = [[1, 2], [3, 4]]:
    /// ∂L/∂σ = [U₁ᵀ G V₁, U₂ᵀ G V₂] = [1, 4]; for active = [1] the enhanced dU₂ = G V₂ = [2, 4],
    /// dV₂ = Gᵀ U₂ = [3, 4]; column 0 of dU, dV stays zero.
    func testGradientsByHand() {
        let eye = Tensor<Float>(shape: [2, 2], data: [1, 0, 0, 1])
        let f = SpectralFactor(u: eye, sigma: Tensor(shape: [2], data: [2, 1]), v: eye)
        XCTAssertEqual(f.weight.data, [2, 0, 0, 1])
        let g = f.gradients(Tensor(shape: [2, 2], data: [1, 2, 3, 4]), active: [1])
        XCTAssertEqual(g.sigma.data, [1, 4])
        XCTAssertEqual(g.u.data, [0, 2, 0, 4])
        XCTAssertEqual(g.v.data, [0, 3, 0, 4])
    }

    /// Decomposing reproduces the matrix; projection clamps σ at 0 and renormalises only the active columns.
    func testDecomposeAndProject() throws {
        var rng = SeededRandom(seed: 1, path: ["sst-factor"])
        let w = Tensor<Float>.randomNormal([6, 4], using: &rng)
        var f = try SpectralFactor(decomposing: w)
        for (a, b) in zip(f.weight.data, w.data) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        f.sigma.data[3] = -1
        for i in 0..<6 { f.u.data[i * 4 + 0] *= 3; f.u.data[i * 4 + 1] *= 3 }
        f.project(active: [0])
        XCTAssertEqual(f.sigma.data[3], 0)
        let norm = { (j: Int) in (0..<6).reduce(Float(0)) { $0 + f.u.data[$1 * 4 + j] * f.u.data[$1 * 4 + j] }.squareRoot() }
        XCTAssertEqual(norm(0), 1, accuracy: 1e-5)
        XCTAssertEqual(norm(1), 3, accuracy: 1e-4)
    }

    /// p = ½(1/k + σ/Σσ): σ = [3, 1, 0, 0] → [0.5, 0.25, 0.125, 0.125]; sampling draws distinct
    /// indices, and the half-uniform part reaches a zero singular value.
    func testProbabilitiesAndSampling() {
        XCTAssertEqual(SpectralFactor.probabilities([3, 1, 0, 0]), [0.5, 0.25, 0.125, 0.125])
        var rng = SeededRandom(seed: 2, path: ["sst-sample"])
        var zeroDrawn = false
        for _ in 0..<100 {
            let picked = SpectralFactor.sample(SpectralFactor.probabilities([3, 1, 0, 0]), count: 2, rng: &rng)
            XCTAssertEqual(Set(picked).count, 2)
            if picked.contains(2) || picked.contains(3) { zeroDrawn = true }
        }
        XCTAssertTrue(zeroDrawn)
        XCTAssertEqual(SpectralFactor.sample([0, 1, 0], count: 1, rng: &rng), [1])
        XCTAssertEqual(SpectralFactor.trainedNumbers(n: 64, m: 128, rank: 8), 8 * 192 + 64)
    }
}

final class ReLoRAAdapterTests: XCTestCase {
    /// Starts at W₀ (B = 0), A within ±1/√n; a restart returns W₀ + A B and zeroes B.
    func testStartAndRestart() {
        let adapter = ReLoRAAdapter("l", n: 4, m: 3, rank: 2, rng: SeededRandom(seed: 1, path: ["relora"]))
        let w0 = Tensor<Float>(shape: [4, 3], data: (0..<12).map(Float.init))
        XCTAssertEqual(adapter.weight(w0).data, w0.data)
        XCTAssertTrue(adapter.a.value.data.allSatisfy { abs($0) <= 0.5 })
        adapter.b.value = Tensor(shape: [2, 3], data: [1, 0, 0, 0, 1, 0])
        let expected = adapter.weight(w0), oldA = adapter.a.value
        XCTAssertEqual(expected.data[0], w0.data[0] + oldA.data[0])
        let merged = adapter.restart(w0, rng: SeededRandom(seed: 2, path: ["relora"]))
        XCTAssertEqual(merged.data, expected.data)
        XCTAssertEqual(adapter.b.value.data, [Float](repeating: 0, count: 6))
        XCTAssertNotEqual(adapter.a.value.data, oldA.data)
    }
}
