import XCTest
@testable import Harness

/// `lossAndGradient` promises to *overwrite* every parameter's gradient, which closure
/// optimizers (SAM evaluates twice per step) and every training loop rely on. A second
/// evaluation at the same point must therefore give exactly the first gradient, for every
/// kind of parameter: matrices, biases (addBias, conv bias), embedding tables, norms.
final class GradientOverwriteTests: XCTestCase {
    private func assertRepeatable(_ parameters: [Parameter], file: StaticString = #filePath, line: UInt = #line,
                                  _ evaluate: () -> Float) {
        let first = evaluate()
        let grads = parameters.map(\.grad)
        XCTAssertTrue(grads.contains { $0.data.contains { $0 != 0 } }, "gradients are all zero", file: file, line: line)
        let second = evaluate()
        XCTAssertEqual(first, second, file: file, line: line)
        for (p, g) in zip(parameters, grads) {
            XCTAssertEqual(p.grad, g, "\(p.name): second evaluation did not overwrite the gradient", file: file, line: line)
        }
    }

    func testMLPBiasGradientsAreOverwritten() {
        var r = SeededRandom(seed: 1, path: ["x"])
        let x = Tensor<Float>.randomNormal([16, 5], using: &r)
        let y = (0..<16).map { $0 % 3 }
        let model = MLP(sizes: [5, 4, 3], rng: SeededRandom(seed: 2, path: ["m"]))
        assertRepeatable(model.parameters) { model.lossAndGradient(x, labels: y) }
    }

    func testSmallCNNGradientsAreOverwritten() {
        var r = SeededRandom(seed: 3, path: ["x"])
        let x = Tensor<Float>.randomNormal([4, 64], using: &r)
        let model = SmallCNN(channels: 3, rng: SeededRandom(seed: 4, path: ["m"]))
        assertRepeatable(model.parameters) { model.lossAndGradient(x, labels: [0, 3, 7, 9]) }
    }

    func testTransformerGradientsAreOverwritten() {
        let model = TinyTransformer(config: TransformerConfig(vocabulary: 7, context: 4, width: 8, heads: 2, layers: 1),
                                    rng: SeededRandom(seed: 5, path: ["m"]))
        let tokens = [1, 2, 3, 4, 5, 6, 0, 1], targets = [2, 3, 4, 5, 6, 0, 1, 2]
        assertRepeatable(model.parameters) { model.lossAndGradient(tokens: tokens, targets: targets, batch: 2) }
    }
}
