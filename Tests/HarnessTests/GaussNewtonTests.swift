import Foundation
import XCTest
@testable import Harness

/// The Gauss–Newton product and Lanczos on an arbitrary operator, against the exact Hessian of
/// softmax regression computed in Double (for a linear model the Hessian and the GGN coincide).
final class GaussNewtonTests: XCTestCase {
    /// Softmax regression z = xW + b (W: [d, k]) on `n` random examples, and its exact Hessian of
    /// the mean cross-entropy over the flat parameters (W row-major, then b):
    /// H[(a,c),(a',c')] = (1/n) Σᵢ x̃ₐ x̃ₐ' (diag(pᵢ) − pᵢpᵢᵀ)[c,c'], x̃ = (x, 1).
    static func problem() -> (model: MLP, x: Tensor<Float>, labels: [Int], hessian: [[Double]]) {
        let d = 3, k = 3, n = 7
        var rng = SeededRandom(seed: 11, path: ["ggn"])
        let model = MLP(sizes: [d, k], rng: rng.child("model"))
        let x = Tensor<Float>.randomNormal([n, d], using: &rng)
        let labels = (0..<n).map { $0 % k }
        let w = model.linears[0].weight.value.data.map(Double.init), b = model.linears[0].bias!.value.data.map(Double.init)
        let m = (d + 1) * k
        var h = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        for i in 0..<n {
            let xt = (0..<d).map { Double(x.data[i * d + $0]) } + [1]
            let z = (0..<k).map { c in (0..<d).reduce(b[c]) { $0 + xt[$1] * w[$1 * k + c] } }
            let e = z.map { exp($0 - z.max()!) }, s = e.reduce(0, +)
            let p = e.map { $0 / s }
            for a in 0...d { for c in 0..<k { for a2 in 0...d { for c2 in 0..<k {
                let curvature = (c == c2 ? p[c] : 0) - p[c] * p[c2]
                h[a * k + c][a2 * k + c2] += xt[a] * xt[a2] * curvature / Double(n)
            } } } }
        }
        return (model, x, labels, h)
    }

    static func flat(_ ts: [Tensor<Float>]) -> [Double] { ts.flatMap { $0.data.map(Double.init) } }

    /// G v and H v (central differences) both equal the exact Hessian times v, to float rounding.
    func testProductsMatchTheExactHessianOfSoftmaxRegression() {
        let (model, x, labels, exact) = Self.problem()
        let params = model.trainableParameters
        let before = params.map(\.value)
        var rng = SeededRandom(seed: 3, path: ["direction"])
        let v = params.map { Tensor<Float>.randomNormal($0.value.shape, using: &rng) }
        let vf = Self.flat(v)
        let expected = exact.map { row in zip(row, vf).reduce(0) { $0 + $1.0 * $1.1 } }
        let g = Self.flat(model.gaussNewtonProduct(x, v, h: 1e-2))
        let hv = Self.flat(Hessian.vectorProduct(params, v, h: 1e-2) { model.lossAndGradient(x, labels: labels) })
        for i in expected.indices {
            XCTAssertEqual(g[i], expected[i], accuracy: 2e-4, "GGN entry \(i)")
            XCTAssertEqual(hv[i], expected[i], accuracy: 2e-3, "HVP entry \(i)")
        }
        XCTAssertEqual(params.map(\.value), before)
    }

    /// Lanczos on the GGN product reaches the exact extreme eigenvalues (LAPACK on the Double matrix).
    func testLanczosOnTheGaussNewtonProductFindsTheExactEigenvalues() throws {
        let (model, x, _, exact) = Self.problem()
        let m = exact.count
        let eigen = try symmetricEigen(Tensor<Double>(shape: [m, m], data: exact.flatMap { $0 }))
        var rng = SeededRandom(seed: 5, path: ["lanczos"])
        let spectrum = try Hessian.lanczos(shapes: model.trainableParameters.map(\.value.shape), steps: m, rng: &rng) {
            model.gaussNewtonProduct(x, $0, h: 1e-2)
        }
        XCTAssertEqual(spectrum.largest, eigen.values.last!, accuracy: 1e-4)
        XCTAssertGreaterThan(eigen.values.last!, 0.05, "a non-trivial top eigenvalue")
        XCTAssertGreaterThan(spectrum.smallest, -1e-4, "the GGN of a convex loss is positive semi-definite")
    }

    /// For a tanh MLP the GGN product is symmetric (uᵀGv = vᵀGu) and positive semi-definite, while
    /// the Hessian need not be: the two operators differ.
    func testGaussNewtonOfATanhNetworkIsSymmetricAndPositive() {
        var rng = SeededRandom(seed: 8, path: ["mlp"])
        let model = MLP(sizes: [4, 6, 3], activation: .tanh, rng: rng.child("model"))
        let x = Tensor<Float>.randomNormal([9, 4], using: &rng)
        let params = model.trainableParameters
        let u = params.map { Tensor<Float>.randomNormal($0.value.shape, using: &rng) }
        let v = params.map { Tensor<Float>.randomNormal($0.value.shape, using: &rng) }
        func dot(_ a: [Tensor<Float>], _ b: [Tensor<Float>]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0.dot($1.1)) } }
        let gv = model.gaussNewtonProduct(x, v, h: 1e-3), gu = model.gaussNewtonProduct(x, u, h: 1e-3)
        XCTAssertEqual(dot(u, gv), dot(v, gu), accuracy: 1e-3 * max(1, abs(dot(u, gv))))
        XCTAssertGreaterThan(dot(v, gv), 0)
        XCTAssertGreaterThan(dot(u, gu), 0)
    }
}
