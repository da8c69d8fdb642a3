import Foundation
import Harness

// # LoQT: Low Rank Adapters for Quantized Training
//
// Sebastian Loeschcke, Mads Toftrup, Michael Kastoryano, Serge Belongie and Vésteinn Snæbjarnarson
// (arXiv 2405.16528; official code github.com/sebulo/LoQT).
//
// **The paper in plain words.** GaLore (the parent, `GaLore.swift`) keeps every weight in full
// precision and runs Adam on the gradient projected onto its top singular vectors. LoQT goes one step
// further: the full-rank weight W is *stored in 4 bits* (NF4) and frozen; what trains is a low-rank
// factor B in W = Q + α·P·B, where P holds the top-r singular vectors of W's gradient (GaLore's
// projector, also stored in NF4) and only B has a gradient and Adam moments. Every so often B is
// merged into W, W is re-quantised, P is recomputed from a fresh full gradient and B restarts; B's
// restart absorbs part of the quantisation error (the least-squares fit of W − Q in P's span), and
// the merge intervals grow exponentially so that B accumulates updates large enough to survive the
// 4-bit grid. The paper claims (c1) that this trains well both in pre-training and fine-tuning, and
// (c2) that it trains 7B models on a consumer 24 GB GPU, 13B with per-layer gradient updates.
//
// Here LoQT is an optimizer over the harness's weights that owns Q, P, B and B's Adam moments and
// writes W = deq(Q) + α P B after every step; NF4 lives in the harness (`NormalFloatQuantizer`).

