import Foundation
import Harness

// # No More Adam: Learning Rate Scaling at Initialization is All You Need (SGD-SaI)
//
// Minghao Xu, Lichuan Xiang, Xu Cai and Hongkai Wen (arXiv 2412.11768, 2024).
//
// **The paper in plain words.** Adam gives every coordinate its own step size, which costs a
// second-moment tensor as large as the model. The paper argues that what transformers need from
// Adam is mostly a different step size per *parameter block* (embedding, attention, MLP, norm),
// and that the right ratios can be read off once, at the first step: the gradient
// signal-to-noise ratio of the block, g-SNR = ‖g‖/σ(g). SGD-SaI is SGD with momentum whose
// learning rate is multiplied, block by block, by that g-SNR (normalised by the largest), fixed
// from the first batch on. The paper claims it matches or beats AdamW on transformers (ViT,
// GPT-2) where plain SGD fails (c1), halves the optimizer memory of AdamW (c2: 5.93 GB saved for
// GPT-2 1.5B, 25.15 GB for Llama2-7B), is robust to its hyperparameters (c3), and also wins at
// LoRA fine-tuning and diffusion models (c4).
//
// This file: the scaling at initialisation as one transformation (the official code's g-SNR and
// pytorch-optimizer's, whose golden trajectories our tests match), the claims, and the
// comparison with AdamW and SGD with momentum on the tiny transformer and two standard tasks.

