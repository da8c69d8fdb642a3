/// # A tiny GPT-style transformer for next-token language modelling
///
/// Token and learned position embeddings, then `layers` pre-LayerNorm blocks
///
///     h = h + Wo · attention(LN₁(h))        (causal, multi-head)
///     h = h + fc2 · GELU(fc1 · LN₂(h))      (hidden width mlpRatio · width)
///
/// then a final LayerNorm and a linear head to vocabulary logits, as in GPT-2 but small enough to
/// train on a CPU in seconds. Linear weights and embeddings start `N(0, 0.02²)` with zero biases
/// (GPT-2's initialisation); LayerNorm gains start at one.
///
/// Parameter names: `embed.token`, `embed.position`, `block<i>.ln1.{gain,bias}`,
/// `block<i>.attn.{wq,wk,wv,wo}.{weight,bias}`, `block<i>.ln2.*`, `block<i>.mlp.{fc1,fc2}.*`,
/// `final_ln.*`, `head.*`.

/// The shape of a ``TinyTransformer``.
public struct TransformerConfig: Sendable, Equatable {
    public var vocabulary: Int
    /// Maximum sequence length (the number of learned positions).
    public var context: Int
    /// The model width `d`; must be divisible by `heads`.
    public var width: Int
    public var heads: Int
    public var layers: Int
    /// Hidden width of the block MLP is `mlpRatio · width`.
    public var mlpRatio: Int
    /// Dropout after attention and MLP outputs and on the embeddings, in training only.
    public var dropout: Double

    public init(vocabulary: Int, context: Int, width: Int, heads: Int, layers: Int, mlpRatio: Int = 4, dropout: Double = 0) {
        precondition(width % heads == 0, "width \(width) is not divisible by heads \(heads)")
        self.vocabulary = vocabulary
        self.context = context
        self.width = width
        self.heads = heads
        self.layers = layers
        self.mlpRatio = mlpRatio
        self.dropout = dropout
    }
}

/// One pre-LayerNorm transformer block.
public final class TransformerBlock {
    public let ln1: LayerNorm, ln2: LayerNorm
    public let wq: Linear, wk: Linear, wv: Linear, wo: Linear
    public let fc1: Linear, fc2: Linear
    public let heads: Int

    init(index i: Int, config c: TransformerConfig, rng: SeededRandom) {
        let p = "block\(i)"
        let init0 = WeightInit.normal(std: 0.02)
        heads = c.heads
        ln1 = LayerNorm(p + ".ln1", width: c.width)
        ln2 = LayerNorm(p + ".ln2", width: c.width)
        wq = Linear(p + ".attn.wq", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        wk = Linear(p + ".attn.wk", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        wv = Linear(p + ".attn.wv", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        wo = Linear(p + ".attn.wo", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        fc1 = Linear(p + ".mlp.fc1", inputs: c.width, outputs: c.mlpRatio * c.width, initialization: init0, rng: rng)
        fc2 = Linear(p + ".mlp.fc2", inputs: c.mlpRatio * c.width, outputs: c.width, initialization: init0, rng: rng)
    }

    var layers: [Layer] { [ln1, wq, wk, wv, wo, ln2, fc1, fc2] }

    func forward(_ tape: Tape<Float>, _ h: Variable<Float>, batch: Int, dropout: (Variable<Float>) -> Variable<Float>) -> Variable<Float> {
        let a = ln1.forward(tape, h)
        let attended = tape.causalSelfAttention(q: wq.forward(tape, a), k: wk.forward(tape, a), v: wv.forward(tape, a),
                                                batch: batch, heads: heads)
        let h1 = tape.add(h, dropout(wo.forward(tape, attended)))
        let m = fc2.forward(tape, tape.gelu(fc1.forward(tape, ln2.forward(tape, h1))))
        return tape.add(h1, dropout(m))
    }
}

/// A tiny causal transformer language model (see the file header).
public final class TinyTransformer: TrainableModel {
    public let config: TransformerConfig
    public let tokenEmbedding: Embedding, positionEmbedding: Embedding
    public let blocks: [TransformerBlock]
    public let finalNorm: LayerNorm
    public let head: Linear
    /// The stream dropout masks are drawn from; it advances with each training forward pass.
    public var dropoutRNG: SeededRandom

    /// A model whose parameters are drawn from children of `rng` named after each parameter.
    public init(config: TransformerConfig, rng: SeededRandom) {
        self.config = config
        tokenEmbedding = Embedding("embed.token", count: config.vocabulary, width: config.width, rng: rng)
        positionEmbedding = Embedding("embed.position", count: config.context, width: config.width, rng: rng)
        blocks = (0..<config.layers).map { TransformerBlock(index: $0, config: config, rng: rng) }
        finalNorm = LayerNorm("final_ln", width: config.width)
        head = Linear("head", inputs: config.width, outputs: config.vocabulary, initialization: .normal(std: 0.02), rng: rng)
        dropoutRNG = rng.child("dropout")
    }

    public var layers: [Layer] {
        [tokenEmbedding, positionEmbedding] + blocks.flatMap { $0.layers } + [finalNorm, head]
    }

    /// Next-token logits `[batch · T, vocabulary]` for `tokens`, `batch` sequences of equal
    /// length `T ≤ context` laid end to end.
    public func forward(_ tape: Tape<Float>, tokens: [Int], batch: Int, training: Bool = true) -> Variable<Float> {
        precondition(batch > 0 && tokens.count % batch == 0, "\(tokens.count) tokens do not split into \(batch) sequences")
        let t = tokens.count / batch
        precondition(t <= config.context, "sequence length \(t) exceeds context \(config.context)")
        var positions = [Int]()
        positions.reserveCapacity(tokens.count)
        for _ in 0..<batch { positions.append(contentsOf: 0..<t) }
        let rate = config.dropout
        let drop: (Variable<Float>) -> Variable<Float> = { x in tape.dropout(x, rate: rate, rng: &self.dropoutRNG, training: training) }
        var h = drop(tape.add(tokenEmbedding.forward(tape, tokens), positionEmbedding.forward(tape, positions)))
        for block in blocks { h = block.forward(tape, h, batch: batch, dropout: drop) }
        return head.forward(tape, finalNorm.forward(tape, h))
    }

    /// Mean next-token cross-entropy: `targets[i]` is the token that should follow `tokens[i]`.
    public func loss(_ tape: Tape<Float>, tokens: [Int], targets: [Int], batch: Int, training: Bool = true) -> Variable<Float> {
        tape.crossEntropy(forward(tape, tokens: tokens, batch: batch, training: training), labels: targets)
    }

    /// Evaluates the language-modelling loss and *overwrites* the trainable parameters' gradients.
    public func lossAndGradient(tokens: [Int], targets: [Int], batch: Int) -> Float {
        Harness.lossAndGradient(parameters: trainableParameters) { tape in
            loss(tape, tokens: tokens, targets: targets, batch: batch)
        }
    }
}
