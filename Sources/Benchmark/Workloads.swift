import Harness

/// adamw-step/10M: one AdamW step over ten 1000 x 1000 tensors with fixed gradients, ms/step.
func benchmarkAdamW(repeats: Int) -> [Row] {
    guard selected("adamw-step/10M") else { return [] }
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
    [32, 128].filter { selected("mlp-step/\($0)") }.map { batch in
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

/// cnn-step/32: the suite's ``SmallCNN`` on 8x8 single-channel inputs (conv 1→8 3x3 padding 1,
/// ReLU, 2x2 max pool, linear 128→10), softmax cross-entropy, forward + backward + Adam step on
/// a batch of 32 random inputs, ms/step. The same code path as the `cnn_digits` standard task.
func benchmarkCNN(repeats: Int) -> [Row] {
    let batch = 32
    guard selected("cnn-step/\(batch)") else { return [] }
    var rng = SeededRandom(seed: 0, path: ["bench", "cnn", "\(batch)"])
    let model = SmallCNN(side: 8, inChannels: 1, channels: 8, classes: 10, rng: rng.child("init"))
    let x = Tensor<Float>.randomNormal([batch, 1, 8, 8], using: &rng)
    let labels = (0..<batch).map { _ in rng.index(10) }
    let optimizer = ChainedOptimizer.adam(model.parameters, learningRate: 1e-3)
    let t = medianSeconds(repeats: max(repeats, 20)) {
        optimizer.step { model.lossAndGradient(x, labels: labels) }
    }
    return [Row(workload: "cnn-step/\(batch)", unit: "ms", swift: 1e3 * t,
                numpy: nil, torch: peer("torch", "cnn-step/\(batch)", "ms"))]
}

/// transformer-step/W: the suite's ``TinyTransformer`` (vocabulary 32, context 32, width W,
/// 2 pre-LayerNorm blocks, 4 heads, MLP 4W with exact GELU, causal attention, final LayerNorm,
/// linear head) on 16 random sequences of 32 tokens with next-token targets; mean cross-entropy,
/// forward + backward + AdamW step (lr 1e-3, weight decay 0.01), ms/step. The same code path
/// GaLore, LoRA+ and the `transformer_markov` standard task train with.
func benchmarkTransformer(repeats: Int) -> [Row] {
    [32, 128].filter { selected("transformer-step/\($0)") }.map { width in
        let batch = 16, context = 32, vocabulary = 32
        var rng = SeededRandom(seed: 0, path: ["bench", "transformer", "\(width)"])
        let config = TransformerConfig(vocabulary: vocabulary, context: context, width: width, heads: 4, layers: 2)
        let model = TinyTransformer(config: config, rng: rng.child("init"))
        var tokens = [Int](), targets = [Int]()
        for _ in 0..<batch {
            let sequence = (0...context).map { _ in rng.index(vocabulary) }
            tokens += sequence.dropLast()
            targets += sequence.dropFirst()
        }
        let optimizer = ChainedOptimizer.adamW(model.trainableParameters, learningRate: 1e-3, weightDecay: 0.01)
        let t = medianSeconds(repeats: max(repeats, 20)) {
            optimizer.step { model.lossAndGradient(tokens: tokens, targets: targets, batch: batch) }
        }
        return Row(workload: "transformer-step/\(width)", unit: "ms", swift: 1e3 * t,
                   numpy: nil, torch: peer("torch", "transformer-step/\(width)", "ms"))
    }
}
