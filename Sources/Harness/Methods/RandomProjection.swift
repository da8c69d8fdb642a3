import Foundation

// # Random projection sources (APOLLO, Flora, GaLore with a random projector)
//
// GaLore takes its projector from the SVD of the gradient; APOLLO and Flora draw it at random and
// refresh it every T steps. A random projector need not be stored: it is a function of a named
// stream, the tensor and the refresh number, so an optimizer can regenerate it each step and keep
// only the moments (the paper's "SGD-like memory" rests on that). The matrices here have the
// orientation of `GaLoreProjection.Projector`: a left projector is `rows × r` and projects `PᵀG`,
// a right projector is `r × columns` and projects `G Pᵀ`.

/// Random projection matrices with i.i.d. entries of variance `1/r`.
///
/// With `P` of shape `r × n` (entries of variance `1/r`), `E[PᵀP] = I_n`: each of the `n`
/// diagonal entries sums `r` squares of variance `1/r`, and off-diagonal entries average to zero.
/// So the projection preserves squared norms in expectation, `E‖P g‖² = ‖g‖²` (the
/// Johnson–Lindenstrauss scaling APOLLO states, `P_ij ~ N(0, 1/r)`). For a left projector
/// (`m × r`) the same holds for `P Pᵀ`.
public enum RandomProjection {
    /// The entries' distribution.
    public enum Distribution: String, Sendable, CaseIterable {
        /// `N(0, 1/r)` (APOLLO, Flora).
        case gaussian
        /// `±1/√r` with equal probability: the same second moments, and `diag(PᵀP) = 1` exactly.
        case rademacher
    }

    /// A `rows × columns` matrix with i.i.d. entries of variance `1/rank`, drawn row-major from `rng`.
    public static func matrix(rows: Int, columns: Int, rank: Int, distribution: Distribution,
                              using rng: inout SeededRandom) -> Tensor<Float> {
        precondition(rows > 0 && columns > 0 && rank > 0, "a random projection needs positive dimensions and rank")
        let scale = 1 / Double(rank).squareRoot()
        var data = [Float](repeating: 0, count: rows * columns)
        switch distribution {
        case .gaussian:
            for i in data.indices { data[i] = Float(scale * rng.normal()) }
        case .rademacher:
            for i in data.indices { data[i] = Float(rng.next() & 1 == 0 ? scale : -scale) }
        }
        return Tensor(shape: [rows, columns], data: data)
    }
}

/// A named stream of random projectors: the projector of tensor `index` after `refresh` refreshes
/// is drawn from `SeededRandom(seed:path: path + ["tensor <index>", "refresh <refresh>"])`, so it
/// is the same whenever it is asked for (regenerated, not stored) and independent across tensors
/// and refreshes; adding a tensor never changes another's projectors.
public struct RandomProjectionSource: Sendable {
    public var seed: UInt64
    public var path: [String]
    public var distribution: RandomProjection.Distribution

    public init(seed: UInt64, path: [String], distribution: RandomProjection.Distribution = .gaussian) {
        self.seed = seed
        self.path = path
        self.distribution = distribution
    }

    /// The projector for a stored `rows × columns` matrix on `side`: `rows × rank` for the left
    /// side (`PᵀG`), `rank × columns` for the right (`G Pᵀ`).
    public func projector(index: Int, refresh: Int, side: GaLoreProjection.Side, rows: Int, columns: Int,
                          rank: Int) -> Tensor<Float> {
        var rng = SeededRandom(seed: seed, path: path + ["tensor \(index)", "refresh \(refresh)"])
        return side == .left
            ? RandomProjection.matrix(rows: rows, columns: rank, rank: rank, distribution: distribution, using: &rng)
            : RandomProjection.matrix(rows: rank, columns: columns, rank: rank, distribution: distribution, using: &rng)
    }
}
