import Foundation
import Harness

// # SANIA: Polyak-type Optimization Framework Leads to Scale Invariant Stochastic Algorithms
//
// Farshed Abdukhakimov, Chulu Xiang, Dmitry Kamzolov, Robert M. Gower and Martin Takáč (arXiv 2312.17369).
//
// **The paper in plain words.** Adam, AdaGrad and AdaHessian all precondition the gradient with a
// diagonal matrix $B_t$ and still need a hand-tuned step size. SANIA takes the step size from the
// loss value instead, as the stochastic Polyak step (SPS) does: on the mini-batch loss $f_i$ with
// gradient $g$, it looks for the closest point in the $B_t$-norm where a model of $f_i$ reaches the
// optimal value $f_i^*$ (0 when the model can interpolate the data). With a linear model that is the
// preconditioned Polyak step
//
// $$w_{t+1}=w_t-\frac{f_i(w_t)-f_i^*}{\|g\|^2_{B_t^{-1}}}\,B_t^{-1}g,\qquad \|g\|^2_{B_t^{-1}}=\langle g,B_t^{-1}g\rangle .$$
//
// Choosing $B_t$ gives the variants: $B_t=I$ is SPS; the AdaGrad and Adam accumulators *without
// their square root* ("AdaGrad-SQR", "Adam-SQR") and Hutchinson's estimate of the Hessian diagonal
// give methods whose trajectories do not change when the features of a linear model are rescaled
// (the square root would break that). The paper claims the framework removes step-size tuning from
// preconditioned methods (c1), yields scale-invariant methods for badly scaled problems (c2), and
// explores Hutchinson's preconditioner among others (c3); the abstract gives no numbers.
//
// **What is reconstructed.** The catalog names no official code. The update rule below follows a
// public torch/numpy implementation of `SANIA_AdagradSQR` and `SANIA_AdamSQR` found in the code
// index (its repository is not identified there), which solves the *quadratic* model
// $f_i+\langle g,d\rangle+\tfrac12\|d\|^2_{B_t}=0$ along $d=-\lambda B_t^{-1}g$; for small
// $f_i/\|g\|^2_{B_t^{-1}}$ its $\lambda$ equals the linear-model Polyak step above to first order.
// The Hutchinson arm (its β, floor α and warm-up) follows the authors' earlier PSPS paper
// (arXiv 2310.02093) and is our reconstruction; its Hessian-vector products are central
// differences of gradients (`Hessian.vectorProduct`), not double backpropagation.

