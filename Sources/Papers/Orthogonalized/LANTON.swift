import Foundation
import Harness

// # LANTON: noise-adaptive layerwise learning rates for geometry-aware optimizers
//
// Jie Hao, Xiaochuan Gong, Jie Xu, Zhengdao Wang and Mingrui Liu (arXiv 2510.14009, 2025).
// No official code.
//
// **The paper in plain words.** Muon (and Scion, D-Muon) pick a norm per group of layers and step
// along that norm's linear minimization oracle (LMO): for hidden matrices under the spectral
// norm, the orthogonalised momentum. Every layer of a group shares one learning rate. LANTON
// notes that layers of a group differ in how noisy their gradients are, and that this changes
// during training; it keeps an on-line estimate of each layer's gradient noise measured in the
// dual norm of its LMO (the nuclear norm for the spectral LMO) and gives noisier layers smaller
// steps. The paper claims this substantially accelerates geometry-aware training compared with
// one rate per group (c1), proves a sharp convergence rate (c2), and reports faster convergence
// than state-of-the-art optimizers on LLaMA- and GPT-style transformers (c3).
//
// Muon lives in the harness (`ScaleByMuon`, `Muon.optimizer`); LANTON is `ScaleByMuon` followed
// by one multiplier per layer computed from every layer's noise estimate: that delta is this
// file's method.

