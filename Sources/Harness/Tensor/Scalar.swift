import COpenBLAS
import RealModule

/// The element types a ``Tensor`` can hold: `Float` for training, `Double` where precision
/// matters (finite-difference gradient checks, theory checks that run to 1e-10).
///
/// Each conforming type routes the dense kernels to the matching OpenBLAS/LAPACK routine
/// (`sgemm` or `dgemm`, `sgesdd` or `dgesdd`, ...), so generic code pays one witness-table call per
/// kernel, never per element.
public protocol TensorScalar: BinaryFloatingPoint, Real, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// `C = alpha * op(A) * op(B) + beta * C` on row-major buffers.
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// LAPACK `?gesdd` on a column-major `m x n` matrix (overwritten); `jobz = "S"`.
    static func lapackGESDD(
        m: Int, n: Int, a: UnsafeMutablePointer<Self>, s: UnsafeMutablePointer<Self>,
        u: UnsafeMutablePointer<Self>, vt: UnsafeMutablePointer<Self>) -> Int32
    /// LAPACK `?syevd` (eigenvalues ascending, eigenvectors in the columns), column-major, upper.
    static func lapackSYEVD(n: Int, a: UnsafeMutablePointer<Self>, w: UnsafeMutablePointer<Self>) -> Int32
    /// LAPACK `?geqrf` followed by `?orgqr`: overwrites the column-major `m x n` (m >= n) matrix with Q.
    static func lapackQ(m: Int, n: Int, a: UnsafeMutablePointer<Self>) -> Int32
    /// LAPACK `?potrf` then `?potrs`: solves `A X = B` for symmetric positive definite `A`
    /// (column-major, overwritten by its Cholesky factor) and `nrhs` right-hand sides in `b`.
    static func lapackPOSV(n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, b: UnsafeMutablePointer<Self>) -> Int32
    /// LAPACK `?gesv`: solves `A X = B` by LU with partial pivoting, column-major.
    static func lapackGESV(n: Int, nrhs: Int, a: UnsafeMutablePointer<Self>, b: UnsafeMutablePointer<Self>) -> Int32
}


extension Float: TensorScalar {
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func lapackGESDD(
        m: Int, n: Int, a: UnsafeMutablePointer<Float>, s: UnsafeMutablePointer<Float>,
        u: UnsafeMutablePointer<Float>, vt: UnsafeMutablePointer<Float>
    ) -> Int32 {
        var jobz = Int8(UInt8(ascii: "S")), mm = Int32(m), nn = Int32(n), lda = Int32(max(1, m))
        var ldu = Int32(max(1, m)), ldvt = Int32(max(1, min(m, n))), info: Int32 = 0, lwork: Int32 = -1
        var query: Float = 0
        var iwork = [Int32](repeating: 0, count: 8 * max(1, min(m, n)))
        sgesdd_(&jobz, &mm, &nn, a, &lda, s, u, &ldu, vt, &ldvt, &query, &lwork, &iwork, &info)
        guard info == 0 else { return info }
        lwork = Int32(query)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgesdd_(&jobz, &mm, &nn, a, &lda, s, u, &ldu, vt, &ldvt, &work, &lwork, &iwork, &info)
        return info
    }