/// SANIA (Abdukhakimov et al.): the paper's claims and experiments.
public struct SANIAPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sania",
            title: "SANIA: Polyak-type Optimization Framework Leads to Scale Invariant Stochastic Algorithms",
            method: "SANIA",
            family: "AdaptiveMethods",
            arxiv: "2312.17369",
            code: nil,
            summary: #"""
            SANIA steps along a preconditioned gradient $B_t^{-1}g$ with a Polyak step size computed from the \#
            mini-batch loss (optimal value 0), so no learning rate is tuned; with AdaGrad's or Adam's \#
            accumulator without the square root (AdaGrad-SQR, Adam-SQR) or Hutchinson's Hessian-diagonal \#
            estimate as $B_t$, the method is invariant to rescaling the features of a linear model. We run the \#
            untuned SANIA variants against SGD and Adam tuned on a shared grid, and against SPS, on softmax \#
            regression on the digits with standardised and with badly scaled features ($\times10^{u_j}$, \#
            $u_j\sim U[-3,3]$), and on the digits MLP.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let margin = log(1.1)
    static let baselines = ["SGD", "Adam"]

    public var claims: [Claim] {
        func noWorse(_ id: String, _ arm: String, task: String, metric: String, source: String,
                     setting: String = "logistic regression on LIBSVM-style data (not stated in the abstract)", statement: String) -> Claim {
            Claim(id: id, statement: statement, source: source,
                  paperValue: "no number in the abstract (qualitative)", paperSetting: setting,
                  metric: "paired difference of \(metric), \(arm) (untuned) − the tuned baseline (SGD or Adam) with the best selection score, chosen before evaluation",
                  rule: .nonInferiority("\(id).\(task).\(Self.key(arm))_minus_best", "\(metric), \(arm) − best tuned baseline", better: .lower, margin: Self.margin),
                  scaling: "the catalog's rule: within 10% (log margin log 1.1); 10 epochs at batch 32 (quick: 2)")
        }
        func invariant(_ id: String, _ arm: String) -> Claim {
            Claim(id: id,
                  statement: "\(arm) is scale invariant: on badly scaled features its final training loss stays within 10% of its loss on the original features, while SGD and SPS degrade by more than 2×.",
                  source: "abstract; the scale-invariance section",
                  paperValue: "invariant (no number in the abstract)", paperSetting: "generalised linear models with features multiplied by 10^{u_j} (not stated in the abstract)",
                  metric: "per evaluation seed, log(final training loss on scaled features) − log(on original features), same initial point (zero) and batch order; SGD and SPS (each tuned on its own data where tuned) give the premise",
                  rule: Rule.equivalence("\(id).log_ratio.\(Self.key(arm))", "log(scaled / original final training loss), \(arm)", margin: Self.margin)
                    .given(premise: Rule.all([
                        ("SGD degrades", .bound("\(id).premise.sgd_mean_log_ratio", "SGD's mean log ratio", below: false, log(2))),
                        ("SPS degrades", .bound("\(id).premise.sps_mean_log_ratio", "SPS's mean log ratio", below: false, log(2))),
                    ]), "SGD and SPS lose more than 2× on the scaled features"),
                  scaling: "softmax regression 64→10 on the digits from zero weights; scaled features ×10^{u_j}, u_j ~ U[−3, 3] from the stream (seed, sania, scaling)")
        }
        return [
            noWorse("c1a", "SANIA AdaGrad-SQR", task: "logreg", metric: "log final training loss", source: "abstract; experiments (convex)",
                    statement: "Untuned SANIA with the AdaGrad-SQR preconditioner trains softmax regression to within 10% of the final training loss of the best tuned baseline."),
            noWorse("c1b", "SANIA Adam-SQR", task: "logreg", metric: "log final training loss", source: "abstract; experiments (convex)",
                    statement: "Untuned SANIA with the Adam-SQR preconditioner trains softmax regression to within 10% of the final training loss of the best tuned baseline."),
            noWorse("c1c", "SANIA Adam-SQR", task: "mlp", metric: "log test loss", source: "abstract; experiments (non-convex)", setting: "small neural networks on image classification (not stated in the abstract)",
                    statement: "Untuned SANIA with the Adam-SQR preconditioner reaches a test loss within 10% of the best tuned baseline's on the digits MLP."),
            invariant("c2a", "SANIA AdaGrad-SQR"),
            invariant("c2b", "SANIA Adam-SQR"),
            noWorse("c3", "SANIA Hutchinson", task: "logreg", metric: "log final training loss", source: "abstract; Hutchinson's preconditioner",
                    statement: "Untuned SANIA with Hutchinson's Hessian-diagonal preconditioner trains softmax regression to within 10% of the final training loss of the best tuned baseline."),
        ]
    }

    static func key(_ arm: String) -> String {
        arm.lowercased().replacingOccurrences(of: "sania ", with: "sania_").replacingOccurrences(of: "-", with: "_")
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func outcome(_ id: String) -> ClaimOutcome { claims.first { $0.claim.id == id }! }
        func v(_ id: String) -> String { outcome(id).judgement.verdict.display }
        var text = "Without any step-size tuning, SANIA with AdaGrad-SQR is \(v("c1a")) and with Adam-SQR \(v("c1b")) against the best tuned baseline on softmax regression, "
        text += "and Adam-SQR is \(v("c1c")) on the digits MLP. Read with the tables: with ε ≈ 0, as the invariance needs, the first steps divide by the squares of tiny gradients, "
        text += "so coordinates the batch barely touches take huge steps and the loss ends above its starting value; the reference implementation's floor B ≥ 0.1 (shown, not judged) is what keeps those steps in check, at the price of the invariance. "
        text += "Scale invariance, the paper's distinctive claim, is \(v("c2a")) for AdaGrad-SQR and \(v("c2b")) for Adam-SQR: with the same zero start and batches the scaled run is the unscaled one seen through the rescaling, up to rounding, which the erratic Adam-SQR runs amplify; tuned SGD and untuned SPS lose far more than 2× on the scaled copy. "
        text += "Hutchinson's preconditioner is \(v("c3")) on the training-loss rule, where tuned SGD reaches about 10⁻³ by overfitting; its test loss is on a par with tuned Adam's (table). It costs three gradient evaluations a step, which the cost table counts."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **One SANIA step.** On the mini-batch loss $f_i$ at $w_t$, with gradient $g$ and a diagonal \#
        preconditioner $B_t$ (one tensor per parameter):

        1. update $B_t$ from $g$ (below) and form $s=B_t^{-1}g$ and $q=\|g\|^2_{B_t^{-1}}=\langle g,s\rangle$ (over all tensors);
        2. the quadratic model $f_i+\langle g,d\rangle+\tfrac12\|d\|^2_{B_t}=f_i^*=0$ along $d=-\lambda s$ gives \#
        $\lambda=1-\sqrt{1-2f_i/q}$ when $2f_i\le q$; otherwise it has no root and its minimiser, $\lambda=1$, is taken;
        3. $w_{t+1}=w_t-\gamma\,\lambda\,s$ with $\gamma=1$ (the implementation's `lr`, never tuned here).

        The linear-model rule `.linear` takes $\lambda=f_i/q$ (the preconditioned Polyak step; $\approx$ the \#
        quadratic one when $f_i\ll q$). **Preconditioners**, all diagonal and elementwise: \#
        *identity* ($B_t=I$: SPS); *AdaGrad-SQR* $B_t=\sum_{k\le t}g_k^2+\epsilon$; *Adam-SQR* \#
        $v_t=\beta_2v_{t-1}+(1-\beta_2)g_t^2$, $B_t=v_t/(1-\beta_2^t)+\epsilon$; *Hutchinson* \#
        $D_t=\beta D_{t-1}+(1-\beta)\,z\odot\nabla^2f_i(w_t)z$ with Rademacher $z$, $D_0$ the mean of 10 such \#
        samples, $B_t=\max(\alpha,|D_t|)$. Without the square root, rescaling feature $j$ of a linear model by \#
        $c_j$ scales $g_j$ by $c_j$ and $B_{t,jj}$ by $c_j^2$, so $s_j$ scales by $1/c_j$ (the weights' own \#
        scale) and $q$ not at all: the trajectory in function space is unchanged (exactly, up to $\epsilon$ \#
        and rounding, from $w_0=0$). We use $\epsilon=10^{-30}$ so that the invariance is the method's, not \#
        the safeguard's; the reference torch class floors Adam-SQR at 0.1 instead, which does not preserve it.

        **The code.** `SANIAOptimizer` evaluates the closure once, computes Hutchinson's product when that \#
        preconditioner is used (two more evaluations), runs each tensor's gradient through its \#
        preconditioner transformation (method-kit `PerTensorState`, one SIMD16 pass), and scales the \#
        step by $\lambda$.
        """#
    }

    public var excerpts: [String] { ["sania-preconditioners", "sania-step"] }

    public var deviations: String {
        #"""
        - **Data.** The paper's convex experiments use LIBSVM-style sets and the catalog suggests breast \#
        cancer and wine; the harness ships neither, so the convex task is softmax regression 64→10 on the \#
        8x8 digits (standardised, 60/20/20 split), from zero weights (so that the scaled and unscaled \#
        problems start at the same point in function space), 10 epochs at batch 32. The badly scaled copy \#
        multiplies standardised feature $j$ by $10^{u_j}$, $u_j\sim U[-3,3]$, in every split.
        - **Non-convex.** The standard digits MLP (64-128-128-10, ReLU) instead of the paper's networks; \#
        judged on test loss, since its training loss reaches the noise floor.
        - **Baselines.** SGD and Adam tuned on one decade grid by the judged metric; SPS is SANIA with \#
        $B_t=I$ and the same step rule (the Polyak step with $c=1$, capped at 1 by the quadratic model), \#
        untuned. AdaHessian is not run.
        - **The update rule** is reconstructed from a public implementation, not named by the catalog; \#
        Hutchinson's β = 0.999, floor α = 1e-8 and 10 warm-up samples follow the authors' PSPS paper; its \#
        Rademacher vectors come from one fixed stream (the optimizer factory receives no seed), and its \#
        Hessian-vector products are central differences with h = 1e-3, which are not exactly scale \#
        invariant: Hutchinson is shown on the scaled features but not judged there.
        - **f* = 0** is assumed for every mini-batch (interpolation), as in the paper's experiments.
        - **Added after the first full run (shown, not judged):** the two "floor 0.1" arms, AdaGrad-SQR and \#
        Adam-SQR with $B_t=\max(0.1,\cdot)$ as in the reference torch classes, after the judged ε ≈ 0 arms \#
        ended above their initial loss. No claim or rule reads them.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The preconditioners: g ↦ B_t⁻¹g as method-kit transformations

// excerpt: sania-preconditioners
/// AdaGrad-SQR: `B = max(floor, Σ g² + ε)` (no square root), `u ← g / B`. State: the sum, one
/// tensor. `floor` 0 keeps the scale invariance; the reference torch class floors at 0.1.
public final class ScaleByAdaGradSQR: GradientTransformation {
    public let eps: Float, floor: Float
    public let state = PerTensorState(slots: 1)
    public init(eps: Float = 1e-30, floor: Float = 0) { (self.eps, self.floor) = (eps, floor) }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let eps = self.eps, floor = SIMD16<Float>(repeating: self.floor)
        state.update(&u, index: index) { g, sum in
            sum = sum + g * g
            g = g / pointwiseMax(floor, sum + eps)
        }
    }
    public var stateBytes: Int { state.bytes }
}

/// Adam-SQR: `v ← β₂v + (1−β₂)g²`, `B = max(floor, v/(1−β₂ᵗ) + ε)` (no square root, no first
/// moment), `u ← g / B`. State: v.
public final class ScaleByAdamSQR: GradientTransformation {
    public let beta2: Double, eps: Float, floor: Float
    public let state = PerTensorState(slots: 1)
    public init(beta2: Double = 0.999, eps: Float = 1e-30, floor: Float = 0) { (self.beta2, self.eps, self.floor) = (beta2, eps, floor) }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let keep = Float(1 - beta2), eps = self.eps, correction = BiasCorrection.inverse(beta2, step: step)
        let floor = SIMD16<Float>(repeating: self.floor)
        state.update(&u, index: index) { g, v in
            v = v + keep * (g * g - v)
            g = g / pointwiseMax(floor, v * correction + eps)
        }
    }
    public var stateBytes: Int { state.bytes }
}

