import Foundation
import Harness

// # An Optimistic Acceleration of AMSGrad for Nonconvex Optimization
//
// Jun-Kun Wang, Xiaoyun Li, Belhal Karimi and Ping Li (ACML 2021, arXiv 1903.01435).
//
// **The paper in plain words.** Optimistic online learning plays a move that already accounts for
// a *guess* of the next loss. OPT-AMSGrad brings this to AMSGrad: it keeps AMSGrad's iterate
// w_{t+½}, and then takes one more step along a predicted momentum h_{t+1}, built from a guess
// m_{t+1} of the next mini-batch gradient. If the guess is good, the gradient is taken where the
// next AMSGrad step would have led anyway, and the run is ahead. The paper claims faster
// convergence and better sample efficiency (c1), a tighter regret bound than AMSGrad when the
// gradients are predictable (c2), a non-asymptotic nonconvex bound independent of the
// initialisation (c3), and a practical speed-up over AMSGrad and Adam on deep networks (c4).
//
// No official code is published. This file is the delta from AMSGrad (`ScaleByOptimisticAMSGrad`,
// one extra state tensor and one extra term), the claims, and three comparisons on the shared
// template with tuned AMSGrad and Adam: MNIST-1D (training loss), the digits CNN (test accuracy)
// and the tiny transformer (test loss).

