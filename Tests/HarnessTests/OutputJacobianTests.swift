import Foundation
import XCTest
@testable import Harness

/// The MLP output Jacobian against central differences, and the three Gauss-Newton solves
/// against each other, all in Double on a tiny net.
final class OutputJacobianTests: XCTestCase {
    static func tiny(_ activation: Activation = .tanh, outputs: Int = 3) -> (MLPFunction, Tensor<Double>) {
        var rng = SeededRandom(seed: 5, path: ["output jacobian"])
        let model = MLP(sizes: [4, 5, outputs], activation: activation, rng: rng.child("model"))
        let x = Tensor<Float>.randomNormal([6, 4], using: &rng)
        return (MLPFunction(model), Tensor(shape: x.shape, data: x.data.map(Double.init)))
    }

    func testJacobianMatchesCentralDifferences() {
        for activation in [Activation.tanh, .sigmoid, .relu] {
            var (f, x) = Self.tiny(activation)
            var flops = 0
            let (out, j) = f.outputsAndJacobian(x, flops: &flops)
            XCTAssertEqual(j.shape, [18, f.parameterCount])
            XCTAssertEqual(out.data, f(x).data)
            XCTAssertGreaterThan(flops, 0)
            let w = f.flat, h = 1e-6
            for p in stride(from: 0, to: w.count, by: 3) {
                var plus = w, minus = w
                plus[p] += h; minus[p] -= h
                f.flat = plus; let up = f(x).data
                f.flat = minus; let down = f(x).data
                for r in 0..<18 { XCTAssertEqual(j.data[r * w.count + p], (up[r] - down[r]) / (2 * h), accuracy: 1e-6, "\(activation) row \(r) p \(p)") }
            }
        }
    }

    func testLossTermsMatchDifferences() {
        let (f, x) = Self.tiny()
        let out = f(x)
        let onehot = (0..<18).map { Double($0 % 3 == ($0 / 3) % 3 ? 1 : 0) }
        for loss in [GaussNewtonLoss.squaredError, .crossEntropy] {
            let (l, g, q) = loss.evaluate(outputs: out, targets: onehot)
            let h = 1e-5
            for r in 0..<18 {
                var up = out, down = out
                up.data[r] += h; down.data[r] -= h
                let (lu, gu, _) = loss.evaluate(outputs: up, targets: onehot), (ld, gd, _) = loss.evaluate(outputs: down, targets: onehot)
                XCTAssertEqual(g[r] / 6, (lu - ld) / (2 * h), accuracy: 1e-8)
                let i = r / 3, k = r % 3
                for m in 0..<3 { XCTAssertEqual(q[i][m * 3 + k], (gu[i * 3 + m] - gd[i * 3 + m]) / (2 * h), accuracy: 1e-6) }
            }
            XCTAssertTrue(l.isFinite)
        }
    }

    /// The push-through identity: batch space, parameter space and converged CG agree.
    func testBatchSpaceEqualsParameterSpaceAndCG() throws {
        let (f, x) = Self.tiny()
        var flops = 0
        let (out, j) = f.outputsAndJacobian(x, flops: &flops)
        let targets = (0..<18).map { Double($0 % 3 == ($0 / 3) % 3 ? 1 : 0) }
        for loss in [GaussNewtonLoss.squaredError, .crossEntropy] {
            let (_, g, q) = loss.evaluate(outputs: out, targets: targets)
            for lambda in [1.0, 1e-3] {
                let batch = try GaussNewtonDirection.batchSpace(jacobian: j, g: g, q: q, lambda: lambda, flops: &flops)
                let explicit = try GaussNewtonDirection.parameterSpace(jacobian: j, g: g, q: q, lambda: lambda)
                let cg = GaussNewtonDirection.conjugateGradient(jacobian: j, g: g, q: q, lambda: lambda, iterations: 400, flops: &flops)
                let scale = explicit.map(abs).max()!
                for i in explicit.indices {
                    XCTAssertEqual(batch[i], explicit[i], accuracy: 1e-9 * scale)
                    XCTAssertEqual(cg[i], explicit[i], accuracy: 1e-5 * scale)
                }
            }
        }
    }
}

extension OutputJacobianTests {
    func testVectorJacobianProductEqualsJTransposeV() {
        let (f, x) = Self.tiny(.relu)
        var flops = 0
        let (_, j) = f.outputsAndJacobian(x, flops: &flops)
        let v = (0..<18).map { sin(Double($0)) }
        let expected = matmul(j, Tensor(shape: [18, 1], data: v), transposeA: true).data
        let got = f.vectorJacobianProduct(x, v, flops: &flops)
        for i in expected.indices { XCTAssertEqual(got[i], expected[i], accuracy: 1e-12) }
    }
}
