import Dispatch

// # Optimizers as chains of gradient transformations
//
// Following optax, an optimizer is a *chain* of small per-tensor transformations of the
// gradient, followed by a step of size `-learningRate` along the result:
//
//     u ← g;  u ← T₁(u);  u ← T₂(u); …;  p ← p − η(t) · u
//
// SGD with momentum is `[addDecayedWeights, traceMomentum]`, Adam is `[addDecayedWeights,
// scaleByAdam]` (torch's L2 decay enters the gradient before the moments), AdamW is
// `[scaleByAdam, addDecayedWeights]` (the decay bypasses the moments). A variant is one part
// swapped, which is the point: a paper's file says exactly which part its method changes.
//
// Parameters are split into groups, each with its own chain and learning rate, so LoRA+ can
// give the `B` adapters a larger rate than the `A` adapters, and GaLore can prepend a projection
// to the chain of its matrices only.

/// A per-tensor transformation of an update direction, with its own state (optax style).
///
/// A transformation is applied to every tensor of its ``ParameterGroup`` in turn; `index` is the
/// tensor's position in the group and keys the transformation's per-tensor state. State is
/// allocated on first use, with the shape of the update it receives (which a projecting
/// transformation earlier in the chain may have changed).
public protocol GradientTransformation: AnyObject {
    /// Transforms the update `u` in place.
    ///
    /// - Parameters:
    ///   - u: the update so far (the raw gradient for the first transformation of a chain).
    ///   - parameter: the tensor's current value, before this step.
    ///   - index: the tensor's position in its group.
    ///   - step: the 1-based number of the step being taken.
    func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int)

    /// Bytes of state held: the sum over allocated state tensors of `count * 4`, nothing else
    /// (no step counters, no hyperparameters, no object headers).
    var stateBytes: Int { get }
}

/// A learning rate: a constant, or a schedule of the 1-based step number.
public enum LearningRate {
    /// The same rate at every step.
    case constant(Float)
    /// A rate computed from the 1-based step number (warm-up, decay, torch's AdaGrad `lr_decay`).
    case schedule((Int) -> Float)

    /// The rate in effect at the 1-based `step`.
    @inlinable
    public func callAsFunction(_ step: Int) -> Float {
        switch self {
        case .constant(let rate): return rate
        case .schedule(let rate): return rate(step)
        }
    }
}

extension LearningRate: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Float) { self = .constant(value) }
}

/// Parameters that share one chain of transformations and one learning rate
/// (torch's `param_groups`).
public struct ParameterGroup {
    /// The tensors this group updates, in a fixed order (their index keys the chain's state).
    public var parameters: [Parameter]
    /// The transformations applied to each gradient, first to last. Give every group its own
    /// instances: the state they hold belongs to this group's tensors.
    public var transforms: [GradientTransformation]
    /// The step size along the transformed update.
    public var learningRate: LearningRate

    /// Creates a group.
    public init(_ parameters: [Parameter], transforms: [GradientTransformation], learningRate: LearningRate) {
        self.parameters = parameters
        self.transforms = transforms
        self.learningRate = learningRate
    }

    /// Bytes of optimizer state held for this group (see ``GradientTransformation/stateBytes``).
    public var stateBytes: Int { transforms.reduce(0) { $0 + $1.stateBytes } }
}

/// The harness's gradient-step optimizer: groups of parameters, each with a chain of
/// ``GradientTransformation``s and a learning rate.
///
/// Each ``applyGradients()`` advances the step counter `t` (1-based inside the step) and, for
/// every tensor, computes `u` from its gradient through the group's chain and sets
/// `p ← p + (−η(t)) · u`. Chains that are exactly Adam or AdamW (with or without L2 decay,
/// AMSGrad) take a fused single-pass kernel that gives bit-identical results; see
/// ``ScaleByAdam``.
public final class ChainedOptimizer: Optimizer {
    /// The parameter groups; their learning rates may be changed between steps.
    public var groups: [ParameterGroup]
    /// Number of completed steps.
    public private(set) var stepCount = 0
    /// When false, every chain runs transformation by transformation (used by tests to check
    /// the fused kernels against the reference path).
    public var allowsFusion: Bool

    /// Creates an optimizer over the given groups.
    public init(groups: [ParameterGroup], allowsFusion: Bool = true) {
        self.groups = groups
        self.allowsFusion = allowsFusion
    }

    /// Creates an optimizer with a single group.
    public convenience init(_ parameters: [Parameter], transforms: [GradientTransformation], learningRate: LearningRate) {
        self.init(groups: [ParameterGroup(parameters, transforms: transforms, learningRate: learningRate)])
    }

    /// All parameters, group by group.
    public var parameters: [Parameter] { groups.flatMap(\.parameters) }

    /// Bytes of optimizer state: the sum over groups and transformations of
    /// ``GradientTransformation/stateBytes``. The step counter is not counted.
    public var stateBytes: Int { groups.reduce(0) { $0 + $1.stateBytes } }

    /// Applies one step using each parameter's stored `grad`.
    public func applyGradients() {
        stepCount += 1
        let step = stepCount
        for group in groups {
            let rate = group.learningRate(step)
            let fused = allowsFusion ? ScaleByAdam.fusedPlan(for: group.transforms) : nil
            for (index, parameter) in group.parameters.enumerated() {
                if let fused {
                    fused.adam.fusedStep(parameter, learningRate: rate, l2: fused.l2, decoupled: fused.decoupled,
                                         index: index, step: step)
                    continue
                }
                var u = parameter.grad
                for transform in group.transforms {
                    transform.update(&u, parameter: parameter.value, index: index, step: step)
                }
                parameter.value.add(u, scaledBy: -rate)
            }
        }
    }
}

// MARK: - Parallel elementwise work

/// How many threads elementwise optimizer kernels (and costly elementwise ops such as GELU) may
/// use on large tensors.
///
/// The default is 1 because papers run in parallel, one per core; the benchmark sets 2. Work is
/// split into contiguous chunks whose boundaries are multiples of 16, so each element goes
/// through exactly the same arithmetic whatever the thread count: results are bit-identical.
public enum ElementwiseParallelism {
    /// Threads used for tensors of at least ``minimumParallelCount`` elements.
    nonisolated(unsafe) public static var threadCount = 1
    /// Tensors smaller than this run on the calling thread.
    public static let minimumParallelCount = 1 << 18

    /// Calls `body` on disjoint ranges covering `0..<count`, concurrently when worthwhile:
    /// when there are at least `minimumCount` elements (lower it for costly elements, such as
    /// one `erf` each).
    @inlinable
    public static func forEachChunk(count: Int, minimumCount: Int = minimumParallelCount, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        guard threads > 1, count >= minimumCount else {
            body(0..<count)
            return
        }
        // Round chunks up to whole SIMD16 blocks so no element changes code path with the split.
        let chunk = ((count + threads - 1) / threads + 15) / 16 * 16
        let chunks = (count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            body(c * chunk ..< min(count, (c + 1) * chunk))
        }
    }
}
