import Foundation
import Harness

// # AdaBelief: Adapting Stepsizes by the Belief in Observed Gradients
//
// Juntang Zhuang, Tommy Tang, Yifan Ding, Sekhar Tatikonda, Nicha Dvornek, Xenophon Papademetris
// and James S. Duncan (NeurIPS 2020, arXiv 2010.07468).
//
// **The paper in plain words.** Adam divides its momentum $m_t$ by the root of an average of
// $g_t^2$. AdaBelief divides by the root of an average of $(g_t-m_t)^2$ instead: $m_t$ is a
// prediction of the next gradient, and $(g_t-m_t)^2$ says how far the observed gradient strays
// from it. When the gradient agrees with its prediction the denominator is small and the step
// large ("belief"); when it deviates, the step is small. Everything else is Adam. The paper claims
// this mechanism (c1); fast convergence like Adam together with generalisation like SGD, with
// ImageNet accuracy comparable to SGD's (c2); better convergence and accuracy than other
// optimisers on image classification and language modelling (c3); and a more stable GAN (c4).
//
// This file is the delta from Adam (`ScaleByAdaBelief`, one state line differs), the claims, and
// three comparisons on the shared template: the digits CNN judged on training loss and on test
// accuracy, and the tiny transformer language model judged on test loss.

