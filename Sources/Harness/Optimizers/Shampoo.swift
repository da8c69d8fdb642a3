import Foundation

// # Shampoo: Kronecker-factored preconditioning
//
// Shampoo (Gupta, Koren & Singer, 2018) preconditions a matrix gradient `G` (m × n) with one
// statistic per side instead of one (mn × mn) matrix:
//
//     L ← L + G Gᵀ,   R ← R + Gᵀ G,   update = L^(−1/4) G R^(−1/4)
//
// and a tensor of rank k with one statistic per mode, `H_d ← H_d + G_(d) G_(d)ᵀ` over the mode-d
// unfolding, each applied with the power −1/(2k). Scalable Shampoo (Anil et al., 2020) makes it
// practical: exponential moving averages (β₂) of the statistics, roots recomputed only every
// `preconditioning_compute_steps` steps by a coupled Newton iteration, blocks of at most
// `block_size` per dimension, small dimensions merged, one-sided variants, and *grafting*: the
// Shampoo direction with the step size (norm) of a simpler optimizer (SGD, AdaGrad, RMSProp, sign).
// Until `start_preconditioning_step` the grafted optimizer alone moves the weights.
//
// The two transformations follow pytorch-optimizer 4.1's `Shampoo` and `ScalableShampoo`, whose
// trajectories are the goldens (`shampoo__*`, `scalableshampoo*__*`). Roots come from
// ``MatrixRoots``: Shampoo's through the eigendecomposition (the reference takes a float32 SVD),
// Scalable Shampoo's through the same coupled Newton iteration as the reference.

/// Kronecker-factor algebra of a tensor viewed mode by mode: `G` of shape `[a, n_d, b]` (the
/// dimensions before mode `d` merged into `a`, those after into `b`).
public enum KroneckerFactors {
    /// The mode-`d` Gram matrix `G_(d) G_(d)ᵀ` (`n_d × n_d`): `Σ_{a,b} G[a,i,b] G[a,j,b]`.
    public static func modeGram(_ g: Tensor<Float>, mode d: Int) -> Tensor<Float> {
        let (before, n, after) = split(g.shape, at: d)
        var gram = Tensor<Float>.zeros([n, n])
        for a in 0..<before {
            let slice = before == 1 ? g.reshaped([n, after]) : Tensor(shape: [n, after], data: Array(g.data[(a * n * after)..<((a + 1) * n * after)]))
            gemm(slice, slice, into: &gram, transposeB: true, alpha: 1, beta: a == 0 ? 0 : 1)
        }
        return gram
    }

    /// The mode-`d` product `G ×_d Mᵀ`: `H[a,i,b] = Σ_j M[j,i] G[a,j,b]` (torch's
    /// `tensordot(G, M, [[d], [0]])` with the axis put back in place). For a symmetric `M` it is
    /// `M` applied to every mode-`d` fibre.
    public static func modeProduct(_ g: Tensor<Float>, _ m: Tensor<Float>, mode d: Int) -> Tensor<Float> {
        let (before, n, after) = split(g.shape, at: d)
        precondition(m.shape == [n, n], "mode-\(d) factor has shape \(m.shape), expected \([n, n])")
        if before == 1 {
            return matmul(m, g.reshaped([n, after]), transposeA: true).reshaped(g.shape)
        }
        var out = [Float](); out.reserveCapacity(g.count)
        var h = Tensor<Float>.zeros([n, after])
        for a in 0..<before {
            let slice = Tensor(shape: [n, after], data: Array(g.data[(a * n * after)..<((a + 1) * n * after)]))
            gemm(m, slice, into: &h, transposeA: true)
            out.append(contentsOf: h.data)
        }
        return Tensor(shape: g.shape, data: out)
    }

    static func split(_ shape: [Int], at d: Int) -> (Int, Int, Int) {
        precondition(d >= 0 && d < shape.count, "mode \(d) of a rank-\(shape.count) tensor")
        return (shape[..<d].reduce(1, *), shape[d], shape[(d + 1)...].reduce(1, *))
    }

