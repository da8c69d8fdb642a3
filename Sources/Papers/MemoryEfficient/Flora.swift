import Foundation
import Harness

// # Flora: Low-Rank Adapters Are Secretly Gradient Compressors
//
// Yongchang Hao, Yanshuai Cao and Lili Mou (ICML 2024, arXiv 2402.03293; code github.com/BorealisAI/flora-opt).
//
// **The paper in plain words.** LoRA trains `W₀ + BA` with `A` random and `B` starting at zero.
// While `A` barely moves (small learning rate), `B`'s SGD steps sum `G Aᵀ`, so the weight change
// is `−η Σ G Aᵀ A`: the gradient compressed by a random projection `A` and decompressed by `Aᵀ`
// (c1). That is why LoRA's total update is stuck at rank `r`. Flora keeps the compression and
// drops the adapter: it stores only the compressed quantity (gradients summed over micro-batches,
// or the momentum), regenerates the projection from a seed, and *resamples* it (every step for
// accumulation, every κ steps for momentum, moving the momentum into the new projection), so the
// total update becomes high-rank (c2) while the state stays sublinear (c3), and training quality
// matches the uncompressed optimizer (c4). Flora's base optimizer is Adafactor; neither it nor its
// momentum is in the harness, so the parent (Adafactor with an EMA first moment) is written here,
// and Flora is its momentum path swapped for the compressed one, plus an accumulation wrapper.

