/// # Layers: the parameterised building blocks of the models
///
/// A layer owns ``Parameter``s and binds them on a ``Tape`` in its `forward`. Randomness is
/// derived per parameter: the stream of parameter `name` is `rng.child(name)`, which does not
/// advance `rng`. So a parameter's initial value depends only on the model's stream and its own
/// name: the same seed path always gives the same model, and adding a layer or an adapter never
/// shifts another parameter's numbers.
///
/// A frozen layer binds its parameters as tape constants, so the backward sweep computes no
/// gradient for them (saving the weight-gradient products) and they are not listed as trainable.

/// How a layer's weight (and bias) are drawn; `fanIn` is the number of inputs per output unit.
public enum WeightInit: Sendable, Equatable {
    /// PyTorch's `nn.Linear`/`nn.Conv2d` default: `kaiming_uniform_(a=√5)`, i.e. weight and bias
    /// uniform in `±1/√fanIn`.
    case pytorchDefault
    /// He et al. (2015) for ReLU networks: weight `N(0, 2/fanIn)`, bias zero.
    case kaimingNormal
    /// Glorot and Bengio (2010): weight uniform in `±√(6/(fanIn + fanOut))`, bias zero.
    case xavierUniform
    /// Weight `N(0, std²)`, bias zero (GPT-2 uses `std = 0.02`).
    case normal(std: Double)

    func weight(_ shape: [Int], fanIn: Int, fanOut: Int, rng: SeededRandom) -> Tensor<Float> {
        var r = rng
        switch self {
        case .pytorchDefault:
            let bound = 1 / Double(fanIn).squareRoot()
            return .randomUniform(shape, low: -bound, high: bound, using: &r)
        case .kaimingNormal:
            return .randomNormal(shape, std: (2 / Double(fanIn)).squareRoot(), using: &r)
        case .xavierUniform:
            let bound = (6 / Double(fanIn + fanOut)).squareRoot()
            return .randomUniform(shape, low: -bound, high: bound, using: &r)
        case .normal(let std):
            return .randomNormal(shape, std: std, using: &r)
        }
    }

    func bias(_ count: Int, fanIn: Int, rng: SeededRandom) -> Tensor<Float> {
        guard case .pytorchDefault = self else { return .zeros([count]) }
        var r = rng
        let bound = 1 / Double(fanIn).squareRoot()
        return .randomUniform([count], low: -bound, high: bound, using: &r)
    }
}

/// A pointwise nonlinearity.
public enum Activation: String, Sendable, CaseIterable {
    case relu, gelu, tanh, sigmoid

    /// Applies the activation on `tape`.
    public func apply<S>(_ x: Variable<S>, on tape: Tape<S>) -> Variable<S> {
        switch self {
        case .relu: return tape.relu(x)
        case .gelu: return tape.gelu(x)
        case .tanh: return tape.tanh(x)
        case .sigmoid: return tape.sigmoid(x)
        }
    }
}

/// Something that owns parameters and can be frozen.
public protocol Layer: AnyObject {
    /// A stable, descriptive name (`"block0.attn.wq"`); parameter names start with it.
    var name: String { get }
    /// Every parameter, including frozen ones and attached adapters, in a fixed order.
    var parameters: [Parameter] { get }
    /// The parameters a training run should update.
    var trainableParameters: [Parameter] { get }
    /// When true the layer's own parameters are tape constants (adapters stay trainable).
    var isFrozen: Bool { get set }
}

extension Layer {
    public var trainableParameters: [Parameter] { isFrozen ? [] : parameters }
}

// MARK: - LoRA

