import Foundation

// # Estimating curvature from Hessian-vector products
//
// A network's Hessian H is never formed; what a method can afford is its product with a vector,
// Hv (a central difference of two gradients today, ``Hessian/vectorProduct(_:_:h:lossAndGradient:)``,
// or an exact product on the tape). Every estimator here is written against that product alone,
// a closure `v ↦ Hv` on the parameters' tensors, so it works with whichever product a paper uses.
//
// * **Hutchinson's diagonal.** For a probe z with independent ±1 entries (Rademacher),
//   E[zᵢ (Hz)ᵢ] = Σⱼ Hᵢⱼ E[zᵢzⱼ] = Hᵢᵢ, so the mean of z ⊙ Hz over N probes is an unbiased
//   estimate of diag(H) with variance Σ_{j≠i} Hᵢⱼ² / N per entry: its error falls as 1/√N. Over
//   all 2ⁿ sign vectors of an n-parameter problem the cross terms cancel exactly.
// * **Gauss–Newton–Bartlett (Sophia-G).** For the mean softmax cross-entropy of a batch of B
//   examples, draw labels ŷ_b from the model's own softmax and take ĝ, the gradient of the loss
//   against those labels. The logit gradient of example b is p_b − e_ŷ, with mean zero and
//   covariance diag(p_b) − p_b p_bᵀ (Bartlett's identity), and examples are independent, so
//   E[B · ĝ ⊙ ĝ] = diag((1/B) Σ_b J_bᵀ (diag(p_b) − p_b p_bᵀ) J_b), the diagonal of the Gauss–Newton
//   matrix, with one backward pass and no Hessian-vector product at all.
// * **Power iteration** for the eigenvalue of largest magnitude (v ← Hv/‖Hv‖).
// * **Stochastic Lanczos quadrature** (Ghorbani, Krishnan and Xiao 2019). From a random unit
//   probe v, m Lanczos steps give a tridiagonal T = QΛQᵀ whose eigenvalues λ_k (nodes) and
//   squared first eigenvector components τ_k = Q₀ₖ² (weights) form the m-point Gauss quadrature
//   of the spectral measure of H seen from v: vᵀ f(H) v ≈ Σ_k τ_k f(λ_k), exact for polynomials
//   of degree below 2m. Averaging over probes estimates tr f(H)/n; replacing each node by a
//   Gaussian of width σ gives a smoothed spectral density that integrates to one.
//
// Probes come from the caller's `SeededRandom`, which should be a named stream
// (`RunContext.rng(...)`, `SeededRandom(seed:path:)`): the estimates are then deterministic.

/// A Hessian-vector product on a list of parameter tensors: given directions shaped like the
/// parameters (one tensor each, in order), returns Hv shaped the same way.
public typealias HessianVectorProduct = ([Tensor<Float>]) -> [Tensor<Float>]

/// Estimators of the Hessian's diagonal and spectrum from Hessian-vector products (Hutchinson,
/// Gauss–Newton–Bartlett, power iteration, stochastic Lanczos quadrature).
public enum HessianEstimators {
    // MARK: Flattening

    /// The tensors' values in order, flattened into one Double vector.
    public static func flatten(_ tensors: [Tensor<Float>]) -> [Double] {
        var out = [Double]()
        out.reserveCapacity(tensors.reduce(0) { $0 + $1.count })
        for t in tensors { out.append(contentsOf: t.data.lazy.map(Double.init)) }
        return out
    }

    /// A flat vector cut into Float tensors shaped `shapes` (the inverse of ``flatten(_:)``).
    public static func unflatten(_ x: [Double], shapes: [[Int]]) -> [Tensor<Float>] {
        var offset = 0
        return shapes.map { shape in
            let n = shape.reduce(1, *)
            defer { offset += n }
            return Tensor(shape: shape, data: x[offset..<(offset + n)].map(Float.init))
        }
    }

    /// `product` as an operator on flat Double vectors of the tensors shaped `shapes`.
    public static func flatProduct(shapes: [[Int]], _ product: @escaping HessianVectorProduct) -> ([Double]) -> [Double] {
        { flatten(product(unflatten($0, shapes: shapes))) }
    }

    // MARK: Hutchinson

