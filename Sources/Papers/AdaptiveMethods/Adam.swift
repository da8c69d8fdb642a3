import Foundation
import Harness

// # Adam: A Method for Stochastic Optimization
//
// Diederik P. Kingma and Jimmy Lei Ba (ICLR 2015, arXiv 1412.6980).
//
// **The paper in plain words.** Adam keeps two exponential moving averages per parameter: of the
// gradient $g_t$ (the first moment $m_t$, a momentum) and of its square (the second moment $v_t$).
// It steps along $m_t/\sqrt{v_t}$, so every coordinate moves by roughly the learning rate $\alpha$,
// whatever the scale of its gradient. Both averages start at zero, which biases them towards zero
// for the first $\sim 1/(1-\beta)$ steps; Adam divides them by $1-\beta^t$ to undo that ("bias
// correction"). The paper claims the method is simple, cheap (two state tensors), *invariant to a
// diagonal rescaling of the gradients* (c1); that it has an $O(\sqrt T)$ regret bound in online
// convex optimisation (c2, whose proof Reddi, Kale and Kumar (2018) later showed to be wrong);
// that it compares favourably with other stochastic optimisers on logistic regression, MLPs and
// CNNs (c3); and it introduces **AdaMax** (c4), which replaces the $L^2$ norm of the past
// gradients in the denominator by an exponentially weighted $L^\infty$ norm.
//
// Adam itself (with AdamW and AMSGrad) lives in the harness as the composable transformation
// `ScaleByAdam` (Sources/Harness/Optimizers/Transforms.swift), matched against torch's goldens;
// this file shows that code and implements the paper's own additions: AdaMax as a
// `GradientTransformation`, and the bias-correction ablation of Section 6.4 (one flag of
// `ScaleByAdam`). Then it tests the four claims on a CPU.

