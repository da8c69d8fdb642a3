import Foundation

// # Sparse row selection (Grass, Muhamed et al. 2024): a projection source with one non-zero per row
//
// GaLore projects a gradient `G` (`d` rows on the projected side, `c` on the other) with a dense
// `Pᵀ` of shape `k × d`. Grass's `Pᵀ = ρB` is a *selection*: `B` has one 1 per row, at column `σ_j`,
// and `ρ` is diagonal, so `PᵀG` is `k` rows of `G` (row `σ_j` times `ρ_j`) and `P N` scatters the
// `k` rows of Adam's direction back into a zero matrix: a structured sparse update. No `d × c × k`
// product is needed, and a sparse implementation stores `k` indices (and `k` scales) instead of
// `d·k` projector entries. The rules differ in how `σ` is drawn from the rows' squared norms
// `‖g_i‖²` and in `ρ`:
//
// - **top-r**: the `k` largest norms (ties by lower index), `ρ = 1`;
// - **Multi-Norm** (with replacement): `k` i.i.d. draws with `p_i = ‖g_i‖²/‖G‖_F²` and
//   `ρ_j = 1/√(k p_{σ_j})`, which makes `E[P Pᵀ] = I` (an unbiased sketch; a row drawn twice is
//   selected twice, and its two updates add);
// - **Multi-Norm without replacement**: successive draws from the remaining mass, `ρ = 1`;
// - **Multi-Unif**: `k` uniform draws with replacement, `ρ = √(d/k)` (again `E[P Pᵀ] = I`).
//
// The rules are reconstructed from the paper: its repository (aashiqmuhamed/GRASS) holds only a
// README. `source` plugs a rule into `GaLoreProjection.projectorSource` as the dense `P` with the
// same orientation as GaLore's projectors; `Pᵀ G` through that matrix equals `gather` exactly (every
// other term of each sum is `0 × finite`), and the cost functions count what the sparse form does.

/// Grass's sparse projections: row selection rules, the gather they stand for, and their costs.
public enum SparseRowSelection {
    /// How the `k` rows are chosen, by the paper's names.
    public enum Rule: String, Sendable, CaseIterable {
        case topNorm = "top-r"
        case normSampling = "multi-norm"
        case normSamplingWithoutReplacement = "multi-norm-nr"
        case uniform = "multi-unif"

        /// Whether `ρ ≠ 1` (a scale per selected row must be kept).
        public var isScaled: Bool { self == .normSampling || self == .uniform }
    }

    /// The selected rows `σ` (indices on the projected side, repeats allowed) and their scales `ρ`.
    public struct Selection: Equatable, Sendable {
        public var rows: [Int]
        public var scales: [Float]
    }

    /// `‖g_i‖²` of each index on the projected side: rows of a stored matrix for `.left`, its
    /// columns for `.right` (summed in double so the order of the terms does not matter).
    public static func squaredNorms(of g: Tensor<Float>, side: GaLoreProjection.Side) -> [Double] {
        var norms = [Double](repeating: 0, count: side == .left ? g.rows : g.columns)
        g.data.withUnsafeBufferPointer { x in
            for r in 0..<g.rows {
                for c in 0..<g.columns {
                    let v = Double(x[r * g.columns + c])
                    norms[side == .left ? r : c] += v * v
                }
            }
        }
        return norms
    }

    /// Selects `min(k, d)` indices from squared norms `norms` (`d` of them) by `rule`; random rules
    /// draw from `rng`. A zero (or non-finite) total norm falls back to uniform probabilities.
    public static func select(norms: [Double], count k: Int, rule: Rule, using rng: inout SeededRandom) -> Selection {
        let d = norms.count, k = min(k, d)
        precondition(k > 0, "sparse row selection needs at least one row")
        let total = norms.reduce(0, +)
        let weights = total > 0 && total.isFinite ? norms.map { $0 / total } : Array(repeating: 1 / Double(d), count: d)
        switch rule {
        case .topNorm:
            let order = (0..<d).sorted { norms[$0] != norms[$1] ? norms[$0] > norms[$1] : $0 < $1 }
            return Selection(rows: Array(order.prefix(k)), scales: Array(repeating: 1, count: k))
        case .normSampling, .uniform:
            let p = rule == .uniform ? Array(repeating: 1 / Double(d), count: d) : weights
            var cumulative = [Double](), sum = 0.0
            for q in p { sum += q; cumulative.append(sum) }
            var rows = [Int](), scales = [Float]()
            for _ in 0..<k {
                let u = rng.uniform() * sum
                var i = cumulative.firstIndex { $0 > u } ?? (d - 1)
                while p[i] == 0 && i > 0 { i -= 1 }                  // never land on a zero-probability row
                rows.append(i)
                scales.append(Float(1 / (Double(k) * p[i]).squareRoot()))
            }
            return Selection(rows: rows, scales: scales)
        case .normSamplingWithoutReplacement:
            var remaining = weights, rows = [Int]()
            for _ in 0..<k {
                var mass = remaining.reduce(0, +)
                if !(mass > 0) {                                      // only zero rows left: take them in order
                    remaining = (0..<d).map { rows.contains($0) ? 0 : 1 }
                    mass = remaining.reduce(0, +)
                }
                let u = rng.uniform() * mass
                var acc = 0.0, chosen = -1
                for i in 0..<d where remaining[i] > 0 {
                    acc += remaining[i]; chosen = i
                    if acc > u { break }
                }
                rows.append(chosen)
                remaining[chosen] = 0
            }
            return Selection(rows: rows, scales: Array(repeating: 1, count: k))
        }
    }