    // excerpt: hutchinson-diagonal
    /// One Rademacher probe: a tensor per shape with independent entries ±1, each with
    /// probability ½, drawn from `rng` tensor by tensor in order.
    public static func rademacherProbe(shapes: [[Int]], using rng: inout SeededRandom) -> [Tensor<Float>] {
        shapes.map { shape in
            var t = Tensor<Float>.zeros(shape)
            var bits: UInt64 = 0
            for i in 0..<t.count {
                if i % 64 == 0 { bits = rng.next() }
                t.data[i] = bits & 1 == 1 ? 1 : -1
                bits >>= 1
            }
            return t
        }
    }

    /// Hutchinson's estimate of diag(H) from the given probes: the mean over probes z of
    /// z ⊙ Hz, one tensor per parameter (accumulated in Double). With Rademacher probes it is
    /// unbiased with variance Σ_{j≠i} Hᵢⱼ² / N in entry i; over all 2ⁿ sign vectors it is exact.
    public static func hutchinsonDiagonal(probes: [[Tensor<Float>]], product: HessianVectorProduct) -> [Tensor<Float>] {
        precondition(!probes.isEmpty, "Hutchinson's estimate needs at least one probe")
        let shapes = probes[0].map(\.shape)
        var sums = shapes.map { [Double](repeating: 0, count: $0.reduce(1, *)) }
        for z in probes {
            precondition(z.map(\.shape) == shapes, "every probe must have the parameters' shapes")
            let hz = product(z)
            precondition(hz.map(\.shape) == shapes, "the product must return tensors shaped like its input")
            for k in shapes.indices {
                z[k].data.withUnsafeBufferPointer { zk in
                    hz[k].data.withUnsafeBufferPointer { hk in
                        sums[k].withUnsafeMutableBufferPointer { s in
                            for i in 0..<s.count { s[i] += Double(zk[i]) * Double(hk[i]) }
                        }
                    }
                }
            }
        }
        let scale = 1 / Double(probes.count)
        return zip(shapes, sums).map { Tensor(shape: $0, data: $1.map { Float($0 * scale) }) }
    }

    /// Hutchinson's estimate of diag(H) from `probes` Rademacher probes drawn from `rng`
    /// (see ``hutchinsonDiagonal(probes:product:)``); costs `probes` Hessian-vector products.
    public static func hutchinsonDiagonal(shapes: [[Int]], probes: Int, rng: inout SeededRandom,
                                          product: HessianVectorProduct) -> [Tensor<Float>] {
        precondition(probes >= 1, "Hutchinson's estimate needs at least one probe")
        var zs = [[Tensor<Float>]]()
        zs.reserveCapacity(probes)
        for _ in 0..<probes { zs.append(rademacherProbe(shapes: shapes, using: &rng)) }
        return hutchinsonDiagonal(probes: zs, product: product)
    }
    // end excerpt

    // MARK: Gauss–Newton–Bartlett

    // excerpt: gauss-newton-bartlett
    /// One label per row of `logits` (`[batch, classes]`), drawn from the row's softmax with
    /// one uniform number from `rng` per row.
    public static func sampleLabels(logits: Tensor<Float>, using rng: inout SeededRandom) -> [Int] {
        precondition(logits.rank == 2, "logits must be [batch, classes]")
        let rows = logits.shape[0], classes = logits.shape[1]
        var labels = [Int](repeating: 0, count: rows)
        var p = [Double](repeating: 0, count: classes)
        for r in 0..<rows {
            let row = r * classes
            var top = -Double.infinity
            for j in 0..<classes { top = max(top, Double(logits.data[row + j])) }
            var total = 0.0
            for j in 0..<classes { p[j] = exp(Double(logits.data[row + j]) - top); total += p[j] }
            let u = rng.uniform() * total
            var cumulative = 0.0, label = classes - 1
            for j in 0..<classes {
                cumulative += p[j]
                if u < cumulative { label = j; break }
            }
            labels[r] = label
        }
        return labels
    }

    /// The Gauss–Newton–Bartlett term for the given labels: `B · ĝ ⊙ ĝ`, where
    /// `ĝ = gradient(labels)` is the gradient of the *mean* cross-entropy of the batch of
    /// `B = labels.count` examples against `labels` (one tensor per parameter). With labels drawn
    /// from the model's softmax its expectation is the Gauss–Newton diagonal.
    public static func gaussNewtonBartlettTerm(labels: [Int], gradient: ([Int]) -> [Tensor<Float>]) -> [Tensor<Float>] {
        let batch = Float(labels.count)
        return gradient(labels).map { g in
            var out = g
            out.data.withUnsafeMutableBufferPointer { o in
                for i in 0..<o.count { o[i] = batch * (o[i] * o[i]) }
            }
            return out
        }
    }