/// SGD-SaI (Xu et al., 2024): the paper's claims and experiments.
public struct SGDSaIPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sgd-sai",
            title: "No More Adam: Learning Rate Scaling at Initialization is All You Need",
            method: "SGD-SaI",
            family: "AdaptiveMethods",
            arxiv: "2412.11768",
            code: "https://github.com/AnonymousAlethiometer/SGD_SaI",
            summary: #"""
            SGD-SaI is SGD with momentum whose learning rate is scaled once, at the first step, per parameter block \#
            by the block's gradient signal-to-noise ratio ‖g‖/σ(g), normalised by the largest; no second moment is \#
            kept. The paper claims it matches or beats AdamW on transformers where plain SGD with momentum fails \#
            (c1), halves AdamW's optimizer memory (c2), is robust to hyperparameter choices (c3), and wins at LoRA \#
            fine-tuning and diffusion models (c4). We compare it with tuned AdamW and SGD with momentum on the tiny \#
            transformer language model (and on a CNN and an MLP), count the state bytes, and measure how much the \#
            loss degrades across the learning-rate grid.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        let transformer = "c1.transformer_markov"
        return [
            Claim(
                id: "c1a",
                statement: "On transformer training SGD-SaI matches or beats AdamW.",
                source: "abstract",
                paperValue: "matches or outperforms AdamW", paperSetting: "ViT on ImageNet-1K classification; GPT-2 pretraining (abstract)",
                metric: "paired difference of log final training loss (the population loss of the Markov source), SGD-SaI − AdamW, tiny transformer",
                rule: .nonInferiority("\(transformer).log_loss_sai_minus_adamw", "log loss, SGD-SaI − AdamW", better: .lower, margin: log(1.02)),
                scaling: "tiny transformer on an order-2 Markov source, 300 steps (quick: 40); the 2% margin of the catalog's experiment"),
            Claim(
                id: "c1b",
                statement: "SGD-SaI overcomes the failure of SGD with momentum on transformers: it trains the transformer better than plain SGD with momentum.",
                source: "abstract",
                paperValue: "overcomes the long-standing challenge of using SGD for transformers", paperSetting: "ViT and GPT-2 (abstract)",
                metric: "paired difference of log final training loss, SGD-SaI − SGD+momentum (premise: AdamW − SGD+momentum below 0), tiny transformer",
                rule: Rule.superiority("\(transformer).log_loss_sai_minus_sgdm", "log loss, SGD-SaI − SGD+momentum", better: .lower, minimalEffect: log(1.02))
                    .given(premise: .superiority("\(transformer).log_loss_adamw_minus_sgdm", "log loss, AdamW − SGD+momentum", better: .lower, minimalEffect: log(1.02)),
                           "tuned SGD with momentum trains the transformer worse than AdamW"),
                scaling: "as c1a"),
            Claim(
                id: "c1c",
                statement: "Beyond transformers, SGD-SaI matches AdamW on standard small networks (a CNN and an MLP).",
                source: "the paper's title; the official code's CNN examples",
                paperValue: "not stated in the abstract", paperSetting: "CNN image classification (the official code ships ResNet, VGG, DenseNet examples)",
                metric: "paired difference of log final training loss, SGD-SaI − AdamW, CNN on the digits and MLP on MNIST-1D",
                rule: Rule.all(Self.otherTasks.map { t in
                    (t.label, .nonInferiority("c1.\(t.key).log_loss_sai_minus_adamw", "log loss, SGD-SaI − AdamW", better: .lower, margin: log(1.1)))
                }),
                scaling: "10 epochs (quick: 2) at batch 32; margin 10% as the Adam report's comparisons"),
            Claim(
                id: "c2",
                statement: "Dropping the second moment halves the optimizer state of AdamW.",
                source: "abstract",
                paperValue: "half of AdamW's state; 5.93 GB saved for GPT-2 (1.5B), 25.15 GB for Llama2-7B", paperSetting: "fp32 training on GPU",
                metric: "optimizer state bytes of SGD-SaI / AdamW after one step on the tiny transformer (one momentum tensor and one Float per tensor, against two moment tensors)",
                rule: .exact("c2.state_ratio_sai_over_adamw", "state bytes, SGD-SaI / AdamW", equals: 0.5, tolerance: 1e-3, byConstruction: true),
                scaling: "the tiny transformer; the tolerance 1e-3 admits the one g-SNR scalar per tensor"),
            Claim(
                id: "c3",
                statement: "SGD-SaI is robust to hyperparameter variations: its loss degrades no more than AdamW's across the learning-rate grid.",
                source: "abstract",
                paperValue: "robust (no figure in the abstract)", paperSetting: "ViT and GPT-2 (abstract)",
                metric: "per selection seed, median minus best log final training loss over the shared learning-rate grid (a diverged run counts at ln 32, the uniform predictor); paired difference SGD-SaI − AdamW, tiny transformer",
                rule: .nonInferiority("c3.grid_spread_sai_minus_adamw", "grid spread, SGD-SaI − AdamW", better: .lower, margin: 0.1),
                scaling: "the shared grid of c1 on the tiny transformer, learning rate only (no weight-decay sweep); margin 0.1 in log loss"),
            .notTestable(
                id: "c4",
                statement: "SGD-SaI outperforms state-of-the-art optimizers for LoRA fine-tuning of LLMs and for diffusion models.",
                source: "abstract",
                paperValue: "outperforms (no single figure)", paperSetting: "LoRA fine-tuning of LLMs; diffusion models (abstract)",
                reason: "both settings fine-tune large pretrained models (LLMs, a latent diffusion model); no pretrained model of either kind fits the CPU budget, and LoRA on a model trained from scratch here would test a different thing"),
        ]
    }

    static let otherTasks: [(key: String, label: String)] = [("cnn_digits", "CNN (digits)"), ("mlp_mnist1d", "MLP (MNIST-1D)")]

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "The memory claim holds by construction: one momentum tensor instead of two moments (\(verdict("c2").display)); "
        text += "the GB figures follow from 4 bytes per parameter. "
        switch verdict("c1a") {
        case .reproduced: text += "On the tiny transformer SGD-SaI stayed within 2% of tuned AdamW's loss. "
        case .notReproduced: text += "On the tiny transformer SGD-SaI fell more than 2% behind tuned AdamW, against the paper. "
        default: text += "Whether SGD-SaI matches AdamW on the tiny transformer is \(verdict("c1a").display). "
        }
        text += "Against plain SGD with momentum the claim is \(verdict("c1b").display); on the CNN and MLP \(verdict("c1c").display); "
        text += "robustness across the learning-rate grid is \(verdict("c3").display). "
        text += "The table of initial scales shows what the scaling amounts to on a small transformer: every weight matrix's ratio is close to the square root of its size, so the matrices get the full rate or half of it and the biases and LayerNorm parameters about a tenth. "
        return text + "LoRA and diffusion are beyond a CPU."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Scaling at initialisation.** At the first step, for every parameter block $j$ (a weight matrix, a bias, \#
        a norm's scale) with gradient $g_j$ of $n_j$ entries, the gradient signal-to-noise ratio is

        $$G_j=\frac{\lVert g_j\rVert_2}{\sigma(g_j)+\epsilon},\qquad \sigma(g_j)^2=\frac{1}{n_j-1}\sum_i (g_{j,i}-\bar g_j)^2 .$$

        The block's learning rate is fixed to $\eta_j=\eta\,G_j/\max_k G_k$ for the rest of training. Then \#
        SGD with momentum in its averaging form, and decoupled weight decay:

        $$b_t=\mu b_{t-1}+(1-\mu)\,g_t\ (b_1=g_1),\qquad \theta_{t+1}=(1-\eta\lambda)\,\theta_t-\eta_j\,b_t,$$

        with defaults $\eta=10^{-2}$, $\mu=0.9$, $\lambda=10^{-2}$, $\epsilon=10^{-8}$ (the official code, \#
        v1.0.4). The only state is $b$, one tensor per parameter, plus one number per block: AdamW keeps two \#
        tensors. A block whose gradient is spread evenly (large $\lVert g\rVert/\sigma$, e.g. a dense layer \#
        with a consistent gradient) gets a large step; a block whose gradient is a few large entries among \#
        many small ones gets a small step. Since $\lVert g\rVert^2=n(s^2+\bar g^2)$ with $s$ the (biased) standard \#
        deviation, $G_j\approx\sqrt{n_j}\sqrt{1+\bar g_j^2/s_j^2}$: for a block whose mean gradient is small \#
        against its spread the ratio is about the square root of the block's size, so the scales mostly rank \#
        blocks by size (the table in the results shows it on the transformer).

        **pytorch-optimizer's variant** (its `SGDSaI`, our golden reference) differs in three details: no \#
        normalisation by the largest ratio; for vectors, single-row matrices and blocks with $\sigma=0$ the \#
        ratio is $\lVert g\rVert$ itself; and the momentum buffer starts at zero ($b_1=(1-\mu)g_1$). Both are \#
        the same transformation below with a `Convention`; `reproduce trace sgdsai` uses pytorch-optimizer's, \#
        the experiment the official one.
        """#
    }

    public var excerpts: [String] { ["scale-by-initial-snr"] }

    public var deviations: String {
        #"""
        - **Tasks and scale.** The paper trains ViT-S/16 on ImageNet-1K and GPT-2 (up to 1.5B parameters). We \#
        use the tiny pre-LayerNorm transformer (2 blocks, width 32) as a next-token model of an order-2 Markov \#
        source for the transformer claims, and the shared CNN (digits) and MLP (MNIST-1D) for c1c.
        - **Judged metric.** The final training loss in logs (for the transformer, a fresh batch of the source: \#
        the population loss), selected on the same metric as protocol v2 requires; the paper reports validation \#
        accuracy and perplexity. Test loss and accuracy are shown beside it.
        - **Tuning.** Every arm is tuned over the same learning-rate grid at a constant rate (the paper uses \#
        warm-up and cosine decay) with weight decay fixed: 0.01 for SGD-SaI and AdamW (both decoupled; the \#
        defaults), none for SGD with momentum (torch's default, heavy-ball form, no dampening). The paper \#
        sweeps learning rate and weight decay for c3; we sweep the learning rate only.
        - **Blocks.** One block per parameter tensor (weights and biases separately), as both implementations \#
        do. Our transformer ties no weights.
        - **Memory (c2).** The state is counted in bytes (4 per Float, the g-SNR scalars included); the paper's GB \#
        figures are measured on GPU: at one fp32 tensor per parameter, Llama2-7B's 6.74e9 parameters take \#
        25.1 GiB and GPT-2 XL's 1.56e9 take 5.8 GiB, close to the paper's 25.15 and 5.93 GB.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The transformation

// excerpt: scale-by-initial-snr
/// Multiplies each tensor's update by its gradient signal-to-noise ratio at the first step,
/// `G_j = ‖g_j‖/(σ(g_j) + ε)` (σ the unbiased standard deviation), fixed from then on. All ratios
/// are computed together at the first update, from the gradients of `parameters` (the group's
/// tensors, in order), so the official convention can divide by the largest. State: one Float per
/// tensor.
public final class ScaleByInitialSNR: GradientTransformation {
    public enum Convention: Sendable {
        /// The paper's code (v1.0.4): `‖g‖/(σ + ε)` for every tensor, divided by the largest.
        case official
        /// pytorch-optimizer's `SGDSaI`: `‖g‖/(σ + ε)` for matrices with more than one row and σ ≠ 0,
        /// `‖g‖` otherwise; not normalised.
        case pytorchOptimizer
    }
    public let parameters: [Parameter], eps: Double, convention: Convention
    public private(set) var ratios: [Float] = []

    public init(_ parameters: [Parameter], eps: Double = 1e-8, convention: Convention = .official) {
        (self.parameters, self.eps, self.convention) = (parameters, eps, convention)
    }

    /// `G` of one gradient, in Double from Float data (torch reduces in Float32; the difference is
    /// far below the trajectories' tolerance).
    func ratio(_ g: Tensor<Float>) -> Double {
        let n = Double(g.count), data = g.data.map(Double.init)
        let norm = data.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let mean = data.reduce(0, +) / n
        let sigma = n > 1 ? (data.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : 0
        switch convention {
        case .official: return norm / (sigma + eps)
        case .pytorchOptimizer:
            let matrix = g.shape.count > 1 && g.shape[0] != 1
            return matrix && sigma != 0 ? norm / (sigma + eps) : norm
        }
    }

    /// Computes every tensor's scale from the current gradients, once.
    public func prepare() {
        guard ratios.isEmpty else { return }
        var all = parameters.map { ratio($0.grad) }
        if convention == .official, let largest = all.max(), largest > 0 { all = all.map { $0 / largest } }
        ratios = all.map(Float.init)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        prepare()
        u.scale(by: ratios[index])
    }

    public var stateBytes: Int { ratios.count * MemoryLayout<Float>.size }
}

/// pytorch-optimizer's momentum buffer: `b ← b + (1 − μ)(u − b)` from `b = 0` (torch's `lerp_`).
public final class AveragedMomentumFromZero: GradientTransformation {
    public let momentum: Float
    public let state = PerTensorState(slots: 1)
    public init(_ momentum: Float) { self.momentum = momentum }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let weight = 1 - momentum
        state.update(&u, index: index) { g, b in
            b = b + weight * (g - b)
            g = b
        }
    }

    public var stateBytes: Int { state.bytes }
}

extension SGDSaIPaper {
    /// SGD-SaI as the official code runs it: momentum buffer from the first gradient, averaged
    /// with weight 1 − μ, scaled by the normalised g-SNR, decoupled weight decay `θ ← (1 − ηλ)θ`.
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, momentum: Float = 0.9,
                                 weightDecay: Float = 1e-2, eps: Double = 1e-8) -> ChainedOptimizer {
        var chain: [GradientTransformation] = [TraceMomentum(momentum: momentum, dampening: momentum),
                                               ScaleByInitialSNR(parameters, eps: eps, convention: .official)]
        if weightDecay != 0 { chain.append(AddDecayedWeights(weightDecay)) }
        return ChainedOptimizer(parameters, transforms: chain, learningRate: learningRate)
    }
}
// end excerpt

// MARK: - Settings

extension SGDSaIPaper {
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        /// The transformer, then the CNN and MLP tasks (tests substitute tiny ones with the same keys).
        var transformerTask: (RunContext) throws -> StandardTask = { StandardTasks.transformerMarkov($0) }
        var otherTasks: (RunContext) throws -> [StandardTask] = { context in
            [try StandardTasks.cnnDigits(context), try StandardTasks.mlpMNIST1D(context)]
        }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [1e-3, 1e-2, 1e-1], full: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1])
            // Two selection seeds even at quick scale: c3's interval is over selection seeds.
            selectionSeeds = context.pick(quick: 2, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 8)
        }
    }
}

