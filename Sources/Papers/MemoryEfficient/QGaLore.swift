import Foundation
import Harness

// # Q-GaLore: Quantized GaLore with INT4 Projection and Layer-Adaptive Low-Rank Gradients
//
// Zhenyu Zhang, Ajay Jaiswal, Lu Yin, Shiwei Liu, Jiawei Zhao, Yuandong Tian and Zhangyang Wang
// (arXiv 2407.08296; official code github.com/VITA-Group/Q-GaLore).
//
// **The paper in plain words.** GaLore (the parent, `GaLore.swift`) runs Adam in a low-rank subspace
// of each weight's gradient, refreshed by an SVD every T steps. Q-GaLore changes three things.
// (i) *Lazy, layer-adaptive refresh*: some layers' subspaces settle early, so each layer compares the
// top singular vector of successive projectors; when their cosine similarity has averaged at least
// 0.4 over the last 5 refreshes, that layer's interval T doubles — far fewer SVDs. (ii) *INT4
// projectors*: the projection matrices are stored in 4 bits with a scale and a zero point per group
// of 256 values. (iii) *INT8 weights with stochastic rounding*: the weights themselves live in 8 bits,
// and each step's update is rounded to the grid stochastically, so updates smaller than a grid step
// still move the weight on average. The paper claims (c1) that the adaptive refresh keeps
// performance with far fewer SVDs, (c2) that INT4 projectors and INT8 weights with stochastic
// rounding keep a high-precision training trajectory, (c3) that fine-tuning memory falls by up to
// 50% against LoRA and GaLore, beating QLoRA at equal memory, and (c4) that LLaMA-7B can be
// pre-trained from scratch in 16 GB.
//
// Here Q-GaLore is GaLore's projection with the two projector deltas (`QGaLoreProjection`), 8-bit
// Adam moments (`ScaleByAdam8bit`, as the official `q_galore_adamw8bit`), and INT8 weights
// re-quantised with stochastic rounding after every step; the quantiser and the rounding live in the
// harness (`GroupQuantizer`, `StochasticRounding`). GaLore's tiny language-model experiment is the
// test bed, with every SVD counted and every byte computed at the paper's precision.

