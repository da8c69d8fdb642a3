// # Per-sample gradient statistics
//
// Adaptive-sampling batch tests (the norm test of Byrd et al., AdAdaGrad's tests, gradient-noise
// scales) need more than the batch gradient: the spread of the individual examples' gradients
// around it. torch computes them with `vmap(grad(loss))`; here the harness's tape is run once per
// example, which is exact for any model (no closed form to keep in step with the layers) and
// costs one single-example forward and backward pass per example.

/// The per-coordinate mean and unbiased variance of the per-example gradients of a batch, per
/// parameter tensor (torch's `mean(dim=0)` and `var(dim=0, correction=1)` over `vmap(grad)`).
public struct PerSampleGradientStatistics {
    /// The batch size `b`.
    public var count: Int
    /// `ḡ = (1/b) Σᵢ ∇fᵢ` per parameter tensor: the batch gradient.
    public var mean: [Tensor<Float>]
    /// `(1/(b−1)) Σᵢ (∇fᵢ − ḡ)²` per coordinate and tensor (zero when `b = 1`).
    public var variance: [Tensor<Float>]

    /// `‖ḡ‖²` over all tensors.
    public var meanNormSquared: Double {
        mean.reduce(0) { total, t in t.data.reduce(total) { $0 + Double($1) * Double($1) } }
    }

    /// `‖Var‖₁`: the summed per-coordinate variances over all tensors (the trace of the covariance).
    public var varianceOneNorm: Double {
        variance.reduce(0) { total, t in t.data.reduce(total) { $0 + Double($1) } }
    }

    /// Statistics computed elsewhere (a closed form for a model whose per-example gradients are known).
    public init(count: Int, mean: [Tensor<Float>], variance: [Tensor<Float>]) {
        (self.count, self.mean, self.variance) = (count, mean, variance)
    }

    /// Runs `lossAndGradient` once per example of `input` (rows) with `labels`, accumulating in
    /// Double. `lossAndGradient(x, y)` must overwrite the parameters' gradients with those of
    /// the mean loss on `(x, y)` (what ``Classifier/lossAndGradient(_:labels:)`` does). The
    /// parameters' gradients are left holding the last example's.
    public init(parameters: [Parameter], input: Tensor<Float>, labels: [Int],
                lossAndGradient: (Tensor<Float>, [Int]) -> Float) {
        let b = labels.count, width = input.count / max(input.shape[0], 1)
        precondition(b >= 1 && input.shape[0] == b, "per-sample gradients: \(input.shape[0]) rows, \(b) labels")
        var sums = parameters.map { [Double](repeating: 0, count: $0.value.count) }
        var squares = sums
        var rowShape = input.shape
        rowShape[0] = 1
        for i in 0..<b {
            let row = Tensor<Float>(shape: rowShape, data: Array(input.data[(i * width)..<((i + 1) * width)]))
            _ = lossAndGradient(row, [labels[i]])
            for (k, p) in parameters.enumerated() {
                p.grad.data.withUnsafeBufferPointer { g in
                    for j in 0..<g.count {
                        let x = Double(g[j])
                        sums[k][j] += x
                        squares[k][j] += x * x
                    }
                }
            }
        }
        count = b
        mean = zip(parameters, sums).map { p, s in Tensor(shape: p.value.shape, data: s.map { Float($0 / Double(b)) }) }
        variance = zip(parameters, zip(sums, squares)).map { p, pair in
            let (s, q) = pair
            return Tensor(shape: p.value.shape, data: zip(s, q).map { s, q in
                b > 1 ? Float(max(q - s * s / Double(b), 0) / Double(b - 1)) : 0
            })
        }
    }
}
