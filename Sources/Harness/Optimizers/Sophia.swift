import Foundation

// # Sophia: clipped second-order steps from a diagonal Hessian estimate
//
// Sophia (Liu et al. 2023, "Sophia: A Scalable Stochastic Second-order Optimizer for Language
// Model Pre-training") divides an EMA of gradients by an EMA of a diagonal Hessian estimate and
// clips the ratio elementwise, so a coordinate with tiny or negative curvature moves at most a
// fixed amount instead of blowing up:
//
//     m ← β₁ m + (1 − β₁) g                      every step
//     h̄ ← β₂ h̄ + (1 − β₂) ĥ                      every k-th step (ĥ: a fresh diagonal estimate)
//     p ← p − η · clip(m / max(h̄, ε), −ρ, ρ)
//
// The diagonal ĥ is expensive, so it is refreshed only every k = `update_period` steps (steps
// 0, k, 2k, … counted from zero) and h̄ stays fixed in between. The project's `sophia` follows
// pytorch-optimizer's `SophiaH`, the reference the goldens come from: ρ is its `p`, ε is
// `eps` (a floor on h̄, not an additive term), weight decay is decoupled by default
// (p ← p(1 − η λ) before the step) or L2 with `weight_decouple: false`. The estimate ĥ is
// pluggable (``Sophia/DiagonalEstimator``): Hutchinson's z ⊙ Hz (Sophia-H), the
// Gauss–Newton–Bartlett B·ĝ⊙ĝ (Sophia-G), or an exact diagonal where one is known (the trace
// problems). The Sophia paper's own form, clip(m / max(γ h̄, ε), 1) with step η, is this one
// with h̄ scaled by γ/ρ and η scaled by ρ.

/// Sophia's per-tensor update (pytorch-optimizer's `SophiaH`): `m ← β₁m + (1 − β₁)u`, then
/// `u ← clip(m / max(h̄, ε), −ρ, ρ)`, where the Hessian moment h̄ changes only through
/// ``absorbHessianDiagonal(_:index:)``. State: two tensors per parameter tensor.
public final class ScaleBySophia: GradientTransformation {
    /// β₁, the gradient EMA's decay.
    public let beta1: Double
    /// β₂, the Hessian EMA's decay.
    public let beta2: Double
    /// ε, the floor of the Hessian moment in the denominator.
    public let eps: Float
    /// ρ, the elementwise clip of the preconditioned step (pytorch-optimizer's `p`).
    public let clip: Float
    private let momentum = StateSlots()
    private let hessianMoment = StateSlots()

    /// Creates the transformation with pytorch-optimizer's `SophiaH` defaults.
    public init(beta1: Double = 0.96, beta2: Double = 0.99, eps: Float = 1e-12, clip: Float = 1e-2) {
        precondition(clip >= 0 && eps >= 0)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.clip = clip
    }

    public var stateBytes: Int { momentum.bytes + hessianMoment.bytes }

    /// The gradient EMA m and the Hessian moment h̄ of the tensor at `index`, when allocated.
    public func state(_ index: Int) -> (momentum: Tensor<Float>, hessianMoment: Tensor<Float>)? {
        guard index < momentum.tensors.count, let m = momentum.tensors[index] else { return nil }
        let h = index < hessianMoment.tensors.count ? hessianMoment.tensors[index] : nil
        return (m, h ?? .zeros(m.shape))
    }

    /// Folds a fresh diagonal Hessian estimate of the tensor at `index` into its moment:
    /// `h̄ ← β₂ h̄ + (1 − β₂) ĥ` (h̄ starts at zero).
    public func absorbHessianDiagonal(_ diagonal: Tensor<Float>, index: Int) {
        hessianMoment.ensure(index)
        var h = hessianMoment.tensors[index] ?? .zeros(diagonal.shape)
        hessianMoment.tensors[index] = nil
        precondition(h.shape == diagonal.shape, "the diagonal must have the tensor's shape")
        let b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
        h.data.withUnsafeMutableBufferPointer { hs in
            diagonal.data.withUnsafeBufferPointer { d in
                for i in 0..<hs.count { hs[i] = hs[i] * b2 + oneMinusB2 * d[i] }
            }
        }
        hessianMoment.tensors[index] = h
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        momentum.ensure(index)
        hessianMoment.ensure(index)
        var m = momentum.tensors[index] ?? .zeros(u.shape)
        momentum.tensors[index] = nil
        if hessianMoment.tensors[index] == nil { hessianMoment.tensors[index] = .zeros(u.shape) }
        let b1 = Float(beta1), oneMinusB1 = Float(1 - beta1), floor = eps, rho = clip
        let h = hessianMoment.tensors[index]!
        m.data.withUnsafeMutableBufferPointer { ms in
            u.data.withUnsafeMutableBufferPointer { us in
                h.data.withUnsafeBufferPointer { hs in
                    for i in 0..<us.count {
                        ms[i] = ms[i] * b1 + oneMinusB1 * us[i]
                        us[i] = min(max(ms[i] / max(hs[i], floor), -rho), rho)
                    }
                }
            }
        }
        momentum.tensors[index] = m
    }
}

