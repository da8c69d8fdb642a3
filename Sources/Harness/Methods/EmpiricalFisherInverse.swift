// # Matrix-free inverse empirical Fisher (M-FAC)
//
// Frantar, Kurtic and Alistarh (2021) approximate the Hessian by a damped empirical Fisher built
// from m gradients `g_1 … g_m ∈ ℝᵈ`,
//
//     F = λ I + (1/m) Σᵢ gᵢ gᵢᵀ,
//
// and never form the d × d matrix. Two algorithms compute products with F⁻¹:
//
// - **static** (``StaticFisherInverse``, pruning): Sherman–Morrison one gradient at a time,
//   `F₀ = λI`, `Fᵢ = Fᵢ₋₁ + gᵢgᵢᵀ/m`, keeping `vᵢ = Fᵢ₋₁⁻¹ gᵢ` and `dᵢ = m + gᵢᵀvᵢ`:
//   `vᵢ = gᵢ/λ − Σ_{k<i} vₖ (vₖᵀgᵢ)/dₖ` (O(dm²) in all), then
//   `F⁻¹x = x/λ − Σᵢ vᵢ (vᵢᵀx)/dᵢ` (O(dm)) and `[F⁻¹]ⱼⱼ = 1/λ − Σᵢ vᵢⱼ²/dᵢ` (O(m));
// - **dynamic** (``SlidingWindowFisherInverse``, optimisation): a ring buffer of the last m
//   gradients and their Gram matrix `K = GGᵀ`; by Woodbury, `F⁻¹x = (x − Gᵀ(mλI + K)⁻¹Gx)/λ`.
//   Replacing a gradient updates one row and column of K (O(dm)) and refactors the m × m matrix
//   (O(m³)); a product costs two passes over G and two triangular solves (O(dm + m²)). The
//   reference reaches the same costs with an unpivoted LU of `K/λ + mI`; we factor the same matrix
//   (times λ) by Cholesky.
//
// Both count their floating-point operations (``flops``) so that cost claims are exact counts.

/// The static algorithm: F⁻¹ of `λI + (1/m) Σ gᵢgᵢᵀ` for a fixed set of m gradients (Double).
public struct StaticFisherInverse {
    public let dimension: Int, count: Int, damping: Double
    /// `vᵢ = Fᵢ₋₁⁻¹ gᵢ`, row by row (m × d).
    var v: [Double]
    /// `dᵢ = m + gᵢᵀ vᵢ`.
    var denominators: [Double]
    /// Counted operations so far (precomputation, then every query).
    public private(set) var flops = 0

    /// Precomputes from `gradients` (m rows of d entries, row-major) in O(dm²).
    public init(gradients: [Double], count m: Int, damping lambda: Double) {
        precondition(m >= 1 && gradients.count % m == 0 && lambda > 0, "M-FAC needs m ≥ 1 gradients and λ > 0")
        let d = gradients.count / m
        (dimension, count, damping) = (d, m, lambda)
        var v = [Double](repeating: 0, count: m * d), denominators = [Double](repeating: 0, count: m)
        v.withUnsafeMutableBufferPointer { v in
            gradients.withUnsafeBufferPointer { g in
                for i in 0..<m {
                    let gi = i * d
                    for j in 0..<d { v[gi + j] = g[gi + j] / lambda }
                    for k in 0..<i {
                        let vk = k * d
                        var dot = 0.0
                        for j in 0..<d { dot += v[vk + j] * g[gi + j] }
                        let c = dot / denominators[k]
                        for j in 0..<d { v[gi + j] -= c * v[vk + j] }
                    }
                    var dot = 0.0
                    for j in 0..<d { dot += g[gi + j] * v[gi + j] }
                    denominators[i] = Double(m) + dot
                }
            }
        }
        (self.v, self.denominators) = (v, denominators)
        flops = Self.precomputationFlops(dimension: d, count: m)
    }

    /// `d + Σᵢ (4d·i + 2d)`: the scaling, `i` dot-and-update pairs, and the denominator's dot per gradient.
    public static func precomputationFlops(dimension d: Int, count m: Int) -> Int { m * d + 2 * d * m * (m - 1) + 2 * d * m }