/// Q-GaLore (Zhang et al., 2024): GaLore with lazy per-layer SVDs, INT4 projectors and INT8 weights.
public struct QGaLore: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "q-galore",
            title: "Q-GaLore: Quantized GaLore with INT4 Projection and Layer-Adaptive Low-Rank Gradients",
            method: "Q-GaLore", family: "MemoryEfficient", arxiv: "2407.08296",
            code: "https://github.com/VITA-Group/Q-GaLore",
            summary: #"""
            GaLore trains every weight with Adam run in a low-rank subspace of the gradient, refreshed by an SVD \#
            every $T$ steps. **Q-GaLore** refreshes lazily, per layer: when the top singular vectors of a layer's \#
            successive projectors agree (mean cosine similarity $\ge 0.4$ over the last 5 refreshes) that layer's \#
            $T$ doubles. It stores the projectors in INT4 (a scale and zero point per 256 values) and the weights \#
            in INT8, rounding each update onto the weight grid *stochastically* so that small updates survive on \#
            average. The paper claims comparable quality with far fewer SVDs, up to 50% less fine-tuning memory \#
            than LoRA and GaLore, and LLaMA-7B pre-training in 16 GB. We pre-train GaLore's tiny transformer \#
            language model with GaLore, GaLore with only the lazy refresh, Q-GaLore, and Q-GaLore with \#
            round-to-nearest weights, all tuned on one grid, count every SVD, and count bytes at BF16.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "The layer-adaptive lazy refresh needs far fewer SVDs than GaLore's fixed interval (at least 50% fewer).",
                source: "abstract; Section 3 (layer-adaptive subspace)",
                paperValue: "“significantly reducing the number of SVD operations” (no figure in the abstract)", paperSetting: "LLaMA 60M–7B on C4, T = 200–500",
                metric: "SVDs of Q-GaLore / SVDs of GaLore at the same T, counted over all projected matrices, mean over evaluation seeds",
                rule: .bound("c1a.svd_ratio", "SVD count, Q-GaLore / GaLore", below: true, 0.5),
                scaling: "T = 10 steps of 300 (quick 5 of 60), so a matrix has 30 refreshes to adapt over, like the paper's 10k steps at T = 200; the official cosine threshold 0.4, factor 2 and queue of 5; the 50% bar is the catalog's"),
            Claim(
                id: "c1b",
                statement: "The lazy refresh keeps GaLore's performance (test loss within 2%).",
                source: "abstract; Section 4",
                paperValue: "comparable performance", paperSetting: "LLaMA 60M–1B pre-training on C4",
                metric: "log test loss, lazy GaLore − GaLore, paired by seed (both fp32; only the refresh schedule differs)",
                rule: .nonInferiority("c1b.log_loss_lazy_minus_galore", "log test loss, lazy GaLore − GaLore", better: .lower, margin: log(1.02)),
                scaling: "GaLore's tiny transformer LM on a Markov source; margin 2% of the loss (the catalog's)"),
            Claim(
                id: "c2a",
                statement: "INT4 projectors and INT8 weights with stochastic rounding (with 8-bit Adam and the lazy refresh: all of Q-GaLore) train as well as GaLore (test loss within 2%).",
                source: "abstract; Table 1",
                paperValue: "perplexity close to GaLore's", paperSetting: "LLaMA 60M–1B pre-training on C4",
                metric: "log test loss, Q-GaLore − GaLore, paired by seed",
                rule: .nonInferiority("c2a.log_loss_qgalore_minus_galore", "log test loss, Q-GaLore − GaLore", better: .lower, margin: log(1.02)),
                scaling: "as c1b; weights of the attention and MLP matrices in INT8 (groups of 256), projectors INT4 (groups of 256), 8-bit Adam moments"),
            Claim(
                id: "c2b",
                statement: "Stochastic rounding of the INT8 weights is what keeps the trajectory: round-to-nearest trains worse.",
                source: "abstract; Section 3 (stochastic rounding)",
                paperValue: "not stated in the abstract", paperSetting: "LLaMA pre-training ablation",
                metric: "test loss, Q-GaLore − Q-GaLore with round-to-nearest weights, paired by seed",
                rule: .superiority("c2b.loss_stochastic_minus_nearest", "test loss, stochastic − nearest rounding", better: .lower,
                                   minimalEffect: 0.01, unit: "nats"),
                scaling: "as c1b; each arm tunes its own rate on the shared grid, so nearest rounding may pick a rate whose updates exceed the grid step; 0.01 nats is the minimal effect of interest"),
            Claim(
                id: "c3a",
                statement: "Q-GaLore needs at most half of GaLore's memory for weights and optimizer state.",
                source: "abstract",
                paperValue: "up to 50%", paperSetting: "fine-tuning, against GaLore in BF16",
                metric: "bytes of weights + optimizer state at the LLaMA-7B shape, rank 1024 (the official 7B script): Q-GaLore (INT8 block weights, INT4 projectors, 8-bit moments, BF16 scales and zero points) / GaLore (BF16 weights, projectors and moments)",
                rule: .bound("c3a.memory_ratio_vs_galore", "weights + state, Q-GaLore / GaLore (BF16)", below: true, 0.5),
                scaling: "by construction: exact byte formulas, checked against the tiny model's counted bytes, evaluated at the paper's 7B shape"),
            Claim(
                id: "c3b",
                statement: "Q-GaLore needs at most half of LoRA's memory for weights and optimizer state in fine-tuning.",
                source: "abstract",
                paperValue: "up to 50%", paperSetting: "fine-tuning, against LoRA in BF16",
                metric: "bytes of weights + optimizer state at the LLaMA-7B shape, rank 8 for both: Q-GaLore as in c3a / LoRA (frozen BF16 base, BF16 adapters and moments)",
                rule: .bound("c3b.memory_ratio_vs_lora", "weights + state, Q-GaLore / LoRA (BF16), rank 8", below: true, 0.5),
                scaling: "by construction at the 7B shape; rank 8 is a typical fine-tuning rank (the abstract gives none)"),
            Claim.notTestable(
                id: "c3c",
                statement: "In fine-tuning, Q-GaLore consistently outperforms QLoRA at the same memory cost.",
                source: "abstract; fine-tuning tables",
                paperValue: "higher accuracy than QLoRA", paperSetting: "fine-tuning LLaMA/RoBERTa on GLUE, MMLU",
                reason: "it compares downstream accuracy of fine-tuned pretrained language models against a 4-bit NormalFloat frozen base; this harness has no pretrained language model and no NF4 QLoRA arm, so we count bytes (c3a, c3b) but do not judge the accuracy comparison"),
            Claim.notTestable(
                id: "c4",
                statement: "A LLaMA-7B model can be pre-trained from scratch on a single 16 GB RTX 4060 Ti.",
                source: "abstract",
                paperValue: "16 GB",
                reason: "peak GPU memory of a 7-billion-parameter model with its activations and workspace; the report gives the weights + state bytes at the 7B shape instead"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "Counting SVDs, the lazy refresh saving at least half of them is \(v("c1a")), and the lazy refresh alone keeping GaLore's "
            + "loss within 2% is \(v("c1b")). All of Q-GaLore (INT4 projectors, INT8 weights with stochastic rounding, 8-bit moments) "
            + "keeping that loss is \(v("c2a")); stochastic rounding beating round-to-nearest is \(v("c2b")). In bytes at the 7B shape, "
            + "halving GaLore's weights + state is \(v("c3a")) and halving LoRA's is \(v("c3b")): the INT8 weights are most of the saving, "
            + "so the ratio sits near one half by construction and the rank decides which side of it."
    }

    public var method: String {
        #"""
        **GaLore, unchanged.** For a matrix with gradient $G_t$ the projector $P$ holds the top $r$ singular \#
        vectors of the shorter side of $G$ at the last refresh; Adam runs on $R_t = P^\top G_t$ and the weight \#
        moves along $\alpha P N_t$ (see the GaLore report). **Delta 1, the lazy refresh.** Each matrix keeps its \#
        own interval $T_\ell$ (initially $T$) and refreshes when $t \bmod T_\ell = 0$ ($t$ counted from 0, as \#
        the official code). At every refresh after the first it appends to a queue of length $k = 5$ the \#
        cosine similarity between the *first* singular vector of the new projector and of the previous one; \#
        when the queue is full and its mean is at least $\tau = 0.4$, $T_\ell \leftarrow \gamma T_\ell$ with \#
        $\gamma = 2$. The queue is not cleared, so a layer whose subspace has settled doubles its interval at \#
        every further refresh. The similarity is signed, as in the official code: an SVD that flips the \#
        vector's sign counts as dissimilar. **Delta 2, INT4 projectors.** After each SVD the projector is \#
        quantised group-wise (groups of 256 consecutive values in torch's layout, $q = 2^4-1$ levels): \#
        $s = \max(\max P - \min P, 10^{-5})/q$, $z = \mathrm{clamp}(-\mathrm{round}(\min P/s), 0, q)$, \#
        codes $\mathrm{clamp}(\mathrm{round}(P/s) + z, 0, q)$, and projection and projection back use \#
        $\hat P = s(\text{code} - z)$. **Delta 3, INT8 weights.** The attention and MLP weights are stored \#
        the same way with 8 bits (groups of 256); a step dequantises, adds the update, and re-quantises with \#
        fresh group scales, rounding $W/s$ *stochastically*: up with probability $W/s - \lfloor W/s\rfloor$, \#
        so $\mathbb E[\hat W] = W$ and an update of a tenth of a step moves the weight one step one time in ten. \#
        The Adam moments are 8-bit blockwise (bitsandbytes), as in 8-bit GaLore.
        """#
    }

    public var excerpts: [String] { ["q-galore-projection", "int8-weights", "group-quantizer", "stochastic-rounding"] }

    public var deviations: String {
        #"""
        - **Scale.** GaLore's test bed: a 2-layer transformer of width 32 (quick 16) pre-trained for 300 steps \#
        (quick 60) on a Markov token source with a known optimal loss, rank r = width/4, α = 0.25, instead of \#
        LLaMA 60M–7B on C4. T = 10 (quick 5) for *every* arm so that the lazy refresh has 30 refreshes to act \#
        on, as the paper's runs have ~50 (T = 200 of 10k steps); GaLore's own report uses T = 50.
        - **Precision.** Everything not quantised computes in fp32 (the paper: BF16), so quantisation is \#
        simulated by storing the dequantised values: the weights seen by the forward pass are exactly the \#
        INT8 grid's values. Byte counts are computed at the paper's precision (BF16 where it is BF16).
        - **Groups.** The official code asserts that a tensor's size is a multiple of the group size; our \#
        quick-scale projectors (64 values) form one short group. Groups run along torch's `[out, in]` rows as \#
        in the official code.
        - **8-bit moments** for every tensor (bitsandbytes keeps tensors under 4096 values in fp32), as in \#
        GaLore's 8-bit arm. Embeddings, norms and the head keep fp32 weights, as the official code keeps \#
        everything but the target linear layers in BF16.
        - **c3** is counted at the LLaMA-7B shape from the byte formulas; the paper's fine-tuning memory \#
        figures also include activations. The QLoRA accuracy comparison (c3c) and c4 are not run.
        - **Grid edges.** The learning-rate grid is GaLore's, fixed before the first run.
        """#
    }

    public let sourceFile: String = #filePath

    /// `q_galore` for `reproduce trace`: the lazy INT4 projection over fp32 Adam (weights are a
    /// property of the model, not of the optimizer, so the trace leaves them fp32).
    public var traceOptimizers: [String: TraceOptimizerFactory] { ["q_galore": QGaLore.traceFactory] }

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Self.settings(context))
    }
}

// MARK: - The method: GaLore's projection with a lazy, quantised projector

// excerpt: q-galore-projection
/// GaLore's projection (``GaLoreProjection``, `projection_type` std) with Q-GaLore's two deltas:
/// each matrix refreshes on its own interval, doubled when successive projectors agree, and the
/// projector is stored group-wise quantised (`projectorQuantizer`, nil for fp32).
/// State: the projectors' codes, scales and zero points (or fp32 values), plus the inner state.
public final class QGaLoreProjection: GradientTransformation {
    /// The official `cos_threshold`, `gamma_proj` and `queue_size` (nil: GaLore's fixed interval).
    public struct Lazy: Sendable {
        public var threshold = 0.4, factor = 2, queueSize = 5
        public init(threshold: Double = 0.4, factor: Int = 2, queueSize: Int = 5) {
            self.threshold = threshold; self.factor = factor; self.queueSize = queueSize
        }
    }

    final class MatrixState {
        var gap: Int
        var similarities: [Double] = []
        var firstVector: [Float]?
        var projector = Tensor<Float>.zeros([0])
        var side = GaLoreProjection.Side.left
        var bytes = 0
        var svds = 0
        init(gap: Int) { self.gap = gap }
    }

    public let inner: GradientTransformation
    public let layout: GaLoreProjection.Layout
    public let settings: [GaLoreProjection.Settings?]
    public let lazy: Lazy?
    public let projectorQuantizer: GroupQuantizer?
    private var states: [MatrixState?]

    public init(settings: [GaLoreProjection.Settings?], inner: GradientTransformation, layout: GaLoreProjection.Layout,
                lazy: Lazy? = Lazy(), projectorQuantizer: GroupQuantizer? = GroupQuantizer(bits: 4, groupSize: 256)) {
        self.settings = settings; self.inner = inner; self.layout = layout
        self.lazy = lazy; self.projectorQuantizer = projectorQuantizer
        states = Array(repeating: nil, count: settings.count)
    }

    /// Every similarity computed so far, over all matrices (a diagnostic: signed, as the rule reads it).
    public private(set) var similarities: [Double] = []
    /// SVDs computed so far, over all matrices.
    public var svdCount: Int { states.reduce(0) { $0 + ($1?.svds ?? 0) } }
    /// The current refresh interval of tensor `index`.
    public func gap(_ index: Int) -> Int? { states[index]?.gap }
    /// The (dequantised) projector of tensor `index`.
    public func projector(_ index: Int) -> Tensor<Float>? { states[index]?.projector }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        guard index < settings.count, let s = settings[index], u.rank == 2 else {
            inner.update(&u, parameter: parameter, index: index, step: step)
            return
        }
        if states[index] == nil { states[index] = MatrixState(gap: s.updateGap) }
        let m = states[index]!
        if m.svds == 0 || (step - 1) % m.gap == 0 { refresh(m, gradient: u, rank: s.rank) }
        var low = m.side == .left ? matmul(m.projector, u, transposeA: true) : matmul(u, m.projector, transposeB: true)
        inner.update(&low, parameter: parameter, index: index, step: step)
        if m.side == .left { gemm(m.projector, low, into: &u, alpha: s.scale, beta: 0) } else { gemm(low, m.projector, into: &u, alpha: s.scale, beta: 0) }
    }

    private func refresh(_ m: MatrixState, gradient g: Tensor<Float>, rank: Int) {
        // std: the shorter side of torch's [out, in]; a square matrix its input side.
        let (outputs, inputs) = layout == .outputsByInputs ? (g.rows, g.columns) : (g.columns, g.rows)
        let torchRight = outputs >= inputs
        m.side = (layout == .outputsByInputs) == torchRight ? .right : .left
        let f = try? svd(g)
        let k = min(rank, f?.s.count ?? min(g.rows, g.columns))
        var p: Tensor<Float>
        if let f { p = m.side == .left ? f.u.transposed.rows(0..<k).transposed : f.vt.rows(0..<k) } else {
            let n = m.side == .left ? g.rows : g.columns  // gesdd fails only on non-finite input
            p = m.side == .left ? Tensor<Float>.identity(n).transposed.rows(0..<k).transposed : Tensor<Float>.identity(n).rows(0..<k)
        }
        m.svds += 1
        // Delta 1: the first singular vector (row 0 of Vᵀ or column 0 of U) against the previous one.
        let first = m.side == .left ? (0..<p.rows).map { p[$0, 0] } : Array(p.data[0..<p.columns])
        if let lazy, let previous = m.firstVector {
            if m.similarities.count == lazy.queueSize { m.similarities.removeFirst() }
            m.similarities.append(Self.cosine(previous, first))
            similarities.append(m.similarities.last!)
            if m.similarities.count == lazy.queueSize && m.similarities.reduce(0, +) / Double(lazy.queueSize) >= lazy.threshold {
                m.gap *= lazy.factor
            }
        }
        m.firstVector = first
        // Delta 2: quantise in torch's layout (groups along its rows) and keep the dequantised values.
        if let q = projectorQuantizer {
            let torch = layout == .inputsByOutputs ? p.transposed : p
            let codes = q.quantize(torch.data)
            let back = Tensor<Float>(shape: torch.shape, data: codes.dequantized())
            p = layout == .inputsByOutputs ? back.transposed : back
            m.bytes = codes.bytes(scaleBytes: MemoryLayout<Float>.size)
        } else {
            m.bytes = p.count * MemoryLayout<Float>.size
        }
        m.projector = p
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices { dot += Double(a[i]) * Double(b[i]); na += Double(a[i] * a[i]); nb += Double(b[i] * b[i]) }
        return dot / max((na * nb).squareRoot(), 1e-8)
    }

    /// Projector codes with their fp32 scales and zero points (or fp32 projectors), plus the inner state.
    public var stateBytes: Int { states.reduce(0) { $0 + ($1?.bytes ?? 0) } + inner.stateBytes }
}
// end excerpt

// excerpt: int8-weights
/// Q-GaLore's INT8 weights: the matrix is quantised in torch's `[out, in]` layout with groups of 256
/// (round-to-nearest when the layer is built, stochastic after every update unless `nearest`), and the
/// layer computes with the dequantised grid values.
struct Int8Weights {
    static let quantizer = GroupQuantizer(bits: 8, groupSize: 256)

    static func requantize(_ weight: Parameter, stochastic rng: inout SeededRandom?) {
        let torch = weight.value.transposed  // harness Linear stores [in, out]
        let codes = rng == nil ? quantizer.quantize(torch.data) : quantizer.quantize(torch.data, stochastic: &rng!)
        weight.value = Tensor<Float>(shape: torch.shape, data: codes.dequantized()).transposed
    }
}
// end excerpt

extension QGaLore {
    /// `reproduce trace` factory: GaLore's keywords and per-tensor `group` options (``GaLore/traceFactory``)
    /// with the official defaults of the lazy INT4 projector.
    public static let traceFactory: TraceOptimizerFactory = { h, parameters in
        try h.acceptGroups(GaLore.traceGroupOptions)
        try h.accept(["lr", "betas", "eps", "weight_decay"])
        let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
        var lowRank: [(Parameter, GaLoreProjection.Settings)] = [], plain: [Parameter] = []
        do {
            for p in parameters {
                if p.value.rank == 2, let s = try GaLoreProjection.Settings(options: p.options, textOptions: p.textOptions) {
                    lowRank.append((p, s))
                } else { plain.append(p) }
            }
        } catch let error as GaLoreError {
            throw TraceError.invalidHyperparameter("group", optimizer: h.optimizer, expected: error.description)
        }
        let eps = try h.float("eps", default: 1e-6), decay = try h.float("weight_decay", default: 0)
        let rate = LearningRate.constant(try h.float("lr", default: 1e-3))
        func adam() -> GradientTransformation { ScaleByAdam(beta1: b1, beta2: b2, eps: eps, epsilonPlacement: .beforeBiasCorrection) }
        func decayed(_ chain: [GradientTransformation]) -> [GradientTransformation] { decay == 0 ? chain : chain + [AddDecayedWeights(decay)] }
        var groups: [ParameterGroup] = []
        if !lowRank.isEmpty {
            let projection = QGaLoreProjection(settings: lowRank.map(\.1), inner: adam(), layout: .outputsByInputs)
            groups.append(ParameterGroup(lowRank.map(\.0), transforms: decayed([projection]), learningRate: rate))
        }
        if !plain.isEmpty { groups.append(ParameterGroup(plain, transforms: decayed([adam()]), learningRate: rate)) }
        return ChainedOptimizer(groups: groups)
    }
}

// MARK: - The experiment: GaLore's tiny language model, four arms

extension QGaLore {
    typealias Settings = GaLore.Settings

    /// Each arm differs from the one before it by one part.
    enum Method: String, CaseIterable {
        case galore = "GaLore"
        case lazy = "Lazy GaLore"
        case qgalore = "Q-GaLore"
        case nearest = "Q-GaLore, nearest rounding"
        var quantized: Bool { self == .qgalore || self == .nearest }
    }

    static func settings(_ context: RunContext) -> Settings {
        var s = Settings(context)
        s.updateGap = context.pick(quick: 5, full: 10)
        return s
    }

    /// One pre-training run; initial weights and batches come from the trial's common stream
    /// (paired across arms), stochastic rounding from the arm's own stream.
    static func train(_ method: Method, learningRate lr: Double, settings s: Settings, source: MarkovTokenSource,
                      validation: GaLore.TokenSet, test: GaLore.TokenSet, trial: Trial) throws -> RunRecord {
        let model = TinyTransformer(config: s.model, rng: trial.commonRNG.child("model"))
        var batches = trial.commonRNG.child("batches")
        var rounding: SeededRandom? = method == .qgalore ? trial.rng.child("rounding") : nil
        let blocks = model.linearLayers.filter { GaLore.isBlockMatrix($0.name) }
        for layer in blocks {
            layer.weight.options = ["rank": Double(s.rank), "update_proj_gap": Double(s.updateGap), "scale": Double(s.scale)]
            layer.weight.textOptions = ["projection_type": "std"]
            var nearest: SeededRandom? = nil
            if method.quantized { Int8Weights.requantize(layer.weight, stochastic: &nearest) }
        }
        let rate = LearningRate.constant(Float(lr))
        var projection: QGaLoreProjection?
        let optimizer: ChainedOptimizer
        if method == .galore {
            optimizer = try GaLore.optimizer(model.trainableParameters, learningRate: rate, eps: 1e-8, moments: .fp32(.afterBiasCorrection),
                                             layout: .inputsByOutputs)
        } else {
            func adam() -> GradientTransformation {
                method.quantized ? ScaleByAdam8bit(eps: 1e-8) : ScaleByAdam(eps: 1e-8, epsilonPlacement: .afterBiasCorrection)
            }
            let low = blocks.map(\.weight), plain = model.trainableParameters.filter { p in !low.contains { $0 === p } }
            let settings = try low.map { try GaLoreProjection.Settings(options: $0.options, textOptions: $0.textOptions) }
            projection = QGaLoreProjection(settings: settings, inner: adam(), layout: .inputsByOutputs,
                                           projectorQuantizer: method.quantized ? GroupQuantizer(bits: 4, groupSize: 256) : nil)
            optimizer = ChainedOptimizer(groups: [ParameterGroup(low, transforms: [projection!], learningRate: rate),
                                                  ParameterGroup(plain, transforms: [adam()], learningRate: rate)])
        }
        var record = RunRecord(steps: [])
        func evaluate(at step: Int) {
            record.steps!.append(step)
            record.losses.append(GaLore.loss(model, on: validation))
        }
        evaluate(at: 0)
        for step in 1...s.steps {
            let batch = GaLore.TokenSet(source.sample(sequences: s.batch, length: s.context + 1, using: &batches))
            let training = optimizer.step { model.lossAndGradient(tokens: batch.tokens, targets: batch.targets, batch: s.batch) }
            if !training.isFinite || training > 1e3 { record.diverged = true; break }
            if method.quantized { for layer in blocks { Int8Weights.requantize(layer.weight, stochastic: &rounding) } }
            if step % s.evaluationInterval == 0 || step == s.steps { evaluate(at: step) }
        }
        let refreshes = (s.steps + s.updateGap - 1) / s.updateGap
        record.record("svd count", Double(projection?.svdCount ?? blocks.count * refreshes))
        let gaps = (0..<blocks.count).map { Double(projection?.gap($0) ?? s.updateGap) }
        record.record("mean final gap", Statistics.mean(gaps))
        record.record("max final gap", gaps.max() ?? .nan)
        record.record("state bytes", Double(optimizer.stateBytes))
        if let cosines = projection?.similarities, !cosines.isEmpty {
            record.record("mean cosine", Statistics.mean(cosines))
            record.record("mean |cosine|", Statistics.mean(cosines.map(abs)))
        }
        record.record("validation loss", record.diverged ? .nan : GaLore.loss(model, on: validation))
        record.record("test loss", record.diverged ? .nan : GaLore.loss(model, on: test))
        return record
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let (source, validation, test, optimum) = GaLore.languageModelData(context, s)
        let arms = Method.allCases.map { method in
            Arm(method.rawValue, grid: Hyperparameters.learningRateGrid(s.learningRates)) { trial in
                try Self.train(method, learningRate: trial.hyperparameters.learningRate, settings: s, source: source,
                               validation: validation, test: test, trial: trial)
            }
        }
        let rule = SelectionRule.lowest("validation loss")
        let experiment = Experiment(
            context: context, claim: "pretrain", arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds, rule: rule,
            power: [PowerPlan(method: Method.qgalore.rawValue, baseline: Method.galore.rawValue, metric: "validation loss", minimalEffect: 0.02),
                    PowerPlan(method: Method.qgalore.rawValue, baseline: Method.nearest.rawValue, metric: "validation loss", minimalEffect: 0.01)],
            seedCap: s.seedCap)
        let comparison = try experiment.compare()
        let results = comparison.arms
        let by = Dictionary(uniqueKeysWithValues: zip(Method.allCases, results))
        func mean(_ m: Method, _ metric: String) -> Double { by[m]!.summary(metric, includingDiverged: true).mean }

        var e = Evidence()
        let tolerance = 0.02
        for m in Method.allCases {
            let key = m.rawValue.lowercased().replacingOccurrences(of: ", ", with: "_").replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "")
            e.record("\(key).lr", by[m]!.chosen.learningRate, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).test_loss", mean(m, "test loss"), absoluteTolerance: tolerance, relativeTolerance: 0.01)
            e.record("\(key).svd_count", mean(m, "svd count"), absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).state_bytes", by[m]!.evaluation[0].metric("state bytes") ?? .nan, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).diverged_runs", Double(by[m]!.divergedCount), absoluteTolerance: 0, relativeTolerance: 0)
        }
        func difference(_ key: String, _ a: Method, _ b: Method, log logScale: Bool) {
            let values = { (m: Method) in by[m]!.evaluation.map { r -> Double in
                let v = r.metric("test loss") ?? .nan
                return logScale ? Foundation.log(v) : v
            } }
            e.record(interval: key, Statistics.pairedDifferences(values(a), values(b)), tolerance: tolerance)
            if !logScale, let plan = comparison.plans.first(where: { $0.plan.method == a.rawValue && $0.plan.baseline == b.rawValue }),
               plan.detectable.isFinite {
                e.record("\(key).mde", plan.detectable, absoluteTolerance: tolerance, relativeTolerance: 0)
            }
        }
        e.record("c1a.svd_ratio", mean(.qgalore, "svd count") / mean(.galore, "svd count"), absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("diagnostic.lazy_svd_ratio", mean(.lazy, "svd count") / mean(.galore, "svd count"), absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("diagnostic.qgalore.mean_cosine", mean(.qgalore, "mean cosine"), absoluteTolerance: 0.02, relativeTolerance: 0)
        e.record("diagnostic.qgalore.mean_abs_cosine", mean(.qgalore, "mean |cosine|"), absoluteTolerance: 0.02, relativeTolerance: 0)
        difference("c1b.log_loss_lazy_minus_galore", .lazy, .galore, log: true)
        difference("c2a.log_loss_qgalore_minus_galore", .qgalore, .galore, log: true)
        difference("c2b.loss_stochastic_minus_nearest", .qgalore, .nearest, log: false)
        e.record("c3a.memory_ratio_vs_galore", PaperShape.qgalore(rank: 1024) / PaperShape.galore(rank: 1024), absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("c3b.memory_ratio_vs_lora", PaperShape.qgalore(rank: 8) / PaperShape.lora(rank: 8), absoluteTolerance: 0, relativeTolerance: 1e-12)
        return PaperRun(evidence: e, setup: setup(s, optimum: optimum, rule: rule),
                        results: resultsBlocks(s, results: results, by: by, optimum: optimum, rule: rule))
    }
}

// MARK: - Bytes at the paper's 7B shape and precision

extension QGaLore {
    /// Weights + optimizer state of the LLaMA-7B shape (``GaLore/Llama7B``) in bytes, BF16 where the
    /// paper's is BF16.
    enum PaperShape {
        typealias L = GaLore.Llama7B
        static let bf16 = 2.0
        /// bitsandbytes' blockwise 8-bit: a byte per value and an fp32 absmax per 256.
        static func eightBit(_ n: Int) -> Double { Double(n) + 4 * Double((n + 255) / 256) }
        static func int(_ bits: Int, _ n: Int) -> Double { Double(GroupQuantizer.bytes(count: n, bits: bits, groupSize: 256, scaleBytes: 2)) }
        static func perMatrix(_ f: (Int, Int) -> Double) -> Double { Double(L.layers) * L.matrices.reduce(0) { $0 + f($1.0, $1.1) } }

        /// BF16 weights, projectors (short side × r) and moments (2 × long side × r); full-rank BF16 moments elsewhere.
        static func galore(rank r: Int) -> Double {
            bf16 * Double(L.params) + perMatrix { m, n in bf16 * Double(min(m, n) * r + 2 * max(m, n) * r) } + 2 * bf16 * Double(L.otherParams)
        }
        /// INT8 block weights, INT4 projectors (BF16 scales and zero points), 8-bit moments; the rest BF16 with 8-bit moments.
        static func qgalore(rank r: Int) -> Double {
            perMatrix { m, n in int(8, m * n) + int(4, min(m, n) * r) + 2 * eightBit(max(m, n) * r) }
                + bf16 * Double(L.otherParams) + 2 * eightBit(L.otherParams)
        }
        /// Frozen BF16 base, BF16 adapters B (m × r) and A (r × n) and their two BF16 moments.
        static func lora(rank r: Int) -> Double {
            bf16 * Double(L.params) + perMatrix { m, n in 3 * bf16 * Double(r * (m + n)) }
        }
    }
}

// MARK: - Report blocks

extension QGaLore {
    func setup(_ s: Settings, optimum: Double, rule: SelectionRule) -> [ReportBlock] {
        [.text(#"""
        **Test bed.** GaLore's: a Markov source over \#(s.vocabulary) tokens (optimal loss \#(fmt(optimum, 4)) nats/token), \#
        a \#(s.layers)-layer transformer of width \#(s.width), \#(s.steps) steps at batch \#(s.batch) × \#(s.context) tokens, \#
        constant learning rate, no weight decay. Every arm projects the \#(s.layers * 6) attention and MLP matrices with \#
        rank r = \#(s.rank), α = \#(fmt(Double(s.scale))), and starts from T = \#(s.updateGap).

        **Arms**, each one part away from the previous:
        - *GaLore*: the parent (`GaLore.optimizer`), fp32 Adam, SVD every T steps.
        - *Lazy GaLore*: the lazy refresh only (cosine threshold 0.4, factor 2, queue 5), fp32 projectors.
        - *Q-GaLore*: lazy refresh, INT4 projectors, 8-bit Adam moments, and INT8 attention/MLP weights \#
        re-quantised after every step with stochastic rounding (stream `pretrain/Q-GaLore/<phase>/rep k/rounding`).
        - *Q-GaLore, nearest rounding*: the same with round-to-nearest weights (the ablation of c2b).

        **Tuning.** Every arm picks its rate from {\#(s.learningRates.map { fmt($0) }.joined(separator: ", "))} by \#
        \#(rule.description) over \#(Format.counted(s.selectionSeeds, "selection seed")), then runs on the planned evaluation \#
        seeds (cap \#(s.seedCap)) with the initial weights and batches shared by all arms at each seed.
        """#)]
    }

    func resultsBlocks(_ s: Settings, results: [ArmResult], by: [Method: ArmResult], optimum: Double, rule: SelectionRule) -> [ReportBlock] {
        let rows = Method.allCases.map { m -> [String] in
            let r = by[m]!
            return [m.rawValue, fmt(r.chosen.learningRate), r.summary("test loss").formatted, r.summary("svd count").formatted,
                    r.summary("mean final gap").formatted, r.summary("max final gap").formatted,
                    "\(Int(r.evaluation[0].metric("state bytes") ?? .nan))", "\(r.divergedCount)/\(r.evaluation.count)"]
        }
        let summary = Table(
            caption: "Pre-training results over the evaluation seeds (mean ± 95% CI): test loss (optimum \(fmt(optimum, 4))), SVDs counted over the \(s.layers * 6) projected matrices (GaLore's is \(s.layers * 6) × ⌈\(s.steps)/\(s.updateGap)⌉), each matrix's final refresh interval, and the optimizer state as the harness stores it (fp32 where not quantised; the paper-precision counts are below).",
            headers: ["arm", "lr", "test loss", "SVDs", "mean final T", "max final T", "state bytes", "diverged"], rows: rows)
        let pairs: [(Method, Method)] = [(.lazy, .galore), (.qgalore, .galore), (.qgalore, .nearest)]
        let paired = Table(
            caption: "Paired differences of test loss (same initial weights and batches at each seed), mean ± 95% CI.",
            headers: ["difference", "test loss"],
            rows: pairs.map { a, b in ["\(a.rawValue) − \(b.rawValue)", by[a]!.pairedDifference("test loss", versus: by[b]!).formatted] })
        var figure = ExperimentReport.lossFigure(
            results, name: "validation-loss", title: "Validation loss (chosen learning rates)", yLabel: "validation loss (nats/token)", logY: false,
            caption: "Mean over evaluation seeds with 95% bands; the dashed line is the source's optimal loss.")
        figure.reference = (optimum, "optimal loss")
        typealias P = PaperShape
        func gb(_ x: Double) -> String { fmt(x / 1e9, 4) }
        let memory = Table(
            caption: "Weights + optimizer state at the LLaMA-7B shape (\(fmt(Double(GaLore.Llama7B.params) / 1e9, 3)) B parameters) in GB, at the paper's precision: BF16 for GaLore and LoRA; Q-GaLore with INT8 attention/MLP weights and INT4 projectors (a BF16 scale and zero point per 256 values) and 8-bit moments (an fp32 absmax per 256). Activations and gradients are not counted.",
            headers: ["rank", "GaLore (BF16)", "LoRA (BF16)", "Q-GaLore", "Q-GaLore / GaLore", "Q-GaLore / LoRA"],
            rows: [8, 128, 1024].map { r in
                ["\(r)", gb(P.galore(rank: r)), gb(P.lora(rank: r)), gb(P.qgalore(rank: r)),
                 fmt(P.qgalore(rank: r) / P.galore(rank: r), 4), fmt(P.qgalore(rank: r) / P.lora(rank: r), 4)]
            })
        let lazySVDs = by[.qgalore]!.summary("svd count").mean, fixed = by[.galore]!.summary("svd count").mean
        let reading = ReportBlock.text(#"""
            **Reading the results.** Q-GaLore computed \#(fmt(lazySVDs, 3)) SVDs on average against GaLore's \#(fmt(fixed, 3)) \#
            (\#(fmt(100 * lazySVDs / fixed, 3))%). A matrix can first lengthen its interval at its sixth SVD (the queue needs five \#
            similarities), so at most \#(s.layers * 6 * 5) of GaLore's SVDs are out of reach of the lazy refresh at this budget. \#
            The cosine of successive first singular vectors averaged \#(fmt(by[.qgalore]!.summary("mean cosine").mean, 3)) as the official \#
            rule reads it (signed) and \#(fmt(by[.qgalore]!.summary("mean |cosine|").mean, 3)) in absolute value: an SVD's sign is \#
            arbitrary, so part of the dissimilarity the rule sees is sign flips, not subspace change. \#
            The memory ratio is dominated by the weights: INT8 halves them, so against BF16 GaLore the ratio crosses one half \#
            only when the low-rank states are small next to the weights.
            """#)
        return [.table(summary), .table(paired), reading, .figure(figure), .table(ExperimentReport.sweepTable(results, rule: rule)), .table(memory)]
    }
}

private func fmt(_ x: Double, _ digits: Int = 3) -> String { Format.significant(x, digits) }