// MARK: - The experiment

extension SGDSaIPaper {
    static let judged = "log final training loss"
    static let arms: [OptimizerArm] = [
        OptimizerArm("SGD-SaI") { p, h in SGDSaIPaper.optimizer(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("AdamW") { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate)), weightDecay: 1e-2) },
        OptimizerArm("SGD+momentum") { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9) },
    ]

    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var setup = [ReportBlock]()
        var results = [ReportBlock]()
        let metrics = ["final training loss", "test loss", "test accuracy"]
        func comparison(_ arms: [OptimizerArm], _ plans: [PowerPlan]) -> Comparison {
            Comparison(context: context, claim: "c1", arms: arms, learningRates: settings.learningRates, selection: .lowest(Self.judged),
                       selectionSeeds: settings.selectionSeeds, evaluationSeeds: settings.evaluationSeeds, seedCap: settings.seedCap, power: plans)
        }

        // c1a, c1b, c2, c3: the transformer, all three arms.
        let transformer = try settings.transformerTask(context)
        let main = comparison(Self.arms, [PowerPlan(method: "SGD-SaI", baseline: "AdamW", metric: Self.judged, minimalEffect: log(1.02)),
                                          PowerPlan(method: "SGD-SaI", baseline: "SGD+momentum", metric: Self.judged, minimalEffect: log(1.02))])
        let t = try main.run([transformer])[0]
        let key = "c1.\(transformer.key)"
        t.result.recordDifference("\(key).log_loss_sai_minus_adamw", method: "SGD-SaI", baseline: "AdamW", metric: Self.judged, tolerance: 0.05, into: &evidence)
        t.result.recordDifference("\(key).log_loss_sai_minus_sgdm", method: "SGD-SaI", baseline: "SGD+momentum", metric: Self.judged, tolerance: 0.05, into: &evidence)
        t.result.recordDifference("\(key).log_loss_adamw_minus_sgdm", method: "AdamW", baseline: "SGD+momentum", metric: Self.judged, tolerance: 0.05, into: &evidence)
        setup.append(.text(main.setupText([transformer])))
        results.append(.text("### c1a, c1b: the tiny transformer"))
        results.append(contentsOf: t.blocks(judged: Self.judged, metrics: metrics,
                                            pairs: [("SGD-SaI", "AdamW"), ("SGD-SaI", "SGD+momentum"), ("AdamW", "SGD+momentum")], figure: "c1-transformer"))

        // What the scaling does to the transformer's blocks.
        let initial = Self.initialScales(context)
        results.append(.details("The learning-rate scales at initialisation on the transformer", [.table(Table(
            caption: "The g-SNR of each tensor of the tiny transformer at its first batch (16 sequences): the official scale G_j / max G (the fraction of the learning rate the block gets) and pytorch-optimizer's unnormalised ratio (‖g‖ for vectors).",
            headers: ["tensor", "shape", "official scale", "pytorch-optimizer ratio"],
            rows: initial.map { [$0.name, $0.shape, Format.compact(Double($0.official), 3), Format.compact(Double($0.library), 3)] }))]))
        results.append(.text("Median official scale over the \(initial.count) tensors: \(Format.compact(Double(initial.map(\.official).sorted()[initial.count / 2]), 3)) of the learning rate."))

        // c2: state bytes after one step on the transformer.
        let memory = Self.stateBytes(context)
        evidence.record("c2.state_ratio_sai_over_adamw", memory.ratio, absoluteTolerance: 0, relativeTolerance: 0)
        results.append(.text("### c2: optimizer state"))
        results.append(.table(Table(caption: "c2: optimizer state after one step on the tiny transformer (\(memory.parameters) parameters in \(memory.tensors) tensors).",
                                    headers: ["optimizer", "state bytes", "state bytes / parameter bytes"],
                                    rows: [["SGD-SaI", "\(memory.sai)", Format.compact(Double(memory.sai) / Double(4 * memory.parameters))],
                                           ["AdamW", "\(memory.adamw)", Format.compact(Double(memory.adamw) / Double(4 * memory.parameters))],
                                           ["ratio", Format.compact(memory.ratio, 6), "—"]])))
        results.append(.text("At the paper's scale the same count gives its numbers analytically: one fp32 tensor per parameter saved, \(Format.compact(6.74e9 * 4 / 1_073_741_824, 4)) GiB for Llama2-7B (paper: 25.15 GB) and \(Format.compact(1.558e9 * 4 / 1_073_741_824, 3)) GiB for GPT-2 XL (paper: 5.93 GB, measured)."))

        // c3: spread of the loss over the shared grid, per selection seed.
        let spread = Self.gridSpread(t.result, grid: settings.learningRates, method: "SGD-SaI", baseline: "AdamW")
        evidence.record(interval: "c3.grid_spread_sai_minus_adamw", spread.difference, tolerance: 0.05)
        results.append(.text("### c3: robustness across the learning-rate grid"))
        results.append(.table(Table(caption: "c3: median − best log final training loss over the shared grid, per selection seed (transformer; a diverged run counts at ln 32).",
                                    headers: ["seed", "SGD-SaI", "AdamW", "difference"],
                                    rows: zip(spread.method, spread.baseline).enumerated().map { i, p in
                                        ["\(i)", Format.compact(p.0), Format.compact(p.1), Format.compact(p.0 - p.1)]
                                    } + [["mean ± 95% CI", "", "", spread.difference.formatted]])))
        setup.append(.text("**c3.** From the selection runs of the transformer comparison: for each selection seed and arm, the median minus the minimum of the log final training loss over the \(settings.learningRates.count) shared grid points (extensions excluded); a diverged run counts at log(ln 32), the loss of the uniform predictor."))

        // c1c: CNN and MLP, SGD-SaI against AdamW.
        let others = try settings.otherTasks(context)
        let side = comparison(Array(Self.arms.prefix(2)), [PowerPlan(method: "SGD-SaI", baseline: "AdamW", metric: Self.judged, minimalEffect: log(1.1))])
        setup.append(.text(side.setupText(others)))
        results.append(.text("### c1c: a CNN and an MLP"))
        for task in try side.run(others) {
            task.result.recordDifference("c1.\(task.task.key).log_loss_sai_minus_adamw", method: "SGD-SaI", baseline: "AdamW",
                                         metric: Self.judged, tolerance: 0.1, into: &evidence)
            results.append(contentsOf: task.blocks(judged: Self.judged, metrics: metrics, pairs: [("SGD-SaI", "AdamW")], figure: "c1c-\(task.task.key)"))
        }
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }

    /// Per selection seed, median − minimum of the judged metric over the shared grid for two arms,
    /// and their paired difference.
    static func gridSpread(_ result: ExperimentResult, grid: [Double], method: String, baseline: String)
        -> (method: [Double], baseline: [Double], difference: Summary) {
        let cap = log(log(32.0))
        func spreads(_ arm: String) -> [Double] {
            let points = result[arm].sweep.filter { p in grid.contains { abs($0 - p.hyperparameters.learningRate) <= 1e-12 * $0 } }
            let seeds = points.map(\.records.count).min() ?? 0
            return (0..<seeds).map { s in
                let scores = points.map { p -> Double in
                    let x = p.records[s].diverged ? .nan : (p.records[s].metric(judged) ?? .nan)
                    return x.isFinite ? min(x, cap) : cap
                }.sorted()
                let median = scores.count % 2 == 1 ? scores[scores.count / 2] : (scores[scores.count / 2 - 1] + scores[scores.count / 2]) / 2
                return median - scores[0]
            }
        }
        let a = spreads(method), b = spreads(baseline)
        return (a, b, Statistics.pairedDifferences(a, b))
    }

    /// The scales both conventions give each tensor of the standard tiny transformer at a first
    /// batch of its Markov source.
    static func initialScales(_ context: RunContext) -> [(name: String, shape: String, official: Float, library: Float)] {
        var sourceRNG = context.standardRNG("markov", "source")
        let source = MarkovTokenSource(vocabularySize: 32, order: 2, branching: 4, smoothing: 0.02, using: &sourceRNG)
        let model = TinyTransformer(config: TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: 2),
                                    rng: context.rng("c1", "scales", "model"))
        var data = context.rng("c1", "scales", "batch")
        let batch = source.batch(sequences: 16, length: 16, using: &data)
        _ = model.lossAndGradient(tokens: batch.tokens, targets: batch.targets, batch: 16)
        let official = ScaleByInitialSNR(model.parameters, convention: .official)
        let library = ScaleByInitialSNR(model.parameters, convention: .pytorchOptimizer)
        official.prepare()
        library.prepare()
        return model.parameters.indices.map { i in
            let p = model.parameters[i]
            return (p.name, p.value.shape.map(String.init).joined(separator: "×"), official.ratios[i], library.ratios[i])
        }
    }

    /// State bytes of SGD-SaI and AdamW after one step on the tiny transformer (the standard
    /// task's configuration; the gradient's values do not change the count).
    static func stateBytes(_ context: RunContext) -> (sai: Int, adamw: Int, ratio: Double, parameters: Int, tensors: Int) {
        let config = TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: 2)
        var parameters = 0, tensors = 0
        let bytes = arms.prefix(2).map { arm -> Int in
            var rng = context.rng("c2", "gradient")
            let model = TinyTransformer(config: config, rng: context.rng("c2", "model"))
            for p in model.parameters { p.grad = Tensor<Float>.randomNormal(p.value.shape, using: &rng) }
            let optimizer = arm.make(model.parameters, Hyperparameters.learningRateGrid([1e-3])[0])
            optimizer.applyGradients()
            parameters = model.parameters.reduce(0) { $0 + $1.value.count }
            tensors = model.parameters.count
            return optimizer.stateBytes
        }
        return (bytes[0], bytes[1], Double(bytes[0]) / Double(bytes[1]), parameters, tensors)
    }
}