/// Hutchinson: `B = max(α, |D|)`, `u ← g / B`, with `D` the running Hessian-diagonal estimate that
/// ``SANIAOptimizer`` feeds through ``observe(_:index:warmup:)`` before each update. State: `D`.
public final class ScaleByHutchinson: GradientTransformation {
    public let beta: Double, floor: Float
    public let state = PerTensorState(slots: 1)
    public init(beta: Double = 0.999, floor: Float = 1e-8) { (self.beta, self.floor) = (beta, floor) }

    /// `D ← βD + (1−β)·zHz` (elementwise `z ⊙ Hz`), or `D ← zHz` for the warm-up average.
    public func observe(_ zHz: Tensor<Float>, index: Int, warmup: Bool) {
        var sample = zHz
        let keep = warmup ? 1 : Float(1 - beta)
        state.update(&sample, index: index) { x, d in d = d + keep * (x - d) }
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let floor = SIMD16<Float>(repeating: self.floor)
        state.update(&u, index: index) { g, d in
            g = g / pointwiseMax(floor, d.replacing(with: -d, where: d .< 0))
        }
    }
    public var stateBytes: Int { state.bytes }
}
// end excerpt

// MARK: - The SANIA step

// excerpt: sania-step
/// SANIA: `w ← w − γ λ B⁻¹g` with `λ` from the mini-batch loss (f* = 0). `preconditioner` is
/// empty for SPS (B = I), else one of the transformations above.
public final class SANIAOptimizer: Optimizer {
    /// How λ follows from f and q = ‖g‖²_{B⁻¹}.
    public enum StepRule: Sendable {
        /// The quadratic model of the reference implementation: `1 − √(1 − 2f/q)`, or 1 when `2f > q`.
        case quadratic
        /// The linear model, the preconditioned Polyak step `f/q`.
        case linear
    }
    public let parameters: [Parameter]
    public let preconditioner: [GradientTransformation]
    public let rule: StepRule
    /// γ, the implementation's `lr` (1 in the paper's use).
    public var scale: Float
    /// Hutchinson's central-difference step and warm-up samples.
    public let hessianStep: Float, warmupSamples: Int
    private var rademacher: SeededRandom
    public private(set) var stepCount = 0
    /// The last step's λ (diagnostics and tests).
    public private(set) var lastLambda = Double.nan

