// # Inverse p-th roots of symmetric positive semi-definite matrices
//
// Kronecker-factored preconditioners (Shampoo, K-FAC, their descendants) keep small statistics
// matrices `L = Σ G Gᵀ`, `R = Σ Gᵀ G` and precondition with `L^(−1/p) G R^(−1/p)`. These
// matrices are singular whenever a gradient has fewer columns than rows, so every method says how
// it damps them:
//
//     (A + εI)^(−1/p)                 a ridge (Shampoo's `matrix_eps`, K-FAC's π-split damping)
//     (A + ε λ_max I)^(−1/p)          a ridge scaled by the largest eigenvalue (Anil et al. 2020)
//     V max(Λ, ε)^(−1/p) Vᵀ           an eigenvalue floor (Distributed Shampoo's `epsilon`)
//
// Two ways of computing the root are here. ``MatrixRoots/inverseRoot(_:p:damping:)`` takes the
// symmetric eigendecomposition `A = V Λ Vᵀ` (LAPACK `syevd`) in Double and returns
// `V f(Λ) Vᵀ`: exact up to rounding, whatever the conditioning. ``MatrixRoots/coupledNewtonInverseRoot(_:p:ridge:)``
// is the coupled Newton iteration of Guo & Higham (2006, eq. 3.2) that the reference Shampoo
// implementations run on accelerators; it stops at a residual of 1e-3, so it is an
// approximation whose error matters when matching their trajectories.

/// Inverse p-th roots `A^(−1/p)` of symmetric positive semi-definite matrices.
public enum MatrixRoots {
    /// How a root is kept finite on a singular or ill-conditioned matrix; `λ` are the eigenvalues of
    /// `A`, `λ_max` the largest.
    public enum Damping: Sendable, Equatable {
        /// No damping: eigenvalues at or below zero give infinite roots.
        case none
        /// `(A + εI)^(−1/p)`: every eigenvalue raised by `ε`.
        case ridge(Double)
        /// `(A + ε λ_max I)^(−1/p)`: the ridge scaled by the largest eigenvalue.
        case relativeRidge(Double)
        /// `V max(Λ, ε)^(−1/p) Vᵀ`: eigenvalues below `ε` raised to it.
        case floor(Double)
        /// `V max(Λ, ε λ_max)^(−1/p) Vᵀ`: eigenvalues below `ε λ_max` raised to it. With `ε` the
        /// unit roundoff of the matrix's storage, this leaves every resolved eigenvalue alone and
        /// bounds the gain of the unresolved ones (rounding noise, possibly negative).
        case relativeFloor(Double)

        /// The damped eigenvalue `λ` given the largest eigenvalue `largest`.
        @inlinable
        public func apply(_ lambda: Double, largest: Double) -> Double {
            switch self {
            case .none: return lambda
            case .ridge(let eps): return lambda + eps
            case .relativeRidge(let eps): return lambda + eps * max(largest, 0)
            case .floor(let eps): return max(lambda, eps)
            case .relativeFloor(let eps): return max(lambda, eps * max(largest, 0))
            }
        }
    }

    /// The symmetric matrix function `V f(Λ) Vᵀ` of the symmetric `n × n` matrix `a`, computed in
    /// Double from its eigendecomposition. `a` is symmetrised first (`(A + Aᵀ)/2`), so rounding
    /// asymmetry of accumulated statistics does not matter.
    ///
    /// - Parameter f: the function of one eigenvalue, given the largest eigenvalue as well.
    public static func spectralFunction(_ a: Tensor<Double>, _ f: (_ lambda: Double, _ largest: Double) -> Double) throws -> Tensor<Double> {
        precondition(a.rank == 2 && a.shape[0] == a.shape[1], "a spectral function needs a square matrix, got \(a.shape)")
        let n = a.shape[0]
        if n == 0 { return a }
        var symmetric = a
        for i in 0..<n { for j in 0..<i {
            let mean = 0.5 * (a.data[i * n + j] + a.data[j * n + i])
            symmetric.data[i * n + j] = mean; symmetric.data[j * n + i] = mean
        } }
        let (values, vectors) = try symmetricEigen(symmetric)
        let largest = values.max() ?? 0
        // V f(Λ) Vᵀ as (V f(Λ)) Vᵀ: scale V's columns, then one gemm.
        var scaled = vectors
        let weights = values.map { f($0, largest) }
        for i in 0..<n { for k in 0..<n { scaled.data[i * n + k] *= weights[k] } }
        return matmul(scaled, vectors, transposeB: true)
    }

    /// `A^(−1/p)` of a symmetric positive semi-definite matrix through its eigendecomposition, with
    /// `damping` applied to the eigenvalues first. Damped eigenvalues at or below zero give an
    /// infinite root (use a damping that keeps them positive).
    ///
    /// - Parameters:
    ///   - a: a symmetric `n × n` matrix.
    ///   - p: the root's order (`p > 0`; Shampoo uses `2k` for a tensor of rank `k`).
    public static func inverseRoot(_ a: Tensor<Double>, p: Double, damping: Damping = .none) throws -> Tensor<Double> {
        precondition(p > 0, "the root's order must be positive")
        return try spectralFunction(a) { lambda, largest in
            let damped = damping.apply(lambda, largest: largest)
            return damped > 0 ? Double.pow(damped, -1 / p) : .infinity
        }
    }

