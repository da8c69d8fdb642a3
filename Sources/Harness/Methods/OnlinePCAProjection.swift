import Foundation

// # Online PCA projectors (Online Subspace Descent, Liang et al. 2024)
//
// GaLore refreshes its projector from an SVD of the gradient every T steps. Online Subspace
// Descent keeps the projector as a trainable matrix instead: after its first SVD, at every step it
// moves `P` one AdamW step down the PCA reconstruction error of the current gradient,
//
//     L(P) = ‖P Pᵀ Ĝ − Ĝ‖²_F,   Ĝ = G / ‖G‖_F,
//
// whose minimisers over `d × r` matrices are the orthonormal bases of `Ĝ`'s top-`r` left singular
// subspace (Eckart–Young). With `B = PᵀĜ`, `R = P B − Ĝ` and `S = PᵀR` the gradient is
//
//     ∇L = 2 (R Bᵀ + Ĝ Sᵀ),
//
// five products of `2 d n r` FLOPs each, against the `O(d n min(d, n))` of an SVD. `P` is never
// re-orthonormalised (the official code does not); the objective itself pulls it back.
// The official code's projector optimizer is torch's AdamW with its defaults (β = (0.9, 0.999),
// ε = 1e-8, weight decay 0.01) and learning rate `1/update_proj_gap`, scaled by the weights'
// `lr_t / lr_0`.

// excerpt: online-pca
/// One matrix's online-PCA projector `P` (`d × r`, the projected side as rows) with the AdamW
/// moments that move it.
public struct OnlinePCAState {
    /// `P`, `d × r`.
    public var basis: Tensor<Float>
    var first: Tensor<Float>, second: Tensor<Float>
    /// AdamW steps taken.
    public private(set) var steps = 0

    public init(basis: Tensor<Float>) {
        self.basis = basis
        first = .zeros(basis.shape)
        second = .zeros(basis.shape)
    }

    /// `L(P)` for the gradient `a` (`d × n`; normalised here); zero for a zero or non-finite gradient.
    public static func reconstructionError(_ p: Tensor<Float>, of a: Tensor<Float>) -> Double { lossAndGradient(p, a).loss }

    /// `L(P)` and `∇L` (nil when `a` is zero or not finite: there is nothing to track).
    static func lossAndGradient(_ p: Tensor<Float>, _ a: Tensor<Float>) -> (loss: Double, gradient: Tensor<Float>?) {
        let norm = a.data.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0, norm.isFinite else { return (0, nil) }
        var g = a
        g.scale(by: Float(1 / norm))
        let b = matmul(p, g, transposeA: true)
        var r = g
        gemm(p, b, into: &r, alpha: 1, beta: -1)
        let s = matmul(p, r, transposeA: true)
        var gradient = matmul(r, b, transposeB: true)
        gemm(g, s, into: &gradient, transposeB: true, alpha: 1, beta: 1)
        gradient.scale(by: 2)
        return (r.data.reduce(0.0) { $0 + Double($1) * Double($1) }, gradient)
    }

    /// One AdamW step (torch's form: decay `P ← P(1 − ηλ)`, then `P ← P − η m̂ / (√v̂ + ε)`) on
    /// `L(P)` for gradient `a`. Returns `L` before the step; a zero or non-finite gradient leaves
    /// `P` and the moments as they were.
    @discardableResult
    public mutating func descend(_ a: Tensor<Float>, stepSize eta: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                                 eps: Float = 1e-8, weightDecay: Float = 0.01) -> Double {
        let (loss, gradient) = Self.lossAndGradient(basis, a)
        guard let grad = gradient, grad.data.allSatisfy(\.isFinite) else { return loss }
        steps += 1
        let c1 = Float(1 - Foundation.pow(Double(beta1), Double(steps)))
        let c2 = Float((1 - Foundation.pow(Double(beta2), Double(steps))).squareRoot())
        let decay = 1 - eta * weightDecay, size = eta / c1
        for i in 0..<basis.count {
            let gi = grad.data[i]
            first.data[i] = beta1 * first.data[i] + (1 - beta1) * gi
            second.data[i] = beta2 * second.data[i] + (1 - beta2) * gi * gi
            basis.data[i] = basis.data[i] * decay - size * first.data[i] / (second.data[i].squareRoot() / c2 + eps)
        }
        return loss
    }

    /// Bytes of the two moments (the basis itself is the projector GaLore already counts).
    public var momentBytes: Int { 2 * basis.count * MemoryLayout<Float>.size }

    /// Counted FLOPs of one update: the five `d × n × r` products of `∇L`.
    public static func updateFlops(rows d: Int, columns n: Int, rank r: Int) -> Double { 10 * Double(d) * Double(n) * Double(r) }
}

/// Online Subspace Descent's projector source for ``GaLoreProjection`` (use it with
/// `updateGap: 1`, so it is asked every step): the first call of a tensor takes GaLore's SVD
/// projector; every later call returns the current `P_t` and then moves it one AdamW step on
/// `L(P)` for this step's gradient, the official code's order (the step's projection uses `P_t`,
/// the next step's `P_{t+1}`). Counts SVDs and update FLOPs.
public final class OnlinePCAProjector {
    /// `η` per tensor index (the reference's `1/update_proj_gap`).
    public let stepSizes: [Float]
    /// Multiplies `η` at a step (the reference's `lr_t / lr_0`).
    public let stepSizeScale: (Int) -> Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    public private(set) var states: [OnlinePCAState?]
    public private(set) var svdCount = 0
    /// The shapes `(rows, columns)` of every SVD taken, in order.
    public private(set) var svdShapes: [(rows: Int, columns: Int)] = []
    public private(set) var updateFlops = 0.0
    /// `L(P_t)` summed over every update (a diagnostic of how well `P` tracks the gradients).
    public private(set) var reconstructionErrorSum = 0.0
    /// `L(P_t)` at the latest update.
    public private(set) var lastReconstructionError = Double.nan
    public private(set) var updates = 0

    public init(stepSizes: [Float], stepSizeScale: @escaping (Int) -> Float = { _ in 1 }, beta1: Float = 0.9,
                beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.stepSizes = stepSizes
        self.stepSizeScale = stepSizeScale
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        states = Array(repeating: nil, count: stepSizes.count)
    }

    /// A ``GaLoreProjection/ProjectorSource``.
    public func projector(_ g: Tensor<Float>, rank: Int, side: GaLoreProjection.Side, index: Int, step: Int) -> Tensor<Float> {
        let a = side == .left ? g : g.transposed
        guard let state = states[index] else {
            let p = GaLoreProjection.projector(of: g, rank: rank, side: side, step: step).matrix
            svdCount += 1
            svdShapes.append((g.rows, g.columns))
            states[index] = OnlinePCAState(basis: side == .left ? p : p.transposed)
            return p
        }
        let current = state.basis
        lastReconstructionError = states[index]!.descend(a, stepSize: stepSizes[index] * stepSizeScale(step), beta1: beta1,
                                                         beta2: beta2, eps: eps, weightDecay: weightDecay)
        reconstructionErrorSum += lastReconstructionError
        updates += 1
        updateFlops += OnlinePCAState.updateFlops(rows: a.rows, columns: a.columns, rank: current.columns)
        return side == .left ? current : current.transposed
    }

    /// The projectors' AdamW moments (the projectors are counted by ``GaLoreProjection``).
    public var stateBytes: Int { states.reduce(0) { $0 + ($1?.momentBytes ?? 0) } }
}
// end excerpt