/// OPT-AMSGrad (Wang, Li, Karimi and Li, 2021): the paper's claims and experiments.
public struct OptimisticAMSGradPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "optimistic-amsgrad",
            title: "An Optimistic Acceleration of AMSGrad for Nonconvex Optimization",
            method: "OPT-AMSGrad",
            family: "AdaptiveMethods",
            arxiv: "1903.01435",
            code: nil,
            summary: #"""
            OPT-AMSGrad takes AMSGrad's step to $w_{t+1/2}$ and then an optimistic step along \#
            $h_{t+1}=\beta_1\theta_{t-1}+(1-\beta_1)m_{t+1}$, where $m_{t+1}$ guesses the next mini-batch \#
            gradient; the next gradient is taken at the optimistic point. The paper claims faster \#
            convergence (c1), a tighter regret bound when gradients are predictable (c2), a nonconvex bound \#
            independent of the initialisation (c3), and a practical speed-up over AMSGrad and Adam on deep \#
            networks (c4). We compare OPT-AMSGrad (guess: the last gradient) with tuned AMSGrad and Adam on \#
            the MNIST-1D MLP (training loss), the digits CNN (test accuracy) and the tiny transformer language \#
            model (test loss), every arm tuned the same way on the metric the claim judges.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1",
                statement: "The optimistic step accelerates convergence: at an equal number of steps, OPT-AMSGrad's training loss is lower than tuned AMSGrad's.",
                source: "abstract; Section 5 (training-loss curves)",
                paperValue: "faster convergence, higher sample efficiency (no number in the abstract)", paperSetting: "MNIST, CIFAR-10, IMDB; MLP, CNN, LSTM, ResNet",
                metric: "paired difference of log final training loss, OPT-AMSGrad − AMSGrad, each tuned on that metric",
                rule: .superiority("c1.mlp_mnist1d.log_loss_opt_minus_amsgrad", "log training loss, OPT-AMSGrad − AMSGrad", better: .lower, minimalEffect: log(1.1)),
                scaling: "the MNIST-1D MLP, 10 epochs (quick: 2), instead of the paper's image and text networks; \"faster\" read as a lower training loss at the same budget, with a minimal effect of interest of 10% of the loss (the catalog's ≤ 90% of the iterations)"),
            Claim.notTestable(
                id: "c2",
                statement: "Under convexity, OPT-AMSGrad's regret upper bound is tighter than AMSGrad's when the gradients are predictable.",
                source: "abstract; Section 3 (Theorem 1)",
                paperValue: "a bound with ‖g_t − m_t‖ in place of ‖g_t‖", paperSetting: "online convex optimisation",
                reason: "a comparison of two upper bounds is a statement about proofs; a measured regret cannot confirm or refute that one bound is tighter than another"),
            Claim.notTestable(
                id: "c3",
                statement: "In the stochastic nonconvex case, OPT-AMSGrad has a non-asymptotic convergence bound independent of the initialisation.",
                source: "abstract; Section 4",
                paperValue: "non-asymptotic bound on E‖∇f‖²", paperSetting: "smooth nonconvex stochastic optimisation",
                reason: "an upper bound holding for every initialisation is a theorem; finitely many runs can illustrate it but not test it"),
            Claim(
                id: "c4a",
                statement: "OPT-AMSGrad gives a practical improvement over AMSGrad and Adam on a CNN: its test accuracy beats the better tuned baseline's.",
                source: "abstract; Section 5",
                paperValue: "speed-up over AMSGrad (no number in the abstract)", paperSetting: "CNN and ResNet on MNIST / CIFAR-10",
                metric: "paired difference of test accuracy in points, OPT-AMSGrad − the baseline (AMSGrad, Adam) with the better validation accuracy, chosen before evaluation",
                rule: .superiority("c4a.cnn_digits.test_accuracy_opt_minus_best", "test accuracy, OPT-AMSGrad − best baseline", better: .higher, minimalEffect: 0.5, unit: "points"),
                scaling: "the digits CNN, 10 epochs (quick: 2); minimal effect of interest 0.5 points"),
            Claim(
                id: "c4b",
                statement: "OPT-AMSGrad gives a practical improvement over AMSGrad and Adam on a sequence model: its test loss is below the better tuned baseline's.",
                source: "abstract; Section 5",
                paperValue: "speed-up over AMSGrad (no number in the abstract)", paperSetting: "LSTM on IMDB",
                metric: "paired difference of test loss (nats per token), OPT-AMSGrad − the baseline with the lower validation loss, chosen before evaluation",
                rule: .superiority("c4b.transformer_markov.test_loss_opt_minus_best", "test loss, OPT-AMSGrad − best baseline", better: .lower, minimalEffect: 0.01, unit: "nats"),
                scaling: "the tiny 2-block transformer on an order-2 Markov source instead of an LSTM classifier; 300 steps (quick: 40); minimal effect 0.01 nats"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "With the last gradient as its guess and every arm tuned on the same grid, a lower training loss than AMSGrad on MNIST-1D is \(verdict("c1").display); "
        text += "a practical gain over the better of AMSGrad and Adam is \(verdict("c4a").display) on the digits CNN (test accuracy) "
        text += "and \(verdict("c4b").display) on the tiny transformer (test loss). "
        let wins = ["c1", "c4a", "c4b"].filter { verdict($0) == .reproduced }.count
        text += wins == 3 ? "The optimistic step helped on every task, against baselines tuned as carefully as the method. "
            : wins == 0 ? "The optimistic step brought no measurable gain once every arm had its own learning rate. "
            : "Where a claim is inconclusive, the seeds could not separate an effect of the minimal size from none; the intervals above give the size of each gain. "
        text += "These verdicts are for the last-gradient guess; the paper's extrapolated guess is not run. "
        text += "The two bounds (c2, c3) are theorems and not tested."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **OPT-AMSGrad (Algorithm 2), as a delta from AMSGrad.** With stochastic gradient $g_t$ taken at \#
        $w_t$, AMSGrad's moments are unchanged,

        $$\theta_t=\beta_1\theta_{t-1}+(1-\beta_1)g_t,\quad v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2,\quad \hat v_t=\max(\hat v_{t-1},v_t),$$

        and AMSGrad's step is taken from the *half* iterate: $w_{t+1/2}=w_{t-1/2}-\eta\,\theta_t/\sqrt{\hat v_t}$. \#
        The optimistic step then moves along a predicted momentum,

        $$w_{t+1}=w_{t+1/2}-\eta\,\frac{h_{t+1}}{\sqrt{\hat v_t}},\qquad h_{t+1}=\beta_1\theta_{t-1}+(1-\beta_1)\,m_{t+1},$$

        with $m_{t+1}$ a guess of $g_{t+1}$, and the next gradient is taken at $w_{t+1}$. Since \#
        $w_t=w_{t-1/2}-\eta\,o_t$ with $o_t=h_t/\sqrt{\hat v_{t-1}}$, the parameters actually move by

        $$w_{t+1}-w_t=-\eta\Big(\frac{\theta_t}{\sqrt{\hat v_t}}+o_{t+1}-o_t\Big):$$

        AMSGrad's direction plus the change of the optimistic offset, which needs one more state tensor \#
        ($o$) besides $\theta$, $v$, $\hat v$. The half iterates $w_{t+1/2}=w_{t+1}+\eta\,o_{t+1}$ are \#
        exactly AMSGrad's iterates for the same gradients; with $h\equiv0$ the method *is* AMSGrad.

        **Arithmetic.** We keep torch's AMSGrad arithmetic (bias corrections $1/(1-\beta_1^t)$ on $\theta$ \#
        and on $h$, $\sqrt{\hat v_t/(1-\beta_2^t)}+\epsilon$ in the denominator) so that the baseline and \#
        the method differ only by the optimistic term. **The guess** $m_{t+1}$: the paper extrapolates \#
        it from the last $r$ gradients (regularised minimal-polynomial extrapolation); we use the \#
        simplest predictor it admits, the last gradient $m_{t+1}=g_t$ (see the departures). The \#
        learning rate is constant, which the offset form assumes.
        """#
    }

    public var excerpts: [String] { ["optimistic-amsgrad"] }

    public var deviations: String {
        #"""
        - **The guess.** The paper predicts $g_{t+1}$ by extrapolation over the last $r$ gradients (a \#
        small regularised least-squares problem over all parameters each step, $r$ stored gradients); \#
        we use the last gradient, $m_{t+1}=g_t$, the predictor of optimistic mirror descent. This keeps \#
        the state at four tensors per parameter and one elementwise pass; a better predictor could change \#
        the verdicts.
        - **No official code.** The update follows Algorithm 2 as printed, including \#
        $h_{t+1}=\beta_1\theta_{t-1}+(1-\beta_1)m_{t+1}$; torch's bias corrections and ε are added so \#
        that it differs from the AMSGrad baseline by the optimistic term alone.
        - **Tasks.** The paper trains MLPs, CNNs, LSTMs and ResNets on MNIST, CIFAR-10 and IMDB; we use \#
        the harness's MNIST-1D MLP (c1), the digits CNN (c4a) and the tiny transformer on a Markov source \#
        (c4b). Baselines: AMSGrad and Adam with torch's defaults (β = (0.9, 0.999), ε = 1e-8), every arm \#
        tuned on the same learning-rate grid by the metric its claim judges.
        - **c2, c3** are theorems and not tested.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The optimizer

