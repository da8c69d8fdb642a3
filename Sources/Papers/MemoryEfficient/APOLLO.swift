import Foundation
import Harness

// # APOLLO: SGD-like Memory, AdamW-level Performance
//
// Hanqing Zhu, Zhenyu Zhang, Wenyan Cong, Xi Liu, Sem Park, Vikas Chandra, Bo Long, David Z. Pan,
// Zhangyang Wang and Jinwon Lee (MLSys 2025, arXiv 2412.05270; code github.com/zhuhanqing/APOLLO).
//
// **The paper in plain words.** AdamW gives every weight its own step size, from two moments as
// large as the model. APOLLO argues that this element-wise adaptation can be coarsened: one scale
// per channel (a column of the weight matrix), or even one per matrix, suffices. Those scales are
// estimated cheaply: project the gradient with a *random* matrix to rank r (no SVD, unlike GaLore),
// run Adam's moments in that small space, and take, per channel, the ratio of the Adam direction's
// norm to the projected gradient's norm. The raw full-rank gradient, multiplied by those ratios,
// is the update. The paper claims (c1) that this structured scaling from a random projection
// works, (c2) that APOLLO matches AdamW in LLM pre-training while nearly eliminating its optimizer
// state, also at lower rank, (c3) that the rank-1, tensor-wise APOLLO-Mini even beats AdamW at
// SGD-level memory, and (c4) system-level gains on GPUs. Here APOLLO is GaLore's parent chain
// with one change: the projected Adam direction is not mapped back; only its norms are.