    /// pytorch-optimizer's `merge_small_dims`: consecutive dimensions multiplied together while
    /// the product stays at most `maxDimension` (`[1, 2, 512, 1, 2048, 1, 3, 4]` with 1024 gives
    /// `[1024, 2048, 12]`); a shape that merges into one dimension becomes `[1]`.
    public static func mergeSmallDimensions(_ shape: [Int], maxDimension: Int) -> [Int] {
        var merged = [Int](), product = 1
        for d in shape {
            product *= d
            if product > maxDimension { merged.append(product / d); product = d }
        }
        merged.append(product)
        return merged.count > 1 ? merged : [1]
    }
}

// excerpt: scale-by-shampoo
/// pytorch-optimizer's `Shampoo`: one statistic per mode, accumulated without decay, roots
/// `H_d^(−1/(2k))` for a tensor of rank `k`, recomputed every `preconditioningComputeSteps` steps.
///
///     g ← (1 − μ) g + μ b                     (momentum on the previous update b; b₀ = g₁)
///     g ← g + λ p                              (coupled weight decay)
///     H_d ← H_d + g_(d) g_(d)ᵀ                 (H_d starts at ε I, ε = matrix_eps)
///     u ← g ×₁ H₁^(−1/2k) ×₂ … ×_k H_k^(−1/2k),   b ← u
///
/// Roots are computed in Double from the eigendecomposition of the Float statistics, with
/// eigenvalues below `Float.ulpOfOne · λ_max` (unresolved by the Float storage) raised to it; before
/// the first recomputation the roots are zero, as the reference's. State per tensor: the
/// statistics and their roots (`2 Σ n_d²` floats) and the momentum buffer when `μ > 0`.
public final class ScaleByShampoo: GradientTransformation {
    public let momentum: Float, weightDecay: Float, matrixEps: Float, preconditioningComputeSteps: Int
    /// How roots are damped beyond the `ε I` the statistics start with.
    public let damping: MatrixRoots.Damping

    struct TensorState { var statistics: [Tensor<Float>]; var roots: [Tensor<Float>]; var buffer: Tensor<Float>? }
    var states: [Int: TensorState] = [:]

    public init(momentum: Float = 0, weightDecay: Float = 0, matrixEps: Float = 1e-6, preconditioningComputeSteps: Int = 1,
                damping: MatrixRoots.Damping = .relativeFloor(Double(Float.ulpOfOne))) {
        precondition(preconditioningComputeSteps >= 1, "preconditioning_compute_steps must be at least 1")
        (self.momentum, self.weightDecay, self.matrixEps) = (momentum, weightDecay, matrixEps)
        (self.preconditioningComputeSteps, self.damping) = (preconditioningComputeSteps, damping)
    }

    /// Tensor `index`'s statistics `H_d` (empty before its first update).
    public func statistics(_ index: Int) -> [Tensor<Float>] { states[index]?.statistics ?? [] }
    /// Tensor `index`'s current roots `H_d^(−1/2k)`.
    public func roots(_ index: Int) -> [Tensor<Float>] { states[index]?.roots ?? [] }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        var state = states[index] ?? TensorState(
            statistics: u.shape.map { n in Tensor<Float>.identity(n).map { $0 * matrixEps } },
            roots: u.shape.map { Tensor<Float>.zeros([$0, $0]) }, buffer: nil)
        if momentum > 0 {
            let buffer = state.buffer ?? u
            u = (1 - momentum) * u + momentum * buffer
        }
        if weightDecay != 0 { u.add(parameter, scaledBy: weightDecay) }
        let order = u.rank
        for d in 0..<order {
            state.statistics[d] = state.statistics[d] + KroneckerFactors.modeGram(u, mode: d)
            if step % preconditioningComputeSteps == 0 {
                // The eigen route cannot fail on a finite symmetric matrix; a non-finite gradient
                // gives non-finite roots, which the trace reports as divergence.
                state.roots[d] = (try? MatrixRoots.inverseRoot(state.statistics[d], p: Double(2 * order), damping: damping))
                    ?? Tensor(shape: state.roots[d].shape, repeating: .nan)
            }
        }
        for d in 0..<order { u = KroneckerFactors.modeProduct(u, state.roots[d], mode: d) }
        if momentum > 0 { state.buffer = u }
        states[index] = state
    }

    public var stateBytes: Int {
        states.values.reduce(0) { total, s in
            total + 4 * (s.statistics.reduce(0) { $0 + $1.count } + s.roots.reduce(0) { $0 + $1.count } + (s.buffer?.count ?? 0))
        }
    }
}
// end excerpt

