import Foundation
import Harness

// # SAM operates far from home: eigenvalue regularization as a dynamical phenomenon
//
// Atish Agarwala and Yann Dauphin (ICML 2023, arXiv 2302.08692). No official code.
//
// **The paper in plain words.** SAM was motivated by a loss that penalises sharp minima, and its
// analyses looked at the behaviour near minima. This paper finds that SAM controls the top Hessian
// eigenvalue λ_max *along the whole trajectory*, long before any minimum, and that the mechanism is
// dynamical: an edge of stability. Full-batch gradient descent with rate η sharpens until
// λ_max ≈ 2/η and then hovers there (Cohen et al. 2021); unnormalised SAM (USAM, step
// θ ← θ − η∇L(θ + ρ∇L(θ))) multiplies the curvature a step sees by (1 + ρλ), so on a quadratic it
// is stable only while ηλ(1 + ρλ) < 2, and in the paper's simplified model λ_max stabilises at the
// root of ηλ(1 + ρλ) = 2, well below GD's 2/η (c2). SAM's λ_max is thus held down while the loss is
// still far from converged (c1), and practical networks show the same stabilisation (c3).
//
// We check c1 and c2 exactly, in Double, on the paper's simplified setting: the quadratic regression
// model (Agarwala, Pedregosa and Pennington 2022), whose residuals are quadratic in the parameters,
// with its exact Hessian and λ_max from a dense symmetric eigendecomposition at every checkpoint.
// c3 uses a tanh MLP on the 8×8 digits with the harness's SAM and exact Hessian-vector Lanczos.