/// Sophia: a ``ChainedOptimizer`` around ``ScaleBySophia`` that refreshes the Hessian moment
/// from a ``DiagonalEstimator`` at steps 0, k, 2k, … (k = ``updatePeriod``), before evaluating
/// the step's gradient.
public final class Sophia: Optimizer {
    /// A diagonal Hessian estimate at the parameters' current values, one tensor per parameter,
    /// given the parameters and the step's loss-and-gradient closure (which it may call; it may
    /// overwrite the `grad`s, and must leave the values as they were; it must not keep the
    /// closure past its return).
    public typealias DiagonalEstimator = (_ parameters: [Parameter], _ lossAndGradient: @escaping LossAndGradient) -> [Tensor<Float>]

    /// The chain: the Sophia scaling plus weight decay.
    public let chain: ChainedOptimizer
    /// The Sophia transformation inside ``chain``.
    public let scaling: ScaleBySophia
    /// k: the Hessian moment is refreshed when the number of completed steps is a multiple of k.
    public let updatePeriod: Int
    /// Where the diagonal comes from.
    public let estimator: DiagonalEstimator

    /// Sophia with pytorch-optimizer's `SophiaH` defaults (lr 0.06, betas (0.96, 0.99), ρ 0.01,
    /// ε 1e-12, k 10). `decoupledWeightDecay` gives p ← p(1 − ηλ) before the step; otherwise λp
    /// is added to the gradient (L2) before the moments.
    public init(_ parameters: [Parameter], learningRate: LearningRate = 6e-2, beta1: Double = 0.96, beta2: Double = 0.99,
                clip: Float = 1e-2, eps: Float = 1e-12, weightDecay: Float = 0, decoupledWeightDecay: Bool = true,
                updatePeriod: Int = 10, estimator: @escaping DiagonalEstimator) {
        precondition(updatePeriod >= 1, "the update period must be at least 1")
        let scaling = ScaleBySophia(beta1: beta1, beta2: beta2, eps: eps, clip: clip)
        var transforms: [GradientTransformation] = [scaling]
        if weightDecay != 0 {
            // With the step −η(u + λp), decay after the scaling is p(1 − ηλ) − ηu: torch's decoupled form.
            if decoupledWeightDecay { transforms.append(AddDecayedWeights(weightDecay)) }
            else { transforms.insert(AddDecayedWeights(weightDecay), at: 0) }
        }
        self.scaling = scaling
        self.chain = ChainedOptimizer(parameters, transforms: transforms, learningRate: learningRate)
        self.updatePeriod = updatePeriod
        self.estimator = estimator
    }

    public var parameters: [Parameter] { chain.parameters }
    public var stateBytes: Int { chain.stateBytes }

    /// Applies one step with the stored gradients and the Hessian moment as it stands (no refresh).
    public func applyGradients() { chain.applyGradients() }