/// Adam (Kingma and Ba, 2015): the paper's claims, AdaMax, and the experiments.
public struct AdamPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "adam",
            title: "Adam: A Method for Stochastic Optimization",
            method: "Adam",
            family: "AdaptiveMethods",
            arxiv: "1412.6980",
            code: nil,
            summary: """
            Adam scales each coordinate's step by running estimates of the first and second moments of its \
            gradient, $\\theta_t = \\theta_{t-1} - \\alpha\\,\\hat m_t/(\\sqrt{\\hat v_t}+\\epsilon)$, with the \
            zero-initialised moments divided by $1-\\beta^t$ ("bias correction"). The paper claims the method is \
            simple, memory-light and invariant to a diagonal rescaling of the gradients (c1), has an \
            $O(\\sqrt T)$ regret bound for online convex problems (c2), compares favourably with SGD with \
            Nesterov momentum, AdaGrad and RMSProp on logistic regression and neural networks (c3), and \
            introduces AdaMax, a variant based on the infinity norm (c4). We measure the invariance exactly \
            (gradients rescaled by fixed factors from $10^{-2}$ to $10^{2}$), count the optimiser state, ablate \
            the bias correction, run Adam on an online least-squares problem and on the counterexample of \
            Reddi et al. (2018) that breaks the regret proof, and compare Adam and AdaMax with tuned baselines \
            on logistic regression and MLPs on the 8x8 digits and MNIST-1D, every arm getting the same \
            learning-rate grid and selection rule.
            """)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1",
                statement: "Adam, with bias-corrected first and second moment estimates, is memory-light and invariant to diagonal rescaling of the gradients; the bias correction matters when β₂ is close to 1 (Section 6.4: without it training is worse early on).",
                source: "abstract; Section 2.1; Section 6.4 (Figure 4)",
                paperValue: "invariant; 2 moment tensors; correction helps at β₂ → 1",
                metric: "(a) trajectory deviation max_t‖θᶜ_t − θ_t‖∞ / max_t‖θ_t − θ_0‖∞ when the gradients are multiplied by fixed factors c_i ∈ [10⁻², 10²] (softmax regression on the digits), for Adam with ε = 10⁻⁸, with ε = 10⁻³⁰ (≈ 0), and for SGD with momentum as a contrast; (b) optimiser state bytes / parameter bytes; (c) best-over-the-learning-rate-grid training loss after 100 steps without / with bias correction (MLP on the digits, β₁ = 0.9, β₂ = 0.999)",
                rule: "All three parts must pass. (a) passes if the deviation is ≤ 1e-4 with ε ≈ 0 (only Float rounding remains), ≤ 0.05 with ε = 1e-8 (ε is the only term that breaks the invariance; 5% of the distance travelled while the gradient scales span 10⁴ is still invariance up to ε), and ≥ 0.5 for SGD (the test can tell an invariant method from a non-invariant one). (b) passes if the ratio is exactly 2. (c) passes (the ablation hurts) if the ratio is ≥ 1.05, fails if ≤ 1.0, and is undecided in between. Reproduced if (a), (b) pass and (c) passes; not reproduced if any part fails; inconclusive if only (c) is undecided.",
                scaling: "Softmax regression and a 64-128-128-10 ReLU MLP on the 8x8 digits instead of the paper's VAE (Figure 4); 500 steps (quick: 100) for the invariance, 100 steps for the ablation, learning-rate grid 10⁻⁴…0.3 (quick: 10⁻³, 10⁻², 10⁻¹), 3 seeds (quick: 1).",
                decide: { e in
                    let eps0 = e["c1.invariance.deviation.adam_eps0"], eps8 = e["c1.invariance.deviation.adam_eps1e-8"]
                    let sgd = e["c1.invariance.deviation.sgd_momentum"]
                    let memory = e["c1.memory.adam_state_over_parameter_bytes"]
                    let bc = e["c1.bias_correction.no_correction_over_correction_early_loss"]
                    let invariance = eps0 <= 1e-4 && eps8 <= 0.05 && sgd >= 0.5
                    let memoryOK = memory == 2
                    let measured = "deviation ε≈0: \(shown(eps0)), ε=1e-8: \(shown(eps8)), SGD: \(shown(sgd)); state/parameter bytes \(shown(memory)); early loss without/with correction \(shown(bc, 3))"
                    let parts = "; (a) invariance \(invariance ? "holds" : "fails"), (b) memory \(memoryOK ? "holds" : "fails"), (c) bias correction \(bc >= 1.05 ? "helps" : bc > 1.0 ? "undecided" : "does not help")"
                    if !invariance || !memoryOK || bc <= 1.0 { return Judgement(.notReproduced, measured: measured + parts) }
                    return Judgement(bc >= 1.05 ? .reproduced : .inconclusive(.undecided), measured: measured + parts)
                }),
            Claim(
                id: "c2",
                statement: "With α_t = α/√t and β₁,t = β₁λ^(t−1), Adam's regret on online convex problems with bounded gradients and a bounded domain is O(√T), comparable to the best known bounds (Theorem 4.1). Reddi, Kale and Kumar (2018) showed the proof wrong with a counterexample.",
                source: "abstract; Theorem 4.1, Corollary 4.2",
                paperValue: "R(T) = O(√T)",
                metric: "log-log slope of the regret R(T) over T ∈ [T_max/100, T_max], (i) online least squares in a box, (ii) the Reddi et al. (2018) problem f_t(x) = C·x when t mod 3 = 1 and −x otherwise, x ∈ [−1, 1], C = 3, β₁ = 0, β₂ = 1/(1 + C²)",
                rule: "The bound holds on a problem if the slope is ≤ 0.6 (√T growth with a margin for the fit), and fails if it is ≥ 0.8 (close to linear regret, which no O(√T) bound allows). Both problems meet the theorem's assumptions. Reproduced if it holds on both; not reproduced if it fails on either (a single problem within the theorem's assumptions with linear regret refutes a bound claimed for all of them); inconclusive otherwise.",
                scaling: "T_max = 10⁵ (quick: 10⁴) online rounds, d = 10 for least squares, one seed (the counterexample is deterministic).",
                decide: { e in
                    let benign = e["c2.regret_slope.least_squares"], counter = e["c2.regret_slope.reddi_counterexample"]
                    let measured = "regret slope: least squares \(shown(benign, 3)), Reddi et al. counterexample \(shown(counter, 3)) (final iterate x = \(shown(e["c2.reddi.final_x"], 3)); AMSGrad slope \(shown(e["c2.regret_slope.reddi_amsgrad"], 3)))"
                    if benign >= 0.8 || counter >= 0.8 { return Judgement(.notReproduced, measured: measured) }
                    return Judgement(benign <= 0.6 && counter <= 0.6 ? .reproduced : .inconclusive(.undecided), measured: measured)
                }),
            Claim(
                id: "c3",
                statement: "Adam works well in practice and compares favourably with SGD with Nesterov momentum, AdaGrad and RMSProp on logistic regression and multilayer networks (Figures 1 and 2: lower training cost at equal epochs).",
                source: "abstract; Section 6.1–6.2, Figures 1–2",
                metric: "mean final training loss over evaluation seeds, Adam / best tuned baseline, on three tasks (softmax regression on the digits, MLP on the digits, MLP on MNIST-1D)",
                rule: "Every arm (Adam included) picks its learning rate from the same grid by the lowest mean validation loss over the selection seeds; the chosen point is re-run on fresh evaluation seeds. Reproduced if Adam's mean final training loss ≤ 1.1 × the best baseline's on at least 2 of the 3 tasks (10% allows for seed noise at equal epochs; a tie counts in Adam's favour as the paper claims 'favourably', not 'strictly better'); not reproduced otherwise. A diverged evaluation run counts as an infinite loss.",
                scaling: "Small data and models (1,078 digit images, 3,600 MNIST-1D signals; MLPs of 128 units, no dropout) instead of MNIST/IMDB with 1000-unit MLPs; 10 epochs (quick: 2), batch 32; learning-rate grid 10⁻⁴…0.3 in half-decades (quick: 10⁻³, 10⁻², 10⁻¹); 2 selection and 5 evaluation seeds (quick: 1 and 2).",
                decide: { e in AdamPaper.atMost(1.1, onTasks: 2, e, metric: "c3.adam_over_best_baseline", label: "Adam / best baseline") }),
            Claim(
                id: "c4",
                statement: "AdaMax, Adam with the second moment replaced by an exponentially weighted infinity norm u_t = max(β₂u_{t−1}, |g_t|), is a working variant of Adam (Section 7.1, default α = 0.002).",
                source: "abstract; Section 7.1, Algorithm 2",
                metric: "mean final training loss, AdaMax / Adam, both tuned on the same grid by the same rule, on the three tasks of c3",
                rule: "Reproduced if AdaMax's mean final training loss ≤ 1.5 × Adam's on at least 2 of the 3 tasks: the paper makes no quantitative claim, so we ask that the variant trains the same tasks about as well (a factor 1.5 tolerates a different but competent method and catches a broken or much weaker one); not reproduced otherwise.",
                scaling: "As c3.",
                decide: { e in AdamPaper.atMost(1.5, onTasks: 2, e, metric: "c4.adamax_over_adam", label: "AdaMax / Adam") }),
        ]
    }

    /// The rule of c3 and c4: reproduced when the per-task ratio `metric.<task>` is at most
    /// `bound` on at least `needed` of the three tasks.
    static func atMost(_ bound: Double, onTasks needed: Int, _ e: Evidence, metric: String, label: String) -> Judgement {
        let ratios = taskKeys.map { e["\(metric).\($0)"] }
        let measured = "\(label): " + zip(taskLabels, ratios).map { "\($0) \(shown($1, 3))" }.joined(separator: ", ")
        return Judgement(ratios.filter { $0 <= bound }.count >= needed ? .reproduced : .notReproduced, measured: measured)
    }

    /// The c3/c4 tasks, in the order of their metrics.
    static let taskKeys = ["logreg_digits", "mlp_digits", "mlp_mnist1d"]
    static let taskLabels = ["logistic regression (digits)", "MLP (digits)", "MLP (MNIST-1D)"]

    // MARK: - The method

    public var method: String {
        """
        **Adam (Algorithm 1).** For a stochastic objective $f_t(\\theta)$ with gradient \
        $g_t=\\nabla_\\theta f_t(\\theta_{t-1})$, step size $\\alpha$ and decay rates $\\beta_1,\\beta_2\\in[0,1)$:

        $$m_t=\\beta_1 m_{t-1}+(1-\\beta_1)\\,g_t,\\qquad v_t=\\beta_2 v_{t-1}+(1-\\beta_2)\\,g_t^2,$$
        $$\\hat m_t=\\frac{m_t}{1-\\beta_1^t},\\qquad \\hat v_t=\\frac{v_t}{1-\\beta_2^t},\\qquad
        \\theta_t=\\theta_{t-1}-\\alpha\\,\\frac{\\hat m_t}{\\sqrt{\\hat v_t}+\\epsilon},$$

        with $m_0=v_0=0$, all operations elementwise, and defaults $\\alpha=0.001$, $\\beta_1=0.9$, \
        $\\beta_2=0.999$, $\\epsilon=10^{-8}$. Since $m_t$ and $v_t$ are averages of $g$ and $g^2$ started at \
        zero, $\\mathbb E[m_t]\\approx(1-\\beta_1^t)\\,\\mathbb E[g]$ and $\\mathbb E[v_t]\\approx(1-\\beta_2^t)\\,\\mathbb E[g^2]$; \
        dividing by these factors removes the bias (Section 3). Without it the first steps are too large: at \
        $t=10$ with the defaults, $m_t/\\sqrt{v_t}$ is $6.5$ times $\\hat m_t/\\sqrt{\\hat v_t}$.

        **Invariance.** Multiplying the gradient by a fixed positive diagonal $c$ multiplies $m_t$ by $c$ and \
        $\\sqrt{v_t}$ by $c$, so $\\hat m_t/\\sqrt{\\hat v_t}$ and the whole trajectory are unchanged (only \
        $\\epsilon$ breaks this). The step magnitude is bounded by about $\\alpha$ per coordinate \
        (Section 2.1, the "trust region").

        **AdaMax (Algorithm 2).** Replacing $v_t$ by the $p$-norm $v_t=\\beta_2^p v_{t-1}+(1-\\beta_2^p)|g_t|^p$ and \
        letting $p\\to\\infty$ gives $u_t=\\lim(v_t)^{1/p}=\\max(\\beta_2 u_{t-1},|g_t|)$, which needs no bias \
        correction:

        $$m_t=\\beta_1 m_{t-1}+(1-\\beta_1)\\,g_t,\\qquad u_t=\\max(\\beta_2 u_{t-1},\\,|g_t|),\\qquad
        \\theta_t=\\theta_{t-1}-\\frac{\\alpha}{1-\\beta_1^t}\\,\\frac{m_t}{u_t},$$

        with default $\\alpha=0.002$. The step is then bounded by $\\alpha$ exactly: $|\\Delta_t|\\le\\alpha$.

        **The code.** Adam is the harness's `ScaleByAdam` transformation (torch.optim.Adam arithmetic; the \
        optimiser then takes $\\theta\\leftarrow\\theta-\\alpha u$). Below: the per-step constants (with the \
        bias-correction switch used by the ablation) and the per-element update, then AdaMax.
        """
    }

    public var excerpts: [String] { ["scale-by-adam-constants", "scale-by-adam", "adamax"] }

    public var deviations: String {
        """
        - **Data and models (c3, c4).** The paper trains logistic regression on MNIST and IMDB bag-of-words, \
        MLPs of two 1000-unit layers with dropout on MNIST, and CNNs on CIFAR-10. We use softmax regression \
        and a 64-128-128-10 ReLU MLP on the 8x8 digits (1,797 images, split 60/20/20), and a 40-128-128-10 \
        ReLU MLP on MNIST-1D (4,000 training signals, 10% held out for validation), without dropout, \
        10 epochs at batch 32. Every arm, Adam included, is tuned on the same learning-rate grid; the \
        paper tuned the baselines and used Adam near its defaults. We compare final training losses at \
        equal epochs, the quantity in the paper's Figures 1–2. The sparse bag-of-words task and the CNN \
        are not run (MNIST-1D is our third task); AdaDelta and SFO are not compared.
        - **Baselines.** torch.optim semantics: SGD with Nesterov momentum 0.9; AdaGrad (ε = 1e-10); RMSProp \
        (α = 0.99, ε = 1e-8, no momentum). Adam and AdaMax use β₁ = 0.9, β₂ = 0.999; Adam ε = 1e-8.
        - **AdaMax ε.** Algorithm 2 has no ε; we follow torch.optim.Adamax, $u_t=\\max(\\beta_2u_{t-1},|g_t|+\\epsilon)$ \
        with ε = 1e-8, which only matters when a coordinate's gradients have all been zero (0/0 otherwise).
        - **Regret (c2).** Theorem 4.1 decays $\\beta_{1,t}=\\beta_1\\lambda^{t-1}$ with $\\lambda$ slightly below 1 \
        (the paper suggests $1-10^{-8}$). Over $T\\le10^5$ rounds that changes $\\beta_1$ by less than $10^{-3}$ \
        relative, so we keep $\\beta_1$ constant (the harness transformation); in the counterexample $\\beta_1=0$ \
        anyway. Projection onto the box is coordinatewise clipping (the weighted projection of Reddi et al. \
        coincides with it for a box). The comparator of the least-squares regret is the exact least-squares \
        fit of the rounds so far (checked to lie inside the box). Its Gaussian $a_t$ make the gradients bounded \
        on every realised sequence rather than by a constant fixed in advance, as the theorem assumes; the \
        counterexample meets the assumptions literally.
        - **Bias-correction ablation (c1).** The paper ablates on a VAE, over $\\beta_1\\in\\{0,0.9\\}$, \
        $\\beta_2\\in\\{0.99,0.999,0.9999\\}$ and $\\log_{10}\\alpha\\in[-5,-1]$, reporting the loss after 10 and 100 \
        epochs. We use the digits MLP, $\\beta_1=0.9$, $\\beta_2\\in\\{0.99, 0.999\\}$ (the rule reads 0.999) and \
        the loss after 100 steps, about 3 epochs, which is the early phase where $1-\\beta_2^t$ is far from 1.
        - **Invariance (c1).** The exact property is measured with ε ≈ 0 (ε = 1e-30, which keeps the \
        always-zero gradients of the blank corner pixels at 0/ε = 0 instead of 0/0) as well as with the \
        default ε = 1e-8.
        """
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

/// `x` to `digits` significant digits, for the claims table and captions.
fileprivate func shown(_ x: Double, _ digits: Int = 3) -> String { Format.significant(x, digits) }

// MARK: - AdaMax

// excerpt: adamax
/// AdaMax's scaling (Algorithm 2), with torch.optim.Adamax's arithmetic:
///
///     m ← m + (1 − β₁)(u − m)              (torch's lerp)
///     s ← max(β₂ s, |u| + ε)               (the exponentially weighted infinity norm u_t)
///     u ← (m / s) · 1/(1 − β₁ᵗ)
///
/// The chain's learning rate α then gives `θ ← θ − α/(1 − β₁ᵗ) · m/s`. The second moment needs
/// no bias correction: a max of decayed values is not pulled towards its zero start.
/// State: `m` and `s` per tensor (as much as Adam).
public final class ScaleByAdaMax: GradientTransformation {
    public let beta1: Double
    public let beta2: Double
    public let eps: Float
    private var firstMoments: [Tensor<Float>?] = []
    private var infinityNorms: [Tensor<Float>?] = []

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        if index >= firstMoments.count {
            firstMoments.append(contentsOf: repeatElement(nil, count: index + 1 - firstMoments.count))
            infinityNorms.append(contentsOf: repeatElement(nil, count: index + 1 - infinityNorms.count))
        }
        if firstMoments[index] == nil {
            firstMoments[index] = .zeros(u.shape)
            infinityNorms[index] = .zeros(u.shape)
        }
        // Python-side constants in torch: computed in Double, rounded to Float once.
        let oneMinusBeta1 = Float(1 - beta1), beta2 = Float(self.beta2), eps = self.eps
        let inverseBc1 = Float(1 / (1 - pow(beta1, Double(step))))
        firstMoments[index]!.data.withUnsafeMutableBufferPointer { m in
            infinityNorms[index]!.data.withUnsafeMutableBufferPointer { s in
                u.data.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count {
                        m[i] = m[i] + oneMinusBeta1 * (g[i] - m[i])
                        let decayed = beta2 * s[i], fresh = g[i].magnitude + eps
                        s[i] = decayed > fresh ? decayed : fresh
                        g[i] = (m[i] / s[i]) * inverseBc1
                    }
                }
            }
        }
    }

    /// The first moment and infinity norm of the tensor at `index`, if allocated.
    public func state(_ index: Int) -> (m: Tensor<Float>, u: Tensor<Float>)? {
        guard index < firstMoments.count, let m = firstMoments[index], let u = infinityNorms[index] else { return nil }
        return (m, u)
    }

    public var stateBytes: Int {
        (firstMoments + infinityNorms).reduce(0) { $0 + ($1?.count ?? 0) * MemoryLayout<Float>.size }
    }
}

