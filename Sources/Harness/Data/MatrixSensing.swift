// # Low-rank matrix sensing
//
// The problem: an unknown positive semidefinite matrix $M_\star = X_\star X_\star^\top \in \mathbb{R}^{n\times n}$
// of rank $r_\star$ is observed only through $m$ linear measurements
// $y_i = \langle A_i, M_\star\rangle$, $i = 1..m$, and is recovered by fitting a factor
// $X \in \mathbb{R}^{n \times r}$ to
//
// $$f(X) = \frac{1}{4m}\sum_{i=1}^m \big(\langle A_i, XX^\top\rangle - y_i\big)^2,\qquad
//   \nabla f(X) = \frac1m \sum_{i=1}^m \big(\langle A_i, XX^\top\rangle - y_i\big) A_i X .$$
//
// With $A_i$ scaled by $1/\sqrt m$ this is exactly the $\tfrac14\|\mathcal A(XX^\top) - y\|_2^2$ of the
// overparameterised-sensing literature (Xu, Shen, Chi and Ma 2023; Tong, Ma and Chi 2021).
//
// **The Gaussian design in packed coordinates.** The sensing matrices are symmetrised Gaussians
// $A_i = (G_i + G_i^\top)/2$ with $G_i$ i.i.d. standard normal, so $\mathbb E\,\langle A_i, M\rangle^2 = \|M\|_F^2$
// for every symmetric $M$. Writing a symmetric matrix in its packed ("svec") form, diagonal entries
// as they are and each off-diagonal pair once scaled by $\sqrt2$, turns $\langle A_i, M\rangle$ into a
// dot product $b_i \cdot \mathrm{svec}(M)$ whose coefficients $b_i$ are *exactly* i.i.d. $N(0,1)$
// ($A_{jj} \sim N(0,1)$, $\sqrt2 A_{jk} \sim N(0,1)$). So the whole operator is one dense
// $m \times n(n+1)/2$ matrix $B$, and
//
// * $\mathcal A(M) = B\,\mathrm{svec}(M)$ (one BLAS product),
// * $\mathcal A^*(w) = \sum_i w_i A_i = \mathrm{smat}(B^\top w)$ (one more),
//
// which halves the work of the naive $m\times n^2$ form and never loops over the $A_i$ one by one.
// Several factors that share one operator (the arms and condition numbers of an experiment) are
// measured together: their packed matrices are the columns of one `gemm`, so $B$ is read from memory
// once per step for all of them.

/// A Gaussian measurement operator $\mathcal A: \mathbb S^n \to \mathbb R^m$, $\mathcal A(M)_i = \langle A_i, M\rangle$,
/// with symmetrised Gaussian sensing matrices $A_i = (G_i + G_i^\top)/2$, $G_i$ i.i.d. $N(0, 1)$.
///
/// Stored as the `m x n(n+1)/2` matrix ``design`` acting on packed symmetric matrices (diagonal
/// entries, then each off-diagonal pair once, times $\sqrt 2$), whose entries are i.i.d. $N(0,1)$.
public struct GaussianSensingOperator: Sendable {
    /// Side of the sensed matrices.
    public let n: Int
    /// Number of measurements `m`.
    public let measurements: Int
    /// The `m x n(n+1)/2` design in packed coordinates, row `i` = `svec(A_i)`-dual coefficients.
    public let design: Tensor<Double>

    /// Length of a packed symmetric matrix, `n(n+1)/2`.
    public var packedDimension: Int { n * (n + 1) / 2 }

    /// Draws an operator with `measurements` symmetrised Gaussian sensing matrices of side `n`.
    public init(n: Int, measurements: Int, rng: inout SeededRandom) {
        precondition(n > 0 && measurements > 0, "GaussianSensingOperator: n and m must be positive")
        self.n = n
        self.measurements = measurements
        self.design = Tensor<Double>.randomNormal([measurements, n * (n + 1) / 2], using: &rng)
    }

