import XCTest
@testable import Harness

/// Float finite-difference check of a whole model: for each trainable parameter tensor `p`,
/// the directional derivative of the loss along `d = ĝ + r̂` (the normalised gradient plus a
/// normalised random direction) must match `g · d`. A miswired gradient (a missing path, a
/// parameter bound twice, a wrong transpose) moves `g · d` by O(|g|), far above Float noise.
private func modelGradientCheck(_ parameters: [Parameter], eps: Float = 1e-2, tolerance: Float = 2e-2,
                                file: StaticString = #filePath, line: UInt = #line,
                                _ lossAndGrad: () -> Float) {
    _ = lossAndGrad()
    let grads = parameters.map { $0.grad }
    var checked = 0
    for (k, p) in parameters.enumerated() {
        let g = grads[k]
        var rng = SeededRandom(seed: 5, path: ["modelGradientCheck", p.name])
        let r = Tensor<Float>.randomNormal(p.value.shape, using: &rng)
        var d = (1 / max(r.norm(), 1e-12)) * r
        if g.norm() > 0 { d.add(g, scaledBy: 1 / g.norm()) }
        let analytic = g.dot(d)
        let base = p.value
        p.value = base; p.value.add(d, scaledBy: eps)
        let plus = lossAndGrad()
        p.value = base; p.value.add(d, scaledBy: -eps)
        let minus = lossAndGrad()
        p.value = base
        let numeric = (plus - minus) / (2 * eps)
        let err = abs(analytic - numeric) / max(1e-2, abs(analytic), abs(numeric))
        if err > tolerance { XCTFail("\(p.name): analytic \(analytic) vs numeric \(numeric)", file: file, line: line) }
        checked += 1
    }
    _ = lossAndGrad()
    XCTAssertGreaterThan(checked, 0, file: file, line: line)
}

/// Three Gaussian blobs in the plane, well separated.
private func blobs(_ n: Int, seed: UInt64) -> (Tensor<Float>, [Int]) {
    var rng = SeededRandom(seed: seed, path: ["blobs"])
    let centers: [(Float, Float)] = [(-2, 0), (2, 0), (0, 2.5)]
    var x = [Float](), y = [Int]()
    for i in 0..<n {
        let c = i % 3
        x.append(centers[c].0 + Float(0.4 * rng.normal()))
        x.append(centers[c].1 + Float(0.4 * rng.normal()))
        y.append(c)
    }
    return (Tensor(shape: [n, 2], data: x), y)
}

private func sgdStep(_ parameters: [Parameter], lr: Float) {
    for p in parameters { p.value.add(p.grad, scaledBy: -lr) }
}

private let tinyConfig = TransformerConfig(vocabulary: 7, context: 6, width: 8, heads: 2, layers: 2)

private func tokenBatch() -> (tokens: [Int], targets: [Int]) {
    var rng = SeededRandom(seed: 4, path: ["tokens"])
    let seq = (0..<(3 * 6 + 1)).map { _ in rng.index(7) }
    var tokens = [Int](), targets = [Int]()
    for b in 0..<3 { for t in 0..<5 { tokens.append(seq[b * 6 + t]); targets.append(seq[b * 6 + t + 1]) } }
    return (tokens, targets)
}

