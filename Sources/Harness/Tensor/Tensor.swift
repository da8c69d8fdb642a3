/// A dense, row-major, n-dimensional array of ``TensorScalar`` values.
///
/// `Tensor` is a value type backed by a Swift `Array`, so copies are cheap until written
/// (copy-on-write). The last axis is contiguous: element `[i, j]` of a matrix of shape `[m, n]`
/// lives at `data[i * n + j]`. Dense products go through OpenBLAS (see ``matmul(_:_:transposeA:transposeB:)``);
/// elementwise loops run over the contiguous `data` buffer.
public struct Tensor<Scalar: TensorScalar>: Equatable, Sendable {
    /// The extent of each axis, outermost first.
    public var shape: [Int]
    /// The elements in row-major order; `data.count == shape.product`.
    public var data: [Scalar]

    /// Creates a tensor from its shape and row-major elements.
    ///
    /// - Precondition: `data.count` equals the product of `shape`.
    @inlinable
    public init(shape: [Int], data: [Scalar]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: \(data.count) values do not fill shape \(shape)")
        self.shape = shape
        self.data = data
    }

    /// A tensor of the given shape filled with `value`.
    @inlinable
    public init(shape: [Int], repeating value: Scalar) {
        self.shape = shape
        self.data = [Scalar](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of zeros.
    @inlinable
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// A tensor of ones.
    @inlinable
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    /// A scalar (rank-0) tensor.
    @inlinable
    public init(scalar: Scalar) { self.init(shape: [], data: [scalar]) }

    /// The `n x n` identity matrix.
    public static func identity(_ n: Int) -> Tensor {
        var t = zeros([n, n])
        for i in 0..<n { t.data[i * n + i] = 1 }
        return t
    }

    /// Number of elements.
    @inlinable public var count: Int { data.count }
    /// Number of axes.
    @inlinable public var rank: Int { shape.count }
    /// Rows of a matrix (`shape[0]`).
    @inlinable public var rows: Int { shape[0] }
    /// Columns of a matrix (the last axis).
    @inlinable public var columns: Int { shape[shape.count - 1] }

    /// The element at row `i`, column `j` of a matrix.
    @inlinable
    public subscript(i: Int, j: Int) -> Scalar {
        get { data[i * shape[1] + j] }
        set { data[i * shape[1] + j] = newValue }
    }

    /// The same elements under another shape with the same element count.
    @inlinable
    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, data: data) }

    /// Converts every element to another scalar type.
    @inlinable
    public func converted<Other: TensorScalar>(to: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(shape: shape, data: data.map { Other($0) })
    }

    /// The transpose of a matrix.
    public var transposed: Tensor {
        precondition(rank == 2, "transposed needs a matrix, got shape \(shape)")
        let m = shape[0], n = shape[1]
        var out = [Scalar](repeating: 0, count: m * n)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<m { for j in 0..<n { dst[j * m + i] = src[i * n + j] } }
            }
        }
        return Tensor(shape: [n, m], data: out)
    }

    /// Rows `range` of a matrix (or of the first axis of any tensor), copied.
    public func rows(_ range: Range<Int>) -> Tensor {
        let inner = count / max(shape[0], 1)
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, data: Array(data[(range.lowerBound * inner)..<(range.upperBound * inner)]))
    }

    /// The rows at `indices` of the first axis, gathered into a new tensor (a mini-batch).
    public func gatherRows(_ indices: [Int]) -> Tensor {
        let inner = count / max(shape[0], 1)
        var out = [Scalar]()
        out.reserveCapacity(indices.count * inner)
        for i in indices { out.append(contentsOf: data[(i * inner)..<((i + 1) * inner)]) }
        var s = shape
        s[0] = indices.count
        return Tensor(shape: s, data: out)
    }

    /// True when every element is finite (no NaN or infinity).
    public var isFinite: Bool { data.allSatisfy { $0.isFinite } }
}

// MARK: - Elementwise arithmetic