/// APOLLO (Zhu et al., 2025): structured gradient scaling from Adam moments of a random projection.
public struct APOLLOPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "apollo", title: "APOLLO: SGD-like Memory, AdamW-level Performance", method: "APOLLO / APOLLO-Mini",
            family: "MemoryEfficient", arxiv: "2412.05270", code: "https://github.com/zhuhanqing/APOLLO",
            summary: #"""
            **APOLLO** replaces AdamW's element-wise step sizes by one scale per channel (APOLLO) or per matrix \#
            (APOLLO-Mini), estimated from Adam moments of a rank-$r$ *random* projection of the gradient and applied \#
            to the raw gradient, with a norm-growth limiter. The paper claims AdamW-level pre-training with almost no \#
            optimizer state (rank-1 APOLLO-Mini: SGD-level memory, better than AdamW). We pre-train the tiny \#
            transformer on its Markov source with AdamW, GaLore, APOLLO at rank $r$ and $r/2$, and APOLLO-Mini, all \#
            tuned on one learning-rate grid, and count optimizer-state bytes exactly, at our size and at LLaMA-7B's.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let judged = "final training loss"
    static let task = "c2.transformer_markov"

    public var claims: [Claim] {
        let setting = "LLaMA 60M–1B pre-trained on C4 (Table 2)"
        let scaling = "the standard tiny transformer on its Markov source, 300 steps (quick: 40); rank r = 8 of width 32 (the paper's 1/4), refresh every 50 steps (quick: 20); the catalog's 0.03-nat margin"
        return [
            Claim(
                id: "c1", statement: "APOLLO estimates its structured scaling from a pure random projection: no SVD is computed.",
                source: "abstract", paperValue: "no SVD (GaLore: one per matrix per refresh)", paperSetting: "the method (Algorithm 1)",
                metric: "SVDs computed by APOLLO's optimizer over one full training run of the tiny transformer (GaLore's count beside it)",
                rule: .exact("c1.svd_count_apollo", "SVDs computed by APOLLO", equals: 0, byConstruction: true),
                scaling: "counted over one run; the projector comes from a seeded stream"),
            Claim(
                id: "c2a", statement: "APOLLO nearly eliminates AdamW's optimizer state (at most a quarter of it).",
                source: "abstract; Table 1", paperValue: "not stated in the abstract ('nearly eliminating')",
                paperSetting: "LLaMA-7B, rank 256, BF16 states (the official 7B script)",
                metric: "optimizer-state bytes, APOLLO / AdamW, at the LLaMA-7B shape with BF16 states (projector regenerated from its seed); the tiny model's measured ratio is a diagnostic",
                rule: .bound("c2a.state_ratio_apollo_llama7b", "state bytes, APOLLO / AdamW at the 7B shape", 0.25),
                scaling: "by construction from exact byte counts (our implementation's, checked on the tiny model); the catalog's 1/4 bar"),
            Claim(
                id: "c2b", statement: "APOLLO matches AdamW in pre-training.", source: "abstract; Table 2",
                paperValue: "on par with or better than AdamW", paperSetting: setting,
                metric: "final training loss (population loss of the source), APOLLO − AdamW, paired by seed",
                rule: .nonInferiority("\(Self.task).loss_apollo_minus_adamw", "loss, APOLLO − AdamW", better: .lower, margin: 0.03, unit: "nats"),
                scaling: scaling),
            Claim(
                id: "c2c", statement: "APOLLO matches GaLore at the same rank without its SVD.", source: "abstract; Table 2",
                paperValue: "better perplexity than GaLore", paperSetting: setting,
                metric: "final training loss, APOLLO − GaLore (rank r, SVD refresh), paired by seed",
                rule: .nonInferiority("\(Self.task).loss_apollo_minus_galore", "loss, APOLLO − GaLore", better: .lower, margin: 0.03, unit: "nats"),
                scaling: scaling),
            Claim(
                id: "c2d", statement: "APOLLO stays competitive with AdamW when its rank is halved.", source: "abstract; Table 2 ('APOLLO w. half rank')",
                paperValue: "similar perplexity at half rank", paperSetting: setting,
                metric: "final training loss, APOLLO at rank r/2 − AdamW, paired by seed",
                rule: .nonInferiority("\(Self.task).loss_apollo_half_minus_adamw", "loss, APOLLO (r/2) − AdamW", better: .lower, margin: 0.03, unit: "nats"),
                scaling: scaling + "; r/2 = 4"),
            Claim(
                id: "c3a", statement: "APOLLO-Mini's optimizer state is SGD-level: no more than SGD with momentum's.",
                source: "abstract", paperValue: "SGD-level memory", paperSetting: "LLaMA-7B, rank 1, BF16 states",
                metric: "optimizer-state bytes, APOLLO-Mini / SGD-momentum (one BF16 buffer per weight), at the LLaMA-7B shape; AdamW's bytes beside them; the tiny model's measured ratio is a diagnostic",
                rule: .bound("c3a.state_ratio_mini_over_sgdm_llama7b", "state bytes, APOLLO-Mini / SGD-momentum at the 7B shape", 1),
                scaling: "by construction from exact byte counts; embeddings and head keep AdamW as in the official code"),
            Claim(
                id: "c3b", statement: "APOLLO-Mini pre-trains better than AdamW.", source: "abstract; Table 2",
                paperValue: "superior to AdamW", paperSetting: setting,
                metric: "final training loss, APOLLO-Mini − AdamW, paired by seed",
                rule: .superiority("\(Self.task).loss_mini_minus_adamw", "loss, APOLLO-Mini − AdamW", better: .lower, minimalEffect: 0.01, unit: "nats"),
                scaling: scaling + "; rank 1, tensor-wise, α = 128 (√α = 11.3) as the official scripts; 0.01 nats the minimal effect of interest"),
            Claim(
                id: "c3c", statement: "APOLLO-Mini matches AdamW (within the catalog's margin).", source: "abstract; the catalog's experiment",
                paperValue: "on par or better", paperSetting: setting,
                metric: "final training loss, APOLLO-Mini − AdamW, paired by seed",
                rule: .nonInferiority("\(Self.task).loss_mini_minus_adamw", "loss, APOLLO-Mini − AdamW", better: .lower, margin: 0.03, unit: "nats"),
                scaling: scaling),
            .notTestable(
                id: "c4", statement: "The savings give 3× throughput on 8×A100 (4× batch), LLaMA-13B with naive DDP, and LLaMA-7B on one GPU in under 12 GB.",
                source: "abstract", paperValue: "3× throughput; 4× batch; < 12 GB for LLaMA-7B", paperSetting: "8×A100-80GB; one GPU with weight quantization",
                reason: "throughput and peak GPU memory of multi-billion-parameter training; the report gives the 7B byte counts of the optimizer state instead"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        var text = "The memory statements follow from the byte counts: APOLLO's state at the 7B shape is at most a quarter of AdamW's (\(v("c2a"))) "
        text += "and APOLLO-Mini's at most SGD-momentum's (\(v("c3a"))), because the random projector is regenerated from its seed and only the rank-r moments remain; "
        text += "no SVD is computed (\(v("c1"))). On the tiny model the measured ratios are larger (APOLLO about a third of AdamW's state), since its embeddings, norms and head, kept on AdamW, are a far larger share than in an LLM. On quality at our scale, APOLLO matching AdamW is \(v("c2b")), matching GaLore \(v("c2c")), "
        text += "and at half rank \(v("c2d")); APOLLO-Mini matching AdamW is \(v("c3c")) and beating it \(v("c3b")). "
        return text + "The system-level claims (c4) need GPUs."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Notation.** For a weight $W\in\mathbb R^{m\times n}$ with gradient $G_t$ (torch layout, $m\ge n$ \#
        projects the input side), APOLLO draws $P\in\mathbb R^{r\times n}$ with $P_{ij}\sim\mathcal N(0,1/r)$ from a \#
        seeded stream, refreshed every $T$ steps ($E[P^\top P]=I$, so norms are kept in expectation), and forms \#
        $R_t=G_tP^\top\in\mathbb R^{m\times r}$. Adam's moments live in that space:

        $$M_t=\beta_1M_{t-1}+(1-\beta_1)R_t,\quad V_t=\beta_2V_{t-1}+(1-\beta_2)R_t^2,\quad \tilde R_t=\frac{M_t}{\sqrt{V_t}+\epsilon}.$$

        **The structured scaling.** Per channel $i$ (the side not projected away), \#
        $s_i=\lVert\tilde R_t[i,:]\rVert/(\lVert R_t[i,:]\rVert+10^{-8})$; APOLLO-Mini ($r=1$) uses one \#
        $s=\lVert\tilde R_t\rVert/\lVert R_t\rVert$ per matrix. The update is the **raw** gradient rescaled, \#
        $\hat G_t=\mathrm{diag}(s)\,G_t$, never a projected-back direction: with the limiter below, the change from GaLore.

        **Norm-growth limiter** (from Fira): if $\lVert\hat G_t\rVert>\gamma\lVert\hat G_{t-1}\rVert$ with $\gamma=1.01$, \#
        $\hat G_t$ is shrunk to $\gamma\lVert\hat G_{t-1}\rVert$; one number per matrix. Then \#
        $W_{t+1}=W_t-\eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\sqrt\alpha\,\hat G_t$ (Hugging Face's bias correction \#
        in the step size, $\epsilon=10^{-6}$; $\alpha=1$ for APOLLO, $128$ for APOLLO-Mini as the official scripts). \#
        Other tensors (embeddings, norms, head) take AdamW. **Memory** per matrix: $2mr$ moments $+1$, against \#
        AdamW's $2mn$; the projector is a seed, not a tensor.

        **Two implementations.** The official code applies $s$ to the raw gradient as above. pytorch-optimizer's \#
        `APOLLO` (the golden trajectories' reference) applies it to $R_t$ and maps back, $\alpha^{3/2}(s\odot R_t)P$: \#
        the same scaling of a rank-$r$ gradient. `ScaleByApollo.Application` holds both; `reproduce trace apollo` \#
        uses pytorch-optimizer's (its goldens are matched with their saved projector), the experiment the paper's.
        """#
    }

    public var excerpts: [String] { ["scale-by-apollo"] }

    public var deviations: String {
        #"""
        - **Scale.** The standard tiny transformer (2 blocks, width 32, context 16) on an order-2 Markov source, \#
        300 steps at batch 16 (quick: 40), instead of LLaMA 60M–7B on C4 for 10k–150k steps; rank 8 (a quarter \#
        of the width, the paper's 60M ratio), refresh every 50 steps (the paper's 200 of 10k, scaled), constant \#
        learning rate (the paper warms up and decays), no weight decay (as the paper's pre-training).
        - **Judged metric.** The final training loss on a fresh batch of the source (the population loss, \#
        since data are infinite), selected on the same metric; the paper reports validation perplexity.
        - **Projector.** Drawn from our seeded streams (torch's generator cannot be reproduced here) and \#
        regenerated each step instead of stored, so the state is moments plus one limiter number per matrix; the \#
        official code keeps the projector in memory (the 7B table shows both).
        - **Arms' Adam.** AdamW and the non-matrix tensors of every arm use torch's AdamW (ε = 1e-8 after bias \#
        correction); APOLLO's projected moments follow the official code (ε = 1e-6 before it). GaLore is the \#
        project's GaLore (scale 0.25, SVD refresh at the same period).
        - **Trace optimizer.** `reproduce trace apollo` follows pytorch-optimizer (the goldens' source), which \#
        scales the projected gradient and maps it back; the goldens are matched with their saved projector \#
        injected in the test (torch's generator is not reproducible here). Its refreshes follow the official \#
        code (steps 1, T+1, …; pytorch-optimizer's are 1, T, 2T, …: the same within the goldens' 20 steps).
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

// MARK: - The transformation

// excerpt: scale-by-apollo
/// APOLLO's scaling of a matrix's update: Adam moments of a random projection `R`, and the ratio
/// of the Adam direction's norm to `R`'s, per channel or per tensor, applied to the raw update
/// (or, pytorch-optimizer's way, to `R` mapped back), then the norm-growth limiter, `√α`, and the
/// Hugging Face bias correction. Every tensor of its group needs a ``GaLoreProjection/Settings``.
/// State: two rank-r moments per matrix (exact bytes), one limiter Float, and the projectors only
/// when they are injected (a random source regenerates them from its stream).
public final class ScaleByApollo: GradientTransformation {
    public enum ScaleType: String, Sendable, CaseIterable { case channel, tensor }
    public enum Application: Sendable {
        /// The paper's Algorithm 1 and the official code: `diag(s) G`.
        case rawGradient
        /// pytorch-optimizer's `APOLLO`: `α (s ⊙ R)` projected back through `P`.
        case projectedBack
    }
    public enum Projectors: Sendable {
        case random(RandomProjectionSource)
        /// Fixed matrices by tensor index (tests: the golden's saved projector).
        case fixed([Int: Tensor<Float>])
    }

    public let settings: [GaLoreProjection.Settings?], scaleType: ScaleType, application: Application
    public let beta1: Float, beta2: Float, eps: Float, biasCorrection: Bool
    let projectors: Projectors
    let sides: GaLoreProjection  // only its side rule (which side of the torch-layout shape is projected)
    public let moments = PerTensorState(slots: 2)
    var previousNorm: [Int: Float] = [:]

    public init(settings: [GaLoreProjection.Settings?], layout: GaLoreProjection.Layout, projectors: Projectors,
                scaleType: ScaleType, application: Application = .rawGradient, beta1: Double = 0.9, beta2: Double = 0.999,
                eps: Float = 1e-6, biasCorrection: Bool = true) {
        (self.settings, self.projectors, self.scaleType, self.application) = (settings, projectors, scaleType, application)
        (self.beta1, self.beta2, self.eps, self.biasCorrection) = (Float(beta1), Float(beta2), eps, biasCorrection)
        sides = GaLoreProjection(settings: [], inner: ScaleByAdam(), layout: layout)
    }

    func projector(_ index: Int, step: Int, side: GaLoreProjection.Side, _ u: Tensor<Float>, _ s: GaLoreProjection.Settings) -> Tensor<Float> {
        switch projectors {
        case .fixed(let matrices): return matrices[index]!
        case .random(let source):
            // Refreshed at steps 1, T+1, 2T+1, … (the official code's 0-based `iter % T == 0`).
            return source.projector(index: index, refresh: (step - 1) / s.updateGap, side: side, rows: u.rows,
                                    columns: u.columns, rank: min(s.rank, side == .left ? u.rows : u.columns))
        }
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        guard index < settings.count, let s = settings[index], u.rank == 2 else { preconditionFailure("APOLLO scales matrices with settings") }
        let side = sides.side(rows: u.rows, columns: u.columns, type: s.type)
        let p = projector(index, step: step, side: side, u, s)
        let r = side == .left ? matmul(p, u, transposeA: true) : matmul(u, p, transposeB: true)
        var direction = r
        let (b1, b2, eps) = (beta1, beta2, self.eps)
        moments.update(&direction, index: index) { g, m, v in
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            g = m / (v.squareRoot() + eps)
        }
        // Channels: the columns of R when the rows were projected away (left), else its rows.
        let channels = scaleType == .tensor ? 1 : (side == .left ? r.columns : r.rows)
        var num = [Double](repeating: 0, count: channels), den = num
        for i in 0..<r.rows {
            for j in 0..<r.columns {
                let c = scaleType == .tensor ? 0 : (side == .left ? j : i)
                let (n, g) = (Double(direction.data[i * r.columns + j]), Double(r.data[i * r.columns + j]))
                num[c] += n * n
                den[c] += g * g
            }
        }
        let factor = zip(num, den).map { Float($0.squareRoot() / ($1.squareRoot() + 1e-8)) }
        var scaled = application == .rawGradient ? u : r
        let columns = scaled.columns
        for i in 0..<scaled.rows {
            for j in 0..<columns { scaled.data[i * columns + j] *= factor[channels == 1 ? 0 : (side == .left ? j : i)] }
        }
        // Norm-growth limiter: at most γ = 1.01 times the previous step's norm.
        var norm = Float(scaled.data.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot())
        if let previous = previousNorm[index] {
            let limiter = max(norm / (previous + 1e-8), 1.01) / 1.01
            scaled.scale(by: 1 / limiter)
            norm /= limiter
        }
        previousNorm[index] = norm
        let correction = biasCorrection ? Float((1 - pow(Double(beta2), Double(step))).squareRoot() / (1 - pow(Double(beta1), Double(step)))) : 1
        switch application {
        case .rawGradient:
            scaled.scale(by: s.scale.squareRoot() * correction)
            u = scaled
        case .projectedBack:
            let alpha = s.scale.squareRoot() * s.scale * correction
            if side == .left { gemm(p, scaled, into: &u, alpha: alpha, beta: 0) } else { gemm(scaled, p, into: &u, alpha: alpha, beta: 0) }
        }
    }

    public var stateBytes: Int {
        var projectorBytes = 0
        if case .fixed(let m) = projectors { projectorBytes = m.values.reduce(0) { $0 + $1.count * 4 } }
        return moments.bytes + previousNorm.count * MemoryLayout<Float>.size + projectorBytes
    }
}

extension APOLLOPaper {
    /// APOLLO-AdamW as two groups: matrices with settings get `[ScaleByApollo]`, the rest AdamW
    /// (torch ε placement by default; Hugging Face's for the trace).
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, settings: (Parameter) -> GaLoreProjection.Settings?,
                                 scaleType: ScaleByApollo.ScaleType, projectors: ScaleByApollo.Projectors,
                                 application: ScaleByApollo.Application = .rawGradient, layout: GaLoreProjection.Layout = .inputsByOutputs,
                                 beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-6,
                                 plainAdam: ScaleByAdam = ScaleByAdam(eps: 1e-8), weightDecay: Float = 0) -> ChainedOptimizer {
        let lowRank = parameters.compactMap { p in p.value.rank == 2 ? settings(p).map { (p, $0) } : nil }
        let plain = parameters.filter { p in !lowRank.contains { $0.0 === p } }
        let decay: [GradientTransformation] = weightDecay == 0 ? [] : [AddDecayedWeights(weightDecay)]
        var groups: [ParameterGroup] = []
        if !lowRank.isEmpty {
            let apollo = ScaleByApollo(settings: lowRank.map(\.1), layout: layout, projectors: projectors, scaleType: scaleType,
                                       application: application, beta1: beta1, beta2: beta2, eps: eps)
            groups.append(ParameterGroup(lowRank.map(\.0), transforms: [apollo] + decay, learningRate: learningRate))
        }
        if !plain.isEmpty { groups.append(ParameterGroup(plain, transforms: [plainAdam] + decay, learningRate: learningRate)) }
        return ChainedOptimizer(groups: groups)
    }
}
// end excerpt

// MARK: - `reproduce trace` and the league

extension APOLLOPaper {
    /// `apollo` for `reproduce trace`: pytorch-optimizer's `APOLLO` (keywords, defaults `lr` 1e-2,
    /// `scale_type` tensor, `eps` 1e-6 before the bias correction, projected-back application);
    /// per-tensor `rank`, `update_proj_gap`, `scale`, `projection_type` from the problem's `group`.
    /// The projector comes from the stream `trace/apollo/projection` unless `projectors` is given
    /// (tests inject the golden's, which came from torch's generator).
    public static func traceFactory(projectors: ScaleByApollo.Projectors? = nil) -> TraceOptimizerFactory {
        { h, parameters in
            try h.acceptGroups(GaLore.traceGroupOptions)
            try h.accept(["lr", "betas", "eps", "weight_decay", "scale_type", "correct_bias"])
            let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
            let typeName = try h.text("scale_type", default: "tensor")
            guard let scaleType = ScaleByApollo.ScaleType(rawValue: typeName) else {
                throw TraceError.invalidHyperparameter("scale_type", optimizer: h.optimizer, expected: "channel or tensor")
            }
            let eps = try h.float("eps", default: 1e-6)
            guard try h.bool("correct_bias", default: true) else {
                throw TraceError.invalidHyperparameter("correct_bias", optimizer: h.optimizer, expected: "true (the only setting implemented)")
            }
            return APOLLOPaper.optimizer(parameters, learningRate: .constant(try h.float("lr", default: 1e-2)),
                             settings: { p in p.value.rank == 2 ? try? GaLoreProjection.Settings(options: p.options, textOptions: p.textOptions) : nil },
                             scaleType: scaleType,
                             projectors: projectors ?? .random(RandomProjectionSource(seed: 0, path: ["trace", "apollo", "projection"])),
                             application: .projectedBack, layout: .outputsByInputs, beta1: b1, beta2: b2, eps: eps,
                             plainAdam: ScaleByAdam(beta1: b1, beta2: b2, eps: eps, epsilonPlacement: .beforeBiasCorrection),
                             weightDecay: try h.float("weight_decay", default: 0))
        }
    }

    public var traceOptimizers: [String: TraceOptimizerFactory] { ["apollo": Self.traceFactory()] }

    /// The experiment's arms on any model: every block matrix (a `block…` name; for models without
    /// blocks, every matrix) projected at a quarter of its shorter side (APOLLO) or rank 1 (Mini).
    /// The projector stream is fixed per tensor index, as the official code seeds each projector
    /// with its parameter's index whatever the run's seed.
    static func arm(_ name: String, rankDivisor: Int?, gap: Int) -> OptimizerArm {
        OptimizerArm(name) { parameters, h in
            let blocks = parameters.contains { $0.name.hasPrefix("block") }
            let mini = rankDivisor == nil
            return APOLLOPaper.optimizer(parameters, learningRate: .constant(Float(h.learningRate)), settings: { p in
                guard !blocks || p.name.hasPrefix("block") else { return nil }
                let rank = mini ? 1 : max(1, min(p.value.rows, p.value.columns) / rankDivisor!)
                return GaLoreProjection.Settings(rank: rank, updateGap: gap, scale: mini ? 128 : 1)
            }, scaleType: mini ? .tensor : .channel,
               projectors: .random(RandomProjectionSource(seed: 0, path: ["apollo", "projection"])))
        }
    }

    public var leagueOptimizers: [OptimizerArm] {
        [Self.arm("apollo", rankDivisor: 4, gap: 50), Self.arm("apollo-mini", rankDivisor: nil, gap: 50)]
    }
}

// MARK: - The experiment

extension APOLLOPaper {
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        var updateGap: Int
        var task: (RunContext) -> StandardTask = { StandardTasks.transformerMarkov($0) }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [3e-3, 1e-2], full: [3e-3, 1e-2, 3e-2])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 3)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 6)
            updateGap = context.pick(quick: 20, full: 50)
        }
    }

    static let names = (adamW: "AdamW", galore: "GaLore", apollo: "APOLLO", half: "APOLLO (r/2)", mini: "APOLLO-Mini")

    static func arms(gap: Int) -> [OptimizerArm] {
        [OptimizerArm(names.adamW) { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate)), eps: 1e-8, weightDecay: 0) },
         OptimizerArm(names.galore) { p, h in
             for q in p where q.value.rank == 2 && q.name.hasPrefix("block") {
                 q.options = ["rank": Double(min(q.value.rows, q.value.columns) / 4), "update_proj_gap": Double(gap), "scale": 0.25]
             }
             return try! GaLore.optimizer(p, learningRate: .constant(Float(h.learningRate)), eps: 1e-8,
                                          moments: .fp32(.afterBiasCorrection), layout: .inputsByOutputs)
         },
         arm(names.apollo, rankDivisor: 4, gap: gap), arm(names.half, rankDivisor: 8, gap: gap), arm(names.mini, rankDivisor: nil, gap: gap)]
    }

    /// Optimizer-state bytes of each arm (and SGD-momentum) after one step on the tiny transformer,
    /// and the SVDs each projected arm computes over `steps` steps.
    static func memory(_ context: RunContext, gap: Int, steps: Int) -> [(name: String, bytes: Int, svds: Int)] {
        let config = TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: 2)
        let sgd = OptimizerArm("SGD-momentum") { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9) }
        return (arms(gap: gap) + [sgd]).map { arm in
            var rng = context.rng("memory", "gradient")
            let model = TinyTransformer(config: config, rng: context.rng("memory", "model"))
            for p in model.parameters { p.grad = Tensor<Float>.randomNormal(p.value.shape, using: &rng) }
            let optimizer = arm.make(model.parameters, Hyperparameters.learningRateGrid([1e-3])[0])
            optimizer.applyGradients()
            let matrices = model.parameters.filter { $0.value.rank == 2 && $0.name.hasPrefix("block") }.count
            return (arm.name, optimizer.stateBytes, arm.name == names.galore ? matrices * ((steps + gap - 1) / gap) : 0)
        }
    }

    /// BF16 optimizer-state bytes at the LLaMA-7B shape (GaLore's `Llama7B`), rank 256 (APOLLO) or
    /// 1 (Mini): moments on the long side × r per block matrix plus one limiter Float, AdamW on the
    /// rest; `storedProjector` adds the short side × r BF16 projector the official code keeps.
    static func llama7BState(rank: Int, storedProjector: Bool = false) -> Double {
        typealias L = GaLore.Llama7B
        let perLayer = L.matrices.reduce(0.0) { total, shape in
            let (short, long) = (min(shape.0, shape.1), max(shape.0, shape.1))
            return total + 2 * L.bf16 * Double(long * rank) + 4 + (storedProjector ? L.bf16 * Double(short * rank) : 0)
        }
        return Double(L.layers) * perLayer + 2 * L.bf16 * Double(L.otherParams)
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let n = Self.names, task = s.task(context)
        let comparison = Comparison(
            context: context, claim: "c2", arms: Self.arms(gap: s.updateGap), learningRates: s.learningRates,
            selection: .lowest(Self.judged), selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds, seedCap: s.seedCap,
            power: [PowerPlan(method: n.apollo, baseline: n.adamW, metric: Self.judged, minimalEffect: 0.03),
                    PowerPlan(method: n.mini, baseline: n.adamW, metric: Self.judged, minimalEffect: 0.03)])
        let t = try comparison.run([task])[0]
        var e = Evidence()
        for (key, method, baseline) in [("loss_apollo_minus_adamw", n.apollo, n.adamW), ("loss_apollo_minus_galore", n.apollo, n.galore),
                                        ("loss_apollo_half_minus_adamw", n.half, n.adamW), ("loss_mini_minus_adamw", n.mini, n.adamW)] {
            t.result.recordDifference("\(Self.task).\(key)", method: method, baseline: baseline, metric: Self.judged, tolerance: 0.02, into: &e)
        }
        let steps = context.pick(quick: 40, full: 300)
        let memory = Self.memory(context, gap: s.updateGap, steps: steps)
        func bytes(_ name: String) -> Double { Double(memory.first { $0.name == name }!.bytes) }
        e.record("c1.svd_count_apollo", Double(memory.first { $0.name == n.apollo }!.svds), absoluteTolerance: 0, relativeTolerance: 0)
        typealias L = GaLore.Llama7B
        let sgd7B = L.bf16 * Double(L.params)
        let apollo7B = Self.llama7BState(rank: 256), mini7B = Self.llama7BState(rank: 1)
        e.record("c2a.state_ratio_apollo_llama7b", apollo7B / L.adamState, absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("c3a.state_ratio_mini_over_sgdm_llama7b", mini7B / sgd7B, absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("diagnostic.tiny.state_ratio_apollo_over_adamw", bytes(n.apollo) / bytes(n.adamW), absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("diagnostic.tiny.state_ratio_mini_over_sgdm", bytes(n.mini) / bytes("SGD-momentum"), absoluteTolerance: 0, relativeTolerance: 1e-12)

        let setup: [ReportBlock] = [.text(comparison.setupText([task])), .text(#"""
            **Arms.** *AdamW*: torch's AdamW on every tensor. *GaLore*: the project's GaLore on the 12 block matrices \#
            (rank a quarter of the shorter side, SVD refresh every \#(s.updateGap) steps, α = 0.25). *APOLLO*: rank 8 \#
            (a quarter), channel-wise; *APOLLO (r/2)*: rank 4; *APOLLO-Mini*: rank 1, tensor-wise, α = 128; all \#
            three with Gaussian projectors refreshed every \#(s.updateGap) steps and the limiter γ = 1.01. Embeddings, \#
            norms and head take AdamW in every arm; no weight decay.
            """#)]
        let judgedMetrics = [Self.judged, "test loss"]
        var results = t.blocks(judged: Self.judged, metrics: judgedMetrics,
                               pairs: [(n.apollo, n.adamW), (n.apollo, n.galore), (n.half, n.adamW), (n.mini, n.adamW)], figure: "c2-transformer")
        results.append(.table(Table(
            caption: "Optimizer state of the tiny transformer after one step, exact bytes at fp32 (BF16 halves every entry but the limiter Floats), and SVDs over one \(steps)-step run.",
            headers: ["optimizer", "state bytes", "/ AdamW", "/ SGD-momentum", "SVDs per run"],
            rows: memory.map { [$0.name, "\($0.bytes)", Format.compact(Double($0.bytes) / bytes(n.adamW), 4),
                                Format.compact(Double($0.bytes) / bytes("SGD-momentum"), 4), "\($0.svds)"] })))
        func gb(_ x: Double) -> String { Format.compact(x / 1e9, 4) }
        results.append(.table(Table(
            caption: "LLaMA-7B shape (\(Format.compact(Double(L.params) / 1e9, 3)) B parameters), BF16 optimizer state in GB: APOLLO rank 256 and APOLLO-Mini rank 1 on the attention and MLP matrices (AdamW on embeddings, norms and head), with the projector regenerated from its seed (ours) or stored (the official code).",
            headers: ["optimizer", "state (GB)", "/ AdamW", "/ SGD-momentum", "with stored projector (GB)"],
            rows: [["AdamW", gb(L.adamState), "1", Format.compact(L.adamState / sgd7B, 4), "—"],
                   ["SGD-momentum", gb(sgd7B), Format.compact(sgd7B / L.adamState, 4), "1", "—"],
                   ["APOLLO (r = 256)", gb(apollo7B), Format.compact(apollo7B / L.adamState, 4), Format.compact(apollo7B / sgd7B, 4),
                    gb(Self.llama7BState(rank: 256, storedProjector: true))],
                   ["APOLLO-Mini (r = 1)", gb(mini7B), Format.compact(mini7B / L.adamState, 4), Format.compact(mini7B / sgd7B, 4),
                    gb(Self.llama7BState(rank: 1, storedProjector: true))]])))
        return PaperRun(evidence: e, setup: setup, results: results)
    }
}