/// AdaBelief (Zhuang et al., 2020): the paper's claims and experiments.
public struct AdaBeliefPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "adabelief",
            title: "AdaBelief Optimizer: Adapting Stepsizes by the Belief in Observed Gradients",
            method: "AdaBelief",
            family: "AdaptiveMethods",
            arxiv: "2010.07468",
            code: "https://github.com/juntang-zhuang/Adabelief-Optimizer",
            summary: #"""
            AdaBelief is Adam with the second moment of the gradient replaced by that of the gradient's \#
            deviation from its running mean, $s_t=\beta_2 s_{t-1}+(1-\beta_2)(g_t-m_t)^2+\epsilon$: the step is \#
            large where the gradient agrees with its prediction $m_t$ and small where it does not. The paper \#
            claims the mechanism (c1); that AdaBelief converges as fast as adaptive methods (c2a) and \#
            generalises as well as SGD, reaching SGD's accuracy on ImageNet (c2b); that it outperforms other \#
            optimisers in convergence and accuracy on image classification (c3a) and language modelling (c3b); \#
            and that it makes GAN training stable (c4). We measure the step sizes on gradients of equal size \#
            with consistent and with random signs, and compare AdaBelief with tuned Adam, AdamW and SGD with \#
            momentum on the digits CNN (training loss, and test accuracy) and on the tiny transformer language \#
            model (test loss), every arm tuned the same way on the metric the claim judges.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1",
                statement: "Dividing by the root of EMA((g − m)²) instead of EMA(g²) gives large steps when the gradient matches its prediction m and small steps when it deviates; Adam's step size cannot tell the two apart.",
                source: "abstract; Section 2, Figure 1",
                paperValue: "large step when g ≈ m, small when g deviates (qualitative)", paperSetting: "analytic (toy cases of Figure 1)",
                metric: "after 1000 steps of gradients of magnitude 1, the effective step size α/(√ŝ+ε) of a coordinate whose gradient keeps its sign, over that of a coordinate whose sign is random; AdaBelief, and Adam (α/(√v̂+ε)) as the premise",
                rule: Rule.bound("c1.adabelief_stepsize_ratio", "AdaBelief step-size ratio (consistent / random sign)", below: false, 2)
                    .given(premise: .bound("c1.adam_stepsize_ratio", "Adam step-size ratio", 1.01),
                           "Adam gives the two coordinates the same step size (ratio ≤ 1.01)"),
                scaling: "two coordinates, |g| = 1, 1000 steps; \"large\" read as at least twice the step size; default β₁ = 0.9, β₂ = 0.999, ε = 1e-16 (Adam ε = 1e-8)"),
            Claim(
                id: "c2a",
                statement: "AdaBelief converges as fast as adaptive methods: its training loss at equal epochs is no worse than tuned Adam's.",
                source: "abstract; Section 4 (Figures 4–5)",
                paperValue: "converges as fast as Adam (no number in the abstract)", paperSetting: "CIFAR-10/100, VGG11, ResNet34, DenseNet121, 200 epochs",
                metric: "paired difference of log final training loss, AdaBelief − Adam, each tuned on that metric",
                rule: .nonInferiority("c2a.cnn_digits.log_loss_adabelief_minus_adam", "log training loss, AdaBelief − Adam", better: .lower, margin: log(1.1)),
                scaling: "the digits CNN, 10 epochs (quick: 2); margin 10% of the loss"),
            Claim(
                id: "c2b",
                statement: "AdaBelief generalises like SGD: its test accuracy is within 0.5 points of tuned SGD with momentum's (on ImageNet, comparable to SGD).",
                source: "abstract; Section 4.2 (Table 2)",
                paperValue: "accuracy comparable to SGD (abstract; no number there)", paperSetting: "ImageNet, ResNet18",
                metric: "paired difference of test accuracy in points, AdaBelief − SGD with momentum, each tuned on validation accuracy",
                rule: .nonInferiority("c2b.cnn_digits.test_accuracy_adabelief_minus_sgdm", "test accuracy, AdaBelief − SGDM", better: .higher, margin: 0.5, unit: "points"),
                scaling: "the digits CNN, 10 epochs (quick: 2); the catalog's margin of 0.5 points"),
            Claim(
                id: "c3a",
                statement: "On image classification AdaBelief outperforms the other optimisers in accuracy: its test accuracy beats the best tuned baseline's.",
                source: "abstract; Section 4.1 (Figure 4)",
                paperValue: "higher accuracy than the baselines (no number in the abstract)", paperSetting: "CIFAR-10/100, VGG11, ResNet34, DenseNet121",
                metric: "paired difference of test accuracy in points, AdaBelief − the baseline (Adam, AdamW, SGDM) with the best validation accuracy, chosen before evaluation",
                rule: .superiority("c3a.cnn_digits.test_accuracy_adabelief_minus_best", "test accuracy, AdaBelief − best baseline", better: .higher, minimalEffect: 0.5, unit: "points"),
                scaling: "the digits CNN, 10 epochs (quick: 2); minimal effect of interest 0.5 points"),
            Claim(
                id: "c3b",
                statement: "On language modelling AdaBelief outperforms the other optimisers: its test loss (log perplexity) is below the best tuned baseline's.",
                source: "abstract; Section 4.3 (Figure 6)",
                paperValue: "lower perplexity than the baselines (no number in the abstract)", paperSetting: "LSTM language models on Penn TreeBank",
                metric: "paired difference of test loss (nats per token), AdaBelief − the baseline with the lowest validation loss, chosen before evaluation",
                rule: .superiority("c3b.transformer_markov.test_loss_adabelief_minus_best", "test loss, AdaBelief − best baseline", better: .lower, minimalEffect: 0.01, unit: "nats"),
                scaling: "the tiny 2-block transformer on an order-2 Markov source instead of LSTMs on Penn TreeBank; 300 steps (quick: 40); minimal effect 0.01 nats (1% perplexity)"),
            Claim.notTestable(
                id: "c4",
                statement: "Training a GAN on CIFAR-10, AdaBelief is stable and improves sample quality (FID) over a well-tuned Adam.",
                source: "abstract; Section 4.4",
                paperValue: "lower FID than Adam", paperSetting: "WGAN / WGAN-GP / SN-GAN on CIFAR-10",
                reason: "the claim is about sample quality (FID) of image GANs on CIFAR-10; the harness has no GAN and no CPU-sized analog of FID, and the 2-D mixture GAN of the catalog's suggestion is not built here"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = verdict("c1") == .reproduced
            ? "The belief mechanism works as described: on gradients of equal size, AdaBelief's step size is far larger where the sign is consistent, while Adam's is the same. "
            : "The step-size mechanism came out \(verdict("c1").display). "
        text += "Against tuned baselines on the digits CNN, converging as fast as Adam is \(verdict("c2a").display), "
        text += "generalising within half a point of SGD with momentum is \(verdict("c2b").display), "
        text += "and beating the best baseline's test accuracy is \(verdict("c3a").display); "
        text += "on the tiny transformer, a lower test loss than the best baseline is \(verdict("c3b").display). "
        text += "The CIFAR-10 GAN claim is not tested."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **AdaBelief (Algorithm 2), as a delta from Adam.** With gradient $g_t$, step size $\alpha$ and \#
        $\beta_1,\beta_2\in[0,1)$, Adam's second moment $v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2$ becomes

        $$s_t=\beta_2 s_{t-1}+(1-\beta_2)\,(g_t-m_t)^2+\epsilon,$$

        the exponential average of the squared deviation of the gradient from its prediction \#
        $m_t=\beta_1m_{t-1}+(1-\beta_1)g_t$. The update keeps Adam's form and bias corrections:

        $$\theta_t=\theta_{t-1}-\frac{\alpha}{1-\beta_1^t}\,\frac{m_t}{\sqrt{s_t}/\sqrt{1-\beta_2^t}+\epsilon}.$$

        $\epsilon$ enters twice, as in the official code: added to $s_t$ at every step (so it accumulates \#
        to about $\epsilon/(1-\beta_2)$) and to the denominator; the default is $\epsilon=10^{-16}$ \#
        ($10^{-8}$ in Adam). If $g_t$ stays close to $m_t$, $s_t$ is tiny and the step is large (limited \#
        only by how small the deviations are, and by $\epsilon$); if $g_t$ swings around $m_t$, \#
        $s_t\approx\mathrm{Var}(g)$ and the step shrinks. Adam, whose $v_t$ sees \#
        only $g_t^2$, takes the same step size in both cases.

        **Options.** The official package and pytorch-optimizer decouple weight decay as AdamW does \#
        (`weight_decouple`, default on; with weight decay 0, the default, it does nothing) and can \#
        rectify the update as RAdam does (`rectify`; off in pytorch-optimizer 4.1, whose trajectories \#
        our tests match, and in the comparisons here). The same arithmetic serves `reproduce trace` \#
        under the name `adabelief` with pytorch-optimizer's keywords.
        """#
    }

    public var excerpts: [String] { ["adabelief"] }

    public var deviations: String {
        #"""
        - **Tasks (c2, c3).** The paper trains VGG11, ResNet34 and DenseNet121 on CIFAR-10/100 for 200 \#
        epochs, ResNet18 on ImageNet, and 1-3 layer LSTMs on Penn TreeBank. We use the harness's standard \#
        tasks: the small CNN on the 8x8 digits (10 epochs) and the tiny transformer next-token model of a \#
        Markov source (300 steps). No learning-rate decay (the paper decays ×0.1 at epoch 150), no weight \#
        decay for AdaBelief, Adam and SGD (the paper uses 5e-4); AdamW keeps torch's default 0.01.
        - **Baselines.** Adam and AdamW with torch.optim's defaults (β = (0.9, 0.999), ε = 1e-8), SGD with \#
        momentum 0.9; the paper also compares AdaBound, Yogi, RAdam, MSVAG and Fromage, which are not run. \#
        Every arm, AdaBelief included, is tuned on the same learning-rate grid by the metric its claim \#
        judges (training loss for c2a, validation accuracy for c2b and c3a, validation loss for c3b).
        - **AdaBelief options.** ε = 1e-16, decoupled weight decay (inactive at weight decay 0), no \#
        rectification, no AMSGrad bound: pytorch-optimizer 4.1's defaults, which our trace matches. The \#
        official package's newer releases default to `rectify=True` (the RAdam-style warm-up); we test the \#
        method of the paper's Algorithm 2.
        - **c1.** The paper illustrates the mechanism on 2-D toy functions (Figure 1); we measure the step \#
        size directly on two synthetic gradient streams of equal magnitude, which isolates the one \#
        difference from Adam.
        - **c4 (GAN)** is not run.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The optimizer

// excerpt: adabelief
/// AdaBelief's scaling with the official arithmetic (pytorch-optimizer 4.1 `AdaBelief`, rectify off):
///
///     m ← m + (1 − β₁)(u − m)                      (Adam's first moment, torch's lerp)
///     s ← β₂ s + (1 − β₂)(u − m)² + ε             (Adam's v with g² replaced by (g − m)², ε inside)
///     u ← (m / (√s / √(1 − β₂ᵗ) + ε)) · 1/(1 − β₁ᵗ)
///
/// The chain's learning rate α then gives Adam's step with `s` in place of `v`.
/// State: `m` and `s` per tensor (as much as Adam).
public final class ScaleByAdaBelief: GradientTransformation {
    public let beta1: Double, beta2: Double, eps: Float
    public let state = PerTensorState(slots: 2)

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-16) {
        (self.beta1, self.beta2, self.eps) = (beta1, beta2, eps)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let keep1 = Float(1 - beta1), decay2 = Float(beta2), keep2 = Float(1 - beta2), eps = self.eps
        let correction1 = BiasCorrection.inverse(beta1, step: step)
        let root2 = Float(BiasCorrection.factor(beta2, step: step).squareRoot())
        state.update(&u, index: index) { g, m, s in
            m = m + keep1 * (g - m)
            let r = g - m
            s = (decay2 * s + keep2 * (r * r)) + eps
            g = (m / (s.squareRoot() / root2 + eps)) * correction1
        }
    }

    public var stateBytes: Int { state.bytes }
}