    /// Packs symmetric `n x n` matrices into the columns of a `n(n+1)/2 x k` matrix.
    ///
    /// Only the upper triangle of each matrix is read (the matrices are assumed symmetric).
    public func pack(_ matrices: [Tensor<Double>]) -> Tensor<Double> {
        let k = matrices.count, n = self.n
        var out = [Double](repeating: 0, count: packedDimension * k)
        let root2 = 2.0.squareRoot()
        out.withUnsafeMutableBufferPointer { o in
            for (c, m) in matrices.enumerated() {
                precondition(m.shape == [n, n], "pack: expected \(n)x\(n), got \(m.shape)")
                m.data.withUnsafeBufferPointer { a in
                    var p = 0
                    for j in 0..<n {
                        o[p * k + c] = a[j * n + j]
                        p += 1
                        for l in (j + 1)..<n {
                            o[p * k + c] = root2 * a[j * n + l]
                            p += 1
                        }
                    }
                }
            }
        }
        return Tensor(shape: [packedDimension, k], data: out)
    }

    /// The inverse-adjoint of ``pack(_:)`` for the adjoint map: column `c` of `packed` (the
    /// coefficients of $\sum_i w_i A_i$ in the dual basis) becomes a symmetric `n x n` matrix.
    public func unpackAdjoint(_ packed: Tensor<Double>) -> [Tensor<Double>] {
        let k = packed.columns, n = self.n
        precondition(packed.rows == packedDimension, "unpackAdjoint: \(packed.shape)")
        let invRoot2 = 1 / 2.0.squareRoot()
        return (0..<k).map { c in
            var m = [Double](repeating: 0, count: n * n)
            packed.data.withUnsafeBufferPointer { v in
                m.withUnsafeMutableBufferPointer { a in
                    var p = 0
                    for j in 0..<n {
                        a[j * n + j] = v[p * k + c]
                        p += 1
                        for l in (j + 1)..<n {
                            let x = invRoot2 * v[p * k + c]
                            a[j * n + l] = x
                            a[l * n + j] = x
                            p += 1
                        }
                    }
                }
            }
            return Tensor(shape: [n, n], data: m)
        }
    }

    /// $\mathcal A(M)$ for each symmetric matrix, in one `gemm`: `result[c][i] = ⟨A_i, matrices[c]⟩`.
    public func measure(_ matrices: [Tensor<Double>]) -> [[Double]] {
        let k = matrices.count, m = measurements
        let y = matmul(design, pack(matrices))  // m x k
        var out = [[Double]](repeating: [Double](repeating: 0, count: m), count: k)
        y.data.withUnsafeBufferPointer { v in
            for c in 0..<k {
                out[c].withUnsafeMutableBufferPointer { o in
                    for i in 0..<m { o[i] = v[i * k + c] }
                }
            }
        }
        return out
    }

    /// $\mathcal A^*(w) = \sum_i w_i A_i$ for each weight vector, in one `gemm`.
    public func adjoint(_ weights: [[Double]]) -> [Tensor<Double>] {
        let k = weights.count, m = measurements
        var w = [Double](repeating: 0, count: m * k)
        w.withUnsafeMutableBufferPointer { o in
            for (c, wc) in weights.enumerated() {
                precondition(wc.count == m, "adjoint: expected \(m) weights, got \(wc.count)")
                wc.withUnsafeBufferPointer { src in
                    for i in 0..<m { o[i * k + c] = src[i] }
                }
            }
        }
        let packed = matmul(design, Tensor(shape: [m, k], data: w), transposeA: true)  // d x k
        return unpackAdjoint(packed)
    }

    /// One evaluation of a factor: the loss, its gradient, and the Gram matrix $XX^\top$ it was
    /// computed from (callers reuse it for the recovery error instead of forming it again).
    public struct Evaluation {
        /// $f(X) = \frac{1}{4m}\|\mathcal A(XX^\top) - y\|^2$.
        public var loss: Double
        /// $\nabla f(X) = \frac1m \mathcal A^*(\mathcal A(XX^\top) - y)\,X$.
        public var gradient: Tensor<Double>
        /// $XX^\top$.
        public var gram: Tensor<Double>
    }

