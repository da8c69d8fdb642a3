import XCTest
@testable import Harness

final class AdafactorTests: XCTestCase {
    /// Step 1 (β̂₂ = 1 − 1^−0.8 = 0): R = row means of G², C = column means, U = G / √(Rᵢ Cⱼ / R̄).
    func testFactoredFirstStepByHand() {
        let t = ScaleByAdafactor()
        var u = Tensor<Float>(shape: [2, 2], data: [1, 2, 3, 4])
        t.update(&u, parameter: u, index: 0, step: 1)
        let (r, c) = ([2.5, 12.5], [5.0, 10.0]), mean = 7.5
        for i in 0..<2 { for j in 0..<2 {
            XCTAssertEqual(Double(u.data[i * 2 + j]), Double(i * 2 + j + 1) / (r[i] / mean * c[j]).squareRoot(), accuracy: 1e-6)
        } }
        XCTAssertEqual(t.stateBytes, 4 * (2 + 2))
    }

    /// Vectors keep the full moment: step 1 gives g/|g|; step 2 mixes with β̂₂ = 1 − 2^−0.8.
    func testVectorMomentTwoSteps() {
        let t = ScaleByAdafactor()
        var u = Tensor<Float>(shape: [2], data: [2, -0.5])
        t.update(&u, parameter: u, index: 0, step: 1)
        XCTAssertEqual(u.data, [1, -1])
        var w = Tensor<Float>(shape: [2], data: [1, 1])
        t.update(&w, parameter: w, index: 0, step: 2)
        let beta = 1 - pow(2.0, -0.8)
        XCTAssertEqual(Double(w.data[0]), 1 / (beta * 4 + (1 - beta)).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(Double(w.data[1]), 1 / (beta * 0.25 + (1 - beta)).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(t.stateBytes, 8)
    }

    /// Clipping divides by max(1, RMS/d); the relative step multiplies by max(ε₂, RMS(W)).
    func testClipAndParameterScale() {
        var u = Tensor<Float>(shape: [2], data: [3, 4])
        ClipByRMS().update(&u, parameter: u, index: 0, step: 1)
        XCTAssertEqual(Double(u.data[0]), 3 / 12.5.squareRoot(), accuracy: 1e-6)
        var small = Tensor<Float>(shape: [2], data: [0.3, 0.4])
        ClipByRMS(parameterScale: true).update(&small, parameter: Tensor(shape: [2], data: [0.2, 0.2]), index: 0, step: 1)
        XCTAssertEqual(Double(small.data[1]), 0.4 * 0.2, accuracy: 1e-6)
        var tiny = Tensor<Float>(shape: [1], data: [0.5])
        ClipByRMS(parameterScale: true).update(&tiny, parameter: Tensor(shape: [1], data: [0]), index: 0, step: 1)
        XCTAssertEqual(Double(tiny.data[0]), 0.5e-3, accuracy: 1e-9)
    }
}