final class ModelTests: XCTestCase {
    func testMLPForwardMatchesManualComputation() {
        let mlp = MLP(sizes: [3, 4, 2], activation: .tanh, rng: SeededRandom(seed: 1, path: ["mlp"]))
        let x = Tensor<Float>(shape: [2, 3], data: [0.5, -1, 2, 0, 1, -0.5])
        let out = mlp.logits(x)
        let w0 = mlp.linears[0].weight.value, b0 = mlp.linears[0].bias!.value
        let w1 = mlp.linears[1].weight.value, b1 = mlp.linears[1].bias!.value
        for r in 0..<2 {
            var h = [Float](repeating: 0, count: 4)
            for j in 0..<4 { var s = b0.data[j]; for i in 0..<3 { s += x[r, i] * w0[i, j] }; h[j] = Foundation.tanh(s) }
            for k in 0..<2 {
                var s = b1.data[k]
                for j in 0..<4 { s += h[j] * w1[j, k] }
                XCTAssertEqual(out[r, k], s, accuracy: 1e-5)
            }
        }
        XCTAssertEqual(mlp.parameters.map(\.name), ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"])
        XCTAssertEqual(mlp.linears[0].weight.value.shape, [3, 4])
    }

    func testModelGradientsMatchFiniteDifferences() {
        let (x, y) = blobs(12, seed: 1)
        let mlp = MLP(sizes: [2, 5, 5, 3], activation: .gelu, rng: SeededRandom(seed: 2, path: ["mlp"]))
        modelGradientCheck(mlp.trainableParameters) { mlp.lossAndGradient(x, labels: y) }

        var rng = SeededRandom(seed: 3, path: ["images"])
        let images = Tensor<Float>.randomNormal([4, 64], using: &rng)
        let cnn = SmallCNN(side: 8, channels: 3, classes: 4, rng: SeededRandom(seed: 3, path: ["cnn"]))
        modelGradientCheck(cnn.trainableParameters, eps: 2e-3) { cnn.lossAndGradient(images, labels: [0, 3, 1, 2]) }

        let lm = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 4, path: ["lm"]))
        // Larger weights than GPT-2's 0.02 so every path carries a gradient well above Float noise.
        for p in lm.parameters where p.name.hasSuffix("weight") || p.name.hasPrefix("embed") { p.value.scale(by: 15) }
        let (tokens, targets) = tokenBatch()
        modelGradientCheck(lm.trainableParameters) { lm.lossAndGradient(tokens: tokens, targets: targets, batch: 3) }
    }

    func testParameterNamesAreStableAndDescriptive() {
        let lm = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 4, path: ["lm"]))
        let names = lm.parameters.map(\.name)
        XCTAssertEqual(Array(names.prefix(4)), ["embed.token", "embed.position", "block0.ln1.gain", "block0.ln1.bias"])
        XCTAssertTrue(names.contains("block1.attn.wq.weight"))
        XCTAssertTrue(names.contains("block0.mlp.fc2.bias"))
        XCTAssertEqual(Array(names.suffix(4)), ["final_ln.gain", "final_ln.bias", "head.weight", "head.bias"])
        XCTAssertEqual(Set(names).count, names.count)
        // 2 embeddings + 2 blocks x (2 LN x 2 + 6 linear x 2) + final LN 2 + head 2.
        XCTAssertEqual(names.count, 2 + 2 * 16 + 2 + 2)
        let cnn = SmallCNN(rng: SeededRandom(seed: 1))
        XCTAssertEqual(cnn.parameters.map(\.name), ["conv.weight", "conv.bias", "head.weight", "head.bias"])
        XCTAssertEqual(cnn.parameterCount, 8 * 9 + 8 + 128 * 10 + 10)
    }

    func testInitialisationIsDeterministicPerSeedPathAndName() {
        let a = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 9, path: ["lm"]))
        let b = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 9, path: ["lm"]))
        let c = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 10, path: ["lm"]))
        XCTAssertEqual(a.parameters.map(\.value), b.parameters.map(\.value))
        XCTAssertNotEqual(a.parameter(named: "block0.attn.wq.weight")!.value, c.parameter(named: "block0.attn.wq.weight")!.value)
        // Each parameter has its own stream: wq and wk differ, and a deeper MLP keeps layer0 unchanged.
        XCTAssertNotEqual(a.parameter(named: "block0.attn.wq.weight")!.value, a.parameter(named: "block0.attn.wk.weight")!.value)
        let shallow = MLP(sizes: [4, 8, 3], rng: SeededRandom(seed: 1, path: ["m"]))
        let deep = MLP(sizes: [4, 8, 8, 3], rng: SeededRandom(seed: 1, path: ["m"]))
        XCTAssertEqual(shallow.linears[0].weight.value, deep.linears[0].weight.value)
        // PyTorch-default init: uniform within ±1/√fanIn.
        let bound = 1 / Float(4).squareRoot()
        XCTAssertTrue(shallow.linears[0].weight.value.data.allSatisfy { abs($0) <= bound })
        XCTAssertGreaterThan(shallow.linears[0].weight.value.data.map(abs).max()!, 0.8 * bound)
    }

    func testZeroInitialisedLoRALeavesOutputsBitIdentical() {
        let lm = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 4, path: ["lm"]))
        let (tokens, _) = tokenBatch()
        let before = lm.forward(Tape(), tokens: tokens, batch: 3, training: false).value
        let adapters = lm.attachLoRA(rank: 2, alpha: 4, to: { $0.contains("attn") }, rng: SeededRandom(seed: 5, path: ["lora"]))
        XCTAssertEqual(adapters.count, 2 * 4)
        let after = lm.forward(Tape(), tokens: tokens, batch: 3, training: false).value
        XCTAssertEqual(before.data.map(\.bitPattern), after.data.map(\.bitPattern))
        // A is Kaiming-uniform within ±1/√in and nonzero; B is zero.
        let a = adapters[0].a.value
        XCTAssertEqual(a.shape, [2, 8])
        XCTAssertTrue(a.data.allSatisfy { abs($0) <= 1 / Float(8).squareRoot() } && a.norm() > 0)
        XCTAssertEqual(adapters[0].b.value, .zeros([8, 2]))
        XCTAssertEqual(adapters[0].scale, 2)

        let mlp = MLP(sizes: [2, 6, 3], rng: SeededRandom(seed: 1, path: ["m"]))
        let (x, _) = blobs(9, seed: 2)
        let mlpBefore = mlp.logits(x)
        mlp.attachLoRA(rank: 1, alpha: 1, to: { _ in true }, rng: SeededRandom(seed: 2))
        XCTAssertEqual(mlpBefore.data.map(\.bitPattern), mlp.logits(x).data.map(\.bitPattern))
    }

    func testLoRAFreezesBaseAndTrainsOnlyAdapters() {
        let lm = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 4, path: ["lm"]))
        let (tokens, targets) = tokenBatch()
        lm.attachLoRA(rank: 2, alpha: 2, to: { $0.hasSuffix("wq") || $0.hasSuffix("wv") }, rng: SeededRandom(seed: 5))
        let trainable = lm.trainableParameters.map(\.name)
        XCTAssertEqual(trainable, ["block0.attn.wq.lora_A", "block0.attn.wq.lora_B", "block0.attn.wv.lora_A", "block0.attn.wv.lora_B",
                                   "block1.attn.wq.lora_A", "block1.attn.wq.lora_B", "block1.attn.wv.lora_A", "block1.attn.wv.lora_B"])
        let frozen = lm.parameters.filter { !$0.name.contains("lora") }
        let frozenBefore = frozen.map(\.value)
        for _ in 0..<5 {
            _ = lm.lossAndGradient(tokens: tokens, targets: targets, batch: 3)
            sgdStep(lm.trainableParameters, lr: 0.5)
        }
        XCTAssertEqual(frozen.map(\.value), frozenBefore)
        XCTAssertTrue(frozen.allSatisfy { $0.grad.norm() == 0 }, "frozen parameters must receive no gradient")
        XCTAssertGreaterThan(lm.loraAdapters[0].b.value.norm(), 0, "B must move off zero")
        // With B nonzero, the adapted model's gradients (A and B) match finite differences.
        modelGradientCheck(lm.trainableParameters, eps: 1e-2) { lm.lossAndGradient(tokens: tokens, targets: targets, batch: 3) }
    }

    func testMLPGradientDescentSeparatesBlobs() {
        let (x, y) = blobs(90, seed: 7)
        let mlp = MLP(sizes: [2, 16, 3], rng: SeededRandom(seed: 7, path: ["mlp"]))
        let initial = mlp.lossAndGradient(x, labels: y)
        var loss = initial
        for _ in 0..<300 {
            loss = mlp.lossAndGradient(x, labels: y)
            sgdStep(mlp.trainableParameters, lr: 0.5)
        }
        XCTAssertGreaterThan(initial, 0.9)
        XCTAssertLessThan(loss, 0.02)
        XCTAssertEqual(mlp.accuracy(x, labels: y), 1)
    }

    func testTransformerLearnsAPeriodicSequence() {
        let config = TransformerConfig(vocabulary: 5, context: 8, width: 16, heads: 2, layers: 1)
        let lm = TinyTransformer(config: config, rng: SeededRandom(seed: 1, path: ["lm"]))
        // Four sequences of the cycle 0 1 2 3 4 0 1 ..., each starting at a different phase.
        var tokens = [Int](), targets = [Int]()
        for b in 0..<4 { for t in 0..<8 { tokens.append((b + t) % 5); targets.append((b + t + 1) % 5) } }
        let initial = lm.lossAndGradient(tokens: tokens, targets: targets, batch: 4)
        var loss = initial
        for _ in 0..<150 {
            loss = lm.lossAndGradient(tokens: tokens, targets: targets, batch: 4)
            sgdStep(lm.trainableParameters, lr: 0.3)
        }
        XCTAssertEqual(initial, Float.log(5), accuracy: 0.05)
        XCTAssertLessThan(loss, 0.05)
    }
}

