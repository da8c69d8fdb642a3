// # The baselines: SGD, AdaGrad, RMSProp, Adam, AdamW
//
// Each baseline is a chain of the transformations in `Transforms.swift`, with torch.optim's
// hyperparameter names and defaults. The builders return fresh transformation instances, so
// they also serve parameter groups (LoRA+: one Adam chain for A, another for B).

/// Chain builders for the baseline optimizers (torch.optim semantics and defaults).
public enum Chains {
    /// torch.optim.SGD: `[L2 decay] → [momentum]`.
    public static func sgd(momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false,
                           weightDecay: Float = 0) -> [GradientTransformation] {
        var chain: [GradientTransformation] = []
        if weightDecay != 0 { chain.append(AddDecayedWeights(weightDecay)) }
        if momentum != 0 { chain.append(TraceMomentum(momentum: momentum, dampening: dampening, nesterov: nesterov)) }
        return chain
    }

    /// torch.optim.Adagrad: `[L2 decay] → sum-of-squares scaling`.
    /// (Its `lr_decay` is a learning-rate schedule: see ``LearningRate/adagrad(_:decay:)``.)
    public static func adagrad(eps: Float = 1e-10, initialAccumulatorValue: Float = 0,
                               weightDecay: Float = 0) -> [GradientTransformation] {
        var chain: [GradientTransformation] = []
        if weightDecay != 0 { chain.append(AddDecayedWeights(weightDecay)) }
        chain.append(ScaleByAdaGrad(eps: eps, initialAccumulatorValue: initialAccumulatorValue))
        return chain
    }

    /// torch.optim.RMSprop: `[L2 decay] → RMS scaling → [momentum without dampening]`.
    public static func rmsprop(alpha: Double = 0.99, eps: Float = 1e-8, weightDecay: Float = 0,
                               momentum: Float = 0, centered: Bool = false) -> [GradientTransformation] {
        var chain: [GradientTransformation] = []
        if weightDecay != 0 { chain.append(AddDecayedWeights(weightDecay)) }
        chain.append(ScaleByRMSProp(alpha: alpha, eps: eps, centered: centered))
        if momentum > 0 { chain.append(TraceMomentum(momentum: momentum)) }
        return chain
    }

    /// torch.optim.Adam: `[L2 decay] → Adam scaling` (decay enters the moments).
    public static func adam(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8,
                            weightDecay: Float = 0, amsgrad: Bool = false) -> [GradientTransformation] {
        var chain: [GradientTransformation] = []
        if weightDecay != 0 { chain.append(AddDecayedWeights(weightDecay)) }
        chain.append(ScaleByAdam(beta1: beta1, beta2: beta2, eps: eps, amsgrad: amsgrad))
        return chain
    }

    /// torch.optim.AdamW: `Adam scaling → decoupled decay` (decay bypasses the moments).
    public static func adamW(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8,
                             weightDecay: Float = 0.01, amsgrad: Bool = false) -> [GradientTransformation] {
        var chain: [GradientTransformation] = [ScaleByAdam(beta1: beta1, beta2: beta2, eps: eps, amsgrad: amsgrad)]
        if weightDecay != 0 { chain.append(AddDecayedWeights(weightDecay)) }
        return chain
    }
}

extension LearningRate {
    /// torch's AdaGrad step size `lr / (1 + (t − 1) · lr_decay)`, computed in Double as torch does.
    public static func adagrad(_ rate: Double, decay: Double) -> LearningRate {
        if decay == 0 { return .constant(Float(rate)) }
        return .schedule { step in Float(rate / (1 + Double(step - 1) * decay)) }
    }
}

extension ChainedOptimizer {
    /// SGD with torch.optim.SGD semantics (one group).
    public static func sgd(_ parameters: [Parameter], learningRate: LearningRate, momentum: Float = 0,
                           dampening: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) -> ChainedOptimizer {
        ChainedOptimizer(parameters, transforms: Chains.sgd(momentum: momentum, dampening: dampening, nesterov: nesterov,
                                                           weightDecay: weightDecay), learningRate: learningRate)
    }

    /// AdaGrad with torch.optim.Adagrad semantics (one group).
    public static func adagrad(_ parameters: [Parameter], learningRate: Double = 1e-2, learningRateDecay: Double = 0,
                               eps: Float = 1e-10, initialAccumulatorValue: Float = 0, weightDecay: Float = 0) -> ChainedOptimizer {
        ChainedOptimizer(parameters, transforms: Chains.adagrad(eps: eps, initialAccumulatorValue: initialAccumulatorValue,
                                                               weightDecay: weightDecay),
                         learningRate: .adagrad(learningRate, decay: learningRateDecay))
    }

    /// RMSProp with torch.optim.RMSprop semantics (one group).
    public static func rmsprop(_ parameters: [Parameter], learningRate: LearningRate = 1e-2, alpha: Double = 0.99,
                               eps: Float = 1e-8, weightDecay: Float = 0, momentum: Float = 0, centered: Bool = false) -> ChainedOptimizer {
        ChainedOptimizer(parameters, transforms: Chains.rmsprop(alpha: alpha, eps: eps, weightDecay: weightDecay,
                                                               momentum: momentum, centered: centered),
                         learningRate: learningRate)
    }

