/// Dense factorizations through OpenBLAS's LAPACK. LAPACK is column-major; a row-major matrix is
/// the column-major storage of its transpose, so each wrapper transposes exactly where needed.

/// Errors raised when LAPACK reports failure (a nonzero `info`).
public struct LinearAlgebraError: Error, CustomStringConvertible {
    /// The LAPACK routine that failed.
    public let routine: String
    /// LAPACK's `info` code.
    public let info: Int32
    public var description: String { "\(routine) failed with info = \(info)" }
}

/// The thin singular value decomposition `A = U diag(S) Vᵀ` of an `m x n` matrix, `k = min(m, n)`.
public struct SVD<S: TensorScalar> {
    /// Left singular vectors, `m x k`, orthonormal columns.
    public var u: Tensor<S>
    /// Singular values, descending, length `k`.
    public var s: [S]
    /// Right singular vectors transposed, `k x n`, orthonormal rows.
    public var vt: Tensor<S>
}

/// The thin SVD of a matrix (LAPACK `?gesdd`, divide and conquer).
public func svd<S: TensorScalar>(_ a: Tensor<S>) throws -> SVD<S> {
    precondition(a.rank == 2, "svd needs a matrix")
    let m = a.shape[0], n = a.shape[1], k = min(m, n)
    // Row-major A is column-major Aᵀ (n x m); Aᵀ = V S Uᵀ, so LAPACK's "U" is V and its "Vᵀ" is Uᵀ.
    var work = a.data
    var s = [S](repeating: 0, count: k)
    var lapackU = [S](repeating: 0, count: n * k)   // column-major n x k = row-major k x n = Vᵀ
    var lapackVT = [S](repeating: 0, count: k * m)  // column-major k x m = row-major m x k = U
    let info = S.lapackGESDD(m: n, n: m, a: &work, s: &s, u: &lapackU, vt: &lapackVT)
    guard info == 0 else { throw LinearAlgebraError(routine: "gesdd", info: info) }
    return SVD(u: Tensor(shape: [m, k], data: lapackVT), s: s, vt: Tensor(shape: [k, n], data: lapackU))
}

/// The eigendecomposition `A = V diag(w) Vᵀ` of a symmetric matrix (LAPACK `?syevd`).
///
/// - Returns: eigenvalues ascending, and the matrix whose columns are the matching unit eigenvectors.
public func symmetricEigen<S: TensorScalar>(_ a: Tensor<S>) throws -> (values: [S], vectors: Tensor<S>) {
    precondition(a.rank == 2 && a.shape[0] == a.shape[1], "symmetricEigen needs a square matrix")
    let n = a.shape[0]
    var work = a.data
    var w = [S](repeating: 0, count: n)
    let info = S.lapackSYEVD(n: n, a: &work, w: &w)
    guard info == 0 else { throw LinearAlgebraError(routine: "syevd", info: info) }
    // Column-major eigenvectors read row-major are Vᵀ.
    return (w, Tensor(shape: [n, n], data: work).transposed)
}

/// The `m x n` factor `Q` with orthonormal columns of the thin QR decomposition of an `m x n`
/// matrix with `m >= n` (LAPACK `?geqrf` + `?orgqr`).
public func orthonormalBasis<S: TensorScalar>(_ a: Tensor<S>) throws -> Tensor<S> {
    precondition(a.rank == 2 && a.shape[0] >= a.shape[1], "orthonormalBasis needs a tall matrix")
    let m = a.shape[0], n = a.shape[1]
    var work = a.transposed.data
    let info = S.lapackQ(m: m, n: n, a: &work)
    guard info == 0 else { throw LinearAlgebraError(routine: "geqrf/orgqr", info: info) }
    return Tensor(shape: [n, m], data: work).transposed
}

/// Solves `A X = B` for a symmetric positive definite `A` by Cholesky (LAPACK `?potrf`/`?potrs`).
///
/// - Parameters:
///   - a: `n x n` symmetric positive definite.
///   - b: `n x r` right-hand sides.
public func choleskySolve<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) throws -> Tensor<S> {
    precondition(a.rank == 2 && a.shape[0] == a.shape[1] && b.rank == 2 && b.shape[0] == a.shape[0])
    let n = a.shape[0], r = b.shape[1]
    var fa = a.data
    var fb = b.transposed.data
    let info = S.lapackPOSV(n: n, nrhs: r, a: &fa, b: &fb)
    guard info == 0 else { throw LinearAlgebraError(routine: "potrf/potrs", info: info) }
    return Tensor(shape: [r, n], data: fb).transposed
}

/// Solves `A X = B` for a general square `A` by LU with partial pivoting (LAPACK `?gesv`).
public func solve<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>) throws -> Tensor<S> {
    precondition(a.rank == 2 && a.shape[0] == a.shape[1] && b.rank == 2 && b.shape[0] == a.shape[0])
    let n = a.shape[0], r = b.shape[1]
    var fa = a.transposed.data
    var fb = b.transposed.data
    let info = S.lapackGESV(n: n, nrhs: r, a: &fa, b: &fb)
    guard info == 0 else { throw LinearAlgebraError(routine: "gesv", info: info) }
    return Tensor(shape: [r, n], data: fb).transposed
}