    public static func lapackSYEVD(n: Int, a: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>) -> Int32 {
        var jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U")), nn = Int32(n), lda = Int32(max(1, n))
        var info: Int32 = 0, lwork: Int32 = -1, liwork: Int32 = -1, query: Float = 0, iquery: Int32 = 0
        ssyevd_(&jobz, &uplo, &nn, a, &lda, w, &query, &lwork, &iquery, &liwork, &info)
        guard info == 0 else { return info }
        lwork = Int32(query); liwork = iquery
        var work = [Float](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        ssyevd_(&jobz, &uplo, &nn, a, &lda, w, &work, &lwork, &iwork, &liwork, &info)
        return info
    }

    public static func lapackQ(m: Int, n: Int, a: UnsafeMutablePointer<Float>) -> Int32 {
        var mm = Int32(m), nn = Int32(n), lda = Int32(max(1, m)), info: Int32 = 0, lwork: Int32 = -1, query: Float = 0
        var tau = [Float](repeating: 0, count: max(1, n))
        sgeqrf_(&mm, &nn, a, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { return info }
        lwork = max(Int32(query), 1)
        var work = [Float](repeating: 0, count: Int(lwork))
        sgeqrf_(&mm, &nn, a, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { return info }
        var kk = nn
        lwork = -1
        sorgqr_(&mm, &nn, &kk, a, &lda, &tau, &query, &lwork, &info)
        lwork = max(Int32(query), 1)
        work = [Float](repeating: 0, count: Int(lwork))
        sorgqr_(&mm, &nn, &kk, a, &lda, &tau, &work, &lwork, &info)
        return info
    }

    public static func lapackPOSV(n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) -> Int32 {
        var uplo = Int8(UInt8(ascii: "U")), nn = Int32(n), nr = Int32(nrhs), ld = Int32(max(1, n)), info: Int32 = 0
        spotrf_(&uplo, &nn, a, &ld, &info)
        guard info == 0 else { return info }
        spotrs_(&uplo, &nn, &nr, a, &ld, b, &ld, &info)
        return info
    }

    public static func lapackGESV(n: Int, nrhs: Int, a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>) -> Int32 {
        var nn = Int32(n), nr = Int32(nrhs), ld = Int32(max(1, n)), info: Int32 = 0
        var ipiv = [Int32](repeating: 0, count: max(1, n))
        sgesv_(&nn, &nr, a, &ld, &ipiv, b, &ld, &info)
        return info
    }
}

extension Double: TensorScalar {
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func lapackGESDD(
        m: Int, n: Int, a: UnsafeMutablePointer<Double>, s: UnsafeMutablePointer<Double>,
        u: UnsafeMutablePointer<Double>, vt: UnsafeMutablePointer<Double>
    ) -> Int32 {
        var jobz = Int8(UInt8(ascii: "S")), mm = Int32(m), nn = Int32(n), lda = Int32(max(1, m))
        var ldu = Int32(max(1, m)), ldvt = Int32(max(1, min(m, n))), info: Int32 = 0, lwork: Int32 = -1
        var query: Double = 0
        var iwork = [Int32](repeating: 0, count: 8 * max(1, min(m, n)))
        dgesdd_(&jobz, &mm, &nn, a, &lda, s, u, &ldu, vt, &ldvt, &query, &lwork, &iwork, &info)
        guard info == 0 else { return info }
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&jobz, &mm, &nn, a, &lda, s, u, &ldu, vt, &ldvt, &work, &lwork, &iwork, &info)
        return info
    }

    public static func lapackSYEVD(n: Int, a: UnsafeMutablePointer<Double>, w: UnsafeMutablePointer<Double>) -> Int32 {
        var jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "U")), nn = Int32(n), lda = Int32(max(1, n))
        var info: Int32 = 0, lwork: Int32 = -1, liwork: Int32 = -1, query: Double = 0, iquery: Int32 = 0
        dsyevd_(&jobz, &uplo, &nn, a, &lda, w, &query, &lwork, &iquery, &liwork, &info)
        guard info == 0 else { return info }
        lwork = Int32(query); liwork = iquery
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, a, &lda, w, &work, &lwork, &iwork, &liwork, &info)
        return info
    }

    public static func lapackQ(m: Int, n: Int, a: UnsafeMutablePointer<Double>) -> Int32 {
        var mm = Int32(m), nn = Int32(n), lda = Int32(max(1, m)), info: Int32 = 0, lwork: Int32 = -1, query: Double = 0
        var tau = [Double](repeating: 0, count: max(1, n))
        dgeqrf_(&mm, &nn, a, &lda, &tau, &query, &lwork, &info)
        guard info == 0 else { return info }
        lwork = max(Int32(query), 1)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgeqrf_(&mm, &nn, a, &lda, &tau, &work, &lwork, &info)
        guard info == 0 else { return info }
        var kk = nn
        lwork = -1
        dorgqr_(&mm, &nn, &kk, a, &lda, &tau, &query, &lwork, &info)
        lwork = max(Int32(query), 1)
        work = [Double](repeating: 0, count: Int(lwork))
        dorgqr_(&mm, &nn, &kk, a, &lda, &tau, &work, &lwork, &info)
        return info
    }

    public static func lapackPOSV(n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>) -> Int32 {
        var uplo = Int8(UInt8(ascii: "U")), nn = Int32(n), nr = Int32(nrhs), ld = Int32(max(1, n)), info: Int32 = 0
        dpotrf_(&uplo, &nn, a, &ld, &info)
        guard info == 0 else { return info }
        dpotrs_(&uplo, &nn, &nr, a, &ld, b, &ld, &info)
        return info
    }

    public static func lapackGESV(n: Int, nrhs: Int, a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>) -> Int32 {
        var nn = Int32(n), nr = Int32(nrhs), ld = Int32(max(1, n)), info: Int32 = 0
        var ipiv = [Int32](repeating: 0, count: max(1, n))
        dgesv_(&nn, &nr, a, &ld, &ipiv, b, &ld, &info)
        return info
    }
}

/// OpenBLAS's own thread pool. Papers run in parallel on the cores, so each keeps BLAS single-threaded.
public enum BLASThreads {
    /// Sets the number of OpenBLAS threads for the whole process.
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(count)) }
}