// excerpt: scale-by-scalable-shampoo
/// pytorch-optimizer's `ScalableShampoo` (Anil et al. 2020): blocked, moving-average statistics,
/// coupled-Newton roots recomputed every `preconditioningComputeSteps`, grafting, momentum.
///
///     H ← β₂ H + (1 − β₂) g_(d) g_(d)ᵀ  per block and preconditioned mode (every `statisticsComputeSteps`)
///     s ← Shampoo(g) if t ≥ start, else g;   s ← s · ‖graft(g)‖ / (‖s‖ + 1e-16)
///     m ← β₁ m + s;   m_graft ← β₁ m_graft + g
///     u ← β₁ m' + w s'  (Nesterov; m', s' = m, s after the start, else m_graft, graft(g); w = 1 − β₁
///                        with `movingAverageForMomentum`, else 1)   or  u ← m'
///
/// The optimizer's learning rate multiplies `u`. Coupled weight decay is added to both `s` and
/// `graft(g)` after grafting; decoupled decay is ``AddDecayedWeights`` after this transformation
/// (applied once; pytorch-optimizer 3.x applied it twice per step).
public final class ScaleByScalableShampoo: GradientTransformation {
    /// The optimizer whose step size is grafted onto the Shampoo direction (`graft_type`).
    public enum Graft: Int, Sendable { case none = 0, sgd = 1, adagrad = 2, rmsprop = 3, sign = 4 }
    /// Which modes get a preconditioner (`pre_conditioner_type`): all, all but the last (input),
    /// or only the last (output).
    public enum Sides: Int, Sendable { case all = 0, input = 1, output = 2 }
    /// How the inverse roots are computed (`use_svd`).
    public enum RootMethod: Sendable { case coupledNewton, eigen }

    /// The settings, named after pytorch-optimizer's keywords.
    public struct Settings: Sendable {
        public var beta1: Double = 0.9, beta2: Double = 0.999
        public var movingAverageForMomentum = false, nesterov = true
        /// Coupled (L2) weight decay; decoupled decay goes in its own transformation.
        public var weightDecay: Float = 0
        /// When false, the graft sees `η g` (the reference's `decoupled_learning_rate = False`).
        public var decoupledLearningRate = true
        public var learningRate: Float = 1e-3
        public var inverseExponentOverride = 0, startPreconditioningStep = 25, preconditioningComputeSteps = 1000
        public var statisticsComputeSteps = 1, blockSize = 512, skipPreconditioningRankBelow = 1
        public var noPreconditioningForDimensionAbove = 8192, shapeInterpretation = true
        public var graft: Graft = .sgd, sides: Sides = .all
        public var diagonalEps: Float = 1e-10, matrixEps: Double = 1e-6
        public var rootMethod: RootMethod = .coupledNewton
        public init() {}
    }

    public let settings: Settings

    /// Per-tensor state: the layout (transformed shape, blocks) and the buffers.
    final class TensorState {
        let transformedShape: [Int], preconditioned: [Bool], rank: Int, exponent: Int
        /// Per block: its start and size along each transformed dimension (row-major block order).
        let blocks: [[(start: Int, size: Int)]]
        var statistics: [Tensor<Float>] = [], roots: [Tensor<Float>] = []
        var momentum: Tensor<Float>, graftMomentum: Tensor<Float>, graftStatistics: Tensor<Float>?

