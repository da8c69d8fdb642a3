import Foundation
import Harness

// # TrAct: Making First-layer Pre-Activations Trainable
//
// Felix Petersen, Christian Borgelt and Stefano Ermon (NeurIPS 2024, arXiv 2410.23970).
//
// **The paper in plain words.** The gradient of a first layer's weights is the input times the
// gradient at the layer's output, `∇W = dZᵀ X`: an image with low contrast moves the weights
// little, a very bright one a lot, whatever the loss thinks of them. An embedding layer does not
// have this problem (its gradient step moves the embedding itself). TrAct takes a gradient step
// on the first layer's *activations* `Z = X Wᵀ`, `Z* = Z − η dZ`, and then sets the weights to the
// ridge fit of `Z*`: `W* = argmin ‖Z* − X Wᵀ‖² + λ b ‖W − W_old‖²`. In closed form this replaces
// the weight gradient by `∇W (XᵀX/b + λI)⁻¹`, which any optimizer then uses. The paper claims
// that this speeds up training by 1.25x to 4x (c1), at a small cost per step (c2), with SGD and
// Adam and for convolutional and transformer vision models (c3).
//
// This file: the transform (read from the official `tract.py`, written here as an identity node on
// the tape whose pullback preconditions the weight gradient), the two models with it on their
// first layer, and the experiment: SGD-momentum and Adam, with and without TrAct, on the 8x8
// digits given a per-image contrast and brightness jitter, speed-up counted in epochs.

