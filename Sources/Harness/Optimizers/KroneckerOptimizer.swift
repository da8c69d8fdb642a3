// # Kronecker-factored preconditioning of linear layers (K-FAC, MKOR, ...)
//
// K-FAC-style optimizers precondition the gradient of each linear layer `s = W ā` (ā = (a, 1))
// with two small matrices built from the layer's inputs `a` and the gradients `g = ∂ℓ/∂s` at its
// outputs: `∇W ← G⁻¹ ∇W A⁻¹`. The gradient alone does not carry `a` and `g` separately, so the
// optimizer sets a ``LinearLayerStatistics`` on each weight it preconditions; ``Linear`` then records
// its input and, through an identity node on the tape, the cotangent at its output. Any model built
// from ``Linear`` layers works unchanged (the league's factories see only the parameters).
//
// ``KroneckerOptimizer`` pairs each rank-2 weight `[in, out]` with the rank-1 bias `[out]` after it,
// assembles the gradient matrix `[∇W | ∇b]` of shape out × (in + 1) (torch's layout, what the
// references precondition), asks a ``KroneckerPreconditioner`` for the direction, rescales it
// (MKOR's norm rule or K-FAC's KL clip), and hands everything to SGD with momentum. Parameters of
// other layers (and layers whose statistics were not recorded this step) take plain SGD.

/// A linear layer's inputs and output gradients from the last forward and backward pass.
public final class LinearLayerStatistics {
    /// The layer's input `a`, `n × in` (nil before the first forward pass).
    public private(set) var input: Tensor<Float>?
    /// The gradient of the mean loss at the layer's output `s = aW + b`, `n × out` (nil until a
    /// backward pass reaches it after the last forward pass).
    public private(set) var outputGradient: Tensor<Float>?
    /// The bias the layer added in the recorded pass (identity-checked by the optimizer).
    public private(set) weak var bias: Parameter?

    public init() {}

    /// Records `x` and returns `y` through an identity node whose pullback keeps the cotangent.
    public func record(_ tape: Tape<Float>, input x: Variable<Float>, output y: Variable<Float>, bias: Parameter?) -> Variable<Float> {
        input = x.value
        outputGradient = nil
        self.bias = bias
        return tape.record(y.value, input: y) { [self] t, g in
            outputGradient = g
            t.accumulate(y, g)
        }
    }
}

/// The per-layer part of a Kronecker-factored optimizer.
public protocol KroneckerPreconditioner: AnyObject {
    /// Folds one batch into the statistics at the 1-based `step`: `inputs` `n × in` (without the bias
    /// column), `outputGradients` `n × out`, one per-example gradient `n · ∂(mean loss)/∂s` a row.
    func observe(step: Int, inputs: Tensor<Float>, outputGradients: Tensor<Float>)
    /// The preconditioned direction for the gradient matrix `[∇Wᵀ | ∇b]`, out × (in + 1).
    func precondition(_ gradient: Tensor<Float>) -> Tensor<Float>
    /// Counted floating-point operations so far (matrix products, factorisations, rank-1 updates).
    var flops: Int { get }
    /// Bytes of state (factors and inverses), `count × size of the scalar`.
    var stateBytes: Int { get }
}

/// SGD with momentum whose linear layers are preconditioned by a ``KroneckerPreconditioner`` each.
public final class KroneckerOptimizer: Optimizer {
    /// The league's remark on every arm built on this optimizer.
    public static let leagueRemark = "Kronecker-factored on linear layers, SGD with momentum 0.9 elsewhere: on the quadratic and Rosenbrock (no linear layers) it is SGD with momentum"

    /// How the preconditioned directions are rescaled before the SGD step.
    public enum Rescaling: Sendable {
        /// None.
        case none
        /// MKOR's: each layer's direction times `(‖∇W‖ + ‖∇b‖) / (‖V_W‖ + ‖V_b‖)`, so it keeps the
        /// gradient's size (the raw gradient when the ratio is not finite).
        case gradientNorm
        /// K-FAC's (KAISA's `kl_clip`): every direction times `min(1, √(c / |η² Σ ⟨V, ∇⟩|))`.
        case klClip(Double)
    }

