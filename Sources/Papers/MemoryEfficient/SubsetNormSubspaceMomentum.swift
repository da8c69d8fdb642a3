import Foundation
import Harness

// # Subset-Norm and Subspace-Momentum
//
// Thien Hang Nguyen and Huy Le Nguyen (ICML 2025, arXiv 2411.07120).
//
// **The paper in plain words.** Adam keeps two numbers per weight: a momentum and a second moment.
// *Subset-Norm* (SN) shares one second moment among a subset of coordinates (for a matrix, a row
// or a column), so a d-coordinate matrix keeps about √d second moments instead of d; with subsets
// of one coordinate it is Adam, with one subset per tensor AdaGrad-Norm. *Subspace-Momentum* (SM)
// keeps the momentum only in a rank-r subspace found by an SVD of the gradient (GaLore's
// projection) and lets the orthogonal complement of the gradient through as a plain SGD step. The
// paper proves high-probability convergence for both (c1b, c2), claims the √d memory (c1a), and
// on LLaMA 60M–1B reports that Adam-SN+SM reaches Adam's perplexity with about half the tokens
// while keeping 20% of Adam's optimizer state (c3).
//
// This file is the delta from Adam's state (`ScaleBySubsetNorm`: the second moment summed over a
// subset) and from GaLore's projection (`SubspaceMomentum`: GaLore's projector around a momentum,
// plus the residual), then the claims and a comparison with tuned AdamW on the tiny transformer.