    public init(_ parameters: [Parameter], preconditioner: [GradientTransformation], rule: StepRule = .quadratic, scale: Float = 1,
                hessianStep: Float = 1e-3, warmupSamples: Int = 10, rademacher: SeededRandom = SeededRandom(seed: 0, path: ["SANIA", "Hutchinson"])) {
        (self.parameters, self.preconditioner, self.rule, self.scale) = (parameters, preconditioner, rule, scale)
        (self.hessianStep, self.warmupSamples, self.rademacher) = (hessianStep, warmupSamples, rademacher)
    }

    public var stateBytes: Int { preconditioner.reduce(0) { $0 + $1.stateBytes } }

    /// λ for the mini-batch loss `f` and `q = ‖g‖²_{B⁻¹}` (0 when q = 0: no direction).
    public static func lambda(loss f: Double, q: Double, rule: StepRule) -> Double {
        guard q > 0, f > 0 else { return 0 }
        switch rule {
        case .linear: return f / q
        case .quadratic: return 2 * f <= q ? 1 - (1 - 2 * f / q).squareRoot() : 1
        }
    }

    /// Without a closure there is no loss value, hence no Polyak step.
    public func applyGradients() { preconditionFailure("SANIA needs the loss value: call step(_:)") }

    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        let loss = lossAndGradient()
        stepCount += 1
        let gradients = parameters.map(\.grad)
        if let hutchinson = preconditioner.first(where: { $0 is ScaleByHutchinson }) as? ScaleByHutchinson {
            let samples = stepCount == 1 ? warmupSamples : 1
            var mean = parameters.map { Tensor<Float>.zeros($0.value.shape) }
            for _ in 0..<samples {
                let z = parameters.map { p in Tensor<Float>(shape: p.value.shape, data: (0..<p.value.count).map { _ in rademacher.next() & 1 == 0 ? 1 : -1 }) }
                let hz = Hessian.vectorProduct(parameters, z, h: hessianStep, lossAndGradient: lossAndGradient)
                for k in mean.indices {
                    var zHz = hz[k]
                    zHz.data.withUnsafeMutableBufferPointer { x in z[k].data.withUnsafeBufferPointer { zz in for i in 0..<x.count { x[i] *= zz[i] } } }
                    mean[k].add(zHz, scaledBy: 1 / Float(samples))
                }
            }
            for k in mean.indices { hutchinson.observe(mean[k], index: k, warmup: stepCount == 1) }
            for (k, p) in parameters.enumerated() { p.grad = gradients[k] }
        }
        var directions = gradients
        var q = 0.0
        for k in directions.indices {
            for t in preconditioner { t.update(&directions[k], parameter: parameters[k].value, index: k, step: stepCount) }
            q += Double(directions[k].dot(gradients[k]))
        }
        let lambda = Self.lambda(loss: Double(loss), q: q, rule: rule)
        lastLambda = lambda
        for (k, p) in parameters.enumerated() where lambda > 0 { p.value.add(directions[k], scaledBy: -scale * Float(lambda)) }
        return loss
    }
}
// end excerpt

