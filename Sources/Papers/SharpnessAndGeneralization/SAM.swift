import Foundation
import Harness

// # Sharpness-Aware Minimization for Efficiently Improving Generalization
//
// Pierre Foret, Ariel Kleiner, Hossein Mobahi and Behnam Neyshabur (ICLR 2021, arXiv 2010.01412;
// official code in JAX at https://github.com/google-research/sam).
//
// The paper in plain words is `info.summary`, its claims with their rules are `claims`, and the
// update rule with the paper's symbols is `method`. The optimizer itself (`SAM`), the curvature
// probe (`Hessian`) and the noisy-label splits (`NoisyLabelSplits`) live in
// `Sources/Harness/Methods`, where the papers that build on SAM reuse them; the report shows them
// as excerpts. This file adds what only this paper needs: the noisy-label baseline (generalized
// cross-entropy) and the experiment.

// MARK: - The paper

/// SAM (Foret, Kleiner, Mobahi, Neyshabur 2021): claims and experiment.
public struct SharpnessAwareMinimization: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sam",
            title: "Sharpness-Aware Minimization for Efficiently Improving Generalization",
            method: "SAM (Sharpness-Aware Minimization)",
            family: "SharpnessAndGeneralization",
            arxiv: "2010.01412",
            code: "https://github.com/google-research/sam",
            summary: #"""
            Training loss alone says little about how well a heavily overparameterised network will \#
            generalise. SAM minimises instead the *worst* training loss in a small ball of radius $\rho$ \#
            around the weights, $\min_w \max_{\|\epsilon\|\le\rho} L(w+\epsilon)$, which favours \#
            weights whose whole neighbourhood has low loss (a flat minimum). The inner maximisation is \#
            approximated to first order by one normalised gradient step, $\hat\epsilon=\rho\,g/\|g\|$, \#
            so each SAM step costs two gradient evaluations: one at $w$ to find $\hat\epsilon$, one at \#
            $w+\hat\epsilon$ whose gradient the base optimizer then applies at $w$. The paper reports \#
            better generalisation than the base optimizer across CIFAR-10/100, ImageNet and fine-tuning \#
            tasks, flatter minima (a smaller top Hessian eigenvalue), new state-of-the-art numbers on \#
            several benchmarks, and a robustness to label noise on par with methods built for noisy \#
            labels. We test the generalisation gain, the flatness and the label-noise robustness at 20% \#
            and 40% noise with an MLP on MNIST-1D, against SGD with momentum (the base optimizer) and a \#
            noisy-label loss (generalized cross-entropy), every arm tuned the same way; SGD given twice \#
            the steps (as many gradient evaluations as SAM) is shown beside them as a diagnostic.
            """#)
    }

    // MARK: Claims

    /// The noise levels of c3 (the paper's Table 4 has 20, 40, 60 and 80%; the two lowest fit the
    /// CPU budget), each with the ids of its two claims.
    struct NoiseLevel {
        var rate: Double
        var percent: Int
        /// Evidence and stream key, `"n20"`.
        var key: String
        var robustnessClaim: String
        var parityClaim: String
    }
    static let noiseLevels = [NoiseLevel(rate: 0.2, percent: 20, key: "n20", robustnessClaim: "c3a", parityClaim: "c3c"),
                              NoiseLevel(rate: 0.4, percent: 40, key: "n40", robustnessClaim: "c3b", parityClaim: "c3d")]

    /// The budget the claims' scaling text quotes (``Settings`` uses the same numbers).
    static let epochs = (quick: 6, full: 25)
    static let evaluationSeeds = (quick: 2, full: 5)
    static let seedCap = (quick: 2, full: 12)
    /// The classes of MNIST-1D.
    static let classCount = 10
    /// Percent of the corrupted training labels a model matches by chance when its predictions
    /// ignore which wrong label was drawn: at most 1/(K − 1).
    static var chanceMemorised: Double { 100 / Double(classCount - 1) }

    static let v1RuleC1 = "Accuracy part: holds if, against BOTH SGD arms, the mean paired gain is ≥ 0.5 points and its 95% t-interval lies above 0; fails if, against either arm, the interval's upper end is below 0.5 points. Flatness part: holds if, against both SGD arms, the 95% interval of the paired λ_max difference lies below 0; fails if, against either, it lies above 0. Reproduced if both parts hold; not reproduced if either part fails; inconclusive otherwise."
    static let v1VerdictC1 = "full scale: inconclusive (gain vs SGD 0.68 pt [-1.12, 2.48]; vs SGD 2× 0.10 pt [-1.73, 1.93]; Δλ_max vs SGD -0.27 [-0.85, 0.32]; vs SGD 2× -0.15 [-0.41, 0.12])"
    static let v1RuleC3 = "Robustness part: holds if, against BOTH SGD arms, the mean paired gain is ≥ 3 points and its 95% t-interval lies above 0; fails if, against either, the interval's upper end is below 3 points. Parity part: holds if the mean of SAM − GCE is ≥ −1 point; fails if the 95% interval of SAM − GCE lies entirely below −1 point. Reproduced if both parts hold; not reproduced if either part fails; inconclusive otherwise."
    static let v1VerdictC3 = "full scale: not reproduced (40% noise: gain vs SGD 4.36 pt [1.04, 7.68]; vs SGD 2× 3.12 pt [-0.57, 6.81]; SAM − GCE -4.02 pt [-6.90, -1.14])"
    static let v1Tuning = "v1 also let SAM reuse SGD's chosen learning rate and tune only ρ on 3 points while every other arm tuned its own learning rate, with 2 selection seeds."
    /// The first protocol-v2 run judged robustness and parity each over both noise levels at once.
    static let firstV2VerdictRobustness = "full scale: inconclusive (interval straddles the bound): 20% noise: gain over SGD 4.19 [2.92, 5.45] pt (n = 8; detectable ≥ 2.74 pt); 40% noise: gain over SGD 1.76 [0.359, 3.16] pt (n = 5; detectable ≥ 0.24 pt)"
    static let firstV2VerdictGain = "full scale: reproduced: test-accuracy gain over SGD 2.38 [1.32, 3.44] pt (n = 10; detectable ≥ 0.897 pt)"
    static let firstV2VerdictFlatness = "full scale: reproduced: log λ_max, SAM − SGD -0.585 [-0.931, -0.238] (n = 10)"
    static let firstV2Setup = "The rule is unchanged; the experiment changed after the first v2 run: λ_max comes from Lanczos on the ReLU network's Hessian with frozen gates instead of power iteration on plain finite differences (see Deviations), runs are 25 epochs instead of 30, ρ's grid reaches the paper's 0.5, the seed cap is 12 instead of 10, and the detectable effect a verdict reads is the larger of the planned one and the one the evaluation runs' spread implies."
    static let firstV2VerdictParity = "full scale: not reproduced: 20% noise: SAM − GCE 2.4 [1.02, 3.78] pt (n = 8); 40% noise: SAM − GCE -6.5 [-9.06, -3.94] pt (n = 5)"

    static func robustnessRule(_ n: NoiseLevel) -> Rule {
        .superiority("c3.\(n.key).gain_vs_sgd", "gain over SGD at \(n.percent)% noise", better: .higher, minimalEffect: 3, sizeClaimed: true, unit: "pt")
    }
    static func parityRule(_ n: NoiseLevel) -> Rule {
        .nonInferiority("c3.\(n.key).diff_vs_gce", "SAM − GCE at \(n.percent)% noise", better: .higher, margin: 1, unit: "pt")
    }
    /// SGD must memorise wrong labels for robustness to them to mean anything.
    static func memorisationPremise(_ n: NoiseLevel) -> Rule {
        .interval("c3.\(n.key).sgd_memorised", "SGD's memorised share of the wrong training labels at \(n.percent)% noise", below: false,
                  chanceMemorised, unit: "%")
    }

    public var claims: [Claim] {
        let setting = "MLP 40-100-100-10 on MNIST-1D (3,200 train / 800 validation / 1,000 test); \(Self.epochs.full) epochs (quick: \(Self.epochs.quick)); "
            + "every arm tuned on the same learning-rate grid, SAM on learning rate × ρ with ρ over the paper's 0.01–0.5; "
            + "evaluation seeds planned for 80% power, \(Self.evaluationSeeds.full) to \(Self.seedCap.full) (quick: \(Self.evaluationSeeds.quick))"
        var claims = [
            Claim(
                id: "c1a",
                statement: "SAM improves generalisation over its base optimizer (SGD with momentum, same number of updates).",
                source: "abstract; Section 3 (Tables 1–3)",
                paperValue: "lower test error than the base optimizer on every CIFAR-10/100 and ImageNet model",
                paperSetting: "WideResNets, PyramidNets and ResNets on CIFAR-10/100 and ImageNet, hundreds of epochs (Tables 1–3)",
                metric: "clean-test accuracy (points), SAM − SGD-momentum, paired by seed",
                rule: .superiority("c1a.gain_vs_sgd", "test-accuracy gain over SGD", better: .higher, minimalEffect: 0.5, unit: "pt"),
                scaling: setting + "; 0.5 points is the catalog's minimal effect",
                history: [RuleChange(version: "protocol v1", rule: Self.v1RuleC1, verdict: Self.v1VerdictC1,
                                     why: "c1 bundled the accuracy gain and the flatness of the minimum; it is split into c1a and c1b. The v1 interval (±1.8 points) could not detect the 0.5-point effect; v2 plans the seeds for power and says 'underpowered' when the cap is not enough. The gain over SGD with twice the steps (equal gradient evaluations) is not a statement of the paper and is now shown as a diagnostic. " + Self.v1Tuning),
                          RuleChange(version: "protocol v2, first run", rule: Rule.superiority("c1a.gain_vs_sgd", "test-accuracy gain over SGD", better: .higher, minimalEffect: 0.5, unit: "pt").text,
                                     verdict: Self.firstV2VerdictGain, why: Self.firstV2Setup)]),
            Claim(
                id: "c1b",
                statement: "SAM finds flatter minima: the top eigenvalue of the training-loss Hessian at the end of training is smaller than the base optimizer's.",
                source: "abstract; Section 4.2 (Hessian spectra, Figure 3)",
                paperValue: "smaller top Hessian eigenvalue with SAM (Figure 3)", paperSetting: "one WideResNet on CIFAR-10, full Hessian spectrum",
                metric: "log λ_max of the training cross-entropy, SAM − SGD-momentum, paired by seed",
                rule: .superiority("c1b.log_lambda_diff_vs_sgd", "log λ_max, SAM − SGD", better: .lower, minimalEffect: log(1.1)),
                scaling: "as c1a; λ_max by 20 Lanczos steps on finite-difference Hessian-vector products over 1,024 training examples; 10% (log 1.1) is the minimal effect of interest",
                history: [RuleChange(version: "protocol v1", rule: Self.v1RuleC1, verdict: Self.v1VerdictC1,
                                     why: "split out of the bundled c1 (see c1a); judged on log λ_max so the effect of interest (10%) does not depend on λ's scale."),
                          RuleChange(version: "protocol v2, first run", rule: Rule.superiority("c1b.log_lambda_diff_vs_sgd", "log λ_max, SAM − SGD", better: .lower, minimalEffect: log(1.1)).text,
                                     verdict: Self.firstV2VerdictFlatness,
                                     why: Self.firstV2Setup + " That run's λ_max was read by power iteration on plain finite differences across ReLU kinks, a reading that depends on the finite-difference step; it is not comparable with the present one.")]),
            Claim.notTestable(
                id: "c2",
                statement: "SAM gives new state-of-the-art results on several benchmarks (CIFAR-10/100, ImageNet, fine-tuning tasks).",
                source: "abstract; Tables 1–3",
                paperValue: "state of the art on CIFAR-10/100 and several fine-tuning tasks at publication",
                paperSetting: "WideResNet, PyramidNet, EfficientNet; hundreds of epochs with strong augmentation",
                reason: "state of the art is defined by large models (WideResNet, PyramidNet, EfficientNet) trained for hundreds of epochs on CIFAR and ImageNet, with strong augmentation; no CPU-sized analog measures a state of the art, and c1a already tests the gain over the base optimizer."),
        ]
        let firstV2Robustness = Rule.all(Self.noiseLevels.map { ("\($0.percent)% noise", Self.robustnessRule($0)) }).text
        let firstV2Parity = Rule.all(Self.noiseLevels.map { ("\($0.percent)% noise", Self.parityRule($0)) }).text
        for n in Self.noiseLevels {
            claims.append(Claim(
                id: n.robustnessClaim,
                statement: "At \(n.percent)% label noise, SAM is robust: its clean-test accuracy is far above its base optimizer's.",
                source: "abstract; Section 3.3 (Table 4)",
                paperValue: "far above SGD at every noise rate (Table 4)", paperSetting: "ResNet-32 on CIFAR-10 with \(n.percent)% symmetric label noise (Table 4)",
                metric: "clean-test accuracy (points), SAM − SGD-momentum after training on \(n.percent)% symmetric label noise, paired by seed",
                rule: Self.robustnessRule(n).given(premise: Self.memorisationPremise(n), "SGD memorises the noisy labels"),
                scaling: "as c1a, with \(n.percent)% of the training and validation labels replaced by a wrong class (test labels clean); 3 points is the catalog's bar for 'far above'",
                history: [
                    RuleChange(version: "protocol v1", rule: Self.v1RuleC3, verdict: Self.v1VerdictC3,
                               why: "c3 bundled robustness and parity with noisy-label methods, at 40% noise only; robustness and parity are now separate claims at each noise level, with the 20% level of the paper's Table 4 added. " + Self.v1Tuning),
                    RuleChange(version: "protocol v2, first run", rule: firstV2Robustness, verdict: Self.firstV2VerdictRobustness,
                               why: "one verdict per noise level (the two levels answer separately), and the premise that SGD memorises the wrong labels (otherwise there is nothing to be robust to); evaluation seeds are now also planned for the parity margin, and ρ's grid reaches the paper's 0.5."),
                ]))
        }
        for n in Self.noiseLevels {
            claims.append(Claim(
                id: n.parityClaim,
                statement: "At \(n.percent)% label noise, SAM's robustness is on par with a method designed for noisy labels.",
                source: "abstract; Section 3.3 (Table 4)",
                paperValue: "close to the best noisy-label methods (Table 4)", paperSetting: "CIFAR-10 with \(n.percent)% label noise, against MentorMix, Bootstrap, Mixup and others",
                metric: "clean-test accuracy (points), SAM − SGD-momentum on the generalized cross-entropy (GCE, q = 0.7), at \(n.percent)% noise, paired by seed",
                rule: Self.parityRule(n),
                scaling: "as \(n.robustnessClaim); GCE is the one noisy-label baseline; 'on par' is non-inferiority within 1 point (the catalog's margin)",
                history: [
                    RuleChange(version: "protocol v1", rule: Self.v1RuleC3, verdict: Self.v1VerdictC3,
                               why: "split out of the bundled c3 (see \(n.robustnessClaim)); parity is judged by the interval against the 1-point margin, not by the mean."),
                    RuleChange(version: "protocol v2, first run", rule: firstV2Parity, verdict: Self.firstV2VerdictParity,
                               why: "one verdict per noise level; the evaluation seeds are now planned for the 1-point margin as well."),
                ]))
        }
        return claims
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "On a small MLP with every arm tuned the same way, SAM's generalisation gain over its base optimizer is \(v("c1a").display)"
        text += ", and its flatter minima (smaller top Hessian eigenvalue) are \(v("c1b").display). "
        text += "Under label noise, SAM's advantage of at least 3 points over SGD is \(v("c3a").display) at 20% noise and \(v("c3b").display) at 40%; "
        text += "parity with a loss built for noisy labels (GCE) is \(v("c3c").display) at 20% and \(v("c3d").display) at 40%. "
        let ids = ["c1a", "c1b", "c3a", "c3b", "c3c", "c3d"]
        if ids.contains(where: { v($0) == .inconclusive(.underpowered) }) {
            text += "An underpowered verdict means that the evaluation seeds (as many as the power plan asked for, at most \(Self.seedCap.full)) could not resolve the effect the claim names on 1,000 test examples: the data neither support nor contradict it. "
        }
        if ids.contains(where: { v($0) == .inconclusive(.premiseAbsent) }) {
            text += "Where the premise is absent, tuned SGD was not shown to memorise the wrong labels beyond chance, so there was nothing for SAM to be robust to. "
        }
        text += "The results section compares SAM with SGD given as many gradient evaluations (twice the steps) and shows how each verdict moves with ρ over the paper's range; Deviations records a 30-epoch run in which the two robustness verdicts were swapped, so at this scale they depend on the training length. "
        return text + "State of the art (c2) is not a CPU question."
    }

    // MARK: Method

    public var method: String {
        #"""
        **Objective.** With training loss $L_S(w)$ and a radius $\rho>0$, SAM minimises the sharpness-aware loss

        $$L^{SAM}_S(w)=\max_{\|\epsilon\|_2\le\rho} L_S(w+\epsilon)
          \;=\;\underbrace{\big[\max_{\|\epsilon\|_2\le\rho}L_S(w+\epsilon)-L_S(w)\big]}_{\text{sharpness}}+L_S(w)$$

        (plus the usual weight decay). **Inner step.** A first-order Taylor expansion of $L_S(w+\epsilon)$ makes the \#
        maximisation a dual-norm problem, solved by

        $$\hat\epsilon(w)=\rho\,\frac{\nabla_w L_S(w)}{\|\nabla_w L_S(w)\|_2},$$

        where the norm runs over *all* parameters at once (the official `dual_vector`), so $\|\hat\epsilon\|=\rho$. \#
        **Outer step.** The gradient of $L_S^{SAM}$ is approximated by the gradient at the perturbed point, \#
        dropping the second-order term that would differentiate through $\hat\epsilon(w)$:

        $$\nabla_w L^{SAM}_S(w)\approx\nabla_w L_S(w)\big|_{w+\hat\epsilon(w)},$$

        and the base optimizer (here SGD with momentum) applies it *at $w$*. The gradients are those of the \#
        current mini-batch (the paper's $m$-sharpness with $m$ = the batch size). \#
        **ASAM** (Kwon et al. 2021; `adaptive: true`) measures the ball in the coordinates $T_w^{-1}\epsilon$, \#
        $T_w=\mathrm{diag}|w|$, which makes sharpness invariant to rescaling the weights: \#
        $\hat\epsilon=\rho\,T_w^2\nabla L/\|T_w\nabla L\|$. Following pytorch-optimizer (whose trajectories \#
        our tests match), $10^{-12}$ is added to the norm in both variants.

        The two gradient evaluations make a SAM step cost twice an SGD step; the diagnostic arm "SGD 2× steps" \#
        therefore runs SGD for twice as many steps.

        **Sharpness measurement.** The top eigenvalue $\lambda_{\max}$ of the training-loss Hessian is \#
        estimated by the Lanczos iteration on Hessian-vector products taken as central differences of gradients, \#
        $Hv\approx(\nabla L(w+hv)-\nabla L(w-hv))/2h$, with $\|v\|=1$ and the ReLU gates frozen at $w$ (so the \#
        differences see the smooth piece of the loss the weights sit in, not the kinks around it): the largest \#
        eigenvalue of the small \#
        tridiagonal matrix it builds converges to $\lambda_{\max}$ whatever the sign of the other end of the \#
        spectrum (power iteration finds the eigenvalue of largest *magnitude*, and stalls between the two ends \#
        when they are of similar size, as they were for some SAM runs).

        **The noisy-label baseline.** The generalized cross-entropy of Zhang & Sabuncu (2018), \#
        $L_q=\frac1B\sum_i(1-p_{i,y_i}^q)/q$, interpolates between the cross-entropy ($q\to0$) and the \#
        noise-tolerant mean absolute error ($q=1$): its gradient is the cross-entropy's reweighted by \#
        $p_{i,y_i}^q$, so examples the model finds implausible (often the mislabelled ones) pull less.

        The optimizer, the curvature probe and the noisy-label splits are harness code shared with the \#
        papers that build on SAM (`Sources/Harness/Methods`); the loss and the training loop are this paper's.
        """#
    }

    public var excerpts: [String] { ["sam-step", "hessian-vector-product", "hessian-lanczos", "lanczos-tridiagonal", "frozen-gates", "label-noise-splits", "gce", "training"] }

    public var deviations: String {
        #"""
        - **Scale and data.** An MLP with two hidden layers of 100 ReLU units on MNIST-1D (40 features, \#
        10 classes; 3,200 training, 800 validation, 1,000 test examples) instead of WideResNets, PyramidNets \#
        and ResNets on CIFAR-10/100 and ImageNet; \#(Self.epochs.full) epochs (quick: \#(Self.epochs.quick)) instead of \#
        200–1,800, no data augmentation, no batch normalisation. The catalog also suggests the small CNN on \#
        8×8 digits; we kept one setting to stay within the time budget, and chose the one where an MLP \#
        overfits clearly (MNIST-1D is built to separate models and training methods).
        - **Hyperparameter tuning.** The paper keeps the base optimizer's hyperparameters for SAM and tunes \#
        only $\rho$; we tune every arm the same way (protocol v2): every arm on the same learning-rate grid, \#
        SAM on its product with $\rho\in\{0.01, 0.05, 0.2, 0.5\}$ (the ends of the paper's grid \#
        $\{0.01, 0.02, 0.05, 0.1, 0.2, 0.5\}$ and two points between, to fit the budget), each extended at an \#
        edge. So SAM's arm has more grid points (16 against 4) but the same selection seeds and rule. \#
        The ρ sensitivity tables re-run SAM at the best learning rate of each ρ on the evaluation seeds.
        - **Noise model (c3).** Exactly 20% or 40% of the training *and validation* labels are replaced by a wrong \#
        class drawn uniformly (the learner never sees a clean label; under symmetric noise, noisy validation \#
        accuracy is an increasing affine function of clean accuracy in expectation, so it still ranks \#
        hyperparameters); the test labels are clean. The paper uses CIFAR-10 with the noise of Jiang et al. \#
        (2020) at 20–80% and compares with MentorMix, Bootstrap, Mixup and others; we run the two lowest \#
        levels and compare with one noisy-label method, GCE. The data split and the noisy labels are drawn \#
        once; seeds vary the initial weights and the batch order (shared by all arms at each seed).
        - **Compute-matched arm.** "SGD 2× steps" (as many gradient evaluations as SAM) runs on clean labels \#
        only, as a diagnostic no claim reads; under label noise it was dropped to pay for the 20% level and \#
        the ρ sensitivity within the CPU budget; for the same reason the runs are \#(Self.epochs.full) epochs \#
        long (v1: 40, the first v2 run: 30). An exploratory run of this design at 30 epochs (2 min 10 s of \#
        CPU, over the budget; λ_max still read by power iteration) gave a clean-label gain of 2.69 [1.73, 3.66] \#
        points, gains over SGD of 3.78 [2.66, 4.90] at 20% noise and 1.84 [1.31, 2.38] at 40%, and SAM − GCE of \#
        1.93 [0.82, 3.04] and −6.11 [−7.10, −5.12]: with five more epochs the tuned learning rates move (at 40% \#
        noise SGD chose 0.03 instead of 0.1) and the two robustness verdicts swap. At this scale the noise \#
        verdicts depend on the training length.
        - **Sharpness.** λ_max is measured on a fixed subset of 1,024 training examples (with the labels the \#
        model was trained on), with the cross-entropy loss for every arm (GCE arms included), by 20 Lanczos \#
        steps on finite-difference Hessian-vector products with the ReLU gates frozen (float32 gradients, \#
        Double iteration); the paper shows Hessian spectra (its Figure 3) for one model. The first v2 run used \#
        plain finite differences and 20 power iterations: across ReLU kinks that reading depends on the step \#
        $h$ itself (along one direction it read 0.5, 1.5 and 8.3 for $h$ = 0.05, 0.005, 0.0005), and power \#
        iteration returned a negative "λ_max" for some SAM runs whose spectrum had a negative end as large as \#
        the positive one. Frozen gates make the finite differences exact for the piece of the loss the weights \#
        sit in, and Lanczos gives λ_max whatever the other end does.
        - **ASAM** is implemented (and tested against its formula) but not part of the claims, which are \#
        about SAM.
        """#
    }

    public let sourceFile: String = #filePath

    /// `reproduce trace` runs SAM around any harness baseline (the golden files use torch's SGD).
    public var traceOptimizers: [String: TraceOptimizerFactory] { ["sam": SAM.traceFactory] }

    /// SAM in `reproduce league`: around SGD with Nesterov momentum 0.9, at the paper's usual
    /// ρ = 0.05; it pays two gradient evaluations per step there.
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("sam") { p, h in
            SAM(base: ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9, nesterov: true), rho: 0.05)
        }]
    }

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// The generalized cross-entropy (the GCE arm's loss) lives in Sources/Harness/Methods/NoisyLabels.swift.

// MARK: - The experiment

extension SharpnessAwareMinimization {
    /// Every knob of the experiment, by scale.
    struct Settings {
        var hidden = [100, 100]
        var epochs: Int
        var batchSize = 64
        var momentum: Float = 0.9
        var weightDecay: Float = 5e-4
        /// The learning-rate grid every arm is tuned on (SAM on its product with ``rhos``).
        var learningRates: [Double] = [0.01, 0.03, 0.1, 0.3]
        /// SAM's radius grid, covering the paper's {0.01, …, 0.5} end to end (extended at an edge
        /// like the learning rate); also the settings of the ρ sensitivity tables.
        var rhos: [Double] = [0.01, 0.05, 0.2, 0.5]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        /// The most evaluation seeds a power plan may ask for.
        var seedCap: Int
        var gceQ: Float = 0.7
        var hessianExamples = 1024
        var lanczosSteps = 20
        var hessianStep: Float = 5e-3
        /// Test accuracy is recorded this many times along an evaluation run, for the figures.
        var curvePoints = 20

        init(_ context: RunContext) {
            // Quick scale (CI's verify) keeps the grids small: three learning rates, two radii.
            if context.scale == .quick { learningRates = [0.03, 0.1, 0.3]; rhos = [0.02, 0.2] }
            epochs = context.pick(quick: SharpnessAwareMinimization.epochs.quick, full: SharpnessAwareMinimization.epochs.full)
            selectionSeeds = context.pick(quick: 1, full: Experiment.minimumSelectionSeeds)
            evaluationSeeds = context.seeds(quick: SharpnessAwareMinimization.evaluationSeeds.quick,
                                            full: SharpnessAwareMinimization.evaluationSeeds.full)
            seedCap = context.seedsOverride ?? context.pick(quick: SharpnessAwareMinimization.seedCap.quick,
                                                            full: SharpnessAwareMinimization.seedCap.full)
        }
    }

    /// How an arm trains, and its name in tables and the ledger.
    enum Method: Sendable, Equatable {
        /// SGD with momentum on the cross-entropy for `epochMultiple` × the base epochs.
        case sgd(epochMultiple: Int)
        /// SAM around the same SGD, on the cross-entropy.
        case sam
        /// SGD with momentum on the generalized cross-entropy.
        case gce

        var gradientsPerStep: Int { self == .sam ? 2 : 1 }
        var epochMultiple: Int { if case .sgd(let m) = self { return m } else { return 1 } }

        var name: String {
            switch self {
            case .sgd(epochMultiple: 1): return "SGD"
            case .sgd(let m): return "SGD \(m)× steps"
            case .sam: return "SAM"
            case .gce: return "GCE"
            }
        }
    }

    static let sgdName = Method.sgd(epochMultiple: 1).name, sgd2xName = Method.sgd(epochMultiple: 2).name
    static let samName = Method.sam.name, gceName = Method.gce.name

    /// MNIST-1D split once into training and validation (stream `data/split`), standardised with
    /// the training statistics, with symmetric label noise at `noise` on the training and
    /// validation labels (streams `data/noise/train`, `data/noise/validation`).
    static func data(_ context: RunContext, noise: Double) throws -> NoisyLabelSplits {
        let (fullTrain, test) = try Datasets.mnist1d()
        var splitRNG = context.rng("data", "split")
        let (train, validation) = fullTrain.split(validation: 0.2, using: &splitRNG)
        let clean = DataSplits(train: train, validation: validation, test: test).standardized()
        var trainNoise = context.rng("data", "noise", "train"), validationNoise = context.rng("data", "noise", "validation")
        return clean.withSymmetricLabelNoise(rate: noise, train: &trainNoise, validation: &validationNoise)
    }

    // excerpt: training
    /// One training run: an MLP from the trial's common stream (the same initial weights and batch
    /// order for every arm at a given seed), SGD with momentum, L2 weight decay and a cosine
    /// learning-rate decay to zero over the run, wrapped in SAM for the SAM arm.
    static func train(_ data: NoisyLabelSplits, method: Method, hyperparameters hp: Hyperparameters, trial: Trial,
                      settings s: Settings) throws -> RunRecord {
        let model = MLP(sizes: [data.train.featureCount] + s.hidden + [data.train.classCount], rng: trial.commonRNG.child("model"))
        var batchRNG = trial.commonRNG.child("batches")
        let schedule = BatchSchedule(count: data.train.count, batchSize: s.batchSize, using: &batchRNG)
        let epochs = s.epochs * method.epochMultiple
        let totalSteps = epochs * schedule.batchesPerEpoch
        let peak = hp.learningRate
        let cosine = LearningRate.schedule { step in
            Float(peak * 0.5 * (1 + Double.cos(Double.pi * Double(step - 1) / Double(totalSteps))))
        }
        let sgd = ChainedOptimizer.sgd(model.parameters, learningRate: cosine, momentum: s.momentum, weightDecay: s.weightDecay)
        let optimizer: any Optimizer = method == .sam ? SAM(base: sgd, rho: Float(hp["rho"])) : sgd

        let evaluating = trial.phase == .evaluation
        let curveEvery = max(1, epochs / s.curvePoints)
        var record = RunRecord(steps: [])
        var batches = schedule.makeIterator()
        for epoch in 0..<epochs {
            var sum = 0.0
            for _ in 0..<schedule.batchesPerEpoch {
                let (x, y) = data.train.batch(batches.next()!)
                let loss = optimizer.step {
                    method == .gce
                        ? lossAndGradient(parameters: model.parameters) { tape in
                            tape.generalizedCrossEntropy(model.forward(tape, x), labels: y, q: s.gceQ)
                        }
                        : model.lossAndGradient(x, labels: y)
                }
                sum += Double(loss)
            }
            record.losses.append(sum / Double(schedule.batchesPerEpoch))
            // x axis: gradient evaluations, in units of one epoch of SGD.
            record.steps!.append((epoch + 1) * method.gradientsPerStep)
            if record.diverged { return record }
            if evaluating && ((epoch + 1) % curveEvery == 0 || epoch == epochs - 1) {
                record.record("curve.\((epoch + 1) * method.gradientsPerStep)",
                              model.accuracy(data.test.features, labels: data.test.labels))
            }
        }
        record.record("validation accuracy", model.accuracy(data.validation.features, labels: data.validation.labels))
        guard evaluating else { return record }
        record.record("test accuracy", model.accuracy(data.test.features, labels: data.test.labels))
        record.record("train accuracy", model.accuracy(data.train.features, labels: data.train.labels))
        if !data.corruptedTrain.isEmpty {
            let probe = data.memorisationProbe
            record.record("memorised noisy labels", model.accuracy(probe.features, labels: probe.labels))
        }
        let probe = data.train.batch(Array(0..<min(s.hessianExamples, data.train.count)))
        // The Hessian of the ReLU network's smooth piece at the final weights (gates frozen there).
        let gates = model.reluGates(probe.features)
        var hessianRNG = trial.commonRNG.child("hessian")
        let spectrum = try Hessian.lanczos(model.parameters, steps: s.lanczosSteps, h: s.hessianStep, rng: &hessianRNG) {
            model.lossAndGradient(probe.features, labels: probe.labels, frozenGates: gates)
        }
        record.record("lambda_max", spectrum.largest)
        record.record("lambda_min", spectrum.smallest)
        record.record("log lambda_max", log(max(spectrum.largest, 1e-12)))
        return record
    }
    // end excerpt

    static let selection = SelectionRule.highest("validation accuracy")

    /// The experiment of one claim group: `methods` as arms, every one tuned on the same
    /// learning-rate grid (SAM on lr × ρ) by the same rule, evaluation seeds planned by `power`.
    static func experiment(_ context: RunContext, claim: String, data: NoisyLabelSplits, settings s: Settings,
                           methods: [Method], power: [PowerPlan]) -> Experiment {
        let lrGrid = Hyperparameters.learningRateGrid(s.learningRates)
        let samGrid = s.learningRates.flatMap { lr in s.rhos.map { Hyperparameters(["lr": lr, "rho": $0]) } }
        let arms = methods.map { method in
            Arm(method.name, grid: method == .sam ? samGrid : lrGrid, extendable: method == .sam ? ["lr", "rho"] : ["lr"]) { trial in
                try train(data, method: method, hyperparameters: trial.hyperparameters, trial: trial, settings: s)
            }
        }
        return Experiment(context: context, claim: claim, arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds,
                          rule: selection, power: power, seedCap: s.seedCap)
    }

    /// The power plans of one noise level: SAM against SGD at c3's 3 points and against GCE at the
    /// 1-point parity margin. They read the noisy validation accuracy of the selection runs,
    /// converted to clean points: under symmetric noise a clean difference `d` shows as
    /// `d · slope` noisy points (``SymmetricLabelNoise``).
    static func noisyPlans(_ n: NoiseLevel) -> [PowerPlan] {
        let scale = 100 / SymmetricLabelNoise.accuracySlope(rate: n.rate, classCount: classCount)
        return [PowerPlan(method: samName, baseline: sgdName, metric: "validation accuracy", minimalEffect: 3, scale: scale),
                PowerPlan(method: samName, baseline: gceName, metric: "validation accuracy", minimalEffect: 1, scale: scale)]
    }

    // MARK: Evidence

    /// Records the paired difference of clean test accuracy SAM − `baseline` (points) under `key`,
    /// with the smallest effect the evaluation seeds can detect as `key.mde`: the larger of the one
    /// the power plan on that pair predicted from the selection runs (validation accuracy, the test
    /// accuracy's proxy) and the one the evaluation runs' own spread implies. Three selection seeds
    /// can underestimate the spread several-fold, and a plan that did must not turn an interval too
    /// wide to see the effect into "interval straddles the bound".
    static func recordGain(_ key: String, _ r: ExperimentResult, versus baseline: String, into e: inout Evidence) {
        var withoutPlans = r
        withoutPlans.plans = []
        withoutPlans.recordDifference(key, method: samName, baseline: baseline, metric: "test accuracy", scale: 100, tolerance: 3, into: &e)
        guard let plan = r.plans.first(where: { $0.plan.method == samName && $0.plan.baseline == baseline }), plan.detectable.isFinite else { return }
        let d = r[samName].pairedDifference("test accuracy", versus: r[baseline], scale: 100)
        let realised = Statistics.minimalDetectableEffect(standardDeviation: d.standardDeviation, count: d.count)
        e.record("\(key).mde", realised.isFinite ? max(plan.detectable, realised) : plan.detectable, absoluteTolerance: 3, relativeTolerance: 0)
    }

    /// What c1a and c1b read, and the compute-matched diagnostic. Tolerances for `verify` off the
    /// ledger's platform: a float32 run of hundreds of steps amplifies rounding differences, so a
    /// test accuracy may move by a point or two (1,000 test examples), λ_max by tens of percent.
    static func recordClean(_ r: ExperimentResult, into e: inout Evidence) {
        recordGain("c1a.gain_vs_sgd", r, versus: sgdName, into: &e)
        r.recordDifference("c1b.log_lambda_diff_vs_sgd", method: samName, baseline: sgdName, metric: "log lambda_max", tolerance: 0.3, into: &e)
        if r.arms.contains(where: { $0.arm == sgd2xName }) { recordGain("diagnostic.c1.gain_vs_sgd2x", r, versus: sgd2xName, into: &e) }
    }

    /// What the two claims of noise level `n` read: the gains over SGD and GCE and SGD's
    /// memorised share of the wrong labels (the premise), plus every arm's share as a diagnostic.
    static func recordNoisy(_ r: ExperimentResult, level n: NoiseLevel, into e: inout Evidence) {
        recordGain("c3.\(n.key).gain_vs_sgd", r, versus: sgdName, into: &e)
        recordGain("c3.\(n.key).diff_vs_gce", r, versus: gceName, into: &e)
        let memorised = r[sgdName].evaluation.filter { !$0.diverged }.compactMap { $0.metric("memorised noisy labels") }
        e.record(interval: "c3.\(n.key).sgd_memorised", Summary(memorised.map { $0 * 100 }), tolerance: 5)
        for arm in r.arms where arm.arm != sgdName {
            e.record("diagnostic.c3.\(n.key).\(arm.arm.lowercased()).memorised",
                     Statistics.mean(arm.values("memorised noisy labels").map { $0 * 100 }), absoluteTolerance: 5, relativeTolerance: 0)
        }
    }

    // MARK: Sensitivity to ρ

    /// One row of a ρ sensitivity table: SAM at the best learning rate for `rho` in selection,
    /// re-run on the evaluation seeds, and the verdicts the claims' rules give there.
    struct SensitivityRow {
        var rho: Double
        var hyperparameters: Hyperparameters
        /// The mean selection score (validation accuracy) at that point.
        var selectionScore: Double
        var chosen: Bool
        /// Each judged interval's key with its claim's judgement at this ρ.
        var judged: [(claim: String, interval: Interval, judgement: Judgement)]
    }

    /// For each ρ of the grid (and the chosen one), SAM at the learning rate its selection runs
    /// liked best for that ρ (highest mean validation accuracy, ties to the smaller rate) is run on
    /// the same evaluation seeds as the comparison (so it pairs with the baselines' runs); the
    /// claims in `judge` are decided on evidence recorded by `record` exactly as for the verdict
    /// (the tuned ρ's row is the verdict itself; elsewhere no plan applies, so the detectable
    /// effect comes from the row's own interval).
    static func rhoSensitivity(_ experiment: Experiment, _ result: ExperimentResult, data: NoisyLabelSplits, settings s: Settings,
                               judge: [(claim: Claim, key: String)], record: (ExperimentResult, inout Evidence) -> Void) throws -> [SensitivityRow] {
        let sam = result[samName]
        let chosenRho = sam.chosen["rho"]
        var rows = [SensitivityRow]()
        for rho in Set(s.rhos + [chosenRho]).sorted() {
            let candidates = sam.sweep.filter { $0.hyperparameters["rho"] == rho && $0.eligible && $0.meanScore.isFinite }
            guard let best = candidates.max(by: { a, b in
                a.meanScore != b.meanScore ? a.meanScore < b.meanScore : a.hyperparameters.learningRate > b.hyperparameters.learningRate
            }) else { continue }
            var variant = sam
            let isChosen = best.hyperparameters == sam.chosen
            if !isChosen {
                experiment.context.progress.report(experiment.context.slug, "\(experiment.claim) ρ sensitivity [\(best.hyperparameters)]")
                variant.chosen = best.hyperparameters
                variant.evaluation = try (0..<result.evaluationSeeds).map { rep in
                    try train(data, method: .sam, hyperparameters: best.hyperparameters,
                          trial: experiment.trial(arm: samName, hyperparameters: best.hyperparameters, phase: .evaluation, repetition: rep),
                          settings: s)
                }
            }
            var modified = result
            modified.arms = result.arms.map { $0.arm == samName ? variant : $0 }
            modified.plans = isChosen ? result.plans : []
            var e = Evidence()
            record(modified, &e)
            rows.append(SensitivityRow(rho: rho, hyperparameters: best.hyperparameters, selectionScore: best.meanScore, chosen: isChosen,
                                       judged: judge.map { ($0.claim.id, e.interval($0.key), $0.claim.decide(e)) }))
        }
        return rows
    }

    static func sensitivityTable(_ rows: [SensitivityRow], caption: String) -> Table {
        let claimIDs = rows.first?.judged.map(\.claim) ?? []
        return Table(caption: caption,
                     headers: ["ρ", "SAM's point", "validation accuracy (selection)"] + claimIDs.flatMap { ["\($0): measured", "\($0): verdict"] },
                     rows: rows.map { row in
                         [Format.compact(row.rho, 3) + (row.chosen ? " (chosen)" : ""), row.hyperparameters.description,
                          Format.fixed(row.selectionScore, 4)]
                             + row.judged.flatMap { [$0.interval.formatted(), $0.judgement.verdict.display] }
                     })
    }

    // MARK: Run

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let claimsByID = Dictionary(uniqueKeysWithValues: claims.map { ($0.id, $0) })
        var e = Evidence()

        context.progress.report(info.slug, "c1: clean labels")
        let clean = try Self.data(context, noise: 0)
        let c1Experiment = Self.experiment(context, claim: "c1", data: clean, settings: s, methods: [.sgd(epochMultiple: 1), .sgd(epochMultiple: 2), .sam],
                                           power: [PowerPlan(method: Self.samName, baseline: Self.sgdName, metric: "validation accuracy", minimalEffect: 0.5, scale: 100)])
        let c1 = try c1Experiment.compare()
        Self.recordClean(c1, into: &e)
        let c1Sensitivity = try Self.rhoSensitivity(c1Experiment, c1, data: clean, settings: s,
                                                judge: [(claimsByID["c1a"]!, "c1a.gain_vs_sgd"), (claimsByID["c1b"]!, "c1b.log_lambda_diff_vs_sgd")],
                                                record: Self.recordClean)

        var noisy = [NoisyResult]()
        for n in Self.noiseLevels {
            context.progress.report(info.slug, "c3: \(n.percent)% label noise")
            let data = try Self.data(context, noise: n.rate)
            let experiment = Self.experiment(context, claim: "c3 \(n.key)", data: data, settings: s, methods: [.sgd(epochMultiple: 1), .sam, .gce],
                                             power: Self.noisyPlans(n))
            let result = try experiment.compare()
            Self.recordNoisy(result, level: n, into: &e)
            let sensitivity = try Self.rhoSensitivity(experiment, result, data: data, settings: s,
                                                  judge: [(claimsByID[n.robustnessClaim]!, "c3.\(n.key).gain_vs_sgd"),
                                                          (claimsByID[n.parityClaim]!, "c3.\(n.key).diff_vs_gce")]) { result, evidence in
                Self.recordNoisy(result, level: n, into: &evidence)
            }
            noisy.append(NoisyResult(level: n, result: result, sensitivity: sensitivity))
        }
        for row in c1Sensitivity + noisy.flatMap(\.sensitivity) where !row.chosen {
            for j in row.judged {
                e.record("diagnostic.sensitivity.\(j.claim).rho=\(Format.compact(row.rho, 3)).mean", j.interval.mean,
                         absoluteTolerance: j.claim == "c1b" ? 0.3 : 3, relativeTolerance: 0)
            }
        }
        return PaperRun(evidence: e, setup: setup(s, clean: clean),
                        results: results(s, c1: c1, c1Sensitivity: c1Sensitivity, noisy: noisy))
    }

    /// One noise level's comparison and its ρ sensitivity.
    struct NoisyResult {
        var level: NoiseLevel
        var result: ExperimentResult
        var sensitivity: [SensitivityRow]
    }
}

// MARK: - Report blocks

extension SharpnessAwareMinimization {
    func setup(_ s: Settings, clean: NoisyLabelSplits) -> [ReportBlock] {
        let lrs = s.learningRates.map { Format.compact($0, 2) }.joined(separator: ", ")
        let rhos = s.rhos.map { Format.compact($0, 2) }.joined(separator: ", ")
        let sizes = ([clean.train.featureCount] + s.hidden + [clean.train.classCount]).map(String.init).joined(separator: "-")
        return [.text(#"""
        **Data.** \#(Datasets.mnist1dCitation) The 4,000 training signals are split once (stratified, stream \#
        `data/split`) into \#(clean.train.count) for training and \#(clean.validation.count) for validation; the \#
        \#(clean.test.count) test signals are the file's test split. Features are standardised with the training \#
        statistics. For c3, exactly 20% or 40% of the training labels and of the validation labels \#
        are replaced by a different class drawn uniformly (streams `data/noise/train`, `data/noise/validation`); \#
        test labels stay clean.

        **Model.** MLP \#(sizes) with ReLU, PyTorch's default initialisation, softmax cross-entropy (GCE arm: \#
        generalized cross-entropy, $q=\#(Format.compact(Double(s.gceQ), 2))$).

        **Training.** Batch size \#(s.batchSize), \#(s.epochs) epochs (\#(s.epochs * 2) for "SGD 2× steps"), SGD with \#
        momentum \#(Format.compact(Double(s.momentum), 2)) and L2 weight decay \#(Format.compact(Double(s.weightDecay), 2)) \#
        (torch.optim.SGD semantics), learning rate decayed from its peak to 0 by a cosine over the run. SAM wraps \#
        the same SGD (one SAM step = two gradient evaluations on the same batch), so SAM and "SGD 2× steps" use the \#
        same number of gradient evaluations, and SAM and "SGD" the same number of updates. Arms: SGD, SGD 2× steps \#
        and SAM on clean labels; SGD, SAM and GCE at each noise level.

        **Tuning (protocol v2: same grid, same rule).** Peak learning rate from $\{\#(lrs)\}$ for every arm; SAM \#
        tunes its own learning rate jointly with $\rho\in\{\#(rhos)\}$ (the paper's 0.01–0.5 end to end). A choice \#
        at a grid edge extends the grid by one step there (learning rate, and ρ for SAM), up to twice. Each grid \#
        point is trained on \#(Format.counted(s.selectionSeeds, "selection seed")) and scored by validation accuracy \#
        (noisy validation labels in c3); rule: \#(Self.selection.description). Validation accuracy is the judged \#
        test accuracy's proxy; c1b's λ_max is deliberately not a selection metric, since selecting on it would \#
        pick the flattest rather than the best model (the paper, too, measures the flatness of the model tuned \#
        for accuracy). The chosen point is then trained afresh on \#(s.evaluationSeeds) to \#(s.seedCap) evaluation \#
        seeds: as many as the selection runs' spread of SAM − SGD (and, under noise, SAM − GCE) says are needed \#
        to detect the claim's effect (0.5 points; 3 points; the 1-point margin) with 80% power, converted from \#
        noisy to clean points by the factor $1-\eta K/(K-1)$ by which symmetric noise at rate $\eta$ shrinks \#
        accuracy differences. The detectable effect a verdict reads is the larger of the planned one and the one \#
        the evaluation runs' own spread implies (three selection seeds can underestimate the spread several-fold). \#
        The claims are judged on these runs only. At each seed all arms share the \#
        initial weights and the batch order (common random numbers), so differences are paired.

        **Sensitivity to ρ.** For each ρ of the grid, SAM at the learning rate its selection runs liked best for \#
        that ρ is re-run on the same evaluation seeds, and the claims' rules are applied there; the verdicts \#
        above are taken at the tuned ρ.

        **Sharpness.** After training, $\lambda_{\max}$ (and $\lambda_{\min}$) of the Hessian of the cross-entropy on \#
        the first \#(s.hessianExamples) training examples (with the labels used for training), by \#(s.lanczosSteps) Lanczos \#
        steps with full reorthogonalisation on Hessian-vector products taken as central differences of gradients \#
        with $h=\#(Format.compact(Double(s.hessianStep), 2))$ along unit vectors, the ReLU gates frozen at the final \#
        weights (the Hessian of the smooth piece the weights sit in, which double backpropagation would give).

        **Seeds.** Global seed 0; streams `sam/<claim>/<arm>/<phase>/rep k` and the shared \#
        `sam/<claim>/common/<phase>/rep k` (children `model`, `batches`, `hessian`).
        """#)]
    }

    func results(_ s: Settings, c1 c1Result: ExperimentResult, c1Sensitivity: [SensitivityRow], noisy: [NoisyResult]) -> [ReportBlock] {
        func pct(_ r: ArmResult, _ metric: String) -> String { Summary(r.values(metric).map { $0 * 100 }).formatted }
        func summaryTable(_ results: [ArmResult], caption: String, noisy: Bool) -> Table {
            Table(caption: caption,
                  headers: ["arm", "chosen", "test accuracy %", "train accuracy %" + (noisy ? " (noisy labels)" : ""),
                            noisy ? "memorised noisy labels %" : "validation accuracy %", "λ_max", "diverged"],
                  rows: results.map { r in
                      [r.arm, r.chosen.description, pct(r, "test accuracy"), pct(r, "train accuracy"),
                       noisy ? pct(r, "memorised noisy labels") : pct(r, "validation accuracy"),
                       r.summary("lambda_max").formatted, "\(r.divergedCount)/\(r.evaluation.count)"]
                  })
        }
        func pairedRows(_ result: ExperimentResult, metric: String, scale: Double, label: String) -> [[String]] {
            let sam = result[Self.samName]
            return result.arms.filter { $0.arm != Self.samName }.map { other in
                let d = sam.pairedDifference(metric, versus: other, scale: scale)
                return ["SAM − \(other.arm)", label, d.formatted, "[\(Format.compact(d.low, 3)), \(Format.compact(d.high, 3))]"]
            }
        }
        func planTable(_ result: ExperimentResult, caption: String) -> Table {
            Table(caption: caption,
                  headers: ["comparison", "minimal effect (clean points)", "selection spread (SD)", "seeds", "detectable at 80% power (planned)",
                            "detectable (evaluation spread)"],
                  rows: result.plans.map { p in
                      let d = result[p.plan.method].pairedDifference("test accuracy", versus: result[p.plan.baseline], scale: 100)
                      return ["\(p.plan.method) − \(p.plan.baseline)", Format.compact(p.plan.minimalEffect, 3), Format.compact(p.selectionSpread, 3),
                              "\(p.seeds)" + (p.detectable.isNaN ? " (no spread from one selection seed)" : p.underpowered ? " (cap)" : ""),
                              Format.compact(p.detectable, 3),
                              Format.compact(Statistics.minimalDetectableEffect(standardDeviation: d.standardDeviation, count: d.count), 3)]
                  })
        }
        func curveFigure(_ results: [ArmResult], name: String, title: String, caption: String) -> Figure {
            let series = results.map { r -> Series in
                let runs = r.evaluation.filter { !$0.diverged }
                let keys = (runs.first?.metrics.map(\.name) ?? []).filter { $0.hasPrefix("curve.") }
                let x = keys.map { Double($0.dropFirst("curve.".count))! }
                let curves = runs.map { run in keys.map { 100 * (run.metric($0) ?? .nan) } }
                return ExperimentReport.meanCurve(r.arm, x: x, curves: curves)
            }
            return Figure(name: name, title: title, xLabel: "gradient evaluations (epochs of SGD)", yLabel: "test accuracy %",
                          series: series, caption: caption)
        }
        let pairedHeaders = ["comparison", "metric", "mean ± 95% CI", "interval"]
        let c1 = c1Result.arms
        let computeMatched = c1Result[Self.samName].pairedDifference("test accuracy", versus: c1Result[Self.sgd2xName], scale: 100)
        var blocks: [ReportBlock] = [
            .text("### c1: clean labels"),
            .table(summaryTable(c1, caption: "Clean labels: evaluation runs (\(Format.counted(c1Result.evaluationSeeds, "seed")), planned for power), mean ± 95% CI.", noisy: false)),
            .table(Table(caption: "Clean labels: paired differences (SAM minus baseline, same seed). SAM − SGD 2× steps (equal gradient evaluations) is a diagnostic read by no claim.", headers: pairedHeaders,
                         rows: pairedRows(c1Result, metric: "test accuracy", scale: 100, label: "test accuracy (points)")
                            + pairedRows(c1Result, metric: "log lambda_max", scale: 1, label: "log λ_max"))),
            .text("With as many gradient evaluations as SAM (SGD for twice the steps), the paired test-accuracy difference SAM − SGD 2× steps is \(computeMatched.formatted) points (95% interval [\(Format.compact(computeMatched.low, 3)), \(Format.compact(computeMatched.high, 3))]): c1a compares equal numbers of updates, as the paper does; this row says how much of the gain a baseline given SAM's compute would also get."),
            .table(Self.sensitivityTable(c1Sensitivity, caption: "Clean labels: sensitivity to ρ. SAM at the best learning rate for each ρ (selection), re-run on the same \(Format.counted(c1Result.evaluationSeeds, "evaluation seed")), and the verdict c1a's and c1b's rules give there (away from the tuned ρ the detectable effect comes from each row's own interval). The claims are judged at the tuned ρ (marked).")),
            .table(planTable(c1Result, caption: "Clean labels: evaluation seeds planned from the selection runs (80% power, cap \(s.seedCap)), and the effect the evaluation runs' spread can detect; a verdict reads the larger.")),
            .figure(curveFigure(c1, name: "c1-test-accuracy", title: "Clean labels: test accuracy during training",
                                caption: "Mean over evaluation seeds with 95% bands, against gradient evaluations, so SAM (two per step) lines up with SGD 2× steps at the end. The learning rate decays to zero along each run.")),
            .figure(ExperimentReport.lossFigure(c1, name: "c1-train-loss", title: "Clean labels: training loss (mini-batch mean per epoch, at the unperturbed weights)",
                                                xLabel: "gradient evaluations (epochs of SGD)",
                                                caption: "SAM does not minimise the training loss itself but the worst loss in a ρ-ball, so it may end higher on this curve and still generalise better.")),
            .details("Clean labels: the whole hyperparameter sweep", [.table(ExperimentReport.sweepTable(c1, rule: Self.selection, caption: "Clean labels: hyperparameter selection (validation accuracy as a fraction). Chosen: \(Self.selection.description)."))]),
        ]
        for level in noisy {
            let n = level.level, arms = level.result.arms
            blocks += [
                .text("### c3: \(n.percent)% symmetric label noise (\(n.robustnessClaim), \(n.parityClaim))"),
                .table(summaryTable(arms, caption: "\(n.percent)% label noise on training and validation labels, clean test labels: evaluation runs (\(Format.counted(level.result.evaluationSeeds, "seed"))). \"Memorised\": the share of the corrupted training examples predicted with their wrong label (chance: at most \(Format.compact(Self.chanceMemorised, 3))%).", noisy: true)),
                .table(Table(caption: "\(n.percent)% label noise: paired differences of clean test accuracy (SAM minus baseline, same seed).", headers: pairedHeaders,
                             rows: pairedRows(level.result, metric: "test accuracy", scale: 100, label: "test accuracy (points)"))),
                .table(Self.sensitivityTable(level.sensitivity, caption: "\(n.percent)% label noise: sensitivity to ρ, as for clean labels, with \(n.robustnessClaim)'s rule (premise included) and \(n.parityClaim)'s.")),
                .table(planTable(level.result, caption: "\(n.percent)% label noise: evaluation seeds planned from the selection runs (noisy validation accuracy converted to clean points; 80% power, cap \(s.seedCap)), and the effect the evaluation runs' spread can detect; a verdict reads the larger.")),
                .figure(curveFigure(arms, name: "c3-\(n.key)-test-accuracy", title: "\(n.percent)% label noise: clean test accuracy during training",
                                    caption: "A method that memorises the wrong labels loses test accuracy late in training; the final point is what the claims are judged on (no early stopping for any arm).")),
                .details("\(n.percent)% label noise: the whole hyperparameter sweep", [.table(ExperimentReport.sweepTable(arms, rule: Self.selection, caption: "\(n.percent)% label noise: hyperparameter selection on the noisy validation labels (fraction). Chosen: \(Self.selection.description)."))]),
            ]
        }
        return blocks
    }
}
