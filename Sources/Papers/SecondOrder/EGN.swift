import Foundation
import Harness

// # EGN: exact Gauss-Newton in the space of the mini-batch
//
// Mikalai Korbit, Adeyemi D. Adeoye, Alberto Bemporad and Mario Zanon, "Exact Gauss-Newton
// Optimization for Training Deep Neural Networks" (arXiv 2405.14402). The catalog lists no
// official code; the code index holds a JAX implementation by the same group (EGN, SGN, HFO and
// GNB solvers; its repository name is not shown by the index), from which the line search, the
// λ rule and the momentum below are read.
//
// **The paper in plain words.** A regularised generalized Gauss-Newton step needs the solve
// `(JᵀQJ/b + λI)d = −Jᵀg/b` over all `d` parameters. EGN notes that the Duncan-Guttman (push-
// through) identity turns it into `d = −Jᵀ(QJJᵀ + bλI)⁻¹g`, a system the size of the mini-batch
// times the outputs (c1), whose cost at a fixed batch grows only linearly with `d` (c1b). It adds
// an Armijo line search, a Levenberg-Marquardt rule for λ and momentum, each said to accelerate it
// (c2); proves linear convergence to an ε-stationary point under assumptions (c3); and finds it
// generalises at least as well as tuned SGD, Adam and SGN (c4).
//
// The delta from the harness: `MLPFunction` and `GaussNewtonDirection` (Methods/OutputJacobian)
// give the Jacobian, Q, and the batch-space, parameter-space and CG solves; this file adds the
// step (line search, λ, momentum) and the experiments.