    /// Sophia's Gauss–Newton–Bartlett estimate of the Gauss–Newton diagonal of the mean softmax
    /// cross-entropy: the mean over `samples` draws of labels ŷ ~ softmax(`logits`) (from `rng`)
    /// of ``gaussNewtonBartlettTerm(labels:gradient:)``. `gradient(ŷ)` must return the gradient
    /// of the mean cross-entropy of the same batch against ŷ. Costs `samples` backward passes.
    public static func gaussNewtonBartlettDiagonal(logits: Tensor<Float>, samples: Int = 1, rng: inout SeededRandom,
                                                   gradient: ([Int]) -> [Tensor<Float>]) -> [Tensor<Float>] {
        precondition(samples >= 1, "the estimate needs at least one sample")
        var total: [Tensor<Float>] = []
        for s in 0..<samples {
            let term = gaussNewtonBartlettTerm(labels: sampleLabels(logits: logits, using: &rng), gradient: gradient)
            if s == 0 { total = term } else { for k in total.indices { total[k].add(term[k], scaledBy: 1) } }
        }
        if samples > 1 { for k in total.indices { total[k].scale(by: 1 / Float(samples)) } }
        return total
    }
    // end excerpt

    // MARK: Power iteration

    /// The result of ``powerIteration(dimension:iterations:tolerance:rng:product:)``.
    public struct DominantEigenpair: Sendable {
        /// The last Rayleigh quotient vᵀHv (the eigenvalue of largest magnitude).
        public var eigenvalue: Double
        /// The last unit iterate v.
        public var eigenvector: [Double]
        /// Hessian-vector products spent.
        public var iterations: Int
    }

    /// The eigenvalue of largest magnitude of the symmetric operator `product` on vectors of
    /// `dimension` entries, by power iteration from a Gaussian start drawn from `rng`: v ← Hv/‖Hv‖,
    /// stopping after `iterations` products or once the Rayleigh quotient moves by at most
    /// `tolerance` relative to its size. For both ends of a spectrum with a negative part, prefer
    /// ``lanczos(start:steps:product:)`` or ``Hessian/lanczos(shapes:steps:rng:product:)``.
    public static func powerIteration(dimension: Int, iterations: Int, tolerance: Double = 0, rng: inout SeededRandom,
                                      product: ([Double]) -> [Double]) -> DominantEigenpair {
        precondition(dimension >= 1 && iterations >= 1)
        var v = normalized((0..<dimension).map { _ in rng.normal() })
        var lambda = Double.nan
        for k in 1...iterations {
            let hv = product(v)
            let next = dot(v, hv)
            let converged = abs(next - lambda) <= tolerance * abs(next)
            lambda = next
            let norm = dot(hv, hv).squareRoot()
            guard norm > 0 else { return DominantEigenpair(eigenvalue: 0, eigenvector: v, iterations: k) }
            v = hv.map { $0 / norm }
            if converged { return DominantEigenpair(eigenvalue: lambda, eigenvector: v, iterations: k) }
        }
        return DominantEigenpair(eigenvalue: lambda, eigenvector: v, iterations: iterations)
    }

    /// ``powerIteration(dimension:iterations:tolerance:rng:product:)`` on tensors shaped `shapes`.
    public static func powerIteration(shapes: [[Int]], iterations: Int, tolerance: Double = 0, rng: inout SeededRandom,
                                      product: @escaping HessianVectorProduct) -> DominantEigenpair {
        powerIteration(dimension: shapes.reduce(0) { $0 + $1.reduce(1, *) }, iterations: iterations, tolerance: tolerance,
                       rng: &rng, product: flatProduct(shapes: shapes, product))
    }

    // MARK: Lanczos and stochastic Lanczos quadrature

    /// The tridiagonal matrix of a Lanczos run: diagonal `alpha`, off-diagonal `beta`
    /// (`beta.count == alpha.count - 1`).
    public struct LanczosTridiagonal: Sendable, Equatable {
        public var alpha: [Double]
        public var beta: [Double]