        init(shape: [Int], settings s: Settings) {
            transformedShape = s.shapeInterpretation ? KroneckerFactors.mergeSmallDimensions(shape, maxDimension: s.blockSize) : shape
            let k = transformedShape.count
            switch (s.sides, k <= 1) {
            case (.all, _), (_, true): preconditioned = Array(repeating: true, count: k)
            case (.input, false): preconditioned = Array(repeating: true, count: k - 1) + [false]
            case (.output, false): preconditioned = Array(repeating: false, count: k - 1) + [true]
            }
            rank = preconditioned.filter { $0 }.count
            exponent = s.inverseExponentOverride > 0 ? s.inverseExponentOverride : 2 * rank
            let skip = shape.count < s.skipPreconditioningRankBelow || shape.contains { $0 > s.noPreconditioningForDimensionAbove }
            if k > 1 && !skip {
                let splits: [[(start: Int, size: Int)]] = transformedShape.map { d in
                    guard s.blockSize > 0 && s.blockSize < d else { return [(0, d)] }
                    return stride(from: 0, to: d, by: s.blockSize).map { ($0, min(s.blockSize, d - $0)) }
                }
                var product: [[(start: Int, size: Int)]] = [[]]
                for axis in splits { product = product.flatMap { prefix in axis.map { prefix + [$0] } } }
                blocks = product
                for block in blocks {
                    for (axis, part) in block.enumerated() where preconditioned[axis] {
                        statistics.append(Tensor<Float>.identity(part.size).map { $0 * Float(s.matrixEps) })
                        roots.append(Tensor<Float>.identity(part.size))
                    }
                }
            } else {
                blocks = []
            }
            momentum = .zeros(shape); graftMomentum = .zeros(shape)
            if s.graft == .adagrad || s.graft == .rmsprop { graftStatistics = .zeros(shape) }
        }

        var bytes: Int {
            4 * (statistics.reduce(0) { $0 + $1.count } + roots.reduce(0) { $0 + $1.count } + momentum.count
                 + graftMomentum.count + (graftStatistics?.count ?? 0))
        }
    }
    var states: [Int: TensorState] = [:]

    public init(_ settings: Settings = Settings()) {
        precondition(settings.startPreconditioningStep >= 1 && settings.preconditioningComputeSteps >= 1
                     && settings.statisticsComputeSteps >= 1, "Scalable Shampoo's step intervals must be at least 1")
        self.settings = settings
    }

