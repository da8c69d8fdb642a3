import Foundation

// # A fixed orthogonal basis and dynamic column selection (SVD-free low-rank projection)
//
// GaLore takes its projector from the SVD of each layer's gradient. Modoranu et al. (2025, "SVD-free
// low-rank adaptive gradient optimization", DCT-AdamW in IST-DASLab's optimizers) build one
// orthogonal matrix `Q` per size once — the Discrete Cosine Transform — and, at each refresh,
// take the `r` columns of `Q` best aligned with the gradient: `S = G Q` (one matrix product), the
// ℓ1 norm of each column of `S`, the top `r`. The projector is `Q[:, i_t]`; per layer only the
// indices `i_t` are state. Any orthogonal `Q` works with the selection (the official code also has
// a random-QR basis), so the basis and the selection are separate pieces here.

/// The orthonormal DCT matrix.
public enum DCTBasis {
    /// The `n × n` matrix `Q_ij = √(2/n) c_i cos(π i (2j + 1) / 2n)` with `c_0 = 1/√2`, `c_i = 1`
    /// otherwise (the official `dct3_matrix`): row `i` is the `i`-th DCT-II basis vector, so
    /// `Q Qᵀ = QᵀQ = I` and `Q`'s columns are an orthonormal basis too. Computed in Double.
    public static func matrix(_ n: Int) -> Tensor<Float> {
        precondition(n > 0, "a DCT basis needs a positive size")
        var data = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            let c = (2 / Double(n)).squareRoot() * (i == 0 ? 0.5.squareRoot() : 1)
            for j in 0..<n { data[i * n + j] = Float(c * cos(Double.pi * Double(i * (2 * j + 1)) / Double(2 * n))) }
        }
        return Tensor(shape: [n, n], data: data)
    }
}

/// The `r` largest column ℓ1 norms of a score matrix: the official code's `topk(S.norm(p=1, dim=0))`.
public enum ColumnSelection {
    /// Indices of the `rank` columns of `scores` with the largest ℓ1 norms, largest first (ties:
    /// the lower index first, so the choice is deterministic).
    public static func top(_ scores: Tensor<Float>, rank: Int) -> [Int] {
        var norms = [Double](repeating: 0, count: scores.columns)
        for i in 0..<scores.rows {
            for j in 0..<scores.columns { norms[j] += Double(abs(scores.data[i * scores.columns + j])) }
        }
        let order = norms.indices.sorted { norms[$0] > norms[$1] || (norms[$0] == norms[$1] && $0 < $1) }
        return Array(order.prefix(min(rank, scores.columns)))
    }
}

/// A ``GaLoreProjection/ProjectorSource`` that selects columns of a fixed orthogonal basis.
///
/// For the projected side of size `n` (the other side `m`), the gradient is put as `A` (`m × n`,
/// transposing for a left projection), `S = A Q`, and the projector is the selected columns of `Q`
/// in GaLore's orientation (`n × r` for `.left`, `r × n` for `.right`). Each basis is built once per
/// size and shared by every tensor of that size. Counts the FLOPs it spends on selection.
public final class OrthogonalColumnSelection {
    /// Where the fixed basis comes from.
    public enum Basis: Sendable, Equatable {
        /// The DCT matrix (the paper).
        case dct
        /// `Q` of the QR of an `n × n` Gaussian from the named stream (the official `rqr` option).
        case randomOrthogonal(seed: UInt64, path: [String])
    }

    public let basis: Basis
    private var bases: [Int: Tensor<Float>] = [:]
    /// The selected column indices by tensor index: the only per-tensor state.
    public private(set) var selected: [Int: [Int]] = [:]
    /// `2mn² + mn` per refresh: the product `S = A Q` and the column norms (the sort is not counted).
    public private(set) var flops = 0.0
    /// How many bases were built (once per distinct size).
    public private(set) var basesBuilt = 0

    public init(basis: Basis = .dct) { self.basis = basis }

    /// The basis of size `n`, built on first use.
    public func matrix(_ n: Int) -> Tensor<Float> {
        if let q = bases[n] { return q }
        let q: Tensor<Float>
        switch basis {
        case .dct: q = DCTBasis.matrix(n)
        case .randomOrthogonal(let seed, let path):
            var rng = SeededRandom(seed: seed, path: path + ["size \(n)"])
            let gaussian = Tensor<Float>.randomNormal([n, n], using: &rng)
            q = (try? orthonormalBasis(gaussian)) ?? .identity(n)
        }
        bases[n] = q
        basesBuilt += 1
        return q
    }

    /// FLOPs of one selection for an `m × n` gradient projected on its `n` side.
    public static func selectionFlops(other m: Int, projected n: Int) -> Double { Double(2 * m * n * n + m * n) }

    /// The selected indices for `gradient` (its `side` projected), without recording them.
    public func select(_ gradient: Tensor<Float>, rank: Int, side: GaLoreProjection.Side) -> (indices: [Int], basis: Tensor<Float>) {
        let a = side == .left ? gradient.transposed : gradient
        let q = matrix(a.columns)
        flops += Self.selectionFlops(other: a.rows, projected: a.columns)
        return (ColumnSelection.top(matmul(a, q), rank: rank), q)
    }

    /// ``GaLoreProjection/ProjectorSource``: `Q[:, i_t]` (`.left`) or its transpose (`.right`).
    public func projector(_ gradient: Tensor<Float>, rank: Int, side: GaLoreProjection.Side, index: Int, step: Int) -> Tensor<Float> {
        let (indices, q) = select(gradient, rank: rank, side: side)
        selected[index] = indices
        let n = q.rows, r = indices.count
        var rows = [Float](repeating: 0, count: r * n)   // row k = column indices[k] of Q
        for (k, c) in indices.enumerated() { for i in 0..<n { rows[k * n + i] = q.data[i * n + c] } }
        let p = Tensor(shape: [r, n], data: rows)
        return side == .right ? p : p.transposed
    }

    /// Bytes the method must keep: one 4-byte index per selected column, plus each basis once
    /// (`n²` values of `bytesPerValue`) unless it is regenerated from its formula.
    public func stateBytes(bytesPerValue: Int = 4, basisStored: Bool = true) -> Int {
        selected.values.reduce(0) { $0 + $1.count * 4 } + (basisStored ? bases.keys.reduce(0) { $0 + $1 * $1 * bytesPerValue } : 0)
    }
}