/// Flora (Hao et al., 2024): random-projection compression of gradient accumulators and momentum.
public struct FloraPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "flora", title: "Flora: Low-Rank Adapters Are Secretly Gradient Compressors", method: "Flora",
            family: "MemoryEfficient", arxiv: "2402.03293", code: "https://github.com/BorealisAI/flora-opt",
            summary: #"""
            **Flora** stores an optimizer's accumulated gradient or momentum only through a random projection to rank \#
            $r$, regenerated from a seed and resampled during training, so the total update is high-rank while the \#
            state is sublinear. We check LoRA's dynamics against a random projection and the rank of the total update \#
            on the digits MLP, count state bytes exactly, and train the tiny transformer with AdamW, Adafactor with \#
            full momentum or accumulation, and Flora's compressed versions, all tuned on one learning-rate grid.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let judged = "final training loss"
    static let task = "c4.transformer_markov"
    static let rank = 8

    public var claims: [Claim] {
        let none = "not stated in the abstract"
        let quality = "the tiny transformer on its Markov source, 300 micro-batches (quick: 40); rank 8 of width 32; κ = 50 (quick: 20); accumulation over 4 micro-batches; 0.03-nat margin"
        return [
            Claim(
                id: "c1", statement: "LoRA's dynamics are approximated by a random projection of the gradient: with a small learning rate, LoRA's total weight change points along Flora's compressed-SGD change with the same projection.",
                source: "abstract; Section 3", paperValue: "\(none) (a limit theorem as η → 0)", paperSetting: "the analysis (LoRA with A random, B = 0)",
                metric: "smallest cosine, over the MLP's three weight matrices, between LoRA's ΔW and Flora's ΔW after 50 SGD steps at η = 0.01",
                rule: .bound("c1.cosine_min", "the smallest cosine between LoRA's and Flora's ΔW", below: false, 0.9),
                scaling: "the digits MLP 64-128-128-10, rank 8, the catalog's 0.9 bar"),
            Claim(
                id: "c2", statement: "Resampling the projection makes the accumulated weight update high-rank, while a fixed projection (LoRA's regime) keeps it at rank r.",
                source: "abstract", paperValue: "high-rank (\(none))", paperSetting: "the method",
                metric: "numerical rank (σ > 10⁻³ σ₁) of the 128×128 hidden matrix's ΔW after 100 compressed-SGD steps, projection resampled every 10 steps",
                rule: Rule.bound("c2.rank_resampled", "rank of ΔW, resampled", below: false, 2 * Double(Self.rank))
                    .given(premise: .bound("c2.rank_fixed", "rank of ΔW, fixed projection", Double(Self.rank)), "a fixed projection keeps ΔW at rank ≤ r"),
                scaling: "the digits MLP, rank 8; the catalog's 'rank ≫ 8' read as at least 2r"),
            Claim(
                id: "c3a", statement: "Flora's momentum for an m×n matrix takes r·max(m,n) numbers instead of m·n (a quarter at r = d/4).",
                source: "abstract; Section 4", paperValue: "sublinear state (\(none))", paperSetting: "T5 / GPT-2, momentum compressed",
                metric: "momentum bytes of the transformer's block matrices, Flora / uncompressed (same precision for both, so BF16 gives the same ratio)",
                rule: .exact("c3a.momentum_ratio_blocks", "momentum bytes, Flora / full", equals: 0.25, tolerance: 1e-12, byConstruction: true),
                scaling: "width 32, rank 8: r/d = 1/4"),
            Claim(
                id: "c3b", statement: "Flora's gradient accumulator for an m×n matrix takes r·max(m,n) numbers instead of m·n.",
                source: "abstract; Section 4", paperValue: "sublinear state (\(none))", paperSetting: "T5 / GPT-2, gradient accumulation",
                metric: "accumulator bytes of the block matrices, Flora / uncompressed",
                rule: .exact("c3b.accumulator_ratio_blocks", "accumulator bytes, Flora / full", equals: 0.25, tolerance: 1e-12, byConstruction: true),
                scaling: "as c3a"),
            Claim(
                id: "c4a", statement: "Flora's compressed momentum trains as well as the same optimizer with full momentum (margin 0.03 nats).",
                source: "abstract; Section 4", paperValue: "comparable quality (\(none))", paperSetting: "T5 summarisation/translation, GPT-2",
                metric: "final training loss, Flora (momentum) − Adafactor with full momentum, paired by seed",
                rule: .nonInferiority("\(Self.task).loss_flora_momentum_minus_full", "loss, Flora momentum − full momentum", better: .lower, margin: 0.03, unit: "nats"),
                scaling: quality),
            Claim(
                id: "c4b", statement: "Flora's compressed gradient accumulation trains as well as full accumulation (margin 0.03 nats).",
                source: "abstract; Section 4", paperValue: "comparable quality (\(none))", paperSetting: "T5 summarisation/translation, GPT-2",
                metric: "final training loss, Flora (accumulation) − full accumulation, paired by seed",
                rule: .nonInferiority("\(Self.task).loss_flora_accumulation_minus_full", "loss, Flora accumulation − full accumulation", better: .lower, margin: 0.03, unit: "nats"),
                scaling: quality),
            Claim(
                id: "c4c", statement: "Flora (momentum) matches full-rank AdamW (margin 0.03 nats).",
                source: "the catalog's experiment", paperValue: "within 2% of the full-state optimizer (the catalog's bar; \(none))", paperSetting: "the catalog's small-model analog",
                metric: "final training loss, Flora (momentum) − AdamW, paired by seed",
                rule: .nonInferiority("\(Self.task).loss_flora_momentum_minus_adamw", "loss, Flora momentum − AdamW", better: .lower, margin: 0.03, unit: "nats"),
                scaling: quality),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "LoRA with a random, nearly frozen A moving like Flora's compressed SGD is \(v("c1")), and resampling lifting the total update above rank r is \(v("c2")): "
            + "both are properties of the update rule, measured on one MLP. The state sizes (\(v("c3a")) for momentum, \(v("c3b")) for accumulation) are arithmetic on the shapes. "
            + "On the tiny transformer, compressed momentum matching full momentum is \(v("c4a")), compressed accumulation matching full accumulation \(v("c4b")), "
            + "and Flora matching AdamW \(v("c4c")); the paper's T5 and GPT-2 runs are not repeated. "
            + "One fact bears on these: decompressing through a rank-r Gaussian projection multiplies a d-vector's expected squared norm by 1 + (d+1)/r "
            + "(about 5 at d = 32, r = 8), so the momentum or summed gradient Flora hands back carries about four times its own energy as projection noise, "
            + "which only resampling averages out; our runs are 300 micro-batches long, the paper's thousands of steps."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Projection.** For a matrix $G\in\mathbb R^{m\times n}$ Flora draws $P$ with i.i.d. $\mathcal N(0,1/r)$ entries \#
        from a seed, on the shorter side ($m<n$: $P\in\mathbb R^{m\times r}$, $\mathrm{down}(G)=P^\top G$, \#
        $\mathrm{up}(C)=PC$; otherwise $P\in\mathbb R^{r\times n}$, $\mathrm{down}(G)=GP^\top$, $\mathrm{up}(C)=CP$). \#
        $E[\mathrm{up}(\mathrm{down}(G))]=G$, and only the $r\times\max(m,n)$ compressed matrix is stored.

        **LoRA as compression (c1).** With $\Delta W=PB$, $B_0=0$ and SGD, $B_{t+1}=B_t-\eta P^\top G_t$; while $P$ \#
        barely moves, $\Delta W_T\approx-\eta\,P P^\top\sum_t G_t$: compressed SGD with a fixed $P$, rank $\le r$.

        **Accumulation.** Over $\tau$ micro-batches Flora sums $C=\sum_i\mathrm{down}_k(G_i)$, hands \#
        $\mathrm{up}_k(C)/\tau$ to the optimizer and draws a new $P_{k+1}$ for the next step, so the sum of steps has \#
        rank up to $r$ times the number of steps (c2).

        **Parent: Adafactor with momentum** (the official code, `factorize_second_moment`). With \#
        $\hat\beta_{2,t}=1-t^{-0.8}$, a matrix keeps row and column means $R,C$ of $G^2+10^{-30}$ and scales \#
        $U=G\odot(R_i C_j/\bar R)^{-1/2}$ (a vector keeps the full second moment). Momentum \#
        $M_t=\beta_1M_{t-1}+(1-\beta_1)U_t$ is the update; then $U\leftarrow U/\max(1,\mathrm{RMS}(U))$ and \#
        $W\leftarrow W-\eta U$.

        **Flora's momentum** keeps $\tilde M=\mathrm{down}(M)$ only. The step uses the exact current term, \#
        $U_t\leftarrow(1-\beta_1)U_t+\beta_1\,\mathrm{up}_k(\tilde M_{t-1})$; every $\kappa$ steps the momentum is \#
        moved to a fresh projection, $\tilde M\leftarrow\mathrm{down}_{k+1}(\mathrm{up}_k(\tilde M))$; then \#
        $\tilde M_t=\beta_1\tilde M+(1-\beta_1)\,\mathrm{down}(U_t)$. Matrices with a side below $r$ or an aspect \#
        ratio above 4 (embeddings in the paper) keep full momentum, as in the official code.
        """#
    }

    public var excerpts: [String] { ["flora-momentum", "flora-accumulation"] }

    public var deviations: String {
        #"""
        - **Scale.** The tiny transformer (2 blocks, width 32) on an order-2 Markov source for 300 micro-batches \#
        (quick: 40) instead of T5 and GPT-2 fine-tuning; rank 8 (a quarter of the width); κ = 50 (the official \#
        1000, scaled); accumulation over 4 micro-batches. c1 and c2 use the digits MLP with plain SGD.
        - **Adafactor without parameter scaling.** The experiment sets `scale_parameter = false` so that every arm \#
        shares one learning-rate grid (with it, Adafactor's step is multiplied by each weight's RMS, about 0.1 \#
        here); the trace optimizer keeps the official default (true).
        - **Projections** come from our seeded streams (torch's generator is not reproduced) and are regenerated \#
        at every use; the official code's square-matrix side choice is kept on the stored shape.
        - **Judged metric.** The final training loss on a fresh batch (the population loss), selected on the \#
        same metric; the paper reports ROUGE/BLEU and perplexity. Quality claims carry no paper number: the \#
        abstract gives none.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

// MARK: - The transformations

/// Flora's projection of a matrix on its shorter side (the columns of a square one).
enum FloraProjection {
    /// The side compressed, nil when the tensor is not: it needs both sides ≥ r, and the official
    /// momentum rule (`aspectLimit`) also an aspect ratio ≤ 4 (no embeddings).
    static func side(_ g: Tensor<Float>, rank: Int?, aspectLimit: Bool) -> GaLoreProjection.Side? {
        guard let r = rank, g.rank == 2, min(g.rows, g.columns) >= r else { return nil }
        if aspectLimit && max(g.rows, g.columns) > 4 * min(g.rows, g.columns) { return nil }
        return g.rows < g.columns ? .left : .right
    }

    /// The compressed shape `r × n` (left) or `m × r` (right).
    static func shape(_ g: Tensor<Float>, rank: Int, _ side: GaLoreProjection.Side) -> [Int] {
        side == .left ? [rank, g.columns] : [g.rows, rank]
    }

    static func down(_ g: Tensor<Float>, _ p: Tensor<Float>, _ side: GaLoreProjection.Side) -> Tensor<Float> {
        side == .left ? matmul(p, g, transposeA: true) : matmul(g, p, transposeB: true)
    }

    static func up(_ c: Tensor<Float>, _ p: Tensor<Float>, _ side: GaLoreProjection.Side) -> Tensor<Float> {
        side == .left ? matmul(p, c) : matmul(c, p)
    }
}

// excerpt: flora-momentum
/// Adafactor's first moment `M = β₁M + (1−β₁)U` (the parent, `rank: nil`), or Flora's: for
/// eligible matrices only `down(M)` is kept, the projection regenerated from `source` and moved to
/// a fresh one every `kappa` steps (steps κ, 2κ, …, as the official `step % kappa == 0`).
public final class FloraMomentum: GradientTransformation {
    public let rank: Int?, kappa: Int, beta1: Float, source: RandomProjectionSource
    let full = PerTensorState(slots: 1)
    var compressed: [Int: Tensor<Float>] = [:]

    public init(rank: Int?, kappa: Int = 1000, beta1: Float = 0.9, source: RandomProjectionSource) {
        precondition(kappa >= 1 && (rank ?? 1) >= 1, "Flora needs kappa ≥ 1 and rank ≥ 1")
        (self.rank, self.kappa, self.beta1, self.source) = (rank, kappa, beta1, source)
    }

    func projector(_ index: Int, refresh: Int, _ u: Tensor<Float>, _ side: GaLoreProjection.Side) -> Tensor<Float> {
        source.projector(index: index, refresh: refresh, side: side, rows: u.rows, columns: u.columns, rank: rank!)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let b1 = beta1
        guard let side = FloraProjection.side(u, rank: rank, aspectLimit: true) else {
            full.update(&u, index: index) { g, m in m = b1 * m + (1 - b1) * g; g = m }
            return
        }
        // The delta: the momentum lives in r dimensions and is decompressed for the step.
        let raw = u, refresh = (step - 1) / kappa
        var p = projector(index, refresh: refresh, u, side)
        var m = compressed[index] ?? .zeros(FloraProjection.shape(u, rank: rank!, side))
        u.scale(by: 1 - b1)
        u.add(FloraProjection.up(m, p, side), scaledBy: b1)
        if step % kappa == 0 {
            let next = projector(index, refresh: refresh + 1, u, side)
            m = FloraProjection.down(FloraProjection.up(m, p, side), next, side)
            p = next
        }
        m.scale(by: b1)
        m.add(FloraProjection.down(raw, p, side), scaledBy: 1 - b1)
        compressed[index] = m
    }

    public var stateBytes: Int { full.bytes + compressed.values.reduce(0) { $0 + $1.count * 4 } }
}
// end excerpt

// excerpt: flora-accumulation
/// Gradient accumulation over `microBatches` calls, compressed (Flora's `FloraAccelerator`): each
/// matrix's micro-batch gradient is added as `down_k(G)`, the mean `up_k(C)/τ` goes to `inner`,
/// and the projection advances every `resampleEvery` optimizer steps (1: every step, as the
/// official code; nil: never, LoRA's regime). `rank: nil` accumulates in full.
public final class FloraAccumulation: Optimizer {
    public let inner: Optimizer, microBatches: Int, rank: Int?, resampleEvery: Int?, source: RandomProjectionSource
    var packs: [Tensor<Float>] = []
    var calls = 0, steps = 0

    public init(inner: Optimizer, microBatches: Int, rank: Int?, resampleEvery: Int? = 1, source: RandomProjectionSource) {
        (self.inner, self.microBatches, self.rank, self.resampleEvery, self.source) = (inner, microBatches, rank, resampleEvery, source)
    }

    public var parameters: [Parameter] { inner.parameters }
    public var stateBytes: Int { packs.reduce(0) { $0 + $1.count * 4 } + inner.stateBytes }

    func projector(_ i: Int, _ g: Tensor<Float>, _ side: GaLoreProjection.Side) -> Tensor<Float> {
        source.projector(index: i, refresh: resampleEvery.map { steps / $0 } ?? 0, side: side, rows: g.rows, columns: g.columns, rank: rank!)
    }

    public func applyGradients() {
        let ps = parameters
        if packs.isEmpty {
            packs = ps.map { p in
                Tensor<Float>.zeros(FloraProjection.side(p.grad, rank: rank, aspectLimit: false).map { FloraProjection.shape(p.grad, rank: rank!, $0) } ?? p.grad.shape)
            }
        }
        for (i, p) in ps.enumerated() {
            if let side = FloraProjection.side(p.grad, rank: rank, aspectLimit: false) {
                packs[i].add(FloraProjection.down(p.grad, projector(i, p.grad, side), side))
            } else {
                packs[i].add(p.grad)
            }
        }
        calls += 1
        guard calls % microBatches == 0 else { return }
        for (i, p) in ps.enumerated() {
            var g = FloraProjection.side(p.grad, rank: rank, aspectLimit: false).map { FloraProjection.up(packs[i], projector(i, p.grad, $0), $0) } ?? packs[i]
            g.scale(by: 1 / Float(microBatches))
            p.grad = g
            packs[i] = .zeros(packs[i].shape)
        }
        inner.applyGradients()
        steps += 1
    }
}
// end excerpt

/// LoRA on every matrix as an optimizer over the full weights: `W = W₀ + P B` (or `B P`), with
/// `P` drawn as Flora's projector (refresh 0) and `B = 0`, both trained by SGD; vectors plain SGD.
final class LoRAOnWeights: Optimizer {
    let parameters: [Parameter], learningRate: Float, rank: Int
    var base: [Tensor<Float>], random: [Tensor<Float>?], zero: [Tensor<Float>?]
    var stateBytes: Int { 0 }

    init(_ parameters: [Parameter], learningRate: Float, rank: Int, source: RandomProjectionSource) {
        (self.parameters, self.learningRate, self.rank) = (parameters, learningRate, rank)
        base = parameters.map(\.value)
        random = parameters.enumerated().map { i, p in
            FloraProjection.side(p.value, rank: rank, aspectLimit: false).map {
                source.projector(index: i, refresh: 0, side: $0, rows: p.value.rows, columns: p.value.columns, rank: rank)
            }
        }
        zero = parameters.map { p in
            FloraProjection.side(p.value, rank: rank, aspectLimit: false).map { Tensor<Float>.zeros(FloraProjection.shape(p.value, rank: rank, $0)) }
        }
    }

    func applyGradients() {
        for (i, p) in parameters.enumerated() {
            guard var a = random[i], var b = zero[i], let side = FloraProjection.side(p.value, rank: rank, aspectLimit: false) else {
                p.value.add(p.grad, scaledBy: -learningRate); continue
            }
            // ΔW = A B (left) or B A (right): ∂B = down(G), ∂A = G Bᵀ or Bᵀ G.
            let gradA = side == .left ? matmul(p.grad, b, transposeB: true) : matmul(b, p.grad, transposeA: true)
            b.add(FloraProjection.down(p.grad, a, side), scaledBy: -learningRate)
            a.add(gradA, scaledBy: -learningRate)
            (random[i], zero[i]) = (a, b)
            p.value = base[i] + FloraProjection.up(b, a, side)
        }
    }
}

// MARK: - The optimizer, `reproduce trace` and the league

extension FloraPaper {
    /// Adafactor's chain with Flora's momentum: `rank: nil` is the parent (full momentum); momentum
    /// is compressed only with a factored second moment, as in the official code.
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, rank: Int?, kappa: Int, beta1: Float = 0.9,
                                 source: RandomProjectionSource, factored: Bool = true, decayRate: Double = -0.8,
                                 eps: (Float, Float) = (1e-30, 1e-3), clipThreshold: Float = 1, parameterScale: Bool = false) -> ChainedOptimizer {
        let momentum: [GradientTransformation] = beta1 > 0
            ? [FloraMomentum(rank: factored ? rank : nil, kappa: kappa, beta1: beta1, source: source)] : []
        let chain: [GradientTransformation] = [ScaleByAdafactor(decayRate: decayRate, eps1: eps.0, factored: factored)] + momentum
            + [ClipByRMS(threshold: clipThreshold, parameterScale: parameterScale, eps2: eps.1)]
        return ChainedOptimizer(groups: [ParameterGroup(parameters, transforms: chain, learningRate: learningRate)])
    }

    /// `flora` for `reproduce trace`, with the official torch `Flora`'s keywords and defaults
    /// (`rank` 0 and `beta1` 0 mean none; `eps` is the pair (ε₁, ε₂)); projections from the stream
    /// `trace/flora` under `seed`. `relative_step` and `weight_decay` are not implemented.
    public static func traceFactory() -> TraceOptimizerFactory {
        { h, parameters in
            try h.accept(["lr", "rank", "kappa", "beta1", "eps", "decay_rate", "clip_threshold", "scale_parameter", "factorize_second_moment", "seed"])
            let rank = try h.int("rank", default: 0), kappa = try h.int("kappa", default: 1000), seed = try h.int("seed", default: 0)
            guard rank >= 0, kappa >= 1, seed >= 0 else {
                throw TraceError.invalidHyperparameter("rank/kappa/seed", optimizer: h.optimizer, expected: "rank ≥ 0, kappa ≥ 1, seed ≥ 0")
            }
            let eps = try h.pair("eps", default: (1e-30, 1e-3))
            return optimizer(parameters, learningRate: .constant(try h.float("lr", default: 1e-3)), rank: rank == 0 ? nil : rank, kappa: kappa,
                             beta1: try h.float("beta1", default: 0), source: RandomProjectionSource(seed: UInt64(seed), path: ["trace", "flora"]),
                             factored: try h.bool("factorize_second_moment", default: true), decayRate: Double(try h.float("decay_rate", default: -0.8)),
                             eps: (Float(eps.0), Float(eps.1)), clipThreshold: try h.float("clip_threshold", default: 1),
                             parameterScale: try h.bool("scale_parameter", default: true))
        }
    }

    public var traceOptimizers: [String: TraceOptimizerFactory] { ["flora": Self.traceFactory()] }

    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("flora") { p, h in Self.arms(kappa: 50, microBatches: 4)[2].make(p, h) }]
    }
}

