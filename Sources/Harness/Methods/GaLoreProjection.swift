import Foundation

// # GaLore's gradient projection (Zhao et al. 2024), shared by the GaLore family
//
// GaLore+, Q-GaLore, Fira, GaLore with other projection sources: each of these papers changes
// one part of this transformation (the projector's source, its precision, what happens to the
// residual), so the transformation lives here once.

// excerpt: projection
/// GaLore's low-rank gradient projection, wrapping an inner transformation (Adam's scaling).
///
/// For a tensor with a ``Settings`` entry it projects the update to `r` dimensions with the
/// projector `P` (refreshed from the SVD of the current gradient every `updateGap` steps), lets
/// the inner transformation update its state *in the projected shape*, and maps the result back,
/// multiplied by `scale`. Tensors without settings (vectors, excluded matrices) go straight to the
/// inner transformation. The inner transformation keys its state by the same tensor index; it must
/// not read `parameter` (its shape is the full one), so decay belongs after this transformation.
/// State: the projectors, plus the inner transformation's state.
public final class GaLoreProjection: GradientTransformation {
    /// How a matrix is stored.
    public enum Layout: Sendable {
        /// torch's `[out, in]` (trace problems, the reference code).
        case outputsByInputs
        /// The harness `Linear`'s `[in, out]`.
        case inputsByOutputs
    }

    /// Which side of the (torch-layout) matrix is projected, by the reference's names.
    public enum ProjectionType: String, Sendable, CaseIterable {
        /// The shorter side; a square matrix its input side (`rows >= cols → right` on `[out, in]`).
        case std
        /// The longer side (`rows >= cols → left`).
        case reverseStd = "reverse_std"
        /// Always the input side, `G P` with `P = V[:, :r]`.
        case right
        /// Always the output side, `Pᵀ G` with `P = U[:, :r]`.
        case left
    }

    /// Per-tensor settings, the reference's group options.
    public struct Settings: Sendable, Equatable {
        /// `r`; clamped to `min(m, n)` as the reference's slicing does.
        public var rank: Int
        /// `T`, steps between SVD refreshes.
        public var updateGap: Int
        /// `α`, the multiplier of the projected-back update.
        public var scale: Float
        public var type: ProjectionType

        public init(rank: Int, updateGap: Int = 200, scale: Float = 1, type: ProjectionType = .std) {
            precondition(rank > 0 && updateGap > 0, "GaLore needs rank > 0 and update_proj_gap > 0")
            self.rank = rank
            self.updateGap = updateGap
            self.scale = scale
            self.type = type
        }

        /// Reads `rank`, `update_proj_gap`, `scale` and `projection_type` from a parameter's
        /// options (nil without a `rank`); missing keys take the official code's defaults.
        public init?(options: [String: Double], textOptions: [String: String]) throws {
            guard let rank = options["rank"] else { return nil }
            let typeName = textOptions["projection_type"] ?? "std"
            guard let type = ProjectionType(rawValue: typeName) else {
                throw GaLoreError.unsupportedProjectionType(typeName)
            }
            let gap = options["update_proj_gap"] ?? 200
            guard rank >= 1, rank == rank.rounded(), gap >= 1, gap == gap.rounded() else {
                throw GaLoreError.invalidOption("rank and update_proj_gap must be positive whole numbers")
            }
            self.init(rank: Int(rank), updateGap: Int(gap), scale: Float(options["scale"] ?? 1), type: type)
        }
    }

    /// The side of the *stored* matrix a projector acts on.
    public enum Side: Sendable { case left, right }

    /// A projector and the side it acts on: `left` holds `U[:, :r]` (`m x r`) and projects
    /// `Pᵀ G`; `right` holds `Vᵀ[:r, :]` (`r x n`, the reference's `ortho_matrix`) and projects
    /// `G Pᵀ`.
    public struct Projector {
        public var side: Side
        public var matrix: Tensor<Float>
        /// The step whose gradient it was computed from.
        public var step: Int
    }

    /// Computes a projector's matrix from a gradient in place of the SVD: `(gradient, rank, side,
    /// tensor index, step)` → `U[:, :k]` (`m x k`) for `.left`, `Vᵀ[:k, :]` (`k x n`) for `.right`.
    /// A variant that changes only where the projector comes from (GaLore+'s cross-head randomized
    /// subspace iteration) passes one; nil is GaLore's thin SVD.
    public typealias ProjectorSource = (_ gradient: Tensor<Float>, _ rank: Int, _ side: Side, _ index: Int, _ step: Int) -> Tensor<Float>

    public let inner: GradientTransformation
    public let layout: Layout
    /// Nil: the top singular vectors from LAPACK's SVD (GaLore).
    public let projectorSource: ProjectorSource?
    /// Settings by tensor index; nil means the plain path.
    public let settings: [Settings?]
    private var projectors: [Projector?]