extension Chains {
    /// pytorch-optimizer's AdaBelief: `AdaBelief scaling → decoupled decay` (or `L2 decay → scaling`
    /// with `decoupled: false`).
    public static func adaBelief(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-16,
                                 weightDecay: Float = 0, decoupled: Bool = true) -> [GradientTransformation] {
        let scaling = ScaleByAdaBelief(beta1: beta1, beta2: beta2, eps: eps)
        guard weightDecay != 0 else { return [scaling] }
        return decoupled ? [scaling, AddDecayedWeights(weightDecay)] : [AddDecayedWeights(weightDecay), scaling]
    }
}
// end excerpt

// MARK: - `reproduce trace` and the league

/// The keywords pytorch-optimizer's Adam variants (AdaBelief, diffGrad) share, read for `reproduce
/// trace`: betas, eps, weight decay (decoupled by default); the options this project does not
/// implement (`fixed_decay`, `rectify`, `ams_bound`) are accepted only at `false`, their default.
struct PyTorchOptimizerAdamKeywords {
    var lr: Float, beta1: Double, beta2: Double, eps: Float, weightDecay: Float, decoupled: Bool

    static let names = ["lr", "betas", "eps", "weight_decay", "weight_decouple", "fixed_decay", "rectify", "ams_bound"]