// MARK: - Arms, trace and the league

extension SANIAPaper {
    static func arm(_ name: String, _ preconditioner: @escaping @Sendable () -> [GradientTransformation]) -> OptimizerArm {
        OptimizerArm(name, grid: [Hyperparameters(["lr": 1])], extendable: []) { p, h in
            SANIAOptimizer(p, preconditioner: preconditioner(), scale: Float(h.learningRate))
        }
    }
    static let sanias = ["SANIA AdaGrad-SQR", "SANIA Adam-SQR", "SANIA Hutchinson"]
    static let floored = ["SANIA AdaGrad-SQR (floor 0.1)", "SANIA Adam-SQR (floor 0.1)"]
    static let arms: [OptimizerArm] = [
        OptimizerArm("SGD") { p, h in ChainedOptimizer.sgd(p, learningRate: .constant(Float(h.learningRate))) },
        OptimizerArm("Adam") { p, h in ChainedOptimizer.adam(p, learningRate: .constant(Float(h.learningRate))) },
        arm("SPS") { [] },
        arm("SANIA AdaGrad-SQR") { [ScaleByAdaGradSQR()] },
        arm("SANIA Adam-SQR") { [ScaleByAdamSQR()] },
        arm("SANIA Hutchinson") { [ScaleByHutchinson()] },
        // Shown, not judged (added after the first full run, see the deviations): the reference
        // torch classes' floor B ≥ 0.1, which tames coordinates with tiny gradients but is not invariant.
        arm("SANIA AdaGrad-SQR (floor 0.1)") { [ScaleByAdaGradSQR(floor: 0.1)] },
        arm("SANIA Adam-SQR (floor 0.1)") { [ScaleByAdamSQR(floor: 0.1)] },
    ]

