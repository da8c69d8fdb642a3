import Foundation
import Harness

// # Sharpness-Aware Minimization for Efficiently Improving Generalization
//
// Pierre Foret, Ariel Kleiner, Hossein Mobahi and Behnam Neyshabur (ICLR 2021, arXiv 2010.01412;
// official code in JAX at https://github.com/google-research/sam).
//
// **The paper in plain words.** A network that fits its training set can sit in a narrow valley of
// the loss, where a small change of the weights raises the loss sharply, or on a wide plateau
// where the whole neighbourhood fits the data. The second kind of solution tends to generalise
// better. SAM asks for it directly: instead of the training loss $L(w)$ it minimises the worst
// loss in a ball of radius $\rho$ around the weights, $\max_{\|\epsilon\|_2\le\rho} L(w+\epsilon)$. The
// inner maximisation is solved to first order in closed form ($\hat\epsilon = \rho\,g/\|g\|$, a step
// of length $\rho$ uphill), and the outer minimisation takes the gradient at the perturbed point
// $w+\hat\epsilon$ and applies it at $w$ with any base optimizer. A SAM step therefore costs two
// gradient evaluations instead of one.
//
// The paper claims that this improves generalisation across data sets and models (c1), that it
// sets new state-of-the-art results on CIFAR-10/100, ImageNet and fine-tuning tasks (c2), and that
// it provides robustness to label noise on par with methods designed for noisy labels (c3).
//
// Here c1 and c3 are tested on a small real data set (MNIST-1D, an MLP) against SGD with
// momentum run for the same number of steps *and* for twice as many (the same number of gradient
// evaluations as SAM), with the flatness of the final minimum measured by the top eigenvalue of
// the training-loss Hessian; c3 adds a loss designed for noisy labels (generalized cross-entropy)
// as the baseline SAM must match. c2 needs ImageNet-scale training and is not testable on a CPU.



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
            tasks, new state-of-the-art numbers on several, and a robustness to label noise on par with \#
            methods built for noisy labels. We test the generalisation gain and the label-noise \#
            robustness with an MLP on MNIST-1D, against SGD with momentum given the same number of \#
            steps and, separately, the same number of gradient evaluations (twice the steps), and \#
            against a noisy-label loss (generalized cross-entropy); we also measure how sharp each \#
            final minimum is (top Hessian eigenvalue).
            """#)
    }

    // MARK: Claims, with their rules fixed before any run

    static let v1RuleC1 = "Accuracy part: holds if, against BOTH SGD arms, the mean paired gain is ≥ 0.5 points and its 95% t-interval lies above 0; fails if, against either arm, the interval's upper end is below 0.5 points. Flatness part: holds if, against both SGD arms, the 95% interval of the paired λ_max difference lies below 0; fails if, against either, it lies above 0. Reproduced if both parts hold; not reproduced if either part fails; inconclusive otherwise."
    static let v1VerdictC1 = "full scale: inconclusive (gain vs SGD 0.68 pt [-1.12, 2.48]; vs SGD 2× 0.10 pt [-1.73, 1.93]; Δλ_max vs SGD -0.27 [-0.85, 0.32]; vs SGD 2× -0.15 [-0.41, 0.12])"
    static let v1RuleC3 = "Robustness part: holds if, against BOTH SGD arms, the mean paired gain is ≥ 3 points and its 95% t-interval lies above 0; fails if, against either, the interval's upper end is below 3 points. Parity part: holds if the mean of SAM − GCE is ≥ −1 point; fails if the 95% interval of SAM − GCE lies entirely below −1 point. Reproduced if both parts hold; not reproduced if either part fails; inconclusive otherwise."
    static let v1VerdictC3 = "full scale: not reproduced (40% noise: gain vs SGD 4.36 pt [1.04, 7.68]; vs SGD 2× 3.12 pt [-0.57, 6.81]; SAM − GCE -4.02 pt [-6.90, -1.14])"
    static let v1Tuning = "v1 also let SAM reuse SGD's chosen learning rate and tune only ρ on 3 points while every other arm tuned its own learning rate, with 2 selection seeds."

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "SAM improves generalisation over its base optimizer (SGD with momentum, same number of updates).",
                source: "abstract; Section 3 (Tables 1–3)",
                paperValue: "lower test error than the base optimizer on every CIFAR-10/100 and ImageNet model",
                paperSetting: "WideResNets, PyramidNets and ResNets on CIFAR-10/100 and ImageNet, hundreds of epochs (Tables 1–3)",
                metric: "clean-test accuracy (points), SAM − SGD-momentum, paired by seed",
                rule: .superiority("c1a.gain_vs_sgd", "test-accuracy gain over SGD", better: .higher, minimalEffect: 0.5, unit: "pt"),
                scaling: "MLP 40-100-100-10 on MNIST-1D (3,200 train / 800 validation / 1,000 test); 30 epochs (quick: 8); every arm tuned on the same learning-rate grid (SAM on lr × ρ); evaluation seeds planned for 80% power at 0.5 points, 5 to 10 (quick: 2)",
                history: [RuleChange(version: "protocol v1", rule: Self.v1RuleC1, verdict: Self.v1VerdictC1,
                                     why: "c1 bundled the accuracy gain and the flatness of the minimum; it is split into c1a and c1b. The v1 interval (±1.8 points) could not detect the 0.5-point effect; v2 plans the seeds for power and says 'underpowered' when the cap is not enough. The gain over SGD with twice the steps (equal gradient evaluations) is not a statement of the paper and is now shown as a diagnostic. " + Self.v1Tuning)]),
            Claim(
                id: "c1b",
                statement: "SAM finds flatter minima: the top eigenvalue of the training-loss Hessian at the end of training is smaller than the base optimizer's.",
                source: "abstract; Section 4.2 (Hessian spectra, Figure 3)",
                paperValue: "smaller top Hessian eigenvalue with SAM (Figure 3)", paperSetting: "one WideResNet on CIFAR-10, full Hessian spectrum",
                metric: "log λ_max of the training cross-entropy, SAM − SGD-momentum, paired by seed",
                rule: .superiority("c1b.log_lambda_diff_vs_sgd", "log λ_max, SAM − SGD", better: .lower, minimalEffect: log(1.1)),
                scaling: "as c1a; λ_max by 20 power iterations on finite-difference Hessian-vector products over 1,024 training examples",
                history: [RuleChange(version: "protocol v1", rule: Self.v1RuleC1, verdict: Self.v1VerdictC1,
                                     why: "split out of the bundled c1 (see c1a); judged on log λ_max so the effect of interest (10%) does not depend on λ's scale.")]),
            Claim.notTestable(
                id: "c2",
                statement: "SAM gives new state-of-the-art results on several benchmarks (CIFAR-10/100, ImageNet, fine-tuning tasks).",
                source: "abstract; Tables 1–3",
                paperValue: "state of the art on CIFAR-10/100 and several fine-tuning tasks at publication",
                paperSetting: "WideResNet, PyramidNet, EfficientNet; hundreds of epochs with strong augmentation",
                reason: "state of the art is defined by large models (WideResNet, PyramidNet, EfficientNet) trained for hundreds of epochs on CIFAR and ImageNet, with strong augmentation; no CPU-sized analog measures a state of the art, and c1a already tests the gain over the base optimizer."),
            Claim(
                id: "c3a",
                statement: "SAM is robust to label noise: far above its base optimizer at every noise rate.",
                source: "abstract; Section 3.3 (Table 4)",
                paperValue: "far above SGD at every noise rate (Table 4)", paperSetting: "CIFAR-10 with 20–80% label noise (Table 4)",
                metric: "clean-test accuracy (points), SAM − SGD-momentum, at 20% and 40% symmetric label noise, paired by seed",
                rule: Rule.all(Self.noiseKeys.map { n in
                    ("\(n.percent)% noise", .superiority("c3.\(n.key).gain_vs_sgd", "gain over SGD at \(n.percent)% noise", better: .higher, minimalEffect: 3, sizeClaimed: true, unit: "pt"))
                }),
                scaling: "as c1a, with 20% and 40% of the training and validation labels replaced by a wrong class (test labels clean); 3 points is the catalog's bar for 'far above'",
                history: [RuleChange(version: "protocol v1", rule: Self.v1RuleC3, verdict: Self.v1VerdictC3,
                                     why: "c3 bundled robustness and parity with noisy-label methods; split into c3a and c3b, with the 20% noise level of the paper's Table 4 added. " + Self.v1Tuning)]),
            Claim(
                id: "c3b",
                statement: "SAM's robustness to label noise is on par with methods designed for noisy labels.",
                source: "abstract; Section 3.3 (Table 4)",
                paperValue: "close to the best noisy-label methods (Table 4)", paperSetting: "CIFAR-10 with label noise, against MentorMix, Bootstrap, Mixup and others",
                metric: "clean-test accuracy (points), SAM − SGD-momentum on the generalized cross-entropy (GCE, q = 0.7), at 20% and 40% noise, paired by seed",
                rule: Rule.all(Self.noiseKeys.map { n in
                    ("\(n.percent)% noise", .nonInferiority("c3.\(n.key).diff_vs_gce", "SAM − GCE at \(n.percent)% noise", better: .higher, margin: 1, unit: "pt"))
                }),
                scaling: "as c3a; GCE is the one noisy-label baseline; 'on par' is non-inferiority within 1 point (the catalog's margin)",
                history: [RuleChange(version: "protocol v1", rule: Self.v1RuleC3, verdict: Self.v1VerdictC3,
                                     why: "split out of the bundled c3 (see c3a); parity is judged by the interval against the 1-point margin, not by the mean.")]),
        ]
    }

    /// The noise levels of c3 and their keys.
    static let noiseKeys: [(rate: Double, percent: Int, key: String)] = [(0.2, 20, "n20"), (0.4, 40, "n40")]

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "On a small MLP with every arm tuned the same way, SAM's generalisation gain over its base optimizer is \(v("c1a").display)"
        text += ", and its flatter minima (smaller top Hessian eigenvalue) are \(v("c1b").display). "
        text += "Under label noise, SAM's advantage over SGD is \(v("c3a").display), and parity with a loss built for noisy labels (GCE) is \(v("c3b").display). "
        if v("c1a") == .inconclusive(.underpowered) {
            text += "An underpowered verdict means that even the capped number of seeds could not resolve an effect of half a point on 1,000 test examples: the data neither support nor contradict the claim. "
        }
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

        The two gradient evaluations make a SAM step cost twice an SGD step; our compute-matched baseline \#
        therefore runs SGD for twice as many steps.

        **Sharpness measurement.** The top eigenvalue $\lambda_{\max}$ of the training-loss Hessian is \#
        estimated by power iteration on Hessian-vector products taken as central differences of gradients, \#
        $Hv\approx(\nabla L(w+hv)-\nabla L(w-hv))/2h$, with $\|v\|=1$.
        """#
    }

    public var excerpts: [String] { ["sam", "gce", "hessian", "training"] }

    public var deviations: String {
        #"""
        - **Scale and data.** An MLP with two hidden layers of 100 ReLU units on MNIST-1D (40 features, \#
        10 classes; 3,200 training, 800 validation, 1,000 test examples) instead of WideResNets, PyramidNets \#
        and ResNets on CIFAR-10/100 and ImageNet; 40 epochs (quick: 8) instead of 200–1,800, no data \#
        augmentation, no batch normalisation. The catalog also suggests the small CNN on 8×8 digits; we \#
        kept one setting to stay within the time budget, and chose the one where an MLP overfits clearly \#
        (MNIST-1D is built to separate models and training methods).
        - **Hyperparameter tuning.** The paper keeps the base optimizer's hyperparameters for SAM and tunes \#
        only $\rho$; we tune every arm the same way (protocol v2), SAM on the learning rate × $\rho$ grid, so \#
        SAM's arm has more grid points (12 against 4, each extended at an edge) but the same selection seeds \#
        and rule. 30 epochs (quick: 8) instead of v1's 40, to pay for three selection seeds, two noise levels \#
        and the power-planned evaluation seeds within the CPU budget.
        - **Noise model (c3).** Exactly 20% or 40% of the training *and validation* labels are replaced by a wrong \#
        class drawn uniformly (the learner never sees a clean label; under symmetric noise, noisy validation \#
        accuracy is an increasing affine function of clean accuracy in expectation, so it still ranks \#
        hyperparameters); the test labels are clean. The paper uses CIFAR-10 with the noise of Jiang et al. \#
        (2020) and compares with MentorMix, Bootstrap, Mixup and others; we compare with one noisy-label \#
        method, GCE. The data split and the noisy labels are drawn once; seeds vary the initial weights \#
        and the batch order (shared by all arms at each seed).
        - **Sharpness.** λ_max is measured on a fixed subset of 1,024 training examples (with the labels the \#
        model was trained on), with the cross-entropy loss for every arm (GCE arms included), by 20 power \#
        iterations on finite-difference Hessian-vector products in float32; the paper shows full Hessian \#
        spectra (its Figure 3) for one model.
        - **ASAM** is implemented (and tested against its formula) but not part of the claims, which are \#
        about SAM.
        """#
    }

    public let sourceFile: String = #filePath

    /// `sam` for `reproduce trace` (pytorch-optimizer's keywords).
    public var traceOptimizers: [String: TraceOptimizerFactory] { ["sam": SAM.traceFactory] }

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}



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
        /// SAM's radius grid, spanning the paper's {0.01, …, 0.5} (extended at an edge like the learning rate).
        var rhos: [Double] = [0.01, 0.05, 0.2]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        /// The most evaluation seeds a power plan may ask for.
        var seedCap: Int
        var validationFraction = 0.2
        var gceQ: Float = 0.7
        var hessianExamples = 1024
        var hessianIterations = 20
        var hessianStep: Float = 5e-3
        /// Test accuracy is recorded this many times along an evaluation run, for the figures.
        var curvePoints = 20

        init(_ context: RunContext) {
            // Quick scale (CI's verify) keeps the grids small: three learning rates, two radii.
            if context.scale == .quick { learningRates = [0.03, 0.1, 0.3]; rhos = [0.02, 0.1] }
            epochs = context.pick(quick: 6, full: 30)
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 10)
        }
    }

    /// How an arm trains.
    enum Method: Sendable, Equatable {
        /// SGD with momentum on the cross-entropy for `epochMultiple` × the base epochs.
        case sgd(epochMultiple: Int)
        /// SAM around the same SGD, on the cross-entropy.
        case sam
        /// SGD with momentum on the generalized cross-entropy.
        case gce

        var gradientsPerStep: Int { self == .sam ? 2 : 1 }
        var epochMultiple: Int { if case .sgd(let m) = self { return m } else { return 1 } }
    }

    /// Standardised splits (features scaled with training statistics), with possibly noisy
    /// training and validation labels, plus the clean training labels for diagnostics.
    struct Data: Sendable {
        var train: Dataset
        var validation: Dataset
        var test: Dataset
        var corrupted: [Int]
    }

    static func data(_ context: RunContext, noise: Double) throws -> Data {
        let (fullTrain, test) = try Datasets.mnist1d()
        var splitRNG = context.rng("data", "split")
        let (train, validation) = fullTrain.split(validation: 0.2, using: &splitRNG)
        let standardizer = Standardizer(fittedOn: train.features)
        var out = Data(train: standardizer.apply(train), validation: standardizer.apply(validation),
                       test: standardizer.apply(test), corrupted: [])
        if noise > 0 {
            var trainNoise = context.rng("data", "noise", "train")
            var validationNoise = context.rng("data", "noise", "validation")
            let noisyTrain = out.train.withSymmetricLabelNoise(rate: noise, using: &trainNoise)
            out.train = noisyTrain.dataset
            out.corrupted = noisyTrain.corrupted
            out.validation = out.validation.withSymmetricLabelNoise(rate: noise, using: &validationNoise).dataset
        }
        return out
    }

    // excerpt: training
    /// One training run: an MLP from the trial's common stream (the same initial weights and batch
    /// order for every arm at a given seed), SGD with momentum, L2 weight decay and a cosine
    /// learning-rate decay to zero over the run, wrapped in SAM for the SAM arm.
    static func train(_ data: Data, method: Method, hyperparameters hp: Hyperparameters, trial: Trial, settings s: Settings) -> RunRecord {
        let classes = data.train.classCount
        let model = MLP(sizes: [data.train.featureCount] + s.hidden + [classes], rng: trial.commonRNG.child("model"))
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
        if !data.corrupted.isEmpty {
            let noisy = data.train.batch(data.corrupted)
            record.record("memorised noisy labels", model.accuracy(noisy.features, labels: noisy.labels))
        }
        let probe = data.train.batch(Array(0..<min(s.hessianExamples, data.train.count)))
        var hessianRNG = trial.commonRNG.child("hessian")
        let lambda = Hessian.topEigenvalue(model.parameters, iterations: s.hessianIterations, h: s.hessianStep, rng: &hessianRNG) {
            model.lossAndGradient(probe.features, labels: probe.labels)
        }
        record.record("lambda_max", lambda)
        record.record("log lambda_max", log(max(lambda, 1e-12)))
        return record
    }
    // end excerpt

    /// Runs one claim's arms, every one tuned on the same learning-rate grid (SAM on lr × ρ) by
    /// the same rule: SGD, SGD with twice the steps, SAM, and optionally GCE. The evaluation
    /// seeds are planned for power on SAM − SGD at `minimalEffect` points.
    static func compare(_ context: RunContext, claim: String, data: Data, settings s: Settings, withGCE: Bool,
                        minimalEffect: Double) throws -> ExperimentResult {
        func arm(_ name: String, _ method: Method, grid: [Hyperparameters], extendable: [String] = ["lr"]) -> Arm {
            Arm(name, grid: grid, extendable: extendable) { trial in
                train(data, method: method, hyperparameters: trial.hyperparameters, trial: trial, settings: s)
            }
        }
        let lrGrid = Hyperparameters.learningRateGrid(s.learningRates)
        let samGrid = s.learningRates.flatMap { lr in s.rhos.map { Hyperparameters(["lr": lr, "rho": $0]) } }
        var arms = [arm(sgdName, .sgd(epochMultiple: 1), grid: lrGrid), arm(sgd2xName, .sgd(epochMultiple: 2), grid: lrGrid),
                    arm(samName, .sam, grid: samGrid, extendable: ["lr", "rho"])]
        if withGCE { arms.append(arm(gceName, .gce, grid: lrGrid)) }
        let experiment = Experiment(
            context: context, claim: claim, arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds,
            rule: Self.selection,
            power: [PowerPlan(method: samName, baseline: sgdName, metric: "validation accuracy", minimalEffect: minimalEffect, scale: 100)],
            seedCap: s.seedCap)
        return try experiment.compare()
    }

    static let selection = SelectionRule.highest("validation accuracy")

    /// The arms' names in tables and their keys in the ledger.
    static let sgdName = "SGD", sgd2xName = "SGD 2× steps", samName = "SAM", gceName = "GCE"
    static func key(_ arm: String) -> String {
        [sgdName: "sgd", sgd2xName: "sgd2x", samName: "sam", gceName: "gce"][arm] ?? arm
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        context.progress.report(info.slug, "c1: clean labels")
        let clean = try Self.data(context, noise: 0)
        let c1 = try Self.compare(context, claim: "c1", data: clean, settings: s, withGCE: false, minimalEffect: 0.5)
        var c3 = [ExperimentResult]()
        for n in Self.noiseKeys {
            context.progress.report(info.slug, "c3: \(n.percent)% label noise")
            let noisy = try Self.data(context, noise: n.rate)
            c3.append(try Self.compare(context, claim: "c3 \(n.key)", data: noisy, settings: s, withGCE: true, minimalEffect: 3))
        }

        // Accuracies in points. Tolerances for `verify` off the ledger's platform: a float32
        // training run of hundreds of steps amplifies rounding differences, so a test accuracy
        // may move by a point or two (1,000 test examples); λ_max by tens of percent.
        var e = Evidence()
        func gain(_ key: String, _ r: ExperimentResult, versus baseline: String) {
            r.recordDifference(key, method: Self.samName, baseline: baseline, metric: "test accuracy", scale: 100, tolerance: 3, into: &e)
            // The plan was made on validation accuracy (the selection runs' metric), the proxy of test accuracy.
            if baseline == Self.sgdName, let plan = r.plans.first, plan.detectable.isFinite {
                e.record("\(key).mde", plan.detectable, absoluteTolerance: 3, relativeTolerance: 0)
            }
        }
        gain("c1a.gain_vs_sgd", c1, versus: Self.sgdName)
        c1.recordDifference("c1b.log_lambda_diff_vs_sgd", method: Self.samName, baseline: Self.sgdName, metric: "log lambda_max",
                            tolerance: 0.3, into: &e)
        gain("diagnostic.c1.gain_vs_sgd2x", c1, versus: Self.sgd2xName)
        for (n, r) in zip(Self.noiseKeys, c3) {
            gain("c3.\(n.key).gain_vs_sgd", r, versus: Self.sgdName)
            gain("c3.\(n.key).diff_vs_gce", r, versus: Self.gceName)
            for arm in r.arms {
                e.record("diagnostic.c3.\(n.key).\(Self.key(arm.arm)).memorised", Statistics.mean(arm.values("memorised noisy labels").map { $0 * 100 }),
                         absoluteTolerance: 5, relativeTolerance: 0)
            }
        }
        return PaperRun(evidence: e, setup: setup(s, clean: clean), results: results(s, c1: c1, c3: c3))
    }
}

// MARK: - Report blocks

extension SharpnessAwareMinimization {
    func setup(_ s: Settings, clean: Data) -> [ReportBlock] {
        let lrs = s.learningRates.map { short($0, 2) }.joined(separator: ", ")
        let rhos = s.rhos.map { short($0, 2) }.joined(separator: ", ")
        return [.text(#"""
        **Data.** \#(Datasets.mnist1dCitation) The 4,000 training signals are split once (stratified, stream \#
        `data/split`) into \#(clean.train.count) for training and \#(clean.validation.count) for validation; the \#
        \#(clean.test.count) test signals are the file's test split. Features are standardised with the training \#
        statistics. For c3, exactly 20% or 40% of the training labels and of the validation labels \#
        are replaced by a different class drawn uniformly (streams `data/noise/train`, `data/noise/validation`); \#
        test labels stay clean.

        **Model.** MLP \#(([clean.train.featureCount] + s.hidden + [clean.train.classCount]).map(String.init).joined(separator: "-")) \#
        with ReLU, PyTorch's default initialisation, softmax cross-entropy (GCE arm: generalized cross-entropy, \#
        $q=\#(short(Double(s.gceQ), 2))$).

        **Training.** Batch size \#(s.batchSize), \#(s.epochs) epochs (\#(s.epochs * 2) for "SGD 2× steps"), SGD with momentum \#
        \#(short(Double(s.momentum), 2)) and L2 weight decay \#(short(Double(s.weightDecay), 2)) \#
        (torch.optim.SGD semantics), learning rate decayed from its peak to 0 by a cosine over the run. SAM wraps \#
        the same SGD (one SAM step = two gradient evaluations on the same batch), so SAM and "SGD 2× steps" use the \#
        same number of gradient evaluations, and SAM and "SGD" the same number of updates.

        **Tuning (protocol v2: same grid, same rule).** Peak learning rate from $\{\#(lrs)\}$ for every arm; SAM \#
        tunes its own learning rate jointly with $\rho\in\{\#(rhos)\}$ (spanning the paper's 0.01–0.5). A choice at a \#
        grid edge extends the grid by one step there (learning rate, and ρ for SAM), up to twice. Each grid point is \#
        trained on \#(Format.counted(s.selectionSeeds, "selection seed")) and scored by validation accuracy (noisy \#
        validation labels in c3), the proxy of the judged test accuracy; rule: \#(Self.selection.description). The \#
        chosen point is then trained afresh on \#(s.evaluationSeeds) to \#(s.seedCap) evaluation seeds, as many as the \#
        selection runs' spread says are needed to detect the claim's effect with 80% power; the claims are judged on \#
        these runs only. At each seed all arms share the initial weights and the batch order (common random \#
        numbers), so differences are paired.

        **Sharpness.** After training, $\lambda_{\max}$ of the cross-entropy on the first \#(s.hessianExamples) \#
        training examples (with the labels used for training) by \#(s.hessianIterations) power iterations, \#
        central differences with $h=\#(short(Double(s.hessianStep), 2))$ along a unit vector.

        **Seeds.** Global seed 0; streams `sam/<claim>/<arm>/<phase>/rep k` and the shared \#
        `sam/<claim>/common/<phase>/rep k` (children `model`, `batches`, `hessian`).
        """#)]
    }

    func results(_ s: Settings, c1 c1Result: ExperimentResult, c3 c3Results: [ExperimentResult]) -> [ReportBlock] {
        let c1 = c1Result.arms
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
        func pairedRows(_ results: [ArmResult], metric: String, scale: Double, label: String) -> [[String]] {
            let sam = results[2]
            return results.indices.filter { $0 != 2 }.map { i in
                let d = Statistics.pairedDifferences(sam.values(metric).map { $0 * scale }, results[i].values(metric).map { $0 * scale })
                return ["SAM − \(results[i].arm)", label, d.formatted, "[\(short(d.low, 3)), \(short(d.high, 3))]"]
            }
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
        var blocks: [ReportBlock] = [
            .text("### c1: clean labels"),
            .table(summaryTable(c1, caption: "Clean labels: evaluation runs (\(Format.counted(c1Result.evaluationSeeds, "seed")), planned for power), mean ± 95% CI.", noisy: false)),
            .table(Table(caption: "Clean labels: paired differences (SAM minus baseline, same seed). SAM − SGD 2× steps (equal gradient evaluations) is a diagnostic read by no claim.", headers: pairedHeaders,
                         rows: pairedRows(c1, metric: "test accuracy", scale: 100, label: "test accuracy (points)")
                            + pairedRows(c1, metric: "log lambda_max", scale: 1, label: "log λ_max"))),
            .figure(curveFigure(c1, name: "c1-test-accuracy", title: "Clean labels: test accuracy during training",
                                caption: "Mean over evaluation seeds with 95% bands, against gradient evaluations, so SAM (two per step) lines up with SGD 2× steps at the end. The learning rate decays to zero along each run.")),
            .figure(ExperimentReport.lossFigure(c1, name: "c1-train-loss", title: "Clean labels: training loss (mini-batch mean per epoch, at the unperturbed weights)",
                                                xLabel: "gradient evaluations (epochs of SGD)",
                                                caption: "SAM does not minimise the training loss itself but the worst loss in a ρ-ball, so it may end higher on this curve and still generalise better.")),
            .details("Clean labels: the whole hyperparameter sweep", [.table(ExperimentReport.sweepTable(c1, rule: Self.selection, caption: "Clean labels: hyperparameter selection (validation accuracy as a fraction). Chosen: \(Self.selection.description)."))]),
        ]
        for (n, r) in zip(Self.noiseKeys, c3Results) {
            let c3 = r.arms
            blocks += [
                .text("### c3: \(n.percent)% symmetric label noise"),
                .table(summaryTable(c3, caption: "\(n.percent)% label noise on training and validation labels, clean test labels: evaluation runs (\(Format.counted(r.evaluationSeeds, "seed"))). \"Memorised\": the fraction of the corrupted training examples predicted with their wrong label.", noisy: true)),
                .table(Table(caption: "\(n.percent)% label noise: paired differences of clean test accuracy (SAM minus baseline, same seed).", headers: pairedHeaders,
                             rows: pairedRows(c3, metric: "test accuracy", scale: 100, label: "test accuracy (points)"))),
                .figure(curveFigure(c3, name: "c3-\(n.key)-test-accuracy", title: "\(n.percent)% label noise: clean test accuracy during training",
                                    caption: "A method that memorises the wrong labels loses test accuracy late in training; the final point is what the claim is judged on (no early stopping for any arm).")),
                .details("\(n.percent)% label noise: the whole hyperparameter sweep", [.table(ExperimentReport.sweepTable(c3, rule: Self.selection, caption: "\(n.percent)% label noise: hyperparameter selection on the noisy validation labels (fraction). Chosen: \(Self.selection.description)."))]),
            ]
        }
        return blocks
    }
}

/// `x` to `digits` significant digits without trailing zeros (`0.010` → `0.01`), for prose.
private func short(_ x: Double, _ digits: Int) -> String { Format.compact(x, digits) }
