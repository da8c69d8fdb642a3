import Foundation
import Harness

// # Gradient Norm Aware Minimization Seeks First-Order Flatness and Improves Generalization
//
// Xingxuan Zhang, Renzhe Xu, Han Yu, Hao Zou and Peng Cui (CVPR 2023, arXiv 2303.03108; official
// code in PyTorch at https://github.com/xxgege/GAM). A delta from SAM (`Sources/Harness/Methods/
// SAM.swift` and the SAM paper's file): SAM penalises the worst *loss* in a ρ-ball (zeroth-order
// flatness); GAM penalises the largest *gradient norm* in it (first-order flatness). This file
// holds the accelerated first-order GAM step of the official code, SAM+GAM (the same step whose
// every gradient is SAM's), a numerical check of the paper's two inequalities, and the experiment.

// MARK: - The method

// excerpt: gam-step
/// GAM in the accelerated first-order form of the official code (`gam/gam.py`), around any base
/// optimizer. One ``step(_:)`` takes four gradients of the mini-batch loss:
/// 1. $g_0=\nabla L(\theta)$;
/// 2. $g_1=\nabla L(\theta+\rho'\hat g_0)$, so $g_1-g_0\approx\rho' H\hat g_0=\rho'\nabla\|\nabla L\|$
///    (the finite-difference gradient of the gradient norm);
/// 3. $\theta^{adv}=\theta+\rho\,(g_1-g_0)/\|g_1-g_0\|$ ascends the gradient norm, $g_2=\nabla L(\theta^{adv})$;
/// 4. $g_3=\nabla L(\theta^{adv}+\rho'\hat g_2)$.
///
/// The direction is $d=\alpha g_1+(1-\alpha)g_3$; with $p=g_0+(1-\beta)g_2$, the component of $p$
/// orthogonal to $d$ is removed with weight $\gamma$: $d\leftarrow d-\gamma\,(p-\cos(p,d)\|p\|\,d/\|d\|)$.
/// The base optimizer applies $d$ at $\theta$. Norms run over all parameters; $\hat g=g/(\|g\|+\epsilon)$.
/// As in the official code, $\beta$ (`grad_beta_0`) only enters through $1-\beta$: $g_0$ itself is not scaled.
public final class GAM: Optimizer {
    public let base: any Optimizer
    /// ρ: the radius of the gradient-norm ascent (`grad_norm_rho`).
    public var rho: Float
    /// ρ′: the finite-difference radius (`grad_rho`).
    public var rhoPrime: Float
    /// α (`grad_beta_1`), β (`grad_beta_0`), γ (`grad_gamma`).
    public var alpha: Float, beta: Float, gamma: Float
    public let perturbationEpsilon: Float
    /// SAM+GAM: each of the four gradients is SAM's at that point (``SAM`` around a probe that
    /// only keeps the gradient), so a step costs eight evaluations.
    public let sam: SAM?
    private var saved: [Tensor<Float>] = [], g0: [Tensor<Float>] = [], g1: [Tensor<Float>] = [], g2: [Tensor<Float>] = []

    public init(base: any Optimizer, rho: Float = 0.2, rhoPrime: Float = 0.03, alpha: Float = 0.1, beta: Float = 0.1,
                gamma: Float = 0.05, samRho: Float? = nil, perturbationEpsilon: Float = 1e-12) {
        precondition(rho >= 0 && rhoPrime >= 0, "GAM needs radii >= 0")
        self.base = base
        (self.rho, self.rhoPrime, self.alpha, self.beta, self.gamma) = (rho, rhoPrime, alpha, beta, gamma)
        self.perturbationEpsilon = perturbationEpsilon
        sam = samRho.map { SAM(base: GradientProbe(base.parameters), rho: $0, perturbationEpsilon: perturbationEpsilon) }
    }