    /// Tensor `index`'s statistics, block by block and preconditioned mode by mode.
    public func statistics(_ index: Int) -> [Tensor<Float>] { states[index]?.statistics ?? [] }
    /// Tensor `index`'s current inverse roots, in the order of ``statistics(_:)``.
    public func roots(_ index: Int) -> [Tensor<Float>] { states[index]?.roots ?? [] }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let s = settings
        let state = states[index] ?? TensorState(shape: u.shape, settings: s)
        states[index] = state
        let grad = u, b1 = Float(s.beta1)
        // The graft's statistics and direction.
        if var stats = state.graftStatistics {
            if s.graft == .adagrad { stats = stats + grad * grad }
            else { stats = Float(s.beta2) * stats + Float(1 - s.beta2) * (grad * grad) }
            state.graftStatistics = stats
        }
        let graftInput = s.decoupledLearningRate ? grad : s.learningRate * grad
        var graftGrad: Tensor<Float>
        switch s.graft {
        case .none, .sgd: graftGrad = graftInput
        case .sign: graftGrad = graftInput.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case .adagrad, .rmsprop:
            let stats = state.graftStatistics!
            graftGrad = graftInput
            for i in 0..<graftGrad.count { graftGrad.data[i] /= stats.data[i].squareRoot() + s.diagonalEps }
        }
        // Shampoo's statistics, roots and direction.
        if step % s.statisticsComputeSteps == 0 { addStatistics(grad, state) }
        if step % s.preconditioningComputeSteps == 0 { computeRoots(state) }
        let preconditioning = step >= s.startPreconditioningStep
        var shampooGrad = preconditioning ? preconditioned(grad, state) : grad
        if s.graft != .none {
            let ratio = Float(Double(graftGrad.norm()) / (Double(shampooGrad.norm()) + 1e-16))
            shampooGrad = ratio * shampooGrad
        }
        if s.weightDecay != 0 {
            graftGrad.add(parameter, scaledBy: s.weightDecay)
            shampooGrad.add(parameter, scaledBy: s.weightDecay)
        }
        state.momentum = b1 * state.momentum + shampooGrad
        state.graftMomentum = b1 * state.graftMomentum + grad
        let momentumUpdate = preconditioning ? state.momentum : state.graftMomentum
        if s.nesterov {
            let w: Float = s.movingAverageForMomentum ? Float(1 - s.beta1) : 1
            u = b1 * momentumUpdate + w * (preconditioning ? shampooGrad : graftGrad)
        } else {
            u = momentumUpdate
        }
    }

    func addStatistics(_ grad: Tensor<Float>, _ state: TensorState) {
        guard !state.statistics.isEmpty else { return }
        let beta2 = Float(settings.beta2), w2: Float = settings.beta2 == 1 ? 1 : Float(1 - settings.beta2)
        let reshaped = grad.reshaped(state.transformedShape)
        var j = 0
        for block in state.blocks {
            let part = Self.extract(reshaped, block)
            for axis in 0..<part.rank where state.preconditioned[axis] {
                state.statistics[j] = beta2 * state.statistics[j] + w2 * KroneckerFactors.modeGram(part, mode: axis)
                j += 1
            }
        }
    }

    func computeRoots(_ state: TensorState) {
        for (i, statistic) in state.statistics.enumerated() {
            let root: Tensor<Float>?
            switch settings.rootMethod {
            case .coupledNewton:
                root = try? MatrixRoots.coupledNewtonInverseRoot(statistic, p: state.exponent, ridge: settings.matrixEps)
            case .eigen:
                root = try? MatrixRoots.inverseRoot(statistic, p: Double(state.exponent), damping: .relativeFloor(Double(Float.ulpOfOne)))
            }
            state.roots[i] = root ?? Tensor(shape: statistic.shape, repeating: .nan)
        }
    }

    func preconditioned(_ grad: Tensor<Float>, _ state: TensorState) -> Tensor<Float> {
        guard !state.roots.isEmpty else { return grad }
        let reshaped = grad.reshaped(state.transformedShape)
        var out = Tensor<Float>.zeros(state.transformedShape)
        var j = 0
        for block in state.blocks {
            var part = Self.extract(reshaped, block)
            for axis in 0..<part.rank where state.preconditioned[axis] {
                part = KroneckerFactors.modeProduct(part, state.roots[j], mode: axis)
                j += 1
            }
            Self.insert(part, into: &out, block)
        }
        return out.reshaped(grad.shape)
    }

    /// The sub-tensor of `t` at `block` (a copy; `t` itself when the block is the whole tensor).
    static func extract(_ t: Tensor<Float>, _ block: [(start: Int, size: Int)]) -> Tensor<Float> {
        let shape = block.map(\.size)
        if shape == t.shape { return t }
        var out = [Float](); out.reserveCapacity(shape.reduce(1, *))
        forEachRow(t.shape, block) { offset, length in out.append(contentsOf: t.data[offset..<(offset + length)]) }
        return Tensor(shape: shape, data: out)
    }

    /// Writes `part` into `t` at `block`.
    static func insert(_ part: Tensor<Float>, into t: inout Tensor<Float>, _ block: [(start: Int, size: Int)]) {
        if part.shape == t.shape { t = part; return }
        var read = 0
        forEachRow(t.shape, block) { offset, length in
            for i in 0..<length { t.data[offset + i] = part.data[read + i] }
            read += length
        }
    }

    /// Calls `body(offset, length)` for every contiguous run (along the last axis) of `block`
    /// inside a row-major tensor of `shape`, in row-major order.
    static func forEachRow(_ shape: [Int], _ block: [(start: Int, size: Int)], _ body: (Int, Int) -> Void) {
        let k = shape.count
        var strides = [Int](repeating: 1, count: k)
        for i in stride(from: k - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        var index = [Int](repeating: 0, count: max(k - 1, 0))
        let rows = block.dropLast().reduce(1) { $0 * $1.size }
        for _ in 0..<rows {
            var offset = block[k - 1].start
            for i in 0..<(k - 1) { offset += (block[i].start + index[i]) * strides[i] }
            body(offset, block[k - 1].size)
            var i = k - 2
            while i >= 0 { index[i] += 1; if index[i] < block[i].size { break }; index[i] = 0; i -= 1 }
        }
    }

    public var stateBytes: Int { states.values.reduce(0) { $0 + $1.bytes } }
}
// end excerpt

