import Foundation
import Harness

// # OASIS: a doubly adaptive scaled algorithm
//
// Majid Jahani, Sergey Rusakov, Zheng Shi, Peter Richtárik, Michael W. Mahoney and Martin Takáč,
// "Doubly Adaptive Scaled Algorithm for Machine Learning Using Second-Order Information" (ICLR
// 2022, arXiv 2109.05198). No official code in the catalog.
//
// **The paper in plain words.** OASIS scales the gradient by a diagonal preconditioner built from
// Hutchinson's Hessian-diagonal estimates (an exponential average, its entries' absolute values
// truncated below at α so the step stays bounded), and sets the step size itself from the last
// two iterates, as Malitsky and Mishchenko's adaptive gradient descent does, measured in the
// preconditioner's norm: η_k is the smaller of a growth bound √(1+θ) η_{k−1} and half the inverse
// of a local Lipschitz estimate ‖Δw‖_D / ‖Δg‖*_D. Adaptive twice — in direction and in step — it
// needs no learning-rate tuning (c1), has convergence guarantees (c2), and performs strongly
// against tuned first- and second-order methods (c3).
//
// The delta from the harness: the adaptive step needs a norm over all parameters at once, so
// OASIS is an `Optimizer` (like `Sophia`) rather than a per-tensor transformation; its curvature
// comes from any Hessian-vector product (exact on the tape here, central differences in the league).

