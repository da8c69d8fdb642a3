/// A trainable tensor, shared by reference between the model that reads it and the optimizer
/// that updates it (like a PyTorch `Parameter`).
public final class Parameter {
    /// A stable name (`"layer1.weight"`); used in reports and to derive random streams.
    public let name: String
    /// The current value.
    public var value: Tensor<Float>
    /// The gradient of the loss with respect to ``value``, written by the autodiff tape.
    public var grad: Tensor<Float>
    /// Per-tensor options that matrix-aware optimizers read, e.g. `["rank": 4]` for GaLore.
    public var options: [String: Double]
    /// Per-tensor options whose values are words, e.g. `["projection_type": "std"]` for GaLore.
    public var textOptions: [String: String] = [:]
    /// Set by a Kronecker-factored optimizer (``KroneckerOptimizer``) on a linear layer's weight:
    /// the layer then records its inputs and output gradients there. Nil for everyone else.
    public var layerStatistics: LinearLayerStatistics?

    /// Creates a parameter with a zero gradient.
    public init(_ name: String, _ value: Tensor<Float>, options: [String: Double] = [:]) {
        self.name = name
        self.value = value
        self.grad = .zeros(value.shape)
        self.options = options
    }

    /// Sets the gradient to zero.
    public func zeroGrad() {
        grad.data.withUnsafeMutableBufferPointer { g in
            for i in 0..<g.count { g[i] = 0 }
        }
    }
}

/// Re-evaluates the loss at the parameters' current values and overwrites each parameter's
/// `grad`; returns the loss. Optimizers call it once per step, or more often (SAM calls it twice).
public typealias LossAndGradient = () -> Float

/// An optimizer updates a fixed list of parameters.
///
/// The single entry point is ``step(_:)``, which receives a closure that evaluates the loss and
/// gradient at the current parameters. A plain gradient method calls it once and applies the
/// gradient; a closure method (SAM) calls it again at a perturbed point. This one protocol
/// covers both without a special case in the training loop.
public protocol Optimizer: AnyObject {
    /// The parameters this optimizer updates, in a fixed order.
    var parameters: [Parameter] { get }
    /// The exact number of bytes of optimizer state (moments, projectors, ...) currently held.
    var stateBytes: Int { get }
    /// Applies one update using the gradients already stored in ``parameters``.
    func applyGradients()
    /// Evaluates the loss and gradient through `lossAndGradient`, updates the parameters, and
    /// returns the loss at the point where the step started.
    @discardableResult
    func step(_ lossAndGradient: LossAndGradient) -> Float
}

extension Optimizer {
    /// The default step: evaluate once, then apply the gradient.
    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        let loss = lossAndGradient()
        applyGradients()
        return loss
    }
}