extension Chains {
    /// torch.optim.Adamax: `[L2 decay] → AdaMax scaling`; use with learning rate 0.002 (the paper's default).
    public static func adamax(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8,
                              weightDecay: Float = 0) -> [GradientTransformation] {
        var chain: [GradientTransformation] = []
        if weightDecay != 0 { chain.append(AddDecayedWeights(weightDecay)) }
        chain.append(ScaleByAdaMax(beta1: beta1, beta2: beta2, eps: eps))
        return chain
    }
}
// end excerpt

extension AdamPaper {
    /// `reproduce trace` factory for `adamax`, with torch.optim.Adamax's keywords and defaults.
    public static let adamaxTraceFactory: TraceOptimizerFactory = { h, params in
        try h.accept(["lr", "betas", "eps", "weight_decay"])
        let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
        return ChainedOptimizer(params, transforms: Chains.adamax(beta1: b1, beta2: b2, eps: try h.float("eps", default: 1e-8),
                                                                  weightDecay: try h.float("weight_decay", default: 0)),
                                learningRate: .constant(try h.float("lr", default: 2e-3)))
    }
}

// MARK: - Experiment helpers

extension AdamPaper {
    /// Multiplies each gradient elementwise by fixed factors (one tensor of factors per parameter):
    /// the "diagonal rescaling" of c1. It is part of the problem, not optimiser state.
    final class RescaleGradients: GradientTransformation {
        let factors: [Tensor<Float>]
        init(_ factors: [Tensor<Float>]) { self.factors = factors }

        func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
            precondition(factors[index].count == u.count, "rescaling factors do not match tensor \(index)")
            factors[index].data.withUnsafeBufferPointer { c in
                u.data.withUnsafeMutableBufferPointer { g in
                    for i in 0..<g.count { g[i] *= c[i] }
                }
            }
        }

