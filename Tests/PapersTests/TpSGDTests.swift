import Foundation
import XCTest
import Papers
@testable import MemoryEfficient
import Harness

final class TpSGDTests: XCTestCase {
    /// 64-128-128-10 at batch 32: backprop keeps 4·32·(192+256+138) = 75,008 bytes, a local rule 4·32·256 = 32,768.
    func testActivationBytesByHand() {
        XCTAssertEqual(LocalRule.backprop.activationBytes(sizes: [64, 128, 128, 10], batch: 32), 75_008)
        XCTAssertEqual(LocalRule.tpsgd.activationBytes(sizes: [64, 128, 128, 10], batch: 32), 32_768)
        XCTAssertEqual(LocalRule.drtp.activationBytes(sizes: [64, 128, 128, 10], batch: 32), 32_768)
    }

    private func gradients(_ rule: LocalRule, outputWeight: Float, projections: [Tensor<Float>]) -> [Tensor<Float>] {
        let mlp = MLP(sizes: [3, 4, 2], rng: SeededRandom(seed: 7, path: ["t"]))
        mlp.linears[1].weight.value = Tensor(shape: [4, 2], repeating: outputWeight)
        let x = Tensor<Float>(shape: [2, 3], data: [1, -2, 0.5, 0.3, 1, -1])
        _ = lossAndGradient(parameters: mlp.parameters) { rule.loss(mlp, $0, x, labels: [0, 1], projections: projections) }
        return mlp.parameters.map { $0.grad }
    }

    /// Local rules stop gradients between layers: the first layer's gradient does not depend on
    /// the layer above; under backprop it does.
    func testGradientsStopBetweenLayers() {
        let p = [Tensor<Float>(shape: [2, 4], data: [1, -1, 0.5, 2, -0.5, 1, 1, -2])]
        for rule in [LocalRule.drtp, .tpsgd] {
            XCTAssertEqual(gradients(rule, outputWeight: 0.1, projections: p)[0], gradients(rule, outputWeight: -0.7, projections: p)[0])
        }
        XCTAssertNotEqual(gradients(.backprop, outputWeight: 0.1, projections: p)[0], gradients(.backprop, outputWeight: -0.7, projections: p)[0])
    }

    /// DRTP's hidden-bias gradient by hand: −(1/B) Σ_rows (y* P)_j · 1[z_j > 0]; tpSGD's:
    /// (2/(B·n)) Σ_rows (y_j − (y* P)_j) · 1[z_j > 0].
    func testHiddenBiasGradientByHand() {
        let p = Tensor<Float>(shape: [2, 4], data: [1, -1, 0.5, 2, -0.5, 1, 1, -2])
        let mlp = MLP(sizes: [3, 4, 2], rng: SeededRandom(seed: 7, path: ["t"]))
        let x = Tensor<Float>(shape: [2, 3], data: [1, -2, 0.5, 0.3, 1, -1])
        let z = mlp.linears[0].forward(Tape<Float>(), Tape<Float>().constant(x)).value
        var drtp = [Float](repeating: 0, count: 4), tp = [Float](repeating: 0, count: 4)
        for r in 0..<2 { for j in 0..<4 where z[r, j] > 0 {
            drtp[j] += -p[r, j] / 2
            tp[j] += 2 * (z[r, j] - p[r, j]) / 8
        } }
        let gd = gradients(.drtp, outputWeight: 0.1, projections: [p])[1], gt = gradients(.tpsgd, outputWeight: 0.1, projections: [p])[1]
        for j in 0..<4 {
            XCTAssertEqual(gd.data[j], drtp[j], accuracy: 1e-6)
            XCTAssertEqual(gt.data[j], tp[j], accuracy: 1e-6)
        }
    }
}
