/// # A tiny GPT-style transformer for next-token language modelling
///
/// Token and learned position embeddings, then `layers` transformer blocks, then a linear head to
/// vocabulary logits, as in GPT-2 but small enough to train on a CPU in seconds. Where the
/// LayerNorms sit is ``NormPlacement``; the default `.pre` is GPT-2's
///
///     h = h + Wo · attention(LN₁(h))        (causal, multi-head)
///     h = h + fc2 · GELU(fc1 · LN₂(h))      (hidden width mlpRatio · width)
///
/// with a final LayerNorm before the head. Linear weights and embeddings start `N(0, 0.02²)` with
/// zero biases (GPT-2's initialisation); LayerNorm gains start at one. Every norm of the model is
/// built by ``TransformerConfig/makeNorm(_:)``, so a different norm layer is one new
/// ``NormalizationKind`` case.
///
/// Parameter names: `embed.token`, `embed.position`, `block<i>.ln1.{gain,bias}`,
/// `block<i>.attn.{wq,wk,wv,wo}.{weight,bias}`, `block<i>.ln2.*`, `block<i>.mlp.{fc1,fc2}.*`,
/// `final_ln.*`, `head.*`; Peri-LN adds `embed_ln.*` and `block<i>.{ln1_out,ln2_out}.*`, Post-LN
/// drops `final_ln`. Norms draw no random numbers and every other parameter draws from its own
/// named stream, so the placement never changes another parameter's initial value.

/// Where a block's LayerNorms sit relative to its residual connection.
public enum NormPlacement: String, Sendable, Equatable, CaseIterable {
    /// `h ← h + F(LN(h))`, and a final LN before the head (GPT-2).
    case pre
    /// `h ← LN(h + F(h))` (the original Transformer); the last block's LN already normalises
    /// the head's input, so there is no final LN.
    case post
    /// `h ← h + LN_out(F(LN_in(h)))` (Kim et al. 2025, "Peri-LN"; Gemma 2, OLMo 2), with the
    /// embedding output normalised (`embed_ln`) and the final LN kept, as the paper describes.
    case peri
}

/// The norm layer a transformer builds at every norm position.
public enum NormalizationKind: String, Sendable, Equatable {
    /// ``LayerNorm``: mean and variance over the width, learned gain and bias.
    case layerNorm
    /// ``BatchNorm``: mean and variance of each feature over the batch's rows (all tokens),
    /// running statistics in evaluation.
    case batchNorm
    /// ``PowerNorm`` (Shen et al. 2020): per-token RMS scaling, then each feature divided by its
    /// running quadratic mean, with the paper's approximate backward pass.
    case powerNorm
}

/// A layer that normalises the last axis of `[rows, width]` activations (LayerNorm and the norms
/// that replace it).
public protocol NormalizationLayer: Layer {
    func forward(_ tape: Tape<Float>, _ x: Variable<Float>) -> Variable<Float>
    /// The forward pass in training or evaluation mode; norms with running statistics (batch
    /// norms) differ between the two, the others ignore `training`.
    func forward(_ tape: Tape<Float>, _ x: Variable<Float>, training: Bool) -> Variable<Float>
}

extension NormalizationLayer {
    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>, training: Bool) -> Variable<Float> { forward(tape, x) }
}

extension LayerNorm: NormalizationLayer {}

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
    /// Where the blocks' norms sit (default: pre-LN, GPT-2).
    public var placement: NormPlacement
    /// Which norm layer every norm position gets (default: LayerNorm).
    public var normalization: NormalizationKind

    public init(vocabulary: Int, context: Int, width: Int, heads: Int, layers: Int, mlpRatio: Int = 4, dropout: Double = 0,
                placement: NormPlacement = .pre, normalization: NormalizationKind = .layerNorm) {
        precondition(width % heads == 0, "width \(width) is not divisible by heads \(heads)")
        self.vocabulary = vocabulary
        self.context = context
        self.width = width
        self.heads = heads
        self.layers = layers
        self.mlpRatio = mlpRatio
        self.dropout = dropout
        self.placement = placement
        self.normalization = normalization
    }

    /// The one place norms are built: a norm layer named `name` over the model width.
    public func makeNorm(_ name: String) -> any NormalizationLayer {
        switch normalization {
        case .layerNorm: return LayerNorm(name, width: width)
        case .batchNorm: return BatchNorm(name, width: width)
        case .powerNorm: return PowerNorm(name, width: width)
        }
    }
}

