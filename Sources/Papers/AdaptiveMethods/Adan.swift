import Foundation
import Harness

// # Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models
//
// Xingyu Xie, Pan Zhou, Huan Li, Zhouchen Lin and Shuicheng Yan (TPAMI 2024, arXiv 2208.06677).
//
// **The paper in plain words.** Nesterov's accelerated gradient evaluates the gradient at an
// extrapolated point θ + (1−β)(θ − θ_prev), which costs a second forward/backward pass when the
// training loop has already computed the gradient at θ. Adan rewrites Nesterov's method so that
// the look-ahead becomes a *gradient difference*: the Nesterov momentum estimate (NME) of the
// gradient is g_k + (1−β₂)(g_k − g_{k−1}), built from the gradients the loop has anyway (c1).
// Adan feeds that estimate into an Adam-like method: a first moment of g, a moment of the
// gradient differences, and a second moment of the NME, and it decays the weights with a
// proximal step. The paper proves an O(ε^−3.5) stochastic-gradient complexity for finding an
// ε-stationary point (c2), reports that Adan beats the state-of-the-art optimizer of each kind of
// network on vision, language and RL (c3), and that it matches them with half the training epochs
// (c4a) and tolerates batch sizes from 1k to 32k (c4b).
//
// This file: the transformation (`ScaleByAdan`, from the method kit, matched against
// pytorch-optimizer's golden trajectories), the proximal weight decay, the claims, and the
// comparison on the shared template's CNN, MLP and tiny-transformer tasks.

