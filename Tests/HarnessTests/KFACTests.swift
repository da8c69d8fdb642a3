import XCTest
@testable import Harness

/// K-FAC's factors on a single linear layer with squared loss, where the Gauss–Newton matrix is
/// exactly Kronecker: `L(W) = (1/2n) Σᵢ ‖W āᵢ − yᵢ‖²` has Hessian `E[ā āᵀ] ⊗ I`, and the output
/// Hessian `I = Σ_k e_k e_kᵀ` gives the Gauss–Newton vectors `e_k` for every sample.
final class KFACTests: XCTestCase {
    let n = 7, inputs = 3, outputs = 2

    func data() -> (Tensor<Float>, Tensor<Float>) {
        var rng = SeededRandom(seed: 9, path: ["kfac", "layer"])
        let x = Tensor<Float>(shape: [n, inputs], data: (0..<(n * inputs)).map { _ in Float(rng.normal()) })
        let y = Tensor<Float>(shape: [n, outputs], data: (0..<(n * outputs)).map { _ in Float(rng.normal()) })
        return (x, y)
    }

    /// The exact gradient of `L` at `W` (out × (in + 1), bias last), in Double.
    func gradient(_ w: [Double], _ x: Tensor<Float>, _ y: Tensor<Float>) -> [Double] {
        let width = inputs + 1
        var grad = [Double](repeating: 0, count: outputs * width)
        for i in 0..<n {
            let a = (0..<inputs).map { Double(x.data[i * inputs + $0]) } + [1]
            for o in 0..<outputs {
                let residual = (0..<width).reduce(0.0) { $0 + w[o * width + $1] * a[$1] } - Double(y.data[i * outputs + o])
                for j in 0..<width { grad[o * width + j] += residual * a[j] / Double(n) }
            }
        }
        return grad
    }

    /// The Hessian by central differences of the exact gradient equals `A ⊗ G` built from the
    /// inputs and the Gauss–Newton vectors `e_k` (G = I).
    func testKroneckerFactorsEqualExactGaussNewton() throws {
        let (x, y) = data()
        let width = inputs + 1, size = outputs * width
        var vectors = Tensor<Float>.zeros([n * outputs, outputs])
        for i in 0..<n { for k in 0..<outputs { vectors.data[(i * outputs + k) * outputs + k] = 1 } }
        var factors = KFACFactors(inputs: inputs, outputs: outputs)
        XCTAssertTrue(factors.observe(step: 1, inputs: x, outputGradients: vectors, samples: n))
        let kfac = factors.kroneckerMatrix
        var rng = SeededRandom(seed: 9, path: ["kfac", "point"])
        let w = (0..<size).map { _ in rng.normal() }
        let h = 1e-3
        for c in 0..<size {
            var plus = w, minus = w
            plus[c] += h; minus[c] -= h
            let column = zip(gradient(plus, x, y), gradient(minus, x, y)).map { ($0 - $1) / (2 * h) }
            for r in 0..<size { XCTAssertEqual(kfac.data[r * size + c], column[r], accuracy: 1e-9, "H[\(r), \(c)]") }
        }
        for o in 0..<outputs { for p in 0..<outputs {
            XCTAssertEqual(factors.outputGradientFactor.data[o * outputs + p], o == p ? 1 : 0, accuracy: 1e-15)
        } }
    }

    /// The damped direction equals the explicit solve with `(A + π√λ I) ⊗ (G + √λ/π I)`, and π is
    /// the ratio of mean traces; moving averages and the refresh interval behave as documented.
    func testDampedDirectionMovingAverageAndInterval() throws {
        let (x, _) = data()
        var rng = SeededRandom(seed: 9, path: ["kfac", "grads"])
        let g = Tensor<Float>(shape: [n, outputs], data: (0..<(n * outputs)).map { _ in Float(rng.normal()) })
        var factors = KFACFactors(inputs: inputs, outputs: outputs, decay: 0.5, updateInterval: 2)
        factors.observe(step: 1, inputs: x, outputGradients: g, samples: n)
        let (a1, g1) = KFACFactors.batchFactors(inputs: x, outputGradients: g, samples: n)
        XCTAssertEqual(factors.inputFactor.data, a1.data)
        XCTAssertFalse(factors.observe(step: 2, inputs: x, outputGradients: 2 * g, samples: n))
        XCTAssertTrue(factors.observe(step: 3, inputs: x, outputGradients: 2 * g, samples: n))
        for (mine, first) in zip(factors.outputGradientFactor.data, g1.data) { XCTAssertEqual(mine, 2.5 * first, accuracy: 1e-12) }

        let width = inputs + 1, size = outputs * width, lambda = 0.3
        let traceA = (0..<width).reduce(0.0) { $0 + factors.inputFactor.data[$1 * width + $1] } / Double(width)
        let traceG = (0..<outputs).reduce(0.0) { $0 + factors.outputGradientFactor.data[$1 * outputs + $1] } / Double(outputs)
        XCTAssertEqual(factors.pi, (traceA / traceG).squareRoot(), accuracy: 1e-12)
        let gradient = Tensor<Double>(shape: [outputs, width], data: (0..<size).map { _ in rng.normal() })
        let direction = try factors.preconditioned(gradient, damping: lambda)
        // (A_d ⊗ G_d) vec(D) must give vec(∇W) in the row-major order.
        var dampedA = factors.inputFactor, dampedG = factors.outputGradientFactor
        for j in 0..<width { dampedA.data[j * width + j] += factors.pi * lambda.squareRoot() }
        for o in 0..<outputs { dampedG.data[o * outputs + o] += lambda.squareRoot() / factors.pi }
        for o in 0..<outputs { for j in 0..<width {
            var sum = 0.0
            for p in 0..<outputs { for k in 0..<width {
                sum += dampedG.data[o * outputs + p] * dampedA.data[j * width + k] * direction.data[p * width + k]
            } }
            XCTAssertEqual(sum, gradient.data[o * width + j], accuracy: 1e-10)
        } }
    }
}
