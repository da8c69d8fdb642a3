/// # Models: parameter bookkeeping, freezing and LoRA shared by every model

/// A model made of ``Layer``s. Its parameter lists, freezing and LoRA attachment are derived
/// from the layer list, so every model handles them the same way.
public protocol TrainableModel: AnyObject {
    /// The layers in a fixed order (the order of ``parameters``).
    var layers: [Layer] { get }
}

extension TrainableModel {
    /// Every parameter (frozen ones and adapters included), in a fixed order.
    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    /// The parameters a training run should update: after ``attachLoRA(rank:alpha:to:rng:)``,
    /// only the adapters'.
    public var trainableParameters: [Parameter] { layers.flatMap { $0.trainableParameters } }

    /// The linear layers, in order.
    public var linearLayers: [Linear] { layers.compactMap { $0 as? Linear } }

    /// The attached LoRA adapters, in layer order.
    public var loraAdapters: [LoRAAdapter] { linearLayers.compactMap { $0.adapter } }

    /// The parameter with this name, if any.
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// Total number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Freezes (or unfreezes) every layer's own parameters.
    public func setFrozen(_ frozen: Bool) { for layer in layers { layer.isFrozen = frozen } }

    /// Freezes the whole model and attaches a LoRA adapter of rank `rank` to each linear layer
    /// whose name `select` accepts, as `peft` does: afterwards only adapter parameters are
    /// trainable. Adapter `A` matrices are drawn from `rng.child("<layer>.lora_A")`.
    ///
    /// - Returns: the new adapters, in layer order.
    @discardableResult
    public func attachLoRA(rank: Int, alpha: Double, to select: (String) -> Bool, rng: SeededRandom) -> [LoRAAdapter] {
        setFrozen(true)
        return linearLayers.filter { select($0.name) }.map { $0.attachLoRA(rank: rank, alpha: alpha, rng: rng) }
    }
}

/// A model mapping a batch of feature tensors to class logits.
public protocol Classifier: TrainableModel {
    /// Logits `[batch, classes]` for `input` (`[batch, ...]`).
    func forward(_ tape: Tape<Float>, _ input: Tensor<Float>, training: Bool) -> Variable<Float>
}

extension Classifier {
    /// Mean softmax cross-entropy of the logits against `labels`.
    public func loss(_ tape: Tape<Float>, _ input: Tensor<Float>, labels: [Int], training: Bool = true) -> Variable<Float> {
        tape.crossEntropy(forward(tape, input, training: training), labels: labels)
    }

    /// Evaluates the classification loss and *overwrites* the gradients of
    /// ``TrainableModel/trainableParameters`` (a ``LossAndGradient`` body).
    public func lossAndGradient(_ input: Tensor<Float>, labels: [Int]) -> Float {
        Harness.lossAndGradient(parameters: trainableParameters) { tape in loss(tape, input, labels: labels) }
    }

    /// Logits in evaluation mode (no dropout, no gradients).
    public func logits(_ input: Tensor<Float>) -> Tensor<Float> {
        forward(Tape<Float>(), input, training: false).value
    }

    /// The fraction of rows whose largest logit is at the label.
    public func accuracy(_ input: Tensor<Float>, labels: [Int]) -> Double {
        let z = logits(input)
        let c = z.columns
        var correct = 0
        for (r, label) in labels.enumerated() {
            var best = 0
            for j in 1..<c where z.data[r * c + j] > z.data[r * c + best] { best = j }
            if best == label { correct += 1 }
        }
        return Double(correct) / Double(max(labels.count, 1))
    }
}

// MARK: - MLP

/// A multilayer perceptron: linear layers `"layer0"`, `"layer1"`, ... with an activation
/// between them (none after the last, which gives logits or regression outputs).
public final class MLP: Classifier {
    /// The linear layers, input to output.
    public let linears: [Linear]
    public let activation: Activation
    public var layers: [Layer] { linears }

    /// - Parameters:
    ///   - sizes: widths from input to output, e.g. `[784, 256, 256, 10]`.
    ///   - rng: the model's stream; layer `i`'s parameters come from `rng.child("layer<i>.weight")` etc.
    public init(sizes: [Int], activation: Activation = .relu, initialization: WeightInit = .pytorchDefault, rng: SeededRandom) {
        precondition(sizes.count >= 2, "an MLP needs at least input and output sizes")
        self.activation = activation
        linears = (0..<(sizes.count - 1)).map {
            Linear("layer\($0)", inputs: sizes[$0], outputs: sizes[$0 + 1], initialization: initialization, rng: rng)
        }
    }

    /// Outputs `[batch, sizes.last]` for `input` `[batch, sizes.first]` (extra axes are flattened).
    public func forward(_ tape: Tape<Float>, _ input: Tensor<Float>, training: Bool = true) -> Variable<Float> {
        var h = tape.constant(input.rank == 2 ? input : input.reshaped([input.shape[0], input.count / input.shape[0]]))
        for (i, layer) in linears.enumerated() {
            h = layer.forward(tape, h)
            if i < linears.count - 1 { h = activation.apply(h, on: tape) }
        }
        return h
    }

    /// Mean squared error of the outputs against `targets` (`[batch, sizes.last]`).
    public func regressionLoss(_ tape: Tape<Float>, _ input: Tensor<Float>, targets: Tensor<Float>) -> Variable<Float> {
        tape.meanSquaredError(forward(tape, input), target: targets)
    }
}

// MARK: - Small CNN

/// A small convolutional classifier for single-channel `side x side` images (8x8 digits):
/// `conv` 3x3 (padding 1) → ReLU → 2x2 max pool → flatten → linear `head`.
public final class SmallCNN: Classifier {
    public let conv: Conv2D
    public let head: Linear
    public let side: Int, inChannels: Int
    public var layers: [Layer] { [conv, head] }

    public init(side: Int = 8, inChannels: Int = 1, channels: Int = 8, classes: Int = 10, rng: SeededRandom) {
        precondition(side % 2 == 0, "SmallCNN needs an even image side")
        self.side = side
        self.inChannels = inChannels
        conv = Conv2D("conv", inChannels: inChannels, outChannels: channels, kernel: 3, padding: 1, rng: rng)
        head = Linear("head", inputs: channels * (side / 2) * (side / 2), outputs: classes, rng: rng)
    }

    /// Logits for `input` as `[N, C, side, side]` or flattened `[N, C·side·side]`.
    public func forward(_ tape: Tape<Float>, _ input: Tensor<Float>, training: Bool = true) -> Variable<Float> {
        let n = input.shape[0]
        let x = tape.constant(input.reshaped([n, inChannels, side, side]))
        let h = tape.maxPool2x2(tape.relu(conv.forward(tape, x)))
        return head.forward(tape, tape.flatten(h))
    }
}