extension Tensor {
    /// Elementwise sum.
    @inlinable
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shape mismatch \(a.shape) vs \(b.shape)")
        var out = a
        out.add(b)
        return out
    }

    /// Elementwise difference.
    @inlinable
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shape mismatch \(a.shape) vs \(b.shape)")
        var out = a
        out.add(b, scaledBy: -1)
        return out
    }

    /// Elementwise (Hadamard) product.
    @inlinable
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        precondition(a.shape == b.shape, "shape mismatch \(a.shape) vs \(b.shape)")
        var out = a
        out.data.withUnsafeMutableBufferPointer { o in
            b.data.withUnsafeBufferPointer { bb in
                for i in 0..<o.count { o[i] *= bb[i] }
            }
        }
        return out
    }

    /// Every element multiplied by `s`.
    @inlinable
    public static func * (s: Scalar, a: Tensor) -> Tensor {
        var out = a
        out.scale(by: s)
        return out
    }

    /// `self += alpha * other`, in place (BLAS `axpy` semantics).
    @inlinable
    public mutating func add(_ other: Tensor, scaledBy alpha: Scalar = 1) {
        precondition(count == other.count, "add: \(shape) vs \(other.shape)")
        data.withUnsafeMutableBufferPointer { o in
            other.data.withUnsafeBufferPointer { b in
                for i in 0..<o.count { o[i] += alpha * b[i] }
            }
        }
    }

    /// Multiplies every element by `s`, in place.
    @inlinable
    public mutating func scale(by s: Scalar) {
        data.withUnsafeMutableBufferPointer { o in
            for i in 0..<o.count { o[i] *= s }
        }
    }

    /// Applies `f` to every element.
    @inlinable
    public func map(_ f: (Scalar) -> Scalar) -> Tensor { Tensor(shape: shape, data: data.map(f)) }

    /// Sum of all elements.
    @inlinable
    public func sum() -> Scalar {
        data.withUnsafeBufferPointer { b in
            var s: Scalar = 0
            for v in b { s += v }
            return s
        }
    }

    /// Sum of squares of all elements.
    @inlinable
    public func squaredNorm() -> Scalar {
        data.withUnsafeBufferPointer { b in
            var s: Scalar = 0
            for v in b { s += v * v }
            return s
        }
    }

    /// Frobenius (or Euclidean) norm.
    @inlinable
    public func norm() -> Scalar { squaredNorm().squareRoot() }

    /// Sum of the elementwise product with `other`.
    @inlinable
    public func dot(_ other: Tensor) -> Scalar {
        precondition(count == other.count)
        return data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                var s: Scalar = 0
                for i in 0..<a.count { s += a[i] * b[i] }
                return s
            }
        }
    }
}

// MARK: - Matrix products

/// The matrix product `op(a) * op(b)` of two matrices through OpenBLAS `?gemm`.
///
/// - Parameters:
///   - transposeA: use `aᵀ` instead of `a`.
///   - transposeB: use `bᵀ` instead of `b`.
public func matmul<S: TensorScalar>(_ a: Tensor<S>, _ b: Tensor<S>, transposeA: Bool = false, transposeB: Bool = false) -> Tensor<S> {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let kb = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == kb, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") x \(b.shape)\(transposeB ? "ᵀ" : "")")
    // With k > 0 and beta = 0, BLAS writes every element of C without reading it (C "need not be
    // set on input"), so the output is not zero-filled first.
    var c = k > 0 ? Tensor<S>(shape: [m, n], data: [S](unsafeUninitializedCapacity: m * n) { _, count in count = m * n })
                  : Tensor<S>.zeros([m, n])
    gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, alpha: 1, beta: 0)
    return c
}

/// `c = alpha * op(a) * op(b) + beta * c`, writing into an existing matrix (no allocation).
public func gemm<S: TensorScalar>(
    _ a: Tensor<S>, _ b: Tensor<S>, into c: inout Tensor<S>,
    transposeA: Bool = false, transposeB: Bool = false, alpha: S = 1, beta: S = 0
) {
    let m = transposeA ? a.shape[1] : a.shape[0]
    let k = transposeA ? a.shape[0] : a.shape[1]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(c.shape == [m, n], "gemm output shape \(c.shape), expected \([m, n])")
    if m == 0 || n == 0 { return }
    if k == 0 { c.scale(by: beta); return }
    CostMeter.countMatmul(m: m, n: n, k: k)
    a.data.withUnsafeBufferPointer { pa in
        b.data.withUnsafeBufferPointer { pb in
            c.data.withUnsafeMutableBufferPointer { pc in
                S.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                       alpha: alpha, a: pa.baseAddress!, lda: a.shape[1], b: pb.baseAddress!, ldb: b.shape[1],
                       beta: beta, c: pc.baseAddress!, ldc: n)
            }
        }
    }
}