/// Subset-Norm and Subspace-Momentum (Nguyen and Nguyen, 2025): claims and experiment.
public struct SubsetNormSubspaceMomentum: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "subset-norm-subspace-momentum",
            title: "Efficient Adaptive Optimization via Subset-Norm and Subspace-Momentum: Fast, Memory-Reduced Training with Convergence Guarantees",
            method: "Subset-Norm + Subspace-Momentum (SN/SM)", family: "MemoryEfficient", arxiv: "2411.07120",
            code: "https://github.com/timmytonga/sn-sm",
            summary: #"""
            Subset-Norm shares Adam's second moment over subsets of coordinates (one per row or column of a \#
            matrix), cutting that state from d to about √d numbers per matrix; Subspace-Momentum keeps the \#
            momentum in a rank-r subspace from a periodic SVD and steps along the rest of the gradient with \#
            plain SGD. We count the state of both exactly on the tiny transformer and compare tuned AdamW-SN \#
            and AdamW-SN+SM with tuned AdamW on its test loss; the convergence theorems and the LLaMA \#
            token-efficiency figures are not tested.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(id: "c1a", statement: "Subset-Norm cuts the second moment of a d-coordinate m × n matrix from d numbers to one per subset: max(m, n) with the paper's row/column subsets (√d for a square matrix).",
                  source: "abstract; Section 3", paperValue: "O(d) → O(√d)", paperSetting: "every nn.Linear weight of LLaMA 60M–1B",
                  metric: "AdamW-SN's measured second-moment bytes minus the formula 4·(Σ_matrices max(m, n) + Σ_other tensors numel), on the tiny transformer",
                  rule: .exact("c1a.sn_second_moment_bytes_minus_formula", "measured minus formula bytes", equals: 0, byConstruction: true),
                  scaling: "the tiny transformer's matrices (32 × 32 and 32 × 128), fp32; ratios are the same at BF16"),
            Claim.notTestable(id: "c1b", statement: "Subset-Norm has a high-probability convergence guarantee for non-convex smooth objectives under coordinate-wise sub-gaussian noise, with better dimension dependence than AdaGrad-Norm and AdaGrad.",
                              source: "abstract; Section 3 (Theorem 3.1)", paperValue: "a theorem", paperSetting: "analysis",
                              reason: "a proof about worst-case rates; a finite CPU run can illustrate but not check a high-probability bound"),
            Claim.notTestable(id: "c2", statement: "Subspace-Momentum (momentum in a subspace, SGD on its orthogonal complement) converges with high probability under similar assumptions.",
                              source: "abstract; Section 4", paperValue: "a theorem", paperSetting: "analysis",
                              reason: "a proof about rates; no finite run checks it"),
            Claim(id: "c3a", statement: "Adam-SN+SM keeps at most a quarter of Adam's optimizer-state memory (20% on LLaMA).",
                  source: "abstract", paperValue: "20% of Adam's optimizer states", paperSetting: "LLaMA 60M–1B, BF16, SN+SM on nn.Linear weights",
                  metric: "AdamW-SN+SM's state bytes (momentum, projectors, second moments) over AdamW's, on the tiny transformer",
                  rule: .bound("c3a.snsm_state_fraction", "state fraction SN+SM / AdamW", 0.25),
                  scaling: "the tiny transformer, rank r = width/4 = 8 on every matrix; both counted at the same precision, so the fraction holds at BF16; the catalog's bound of 25%"),
            Claim(id: "c3b", statement: "Adam-SN+SM trains as well as Adam: its test loss is no worse than tuned AdamW's by more than 0.02 nats.",
                  source: "abstract; Figure 1", paperValue: "Adam's validation perplexity (in about half the tokens)", paperSetting: "LLaMA 60M–1B on C4",
                  metric: "paired difference of test loss, AdamW-SN+SM − AdamW, each tuned on validation loss",
                  rule: .nonInferiority("c3b.transformer_markov.test_loss_snsm_minus_adamw", "test loss, SN+SM − AdamW", better: .lower, margin: 0.02, unit: "nats"),
                  scaling: "the tiny transformer on an order-2 Markov source, 300 steps (quick: 40) at equal tokens; margin 0.02 nats (2% perplexity)"),
            Claim(id: "c3c", statement: "Adam-SN alone trains as well as Adam: its test loss is no worse than tuned AdamW's by more than 0.02 nats.",
                  source: "README (learning curves); Section 5", paperValue: "AdamSN at or below Adam's perplexity (no number in the abstract)", paperSetting: "LLaMA 60M–1B on C4",
                  metric: "paired difference of test loss, AdamW-SN − AdamW, each tuned on validation loss",
                  rule: .nonInferiority("c3c.transformer_markov.test_loss_sn_minus_adamw", "test loss, SN − AdamW", better: .lower, margin: 0.02, unit: "nats"),
                  scaling: "as c3b"),
            Claim.notTestable(id: "c3d", statement: "Adam-SN+SM reaches Adam's validation perplexity in about half the training tokens (6.8B vs 13.1B).",
                              source: "abstract", paperValue: "6.8B vs 13.1B tokens", paperSetting: "LLaMA 1B on C4",
                              reason: "a token-efficiency figure of billion-token LLaMA runs (the catalog marks it not testable); our 300-step runs are judged at equal tokens (c3b)"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "The Subset-Norm second moment holds one number per row or column, as counted (c1a: \(verdict("c1a"))); "
            + "SN+SM's whole state within a quarter of AdamW's is \(verdict("c3a")). At equal tokens on the tiny transformer, "
            + "SN+SM within 0.02 nats of tuned AdamW is \(verdict("c3b")) and SN alone \(verdict("c3c")). "
            + "The byte count depends on the model: at the LLaMA-60M shape with the official rank 128 the same formulas give "
            + Format.compact(100 * Self.llama60MFractions().snsm, 3) + "% of Adam's state, because the embedding keeps full Adam moments; "
            + "the paper's 20% needs larger matrices relative to the vocabulary. "
            + "The convergence theorems and the half-the-tokens figure are not tested."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Subset-Norm (AdamW-SN), a delta from Adam's second moment.** Partition the coordinates of a \#
        tensor into subsets $S_1,\dots,S_k$. With gradient $g_t$, Adam's $v_t=\beta_2 v_{t-1}+(1-\beta_2)g_t^2$ \#
        becomes one number per subset, $v_{t,j}=\beta_2 v_{t-1,j}+(1-\beta_2)\sum_{i\in S_j}g_{t,i}^2$, and \#
        every coordinate of $S_j$ is divided by $\sqrt{v_{t,j}}+\epsilon$:
        $$\theta_{t,i}=\theta_{t-1,i}-\eta\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,\frac{m_{t,i}}{\sqrt{v_{t,j(i)}}+\epsilon}.$$
        Subsets of one coordinate give Adam; one subset per tensor gives Adam with an AdaGrad-Norm-style \#
        step. The paper's "heuristics" (used here for every matrix) take the subsets along the *shorter* \#
        side of an m × n matrix, so there are max(m, n) of them; pytorch-optimizer's `AdamWSN` (the golden) \#
        instead takes contiguous blocks of `subset_size` entries in storage order, by default the largest \#
        divisor of d at most ⌊√d⌋. $\epsilon$ is added to $\sqrt v$ before the bias corrections are folded \#
        into the step; tensors with `sn` off keep Adam's coordinate-wise $v$.

        **Subspace-Momentum (SN+SM), a delta from GaLore's projection.** For a matrix with projector $P$ \#
        (the top-r singular vectors of the gradient on its shorter side, refreshed every T steps: GaLore's \#
        `GaLoreProjection` unchanged), the momentum lives in the projected space, and the part of the \#
        gradient outside the subspace passes through as plain SGD:
        $$M_t=\beta_1 M_{t-1}+(1-\beta_1)P^\top G_t,\qquad N_t=P M_t+(G_t-PP^\top G_t),$$
        and $N_t$ takes the place of $m_t$ in the Subset-Norm step (the second moment still sums the raw \#
        $G_t^2$). $M$ is reset to zero when $P$ is refreshed. State per m × n matrix (m ≤ n): projector mr, \#
        momentum nr, second moment n — against Adam's 2mn.
        """#
    }

    public var excerpts: [String] { ["subset-norm", "subspace-momentum"] }

    public var deviations: String {
        #"""
        - **Scale.** The paper pre-trains LLaMA 60M–1B on C4 for up to 13B tokens; we train the harness's \#
        2-block transformer (width 32) on an order-2 Markov source for 300 steps, and judge quality at \#
        equal tokens, not tokens-to-target.
        - **Which tensors.** The paper applies SN and SM to `nn.Linear` weights; our transformer's every \#
        matrix gets them (the token embedding included, which is an `nn.Embedding` in LLaMA); vectors \#
        (norms, biases) keep AdamW. Rank r = 8 (width/4, as 128 of 512 at 60M), refresh every T = 50 steps \#
        (the official runs use 100–200 of 10 000).
        - **Refresh schedule and reset.** GaLore's projection refreshes at steps 1, T+1, 2T+1, …; the \#
        official SM at steps 1, T, 2T, …, and its reset of the momentum takes effect one step late (the \#
        reset step still updates the old buffer). We reset at the refresh, as intended.
        - **Weight decay.** 0 in every run; with decay, the chain's torch-style $\theta-\eta(u+\lambda\theta)$ \#
        differs from the official $(\theta-\eta u)(1-\eta\lambda)$ by $\eta^2\lambda u$.
        - **Tuning.** One learning-rate grid for every arm (the README's advice that SN wants a rate ten times \#
        Adam's is covered by the grid), 3 selection seeds, power-planned evaluation seeds.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

// MARK: - Subset-Norm: Adam's second moment shared over subsets

// excerpt: subset-norm
/// AdamW-SN's scaling (pytorch-optimizer 4.1 `AdamWSN`; the official `GenericOptim` with
/// `second_moment_type="sn"`):
///
///     v_j ← v_j + (1 − β₂)(Σ_{i∈S_j} u_i² − v_j)        (one second moment per subset)
///     u   ← numerator(u)                                   (m, or Subspace-Momentum's N)
///     u_i ← u_i / (√v_{j(i)} + ε) · √(1 − β₂ᵗ)/(1 − β₁ᵗ)
///
/// State: the numerator's, plus one float per subset.
public final class ScaleBySubsetNorm: GradientTransformation {
    /// How a tensor's coordinates are grouped, in storage order.
    public enum Subsets: Sendable, Equatable {
        /// Consecutive blocks of `k` entries (`k = 1`: Adam); a stored matrix's rows are blocks of `columns`.
        case contiguous(Int)
        /// One subset per column of a stored matrix.
        case columns

        /// pytorch-optimizer's `subset_size`: `s > 0` asks for blocks of `s`, `s < 0` for ⌊√d/|s|⌋; either
        /// is lowered to the nearest divisor of `d` (blocks must tile the tensor).
        public static func size(_ s: Int, count d: Int) -> Subsets {
            let wanted = max(1, min(d, s > 0 ? s : Int(Double(d).squareRoot() / Double(abs(s)))))
            return .contiguous((1...wanted).reversed().first { d % $0 == 0 }!)
        }

        /// The paper's heuristics: subsets along the shorter side (a square matrix: one per output),
        /// so `max(m, n)` of them.
        public static func heuristic(rows: Int, columns: Int, layout: GaLoreProjection.Layout) -> Subsets {
            if rows != columns { return rows > columns ? .contiguous(columns) : .columns }
            return layout == .outputsByInputs ? .contiguous(columns) : .columns
        }
    }

    public let beta2: Double, eps: Float, biasBeta1: Double
    public let subsets: [Subsets?]
    /// Produces the numerator from the gradient: Adam's momentum or ``SubspaceMomentum``.
    public let numerator: GradientTransformation
    public private(set) var second: [Tensor<Float>] = []

    public init(subsets: [Subsets?], numerator: GradientTransformation, beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8) {
        (self.subsets, self.numerator, self.biasBeta1, self.beta2, self.eps) = (subsets, numerator, beta1, beta2, eps)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let partition = (index < subsets.count ? subsets[index] : nil) ?? .contiguous(1)
        let n = u.count, width = u.rank == 2 ? u.columns : n
        let count: Int
        switch partition { case .contiguous(let k): count = n / k; case .columns: count = width }
        while second.count <= index { second.append(Tensor(shape: [0], data: [])) }
        if second[index].count != count { second[index] = .zeros([count]) }
        let keep = Float(1 - beta2), eps = self.eps
        let scale = Float(BiasCorrection.factor(beta2, step: step).squareRoot() / BiasCorrection.factor(biasBeta1, step: step))
        var sums = [Float](repeating: 0, count: count)
        u.data.withUnsafeBufferPointer { g in
            switch partition {
            case .contiguous(let k):
                for j in 0..<count { var s: Float = 0; for i in j * k..<(j + 1) * k { s += g[i] * g[i] }; sums[j] = s }
            case .columns:
                for r in 0..<n / width { for c in 0..<width { sums[c] += g[r * width + c] * g[r * width + c] } }
            }
        }
        var factors = sums
        second[index].data.withUnsafeMutableBufferPointer { v in
            for j in 0..<count {
                v[j] = v[j] + keep * (sums[j] - v[j])
                factors[j] = scale / (v[j].squareRoot() + eps)
            }
        }
        numerator.update(&u, parameter: parameter, index: index, step: step)
        u.data.withUnsafeMutableBufferPointer { x in
            switch partition {
            case .contiguous(let k):
                for j in 0..<count { let f = factors[j]; for i in j * k..<(j + 1) * k { x[i] *= f } }
            case .columns:
                for r in 0..<n / width { for c in 0..<width { x[r * width + c] *= factors[c] } }
            }
        }
    }

    /// The second moments' bytes alone (the quantity of c1a).
    public var secondMomentBytes: Int { second.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.size }
    public var stateBytes: Int { secondMomentBytes + numerator.stateBytes }
}

/// Adam's momentum without its bias correction (folded into ``ScaleBySubsetNorm``'s step), torch's
/// lerp `m ← m + (1 − β₁)(u − m)`, `u ← m`; zeroed at the steps where `resetGaps[index]` refreshes
/// a projector (1, T+1, 2T+1, … after the first).
public final class LerpMomentum: GradientTransformation {
    public let beta1: Double, resetGaps: [Int?]
    public let state = PerTensorState(slots: 1)

    public init(beta1: Double = 0.9, resetGaps: [Int?] = []) { (self.beta1, self.resetGaps) = (beta1, resetGaps) }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let gap = index < resetGaps.count ? resetGaps[index] : nil
        let carry: Float = gap.map { step > 1 && (step - 1) % $0 == 0 } == true ? 0 : 1, keep = Float(1 - beta1)
        state.update(&u, index: index) { g, m in
            m = carry * m
            m = m + keep * (g - m)
            g = m
        }
    }

    public var stateBytes: Int { state.bytes }
}
// end excerpt

// MARK: - Subspace-Momentum: GaLore's projection around the momentum, plus the residual

// excerpt: subspace-momentum
/// `N = P·M + (G − P Pᵀ G)`: GaLore's ``GaLoreProjection`` (scale 1) run around a ``LerpMomentum``
/// that resets at each refresh gives `P·M`; the part of `G` outside the subspace is added back.
/// Tensors without settings get the full momentum. State: projectors + projected momenta.
public final class SubspaceMomentum: GradientTransformation {
    public let projection: GaLoreProjection

    public init(settings: [GaLoreProjection.Settings?], beta1: Double = 0.9, layout: GaLoreProjection.Layout) {
        projection = GaLoreProjection(settings: settings, inner: LerpMomentum(beta1: beta1, resetGaps: settings.map { $0?.updateGap }),
                                      layout: layout)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let g = u
        projection.update(&u, parameter: parameter, index: index, step: step)
        guard let p = projection.projector(index), p.step > 0, index < projection.settings.count, projection.settings[index] != nil else { return }
        var residual = g
        if p.side == .left {
            gemm(p.matrix, matmul(p.matrix, g, transposeA: true), into: &residual, alpha: -1, beta: 1)
        } else {
            gemm(matmul(g, p.matrix, transposeB: true), p.matrix, into: &residual, alpha: -1, beta: 1)
        }
        u.add(residual)
    }

    public var stateBytes: Int { projection.stateBytes }
}

extension Chains {
    /// AdamW-SN (`sn+sm: false`) or AdamW-SN+SM on a group: every matrix gets the paper's heuristic
    /// subsets and, with `rank`, Subspace-Momentum when r < min(m, n); vectors keep Adam's state.
    public static func subsetNorm(_ parameters: [Parameter], rank: Int? = nil, updateGap: Int = 50, eps: Float = 1e-8,
                                  layout: GaLoreProjection.Layout = .inputsByOutputs) -> [GradientTransformation] {
        let values = parameters.map(\.value)
        let subsets = values.map { $0.rank == 2 ? ScaleBySubsetNorm.Subsets.heuristic(rows: $0.rows, columns: $0.columns, layout: layout) : nil }
        guard let r = rank else { return [ScaleBySubsetNorm(subsets: subsets, numerator: LerpMomentum(), eps: eps)] }
        let settings = values.map { $0.rank == 2 && r < min($0.rows, $0.columns) ? GaLoreProjection.Settings(rank: r, updateGap: updateGap) : nil }
        return [ScaleBySubsetNorm(subsets: subsets, numerator: SubspaceMomentum(settings: settings, layout: layout), eps: eps)]
    }
}
// end excerpt

// MARK: - `reproduce trace` and the league

extension SubsetNormSubspaceMomentum {
    /// pytorch-optimizer's `AdamWSN`: `lr` 1e-3, `betas`, `eps` 1e-8, `weight_decay` (decoupled),
    /// `subset_size` −1; per tensor `sn` (default off: Adam) and `subset_size`. Contiguous subsets.
    static let adamWSNTrace: TraceOptimizerFactory = { h, parameters in
        try h.accept(["lr", "betas", "eps", "weight_decay", "weight_decouple", "fixed_decay", "subset_size"])
        // Keywords first (their torch range checks), then the per-tensor groups.
        let (lr, eps, decay) = (try h.float("lr", default: 1e-3), try h.float("eps", default: 1e-8), try h.float("weight_decay", default: 0))
        let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
        if try h.bool("fixed_decay", default: false) || !(try h.bool("weight_decouple", default: true)) {
            throw TraceError.invalidHyperparameter("weight_decouple", optimizer: h.optimizer, expected: "decoupled, unfixed decay (the only one implemented)")
        }
        let global = try h.float("subset_size", default: -1)
        try h.acceptGroups(["sn": .bool, "subset_size": .wholeNumber(-TraceHyperparameters.wholeNumberCap...TraceHyperparameters.wholeNumberCap)])
        let subsets = try parameters.map { p -> ScaleBySubsetNorm.Subsets? in
            guard p.options["sn"] == 1 else { return nil }
            let s = Int(p.options["subset_size"] ?? Double(global))
            guard s != 0, Double(s) == (p.options["subset_size"] ?? Double(global)) else {
                throw TraceError.invalidHyperparameter("subset_size", optimizer: h.optimizer, expected: "a nonzero whole number")
            }
            return .size(s, count: p.value.count)
        }
        let scaling = ScaleBySubsetNorm(subsets: subsets, numerator: LerpMomentum(beta1: b1), beta1: b1, beta2: b2, eps: eps)
        return ChainedOptimizer(parameters, transforms: [scaling] + (decay == 0 ? [] : [AddDecayedWeights(decay)]), learningRate: .constant(lr))
    }

    public var traceOptimizers: [String: TraceOptimizerFactory] { ["adamw-sn": Self.adamWSNTrace] }

    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("adamw-sn") { p, h in ChainedOptimizer(p, transforms: Chains.subsetNorm(p), learningRate: .constant(Float(h.learningRate))) },
         OptimizerArm("adamw-snsm") { p, h in
             let r = max(1, (p.filter { $0.value.rank == 2 }.map { min($0.value.rows, $0.value.columns) }.max() ?? 4) / 4)
             return ChainedOptimizer(p, transforms: Chains.subsetNorm(p, rank: r), learningRate: .constant(Float(h.learningRate)))
         }]
    }
}