    /// - Parameters:
    ///   - settings: one entry per tensor of the group (nil: no projection).
    ///   - inner: the transformation run in the projected space (e.g. ``ScaleByAdam``).
    ///   - layout: how the group's matrices are stored.
    ///   - projectorSource: where projectors come from (nil: the SVD).
    public init(settings: [Settings?], inner: GradientTransformation, layout: Layout, projectorSource: ProjectorSource? = nil) {
        self.settings = settings
        self.inner = inner
        self.layout = layout
        self.projectorSource = projectorSource
        self.projectors = Array(repeating: nil, count: settings.count)
    }

    /// The projector of tensor `index`, once computed.
    public func projector(_ index: Int) -> Projector? { index < projectors.count ? projectors[index] : nil }

    /// The side projected for a stored `rows x columns` matrix: the reference's rule, applied
    /// to the torch-layout shape and mapped back to the storage.
    public func side(rows: Int, columns: Int, type: ProjectionType) -> Side {
        let (outputs, inputs) = layout == .outputsByInputs ? (rows, columns) : (columns, rows)
        let tall = outputs >= inputs
        let torchSide: Side
        switch type {
        case .std: torchSide = tall ? .right : .left
        case .reverseStd: torchSide = tall ? .left : .right
        case .right: torchSide = .right
        case .left: torchSide = .left
        }
        if layout == .outputsByInputs { return torchSide }
        return torchSide == .left ? .right : .left
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        guard index < settings.count, let s = settings[index], u.rank == 2 else {
            inner.update(&u, parameter: parameter, index: index, step: step)
            return
        }
        // Refresh at steps 1, T+1, 2T+1, … (Algorithm 1's t mod T = 0 with t counted from 0).
        if projectors[index] == nil || (step - 1) % s.updateGap == 0 {
            if let source = projectorSource {
                let side = side(rows: u.rows, columns: u.columns, type: s.type)
                projectors[index] = Projector(side: side, matrix: source(u, s.rank, side, index, step), step: step)
            } else {
                projectors[index] = Self.projector(of: u, rank: s.rank, side: side(rows: u.rows, columns: u.columns, type: s.type),
                                                   step: step)
            }
        }
        let p = projectors[index]!
        var low = p.side == .left ? matmul(p.matrix, u, transposeA: true) : matmul(u, p.matrix, transposeB: true)
        inner.update(&low, parameter: parameter, index: index, step: step)
        if p.side == .left {
            gemm(p.matrix, low, into: &u, alpha: s.scale, beta: 0)
        } else {
            gemm(low, p.matrix, into: &u, alpha: s.scale, beta: 0)
        }
    }

    /// The top-`rank` singular vectors of `g` on `side`, from LAPACK's thin SVD. Their signs are
    /// arbitrary, which is harmless: flipping a column of `P` flips the same coordinate of every
    /// projected gradient, of `M`, and of the direction mapped back, leaving the update unchanged.
    static func projector(of g: Tensor<Float>, rank: Int, side: Side, step: Int) -> Projector {
        guard let f = try? svd(g) else {
            // gesdd fails only on non-finite input; keep the update finite-or-not as it was, with
            // an orthonormal basis that at least has the right shape (the run is diverging anyway).
            let k = min(rank, side == .left ? g.rows : g.columns)
            let eye = Tensor<Float>.identity(side == .left ? g.rows : g.columns)
            return Projector(side: side, matrix: side == .left ? eye.transposed.rowsPrefix(k).transposed : eye.rowsPrefix(k), step: step)
        }
        let k = min(rank, f.s.count)
        let matrix = side == .left ? f.u.transposed.rowsPrefix(k).transposed : f.vt.rowsPrefix(k)
        return Projector(side: side, matrix: matrix, step: step)
    }

    /// Projectors' bytes (`count × 4`) plus the inner transformation's state.
    public var stateBytes: Int {
        projectors.reduce(0) { $0 + ($1?.matrix.count ?? 0) * MemoryLayout<Float>.size } + inner.stateBytes
    }
}
// end excerpt

/// Bad GaLore options in a trace problem or a parameter's options.
public enum GaLoreError: Error, CustomStringConvertible {
    case unsupportedProjectionType(String)
    case invalidOption(String)

    public var description: String {
        switch self {
        case .unsupportedProjectionType(let t):
            return "GaLore projection_type '\(t)' is not supported; accepted: \(GaLoreProjection.ProjectionType.allCases.map(\.rawValue).joined(separator: ", "))"
        case .invalidOption(let why): return "GaLore: \(why)"
        }
    }
}

extension Tensor where Scalar == Float {
    /// The first `k` rows of a matrix.
    fileprivate func rowsPrefix(_ k: Int) -> Tensor { rows(0..<k) }
}

