import Foundation
import Harness

// # Fira: Can We Achieve Full-rank Training of LLMs Under Low-rank Constraint?
//
// Xi Chen, Kaituo Feng, Changsheng Li, Xunhao Lai, Xiangyu Yue, Ye Yuan and Guoren Wang
// (arXiv 2410.01623; official code github.com/xichen-fy/Fira).
//
// **The paper in plain words.** GaLore (its report is the parent of this one) runs Adam on the
// projection `R = PᵀG` of each gradient and throws away the rest, `G − P R`: every step moves the
// weight inside an r-dimensional subspace. Fira keeps GaLore's memory (Adam's moments stay r × n)
// and adds the discarded residual back, scaled the way Adam would have scaled it. It cannot ask
// full-rank Adam (that needs full moments), so it borrows the low-rank Adam's scaling: per column,
// φ = ‖ψ(R)‖ / ‖R‖, the factor by which Adam changed the norm of the projected gradient. The
// paper claims (c1) that this factor is similar between low-rank and full-rank Adam (it measures
// a rank correlation across matrices), (c2) that the scaled residual gives full-rank training
// with low-rank optimizer states, (c3) that a norm-growth limiter, which caps the growth of the
// residual's norm to a factor γ = 1.01 per step, smooths sudden gradient rises that cause loss
// spikes, and (c4) that Fira beats GaLore and LoRA and matches or beats full-rank training.
//
// This file is the delta from GaLore: `ScaleByFira` wraps `GaLoreProjection` (GaLore's projected
// Adam, unchanged) and adds the residual. It is checked against pytorch-optimizer's `Fira`
// trajectories, then the tiny transformer language model of the standard tasks is trained by
// AdamW, GaLore, Fira and Fira without its limiter, each tuned on the same learning-rate grid.