/// Adan (Xie et al., 2022/2024): the paper's claims and experiments.
public struct AdanPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "adan",
            title: "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep Models",
            method: "Adan",
            family: "AdaptiveMethods",
            arxiv: "2208.06677",
            code: "https://github.com/sail-sg/Adan",
            summary: #"""
            Adan replaces the gradient Nesterov's method evaluates at an extrapolated point by a Nesterov momentum \#
            estimate built from consecutive gradients, $g_k + (1-\beta_2)(g_k - g_{k-1})$, so the look-ahead costs no \#
            extra gradient (c1); it uses that estimate in the first and second moments of an Adam-like method. The \#
            paper proves an $O(\epsilon^{-3.5})$ stochastic-gradient complexity to an ε-stationary point (c2), and \#
            reports that Adan beats the state-of-the-art optimizer of each network family on vision, language and RL \#
            (c3), reaches the same accuracy in half the epochs (c4a), and tolerates batch sizes from 1k to 32k (c4b). \#
            We count the gradient evaluations per step, compare Adan with AdamW and SGD with momentum (every arm \#
            tuned the same way on the judged metric) on a small CNN and an MLP (digits, MNIST-1D) and on the tiny \#
            transformer language model, and give Adan half the budget for c4a.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        let tasks = Self.taskLabels
        return [
            Claim(
                id: "c1",
                statement: "Adan's Nesterov momentum estimate needs no gradient at an extrapolated point: one gradient evaluation per step.",
                source: "abstract; the Nesterov momentum estimate and Algorithm 1",
                paperValue: "no extra gradient evaluation", paperSetting: "analytic",
                metric: "gradient evaluations per optimizer step over a 20-step run (digits MLP)",
                rule: .exact("c1.gradient_evaluations_per_step", "gradient evaluations per step", equals: 1, byConstruction: true),
                scaling: "a 20-step run of the digits MLP; the count is a property of the algorithm"),
            .notTestable(
                id: "c2",
                statement: "Adan finds an ε-approximate first-order stationary point within O(ε^−3.5) stochastic gradient evaluations on non-convex stochastic problems, matching the best-known lower bound.",
                source: "abstract",
                paperValue: "O(ε^−3.5)", paperSetting: "L-smooth non-convex stochastic problems (worst case)",
                reason: "a worst-case complexity over a problem class; a run measures one problem and cannot confirm or refute a worst-case rate, and the matching lower bound needs the hard instances of its proof"),
            Claim(
                id: "c3",
                statement: "Adan beats the corresponding state-of-the-art optimizer (AdamW; SGD with momentum for CNNs) at the same training budget.",
                source: "abstract; the experiments",
                paperValue: "higher accuracy / lower perplexity than the best baseline (no single figure)", paperSetting: "vision, language and RL tasks (abstract: ResNet, ConvNext, ViT, Swin, MAE, DETR, GPT-2, Transformer-XL, BERT)",
                metric: "paired difference of log final training loss, Adan − the baseline (AdamW or SGD+momentum) with the best selection score (chosen before evaluation), per task",
                rule: .atLeast(2, of: tasks.map { t in
                    (t.label, .superiority("c3.\(t.key).log_loss_adan_minus_best", "log loss, Adan − best baseline", better: .lower, minimalEffect: log(1.1)))
                }),
                scaling: "CNN on the 8x8 digits and MLP on MNIST-1D (10 epochs; quick: 2), tiny transformer on a Markov source (300 steps; quick: 40); every arm tuned on the same learning-rate grid by the judged metric"),
            Claim(
                id: "c4a",
                statement: "Adan with half the training budget reaches a training loss comparable to AdamW's with the full budget.",
                source: "abstract",
                paperValue: "half the epochs for comparable or better results", paperSetting: "ViT, GPT-2, MAE (abstract)",
                metric: "paired difference of log final training loss, Adan at half the budget (its own tuned learning rate) − AdamW at the full budget, per task",
                rule: .atLeast(2, of: tasks.map { t in
                    (t.label, .nonInferiority("c4a.\(t.key).log_loss_adan_half_minus_adamw", "log loss, Adan (½ budget) − AdamW", better: .lower, margin: log(1.1)))
                }),
                scaling: "as c3, Adan trained for 5 epochs (quick: 1) or 150 steps (quick: 20) and tuned at that budget; the same initial points and the first half of the same data order"),
            .notTestable(
                id: "c4b",
                statement: "Adan tolerates mini-batch sizes from 1k to 32k.",
                source: "abstract",
                paperValue: "batch 1k–32k", paperSetting: "mini-batches of 1k to 32k (abstract); ImageNet scale",
                reason: "the claim is about batches of 1k–32k on a 1.28M-image data set (up to 2.5% of it per step); our tasks have 1–4 thousand training examples, so batch 1k is already a third of the data (near full-batch descent, a different regime) and batch 32k cannot exist"),
        ]
    }

    /// The c3/c4a tasks.
    static let taskLabels: [(key: String, label: String)] = [
        ("cnn_digits", "CNN (digits)"), ("mlp_mnist1d", "MLP (MNIST-1D)"), ("transformer_markov", "transformer (Markov)"),
    ]

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "The Nesterov momentum estimate costs one gradient per step, by construction (\(verdict("c1").display)); "
        text += "in exchange Adan keeps four state tensors per parameter (m, v, n and the previous gradient), twice AdamW's. "
        switch verdict("c3") {
        case .reproduced: text += "At equal budgets Adan trained to a lower loss than the best tuned baseline on at least two of the three tasks. "
        case .notReproduced: text += "At equal budgets Adan did not beat the best tuned baseline: the intervals exclude a 10% lower loss on at least two of the three tasks. "
        default: text += "Whether Adan beats the best tuned baseline at equal budgets is \(verdict("c3").display). "
        }
        switch verdict("c4a") {
        case .reproduced: text += "With half the budget Adan stayed within 10% of AdamW's full-budget loss on at least two tasks, as the paper's half-epoch results say. "
        case .notReproduced: text += "With half the budget Adan fell more than 10% behind AdamW's full-budget loss on at least two tasks, against the paper's half-epoch results. "
        default: text += "The half-budget claim is \(verdict("c4a").display). "
        }
        return text + "The complexity bound and the large-batch tolerance need what a CPU experiment cannot give (a worst case over a problem class; batches of 1k–32k)."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Nesterov momentum estimate.** Nesterov's accelerated SGD evaluates the gradient at the \#
        extrapolated point $\theta_k-\eta(1-\beta_1)m_{k-1}$. The paper rewrites it so that the extrapolation \#
        moves into the gradient: with $g_k=\nabla f(\theta_k)$ the method is equivalent to a momentum of the \#
        Nesterov momentum estimate $g_k+(1-\beta_1)(g_k-g_{k-1})$, which needs only the gradients the loop has.

        **Adan (Algorithm 1)**, with the paper's small β's (the weights on the *new* term; defaults \#
        $\beta_1=0.02$, $\beta_2=0.08$, $\beta_3=0.01$) and weight decay λ:

        $$m_k=(1-\beta_1)m_{k-1}+\beta_1 g_k,\qquad v_k=(1-\beta_2)v_{k-1}+\beta_2(g_k-g_{k-1}),$$
        $$n_k=(1-\beta_3)n_{k-1}+\beta_3\,[g_k+(1-\beta_2)(g_k-g_{k-1})]^2,\qquad \eta_k=\eta/(\sqrt{n_k}+\epsilon),$$
        $$\theta_{k+1}=(1+\lambda\eta)^{-1}\,[\theta_k-\eta_k\circ(m_k+(1-\beta_2)v_k)].$$

        $m$ averages the gradients, $v$ the gradient differences (the Nesterov correction, weighted by \#
        $1-\beta_2$ in the step), $n$ the square of the estimate itself, and the division by $1+\lambda\eta$ is \#
        the proximal step of the $\ell_2$ penalty (the official code's default; `no_prox` multiplies by \#
        $1-\lambda\eta$ before the step instead, decoupled decay as in AdamW). At $k=1$ there is no previous \#
        gradient and $g_0=g_1$ (the difference is zero).

        **Conventions of the reference.** pytorch-optimizer (whose trajectories our tests match) and the \#
        official code take `betas` as the weights on the *past*, $(1-\beta_1, 1-\beta_2, 1-\beta_3) = (0.98, 0.92, \#
        0.99)$, and bias-correct the three averages: the step is \#
        $\frac{\eta}{1-\beta_1'^k}\frac{m_k}{d_k}+\frac{\eta\beta_2'}{1-\beta_2'^k}\frac{v_k}{d_k}$ with \#
        $d_k=\sqrt{n_k}/\sqrt{1-\beta_3'^k}+\epsilon$ and primes for the library's betas. \#
        `weight_decouple: false` (the default) is the proximal decay, `true` the decoupled one. pytorch-optimizer \#
        accepts $\beta_3'$ in $[0,1]$ (the first two in $[0,1)$); our `reproduce trace` factory checks the same.

        **The code.** `ScaleByAdan` is one pass of the method kit over the update and four state slots; the \#
        proximal decay is a separate transformation that needs the step size η, so it is given the schedule.
        """#
    }

    public var excerpts: [String] { ["scale-by-adan", "proximal-decay"] }

    public var deviations: String {
        #"""
        - **Tasks and scale.** The paper trains ResNets, ConvNeXt, ViT and Swin on ImageNet, GPT-2 and BERT, for \#
        hundreds of epochs. We use the shared template's small CNN on the 8x8 digits and the MLP on MNIST-1D \#
        (10 epochs at batch 32) and the tiny pre-LayerNorm transformer as a next-token model of an order-2 Markov \#
        source (300 steps), the language-model stand-in.
        - **Judged metric.** The claims are judged on the final training loss (in logs; for the transformer a \#
        fresh batch from the source, i.e. the population loss), the metric of "faster optimizing", selected on the \#
        same metric as protocol v2 requires; test loss and accuracy are reported beside it. The paper reports test \#
        accuracy and perplexity after its schedules.
        - **Baselines and schedule.** AdamW (β = 0.9, 0.999) and SGD with momentum 0.9 as the "corresponding \#
        state of the art"; LAMB is not run. Every arm, Adan included, is tuned on the same learning-rate grid at a \#
        constant learning rate (no warm-up or cosine decay, which the paper uses). Adan uses the paper's betas \#
        (0.02, 0.08, 0.01) and its weight decay 0.02 with the proximal step; AdamW the same decay 0.02 \#
        (decoupled); SGD with momentum no decay.
        - **Half budget (c4a).** Adan is re-tuned at half the epochs (steps for the transformer) and paired with \#
        AdamW's full-budget runs on the same initial points; its data order is the first half of AdamW's.
        - **Trace.** `max_grad_norm` (pytorch-optimizer's global gradient clipping) is accepted only at its \#
        default 0; the trajectories in the reference set use 0.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The transformation

// excerpt: scale-by-adan
/// Adan's scaling (Algorithm 1) with pytorch-optimizer's arithmetic and conventions: `beta1`,
/// `beta2`, `beta3` are the weights on the past (0.98, 0.92, 0.99 = 1 − the paper's β's).
///
///     d ← g − g_prev                (0 at the first step)
///     m ← β₁ m + (1 − β₁) g
///     v ← β₂ v + (1 − β₂) d
///     n ← β₃ n + (1 − β₃) (g + β₂ d)²
///     u ← (m/(1 − β₁ᵗ) + β₂ v/(1 − β₂ᵗ)) / (√n / √(1 − β₃ᵗ) + ε);   g_prev ← g
///
/// State: m, v, n and the previous gradient per tensor (four times the parameters).
public final class ScaleByAdan: GradientTransformation {
    public let beta1: Double, beta2: Double, beta3: Double, eps: Float
    public let state = PerTensorState(slots: 4)

    public init(beta1: Double = 0.98, beta2: Double = 0.92, beta3: Double = 0.99, eps: Float = 1e-8) {
        (self.beta1, self.beta2, self.beta3, self.eps) = (beta1, beta2, beta3, eps)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let first = state[index].isEmpty
        let b1 = Float(beta1), b2 = Float(beta2), b3 = Float(beta3), eps = self.eps
        let k1 = Float(1 - beta1), k2 = Float(1 - beta2), k3 = Float(1 - beta3)
        let c1 = BiasCorrection.inverse(beta1, step: step)
        let c2 = Float(beta2 / BiasCorrection.factor(beta2, step: step))
        let root3 = Float(BiasCorrection.factor(beta3, step: step).squareRoot())
        state.update(&u, index: index) { g, m, v, n, previous in
            let d = first ? SIMD16<Float>(repeating: 0) : g - previous
            m = m * b1 + g * k1
            v = v * b2 + d * k2
            let nesterov = d * b2 + g
            n = n * b3 + k3 * nesterov * nesterov
            let denominator = n.squareRoot() / root3 + eps
            previous = g
            g = (m * c1 + v * c2) / denominator
        }
    }

    public var stateBytes: Int { state.bytes }
}
// end excerpt

// excerpt: proximal-decay
/// The proximal step of the ℓ₂ penalty: `θ ← (θ − η u)/(1 + ηλ)`, written as the update
/// `u ← (u + λθ)/(1 + η_t λ)` so that the optimizer's `θ ← θ − η_t u` gives it exactly.
/// It needs η_t, so it holds the learning-rate schedule. No state.
public final class ProximalWeightDecay: GradientTransformation {
    public let weightDecay: Float
    public let learningRate: LearningRate

    public init(_ weightDecay: Float, learningRate: LearningRate) {
        (self.weightDecay, self.learningRate) = (weightDecay, learningRate)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        u.add(parameter, scaledBy: weightDecay)
        u.scale(by: 1 / (1 + learningRate(step) * weightDecay))
    }

    public var stateBytes: Int { 0 }
}
// end excerpt

extension AdanPaper {
    /// The Adan optimizer: pytorch-optimizer's betas (weights on the past), proximal decay by
    /// default (`decoupled: true` gives `no_prox`).
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, beta1: Double = 0.98, beta2: Double = 0.92,
                                 beta3: Double = 0.99, eps: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) -> ChainedOptimizer {
        var chain: [GradientTransformation] = [ScaleByAdan(beta1: beta1, beta2: beta2, beta3: beta3, eps: eps)]
        if weightDecay != 0 {
            chain.append(decoupled ? AddDecayedWeights(weightDecay) : ProximalWeightDecay(weightDecay, learningRate: learningRate))
        }
        return ChainedOptimizer(parameters, transforms: chain, learningRate: learningRate)
    }
}

// MARK: - Settings

extension AdanPaper {
    /// Every knob of the experiment, by scale. Tests build smaller ones directly.
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        /// The c3 tasks at the full budget and the c4a tasks at half of it (tests substitute tiny ones).
        var tasks: (RunContext) throws -> [StandardTask] = { context in
            [try StandardTasks.cnnDigits(context), try StandardTasks.mlpMNIST1D(context), StandardTasks.transformerMarkov(context)]
        }
        var halfTasks: (RunContext) throws -> [StandardTask] = { context in
            try AdanPaper.halfBudgetTasks(context)
        }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [1e-3, 1e-2, 1e-1], full: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 8)
        }
    }

    /// The c3 tasks with half the epochs (steps for the transformer), same keys so the same
    /// initial points and data order.
    static func halfBudgetTasks(_ context: RunContext) throws -> [StandardTask] {
        let epochs = context.pick(quick: 1, full: 5)
        let digits = try StandardTasks.digits(context)
        var rng = context.standardRNG("mnist1d", "split")
        let mnist = try Datasets.mnist1d()
        let (train, validation) = mnist.train.split(validation: 0.1, using: &rng)
        let mnist1d = DataSplits(train: train, validation: validation, test: mnist.test).standardized()
        return [
            StandardTasks.classification(key: "cnn_digits", label: "CNN (digits)", data: digits,
                                         model: "CNN conv3x3×8-ReLU-maxpool-linear", epochs: epochs) { SmallCNN(rng: $0) },
            StandardTasks.classification(key: "mlp_mnist1d", label: "MLP (MNIST-1D)", data: mnist1d,
                                         model: "MLP 40-128-128-10 (ReLU)", epochs: epochs) { MLP(sizes: [40, 128, 128, 10], rng: $0) },
            StandardTasks.transformerMarkov(context, steps: context.pick(quick: 20, full: 150)),
        ]
    }
}