    /// Loss, gradient and Gram matrix for several factors at once (each with its own observations),
    /// sharing this operator's two `gemm`s.
    public func evaluate(factors: [Tensor<Double>], observations: [[Double]]) -> [Evaluation] {
        precondition(factors.count == observations.count, "evaluate: \(factors.count) factors, \(observations.count) observation vectors")
        let grams = factors.map { matmul($0, $0, transposeB: true) }
        var residuals = measure(grams)
        let m = measurements
        var losses = [Double](repeating: 0, count: factors.count)
        for c in residuals.indices {
            losses[c] = residuals[c].withUnsafeMutableBufferPointer { r in
                observations[c].withUnsafeBufferPointer { y in
                    var s = 0.0
                    for i in 0..<m { r[i] -= y[i]; s += r[i] * r[i] }
                    return s / (4 * Double(m))
                }
            }
        }
        let adjoints = adjoint(residuals)
        return (0..<factors.count).map { c in
            var g = Tensor<Double>.zeros(factors[c].shape)
            gemm(adjoints[c], factors[c], into: &g, alpha: 1 / Double(m))
            return Evaluation(loss: losses[c], gradient: g, gram: grams[c])
        }
    }

    /// Loss $f(X) = \frac{1}{4m}\|\mathcal A(XX^\top) - y\|^2$ and gradient
    /// $\nabla f(X) = \frac1m \mathcal A^*(\mathcal A(XX^\top) - y)\,X$ for several factors at once.
    public func lossAndGradient(factors: [Tensor<Double>], observations: [[Double]]) -> [(loss: Double, gradient: Tensor<Double>)] {
        evaluate(factors: factors, observations: observations).map { ($0.loss, $0.gradient) }
    }
}

/// A low-rank PSD matrix sensing instance: ground truth $M_\star = X_\star X_\star^\top = U\,\mathrm{diag}(\sigma)\,U^\top$
/// with prescribed singular values, a Gaussian operator, and noiseless observations $y = \mathcal A(M_\star)$.
public struct MatrixSensingProblem: Sendable {
    /// The measurement operator (possibly shared with other problems).
    public let sensing: GaussianSensingOperator
    /// $X_\star = U\,\mathrm{diag}(\sqrt\sigma)$, `n x r*`.
    public let groundTruthFactor: Tensor<Double>
    /// $M_\star = X_\star X_\star^\top$, `n x n`.
    public let groundTruth: Tensor<Double>
    /// The nonzero singular values of $M_\star$, largest first.
    public let singularValues: [Double]
    /// $y = \mathcal A(M_\star)$.
    public let observations: [Double]
    /// $\|M_\star\|_F$, the denominator of ``relativeError(_:)``.
    public let groundTruthNorm: Double

    /// An instance with ground truth $U\,\mathrm{diag}(\sigma)\,U^\top$.
    ///
    /// - Parameters:
    ///   - basis: `n x r*` with orthonormal columns.
    ///   - singularValues: positive, length `r*`.
    public init(sensing: GaussianSensingOperator, basis: Tensor<Double>, singularValues: [Double]) {
        precondition(basis.shape == [sensing.n, singularValues.count], "basis \(basis.shape) vs n=\(sensing.n), r*=\(singularValues.count)")
        precondition(singularValues.allSatisfy { $0 > 0 }, "singular values must be positive")
        self.sensing = sensing
        self.singularValues = singularValues
        var factor = basis
        let r = singularValues.count
        for i in 0..<sensing.n { for j in 0..<r { factor[i, j] *= singularValues[j].squareRoot() } }
        self.groundTruthFactor = factor
        self.groundTruth = matmul(factor, factor, transposeB: true)
        self.groundTruthNorm = groundTruth.norm()
        self.observations = sensing.measure([groundTruth])[0]
    }

    /// $\kappa = \sigma_1/\sigma_{r_\star}$.
    public var conditionNumber: Double { singularValues.first! / singularValues.last! }
    /// $\sigma_{\min}(M_\star)$.
    public var smallestSingularValue: Double { singularValues.last! }

