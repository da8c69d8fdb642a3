import Foundation
import XCTest
@testable import Harness

/// Hessian-vector products by central differences and the power iteration on them.
final class HessianTests: XCTestCase {
    /// A random direction of unit norm over all the parameters.
    static func unitDirection(_ params: [Parameter], _ rng: inout SeededRandom) -> [Tensor<Float>] {
        var t = params.map { Tensor<Float>.randomNormal($0.value.shape, using: &rng) }
        let norm = t.reduce(0.0) { $0 + Double($1.squaredNorm()) }.squareRoot()
        for k in t.indices { t[k].scale(by: Float(1 / norm)) }
        return t
    }

    /// uᵀw summed over the tensors.
    static func product(_ a: [Tensor<Float>], _ b: [Tensor<Float>]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0.dot($1.1)) } }

    /// ½ wᵀAw over one flat parameter (A symmetric), writing the gradient Aw.
    static func quadratic(_ a: [[Float]], _ p: Parameter) -> Float {
        let w = p.value.data
        var total: Float = 0
        for i in a.indices {
            var row: Float = 0
            for j in a.indices { row += a[i][j] * w[j] }
            p.grad.data[i] = row
            total += 0.5 * w[i] * row
        }
        return total
    }

    /// On a quadratic the central difference is exact: Hv = Av, whatever h, and the values are
    /// restored bit for bit.
    func testVectorProductOfAQuadraticIsAv() {
        let a: [[Float]] = [[2, -1, 0.5], [-1, 3, 0], [0.5, 0, 1]]
        let p = Parameter("w", Tensor(shape: [3], data: [0.3, -1.2, 2]))
        let before = p.value
        let v: [Float] = [1, -2, 0.5]
        let hv = Hessian.vectorProduct([p], [Tensor(shape: [3], data: v)], h: 0.1) { Self.quadratic(a, p) }
        for i in 0..<3 {
            let expected = (0..<3).reduce(Float(0)) { $0 + a[i][$1] * v[$1] }
            XCTAssertEqual(hv[0].data[i], expected, accuracy: 1e-4, "entry \(i)")
        }
        XCTAssertEqual(p.value, before)
    }

    /// On L(w) = ½ Σ aᵢ wᵢ² (two tensors) the power iteration returns the largest aᵢ and leaves
    /// the weights untouched.
    func testTopEigenvalueOfADiagonalQuadratic() {
        let a: [[Float]] = [[0.5, 3, -1], [7, 2]]
        let params = [Parameter("u", Tensor(shape: [3], data: [0.3, -0.2, 1])), Parameter("v", Tensor(shape: [2], data: [2, -1]))]
        let before = params.map(\.value)
        var rng = SeededRandom(seed: 4, path: ["power"])
        let lambda = Hessian.topEigenvalue(params, iterations: 60, h: 1e-2, rng: &rng) {
            SAMOptimizerTests.diagonalQuadratic(a, params)
        }
        XCTAssertEqual(lambda, 7, accuracy: 1e-3)
        XCTAssertEqual(params.map(\.value), before)
    }

    /// Power iteration finds the eigenvalue of largest *magnitude*: with eigenvalues 1 and −5 it
    /// returns −5 (so away from a minimum it is not λ_max, as the documentation says).
    func testTopEigenvalueIsTheLargestInMagnitude() {
        let p = Parameter("w", Tensor(shape: [2], data: [1, 1]))
        var rng = SeededRandom(seed: 1, path: ["saddle"])
        let lambda = Hessian.topEigenvalue([p], iterations: 80, h: 1e-2, rng: &rng) {
            SAMOptimizerTests.diagonalQuadratic([[1, -5]], [p])
        }
        XCTAssertEqual(lambda, -5, accuracy: 1e-3)
    }

    /// On a smooth network loss (tanh MLP, cross-entropy) the products are symmetric,
    /// uᵀ(Hv) = vᵀ(Hu), as a Hessian's must be, for unit u and v; a wrong sign, a wrong scale
    /// or a one-sided difference would break it or the match with a second, smaller step.
    func testVectorProductsOfAnMLPLossAreSymmetric() {
        var rng = SeededRandom(seed: 7, path: ["mlp"])
        let x = Tensor<Float>.randomNormal([16, 5], using: &rng)
        let labels = (0..<16).map { $0 % 3 }
        let model = MLP(sizes: [5, 8, 3], activation: .tanh, rng: SeededRandom(seed: 7, path: ["init"]))
        let params = model.parameters
        let u = HessianTests.unitDirection(params, &rng), v = HessianTests.unitDirection(params, &rng)
        let loss = { model.lossAndGradient(x, labels: labels) }
        let uHv = HessianTests.product(u, Hessian.vectorProduct(params, v, h: 1e-2, lossAndGradient: loss))
        let vHu = HessianTests.product(v, Hessian.vectorProduct(params, u, h: 1e-2, lossAndGradient: loss))
        let uHvSmall = HessianTests.product(u, Hessian.vectorProduct(params, v, h: 3e-3, lossAndGradient: loss))
        XCTAssertGreaterThan(abs(uHv), 1e-3, "a non-trivial curvature")
        XCTAssertEqual(uHv, vHu, accuracy: 1e-2 * abs(uHv))
        XCTAssertEqual(uHv, uHvSmall, accuracy: 1e-2 * abs(uHv))
    }
}