/// A LoRA adapter (Hu et al. 2021) for a linear layer: the layer's output gains
/// `(α/r) · x Aᵀ Bᵀ`, a rank-`r` update `ΔW = (α/r) B A` of the frozen weight.
///
/// Initialisation follows `loralib` and `peft`: `A` (`[r, in]`) is Kaiming-uniform with
/// `a = √5`, i.e. uniform in `±1/√in`, and `B` (`[out, r]`) is zero, so an adapter starts as an
/// exact no-op. Parameter names are `"<layer>.lora_A"` and `"<layer>.lora_B"`.
public final class LoRAAdapter {
    /// The down-projection `A`, `[rank, inputs]`.
    public let a: Parameter
    /// The up-projection `B`, `[outputs, rank]`, zero at initialisation.
    public let b: Parameter
    /// The rank `r`.
    public let rank: Int
    /// The scale numerator `α`; the update is multiplied by `α / r`.
    public let alpha: Double

    /// The multiplier `α / r`.
    public var scale: Float { Float(alpha / Double(rank)) }

    /// An adapter for a layer named `layerName` with the given fan-in and fan-out.
    public init(layerName: String, inputs: Int, outputs: Int, rank: Int, alpha: Double, rng: SeededRandom) {
        precondition(rank > 0, "LoRA rank must be positive")
        self.rank = rank
        self.alpha = alpha
        let aName = layerName + ".lora_A", bName = layerName + ".lora_B"
        var r = rng.child(aName)
        let bound = 1 / Double(inputs).squareRoot()
        a = Parameter(aName, .randomUniform([rank, inputs], low: -bound, high: bound, using: &r))
        b = Parameter(bName, .zeros([outputs, rank]))
    }

    /// `[a, b]`.
    public var parameters: [Parameter] { [a, b] }
}

// MARK: - Linear

/// A fully connected layer `y = x W + b`.
///
/// The weight is stored `[inputs, outputs]` (the transpose of PyTorch's `[out, in]`), so the
/// forward product is a plain `gemm` and `dW = xᵀ dy` needs no transposed copy. Parameters are
/// `"<name>.weight"` and `"<name>.bias"`.
public final class Linear: Layer {
    public let name: String
    /// `[inputs, outputs]`.
    public let weight: Parameter
    /// `[outputs]`, if the layer has a bias.
    public let bias: Parameter?
    public var isFrozen = false
    /// The attached LoRA adapter, if any.
    public private(set) var adapter: LoRAAdapter?

    /// Number of input features.
    public var inputs: Int { weight.value.shape[0] }
    /// Number of output features.
    public var outputs: Int { weight.value.shape[1] }

    /// A layer whose parameters are drawn from `rng.child("<name>.weight")` and `rng.child("<name>.bias")`.
    public init(_ name: String, inputs: Int, outputs: Int, bias: Bool = true,
                initialization: WeightInit = .pytorchDefault, rng: SeededRandom) {
        self.name = name
        weight = Parameter(name + ".weight",
                           initialization.weight([inputs, outputs], fanIn: inputs, fanOut: outputs, rng: rng.child(name + ".weight")))
        self.bias = bias ? Parameter(name + ".bias", initialization.bias(outputs, fanIn: inputs, rng: rng.child(name + ".bias"))) : nil
    }

    public var parameters: [Parameter] {
        [weight] + (bias.map { [$0] } ?? []) + (adapter?.parameters ?? [])
    }

    public var trainableParameters: [Parameter] {
        (isFrozen ? [] : [weight] + (bias.map { [$0] } ?? [])) + (adapter?.parameters ?? [])
    }

    /// Attaches a rank-`rank` LoRA adapter and freezes the base weight and bias.
    @discardableResult
    public func attachLoRA(rank: Int, alpha: Double, rng: SeededRandom) -> LoRAAdapter {
        precondition(adapter == nil, "\(name) already has a LoRA adapter")
        let lora = LoRAAdapter(layerName: name, inputs: inputs, outputs: outputs, rank: rank, alpha: alpha, rng: rng)
        adapter = lora
        isFrozen = true
        return lora
    }