// MARK: - The experiment

extension AdanPaper {
    static let baselineNames = ["AdamW", "SGD+momentum"]
    static let weightDecay: Float = 0.02

    static let arms: [OptimizerArm] = [
        OptimizerArm("Adan") { p, h in AdanPaper.optimizer(p, learningRate: .constant(Float(h.learningRate)), weightDecay: weightDecay) },
        OptimizerArm("AdamW") { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate)), weightDecay: weightDecay) },
        OptimizerArm("SGD+momentum") { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9) },
    ]
    static let halfArm = OptimizerArm("Adan (½ budget)") { p, h in
        AdanPaper.optimizer(p, learningRate: .constant(Float(h.learningRate)), weightDecay: weightDecay)
    }
    static let judged = "log final training loss"

    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var setup = [ReportBlock]()
        var results = [ReportBlock]()

        // c1: gradient evaluations per step, and the state the estimate costs.
        let count = try Self.gradientCount(context)
        evidence.record("c1.gradient_evaluations_per_step", count.perStep, absoluteTolerance: 0, relativeTolerance: 0)
        evidence.record("c1.adan_state_over_parameter_bytes", count.stateRatio, absoluteTolerance: 0, relativeTolerance: 0)
        results.append(.text("### c1: the cost of the Nesterov estimate"))
        results.append(.text("Over \(count.steps) steps of the digits MLP Adan called the loss-and-gradient closure \(count.calls) times (\(Format.compact(count.perStep)) per step). Its state is \(Format.compact(count.stateRatio)) × the parameter bytes (m, v, n and the previous gradient), against 2 × for AdamW."))
        setup.append(.text("**c1.** The digits MLP (64-128-128-10), batch 32, 20 Adan steps with the defaults; the closure counts its calls."))

        // c3 and c4a: the shared comparison template.
        let tasks = try settings.tasks(context), halfTasks = try settings.halfTasks(context)
        let plans = Self.baselineNames.map { PowerPlan(method: "Adan", baseline: $0, metric: Self.judged, minimalEffect: log(1.1)) }
        let comparison = Comparison(context: context, claim: "c3", arms: Self.arms, learningRates: settings.learningRates,
                                    selection: .lowest(Self.judged), selectionSeeds: settings.selectionSeeds,
                                    evaluationSeeds: settings.evaluationSeeds, seedCap: settings.seedCap, power: plans)
        let compared = try comparison.run(tasks)
        setup.append(.text(comparison.setupText(tasks)))
        setup.append(.text("**c4a: half the budget.** Adan alone, re-tuned on the same grid and selection seeds at half the epochs (5; quick: 1) or steps (150; quick: 20), then evaluated on as many seeds as the c3 comparison of the task, paired with AdamW's full-budget runs (same initial points; the data order's first half)."))
        results.append(.text("### c3, c4a: Adan against tuned AdamW and SGD with momentum"))
        for (task, halfTask) in zip(compared, halfTasks) {
            let key = task.task.key
            let best = task.bestBySelection(Self.baselineNames)
            task.result.recordDifference("c3.\(key).log_loss_adan_minus_best", method: "Adan", baseline: best,
                                         metric: Self.judged, tolerance: 0.1, into: &evidence)
            let half = try Comparison(context: context, claim: "c3", arms: [Self.halfArm], learningRates: settings.learningRates,
                                      selection: .lowest(Self.judged), selectionSeeds: settings.selectionSeeds,
                                      evaluationSeeds: task.result.evaluationSeeds).run([halfTask])[0]
            let d = half.result["Adan (½ budget)"].pairedDifference(Self.judged, versus: task.result["AdamW"])
            evidence.record(interval: "c4a.\(key).log_loss_adan_half_minus_adamw", d, tolerance: 0.1)
            results.append(contentsOf: task.blocks(judged: Self.judged, metrics: ["final training loss", "test loss", "test accuracy"],
                                                   pairs: Self.baselineNames.map { ("Adan", $0) }, figure: "c3-\(key)"))
            results.append(task.bestBaselineNote(best, selectedBy: "selection score"))
            let h = half.result["Adan (½ budget)"]
            results.append(.table(ExperimentReport.summaryTable([h], metrics: ["final training loss", "test loss", "test accuracy"],
                                                                caption: "\(task.task.label), c4a: Adan at half the budget, at its own tuned point.")))
            results.append(.text("Paired difference of \(Self.judged), Adan (½ budget) − AdamW (full budget): \(d.formatted) (\(d.count) pairs)."))
            results.append(.details("Half-budget learning-rate sweep on \(task.task.label)", [.table(ExperimentReport.sweepTable([h], rule: .lowest(Self.judged)))]))
        }
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }

    /// c1: calls of the loss-and-gradient closure per Adan step, and the state bytes over the
    /// parameter bytes, on the digits MLP.
    static func gradientCount(_ context: RunContext) throws -> (steps: Int, calls: Int, perStep: Double, stateRatio: Double) {
        let data = try StandardTasks.digits(context)
        var rng = context.rng("c1", "count")
        let model = MLP(sizes: [64, 128, 128, 10], rng: rng.child("model"))
        let optimizer = AdanPaper.optimizer(model.parameters, learningRate: .constant(1e-3), weightDecay: weightDecay)
        var batches = BatchSchedule(count: data.train.count, batchSize: 32, using: &rng).makeIterator()
        let steps = 20
        var calls = 0
        for _ in 0..<steps {
            let (x, y) = data.train.batch(batches.next()!)
            optimizer.step { calls += 1; return model.lossAndGradient(x, labels: y) }
        }
        let ratio = Double(optimizer.stateBytes) / Double(model.parameterCount * MemoryLayout<Float>.size)
        return (steps, calls, Double(calls) / Double(steps), ratio)
    }
}