/// One transformer block: attention then MLP, each a residual sublayer with its norms placed by
/// the configuration's ``NormPlacement``.
public final class TransformerBlock {
    /// The sublayers' norms: on the input (pre, peri) or after the residual add (post).
    public let ln1: any NormalizationLayer, ln2: any NormalizationLayer
    /// Peri-LN's output norms, applied to each sublayer's output before the residual add.
    public let ln1Out: (any NormalizationLayer)?, ln2Out: (any NormalizationLayer)?
    public let wq: Linear, wk: Linear, wv: Linear, wo: Linear
    public let fc1: Linear, fc2: Linear
    public let heads: Int
    public let placement: NormPlacement

    init(index i: Int, config c: TransformerConfig, rng: SeededRandom) {
        let p = "block\(i)"
        let init0 = WeightInit.normal(std: 0.02)
        heads = c.heads
        placement = c.placement
        ln1 = c.makeNorm(p + ".ln1")
        ln2 = c.makeNorm(p + ".ln2")
        ln1Out = c.placement == .peri ? c.makeNorm(p + ".ln1_out") : nil
        ln2Out = c.placement == .peri ? c.makeNorm(p + ".ln2_out") : nil
        wq = Linear(p + ".attn.wq", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        wk = Linear(p + ".attn.wk", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        wv = Linear(p + ".attn.wv", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        wo = Linear(p + ".attn.wo", inputs: c.width, outputs: c.width, initialization: init0, rng: rng)
        fc1 = Linear(p + ".mlp.fc1", inputs: c.width, outputs: c.mlpRatio * c.width, initialization: init0, rng: rng)
        fc2 = Linear(p + ".mlp.fc2", inputs: c.mlpRatio * c.width, outputs: c.width, initialization: init0, rng: rng)
    }

    var layers: [Layer] {
        let attention: [Layer] = [ln1, wq, wk, wv, wo] + (ln1Out.map { [$0] } ?? [])
        let mlp: [Layer] = [ln2, fc1, fc2] + (ln2Out.map { [$0] } ?? [])
        return attention + mlp
    }

    func forward(_ tape: Tape<Float>, _ h: Variable<Float>, batch: Int, training: Bool = true,
                 dropout: (Variable<Float>) -> Variable<Float>) -> Variable<Float> {
        let attention: (Variable<Float>) -> Variable<Float> = { a in
            self.wo.forward(tape, tape.causalSelfAttention(q: self.wq.forward(tape, a), k: self.wk.forward(tape, a),
                                                           v: self.wv.forward(tape, a), batch: batch, heads: self.heads))
        }
        let mlp: (Variable<Float>) -> Variable<Float> = { x in self.fc2.forward(tape, tape.gelu(self.fc1.forward(tape, x))) }
        let h1 = residual(tape, h, norm: ln1, output: ln1Out, sublayer: attention, training: training, dropout: dropout)
        return residual(tape, h1, norm: ln2, output: ln2Out, sublayer: mlp, training: training, dropout: dropout)
    }

    /// One residual sublayer `F` with its norms where the placement puts them.
    private func residual(_ tape: Tape<Float>, _ h: Variable<Float>, norm: any NormalizationLayer, output: (any NormalizationLayer)?,
                          sublayer f: (Variable<Float>) -> Variable<Float>, training: Bool,
                          dropout: (Variable<Float>) -> Variable<Float>) -> Variable<Float> {
        let n: (any NormalizationLayer, Variable<Float>) -> Variable<Float> = { $0.forward(tape, $1, training: training) }
        switch placement {
        case .pre: return tape.add(h, dropout(f(n(norm, h))))
        case .post: return n(norm, tape.add(h, dropout(f(h))))
        case .peri: return tape.add(h, dropout(n(output!, f(n(norm, h)))))
        }
    }
}

/// A tiny causal transformer language model (see the file header).
public final class TinyTransformer: TrainableModel {
    public let config: TransformerConfig
    public let tokenEmbedding: Embedding, positionEmbedding: Embedding
    public let blocks: [TransformerBlock]
    /// Peri-LN's norm on the embedding output (nil otherwise).
    public let embeddingNorm: (any NormalizationLayer)?
    /// The norm before the head (nil for Post-LN, whose last block ends in a norm).
    public let finalNorm: (any NormalizationLayer)?
    public let head: Linear
    /// The stream dropout masks are drawn from; it advances with each training forward pass.
    public var dropoutRNG: SeededRandom

    /// A model whose parameters are drawn from children of `rng` named after each parameter.
    public init(config: TransformerConfig, rng: SeededRandom) {
        self.config = config
        tokenEmbedding = Embedding("embed.token", count: config.vocabulary, width: config.width, rng: rng)
        positionEmbedding = Embedding("embed.position", count: config.context, width: config.width, rng: rng)
        embeddingNorm = config.placement == .peri ? config.makeNorm("embed_ln") : nil
        blocks = (0..<config.layers).map { TransformerBlock(index: $0, config: config, rng: rng) }
        finalNorm = config.placement == .post ? nil : config.makeNorm("final_ln")
        head = Linear("head", inputs: config.width, outputs: config.vocabulary, initialization: .normal(std: 0.02), rng: rng)
        dropoutRNG = rng.child("dropout")
    }

    public var layers: [Layer] {
        let embeddings: [Layer] = [tokenEmbedding, positionEmbedding] + (embeddingNorm.map { [$0] } ?? [])
        return embeddings + blocks.flatMap { $0.layers } + (finalNorm.map { [$0] } ?? []) + [head]
    }

    /// Next-token logits `[batch · T, vocabulary]` for `tokens`, `batch` sequences of equal
    /// length `T ≤ context` laid end to end.
    public func forward(_ tape: Tape<Float>, tokens: [Int], batch: Int, training: Bool = true) -> Variable<Float> {
        forward(tape, tokens: tokens, batch: batch, training: training, observe: nil)
    }

    /// The residual stream `[batch · T, width]` in evaluation mode: entry 0 is the blocks' input
    /// (the embedding, normalised under Peri-LN), entry `l` the output of block `l`.
    public func residualStream(tokens: [Int], batch: Int) -> [Tensor<Float>] {
        let tape = Tape<Float>()
        var states = [Tensor<Float>]()
        _ = forward(tape, tokens: tokens, batch: batch, training: false) { states.append($0.value) }
        return states
    }

    private func forward(_ tape: Tape<Float>, tokens: [Int], batch: Int, training: Bool,
                         observe: ((Variable<Float>) -> Void)?) -> Variable<Float> {
        precondition(batch > 0 && tokens.count % batch == 0, "\(tokens.count) tokens do not split into \(batch) sequences")
        let t = tokens.count / batch
        precondition(t <= config.context, "sequence length \(t) exceeds context \(config.context)")
        var positions = [Int]()
        positions.reserveCapacity(tokens.count)
        for _ in 0..<batch { positions.append(contentsOf: 0..<t) }
        let rate = config.dropout
        let drop: (Variable<Float>) -> Variable<Float> = { x in tape.dropout(x, rate: rate, rng: &self.dropoutRNG, training: training) }
        var h = drop(tape.add(tokenEmbedding.forward(tape, tokens), positionEmbedding.forward(tape, positions)))
        if let norm = embeddingNorm { h = norm.forward(tape, h, training: training) }
        observe?(h)
        for block in blocks {
            h = block.forward(tape, h, batch: batch, training: training, dropout: drop)
            observe?(h)
        }
        return head.forward(tape, finalNorm.map { $0.forward(tape, h, training: training) } ?? h)
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