        var stateBytes: Int { 0 }
    }

    /// One classification task of c3/c4 (and the data of c1).
    struct ClassificationTask: Sendable {
        var key: String
        var label: String
        var data: DataSplits
        /// Hidden widths; empty for softmax (multinomial logistic) regression.
        var hidden: [Int]
        var epochs: Int
        var batchSize: Int

        func makeModel(_ rng: SeededRandom) -> MLP {
            MLP(sizes: [data.train.featureCount] + hidden + [data.train.classCount], rng: rng)
        }

        var modelDescription: String {
            hidden.isEmpty ? "softmax regression \(data.train.featureCount)→\(data.train.classCount)"
                : "MLP " + ([data.train.featureCount] + hidden + [data.train.classCount]).map(String.init).joined(separator: "-") + " (ReLU)"
        }
    }

    /// Mean cross-entropy of `model` on a whole data set, without gradients.
    static func datasetLoss(_ model: MLP, _ data: Dataset) -> Double {
        Double(model.loss(Tape<Float>(), data.features, labels: data.labels, training: false).scalar)
    }

    /// Builds the optimizer of an arm from its hyperparameters.
    typealias OptimizerFactory = @Sendable ([Parameter], Hyperparameters) -> any Optimizer

    /// Every knob of the experiment, by scale. Tests build smaller ones directly.
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var epochs: Int
        var batchSize = 32
        /// c1(a): steps of the invariance runs.
        var invarianceSteps: Int
        /// c1(c): steps after which the early loss is read, and seeds per grid point.
        var ablationSteps = 100
        var ablationSeeds: Int
        /// c2: online rounds.
        var regretRounds: Int
        /// Tests only: keep the first this-many training examples of each task (nil keeps all).
        var trainingExamples: Int? = nil

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [1e-3, 1e-2, 1e-1], full: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1])
            selectionSeeds = context.pick(quick: 1, full: 2)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            epochs = context.pick(quick: 2, full: 10)
            invarianceSteps = context.pick(quick: 100, full: 500)
            ablationSeeds = context.pick(quick: 1, full: 3)
            regretRounds = context.pick(quick: 10_000, full: 100_000)
        }

        /// Explicit settings (tests use tiny ones).
        init(learningRates: [Double], selectionSeeds: Int, evaluationSeeds: Int, epochs: Int,
             invarianceSteps: Int, ablationSteps: Int, ablationSeeds: Int, regretRounds: Int) {
            self.learningRates = learningRates
            self.selectionSeeds = selectionSeeds
            self.evaluationSeeds = evaluationSeeds
            self.epochs = epochs
            self.invarianceSteps = invarianceSteps
            self.ablationSteps = ablationSteps
            self.ablationSeeds = ablationSeeds
            self.regretRounds = regretRounds
        }
    }

    /// The arms of c3 and c4: Adam, the three baselines, and AdaMax.
    static let arms: [(name: String, make: OptimizerFactory)] = [
        ("Adam", { p, h in ChainedOptimizer.adam(p, learningRate: .constant(Float(h.learningRate))) }),
        ("SGD+Nesterov", { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9, nesterov: true) }),
        ("AdaGrad", { p, h in ChainedOptimizer.adagrad(p, learningRate: h.learningRate) }),
        ("RMSProp", { p, h in ChainedOptimizer.rmsprop(p, learningRate: .constant(Float(h.learningRate))) }),
        ("AdaMax", { p, h in ChainedOptimizer(p, transforms: Chains.adamax(), learningRate: .constant(Float(h.learningRate))) }),
    ]
    static let baselineNames = ["SGD+Nesterov", "AdaGrad", "RMSProp"]

    /// The digits split 60/20/20 and MNIST-1D with 10% of its training set held out, both
    /// standardised on their training part. The split is fixed for the paper (seeds vary the
    /// initialisation and the batch order).
    static func tasks(_ context: RunContext, settings: Settings) throws -> [ClassificationTask] {
        var digitsRNG = context.rng("data", "digits split")
        let digits = try Datasets.digits().split(train: 0.6, validation: 0.2, using: &digitsRNG).standardized()
        var mnistRNG = context.rng("data", "mnist1d split")
        let mnist = try Datasets.mnist1d()
        let (train, validation) = mnist.train.split(validation: 0.1, using: &mnistRNG)
        var mnistSplits = DataSplits(train: train, validation: validation, test: mnist.test).standardized()
        var digitsSplits = digits
        if let n = settings.trainingExamples {
            digitsSplits.train = digits.train.subset(Array(0..<min(n, digits.train.count)))
            mnistSplits.train = mnistSplits.train.subset(Array(0..<min(n, mnistSplits.train.count)))
        }
        return [
            ClassificationTask(key: taskKeys[0], label: taskLabels[0], data: digitsSplits, hidden: [],
                               epochs: settings.epochs, batchSize: settings.batchSize),
            ClassificationTask(key: taskKeys[1], label: taskLabels[1], data: digitsSplits, hidden: [128, 128],
                               epochs: settings.epochs, batchSize: settings.batchSize),
            ClassificationTask(key: taskKeys[2], label: taskLabels[2], data: mnistSplits, hidden: [128, 128],
                               epochs: settings.epochs, batchSize: settings.batchSize),
        ]
    }

    /// Trains `task`'s model from the trial's common stream (same weights and batches for every
    /// arm and grid point at a repetition); records the full training loss after every epoch.
    static func train(_ task: ClassificationTask, trial: Trial, make: OptimizerFactory) -> RunRecord {
        var common = trial.commonRNG
        let model = task.makeModel(common.child("model"))
        let optimizer = make(model.parameters, trial.hyperparameters)
        let schedule = BatchSchedule(count: task.data.train.count, batchSize: task.batchSize, using: &common)
        var losses = [Self.datasetLoss(model, task.data.train)], steps = [0]
        var step = 0, diverged = false
        epochs: for epoch in 0..<task.epochs {
            for batch in schedule.batches(epoch: epoch) {
                let (x, y) = task.data.train.batch(batch)
                let loss = optimizer.step { model.lossAndGradient(x, labels: y) }
                step += 1
                if !loss.isFinite { diverged = true; break epochs }
            }
            let loss = Self.datasetLoss(model, task.data.train)
            losses.append(loss)
            steps.append(step)
            if !loss.isFinite { diverged = true; break }
        }
        var record = RunRecord(losses: losses, steps: steps, stateBytes: optimizer.stateBytes, diverged: diverged)
        record.record("final training loss", diverged ? .nan : losses.last!)
        switch trial.phase {
        case .selection:
            record.record("validation loss", diverged ? .nan : Self.datasetLoss(model, task.data.validation))
        case .evaluation:
            record.record("test loss", diverged ? .nan : Self.datasetLoss(model, task.data.test))
            record.record("test accuracy", diverged ? .nan : model.accuracy(task.data.test.features, labels: task.data.test.labels))
        }
        return record
    }

    /// The mean of `metric` over an arm's evaluation runs, a diverged run counting as +∞
    /// (capped at 1e6 so ledgers stay finite).
    static func meanCountingDivergence(_ result: ArmResult, _ metric: String) -> Double {
        if result.divergedCount > 0 { return 1e6 }
        return min(Statistics.mean(result.values(metric)), 1e6)
    }
}

// MARK: - The experiment

extension AdamPaper {
    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var setup = [ReportBlock]()
        var results = [ReportBlock]()
        let tasks = try Self.tasks(context, settings: settings)
        let digitsTask = tasks[0], digitsMLP = tasks[1]