/// Agarwala and Dauphin (2023): SAM's edge of stability.
public struct SAMEdgeOfStability: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sam-eos", title: "SAM operates far from home: eigenvalue regularization as a dynamical phenomenon",
            method: "SAM edge of stability", family: "SharpnessAndGeneralization", arxiv: "2302.08692", code: nil,
            summary: #"""
            Full-batch gradient descent with learning rate $\eta$ drives the top Hessian eigenvalue $\lambda_{\max}$ up \#
            until it reaches $2/\eta$ and then holds it there (the edge of stability). The paper shows that SAM has an \#
            edge of its own, lower, and that it is reached far from any minimum: for unnormalised SAM (USAM) the edge is \#
            the root of $\eta\lambda(1+\rho\lambda) = 2$, which the paper predicts and observes as $\lambda_{\max}$'s \#
            plateau in a simplified model (c2), so SAM holds the top eigenvalue down throughout training (c1), and \#
            practical models behave alike (c3). We train the paper's simplified model (a quadratic regression model) \#
            in Double with full-batch GD and USAM over 2 + 6 settings of $(\eta, \rho)$, read $\lambda_{\max}$ exactly, \#
            and compare its plateau with $2/\eta$ and with the USAM prediction; and we train a tanh MLP on the 8×8 \#
            digits full-batch with GD and with the harness's SAM, reading $\lambda_{\max}$ by exact Lanczos.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    /// A plateau is "at the predicted edge" when its ratio to the prediction lies in this band.
    static let band = (low: 0.85, high: 1.15)
    /// At most this share of a setting's instances may diverge.
    static let divergedShare = 0.25

    static func plateauRule(_ s: EdgeSetting) -> Rule {
        .all([(label: "ratio above \(band.low)", rule: .interval("c2.\(s.key).ratio", "plateau / predicted edge", below: false, band.low)),
              (label: "ratio below \(band.high)", rule: .interval("c2.\(s.key).ratio", "plateau / predicted edge", below: true, band.high)),
              (label: "few divergences", rule: .bound("c2.\(s.key).diverged_share", "share of diverged instances", divergedShare))])
    }

    public var claims: [Claim] {
        let model = "quadratic regression model, P = \(Settings().parameters) parameters, D = \(Settings().residuals) residuals, in Double; \(Settings().instances) random instances (quick: \(Settings.quick.instances)), each setting judged on those where its premise holds (start below the edge, gradient flow ends past it)"
        return [
            Claim(
                id: "c1",
                statement: "SAM holds the top Hessian eigenvalue down throughout the trajectory, not only near minima: while the loss is still far from converged, USAM's λ_max is already below GD's.",
                source: "abstract; Section 3",
                paperValue: "not stated (qualitative)", paperSetting: "quadratic regression model and CIFAR-10 networks",
                metric: "log λ_max(USAM) − log λ_max(GD) at the first checkpoint where USAM's loss is below 1% of its initial value, same η = \(Settings().comparisonRate) and instance, ρ = \(Settings().comparisonRho)",
                rule: Rule.superiority("c1.log_lambda_diff", "log λ_max, USAM − GD", better: .lower, minimalEffect: log(1.1))
                    .given(premise: .bound("c1.min_loss_ratio", "smallest ratio of the loss there to the final loss", below: false, 10),
                           "the loss there is still at least 10× its final value"),
                scaling: model + "; 10% (log 1.1) is the minimal effect"),
            Claim(
                id: "c2a",
                statement: "Full-batch GD's λ_max stabilises at the edge 2/η.",
                source: "Section 2 (edge of stability, Cohen et al. 2021)",
                paperValue: "λ_max ≈ 2/η", paperSetting: "quadratic regression model",
                metric: "λ_max averaged over the last 20% of checkpoints, divided by 2/η, 95% interval over instances",
                rule: .all(Settings.gdSettings.map { (label: "η = \(Format.compact($0.rate, 3))", rule: Self.plateauRule($0)) }),
                scaling: model + "; band ±15% (the catalog's tolerance), at most a quarter of instances diverging"),
            Claim(
                id: "c2b",
                statement: "USAM's λ_max stabilises at the predicted SAM edge, the root of ηλ(1 + ρλ) = 2, below 2/η.",
                source: "abstract; Section 3 (SAM edge of stability)",
                paperValue: "λ_max ≈ (√(1 + 8ρ/η) − 1)/(2ρ)", paperSetting: "quadratic regression model over several (η, ρ)",
                metric: "as c2a, divided by the USAM prediction",
                rule: .atLeast(4, of: Settings.usamSettings.map { (label: "η = \(Format.compact($0.rate, 3)), ρ = \(Format.compact($0.rho, 3))", rule: Self.plateauRule($0)) }),
                scaling: model + "; 6 settings of (η, ρ), at least 4 must hold (the catalog's bar)"),
            Claim(
                id: "c3",
                statement: "A practical network shows the same stabilisation: with SAM its λ_max settles below GD's edge-of-stability level.",
                source: "abstract; Section 4",
                paperValue: "not stated (qualitative)", paperSetting: "CIFAR-10 networks trained with SAM",
                metric: "log λ_max(SAM) − log λ_max(GD), averaged over the second half of training, same η and initialisation; 95% interval over seeds",
                rule: Rule.superiority("c3.log_lambda_diff", "late log λ_max, SAM − GD", better: .lower, minimalEffect: log(1.1))
                    .given(premise: .interval("c3.gd_edge_ratio", "GD's late λ_max / (2/η)", below: false, 0.85), "GD reaches its edge of stability"),
                scaling: "tanh MLP 64-32-32-10, \(Settings().mlpExamples) digits, full-batch mean squared error against one-hot labels, GD at η = \(Format.compact(Settings().mlpRate, 3)) and SAM at ρ = \(Format.compact(Settings().mlpRho, 2)), \(Settings().mlpSteps) steps, \(Settings().mlpSeeds) seeds (quick: \(Settings.quick.mlpSteps) steps, \(Settings.quick.mlpSeeds) seeds); SAM is the harness's (normalised) SAM"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "On the paper's simplified model, GD's plateau at 2/η is \(v("c2a")) and USAM's plateau at the root of ηλ(1+ρλ) = 2 is \(v("c2b")); "
            + "that USAM's λ_max is already lower than GD's while the loss is far from converged is \(v("c1")). "
            + "In the MLP on digits, SAM settling below GD's edge is \(v("c3")). The plateau is a property of the dynamics, not of a minimum: "
            + "the prediction uses only η and ρ, and the model's own minima are sharper than the plateau."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **The simplified model.** The quadratic regression model has $D$ residuals $z_\alpha(\theta) = -y_\alpha + \#
        G_\alpha\cdot\theta + \tfrac12\theta^\top Q_\alpha\theta$ of $P$ parameters, loss $L = \frac{1}{2D}\sum_\alpha z_\alpha^2$, \#
        Jacobian $J = G + Q\theta$ (row $\alpha$: $G_\alpha + Q_\alpha\theta$), gradient $\nabla L = J^\top z/D$ and exact \#
        Hessian $H = (J^\top J + \sum_\alpha z_\alpha Q_\alpha)/D$. As $\theta$ moves, $J^\top J$ grows (progressive sharpening). \#
        **GD** steps $\theta \leftarrow \theta - \eta\nabla L(\theta)$; along an eigenvector of $H$ with eigenvalue $\lambda$ a step \#
        multiplies the error by $1-\eta\lambda$, stable iff $\lambda < 2/\eta$. **USAM** steps \#
        $\theta \leftarrow \theta - \eta\nabla L(\theta + \rho\nabla L(\theta))$: on a quadratic the factor is \#
        $1 - \eta\lambda(1+\rho\lambda)$, stable iff $\eta\lambda(1+\rho\lambda) < 2$, i.e. \#
        $\lambda < \lambda^* = \big(\sqrt{1+8\rho/\eta}-1\big)/(2\rho)$. The paper's claim is that the nonlinear dynamics \#
        self-stabilise at this edge: sharpening pushes $\lambda_{\max}$ up to $\lambda^*$, the unstable direction then feeds \#
        back through $\sum_\alpha z_\alpha Q_\alpha$ and pulls it down, and $\lambda_{\max}$ stays near $\lambda^*$. **SAM** \#
        (normalised, $\theta + \rho\nabla L/\|\nabla L\|$) has an edge that moves with the gradient norm, the root of \#
        $\eta\lambda(1+\rho\lambda/\|\nabla L\|) = 2$ (Long and Bartlett 2023); we show it as a diagnostic.
        """#
    }

    public var excerpts: [String] { ["quadratic-regression-model", "edge-steps", "predicted-edges"] }

    public var deviations: String {
        #"""
        The paper's simplified model is analysed with a particular random ensemble; we draw $G$ with entries \#
        $N(0, 1/P)$, symmetric $Q_\alpha$ with entries $N(0, 1/P)$ and targets $y \sim N(0, 3^2)$, and keep only instances \#
        judge each setting on the instances where the theorem's premise holds for it: initial sharpness below \#
        $0.95\times$ its edge and a gradient-flow end point above $1.1\times$ it (sharpening must carry $\lambda_{\max}$ \#
        past the edge); the count per setting is in the table. The quadratic model has no higher-order terms to tame a large oscillation, so \#
        some runs diverge; they are counted per setting and bounded by the rule, and the plateau is read over the \#
        others. The practical-model check uses a tanh MLP on 8×8 digits (full batch, cross-entropy) instead of \#
        CIFAR-10 networks, and the normalised SAM of the harness.
        """#
    }

    public var sourceFile: String { #filePath }
}

// MARK: - The quadratic regression model

/// A GD or SAM setting with its predicted edge; `key` names its evidence.
struct EdgeSetting: Sendable {
    enum Kind: Sendable { case gd, usam, sam }
    var kind: Kind
    var rate: Double
    var rho: Double
    var key: String {
        kind == .gd ? "gd_eta\(Format.compact(rate, 3))" : "\(kind == .usam ? "usam" : "sam")_eta\(Format.compact(rate, 3))_rho\(Format.compact(rho, 3))"
    }
    // excerpt: predicted-edges
    /// The predicted plateau: 2/η for GD, the root of ηλ(1 + ρλ) = 2 for USAM; for SAM the edge
    /// depends on ‖∇L‖ (``samEdge(gradientNorm:)``).
    var predictedEdge: Double {
        switch kind {
        case .gd: return 2 / rate
        case .usam: return ((1 + 8 * rho / rate).squareRoot() - 1) / (2 * rho)
        case .sam: return .nan
        }
    }
    /// Normalised SAM's edge at gradient norm g: the root of ηλ(1 + ρλ/g) = 2 (Long and Bartlett 2023).
    func samEdge(gradientNorm g: Double) -> Double { g * ((1 + 8 * rho / (rate * g)).squareRoot() - 1) / (2 * rho) }
    // end excerpt
}

/// One run's checkpoints.
struct EdgeTrajectory {
    var steps: [Int] = [], loss: [Double] = [], sharpness: [Double] = [], gradientNorm: [Double] = []
    var diverged = false
    /// Mean λ_max over the last 20% of checkpoints.
    var plateau: Double {
        let tail = sharpness.suffix(max(1, sharpness.count / 5))
        return tail.reduce(0, +) / Double(tail.count)
    }
}

extension QuadraticRegressionModel {
    // excerpt: edge-steps
    /// Full-batch training from θ = 0 with GD, USAM (ascent ρ∇L) or SAM (ascent ρ∇L/‖∇L‖),
    /// recording loss, exact λ_max and ‖∇L‖ every `every` steps; a loss above 10⁶ × the initial
    /// one (or not finite) stops the run as diverged.
    func train(_ s: EdgeSetting, steps: Int, every: Int) throws -> EdgeTrajectory {
        var theta = [Double](repeating: 0, count: parameters), out = EdgeTrajectory()
        let start = loss(theta)
        for t in 0...steps {
            let g = gradient(theta)
            let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if t % every == 0 {
                let l = loss(theta)
                guard l.isFinite, l <= 1e6 * start else { out.diverged = true; return out }
                out.steps.append(t); out.loss.append(l); out.gradientNorm.append(norm)
                out.sharpness.append(try sharpness(theta))
            }
            if t == steps { break }
            let direction: [Double]
            switch s.kind {
            case .gd: direction = g
            case .usam: direction = gradient(zip(theta, g).map { $0 + s.rho * $1 })
            case .sam: direction = gradient(zip(theta, g).map { $0 + s.rho * $1 / max(norm, 1e-300) })
            }
            for i in theta.indices { theta[i] -= s.rate * direction[i] }
        }
        return out
    }
    // end excerpt
}

// MARK: - The experiment

extension SAMEdgeOfStability {
    struct Settings {
        var parameters = 60, residuals = 8
        var targetScale = 3.0
        var steps = 2000, every = 10
        var instances = 16
        var flowRate = 0.1, flowSteps = 3000
        var comparisonRate = 0.5, comparisonRho = 0.5
        var mlpExamples = 512, mlpSteps = 600, mlpEvery = 20, mlpSeeds = 3
        var mlpRate = 1.25, mlpRho = 0.1, lanczosSteps = 20

        static let gdSettings = [EdgeSetting(kind: .gd, rate: 0.8, rho: 0), EdgeSetting(kind: .gd, rate: 1.0, rho: 0)]
        static let usamSettings = [(0.5, 0.5), (0.5, 0.25), (0.4, 0.5), (0.6, 0.2), (0.3, 1.0), (0.7, 0.1)]
            .map { EdgeSetting(kind: .usam, rate: $0.0, rho: $0.1) }
        /// Normalised SAM, shown against its gradient-norm-dependent edge (a diagnostic).
        static let samSetting = EdgeSetting(kind: .sam, rate: 0.5, rho: 0.05)
        static var quick: Settings {
            var s = Settings()
            s.steps = 1000; s.instances = 5; s.flowSteps = 2000; s.mlpSteps = 160; s.mlpSeeds = 2; s.lanczosSteps = 12
            return s
        }
        init() {}
        init(_ context: RunContext) {
            self = context.scale == .quick ? .quick : Settings()
            if let n = context.seedsOverride { instances = max(n, 1); mlpSeeds = max(n, 2) }
        }
    }

    /// An instance: the model, its initial and gradient-flow sharpness, and its runs (a setting is
    /// run only where its premise holds).
    struct Instance {
        var index: Int
        var model: QuadraticRegressionModel
        var initialSharpness: Double, flowSharpness: Double
        var runs: [String: EdgeTrajectory] = [:]
    }

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }

    /// The theorem's premise for one setting: the run starts below the edge (λ_max < 0.95× it)
    /// and sharpening would carry it past (gradient flow ends above 1.1× it).
    static func premise(_ instance: Instance, _ setting: EdgeSetting) -> Bool {
        instance.initialSharpness < 0.95 * setting.predictedEdge && instance.flowSharpness > 1.1 * setting.predictedEdge
    }

    /// Draws `s.instances` instances, measures their initial and gradient-flow sharpness, and
    /// trains each setting on the instances where its premise holds (the diagnostics on all).
    static func instances(_ context: RunContext, _ s: Settings) throws -> [Instance] {
        try (0..<s.instances).map { k in
            context.progress.report("sam-eos", "instance \(k + 1)/\(s.instances)")
            var rng = context.rng("instance \(k)")
            let model = QuadraticRegressionModel(parameters: s.parameters, residuals: s.residuals, targetScale: s.targetScale, rng: &rng)
            let flow = try model.train(EdgeSetting(kind: .gd, rate: s.flowRate, rho: 0), steps: s.flowSteps, every: s.flowSteps)
            var instance = Instance(index: k, model: model, initialSharpness: flow.sharpness.first ?? .nan, flowSharpness: flow.sharpness.last ?? .nan)
            for setting in Settings.gdSettings + Settings.usamSettings where premise(instance, setting) {
                instance.runs[setting.key] = try model.train(setting, steps: s.steps, every: s.every)
            }
            for setting in [Settings.samSetting, EdgeSetting(kind: .gd, rate: s.comparisonRate, rho: 0)] {
                instance.runs[setting.key] = try model.train(setting, steps: s.steps, every: s.every)
            }
            return instance
        }
    }

    /// c3: full-batch GD or the harness's SAM on the MLP, λ_max by exact Lanczos every `mlpEvery` steps.
    static func mlpRun(_ x: Tensor<Float>, _ y: Tensor<Float>, sam: Bool, seed: Int, _ s: Settings, _ context: RunContext) throws -> (loss: [Double], sharpness: [Double]) {
        let model = MLP(sizes: [64, 32, 32, 10], activation: .tanh, rng: context.rng("c3", "model", "seed \(seed)"))
        let sgd = ChainedOptimizer.sgd(model.trainableParameters, learningRate: .constant(Float(s.mlpRate)))
        let optimizer: any Optimizer = sam ? SAM(base: sgd, rho: Float(s.mlpRho)) : sgd
        let loss = { (tape: Tape<Float>) in tape.meanSquaredError(model.forward(tape, x, training: true), target: y) }
        var losses = [Double](), sharpness = [Double]()
        for t in 0...s.mlpSteps {
            if t % s.mlpEvery == 0 {
                losses.append(Double(lossAndGradient(parameters: model.trainableParameters, loss)))
                var rng = context.rng("c3", "lanczos", "seed \(seed)", "step \(t)")
                sharpness.append(try Hessian.lanczos(model.trainableParameters, steps: s.lanczosSteps, rng: &rng, loss: loss).largest)
            }
            if t < s.mlpSteps { optimizer.step { lossAndGradient(parameters: model.trainableParameters, loss) } }
        }
        return (losses, sharpness)
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var e = Evidence()
        let accepted = try Self.instances(context, s)

        // c2: plateau / prediction per setting, over the instances of its premise that did not diverge.
        for setting in Settings.gdSettings + Settings.usamSettings {
            let runs = accepted.compactMap { $0.runs[setting.key] }
            e.record("c2.\(setting.key).instances", Double(runs.count), absoluteTolerance: 0, relativeTolerance: 0)
            let ratios = runs.filter { !$0.diverged }.map { $0.plateau / setting.predictedEdge }
            e.record(interval: "c2.\(setting.key).ratio", Summary(ratios), tolerance: 0.02)
            e.record("c2.\(setting.key).diverged_share", Double(runs.filter(\.diverged).count) / Double(max(runs.count, 1)),
                     absoluteTolerance: 0, relativeTolerance: 0)
        }

        // c1: USAM against GD at the same η, where USAM's loss first falls below 1% of its start.
        let comparison = Settings.usamSettings.first { $0.rate == s.comparisonRate && $0.rho == s.comparisonRho }!
        var diffs = [Double](), lossRatios = [Double]()
        for instance in accepted {
            guard let u = instance.runs[comparison.key] else { continue }
            let g = instance.runs[EdgeSetting(kind: .gd, rate: s.comparisonRate, rho: 0).key]!
            guard !u.diverged, !g.diverged, let k = u.loss.firstIndex(where: { $0 <= 0.01 * u.loss[0] }), k < g.sharpness.count else { continue }
            diffs.append(log(u.sharpness[k]) - log(g.sharpness[k]))
            lossRatios.append(u.loss[k] / max(u.loss.last!, 1e-300))
        }
        e.record(interval: "c1.log_lambda_diff", Summary(diffs), tolerance: 0.02)
        e.record("c1.min_loss_ratio", lossRatios.min() ?? .nan, absoluteTolerance: 0, relativeTolerance: 0.05)

        // c3: the MLP on digits.
        let digits = try Datasets.digits().subset(Array(0..<s.mlpExamples))
        let x = digits.features.map { $0 / 16 }, y = digits.oneHotLabels()
        var mlp = [(gd: (loss: [Double], sharpness: [Double]), sam: (loss: [Double], sharpness: [Double]))]()
        for seed in 0..<s.mlpSeeds {
            context.progress.report("sam-eos", "c3: seed \(seed + 1)/\(s.mlpSeeds)")
            mlp.append((try Self.mlpRun(x, y, sam: false, seed: seed, s, context), try Self.mlpRun(x, y, sam: true, seed: seed, s, context)))
        }
        let half = mlp[0].gd.sharpness.count / 2
        func late(_ xs: [Double]) -> [Double] { Array(xs[half...]) }
        e.record(interval: "c3.log_lambda_diff",
                 Summary(mlp.map { r in Statistics.mean(zip(late(r.sam.sharpness), late(r.gd.sharpness)).map { log($0) - log($1) }) }), tolerance: 0.05)
        e.record(interval: "c3.gd_edge_ratio", Summary(mlp.map { Statistics.mean(late($0.gd.sharpness)) * s.mlpRate / 2 }), tolerance: 0.05)
        return PaperRun(evidence: e, setup: setup(s, accepted),
                        results: results(s, accepted, mlp.map { ($0.gd.sharpness, $0.sam.sharpness) }))
    }
}

// MARK: - Report

extension SAMEdgeOfStability {
    func setup(_ s: Settings, _ instances: [Instance]) -> [ReportBlock] {
        let usam = Settings.usamSettings.map { "(\(Format.compact($0.rate, 3)), \(Format.compact($0.rho, 3)))" }.joined(separator: ", ")
        return [.text(#"""
        **Model (c1, c2).** Quadratic regression model with $P = \#(s.parameters)$, $D = \#(s.residuals)$: $G$ and the \#
        symmetric $Q_\alpha$ with entries $N(0, 1/P)$, targets $y_\alpha \sim N(0, \#(Format.compact(s.targetScale, 3))^2)$, \#
        $\theta_0 = 0$ (stream `sam-eos/instance k`). **Instances.** \#(s.instances) instances; each has its initial \#
        $\lambda_{\max}$ and its gradient-flow $\lambda_{\max}$ (after \#(s.flowSteps) GD steps at $\eta = \#(Format.compact(s.flowRate, 2))$; \#
        initial values \#(Format.compact(instances.map(\.initialSharpness).min() ?? .nan, 3))–\#(Format.compact(instances.map(\.initialSharpness).max() ?? .nan, 3)), \#
        gradient flow \#(Format.compact(instances.map(\.flowSharpness).min() ?? .nan, 3))–\#(Format.compact(instances.map(\.flowSharpness).max() ?? .nan, 3))), and a \#
        setting is run on the instances where its premise holds (initial below $0.95\times$ its edge, gradient flow \#
        above $1.1\times$). **Training.** Full batch, \#(s.steps) steps from $\theta_0$; exact $\lambda_{\max}$ (LAPACK `dsyevd` on the \#
        $P\times P$ Hessian) every \#(s.every) steps; a run whose loss exceeds $10^6\times$ its start diverged. \#
        GD at $\eta \in \{1, 1.25\}$; USAM at $(\eta, \rho) \in \{\#(usam)\}$; GD at $\eta = \#(Format.compact(s.comparisonRate, 2))$ \#
        for c1; normalised SAM at $(\#(Format.compact(Settings.samSetting.rate, 2)), \#(Format.compact(Settings.samSetting.rho, 2)))$ as a \#
        diagnostic. The plateau is the mean $\lambda_{\max}$ over the last 20% of checkpoints. **c3.** \#(Datasets.digitsCitation) \#
        The first \#(s.mlpExamples) images, pixels divided by 16; tanh MLP 64-32-32-10 (PyTorch default initialisation, \#
        stream `sam-eos/c3/model/seed k`), mean squared error against one-hot labels, full batch, \#(s.mlpSteps) steps of GD at \#
        $\eta = \#(Format.compact(s.mlpRate, 3))$ ($2/\eta = \#(Format.compact(2 / s.mlpRate, 3))$) and of the harness's SAM \#
        around the same GD with $\rho = \#(Format.compact(s.mlpRho, 2))$, same initialisation; $\lambda_{\max}$ by \#
        \#(s.lanczosSteps) Lanczos steps on exact Hessian-vector products every \#(s.mlpEvery) steps; "late" is the second half.
        """#)]
    }

    func results(_ s: Settings, _ instances: [Instance], _ mlp: [(gd: [Double], sam: [Double])]) -> [ReportBlock] {
        let all = Settings.gdSettings + Settings.usamSettings
        let table = Table(
            caption: "Plateau of λ_max (mean over the last 20% of checkpoints) against the predicted edge, over \(instances.count) instances (mean ± 95% CI over those that did not diverge).",
            headers: ["optimizer", "η", "ρ", "predicted edge", "instances (premise holds)", "plateau", "plateau / prediction", "diverged"],
            rows: all.map { st in
                let runs = instances.compactMap { $0.runs[st.key] }, ok = runs.filter { !$0.diverged }
                return [st.kind == .gd ? "GD" : "USAM", Format.compact(st.rate, 3), st.kind == .gd ? "—" : Format.compact(st.rho, 3),
                        Format.compact(st.predictedEdge, 4), "\(runs.count)", Summary(ok.map(\.plateau)).formatted,
                        Summary(ok.map { $0.plateau / st.predictedEdge }).formatted, "\(runs.count - ok.count)/\(runs.count)"]
            })
        let scatter = Figure(
            name: "plateau-vs-prediction", title: "Measured plateau of λ_max against the predicted edge",
            xLabel: "predicted edge (2/η for GD, root of ηλ(1+ρλ)=2 for USAM)", yLabel: "plateau of λ_max",
            series: [
                Series("GD", x: Settings.gdSettings.map(\.predictedEdge), y: Settings.gdSettings.map { st in
                    Statistics.mean(instances.compactMap { $0.runs[st.key].flatMap { $0.diverged ? nil : $0.plateau } }) }, style: .points),
                Series("USAM", x: Settings.usamSettings.map(\.predictedEdge), y: Settings.usamSettings.map { st in
                    Statistics.mean(instances.compactMap { $0.runs[st.key].flatMap { $0.diverged ? nil : $0.plateau } }) }, style: .points),
                Series("prediction", x: [1.9, 2.6], y: [1.9, 2.6]),
                Series("+15%", x: [1.9, 2.6], y: [1.9 * Self.band.high, 2.6 * Self.band.high]),
                Series("−15%", x: [1.9, 2.6], y: [1.9 * Self.band.low, 2.6 * Self.band.low]),
            ], caption: "Means over instances; the rule reads each setting's interval of the ratio.")
        var blocks: [ReportBlock] = [.table(table), .figure(scatter)]
        let shown = [Settings.usamSettings[0], Settings.usamSettings[1]]
        guard let first = instances.first(where: { i in (Settings.gdSettings + shown).allSatisfy { i.runs[$0.key].map { !$0.diverged } ?? false } })
                ?? instances.first else { return blocks }
        func curve(_ st: EdgeSetting, _ label: String) -> Series {
            let r = first.runs[st.key] ?? EdgeTrajectory()
            return Series(label, x: r.steps.map(Double.init), y: r.sharpness)
        }
        func level(_ v: Double, _ label: String) -> Series { Series(label, x: [0, Double(s.steps)], y: [v, v]) }
        blocks.append(.figure(Figure(
            name: "trajectories", title: "λ_max along training, instance \(first.index)", xLabel: "step", yLabel: "λ_max",
            series: Settings.gdSettings.flatMap { [curve($0, "GD η = \(Format.compact($0.rate, 3))"), level($0.predictedEdge, "2/η = \(Format.compact($0.predictedEdge, 3))")] }
                + shown.flatMap { [curve($0, "USAM η = \(Format.compact($0.rate, 3)), ρ = \(Format.compact($0.rho, 3))"),
                                   level($0.predictedEdge, "USAM edge \(Format.compact($0.predictedEdge, 3))")] }
                + [level(first.flowSharpness, "gradient-flow end point")],
            caption: "Each run sharpens, overshoots and settles at its own edge; the gradient-flow end point (the sharpness the minimum nearest the start would have) lies above them all.")))
        let comparisonGD = first.runs[EdgeSetting(kind: .gd, rate: s.comparisonRate, rho: 0).key]!
        let comparisonUSAM = first.runs[Settings.usamSettings.first { $0.rate == s.comparisonRate && $0.rho == s.comparisonRho }!.key] ?? EdgeTrajectory()
        blocks.append(.figure(Figure(
            name: "c1-loss-and-sharpness", title: "c1: λ_max against training loss, GD and USAM at η = \(Format.compact(s.comparisonRate, 2)), instance \(first.index)",
            xLabel: "training loss", yLabel: "λ_max",
            series: [Series("GD", x: comparisonGD.loss, y: comparisonGD.sharpness, style: .linespoints),
                     Series("USAM ρ = \(Format.compact(s.comparisonRho, 2))", x: comparisonUSAM.loss, y: comparisonUSAM.sharpness, style: .linespoints)],
            logX: true, caption: "Read right to left: USAM's λ_max leaves GD's while the loss is still orders of magnitude above its final value.")))
        let sam = first.runs[Settings.samSetting.key]!
        if !sam.diverged {
            blocks.append(.figure(Figure(
                name: "sam-normalised-edge", title: "Diagnostic: normalised SAM against its gradient-norm edge, instance \(first.index)",
                xLabel: "step", yLabel: "λ_max",
                series: [Series("SAM λ_max", x: sam.steps.map(Double.init), y: sam.sharpness),
                         Series("edge: root of ηλ(1+ρλ/‖∇L‖) = 2", x: sam.steps.map(Double.init), y: sam.gradientNorm.map { Settings.samSetting.samEdge(gradientNorm: $0) }),
                         level(Settings.samSetting.rate == 0 ? 0 : 2 / Settings.samSetting.rate, "2/η")],
                logY: true, caption: "η = \(Format.compact(Settings.samSetting.rate, 2)), ρ = \(Format.compact(Settings.samSetting.rho, 2)). Normalised SAM's edge falls with the gradient norm (Long and Bartlett 2023); no claim reads this figure.")))
        }
        let x = (0..<mlp[0].gd.count).map { Double($0 * s.mlpEvery) }
        blocks.append(.figure(Figure(
            name: "c3-mlp-sharpness", title: "c3: λ_max of the MLP on digits, full batch", xLabel: "step", yLabel: "λ_max",
            series: [ExperimentReport.meanCurve("GD", x: x, curves: mlp.map(\.gd)),
                     ExperimentReport.meanCurve("SAM ρ = \(Format.compact(s.mlpRho, 2))", x: x, curves: mlp.map(\.sam)),
                     Series("2/η", x: [0, x.last!], y: [2 / s.mlpRate, 2 / s.mlpRate])],
            caption: "Mean over \(mlp.count) seeds with 95% bands; c3 reads the second half.")))
        return blocks
    }
}