    /// One preconditioned layer.
    public struct Layer {
        public let weight: Parameter
        public let bias: Parameter
        public let statistics: LinearLayerStatistics
        public let preconditioner: KroneckerPreconditioner
    }

    public let layers: [Layer]
    /// SGD with momentum over every parameter (torch's `SGD(momentum=μ)`).
    public let chain: ChainedOptimizer
    public let rescaling: Rescaling
    public let learningRate: Float
    /// When false the step is plain SGD with momentum (MKOR-H's fallback); statistics are not folded.
    public var preconditioning = true
    public private(set) var stepCount = 0

    /// - Parameters:
    ///   - makePreconditioner: the preconditioner of a layer with `inputs` inputs and `outputs` outputs.
    public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0.9, rescaling: Rescaling,
                makePreconditioner: (_ inputs: Int, _ outputs: Int) -> KroneckerPreconditioner) {
        var layers = [Layer]()
        for (i, w) in parameters.enumerated() where w.value.rank == 2 && i + 1 < parameters.count {
            let b = parameters[i + 1]
            guard b.value.rank == 1 && b.value.count == w.value.shape[1] else { continue }
            let statistics = LinearLayerStatistics()
            w.layerStatistics = statistics
            layers.append(Layer(weight: w, bias: b, statistics: statistics,
                                preconditioner: makePreconditioner(w.value.shape[0], w.value.shape[1])))
        }
        self.layers = layers
        self.chain = ChainedOptimizer.sgd(parameters, learningRate: .constant(learningRate), momentum: momentum)
        self.rescaling = rescaling
        self.learningRate = learningRate
    }

    public var parameters: [Parameter] { chain.parameters }
    public var stateBytes: Int { chain.stateBytes + layers.reduce(0) { $0 + $1.preconditioner.stateBytes } }
    /// Counted FLOPs of every layer's preconditioner so far.
    public var preconditionerFlops: Int { layers.reduce(0) { $0 + $1.preconditioner.flops } }

    /// Preconditions the stored gradients (when ``preconditioning``) and takes the SGD step.
    public func applyGradients() {
        stepCount += 1
        if preconditioning { preconditionGradients() }
        chain.applyGradients()
    }

    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        let loss = lossAndGradient()
        applyGradients()
        return loss
    }

    func preconditionGradients() {
        var directions = [(layer: Layer, gradient: Tensor<Float>, direction: Tensor<Float>)]()
        for layer in layers {
            guard let x = layer.statistics.input, let g = layer.statistics.outputGradient, layer.statistics.bias === layer.bias,
                  x.rank == 2, g.rank == 2, x.shape[0] == g.shape[0] else { continue }
            let n = Float(x.shape[0])
            layer.preconditioner.observe(step: stepCount, inputs: x, outputGradients: g.map { $0 * n })
            let m = Self.gradientMatrix(layer)
            directions.append((layer, m, layer.preconditioner.precondition(m)))
        }
        var global: Float = 1
        if case .klClip(let c) = rescaling {
            var vg = 0.0
            for d in directions { for (v, g) in zip(d.direction.data, d.gradient.data) { vg += Double(v) * Double(g) } }
            vg *= Double(learningRate) * Double(learningRate)
            if vg != 0 { global = Float(min(1, (c / abs(vg)).squareRoot())) }
        }
        for d in directions {
            var scale = global
            if case .gradientNorm = rescaling {
                let (gw, gb) = Self.norms(d.gradient), (vw, vb) = Self.norms(d.direction)
                let ratio = (gw + gb) / (vw + vb)
                guard ratio.isFinite else { continue }
                scale = Float(ratio)
            }
            Self.write(d.direction, scaledBy: scale, into: d.layer)
        }
    }

    /// `[∇Wᵀ | ∇b]`, out × (in + 1).
    static func gradientMatrix(_ layer: Layer) -> Tensor<Float> {
        let (inputs, outputs) = (layer.weight.value.shape[0], layer.weight.value.shape[1]), width = inputs + 1
        var m = Tensor<Float>.zeros([outputs, width])
        let w = layer.weight.grad.data, b = layer.bias.grad.data
        for o in 0..<outputs {
            for j in 0..<inputs { m.data[o * width + j] = w[j * outputs + o] }
            m.data[o * width + inputs] = b[o]
        }
        return m
    }

    /// Euclidean norms of the weight block and the bias column of an out × (in + 1) matrix.
    static func norms(_ m: Tensor<Float>) -> (Double, Double) {
        let width = m.shape[1]
        var w = 0.0, b = 0.0
        for (i, x) in m.data.enumerated() {
            if i % width == width - 1 { b += Double(x) * Double(x) } else { w += Double(x) * Double(x) }
        }
        return (w.squareRoot(), b.squareRoot())
    }

    static func write(_ v: Tensor<Float>, scaledBy scale: Float, into layer: Layer) {
        let (inputs, outputs) = (layer.weight.value.shape[0], layer.weight.value.shape[1]), width = inputs + 1
        for o in 0..<outputs {
            for j in 0..<inputs { layer.weight.grad.data[j * outputs + o] = scale * v.data[o * width + j] }
            layer.bias.grad.data[o] = scale * v.data[o * width + inputs]
        }
    }
}