    init(_ h: TraceHyperparameters, eps defaultEps: Float) throws {
        try h.accept(Self.names)
        for option in ["fixed_decay", "rectify", "ams_bound"] where try h.bool(option, default: false) {
            throw TraceError.invalidHyperparameter(option, optimizer: h.optimizer, expected: "false (the \(option) variant is not implemented)")
        }
        (beta1, beta2) = try h.pair("betas", default: (0.9, 0.999))
        lr = try h.float("lr", default: 1e-3)
        eps = try h.float("eps", default: defaultEps)
        weightDecay = try h.float("weight_decay", default: 0)
        decoupled = try h.bool("weight_decouple", default: true)
    }
}

extension AdaBeliefPaper {
    public var traceOptimizers: [String: TraceOptimizerFactory] {
        ["adabelief": { h, params in
            let k = try PyTorchOptimizerAdamKeywords(h, eps: 1e-16)
            return ChainedOptimizer(params, transforms: Chains.adaBelief(beta1: k.beta1, beta2: k.beta2, eps: k.eps,
                                                                         weightDecay: k.weightDecay, decoupled: k.decoupled),
                                    learningRate: .constant(k.lr))
        }]
    }

    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("adabelief") { p, h in ChainedOptimizer(p, transforms: Chains.adaBelief(), learningRate: .constant(Float(h.learningRate))) }]
    }
}

// MARK: - Settings

