import Foundation
import XCTest
@testable import Harness

/// A preconditioner that returns the gradient unchanged and keeps what it was shown.
final class IdentityPreconditioner: KroneckerPreconditioner {
    var inputs: Tensor<Float>?, outputGradients: Tensor<Float>?
    func observe(step: Int, inputs: Tensor<Float>, outputGradients: Tensor<Float>) { (self.inputs, self.outputGradients) = (inputs, outputGradients) }
    func precondition(_ gradient: Tensor<Float>) -> Tensor<Float> { gradient }
    var flops: Int { 0 }
    var stateBytes: Int { 0 }
}

final class KroneckerOptimizerTests: XCTestCase {
    func batch(_ seed: UInt64) -> (Tensor<Float>, [Int]) {
        var rng = SeededRandom(seed: seed, path: ["kronecker", "batch"])
        return (Tensor<Float>.randomNormal([8, 5], using: &rng), (0..<8).map { _ in rng.index(3) })
    }

    /// The recorded statistics are the layer's input and the per-example output gradients: their
    /// products give back the weight and bias gradients exactly (∇W = aᵀg/n, ∇b = Σ g/n).
    func testRecordsInputsAndOutputGradients() {
        let model = MLP(sizes: [5, 4, 3], rng: SeededRandom(seed: 1, path: ["kronecker"]))
        var shown = [IdentityPreconditioner]()
        let optimizer = KroneckerOptimizer(model.parameters, learningRate: 0.1, rescaling: .none) { _, _ in
            let p = IdentityPreconditioner(); shown.append(p); return p
        }
        XCTAssertEqual(optimizer.layers.count, 2)
        let (x, y) = batch(2)
        optimizer.step { model.lossAndGradient(x, labels: y) }
        let first = shown[0]
        XCTAssertEqual(first.inputs?.data, x.data)
        let g = first.outputGradients!, n = 8
        // The step changed the weights; recompute the gradient at the pre-step point from the statistics.
        let w = matmul(x, g, transposeA: true).map { $0 / Float(n) }
        let fresh = MLP(sizes: [5, 4, 3], rng: SeededRandom(seed: 1, path: ["kronecker"]))
        _ = fresh.lossAndGradient(x, labels: y)
        for (a, b) in zip(w.data, fresh.linears[0].weight.grad.data) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        for o in 0..<4 {
            let sum = (0..<n).reduce(Float(0)) { $0 + g.data[$1 * 4 + o] } / Float(n)
            XCTAssertEqual(sum, fresh.linears[0].bias!.grad.data[o], accuracy: 1e-6)
        }
    }

    /// With the identity preconditioner and no rescaling the optimizer is SGD with momentum, bit for bit.
    func testIdentityPreconditionerIsSGDMomentum() {
        let a = MLP(sizes: [5, 4, 3], rng: SeededRandom(seed: 3, path: ["kronecker"]))
        let b = MLP(sizes: [5, 4, 3], rng: SeededRandom(seed: 3, path: ["kronecker"]))
        let kronecker = KroneckerOptimizer(a.parameters, learningRate: 0.05, rescaling: .none) { _, _ in IdentityPreconditioner() }
        let sgd = ChainedOptimizer.sgd(b.parameters, learningRate: 0.05, momentum: 0.9)
        for seed in 0..<4 {
            let (x, y) = batch(UInt64(seed))
            kronecker.step { a.lossAndGradient(x, labels: y) }
            sgd.step { b.lossAndGradient(x, labels: y) }
        }
        for (p, q) in zip(a.parameters, b.parameters) { XCTAssertEqual(p.value.data, q.value.data) }
    }

    /// K-FAC's first direction is `KFACFactors.preconditioned` of the same batch (π-split damping),
    /// and its counter adds the documented FLOPs.
    func testKFACPreconditionerMatchesFactors() throws {
        let (x, _) = batch(5)
        var rng = SeededRandom(seed: 6, path: ["kronecker", "g"])
        let g = Tensor<Float>.randomNormal([8, 3], using: &rng)
        let kfac = KFACPreconditioner(inputs: 5, outputs: 3, damping: 0.1)
        kfac.observe(step: 1, inputs: x, outputGradients: g)
        XCTAssertEqual(kfac.flops, KFACPreconditioner.updateFlops(a: 6, g: 3, samples: 8, inverting: true))
        let gradient = Tensor<Float>.randomNormal([3, 6], using: &rng)
        let mine = kfac.precondition(gradient)
        var factors = KFACFactors(inputs: 5, outputs: 3)
        factors.observe(step: 1, inputs: x, outputGradients: g, samples: 8)
        let reference = try factors.preconditioned(gradient.converted(to: Double.self), damping: 0.1)
        for (a, b) in zip(mine.data, reference.data) { XCTAssertEqual(Double(a), b, accuracy: 1e-4 * max(1, abs(b))) }
        kfac.observe(step: 2, inputs: x, outputGradients: g)   // no inversion between refreshes
        XCTAssertEqual(kfac.flops, KFACPreconditioner.updateFlops(a: 6, g: 3, samples: 8, inverting: true)
                       + 2 * 3 * 3 * 6 + 2 * 3 * 6 * 6 + KFACPreconditioner.updateFlops(a: 6, g: 3, samples: 8, inverting: false))
    }

    /// A model evaluated without a backward pass leaves no output gradient, and the step falls back to SGD.
    func testForwardOnlyLeavesNoGradient() {
        let model = MLP(sizes: [5, 4, 3], rng: SeededRandom(seed: 1, path: ["kronecker"]))
        let optimizer = KroneckerOptimizer(model.parameters, learningRate: 0.1, rescaling: .none) { _, _ in IdentityPreconditioner() }
        let (x, _) = batch(1)
        _ = model.logits(x)
        XCTAssertNotNil(optimizer.layers[0].statistics.input)
        XCTAssertNil(optimizer.layers[0].statistics.outputGradient)
    }
}