    /// `sania_adagrad_sqr` and `sania_adam_sqr` with the reference torch classes' keywords and
    /// defaults (`lr` 1, `eps` 0.1 as a floor on B, `betas`); `is_sqrt` must be false (the
    /// square-root variants are not SANIA's).
    public var traceOptimizers: [String: TraceOptimizerFactory] {
        func noSqrt(_ h: TraceHyperparameters) throws {
            guard try h.number("weight_decay", default: 0) == 0 else {
                throw TraceError.invalidHyperparameter("weight_decay", optimizer: h.optimizer, expected: "0 (SANIA has no weight decay)")
            }
            if try h.bool("is_sqrt", default: false) {
                throw TraceError.invalidHyperparameter("is_sqrt", optimizer: h.optimizer, expected: "false (SANIA drops the square root)")
            }
        }
        return [
            "sania_adagrad_sqr": { h, params in
                try noSqrt(h)
                try h.accept(["lr", "is_sqrt", "eps", "weight_decay"])
                return SANIAOptimizer(params, preconditioner: [ScaleByAdaGradSQR(eps: 0, floor: try h.float("eps", default: 0.1))], scale: try h.float("lr", default: 1))
            },
            "sania_adam_sqr": { h, params in
                try noSqrt(h)
                try h.accept(["lr", "is_sqrt", "betas", "eps", "weight_decay"])
                let (_, b2) = try h.pair("betas", default: (0.9, 0.999))
                return SANIAOptimizer(params, preconditioner: [ScaleByAdamSQR(beta2: b2, eps: 0, floor: try h.float("eps", default: 0.1))], scale: try h.float("lr", default: 1))
            },
        ]
    }
    // No `leagueOptimizers`: the league's interface gives the loss value, but SANIA needs f* too, and
    // f* = 0 is wrong on the league's Markov-source transformer (its best loss is the source's
    // entropy rate, about 2 nats), where the Polyak step would keep overshooting.
}

// MARK: - Settings

extension SANIAPaper {
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int
        var epochs: Int
        /// The digits splits (tests substitute tiny data) and the MLP task.
        var data: (RunContext) throws -> DataSplits = { try StandardTasks.digits($0) }
        var mlp: (RunContext) throws -> StandardTask = { try StandardTasks.mlpDigits($0) }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [1e-2, 1e-1, 1], full: [1e-4, 1e-3, 1e-2, 1e-1, 1])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 8)
            epochs = context.pick(quick: 2, full: 10)
        }
    }
}

// MARK: - The experiment

extension SANIAPaper {
    /// Standardised features with feature j multiplied by 10^{u_j}, u_j ~ U[−3, 3] (same factors in every split).
    static func badlyScaled(_ data: DataSplits, rng: inout SeededRandom) -> (DataSplits, [Float]) {
        let factors = (0..<data.train.featureCount).map { _ in Float(pow(10, rng.uniform(-3, 3))) }
        func scale(_ d: Dataset) -> Dataset {
            var out = d
            let n = d.featureCount
            for i in 0..<out.features.count { out.features.data[i] *= factors[i % n] }
            return out
        }
        return (DataSplits(train: scale(data.train), validation: scale(data.validation), test: scale(data.test)), factors)
    }