        /// The Gauss quadrature of the spectral measure seen from the start vector: nodes λ_k
        /// (the eigenvalues of T, ascending) and weights τ_k (squared first components of its
        /// unit eigenvectors, summing to one).
        public func quadrature() throws -> (nodes: [Double], weights: [Double]) {
            let (values, vectors) = try symmetricEigen(matrix)
            // Columns of `vectors` are the eigenvectors; the weight is the square of row 0.
            return (values, (0..<alpha.count).map { vectors.data[$0] * vectors.data[$0] })
        }

        /// The eigenvalues of T (the Ritz values), ascending: the extreme ones converge first to
        /// the operator's extreme eigenvalues.
        public func ritzValues() throws -> [Double] { try symmetricEigen(matrix).values }

        /// T as a dense symmetric matrix.
        var matrix: Tensor<Double> {
            let m = alpha.count
            var t = Tensor<Double>.zeros([m, m])
            for i in 0..<m {
                t.data[i * m + i] = alpha[i]
                if i + 1 < m { t.data[i * m + i + 1] = beta[i]; t.data[(i + 1) * m + i] = beta[i] }
            }
            return t
        }
    }

    // excerpt: lanczos-tridiagonal
    /// `steps` Lanczos iterations of the symmetric operator `product` from `start` (normalised
    /// here), with full reorthogonalisation in Double; stops early when the Krylov space is exhausted
    /// (βⱼ ≈ 0). The one Lanczos loop of the harness: ``Hessian/lanczos(shapes:steps:rng:product:)``
    /// reads its Ritz values.
    public static func lanczos(start: [Double], steps: Int, product: ([Double]) -> [Double]) -> LanczosTridiagonal {
        precondition(steps >= 1 && !start.isEmpty)
        let n = start.count
        var basis = [normalized(start)]
        var alpha = [Double](), beta = [Double]()
        for j in 0..<steps {
            let q = basis[j]
            var w = product(q)
            precondition(w.count == n, "the product must keep the dimension")
            let a = dot(q, w)
            alpha.append(a)
            // w − αⱼqⱼ − βⱼ₋₁qⱼ₋₁, the two terms summed before the subtraction.
            let previous = j > 0 ? basis[j - 1] : q, previousBeta = j > 0 ? beta[j - 1] : 0
            for i in 0..<n { w[i] -= a * q[i] + previousBeta * previous[i] }
            // Twice, because one Gram–Schmidt pass loses orthogonality in floating point.
            for _ in 0..<2 { for b in basis { axpy(-dot(b, w), b, &w) } }
            let norm = dot(w, w).squareRoot()
            if j == steps - 1 || norm <= 1e-10 * max(abs(a), 1) { break }
            beta.append(norm)
            basis.append(w.map { $0 / norm })
        }
        return LanczosTridiagonal(alpha: alpha, beta: beta)
    }
    // end excerpt

    /// Nodes and weights of stochastic Lanczos quadrature, one set per probe, for an operator
    /// on vectors of ``dimension`` entries.
    public struct SpectralQuadrature: Sendable, Equatable {
        /// The operator's dimension n.
        public var dimension: Int
        /// Per probe, the Ritz values λ_k, ascending.
        public var nodes: [[Double]]
        /// Per probe, the weights τ_k (each set sums to one).
        public var weights: [[Double]]

        // excerpt: slq-estimates
        /// The estimate of tr f(H): n times the mean over probes of Σ_k τ_k f(λ_k). Exact for a
        /// polynomial f of degree below 2m (m Lanczos steps) up to the probes' own error, which
        /// vanishes when the probes are all 2ⁿ sign vectors over √n.
        public func trace(of f: (Double) -> Double) -> Double {
            var total = 0.0
            for (lambdas, taus) in zip(nodes, weights) {
                for (l, t) in zip(lambdas, taus) { total += t * f(l) }
            }
            return Double(dimension) * total / Double(nodes.count)
        }

        /// The smoothed spectral density at each point of `grid`: the mean over probes of
        /// Σ_k τ_k 𝒩(t; λ_k, σ²) with σ = `bandwidth`. It integrates to one over the real line.
        public func density(grid: [Double], bandwidth: Double) -> [Double] {
            precondition(bandwidth > 0, "the bandwidth must be positive")
            let norm = 1 / (bandwidth * (2 * Double.pi).squareRoot() * Double(nodes.count))
            return grid.map { t in
                var total = 0.0
                for (lambdas, taus) in zip(nodes, weights) {
                    for (l, w) in zip(lambdas, taus) {
                        let z = (t - l) / bandwidth
                        total += w * exp(-0.5 * z * z)
                    }
                }
                return total * norm
            }
        }

