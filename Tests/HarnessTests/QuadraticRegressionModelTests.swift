import Foundation
import XCTest
@testable import Harness

final class QuadraticRegressionModelTests: XCTestCase {
    private func smallModel() -> QuadraticRegressionModel {
        var rng = SeededRandom(seed: 3, path: ["qrm"])
        return QuadraticRegressionModel(parameters: 5, residuals: 3, targetScale: 2, rng: &rng)
    }

    /// The gradient is the central difference of the loss and the Hessian the central difference
    /// of the gradient (the model is quartic, so both are exact to rounding at h = 1e-4).
    func testGradientAndHessianMatchFiniteDifferences() throws {
        let m = smallModel()
        let theta = [0.3, -0.2, 0.5, 0.1, -0.4]
        let g = m.gradient(theta), h = m.hessian(theta)
        for i in 0..<5 {
            var plus = theta, minus = theta
            plus[i] += 1e-4; minus[i] -= 1e-4
            XCTAssertEqual(g[i], (m.loss(plus) - m.loss(minus)) / 2e-4, accuracy: 1e-7)
            let (gp, gm) = (m.gradient(plus), m.gradient(minus))
            for j in 0..<5 { XCTAssertEqual(h.data[j * 5 + i], (gp[j] - gm[j]) / 2e-4, accuracy: 1e-7) }
        }
        for i in 0..<5 { for j in 0..<5 { XCTAssertEqual(h.data[i * 5 + j], h.data[j * 5 + i], accuracy: 1e-12) } }
        // λ_max by dense eigendecomposition agrees with power iteration on the shifted operator.
        let shift = 10.0
        var rng = SeededRandom(seed: 1, path: ["power"])
        let power = HessianEstimators.powerIteration(dimension: 5, iterations: 2000, tolerance: 1e-14, rng: &rng) { v in
            (0..<5).map { i in (0..<5).reduce(0) { $0 + h.data[i * 5 + $1] * v[$1] } + shift * v[i] }
        }
        XCTAssertEqual(power.eigenvalue - shift, try m.sharpness(theta), accuracy: 1e-8)
    }

    /// A model built from arrays: one parameter, G = c, Q = 0 is the quadratic (cθ − y)²/2, Hessian c².
    func testArraysInitialiser() throws {
        let m = QuadraticRegressionModel(targets: [1], linear: [1.3], curvature: [0])
        XCTAssertEqual(m.loss([2]), 0.5 * (2.6 - 1) * (2.6 - 1), accuracy: 1e-12)
        XCTAssertEqual(try m.sharpness([0.7]), 1.69, accuracy: 1e-12)
    }
}
