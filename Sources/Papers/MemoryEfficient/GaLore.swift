import Foundation
import Harness

// # GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection
//
// Jiawei Zhao, Zhenyu Zhang, Beidi Chen, Zhangyang Wang, Anima Anandkumar and Yuandong Tian
// (ICML 2024, arXiv 2403.03507; official code github.com/jiaweizzhao/GaLore).
//
// **The paper in plain words.** Adam keeps two numbers (the moments `m` and `v`) for every weight,
// so its state is twice the model. LoRA saves that memory by freezing the weight `W` and training
// a low-rank correction `BA`, which restricts *what can be learned* to a low-rank change. GaLore
// keeps the whole weight trainable and makes the *gradient* low rank instead: every `T` steps it
// takes the top `r` singular vectors `P` of the current gradient `G` (m × n, m ≤ n), projects
// each gradient into that r-dimensional subspace (`R = PᵀG`, r × n), runs Adam there (moments of
// shape r × n, the memory saving), and maps the Adam direction back (`P N`, m × n), multiplied by
// a scale α. Because the subspace is refreshed, the sum of the updates is not low rank: the model
// learns with all its parameters. The paper claims (c1) that this full-parameter learning uses
// less memory than LoRA; (c2) that optimizer-state memory falls by up to 65.5% while pre-training
// LLaMA 1B/7B on C4 as well as full-rank Adam; (c3) that with 8-bit Adam states the saving
// reaches 82.5% of optimizer memory (63.3% of total training memory against a BF16 baseline);
// (c4) that a 7B model can then be pre-trained on one 24 GB consumer GPU.
//
// Here GaLore is an optax-style gradient transformation that *wraps* the inner Adam scaling, so
// GaLore differs from AdamW by exactly one part of the chain. It is checked against
// pytorch-optimizer's trajectories, then a tiny transformer language model is pre-trained on a
// Markov token source with a known optimal loss by AdamW, GaLore, 8-bit GaLore and LoRA, each
// tuned on the same learning-rate grid, with every byte of optimizer state counted exactly.