        setup.append(.text("""
            **Data.** \(Datasets.digitsCitation) Split 60/20/20 (train/validation/test, stratified, one fixed \
            seeded split), standardised with the training statistics. \(Datasets.mnist1dCitation) 10% of the \
            training signals held out for validation; standardised likewise.

            **Models.** Softmax regression 64→10; MLP 64-128-128-10 and 40-128-128-10 with ReLU, PyTorch's default \
            initialisation, mean cross-entropy loss, no dropout or weight decay.
            """))

        // c1
        let c1 = try invariance(context, settings: settings, task: digitsTask)
        evidence.record("c1.invariance.deviation.adam_eps0", c1.eps0, absoluteTolerance: 1e-5, relativeTolerance: 0.5)
        evidence.record("c1.invariance.deviation.adam_eps1e-8", c1.eps8, absoluteTolerance: 1e-4, relativeTolerance: 0.1)
        evidence.record("c1.invariance.deviation.adam_eps0_power_of_two", c1.powerOfTwo, absoluteTolerance: 1e-6, relativeTolerance: 0)
        evidence.record("c1.invariance.deviation.sgd_momentum", c1.sgd, absoluteTolerance: 1e-3, relativeTolerance: 0.05)
        let memory = Self.stateRatio(task: digitsMLP, context: context)
        evidence.record("c1.memory.adam_state_over_parameter_bytes", memory.adam, absoluteTolerance: 0, relativeTolerance: 0)
        evidence.record("c1.memory.adamax_state_over_parameter_bytes", memory.adamax, absoluteTolerance: 0, relativeTolerance: 0)
        let ablation = try biasCorrectionAblation(context, settings: settings, task: ClassificationTask(
            key: "mlp_digits_ablation", label: "MLP (digits)", data: digitsTask.data, hidden: [128, 128],
            epochs: 0, batchSize: settings.batchSize))
        evidence.record("c1.bias_correction.no_correction_over_correction_early_loss", ablation.ratio,
                        absoluteTolerance: 0.01, relativeTolerance: 0.05)
        setup.append(.text("""
            **c1 (invariance).** Softmax regression on the digits, batch 32, \(settings.invarianceSteps) steps, \
            Adam with α = 0.001, β₁ = 0.9, β₂ = 0.999; SGD with momentum 0.9 and α = 0.001 as the contrast. The \
            rescaled runs multiply every gradient entry by a fixed factor $c_i = 10^{u_i}$, $u_i$ uniform in \
            [−2, 2] (one draw per parameter entry, same for every run); a third Adam run uses powers of two \
            $c_i = 2^{k_i}$, $k_i\\in\\{-7,\\dots,7\\}$, which floating point multiplies exactly. All runs share \
            the initial weights and the batch order. **(memory)** State bytes of the harness optimiser after \
            one step on the digits MLP, divided by 4 × the parameter count. **(ablation)** Digits MLP, batch \
            32, Adam with β₁ = 0.9 and β₂ ∈ {0.99, 0.999}, with and without bias correction, every learning \
            rate of the grid \(settings.learningRates.map { shown($0, 2) }.joined(separator: ", ")), \
            \(Format.counted(settings.ablationSeeds, "seed")); the metric is the full training loss after \
            \(settings.ablationSteps) steps.
            """))
        results.append(.text("### c1: invariance to diagonal gradient rescaling, memory, bias correction"))
        results.append(contentsOf: c1.blocks)
        results.append(.text("Optimiser state after one step on the \(memory.parameters)-parameter digits MLP: Adam \(memory.adamBytes) bytes = \(shown(memory.adam, 3)) × the parameter bytes; AdaMax \(shown(memory.adamax, 3)) ×."))
        results.append(contentsOf: ablation.blocks)

        // c2
        let regret = regretExperiment(context, rounds: settings.regretRounds)
        evidence.record("c2.regret_slope.least_squares", regret.leastSquaresSlope, absoluteTolerance: 0.02, relativeTolerance: 0)
        evidence.record("c2.regret_slope.reddi_counterexample", regret.counterexampleSlope, absoluteTolerance: 0.02, relativeTolerance: 0)
        evidence.record("c2.regret_slope.reddi_amsgrad", regret.amsgradSlope, absoluteTolerance: 0.02, relativeTolerance: 0)
        evidence.record("c2.reddi.final_x", regret.counterexampleFinalX, absoluteTolerance: 1e-3, relativeTolerance: 0)
        setup.append(.text(regret.setup))
        results.append(.text("### c2: regret on online convex problems"))
        results.append(contentsOf: regret.blocks)

        // c3 and c4
        let rule = SelectionRule.lowest("validation loss")
        setup.append(.text("""
            **c3, c4.** Arms: Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8), SGD with Nesterov momentum 0.9, AdaGrad \
            (ε = 1e-10), RMSProp (α = 0.99, ε = 1e-8), AdaMax (β₁ = 0.9, β₂ = 0.999, ε = 1e-8). Every arm is \
            tuned over the learning rates \(settings.learningRates.map { shown($0, 2) }.joined(separator: ", ")) by \
            \(rule.description), with \(Format.counted(settings.selectionSeeds, "selection seed")), then re-run with \
            \(settings.evaluationSeeds) evaluation seeds. \(settings.epochs) epochs at batch 32 for every task and \
            arm; the training loss is the mean cross-entropy over the whole training split after each epoch. \
            Seeds: the global seed and the path (paper, claim, phase, repetition) draw the initial weights and \
            batch order, shared by all arms and grid points at a repetition.
            """))
        results.append(.text("### c3, c4: Adam, AdaMax and tuned baselines"))
        var summaryRows = [[String]]()
        for task in AdamPaper.taskKeys {
            let t = tasks.first { $0.key == task }!
            let experiment = Experiment(
                context: context, claim: "c3 \(t.key)",
                arms: Self.arms.map { arm in
                    Arm(arm.name, grid: Hyperparameters.learningRateGrid(settings.learningRates)) { trial in
                        Self.train(t, trial: trial, make: arm.make)
                    }
                },
                selectionSeeds: settings.selectionSeeds, evaluationSeeds: settings.evaluationSeeds, rule: rule)
            let armResults = try experiment.run()
            func mean(_ name: String) -> Double { Self.meanCountingDivergence(armResults.first { $0.arm == name }!, "final training loss") }
            let adam = mean("Adam"), adamax = mean("AdaMax")
            let bestBaseline = Self.baselineNames.map(mean).min()!
            let bestName = Self.baselineNames.min { mean($0) < mean($1) }!
            // A diverged numerator counts against the claim even when the denominator diverged too
            // (1e6 / 1e6 would otherwise read as a tie).
            func ratio(_ a: Double, _ b: Double) -> Double { a >= 1e6 ? 1e6 : min(a / b, 1e6) }
            evidence.record("c3.adam_over_best_baseline.\(t.key)", ratio(adam, bestBaseline), absoluteTolerance: 0.02, relativeTolerance: 0.05)
            evidence.record("c4.adamax_over_adam.\(t.key)", ratio(adamax, adam), absoluteTolerance: 0.02, relativeTolerance: 0.05)
            summaryRows.append([t.label, Format.significant(adam, 3), "\(bestName) \(Format.significant(bestBaseline, 3))",
                                Format.significant(adam / bestBaseline, 3), Format.significant(adamax, 3),
                                Format.significant(adamax / adam, 3)])
            results.append(.text("#### \(t.label)"))
            results.append(.table(ExperimentReport.summaryTable(
                armResults, metrics: ["final training loss", "test loss", "test accuracy"],
                caption: "\(t.label), \(t.modelDescription): evaluation runs at the chosen learning rate.")))
            results.append(.figure(ExperimentReport.lossFigure(
                armResults, name: "c3-\(t.key)", title: "\(t.label): training loss", xLabel: "step",
                yLabel: "training loss (whole training split)",
                caption: "Mean training loss after each epoch over \(settings.evaluationSeeds) evaluation seeds (band: 95% interval), each arm at its chosen learning rate.")))
            results.append(.table(ExperimentReport.sweepTable(armResults, rule: rule)))
        }
        results.append(.table(Table(
            caption: "Summary of c3 and c4: mean final training loss (diverged runs count as infinite). c3 needs Adam/best baseline ≤ 1.1 on ≥ 2 tasks; c4 needs AdaMax/Adam ≤ 1.5 on ≥ 2 tasks.",
            headers: ["task", "Adam", "best baseline", "Adam / best baseline", "AdaMax", "AdaMax / Adam"], rows: summaryRows)))
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}