// excerpt: optimistic-amsgrad
/// OPT-AMSGrad's scaling (Algorithm 2) on torch's AMSGrad arithmetic:
///
///     θ ← θ + (1 − β₁)(u − θ);  v ← β₂ v + (1 − β₂) u²;  v̂ ← max(v̂, v)      (AMSGrad)
///     d ← √v̂ / √(1 − β₂ᵗ) + ε
///     o' ← (β₁ θ_prev + (1 − β₁) m) / d · 1/(1 − β₁ᵗ)     (optimistic offset, m the guess)
///     u ← θ / d · 1/(1 − β₁ᵗ) + o' − o;  o ← o'
///
/// The chain's learning rate η then gives `w ← w − η u`. State: θ, v, v̂ and o per tensor
/// (AMSGrad's three plus one).
public final class ScaleByOptimisticAMSGrad: GradientTransformation {
    /// The guess `m_{t+1}` of the next gradient.
    public enum Guess: Sendable {
        /// The last gradient, `m_{t+1} = g_t`.
        case lastGradient
        /// `m_{t+1} = 0` (h keeps its β₁θ_{t−1} part).
        case zero
        /// No optimistic step at all (`h ≡ 0`): AMSGrad.
        case none
    }
    public let beta1: Double, beta2: Double, eps: Float, guess: Guess
    public let state = PerTensorState(slots: 4)

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8, guess: Guess = .lastGradient) {
        (self.beta1, self.beta2, self.eps, self.guess) = (beta1, beta2, eps, guess)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let keep1 = Float(1 - beta1), decay1 = Float(beta1), decay2 = Float(beta2), keep2 = Float(1 - beta2), eps = self.eps
        let correction1 = BiasCorrection.inverse(beta1, step: step)
        let inverseRoot2 = Float(1 / BiasCorrection.factor(beta2, step: step).squareRoot())
        let (optimistic, guessWeight): (Float, Float) = switch guess {
        case .lastGradient: (1, 1)
        case .zero: (1, 0)
        case .none: (0, 0)
        }
        state.update(&u, index: index) { g, theta, v, vhat, offset in
            let previous = theta
            theta = theta + keep1 * (g - theta)
            v = decay2 * v + keep2 * (g * g)
            vhat = pointwiseMax(vhat, v)
            let denominator = vhat.squareRoot() * inverseRoot2 + eps
            let h = decay1 * previous + keep1 * (guessWeight * g)
            let next = optimistic * ((h / denominator) * correction1)
            g = (theta / denominator) * correction1 + (next - offset)
            offset = next
        }
    }

    public var stateBytes: Int { state.bytes }
}