/// GaLore (Zhao et al., 2024): Adam in a periodically refreshed low-rank gradient subspace.
public struct GaLore: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "galore",
            title: "GaLore: Memory-Efficient LLM Training by Gradient Low-Rank Projection",
            method: "GaLore",
            family: "MemoryEfficient",
            arxiv: "2403.03507",
            code: "https://github.com/jiaweizzhao/GaLore",
            summary: #"""
            Adam stores two moments per weight, twice the model. LoRA saves that memory by freezing each \#
            weight matrix and training a low-rank correction, which limits what can be learned. **GaLore** keeps \#
            every weight trainable and makes the *gradient* low rank instead: every $T$ steps it computes the top \#
            $r$ singular vectors $P_t$ of the current gradient $G_t$, projects each gradient to $R_t = P_t^\top G_t$, \#
            runs Adam on the small $R_t$ (so Adam's moments have the projected shape), and maps the Adam direction \#
            back with $\alpha P_t N_t$. Refreshing the subspace lets the accumulated update have full rank. The paper \#
            claims that this full-parameter learning costs less memory than LoRA, cuts optimizer-state memory by \#
            up to 65.5% while matching full-rank pre-training of LLaMA 1B/7B on C4, reaches 82.5% with 8-bit Adam \#
            states, and so fits 7B pre-training on a 24 GB GPU. We pre-train a tiny transformer language model on \#
            a Markov token source with a known optimal loss with AdamW, GaLore, 8-bit GaLore and LoRA — every arm \#
            tuned on the same learning-rate grid by the same validation rule — and count optimizer-state bytes \#
            exactly.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let v1 = (
        c1Rule: "Reproduced if GaLore's weights+state bytes are below LoRA's AND the 95% CI of the paired test-loss difference (GaLore − LoRA) lies entirely below 0. Inconclusive if the bytes condition holds and the mean difference is negative but the CI reaches 0. Not reproduced otherwise.",
        c1Verdict: "full scale: not reproduced (LoRA 0.012 nats better than GaLore at rank 8; bytes condition held)",
        c2Rule: "Reproduced if the state-memory reduction is ≥ 50% AND GaLore's mean test loss ≤ 1.03 × AdamW's. Not reproduced otherwise.",
        c2Verdict: "full scale: reproduced (59% state reduction, mean test-loss ratio GaLore/AdamW 1.009)",
        c3Rule: "Reproduced if 8-bit GaLore's state-memory reduction against fp32 AdamW is ≥ 75% AND its mean test loss ≤ 1.01 × 32-bit GaLore's. Not reproduced otherwise; the total-memory figure was reported, not judged.",
        c3Verdict: "full scale: reproduced (86% state reduction against fp32 AdamW)")

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "GaLore allows full-parameter learning with less memory than LoRA (weights plus optimizer state, same rank).",
                source: "abstract; Table 1 (memory formulas)",
                paperValue: "GaLore < LoRA in memory", paperSetting: "LLaMA 60M–1B, rank 128–512 (Table 1 formulas)",
                metric: "exact bytes of weights + optimizer state, GaLore − LoRA, both at rank r = width/4",
                rule: .bound("c1a.bytes_galore_minus_lora", "weights+state bytes, GaLore − LoRA", -1),
                scaling: "the tiny transformer's exact byte counts; this follows from the memory formulas (reproduced by construction when it holds)",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c1Rule, verdict: Self.v1.c1Verdict,
                                     why: "c1 bundled memory and quality against LoRA; split into c1a (memory) and c1b (quality).")]),
            Claim(
                id: "c1b",
                statement: "GaLore trains better than LoRA at the same rank (lower loss in pre-training).",
                source: "abstract; Table 2 (pre-training vs LoRA)",
                paperValue: "lower perplexity than LoRA at every LLaMA size", paperSetting: "LLaMA 60M–1B pre-trained on C4 (Table 2)",
                metric: "test loss (nats/token), GaLore − LoRA, paired by seed; premise: LoRA − full-rank AdamW",
                rule: Rule.superiority("c1b.loss_galore_minus_lora", "test loss, GaLore − LoRA", better: .lower, minimalEffect: 0.01, unit: "nats")
                    .given(premise: .superiority("c1b.premise.loss_lora_minus_adamw", "test loss, LoRA − full-rank AdamW", better: .higher,
                                                 minimalEffect: 0.01, unit: "nats"),
                           "LoRA loses to full-rank training at this scale (the gap GaLore claims to close)"),
                scaling: "2-layer GPT-style transformer, width 32 (quick 16), Markov source with 32 tokens; 300 steps (quick 60); LoRA trains adapters (plus embeddings, norms and head) on a frozen random base, the paper's pre-training comparison; 0.01 nats is the minimal effect of interest",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c1Rule, verdict: Self.v1.c1Verdict,
                                     why: "v1 judged GaLore against LoRA although LoRA equalled full-rank AdamW at this scale (difference 0.000 ± 0.028): without that gap the comparison cannot speak to the claim, so v2 makes it a premise.")]),
            Claim(
                id: "c2a",
                statement: "GaLore reduces optimizer-state memory by up to 65.5%.",
                source: "abstract; Table 2",
                paperValue: "65.5%", paperSetting: "LLaMA 7B, rank 1024 (the largest reduction reported)",
                metric: "optimizer-state bytes (moments + projectors), 1 − GaLore / AdamW, counted at the paper's LLaMA-7B shape with rank 1024 and BF16 states (the tiny model's measured reduction is shown as a diagnostic)",
                rule: .bound("c2a.state_reduction_llama7b", "state-memory reduction at the 7B shape", below: false, 0.5),
                scaling: "by construction: the paper's Table 1 formulas, which our implementation's exact byte counts follow (checked on the tiny model), evaluated at the 7B shape; the 50% bar is v1's, fixed before its first run",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c2Rule, verdict: Self.v1.c2Verdict,
                                     why: "c2 bundled the memory reduction and the quality match; split into c2a and c2b.")]),
            Claim(
                id: "c2b",
                statement: "GaLore maintains the performance of full-rank pre-training.",
                source: "abstract; Table 2",
                paperValue: "perplexity within about 1–3% of full rank", paperSetting: "LLaMA 60M–1B on C4 (Table 2)",
                metric: "log test loss, GaLore − full-rank AdamW, paired by seed",
                rule: .nonInferiority("c2b.log_loss_galore_minus_adamw", "log test loss, GaLore − AdamW", better: .lower, margin: log(1.03)),
                scaling: "as c1b, T = 50 steps (the paper's 200 of 10k+, scaled to the budget), α = 0.25 as in the paper; margin 3% of the loss (the catalog's band)",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c2Rule, verdict: Self.v1.c2Verdict,
                                     why: "v1 judged 'matches' by the ratio of means while the interval exceeded the band; v2 judges non-inferiority on the paired interval.")]),
            Claim(
                id: "c3a",
                statement: "8-bit GaLore reduces optimizer memory by up to 82.5% relative to a BF16 baseline.",
                source: "abstract; Figure 1, Table 5",
                paperValue: "82.5%", paperSetting: "LLaMA 7B, BF16 AdamW baseline",
                metric: "optimizer-state bytes, 1 − 8-bit GaLore / AdamW with BF16 moments (the paper's baseline precision), at the LLaMA-7B shape, rank 1024, BF16 projectors, one-byte moments with an fp32 absmax per 256 values",
                rule: .bound("c3a.state_reduction_llama7b", "state reduction against BF16 AdamW at the 7B shape", below: false, 0.75),
                scaling: "by construction, at the paper's shape (the tiny model, dominated by full-rank embeddings, is a diagnostic); the 75% bar is v1's, fixed before its first run",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c3Rule, verdict: Self.v1.c3Verdict,
                                     why: "v1 measured the reduction against fp32 AdamW although the paper's 82.5% is against BF16; the quality part moved to c3c and the total-memory part, reported but not judged in v1, to c3b.")]),
            Claim(
                id: "c3b",
                statement: "8-bit GaLore reduces total training memory by 63.3% relative to a BF16 baseline.",
                source: "abstract; Figure 1",
                paperValue: "63.3%", paperSetting: "LLaMA 7B, BF16 weights and gradients, layer-wise weight updates",
                metric: "bytes of BF16 weights + gradients + optimizer state at the LLaMA-7B shape, 1 − 8-bit GaLore / BF16 AdamW; GaLore with the paper's layer-wise weight update holds one layer's gradient at a time (the largest), the baseline every gradient; activations are not counted (they depend on batch and sequence, not on the optimizer)",
                rule: .bound("c3b.total_reduction_llama7b", "total-memory reduction against BF16 AdamW at the 7B shape", below: false, 0.5),
                scaling: "by construction at the paper's 7B shape; the bar is 50% because without the layer-wise update no optimizer state can save more than half (weights and gradients alone are half the baseline), so crossing it tests the paper's accounting rather than a number we tuned",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c3Rule, verdict: Self.v1.c3Verdict,
                                     why: "the total-memory statement was reported but not judged under v1's c3 verdict; it now has its own verdict, counted at the paper's precision.")]),
            Claim(
                id: "c3c",
                statement: "8-bit GaLore trains as well as 32-bit GaLore.",
                source: "Section 5; Table 5",
                paperValue: "comparable perplexity", paperSetting: "LLaMA 1B/7B, 8-bit Adam states",
                metric: "log test loss, 8-bit GaLore − GaLore, paired by seed",
                rule: .nonInferiority("c3c.log_loss_8bit_minus_galore", "log test loss, 8-bit − 32-bit GaLore", better: .lower, margin: log(1.01)),
                scaling: "as c2b; margin 1% of the loss (the catalog's '< 1% extra loss')",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c3Rule, verdict: Self.v1.c3Verdict,
                                     why: "split out of c3; judged on the paired interval instead of the ratio of means.")]),
            Claim.notTestable(
                id: "c4",
                statement: "A 7B model can be pre-trained on a consumer 24 GB GPU without model parallelism, checkpointing or offloading.",
                source: "abstract; Section 5",
                paperValue: "24 GB",
                reason: "it is a statement about peak GPU memory (weights, activations, CUDA workspace) of a 7-billion-parameter model; nothing on a CPU in minutes can train or even hold that model's states. The report gives the byte counts of the same formulas at the 7B LLaMA shape instead."),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "The memory claims follow from GaLore's byte formulas, which our implementation's exact counts match: at the paper's 7B shape "
        text += "the state reduction is \(v("c2a").display) against the 50% bar, the 8-bit reduction against a BF16 baseline \(v("c3a").display), "
        text += "and the total with layer-wise updates \(v("c3b").display); at our tiny width the full-rank embeddings dominate and the reductions are smaller (diagnostics). "
        text += "On training quality, GaLore matching full-rank AdamW is \(v("c2b").display) and 8-bit GaLore matching GaLore is \(v("c3c").display). "
        if v("c1b") == .inconclusive(.premiseAbsent) {
            text += "GaLore against LoRA (c1b) says nothing here: LoRA did not lose to full-rank training at this scale, so there is no gap for GaLore to close."
        } else {
            text += "GaLore beating LoRA at equal rank is \(v("c1b").display)."
        }
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Notation.** For a weight matrix $W\in\mathbb R^{m\times n}$ with gradient $G_t$ at step $t$, GaLore \#
        keeps a projector $P_t$ with $r$ orthonormal columns, $r\ll\min(m,n)$. With `projection_type = "std"` \#
        (the default) it projects the *shorter* side. Writing things for $m\le n$:

        $$P_t = U[:, :r]\ \text{ of }\ G_t = U\Sigma V^\top \quad\text{(recomputed when } t \bmod T = 0\text{)},\qquad
        R_t = P_t^\top G_t\in\mathbb R^{r\times n}.$$

        Adam runs on $R_t$, so its moments $M_t, V_t$ are $r\times n$:

        $$M_t = \beta_1 M_{t-1} + (1-\beta_1) R_t,\quad V_t = \beta_2 V_{t-1} + (1-\beta_2) R_t^{2},\quad
        N_t = \frac{M_t/(1-\beta_1^t)}{\sqrt{V_t/(1-\beta_2^t)}+\epsilon},$$

        and the weight moves along the projected-back direction, scaled by $\alpha$:

        $$W_{t+1} = W_t - \eta\,\big(\alpha\,P_t N_t + \lambda W_t\big).$$

        For $m > n$ the roles swap: $P_t = V[:, :r]$ and $R_t = G_t P_t$ ($m\times r$). The moments are \#
        *not* reset when $P_t$ changes (neither reference implementation does): the old moments are \#
        reinterpreted in the new coordinates, which the paper argues is harmless because consecutive \#
        subspaces overlap. Vectors (biases, norms) and any matrix without a `rank` take plain AdamW.

        **Memory.** Per matrix the state is $mr$ (projector) $+ 2nr$ (moments) against Adam's $2mn$; LoRA \#
        with adapters $B\in\mathbb R^{m\times r}, A\in\mathbb R^{r\times n}$ adds $mr+nr$ weights and \#
        $2(mr+nr)$ moments (the paper's Table 1). **8-bit GaLore** stores $M_t, V_t$ as one byte per value: \#
        blocks of 256 consecutive values share one fp32 scale (their absolute maximum), and each value is \#
        the index of the nearest entry of bitsandbytes' dynamic quantisation map (signed for $M$, unsigned for \#
        $V$), so the state shrinks by almost 4×.

        **Which side, in our layout.** The reference's rule is literally `rows >= cols → project the right \#
        side` on torch's `[out, in]` weights: a tall matrix projects its input side, a wide one its output \#
        side, a square one its input side. The harness's `Linear` stores `[in, out]`; projecting "the shorter \#
        side" is the same either way, so only square matrices need care. `GaLoreProjection.Layout` states \#
        the storage and the side is chosen on the torch-layout shape, so our attention matrices (square) \#
        project their input side exactly as the paper's do. In the trace problems (torch layout, `[6, 4]`) \#
        the projector is `Vᵀ[:2, :]` of shape `[2, 4]` and the moments `[6, 2]`, as in the golden state.

        **Reference details reproduced.** Both implementations (the official `galore_torch.AdamW` and \#
        pytorch-optimizer's `GaLore`) take Adam from Hugging Face `transformers`: ε is added to the \#
        *uncorrected* $\sqrt{V_t}$ and the bias corrections fold into the step size, with default ε = 1e-6; \#
        the decoupled weight decay acts on the full weight and is not scaled by α. The trace optimizer \#
        `galore` follows that; the experiment uses torch's AdamW moments (ε = 1e-8 after the correction) in \#
        every arm, so the arms differ only by the projection. The official code refreshes at its 0-based \#
        step counter $t \bmod T = 0$ (our steps $1, T+1, 2T+1, \dots$), pytorch-optimizer at its 1-based \#
        one (steps $1, T, 2T, \dots$); we follow the official code and the paper's Algorithm 1 (the goldens \#
        run 20 steps with $T = 50$, where the two agree).
        """#
    }

    public var excerpts: [String] { ["projection", "optimizer", "quantized-adam"] }

    public var deviations: String {
        #"""
        - **Scale.** A 2-layer GPT-style transformer of width 32 (quick 16), about 30 thousand parameters, \#
        pre-trained for 400 steps (quick 60) on a synthetic order-2 Markov source over 32 tokens whose \#
        optimal loss is known, instead of LLaMA 60M–7B on C4 for 10k–150k steps. GaLore's rank is \#
        r = width/4 (the paper's 1B model uses r = 512 of 2048, also a quarter) with T = 50 (the paper's 200 \#
        of 10k+ steps, scaled to our budget) and α = 0.25 as in the paper.
        - **Fair tuning.** Every arm gets the same learning-rate grid and the same selection rule (lowest \#
        validation loss over one selection seed), then is evaluated on fresh seeds; the paper tunes each \#
        method's learning rate separately too (0.01 for GaLore, 0.001 for the baseline).
        - **Adam flavour.** All arms use torch's AdamW moment arithmetic without weight decay (the paper's \#
        pre-training runs use none); the reference code's Hugging Face ε placement is reproduced in the \#
        trace goldens only.
        - **LoRA baseline.** Plain LoRA (no ReLoRA restarts) of the same rank on the same matrices, with the \#
        base weights randomly initialised and frozen and the embeddings, norms and head trained in full, as \#
        in the paper's pre-training comparison; adapter scale α/r = 1.
        - **8-bit states.** Our blockwise quantiser uses bitsandbytes' dynamic map (checked against the map \#
        bitsandbytes stores) and its block size of 256, nearest-value rounding, and quantises every tensor \#
        (bitsandbytes keeps tensors under 4096 values in fp32; at our scale that would leave most of the \#
        state unquantised). The two 256-entry maps are constants shared by all tensors and not counted as \#
        state. Projectors stay fp32 (the paper keeps them in the training precision, BF16).
        - **Memory accounting.** Optimizer state is counted exactly (`stateBytes`); "weights" counts every \#
        fp32 parameter including frozen ones and adapters. The paper's total-memory figures also include \#
        activations and use BF16 weights; we report weights + gradients + state but judge only the state.
        - **c4** cannot run here; the report shows the byte counts of the same formulas at the LLaMA-7B shape.
        - **Grid edges.** The learning-rate grid was fixed before the first run and not widened after it. \#
        An arm whose chosen rate lies at the edge of the grid (see the ✓ in the sweep tables) may be \#
        under-tuned there, which favours neither method systematically but weakens close comparisons.
        """#
    }

    public let sourceFile: String = #filePath

    /// `galore` for `reproduce trace` (the reference's per-group keywords).
    public var traceOptimizers: [String: TraceOptimizerFactory] { ["galore": GaLore.checkedTraceFactory] }

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

/// Formats a metric for a `measured` string.
private func fmt(_ x: Double, _ digits: Int = 3) -> String { Format.significant(x, digits) }

// MARK: - The optimizer

// The projection (`GaLoreProjection`) and the 8-bit blockwise Adam states (`ScaleByAdam8bit`) live in
// the harness (Sources/Harness/Methods/), for the GaLore family of papers; the report shows them
// through their excerpts.

// excerpt: optimizer
extension GaLore {
    /// Which Adam the chains use.
    public enum Moments: Sendable {
        /// fp32 moments (``ScaleByAdam``) with the given ε placement.
        case fp32(ScaleByAdam.EpsilonPlacement)
        /// Blockwise 8-bit moments (``ScaleByAdam8bit``), torch's ε placement as bitsandbytes.
        case int8
    }

    /// GaLore-AdamW as two parameter groups, like the reference's `param_groups`:
    /// matrices with a `rank` option get `[GaLoreProjection(Adam), decay]`; every other tensor gets
    /// `[Adam, decay]`, which is AdamW itself (and runs the fused AdamW kernel when fp32).
    ///
    /// The only difference from ``ChainedOptimizer/adamW(_:learningRate:beta1:beta2:eps:weightDecay:amsgrad:)``
    /// is the projection wrapped around the Adam scaling of the low-rank group.
    ///
    /// Weight decay is applied torch-style, `p ← p − η(u + λp)`; the Hugging Face-style reference
    /// (`galore_torch.AdamW`) decays the already-updated weight, `(p − ηu)(1 − ηλ)`, which differs
    /// by `η²λu`. No golden trajectory and no experiment here uses a nonzero decay.
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, beta1: Double = 0.9,
                                 beta2: Double = 0.999, eps: Float = 1e-6, weightDecay: Float = 0,
                                 moments: Moments = .fp32(.beforeBiasCorrection),
                                 layout: GaLoreProjection.Layout) throws -> ChainedOptimizer {
        func adam() -> GradientTransformation {
            switch moments {
            case .fp32(let placement):
                return ScaleByAdam(beta1: beta1, beta2: beta2, eps: eps, epsilonPlacement: placement)
            case .int8:
                return ScaleByAdam8bit(beta1: beta1, beta2: beta2, eps: eps)
            }
        }
        func decayed(_ chain: [GradientTransformation]) -> [GradientTransformation] {
            weightDecay == 0 ? chain : chain + [AddDecayedWeights(weightDecay)]
        }
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
            let projection = GaLoreProjection(settings: lowRank.map(\.1), inner: adam(), layout: layout)
            groups.append(ParameterGroup(lowRank.map(\.0), transforms: decayed([projection]), learningRate: learningRate))
        }
        if !plain.isEmpty {
            groups.append(ParameterGroup(plain, transforms: decayed([adam()]), learningRate: learningRate))
        }
        return ChainedOptimizer(groups: groups)
    }

    /// `reproduce trace` factory with pytorch-optimizer's `GaLore` keywords and defaults
    /// (`lr` 1e-3, `betas` (0.9, 0.999), `weight_decay` 0, `eps` 1e-6; Hugging Face ε
    /// placement); the per-tensor `rank`, `update_proj_gap`, `scale`, `projection_type` come from
    /// the problem's `group`. Trace problems store matrices in torch's `[out, in]` layout.
    public static let traceFactory: TraceOptimizerFactory = { h, parameters in
        try h.accept(["lr", "betas", "eps", "weight_decay"])
        let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
        do {
            return try optimizer(parameters, learningRate: .constant(try h.float("lr", default: 1e-3)), beta1: b1, beta2: b2,
                                 eps: try h.float("eps", default: 1e-6), weightDecay: try h.float("weight_decay", default: 0),
                                 moments: .fp32(.beforeBiasCorrection), layout: .outputsByInputs)
        } catch let error as GaLoreError {
            throw TraceError.invalidHyperparameter("group", optimizer: h.optimizer, expected: error.description)
        }
    }
}
// end excerpt

extension GaLore {
    /// The per-tensor options of a trace problem's `group`, as pytorch-optimizer's GaLore reads them.
    public static let traceGroupOptions: [String: TraceGroupOption] = [
        "rank": .wholeNumber(1...TraceHyperparameters.wholeNumberCap),
        "update_proj_gap": .wholeNumber(1...TraceHyperparameters.wholeNumberCap),
        "scale": .number,
        "projection_type": .choice(GaLoreProjection.ProjectionType.allCases.map(\.rawValue)),
    ]

    /// ``traceFactory`` behind the check of every tensor's `group` against ``traceGroupOptions``,
    /// as `reproduce trace` runs it: a misspelt key (`rnk`) or a value of the wrong type or range
    /// (`"rank": "two"`, `0`) names `params[i].group.<key>` instead of being ignored.
    public static let checkedTraceFactory: TraceOptimizerFactory = { h, parameters in
        try h.acceptGroups(traceGroupOptions)
        return try traceFactory(h, parameters)
    }
}

// MARK: - The experiment: pre-training a tiny transformer language model

extension GaLore {
    /// Every knob of the experiment, by scale. Tests build tiny ones directly.
    struct Settings {
        // The token source (one fixed task for every arm and seed).
        var vocabulary = 32
        var order = 2
        var branching = 4
        var smoothing = 0.02
        // The model.
        var width: Int
        var heads = 2
        var layers = 2
        var mlpRatio = 4
        /// Tokens per training sequence (targets are the same sequence shifted by one).
        var context: Int
        // Training.
        var batch: Int
        var steps: Int
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        /// The most evaluation seeds a power plan may ask for.
        var seedCap: Int
        /// Validation loss is recorded for the curves every this many steps.
        var evaluationInterval: Int
        var validationSequences = 64
        var testSequences = 128
        // GaLore.
        var updateGap: Int
        var scale: Float = 0.25

        /// `r = width / 4`, for GaLore and LoRA alike.
        var rank: Int { width / 4 }

        init(_ context: RunContext) {
            width = context.pick(quick: 16, full: 32)
            self.context = context.pick(quick: 16, full: 32)
            batch = context.pick(quick: 8, full: 16)
            steps = context.pick(quick: 60, full: 300)
            learningRates = context.pick(quick: [3e-3, 1e-2], full: [1e-3, 3e-3, 1e-2])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 3)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 6)
            evaluationInterval = context.pick(quick: 10, full: 20)
            updateGap = context.pick(quick: 20, full: 50)
        }

        init(width: Int, context: Int, batch: Int, steps: Int, learningRates: [Double], evaluationSeeds: Int,
             evaluationInterval: Int, updateGap: Int) {
            self.width = width
            self.context = context
            self.batch = batch
            self.steps = steps
            self.learningRates = learningRates
            self.selectionSeeds = 1
            self.evaluationSeeds = evaluationSeeds
            self.seedCap = evaluationSeeds
            self.evaluationInterval = evaluationInterval
            self.updateGap = updateGap
        }

        var model: TransformerConfig {
            TransformerConfig(vocabulary: vocabulary, context: context, width: width, heads: heads, layers: layers, mlpRatio: mlpRatio)
        }
    }

    /// The four arms. Each differs from AdamW in one place: GaLore wraps the Adam scaling of the
    /// block matrices in a projection, 8-bit GaLore also stores the moments in 8 bits, LoRA
    /// freezes the block matrices and trains adapters.
    enum Method: String, CaseIterable {
        case adamW = "AdamW"
        case galore = "GaLore"
        case galore8bit = "8-bit GaLore"
        case lora = "LoRA"
    }

    /// A fixed set of sequences, flattened for the model.
    struct TokenSet {
        var tokens: [Int], targets: [Int], sequences: Int

        init(_ sequences: [[Int]]) {
            tokens = sequences.flatMap { $0.dropLast() }
            targets = sequences.flatMap { $0.dropFirst() }
            self.sequences = sequences.count
        }
    }

    /// Mean next-token cross-entropy of `model` on `set`, without dropout or gradients.
    static func loss(_ model: TinyTransformer, on set: TokenSet) -> Double {
        Double(model.loss(Tape<Float>(), tokens: set.tokens, targets: set.targets, batch: set.sequences, training: false).scalar)
    }

    /// The attention and MLP matrices of the blocks: the ones GaLore projects and LoRA adapts
    /// (the paper applies both to attention and MLP modules only).
    static func isBlockMatrix(_ layerName: String) -> Bool { layerName.hasPrefix("block") }

    /// One pre-training run of `method` at learning rate `lr`.
    ///
    /// Initial weights and the batch order come from the trial's common stream, so at a given
    /// repetition every arm and every learning rate starts from the same model and sees the same
    /// batches (paired comparisons).
    static func train(_ method: Method, learningRate lr: Double, settings s: Settings, source: MarkovTokenSource,
                      validation: TokenSet, test: TokenSet, trial: Trial) throws -> RunRecord {
        let model = TinyTransformer(config: s.model, rng: trial.commonRNG.child("model"))
        var batches = trial.commonRNG.child("batches")
        let rate = LearningRate.constant(Float(lr))
        let optimizer: ChainedOptimizer
        switch method {
        case .adamW:
            optimizer = .adamW(model.trainableParameters, learningRate: rate, eps: 1e-8, weightDecay: 0)
        case .galore, .galore8bit:
            for layer in model.linearLayers where isBlockMatrix(layer.name) {
                layer.weight.options = ["rank": Double(s.rank), "update_proj_gap": Double(s.updateGap), "scale": Double(s.scale)]
                layer.weight.textOptions = ["projection_type": "std"]
            }
            optimizer = try GaLore.optimizer(model.trainableParameters, learningRate: rate, eps: 1e-8, weightDecay: 0,
                                             moments: method == .galore ? .fp32(.afterBiasCorrection) : .int8,
                                             layout: .inputsByOutputs)
        case .lora:
            model.attachLoRA(rank: s.rank, alpha: Double(s.rank), to: isBlockMatrix, rng: trial.commonRNG.child("lora"))
            // Embeddings, norms and the head stay trainable, as in LoRA pre-training baselines.
            for layer in model.layers where !((layer as? Linear).map { isBlockMatrix($0.name) } ?? false) {
                layer.isFrozen = false
            }
            optimizer = .adamW(model.trainableParameters, learningRate: rate, eps: 1e-8, weightDecay: 0)
        }

        let blockLayers = model.linearLayers.filter { isBlockMatrix($0.name) }
        let initialWeights = blockLayers.map(\.weight.value)
        var record = pretrain(model, optimizer, batches: &batches, settings: s, source: source, validation: validation, test: test)
        record.stateBytes = optimizer.stateBytes
        let weights = model.parameterCount * MemoryLayout<Float>.size
        let gradients = model.trainableParameters.reduce(0) { $0 + $1.value.count } * MemoryLayout<Float>.size
        record.record("weight bytes", Double(weights))
        record.record("gradient bytes", Double(gradients))
        record.record("state bytes", Double(optimizer.stateBytes))
        let deltas = zip(blockLayers, initialWeights).map { layer, initial in accumulatedUpdate(layer, initial: initial) }
        record.record("update rank", record.diverged ? .nan : Statistics.mean(deltas.map { Double(numericalRank($0)) }))
        return record
    }

    /// The pre-training loop every GaLore-family arm shares: `s.steps` steps of `optimizer` on fresh
    /// batches of `source` drawn from `batches`, the validation loss at step 0 and every
    /// `s.evaluationInterval` steps (the curves), a stop as diverged when the training loss is not
    /// finite or exceeds 1e3; records "validation loss" and "test loss" (NaN when diverged).
    static func pretrain(_ model: TinyTransformer, _ optimizer: ChainedOptimizer, batches: inout SeededRandom, settings s: Settings,
                         source: MarkovTokenSource, validation: TokenSet, test: TokenSet) -> RunRecord {
        var record = RunRecord(steps: [0])
        record.losses.append(loss(model, on: validation))
        for step in 1...s.steps {
            let batch = TokenSet(source.sample(sequences: s.batch, length: s.context + 1, using: &batches))
            let training = optimizer.step { model.lossAndGradient(tokens: batch.tokens, targets: batch.targets, batch: s.batch) }
            if !training.isFinite || training > 1e3 {
                record.diverged = true
                break
            }
            if step % s.evaluationInterval == 0 || step == s.steps {
                record.steps!.append(step)
                record.losses.append(loss(model, on: validation))
            }
        }
        record.record("validation loss", record.diverged ? .nan : loss(model, on: validation))
        record.record("test loss", record.diverged ? .nan : loss(model, on: test))
        return record
    }

    /// The total change of a block matrix since initialisation, `[in, out]`: `W_T − W_0`, or for
    /// a LoRA layer the adapter's `(α/r) Aᵀ Bᵀ` (its base weight never moves).
    static func accumulatedUpdate(_ layer: Linear, initial: Tensor<Float>) -> Tensor<Float> {
        if let lora = layer.adapter {
            var delta = Tensor<Float>.zeros(initial.shape)
            gemm(lora.a.value, lora.b.value, into: &delta, transposeA: true, transposeB: true, alpha: lora.scale, beta: 0)
            return delta
        }
        return layer.weight.value - initial
    }

    /// The number of singular values above 1% of the largest: how many directions an update
    /// really uses (LoRA's is at most r by construction; full-parameter learning may use more).
    static func numericalRank(_ m: Tensor<Float>) -> Int {
        guard let f = try? svd(m), let top = f.s.first, top > 0 else { return 0 }
        return f.s.filter { $0 > 0.01 * top }.count
    }

    /// The Markov token source, its held-out sets and its optimal loss, drawn from the streams
    /// `data/source`, `data/validation` and `data/test`: every GaLore-family experiment trains on
    /// these, so its numbers line up with GaLore's.
    static func languageModelData(_ context: RunContext, _ s: Settings)
        -> (source: MarkovTokenSource, validation: TokenSet, test: TokenSet, optimum: Double) {
        var sourceRNG = context.rng("data", "source")
        let source = MarkovTokenSource(vocabularySize: s.vocabulary, order: s.order, branching: s.branching,
                                       smoothing: s.smoothing, using: &sourceRNG)
        var validationRNG = context.rng("data", "validation"), testRNG = context.rng("data", "test")
        let validation = TokenSet(source.sample(sequences: s.validationSequences, length: s.context + 1, using: &validationRNG))
        let test = TokenSet(source.sample(sequences: s.testSequences, length: s.context + 1, using: &testRNG))
        return (source, validation, test, source.optimalLoss(sequenceLength: s.context + 1))
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let (source, validation, test, optimum) = Self.languageModelData(context, s)

        let arms = Method.allCases.map { method in
            Arm(method.rawValue, grid: Hyperparameters.learningRateGrid(s.learningRates)) { trial in
                try Self.train(method, learningRate: trial.hyperparameters.learningRate, settings: s, source: source,
                               validation: validation, test: test, trial: trial)
            }
        }
        let rule = SelectionRule.lowest("validation loss")
        let experiment = Experiment(
            context: context, claim: "pretrain", arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds,
            rule: rule,
            power: [PowerPlan(method: Method.galore.rawValue, baseline: Method.lora.rawValue, metric: "validation loss", minimalEffect: 0.01),
                    PowerPlan(method: Method.lora.rawValue, baseline: Method.adamW.rawValue, metric: "validation loss", minimalEffect: 0.01)],
            seedCap: s.seedCap)
        let comparison = try experiment.compare()
        let results = comparison.arms
        let byMethod = Dictionary(uniqueKeysWithValues: zip(Method.allCases, results))
        func first(_ m: Method, _ metric: String) -> Double { byMethod[m]!.evaluation[0].metric(metric) ?? .nan }
        // A diverged run makes the mean NaN, which fails every rule below, instead of being dropped.
        func meanTest(_ m: Method) -> Double { byMethod[m]!.summary("test loss", includingDiverged: true).mean }
        func stateBytes(_ m: Method) -> Double { first(m, "state bytes") }
        func weightPlusState(_ m: Method) -> Double { first(m, "weight bytes") + first(m, "state bytes") }
        func total(_ m: Method) -> Double { weightPlusState(m) + first(m, "gradient bytes") }

        // MARK: Evidence
        let lossTolerance = (absolute: 0.02, relative: 0.01)
        var e = Evidence()
        e.record("optimal_loss", optimum, absoluteTolerance: 1e-9, relativeTolerance: 0)
        for m in Method.allCases {
            let key = m.rawValue.lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "-", with: "")
            e.record("\(key).lr", byMethod[m]!.chosen.learningRate, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).test_loss", meanTest(m), absoluteTolerance: lossTolerance.absolute, relativeTolerance: lossTolerance.relative)
            e.record("\(key).state_bytes", stateBytes(m), absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).diverged_runs", Double(byMethod[m]!.divergedCount), absoluteTolerance: 0, relativeTolerance: 0)
        }
        // Differences of test loss, paired by seed, with the detectable effect planned from the
        // selection runs' validation loss (the proxy the plans were made on).
        func difference(_ key: String, _ a: Method, _ b: Method, log logScale: Bool = false) {
            let values = { (m: Method) in byMethod[m]!.evaluation.map { r -> Double in
                let v = r.metric("test loss") ?? .nan
                return logScale ? Foundation.log(v) : v
            } }
            e.record(interval: key, Statistics.pairedDifferences(values(a), values(b)), tolerance: lossTolerance.absolute)
            if !logScale, let plan = comparison.plans.first(where: { $0.plan.method == a.rawValue && $0.plan.baseline == b.rawValue }),
               plan.detectable.isFinite {
                e.record("\(key).mde", plan.detectable, absoluteTolerance: lossTolerance.absolute, relativeTolerance: 0)
            }
        }
        e.record("c1a.bytes_galore_minus_lora", weightPlusState(.galore) - weightPlusState(.lora), absoluteTolerance: 0, relativeTolerance: 0)
        difference("c1b.loss_galore_minus_lora", .galore, .lora)
        difference("c1b.premise.loss_lora_minus_adamw", .lora, .adamW)
        // Memory claims at the paper's 7B shape (by construction, from the formulas), and the
        // same quantities measured on the tiny model as diagnostics.
        e.record("c2a.state_reduction_llama7b", 1 - Llama7B.galoreState(eightBitMoments: false) / Llama7B.adamState, absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("diagnostic.tiny.state_reduction", 1 - stateBytes(.galore) / stateBytes(.adamW), absoluteTolerance: 0, relativeTolerance: 1e-12)
        difference("c2b.log_loss_galore_minus_adamw", .galore, .adamW, log: true)
        e.record("c3a.state_reduction_llama7b", 1 - Llama7B.galoreState(eightBitMoments: true) / Llama7B.adamState, absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("c3b.total_reduction_llama7b", Llama7B.totalReduction, absoluteTolerance: 0, relativeTolerance: 1e-12)
        // The tiny model at the paper's baseline precision: BF16 moments are half our fp32 count;
        // 8-bit GaLore's state as measured (fp32 projectors).
        e.record("diagnostic.tiny.state_reduction_8bit_vs_bf16", 1 - stateBytes(.galore8bit) / (stateBytes(.adamW) / 2), absoluteTolerance: 0, relativeTolerance: 1e-12)
        difference("c3c.log_loss_8bit_minus_galore", .galore8bit, .galore, log: true)

        return PaperRun(evidence: e, setup: setup(s, source: source, optimum: optimum, rule: rule),
                        results: resultsBlocks(s, results: results, byMethod: byMethod, optimum: optimum, rule: rule))
    }
}

// MARK: - Report blocks

extension GaLore {
    func setup(_ s: Settings, source: MarkovTokenSource, optimum: Double, rule: SelectionRule) -> [ReportBlock] {
        let probe = TinyTransformer(config: s.model, rng: SeededRandom(seed: 0, path: ["probe"]))
        let blockCount = probe.linearLayers.filter { Self.isBlockMatrix($0.name) }.reduce(0) { $0 + $1.weight.value.count }
        return [
            .text(#"""
            **Data.** A random sparse Markov source (`MarkovTokenSource`, stream `data/source`): \#(s.vocabulary) tokens, \#
            order \#(s.order), each token's successors drawn from \#(s.branching) allowed tokens with context-dependent \#
            Dirichlet weights, and a uniform token with probability \#(fmt(s.smoothing)). Its entropies are exact: \#
            unigram \#(fmt(source.unigramEntropy, 4)), bigram \#(fmt(source.bigramEntropy, 4)), entropy rate \#
            \#(fmt(source.entropyRate, 4)) nats; the least achievable mean loss on sequences of \#(s.context + 1) tokens is \#
            **\#(fmt(optimum, 4)) nats/token**. Training batches are fresh draws (infinite data, one pass, like C4 \#
            pre-training); validation (\#(s.validationSequences) sequences, `data/validation`) and test \#
            (\#(s.testSequences) sequences, `data/test`) sets are fixed.

            **Model.** `TinyTransformer`: \#(s.layers) pre-LayerNorm blocks, width \#(s.width), \#(s.heads) heads, MLP \#
            \#(s.mlpRatio)×, context \#(s.context), GPT-2 initialisation N(0, 0.02²); \#(probe.parameterCount) parameters, \#
            \#(blockCount) of them in the \#(s.layers * 6) attention and MLP matrices.

            **Arms** (weight decay 0 everywhere, Adam β = (0.9, 0.999), ε = 1e-8 after bias correction):
            - *AdamW*: full-rank Adam on every parameter.
            - *GaLore*: rank r = \#(s.rank) projection of every attention and MLP matrix (`projection_type` std: the \#
            shorter side; square matrices their input side), SVD refresh every T = \#(s.updateGap) steps (steps 1, \#
            \#(s.updateGap + 1), …), scale α = \#(fmt(Double(s.scale))); embeddings, norms, biases and head take plain AdamW.
            - *8-bit GaLore*: the same, with every Adam moment (projected or not) stored blockwise in 8 bits \#
            (blocks of 256, fp32 absmax, bitsandbytes' dynamic maps).
            - *LoRA*: rank r = \#(s.rank) adapters (α/r = 1, A Kaiming-uniform, B = 0) on the same matrices, whose \#
            randomly initialised weights and biases are frozen; embeddings, norms and head train in full.

            **Budget and tuning.** \#(s.steps) steps at batch \#(s.batch) × \#(s.context) tokens, constant learning rate. \#
            Every arm's rate is chosen from the same grid {\#(s.learningRates.map { fmt($0) }.joined(separator: ", "))} by \#
            \#(rule.description), over \#(Format.counted(s.selectionSeeds, "selection seed")); the chosen rate is then run on \#
            \#(s.evaluationSeeds) fresh evaluation seeds (initial weights and batch order shared by every arm at each \#
            seed), and the claims are judged on their test loss. Streams: `pretrain/<arm>/<phase>/rep k` and \#
            `pretrain/common/<phase>/rep k`.

            **Memory.** `stateBytes` is the exact count of the optimizer's state tensors (moments, projectors, \#
            8-bit codes and block scales); weights count every fp32 parameter (frozen ones and adapters \#
            included), gradients every trainable parameter.
            """#),
        ]
    }

    func resultsBlocks(_ s: Settings, results: [ArmResult], byMethod: [Method: ArmResult], optimum: Double,
                       rule: SelectionRule) -> [ReportBlock] {
        let adamState = byMethod[.adamW]!.evaluation[0].metric("state bytes")!
        let adamTotal = ["weight bytes", "gradient bytes", "state bytes"].map { byMethod[.adamW]!.evaluation[0].metric($0)! }.reduce(0, +)
        let summaryRows = Method.allCases.map { m -> [String] in
            let r = byMethod[m]!, run = r.evaluation[0]
            let state = run.metric("state bytes")!, weights = run.metric("weight bytes")!, grads = run.metric("gradient bytes")!
            let test = r.summary("test loss")
            return [m.rawValue, fmt(r.chosen.learningRate), test.formatted, fmt(test.mean - optimum, 3),
                    "\(Int(state))", "\(fmt(100 * (1 - state / adamState), 3))%", "\(Int(weights + state))",
                    "\(Int(weights + grads + state)) (\(fmt(100 * (1 - (weights + grads + state) / adamTotal), 3))%)",
                    r.summary("update rank").formatted, "\(r.divergedCount)/\(r.evaluation.count)"]
        }
        let summary = Table(
            caption: "Pre-training results over \(s.evaluationSeeds) evaluation seeds: test loss (nats/token, mean ± 95% CI), its excess over the optimum \(fmt(optimum, 4)), and exact bytes. Reductions are against AdamW. Rank of ΔW: singular values of the accumulated update W_T − W_0 of each attention and MLP matrix (LoRA: its adapter product) above 1% of the largest, averaged over the \(s.layers * 6) matrices — at most r = \(s.rank) for LoRA by construction; more means the update left any single rank-r subspace.",
            headers: ["method", "lr", "test loss", "excess over optimum", "optimizer state (bytes)", "state reduction",
                      "weights + state", "weights + grads + state (reduction)", "rank of ΔW (of \(s.width))", "diverged"],
            rows: summaryRows)

        let pairs: [(Method, Method)] = [(.galore, .lora), (.galore, .adamW), (.galore8bit, .galore), (.lora, .adamW)]
        let paired = Table(
            caption: "Paired differences of test loss (same initial weights and batches at each seed), mean ± 95% CI.",
            headers: ["difference", "test loss difference"],
            rows: pairs.map { a, b in
                ["\(a.rawValue) − \(b.rawValue)", byMethod[a]!.pairedDifference("test loss", versus: byMethod[b]!).formatted]
            })

        let curves = ExperimentReport.lossFigure(
            results, name: "validation-loss", title: "Validation loss during pre-training (chosen learning rates)",
            yLabel: "validation loss (nats/token)", logY: false,
            caption: "Mean over evaluation seeds with 95% bands. The dashed line is the source's exact optimal loss; the gap to it is what each method has still to learn.")
        var figure = curves
        figure.reference = (optimum, "optimal loss")

        let rank = { (m: Method) in byMethod[m]!.summary("update rank").mean }
        let leftSubspace = rank(.galore) > Double(s.rank)
            ? "refreshing the projector every \(s.updateGap) steps does let GaLore's weights leave any single rank-\(s.rank) subspace, which LoRA's cannot."
            : "GaLore's accumulated updates stayed within rank \(s.rank) here, so this run does not show learning beyond one subspace."
        let reading = ReportBlock.text(#"""
            **Reading the results.** *Full-parameter learning:* the accumulated update of GaLore's matrices has \#
            on average \#(fmt(rank(.galore), 3)) singular values above 1% of the largest (of at most \#(s.width)), AdamW's \#
            \#(fmt(rank(.adamW), 3)), LoRA's \#(fmt(rank(.lora), 3)) (bounded by r = \#(s.rank)): \#(leftSubspace) \#
            *Loss:* the paired differences above say how much each method's test loss departs from the others' at \#
            this budget of \#(s.steps) steps; the paper's pre-training runs are \#(10_000 / s.steps)–\#(150_000 / s.steps) times \#
            longer (10k–150k steps), with \#((s.steps + s.updateGap - 1) / s.updateGap) subspaces here against 50–750 there. *Memory:* the reductions are exact \#
            counts and do not depend on the seed; the per-matrix formulas below show where they come from.
            """#)
        return [
            .table(summary), .table(paired), reading, .figure(figure),
            .table(ExperimentReport.sweepTable(results, rule: rule)),
            .table(memoryFormulaTable(s)),
            .text(#"""
            **c4 (7B on a 24 GB GPU) — byte counts only.** The same formulas at the LLaMA-7B shape (hidden 4096, \#
            MLP 11008, 32 layers, vocabulary 32000; 6.74 B parameters), with BF16 weights and states as in the \#
            paper and GaLore rank 1024 on the attention and MLP matrices (the paper's 7B setting). These are \#
            weights and optimizer states only: activations, gradients (the paper avoids storing them with \#
            per-layer updates) and workspace come on top, so this table cannot confirm or refute the 24 GB claim.
            """#),
            .table(llama7BTable()),
        ]
    }

    /// Per-matrix state of each method for this model's two matrix shapes, from the formulas.
    func memoryFormulaTable(_ s: Settings) -> Table {
        let r = s.rank, d = s.width, h = s.mlpRatio * s.width
        func row(_ name: String, _ m: Int, _ n: Int) -> [String] {
            let short = min(m, n), long = max(m, n)
            let adam = 2 * m * n * 4
            let galore = (short * r + 2 * long * r) * 4
            let codes = 2 * long * r, blocks = 2 * ((long * r + 255) / 256)
            let galore8 = short * r * 4 + codes + blocks * 4
            let lora = 2 * (m * r + r * n) * 4
            return [name, "\(m) × \(n)", "\(adam)", "\(galore) (\(fmt(100 * Double(galore) / Double(adam), 3))%)",
                    "\(galore8) (\(fmt(100 * Double(galore8) / Double(adam), 3))%)",
                    "\(lora) + \((m * r + r * n) * 4) adapter weights"]
        }
        return Table(
            caption: "Optimizer-state bytes per matrix from the paper's Table 1 formulas (fp32; r = \(r)): Adam 2mn, GaLore mr + 2nr (projector on the short side m, moments on the long side n), 8-bit GaLore with one-byte moments and an fp32 scale per 256 values, LoRA 2(mr + rn) moments plus its mr + rn adapter weights. The measured totals above include the full-rank embeddings, norms and head.",
            headers: ["matrix", "shape", "Adam", "GaLore", "8-bit GaLore", "LoRA"],
            rows: [row("attention (wq, wk, wv, wo)", d, d), row("MLP (fc1, fc2)", d, h)])
    }

    /// Bytes of a LLaMA-7B-shaped model (hidden 4096, MLP 11008, 32 layers, vocabulary 32000)
    /// under each method, BF16 as in the paper, GaLore rank 1024 on the attention and MLP
    /// matrices: the paper's 7B setting, from the same byte-counting formulas as our runs.
    struct Llama7B {
        static let hidden = 4096, mlp = 11008, layers = 32, vocabulary = 32000, rank = 1024
        static let matrices: [(Int, Int)] = Array(repeating: (hidden, hidden), count: 4) + [(hidden, mlp), (hidden, mlp), (mlp, hidden)]
        static let otherParams = 2 * vocabulary * hidden + (2 * layers + 1) * hidden
        static let params = layers * matrices.reduce(0) { $0 + $1.0 * $1.1 } + otherParams
        static let bf16 = 2.0
        static func eightBit(_ n: Int) -> Double { Double(n) + 4 * Double((n + 255) / 256) }
        static var weights: Double { bf16 * Double(params) }
        static var adamState: Double { 2 * bf16 * Double(params) }
        static var adam8State: Double { 2 * eightBit(params) }
        /// Projector (short side, BF16) + moments (long side) of the block matrices, plus full-rank
        /// moments for the rest.
        static func galoreState(eightBitMoments: Bool) -> Double {
            var state = 0.0
            for (m, n) in matrices {
                let short = min(m, n), long = max(m, n)
                state += Double(layers) * (bf16 * Double(short * rank) + (eightBitMoments ? 2 * eightBit(long * rank) : 2 * bf16 * Double(long * rank)))
            }
            return state + (eightBitMoments ? 2 * eightBit(otherParams) : 2 * bf16 * Double(otherParams))
        }
        /// Weights + gradients + optimizer state, BF16 AdamW against 8-bit GaLore with the
        /// paper's layer-wise weight update (one layer's gradient held at a time, the largest).
        static var totalReduction: Double {
            let baseline = weights + bf16 * Double(params) + adamState
            let layerWise = weights + bf16 * Double(hidden * mlp) + galoreState(eightBitMoments: true)
            return 1 - layerWise / baseline
        }
    }

    /// Weights + optimizer state of a LLaMA-7B-shaped model under each method, in GB (10⁹ bytes).
    func llama7BTable() -> Table {
        typealias L = Llama7B
        func gb(_ x: Double) -> String { fmt(x / 1e9, 3) }
        func row(_ name: String, _ state: Double) -> [String] {
            [name, gb(L.weights), gb(state), "\(fmt(100 * (1 - state / L.adamState), 3))%", gb(L.weights + state)]
        }
        return Table(
            caption: "LLaMA-7B shape (\(fmt(Double(L.params) / 1e9, 3)) B parameters), BF16 weights: optimizer state and weights + state in GB, from the same byte-counting formulas as our measured runs. Weights + gradients + state with the layer-wise update: \(fmt(100 * L.totalReduction, 3))% less than BF16 AdamW (c3b).",
            headers: ["method", "weights", "optimizer state", "state reduction vs BF16 Adam", "weights + state"],
            rows: [row("Adam (BF16 states)", L.adamState), row("8-bit Adam", L.adam8State),
                   row("GaLore r = 1024 (BF16 states)", L.galoreState(eightBitMoments: false)),
                   row("8-bit GaLore r = 1024", L.galoreState(eightBitMoments: true))])
    }
}
