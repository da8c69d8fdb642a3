import Foundation

// # Sharpness-Aware Minimization around any optimizer
//
// SAM (Foret, Kleiner, Mobahi, Neyshabur 2021) minimises the worst loss in a ball of radius ρ
// around the weights instead of the loss itself. Its step evaluates the gradient twice: once at
// w to find the first-order worst-case perturbation ε̂ = ρ g/‖g‖, once at w + ε̂; the base
// optimizer then applies that second gradient at w. Because ``Optimizer/step(_:)`` receives a
// closure that evaluates the loss and gradient, SAM is a wrapper around any optimizer, not a new
// training loop. ASAM (Kwon et al. 2021) is the variant that measures the ball in coordinates
// scaled by |w|. Papers that build on SAM (GAM, SAM on class-imbalanced data, ...) wrap it or
// its base the same way.

// excerpt: sam-step
/// Sharpness-Aware Minimization around any base optimizer (Foret et al. 2021), with the adaptive
/// variant ASAM (Kwon et al. 2021) as pytorch-optimizer implements it.
///
/// One ``step(_:)``:
/// 1. evaluates the loss and gradient $g$ at the current weights $w$;
/// 2. moves to $w + \hat\epsilon$, with $\hat\epsilon = \rho\, g / (\|g\| + 10^{-12})$ (the norm taken over
///    *all* parameters together), or for ASAM
///    $\hat\epsilon = \rho\, T_w^2 g / (\|T_w g\| + 10^{-12})$ with $T_w = |w|$ elementwise;
/// 3. evaluates the gradient again there, the *sharpness-aware* gradient;
/// 4. puts the weights back to $w$ exactly (from a saved copy) and lets the base optimizer step
///    with the second gradient.
///
/// The returned loss is the one at $w$ (step 1), as for any optimizer.
public final class SAM: Optimizer {
    /// The optimizer that takes the actual step (its state, schedule and weight decay apply at $w$).
    public let base: any Optimizer
    /// The radius $\rho$ of the neighbourhood.
    public var rho: Float
    /// ASAM: scale the perturbation elementwise by $|w|$ (scale-invariant sharpness).
    public let adaptive: Bool
    /// Added to the norm before dividing (pytorch-optimizer's `perturb_eps`); keeps a zero
    /// gradient from producing NaN. The official JAX code divides by the bare norm.
    public let perturbationEpsilon: Float
    /// The weights at the start of the step, restored after the second gradient. Allocated on
    /// the first step with the parameters' shapes and reused.
    private var savedWeights: [Tensor<Float>] = []

    /// Wraps `base`, which must own the parameters SAM perturbs.
    public init(base: any Optimizer, rho: Float = 0.05, adaptive: Bool = false, perturbationEpsilon: Float = 1e-12) {
        precondition(rho >= 0, "SAM needs rho >= 0, got \(rho)")
        self.base = base
        self.rho = rho
        self.adaptive = adaptive
        self.perturbationEpsilon = perturbationEpsilon
    }

    public var parameters: [Parameter] { base.parameters }

    /// The base optimizer's state plus the saved copy of the weights (one Float per parameter
    /// entry once the first step has run); pytorch-optimizer holds the same copy (`old_p`)
    /// during each step.
    public var stateBytes: Int { base.stateBytes + savedWeights.reduce(0) { $0 + $1.count * 4 } }

    /// A base-optimizer step with the gradients already stored (the second half of ``step(_:)``).
    public func applyGradients() { base.applyGradients() }

    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        let loss = lossAndGradient()
        let params = base.parameters
        if savedWeights.count != params.count { savedWeights = params.map(\.value) }
        // ‖g‖ (or ‖T_w g‖): per tensor in Double, then across tensors, as a global norm.
        var squaredNorm = 0.0
        for p in params {
            squaredNorm += p.grad.data.withUnsafeBufferPointer { g in
                p.value.data.withUnsafeBufferPointer { w in
                    var s = 0.0
                    if adaptive {
                        for i in 0..<g.count { let t = Double(abs(w[i]) * g[i]); s += t * t }
                    } else {
                        for i in 0..<g.count { let t = Double(g[i]); s += t * t }
                    }
                    return s
                }
            }
        }
        let scale = rho / (Float(squaredNorm.squareRoot()) + perturbationEpsilon)
        // w ← w + ε̂, keeping w.
        for (k, p) in params.enumerated() {
            savedWeights[k].data.withUnsafeMutableBufferPointer { saved in
                p.grad.data.withUnsafeBufferPointer { g in
                    p.value.data.withUnsafeMutableBufferPointer { w in
                        for i in 0..<w.count { saved[i] = w[i] }
                        if adaptive {
                            for i in 0..<w.count { w[i] += (w[i] * w[i]) * g[i] * scale }
                        } else {
                            for i in 0..<w.count { w[i] += g[i] * scale }
                        }
                    }
                }
            }
        }
        _ = lossAndGradient()
        for (k, p) in params.enumerated() {
            p.value.data.withUnsafeMutableBufferPointer { w in
                savedWeights[k].data.withUnsafeBufferPointer { saved in
                    for i in 0..<w.count { w[i] = saved[i] }
                }
            }
        }
        base.applyGradients()
        return loss
    }
}
// end excerpt

// ## `reproduce trace`

extension SAM {
    /// The hyperparameters SAM itself takes; every other key goes to the base optimizer.
    public static let ownTraceKeys = ["base_optimizer", "rho", "adaptive", "perturb_eps"]

    /// `"sam"` for `reproduce trace`: pytorch-optimizer's `SAM(params, base_optimizer, rho=0.05,
    /// adaptive=False, perturb_eps=1e-12, **base_kwargs)`. `base_optimizer` names a harness
    /// baseline (`"sgd"` by default; the golden files use torch's SGD); the remaining keys are
    /// the base's, with its defaults.
    public static let traceFactory: TraceOptimizerFactory = { h, params in
        let baseName = try h.text("base_optimizer", default: "sgd")
        guard let baseFactory = baselineTraceOptimizers[baseName] else {
            throw TraceError.invalidHyperparameter("base_optimizer", optimizer: h.optimizer,
                                                   expected: "one of \(baselineTraceOptimizers.keys.sorted().joined(separator: ", "))")
        }
        let rho = try h.float("rho", default: 0.05)
        guard rho >= 0 else { throw TraceError.invalidHyperparameter("rho", optimizer: h.optimizer, expected: "a number >= 0") }
        let eps = try h.float("perturb_eps", default: 1e-12)
        guard eps >= 0 else { throw TraceError.invalidHyperparameter("perturb_eps", optimizer: h.optimizer, expected: "a number >= 0") }
        let adaptive = try h.bool("adaptive", default: false)
        let baseValues = h.values.filter { !ownTraceKeys.contains($0.key) }
        let base: any Optimizer
        do {
            base = try baseFactory(TraceHyperparameters(optimizer: h.optimizer, values: baseValues), params)
        } catch TraceError.unknownHyperparameter(let key, _, let accepted) {
            throw TraceError.unknownHyperparameter(key, optimizer: h.optimizer, accepted: accepted + ownTraceKeys)
        }
        return SAM(base: base, rho: rho, adaptive: adaptive, perturbationEpsilon: eps)
    }
}