    /// `x W (+ (α/r) x Aᵀ Bᵀ) + b` for `x` of shape `[rows, inputs]`.
    ///
    /// The adapter term is added before the bias, so a zero `B` adds exact zeros and the output
    /// is bit-identical to the layer without an adapter.
    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>) -> Variable<Float> {
        var y = tape.matmul(x, tape.parameter(weight, frozen: isFrozen))
        if let lora = adapter {
            let down = tape.matmul(x, tape.parameter(lora.a), transposeB: true)
            let up = tape.matmul(down, tape.parameter(lora.b), transposeB: true)
            y = tape.add(y, tape.scale(up, by: lora.scale))
        }
        if let b = bias { y = tape.addBias(y, tape.parameter(b, frozen: isFrozen)) }
        if let statistics = weight.layerStatistics { y = statistics.record(tape, input: x, output: y, bias: bias) }
        return y
    }
}

// MARK: - Convolution, normalisation, embedding

/// A 2-D convolution layer on NCHW images; weight `[outChannels, inChannels, k, k]`, bias `[outChannels]`.
public final class Conv2D: Layer {
    public let name: String
    public let weight: Parameter
    public let bias: Parameter?
    public let stride: Int, padding: Int
    public var isFrozen = false

    /// A square-kernel convolution; `fanIn = inChannels · k²`.
    public init(_ name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, initialization: WeightInit = .pytorchDefault, rng: SeededRandom) {
        self.name = name
        self.stride = stride
        self.padding = padding
        let fanIn = inChannels * kernel * kernel, fanOut = outChannels * kernel * kernel
        weight = Parameter(name + ".weight", initialization.weight([outChannels, inChannels, kernel, kernel],
                                                                   fanIn: fanIn, fanOut: fanOut, rng: rng.child(name + ".weight")))
        self.bias = bias ? Parameter(name + ".bias", initialization.bias(outChannels, fanIn: fanIn, rng: rng.child(name + ".bias"))) : nil
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// The convolution of `x` (`[N, inChannels, H, W]`).
    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>) -> Variable<Float> {
        tape.conv2d(x, weight: tape.parameter(weight, frozen: isFrozen),
                    bias: bias.map { tape.parameter($0, frozen: isFrozen) }, stride: stride, padding: padding)
    }
}

/// Layer normalisation over the last axis with a learned gain (ones) and bias (zeros);
/// parameters `"<name>.gain"` and `"<name>.bias"`.
public final class LayerNorm: Layer {
    public let name: String
    public let gain: Parameter
    public let bias: Parameter
    public let epsilon: Float
    public var isFrozen = false

    public init(_ name: String, width: Int, epsilon: Float = 1e-5) {
        self.name = name
        self.epsilon = epsilon
        gain = Parameter(name + ".gain", .ones([width]))
        bias = Parameter(name + ".bias", .zeros([width]))
    }

    public var parameters: [Parameter] { [gain, bias] }

    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>) -> Variable<Float> {
        tape.layerNorm(x, gain: tape.parameter(gain, frozen: isFrozen), bias: tape.parameter(bias, frozen: isFrozen), epsilon: epsilon)
    }
}

/// A learned lookup table `[count, width]`, parameter `"<name>"` itself (e.g. `"embed.token"`).
public final class Embedding: Layer {
    public let name: String
    public let table: Parameter
    public var isFrozen = false

    /// A table drawn from `N(0, std²)` on the stream `rng.child(name)`.
    public init(_ name: String, count: Int, width: Int, std: Double = 0.02, rng: SeededRandom) {
        self.name = name
        var r = rng.child(name)
        table = Parameter(name, .randomNormal([count, width], std: std, using: &r))
    }

    public var parameters: [Parameter] { [table] }

    /// Rows `indices` of the table, `[indices.count, width]`.
    public func forward(_ tape: Tape<Float>, _ indices: [Int]) -> Variable<Float> {
        tape.embedding(tape.parameter(table, frozen: isFrozen), indices: indices)
    }
}