// MARK: - K-FAC

/// K-FAC's preconditioner (KAISA's defaults): the factors of ``KFACFactors`` refreshed every step
/// (EMA decay 0.95), their π-split damped inverses recomputed every `inverseInterval` steps (one
/// symmetric eigendecomposition each), `G⁻¹ [∇W | ∇b] A⁻¹` in between.
public final class KFACPreconditioner: KroneckerPreconditioner {
    public private(set) var factors: KFACFactors
    public let damping: Double
    public let inverseInterval: Int
    var inverseA: Tensor<Float>, inverseG: Tensor<Float>
    public private(set) var flops = 0

    public init(inputs: Int, outputs: Int, decay: Double = 0.95, damping: Double = 1e-3, inverseInterval: Int = 10) {
        factors = KFACFactors(inputs: inputs, outputs: outputs, decay: decay)
        (self.damping, self.inverseInterval) = (damping, inverseInterval)
        (inverseA, inverseG) = (.identity(inputs + 1), .identity(outputs))
    }

    /// FLOPs of one factor update of a layer (in + 1 = `a`, out = `g`) on `n` examples with an
    /// inversion: the two covariances (2n a², 2n g²), the moving averages (3a², 3g²), and per factor
    /// a symmetric eigendecomposition (9d³, Golub & Van Loan's count for the symmetric QR algorithm
    /// with vectors) plus `V f(Λ) Vᵀ` (2d³ + d²).
    public static func updateFlops(a: Int, g: Int, samples n: Int, inverting: Bool) -> Int {
        let covariances = 2 * n * (a * a + g * g) + 3 * (a * a + g * g)
        return covariances + (inverting ? [a, g].reduce(0) { $0 + 11 * $1 * $1 * $1 + $1 * $1 } : 0)
    }

    public func observe(step: Int, inputs: Tensor<Float>, outputGradients: Tensor<Float>) {
        factors.observe(step: step, inputs: inputs, outputGradients: outputGradients, samples: inputs.shape[0])
        let inverting = (step - 1) % inverseInterval == 0
        flops += Self.updateFlops(a: inputs.shape[1] + 1, g: outputGradients.shape[1], samples: inputs.shape[0], inverting: inverting)
        guard inverting else { return }
        let root = damping.squareRoot(), pi = factors.pi
        // A factor is positive semidefinite and the ridge is positive, so the inverse exists.
        inverseA = (try? MatrixRoots.inverseRoot(factors.inputFactor, p: 1, damping: .ridge(pi * root)))?.converted(to: Float.self) ?? inverseA
        inverseG = (try? MatrixRoots.inverseRoot(factors.outputGradientFactor, p: 1, damping: .ridge(root / pi)))?.converted(to: Float.self) ?? inverseG
    }

    public func precondition(_ gradient: Tensor<Float>) -> Tensor<Float> {
        let (g, a) = (gradient.shape[0], gradient.shape[1])
        flops += 2 * g * g * a + 2 * g * a * a
        return matmul(matmul(inverseG, gradient), inverseA)
    }

    /// The two factors in Double and their two Float inverses.
    public var stateBytes: Int {
        let (a, g) = (inverseA.count, inverseG.count)
        return 8 * (a + g) + 4 * (a + g)
    }
}
