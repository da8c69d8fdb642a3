import Foundation
import XCTest
import Harness
@testable import SecondOrder

final class KroneckerMLPTests: XCTestCase {
    /// The same network as the tape's `MLP`: loss and gradient agree with the autodiff tape, and the
    /// gradient is the batch mean of the per-sample outer products `g āᵀ` the pass returns.
    func testGradientMatchesTheTapeAndTheStatistics() {
        let sizes = [5, 7, 6, 3]
        let mlp = MLP(sizes: sizes, rng: SeededRandom(seed: 4, path: ["kmlp"]))
        let weights = mlp.linears.map { layer -> Tensor<Float> in
            let w = layer.weight.value, b = layer.bias!.value, inputs = w.shape[0], outputs = w.shape[1]
            var m = Tensor<Float>.zeros([outputs, inputs + 1])
            for o in 0..<outputs {
                for j in 0..<inputs { m.data[o * (inputs + 1) + j] = w.data[j * outputs + o] }
                m.data[o * (inputs + 1) + inputs] = b.data[o]
            }
            return m
        }
        let net = KroneckerMLP(sizes: sizes, weights: weights)
        var rng = SeededRandom(seed: 5, path: ["x"])
        let x = Tensor<Float>.randomNormal([8, 5], using: &rng), labels = [0, 1, 2, 0, 1, 2, 2, 1]
        let tapeLoss = mlp.lossAndGradient(x, labels: labels)
        let pass = net.pass(x, labels: labels)
        XCTAssertEqual(pass.loss, Double(tapeLoss), accuracy: 1e-5)
        XCTAssertEqual(net.loss(x, labels: labels), pass.loss, accuracy: 1e-9)
        for (l, layer) in mlp.linears.enumerated() {
            let w = layer.weight.grad, b = layer.bias!.grad, inputs = w.shape[0], outputs = w.shape[1]
            let outer = matmul(pass.outputGradients[l], pass.inputs[l], transposeA: true)
            for o in 0..<outputs {
                for j in 0...inputs {
                    let tape = j < inputs ? w.data[j * outputs + o] : b.data[o]
                    XCTAssertEqual(pass.gradients[l].data[o * (inputs + 1) + j], tape, accuracy: 1e-5, "layer \(l) [\(o), \(j)]")
                    XCTAssertEqual(outer.data[o * (inputs + 1) + j] / 8, tape, accuracy: 1e-5)
                }
            }
        }
        // Sampled labels change the statistics, not the gradient of the mean loss.
        var sampler = SeededRandom(seed: 6, path: ["fisher"]), same = sampler
        let sampled = net.pass(x, labels: labels, fisher: &sampler)
        XCTAssertEqual(sampled.outputGradients[2].data.count, 24)
        let fisher = KroneckerMLP.sampledLabels(pass.preActivations.last!, using: &same)
        for i in 0..<8 { XCTAssertEqual(sampled.outputGradients[2].data[i * 3 + fisher[i]] < 0, true) }
        XCTAssertEqual(sampled.gradients[0].data, pass.gradients[0].data)
        XCTAssertNotEqual(sampled.outputGradients[2].data, pass.outputGradients[2].data)
    }

    /// The sampler follows the softmax: logits (0, log 3) give class 1 three times in four.
    func testSampledLabelsFollowTheSoftmax() {
        let logits = Tensor<Float>(shape: [4000, 2], data: Array(repeating: [0, Float(Foundation.log(3.0))], count: 4000).flatMap { $0 })
        var rng = SeededRandom(seed: 1, path: ["s"])
        let ones = KroneckerMLP.sampledLabels(logits, using: &rng).filter { $0 == 1 }.count
        XCTAssertEqual(Double(ones) / 4000, 0.75, accuracy: 0.025)
    }
}