    /// Softmax regression from zero weights; both copies of the data share the initial point and the
    /// batch order at each repetition (the stream `(logreg, common, phase, rep)`), so the scaled run is
    /// the unscaled one seen through the rescaling.
    static func logisticTask(_ context: RunContext, key: String, label: String, data: DataSplits, epochs: Int) -> StandardTask {
        let inner = StandardTasks.classification(key: key, label: label, data: data, model: "softmax regression 64→10 (its initial weights then set to zero)",
                                                 epochs: epochs) { rng in
            let model = MLP(sizes: [data.train.featureCount, data.train.classCount], rng: rng)
            for p in model.parameters { p.value = .zeros(p.value.shape) }
            return model
        }
        var task = inner
        task.train = { trial, make in
            var shared = trial
            shared.commonRNG = context.rng("logreg", "common", trial.phase.rawValue, "rep \(trial.repetition)")
            return inner.train(shared, make)
        }
        return task
    }

    /// Adds `log test loss` (evaluation) and `log validation loss` (selection) to a task's records.
    static func withLogLosses(_ task: StandardTask) -> StandardTask {
        var logged = task
        logged.train = { trial, make in
            var record = task.train(trial, make)
            for name in ["test loss", "validation loss"] {
                if let v = record.metric(name) { record.record("log " + name, v.isFinite && v > 0 ? log(v) : .nan) }
            }
            return record
        }
        return logged
    }

    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var setup = [ReportBlock](), results = [ReportBlock]()
        let data = try settings.data(context)
        var scalingRNG = context.rng("scaling")
        let (scaledData, factors) = Self.badlyScaled(data, rng: &scalingRNG)
        let original = Self.logisticTask(context, key: "logreg", label: "softmax regression (digits, original features)", data: data, epochs: settings.epochs)
        let scaled = Self.logisticTask(context, key: "logreg_scaled", label: "softmax regression (digits, badly scaled features)", data: scaledData, epochs: settings.epochs)
        let mlp = Self.withLogLosses(try settings.mlp(context))

        func compare(_ claim: String, _ task: StandardTask, judged: String, selection: SelectionRule, plan: String) throws -> TaskComparison {
            let comparison = Comparison(context: context, claim: claim, arms: Self.arms, learningRates: settings.learningRates, selection: selection,
                                        selectionSeeds: settings.selectionSeeds, evaluationSeeds: settings.evaluationSeeds, seedCap: settings.seedCap,
                                        power: [PowerPlan(method: "SANIA Adam-SQR", baseline: "Adam", metric: plan, minimalEffect: Self.margin)])
            if setup.isEmpty { setup.append(.text(comparison.setupText([task]) + " SPS and the SANIA arms are untuned (γ = 1).")) }
            else { setup.append(.text(task.setup)) }
            return try comparison.run([task])[0]
        }
        let training = SelectionRule.lowest("log final training loss")
        let onOriginal = try compare("c1", original, judged: "log final training loss", selection: training, plan: "log final training loss")
        let onScaled = try compare("c2", scaled, judged: "log final training loss", selection: training, plan: "log final training loss")
        let onMLP = try compare("c1c", mlp, judged: "log test loss", selection: .lowest("log validation loss"), plan: "log validation loss")
        setup.append(.text("**Badly scaled features.** Standardised feature $j$ times $10^{u_j}$, $u_j\\sim U[-3,3]$ from the stream (seed, sania, scaling): factors from \(Format.compact(Double(factors.min() ?? 0), 2)) to \(Format.compact(Double(factors.max() ?? 0), 2))."))

        // c1a, c1b, c3: untuned SANIA against the best tuned baseline (chosen on selection scores).
        let bestOriginal = onOriginal.bestBySelection(Self.baselines), bestMLP = onMLP.bestBySelection(Self.baselines)
        for (id, arm) in [("c1a", "SANIA AdaGrad-SQR"), ("c1b", "SANIA Adam-SQR"), ("c3", "SANIA Hutchinson")] {
            onOriginal.result.recordDifference("\(id).logreg.\(Self.key(arm))_minus_best", method: arm, baseline: bestOriginal,
                                               metric: "log final training loss", tolerance: 0.02, into: &evidence)
        }
        onMLP.result.recordDifference("c1c.mlp.sania_adam_sqr_minus_best", method: "SANIA Adam-SQR", baseline: bestMLP,
                                      metric: "log test loss", tolerance: 0.02, into: &evidence)