// MARK: - c1: invariance, memory, bias correction

extension AdamPaper {
    struct InvarianceResult {
        var eps0: Double, eps8: Double, powerOfTwo: Double, sgd: Double
        var blocks: [ReportBlock]
    }

    /// The parameter trajectory (all entries, flattened) at every step of a run of `chain` on
    /// softmax regression, starting from the same weights and batches.
    static func trajectory(task: ClassificationTask, chain: [GradientTransformation], learningRate: Float,
                           steps: Int, rng: SeededRandom) -> [[Float]] {
        var common = rng
        let model = task.makeModel(common.child("model"))
        let optimizer = ChainedOptimizer(model.parameters, transforms: chain, learningRate: .constant(learningRate))
        // Both runs of a comparison take the reference path, so they differ only by the rescaling.
        optimizer.allowsFusion = false
        var iterator = BatchSchedule(count: task.data.train.count, batchSize: task.batchSize, using: &common).makeIterator()
        var path = [model.parameters.flatMap(\.value.data)]
        for _ in 0..<steps {
            let (x, y) = task.data.train.batch(iterator.next()!)
            optimizer.step { model.lossAndGradient(x, labels: y) }
            path.append(model.parameters.flatMap(\.value.data))
        }
        return path
    }

    /// `max_t ‖a_t − b_t‖∞ / max_t ‖b_t − b_0‖∞` (∞ if either run left the finite numbers, capped at 1e6).
    static func relativeDeviation(_ a: [[Float]], from b: [[Float]]) -> Double {
        var gap = 0.0, travel = 0.0
        for (at, bt) in zip(a, b) {
            for i in at.indices {
                let d = Double(at[i]) - Double(bt[i])
                if !d.isFinite { return 1e6 }
                gap = max(gap, abs(d))
                travel = max(travel, abs(Double(bt[i]) - Double(b[0][i])))
            }
        }
        return min(gap / travel, 1e6)
    }

    /// The rescaling factors: one per parameter entry, log-uniform in [10⁻², 10²], or powers of two.
    static func rescalingFactors(shapes: [[Int]], powersOfTwo: Bool, rng: SeededRandom) -> [Tensor<Float>] {
        var r = rng
        return shapes.map { shape in
            var t = Tensor<Float>.zeros(shape)
            for i in 0..<t.count {
                t.data[i] = powersOfTwo ? Float(pow(2, Double(r.index(15) - 7))) : Float(pow(10, r.uniform(-2, 2)))
            }
            return t
        }
    }

    func invariance(_ context: RunContext, settings: Settings, task: ClassificationTask) throws -> InvarianceResult {
        let logistic = ClassificationTask(key: "invariance", label: "softmax regression (digits)", data: task.data,
                                          hidden: [], epochs: 0, batchSize: settings.batchSize)
        let rng = context.rng("c1", "invariance", "common")
        let shapes = logistic.makeModel(rng.child("model")).parameters.map(\.value.shape)
        let generic = Self.rescalingFactors(shapes: shapes, powersOfTwo: false, rng: context.rng("c1", "invariance", "factors"))
        let twos = Self.rescalingFactors(shapes: shapes, powersOfTwo: true, rng: context.rng("c1", "invariance", "powers of two"))
        let steps = settings.invarianceSteps
        func run(_ chain: [GradientTransformation], _ rate: Float) -> [[Float]] {
            context.progress.report(context.slug, "c1 invariance run")
            return Self.trajectory(task: logistic, chain: chain, learningRate: rate, steps: steps, rng: rng)
        }
        let adam8 = run([ScaleByAdam()], 1e-3), adam8Scaled = run([RescaleGradients(generic), ScaleByAdam()], 1e-3)
        let adam0 = run([ScaleByAdam(eps: 1e-30)], 1e-3)
        let adam0Scaled = run([RescaleGradients(generic), ScaleByAdam(eps: 1e-30)], 1e-3)
        let adam0Twos = run([RescaleGradients(twos), ScaleByAdam(eps: 1e-30)], 1e-3)
        let sgd = run(Chains.sgd(momentum: 0.9), 1e-3), sgdScaled = run([RescaleGradients(generic)] + Chains.sgd(momentum: 0.9), 1e-3)

        let eps8 = Self.relativeDeviation(adam8Scaled, from: adam8), eps0 = Self.relativeDeviation(adam0Scaled, from: adam0)
        let powerOfTwo = Self.relativeDeviation(adam0Twos, from: adam0), sgdDeviation = Self.relativeDeviation(sgdScaled, from: sgd)

        // The deviation along the run, for the figure: ‖θᶜ_t − θ_t‖∞ / max_s ‖θ_s − θ_0‖∞ at each step.
        func curve(_ a: [[Float]], _ b: [[Float]]) -> [Double] {
            let travel = b.map { bt in zip(bt, b[0]).map { Double(abs($0 - $1)) }.max() ?? 0 }.max() ?? 1
            return zip(a, b).map { at, bt in max(zip(at, bt).map { Double(abs($0 - $1)) }.max() ?? 0, 1e-12) / travel }
        }
        let x = (0...steps).map(Double.init)
        let figure = Figure(
            name: "c1-invariance", title: "Trajectory deviation under diagonal gradient rescaling",
            xLabel: "step", yLabel: "max-norm deviation / distance travelled (floor 1e-12)",
            series: [
                Series("SGD + momentum, c ∈ [1e-2, 1e2]", x: x, y: curve(sgdScaled, sgd).map { min($0, 1e6) }),
                Series("Adam ε = 1e-8, c ∈ [1e-2, 1e2]", x: x, y: curve(adam8Scaled, adam8)),
                Series("Adam ε ≈ 0, c ∈ [1e-2, 1e2]", x: x, y: curve(adam0Scaled, adam0)),
                Series("Adam ε ≈ 0, c = powers of two", x: x, y: curve(adam0Twos, adam0)),
            ],
            logY: true,
            caption: "Relative distance between the run on rescaled gradients and the run on the true gradients. Adam with ε ≈ 0 stays at Float rounding level (and at exactly zero, drawn at the 1e-12 floor, when the factors are powers of two); ε = 1e-8 adds a small deviation on coordinates whose rescaled gradients are tiny; SGD's trajectory changes completely.")
        let table = Table(
            caption: "c1(a): maximum trajectory deviation over \(steps) steps, relative to the largest distance travelled by the unscaled run.",
            headers: ["optimizer", "rescaling", "deviation", "rule"],
            rows: [
                ["Adam, ε ≈ 0 (1e-30)", "c_i ∈ [1e-2, 1e2]", shown(eps0), "≤ 1e-4"],
                ["Adam, ε = 1e-8", "c_i ∈ [1e-2, 1e2]", shown(eps8), "≤ 0.05"],
                ["Adam, ε ≈ 0 (1e-30)", "c_i = 2^k, k ∈ −7…7", shown(powerOfTwo), "(shown)"],
                ["SGD, momentum 0.9", "c_i ∈ [1e-2, 1e2]", shown(sgdDeviation), "≥ 0.5"],
            ])
        return InvarianceResult(eps0: eps0, eps8: eps8, powerOfTwo: powerOfTwo, sgd: sgdDeviation,
                                blocks: [.table(table), .figure(figure)])
    }