// MARK: - Trace factories

/// `reproduce trace`'s `shampoo` and `scalable-shampoo`, with pytorch-optimizer's keywords.
public enum ShampooTrace {
    /// pytorch-optimizer's `Shampoo(lr, momentum, weight_decay, weight_decouple, fixed_decay,
    /// preconditioning_compute_steps, matrix_eps)`.
    public static let shampoo: TraceOptimizerFactory = { h, params in
        try h.accept(["lr", "momentum", "weight_decay", "weight_decouple", "fixed_decay", "preconditioning_compute_steps", "matrix_eps"])
        let lr = try h.float("lr", default: 1e-3), momentum = try h.float("momentum", default: 0)
        guard (0...1).contains(momentum) else { throw TraceError.invalidHyperparameter("momentum", optimizer: h.optimizer, expected: "0 <= momentum <= 1") }
        let weightDecay = try h.float("weight_decay", default: 0)
        let decoupled = try h.bool("weight_decouple", default: false)
        if try h.bool("fixed_decay", default: false) && weightDecay != 0 && decoupled {
            throw TraceError.invalidHyperparameter("fixed_decay", optimizer: h.optimizer, expected: "false (the decay is η-scaled here)")
        }
        let computeSteps = try h.int("preconditioning_compute_steps", default: 1)
        guard computeSteps >= 1 else {
            throw TraceError.invalidHyperparameter("preconditioning_compute_steps", optimizer: h.optimizer, expected: "a whole number >= 1")
        }
        let eps = try h.float("matrix_eps", default: 1e-6)
        guard eps >= 0 else { throw TraceError.invalidHyperparameter("matrix_eps", optimizer: h.optimizer, expected: "matrix_eps >= 0") }
        let shampoo = ScaleByShampoo(momentum: momentum, weightDecay: decoupled ? 0 : weightDecay, matrixEps: eps,
                                     preconditioningComputeSteps: computeSteps)
        let decay: [GradientTransformation] = decoupled && weightDecay != 0 ? [AddDecayedWeights(weightDecay)] : []
        return ChainedOptimizer(params, transforms: [shampoo] + decay, learningRate: .constant(lr))
    }