    /// The dense `P` of a selection in `GaLoreProjection`'s orientation: `d × k` for `.left`
    /// (column `j` is `ρ_j e_{σ_j}`), `k × d` for `.right` (row `j` is `ρ_j e_{σ_j}ᵀ`).
    public static func matrix(_ s: Selection, size d: Int, side: GaLoreProjection.Side) -> Tensor<Float> {
        let k = s.rows.count
        var p = Tensor<Float>.zeros(side == .left ? [d, k] : [k, d])
        for (j, (row, scale)) in zip(s.rows, s.scales).enumerated() {
            p.data[side == .left ? row * k + j : j * d + row] = scale
        }
        return p
    }

    /// `PᵀG` (`.left`, `k × c`) or `G Pᵀ` (`.right`, `c × k`) as the sparse form computes it: the
    /// selected rows (columns) of `g`, each times its scale.
    public static func gather(_ g: Tensor<Float>, _ s: Selection, side: GaLoreProjection.Side) -> Tensor<Float> {
        let k = s.rows.count
        if side == .left {
            var out = Tensor<Float>.zeros([k, g.columns])
            for (j, (row, scale)) in zip(s.rows, s.scales).enumerated() {
                for c in 0..<g.columns { out.data[j * g.columns + c] = scale * g.data[row * g.columns + c] }
            }
            return out
        }
        var out = Tensor<Float>.zeros([g.rows, k])
        for r in 0..<g.rows {
            for (j, (column, scale)) in zip(s.rows, s.scales).enumerated() { out.data[r * k + j] = scale * g.data[r * g.columns + column] }
        }
        return out
    }

    /// A `GaLoreProjection.ProjectorSource` selecting by `rule`; random draws come from the stream
    /// `(seed, path + ["tensor <index>", "step <step>"])`, so a selection is reproducible and
    /// independent across tensors and refreshes.
    public static func source(rule: Rule, seed: UInt64, path: [String] = ["grass"]) -> GaLoreProjection.ProjectorSource {
        { g, rank, side, index, step in
            var rng = SeededRandom(seed: seed, path: path + ["tensor \(index)", "step \(step)"])
            let norms = squaredNorms(of: g, side: side)
            return matrix(select(norms: norms, count: rank, rule: rule, using: &rng), size: norms.count, side: side)
        }
    }

    // MARK: Counted costs (a `d × c` matrix projected on its `d` side to `k`)

    /// A dense projection's FLOPs per step: `PᵀG` and `P N`, `2dck` each.
    public static func denseProjectionFlops(d: Int, c: Int, k: Int) -> Double { 4 * Double(d) * Double(c) * Double(k) }

    /// The sparse projection's FLOPs per step: `kc` scalings to gather and `kc` to scatter back.
    public static func sparseProjectionFlops(c: Int, k: Int) -> Double { 2 * Double(c) * Double(k) }

    /// FLOPs of one selection: the `d` squared norms (`2dc`) and `d` probabilities.
    public static func selectionFlops(d: Int, c: Int) -> Double { 2 * Double(d) * Double(c) + Double(d) }

    /// Bytes a sparse implementation keeps for one selection: `k` int32 indices, plus `k` scales
    /// at `scaleBytes` each when the rule scales.
    public static func selectionBytes(k: Int, rule: Rule, scaleBytes: Int) -> Int { k * (4 + (rule.isScaled ? scaleBytes : 0)) }
}