    /// `x/λ − Σᵢ vᵢ (vᵢᵀx)/dᵢ`: O(dm).
    public mutating func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == dimension)
        let d = dimension
        var out = x.map { $0 / damping }
        for i in 0..<count {
            var dot = 0.0
            for j in 0..<d { dot += v[i * d + j] * x[j] }
            let c = dot / denominators[i]
            for j in 0..<d { out[j] -= c * v[i * d + j] }
        }
        flops += d + count * (4 * d + 1)
        return out
    }

    /// `[F⁻¹]ᵢⱼ = δᵢⱼ/λ − Σₖ vₖᵢ vₖⱼ / dₖ`: O(m).
    public mutating func element(_ i: Int, _ j: Int) -> Double {
        var value = i == j ? 1 / damping : 0
        for k in 0..<count { value -= v[k * dimension + i] * v[k * dimension + j] / denominators[k] }
        flops += 3 * count
        return value
    }

    /// The whole diagonal, O(dm).
    public mutating func diagonal() -> [Double] { (0..<dimension).map { element($0, $0) } }
}

/// The dynamic algorithm: F⁻¹ of `λI + (1/m) Σ gᵢgᵢᵀ` over a sliding window of the last m gradients
/// (the window starts as m zero gradients, as in the reference optimizer).
public struct SlidingWindowFisherInverse {
    public let dimension: Int, count: Int, damping: Double
    /// The window G (m × d), its Gram matrix K = GGᵀ, and the Cholesky factor of mλI + K (row-major).
    var gradients: Tensor<Double>
    var gram: [Double], factor: [Double]
    /// The ring buffer's next slot.
    var oldest = 0
    public private(set) var flops = 0

    public init(dimension d: Int, count m: Int, damping lambda: Double) {
        precondition(d >= 1 && m >= 1 && lambda > 0)
        (dimension, count, damping) = (d, m, lambda)
        gradients = .zeros([m, d])
        gram = [Double](repeating: 0, count: m * m)
        factor = []
        refactor()
    }

    /// Replaces the oldest gradient by `g`: O(dm) for K's row and column, O(m³) for the factor.
    public mutating func replaceOldest(with g: [Double]) {
        precondition(g.count == dimension)
        let (d, m, slot) = (dimension, count, oldest)
        gradients.data.replaceSubrange((slot * d)..<((slot + 1) * d), with: g)
        let dots = matmul(gradients, Tensor(shape: [d, 1], data: g)).data
        for i in 0..<m { (gram[slot * m + i], gram[i * m + slot]) = (dots[i], dots[i]) }
        flops += 2 * d * m
        refactor()
        oldest = (slot + 1) % m
    }

    /// Cholesky of `mλI + K` (lower, row-major): m³/3 + O(m²) operations, counted as `m³/3 + m²`.
    mutating func refactor() {
        let m = count
        var l = gram
        for i in 0..<m { l[i * m + i] += Double(m) * damping }
        for j in 0..<m {
            var s = l[j * m + j]
            for k in 0..<j { s -= l[j * m + k] * l[j * m + k] }
            let pivot = s.squareRoot()
            l[j * m + j] = pivot
            for i in (j + 1)..<max(m, j + 1) {
                var t = l[i * m + j]
                for k in 0..<j { t -= l[i * m + k] * l[j * m + k] }
                l[i * m + j] = t / pivot
            }
            for i in 0..<j { l[i * m + j] = 0 }
        }
        factor = l
        flops += m * m * m / 3 + m * m
    }

    /// `F⁻¹x = (x − Gᵀ(mλI + K)⁻¹Gx)/λ`: O(dm + m²).
    public mutating func multiply(_ x: [Double]) -> [Double] {
        precondition(x.count == dimension)
        let (d, m) = (dimension, count)
        var y = matmul(gradients, Tensor(shape: [d, 1], data: x)).data
        for i in 0..<m {           // L z = y
            for k in 0..<i { y[i] -= factor[i * m + k] * y[k] }
            y[i] /= factor[i * m + i]
        }
        for i in stride(from: m - 1, through: 0, by: -1) {   // Lᵀ w = z
            for k in (i + 1)..<max(m, i + 1) { y[i] -= factor[k * m + i] * y[k] }
            y[i] /= factor[i * m + i]
        }
        let correction = matmul(gradients, Tensor(shape: [m, 1], data: y), transposeA: true).data
        flops += 4 * d * m + 2 * m * m + d
        return (0..<d).map { (x[$0] - correction[$0]) / damping }
    }

    /// Operations of one IHVP, `4dm + 2m² + d`, and of one window update, `2dm + m³/3 + m²`.
    public static func productFlops(dimension d: Int, count m: Int) -> Int { 4 * d * m + 2 * m * m + d }
    public static func updateFlops(dimension d: Int, count m: Int) -> Int { 2 * d * m + m * m * m / 3 + m * m }

    /// Bytes held: the window, K and the factor in Double.
    public var stateBytes: Int { 8 * (gradients.count + gram.count + factor.count) }
}
