/// # Reverse-mode automatic differentiation on a tape
///
/// A forward pass records, in order, every value it computes as a node of a ``Tape``; each node
/// that depends on something differentiable also records a *pullback*: a closure that, given the
/// gradient of the loss with respect to the node's value, adds the gradients with respect to the
/// node's inputs. Because nodes are appended in the order they are computed, the tape is already
/// a topological order, and ``Tape/backward(from:)`` is one sweep from the loss back to the start.
///
/// ```swift
/// let tape = Tape<Float>()
/// let x = tape.constant(batch)
/// let h = tape.relu(tape.addBias(tape.matmul(x, tape.parameter(w1)), tape.parameter(b1)))
/// let loss = tape.crossEntropy(tape.matmul(h, tape.parameter(w2)), labels: y)
/// tape.backward(from: loss)          // w1.grad, b1.grad, w2.grad now hold dloss/dparameter
/// ```
///
/// Design choices, for speed at the sizes this project trains (a forward pass is tens of nodes,
/// each a few thousand to a few hundred thousand elements):
/// - one pullback closure per op, never per element;
/// - the first gradient that reaches an intermediate node is *moved* into its slot, not added to
///   a zero-filled buffer, so a chain of elementwise ops allocates one buffer per node;
/// - matrix products write their gradients straight into the slot (or the parameter's `grad`)
///   through `gemm` with `beta = 1`, with transposes expressed as BLAS flags, never as copies;
/// - nodes that no differentiable value flows into record no pullback at all.

/// A value recorded on a ``Tape``: its position on the tape and the value itself.
///
/// The value shares its storage with the tape's copy (tensors are copy-on-write), so holding a
/// `Variable` costs a reference count, not a copy.
public struct Variable<S: TensorScalar> {
    /// The node's position on its tape.
    public let id: Int
    /// The value computed by the forward pass.
    public let value: Tensor<S>

    /// The shape of ``value``.
    @inlinable public var shape: [Int] { value.shape }

    /// The single element of a scalar (or one-element) variable.
    @inlinable public var scalar: S {
        precondition(value.count == 1, "scalar of a variable with shape \(value.shape)")
        return value.data[0]
    }
}

/// A record of a forward computation that can be swept backwards to compute gradients.
///
/// Create one tape per forward/backward pass; it is cheap. `S` is `Float` for training and
/// `Double` for finite-difference gradient checks.
public final class Tape<S: TensorScalar> {
    /// Adds a gradient contribution into a parameter's storage; `overwrite` is true for the first
    /// contribution of a backward sweep when the tape was asked to overwrite parameter gradients.
    public typealias GradientSink = (_ body: (inout Tensor<S>, _ overwrite: Bool) -> Void) -> Void

    /// Pullback of one node: receives the tape and the gradient with respect to the node's value.
    public typealias Pullback = (Tape<S>, Tensor<S>) -> Void

    @usableFromInline var shapes: [[Int]] = []
    @usableFromInline var requiresGrad: [Bool] = []
    @usableFromInline var pullbacks: [Pullback?] = []
    @usableFromInline var grads: [Tensor<S>] = []
    @usableFromInline var hasGrad: [Bool] = []
    @usableFromInline var sinks: [Int: GradientSink] = [:]
    @usableFromInline var sinkWritten: [Int: Bool] = [:]
    /// Parameters bound by `parameter(_:)`, so binding one twice yields the same node.
    @usableFromInline var boundParameters: [ObjectIdentifier: Variable<S>] = [:]
    /// The second-order rules of the ops recorded after ``recordSecondOrder()`` (in
    /// `SecondOrder.swift`); nil, and never consulted, on the first-order path.
    var secondOrder: SecondOrderRecord<S>? = nil

    /// When true, the first gradient contribution a backward sweep makes to a parameter replaces
    /// the parameter's `grad` instead of adding to it, and parameters the sweep does not reach get
    /// a zero gradient; callers then need not zero gradients first. Default false: accumulate.
    public var overwritesParameterGradients: Bool