/// Fira (Chen et al., 2024): GaLore plus the norm-scaled residual gradient.
public struct FiraPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "fira",
            title: "Fira: Can We Achieve Full-rank Training of LLMs Under Low-rank Constraint?",
            method: "Fira",
            family: "MemoryEfficient",
            arxiv: "2410.01623",
            code: "https://github.com/xichen-fy/Fira",
            summary: #"""
            GaLore runs Adam on the low-rank projection $R=P^\top G$ of each gradient and discards the residual \#
            $G-PR$, so each step stays in an $r$-dimensional subspace. **Fira** keeps GaLore's low-rank Adam \#
            states and adds the residual back, scaled column by column by $\phi=\lVert\psi(R)\rVert/\lVert R\rVert$, \#
            the factor by which the low-rank Adam changed the gradient's norm; a norm-growth limiter caps the \#
            residual's norm growth at $\gamma=1.01$ per step. The paper claims the scaling factors of low-rank \#
            and full-rank Adam are similar, that this gives full-rank training under the low-rank memory \#
            constraint, that the limiter prevents loss spikes, and that Fira beats GaLore and LoRA and matches \#
            full-rank training. We measure the factors' rank correlation along full-rank AdamW runs, count \#
            state bytes exactly, and train the standard tiny transformer language model with AdamW, GaLore, \#
            Fira and Fira without the limiter, every arm tuned on the same grid.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    /// The judged quality metric: the log mean next-token loss on a fresh batch of the (infinite)
    /// training stream after training, recorded in selection and evaluation runs alike.
    static let judged = "log final training loss"

    public var claims: [Claim] {
        [
            Claim(
                id: "c1",
                statement: "The scaling effect of Adam on the gradient norm is similar between low-rank and full-rank training: per-matrix scaling factors of the two are strongly rank-correlated.",
                source: "abstract; Section 4.2 (Table 1, Figure 3)",
                paperValue: "Spearman ≥ 0.8 (catalog's bar; the paper's matrix-level coefficients are high with p ≪ 0.01)", paperSetting: "LLaMA 60M–1B on C4, averaged over 10,000 steps",
                metric: "Spearman correlation across the 12 attention and MLP matrices of ‖ψ(G)‖/‖G‖ (full-rank Adam) and ‖ψ(R)‖/‖R‖ (rank-8 GaLore Adam fed the same gradients), each averaged over the run; mean over AdamW's evaluation runs with its 95% interval",
                rule: .interval("c1.scaling_spearman", "Spearman correlation of per-matrix scaling factors", below: false, 0.8),
                scaling: "the standard tiny transformer (2 blocks, width 32) along full-rank AdamW trajectories at AdamW's tuned rate; the low-rank Adam is a shadow fed the same gradients, never applied"),
            Claim(
                id: "c2a",
                statement: "Fira keeps GaLore's low-rank optimizer state: its state is GaLore's plus one scalar per projected matrix (the limiter's previous norm).",
                source: "abstract; Section 4 (Algorithm 1)",
                paperValue: "GaLore's memory", paperSetting: "LLaMA 60M–7B (Table 2 memory column)",
                metric: "exact optimizer-state bytes, Fira − GaLore − 4 × (projected matrices)",
                rule: .exact("c2a.state_bytes_fira_minus_galore_minus_limiter", "state bytes, Fira − GaLore − 4·matrices", equals: 0, byConstruction: true),
                scaling: "exact counts on the tiny transformer; by construction (one fp32 norm per matrix is 48 bytes here, 896 bytes at the LLaMA-7B shape)"),
            Claim(
                id: "c2b",
                statement: "Norm-based scaling gives full-rank training: each step's update has as many directions as full-rank Adam's, not GaLore's r.",
                source: "abstract; Section 4.1",
                paperValue: "full-rank updates", paperSetting: "analytic (Section 4.1)",
                metric: "numerical rank (singular values above 1% of the largest) of one step's update of each attention and MLP matrix, every 25 steps, averaged; Fira's mean over its evaluation runs divided by AdamW's",
                rule: .bound("c2b.step_rank_fira_over_adamw", "step-update rank, Fira / AdamW", below: false, 0.9),
                scaling: "the tiny transformer; GaLore's step rank (at most r = 8) is shown beside it"),
            Claim(
                id: "c3",
                statement: "The norm-growth limiter (γ = 1.01) reduces loss spikes.",
                source: "abstract; Section 4.3 (Figure 4)",
                paperValue: "spikes removed (no count in the abstract)", paperSetting: "LLaMA pre-training on C4",
                metric: "loss spikes per run (a step whose training loss exceeds the previous step's by more than 20%), Fira − Fira without limiter, paired by seed; premise: the no-limiter arm spikes at least once per run on average",
                rule: Rule.superiority("c3.spikes_fira_minus_no_limiter", "loss spikes per run, Fira − no limiter", better: .lower, minimalEffect: 1, unit: "spikes")
                    .given(premise: .bound("c3.premise.spikes_without_limiter", "mean loss spikes per run without the limiter", below: false, 1),
                           "Fira without the limiter has loss spikes at this scale"),
                scaling: "the catalog's 20% jump on the per-step batch loss (batch 16 × 16 tokens); each arm at its own tuned rate; one spike per run is the minimal effect"),
            Claim(
                id: "c4a",
                statement: "Fira trains better than GaLore at the same rank.",
                source: "abstract; Table 2",
                paperValue: "lower perplexity than GaLore at every size (e.g. 31.06 vs 34.88 at 60M)", paperSetting: "LLaMA 60M–1B pre-trained on C4, rank 128–512",
                metric: "log held-out loss (fresh batch after training), Fira − GaLore, paired by seed",
                rule: .superiority("c4a.log_loss_fira_minus_galore", "log loss, Fira − GaLore", better: .lower, minimalEffect: 0.01),
                scaling: "the standard tiny transformer, rank 8 of 32, T = 50 (quick 20), α = 0.25; minimal effect 1% of the loss"),
            Claim(
                id: "c4b",
                statement: "Fira is comparable to or better than full-rank training (no worse than full-rank AdamW by more than 1% of the loss).",
                source: "abstract; Table 2",
                paperValue: "comparable or better perplexity (31.06 vs 34.06 at 60M)", paperSetting: "LLaMA 60M–1B pre-trained on C4",
                metric: "log held-out loss, Fira − AdamW, paired by seed",
                rule: .nonInferiority("c4b.log_loss_fira_minus_adamw", "log loss, Fira − AdamW", better: .lower, margin: log(1.01)),
                scaling: "as c4a; margin log(1.01), the catalog's 'within 1% of full-rank AdamW'"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "Fira's memory is GaLore's by construction (c2a \(v("c2a").display)): the residual costs compute, not state. "
        text += "Its per-step updates having full-rank Adam's number of directions is \(v("c2b").display)"
        text += v("c2b") == .notReproduced
            ? " (the rank table shows Fira's steps well above GaLore's bound r but below AdamW's: the scaled residual leaves the subspace without spreading over as many directions as Adam's elementwise normalisation does), "
            : ", "
        text += "and the similarity of low-rank and full-rank Adam's scaling factors, the observation the method rests on, is \(v("c1").display) here. "
        text += "On training quality, Fira beating GaLore is \(v("c4a").display) and Fira matching full-rank AdamW within 1% is \(v("c4b").display). "
        text += v("c3") == .inconclusive(.premiseAbsent)
            ? "The limiter claim (c3) cannot be judged: without the limiter Fira did not spike at this scale, so there was nothing to smooth."
            : "The limiter reducing loss spikes is \(v("c3").display)."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **GaLore's step, unchanged.** For a matrix $W\in\mathbb R^{m\times n}$ with gradient $G_t$, GaLore keeps \#
        $P_t$ ($r$ orthonormal columns from the SVD of $G_t$, refreshed every $T$ steps), projects \#
        $R_t=P_t^\top G_t$, runs Adam on $R_t$ with moments of the projected shape, $\psi(R_t)=M_t/(\sqrt{V_t}+\epsilon)$, \#
        and moves along $\alpha P_t\psi(R_t)$ (the GaLore report derives this; here it is the wrapped `GaLoreProjection`).

        **The residual and its scaling (Section 4.1).** The part GaLore drops is $S_t = G_t-\alpha P_tR_t$ \#
        (the reference code subtracts the *scaled* projection: with $\alpha=0.25$ three quarters of the \#
        in-subspace gradient stay in the residual). Adam would have rescaled it, but full-rank moments are \#
        what the memory budget forbids; Fira borrows the low-rank Adam's factor column by column,

        $$\phi_t(j)=\frac{\lVert\psi(R_t)_{:,j}\rVert}{\lVert R_{t,:,j}\rVert+10^{-8}},\qquad \tilde S_t = S_t\,\mathrm{diag}(\phi_t),$$

        where the columns are those of the long side (the norm runs over the $r$ projected coordinates; \#
        for a tall matrix, projected on the right, it is row by row).

        **The norm-growth limiter (Section 4.3).** A sudden rise of $\lVert\tilde S_t\rVert$ is cut back to a \#
        relative growth of at most $\gamma=1.01$:

        $$\tilde S_t\leftarrow \tilde S_t\Big/\frac{\max\!\big(\lVert\tilde S_t\rVert/(\lVert\tilde S_{t-1}\rVert+10^{-8}),\ \gamma\big)}{\gamma},$$

        with $\lVert\tilde S_{t-1}\rVert$ the norm *after* limiting (one scalar of state per matrix). The update \#
        is $W_{t+1}=W_t-\eta\,(\alpha P_t\psi(R_t)+\tilde S_t)$: the residual is not multiplied by $\alpha$.

        **Reference details reproduced.** Both the official `fira_adamw.py` and pytorch-optimizer's `Fira` \#
        use Hugging Face's Adam: ε on the uncorrected $\sqrt{V_t}$ and the bias corrections folded into the \#
        step size *after* $\phi$ and the limiter. Our inner Adam folds them into $\psi$, which scales $\phi$ and \#
        $\tilde S$ by the same $c_t=\sqrt{1-\beta_2^t}/(1-\beta_1^t)$, harmless for $\phi$; the limiter compares \#
        $\lVert\tilde S_t\rVert/c_t$, the reference's norms, since $c_t$ changes from step to step. With torch's \#
        ε placement (our experiment, every arm alike) nothing is folded. The official code refreshes $P$ at \#
        its 0-based step $t\bmod T=0$, as `GaLoreProjection` does; `reproduce trace` knows the method as \#
        `fira` with pytorch-optimizer's keywords (`scale`; the official code's name `alpha` is accepted too).
        """#
    }

    public var excerpts: [String] { ["fira"] }

    public var deviations: String {
        #"""
        - **Scale.** The standard tiny transformer (2 pre-LayerNorm blocks, width 32, context 16) on an \#
        order-2 Markov source over 32 tokens, 300 steps (quick 40) at batch 16, instead of LLaMA 60M–7B on \#
        C4 for 10k–150k steps. Rank r = 8 of 32 (a quarter, like the paper's 1B model's 512 of 2048), T = 50 \#
        (quick 20) for the paper's 200, α = 0.25 as in the paper's pre-training scripts; only attention and \#
        MLP matrices are projected (the official `divide_params(..., ["attn", "mlp"])`).
        - **Judged loss.** The held-out metric is the standard task's loss on a fresh batch of 64 sequences \#
        drawn from the training stream after training: with infinite data it is a held-out loss, and it is \#
        recorded in selection and evaluation runs alike, so selection and power plans use the judged metric.
        - **LoRA (part of c4).** Not run: GaLore's report found no gap between LoRA and full-rank AdamW at \#
        this scale (its premise was absent), so "Fira beats LoRA" could not be told apart from noise here.
        - **Adam flavour.** Every arm uses torch's ε placement (ε = 1e-8 after the bias correction), no \#
        weight decay, constant learning rate; the Hugging Face placement of the reference is reproduced in \#
        the trace goldens only.
        - **c1.** The paper compares the factors of separate low-rank and full-rank training runs; we feed \#
        one full-rank AdamW trajectory's gradients to both Adams, which isolates the optimizer's scaling \#
        from trajectory differences. Matrix level only (the paper adds a column level).
        - **Spikes (c3).** The catalog's "> 20% jump" on the per-step batch loss; the paper shows curves.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The optimizer

// excerpt: fira
/// Passes the projected gradient `R` through GaLore's inner Adam and keeps the pair `(R, ψ(R))`
/// of the last step for ``ScaleByFira`` to read. Scratch, not state: each pair is taken once.
public final class LowRankTap: GradientTransformation {
    public let inner: GradientTransformation
    private var seen: [Int: (gradient: Tensor<Float>, direction: Tensor<Float>)] = [:]

    public init(_ inner: GradientTransformation) { self.inner = inner }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let projected = u
        inner.update(&u, parameter: parameter, index: index, step: step)
        seen[index] = (projected, u)
    }

    /// The last `(R, ψ(R))` of tensor `index`, removed.
    public func take(_ index: Int) -> (gradient: Tensor<Float>, direction: Tensor<Float>)? { seen.removeValue(forKey: index) }

    public var stateBytes: Int { inner.stateBytes }
}

/// Fira (pytorch-optimizer 4.1 `Fira`, official `fira_adamw.py`): GaLore's update `α P ψ(R)`
/// plus the residual `G − α P R` scaled per column by `‖ψ(R)‖/‖R‖`, its norm growth capped at
/// `γ` per step. State: GaLore's, plus one norm per projected matrix.
public final class ScaleByFira: GradientTransformation {
    /// GaLore's projection around the tapped Adam.
    public let projection: GaLoreProjection
    /// γ; nil switches the limiter off (the ablation).
    public let growthLimit: Float?
    private let tap: LowRankTap
    private let foldedStepScale: (Int) -> Float
    private var previousNorm: [Int: Float] = [:]

    public init(settings: [GaLoreProjection.Settings?], adam: ScaleByAdam, layout: GaLoreProjection.Layout, growthLimit: Float? = 1.01) {
        tap = LowRankTap(adam)
        projection = GaLoreProjection(settings: settings, inner: tap, layout: layout)
        self.growthLimit = growthLimit
        // Hugging Face's Adam folds c_t = √(1 − β₂ᵗ)/(1 − β₁ᵗ) into ψ; the reference's norms do not have it.
        let (b1, b2, folds) = (adam.beta1, adam.beta2, adam.epsilonPlacement == .beforeBiasCorrection && adam.biasCorrection)
        foldedStepScale = { t in folds ? Float(BiasCorrection.factor(b2, step: t).squareRoot() / BiasCorrection.factor(b1, step: t)) : 1 }
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let g = u
        projection.update(&u, parameter: parameter, index: index, step: step)   // u = α P ψ(R): GaLore
        guard let (r, psi) = tap.take(index), let p = projection.projector(index), let s = projection.settings[index] else { return }
        // The residual S = G − α P R, in the stored layout.
        var residual = g
        if p.side == .left {
            gemm(p.matrix, r, into: &residual, alpha: -s.scale, beta: 1)
        } else {
            gemm(r, p.matrix, into: &residual, alpha: -s.scale, beta: 1)
        }
        Self.scaleByNormRatio(&residual, direction: psi, gradient: r, columns: p.side == .left)
        if let gamma = growthLimit {
            let c = foldedStepScale(step)
            let norm = residual.data.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot() / c
            if let previous = previousNorm[index] {
                let limiter = max(norm / (previous + 1e-8), gamma) / gamma
                for i in residual.data.indices { residual.data[i] /= limiter }
                previousNorm[index] = norm / limiter
            } else {
                previousNorm[index] = norm
            }
        }
        for i in u.data.indices { u.data[i] += residual.data[i] }
    }

    /// `S ← S diag(φ)` with `φ_j = ‖ψ_{:,j}‖ / (‖R_{:,j}‖ + 1e-8)` over the projected coordinates:
    /// per column when the projector acts on the left (`ψ`, `R` are `k × n`), per row when on the right (`m × k`).
    static func scaleByNormRatio(_ residual: inout Tensor<Float>, direction psi: Tensor<Float>, gradient r: Tensor<Float>, columns: Bool) {
        let (rows, cols) = (residual.rows, residual.columns), k = columns ? r.rows : r.columns
        for line in 0..<(columns ? cols : rows) {
            var psiSquares: Float = 0, rSquares: Float = 0
            for q in 0..<k {
                let at = columns ? q * cols + line : line * k + q
                psiSquares += psi.data[at] * psi.data[at]
                rSquares += r.data[at] * r.data[at]
            }
            let phi = psiSquares.squareRoot() / (rSquares.squareRoot() + 1e-8)
            if columns {
                for i in 0..<rows { residual.data[i * cols + line] *= phi }
            } else {
                for j in 0..<cols { residual.data[line * cols + j] *= phi }
            }
        }
    }

    /// GaLore's bytes plus one Float per matrix the limiter has seen.
    public var stateBytes: Int { projection.stateBytes + previousNorm.count * MemoryLayout<Float>.size }
}

extension FiraPaper {
    /// Fira-AdamW as two parameter groups, like GaLore's: matrices with a `rank` option get
    /// `[ScaleByFira, decay]`, every other tensor `[Adam, decay]` (AdamW).
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, beta1: Double = 0.9, beta2: Double = 0.999,
                                 eps: Float = 1e-6, weightDecay: Float = 0, placement: ScaleByAdam.EpsilonPlacement = .beforeBiasCorrection,
                                 growthLimit: Float? = 1.01, layout: GaLoreProjection.Layout) throws -> ChainedOptimizer {
        func adam() -> ScaleByAdam { ScaleByAdam(beta1: beta1, beta2: beta2, eps: eps, epsilonPlacement: placement) }
        func decayed(_ chain: [GradientTransformation]) -> [GradientTransformation] { weightDecay == 0 ? chain : chain + [AddDecayedWeights(weightDecay)] }
        var lowRank: [(Parameter, GaLoreProjection.Settings)] = [], plain: [Parameter] = []
        for p in parameters {
            if p.value.rank == 2, let s = try GaLoreProjection.Settings(options: p.options, textOptions: p.textOptions) {
                lowRank.append((p, s))
            } else {
                plain.append(p)
            }
        }
        var groups: [ParameterGroup] = []
        if !lowRank.isEmpty {
            let fira = ScaleByFira(settings: lowRank.map(\.1), adam: adam(), layout: layout, growthLimit: growthLimit)
            groups.append(ParameterGroup(lowRank.map(\.0), transforms: decayed([fira]), learningRate: learningRate))
        }
        if !plain.isEmpty { groups.append(ParameterGroup(plain, transforms: decayed([adam()]), learningRate: learningRate)) }
        return ChainedOptimizer(groups: groups)
    }
}
// end excerpt