/// The Lanczos iteration: exact on small quadratics, both ends of the spectrum whatever their
/// signs, and in agreement with power iteration on a smooth network loss.
final class HessianLanczosTests: XCTestCase {
    /// With as many steps as dimensions the Ritz values are the eigenvalues themselves.
    func testLanczosRecoversEveryEigenvalueOfASmallQuadratic() throws {
        let a: [[Float]] = [[0.5, 3, -1], [7, 2]]
        let params = [Parameter("u", Tensor(shape: [3], data: [0.3, -0.2, 1])), Parameter("v", Tensor(shape: [2], data: [2, -1]))]
        let before = params.map(\.value)
        var rng = SeededRandom(seed: 4, path: ["lanczos"])
        let spectrum = try Hessian.lanczos(params, steps: 5, h: 1e-2, rng: &rng) { SAMOptimizerTests.diagonalQuadratic(a, params) }
        XCTAssertEqual(spectrum.ritzValues.count, 5)
        for (x, e) in zip(spectrum.ritzValues, [-1.0, 0.5, 2, 3, 7]) { XCTAssertEqual(x, e, accuracy: 1e-3) }
        XCTAssertEqual(spectrum.largest, 7, accuracy: 1e-3)
        XCTAssertEqual(spectrum.smallest, -1, accuracy: 1e-3)
        XCTAssertEqual(params.map(\.value), before)
    }

    /// Where power iteration returns the larger-magnitude negative end, Lanczos gives both ends;
    /// with fewer steps than dimensions the extremes still converge first.
    func testLanczosFindsBothEndsOfAnIndefiniteSpectrum() throws {
        let diag: [Float] = (0..<40).map { Float($0) / 10 - 1.5 } + [-6, 5]   // spectrum −6 … 5
        let p = Parameter("w", Tensor(shape: [diag.count], repeating: 0.5))
        var rng = SeededRandom(seed: 9, path: ["indefinite"])
        let spectrum = try Hessian.lanczos([p], steps: 15, h: 1e-2, rng: &rng) { SAMOptimizerTests.diagonalQuadratic([diag], [p]) }
        XCTAssertEqual(spectrum.largest, 5, accuracy: 1e-2)
        XCTAssertEqual(spectrum.smallest, -6, accuracy: 1e-2)
        XCTAssertTrue(spectrum.ritzValues.allSatisfy { $0 >= -6 - 1e-2 && $0 <= 5 + 1e-2 }, "Ritz values lie inside the spectrum")
    }