        // c2: per repetition, log(scaled / original) final training loss of the same arm.
        var ratioRows = [[String]]()
        var ratios = [String: Summary]()
        for arm in Self.arms.map(\.name) {
            let a = onScaled.result[arm].values("log final training loss"), b = onOriginal.result[arm].values("log final training loss")
            let n = min(a.count, b.count)
            let s = Statistics.pairedDifferences(Array(a.prefix(n)), Array(b.prefix(n)))
            ratios[arm] = s
            ratioRows.append([arm, onOriginal.result[arm].chosen.description, onScaled.result[arm].chosen.description,
                              Format.compact(exp(Statistics.mean(Array(b.prefix(n))))), Format.compact(exp(Statistics.mean(Array(a.prefix(n))))), s.formatted])
        }
        for (id, arm) in [("c2a", "SANIA AdaGrad-SQR"), ("c2b", "SANIA Adam-SQR")] {
            evidence.record(interval: "\(id).log_ratio.\(Self.key(arm))", ratios[arm]!, tolerance: 0.02)
            evidence.record("\(id).premise.sgd_mean_log_ratio", ratios["SGD"]!.mean, absoluteTolerance: 0.02, relativeTolerance: 0)
            evidence.record("\(id).premise.sps_mean_log_ratio", ratios["SPS"]!.mean, absoluteTolerance: 0.02, relativeTolerance: 0)
        }

        results.append(.text("### c1, c3: untuned SANIA against tuned SGD and Adam (original features)"))
        results.append(contentsOf: onOriginal.blocks(judged: "log final training loss", metrics: ["final training loss", "test loss", "test accuracy"],
                                                     pairs: (Self.sanias + Self.floored).map { ($0, bestOriginal) }, figure: "c1-logreg"))
        let flooredText = Self.floored.map { arm -> String in
            let d = onOriginal.result[arm].pairedDifference("log final training loss", versus: onOriginal.result[bestOriginal])
            return "\(arm): log final training loss − \(bestOriginal) \(d.formatted), scaled/original log ratio \(ratios[arm]!.formatted)"
        }.joined(separator: "; ")
        results.append(.text("**The reference floor (shown, not judged).** \(flooredText)."))
        results.append(.text("Best tuned baseline by selection score: **\(bestOriginal)** (softmax regression), **\(bestMLP)** (MLP), chosen before the evaluation runs."))
        results.append(.text("### c2: the same runs on badly scaled features"))
        results.append(contentsOf: onScaled.blocks(judged: "log final training loss", metrics: ["final training loss", "test loss", "test accuracy"],
                                                   pairs: [], figure: "c2-logreg-scaled"))
        results.append(.table(Table(
            caption: "c2: final training loss on original and badly scaled features, same zero start and batch order per seed; the last column is the paired log(scaled / original). SGD and Adam are tuned on each copy separately; Hutchinson is shown, not judged (its finite-difference Hessian products are not exactly invariant).",
            headers: ["arm", "chosen (original)", "chosen (scaled)", "geometric mean loss, original", "scaled", "log ratio, mean ± 95% CI"], rows: ratioRows)))
        results.append(.text("### c1c: the digits MLP"))
        results.append(contentsOf: onMLP.blocks(judged: "log test loss", metrics: ["test loss", "test accuracy", "final training loss"],
                                                pairs: (Self.sanias + Self.floored).map { ($0, bestMLP) }, figure: "c1c-mlp"))
        var costRows = [[String]]()
        for (task, result) in [("softmax regression", onOriginal), ("MLP", onMLP)] {
            for arm in Self.arms.map(\.name) {
                let cost = result.result[arm].meanCost
                evidence.record(cost: "cost.\(result.task.key).\(Self.key(arm))", cost)
                costRows.append([task, arm, "\(cost.gradientEvaluations)"])
            }
        }
        results.append(.table(Table(caption: "Counted gradient evaluations of one evaluation run (Hutchinson: two more per step, twenty more at the first step).",
                                    headers: ["task", "arm", "gradient evaluations"], rows: costRows)))
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
