import Harness

/// adamw-step/10M: one AdamW step over ten 1000 x 1000 tensors with fixed gradients, ms/step.
func benchmarkAdamW(repeats: Int) -> [Row] {
    var rng = SeededRandom(seed: 0, path: ["bench", "adamw"])
    let parameters = (0..<10).map { i -> Parameter in
        let p = Parameter("w\(i)", .randomNormal([1000, 1000], using: &rng))
        p.grad = .randomNormal([1000, 1000], using: &rng)
        return p
    }
    let optimizer = ChainedOptimizer.adamW(parameters, learningRate: 1e-3, weightDecay: 0.01)
    let t = medianSeconds(repeats: repeats) { optimizer.applyGradients() }
    return [Row(workload: "adamw-step/10M", unit: "ms", swift: 1e3 * t,
                numpy: peer("numpy", "adamw-step/10M", "ms"), torch: peer("torch", "adamw-step/10M/fused", "ms"))]
}

/// mlp-step/B: a 784-256-256-10 ReLU MLP, softmax cross-entropy, forward + backward + Adam step, ms/step.
func benchmarkMLP(repeats: Int) -> [Row] {
    [32, 128].map { batch in
        var rng = SeededRandom(seed: 0, path: ["bench", "mlp", "\(batch)"])
        let model = MLP(sizes: [784, 256, 256, 10], rng: rng.child("init"))
        let x = Tensor<Float>.randomNormal([batch, 784], using: &rng)
        let labels = (0..<batch).map { _ in rng.index(10) }
        let optimizer = ChainedOptimizer.adam(model.parameters, learningRate: 1e-3)
        let t = medianSeconds(repeats: max(repeats, 20)) {
            optimizer.step { model.lossAndGradient(x, labels: labels) }
        }
        return Row(workload: "mlp-step/\(batch)", unit: "ms", swift: 1e3 * t,
                   numpy: nil, torch: peer("torch", "mlp-step/\(batch)", "ms"))
    }
}