// MARK: - `reproduce trace` and the league

extension FiraPaper {
    /// `fira` with pytorch-optimizer's keywords and defaults (`lr` 1e-3, `betas` (0.9, 0.999),
    /// `eps` 1e-6, `weight_decay` 0) and GaLore's per-tensor `group` keys, plus `alpha` (the
    /// official code's name for `scale`).
    public var traceOptimizers: [String: TraceOptimizerFactory] {
        ["fira": { h, parameters in
            var groupOptions = GaLore.traceGroupOptions
            groupOptions["alpha"] = .number
            try h.acceptGroups(groupOptions)
            try h.accept(["lr", "betas", "eps", "weight_decay"])
            for p in parameters {
                guard let alpha = p.options.removeValue(forKey: "alpha") else { continue }
                if let scale = p.options["scale"], scale != alpha {
                    throw TraceError.invalidHyperparameter("group", optimizer: h.optimizer, expected: "`alpha` and `scale` name the same factor; give one")
                }
                p.options["scale"] = alpha
            }
            let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
            do {
                return try Self.optimizer(parameters, learningRate: .constant(try h.float("lr", default: 1e-3)), beta1: b1, beta2: b2,
                                          eps: try h.float("eps", default: 1e-6), weightDecay: try h.float("weight_decay", default: 0),
                                          layout: .outputsByInputs)
            } catch let error as GaLoreError {
                throw TraceError.invalidHyperparameter("group", optimizer: h.optimizer, expected: error.description)
            }
        }]
    }