// MARK: - `reproduce trace` and the league

extension SGDSaIPaper {
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("sgd-sai") { p, h in SGDSaIPaper.optimizer(p, learningRate: .constant(Float(h.learningRate))) }]
    }

    /// `sgdsai` for `reproduce trace`: pytorch-optimizer's `SGDSaI` (keywords, defaults, ranges,
    /// and its arithmetic: buffer from zero, unnormalised g-SNR, `‖g‖` for vectors).
    public var traceOptimizers: [String: TraceOptimizerFactory] { ["sgdsai": Self.traceFactory] }

    static let traceFactory: TraceOptimizerFactory = { h, params in
        try h.accept(["lr", "momentum", "weight_decay", "weight_decouple", "eps"])
        let momentum = try h.float("momentum", default: 0.9)
        guard momentum < 1 else {
            throw TraceError.outOfRange("momentum", optimizer: h.optimizer, field: "optimizer.hyperparams.momentum",
                                        torch: "momentum \(momentum) must be in the range [0, 1)", requirement: "0 <= momentum < 1")
        }
        let decay = try h.float("weight_decay", default: 1e-2), decoupled = try h.bool("weight_decouple", default: true)
        let snr = ScaleByInitialSNR(params, eps: try h.number("eps", default: 1e-8), convention: .pytorchOptimizer)
        var chain: [GradientTransformation] = momentum > 0 ? [AveragedMomentumFromZero(momentum), snr] : [snr]
        // pytorch-optimizer adds coupled decay to the gradient after the buffer has read it: it
        // reaches the step only without momentum (when the "buffer" is the gradient itself).
        if decay != 0 && decoupled { chain.append(AddDecayedWeights(decay)) }
        if decay != 0 && !decoupled && momentum == 0 { chain.insert(AddDecayedWeights(decay), at: 0) }
        return ChainedOptimizer(params, transforms: chain, learningRate: .constant(try h.float("lr", default: 1e-2)))
    }
}