extension Chains {
    /// OPT-AMSGrad, by default with the last gradient as the guess: `[L2 decay] → scaling`, the
    /// decay entering the gradient as in torch's AMSGrad (the paper has none).
    public static func optimisticAMSGrad(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8, weightDecay: Float = 0,
                                         guess: ScaleByOptimisticAMSGrad.Guess = .lastGradient) -> [GradientTransformation] {
        (weightDecay != 0 ? [AddDecayedWeights(weightDecay)] : []) + [ScaleByOptimisticAMSGrad(beta1: beta1, beta2: beta2, eps: eps, guess: guess)]
    }
}
// end excerpt

// MARK: - `reproduce trace` and the league

extension OptimisticAMSGradPaper {
    public var traceOptimizers: [String: TraceOptimizerFactory] {
        ["optimistic_amsgrad": { h, params in
            try h.accept(["lr", "betas", "eps", "weight_decay"])
            let (beta1, beta2) = try h.pair("betas", default: (0.9, 0.999))
            return ChainedOptimizer(params, transforms: Chains.optimisticAMSGrad(beta1: beta1, beta2: beta2, eps: try h.float("eps", default: 1e-8),
                                                                                 weightDecay: try h.float("weight_decay", default: 0)),
                                    learningRate: .constant(try h.float("lr", default: 1e-3)))
        }]
    }

    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("optimistic-amsgrad") { p, h in ChainedOptimizer(p, transforms: Chains.optimisticAMSGrad(), learningRate: .constant(Float(h.learningRate))) }]
    }
}

// MARK: - Settings