    public var parameters: [Parameter] { base.parameters }
    /// The base's state, the saved weights and three gradient copies (the official code keeps
    /// `g_0`, `g_1`, `g_2` and two perturbations), plus SAM's saved copy for SAM+GAM.
    public var stateBytes: Int { base.stateBytes + (sam?.stateBytes ?? 0) + [saved, g0, g1, g2].joined().reduce(0) { $0 + $1.count * 4 } }
    public func applyGradients() { base.applyGradients() }

    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        func evaluate() -> Float { sam.map { $0.step(lossAndGradient) } ?? lossAndGradient() }
        let params = base.parameters
        if saved.count != params.count { (saved, g0, g1, g2) = (params.map(\.value), params.map(\.value), params.map(\.value), params.map(\.value)) }
        let loss = evaluate()
        VectorOps.copy(params.map(\.value), into: &saved)
        VectorOps.copy(params.map(\.grad), into: &g0)
        VectorOps.move(params, along: g0, by: rhoPrime / (VectorOps.norm(g0) + perturbationEpsilon))
        _ = evaluate()
        VectorOps.copy(params.map(\.grad), into: &g1)
        VectorOps.restore(params, from: saved)
        // The gradient of the gradient norm, by finite difference; θ_adv ascends along it.
        for k in params.indices { params[k].grad = g1[k] - g0[k] }
        VectorOps.move(params, along: params.map(\.grad), by: rho / (VectorOps.norm(params.map(\.grad)) + perturbationEpsilon))
        _ = evaluate()
        VectorOps.copy(params.map(\.grad), into: &g2)
        VectorOps.move(params, along: g2, by: rhoPrime / (VectorOps.norm(g2) + perturbationEpsilon))
        _ = evaluate()
        // d = α g1 + (1 − α) g3 (g3 is in `grad`), p = g0 + |1 − β| g2 (into g0).
        var inner = 0.0
        for k in params.indices {
            params[k].grad = alpha * g1[k] + (1 - alpha) * params[k].grad
            g0[k] = g0[k] + abs(1 - beta) * g2[k]
            inner += VectorOps.dot(g0[k], params[k].grad)
        }
        let dNorm = VectorOps.norm(params.map(\.grad)), pNorm = VectorOps.norm(g0)
        let cosine = Float(inner) / (dNorm * pNorm + perturbationEpsilon)
        let along = cosine * pNorm / (dNorm + perturbationEpsilon)
        for k in params.indices {
            // d − γ·(p − cos·‖p‖·d/‖d‖)
            params[k].grad = (1 + gamma * along) * params[k].grad - gamma * g0[k]
        }
        VectorOps.restore(params, from: saved)
        base.applyGradients()
        return loss
    }
}
// end excerpt

/// An optimizer that takes no step: around it, ``SAM/step(_:)`` leaves SAM's gradient in each
/// parameter's `grad` and the weights where they were.
final class GradientProbe: Optimizer {
    let parameters: [Parameter]
    init(_ parameters: [Parameter]) { self.parameters = parameters }
    var stateBytes: Int { 0 }
    func applyGradients() {}
}

/// Whole-model vector arithmetic over parameter lists (norms accumulate in Double).
enum VectorOps {
    static func dot(_ a: Tensor<Float>, _ b: Tensor<Float>) -> Double {
        var s = 0.0
        for i in 0..<a.count { s += Double(a.data[i]) * Double(b.data[i]) }
        return s
    }
    static func norm(_ ts: [Tensor<Float>]) -> Float { Float(ts.reduce(0.0) { $0 + dot($1, $1) }.squareRoot()) }
    static func copy(_ source: [Tensor<Float>], into target: inout [Tensor<Float>]) {
        for k in source.indices { target[k].data.withUnsafeMutableBufferPointer { t in source[k].data.withUnsafeBufferPointer { s in
            for i in 0..<s.count { t[i] = s[i] } } } }
    }
    /// θ ← θ + scale·v.
    static func move(_ params: [Parameter], along v: [Tensor<Float>], by scale: Float) {
        for k in params.indices { params[k].value = params[k].value + scale * v[k] }
    }
    static func restore(_ params: [Parameter], from saved: [Tensor<Float>]) {
        for k in params.indices { params[k].value = saved[k] }
    }
}

// MARK: - The paper

