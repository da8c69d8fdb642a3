import XCTest
@testable import Harness

final class AutodiffOpsTests: XCTestCase {
    func testMatmulAllTransposeCombinations() {
        for ta in [false, true] { for tb in [false, true] {
            let a = randomTensor(ta ? [4, 3] : [3, 4], seed: 1, "a")
            let b = randomTensor(tb ? [5, 4] : [4, 5], seed: 2, "b")
            gradientCheck([a, b]) { t, v in t.matmul(v[0], v[1], transposeA: ta, transposeB: tb) }
        } }
    }

    func testMatmulValueMatchesTensorMatmul() {
        let a = randomTensor([3, 4], seed: 1, "a"), b = randomTensor([4, 2], seed: 2, "b")
        let t = Tape<Double>()
        XCTAssertEqual(t.matmul(t.constant(a), t.constant(b)).value, matmul(a, b))
    }

    func testElementwiseArithmetic() {
        let a = randomTensor([3, 4], seed: 1, "a"), b = randomTensor([3, 4], seed: 2, "b")
        gradientCheck([a, b]) { t, v in t.add(v[0], v[1]) }
        gradientCheck([a, b]) { t, v in t.sub(v[0], v[1]) }
        gradientCheck([a, b]) { t, v in t.mul(v[0], v[1]) }
        gradientCheck([a]) { t, v in t.scale(v[0], by: -2.5) }
        // A variable used twice must receive both contributions.
        gradientCheck([a]) { t, v in t.mul(v[0], v[0]) }
    }

    func testBiasReductionsAndShapes() {
        let x = randomTensor([2, 3, 4], seed: 3), b = randomTensor([4], seed: 4, "b")
        gradientCheck([x, b]) { t, v in t.addBias(v[0], v[1]) }
        gradientCheck([x]) { t, v in t.sum(v[0]) }
        gradientCheck([x]) { t, v in t.mean(v[0]) }
        gradientCheck([x]) { t, v in t.reshape(v[0], [6, 4]) }
        gradientCheck([x]) { t, v in t.flatten(v[0]) }
        gradientCheck([randomTensor([3, 5])]) { t, v in t.transpose(v[0]) }
        let t = Tape<Double>()
        XCTAssertEqual(t.mean(t.constant(Tensor(shape: [4], data: [1, 2, 3, 6]))).scalar, 3)
    }

    func testActivations() {
        let x = randomTensor([4, 5], seed: 5)
        gradientCheck([x]) { t, v in t.relu(v[0]) }
        gradientCheck([x]) { t, v in t.gelu(v[0]) }
        gradientCheck([x]) { t, v in t.tanh(v[0]) }
        gradientCheck([x]) { t, v in t.sigmoid(v[0]) }
        // ReLU: value and PyTorch's convention of a zero derivative at 0.
        let tr = Tape<Double>()
        let xr = tr.variable(Tensor(shape: [3], data: [-1, 0, 2]))
        let yr = tr.relu(xr)
        XCTAssertEqual(yr.value.data, [0, 0, 2])
        tr.backward(from: tr.sum(yr))
        XCTAssertEqual(tr.gradient(of: xr).data, [0, 0, 1])
        // Exact GELU reference values (PyTorch F.gelu, approximate="none").
        let t = Tape<Double>()
        let g = t.gelu(t.constant(Tensor(shape: [3], data: [-1, 0.5, 2]))).value.data
        XCTAssertEqual(g[0], -0.15865525393145707, accuracy: 1e-12)
        XCTAssertEqual(g[1], 0.34573123063700656, accuracy: 1e-12)
        XCTAssertEqual(g[2], 1.9544997361036416, accuracy: 1e-12)
    }

    func testSoftmaxFamily() {
        let x = randomTensor([3, 6], seed: 6, std: 2)
        gradientCheck([x]) { t, v in t.softmax(v[0]) }
        gradientCheck([x]) { t, v in t.logSoftmax(v[0]) }
        let labels = [0, 5, 2]
        gradientCheck([x]) { t, v in t.crossEntropy(v[0], labels: labels) }
        gradientCheck([x]) { t, v in t.crossEntropy(v[0], labels: labels, weights: [0.5, 2, 1]) }
        gradientCheck([x]) { t, v in t.crossEntropyPerExample(v[0], labels: labels) }
    }

    func testCrossEntropyMatchesLogSoftmaxAndIsStable() {
        let x = randomTensor([3, 6], seed: 6, std: 2)
        let t = Tape<Double>()
        let ce = t.crossEntropy(t.constant(x), labels: [1, 2, 3]).scalar
        let ls = t.logSoftmax(t.constant(x)).value
        XCTAssertEqual(ce, -(ls[0, 1] + ls[1, 2] + ls[2, 3]) / 3, accuracy: 1e-12)
        // Huge logits: a naive exp overflows; the max-shifted form gives the exact answer.
        let big = t.crossEntropy(t.constant(Tensor(shape: [1, 2], data: [1000, 0])), labels: [1]).scalar
        XCTAssertEqual(big, 1000, accuracy: 1e-9)
        let sm = t.softmax(t.constant(Tensor<Double>(shape: [1, 3], data: [1000, 1000, -1000]))).value.data
        XCTAssertEqual(sm[0], 0.5, accuracy: 1e-12)
    }

    func testMeanSquaredError() {
        let p = randomTensor([4, 3], seed: 7, "p"), y = randomTensor([4, 3], seed: 8, "y")
        gradientCheck([p, y]) { t, v in t.meanSquaredError(v[0], v[1]) }
        let t = Tape<Double>()
        XCTAssertEqual(t.meanSquaredError(t.constant(p), target: y).scalar, (p - y).squaredNorm() / 12, accuracy: 1e-12)
    }

    func testGradientsSkipConstantsAndAccumulateIntoParameters() {
        // Float path: parameter gradients accumulate across sweeps; constants get none.
        let w = Parameter("w", Tensor<Float>(shape: [2, 2], data: [1, 2, 3, 4]))
        for _ in 0..<2 {
            let t = Tape<Float>()
            let x = t.constant(Tensor<Float>(shape: [1, 2], data: [1, -1]))
            t.backward(from: t.sum(t.matmul(x, t.parameter(w))))
        }
        // d/dW sum(x W) = xᵀ 1 = [[1, 1], [-1, -1]]; twice accumulated.
        XCTAssertEqual(w.grad.data, [2, 2, -2, -2])
        // lossAndGradient overwrites instead.
        let loss = lossAndGradient(parameters: [w]) { t in
            t.sum(t.matmul(t.constant(Tensor<Float>(shape: [1, 2], data: [1, -1])), t.parameter(w)))
        }
        XCTAssertEqual(loss, (1 - 3) + (2 - 4))
        XCTAssertEqual(w.grad.data, [1, 1, -1, -1])
    }
}