    /// Adam's and AdaMax's state bytes after one step, over the parameter bytes.
    static func stateRatio(task: ClassificationTask, context: RunContext) -> (adam: Double, adamax: Double, adamBytes: Int, parameters: Int) {
        func ratio(_ chain: [GradientTransformation]) -> (Double, Int, Int) {
            let model = task.makeModel(context.rng("c1", "memory", "model"))
            let optimizer = ChainedOptimizer(model.parameters, transforms: chain, learningRate: 1e-3)
            let (x, y) = task.data.train.batch(Array(0..<task.batchSize))
            optimizer.step { model.lossAndGradient(x, labels: y) }
            let parameterBytes = model.parameterCount * MemoryLayout<Float>.size
            return (Double(optimizer.stateBytes) / Double(parameterBytes), optimizer.stateBytes, model.parameterCount)
        }
        let adam = ratio(Chains.adam()), adamax = ratio(Chains.adamax())
        return (adam.0, adamax.0, adam.1, adam.2)
    }

    struct AblationResult {
        var ratio: Double
        var blocks: [ReportBlock]
    }

    /// Adam with and without bias correction over the learning-rate grid; the training loss
    /// after `ablationSteps` steps.
    func biasCorrectionAblation(_ context: RunContext, settings: Settings, task: ClassificationTask) throws -> AblationResult {
        let beta2s = [0.99, 0.999]
        // early[beta2][corrected][lr] = mean loss over seeds (NaN → diverged)
        var rows = [[String]]()
        var series = [Series]()
        var best = [Double: [Bool: Double]]()
        var perRate = [Double: [Bool: [Double]]]()
        for beta2 in beta2s {
            for corrected in [true, false] {
                var means = [Double]()
                for lr in settings.learningRates {
                    var losses = [Double]()
                    for rep in 0..<settings.ablationSeeds {
                        context.progress.report(context.slug, "c1 ablation β2=\(beta2) corrected=\(corrected) lr=\(lr) rep \(rep)")
                        var common = context.rng("c1", "ablation", "common", "rep \(rep)")
                        let model = task.makeModel(common.child("model"))
                        let optimizer = ChainedOptimizer(model.parameters,
                                                         transforms: [ScaleByAdam(beta1: 0.9, beta2: beta2, biasCorrection: corrected)],
                                                         learningRate: .constant(Float(lr)))
                        var iterator = BatchSchedule(count: task.data.train.count, batchSize: task.batchSize, using: &common).makeIterator()
                        var finite = true
                        for _ in 0..<settings.ablationSteps {
                            let (x, y) = task.data.train.batch(iterator.next()!)
                            if !optimizer.step({ model.lossAndGradient(x, labels: y) }).isFinite { finite = false; break }
                        }
                        let loss = finite ? Self.datasetLoss(model, task.data.train) : .nan
                        losses.append(loss.isFinite ? loss : .nan)
                    }
                    means.append(Statistics.mean(losses))
                }
                perRate[beta2, default: [:]][corrected] = means
                let finiteMeans = means.filter(\.isFinite)
                best[beta2, default: [:]][corrected] = finiteMeans.min() ?? .infinity
                series.append(Series("beta2 = \(shown(beta2, 3)), \(corrected ? "with" : "without") correction",
                                     x: settings.learningRates, y: means.map { $0.isFinite ? $0 : 1e3 }, style: .linespoints))
                rows.append([shown(beta2, 3), corrected ? "with" : "without"] + means.map { $0.isFinite ? shown($0, 3) : "diverged" })
            }
        }
        let worseCount = zip(perRate[0.999]![false]!, perRate[0.999]![true]!).filter { !($0 <= $1) }.count
        let with999 = best[0.999]![true]!, without999 = best[0.999]![false]!
        // Every corrected run diverging says nothing in favour of the correction: no ratio.
        let ratio = with999.isFinite ? min(without999 / with999, 1e6) : .nan
        let table = Table(
            caption: "c1(c): mean training loss after \(settings.ablationSteps) steps over \(Format.counted(settings.ablationSeeds, "seed")), Adam on the digits MLP, per learning rate. Best without / with correction at β₂ = 0.999: \(shown(without999, 3)) / \(shown(with999, 3)) = \(shown(ratio, 3)); at β₂ = 0.99: \(shown(best[0.99]![false]!, 3)) / \(shown(best[0.99]![true]!, 3)).",
            headers: ["β₂", "bias correction"] + settings.learningRates.map { "α = \(shown($0, 2))" }, rows: rows)
        let figure = Figure(
            name: "c1-bias-correction", title: "Bias-correction ablation: loss after \(settings.ablationSteps) steps",
            xLabel: "learning rate α", yLabel: "training loss", series: series, logX: true, logY: true,
            caption: "As the paper's Figure 4 (VAE), here on the digits MLP: training loss early in training against the step size, with and without the 1/(1−βᵗ) corrections. Diverged runs are drawn at 1000.")
        let reading = """
            The bias-correction ablation is part of c1 (the claim names "bias-corrected" moment estimates). \
            Without the corrections the early steps are larger, by the factor $(1-\\beta_1^t)/\\sqrt{1-\\beta_2^t}$ \
            (3.2 at $t=1$, 6.5 at $t=10$, 3.2 at $t=100$ for β₂ = 0.999): early on this acts like a larger learning \
            rate, which helps where α is too small and destabilises where α is already large. At β₂ = 0.999 the \
            uncorrected run is worse (or diverged) at \(worseCount) of the \(settings.learningRates.count) learning rates; the \
            rule compares the best point of each curve.
            """
        return AblationResult(ratio: ratio, blocks: [.table(table), .figure(figure), .text(reading)])
    }
}

// MARK: - c2: regret

extension AdamPaper {
    struct RegretResult {
        var leastSquaresSlope: Double
        var counterexampleSlope: Double
        var amsgradSlope: Double
        var counterexampleFinalX: Double
        var setup: String
        var blocks: [ReportBlock]
    }

    /// Log-spaced checkpoints 10 … `rounds`.
    static func checkpoints(_ rounds: Int) -> [Int] {
        var out = [Int]()
        let count = 40
        for k in 0...count {
            let t = Int((10 * pow(Double(rounds) / 10, Double(k) / Double(count))).rounded())
            if out.last != t { out.append(t) }
        }
        return out
    }

    /// The slope of log R(T) against log T over T ≥ rounds/100 (R clamped below at 1e-12).
    static func regretSlope(_ t: [Int], _ regret: [Double], rounds: Int) -> Double {
        let kept = zip(t, regret).filter { $0.0 * 100 >= rounds }
        return Statistics.lineFit(x: kept.map { log(Double($0.0)) }, y: kept.map { log(max($0.1, 1e-12)) }).slope
    }