    /// Singular values spaced geometrically from 1 down to $1/\kappa$ (so $\|M_\star\| = 1$).
    public static func geometricSpectrum(rank: Int, conditionNumber kappa: Double) -> [Double] {
        precondition(rank >= 1 && kappa >= 1, "geometricSpectrum: rank >= 1, kappa >= 1")
        if rank == 1 { return [1] }
        return (0..<rank).map { Double.pow(kappa, -Double($0) / Double(rank - 1)) }
    }

    /// A uniformly random `n x r` matrix with orthonormal columns (QR of a Gaussian matrix).
    public static func randomBasis(n: Int, rank: Int, rng: inout SeededRandom) -> Tensor<Double> {
        let g = Tensor<Double>.randomNormal([n, rank], using: &rng)
        // orthonormalBasis only fails on a rank-deficient input, which a Gaussian draw is not (a.s.).
        return try! orthonormalBasis(g)
    }

    /// $f(X) = \frac{1}{4m}\|\mathcal A(XX^\top) - y\|^2$.
    public func loss(_ x: Tensor<Double>) -> Double {
        let p = sensing.measure([matmul(x, x, transposeB: true)])[0]
        var s = 0.0
        for i in p.indices { s += (p[i] - observations[i]) * (p[i] - observations[i]) }
        return s / (4 * Double(sensing.measurements))
    }

    /// The loss and $\nabla f(X) = \frac1m\mathcal A^*(\mathcal A(XX^\top) - y)X$.
    public func lossAndGradient(_ x: Tensor<Double>) -> (loss: Double, gradient: Tensor<Double>) {
        sensing.lossAndGradient(factors: [x], observations: [observations])[0]
    }

    /// Recovery (test) error $\|XX^\top - M_\star\|_F / \|M_\star\|_F$.
    public func relativeError(_ x: Tensor<Double>) -> Double {
        relativeError(gram: matmul(x, x, transposeB: true))
    }

    /// Recovery error from an already formed Gram matrix $XX^\top$.
    public func relativeError(gram: Tensor<Double>) -> Double {
        precondition(gram.shape == groundTruth.shape, "relativeError: gram \(gram.shape)")
        // Formed entrywise, not as ‖XᵀX‖² − 2‖X⋆ᵀX‖² + ‖M⋆‖²: that shortcut cancels catastrophically
        // exactly where the error is small, which is the regime being measured.
        let s = gram.data.withUnsafeBufferPointer { a in
            groundTruth.data.withUnsafeBufferPointer { b in
                var s = 0.0
                for i in 0..<a.count { let d = a[i] - b[i]; s += d * d }
                return s
            }
        }
        return s.squareRoot() / groundTruthNorm
    }

    /// Training residual $\|\mathcal A(XX^\top) - y\|_2 / \|y\|_2$.
    public func relativeResidual(_ x: Tensor<Double>) -> Double {
        let p = sensing.measure([matmul(x, x, transposeB: true)])[0]
        var s = 0.0, t = 0.0
        for i in p.indices { s += (p[i] - observations[i]) * (p[i] - observations[i]); t += observations[i] * observations[i] }
        return (s / t).squareRoot()
    }
}

/// The Gaussian operator's $\tfrac1m\mathcal A^*\mathcal A$ in packed coordinates, $H=\tfrac1m B^\top B$
/// ($d\times d$, $d=n(n+1)/2$), for runs with many measurements.
///
/// With noiseless data $y=B\,\mathrm{svec}(M_\star)$ the gradient is
/// $\nabla f(X)=\mathrm{smat}\big(H\,\mathrm{svec}(XX^\top-M_\star)\big)X$ and the loss $\tfrac14\,\mathrm{svec}(\Delta)^\top H\,\mathrm{svec}(\Delta)$,
/// the same iteration as with $B$ itself, but each step costs $d^2$ per factor instead of $2md$ and
/// $B$ never has to be stored: at $m=100\,n\,r_\star$ the step is ~20 times cheaper. Working with
/// $\Delta=XX^\top-M_\star$ rather than $HX\!X^\top - B^\top y$ avoids cancelling two $O(1)$ terms when the error is small.
public struct PackedNormalOperator {
    /// Number of measurements `m` behind $H$.
    public let measurements: Int
    /// $H=\tfrac1m B^\top B$.
    public let matrix: Tensor<Double>