// MARK: - `reproduce trace` and the league

extension AdanPaper {
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("adan") { p, h in AdanPaper.optimizer(p, learningRate: .constant(Float(h.learningRate)), weightDecay: 0.02) }]
    }

    /// `adan` for `reproduce trace`, with pytorch-optimizer's keywords, defaults and ranges:
    /// β₁, β₂ in [0, 1), β₃ in [0, 1] (the shared `betas` check requires < 1, so Adan checks its own).
    public var traceOptimizers: [String: TraceOptimizerFactory] { ["adan": Self.traceFactory] }

    static let traceFactory: TraceOptimizerFactory = { h, params in
        try h.accept(["lr", "betas", "weight_decay", "weight_decouple", "max_grad_norm", "eps"])
        var betas = [0.98, 0.92, 0.99]
        if let value = h.values["betas"] {
            guard case .numbers(let xs) = value, xs.count == 3, xs.allSatisfy(\.isFinite) else {
                throw TraceError.invalidHyperparameter("betas", optimizer: h.optimizer, expected: "a list of three numbers")
            }
            for (i, x) in xs.enumerated() {
                let closed = i == 2
                guard x >= 0 && (closed ? x <= 1 : x < 1) else {
                    throw TraceError.outOfRange("betas", optimizer: h.optimizer, field: "optimizer.hyperparams.betas[\(i)]",
                                                torch: "beta\(i + 1) \(x) must be in the range \(closed ? "[0, 1]" : "[0, 1)")",
                                                requirement: closed ? "0 <= beta3 <= 1" : "0 <= beta\(i + 1) < 1")
                }
            }
            betas = xs
        }
        guard try h.float("max_grad_norm", default: 0) == 0 else {
            throw TraceError.invalidHyperparameter("max_grad_norm", optimizer: h.optimizer, expected: "0 (global gradient clipping is not implemented)")
        }
        return AdanPaper.optimizer(params, learningRate: .constant(try h.float("lr", default: 1e-3)),
                                   beta1: betas[0], beta2: betas[1], beta3: betas[2], eps: try h.float("eps", default: 1e-8),
                                   weightDecay: try h.float("weight_decay", default: 0),
                                   decoupled: try h.bool("weight_decouple", default: false))
    }
}