    /// Adam with torch.optim.Adam semantics (one group).
    public static func adam(_ parameters: [Parameter], learningRate: LearningRate = 1e-3, beta1: Double = 0.9,
                            beta2: Double = 0.999, eps: Float = 1e-8, weightDecay: Float = 0, amsgrad: Bool = false) -> ChainedOptimizer {
        ChainedOptimizer(parameters, transforms: Chains.adam(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                                            amsgrad: amsgrad), learningRate: learningRate)
    }

    /// AdamW with torch.optim.AdamW semantics (one group).
    public static func adamW(_ parameters: [Parameter], learningRate: LearningRate = 1e-3, beta1: Double = 0.9,
                             beta2: Double = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01, amsgrad: Bool = false) -> ChainedOptimizer {
        ChainedOptimizer(parameters, transforms: Chains.adamW(beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay,
                                                             amsgrad: amsgrad), learningRate: learningRate)
    }
}

// MARK: - Trace factories

/// Builds an optimizer for `reproduce trace` from the problem's hyperparameters (the reference
/// library's keyword names) and the problem's parameters; throws ``TraceError`` on an unknown
/// or ill-typed hyperparameter.
public typealias TraceOptimizerFactory = (_ hyperparameters: TraceHyperparameters, _ parameters: [Parameter]) throws -> any Optimizer

/// The harness baselines by project name, with torch.optim's keywords and defaults (Muon: see
/// ``Muon/traceFactory``; Shampoo and Scalable Shampoo: ``ShampooTrace``).
/// `Papers.traceOptimizers` extends this table with paper-specific optimizers.
public let baselineTraceOptimizers: [String: TraceOptimizerFactory] = [
    "sgd": { h, params in
        try h.accept(["lr", "momentum", "dampening", "weight_decay", "nesterov"])
        let momentum = try h.float("momentum", default: 0), dampening = try h.float("dampening", default: 0)
        let nesterov = try h.bool("nesterov", default: false)
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TraceError.invalidHyperparameter("nesterov", optimizer: h.optimizer,
                                                   expected: "momentum > 0 and dampening = 0 (as torch requires)")
        }
        return ChainedOptimizer.sgd(params, learningRate: .constant(try h.float("lr", default: 1e-3)), momentum: momentum,
                                    dampening: dampening, nesterov: nesterov, weightDecay: try h.float("weight_decay", default: 0))
    },
    "adagrad": { h, params in
        try h.accept(["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"])
        return ChainedOptimizer.adagrad(params, learningRate: try h.number("lr", default: 1e-2),
                                        learningRateDecay: try h.number("lr_decay", default: 0),
                                        eps: try h.float("eps", default: 1e-10),
                                        initialAccumulatorValue: try h.float("initial_accumulator_value", default: 0),
                                        weightDecay: try h.float("weight_decay", default: 0))
    },
    "rmsprop": { h, params in
        try h.accept(["lr", "alpha", "eps", "weight_decay", "momentum", "centered"])
        return ChainedOptimizer.rmsprop(params, learningRate: .constant(try h.float("lr", default: 1e-2)),
                                        alpha: try h.number("alpha", default: 0.99), eps: try h.float("eps", default: 1e-8),
                                        weightDecay: try h.float("weight_decay", default: 0),
                                        momentum: try h.float("momentum", default: 0), centered: try h.bool("centered", default: false))
    },
    "adam": { h, params in
        try h.accept(["lr", "betas", "eps", "weight_decay", "amsgrad", "decoupled_weight_decay"])
        let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
        let decoupled = try h.bool("decoupled_weight_decay", default: false)
        let chain = decoupled
            ? Chains.adamW(beta1: b1, beta2: b2, eps: try h.float("eps", default: 1e-8),
                           weightDecay: try h.float("weight_decay", default: 0), amsgrad: try h.bool("amsgrad", default: false))
            : Chains.adam(beta1: b1, beta2: b2, eps: try h.float("eps", default: 1e-8),
                          weightDecay: try h.float("weight_decay", default: 0), amsgrad: try h.bool("amsgrad", default: false))
        return ChainedOptimizer(params, transforms: chain, learningRate: .constant(try h.float("lr", default: 1e-3)))
    },
    "adamw": { h, params in
        try h.accept(["lr", "betas", "eps", "weight_decay", "amsgrad"])
        let (b1, b2) = try h.pair("betas", default: (0.9, 0.999))
        return ChainedOptimizer.adamW(params, learningRate: .constant(try h.float("lr", default: 1e-3)), beta1: b1, beta2: b2,
                                      eps: try h.float("eps", default: 1e-8), weightDecay: try h.float("weight_decay", default: 0.01),
                                      amsgrad: try h.bool("amsgrad", default: false))
    },
    "muon": Muon.traceFactory,
    "shampoo": ShampooTrace.shampoo,
    "scalable-shampoo": ShampooTrace.scalableShampoo,
    "sophia": Sophia.traceFactory,
]