/// LayerNorm placement in the tiny transformer: `.pre` is the GPT-2 model as it always was,
/// `.post` and `.peri` are differentiable models of their own.
final class NormPlacementTests: XCTestCase {
    /// The pre-LN forward written out op by op, as the model computed it before placements existed.
    private func handWrittenPreLN(_ lm: TinyTransformer, _ tape: Tape<Float>, tokens: [Int], batch: Int) -> Variable<Float> {
        let t = tokens.count / batch
        let positions = (0..<batch).flatMap { _ in 0..<t }
        var h = tape.add(lm.tokenEmbedding.forward(tape, tokens), lm.positionEmbedding.forward(tape, positions))
        for b in lm.blocks {
            let a = b.ln1.forward(tape, h)
            let att = tape.causalSelfAttention(q: b.wq.forward(tape, a), k: b.wk.forward(tape, a), v: b.wv.forward(tape, a),
                                               batch: batch, heads: b.heads)
            h = tape.add(h, b.wo.forward(tape, att))
            h = tape.add(h, b.fc2.forward(tape, tape.gelu(b.fc1.forward(tape, b.ln2.forward(tape, h)))))
        }
        return lm.head.forward(tape, lm.finalNorm!.forward(tape, h))
    }

    func testPrePlacementIsTheOldModelBitForBit() {
        let lm = TinyTransformer(config: tinyConfig, rng: SeededRandom(seed: 4, path: ["lm"]))
        let explicit = TinyTransformer(config: TransformerConfig(vocabulary: 7, context: 6, width: 8, heads: 2, layers: 2, placement: .pre),
                                       rng: SeededRandom(seed: 4, path: ["lm"]))
        XCTAssertEqual(lm.config, explicit.config)
        for p in lm.parameters where p.name.hasSuffix("weight") { p.value.scale(by: 10) }
        let (tokens, _) = tokenBatch()
        let tape = Tape<Float>()
        XCTAssertEqual(lm.forward(tape, tokens: tokens, batch: 3).value, handWrittenPreLN(lm, tape, tokens: tokens, batch: 3).value)
        XCTAssertNil(lm.embeddingNorm)
        XCTAssertTrue(lm.blocks.allSatisfy { $0.ln1Out == nil && $0.ln2Out == nil })
    }