/// EGN (Korbit et al., 2024): the paper's claims and experiments.
public struct EGNPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "egn", title: "Exact Gauss-Newton Optimization for Training Deep Neural Networks",
            method: "Exact Gauss-Newton (EGN)", family: "SecondOrder", arxiv: "2405.14402", code: nil,
            summary: #"""
            EGN solves the regularised generalized Gauss-Newton system in the space of the mini-batch by the \#
            Duncan-Guttman identity, and adds an Armijo line search, adaptive regularisation and momentum. We check the \#
            identity in Double, count the cost of a step against the parameter count, ablate each addition on a \#
            synthetic regression, fit the convergence rate on an over-parameterised full-batch regression, and compare \#
            its test metrics with SGD, Adam and SGN (CG Gauss-Newton), all tuned on equal grids, on a synthetic \#
            regression, breast cancer and MNIST-1D.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let tasks: [(key: String, label: String, classification: Bool)] = [
        ("regression", "MLP regression (synthetic teacher)", false), ("breast_cancer", "MLP on breast cancer", true), ("mnist1d", "MLP on MNIST-1D", true),
    ]
    static let ablations: [(id: String, arm: String, what: String)] = [
        ("c2a", "EGN without line search", "the line search"), ("c2b", "EGN with fixed λ", "adaptive λ"), ("c2c", "EGN without momentum", "momentum"),
    ]

    public var claims: [Claim] {
        var list = [
            Claim(id: "c1", statement: "The batch-space direction −Jᵀ(QJJᵀ + bλI)⁻¹g equals the regularised Gauss-Newton direction −(JᵀQJ/b + λI)⁻¹Jᵀg/b.",
                  source: "abstract", paperValue: "exact identity (Duncan-Guttman)", paperSetting: "analytic",
                  metric: "largest deviation between the two directions relative to the largest entry, tiny tanh MLP in Double, squared error and cross-entropy, λ ∈ {1, 10⁻³}",
                  rule: .exact("c1.max_relative_deviation", "max |d_batch − d_explicit| / max |d_explicit|", equals: 0, tolerance: 1e-8, byConstruction: true),
                  scaling: "a 4-5-3 MLP on 6 examples (d = 43, b·c = 18)"),
            Claim(id: "c1b", statement: "At a fixed batch size the cost of an EGN direction grows linearly with the number of parameters.",
                  source: "abstract", paperValue: "factorise a matrix the size of the mini-batch", paperSetting: "analytic",
                  metric: "R² of a straight-line fit of counted FLOPs of one direction (Jacobian, JJᵀ, LU, Jᵀu) against d, b = 32, c = 10, widths 8 … 256",
                  rule: .bound("c1b.r_squared", "R² of FLOPs against d", below: false, 0.999),
                  scaling: "a 40-h-10 MLP (MNIST-1D shape), d from 426 to 13 066; FLOPs counted from the loop sizes, wall time not used"),
            Claim(id: "c3", statement: "Under its assumptions EGN converges to an ε-stationary point at a linear rate.",
                  source: "abstract", paperValue: "linear rate (v1); v2 (October 2025) states only convergence in expectation to a stationary point",
                  paperSetting: "theorem under \"mild assumptions\" (not read here); this claim is v1's abstract",
                  metric: "smallest R² over seeds of a straight-line fit of log ‖∇f‖ against the step (full batch, until ‖∇f‖ ≤ 10⁻⁹‖∇f₀‖), and the largest fitted slope",
                  rule: Rule.all([("R² ≥ 0.9", Rule.bound("c3.min_r_squared", "min R²", below: false, 0.9)),
                              ("slope < 0", Rule.bound("c3.max_slope", "max slope of log ‖∇f‖ per step", below: true, -1e-3))]),
                  scaling: "64 examples of a tanh teacher, an 8-64-1 tanh student (d = 641 ≫ 64), Double, 3 seeds"),
        ]
        for a in Self.ablations {
            list.append(Claim(id: a.id, statement: "Adding \(a.what) to EGN accelerates training.", source: "abstract",
                              paperValue: "not stated as a number", paperSetting: "not stated",
                              metric: "paired difference of log final training loss (whole training set), full EGN − \(a.arm), each tuned on the same grid",
                              rule: .superiority("\(a.id).log_loss_full_minus_ablated", "log training loss, EGN − \(a.arm)", better: .lower, minimalEffect: log(1.05)),
                              scaling: "synthetic regression (8-32-1 tanh, 512 examples, batch 32)"))
        }
        for (i, t) in Self.tasks.enumerated() {
            let metric = t.classification ? "test accuracy (points)" : "log test mean squared error"
            list.append(Claim(id: "c4" + ["a", "b", "c"][i], statement: "On \(t.label), EGN generalises at least as well as the best of tuned SGD, Adam and SGN.",
                              source: "abstract", paperValue: "matches or exceeds", paperSetting: "various supervised and reinforcement learning tasks",
                              metric: "paired difference of \(metric), EGN − the baseline with the best selection score",
                              rule: t.classification
                                ? .nonInferiority("c4.\(t.key).diff", "test accuracy, EGN − best baseline", better: .higher, margin: 2, unit: "points")
                                : .nonInferiority("c4.\(t.key).diff", "log test MSE, EGN − best baseline", better: .lower, margin: log(1.1)),
                              scaling: "small MLPs, a few epochs, batch 32"))
        }
        return list
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        var text = "The identity (c1) holds to rounding, as it must; the counted cost (c1b) is \(v("c1b")) as linear in d. "
        text += "The ablations: line search \(v("c2a")), adaptive λ \(v("c2b")), momentum \(v("c2c")). "
        text += "The linear rate on an over-parameterised regression is \(v("c3")) by the straight-line rule fixed before the run; the figure's legend "
        text += "gives the fit over the second half of each run too, since a fast first phase followed by a slower geometric one still satisfies a linear-rate bound but lowers a whole-run R². "
        text += "Against the best tuned baseline EGN is \(v("c4a")) on the regression, \(v("c4b")) on breast cancer and \(v("c4c")) on MNIST-1D."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **EGN.** On a batch of `b` examples with outputs $f_i\in\mathbb R^c$, let $J$ be the $bc\times d$ \#
        Jacobian, $g_i=\partial\ell_i/\partial f_i$ and $Q=\mathrm{blockdiag}(\partial^2\ell_i/\partial f_i^2)$. The direction is

        $$d_t=-J^\top\big(QJJ^\top+b\lambda_tI\big)^{-1}g=-\Big(\tfrac1bJ^\top QJ+\lambda_tI\Big)^{-1}\tfrac1bJ^\top g,$$

        one $bc\times bc$ LU. With momentum, $m_t=\beta m_{t-1}+(1-\beta)d_t$ and $d_t\leftarrow m_t/(1-\beta^{t+1})$. \#
        The step $\alpha_t$ starts at $\min(1.5\,\alpha_{t-1},\alpha_{\max})$ and shrinks by 0.8 (at most 15 times) until \#
        Armijo's $f(w+\alpha d)\le f(w)+0.1\,\alpha\,\nabla f^\top d$ holds on the batch. Then \#
        $\rho=\frac{f(w_{t+1})-f(w_t)}{\nabla f^\top\Delta w+\frac1{2b}(J\Delta w)^\top Q(J\Delta w)}$ sets \#
        $\lambda_{t+1}=1.01\lambda_t$ if $\rho<0.25$, $0.99\lambda_t$ if $\rho>0.75$. SGN solves the same system by 10 \#
        steps of CG from 0 with products $J^\top Q(Jv)/b+\lambda v$ (λ = 10⁻³, fixed step).
        """#
    }

    public var excerpts: [String] { ["egn"] }

    public var deviations: String {
        #"""
        - **Constants.** The line-search constants (c = 0.1, factors 0.8 and 1.5, 15 trials), the λ factors 1.01/0.99 \#
        with thresholds 0.25/0.75, λ₀ = 1 and SGN's λ = 10⁻³ with 10 CG steps are the defaults of the group's JAX code; \#
        β = 0.9 is our choice. The paper's own tables could not be read here, so no paper numbers are quoted beside ours.
        - **Tasks.** The paper runs larger regression, classification and RL sets; we use a synthetic teacher regression, \#
        breast cancer and a 1024-example subset of MNIST-1D, small tanh MLPs, all in Double (the Jacobian needs it for c1).
        - **Tuning.** Every arm gets the same 5-point grid of its step (lr for SGD/Adam/SGN, α_max or α for EGN), extended at \#
        an edge, 3 selection seeds at full scale, selected on the validation version of the judged metric.
        - **Not in the league.** The league hands an optimizer a loss-and-gradient closure over opaque parameters; EGN needs \#
        the network's outputs, their Jacobian and the loss's output Hessian, which that interface does not expose.
        """#
    }

    public let sourceFile: String = #filePath

    // No `leagueOptimizers`: EGN needs the output Jacobian J and the output Hessian Q of the batch,
    // and the league's optimizer interface only gives a loss-and-gradient closure (see deviations).
    // No `traceOptimizers` either: there is no reference implementation with keyword names to trace.

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

// MARK: - The optimizer

// excerpt: egn
/// EGN's step on an `MLPFunction`: batch-space GN direction, momentum, Armijo search, λ rule.
public final class EGN {
    public var maxStep: Double, beta: Double
    public var lineSearch: Bool, adaptiveLambda: Bool
    public private(set) var stepSize: Double, lambda: Double
    var velocity = [Double](), t = 0
    /// FLOPs counted by the solves (Jacobian, Gram, LU, products).
    public var flops = 0

    public init(maxStep: Double, lambda: Double = 1, beta: Double = 0.9, lineSearch: Bool = true, adaptiveLambda: Bool = true) {
        (self.maxStep, self.lambda, self.beta, self.lineSearch, self.adaptiveLambda) = (maxStep, lambda, beta, lineSearch, adaptiveLambda)
        stepSize = maxStep
    }

    /// One step on the batch `(x, y)`; returns the batch loss before it.
    @discardableResult
    public func step(_ f: inout MLPFunction, _ x: Tensor<Double>, _ y: [Double], loss: GaussNewtonLoss) throws -> Double {
        let w = f.flat, b = Double(x.shape[0])
        let (out, j) = f.outputsAndJacobian(x, flops: &flops)
        let (value, g, q) = loss.evaluate(outputs: out, targets: y)
        let gradient = matmul(j, Tensor(shape: [g.count, 1], data: g.map { $0 / b }), transposeA: true).data
        var d = try GaussNewtonDirection.batchSpace(jacobian: j, g: g, q: q, lambda: lambda, flops: &flops)
        if beta > 0 {
            if velocity.isEmpty { velocity = [Double](repeating: 0, count: d.count) }
            for i in d.indices { velocity[i] = beta * velocity[i] + (1 - beta) * d[i] }
            let correction = 1 - pow(beta, Double(t + 1))
            d = velocity.map { $0 / correction }
        }
        let slope: Double = zip(gradient, d).reduce(0) { $0 + $1.0 * $1.1 }
        func lossAt(_ alpha: Double) -> Double {
            f.flat = zip(w, d).map { $0 + alpha * $1 }
            return loss.evaluate(outputs: f(x), targets: y).loss
        }
        var alpha = lineSearch ? min(stepSize * 1.5, maxStep) : maxStep
        var next = lossAt(alpha)
        if lineSearch {
            for _ in 0..<15 where !(next <= value + 0.1 * alpha * slope) {
                alpha *= 0.8
                next = lossAt(alpha)
            }
        }
        stepSize = alpha
        if adaptiveLambda {
            let move = d.map { alpha * $0 }
            let jm = matmul(j, Tensor(shape: [move.count, 1], data: move)).data
            let qjm = GaussNewtonDirection.applyQ(q, jm, columns: 1)
            let linear: Double = zip(gradient, move).reduce(0) { $0 + $1.0 * $1.1 }
            let curvature: Double = zip(jm, qjm).reduce(0) { $0 + $1.0 * $1.1 }
            let predicted = linear + 0.5 * curvature / b
            let rho = (next - value) / predicted
            if rho < 0.25 { lambda *= 1.01 } else if rho > 0.75 { lambda *= 0.99 }
        }
        t += 1
        return value
    }
}
// end excerpt

// MARK: - Tasks and arms

extension EGNPaper {
    struct Settings {
        var selectionSeeds: Int, evaluationSeeds: Int, seedCap: Int
        var epochs: Int
        var mnistTrain: Int
        var c3Seeds: Int, c3Steps = 200
        var costWidths = [8, 16, 32, 64, 128, 256]
        var egnGrid = [0.1, 0.2, 0.5, 1, 2]
        var grids: [String: [Double]] = ["SGD": [0.01, 0.03, 0.1, 0.3, 1], "Adam": [1e-3, 3e-3, 0.01, 0.03, 0.1], "SGN": [0.03, 0.1, 0.3, 1, 3]]
        var tasks: ((RunContext, Settings) throws -> [Task])? = nil
        init(_ context: RunContext) {
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 8)
            epochs = context.pick(quick: 2, full: 6)
            mnistTrain = context.pick(quick: 256, full: 1024)
            c3Seeds = context.pick(quick: 1, full: 3)
        }
    }

    /// A split in Double: inputs, flat targets (one-hot for classification) and labels.
    struct Split: Sendable {
        var x: Tensor<Double>, y: [Double], labels: [Int]?
        var count: Int { x.shape[0] }
        func rows(_ idx: [Int]) -> (Tensor<Double>, [Double]) {
            let w = x.shape[1], c = y.count / count
            return (Tensor(shape: [idx.count, w], data: idx.flatMap { x.data[($0 * w)..<(($0 + 1) * w)] }), idx.flatMap { y[($0 * c)..<(($0 + 1) * c)] })
        }
    }

    struct Task: Sendable {
        var key: String, label: String, sizes: [Int], loss: GaussNewtonLoss
        var train: Split, validation: Split, test: Split
    }

    static func split(_ d: Dataset) -> Split {
        Split(x: Tensor(shape: d.features.shape, data: d.features.data.map(Double.init)),
              y: d.labels.flatMap { l in (0..<d.classCount).map { $0 == l ? 1.0 : 0 } }, labels: d.labels)
    }

    static func makeTasks(_ context: RunContext, _ s: Settings) throws -> [Task] {
        var rng = context.standardRNG("egn", "teacher")
        let teacher = TeacherNetwork(widths: [8, 16, 1], using: &rng)
        func reg(_ n: Int) -> Split {
            let d = teacher.sample(count: n, noise: 0.1, using: &rng)
            return Split(x: Tensor(shape: d.inputs.shape, data: d.inputs.data.map(Double.init)), y: d.targets.data.map(Double.init), labels: nil)
        }
        var split = context.standardRNG("egn", "split")
        let cancer = try Datasets.breastCancer().split(train: 0.6, validation: 0.2, using: &split).standardized()
        let mnist = try Datasets.mnist1d()
        let (train, validation) = mnist.train.subset(Array(0..<(s.mnistTrain * 5 / 4))).split(validation: 0.2, using: &split)
        let m = DataSplits(train: train, validation: validation, test: mnist.test.subset(Array(0..<1000))).standardized()
        return [
            Task(key: "regression", label: tasks[0].label, sizes: [8, 32, 1], loss: .squaredError, train: reg(512), validation: reg(256), test: reg(1024)),
            Task(key: "breast_cancer", label: tasks[1].label, sizes: [30, 16, 2], loss: .crossEntropy,
                 train: Self.split(cancer.train), validation: Self.split(cancer.validation), test: Self.split(cancer.test)),
            Task(key: "mnist1d", label: tasks[2].label, sizes: [40, 32, 10], loss: .crossEntropy,
                 train: Self.split(m.train), validation: Self.split(m.validation), test: Self.split(m.test)),
        ]
    }

    enum Method: Sendable { case sgd, adam, sgn, egn(lineSearch: Bool, adaptiveLambda: Bool, momentum: Bool) }

    /// Mean loss, accuracy (classification) and mean squared error of `f` on a split.
    static func evaluate(_ f: MLPFunction, _ s: Split, _ loss: GaussNewtonLoss) -> (loss: Double, accuracy: Double?, mse: Double) {
        let out = f(s.x), c = f.outputCount
        let value = loss.evaluate(outputs: out, targets: s.y).loss
        let mse = zip(out.data, s.y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(s.count)
        guard let labels = s.labels else { return (value, nil, mse) }
        let hits = labels.indices.filter { i in (0..<c).max { out.data[i * c + $0] < out.data[i * c + $1] } == labels[i] }.count
        return (value, Double(hits) / Double(labels.count), mse)
    }

    static func train(_ trial: Trial, _ method: Method, _ task: Task, epochs: Int) throws -> RunRecord {
        var common = trial.commonRNG
        var f = MLPFunction(MLP(sizes: task.sizes, activation: .tanh, rng: common.child("model")))
        let schedule = BatchSchedule(count: task.train.count, batchSize: 32, using: &common)
        let lr = trial.hyperparameters.learningRate
        var flops = 0, m = [Double](), v = [Double](), t = 0
        var egn: EGN?
        if case .egn(let ls, let al, let mo) = method { egn = EGN(maxStep: lr, beta: mo ? 0.9 : 0, lineSearch: ls, adaptiveLambda: al) }
        var losses = [evaluate(f, task.train, task.loss).loss], steps = [0], diverged = false
        for epoch in 0..<epochs {
            for batch in schedule.batches(epoch: epoch) {
                let (x, y) = task.train.rows(batch)
                t += 1
                CostMeter.countGradientEvaluations()
                if let egn { try egn.step(&f, x, y, loss: task.loss); continue }
                var w = f.flat
                let b = Double(batch.count)
                if case .sgn = method {
                    var fl = 0
                    let (out, j) = f.outputsAndJacobian(x, flops: &fl)
                    let (_, g, q) = task.loss.evaluate(outputs: out, targets: y)
                    let d = GaussNewtonDirection.conjugateGradient(jacobian: j, g: g, q: q, lambda: 1e-3, iterations: 10, flops: &fl)
                    for i in w.indices { w[i] += lr * d[i] }
                } else {
                    let g = task.loss.evaluate(outputs: f(x), targets: y).g.map { $0 / b }
                    let grad = f.vectorJacobianProduct(x, g, flops: &flops)
                    if case .adam = method {
                        if m.isEmpty { m = [Double](repeating: 0, count: w.count); v = m }
                        for i in w.indices {
                            m[i] = 0.9 * m[i] + 0.1 * grad[i]; v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i]
                            w[i] -= lr * (m[i] / (1 - pow(0.9, Double(t)))) / ((v[i] / (1 - pow(0.999, Double(t)))).squareRoot() + 1e-8)
                        }
                    } else { for i in w.indices { w[i] -= lr * grad[i] } }
                }
                f.flat = w
            }
            let l = evaluate(f, task.train, task.loss).loss
            losses.append(l); steps.append(t)
            if !l.isFinite || l > 1e6 { diverged = true; break }
        }
        var record = RunRecord(losses: losses, steps: steps, stateBytes: 0, diverged: diverged)
        let final = diverged ? Double.nan : losses.last!
        record.record("log final training loss", log(max(final, 1e-30)))
        for (name, s) in [("validation", task.validation), ("test", task.test)] {
            let e: (loss: Double, accuracy: Double?, mse: Double) = diverged ? (.nan, task.test.labels == nil ? nil : .nan, .nan) : evaluate(f, s, task.loss)
            record.record("\(name) loss", e.loss)
            if let a = e.accuracy { record.record("\(name) accuracy", a) } else { record.record("\(name) log MSE", log(e.mse)) }
        }
        return record
    }
}

// MARK: - The experiments

extension EGNPaper {
    /// c1: the largest relative gap between batch-space and explicit directions on a tiny net.
    static func identityCheck() throws -> Double {
        var rng = SeededRandom(seed: 3, path: ["egn", "c1"])
        let f = MLPFunction(MLP(sizes: [4, 5, 3], activation: .tanh, rng: rng.child("model")))
        let xf = Tensor<Float>.randomNormal([6, 4], using: &rng)
        var flops = 0
        let (out, j) = f.outputsAndJacobian(Tensor(shape: xf.shape, data: xf.data.map(Double.init)), flops: &flops)
        let y = (0..<18).map { Double($0 % 3 == ($0 / 3) % 3 ? 1 : 0) }
        var worst = 0.0
        for loss in [GaussNewtonLoss.squaredError, .crossEntropy] {
            let (_, g, q) = loss.evaluate(outputs: out, targets: y)
            for lambda in [1.0, 1e-3] {
                let a = try GaussNewtonDirection.batchSpace(jacobian: j, g: g, q: q, lambda: lambda, flops: &flops)
                let e = try GaussNewtonDirection.parameterSpace(jacobian: j, g: g, q: q, lambda: lambda)
                worst = max(worst, zip(a, e).map { abs($0 - $1) }.max()! / e.map(abs).max()!)
            }
        }
        return worst
    }

    /// c1b: counted FLOPs of one EGN direction at b = 32, c = 10 against d.
    static func costCurve(_ widths: [Int]) throws -> [(d: Double, flops: Double)] {
        try widths.map { h in
            var rng = SeededRandom(seed: 4, path: ["egn", "c1b"])
            let f = MLPFunction(MLP(sizes: [40, h, 10], activation: .tanh, rng: rng.child("model")))
            let x = Tensor<Float>.randomNormal([32, 40], using: &rng)
            var flops = 0
            let (out, j) = f.outputsAndJacobian(Tensor(shape: x.shape, data: x.data.map(Double.init)), flops: &flops)
            let (_, g, q) = GaussNewtonLoss.crossEntropy.evaluate(outputs: out, targets: (0..<320).map { Double($0 % 11 == 0 ? 1 : 0) })
            _ = try GaussNewtonDirection.batchSpace(jacobian: j, g: g, q: q, lambda: 1, flops: &flops)
            return (Double(f.parameterCount), Double(flops))
        }
    }

    /// c3: full-batch EGN (no momentum) on an over-parameterised regression; ‖∇f‖ per step.
    static func gradientNorms(seed: Int, steps: Int) throws -> [Double] {
        var rng = SeededRandom(seed: UInt64(seed), path: ["egn", "c3"])
        let data = Synthetic.teacherStudent(count: 64, inputDimension: 8, hidden: [8], noise: 0, using: &rng).data
        let x = Tensor(shape: data.inputs.shape, data: data.inputs.data.map(Double.init)), y = data.targets.data.map(Double.init)
        var f = MLPFunction(MLP(sizes: [8, 64, 1], activation: .tanh, rng: rng.child("student")))
        let egn = EGN(maxStep: 1, beta: 0)
        var norms = [Double](), flops = 0
        for _ in 0..<steps {
            let g = GaussNewtonLoss.squaredError.evaluate(outputs: f(x), targets: y).g.map { $0 / 64 }
            norms.append(f.vectorJacobianProduct(x, g, flops: &flops).reduce(0) { $0 + $1 * $1 }.squareRoot())
            if norms.last! <= 1e-9 * norms[0] { break }
            try egn.step(&f, x, y, loss: .squaredError)
        }
        return norms
    }

    static func fit(_ x: [Double], _ y: [Double]) -> (slope: Double, r2: Double) {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }, sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        let syy = y.reduce(0) { $0 + ($1 - my) * ($1 - my) }
        return (sxy / sxx, syy > 0 ? sxy * sxy / (sxx * syy) : 1)
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var results = [ReportBlock]()
        let gap = try Self.identityCheck()
        evidence.record("c1.max_relative_deviation", gap, absoluteTolerance: 1e-8, relativeTolerance: 0)
        results.append(.text("### c1: the identity\n\nLargest relative gap between the batch-space and the explicit d×d directions: **\(Format.compact(gap, 3))** (by construction: the check tests the code)."))

        let curve = try Self.costCurve(s.costWidths)
        let linear = Self.fit(curve.map(\.d), curve.map(\.flops))
        evidence.record("c1b.r_squared", linear.r2, absoluteTolerance: 1e-6, relativeTolerance: 0)
        evidence.record("c1b.flops_per_parameter", linear.slope, absoluteTolerance: 1, relativeTolerance: 1e-3)
        results.append(.text("### c1b: cost against parameter count (b = 32, c = 10)"))
        results.append(.table(Table(caption: "Counted FLOPs of one EGN direction and of the explicit d×d Cholesky-size solve (⅓d³, for contrast).",
                                    headers: ["d", "EGN FLOPs", "FLOPs / d", "d×d solve alone"],
                                    rows: curve.map { [Format.compact($0.d, 6), Format.compact($0.flops, 4), Format.compact($0.flops / $0.d, 4), Format.compact(pow($0.d, 3) / 3, 3)] })))
        results.append(.figure(Figure(name: "c1b-cost", title: "Cost of one EGN direction", xLabel: "parameters d", yLabel: "counted FLOPs",
                                      series: [Series("EGN (b = 32, c = 10)", x: curve.map(\.d), y: curve.map(\.flops), style: .linespoints),
                                               Series("⅓d³ (parameter-space solve)", x: curve.map(\.d), y: curve.map { pow($0.d, 3) / 3 }, style: .linespoints)],
                                      logX: true, logY: true, caption: "EGN's counted cost grows like d (R² of a straight line \(Format.compact(linear.r2, 6))); a d×d factorisation grows like d³.")))

        var c3Series = [Series](), r2s = [Double](), slopes = [Double]()
        for seed in 0..<s.c3Seeds {
            let norms = try Self.gradientNorms(seed: seed, steps: s.c3Steps)
            let (slope, r2) = Self.fit(norms.indices.map(Double.init), norms.map { log($0) })
            r2s.append(r2); slopes.append(slope)
            let half = norms.count / 2, tail = Self.fit(norms.indices.dropFirst(half).map(Double.init), norms.dropFirst(half).map { log($0) })
            c3Series.append(Series("seed \(seed): slope \(Format.compact(slope, 3)), R² \(Format.compact(r2, 3)); second half \(Format.compact(tail.slope, 3)), R² \(Format.compact(tail.r2, 3))",
                                   x: norms.indices.map(Double.init), y: norms))
        }
        evidence.record("c3.min_r_squared", r2s.min()!, absoluteTolerance: 1e-6, relativeTolerance: 0)
        evidence.record("c3.max_slope", slopes.max()!, absoluteTolerance: 1e-6, relativeTolerance: 0)
        results.append(.text("### c3: the rate on an over-parameterised regression"))
        results.append(.figure(Figure(name: "c3-gradient-norm", title: "Full-batch EGN: gradient norm", xLabel: "step", yLabel: "‖∇f‖", series: c3Series, logY: true,
                                      caption: "A straight line on this log scale is a linear rate; the fit runs to ‖∇f‖ ≤ 10⁻⁹‖∇f₀‖ or 200 steps.")))

        let tasks = try (s.tasks ?? Self.makeTasks)(context, s)
        let egnGrid = s.egnGrid, grids = s.grids
        let epochs = s.epochs
        func arm(_ name: String, _ method: Method, _ task: Task, _ grid: [Double]) -> Arm {
            Arm(name, grid: Hyperparameters.learningRateGrid(grid)) { try Self.train($0, method, task, epochs: epochs) }
        }
        // c2: the ablation on the regression task.
        let full = Method.egn(lineSearch: true, adaptiveLambda: true, momentum: true)
        let ablation = Experiment(context: context, claim: "c2", arms: [arm("EGN", full, tasks[0], egnGrid),
                                  arm(Self.ablations[0].arm, .egn(lineSearch: false, adaptiveLambda: true, momentum: true), tasks[0], egnGrid),
                                  arm(Self.ablations[1].arm, .egn(lineSearch: true, adaptiveLambda: false, momentum: true), tasks[0], egnGrid),
                                  arm(Self.ablations[2].arm, .egn(lineSearch: true, adaptiveLambda: true, momentum: false), tasks[0], egnGrid)],
                                  selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds, rule: .lowest("log final training loss"),
                                  power: Self.ablations.map { PowerPlan(method: "EGN", baseline: $0.arm, metric: "log final training loss", minimalEffect: log(1.05)) }, seedCap: s.seedCap)
        let ab = try ablation.compare()
        for a in Self.ablations {
            ab.recordDifference("\(a.id).log_loss_full_minus_ablated", method: "EGN", baseline: a.arm, metric: "log final training loss", tolerance: 0.05, into: &evidence)
        }
        results.append(.text("### c2: ablation on the synthetic regression"))
        results.append(.table(ExperimentReport.summaryTable(ab.arms, metrics: ["log final training loss"], caption: "Each variant at its tuned step over \(Format.counted(ab.evaluationSeeds, "evaluation seed")).")))
        results.append(.figure(ExperimentReport.lossFigure(ab.arms, name: "c2-ablation", title: "EGN ablation: training loss", caption: "Whole-training-set loss after each epoch.")))

        // c4: against tuned SGD, Adam and SGN.
        for (i, task) in tasks.enumerated() {
            let classification = Self.tasks[i].classification
            let judged = classification ? "test accuracy" : "test log MSE", select = classification ? "validation accuracy" : "validation log MSE"
            let arms = [arm("EGN", full, task, egnGrid), arm("SGD", .sgd, task, grids["SGD"]!), arm("Adam", .adam, task, grids["Adam"]!), arm("SGN", .sgn, task, grids["SGN"]!)]
            let e = Experiment(context: context, claim: "c4 \(task.key)", arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds,
                               rule: classification ? .highest(select) : .lowest(select),
                               power: ["SGD", "Adam", "SGN"].map { PowerPlan(method: "EGN", baseline: $0, metric: judged, minimalEffect: classification ? 2 : log(1.1), scale: classification ? 100 : 1) },
                               seedCap: s.seedCap)
            let r = try e.compare()
            func score(_ n: String) -> Double { let a = r[n]; return a.sweep.isEmpty ? .nan : a.sweep[a.chosenIndex].meanScore * (classification ? -1 : 1) }
            let best = ["SGD", "Adam", "SGN"].min { score($0) < score($1) }!
            r.recordDifference("c4.\(task.key).diff", method: "EGN", baseline: best, metric: judged, scale: classification ? 100 : 1, tolerance: 0.05, into: &evidence)
            results.append(.text("### c4: \(task.label)\n\nBest baseline by selection score: **\(best)**."))
            results.append(.table(ExperimentReport.summaryTable(r.arms, metrics: [judged, "test loss", "log final training loss"], caption: "\(task.label): each arm at its tuned step.")))
            results.append(.figure(ExperimentReport.lossFigure(r.arms, name: "c4-\(task.key)", title: "\(task.label): training loss", caption: "Whole-training-set loss after each epoch.")))
            results.append(.details("Sweep on \(task.label)", [.table(ExperimentReport.sweepTable(r.arms, rule: classification ? .highest(select) : .lowest(select)))]))
        }
        let setup: [ReportBlock] = [.text("""
            **Tasks.** Synthetic regression: an 8-16-1 tanh teacher with noise 0.1, 512/256/1024 train/validation/test examples, an 8-32-1 \
            tanh student, ½‖f − y‖². Breast cancer: 60/20/20 stratified split, standardised, 30-16-2 tanh MLP, cross-entropy. MNIST-1D: \
            \(s.mnistTrain) training and \(s.mnistTrain / 4) validation examples from its training set, 1000 test examples, 40-32-10 tanh MLP. \
            All in Double, PyTorch's initialisation, batch 32, \(s.epochs) epochs. Arms: EGN (λ₀ = 1, β = 0.9, line search and adaptive λ; \
            step grid α_max ∈ {0.1 … 2}), SGD, Adam (β = 0.9, 0.999) and SGN (λ = 10⁻³, 10 CG steps), each on a 5-point grid extended at an edge, \
            \(Format.counted(s.selectionSeeds, "selection seed")), \(Format.counted(s.evaluationSeeds, "evaluation seed")) (power plan cap \(s.seedCap)). \
            Data: \(Datasets.breastCancerCitation) \(Datasets.mnist1dCitation)
            """)]
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