/// LoQT (Loeschcke et al., 2024): NF4 weights trained through a gradient-initialised low-rank factor.
public struct LoQTPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "loqt", title: "LoQT: Low Rank Adapters for Quantized Training",
            method: "LoQT", family: "MemoryEfficient", arxiv: "2405.16528", code: "https://github.com/sebulo/LoQT",
            summary: #"""
            **LoQT** stores each weight matrix in 4-bit NormalFloat (NF4) and trains it through a low-rank \#
            factor: $W = Q + \alpha P B$, where $P$ spans the top $r$ singular vectors of $W$'s gradient (GaLore's \#
            projector, itself in NF4) and only $B$ is trained, with Adam. At exponentially spaced steps $B$ is \#
            merged into $W$, $W$ is re-quantised, $P$ is recomputed from a fresh gradient and $B$ is restarted \#
            so as to cancel part of the quantisation error. The paper claims that this works for pre-training \#
            and fine-tuning and fits 7B-parameter training on a 24 GB GPU (13B with per-layer gradient updates). \#
            We pre-train GaLore's tiny transformer language model with AdamW, GaLore, LoQT and two LoQT \#
            ablations (no error compensation; a fixed merge interval), all tuned on one grid, and count the \#
            bytes of weights, gradients and optimizer state at the 7B and 13B shapes at the paper's precision.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "LoQT (NF4 weights, trained low-rank factor, periodic merges) pre-trains as well as full-rank AdamW (test loss within 5%).",
                source: "abstract; Table 1 (pre-training)",
                paperValue: "not stated in the abstract (“close to full-rank” perplexity in Table 1)", paperSetting: "LLaMA 60M–1B pre-trained on C4",
                metric: "log test loss, LoQT − AdamW, paired by seed",
                rule: .nonInferiority("c1a.log_loss_loqt_minus_adamw", "log test loss, LoQT − AdamW", better: .lower, margin: log(1.05)),
                scaling: "GaLore's tiny transformer LM on a Markov source; margin 5% of the loss (the catalog's)"),
            Claim(
                id: "c1b",
                statement: "LoQT pre-trains as well as GaLore, its full-precision parent (test loss within 5%).",
                source: "abstract; Table 1",
                paperValue: "not stated in the abstract", paperSetting: "LLaMA 60M–1B pre-trained on C4, GaLore at the same rank",
                metric: "log test loss, LoQT − GaLore, paired by seed",
                rule: .nonInferiority("c1b.log_loss_loqt_minus_galore", "log test loss, LoQT − GaLore", better: .lower, margin: log(1.05)),
                scaling: "as c1a, both at rank r = width/4"),
            Claim.notTestable(
                id: "c1c", statement: "LoQT also works for fine-tuning (downstream task adaptation).",
                source: "abstract; GLUE and GSM8K tables", paperValue: "comparable to LoRA/QLoRA fine-tuning", paperSetting: "DeBERTa-v3 on GLUE, LLaMA-2 on GSM8K",
                reason: "it needs a pretrained language model and downstream benchmarks; the harness has neither, so only the pre-training claims are run"),
            Claim(
                id: "c2a",
                statement: "Re-initialising B to compensate the quantisation error trains better than restarting it at zero.",
                source: "Section 3 (error compensation); ablation",
                paperValue: "not stated in the abstract", paperSetting: "LLaMA 60M–350M pre-training ablation",
                metric: "test loss, LoQT without compensation − LoQT, paired by seed",
                rule: .superiority("c2a.loss_uncompensated_minus_loqt", "test loss, no compensation − LoQT", better: .higher, minimalEffect: 0.01, unit: "nats"),
                scaling: "5 compensation iterations (the official scripts'); 0.01 nats is the minimal effect of interest"),
            Claim(
                id: "c2b",
                statement: "Exponentially increasing merge intervals train better than a fixed interval.",
                source: "Section 3 (exponentially increasing update intervals); ablation",
                paperValue: "not stated in the abstract", paperSetting: "LLaMA 60M–350M pre-training ablation",
                metric: "test loss, LoQT with a fixed interval − LoQT, paired by seed",
                rule: .superiority("c2b.loss_fixed_minus_loqt", "test loss, fixed interval − LoQT", better: .higher, minimalEffect: 0.01, unit: "nats"),
                scaling: "first interval T = 10 steps of 300 (quick 5 of 60), growing by ⌊1.2ᵏ⌋ as in the official schedule, against a fixed T"),
            Claim(
                id: "c2c",
                statement: "LoQT's weights, gradients and optimizer state take at most 40% of BF16 AdamW's at the 7B shape.",
                source: "abstract; memory table",
                paperValue: "not stated as a ratio (7B trained on 24 GB)", paperSetting: "LLaMA-7B, rank 1024, NF4 weights and projectors with double quantisation, 8-bit Adam",
                metric: "bytes at the LLaMA-7B shape: LoQT (official 7B script) / AdamW with BF16 weights, gradients and moments",
                rule: .bound("c2c.memory_ratio_7b", "weights + gradients + state, LoQT / BF16 AdamW at 7B", below: true, 0.4),
                scaling: "by construction: exact byte formulas (checked against the tiny model's counted bytes) at the paper's 7B shape; the 40% bar is the catalog's"),
            Claim(
                id: "c2d",
                statement: "LoQT's weights, gradients and optimizer state of a 7B model fit in 24 GB, where BF16 AdamW's do not.",
                source: "abstract",
                paperValue: "7B on a 24 GB GPU", paperSetting: "LLaMA-7B, rank 1024 (official 7B script)",
                metric: "GiB of weights + gradients + optimizer state at the LLaMA-7B shape (activations not counted)",
                rule: Rule.bound("c2d.loqt_7b_gib", "LoQT at 7B (GiB)", below: true, 24)
                    .given(premise: .bound("c2d.adamw_7b_gib", "BF16 AdamW at 7B (GiB)", below: false, 24), "BF16 AdamW does not fit in 24 GiB"),
                scaling: "by construction at the 7B shape; activations and workspace are what the paper adds on the GPU"),
            Claim(
                id: "c2e",
                statement: "With per-layer gradient updates, LoQT's weights, gradients and optimizer state of a 13B model fit in 24 GB.",
                source: "abstract",
                paperValue: "13B with per-layer gradient updates on 24 GB", paperSetting: "LLaMA-13B, rank 1024, 8-bit Adam per layer (official 13B script)",
                metric: "GiB of weights + one layer's gradients + optimizer state at the LLaMA-13B shape (activations not counted)",
                rule: .bound("c2e.loqt_13b_layerwise_gib", "LoQT at 13B, per-layer gradients (GiB)", below: true, 24),
                scaling: "by construction at the 13B shape"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "On the tiny language model, LoQT pre-training within 5% of full-rank AdamW is \(v("c1a")) and within 5% of GaLore \(v("c1b")): "
            + "LoQT tracks GaLore, its full-precision parent (see the paired differences), so the NF4 base and the merges add little "
            + "loss beyond what the low-rank update itself costs. The two design choices the paper "
            + "argues for are judged against their ablations: error compensation beating a zero restart is \(v("c2a")), exponentially "
            + "growing merge intervals beating a fixed one \(v("c2b")). In bytes, LoQT at the 7B shape needing at most 40% of BF16 AdamW's "
            + "weights, gradients and state is \(v("c2c")), fitting 24 GiB where AdamW does not \(v("c2d")), and 13B with per-layer "
            + "gradients fitting \(v("c2e")); these counts leave out activations, which the paper's 24 GB also holds."
    }

    public var method: String {
        #"""
        **GaLore's projector, kept.** For a matrix $W \in \mathbb R^{m\times n}$ with gradient $G$, $P$ holds the \#
        top $r$ singular vectors of $G$ on its shorter side (the input side of a square matrix, the official \#
        `proj_type` std). **Delta 1: the weight is a quantised base plus a trained factor.** The layer computes \#
        with $W = \hat Q + \alpha P B$, where $\hat Q$ is the NF4 round trip of the base (blocks of 64 values in \#
        torch's `[out, in]` order, an absmax per block, each value the nearest of 16 normal-quantile levels) and \#
        $P$ is stored in NF4 too. Only $B$ ($r$ × long side) trains: its gradient is $\alpha P^\top G$ (or \#
        $\alpha G P^\top$), Adam runs on it, and $B \leftarrow B - \eta\,\mathrm{Adam}(\nabla_B)$. Between merges \#
        the base is frozen, so $W$ moves only inside $P$'s span, as GaLore's update does. **Delta 2: merge and \#
        re-quantise.** At step 1 and at the official `update_steps` the factor is merged, \#
        $W_{fp} = \hat Q + \alpha P B$, a full gradient of $W_{fp}$ gives a fresh $P$, and the base is \#
        re-quantised with *error compensation*: starting from $W_{fp}$, five times quantise the target, fit \#
        $B = P^{+}(W_{fp} - \hat Q)/\alpha$ (least squares in $P$'s span), and move the target to \#
        $W_{fp} - \alpha P B$, keeping the pair with the smallest $\|W_{fp} - \hat Q - \alpha P B\|_F$. The \#
        gradient of that step is zeroed, as the official hooks do, so Adam steps $B$ on its moments alone. \#
        **Delta 3: growing intervals.** Merges happen at $T$, then every $T + \lfloor 1.2^k\rfloor$ steps \#
        ($k = 1, 2, \dots$), so that late in training $B$ accumulates more before each re-quantisation.
        """#
    }

    public var excerpts: [String] { ["loqt-adapter", "merge-schedule", "normal-float"] }

    public var deviations: String {
        #"""
        - **Scale.** GaLore's test bed: a 2-layer transformer of width 32 (quick 16) pre-trained for 300 steps \#
        (quick 60) on a Markov token source with a known optimal loss, rank r = width/4, α = 0.5 (the official \#
        default `lora_alpha`), first merge interval T = 10 (quick 5) growing by ⌊1.2ᵏ⌋, instead of LLaMA \#
        60M–1B on C4 with T = 100; about 15 merges in 300 steps, the paper's ~40 in 10k.
        - **Precision.** What is not quantised computes in fp32 (the paper: BF16); NF4 is simulated by storing \#
        the dequantised values, so the forward pass sees exactly the NF4 grid. Byte counts are at the paper's \#
        precision. The full gradient of W at a merge step is computed in the harness as in the official hooks \#
        (the 7B script offloads it to CPU memory; the byte counts leave it out).
        - **Adam.** The tiny runs use fp32 Adam for B and for the embeddings, norms and head; the 7B/13B byte \#
        counts use the 8-bit Adam of the official scripts. No double quantisation on the tiny model (its \#
        bytes are a diagnostic); the 7B/13B counts use it, as the scripts do.
        - **Memory claims** count weights, gradients and optimizer state, not activations or CUDA workspace, \#
        which the paper's 24 GB also holds; the fine-tuning claim (c1c) is not run.
        """#
    }

    public let sourceFile: String = #filePath

    /// `loqt` for `reproduce trace`: GaLore's per-tensor `rank`, `update_proj_gap` and `scale` (here
    /// `lora_alpha`), the official `compensate_quant_error_iterations` and `increment_size`.
    public var traceOptimizers: [String: TraceOptimizerFactory] { ["loqt": Self.traceFactory] }

    /// The league's LoQT: rank a quarter of the short side on every weight matrix but embeddings and
    /// the head, T = 50 growing by ⌊1.2ᵏ⌋, α = 0.5, five compensation iterations.
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("loqt") { p, h in
            Self.optimizer(p, learningRate: .constant(Float(h.learningRate)), layout: .inputsByOutputs) { q in
                guard q.value.rank == 2, !q.name.hasPrefix("embed"), !q.name.hasPrefix("head") else { return nil }
                return LoQTAdapter.Settings(rank: max(1, min(q.value.rows, q.value.columns) / 4), schedule: MergeSchedule(gap: 50))
            }
        }]
    }

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Self.settings(context)) }
}

// MARK: - The method

// excerpt: merge-schedule
/// The official `get_proj_update_steps`: merges at step 1 (the hooks attached at construction), then
/// at `T`, and after each merge `T + ⌊increment^k⌋` steps later (k = 1, 2, …), or every `T` steps when
/// `increment` is nil (`proj_gap_progression` static).
public struct MergeSchedule: Sendable, Equatable {
    public var gap: Int
    public var increment: Double?

    public init(gap: Int, increment: Double? = 1.2) {
        precondition(gap >= 1, "LoQT needs update_proj_gap ≥ 1")
        self.gap = gap; self.increment = increment
    }

    /// The merge steps up to `last` (1-based step numbers).
    public func steps(through last: Int) -> [Int] {
        var steps = [1], current = gap, k = 0
        while current <= last {
            if current != 1 { steps.append(current) }
            k += 1
            current += increment.map { gap + Int(pow($0, Double(k))) } ?? gap
        }
        return steps.filter { $0 <= last }
    }

    public func isMerge(_ step: Int) -> Bool { steps(through: step).last == step }
}
// end excerpt

// excerpt: loqt-adapter
/// LoQT for the matrices of one parameter group: each matrix is `deq(Q) + α P B`, with `Q` and `P` in
/// NF4, `B` trained by `inner` (Adam) at `learningRate`. Because it owns `B` and the step size, it
/// runs in a group whose own rate is 1: its update is `parameter − (deq(Q) + α P B)`, so after the
/// step the parameter holds exactly the weight LoQT's layer computes with.
/// State: Q's codes and absmaxes, P (NF4 or fp32), B (fp32), plus the inner state on B's shape.
public final class LoQTAdapter: GradientTransformation {
    public struct Settings: Sendable {
        public var rank: Int
        public var alpha: Float = 0.5
        public var compensationIterations = 5
        public var schedule: MergeSchedule
        /// nil: full-precision weights (`quantize_w` None).
        public var weights: NormalFloatQuantizer? = NormalFloatQuantizer()
        /// nil: fp32 projectors (`quantize_projection_matrix` None).
        public var projector: NormalFloatQuantizer? = NormalFloatQuantizer()

        public init(rank: Int, alpha: Float = 0.5, compensationIterations: Int = 5, schedule: MergeSchedule,
                    weights: NormalFloatQuantizer? = NormalFloatQuantizer(), projector: NormalFloatQuantizer? = NormalFloatQuantizer()) {
            self.rank = rank; self.alpha = alpha; self.compensationIterations = compensationIterations
            self.schedule = schedule; self.weights = weights; self.projector = projector
        }
    }

    final class Factor {
        var side = GaLoreProjection.Side.left
        var p = Tensor<Float>.zeros([0]), b = Tensor<Float>.zeros([0]), base = Tensor<Float>.zeros([0])
        var baseBytes = 0, projectorBytes = 0, merges = 0
        /// ‖W_fp − deq(Q) − αPB‖_F right after the last merge.
        var mergeError = 0.0
    }

    public let settings: [Settings]
    public let inner: GradientTransformation
    public let learningRate: LearningRate
    public let layout: GaLoreProjection.Layout
    private var factors: [Factor?]

    public init(settings: [Settings], inner: GradientTransformation, learningRate: LearningRate, layout: GaLoreProjection.Layout) {
        self.settings = settings; self.inner = inner; self.learningRate = learningRate; self.layout = layout
        factors = Array(repeating: nil, count: settings.count)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let s = settings[index]
        if factors[index] == nil { factors[index] = Factor() }
        let f = factors[index]!
        var low: Tensor<Float>
        if s.schedule.isMerge(step) {
            merge(f, weight: parameter, gradient: u, settings: s)
            low = Tensor<Float>.zeros(f.b.shape)  // the official hooks zero this step's gradients
        } else {
            low = f.side == .left ? matmul(f.p, u, transposeA: true) : matmul(u, f.p, transposeB: true)
            low.scale(by: s.alpha)  // ∇_B = α Pᵀ G
        }
        inner.update(&low, parameter: parameter, index: index, step: step)
        f.b.add(low, scaledBy: -learningRate(step))
        u = parameter
        u.add(view(f, alpha: s.alpha), scaledBy: -1)
    }

    /// `deq(Q) + α P B`.
    func view(_ f: Factor, alpha: Float) -> Tensor<Float> {
        var w = f.base
        w.add(expand(f.p, f.b, side: f.side, alpha: alpha))
        return w
    }

    /// `α P B` (left) or `α B P` (right).
    func expand(_ p: Tensor<Float>, _ b: Tensor<Float>, side: GaLoreProjection.Side, alpha: Float) -> Tensor<Float> {
        var w = side == .left ? matmul(p, b) : matmul(b, p)
        w.scale(by: alpha)
        return w
    }

    /// Merge (the parameter already is `deq(Q) + αPB`), refresh `P` from `gradient`'s SVD, and
    /// re-quantise the base with error compensation.
    func merge(_ f: Factor, weight: Tensor<Float>, gradient g: Tensor<Float>, settings s: Settings) {
        // std: the shorter side of torch's [out, in], a square matrix's input side (GaLore's rule).
        let (outputs, inputs) = layout == .outputsByInputs ? (g.rows, g.columns) : (g.columns, g.rows)
        let inputSide: GaLoreProjection.Side = layout == .outputsByInputs ? .right : .left
        f.side = outputs >= inputs ? inputSide : (inputSide == .left ? .right : .left)
        let k = min(s.rank, g.rows, g.columns)
        if let d = try? svd(g) {
            f.p = f.side == .left ? d.u.transposed.rows(0..<k).transposed : d.vt.rows(0..<k)
        } else {  // gesdd fails only on non-finite input: the run is diverging, keep shapes valid
            f.p = f.side == .left ? Tensor<Float>.identity(g.rows).transposed.rows(0..<k).transposed : Tensor<Float>.identity(g.columns).rows(0..<k)
        }
        f.projectorBytes = f.p.count * MemoryLayout<Float>.size
        if let q = s.projector {
            let codes = q.quantize(torch(f.p).data)
            f.p = fromTorch(Tensor(shape: torch(f.p).shape, data: codes.dequantized()))
            f.projectorBytes = codes.bytes()
        }
        let bShape = f.side == .left ? [k, g.columns] : [g.rows, k]
        guard let quantizer = s.weights else {
            (f.base, f.b, f.baseBytes) = (weight, Tensor<Float>.zeros(bShape), weight.count * MemoryLayout<Float>.size)
            f.merges += 1
            return
        }
        func quantized(_ w: Tensor<Float>) -> (Tensor<Float>, Int) {
            let codes = quantizer.quantize(torch(w).data)
            return (fromTorch(Tensor(shape: torch(w).shape, data: codes.dequantized())), codes.bytes())
        }
        (f.base, f.baseBytes) = quantized(weight)
        f.b = .zeros(bShape)
        var target = weight, best = Double.infinity
        for _ in 0..<s.compensationIterations {
            let (base, bytes) = quantized(target)
            var residual = weight
            residual.add(base, scaledBy: -1)
            let b = leastSquares(f.p, residual, side: f.side, alpha: s.alpha)
            let lowRank = expand(f.p, b, side: f.side, alpha: s.alpha)
            residual.add(lowRank, scaledBy: -1)
            let norm = Double(residual.data.reduce(0) { $0 + $1 * $1 }).squareRoot()
            if norm < best { (best, f.base, f.baseBytes, f.b) = (norm, base, bytes, b) }
            target = weight
            target.add(lowRank, scaledBy: -1)  // quantise W_fp − αPB next
        }
        var error = weight
        error.add(view(f, alpha: s.alpha), scaledBy: -1)
        f.mergeError = Double(error.data.reduce(0) { $0 + $1 * $1 }).squareRoot()
        f.merges += 1
    }

    /// `B = P⁺ R / α`: the least-squares factor in `P`'s span (`P` in NF4 is not orthonormal, so the
    /// official code takes the pseudo-inverse; with full column rank it is `(PᵀP)⁻¹Pᵀ`).
    func leastSquares(_ p: Tensor<Float>, _ r: Tensor<Float>, side: GaLoreProjection.Side, alpha: Float) -> Tensor<Float> {
        var b: Tensor<Float>
        if side == .left {
            b = (try? solve(matmul(p, p, transposeA: true), matmul(p, r, transposeA: true))) ?? matmul(p, r, transposeA: true)
        } else {
            b = ((try? solve(matmul(p, p, transposeB: true), matmul(p, r, transposeB: true))) ?? matmul(p, r, transposeB: true)).transposed
        }
        b.scale(by: 1 / alpha)
        return b
    }

    /// Torch's `[out, in]` order, in which bitsandbytes flattens a weight into blocks.
    func torch(_ x: Tensor<Float>) -> Tensor<Float> { layout == .inputsByOutputs ? x.transposed : x }
    func fromTorch(_ x: Tensor<Float>) -> Tensor<Float> { layout == .inputsByOutputs ? x.transposed : x }

    /// Merges done so far, over all matrices.
    public var mergeCount: Int { factors.reduce(0) { $0 + ($1?.merges ?? 0) } }
    /// The base `deq(Q)`, the projector and the factor of tensor `index`.
    public func factor(_ index: Int) -> (base: Tensor<Float>, p: Tensor<Float>, b: Tensor<Float>, side: GaLoreProjection.Side, mergeError: Double)? {
        factors[index].map { ($0.base, $0.p, $0.b, $0.side, $0.mergeError) }
    }

    /// Q's NF4 bytes, P's (NF4 or fp32), B's fp32 values, and the inner state.
    public var stateBytes: Int {
        factors.reduce(0) { $0 + ($1.map { $0.baseBytes + $0.projectorBytes + $0.b.count * MemoryLayout<Float>.size } ?? 0) } + inner.stateBytes
    }
}
// end excerpt

extension LoQTPaper {
    /// LoQT on the parameters `settingsFor` marks (a ``LoQTAdapter`` in a group of rate 1), torch's
    /// AdamW arithmetic (ε after the bias correction, no decay) on B and on every other parameter.
    static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, beta1: Double = 0.9, beta2: Double = 0.999,
                          eps: Float = 1e-8, layout: GaLoreProjection.Layout,
                          settingsFor: (Parameter) -> LoQTAdapter.Settings?) -> ChainedOptimizer {
        func adam() -> GradientTransformation { ScaleByAdam(beta1: beta1, beta2: beta2, eps: eps, epsilonPlacement: .afterBiasCorrection) }
        let marked = parameters.map { ($0, settingsFor($0)) }
        let low = marked.filter { $0.1 != nil }, plain = marked.filter { $0.1 == nil }.map(\.0)
        var groups: [ParameterGroup] = []
        if !low.isEmpty {
            let adapter = LoQTAdapter(settings: low.map { $0.1! }, inner: adam(), learningRate: learningRate, layout: layout)
            groups.append(ParameterGroup(low.map(\.0), transforms: [adapter], learningRate: .constant(1)))
        }
        if !plain.isEmpty { groups.append(ParameterGroup(plain, transforms: [adam()], learningRate: learningRate)) }
        return ChainedOptimizer(groups: groups)
    }

    /// `reproduce trace` factory: AdamW's `lr`, `betas`, `eps`; per tensor GaLore's `group` keys, with
    /// `scale` read as `lora_alpha` (default 0.5); `compensate_quant_error_iterations` (default 5)
    /// and `increment_size` (default 1.2, 0 for a fixed interval).
    static let traceFactory: TraceOptimizerFactory = { h, parameters in
        try h.acceptGroups(GaLore.traceGroupOptions)
        try h.accept(["lr", "betas", "eps", "compensate_quant_error_iterations", "increment_size"])
        let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
        let iterations = try h.int("compensate_quant_error_iterations", default: 5)
        let increment = try h.number("increment_size", default: 1.2)
        var settings: [ObjectIdentifier: LoQTAdapter.Settings] = [:]
        do {
            for p in parameters where p.value.rank == 2 {
                guard let g = try GaLoreProjection.Settings(options: p.options, textOptions: p.textOptions) else { continue }
                settings[ObjectIdentifier(p)] = LoQTAdapter.Settings(
                    rank: g.rank, alpha: Float(p.options["scale"] ?? 0.5), compensationIterations: max(0, iterations),
                    schedule: MergeSchedule(gap: g.updateGap, increment: increment > 0 ? increment : nil))
            }
        } catch let error as GaLoreError {
            throw TraceError.invalidHyperparameter("group", optimizer: h.optimizer, expected: error.description)
        }
        return LoQTPaper.optimizer(parameters, learningRate: .constant(try h.float("lr", default: 1e-3)), beta1: b1, beta2: b2,
                         eps: try h.float("eps", default: 1e-8), layout: .outputsByInputs) { settings[ObjectIdentifier($0)] }
    }
}

// MARK: - The experiment: GaLore's tiny language model, five arms

extension LoQTPaper {
    typealias Settings = GaLore.Settings

    enum Method: String, CaseIterable {
        case adamw = "AdamW"
        case galore = "GaLore"
        case loqt = "LoQT"
        case uncompensated = "LoQT, no compensation"
        case fixed = "LoQT, fixed interval"
        var key: String { ["adamw", "galore", "loqt", "loqt_uncompensated", "loqt_fixed"][Self.allCases.firstIndex(of: self)!] }
    }

    static func settings(_ context: RunContext) -> Settings {
        var s = Settings(context)
        s.updateGap = context.pick(quick: 5, full: 10)
        s.learningRates = context.pick(quick: [3e-3, 1e-2], full: [3e-3, 1e-2, 3e-2])
        return s
    }

    static func adapterSettings(_ method: Method, _ s: Settings) -> LoQTAdapter.Settings {
        LoQTAdapter.Settings(rank: s.rank, compensationIterations: method == .uncompensated ? 0 : 5,
                             schedule: MergeSchedule(gap: s.updateGap, increment: method == .fixed ? nil : 1.2))
    }

    /// One pre-training run; initial weights and batches come from the trial's common stream (paired across arms).
    static func train(_ method: Method, learningRate lr: Double, settings s: Settings, source: MarkovTokenSource,
                      validation: GaLore.TokenSet, test: GaLore.TokenSet, trial: Trial) throws -> RunRecord {
        let model = TinyTransformer(config: s.model, rng: trial.commonRNG.child("model"))
        var batches = trial.commonRNG.child("batches")
        let blocks = model.linearLayers.filter { GaLore.isBlockMatrix($0.name) }.map(\.weight)
        let rate = LearningRate.constant(Float(lr))
        let optimizer: ChainedOptimizer
        switch method {
        case .adamw:
            optimizer = ChainedOptimizer.adamW(model.trainableParameters, learningRate: rate, eps: 1e-8, weightDecay: 0)
        case .galore:
            for w in blocks { w.options = ["rank": Double(s.rank), "update_proj_gap": Double(s.updateGap), "scale": Double(s.scale)] }
            optimizer = try GaLore.optimizer(model.trainableParameters, learningRate: rate, eps: 1e-8, moments: .fp32(.afterBiasCorrection),
                                             layout: .inputsByOutputs)
        default:
            optimizer = Self.optimizer(model.trainableParameters, learningRate: rate, layout: .inputsByOutputs) { p in
                blocks.contains { $0 === p } ? adapterSettings(method, s) : nil
            }
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
            if step % s.evaluationInterval == 0 || step == s.steps { evaluate(at: step) }
        }
        let merges = method == .adamw || method == .galore ? 0 : adapterSettings(method, s).schedule.steps(through: s.steps).count
        record.record("merges per matrix", Double(merges))
        record.record("state bytes", Double(optimizer.stateBytes))
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
            power: [PowerPlan(method: Method.loqt.rawValue, baseline: Method.adamw.rawValue, metric: "validation loss", minimalEffect: 0.02),
                    PowerPlan(method: Method.uncompensated.rawValue, baseline: Method.loqt.rawValue, metric: "validation loss", minimalEffect: 0.01),
                    PowerPlan(method: Method.fixed.rawValue, baseline: Method.loqt.rawValue, metric: "validation loss", minimalEffect: 0.01)],
            seedCap: s.seedCap)
        let comparison = try experiment.compare()
        let by = Dictionary(uniqueKeysWithValues: zip(Method.allCases, comparison.arms))
        var e = Evidence()
        let tolerance = 0.02
        for m in Method.allCases {
            e.record("\(m.key).lr", by[m]!.chosen.learningRate, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(m.key).test_loss", by[m]!.summary("test loss", includingDiverged: true).mean, absoluteTolerance: tolerance, relativeTolerance: 0.01)
            e.record("\(m.key).state_bytes", by[m]!.evaluation[0].metric("state bytes") ?? .nan, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(m.key).diverged_runs", Double(by[m]!.divergedCount), absoluteTolerance: 0, relativeTolerance: 0)
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
        difference("c1a.log_loss_loqt_minus_adamw", .loqt, .adamw, log: true)
        difference("c1b.log_loss_loqt_minus_galore", .loqt, .galore, log: true)
        difference("c2a.loss_uncompensated_minus_loqt", .uncompensated, .loqt, log: false)
        difference("c2b.loss_fixed_minus_loqt", .fixed, .loqt, log: false)
        let l7 = PaperShape.llama7B, l13 = PaperShape.llama13B
        func exact(_ key: String, _ value: Double) { e.record(key, value, absoluteTolerance: 0, relativeTolerance: 1e-12) }
        exact("c2c.memory_ratio_7b", l7.loqt(layerwiseGradients: false) / l7.adamW)
        exact("c2d.loqt_7b_gib", l7.loqt(layerwiseGradients: false) / PaperShape.gib)
        exact("c2d.adamw_7b_gib", l7.adamW / PaperShape.gib)
        exact("c2e.loqt_13b_layerwise_gib", l13.loqt(layerwiseGradients: true) / PaperShape.gib)
        exact("diagnostic.loqt_13b_all_gradients_gib", l13.loqt(layerwiseGradients: false) / PaperShape.gib)
        return PaperRun(evidence: e, setup: setup(s, optimum: optimum, rule: rule),
                        results: resultsBlocks(s, by: by, results: comparison.arms, optimum: optimum, rule: rule))
    }
}

// MARK: - Bytes at the paper's shapes and precision

extension LoQTPaper {
    /// A LLaMA shape (GaLore's `Llama7B` layout: four attention matrices and three MLP matrices per
    /// layer, embeddings and head untied) and its training bytes, rank 1024 as the official scripts.
    struct PaperShape {
        let hidden: Int, mlp: Int, layers: Int, vocabulary = 32000, rank = 1024
        static let llama7B = PaperShape(hidden: 4096, mlp: 11008, layers: 32)
        static let llama13B = PaperShape(hidden: 5120, mlp: 13824, layers: 40)
        static let gib = Double(1 << 30), bf16 = 2.0

        var matrices: [(Int, Int)] { Array(repeating: (hidden, hidden), count: 4) + [(hidden, mlp), (hidden, mlp), (mlp, hidden)] }
        var other: Int { 2 * vocabulary * hidden + (2 * layers + 1) * hidden }
        var params: Int { layers * matrices.reduce(0) { $0 + $1.0 * $1.1 } + other }
        /// bitsandbytes' 8-bit blockwise Adam state: a byte per value and an fp32 absmax per 256, two moments.
        static func adam8bit(_ n: Int) -> Double { 2 * (Double(n) + 4 * Double((n + 255) / 256)) }

        /// BF16 weights, gradients and both moments.
        var adamW: Double { 4 * PaperShape.bf16 * Double(params) }

        /// The official 7B/13B scripts: NF4 weights and projectors with double quantisation, BF16 B
        /// (long side × r) with its BF16 gradient and 8-bit moments; embeddings, norms and head in BF16
        /// with 8-bit moments. Per-layer updates hold one gradient at a time (the largest tensor's).
        func loqt(layerwiseGradients: Bool) -> Double {
            var bytes = 0.0, gradients = PaperShape.bf16 * Double(other), largest = Double(vocabulary * hidden)
            for (m, n) in matrices {
                let b = max(m, n) * rank
                bytes += Double(layers) * (Double(NormalFloatQuantizer.bytes(count: m * n, doubleQuantization: true))
                    + Double(NormalFloatQuantizer.bytes(count: min(m, n) * rank, doubleQuantization: true))
                    + PaperShape.bf16 * Double(b) + PaperShape.adam8bit(b))
                gradients += Double(layers) * PaperShape.bf16 * Double(b)
                largest = max(largest, Double(b))
            }
            bytes += PaperShape.bf16 * Double(other) + PaperShape.adam8bit(other)
            return bytes + (layerwiseGradients ? PaperShape.bf16 * largest : gradients)
        }
    }
}

// MARK: - Report blocks

extension LoQTPaper {
    func setup(_ s: Settings, optimum: Double, rule: SelectionRule) -> [ReportBlock] {
        [.text(#"""
        **Test bed.** GaLore's: a Markov source over \#(s.vocabulary) tokens (optimal loss \#(fmt(optimum, 4)) nats/token), \#
        a \#(s.layers)-layer transformer of width \#(s.width), \#(s.steps) steps at batch \#(s.batch) × \#(s.context) tokens, \#
        constant learning rate, no weight decay. GaLore and the LoQT arms act on the \#(s.layers * 6) attention and MLP \#
        matrices with rank r = \#(s.rank); GaLore with α = \#(fmt(Double(s.scale))) and T = \#(s.updateGap), LoQT with \#
        α = 0.5 and first interval T = \#(s.updateGap). Embeddings, norms and head train with Adam in every arm.

        **Arms**, each one part away from the previous:
        - *AdamW*: full rank, fp32. *GaLore*: the parent, fp32 weights, SVD every T steps.
        - *LoQT*: NF4 weights and projectors, B trained with Adam, merges at steps \#(MergeSchedule(gap: s.updateGap).steps(through: s.steps).map(String.init).joined(separator: ", ")), \#
        five compensation iterations.
        - *LoQT, no compensation*: B restarts at zero after each merge (`compensate_quant_error_iterations` 0).
        - *LoQT, fixed interval*: merges every T steps (\#(MergeSchedule(gap: s.updateGap, increment: nil).steps(through: s.steps).count) merges).

        **Tuning.** Every arm picks its rate from {\#(s.learningRates.map { fmt($0) }.joined(separator: ", "))} by \#
        \#(rule.description) over \#(Format.counted(s.selectionSeeds, "selection seed")), then runs on the planned evaluation \#
        seeds (cap \#(s.seedCap)) with the initial weights and batches shared by all arms at each seed.
        """#)]
    }

    func resultsBlocks(_ s: Settings, by: [Method: ArmResult], results: [ArmResult], optimum: Double, rule: SelectionRule) -> [ReportBlock] {
        let summary = Table(
            caption: "Pre-training results over the evaluation seeds (mean ± 95% CI): test loss (optimum \(fmt(optimum, 4))), merges per matrix, and the optimizer's stored bytes in the harness (LoQT's include the NF4 weights and projectors and the fp32 B; fp32 elsewhere).",
            headers: ["arm", "lr", "test loss", "merges", "state bytes", "diverged"],
            rows: Method.allCases.map { m in
                let r = by[m]!
                return [m.rawValue, fmt(r.chosen.learningRate), r.summary("test loss").formatted, r.summary("merges per matrix").formatted,
                        "\(Int(r.evaluation[0].metric("state bytes") ?? .nan))", "\(r.divergedCount)/\(r.evaluation.count)"]
            })
        let pairs: [(Method, Method)] = [(.loqt, .adamw), (.loqt, .galore), (.uncompensated, .loqt), (.fixed, .loqt)]
        let paired = Table(
            caption: "Paired differences of test loss (same initial weights and batches at each seed), mean ± 95% CI.",
            headers: ["difference", "test loss"],
            rows: pairs.map { a, b in ["\(a.rawValue) − \(b.rawValue)", by[a]!.pairedDifference("test loss", versus: by[b]!).formatted] })
        var figure = ExperimentReport.lossFigure(
            results, name: "validation-loss", title: "Validation loss (chosen learning rates)", yLabel: "validation loss (nats/token)", logY: false,
            caption: "Mean over evaluation seeds with 95% bands; the dashed line is the source's optimal loss.")
        figure.reference = (optimum, "optimal loss")
        func gib(_ x: Double) -> String { fmt(x / PaperShape.gib, 4) }
        let memory = Table(
            caption: "Weights + gradients + optimizer state in GiB at the paper's shapes (rank 1024) and precision: BF16 AdamW (weights, gradients, two moments) against LoQT as the official scripts run it (NF4 weights and projectors with double quantisation, BF16 B and its gradient, 8-bit Adam). Activations are not counted.",
            headers: ["shape", "parameters", "BF16 AdamW", "LoQT", "LoQT, per-layer gradients", "LoQT / AdamW"],
            rows: [("LLaMA-7B", PaperShape.llama7B), ("LLaMA-13B", PaperShape.llama13B)].map { name, shape in
                [name, fmt(Double(shape.params) / 1e9, 4) + " B", gib(shape.adamW), gib(shape.loqt(layerwiseGradients: false)),
                 gib(shape.loqt(layerwiseGradients: true)), fmt(shape.loqt(layerwiseGradients: false) / shape.adamW, 4)]
            })
        return [.table(summary), .table(paired), .figure(figure), .table(ExperimentReport.sweepTable(results, rule: rule)), .table(memory)]
    }
}

private func fmt(_ x: Double, _ digits: Int = 3) -> String { Format.significant(x, digits) }