    func testPlacementsShareEveryRandomParameterAndNameTheirNorms() {
        func model(_ p: NormPlacement) -> TinyTransformer {
            TinyTransformer(config: TransformerConfig(vocabulary: 7, context: 6, width: 8, heads: 2, layers: 2, placement: p),
                            rng: SeededRandom(seed: 4, path: ["lm"]))
        }
        let pre = model(.pre), post = model(.post), peri = model(.peri)
        let preNames = Set(pre.parameters.map(\.name))
        XCTAssertEqual(Set(post.parameters.map(\.name)), preNames.subtracting(["final_ln.gain", "final_ln.bias"]))
        let added = Set(peri.parameters.map(\.name)).subtracting(preNames)
        XCTAssertEqual(added, ["embed_ln.gain", "embed_ln.bias", "block0.ln1_out.gain", "block0.ln1_out.bias", "block0.ln2_out.gain",
                               "block0.ln2_out.bias", "block1.ln1_out.gain", "block1.ln1_out.bias", "block1.ln2_out.gain", "block1.ln2_out.bias"])
        for p in pre.parameters { XCTAssertEqual(peri.parameter(named: p.name)?.value, p.value, p.name) }
    }

    func testPostAndPeriForwardShapesAndNormalisedStreams() {
        let (tokens, _) = tokenBatch()
        for placement in [NormPlacement.post, .peri] {
            let lm = TinyTransformer(config: TransformerConfig(vocabulary: 7, context: 6, width: 8, heads: 2, layers: 2, placement: placement),
                                     rng: SeededRandom(seed: 4, path: ["lm"]))
            let tape = Tape<Float>()
            XCTAssertEqual(lm.forward(tape, tokens: tokens, batch: 3).value.shape, [15, 7])
            let stream = lm.residualStream(tokens: tokens, batch: 3)
            XCTAssertEqual(stream.count, 3)
            XCTAssertTrue(stream.allSatisfy { $0.shape == [15, 8] })
            // Post-LN ends every block in a unit-gain LN and Peri-LN starts from a normalised
            // embedding: each row has mean 0 and variance v/(v + ε) ≤ 1 there (ε = 1e-5 matters
            // for the N(0, 0.02²) embedding, v ≈ 8e-4).
            let normalised = placement == .post ? stream[2] : stream[0]
            for r in 0..<15 {
                let row = (0..<8).map { normalised[r, $0] }
                let mean = row.reduce(0, +) / 8
                XCTAssertEqual(mean, 0, accuracy: 1e-5)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 8
                XCTAssertTrue(variance > 0.95 && variance < 1.0001, "\(placement) row \(r): variance \(variance)")
            }
        }
    }

    func testPostAndPeriGradientsMatchFiniteDifferences() {
        let (tokens, targets) = tokenBatch()
        for placement in [NormPlacement.post, .peri] {
            let lm = TinyTransformer(config: TransformerConfig(vocabulary: 7, context: 6, width: 8, heads: 2, layers: 2, placement: placement),
                                     rng: SeededRandom(seed: 4, path: ["lm"]))
            for p in lm.parameters where p.name.hasSuffix("weight") || p.name.hasPrefix("embed.") { p.value.scale(by: 15) }
            modelGradientCheck(lm.trainableParameters) { lm.lossAndGradient(tokens: tokens, targets: targets, batch: 3) }
        }
    }
}