/// OASIS (Jahani et al., 2021): the paper's claims and experiments.
public struct OASISPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "oasis", title: "Doubly Adaptive Scaled Algorithm for Machine Learning Using Second-Order Information",
            method: "OASIS", family: "SecondOrder", arxiv: "2109.05198", code: nil,
            summary: #"""
            OASIS preconditions the gradient with a truncated exponential average of Hutchinson's Hessian-diagonal \#
            estimates and sets its own step size from a local Lipschitz estimate in the preconditioner's norm, so it \#
            claims to need no learning-rate tuning (c1), to converge on convex, strongly convex and non-convex problems \#
            (c2), and to perform strongly against tuned first- and second-order methods (c3). We run untuned OASIS \#
            (η₀ = 1) against Adam and SGD, each tuned on a shared grid and at its default learning rate, at an equal \#
            budget of gradient evaluations (a Hessian-vector product counts as two) on L2-regularised logistic \#
            regression over the raw (ill-conditioned) breast-cancer and wine features and an MLP on the digits.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let problems: [(key: String, label: String)] = [
        ("breast_cancer", "logistic regression (breast cancer, raw)"), ("wine", "logistic regression (wine, raw)"), ("mlp_digits", "MLP (digits)"),
    ]

    public var claims: [Claim] {
        let parts = Self.parts
        return [
            Claim(
                id: "c1a", statement: "Without learning-rate tuning, OASIS ends within 5% of the loss of the best tuned baseline on every problem.",
                source: "abstract; Section 5", paperValue: "no tuning needed", paperSetting: "logistic regression (LIBSVM), CIFAR nets",
                metric: "paired difference of log final training loss (regularised objective), OASIS at η₀ = 1 − the tuned baseline (Adam or SGD) with the best selection score, per problem, at equal gradient evaluations",
                rule: Rule.all(parts("c1a", "log_loss_oasis_minus_best_tuned") {
                    .nonInferiority($0, "log loss, OASIS − best tuned (\($1))", better: .lower, margin: log(1.05))
                }),
                scaling: "three small problems, 5 evaluation seeds (quick: 2), budgets of 600 full-batch (quick: 60) or 340 minibatch (quick: 68) gradient evaluations"),
            Claim(
                id: "c1b", statement: "Untuned OASIS beats Adam at its default learning rate (10⁻³).",
                source: "Section 5", paperValue: "beats default-lr methods", paperSetting: "as c1a",
                metric: "paired difference of log final training loss, OASIS − Adam (lr 1e-3), per problem",
                rule: Rule.atLeast(2, of: parts("c1b", "log_loss_oasis_minus_default_adam") {
                    .superiority($0, "log loss, OASIS − default Adam (\($1))", better: .lower, minimalEffect: log(1.1))
                }),
                scaling: "as c1a"),
            Claim(
                id: "c1c", statement: "Untuned OASIS beats SGD at a default learning rate (10⁻²).",
                source: "Section 5", paperValue: "beats default-lr methods", paperSetting: "as c1a",
                metric: "paired difference of log final training loss, OASIS − SGD (lr 1e-2, the Keras default), per problem",
                rule: Rule.atLeast(2, of: parts("c1c", "log_loss_oasis_minus_default_sgd") {
                    .superiority($0, "log loss, OASIS − default SGD (\($1))", better: .lower, minimalEffect: log(1.1))
                }),
                scaling: "as c1a"),
            Claim.notTestable(
                id: "c2", statement: "OASIS converges on convex, strongly convex and non-convex problems, deterministic and stochastic.",
                source: "abstract; Section 4", paperValue: "convergence theorems", paperSetting: "analytic",
                reason: "convergence guarantees are theorems; an experiment can illustrate but neither prove nor refute them (the loss curves of c1 show OASIS converging on the two convex problems)."),
            Claim(
                id: "c3", statement: "OASIS performs strongly against tuned first-order methods: no worse than the best tuned baseline (within 5%) on most problems.",
                source: "abstract; Section 5", paperValue: "strong performance", paperSetting: "as c1a",
                metric: "as c1a",
                rule: Rule.atLeast(2, of: parts("c1a", "log_loss_oasis_minus_best_tuned") {
                    .nonInferiority($0, "log loss, OASIS − best tuned (\($1))", better: .lower, margin: log(1.05))
                }),
                scaling: "as c1a; AdaHessian and L-BFGS are not in the harness and are left out"),
        ]
    }

    /// One rule part per problem, keyed `<prefix>.<problem>.<suffix>`; `make` gets the key and the problem's key.
    static func parts(_ prefix: String, _ suffix: String, _ make: (String, String) -> Rule) -> [(label: String, rule: Rule)] {
        problems.map { p in (label: p.label, rule: make("\(prefix).\(p.key).\(suffix)", p.key)) }
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "The headline, that OASIS needs no tuning because untuned it matches the best tuned baseline on every problem, is \(verdict("c1a").display); "
        text += "on most problems (c3) it is \(verdict("c3").display). "
        text += "Against default learning rates it is \(verdict("c1b").display) for Adam and \(verdict("c1c").display) for SGD. "
        text += "Budgets count gradient evaluations, so OASIS takes a third (full batch) or a quarter (minibatch) of the baselines' steps: that is the price of its curvature and of the second gradient its step size needs."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **OASIS (Algorithm 1).** From $w_0$, an initial step $\eta_0$, a warm-started diagonal $D_0$ and \#
        $\theta_0=+\infty$, take $w_1=w_0-\eta_0\hat D_0^{-1}\nabla F(w_0)$, then for $k=1,2,\dots$

        $$D_k=\beta_2D_{k-1}+(1-\beta_2)\,\mathrm{diag}\big(z_k\odot\nabla^2F(w_k)z_k\big),\qquad (\hat D_k)_{ii}=\max\{|D_k|_{ii},\alpha\},$$
        $$\eta_k=\min\Big\{\sqrt{1+\theta_{k-1}}\,\eta_{k-1},\ \frac{\|w_k-w_{k-1}\|_{\hat D_k}}{2\,\|\nabla F(w_k)-\nabla F(w_{k-1})\|^*_{\hat D_k}}\Big\},$$
        $$w_{k+1}=w_k-\eta_k\hat D_k^{-1}\nabla F(w_k),\qquad \theta_k=\eta_k/\eta_{k-1},$$

        with Rademacher probes $z_k$, $\|x\|_D=\sqrt{x^\top Dx}$ and $\|x\|^*_D=\sqrt{x^\top D^{-1}x}$. The second \#
        term of $\eta_k$ is half the inverse of a local Lipschitz constant of the gradient in the preconditioned \#
        geometry; the first lets the step grow at most geometrically. In the stochastic setting both gradients \#
        of the difference are taken on the current minibatch, which costs a second gradient per step. We use \#
        $\beta_2=0.99$, $\alpha=10^{-5}$, $\eta_0=1$ (a full diagonal-Newton first step) and $D_0$ from 10 probes at $w_0$.
        """#
    }

    public var excerpts: [String] { ["oasis"] }

    public var deviations: String {
        #"""
        - **Problems.** The paper runs LIBSVM logistic regression and CIFAR networks; we use L2-regularised \#
        (λ = 1/n) logistic regression on the raw breast-cancer (30 features, two classes, written as softmax \#
        regression) and wine (13 features, three classes) data, full batch, and a 64-32-10 MLP on the \#
        standardised digits at batch 32. The whole data set is the training set of the convex problems, which start at w = 0 (so the seeds vary only \#
        OASIS's probes there); the MLP starts from PyTorch's initialisation drawn per seed.
        - **Baselines.** Adam and SGD, each tuned over the same grid (10⁻⁶ … 1, extended at an edge) on three \#
        selection seeds, and each at a default learning rate (Adam 10⁻³, PyTorch's; SGD 10⁻², Keras's; PyTorch's \#
        SGD has none). AdaHessian and L-BFGS, also in the paper, are not in the harness.
        - **Budget.** Equal gradient evaluations: an exact Hessian-vector product (forward-over-reverse on the tape) \#
        counts as two, as its central-difference equivalent costs. Full batch, OASIS reuses the previous \#
        gradient (3 evaluations a step); minibatch, it recomputes it on the current batch (4 a step).
        - **Hyperparameters.** β₂, α, η₀ and the warm start are our choices where the abstract states none; they are \#
        fixed before the run and the same on every problem (that is the claim).
        """#
    }

    public let sourceFile: String = #filePath

    /// OASIS in `reproduce league`: η₀ is the league's learning rate, curvature from central differences.
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("oasis", remark: "Hutchinson on central-difference Hessian-vector products") { p, h in
            OASIS(p, initialStep: h.learningRate, rng: SeededRandom(seed: 0, path: ["oasis", "league probes"]),
                  product: { parameters, lossAndGradient in { Hessian.vectorProduct(parameters, $0, h: 1e-3, lossAndGradient: lossAndGradient) } })
        }]
    }

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The optimizer

// excerpt: oasis
/// OASIS: Hutchinson-diagonal preconditioning (exponential average, truncated at α) with the
/// adaptive step size of Algorithm 1. The curvature comes from `product`, a Hessian-vector
/// product at the current point built from the parameters and the step's closure.
public final class OASIS: Optimizer {
    public typealias Product = (_ parameters: [Parameter], _ lossAndGradient: @escaping LossAndGradient) -> HessianVectorProduct
    public let parameters: [Parameter]
    public let beta2: Float, truncation: Float, warmStartProbes: Int
    /// Full batch: ∇F(w_{k−1}) is the previous step's gradient; otherwise it is recomputed on the current batch.
    public let reusePreviousGradient: Bool
    let product: Product
    var rng: SeededRandom
    var diagonal = [Tensor<Float>](), previous = [Tensor<Float>](), previousGradient = [Tensor<Float>]()
    /// η_k and θ_k (θ₀ = +∞).
    public private(set) var stepSize: Double, theta = Double.infinity

    public init(_ parameters: [Parameter], initialStep: Double = 1, beta2: Float = 0.99, truncation: Float = 1e-5, warmStartProbes: Int = 10,
                reusePreviousGradient: Bool = false, rng: SeededRandom, product: @escaping Product) {
        precondition(initialStep > 0 && truncation > 0 && warmStartProbes >= 1)
        self.parameters = parameters
        self.stepSize = initialStep
        self.beta2 = beta2
        self.truncation = truncation
        self.warmStartProbes = warmStartProbes
        self.reusePreviousGradient = reusePreviousGradient
        self.rng = rng
        self.product = product
    }

    public var stateBytes: Int { (diagonal + previous + previousGradient).reduce(0) { $0 + $1.count * MemoryLayout<Float>.size } }

    public func applyGradients() { preconditionFailure("OASIS needs the loss closure for its curvature: call step(_:)") }

    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        withoutActuallyEscaping(lossAndGradient) { (closure) -> Float in
            let w = parameters.map(\.value)
            let loss = closure()
            let g = parameters.map(\.grad)
            let shapes = w.map(\.shape), hvp = product(parameters, closure)
            if diagonal.isEmpty {
                diagonal = HessianEstimators.hutchinsonDiagonal(shapes: shapes, probes: warmStartProbes, rng: &rng, product: hvp)
            } else {
                let fresh = HessianEstimators.hutchinsonDiagonal(shapes: shapes, probes: 1, rng: &rng, product: hvp)
                for i in diagonal.indices { diagonal[i] = beta2 * diagonal[i] + (1 - beta2) * fresh[i] }
                let before: [Tensor<Float>]
                if reusePreviousGradient { before = previousGradient } else {
                    for (p, v) in zip(parameters, previous) { p.value = v }
                    _ = closure()
                    before = parameters.map(\.grad)
                    for (p, v) in zip(parameters, w) { p.value = v }
                }
                // ‖w_k − w_{k−1}‖²_D̂ and (‖∇F(w_k) − ∇F(w_{k−1})‖*_D̂)², accumulated in Double.
                var moved = 0.0, changed = 0.0
                for i in w.indices {
                    for j in 0..<w[i].count {
                        let d = Double(max(abs(diagonal[i].data[j]), truncation))
                        let dw = Double(w[i].data[j] - previous[i].data[j]), dg = Double(g[i].data[j] - before[i].data[j])
                        moved += d * dw * dw
                        changed += dg * dg / d
                    }
                }
                let growth = theta.isFinite ? (1 + theta).squareRoot() * stepSize : .infinity
                let local = changed > 0 ? 0.5 * (moved / changed).squareRoot() : .infinity
                let eta = min(growth, local).isFinite ? min(growth, local) : stepSize
                theta = eta / stepSize
                stepSize = eta
            }
            for (i, p) in parameters.enumerated() {
                for j in 0..<p.value.count { p.value.data[j] = w[i].data[j] - Float(stepSize) * g[i].data[j] / max(abs(diagonal[i].data[j]), truncation) }
                p.grad = g[i]
            }
            previous = w
            if reusePreviousGradient { previousGradient = g }
            return loss
        }
    }
}
// end excerpt

// MARK: - Problems and arms

extension OASISPaper {
    struct Settings {
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var learningRates = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]
        var fullBatchBudget: Int
        var minibatchBudget: Int
        var problems: (RunContext) throws -> [Problem] = { try OASISPaper.standardProblems($0) }

        init(_ context: RunContext) {
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            fullBatchBudget = context.pick(quick: 60, full: 600)
            minibatchBudget = context.pick(quick: 68, full: 340)
        }
    }

    /// A classifier training problem: its data, model and whether it runs full batch.
    struct Problem {
        var key: String, label: String
        var data: Dataset
        var sizes: [Int]
        /// λ of the ½λ‖w‖² term (0: none).
        var l2: Float
        /// Nil: full batch.
        var batchSize: Int?
    }

    static func standardProblems(_ context: RunContext) throws -> [Problem] {
        let cancer = try Datasets.breastCancer(), wine = try Datasets.wine()
        let digits = try StandardTasks.digits(context).train
        return [
            Problem(key: "breast_cancer", label: problems[0].label, data: cancer, sizes: [30, 2], l2: 1 / Float(cancer.count), batchSize: nil),
            Problem(key: "wine", label: problems[1].label, data: wine, sizes: [13, 3], l2: 1 / Float(wine.count), batchSize: nil),
            Problem(key: "mlp_digits", label: problems[2].label, data: digits, sizes: [64, 32, 10], l2: 0, batchSize: 32),
        ]
    }

    enum Method { case oasis, adam, sgd }

    /// One run at an equal budget of gradient evaluations (an exact Hessian-vector product counts as two).
    static func train(_ trial: Trial, method: Method, problem: Problem, budget: Int) -> RunRecord {
        var common = trial.commonRNG
        let model = MLP(sizes: problem.sizes, rng: common.child("model"))
        // The convex problems start at w = 0, as logistic regression usually does (PyTorch's
        // initialisation on raw features of size ~10³ would saturate every softmax).
        if problem.batchSize == nil { for p in model.parameters { p.value = .zeros(p.value.shape) } }
        let lr = trial.hyperparameters.learningRate, l2 = problem.l2
        var used = 0
        var current = (x: problem.data.features, y: problem.data.labels)
        func objective(_ x: Tensor<Float>, _ y: [Int]) -> Float {
            used += 1
            CostMeter.countGradientEvaluations()
            var loss = model.lossAndGradient(x, labels: y)
            if l2 > 0 {
                for p in model.parameters {
                    loss += 0.5 * l2 * p.value.data.reduce(0) { $0 + $1 * $1 }
                    p.grad.add(p.value, scaledBy: l2)
                }
            }
            return loss
        }
        let optimizer: any Optimizer
        switch method {
        case .adam: optimizer = ChainedOptimizer.adam(model.parameters, learningRate: .constant(Float(lr)))
        case .sgd: optimizer = ChainedOptimizer.sgd(model.parameters, learningRate: .constant(Float(lr)))
        case .oasis:
            optimizer = OASIS(model.parameters, initialStep: lr, reusePreviousGradient: problem.batchSize == nil, rng: trial.rng.child("probes")) { _, _ in
                { v in
                    used += 2
                    CostMeter.countGradientEvaluations(2)
                    let hv = Hessian.exactVectorProduct(model.parameters, v) { tape in model.loss(tape, current.x, labels: current.y) }
                    return l2 > 0 ? zip(hv, v).map { $0 + l2 * $1 } : hv
                }
            }
        }
        let schedule = problem.batchSize.map { BatchSchedule(count: problem.data.count, batchSize: $0, using: &common) }
        func fullLoss() -> Double {
            let ce = StandardTasks.datasetLoss(model, problem.data)
            let reg = model.parameters.reduce(0.0) { $0 + Double($1.value.data.reduce(0) { $0 + $1 * $1 }) }
            return ce + 0.5 * Double(l2) * reg
        }
        var losses = [fullLoss()], steps = [0], step = 0, diverged = false
        var batches = schedule.map { s in (0...).lazy.flatMap { s.batches(epoch: $0) }.makeIterator() }
        let every = max(budget / 30, 1)
        var nextRecord = every
        while used < budget {
            if batches != nil { let b = problem.data.batch(batches!.next()!); current = (b.0, b.1) }
            let loss = optimizer.step { objective(current.x, current.y) }
            step += 1
            if !loss.isFinite { diverged = true; break }
            if used >= nextRecord || used >= budget {
                let f = fullLoss()
                losses.append(f); steps.append(used)
                if !f.isFinite || f > 1e12 { diverged = true; break }
                while nextRecord <= used { nextRecord += every }
            }
        }
        return StandardTasks.finish(losses: losses, steps: steps, final: losses.last ?? .nan, diverged: diverged, stateBytes: optimizer.stateBytes,
                                    phase: trial.phase, validation: (losses.last ?? .nan, nil), test: { (losses.last ?? .nan, nil) })
    }
}

// MARK: - The experiment

extension OASISPaper {
    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var results = [ReportBlock]()
        let problems = try settings.problems(context)
        for problem in problems {
            let budget = problem.batchSize == nil ? settings.fullBatchBudget : settings.minibatchBudget
            func arm(_ name: String, _ method: Method, fixed: Double? = nil) -> Arm {
                let grid = fixed.map { [Hyperparameters(["lr": $0])] } ?? Hyperparameters.learningRateGrid(settings.learningRates)
                return Arm(name, grid: grid) { Self.train($0, method: method, problem: problem, budget: budget) }
            }
            let experiment = Experiment(
                context: context, claim: "c1 \(problem.key)",
                arms: [arm("OASIS (η₀ = 1)", .oasis, fixed: 1), arm("Adam (tuned)", .adam), arm("SGD (tuned)", .sgd),
                       arm("Adam (lr 1e-3)", .adam, fixed: 1e-3), arm("SGD (lr 1e-2)", .sgd, fixed: 1e-2)],
                selectionSeeds: settings.selectionSeeds, evaluationSeeds: settings.evaluationSeeds, rule: .lowest("log final training loss"))
            let result = try experiment.compare()
            func score(_ name: String) -> Double {
                let r = result[name]
                return r.selectionFailed || r.sweep.isEmpty ? .infinity : r.sweep[r.chosenIndex].meanScore
            }
            let best = score("Adam (tuned)") <= score("SGD (tuned)") ? "Adam (tuned)" : "SGD (tuned)"
            let oasis = "OASIS (η₀ = 1)", judged = "log final training loss"
            for (claim, baseline) in [("c1a", best), ("c1b", "Adam (lr 1e-3)"), ("c1c", "SGD (lr 1e-2)")] {
                let suffix = ["c1a": "best_tuned", "c1b": "default_adam", "c1c": "default_sgd"][claim]!
                result.recordDifference("\(claim).\(problem.key).log_loss_oasis_minus_\(suffix)", method: oasis, baseline: baseline,
                                        metric: judged, tolerance: 0.05, into: &evidence)
            }
            results.append(.text("#### \(problem.label)"))
            results.append(.text("Best tuned baseline by selection score (mean log final training loss, chosen before the evaluation runs): **\(best)**."))
            results.append(.table(ExperimentReport.summaryTable(result.arms, metrics: ["final training loss", judged],
                                                                caption: "\(problem.label): each arm at its learning rate over \(Format.counted(result.evaluationSeeds, "evaluation seed")).")))
            results.append(.table(Table(
                caption: "\(problem.label): paired differences of \(judged) (same seed, same initial point and data order).",
                headers: ["difference", "mean ± 95% CI", "pairs"],
                rows: [best, "Adam (lr 1e-3)", "SGD (lr 1e-2)"].map { b in
                    let d = result[oasis].pairedDifference(judged, versus: result[b])
                    return ["\(oasis) − \(b)", d.formatted, "\(d.count)"]
                })))
            results.append(.figure(ExperimentReport.lossFigure(result.arms, name: "c1-\(problem.key)", title: "\(problem.label): training loss",
                                                               xLabel: "gradient evaluations (a Hessian-vector product counts as two)",
                                                               caption: "Mean training objective of each arm, with the 95% band over evaluation seeds, against gradient evaluations spent.")))
            results.append(.details("Learning-rate sweep on \(problem.label)", [.table(ExperimentReport.sweepTable(result.arms, rule: .lowest(judged)))]))
        }
        var described = [String]()
        for p in problems {
            let size = p.sizes.map(String.init).joined(separator: "-"), regulariser = p.l2 > 0 ? ", ½λ‖w‖² with λ = 1/n" : ""
            let budget = p.batchSize.map { "batch \($0), budget \(settings.minibatchBudget)" } ?? "full batch, budget \(settings.fullBatchBudget)"
            described.append("\(p.label): \(p.data.count) examples, model \(size)\(regulariser), \(budget) gradient evaluations")
        }
        let rates = settings.learningRates.map { Format.compact($0, 2) }.joined(separator: ", ")
        var text = "**Problems.** " + described.joined(separator: "; ") + ". "
        text += "Arms: OASIS with η₀ = 1, β₂ = 0.99, α = 1e-5, D₀ from 10 probes, exact Hessian-vector products (not tuned); "
        text += "Adam and SGD tuned over the learning rates \(rates) (extended at an edge, up to twice) by the lowest mean log final training loss over "
        text += "\(Format.counted(settings.selectionSeeds, "selection seed")); Adam at 1e-3 and SGD at 1e-2 untuned. "
        text += "\(Format.counted(settings.evaluationSeeds, "evaluation seed")) per arm, all arms sharing the initial point and batch order per seed. "
        text += "Data: \(Datasets.breastCancerCitation) \(Datasets.wineCitation) \(Datasets.digitsCitation)"
        let setup: [ReportBlock] = [.text(text)]
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