extension OptimisticAMSGradPaper {
    /// Every knob of the experiment, by scale. Tests build smaller ones directly.
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        /// c1's task, c4a's and c4b's; tests substitute tiny ones.
        var lossTask: (RunContext) throws -> StandardTask = { try StandardTasks.mlpMNIST1D($0) }
        var imageTask: (RunContext) throws -> StandardTask = { try StandardTasks.cnnDigits($0) }
        var languageTask: (RunContext) throws -> StandardTask = { StandardTasks.transformerMarkov($0) }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [1e-3, 1e-2, 1e-1], full: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 8)
        }
    }

    static let baselineNames = ["AMSGrad", "Adam"]

    static let arms: [OptimizerArm] = [
        OptimizerArm("OPT-AMSGrad") { p, h in ChainedOptimizer(p, transforms: Chains.optimisticAMSGrad(), learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("AMSGrad") { p, h in ChainedOptimizer(p, transforms: Chains.adam(amsgrad: true), learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("Adam") { p, h in ChainedOptimizer.adam(p, learningRate: .constant(Float(h.learningRate))) },
    ]
}

// MARK: - The experiment

extension OptimisticAMSGradPaper {
    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var setup = [ReportBlock]()
        var results = [ReportBlock]()
        let lossTask = try settings.lossTask(context), image = try settings.imageTask(context), language = try settings.languageTask(context)
        func comparison(_ claim: String, _ selection: SelectionRule, _ plans: [PowerPlan]) -> Comparison {
            Comparison(context: context, claim: claim, arms: Self.arms, learningRates: settings.learningRates, selection: selection,
                       selectionSeeds: settings.selectionSeeds, evaluationSeeds: settings.evaluationSeeds, seedCap: settings.seedCap, power: plans)
        }
        let speed = comparison("c1", .lowest("log final training loss"),
                               [PowerPlan(method: "OPT-AMSGrad", baseline: "AMSGrad", metric: "log final training loss", minimalEffect: log(1.1))])
        let accuracy = comparison("c4a", .highest("validation accuracy"),
                                  Self.baselineNames.map { PowerPlan(method: "OPT-AMSGrad", baseline: $0, metric: "validation accuracy", minimalEffect: 0.5, scale: 100) })
        let lm = comparison("c4b", .lowest("validation loss"),
                            Self.baselineNames.map { PowerPlan(method: "OPT-AMSGrad", baseline: $0, metric: "validation loss", minimalEffect: 0.01) })
        let speedResult = try speed.run([lossTask])[0]
        let accuracyResult = try accuracy.run([image])[0]
        let lmResult = try lm.run([language])[0]
        setup.append(.text(speed.setupText([lossTask])))
        setup.append(.text(accuracy.setupText([image])))
        setup.append(.text(lm.setupText([language])))

        speedResult.result.recordDifference("c1.\(lossTask.key).log_loss_opt_minus_amsgrad", method: "OPT-AMSGrad", baseline: "AMSGrad",
                                            metric: "log final training loss", tolerance: 0.1, into: &evidence)
        results.append(.text("### c1: training loss against AMSGrad"))
        results.append(contentsOf: speedResult.blocks(judged: "log final training loss", metrics: ["final training loss", "test accuracy"],
                                                      pairs: [("OPT-AMSGrad", "AMSGrad"), ("OPT-AMSGrad", "Adam")], figure: "c1-\(lossTask.key)"))

        let bestImage = accuracyResult.bestBySelection(Self.baselineNames)
        accuracyResult.result.recordDifference("c4a.\(image.key).test_accuracy_opt_minus_best", method: "OPT-AMSGrad", baseline: bestImage,
                                               metric: "test accuracy", scale: 100, tolerance: 1, into: &evidence)
        results.append(.text("### c4a: test accuracy on the digits CNN"))
        results.append(contentsOf: accuracyResult.blocks(judged: "test accuracy", metrics: ["test accuracy", "test loss", "final training loss"],
                                                         pairs: Self.baselineNames.map { ("OPT-AMSGrad", $0) }, figure: "c4a-\(image.key)"))
        results.append(accuracyResult.bestBaselineNote(bestImage, selectedBy: "validation accuracy"))

        let bestLM = lmResult.bestBySelection(Self.baselineNames)
        lmResult.result.recordDifference("c4b.\(language.key).test_loss_opt_minus_best", method: "OPT-AMSGrad", baseline: bestLM,
                                         metric: "test loss", tolerance: 0.02, into: &evidence)
        results.append(.text("### c4b: language modelling"))
        results.append(contentsOf: lmResult.blocks(judged: "test loss", metrics: ["test loss", "final training loss"],
                                                   pairs: Self.baselineNames.map { ("OPT-AMSGrad", $0) }, figure: "c4b-\(language.key)"))
        results.append(lmResult.bestBaselineNote(bestLM, selectedBy: "validation loss"))
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