    /// `A^(−1/p)` of a Float matrix: the eigendecomposition and the root in Double, the result
    /// rounded to Float once.
    public static func inverseRoot(_ a: Tensor<Float>, p: Double, damping: Damping = .none) throws -> Tensor<Float> {
        try inverseRoot(a.converted(to: Double.self), p: p, damping: damping).converted(to: Float.self)
    }

    /// The largest eigenvalue of a symmetric matrix (LAPACK, in Double), at least 1e-16 as the
    /// reference power iteration clamps it.
    public static func largestEigenvalue<S: TensorScalar>(_ a: Tensor<S>) throws -> Double {
        let values = try symmetricEigen(a.converted(to: Double.self)).values
        return max(values.max() ?? 0, 1e-16)
    }

    /// `(A + ε λ_max I)^(−1/p)` by the coupled Newton iteration (Guo & Higham 2006, eq. 3.2), in the
    /// arithmetic of `S`, as the Shampoo references compute it:
    ///
    ///     A ← A + ε λ_max I,   z = (1 + p) / (2 ‖A‖_F),   X₀ = z^(1/p) I,   M₀ = z A
    ///     Tₖ = ((p + 1) I − Mₖ) / p,   Xₖ₊₁ = Xₖ Tₖ,   Mₖ₊₁ = Tₖ^p Mₖ
    ///
    /// until `‖Mₖ₊₁ − I‖_max ≤ tolerance` (returns `Xₖ₊₁`) or the residual grows by more than
    /// `maxErrorRatio` (returns `Xₖ`), at most `maxIterations` times. `Mₖ → I` and `Xₖ → A^(−1/p)`.
    /// A `1 × 1` matrix gives `(a + ε max(a, 1e-16))^(−1/p)` directly. The references estimate
    /// `λ_max` by 100 steps of power iteration from a random vector; here it is exact (LAPACK).
    ///
    /// - Parameters:
    ///   - a: a symmetric positive semi-definite `n × n` matrix.
    ///   - p: the root's order, a positive whole number (`Tₖ^p` by repeated squaring).
    ///   - ridge: `ε`, relative to the largest eigenvalue (pytorch-optimizer's `matrix_eps`).
    public static func coupledNewtonInverseRoot<S: TensorScalar>(
        _ a: Tensor<S>, p: Int, ridge: Double, maxIterations: Int = 100, tolerance: Double = 1e-3,
        maxErrorRatio: Double = 1.2
    ) throws -> Tensor<S> {
        precondition(a.rank == 2 && a.shape[0] == a.shape[1], "an inverse root needs a square matrix, got \(a.shape)")
        precondition(p >= 1, "the root's order must be a positive whole number")
        let n = a.shape[0]
        if n == 0 { return a }
        if n == 1 {
            let x = a.data[0]
            let damped = x + S(ridge) * max(x, S(1e-16))
            return Tensor(shape: [1, 1], data: [S.pow(damped, S(-1) / S(p))])
        }
        let identity = Tensor<S>.identity(n)
        var g = a
        let shift = S(try largestEigenvalue(a) * ridge)
        for i in 0..<n { g.data[i * n + i] += shift }
        let z = S(1 + p) / (2 * g.norm())
        var root = identity.map { $0 * S.pow(z, 1 / S(p)) }
        var m = g.map { $0 * z }
        let alpha = S(-1) / S(p)
        func distanceToIdentity(_ x: Tensor<S>) -> S {
            var worst: S = 0
            for i in 0..<n { for j in 0..<n { worst = max(worst, abs(x.data[i * n + j] - (i == j ? 1 : 0))) } }
            return worst
        }
        var previousError = distanceToIdentity(m)
        var step = Tensor<S>.zeros([n, n])
        for _ in 0..<maxIterations {
            for i in 0..<(n * n) { step.data[i] = alpha * m.data[i] }
            for i in 0..<n { step.data[i * n + i] += 1 - alpha }              // T = (1 − α) I + α M
            let nextRoot = matmul(root, step)
            let nextM = matmul(matrixPower(step, p), m)
            let error = distanceToIdentity(nextM)
            let diverged = Double(error) > Double(previousError) * maxErrorRatio
            if diverged { return root }
            if Double(error) <= tolerance { return nextRoot }
            root = nextRoot; m = nextM; previousError = error
        }
        return root
    }

    /// `T^p` by binary powering, in the order torch's `matrix_power` multiplies.
    static func matrixPower<S: TensorScalar>(_ t: Tensor<S>, _ p: Int) -> Tensor<S> {
        var result: Tensor<S>? = nil, base = t, e = p
        while e > 0 {
            if e & 1 == 1 { result = result.map { matmul($0, base) } ?? base }
            e >>= 1
            if e > 0 { base = matmul(base, base) }
        }
        return result ?? Tensor<S>.identity(t.shape[0])
    }
}