extension AdaBeliefPaper {
    /// Every knob of the experiment, by scale. Tests build smaller ones directly.
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        /// c1: steps of the synthetic gradient streams.
        var beliefSteps = 1000
        /// The image task (c2a, c2b, c3a) and the language task (c3b); tests substitute tiny ones.
        var imageTask: (RunContext) throws -> StandardTask = { try StandardTasks.cnnDigits($0) }
        var languageTask: (RunContext) throws -> StandardTask = { StandardTasks.transformerMarkov($0) }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [1e-3, 1e-2, 1e-1], full: [1e-3, 3e-3, 1e-2, 3e-2, 1e-1])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 10)
        }
    }

    static let baselineNames = ["Adam", "AdamW", "SGD+momentum"]

    /// The arms: AdaBelief and the three baselines the paper's abstract and tables compare.
    static let arms: [OptimizerArm] = [
        OptimizerArm("AdaBelief") { p, h in ChainedOptimizer(p, transforms: Chains.adaBelief(), learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("Adam") { p, h in ChainedOptimizer.adam(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("AdamW") { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("SGD+momentum") { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9) },
    ]
}

// MARK: - The experiment

extension AdaBeliefPaper {
    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var setup = [ReportBlock]()
        var results = [ReportBlock]()

        // c1: step sizes on consistent and random-sign gradients.
        let belief = Self.stepSizes(steps: settings.beliefSteps, rng: context.rng("c1", "signs"))
        evidence.record("c1.adabelief_stepsize_ratio", belief.adaBelief, absoluteTolerance: 0, relativeTolerance: 1e-3)
        evidence.record("c1.adam_stepsize_ratio", belief.adam, absoluteTolerance: 1e-6, relativeTolerance: 0)
        setup.append(.text("""
            **c1 (belief).** Two coordinates receive gradients of magnitude 1 for \(settings.beliefSteps) steps: the first \
            always +1 (the gradient matches its prediction), the second ±1 with a seeded random sign. The effective step \
            size is α/(√ŝ + ε) with ŝ = s/(1 − β₂ᵗ) for AdaBelief and α/(√v̂ + ε) for Adam, read from the state after \
            the last step; the metric is its ratio, consistent over random.
            """))
        results.append(.text("### c1: step sizes on consistent and on random-sign gradients"))
        results.append(.table(Table(
            caption: "c1: effective step size after \(settings.beliefSteps) steps, in units of α, for gradients of magnitude 1.",
            headers: ["optimizer", "consistent sign", "random sign", "ratio"],
            rows: [["AdaBelief (ε = 1e-16)", Format.compact(belief.steps.adaBelief.consistent), Format.compact(belief.steps.adaBelief.random), Format.compact(belief.adaBelief)],
                   ["Adam (ε = 1e-8)", Format.compact(belief.steps.adam.consistent), Format.compact(belief.steps.adam.random), Format.compact(belief.adam)]])))

        // c2a: training loss; c2b, c3a: test accuracy (selected on validation accuracy); c3b: language model.
        let image = try settings.imageTask(context), language = try settings.languageTask(context)
        // Seeds are planned on the selection runs' spread of the selection metric (validation accuracy or loss),
        // the one both phases share; the judged test metric is its held-out twin.
        func comparison(_ claim: String, _ selection: SelectionRule, _ plans: [PowerPlan]) -> Comparison {
            Comparison(context: context, claim: claim, arms: Self.arms, learningRates: settings.learningRates, selection: selection,
                       selectionSeeds: settings.selectionSeeds, evaluationSeeds: settings.evaluationSeeds, seedCap: settings.seedCap, power: plans)
        }
        let speed = comparison("c2a", .lowest("log final training loss"),
                               [PowerPlan(method: "AdaBelief", baseline: "Adam", metric: "log final training loss", minimalEffect: log(1.1))])
        let accuracy = comparison("c2b c3a", .highest("validation accuracy"),
                                  Self.baselineNames.map { PowerPlan(method: "AdaBelief", baseline: $0, metric: "validation accuracy", minimalEffect: 0.5, scale: 100) })
        let lm = comparison("c3b", .lowest("validation loss"),
                            Self.baselineNames.map { PowerPlan(method: "AdaBelief", baseline: $0, metric: "validation loss", minimalEffect: 0.01) })
        let speedResult = try speed.run([image])[0]
        let accuracyResult = try accuracy.run([image])[0]
        let lmResult = try lm.run([language])[0]
        setup.append(.text(speed.setupText([image])))
        setup.append(.text(accuracy.setupText([])))
        setup.append(.text(lm.setupText([language])))

        speedResult.result.recordDifference("c2a.\(image.key).log_loss_adabelief_minus_adam", method: "AdaBelief", baseline: "Adam",
                                            metric: "log final training loss", tolerance: 0.1, into: &evidence)
        results.append(.text("### c2a: training loss against Adam"))
        results.append(contentsOf: speedResult.blocks(judged: "log final training loss", metrics: ["final training loss", "test accuracy"],
                                                      pairs: [("AdaBelief", "Adam")], figure: "c2a-\(image.key)"))

        let bestImage = accuracyResult.bestBySelection(Self.baselineNames)
        accuracyResult.result.recordDifference("c2b.\(image.key).test_accuracy_adabelief_minus_sgdm", method: "AdaBelief", baseline: "SGD+momentum",
                                               metric: "test accuracy", scale: 100, tolerance: 1, into: &evidence)
        accuracyResult.result.recordDifference("c3a.\(image.key).test_accuracy_adabelief_minus_best", method: "AdaBelief", baseline: bestImage,
                                               metric: "test accuracy", scale: 100, tolerance: 1, into: &evidence)
        results.append(.text("### c2b, c3a: test accuracy against SGD with momentum and the best baseline"))
        results.append(contentsOf: accuracyResult.blocks(judged: "test accuracy", metrics: ["test accuracy", "test loss", "final training loss"],
                                                         pairs: Self.baselineNames.map { ("AdaBelief", $0) }, figure: "c2b-\(image.key)"))
        results.append(accuracyResult.bestBaselineNote(bestImage, selectedBy: "validation accuracy"))

        let bestLM = lmResult.bestBySelection(Self.baselineNames)
        lmResult.result.recordDifference("c3b.\(language.key).test_loss_adabelief_minus_best", method: "AdaBelief", baseline: bestLM,
                                         metric: "test loss", tolerance: 0.02, into: &evidence)
        results.append(.text("### c3b: language modelling"))
        results.append(contentsOf: lmResult.blocks(judged: "test loss", metrics: ["test loss", "final training loss"],
                                                   pairs: Self.baselineNames.map { ("AdaBelief", $0) }, figure: "c3b-\(language.key)"))
        results.append(lmResult.bestBaselineNote(bestLM, selectedBy: "validation loss"))
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }

    struct StepSizes {
        var steps: (adaBelief: (consistent: Double, random: Double), adam: (consistent: Double, random: Double))
        var adaBelief: Double { steps.adaBelief.consistent / steps.adaBelief.random }
        var adam: Double { steps.adam.consistent / steps.adam.random }
    }

    /// c1: feeds `[+1, ±1]` gradients to AdaBelief and Adam and reads each coordinate's effective
    /// step size α/(√(second moment)/√(1 − β₂ᵗ) + ε), in units of α, from the state.
    static func stepSizes(steps: Int, rng: SeededRandom) -> StepSizes {
        var signs = rng
        let gradients = (0..<steps).map { _ in Tensor<Float>(shape: [2], data: [1, signs.index(2) == 0 ? 1 : -1]) }
        let adaBelief = ScaleByAdaBelief(), adam = ScaleByAdam()
        for (t, g) in gradients.enumerated() {
            var u = g, w = g
            adaBelief.update(&u, parameter: g, index: 0, step: t + 1)
            adam.update(&w, parameter: g, index: 0, step: t + 1)
        }
        let root2 = BiasCorrection.factor(0.999, step: steps).squareRoot()
        let s = adaBelief.state[0][1].data, v = adam.state(0)!.v.data
        func size(_ second: Float, _ eps: Double) -> Double { 1 / (Double(second).squareRoot() / root2 + eps) }
        return StepSizes(steps: ((size(s[0], 1e-16), size(s[1], 1e-16)), (size(v[0], 1e-8), size(v[1], 1e-8))))
    }
}