    /// The league's Fira: rank a quarter of the short side on every weight matrix but embeddings
    /// and the output head, T = 50, α = 0.25, torch's ε placement.
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("fira") { p, h in
            for q in p where q.value.rank == 2 && !q.name.hasPrefix("embed") && !q.name.hasPrefix("head") {
                q.options = ["rank": Double(max(1, min(q.value.rows, q.value.columns) / 4)), "update_proj_gap": 50, "scale": 0.25]
            }
            // The options above are valid by construction, so the builder cannot throw.
            return try! Self.optimizer(p, learningRate: .constant(Float(h.learningRate)), eps: 1e-8, placement: .afterBiasCorrection,
                                       layout: .inputsByOutputs)
        }]
    }
}

// MARK: - The experiment

extension FiraPaper {
    /// Every knob of the experiment, by scale. Tests build tiny ones directly.
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        var updateGap: Int
        var rank = 8
        var scale: Float = 0.25
        /// Steps between two measurements of a step's update rank.
        var rankInterval = 25

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [3e-3, 1e-2], full: [1e-3, 3e-3, 1e-2, 3e-2])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 3)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 6)
            updateGap = context.pick(quick: 20, full: 50)
        }
    }

    /// The attention and MLP matrices (the official `divide_params(model, ["attn", "mlp"])`).
    static func isBlockMatrix(_ p: Parameter) -> Bool { p.value.rank == 2 && p.name.hasPrefix("block") }

    /// Marks the block matrices for projection, as the reference's parameter groups do.
    static func projected(_ parameters: [Parameter], _ s: Settings) -> [Parameter] {
        for p in parameters where isBlockMatrix(p) {
            p.options = ["rank": Double(s.rank), "update_proj_gap": Double(s.updateGap), "scale": Double(s.scale)]
            p.textOptions = ["projection_type": "std"]
        }
        return parameters
    }

    /// The four arms; each differs from AdamW in one place.
    static func arms(_ s: Settings) -> [OptimizerArm] {
        @Sendable func rate(_ h: Hyperparameters) -> LearningRate { .constant(Float(h.learningRate)) }
        return [
            OptimizerArm("AdamW") { p, h in
                Recorder(ChainedOptimizer.adamW(p, learningRate: rate(h), eps: 1e-8, weightDecay: 0), s, scaling: ScalingProbe(p, s))
            },
            OptimizerArm("GaLore") { p, h in
                Recorder(try! GaLore.optimizer(projected(p, s), learningRate: rate(h), eps: 1e-8, moments: .fp32(.afterBiasCorrection), layout: .inputsByOutputs), s)
            },
            OptimizerArm("Fira") { p, h in
                Recorder(try! optimizer(projected(p, s), learningRate: rate(h), eps: 1e-8, placement: .afterBiasCorrection, layout: .inputsByOutputs), s)
            },
            OptimizerArm("Fira (no limiter)") { p, h in
                Recorder(try! optimizer(projected(p, s), learningRate: rate(h), eps: 1e-8, placement: .afterBiasCorrection, growthLimit: nil,
                                        layout: .inputsByOutputs), s)
            },
        ]
    }

    /// An arm's optimizer with instruments: it counts loss spikes, measures the rank of one step's
    /// update every `rankInterval` steps, and (AdamW) feeds each gradient to the scaling probe.
    final class Recorder: Optimizer {
        let inner: any Optimizer
        let scaling: ScalingProbe?
        let rankInterval: Int
        private(set) var spikes = 0, steps = 0
        private(set) var ranks: [Double] = []
        private var previousLoss: Float?

        init(_ inner: any Optimizer, _ s: Settings, scaling: ScalingProbe? = nil) {
            (self.inner, self.scaling, self.rankInterval) = (inner, scaling, s.rankInterval)
        }

        var parameters: [Parameter] { inner.parameters }
        var stateBytes: Int { inner.stateBytes }
        func applyGradients() { inner.applyGradients() }

        func step(_ lossAndGradient: LossAndGradient) -> Float {
            steps += 1
            let blocks = parameters.filter(FiraPaper.isBlockMatrix)
            let before = steps % rankInterval == 0 ? blocks.map(\.value) : nil
            let loss = inner.step {
                let loss = lossAndGradient()
                self.scaling?.observe(step: self.steps)
                return loss
            }
            if let previous = previousLoss, loss > 1.2 * previous { spikes += 1 }
            previousLoss = loss
            if let before {
                ranks.append(Statistics.mean(zip(blocks, before).map { Double(GaLore.numericalRank($0.value - $1)) }))
            }
            return loss
        }
    }

    /// c1: full-rank Adam and rank-r GaLore Adam, both fed the gradients of the run they watch
    /// (never applied), with each matrix's factors `‖ψ(G)‖/‖G‖` and `‖ψ(R)‖/‖R‖` summed over steps.
    final class ScalingProbe {
        let matrices: [Parameter]
        let full = ScaleByAdam()
        let tap: LowRankTap
        let lowRank: GaLoreProjection
        private(set) var fullSums: [Double], lowSums: [Double]

        init(_ parameters: [Parameter], _ s: Settings) {
            matrices = parameters.filter(FiraPaper.isBlockMatrix)
            tap = LowRankTap(ScaleByAdam())
            lowRank = GaLoreProjection(settings: matrices.map { _ in GaLoreProjection.Settings(rank: s.rank, updateGap: s.updateGap, scale: 1) },
                                       inner: tap, layout: .inputsByOutputs)
            fullSums = Array(repeating: 0, count: matrices.count)
            lowSums = fullSums
        }

        static func norm(_ t: Tensor<Float>) -> Double { Double(t.data.reduce(Float(0)) { $0 + $1 * $1 }).squareRoot() }

        func observe(step: Int) {
            for (i, p) in matrices.enumerated() {
                var a = p.grad, b = p.grad
                full.update(&a, parameter: p.value, index: i, step: step)
                fullSums[i] += Self.norm(a) / Self.norm(p.grad)
                lowRank.update(&b, parameter: p.value, index: i, step: step)
                if let (r, psi) = tap.take(i) { lowSums[i] += Self.norm(psi) / Self.norm(r) }
            }
        }

        /// Spearman's rank correlation of the two factors across matrices.
        var spearman: Double { Statistics.spearman(fullSums, lowSums) }
    }

    /// The standard task with the recorders' measurements added to each run's record.
    static func instrumented(_ base: StandardTask) -> StandardTask {
        StandardTask(key: base.key, label: base.label, setup: base.setup) { trial, make in
            let box = RecorderBox()
            var record = base.train(trial) { p, h in
                let optimizer = make(p, h)
                box.recorder = optimizer as? Recorder
                return optimizer
            }
            guard let r = box.recorder else { return record }
            record.record("loss spikes", Double(r.spikes))
            record.record("step update rank", r.ranks.isEmpty ? .nan : Statistics.mean(r.ranks))
            record.record("projected matrices", Double(r.parameters.filter(isBlockMatrix).count))
            if let probe = r.scaling { record.record("scaling spearman", probe.spearman) }
            return record
        }
    }

    final class RecorderBox: @unchecked Sendable { var recorder: Recorder? }

    /// The experiment on `task` (the standard transformer; tests pass a tiny one).
    func run(_ context: RunContext, settings s: Settings, task base: StandardTask? = nil) throws -> PaperRun {
        let task = Self.instrumented(base ?? StandardTasks.transformerMarkov(context))
        let comparison = Comparison(
            context: context, claim: "pretrain", arms: Self.arms(s), learningRates: s.learningRates,
            selection: .lowest(Self.judged), selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds, seedCap: s.seedCap,
            power: [PowerPlan(method: "Fira", baseline: "GaLore", metric: Self.judged, minimalEffect: 0.01),
                    PowerPlan(method: "Fira", baseline: "AdamW", metric: Self.judged, minimalEffect: log(1.01)),
                    PowerPlan(method: "Fira", baseline: "Fira (no limiter)", metric: "loss spikes", minimalEffect: 1)])
        let result = try comparison.run([task])[0]
        let arms = result.result
        func first(_ arm: String, _ metric: String) -> Double { arms[arm].evaluation[0].metric(metric) ?? .nan }
        func stateBytes(_ arm: String) -> Double { Double(arms[arm].evaluation[0].stateBytes) }
        func mean(_ arm: String, _ metric: String) -> Double { arms[arm].summary(metric, includingDiverged: true).mean }

        var e = Evidence()
        e.record(interval: "c1.scaling_spearman", arms["AdamW"].summary("scaling spearman"), tolerance: 0.05)
        let limiterBytes = 4 * first("Fira", "projected matrices")
        e.record("c2a.state_bytes_fira_minus_galore_minus_limiter", stateBytes("Fira") - stateBytes("GaLore") - limiterBytes,
                 absoluteTolerance: 0, relativeTolerance: 0)
        for arm in ["AdamW", "GaLore", "Fira", "Fira (no limiter)"] {
            let key = arm.lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "(", with: "").replacingOccurrences(of: ")", with: "")
            e.record("diagnostic.\(key).state_bytes", stateBytes(arm), absoluteTolerance: 0, relativeTolerance: 0)
            e.record("diagnostic.\(key).step_update_rank", mean(arm, "step update rank"), absoluteTolerance: 0.5, relativeTolerance: 0)
        }
        e.record("c2b.step_rank_fira_over_adamw", mean("Fira", "step update rank") / mean("AdamW", "step update rank"), absoluteTolerance: 0.05, relativeTolerance: 0)
        e.record("c3.premise.spikes_without_limiter", mean("Fira (no limiter)", "loss spikes"), absoluteTolerance: 0.5, relativeTolerance: 0)
        result.result.recordDifference("c3.spikes_fira_minus_no_limiter", method: "Fira", baseline: "Fira (no limiter)", metric: "loss spikes",
                                       tolerance: 0.5, into: &e)
        result.result.recordDifference("c4a.log_loss_fira_minus_galore", method: "Fira", baseline: "GaLore", metric: Self.judged, tolerance: 0.02, into: &e)
        result.result.recordDifference("c4b.log_loss_fira_minus_adamw", method: "Fira", baseline: "AdamW", metric: Self.judged, tolerance: 0.02, into: &e)

        let setup: [ReportBlock] = [
            .text(comparison.setupText([task])),
            .text(#"""
            **Arms** (Adam β = (0.9, 0.999), ε = 1e-8 after the bias correction, no weight decay): *AdamW* on every \#
            parameter; *GaLore*, rank \#(s.rank) projection of the 12 attention and MLP matrices (`std`, refresh every \#
            \#(s.updateGap) steps, α = \#(Format.compact(Double(s.scale), 3))), AdamW on the rest; *Fira*, the same plus the scaled \#
            residual and the limiter (γ = 1.01); *Fira (no limiter)*, the same without it. Every run counts loss spikes \#
            (a step's batch loss above 1.2 × the previous step's) and measures the numerical rank of one step's update \#
            of each block matrix every \#(s.rankInterval) steps; AdamW runs also feed each gradient to a shadow full-rank \#
            Adam and a shadow rank-\#(s.rank) GaLore Adam (not applied, not counted as state) for c1.
            """#),
        ]
        let bytes = ["AdamW", "GaLore", "Fira", "Fira (no limiter)"].map { arm in
            [arm, "\(Int(stateBytes(arm)))", Format.compact(mean(arm, "step update rank"), 3), Format.compact(mean(arm, "loss spikes"), 3)]
        }
        let spearman = arms["AdamW"].summary("scaling spearman")
        let results: [ReportBlock] = result.blocks(judged: Self.judged, metrics: [Self.judged, "test loss", "loss spikes"],
                                                   pairs: [("Fira", "GaLore"), ("Fira", "AdamW"), ("GaLore", "AdamW")], figure: "pretrain")
            + [.table(Table(
                caption: "Exact optimizer-state bytes, mean numerical rank of one step's update of a block matrix (of at most 32; GaLore's is bounded by r = \(s.rank)), and mean loss spikes per evaluation run.",
                headers: ["arm", "state bytes", "step-update rank", "loss spikes per run"], rows: bytes)),
               .text("**c1.** Spearman correlation across the 12 block matrices of the full-rank and low-rank Adam scaling factors along AdamW's evaluation runs: \(spearman.formatted) (n = \(spearman.count)).")]
        return PaperRun(evidence: e, setup: setup, results: results)
    }
}