/// LANTON (Hao et al., 2025): the paper's claims and experiments.
public struct LANTONPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "lanton", title: "Noise-Adaptive Layerwise Learning Rates: Accelerating Geometry-Aware Optimization for Deep Neural Network Training",
            method: "LANTON", family: "Orthogonalized", arxiv: "2510.14009", code: nil,
            summary: #"""
            LANTON keeps Muon's orthogonalised momentum step for hidden matrices but gives each matrix its own, \#
            time-varying learning rate: an exponential average $H^\ell$ of the squared nuclear norm (the dual of the \#
            spectral norm) of the layer's gradient noise, estimated as the gradient's deviation from its momentum, and \#
            the rate $\eta\sqrt{(\alpha+\min_j H^j)/(\alpha+H^\ell)}$, so the least noisy layer keeps the group's rate \#
            and noisier ones step shorter. The paper claims this accelerates geometry-aware optimizers over one rate \#
            per group (c1), a sharp convergence rate (c2), and faster convergence than state-of-the-art optimizers on \#
            transformers (c3). We compare LANTON, Muon and AdamW, each tuned the same way, on the tiny transformer \#
            language model and the digits MLP.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "Noise-adaptive layerwise rates make Muon train a transformer language model faster than Muon's one rate per group.",
                source: "abstract; Section 6",
                paperValue: "“substantially accelerates” (no number in the abstract)", paperSetting: "LLaMA and GPT pre-training",
                metric: "paired difference of log final loss on a fresh batch (a held-out loss) after a fixed budget, LANTON − Muon, both tuned",
                rule: .superiority("c1a.transformer_markov.log_loss_lanton_minus_muon", "log loss, LANTON − Muon", better: .lower, minimalEffect: 0.01),
                scaling: "the tiny transformer (2 blocks, width 32) on an order-2 Markov source, 300 steps (quick: 40)"),
            Claim(
                id: "c1b",
                statement: "The same acceleration holds on a small MLP classifier (the catalog's second setting).",
                source: "catalog's suggested experiment",
                paperValue: "not stated", paperSetting: "not in the paper (the catalog suggests a 3-layer MLP)",
                metric: "paired difference of test accuracy in points after 10 epochs, LANTON − Muon, both tuned on validation accuracy",
                rule: .superiority("c1b.mlp_digits.accuracy_points_lanton_minus_muon", "test accuracy, LANTON − Muon", better: .higher, minimalEffect: 0.5, unit: "points"),
                scaling: "the 64-128-128-10 MLP on the 8x8 digits, 10 epochs (quick: 2)"),
            Claim.notTestable(
                id: "c2",
                statement: "LANTON achieves a sharp convergence rate.",
                source: "abstract; Section 5", paperValue: "convergence theorem", paperSetting: "analytic",
                reason: "it is a theorem; an experiment can illustrate but neither prove nor refute a rate."),
            Claim(
                id: "c3",
                statement: "LANTON converges faster than state-of-the-art optimizers (the better of tuned AdamW and Muon) on a transformer.",
                source: "abstract; Section 6",
                paperValue: "faster (no number in the abstract)", paperSetting: "LLaMA and GPT pre-training",
                metric: "paired difference of log final loss on a fresh batch, LANTON − the better of AdamW and Muon by selection score",
                rule: .superiority("c3.transformer_markov.log_loss_lanton_minus_best", "log loss, LANTON − best of AdamW/Muon", better: .lower, minimalEffect: 0.01),
                scaling: "as c1a"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "On the tiny transformer, the claim that noise-adaptive layerwise rates speed Muon up is \(verdict("c1a").display); "
        text += "on the digits MLP it is \(verdict("c1b").display). "
        text += "Against the better of tuned AdamW and Muon on the transformer, LANTON's claim to converge faster is \(verdict("c3").display). "
        text += "The effect sought on the transformer is small (the rule's minimal effect is 1% of the loss), and the rates section shows what LANTON changes: its tuned base rate is reached only by the least noisy matrix while the noisiest move at a small fraction of it, so LANTON's tuned η is a ceiling, not comparable to Muon's one rate. "
        text += "The nuclear norm adds up singular values, so at equal per-entry noise a larger matrix counts as noisier: within Muon's one group the rule also reweights matrices by size. "
        text += "On the digits MLP the arms' test accuracies sit close together near what this small problem allows, so half a point is hard to resolve either way. "
        text += "The convergence theorem is a mathematical statement we do not test."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Muon per group.** Each hidden matrix $X^\ell$ (layer $\ell$ of the spectral-norm group) takes Muon's \#
        step (the harness's `ScaleByMuon`): momentum $B_t^\ell=\beta_1B_{t-1}^\ell+(1-\beta_1)G_t^\ell$ (Nesterov), \#
        $O_t^\ell=\mathrm{NS}_5(B_t^\ell)$ the LMO of the spectral ball up to sign and the shape factor \#
        $\sqrt{\max(1,m/n)}$; the other tensors take AdamW.

        **Noise in the dual norm.** The dual of the spectral norm is the nuclear norm $\lVert A\rVert_*=\sum_i\sigma_i(A)$. \#
        Each step LANTON measures each layer's gradient noise as the deviation of the fresh stochastic gradient \#
        from its running mean, the momentum before this step, and averages its square:

        $$H_t^\ell=\beta_2H_{t-1}^\ell+(1-\beta_2)\,\lVert G_t^\ell-B_{t-1}^\ell\rVert_*^2,\qquad H_0^\ell=0$$

        (no sample at $t=1$, where there is no momentum yet).

        **Layerwise rates.** All of a group's estimates are formed before any layer steps; then

        $$\eta_t^\ell=\eta_t\sqrt{\frac{\alpha+\min_jH_t^j}{\alpha+H_t^\ell}},\qquad X_{t+1}^\ell=X_t^\ell-\eta_t^\ell\,O_t^\ell,$$

        so the least noisy layer moves at the group's rate $\eta_t$ and a layer with $k$ times its noise (in the \#
        dual norm) at $\eta_t/k$. With the same noise in every layer this is Muon exactly; scaling every gradient \#
        by a constant changes no rate. Defaults: $\beta_1=0.95$ (Muon's), $\beta_2=0.9$, $\alpha=10^{-8}$.
        """#
    }

    public var excerpts: [String] { ["scale-by-muon", "lanton"] }

    public var deviations: String {
        #"""
        - **The update rule.** The paper has no public code, and only its abstract and summaries of its \#
        Algorithm 1 were available to us: momentum, a per-layer exponential average of squared dual-norm noise, \#
        and rates that shrink for noisier layers within a group. The noise sample ($G_t-B_{t-1}$, which needs no \#
        second gradient), the normalisation by the least noisy layer (which keeps the group's learning-rate grid \#
        comparable with Muon's), $\beta_2$ and $\alpha$ are our reading; the report's verdicts are about this rule.
        - **Models and data.** The paper pre-trains LLaMA and GPT models on GPU. We use the harness's tiny \#
        transformer (2 blocks, width 32) on an order-2 Markov source, 300 steps at batch 16, judged on its final \#
        loss on a fresh batch (the catalog suggests steps to a target loss; at a fixed short budget a faster \#
        optimizer shows as a lower final loss), and the 64-128-128-10 MLP on the 8x8 digits, 10 epochs at batch \#
        32, judged on test accuracy (its training loss goes below 1e-3, where logs are noise).
        - **Tuning.** Every arm's learning rate is tuned over the same grid (protocol v2); the non-matrix tensors \#
        of the Muon and LANTON arms take Adam at a fixed setting (lr 0.008, β = (0.8, 0.95), ε = 1e-10), as in \#
        the AuON and Drop-Muon reports; no weight decay. AdamW: β = (0.9, 0.999).
        - **Dual norm and size.** We measure noise in the plain nuclear norm; a scaled dual norm (for the \#
        RMS→RMS operator norm) would change how matrices of different shapes compare.
        - **Cost.** The nuclear norm is computed by an SVD of each hidden matrix each step (LAPACK), more than \#
        Muon's Newton–Schulz products at these sizes; the paper's claims are about steps, not time.
        """#
    }

    public let sourceFile: String = #filePath

    /// LANTON for `reproduce league`, its Adam group at the tuned rate as the league's `muon`.
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("lanton") { p, h in
            LANTON.optimizer(AuONPaper.withHead(p), learningRate: .constant(Float(h.learningRate)), adamW: AuONPaper.leagueAuxiliary(h))
        }]
    }

    /// `reproduce trace`'s `lanton` (no reference implementation exists): Muon's `lr`, `momentum`,
    /// `nesterov`, `weight_decay` (decoupled, at the group's rate) and `adamw_lr`, and LANTON's
    /// `beta2` (the noise average) and `alpha`.
    public var traceOptimizers: [String: TraceOptimizerFactory] {
        ["lanton": { h, params in
            try h.accept(["lr", "momentum", "nesterov", "weight_decay", "beta2", "alpha", "adamw_lr"])
            let lr = try h.float("lr", default: 0.02), weightDecay = try h.float("weight_decay", default: 0)
            let momentum = try h.number("momentum", default: 0.95), beta2 = try h.number("beta2", default: 0.9)
            for (name, beta) in [("momentum", momentum), ("beta2", beta2)] where !(0..<1).contains(beta) {
                throw TraceError.invalidHyperparameter(name, optimizer: h.optimizer, expected: "0 <= \(name) < 1")
            }
            let alpha = try h.float("alpha", default: 1e-8), adamLR = try h.float("adamw_lr", default: 3e-4)
            guard alpha > 0, adamLR >= 0 else {
                throw TraceError.invalidHyperparameter("alpha", optimizer: h.optimizer, expected: "alpha > 0 and adamw_lr >= 0")
            }
            let hidden = params.filter(Muon.takesMatrixMethod)
            let scaling = ScaleByLanton(layers: hidden, beta2: Float(beta2), alpha: alpha,
                                        muon: ScaleByMuon(momentum: Float(momentum), nesterov: try h.bool("nesterov", default: true)))
            return Muon.optimizer(params, learningRate: .constant(lr), weightDecay: weightDecay, matrix: scaling,
                                  adamW: Muon.AuxiliaryAdamW(learningRate: adamLR))
        }]
    }

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The optimizer

// excerpt: lanton
/// LANTON's scaling of a group of hidden matrices: Muon's (`muon`), then a per-layer multiplier
/// `√((α + min_j H^j)/(α + H^ℓ))` from every layer's noise estimate `H^ℓ`, the EMA of
/// `‖G − B_prev‖_*²`. It must be the chain's first transformation (it reads the raw gradients of
/// all `layers`, the group's tensors in order, when the step's first tensor arrives).
public final class ScaleByLanton: GradientTransformation {
    public let muon: ScaleByMuon
    public let layers: [Parameter]
    public let beta2: Float, alpha: Float
    /// `H^ℓ`, one number per layer.
    public private(set) var noise: [Float]
    /// `η^ℓ / η` at the last step.
    public private(set) var multipliers: [Float]
    private var estimatedStep = 0

    public init(layers: [Parameter], beta2: Float = 0.9, alpha: Float = 1e-8, muon: ScaleByMuon = ScaleByMuon()) {
        (self.layers, self.beta2, self.alpha, self.muon) = (layers, beta2, alpha, muon)
        noise = [Float](repeating: 0, count: layers.count)
        multipliers = [Float](repeating: 1, count: layers.count)
    }

    /// `‖A‖_*`, the sum of the singular values of `a` viewed as `shape[0] × rest`.
    public static func nuclearNorm(_ a: Tensor<Float>) -> Float {
        let rows = a.shape.first ?? 1
        guard let s = try? svd(Tensor(shape: [rows, a.count / max(rows, 1)], data: a.data)).s else { return .nan }
        return s.reduce(0, +)
    }

    /// Every layer's noise sample from its gradient and its momentum before this step, then the rates.
    func estimate() {
        for (l, p) in layers.enumerated() {
            guard let previous = muon.state[l].first else { continue }   // no momentum yet: no sample
            var deviation = p.grad
            deviation.data.withUnsafeMutableBufferPointer { d in
                previous.data.withUnsafeBufferPointer { b in for i in d.indices { d[i] -= b[i] } }
            }
            let n = Self.nuclearNorm(deviation)
            noise[l] = beta2 * noise[l] + (1 - beta2) * n * n
        }
        let least = noise.min() ?? 0
        multipliers = noise.map { ((alpha + least) / (alpha + $0)).squareRoot() }
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        if step != estimatedStep { estimatedStep = step; estimate() }
        muon.update(&u, parameter: parameter, index: index, step: step)
        let r = multipliers[index]
        if r != 1 { u.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= r } } }
    }

    /// Muon's momenta plus one float per layer.
    public var stateBytes: Int { muon.stateBytes + noise.count * MemoryLayout<Float>.size }
}

public enum LANTON {
    /// Muon's two groups with LANTON's scaling on the hidden matrices.
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, beta2: Float = 0.9, alpha: Float = 1e-8,
                                 adamW: Muon.AuxiliaryAdamW = Muon.AuxiliaryAdamW()) -> ChainedOptimizer {
        let hidden = parameters.filter(Muon.takesMatrixMethod)
        return Muon.optimizer(parameters, learningRate: learningRate,
                              matrix: ScaleByLanton(layers: hidden, beta2: beta2, alpha: alpha), adamW: adamW)
    }
}
// end excerpt

// MARK: - Settings and arms

extension LANTONPaper {
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        var tasks: (RunContext) throws -> [StandardTask] = { context in
            [StandardTasks.transformerMarkov(context), try StandardTasks.mlpDigits(context)]
        }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [3e-3, 3e-2, 3e-1], full: [3e-3, 1e-2, 3e-2, 1e-1, 3e-1])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 6)
        }
    }

    /// Collects, over every step after the first of every run it wraps, the smallest layer
    /// multiplier `η^ℓ/η` (thread-safe; sums and minima do not depend on the order).
    final class RateProbe: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var steps = 0, sum = 0.0, smallest = 1.0

        final class Watched: Optimizer {
            let inner: ChainedOptimizer, scaling: ScaleByLanton, probe: RateProbe
            init(_ inner: ChainedOptimizer, probe: RateProbe) {
                (self.inner, self.probe) = (inner, probe)
                scaling = inner.groups[0].transforms[0] as! ScaleByLanton
            }
            var parameters: [Parameter] { inner.parameters }
            var stateBytes: Int { inner.stateBytes }
            func applyGradients() {
                inner.applyGradients()
                if inner.stepCount > 1, let least = scaling.multipliers.min() { probe.observe(Double(least)) }
            }
        }

        func observe(_ least: Double) {
            lock.lock(); defer { lock.unlock() }
            steps += 1; sum += least; smallest = min(smallest, least)
        }
    }

    static func arms() -> [OptimizerArm] {
        [
            OptimizerArm("AdamW") { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate)), weightDecay: 0) },
            OptimizerArm("Muon") { p, h in
                Muon.optimizer(AuONPaper.withHead(p), learningRate: .constant(Float(h.learningRate)), adamW: AuONPaper.auxiliary)
            },
            OptimizerArm("LANTON") { p, h in
                LANTON.optimizer(AuONPaper.withHead(p), learningRate: .constant(Float(h.learningRate)), adamW: AuONPaper.auxiliary)
            },
        ]
    }
}

// MARK: - The experiment

extension LANTONPaper {
    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var setup = [ReportBlock](), results = [ReportBlock]()
        let tasks = try settings.tasks(context)
        let plans = ["AdamW", "Muon"].map { PowerPlan(method: "LANTON", baseline: $0, metric: "log final training loss", minimalEffect: 0.01) }
        let byLoss = Comparison(context: context, claim: "c1", arms: Self.arms(), learningRates: settings.learningRates,
                                selection: .lowest("log final training loss"), selectionSeeds: settings.selectionSeeds,
                                evaluationSeeds: settings.evaluationSeeds, seedCap: settings.seedCap, power: plans)
        let byAccuracy = Comparison(context: context, claim: "c1", arms: Self.arms(), learningRates: settings.learningRates,
                                    selection: .highest("validation accuracy"), selectionSeeds: settings.selectionSeeds,
                                    evaluationSeeds: settings.seedCap)
        let transformer = try byLoss.run([tasks[0]])[0], mlp = try byAccuracy.run([tasks[1]])[0]
        setup.append(.text(byLoss.setupText([tasks[0]])))
        setup.append(.text(byAccuracy.setupText([tasks[1]])))

        let tKey = transformer.task.key, best = transformer.bestBySelection(["AdamW", "Muon"])
        transformer.result.recordDifference("c1a.\(tKey).log_loss_lanton_minus_muon", method: "LANTON", baseline: "Muon",
                                            metric: "log final training loss", tolerance: 0.05, into: &evidence)
        transformer.result.recordDifference("c3.\(tKey).log_loss_lanton_minus_best", method: "LANTON", baseline: best,
                                            metric: "log final training loss", tolerance: 0.05, into: &evidence)
        mlp.result.recordDifference("c1b.\(mlp.task.key).accuracy_points_lanton_minus_muon", method: "LANTON", baseline: "Muon",
                                    metric: "test accuracy", scale: 100, tolerance: 5, into: &evidence)

        results.append(.text("### c1a, c3: LANTON against tuned Muon and AdamW on the transformer"))
        let pairs = best == "Muon" ? [("LANTON", "Muon"), ("Muon", "AdamW")] : [("LANTON", "Muon"), ("LANTON", best), ("Muon", "AdamW")]
        results.append(contentsOf: transformer.blocks(judged: "log final training loss", metrics: ["final training loss", "test loss", "test accuracy"],
                                                      pairs: pairs, figure: "c1-\(tKey)"))
        results.append(.text("Better of AdamW and Muon by selection score on the transformer: **\(best)** (chosen before the evaluation runs)."))
        results.append(.text("### c1b: LANTON against tuned Muon on the digits MLP"))
        results.append(contentsOf: mlp.blocks(judged: "test accuracy", metrics: ["final training loss", "test loss", "test accuracy"],
                                              pairs: [("LANTON", "Muon"), ("Muon", "AdamW")], figure: "c1-\(mlp.task.key)"))

        // How far apart the layerwise rates are: LANTON at its tuned rate on the transformer, one run.
        let chosen = transformer.result["LANTON"].chosen.learningRate, probe = RateProbe()
        let probeArm = OptimizerArm("LANTON", grid: [Hyperparameters(["lr": chosen])], extendable: []) { p, h in
            RateProbe.Watched(LANTON.optimizer(AuONPaper.withHead(p), learningRate: .constant(Float(h.learningRate)), adamW: AuONPaper.auxiliary),
                              probe: probe)
        }
        _ = try Comparison(context: context, claim: "rates", arms: [probeArm], learningRates: [chosen], selection: .lowest("log final training loss"),
                           selectionSeeds: 1, evaluationSeeds: 1).run([transformer.task])
        let meanLeast = probe.sum / Double(max(probe.steps, 1))
        evidence.record("rates.mean_smallest_multiplier", meanLeast, absoluteTolerance: 1e-3, relativeTolerance: 1e-2)
        evidence.record("rates.smallest_multiplier", probe.smallest, absoluteTolerance: 1e-3, relativeTolerance: 1e-2)
        results.append(.text("**How far apart the rates are.** LANTON at its tuned rate (η = \(Format.compact(chosen, 3))) on the transformer, one run: the noisiest hidden matrix's rate $\\eta^\\ell/\\eta$ averages **\(Format.compact(meanLeast, 3))** over the \(probe.steps) steps after the first, and falls to **\(Format.compact(probe.smallest, 3))** at its lowest. The least noisy matrix always moves at $\\eta$, so LANTON's tuned $\\eta$ is a ceiling, not a common rate."))
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