    /// On refresh steps, folds ``estimator``'s diagonal into the Hessian moment; then evaluates
    /// the loss and gradient and applies the step. Returns the loss at the starting point.
    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        if chain.stepCount % updatePeriod == 0 {
            let parameters = self.parameters, estimator = self.estimator
            let diagonal = withoutActuallyEscaping(lossAndGradient) { estimator(parameters, $0) }
            precondition(diagonal.count == parameters.count, "one diagonal tensor per parameter")
            for (index, d) in diagonal.enumerated() { scaling.absorbHessianDiagonal(d, index: index) }
        }
        let loss = lossAndGradient()
        chain.applyGradients()
        return loss
    }

    // MARK: Estimators

    /// Hutchinson's diagonal (Sophia-H) from `probes` Rademacher probes drawn from `rng` (which
    /// the estimator owns and advances), with Hessian-vector products from `product`, which
    /// builds the product at the current point from the parameters and the step's closure. The
    /// default is ``Hessian/vectorProduct(_:_:h:lossAndGradient:)`` with step `h`.
    public static func hutchinson(probes: Int = 1, rng: SeededRandom, h: Float = 1e-3,
                                  product: ((_ parameters: [Parameter], _ lossAndGradient: @escaping LossAndGradient)
                                      -> HessianVectorProduct)? = nil) -> DiagonalEstimator {
        let stream = RandomBox(rng)
        let makeProduct = product ?? { parameters, lossAndGradient in
            { Hessian.vectorProduct(parameters, $0, h: h, lossAndGradient: lossAndGradient) }
        }
        return { parameters, lossAndGradient in
            HessianEstimators.hutchinsonDiagonal(shapes: parameters.map(\.value.shape), probes: probes, rng: &stream.rng,
                                                 product: makeProduct(parameters, lossAndGradient))
        }
    }

    /// The Gauss–Newton–Bartlett diagonal (Sophia-G) of `model`'s mean cross-entropy on the batch
    /// `input()` returns at the refresh step, labels drawn from `rng` (owned and advanced by the
    /// estimator). The optimizer's parameters must be the model's trainable parameters, in order.
    public static func gaussNewtonBartlett(_ model: any Classifier, input: @escaping () -> Tensor<Float>, samples: Int = 1,
                                           rng: SeededRandom) -> DiagonalEstimator {
        let stream = RandomBox(rng)
        return { parameters, _ in
            precondition(parameters.map(ObjectIdentifier.init) == model.trainableParameters.map(ObjectIdentifier.init),
                         "Sophia-G's parameters must be the model's trainable parameters")
            return model.gaussNewtonBartlettDiagonal(input(), samples: samples, rng: &stream.rng)
        }
    }

    /// A random stream owned by an escaping estimator closure.
    private final class RandomBox {
        var rng: SeededRandom
        init(_ rng: SeededRandom) { self.rng = rng }
    }
}

// MARK: - `reproduce trace`

extension Sophia {
    /// `"sophia"` for `reproduce trace`: pytorch-optimizer's `SophiaH(lr=0.06, betas=(0.96, 0.99),
    /// weight_decay=0, weight_decouple=True, fixed_decay=False, p=0.01, update_period=10, eps=1e-12)`
    /// with the problem's exact Hessian diagonal (``TraceHyperparameters/hessianDiagonal``) in
    /// place of Hutchinson's estimate, as the goldens (`hessian_source: exact`) were recorded.
    public static let traceFactory: TraceOptimizerFactory = { h, params in
        try h.accept(["lr", "betas", "weight_decay", "weight_decouple", "fixed_decay", "p", "eps", "update_period"])
        let lr = try h.float("lr", default: 6e-2)
        let (b1, b2) = try h.pair("betas", default: (0.96, 0.99))
        let weightDecay = try h.float("weight_decay", default: 0)
        let clip = try h.float("p", default: 1e-2)
        guard clip >= 0 else { throw TraceError.invalidHyperparameter("p", optimizer: h.optimizer, expected: "a number >= 0") }
        let period = try h.int("update_period", default: 10)
        guard period >= 1 else {
            throw TraceError.invalidHyperparameter("update_period", optimizer: h.optimizer, expected: "a whole number >= 1")
        }
        let decoupled = try h.bool("weight_decouple", default: true)
        let fixed = try h.bool("fixed_decay", default: false)
        // Fixed decay is p(1 − λ) whatever η: as a term of the step −η(u + λ'p), λ' = λ/η.
        var effectiveDecay = weightDecay
        if decoupled && fixed && weightDecay > 0 {
            guard lr > 0 else {
                throw TraceError.invalidHyperparameter("fixed_decay", optimizer: h.optimizer, expected: "false when lr is 0")
            }
            effectiveDecay = weightDecay / lr
        }
        guard let diagonal = h.hessianDiagonal else {
            throw TraceError.malformed(field: "objective", reason: "optimizer '\(h.optimizer)' needs the problem's exact Hessian diagonal")
        }
        return Sophia(params, learningRate: .constant(lr), beta1: b1, beta2: b2, clip: clip, eps: try h.float("eps", default: 1e-12),
                      weightDecay: effectiveDecay, decoupledWeightDecay: decoupled, updatePeriod: period) { parameters, _ in
            diagonal(parameters)
        }
    }
}