    /// An empty tape.
    ///
    /// - Parameter overwritesParameterGradients: see ``overwritesParameterGradients``.
    public init(overwritesParameterGradients: Bool = false) {
        self.overwritesParameterGradients = overwritesParameterGradients
        shapes.reserveCapacity(64); requiresGrad.reserveCapacity(64); pullbacks.reserveCapacity(64)
    }

    /// Number of nodes recorded so far.
    public var count: Int { shapes.count }

    // MARK: Leaves

    /// A value that gradients do not flow into (data, labels, frozen weights).
    public func constant(_ value: Tensor<S>) -> Variable<S> {
        append(value, requiresGrad: false, pullback: nil)
    }

    /// A leaf whose gradient the sweep computes; read it with ``gradient(of:)``.
    public func variable(_ value: Tensor<S>) -> Variable<S> {
        append(value, requiresGrad: true, pullback: nil)
    }

    /// A leaf whose gradient is added into storage owned elsewhere (see ``parameter(_:)``).
    public func leaf(_ value: Tensor<S>, sink: @escaping GradientSink) -> Variable<S> {
        let v = append(value, requiresGrad: true, pullback: nil)
        sinks[v.id] = sink
        return v
    }

    // MARK: Recording

    @usableFromInline
    func append(_ value: Tensor<S>, requiresGrad flag: Bool, pullback: Pullback?) -> Variable<S> {
        let id = shapes.count
        shapes.append(value.shape)
        requiresGrad.append(flag)
        pullbacks.append(flag ? pullback : nil)
        return Variable(id: id, value: value)
    }

    /// Records the result of an op on `inputs`. The pullback is kept only when some input needs a
    /// gradient; it should test ``needsGradient(_:)`` before computing each input's gradient.
    public func record(_ value: Tensor<S>, inputs: [Variable<S>], pullback: @escaping Pullback) -> Variable<S> {
        let flag = inputs.contains { requiresGrad[$0.id] }
        return append(value, requiresGrad: flag, pullback: pullback)
    }

    /// Records the result of an op on one input (avoids building an array).
    public func record(_ value: Tensor<S>, input: Variable<S>, pullback: @escaping Pullback) -> Variable<S> {
        append(value, requiresGrad: requiresGrad[input.id], pullback: pullback)
    }

    /// Whether the gradient of `v` is wanted (it is a differentiable leaf or depends on one).
    @inlinable
    public func needsGradient(_ v: Variable<S>) -> Bool { requiresGrad[v.id] }

    // MARK: Gradient accumulation

    /// Adds `g` to the gradient of `v`. The first contribution to an intermediate node is moved in.
    public func accumulate(_ v: Variable<S>, _ g: Tensor<S>) {
        let id = v.id
        guard requiresGrad[id] else { return }
        precondition(g.count == shapes[id].reduce(1, *), "gradient of \(g.shape) for node of shape \(shapes[id])")
        if let sink = sinks[id] {
            sink { target, overwrite in
                if overwrite { target.data = g.data } else { target.add(g) }
            }
            return
        }
        if hasGrad[id] {
            grads[id].add(g)
        } else {
            grads[id] = Tensor(shape: shapes[id], data: g.data)
            hasGrad[id] = true
        }
    }

    /// Gives `body` the gradient buffer of `v` to add into; `overwrite` tells it the buffer holds
    /// nothing yet (so a `gemm` may use `beta = 0`). Used by ops that can write in place.
    public func accumulate(_ v: Variable<S>, _ body: (inout Tensor<S>, _ overwrite: Bool) -> Void) {
        let id = v.id
        guard requiresGrad[id] else { return }
        if let sink = sinks[id] {
            sink(body)
            return
        }
        if hasGrad[id] {
            body(&grads[id], false)
        } else {
            grads[id] = Tensor(shape: shapes[id], data: [S](repeating: 0, count: shapes[id].reduce(1, *)))
            hasGrad[id] = true
            body(&grads[id], true)
        }
    }

    // MARK: The backward sweep