/// TrAct (Petersen et al., 2024): the paper's claims and experiments.
public struct TrActPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "tract", title: "TrAct: Making First-layer Pre-Activations Trainable", method: "TrAct",
            family: "Normalization", arxiv: "2410.23970", code: "https://github.com/Felix-Petersen/tract",
            summary: #"""
            The gradient reaching a vision model's first layer is proportional to the pixel values, so images \#
            with low contrast teach the first layer little and bright ones a lot. TrAct takes the gradient step \#
            on the first layer's activations instead and fits the weights to the proposed activations by ridge \#
            regression, which amounts to multiplying the weight gradient by $(X^\top X/b+\lambda I)^{-1}$ over \#
            the batch's inputs (or image patches). The paper claims it speeds up training by 1.25x to 4x (c1) at \#
            a small overhead per step (c2), with SGD and Adam, for convolutional and transformer models (c3). We \#
            test it on the 8x8 digits with a per-image contrast and brightness jitter, on a small CNN and an \#
            MLP, each with SGD-momentum and Adam, and count the speed-up in epochs to the baseline's final \#
            test accuracy.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    /// The four optimizer × architecture pairs.
    static let pairs: [(key: String, label: String, architecture: Architecture, optimizer: BaseOptimizer)] = [
        ("cnn_sgdm", "CNN, SGD-momentum", .cnn, .sgdMomentum), ("cnn_adam", "CNN, Adam", .cnn, .adam),
        ("mlp_sgdm", "MLP, SGD-momentum", .mlp, .sgdMomentum), ("mlp_adam", "MLP, Adam", .mlp, .adam),
    ]
    static let claimedSpeedup = 1.25

    public var claims: [Claim] {
        let speedup = { (p: (key: String, label: String, architecture: Architecture, optimizer: BaseOptimizer), sized: Bool) -> (label: String, rule: Rule) in
            (p.label, .superiority("c1.\(p.key).log_speedup", "log speed-up (\(p.label))", better: .higher,
                                   minimalEffect: log(Self.claimedSpeedup), sizeClaimed: sized))
        }
        return [
            Claim(
                id: "c1", statement: "Replacing the first-layer weight gradient by TrAct's closed form speeds up training by 1.25x to 4x.",
                source: "abstract", paperValue: "1.25x–4x",
                paperSetting: "ResNet-18/ViT/DeiT on CIFAR-10/100 and ImageNet; epochs to the baseline's accuracy",
                metric: "log of (epochs the baseline needs to reach its own final test accuracy ÷ epochs TrAct needs), per evaluation seed",
                rule: .atLeast(3, of: Self.pairs.map { speedup($0, true) }),
                scaling: "8x8 digits with per-image contrast/brightness jitter, 20 epochs (quick: 3); the catalog's 3-of-4 pairs"),
            Claim(
                id: "c2", statement: "TrAct adds only a small computational overhead per step.",
                source: "abstract", paperValue: "not stated in the abstract (\"small\")", paperSetting: "ResNet-18 / ViT training",
                metric: "counted matrix-product FLOPs of one training step (batch 32), TrAct ÷ plain − 1, per architecture",
                rule: .all(Architecture.allCases.map { a in
                    (a.label, .bound("c2.\(a.rawValue).flop_overhead", "FLOP overhead per step (\(a.label))", below: true, 0.2))
                }),
                scaling: "the catalog's 20% bound, on FLOPs counted by shape (wall time is kept out of the report)"),
            Claim(
                id: "c3", statement: "The speed-up holds across optimizers (SGD, Adam) and for convolutional and (here: fully connected) models.",
                source: "abstract", paperValue: "not stated in the abstract", paperSetting: "SGD and Adam; ResNets, ViT, DeiT",
                metric: "as c1, every pair must show a speed-up above 1",
                rule: .all(Self.pairs.map { speedup($0, false) }),
                scaling: "an MLP whose first layer is linear stands in for the patch transformer (see Deviations)"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func outcome(_ id: String) -> ClaimOutcome { claims.first { $0.claim.id == id }! }
        // c1's measurement names each pair with its part's verdict ("label: … → verdict").
        let parts = outcome("c1").judgement.measured.components(separatedBy: "; ").compactMap { part -> String? in
            guard let label = part.components(separatedBy: ": ").first, let verdict = part.components(separatedBy: "→ ").last else { return nil }
            return "\(label) \(verdict)"
        }
        var text = "The speed-up of at least 1.25x on three of the four optimizer × architecture pairs is \(outcome("c1").judgement.verdict.display) "
        text += "(per pair: \(parts.joined(separator: "; "))), and a speed-up on every pair (c3) is \(outcome("c3").judgement.verdict.display). "
        text += "One reading of the per-pair table, not tested here: with λ = 0.1 the preconditioned gradient is up to 1/λ times the "
        text += "plain one in the inputs' low-variance directions, a scale Adam's per-coordinate normalisation absorbs and SGD-momentum "
        text += "can only meet with a smaller learning rate for the whole model. The overhead claim is \(outcome("c2").judgement.verdict.display) at this scale: the Gram matrix of the "
        text += "batch's patches costs $2bn^2$ against the first layer's $2bnm$, i.e. $n/m$ of its forward product (9/8 for our 3x3 "
        text += "convolution to 8 channels, 27/64 for a ResNet's 3x3 RGB stem), and here the first layer is most of the model, while in "
        text += "a ResNet it is a few percent of a step."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Training the activations.** Let $X\in\mathbb{R}^{b\times n}$ hold the first layer's inputs over the \#
        batch (for a convolution: every image patch of the batch, $b$ = images × output positions, $n$ = \#
        channels × kernel area, as `unfold` gives them), $W\in\mathbb{R}^{m\times n}$ the weights and \#
        $Z=XW^\top$ the pre-activations. With $G=\partial L/\partial Z$ (the loss is a mean, so $G$ carries \#
        $1/\text{batch}$), the plain gradient is $\nabla_W L = G^\top X$. TrAct proposes $Z^\star=Z-\eta G$ \#
        and fits $W^\star=\arg\min_W \lVert Z^\star-XW^\top\rVert^2+\lambda b\lVert W-W_{\text{old}}\rVert^2$, whose \#
        solution is one step along

        $$\Delta W = G^\top X\,\Big(\tfrac{1}{b}X^\top X+\lambda I_n\Big)^{-1},$$

        i.e. the plain gradient times the inverse of the patches' regularised second-moment matrix (mean over \#
        the $b$ rows, not a sum). The official code returns this as the weight's gradient, so any optimizer \#
        (SGD with momentum, Adam) consumes it; the bias gradient is unchanged; λ = 0.1 is the default and the \#
        only hyperparameter. When $b<n$ the code uses the equivalent Woodbury form \#
        $\lambda^{-1}G^\top(I_b-\lambda^{-1}A(A/\lambda+I_b)^{-1})X$ with $A=XX^\top/b$. Our CNN has $b=2048$ \#
        patch rows for $n=9$; our MLP has $b=32<n=64$, where the official code would take the Woodbury form: we \#
        solve the $n\times n$ form there too (the same result; its cost is shown beside the Woodbury one in c2).

        **Limits.** As $\lambda\to\infty$, $\lambda\,\Delta W\to\nabla_W L$: TrAct becomes plain training with the \#
        first layer's learning rate divided by λ. As $\lambda\to 0$ (with $X^\top X$ invertible) it becomes the \#
        whitened gradient $\nabla_W L\,(X^\top X/b)^{-1}$, which is invariant to an invertible linear change of \#
        the inputs: contrast no longer scales the step.

        **As a transform.** We put an identity node on the tape between the weight and the first layer; its \#
        pullback multiplies the incoming weight gradient by $(X^\top X/b+\lambda I)^{-1}$ (a Cholesky solve), so \#
        every optimizer chain downstream sees TrAct's gradient, exactly as the official autograd function does.
        """#
    }

    public var excerpts: [String] { ["tract-transform", "tract-models"] }

    public var deviations: String {
        #"""
        - **Data and models.** The paper trains ResNets on CIFAR and ImageNet and ViT/DeiT. We use the 8x8 digits \#
        (the shared 60/20/20 split, standardised), with a fixed per-image jitter that the paper's argument is \#
        about: contrast $a$ log-uniform in [0.2, 2] and brightness $c$ uniform in [−1, 1], $x\mapsto ax+c$ on \#
        every image of every split. Models: the harness's small CNN (3x3 convolution to 8 channels, ReLU, 2x2 \#
        max-pool, linear head; TrAct's $X$ are the 3x3 patches with zero padding) and the MLP 64-128-128-10 \#
        (TrAct's $X$ are the raw inputs).
        - **No patch transformer.** The harness's transformer blocks are built for token inputs and their \#
        initialiser is internal to the harness; a patch transformer would need a harness change for this \#
        paper alone. The MLP's first layer is the same kind of layer as a ViT's patch embedding (a linear map \#
        of raw pixels), so c3's "transformer" part is tested on it; the claim is reworded accordingly.
        - **Speed-up.** The paper compares epoch budgets (TrAct at fewer epochs against the baseline at more). \#
        We train each arm 20 epochs at a constant rate and count, per evaluation seed, the first epoch at \#
        which each arm's test accuracy reaches the baseline's final test accuracy at that seed (same initial \#
        weights and data order); speed-up = baseline epochs ÷ TrAct epochs, judged in logs. A TrAct run that \#
        never reaches the target counts at 21 epochs (against TrAct).
        - **Tuning.** Each arm is tuned over the same learning-rate grid per optimizer on the final validation \#
        accuracy (the baseline's target is then as high as tuning makes it); λ is the paper's 0.1, not tuned.
        - **Overhead.** Counted matrix-product FLOPs of one training step (the harness meters its matrix \#
        products; the convolution's two GEMMs are added by their shapes, and the Cholesky factorisation is \#
        counted as $n^3/3$). Wall time goes to the timing file only.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

// MARK: - The transform

// excerpt: tract-transform
/// TrAct's closed form, `∇W (XᵀX/b + λI)⁻¹`, and its place on the tape.
public enum TrAct {
    /// The paper's default λ.
    public static let defaultLambda = 0.1

    /// How a weight's gradient is laid out against the input features `n`.
    public enum Layout: Sendable {
        /// `[n, m]`: the harness's `Linear` (`y = x W`); TrAct is `(XᵀX/b + λI)⁻¹ ∇W`.
        case inputsByOutputs
        /// `[m, n…]`: a convolution's `[out, in, k, k]` flattened to `[m, n]`; TrAct is `∇W (XᵀX/b + λI)⁻¹`.
        case outputsByInputs
    }

    /// `(XᵀX/b + λI)⁻¹ B` for the inputs `X` (`[b, n]`) and `B` (`[n, r]`), by Cholesky. The Gram
    /// product is metered by the harness; the factorisation (`n³/3`) and the solve (`2n²r`) here.
    public static func solve(inputs x: Tensor<Float>, _ rhs: Tensor<Float>, lambda: Double) -> Tensor<Float> {
        let b = x.shape[0], n = x.shape[1]
        var gram = matmul(x, x, transposeA: true)
        let mean = Float(1 / Double(b)), ridge = Float(lambda)
        for i in 0..<n {
            for j in 0..<n { gram.data[i * n + j] *= mean }
            gram.data[i * n + i] += ridge
        }
        CostMeter.countMatmul(m: n, n: n, k: max(n / 6, 1))
        CostMeter.countMatmul(m: n, n: n, k: rhs.shape[1])
        do { return try choleskySolve(gram, rhs) } catch { preconditionFailure("TrAct: XᵀX/b + λI is not positive definite (λ = \(lambda))") }
    }

    /// TrAct's gradient from the plain one, `gradient` laid out as `layout` says.
    public static func precondition(_ gradient: Tensor<Float>, inputs x: Tensor<Float>, lambda: Double, layout: Layout) -> Tensor<Float> {
        let n = x.shape[1]
        switch layout {
        case .inputsByOutputs:
            return solve(inputs: x, gradient, lambda: lambda)
        case .outputsByInputs:
            let m = gradient.count / n
            let rows = gradient.reshaped([m, n]).transposed
            return solve(inputs: x, rows, lambda: lambda).transposed.reshaped(gradient.shape)
        }
    }

    /// The patches `unfold` gives for a stride-1 square convolution with zero padding: one row per
    /// image and output position, columns ordered `(channel, i, j)` as the weight `[out, in, k, k]`.
    public static func patches(_ images: Tensor<Float>, kernel k: Int, padding: Int) -> Tensor<Float> {
        let n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3]
        let ho = h + 2 * padding - k + 1, wo = w + 2 * padding - k + 1, cols = c * k * k
        var out = [Float](repeating: 0, count: n * ho * wo * cols)
        for img in 0..<n { for oy in 0..<ho { for ox in 0..<wo {
            let row = ((img * ho + oy) * wo + ox) * cols
            for ch in 0..<c { for i in 0..<k { for j in 0..<k {
                let y = oy + i - padding, x = ox + j - padding
                if y >= 0 && y < h && x >= 0 && x < w { out[row + (ch * k + i) * k + j] = images.data[((img * c + ch) * h + y) * w + x] }
            } } }
        } } }
        return Tensor(shape: [n * ho * wo, cols], data: out)
    }
}

extension Tape where S == Float {
    /// The identity on a first layer's weight whose pullback hands the weight TrAct's gradient:
    /// the layer's plain gradient arrives here whole, is preconditioned over `inputs`, and goes on.
    public func trainingActivations(_ weight: Variable<Float>, inputs: Tensor<Float>, lambda: Double, layout: TrAct.Layout) -> Variable<Float> {
        record(weight.value, input: weight) { tape, g in
            tape.accumulate(weight, TrAct.precondition(g, inputs: inputs, lambda: lambda, layout: layout))
        }
    }
}
// end excerpt

// MARK: - The models

/// The two architectures of the experiment.
enum Architecture: String, CaseIterable, Sendable {
    case cnn, mlp
    var label: String { self == .cnn ? "CNN" : "MLP" }
    func model(lambda: Double?, rng: SeededRandom) -> any Classifier {
        self == .cnn ? TrActCNN(lambda: lambda, rng: rng) : TrActMLP(lambda: lambda, rng: rng)
    }
}

// excerpt: tract-models
/// The harness's `SmallCNN` (same layers, names and initial weights) with TrAct on its convolution
/// when `lambda` is set; nil gives the plain model, bit for bit.
public final class TrActCNN: Classifier {
    public let conv: Conv2D, head: Linear
    public let lambda: Double?
    public var layers: [Layer] { [conv, head] }

    public init(lambda: Double?, rng: SeededRandom) {
        self.lambda = lambda
        conv = Conv2D("conv", inChannels: 1, outChannels: 8, kernel: 3, padding: 1, rng: rng)
        head = Linear("head", inputs: 8 * 4 * 4, outputs: 10, rng: rng)
    }

    public func forward(_ tape: Tape<Float>, _ input: Tensor<Float>, training: Bool = true) -> Variable<Float> {
        let images = input.reshaped([input.shape[0], 1, 8, 8])
        var weight = tape.parameter(conv.weight)
        if training, let lambda {
            weight = tape.trainingActivations(weight, inputs: TrAct.patches(images, kernel: 3, padding: 1), lambda: lambda, layout: .outputsByInputs)
        }
        let z = tape.conv2d(tape.constant(images), weight: weight, bias: tape.parameter(conv.bias!), stride: 1, padding: 1)
        return head.forward(tape, tape.flatten(tape.maxPool2x2(tape.relu(z))))
    }
}

/// The MLP 64-128-128-10 (ReLU) of the harness, with TrAct on `layer0` when `lambda` is set.
public final class TrActMLP: Classifier {
    public let linears: [Linear]
    public let lambda: Double?
    public var layers: [Layer] { linears }

    public init(lambda: Double?, rng: SeededRandom) {
        self.lambda = lambda
        let sizes = [64, 128, 128, 10]
        linears = (0..<3).map { Linear("layer\($0)", inputs: sizes[$0], outputs: sizes[$0 + 1], rng: rng) }
    }

    public func forward(_ tape: Tape<Float>, _ input: Tensor<Float>, training: Bool = true) -> Variable<Float> {
        var h = tape.constant(input)
        for (i, layer) in linears.enumerated() {
            if i == 0, training, let lambda {
                let weight = tape.trainingActivations(tape.parameter(layer.weight), inputs: input, lambda: lambda, layout: .inputsByOutputs)
                h = tape.addBias(tape.matmul(h, weight), tape.parameter(layer.bias!))
            } else {
                h = layer.forward(tape, h)
            }
            if i < linears.count - 1 { h = tape.relu(h) }
        }
        return h
    }
}
// end excerpt

// MARK: - The experiment

/// The two optimizers TrAct is composed with.
enum BaseOptimizer: String, Sendable {
    case sgdMomentum = "SGD-momentum", adam = "Adam"
    func make(_ parameters: [Parameter], learningRate: Double) -> any Optimizer {
        switch self {
        case .sgdMomentum: return ChainedOptimizer.sgd(parameters, learningRate: .constant(Float(learningRate)), momentum: 0.9)
        case .adam: return ChainedOptimizer.adam(parameters, learningRate: .constant(Float(learningRate)))
        }
    }
}

extension TrActPaper {
    struct Settings {
        var epochs: Int
        var learningRates: [BaseOptimizer: [Double]]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        /// Pairs to run (tests run fewer).
        var pairs: [Int]

        init(_ context: RunContext) {
            epochs = context.pick(quick: 3, full: 20)
            learningRates = context.pick(quick: [.sgdMomentum: [0.01, 0.1], .adam: [1e-3, 1e-2]],
                                         full: [.sgdMomentum: [3e-3, 1e-2, 3e-2, 1e-1, 3e-1], .adam: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 8)
            pairs = Array(TrActPaper.pairs.indices)
        }
    }

    /// The digits split with each image's contrast and brightness drawn once: `x ↦ a x + c`,
    /// `a` log-uniform in [0.2, 2], `c` uniform in [−1, 1] (streams per split).
    static func jitteredDigits(_ context: RunContext) throws -> DataSplits {
        let data = try StandardTasks.digits(context)
        func jitter(_ set: Dataset, _ name: String) -> Dataset {
            var rng = context.rng("jitter", name), out = set
            let f = set.featureCount
            for i in 0..<set.count {
                let a = Float(exp(rng.uniform(log(0.2), log(2.0)))), c = Float(rng.uniform(-1, 1))
                for j in 0..<f { out.features.data[i * f + j] = a * set.features.data[i * f + j] + c }
            }
            return out
        }
        return DataSplits(train: jitter(data.train, "train"), validation: jitter(data.validation, "validation"), test: jitter(data.test, "test"))
    }

    /// One run: `epochs` at batch 32, the held-out accuracy (validation in selection, test in
    /// evaluation) after every epoch, the mean training batch loss per epoch as the loss curve.
    static func train(_ trial: Trial, architecture: Architecture, optimizer: BaseOptimizer, lambda: Double?,
                      data: DataSplits, epochs: Int) -> RunRecord {
        var common = trial.commonRNG
        let model = architecture.model(lambda: lambda, rng: common.child("model"))
        let opt = optimizer.make(model.parameters, learningRate: trial.hyperparameters.learningRate)
        let schedule = BatchSchedule(count: data.train.count, batchSize: 32, using: &common)
        let heldOut = trial.phase == .selection ? data.validation : data.test
        var losses = [Double](), steps = [Int](), accuracy = [Double](), step = 0, diverged = false
        epochs: for epoch in 0..<epochs {
            var sum = 0.0, count = 0
            for batch in schedule.batches(epoch: epoch) {
                let (x, y) = data.train.batch(batch)
                step += 1
                let loss = opt.step {
                    CostMeter.countGradientEvaluations()
                    return model.lossAndGradient(x, labels: y)
                }
                if !loss.isFinite { diverged = true; break epochs }
                sum += Double(loss); count += 1
            }
            losses.append(sum / Double(count)); steps.append(step)
            accuracy.append(model.accuracy(heldOut.features, labels: heldOut.labels))
        }
        var record = RunRecord(losses: losses, steps: steps, stateBytes: opt.stateBytes, diverged: diverged)
        let name = trial.phase == .selection ? "validation accuracy" : "test accuracy"
        record.record(name, diverged ? .nan : accuracy.last!)
        for (e, a) in accuracy.enumerated() { record.record("\(name) after epoch \(e + 1)", a) }
        return record
    }

    /// The first 1-based epoch whose accuracy reaches `target`; `curve.count + 1` when none does.
    static func epochsToReach(_ target: Double, _ curve: [Double]) -> Int {
        (curve.firstIndex { $0 >= target - 1e-12 } ?? curve.count) + 1
    }

    /// Per evaluation seed: (baseline epochs, TrAct epochs) to the baseline's own final test accuracy.
    static func epochCounts(base: ArmResult, tract: ArmResult, epochs: Int) -> [(base: Int, tract: Int)] {
        func curve(_ r: RunRecord) -> [Double] { (1...epochs).map { r.metric("test accuracy after epoch \($0)") ?? .nan } }
        return zip(base.evaluation, tract.evaluation).compactMap { b, t in
            guard !b.diverged else { return nil }
            let target = b.metric("test accuracy") ?? .nan, baseCurve = curve(b)
            let tractEpochs = t.diverged ? epochs + 1 : epochsToReach(target, curve(t))
            return (epochsToReach(target, baseCurve), tractEpochs)
        }
    }

    /// Counted matrix-product FLOPs of one training step on a batch of 32, plain and with TrAct.
    /// The harness's `conv2d` does not meter its GEMMs: its forward and weight-gradient products
    /// (`2·m·n·b` each; the input needs no gradient) are added by shape.
    static func stepFlops(_ architecture: Architecture, data: DataSplits, rng: SeededRandom) -> (plain: Int, tract: Int) {
        let (x, y) = data.train.batch(Array(0..<32))
        let conv = architecture == .cnn ? 2 * 2 * 8 * 9 * (32 * 64) : 0
        func flops(_ lambda: Double?) -> Int {
            let model = architecture.model(lambda: lambda, rng: rng)
            return CostMeter.measure { _ = model.lossAndGradient(x, labels: y) }.cost.matmulFlops + conv
        }
        return (flops(nil), flops(TrAct.defaultLambda))
    }

    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        let data = try Self.jitteredDigits(context)
        var evidence = Evidence()
        var rows = [[String]](), sweeps = [ReportBlock](), curves = [Architecture: [Series]]()
        let epochs = settings.epochs, axis = (1...epochs).map(Double.init)
        for index in settings.pairs {
            let pair = Self.pairs[index]
            let grid = Hyperparameters.learningRateGrid(settings.learningRates[pair.optimizer]!)
            let arms = [(pair.optimizer.rawValue, nil), ("\(pair.optimizer.rawValue) + TrAct", TrAct.defaultLambda)].map { name, lambda in
                Arm(name, grid: grid) { trial in
                    Self.train(trial, architecture: pair.architecture, optimizer: pair.optimizer, lambda: lambda, data: data, epochs: epochs)
                }
            }
            let result = try Experiment(context: context, claim: "c1 \(pair.key)", arms: arms, selectionSeeds: settings.selectionSeeds,
                                        evaluationSeeds: settings.evaluationSeeds, rule: .highest("validation accuracy")).compare()
            let base = result.arms[0], tract = result.arms[1]
            let counts = Self.epochCounts(base: base, tract: tract, epochs: epochs)
            let logs = Summary(counts.map { log(Double($0.base) / Double($0.tract)) })
            evidence.record(interval: "c1.\(pair.key).log_speedup", logs, tolerance: 0.1)
            let never = counts.filter { $0.tract > epochs }.count
            rows.append([pair.label, base.chosen.description, tract.chosen.description, base.summary("test accuracy").formatted,
                         tract.summary("test accuracy").formatted, Format.compact(Summary(counts.map { Double($0.base) }).mean),
                         Format.compact(Summary(counts.map { Double($0.tract) }).mean) + (never > 0 ? " (\(never) never)" : ""),
                         "\(Format.compact(exp(logs.mean), 3)) [\(Format.compact(exp(logs.low), 3)), \(Format.compact(exp(logs.high), 3))]"])
            for arm in [base, tract] {
                let kept = arm.evaluation.filter { !$0.diverged }
                curves[pair.architecture, default: []].append(ExperimentReport.meanCurve(arm.arm, x: axis, curves: kept.map { r in
                    (1...epochs).map { r.metric("test accuracy after epoch \($0)") ?? .nan }
                }))
            }
            sweeps.append(.table(ExperimentReport.sweepTable(result.arms, rule: .highest("validation accuracy"),
                                                             caption: "\(pair.label): learning-rate selection on the final validation accuracy.")))
        }
        var results: [ReportBlock] = [.text("### c1, c3: epochs to the baseline's final test accuracy"), .table(Table(
            caption: "Per pair, over \(Format.counted(settings.evaluationSeeds, "evaluation seed")): chosen learning rates, final test accuracy after \(epochs) epochs, mean epochs to reach the baseline's final test accuracy at the same seed, and the speed-up (geometric mean, 95% interval).",
            headers: ["pair", "baseline", "TrAct", "baseline test acc.", "TrAct test acc.", "baseline epochs", "TrAct epochs", "speed-up"],
            rows: rows))]
        for architecture in Architecture.allCases {
            guard let series = curves[architecture] else { continue }
            results.append(.figure(Figure(name: "accuracy-\(architecture.rawValue)", title: "\(architecture.label) on jittered digits: test accuracy",
                                          xLabel: "epoch", yLabel: "test accuracy", series: series,
                                          caption: "Mean test accuracy after each epoch at each arm's chosen learning rate, with the 95% band over evaluation seeds.")))
        }
        results.append(.details("Learning-rate sweeps", sweeps))

        // c2: counted FLOPs of one step.
        var flopRows = [[String]]()
        for architecture in Architecture.allCases {
            let f = Self.stepFlops(architecture, data: data, rng: context.rng("c2", "model"))
            let overhead = Double(f.tract) / Double(f.plain) - 1
            evidence.record("c2.\(architecture.rawValue).flop_overhead", overhead, absoluteTolerance: 0, relativeTolerance: 0)
            flopRows.append([architecture.label, "\(f.plain)", "\(f.tract)", Format.compact(100 * overhead, 3) + "%"])
        }
        // The official code's branch for b < n (the MLP), counted by shape: A = XXᵀ (2b²n), the
        // inverse (2b³) and its product with A (2b³), and Gᵀ(I − …) before X (2mb²); the plain
        // gradient's Gᵀ X is then replaced by (Gᵀ(I − …)) X, the same size.
        let (b, n, m) = (32, 64, 128)
        let woodbury = 2 * b * b * n + 4 * b * b * b + 2 * m * b * b, plainMLP = Int(flopRows[1][1])!
        flopRows.append(["MLP, Woodbury branch (by shape, not judged)", "\(plainMLP)", "\(plainMLP + woodbury)",
                         Format.compact(100 * Double(woodbury) / Double(plainMLP), 3) + "%"])
        results.append(.text("### c2: overhead per step"))
        results.append(.table(Table(caption: "c2: matrix-product FLOPs of one training step on a batch of 32 (forward and backward; the optimizer's elementwise work is not counted).",
                                    headers: ["model", "plain", "TrAct", "overhead"], rows: flopRows)))

        let setup: [ReportBlock] = [.text(
            "**Data.** The 8x8 digits, the shared stratified 60/20/20 split standardised on the training part, then every image of every split "
            + "given a fixed contrast $a$ (log-uniform in [0.2, 2]) and brightness $c$ (uniform in [−1, 1]), $x\\mapsto ax+c$. "
            + "**Models.** CNN: 3x3 convolution to 8 channels (padding 1), ReLU, 2x2 max-pool, linear head; MLP 64-128-128-10 (ReLU); PyTorch's default initialisation. "
            + "**Arms.** SGD with momentum 0.9 and Adam (β = 0.9, 0.999), each with and without TrAct (λ = 0.1) on the first layer, "
            + "\(epochs) epochs at batch 32, constant learning rate, mean cross-entropy. **Tuning.** Learning rates "
            + settings.learningRates.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue): \($0.value.map { Format.compact($0, 2) }.joined(separator: ", "))" }.joined(separator: "; ")
            + " (extended at an edge, up to twice), chosen on the final validation accuracy over \(Format.counted(settings.selectionSeeds, "selection seed")); "
            + "\(Format.counted(settings.evaluationSeeds, "evaluation seed")), both arms of a pair sharing initial weights and data order at each seed. "
            + "**Speed-up (fixed before the run).** Target = the baseline's final test accuracy at that seed; each arm's epochs = the first epoch whose test "
            + "accuracy reaches the target (\(epochs + 1) when never); speed-up = baseline epochs ÷ TrAct epochs, judged as a 95% interval of its log.")]
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