        /// `points` evenly spaced values from `padding` bandwidths below the smallest node to
        /// `padding` bandwidths above the largest (a grid on which ``density(grid:bandwidth:)``
        /// carries all but a negligible part of its mass for `padding` ≳ 6).
        public func grid(points: Int, bandwidth: Double, padding: Double = 8) -> [Double] {
            precondition(points >= 2)
            let all = nodes.joined()
            let low = (all.min() ?? 0) - padding * bandwidth, high = (all.max() ?? 0) + padding * bandwidth
            return (0..<points).map { low + (high - low) * Double($0) / Double(points - 1) }
        }
        // end excerpt
    }

    // excerpt: stochastic-lanczos-quadrature
    /// Stochastic Lanczos quadrature from explicit probe vectors (normalised here): one
    /// ``lanczos(start:steps:product:)`` run of `steps` steps per probe, then its nodes and weights.
    public static func stochasticLanczosQuadrature(probes: [[Double]], steps: Int,
                                                   product: ([Double]) -> [Double]) throws -> SpectralQuadrature {
        precondition(!probes.isEmpty, "the quadrature needs at least one probe")
        var result = SpectralQuadrature(dimension: probes[0].count, nodes: [], weights: [])
        for v in probes {
            let (nodes, weights) = try lanczos(start: v, steps: steps, product: product).quadrature()
            result.nodes.append(nodes)
            result.weights.append(weights)
        }
        return result
    }

    /// Stochastic Lanczos quadrature (Ghorbani et al. 2019) of the symmetric operator `product`
    /// on vectors of `dimension` entries, from `probes` Rademacher probes over √n drawn from
    /// `rng`, `steps` Lanczos steps each; costs `probes × steps` products.
    public static func stochasticLanczosQuadrature(dimension: Int, probes: Int, steps: Int, rng: inout SeededRandom,
                                                   product: ([Double]) -> [Double]) throws -> SpectralQuadrature {
        precondition(probes >= 1 && dimension >= 1)
        var vs = [[Double]]()
        for _ in 0..<probes {
            vs.append(flatten(rademacherProbe(shapes: [[dimension]], using: &rng)))
        }
        return try stochasticLanczosQuadrature(probes: vs, steps: steps, product: product)
    }

    /// ``stochasticLanczosQuadrature(dimension:probes:steps:rng:product:)`` on tensors shaped `shapes`.
    public static func stochasticLanczosQuadrature(shapes: [[Int]], probes: Int, steps: Int, rng: inout SeededRandom,
                                                   product: @escaping HessianVectorProduct) throws -> SpectralQuadrature {
        try stochasticLanczosQuadrature(dimension: shapes.reduce(0) { $0 + $1.reduce(1, *) }, probes: probes, steps: steps,
                                        rng: &rng, product: flatProduct(shapes: shapes, product))
    }
    // end excerpt

    // MARK: Vector kernels

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                var total = 0.0
                for i in 0..<x.count { total += x[i] * y[i] }
                return total
            }
        }
    }

    /// y ← y + a x.
    static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                for i in 0..<ys.count { ys[i] += a * xs[i] }
            }
        }
    }

    static func normalized(_ x: [Double]) -> [Double] {
        let norm = dot(x, x).squareRoot()
        return x.map { $0 / max(norm, 1e-300) }
    }
}

extension Classifier {
    /// Sophia's Gauss–Newton–Bartlett estimate of the Gauss–Newton diagonal of the mean
    /// cross-entropy on `input`, one tensor per trainable parameter
    /// (``HessianEstimators/gaussNewtonBartlettDiagonal(logits:samples:rng:gradient:)``):
    /// labels drawn from the model's softmax, `B · ĝ ⊙ ĝ`. Overwrites the parameters' `grad`s.
    public func gaussNewtonBartlettDiagonal(_ input: Tensor<Float>, samples: Int = 1,
                                            rng: inout SeededRandom) -> [Tensor<Float>] {
        let parameters = trainableParameters
        return HessianEstimators.gaussNewtonBartlettDiagonal(logits: logits(input), samples: samples, rng: &rng) { labels in
            _ = lossAndGradient(input, labels: labels)
            return parameters.map(\.grad)
        }
    }
}