    /// On a smooth network loss (tanh MLP) the largest Ritz value after 20 steps matches a long
    /// power iteration when λ_max dominates, and λ_min ≤ λ_max.
    func testLanczosAgreesWithPowerIterationOnAnMLP() throws {
        var rng = SeededRandom(seed: 7, path: ["mlp"])
        let x = Tensor<Float>.randomNormal([32, 5], using: &rng)
        let labels = (0..<32).map { $0 % 3 }
        let model = MLP(sizes: [5, 8, 3], activation: .tanh, rng: SeededRandom(seed: 7, path: ["init"]))
        let loss = { model.lossAndGradient(x, labels: labels) }
        var r1 = SeededRandom(seed: 1, path: ["lanczos"]), r2 = SeededRandom(seed: 1, path: ["power"])
        let spectrum = try Hessian.lanczos(model.parameters, steps: 20, h: 1e-2, rng: &r1, lossAndGradient: loss)
        let power = Hessian.topEigenvalue(model.parameters, iterations: 300, h: 1e-2, rng: &r2, lossAndGradient: loss)
        print("lanczos \(spectrum.ritzValues) power \(power)")
        if power > 0 { XCTAssertEqual(spectrum.largest, power, accuracy: 2e-2 * abs(power)) }
        XCTAssertLessThanOrEqual(spectrum.smallest, spectrum.largest)
    }
}

/// A ReLU network's Hessian through frozen gates.
final class FrozenGateTests: XCTestCase {
    static func problem() -> (model: MLP, x: Tensor<Float>, labels: [Int]) {
        var rng = SeededRandom(seed: 11, path: ["relu"])
        let x = Tensor<Float>.randomNormal([64, 6], using: &rng)
        return (MLP(sizes: [6, 12, 12, 3], rng: SeededRandom(seed: 11, path: ["init"])), x, (0..<64).map { $0 % 3 })
    }

    /// With the gates of the current weights the frozen loss and its gradient are the ordinary ones.
    func testFrozenGatesReproduceTheLossAndGradientAtTheWeights() {
        let (model, x, labels) = Self.problem()
        let gates = model.reluGates(x)
        XCTAssertEqual(gates.map(\.shape), [[64, 12], [64, 12]])
        XCTAssertTrue(gates.allSatisfy { g in g.data.allSatisfy { $0 == 0 || $0 == 1 } && g.data.contains(0) && g.data.contains(1) })
        let loss = model.lossAndGradient(x, labels: labels)
        let grads = model.parameters.map(\.grad)
        let frozen = model.lossAndGradient(x, labels: labels, frozenGates: gates)
        XCTAssertEqual(frozen, loss, accuracy: 1e-6)
        for (a, b) in zip(model.parameters.map(\.grad), grads) {
            for (u, v) in zip(a.data, b.data) { XCTAssertEqual(u, v, accuracy: 1e-6) }
        }
    }

    /// Finite differences of the frozen-gate gradient are a Hessian: symmetric, uᵀHv = vᵀHu, and
    /// the same for steps ten times apart (the ordinary ReLU gradient jumps at kinks, so its
    /// difference quotient need not be either).
    func testFrozenGateHessianIsSymmetricAndStepIndependent() {
        let (model, x, labels) = Self.problem()
        let gates = model.reluGates(x)
        let params = model.parameters
        var rng = SeededRandom(seed: 12, path: ["directions"])
        let u = HessianTests.unitDirection(params, &rng), v = HessianTests.unitDirection(params, &rng)
        let loss = { model.lossAndGradient(x, labels: labels, frozenGates: gates) }
        let uHv = HessianTests.product(u, Hessian.vectorProduct(params, v, h: 1e-2, lossAndGradient: loss))
        let vHu = HessianTests.product(v, Hessian.vectorProduct(params, u, h: 1e-2, lossAndGradient: loss))
        let uHvSmall = HessianTests.product(u, Hessian.vectorProduct(params, v, h: 1e-3, lossAndGradient: loss))
        let vHv = HessianTests.product(v, Hessian.vectorProduct(params, v, h: 1e-2, lossAndGradient: loss))
        let vHvBig = HessianTests.product(v, Hessian.vectorProduct(params, v, h: 1e-1, lossAndGradient: loss))
        print("frozen gates: uHv \(uHv) vHu \(vHu) uHv(h/10) \(uHvSmall) vHv \(vHv) vHv(10h) \(vHvBig)")
        XCTAssertGreaterThan(abs(vHv), 1e-3, "a non-trivial curvature")
        XCTAssertEqual(uHv, vHu, accuracy: 1e-2 * abs(vHv))
        XCTAssertEqual(uHv, uHvSmall, accuracy: 1e-2 * abs(vHv))
        XCTAssertEqual(vHv, vHvBig, accuracy: 2e-2 * abs(vHv))
    }
}