    /// Online least squares f_t(x) = ½(a_tᵀx − b_t)², a_t ~ N(0, I_d), b_t = a_tᵀx⋆ + 0.5·noise,
    /// x⋆ uniform in [−1, 1]^d, domain [−2, 2]^d; Adam with α_t = α/√t. Returns the regret at
    /// each checkpoint against the best fixed point in hindsight (the least-squares fit).
    static func onlineLeastSquares(rounds: Int, dimension d: Int, alpha: Double, rng: SeededRandom) throws -> (t: [Int], regret: [Double]) {
        var r = rng
        let target = (0..<d).map { _ in r.uniform(-1, 1) }
        let x = Parameter("x", .zeros([d]))
        let optimizer = ChainedOptimizer([x], transforms: Chains.adam(), learningRate: .schedule { t in Float(alpha / Double(t).squareRoot()) })
        var gram = Tensor<Double>.zeros([d, d]), moment = Tensor<Double>.zeros([d, 1])
        var bSquared = 0.0, cumulative = 0.0
        let marks = checkpoints(rounds)
        var next = 0
        var regrets = [Double]()
        var a = [Double](repeating: 0, count: d)
        for t in 1...rounds {
            for i in 0..<d { a[i] = r.normal() }
            let b = zip(a, target).map { $0 * $1 }.reduce(0, +) + 0.5 * r.normal()
            var residual = -b
            for i in 0..<d { residual += a[i] * Double(x.value.data[i]) }
            cumulative += 0.5 * residual * residual
            for i in 0..<d { x.grad.data[i] = Float(residual * a[i]) }
            optimizer.applyGradients()
            for i in 0..<d { x.value.data[i] = min(max(x.value.data[i], -2), 2) }
            for i in 0..<d {
                for j in 0..<d { gram.data[i * d + j] += a[i] * a[j] }
                moment.data[i] += a[i] * b
            }
            bSquared += b * b
            if next < marks.count && t == marks[next] {
                // The hindsight minimiser over R^d; it lies well inside [−2, 2]^d here, so it is
                // also the minimiser over the domain (checked).
                let best = try choleskySolve(gram, moment)
                precondition(best.data.allSatisfy { abs($0) <= 2 }, "least-squares comparator left the domain")
                let minimum = 0.5 * (bSquared - zip(best.data, moment.data).map { $0 * $1 }.reduce(0, +))
                regrets.append(cumulative - minimum)
                next += 1
            }
        }
        return (marks, regrets)
    }

    /// The Reddi, Kale and Kumar (2018) problem: f_t(x) = C·x when t mod 3 = 1, −x otherwise,
    /// x ∈ [−1, 1]. The best fixed point is x = −1 (the average gradient (C − 2)/3 > 0). Adam with
    /// β₁ = 0, β₂ = 1/(1 + C²) and α_t = α/√t. Returns the regret at each checkpoint and x_T.
    static func reddiCounterexample(rounds: Int, c: Double, alpha: Double, amsgrad: Bool) -> (t: [Int], regret: [Double], finalX: Double) {
        let x = Parameter("x", .zeros([1]))
        let optimizer = ChainedOptimizer([x], transforms: Chains.adam(beta1: 0, beta2: 1 / (1 + c * c), amsgrad: amsgrad),
                                         learningRate: .schedule { t in Float(alpha / Double(t).squareRoot()) })
        let marks = checkpoints(rounds)
        var next = 0, regret = 0.0
        var regrets = [Double]()
        for t in 1...rounds {
            let gradient = t % 3 == 1 ? c : -1
            regret += gradient * (Double(x.value.data[0]) - (-1))   // f_t(x_t) − f_t(−1)
            x.grad.data[0] = Float(gradient)
            optimizer.applyGradients()
            x.value.data[0] = min(max(x.value.data[0], -1), 1)
            if next < marks.count && t == marks[next] {
                regrets.append(regret)
                next += 1
            }
        }
        return (marks, regrets, Double(x.value.data[0]))
    }

    func regretExperiment(_ context: RunContext, rounds: Int) -> RegretResult {
        context.progress.report(context.slug, "c2 regret, \(rounds) rounds")
        let c = 3.0, d = 10
        let ls: (t: [Int], regret: [Double])
        do {
            ls = try Self.onlineLeastSquares(rounds: rounds, dimension: d, alpha: 0.5, rng: context.rng("c2", "least squares"))
        } catch {
            ls = (Self.checkpoints(rounds), Self.checkpoints(rounds).map { _ in Double.nan })
        }
        let adam = Self.reddiCounterexample(rounds: rounds, c: c, alpha: 0.5, amsgrad: false)
        let ams = Self.reddiCounterexample(rounds: rounds, c: c, alpha: 0.5, amsgrad: true)
        let lsSlope = Self.regretSlope(ls.t, ls.regret, rounds: rounds)
        let adamSlope = Self.regretSlope(adam.t, adam.regret, rounds: rounds)
        let amsSlope = Self.regretSlope(ams.t, ams.regret, rounds: rounds)
        let t = ls.t.map(Double.init)
        let sqrtReference = t.map { $0.squareRoot() }
        let figure = Figure(
            name: "c2-regret", title: "Regret R(T) of Adam with α_t = α/√t",
            xLabel: "round T", yLabel: "regret R(T)",
            series: [
                Series("online least squares (slope \(shown(lsSlope, 3)))", x: t, y: ls.regret.map { max($0, 1e-12) }),
                Series("Reddi et al. counterexample, Adam (slope \(shown(adamSlope, 3)))", x: t, y: adam.regret.map { max($0, 1e-12) }),
                Series("Reddi et al. counterexample, AMSGrad (slope \(shown(amsSlope, 3)))", x: t, y: ams.regret.map { max($0, 1e-12) }),
                Series("√T (the claimed rate)", x: t, y: sqrtReference),
                Series("2(C−2)T/3 (linear regret at x = +1)", x: t, y: t.map { 2 * (c - 2) * $0 / 3 }),
            ],
            logX: true, logY: true,
            caption: "Log-log regret. A slope of 1/2 is the claimed O(√T); slope 1 is linear regret, which the counterexample produces because Adam drifts to the worst point x = +1. AMSGrad, the fix of Reddi et al., keeps the regret sublinear on the same problem.")
        let table = Table(
            caption: "c2: fitted log-log slope of R(T) over T ∈ [\(rounds / 100), \(rounds)].",
            headers: ["problem", "optimizer", "slope", "R(T_max)", "R(T_max)/√T_max"],
            rows: [
                ["online least squares, d = \(d)", "Adam", shown(lsSlope, 3), shown(ls.regret.last ?? .nan, 3), shown((ls.regret.last ?? .nan) / Double(rounds).squareRoot(), 3)],
                ["Reddi et al., C = 3", "Adam", shown(adamSlope, 3), shown(adam.regret.last!, 3), shown(adam.regret.last! / Double(rounds).squareRoot(), 3)],
                ["Reddi et al., C = 3", "AMSGrad", shown(amsSlope, 3), shown(ams.regret.last!, 3), shown(ams.regret.last! / Double(rounds).squareRoot(), 3)],
            ])
        let setup = """
            **c2 (regret).** \(rounds) online rounds, α_t = 0.5/√t, ε = 1e-8. *Online least squares:* \
            $f_t(x)=\\tfrac12(a_t^\\top x-b_t)^2$, $a_t\\sim N(0,I_{\(d)})$, $b_t=a_t^\\top x_\\star+0.5\\,\\xi_t$, \
            $x_\\star$ uniform in $[-1,1]^{\(d)}$, domain $[-2,2]^{\(d)}$, $x_1=0$, Adam β₁ = 0.9, β₂ = 0.999. \
            *Counterexample* (Reddi, Kale and Kumar 2018, Theorem 1): $f_t(x)=Cx$ when $t \\bmod 3=1$, $-x$ \
            otherwise, $x\\in[-1,1]$, $x_1=0$, C = 3, β₁ = 0, β₂ = 1/(1+C²) = 0.1; AMSGrad with the same settings \
            as a diagnostic. Both problems satisfy Theorem 4.1's assumptions (bounded gradients and domain, \
            $\\beta_1^2/\\sqrt{\\beta_2}<1$).
            """
        return RegretResult(leastSquaresSlope: lsSlope, counterexampleSlope: adamSlope, amsgradSlope: amsSlope,
                            counterexampleFinalX: adam.finalX, setup: setup, blocks: [.table(table), .figure(figure)])
    }
}