    /// Computes the gradient of the scalar `loss` with respect to every differentiable node
    /// recorded before it, adding into parameter gradients (or overwriting them, see
    /// ``overwritesParameterGradients``).
    ///
    /// - Parameter seed: the gradient of the final objective with respect to `loss` (default 1).
    public func backward(from loss: Variable<S>, seed: S = 1) {
        precondition(loss.value.count == 1, "backward needs a scalar loss, got shape \(loss.shape)")
        grads = [Tensor<S>](repeating: Tensor(shape: [0], data: []), count: shapes.count)
        hasGrad = [Bool](repeating: false, count: shapes.count)
        sinkWritten = [:]
        if overwritesParameterGradients { for id in sinks.keys { sinkWritten[id] = false } }
        guard requiresGrad[loss.id] else { zeroUnreachedSinks(); return }
        accumulate(loss, Tensor(shape: loss.shape, data: [seed]))
        for id in stride(from: loss.id, through: 0, by: -1) where hasGrad[id] {
            guard let pullback = pullbacks[id] else { continue }
            pullback(self, grads[id])
        }
        zeroUnreachedSinks()
    }

    private func zeroUnreachedSinks() {
        guard overwritesParameterGradients else { return }
        for (id, written) in sinkWritten where !written {
            // Written, not scaled: 0 × NaN from a stale gradient would stay NaN.
            sinks[id]! { target, _ in
                target.data.withUnsafeMutableBufferPointer { g in for i in g.indices { g[i] = 0 } }
            }
        }
    }

    /// The gradient with respect to `v` from the last ``backward(from:seed:)`` (zeros if none
    /// reached it). For parameters, read `Parameter.grad` instead.
    public func gradient(of v: Variable<S>) -> Tensor<S> {
        if v.id < hasGrad.count && hasGrad[v.id] { return grads[v.id] }
        return .zeros(shapes[v.id])
    }

    /// Marks the sink of node `id` as written and tells whether this write should overwrite.
    @usableFromInline
    func consumeOverwrite(_ id: Int) -> Bool {
        guard overwritesParameterGradients, let written = sinkWritten[id] else { return false }
        sinkWritten[id] = true
        return !written
    }
}

extension Tape where S == Float {
    /// A leaf for a trainable parameter: the backward sweep adds the loss gradient into `p.grad`
    /// (or overwrites it, see ``overwritesParameterGradients``).
    public func parameter(_ p: Parameter) -> Variable<Float> {
        if let bound = boundParameters[ObjectIdentifier(p)] { return bound }
        let id = count
        precondition(p.grad.shape == p.value.shape, "parameter \(p.name): grad shape \(p.grad.shape) != \(p.value.shape)")
        let v = leaf(p.value) { [unowned self] body in
            let overwrite = self.consumeOverwrite(id)
            body(&p.grad, overwrite)
        }
        boundParameters[ObjectIdentifier(p)] = v
        return v
    }

    /// A parameter that is trainable (``parameter(_:)``) or frozen (a ``constant(_:)``).
    public func parameter(_ p: Parameter, frozen: Bool) -> Variable<Float> {
        frozen ? constant(p.value) : parameter(p)
    }
}

/// Sets the gradient of every parameter in `parameters` to zero.
public func zeroGradients(_ parameters: [Parameter]) {
    for p in parameters { p.zeroGrad() }
}

/// Runs `build` on a fresh tape to get a scalar loss, sweeps backwards, and returns the loss.
/// Every parameter bound on the tape ends with its gradient *overwritten* (not accumulated), which
/// is what ``LossAndGradient`` closures promise. Parameters listed in `parameters` but never bound
/// (frozen ones, unused ones) are zeroed, so an optimizer never reads a stale gradient.
public func lossAndGradient(parameters: [Parameter], _ build: (Tape<Float>) -> Variable<Float>) -> Float {
    let tape = Tape<Float>(overwritesParameterGradients: true)
    let loss = build(tape)
    tape.backward(from: loss)
    for p in parameters where tape.boundParameters[ObjectIdentifier(p)] == nil { p.zeroGrad() }
    return loss.scalar
}