    /// pytorch-optimizer's `ScalableShampoo` keywords (`betas`, `moving_average_for_momentum`,
    /// `weight_decay`, `decoupled_weight_decay`, `decoupled_learning_rate`,
    /// `inverse_exponent_override`, `start_preconditioning_step`, `preconditioning_compute_steps`,
    /// `statistics_compute_steps`, `block_size`, `skip_preconditioning_rank_lt`,
    /// `no_preconditioning_for_layers_with_dim_gt`, `shape_interpretation`, `graft_type`,
    /// `pre_conditioner_type`, `nesterov`, `diagonal_eps`, `matrix_eps`, `use_svd`).
    public static let scalableShampoo: TraceOptimizerFactory = { h, params in
        try h.accept(["lr", "betas", "moving_average_for_momentum", "weight_decay", "decoupled_weight_decay", "decoupled_learning_rate",
                      "inverse_exponent_override", "start_preconditioning_step", "preconditioning_compute_steps",
                      "statistics_compute_steps", "block_size", "skip_preconditioning_rank_lt",
                      "no_preconditioning_for_layers_with_dim_gt", "shape_interpretation", "graft_type", "pre_conditioner_type",
                      "nesterov", "diagonal_eps", "matrix_eps", "use_svd"])
        var s = ScaleByScalableShampoo.Settings()
        s.learningRate = try h.float("lr", default: 1e-3)
        (s.beta1, s.beta2) = try h.pair("betas", default: (0.9, 0.999))
        s.movingAverageForMomentum = try h.bool("moving_average_for_momentum", default: false)
        let weightDecay = try h.float("weight_decay", default: 0)
        let decoupled = try h.bool("decoupled_weight_decay", default: false)
        s.weightDecay = decoupled ? 0 : weightDecay
        s.decoupledLearningRate = try h.bool("decoupled_learning_rate", default: true)
        func whole(_ key: String, _ fallback: Int, atLeast minimum: Int) throws -> Int {
            let x = try h.int(key, default: fallback)
            guard x >= minimum else { throw TraceError.invalidHyperparameter(key, optimizer: h.optimizer, expected: "a whole number >= \(minimum)") }
            return x
        }
        s.inverseExponentOverride = try whole("inverse_exponent_override", 0, atLeast: 0)
        s.startPreconditioningStep = try whole("start_preconditioning_step", 25, atLeast: 1)
        s.preconditioningComputeSteps = try whole("preconditioning_compute_steps", 1000, atLeast: 1)
        s.statisticsComputeSteps = try whole("statistics_compute_steps", 1, atLeast: 1)
        s.blockSize = try h.int("block_size", default: 512)
        s.skipPreconditioningRankBelow = try h.int("skip_preconditioning_rank_lt", default: 1)
        s.noPreconditioningForDimensionAbove = try h.int("no_preconditioning_for_layers_with_dim_gt", default: 8192)
        s.shapeInterpretation = try h.bool("shape_interpretation", default: true)
        guard let graft = ScaleByScalableShampoo.Graft(rawValue: try h.int("graft_type", default: 1)) else {
            throw TraceError.invalidHyperparameter("graft_type", optimizer: h.optimizer, expected: "0 (none), 1 (SGD), 2 (AdaGrad), 3 (RMSProp) or 4 (sign)")
        }
        guard let sides = ScaleByScalableShampoo.Sides(rawValue: try h.int("pre_conditioner_type", default: 0)) else {
            throw TraceError.invalidHyperparameter("pre_conditioner_type", optimizer: h.optimizer, expected: "0 (all), 1 (input) or 2 (output)")
        }
        (s.graft, s.sides) = (graft, sides)
        s.nesterov = try h.bool("nesterov", default: true)
        s.diagonalEps = try h.float("diagonal_eps", default: 1e-10)
        s.matrixEps = try h.number("matrix_eps", default: 1e-6)
        guard s.diagonalEps >= 0, s.matrixEps >= 0 else {
            throw TraceError.invalidHyperparameter("matrix_eps", optimizer: h.optimizer, expected: "diagonal_eps, matrix_eps >= 0")
        }
        s.rootMethod = try h.bool("use_svd", default: false) ? .eigen : .coupledNewton
        let decay: [GradientTransformation] = decoupled && weightDecay != 0 ? [AddDecayedWeights(weightDecay)] : []
        return ChainedOptimizer(params, transforms: [ScaleByScalableShampoo(s)] + decay, learningRate: .constant(s.learningRate))
    }
}