/// GAM (Zhang, Xu, Yu, Zou, Cui 2023): claims and experiment.
public struct GAMPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "gam", title: "Gradient Norm Aware Minimization Seeks First-Order Flatness and Improves Generalization",
            method: "GAM (Gradient norm Aware Minimization)", family: "SharpnessAndGeneralization", arxiv: "2303.03108",
            code: "https://github.com/xxgege/GAM",
            summary: #"""
            SAM's flatness is *zeroth-order*: the worst loss in a ball of radius $\rho$ around the weights. The \#
            paper argues it can rank minima wrongly (a minimum can have a low worst-case loss and yet sharp \#
            curvature inside the ball), and proposes *first-order flatness* $R^{(1)}_\rho(\theta)=\rho\max_{\|\delta\|\le\rho}\|\nabla L(\theta+\delta)\|$, \#
            which bounds both SAM's regulariser $R^{(0)}_\rho=\max_{\|\delta\|\le\rho}L(\theta+\delta)-L(\theta)$ and, at a \#
            minimum, $\rho^2\lambda_{\max}$ of the Hessian. GAM adds it to the loss and follows its gradient; the \#
            official code releases an accelerated first-order form (four gradient evaluations per step). The \#
            paper reports that GAM improves SGD and AdamW on CIFAR and ImageNet, and that added to SAM it finds \#
            flatter minima that generalise better. We check the two inequalities numerically at trained MLPs, \#
            and compare SGD, SGD+GAM, SAM and SAM+GAM on MNIST-1D, each tuned the same way.
            """#)
    }

    static let sgd = "SGD", sgdGAM = "SGD+GAM", sam = "SAM", samGAM = "SAM+GAM"
    static let epochs = (quick: 2, full: 10)
    static let evaluationSeeds = (quick: 2, full: 5), seedCap = (quick: 2, full: 8)
    /// The radius of the c2 check, and the tolerance for third-order terms of c2b fixed before the run.
    static let checkRadius: Float = 0.05, curvatureTolerance = 0.95

    public var claims: [Claim] {
        let setting = "MLP 40-100-100-10 on MNIST-1D (3,200 train / 800 validation / 1,000 test), \(Self.epochs.full) epochs (quick \(Self.epochs.quick)); "
            + "every arm on the same learning-rate grid, the three sharpness arms also on the same radius grid; evaluation seeds planned for 80% power, \(Self.evaluationSeeds.full) to \(Self.seedCap.full)"
        return [
            Claim.notTestable(
                id: "c1", statement: "Zeroth-order flatness (SAM's worst-case loss within ρ) can fail to tell minima that generalise well from minima that do not.",
                source: "abstract; Section 3 (Figure 1)", paperValue: "constructed examples (Figure 1)", paperSetting: "hand-built one- and two-dimensional loss surfaces",
                reason: "an existence statement shown with hand-built loss surfaces: it is a property of the constructions, and no training run can show that zeroth-order flatness *can* mislead; c2 checks the inequalities that motivate the fix."),
            Claim(id: "c2a", statement: "First-order flatness bounds SAM's regulariser: R⁽⁰⁾_ρ ≤ R⁽¹⁾_ρ.",
                  source: "abstract; Section 3 (Proposition on R⁽⁰⁾ and R⁽¹⁾)", paperValue: "holds for every θ (mean-value theorem)", paperSetting: "any differentiable loss",
                  metric: "smallest (R⁽¹⁾ − R⁽⁰⁾)/R⁽¹⁾ over every trained network of every arm, both maxima estimated by 10 steps of ascent in the ball, ρ = \(Self.checkRadius)",
                  rule: .bound("c2a.min_margin", "smallest relative margin (R⁽¹⁾ − R⁽⁰⁾)/R⁽¹⁾", below: false, 0),
                  scaling: setting + "; the check runs at the end of every evaluation run on 1,024 training examples"),
            Claim(id: "c2b", statement: "At a minimum, first-order flatness bounds the top Hessian eigenvalue: ρ²λ_max ≤ R⁽¹⁾_ρ.",
                  source: "abstract; Section 3", paperValue: "holds at local minima (up to higher-order terms in ρ)", paperSetting: "any twice-differentiable loss at a local minimum",
                  metric: "smallest R⁽¹⁾/(ρ²λ_max) over every trained network, λ_max by 20 exact Lanczos steps",
                  rule: .bound("c2b.min_ratio", "smallest R⁽¹⁾/(ρ²λ_max)", below: false, Self.curvatureTolerance),
                  scaling: "as c2a; trained networks are near, not at, minima, and the ball's curvature is not constant, so 5% is allowed for higher-order terms and an inexact ascent"),
            Claim(id: "c3", statement: "GAM improves the generalisation of SGD (SGD+GAM against SGD).",
                  source: "abstract; Section 5 (Tables 1–3)", paperValue: "not stated in the abstract (gains of about 0.3–1 point on CIFAR in Table 1)",
                  paperSetting: "ResNets, WideResNets, PyramidNets, ViTs on CIFAR-10/100 and ImageNet, 200 epochs",
                  metric: "test accuracy (points), SGD+GAM − SGD, paired by seed",
                  rule: .superiority("c3.gain_vs_sgd", "test-accuracy gain of SGD+GAM over SGD", better: .higher, minimalEffect: 0.3, unit: "pt"),
                  scaling: setting + "; 0.3 points is the catalog's minimal effect"),
            Claim(id: "c4a", statement: "GAM helps SAM generalise better (SAM+GAM against SAM).",
                  source: "abstract; Section 5.3", paperValue: "not stated in the abstract", paperSetting: "CIFAR-10/100 with ResNets and PyramidNets",
                  metric: "test accuracy (points), SAM+GAM − SAM, paired by seed",
                  rule: .superiority("c4a.gain_vs_sam", "test-accuracy gain of SAM+GAM over SAM", better: .higher, minimalEffect: 0.3, unit: "pt"),
                  scaling: setting),
            Claim(id: "c4b", statement: "GAM helps SAM find flatter minima: a smaller top Hessian eigenvalue at the end of training.",
                  source: "abstract; Section 5.4 (Hessian spectra)", paperValue: "smaller λ_max and trace with SAM+GAM (Figure 4)", paperSetting: "ResNet on CIFAR",
                  metric: "log λ_max of the training cross-entropy, SAM+GAM − SAM, paired by seed",
                  rule: .superiority("c4b.log_lambda_diff_vs_sam", "log λ_max, SAM+GAM − SAM", better: .lower, minimalEffect: log(1.1)),
                  scaling: "as c4a; λ_max by 20 exact Lanczos steps on 1,024 training examples; 10% (log 1.1) is the minimal effect of interest"),
        ]
    }

    public var method: String {
        #"""
        **First-order flatness.** For a radius $\rho$, $R^{(1)}_\rho(\theta)=\rho\cdot\max_{\theta'\in B(\theta,\rho)}\|\nabla L(\theta')\|$. \#
        By the mean-value theorem $R^{(0)}_\rho(\theta)=\max_{\|\delta\|\le\rho}L(\theta+\delta)-L(\theta)\le R^{(1)}_\rho(\theta)$, and at a \#
        minimum $\nabla L(\theta+\delta)\approx H\delta$, so $R^{(1)}_\rho\ge\rho^2\lambda_{\max}(H)$ to second order. GAM minimises \#
        $L+\alpha R^{(1)}_\rho$: the gradient of $R^{(1)}$ is $\rho\,\nabla\|\nabla L\|$ at the point $\theta^{adv}$ of the ball with the \#
        largest gradient norm, and $\nabla\|\nabla L\|=H\nabla L/\|\nabla L\|$.

        **The accelerated form** (the official code, which the README says matches the exact one) replaces every \#
        Hessian-vector product by a finite difference of gradients, $H\hat g\approx(\nabla L(\theta+\rho'\hat g)-\nabla L(\theta))/\rho'$, \#
        so that $g_1=\nabla L(\theta+\rho'\hat g_0)\approx\nabla L+\rho'\nabla\|\nabla L\|$ is already "loss plus first-order flatness" at \#
        $\theta$, and $g_3$ the same at $\theta^{adv}$; it mixes them with weight $\alpha$ and removes, with weight $\gamma$, the part of \#
        the plain gradients $g_0+(1-\beta)g_2$ orthogonal to the result (as GSAM does). Defaults are the official \#
        CIFAR-10 ResNet ones: $\rho=0.2$, $\rho'=0.03$, $\alpha=\beta=0.1$, $\gamma=0.05$. **SAM+GAM** runs the same step with \#
        every gradient replaced by SAM's gradient at that point (SAM's radius tied to GAM's $\rho$), i.e. GAM on SAM's \#
        objective; a step then costs eight gradient evaluations.

        **The c2 check.** At the end of every evaluation run, on 1,024 training examples and with $\rho=0.05$: \#
        $R^{(0)}$ by ten ascent steps $\delta\leftarrow\rho\,\widehat{\nabla L}(\theta+\delta)$ from $\rho\hat g$ (the largest loss seen), \#
        $R^{(1)}$ by ten ascent steps on $\|\nabla L\|$, $\delta\leftarrow\rho\,\widehat{H\nabla L}(\theta+\delta)$ with exact Hessian-vector \#
        products, also trying $-\delta$ (the largest norm seen, $\theta$ itself included), and $\lambda_{\max}$ by 20 exact Lanczos steps. \#
        Both maxima are estimated from below, so an ascent that falls short can only make the checks harder.
        """#
    }

    public var excerpts: [String] { ["gam-step", "flatness-check"] }

    public var deviations: String {
        #"""
        - **Scale and data.** An MLP 40-100-100-10 with ReLU on MNIST-1D, \#(Self.epochs.full) epochs (quick \#(Self.epochs.quick)), \#
        SGD with momentum 0.9, weight decay 5e-4 and a cosine decay, batch 64, no label smoothing, instead of ResNets, \#
        PyramidNets and ViTs on CIFAR and ImageNet for 200 epochs with label smoothing 0.1. AdamW and AdamW+GAM are left out to \#
        fit the CPU budget (SAM+GAM costs eight gradient evaluations per step).
        - **Tuning.** Every arm on the same learning-rate grid; SGD+GAM, SAM and SAM+GAM each also on the same two radii \#
        (GAM's ρ, SAM's ρ, and for SAM+GAM both tied to one value); GAM's ρ′, α, β, γ stay at the official CIFAR-10 defaults, as \#
        the README reports GAM robust to them. The paper tunes GAM's hyperparameters roughly and keeps the base optimizer's.
        - **Compute.** Arms are compared at equal epochs, as the paper does: GAM pays four gradient evaluations per step, SAM two, \#
        SAM+GAM eight.
        - **c2** is checked at the end of training, where the gradient is small but not zero; c2b allows 5% for that.
        """#
    }

    public let sourceFile: String = #filePath

    public var traceOptimizers: [String: TraceOptimizerFactory] { ["gam": GAM.traceFactory] }

    /// GAM in `reproduce league`: around SGD with momentum 0.9, at the official CIFAR-10 defaults.
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("gam") { p, h in GAM(base: ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate)), momentum: 0.9)) }]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        var text = "The two inequalities behind first-order flatness are \(v("c2a")) (R⁽⁰⁾ ≤ R⁽¹⁾) and \(v("c2b")) (ρ²λ_max ≤ R⁽¹⁾) at every trained network we checked. "
        text += "On a small MLP with every arm tuned alike, GAM's gain over SGD is \(v("c3")); over SAM, the accuracy gain is \(v("c4a")) and the flatter minimum \(v("c4b")). "
        if claims.contains(where: { $0.judgement.verdict == .inconclusive(.underpowered) }) {
            text += "An underpowered verdict means that the seeds (at most \(Self.seedCap.full)) could not resolve a 0.3-point effect on 1,000 test examples: the data neither support nor contradict it. "
        }
        return text + "Whether zeroth-order flatness can mislead (c1) is shown by construction in the paper, not by a run."
    }

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

// MARK: - The experiment

extension GAMPaper {
    struct Settings {
        var hidden = [100, 100]
        var epochs: Int
        var batchSize = 64
        var learningRates: [Double] = [0.03, 0.1, 0.3]
        /// The radius grid of the three sharpness arms (GAM's ρ, SAM's ρ, both for SAM+GAM).
        var radii: [Double] = [0.05, 0.2]
        var selectionSeeds: Int, evaluationSeeds: Int, seedCap: Int
        var probeExamples = 1024, lanczosSteps = 20, ascentSteps = 10

        init(_ context: RunContext) {
            if context.scale == .quick { learningRates = [0.1, 0.3] }
            epochs = context.pick(quick: GAMPaper.epochs.quick, full: GAMPaper.epochs.full)
            selectionSeeds = context.pick(quick: 1, full: Experiment.minimumSelectionSeeds)
            evaluationSeeds = context.seeds(quick: GAMPaper.evaluationSeeds.quick, full: GAMPaper.evaluationSeeds.full)
            seedCap = context.seedsOverride ?? context.pick(quick: GAMPaper.seedCap.quick, full: GAMPaper.seedCap.full)
        }
    }

    static func gradientsPerStep(_ arm: String) -> Int { [sgd: 1, sam: 2, sgdGAM: 4, samGAM: 8][arm]! }

    /// One run: the SAM paper's MLP, data and schedule (same initial weights and batch order for
    /// every arm at a seed), the arm's optimizer around SGD with momentum.
    static func train(_ data: NoisyLabelSplits, arm: String, hyperparameters hp: Hyperparameters, trial: Trial, settings s: Settings) throws -> RunRecord {
        let model = MLP(sizes: [data.train.featureCount] + s.hidden + [data.train.classCount], rng: trial.commonRNG.child("model"))
        var batchRNG = trial.commonRNG.child("batches")
        let schedule = BatchSchedule(count: data.train.count, batchSize: s.batchSize, using: &batchRNG)
        let totalSteps = s.epochs * schedule.batchesPerEpoch, peak = hp.learningRate
        let cosine = LearningRate.schedule { step in Float(peak * 0.5 * (1 + Double.cos(Double.pi * Double(step - 1) / Double(totalSteps)))) }
        let base = ChainedOptimizer.sgd(model.parameters, learningRate: cosine, momentum: 0.9, weightDecay: 5e-4)
        let optimizer: any Optimizer
        switch arm {
        case sgd: optimizer = base
        case sam: optimizer = SAM(base: base, rho: Float(hp["rho"]))
        case sgdGAM: optimizer = GAM(base: base, rho: Float(hp["rho"]))
        default: optimizer = GAM(base: base, rho: Float(hp["rho"]), samRho: Float(hp["rho"]))
        }
        var record = RunRecord(steps: [])
        var batches = schedule.makeIterator()
        for epoch in 0..<s.epochs {
            var sum = 0.0
            for _ in 0..<schedule.batchesPerEpoch {
                let (x, y) = data.train.batch(batches.next()!)
                sum += Double(optimizer.step { model.lossAndGradient(x, labels: y) })
            }
            record.losses.append(sum / Double(schedule.batchesPerEpoch))
            record.steps!.append((epoch + 1) * gradientsPerStep(arm))
            if record.diverged { return record }
        }
        record.record("validation accuracy", model.accuracy(data.validation.features, labels: data.validation.labels))
        guard trial.phase == .evaluation else { return record }
        record.record("test accuracy", model.accuracy(data.test.features, labels: data.test.labels))
        let probe = data.train.batch(Array(0..<min(s.probeExamples, data.train.count)))
        var rng = trial.commonRNG.child("hessian")
        let spectrum = try Hessian.lanczos(model.trainableParameters, steps: s.lanczosSteps, rng: &rng) { tape in
            model.loss(tape, probe.features, labels: probe.labels)
        }
        record.record("lambda_max", spectrum.largest)
        record.record("log lambda_max", log(max(spectrum.largest, 1e-12)))
        let f = flatness(model, probe.features, probe.labels, radius: checkRadius, steps: s.ascentSteps)
        record.record("R0", f.zeroth)
        record.record("R1", f.first)
        record.record("c2a margin", (f.first - f.zeroth) / f.first)
        record.record("c2b ratio", f.first / (Double(checkRadius * checkRadius) * spectrum.largest))
        return record
    }

    // excerpt: flatness-check
    /// Lower estimates of SAM's regulariser $R^{(0)}_\rho$ and of first-order flatness
    /// $R^{(1)}_\rho$ at the model's weights, by `steps` ascent steps each inside the ρ-ball
    /// (normalised-gradient steps for the loss, normalised $H\nabla L$ steps for the gradient norm,
    /// exact Hessian-vector products). The weights are restored.
    static func flatness(_ model: MLP, _ x: Tensor<Float>, _ y: [Int], radius: Float, steps: Int) -> (zeroth: Double, first: Double) {
        let params = model.trainableParameters, w = params.map(\.value)
        func at(_ d: [Tensor<Float>]) -> (loss: Double, grad: [Tensor<Float>]) {
            for k in params.indices { params[k].value = w[k] + d[k] }
            let loss = Double(model.lossAndGradient(x, labels: y))
            return (loss, params.map(\.grad))
        }
        func onSphere(_ v: [Tensor<Float>]) -> [Tensor<Float>] { let n = VectorOps.norm(v); return v.map { (radius / max(n, 1e-30)) * $0 } }
        let zero = w.map { Tensor<Float>.zeros($0.shape) }
        let origin = at(zero)
        var d = onSphere(origin.grad), zeroth = -Double.infinity
        for _ in 0..<steps {
            let p = at(d)
            zeroth = max(zeroth, p.loss - origin.loss)
            d = onSphere(p.grad)
        }
        var largestNorm = Double(VectorOps.norm(origin.grad))
        d = onSphere(origin.grad)
        for _ in 0..<steps {
            let g = at(d).grad
            largestNorm = max(largestNorm, Double(VectorOps.norm(g)))
            d = onSphere(model.hessianVectorProduct(x, labels: y, along: g))
        }
        largestNorm = max(largestNorm, Double(VectorOps.norm(at(d).grad)), Double(VectorOps.norm(at(d.map { -1 * $0 }).grad)))
        VectorOps.restore(params, from: w)
        return (zeroth, Double(radius) * largestNorm)
    }
    // end excerpt

    static let selection = SelectionRule.highest("validation accuracy")

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        context.progress.report(info.slug, "SGD, SGD+GAM, SAM, SAM+GAM")
        let data = try SharpnessAwareMinimization.data(context, noise: 0)
        let lrGrid = Hyperparameters.learningRateGrid(s.learningRates)
        let radiusGrid = s.learningRates.flatMap { lr in s.radii.map { Hyperparameters(["lr": lr, "rho": $0]) } }
        let arms = [Self.sgd, Self.sgdGAM, Self.sam, Self.samGAM].map { name in
            Arm(name, grid: name == Self.sgd ? lrGrid : radiusGrid, extendable: name == Self.sgd ? ["lr"] : ["lr", "rho"]) { trial in
                try Self.train(data, arm: name, hyperparameters: trial.hyperparameters, trial: trial, settings: s)
            }
        }
        let plans = [PowerPlan(method: Self.sgdGAM, baseline: Self.sgd, metric: "validation accuracy", minimalEffect: 0.3, scale: 100),
                     PowerPlan(method: Self.samGAM, baseline: Self.sam, metric: "validation accuracy", minimalEffect: 0.3, scale: 100)]
        let result = try Experiment(context: context, claim: "c2 c3 c4", arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds,
                                    rule: Self.selection, power: plans, seedCap: s.seedCap).compare()
        var e = Evidence()
        let runs = result.arms.flatMap { $0.evaluation.filter { !$0.diverged } }
        e.record("c2a.min_margin", runs.compactMap { $0.metric("c2a margin") }.min() ?? .nan, absoluteTolerance: 0.05, relativeTolerance: 0)
        e.record("c2b.min_ratio", runs.compactMap { $0.metric("c2b ratio") }.min() ?? .nan, absoluteTolerance: 0.1, relativeTolerance: 0)
        result.recordDifference("c3.gain_vs_sgd", method: Self.sgdGAM, baseline: Self.sgd, metric: "test accuracy", scale: 100, tolerance: 3, into: &e)
        result.recordDifference("c4a.gain_vs_sam", method: Self.samGAM, baseline: Self.sam, metric: "test accuracy", scale: 100, tolerance: 3, into: &e)
        result.recordDifference("c4b.log_lambda_diff_vs_sam", method: Self.samGAM, baseline: Self.sam, metric: "log lambda_max", tolerance: 0.3, into: &e)
        result.recordDifference("diagnostic.sgd_gam.log_lambda_diff_vs_sgd", method: Self.sgdGAM, baseline: Self.sgd, metric: "log lambda_max", tolerance: 0.3, into: &e)
        return PaperRun(evidence: e, setup: setup(s, data), results: results(result))
    }

    func setup(_ s: Settings, _ data: NoisyLabelSplits) -> [ReportBlock] {
        [.text("**Data and model.** \(Datasets.mnist1dCitation) The SAM paper's split: \(data.train.count) training, \(data.validation.count) validation and \(data.test.count) test signals, standardised. MLP 40-\(s.hidden.map(String.init).joined(separator: "-"))-10 with ReLU, SGD with momentum 0.9, weight decay 5e-4, batch \(s.batchSize), cosine decay to zero over \(s.epochs) epochs, around which SAM and GAM are wrapped."),
         .text("**Tuning.** Every arm on the learning rates \(s.learningRates.map { Format.compact($0, 2) }.joined(separator: ", ")); SGD+GAM, SAM and SAM+GAM on their product with the radii \(s.radii.map { Format.compact($0, 2) }.joined(separator: ", ")) (extended at an edge, up to twice), by \(Self.selection.description), over \(Format.counted(s.selectionSeeds, "selection seed")); the chosen points are re-run on \(s.evaluationSeeds) to \(s.seedCap) evaluation seeds (planned for 80% power at 0.3 points for SGD+GAM − SGD and SAM+GAM − SAM), every arm sharing the initial weights and batch order at a seed.")]
    }

    func results(_ r: ExperimentResult) -> [ReportBlock] {
        let pairs = [(Self.sgdGAM, Self.sgd), (Self.samGAM, Self.sam)]
        let rows = pairs.flatMap { m, b in
            [("test accuracy", 100.0, "points"), ("log lambda_max", 1.0, "")].map { metric, scale, unit -> [String] in
                let d = r[m].pairedDifference(metric, versus: r[b], scale: scale)
                return ["\(m) − \(b)", metric + (unit.isEmpty ? "" : " (\(unit))"), d.formatted, "[\(Format.compact(d.low, 3)), \(Format.compact(d.high, 3))]"]
            }
        }
        return [
            .table(ExperimentReport.summaryTable(r.arms, metrics: ["test accuracy", "lambda_max", "R0", "R1", "c2a margin", "c2b ratio"],
                                                 caption: "Each arm at its chosen point over its evaluation runs (\(Format.counted(r.evaluationSeeds, "seed"))). R0, R1: SAM's regulariser and first-order flatness at ρ = \(Self.checkRadius) (ascent estimates); c2a margin (R1 − R0)/R1 and c2b ratio R1/(ρ²λ_max) are what c2a and c2b read (their minimum over all runs).")),
            .table(Table(caption: "Paired differences (same seed: same initial weights and batches).", headers: ["comparison", "metric", "mean ± 95% CI", "interval"], rows: rows)),
            .figure(ExperimentReport.lossFigure(r.arms, name: "train-loss", title: "Training loss (mini-batch mean per epoch, at the unperturbed weights)",
                                                xLabel: "gradient evaluations (epochs of SGD)",
                                                caption: "Against gradient evaluations: GAM pays four per step, SAM two, SAM+GAM eight; every arm runs the same number of epochs.")),
            .details("The whole hyperparameter sweep", [.table(ExperimentReport.sweepTable(r.arms, rule: Self.selection))]),
        ]
    }
}

// MARK: - `reproduce trace`

extension GAM {
    public static let ownTraceKeys = ["base_optimizer", "grad_rho", "grad_norm_rho", "grad_beta_0", "grad_beta_1", "grad_gamma", "perturb_eps"]

    /// `"gam"`: the official `GAM(params, base_optimizer, ...)` with its `args` names and the
    /// CIFAR-10 ResNet defaults (`grad_rho` 0.03, `grad_norm_rho` 0.2, `grad_beta_0` 0.1,
    /// `grad_beta_1` 0.1, `grad_gamma` 0.05); `base_optimizer` names a harness baseline (SGD by
    /// default), the remaining keys are the base's.
    public static let traceFactory: TraceOptimizerFactory = { h, params in
        let baseName = try h.text("base_optimizer", default: "sgd")
        guard let baseFactory = baselineTraceOptimizers[baseName] else {
            throw TraceError.invalidHyperparameter("base_optimizer", optimizer: h.optimizer,
                                                   expected: "one of \(baselineTraceOptimizers.keys.sorted().joined(separator: ", "))")
        }
        func nonNegative(_ key: String, _ value: Float) throws -> Float {
            let v = try h.float(key, default: value)
            guard v >= 0 else { throw TraceError.invalidHyperparameter(key, optimizer: h.optimizer, expected: "a number >= 0") }
            return v
        }
        let rhoPrime = try nonNegative("grad_rho", 0.03), rho = try nonNegative("grad_norm_rho", 0.2)
        let beta = try h.float("grad_beta_0", default: 0.1), alpha = try h.float("grad_beta_1", default: 0.1)
        let gamma = try h.float("grad_gamma", default: 0.05), eps = try nonNegative("perturb_eps", 1e-12)
        let base: any Optimizer
        do {
            base = try baseFactory(TraceHyperparameters(optimizer: h.optimizer, values: h.values.filter { !ownTraceKeys.contains($0.key) }), params)
        } catch TraceError.unknownHyperparameter(let key, _, let accepted) {
            throw TraceError.unknownHyperparameter(key, optimizer: h.optimizer, accepted: accepted + ownTraceKeys)
        }
        return GAM(base: base, rho: rho, rhoPrime: rhoPrime, alpha: alpha, beta: beta, gamma: gamma, perturbationEpsilon: eps)
    }
}