// MARK: - The experiment

extension SubsetNormSubspaceMomentum {
    /// Every knob, by scale. Tests build tiny ones directly.
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        /// Subspace-Momentum's rank and refresh gap on the transformer (width 32).
        var rank = 8
        var updateGap: Int
        var task: (RunContext) throws -> StandardTask = { StandardTasks.transformerMarkov($0) }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [3e-3, 3e-2], full: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 3)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 6)
            updateGap = context.pick(quick: 20, full: 50)
        }
    }

    /// The standard transformer's shape (StandardTasks.transformerMarkov), for the byte counts.
    static let probeConfig = TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: 2)

    static func arms(_ s: Settings) -> [OptimizerArm] {
        [OptimizerArm("AdamW") { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate)), eps: 1e-8, weightDecay: 0) },
         OptimizerArm("AdamW-SN") { p, h in ChainedOptimizer(p, transforms: Chains.subsetNorm(p), learningRate: .constant(Float(h.learningRate))) },
         OptimizerArm("AdamW-SN+SM") { p, h in
             ChainedOptimizer(p, transforms: Chains.subsetNorm(p, rank: s.rank, updateGap: s.updateGap), learningRate: .constant(Float(h.learningRate)))
         }]
    }

    /// Exact state bytes of each arm on the probe transformer after one step of seeded gradients,
    /// and the formula of c1a: 4·(Σ_matrices max(m, n) + Σ_vectors numel).
    struct Bytes { var adamW = 0, snSecond = 0, snFormula = 0, sn = 0, snsm = 0 }

    static func bytes(_ s: Settings) -> Bytes {
        func stepped(_ make: ([Parameter]) -> ChainedOptimizer) -> ChainedOptimizer {
            let model = TinyTransformer(config: probeConfig, rng: SeededRandom(seed: 0, path: ["probe", "model"]))
            var rng = SeededRandom(seed: 0, path: ["probe", "gradients"])
            let optimizer = make(model.parameters)
            for p in model.parameters { p.grad = .randomNormal(p.value.shape, using: &rng) }
            optimizer.applyGradients()
            return optimizer
        }
        var b = Bytes()
        b.adamW = stepped { ChainedOptimizer.adamW($0, learningRate: 1e-3, eps: 1e-8, weightDecay: 0) }.stateBytes
        let sn = stepped { ChainedOptimizer($0, transforms: Chains.subsetNorm($0), learningRate: 1e-3) }
        b.sn = sn.stateBytes
        b.snSecond = (sn.groups[0].transforms[0] as! ScaleBySubsetNorm).secondMomentBytes
        b.snsm = stepped { ChainedOptimizer($0, transforms: Chains.subsetNorm($0, rank: s.rank, updateGap: s.updateGap), learningRate: 1e-3) }.stateBytes
        let probe = TinyTransformer(config: probeConfig, rng: SeededRandom(seed: 0, path: ["probe", "model"]))
        b.snFormula = 4 * probe.parameters.reduce(0) { $0 + ($1.value.rank == 2 ? max($1.value.rows, $1.value.columns) : $1.value.count) }
        return b
    }

    /// State fractions (SN+SM, SN) of Adam's at the LLaMA-60M shape of the official configs (hidden 512,
    /// MLP 1376, 8 layers, vocabulary 32000, untied head) with the official example's rank 128: SN and
    /// SM on the 57 `nn.Linear` weights (projector min·r, momentum max·r, second moment max), Adam on
    /// the embedding and norms. Counted in numbers, so the fractions hold at any common precision.
    static func llama60MFractions(rank r: Int = 128) -> (snsm: Double, sn: Double) {
        let (h, mlp, layers, vocabulary) = (512, 1376, 8, 32000)
        let linear = Array(repeating: [(h, h), (h, h), (h, h), (h, h), (mlp, h), (mlp, h), (h, mlp)], count: layers).flatMap { $0 } + [(vocabulary, h)]
        let other = vocabulary * h + (2 * layers + 1) * h
        let adam = 2 * (linear.reduce(0) { $0 + $1.0 * $1.1 } + other)
        let snsm = linear.reduce(0) { $0 + (min($1.0, $1.1) + max($1.0, $1.1)) * r + max($1.0, $1.1) } + 2 * other
        let sn = linear.reduce(0) { $0 + $1.0 * $1.1 + max($1.0, $1.1) } + 2 * other
        return (Double(snsm) / Double(adam), Double(sn) / Double(adam))
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var evidence = Evidence()
        let b = Self.bytes(s), llama = Self.llama60MFractions()
        evidence.record("diagnostic.llama60m.snsm_state_fraction", llama.snsm, absoluteTolerance: 0, relativeTolerance: 1e-12)
        evidence.record("c1a.sn_second_moment_bytes_minus_formula", Double(b.snSecond - b.snFormula), absoluteTolerance: 0, relativeTolerance: 0)
        evidence.record("c3a.snsm_state_fraction", Double(b.snsm) / Double(b.adamW), absoluteTolerance: 0, relativeTolerance: 1e-12)
        evidence.record("diagnostic.sn_state_fraction", Double(b.sn) / Double(b.adamW), absoluteTolerance: 0, relativeTolerance: 1e-12)

        let task = try s.task(context)
        let comparison = Comparison(context: context, claim: "c3", arms: Self.arms(s), learningRates: s.learningRates,
                                    selection: .lowest("validation loss"), selectionSeeds: s.selectionSeeds,
                                    evaluationSeeds: s.evaluationSeeds, seedCap: s.seedCap,
                                    power: ["AdamW-SN+SM", "AdamW-SN"].map { PowerPlan(method: $0, baseline: "AdamW", metric: "validation loss", minimalEffect: 0.02) })
        let result = try comparison.run([task])[0]
        result.result.recordDifference("c3b.\(task.key).test_loss_snsm_minus_adamw", method: "AdamW-SN+SM", baseline: "AdamW",
                                       metric: "test loss", tolerance: 0.02, into: &evidence)
        result.result.recordDifference("c3c.\(task.key).test_loss_sn_minus_adamw", method: "AdamW-SN", baseline: "AdamW",
                                       metric: "test loss", tolerance: 0.02, into: &evidence)

        let setup: [ReportBlock] = [.text(comparison.setupText([task])), .text(#"""
            **Arms.** *AdamW*: torch's AdamW, β = (0.9, 0.999), ε = 1e-8, no decay. *AdamW-SN*: Subset-Norm on \#
            every matrix (the paper's heuristics: one second moment per row or column along the longer side), \#
            Adam on vectors, ε = 1e-8. *AdamW-SN+SM*: the same with Subspace-Momentum of rank r = \#(s.rank) \#
            on every matrix with min(m, n) > r, SVD refresh every T = \#(s.updateGap) steps.
            """#)]
        func row(_ name: String, _ bytes: Int, _ second: String) -> [String] {
            [name, "\(bytes)", Format.compact(100 * Double(bytes) / Double(b.adamW), 3) + "%", second]
        }
        let memory = Table(
            caption: "c1a, c3a: optimizer-state bytes on the transformer (\(TinyTransformer(config: Self.probeConfig, rng: SeededRandom(seed: 0, path: ["probe", "model"])).parameterCount) parameters), counted exactly after one step (fp32; every fraction is the same at BF16). The paper: SN+SM at 20% of Adam's state on LLaMA.",
            headers: ["arm", "state bytes", "of AdamW's", "second-moment bytes"],
            rows: [row("AdamW", b.adamW, "\(b.adamW / 2) (one per weight)"),
                   row("AdamW-SN", b.sn, "\(b.snSecond) (formula \(b.snFormula))"),
                   row("AdamW-SN+SM", b.snsm, "\(b.snSecond)")])
        let shape = Table(
            caption: "The same byte formulas at the LLaMA-60M shape of the official configs with the official example's rank 128 (SN and SM on the nn.Linear weights, head included; Adam on the embedding and norms). Not a claim: the abstract's 20% is not tied to a stated model and rank.",
            headers: ["model", "SN state of Adam's", "SN+SM state of Adam's"],
            rows: [["LLaMA-60M, r = 128", Format.compact(100 * llama.sn, 3) + "%", Format.compact(100 * llama.snsm, 3) + "%"]])
        var results: [ReportBlock] = [.text("### c1a, c3a: state memory"), .table(memory), .table(shape),
                                      .text("### c3b, c3c: test loss against tuned AdamW")]
        results.append(contentsOf: result.blocks(judged: "test loss", metrics: ["test loss", "final training loss"],
                                                 pairs: [("AdamW-SN+SM", "AdamW"), ("AdamW-SN", "AdamW")], figure: "c3-\(task.key)"))
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