// MARK: - The experiment

extension FloraPaper {
    struct Settings {
        var learningRates: [Double], selectionSeeds: Int, evaluationSeeds: Int, seedCap: Int, kappa: Int
        var microBatches = 4
        /// SGD steps of the c1 (LoRA against compressed SGD) and c2 (rank) runs on the digits MLP.
        var dynamicsSteps = (lora: 50, rank: 100)
        var task: (RunContext) -> StandardTask = { StandardTasks.transformerMarkov($0) }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [3e-3, 1e-2], full: [3e-3, 1e-2, 3e-2])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 3)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 6)
            kappa = context.pick(quick: 20, full: 50)
        }
    }

    static let names = (adamW: "AdamW", full: "Adafactor + momentum", flora: "Flora (momentum)",
                        accumulation: "accumulation (full)", floraAccumulation: "Flora (accumulation)")

    static func arms(kappa: Int, microBatches: Int) -> [OptimizerArm] {
        let n = names, momentum = RandomProjectionSource(seed: 0, path: ["flora", "momentum"])
        let accumulation = RandomProjectionSource(seed: 0, path: ["flora", "accumulation"])
        @Sendable func adafactor(_ p: [Parameter], _ h: Hyperparameters, rank: Int?) -> ChainedOptimizer {
            optimizer(p, learningRate: .constant(Float(h.learningRate)), rank: rank, kappa: kappa, source: momentum)
        }
        return [
            OptimizerArm(n.adamW) { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate)), eps: 1e-8, weightDecay: 0) },
            OptimizerArm(n.full) { p, h in adafactor(p, h, rank: nil) },
            OptimizerArm(n.flora) { p, h in adafactor(p, h, rank: rank) },
            OptimizerArm(n.accumulation) { p, h in
                FloraAccumulation(inner: adafactor(p, h, rank: nil), microBatches: microBatches, rank: nil, source: accumulation)
            },
            OptimizerArm(n.floraAccumulation) { p, h in
                FloraAccumulation(inner: adafactor(p, h, rank: nil), microBatches: microBatches, rank: rank, source: accumulation)
            },
        ]
    }

    /// Each weight matrix's total change after `steps` steps of `make`'s optimizer on the digits
    /// MLP, from one initialisation and one batch order (batch 32).
    static func weightChanges(_ data: DataSplits, _ context: RunContext, steps: Int, _ make: ([Parameter]) -> Optimizer) -> [Tensor<Float>] {
        let model = MLP(sizes: [64, 128, 128, 10], rng: context.rng("c1", "model"))
        let start = model.parameters.map(\.value), optimizer = make(model.parameters)
        var rng = context.rng("c1", "batches")
        let schedule = BatchSchedule(count: data.train.count, batchSize: 32, using: &rng)
        var step = 0
        for epoch in 0... {
            for b in schedule.batches(epoch: epoch) where step < steps {
                let (x, y) = data.train.batch(b)
                optimizer.step { model.lossAndGradient(x, labels: y) }
                step += 1
            }
            if step >= steps { break }
        }
        return zip(model.parameters, start).filter { $0.0.value.rank == 2 }.map { p, w0 in var d = p.value; d.add(w0, scaledBy: -1); return d }
    }

    static func cosine(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Double {
        var (ab, aa, bb) = (0.0, 0.0, 0.0)
        for (x, y) in zip(a.data, b.data) { (ab, aa, bb) = (ab + Double(x) * Double(y), aa + Double(x) * Double(x), bb + Double(y) * Double(y)) }
        return ab / (aa * bb).squareRoot()
    }

    /// Singular values above `10⁻³ σ₁`.
    static func numericalRank(_ m: Tensor<Float>) -> Int {
        guard let s = try? svd(m).s, let top = s.first, top > 0 else { return 0 }
        return s.filter { $0 > 1e-3 * top }.count
    }

    /// c1, c2: LoRA against compressed SGD with the same projection; the rank of ΔW with a fixed
    /// and a resampled projection.
    static func dynamics(_ context: RunContext, steps: (lora: Int, rank: Int), into e: inout Evidence) throws -> [ReportBlock] {
        let data = try StandardTasks.digits(context)
        var seeds = context.rng("c1", "projection")
        let source = RandomProjectionSource(seed: seeds.next(), path: ["flora", "c1"])
        func flora(lr: Float, resample: Int?) -> ([Parameter]) -> Optimizer {
            { FloraAccumulation(inner: ChainedOptimizer.sgd($0, learningRate: .constant(lr)), microBatches: 1, rank: rank, resampleEvery: resample, source: source) }
        }
        var rows: [[String]] = []
        for lr: Float in [0.01, 0.1] {
            let lora = weightChanges(data, context, steps: steps.lora) { LoRAOnWeights($0, learningRate: lr, rank: rank, source: source) }
            let compressed = weightChanges(data, context, steps: steps.lora, flora(lr: lr, resample: nil))
            let cosines = zip(lora, compressed).map { cosine($0, $1) }
            let key = lr == 0.01 ? "c1.cosine_min" : "diagnostic.c1.cosine_min_lr0.1"
            e.record(key, cosines.min()!, absoluteTolerance: 1e-4, relativeTolerance: 0)
            rows.append(["\(lr)"] + cosines.map { Format.compact($0, 5) } + ["\(numericalRank(lora[1]))"])
        }
        let fixed = weightChanges(data, context, steps: steps.rank, flora(lr: 0.1, resample: nil))[1]
        let resampled = weightChanges(data, context, steps: steps.rank, flora(lr: 0.1, resample: 10))[1]
        let (rankFixed, rankResampled) = (numericalRank(fixed), numericalRank(resampled))
        e.record("c2.rank_fixed", Double(rankFixed), absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c2.rank_resampled", Double(rankResampled), absoluteTolerance: 0, relativeTolerance: 0)
        return [
            .text("### c1: LoRA moves like compressed SGD"),
            .table(Table(caption: "Cosine between LoRA's ΔW (A random, B = 0, both trained by SGD) and Flora's compressed-SGD ΔW with the same projection, after \(steps.lora) steps; the last column is the rank of LoRA's ΔW on the hidden matrix.",
                         headers: ["η", "cos, 64×128", "cos, 128×128", "cos, 128×10", "rank of LoRA's ΔW (128×128)"], rows: rows)),
            .text("### c2: rank of the accumulated update"),
            .text("After \(steps.rank) compressed-SGD steps (η = 0.1, r = 8) the 128×128 hidden matrix has moved by a matrix of numerical rank **\(rankFixed)** with a fixed projection and **\(rankResampled)** with the projection resampled every 10 steps."),
        ]
    }

    /// Exact state bytes: momentum and accumulator of the transformer's block matrices, Flora
    /// against uncompressed, and every arm's whole state after one optimizer step.
    static func memory(_ context: RunContext, into e: inout Evidence, arms: [OptimizerArm], microBatches: Int) -> [ReportBlock] {
        let config = TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: 2)
        func model() -> TinyTransformer {
            let m = TinyTransformer(config: config, rng: context.rng("memory", "model"))
            var rng = context.rng("memory", "gradient")
            for p in m.parameters { p.grad = Tensor<Float>.randomNormal(p.value.shape, using: &rng) }
            return m
        }
        let blocks = model().parameters.filter { $0.name.hasPrefix("block") && $0.value.rank == 2 }
        let source = RandomProjectionSource(seed: 0, path: ["memory"])
        func momentumBytes(_ r: Int?) -> Int {
            let t = FloraMomentum(rank: r, source: source)
            for (i, p) in blocks.enumerated() { var u = p.grad; t.update(&u, parameter: p.value, index: i, step: 1) }
            return t.stateBytes
        }
        func accumulatorBytes(_ r: Int?) -> Int {
            let a = FloraAccumulation(inner: ChainedOptimizer.sgd(blocks, learningRate: .constant(0)), microBatches: 2, rank: r, source: source)
            a.applyGradients()
            return a.stateBytes
        }
        let (mFull, mFlora, aFull, aFlora) = (momentumBytes(nil), momentumBytes(rank), accumulatorBytes(nil), accumulatorBytes(rank))
        e.record("c3a.momentum_ratio_blocks", Double(mFlora) / Double(mFull), absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("c3b.accumulator_ratio_blocks", Double(aFlora) / Double(aFull), absoluteTolerance: 0, relativeTolerance: 1e-12)
        let whole = arms.map { arm -> (String, Int) in
            let optimizer = arm.make(model().parameters, Hyperparameters.learningRateGrid([1e-3])[0])
            for _ in 0..<microBatches { optimizer.applyGradients() }
            return (arm.name, optimizer.stateBytes)
        }
        let adam = Double(whole[0].1)
        return [
            .text("### c3: state bytes"),
            .text("The 12 block matrices (32×32 and 32×128), fp32: momentum **\(mFlora)** bytes with Flora against **\(mFull)** in full (ratio \(Format.compact(Double(mFlora) / Double(mFull), 4))); gradient accumulator **\(aFlora)** against **\(aFull)** (ratio \(Format.compact(Double(aFlora) / Double(aFull), 4))). At BF16 every number halves and the ratios stay."),
            .table(Table(caption: "Whole optimizer state of the tiny transformer after one optimizer step (accumulating arms: with their accumulator), exact fp32 bytes.",
                         headers: ["arm", "state bytes", "/ AdamW"],
                         rows: whole.map { [$0.0, "\($0.1)", Format.compact(Double($0.1) / adam, 4)] })),
        ]
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let n = Self.names, task = s.task(context), arms = Self.arms(kappa: s.kappa, microBatches: s.microBatches)
        let comparison = Comparison(
            context: context, claim: "c4", arms: arms, learningRates: s.learningRates,
            selection: .lowest(Self.judged), selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds, seedCap: s.seedCap,
            power: [PowerPlan(method: n.flora, baseline: n.full, metric: Self.judged, minimalEffect: 0.03),
                    PowerPlan(method: n.floraAccumulation, baseline: n.accumulation, metric: Self.judged, minimalEffect: 0.03)])
        let t = try comparison.run([task])[0]
        var e = Evidence()
        for (key, method, baseline) in [("loss_flora_momentum_minus_full", n.flora, n.full),
                                        ("loss_flora_accumulation_minus_full", n.floraAccumulation, n.accumulation),
                                        ("loss_flora_momentum_minus_adamw", n.flora, n.adamW)] {
            t.result.recordDifference("\(Self.task).\(key)", method: method, baseline: baseline, metric: Self.judged, tolerance: 0.02, into: &e)
        }
        var results = try Self.dynamics(context, steps: s.dynamicsSteps, into: &e)
        results += Self.memory(context, into: &e, arms: arms, microBatches: s.microBatches)
        results.append(.text("### c4: training the tiny transformer"))
        results += t.blocks(judged: Self.judged, metrics: [Self.judged, "test loss"],
                            pairs: [(n.flora, n.full), (n.floraAccumulation, n.accumulation), (n.flora, n.adamW)], figure: "c4-transformer")
        let setup: [ReportBlock] = [.text(comparison.setupText([task])), .text(#"""
            **Arms.** *AdamW*: torch's AdamW. *Adafactor + momentum*: Adafactor (factored second moment, decay \#
            $-0.8$, update clipping at RMS 1, no parameter scaling) with $\beta_1=0.9$, the parent. *Flora (momentum)*: \#
            the same with the momentum of every eligible matrix compressed to rank 8, resampled every \#(s.kappa) steps. \#
            *accumulation (full)* and *Flora (accumulation)*: the parent stepping once per \#(s.microBatches) micro-batches, \#
            the gradients summed in full or compressed to rank 8 with a new projection each step. Every loop step is \#
            one micro-batch, so the accumulating arms take a quarter as many optimizer steps. **c1, c2**: the digits \#
            MLP 64-128-128-10, plain SGD, batch 32, rank 8 on all three weight matrices.
            """#)]
        return PaperRun(evidence: e, setup: setup, results: results)
    }
}