    /// $H$ of an existing operator.
    public init(_ sensing: GaussianSensingOperator) {
        var h = matmul(sensing.design, sensing.design, transposeA: true)
        h.scale(by: 1 / Double(sensing.measurements))
        measurements = sensing.measurements
        matrix = h
    }

    /// $H$ of the operator `GaussianSensingOperator(n:measurements:rng:)` would draw from `rng` (the
    /// same row-major stream), accumulated block of rows by block so that $B$ is never held whole.
    public init(n: Int, measurements m: Int, rng: inout SeededRandom, rowsPerBlock: Int = 4096) {
        let d = n * (n + 1) / 2
        var h = Tensor<Double>.zeros([d, d])
        var drawn = 0
        while drawn < m {
            let rows = min(rowsPerBlock, m - drawn)
            let block = Tensor<Double>.randomNormal([rows, d], using: &rng)
            gemm(block, block, into: &h, transposeA: true, alpha: 1, beta: 1)
            drawn += rows
        }
        h.scale(by: 1 / Double(m))
        measurements = m
        matrix = h
    }

    /// The population limit $m\to\infty$: $H=I$, so $\tfrac1m\mathcal A^*\mathcal A(M)=M$ exactly (an exact
    /// isometry, RIP constant 0) and $f(X)=\tfrac14\|XX^\top-M_\star\|_F^2$. `measurements` is 0.
    public init(populationOn n: Int) {
        measurements = 0
        matrix = Tensor<Double>.identity(n * (n + 1) / 2)
    }

    /// $\mathrm{smat}(H\,\mathrm{svec}(M))=\tfrac1m\mathcal A^*\mathcal A(M)$ for each symmetric matrix; `layout`
    /// supplies the packing (any operator on the same side `n`).
    public func apply(_ matrices: [Tensor<Double>], layout: GaussianSensingOperator) -> [Tensor<Double>] {
        layout.unpackAdjoint(matmul(matrix, layout.pack(matrices)))
    }

    /// $\mathrm{svec}(M)^\top H\,\mathrm{svec}(M)=\tfrac1m\|\mathcal A(M)\|^2$ for each symmetric matrix.
    public func quadraticForm(_ matrices: [Tensor<Double>], layout: GaussianSensingOperator) -> [Double] {
        let packed = layout.pack(matrices)
        let image = matmul(matrix, packed)
        let k = matrices.count
        return (0..<k).map { c in
            var q = 0.0
            for p in 0..<packed.rows { q += packed.data[p * k + c] * image.data[p * k + c] }
            return q
        }
    }

    /// Gram matrix $XX^\top$, gradient $\mathrm{smat}(H\,\mathrm{svec}(\Delta))X$ and $\|\mathcal A(\Delta)\|/\sqrt m$ with
    /// $\Delta=XX^\top-M_\star$, for each factor and its target $M_\star$.
    public func evaluate(factors: [Tensor<Double>], targets: [Tensor<Double>], layout: GaussianSensingOperator)
        -> [(gram: Tensor<Double>, gradient: Tensor<Double>, residualNorm: Double)] {
        let grams = factors.map { matmul($0, $0, transposeB: true) }
        let differences = zip(grams, targets).map { $0 - $1 }
        let packed = layout.pack(differences)
        let image = matmul(matrix, packed)
        let k = factors.count
        let adjoints = layout.unpackAdjoint(image)
        return (0..<k).map { c in
            var q = 0.0
            for p in 0..<packed.rows { q += packed.data[p * k + c] * image.data[p * k + c] }
            return (grams[c], matmul(adjoints[c], factors[c]), max(q, 0).squareRoot())
        }
    }
}
