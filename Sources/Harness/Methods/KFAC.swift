// # K-FAC factor statistics of a linear layer
//
// K-FAC (Martens & Grosse, 2015) approximates the Fisher (or Gauss–Newton) block of a linear layer
// `s = W ā` (ā = (a, 1): the input with a bias column, W of shape out × (in + 1)) by a Kronecker
// product of two small matrices:
//
//     F ≈ A ⊗ G,   A = E[ā āᵀ]  ((in + 1) × (in + 1)),   G = E[g gᵀ]  (out × out)
//
// with `g = ∂ℓ/∂s` the gradient at the layer's output (for the Fisher, with targets sampled from
// the model; for the Gauss–Newton form, the vectors `Jᵀ s_k` of a factorisation of the output
// Hessian `H = Σ s_k s_kᵀ`). Row-major vec(W) pairs output index `o` with input index `j` as
// `o·(in + 1) + j`, so F[(o, j), (o′, j′)] ≈ G[o, o′] · A[j, j′]. The factors are exponential
// moving averages refreshed every `updateInterval` steps, and the damped inverse uses the π-split
// of Martens & Grosse (§6.3):
//
//     (A ⊗ G + λ I)⁻¹ ≈ (A + π √λ I)⁻¹ ⊗ (G + √λ / π I)⁻¹,   π = √((tr A / dim A) / (tr G / dim G))
//
// applied to a gradient matrix `∇W` as `(G + √λ/π I)⁻¹ ∇W (A + π √λ I)⁻¹`.

/// K-FAC's Kronecker factors of one linear layer, their moving averages and damped inverse.
public struct KFACFactors {
    /// `A = E[ā āᵀ]` over inputs with the bias column (Double).
    public private(set) var inputFactor: Tensor<Double>
    /// `G = E[g gᵀ]` over output-side vectors (Double).
    public private(set) var outputGradientFactor: Tensor<Double>
    /// Weight of the old factor in the moving average (`ε` of Martens & Grosse; 0 keeps only the latest batch).
    public let decay: Double
    /// Steps between factor refreshes: ``observe(step:inputs:outputGradients:samples:)`` ignores the others.
    public let updateInterval: Int
    /// Whether any batch has been seen (the first one replaces the zero initial factors).
    public private(set) var initialized = false

    /// Zero factors for a layer with `inputs` inputs (plus the bias column) and `outputs` outputs.
    public init(inputs: Int, outputs: Int, decay: Double = 0.95, updateInterval: Int = 1) {
        precondition(inputs >= 0 && outputs >= 1 && (0..<1).contains(decay) && updateInterval >= 1, "invalid K-FAC settings")
        inputFactor = .zeros([inputs + 1, inputs + 1])
        outputGradientFactor = .zeros([outputs, outputs])
        (self.decay, self.updateInterval) = (decay, updateInterval)
    }

    /// The batch estimates `(Σ ā āᵀ / n, Σ g gᵀ / samples)`.
    ///
    /// - Parameters:
    ///   - inputs: the layer's inputs, `n × in` (the bias column is appended here).
    ///   - outputGradients: output-side vectors, `r × out`: one per sample (`r = n`, the Fisher's
    ///     sampled gradients) or several per sample (`Jᵀ s_k` of the Gauss–Newton factorisation).
    ///   - samples: the number of samples the vectors come from (`n`); `G` divides by it.
    public static func batchFactors(inputs: Tensor<Float>, outputGradients: Tensor<Float>, samples: Int) -> (Tensor<Double>, Tensor<Double>) {
        precondition(inputs.rank == 2 && outputGradients.rank == 2 && samples >= 1, "K-FAC needs matrices and at least one sample")
        let n = inputs.shape[0], width = inputs.shape[1] + 1
        var augmented = Tensor<Double>.zeros([n, width])
        for i in 0..<n {
            for j in 0..<(width - 1) { augmented.data[i * width + j] = Double(inputs.data[i * (width - 1) + j]) }
            augmented.data[i * width + width - 1] = 1
        }
        let a = matmul(augmented, augmented, transposeA: true).map { $0 / Double(n) }
        let g64 = outputGradients.converted(to: Double.self)
        let g = matmul(g64, g64, transposeA: true).map { $0 / Double(samples) }
        return (a, g)
    }

    /// Folds a batch into the moving averages when `step` (1-based) is a refresh step (`(step − 1)`
    /// a multiple of ``updateInterval``); returns whether it did.
    @discardableResult
    public mutating func observe(step: Int, inputs: Tensor<Float>, outputGradients: Tensor<Float>, samples: Int) -> Bool {
        guard (step - 1) % updateInterval == 0 else { return false }
        let (a, g) = Self.batchFactors(inputs: inputs, outputGradients: outputGradients, samples: samples)
        precondition(a.shape == inputFactor.shape && g.shape == outputGradientFactor.shape, "batch shapes do not match the layer")
        if initialized {
            inputFactor = decay * inputFactor + (1 - decay) * a
            outputGradientFactor = decay * outputGradientFactor + (1 - decay) * g
        } else {
            (inputFactor, outputGradientFactor, initialized) = (a, g, true)
        }
        return true
    }

    /// Martens & Grosse's π: `√((tr A / dim A) / (tr G / dim G))`, the split of the damping that
    /// makes both damped factors equally well-conditioned relative to their size (1 when either trace vanishes).
    public var pi: Double {
        func meanTrace(_ m: Tensor<Double>) -> Double {
            let n = m.shape[0]
            return (0..<n).reduce(0) { $0 + m.data[$1 * n + $1] } / Double(n)
        }
        let a = meanTrace(inputFactor), g = meanTrace(outputGradientFactor)
        return a > 0 && g > 0 ? (a / g).squareRoot() : 1
    }

    /// `(G + √λ/π I)⁻¹ ∇W (A + π √λ I)⁻¹` for a gradient `∇W` of shape out × (in + 1): K-FAC's
    /// damped natural-gradient direction (`λ > 0`).
    public func preconditioned(_ gradient: Tensor<Double>, damping lambda: Double) throws -> Tensor<Double> {
        precondition(lambda > 0, "K-FAC's damping must be positive")
        let root = lambda.squareRoot(), pi = self.pi
        let inverseA = try MatrixRoots.inverseRoot(inputFactor, p: 1, damping: .ridge(pi * root))
        let inverseG = try MatrixRoots.inverseRoot(outputGradientFactor, p: 1, damping: .ridge(root / pi))
        return matmul(matmul(inverseG, gradient), inverseA)
    }

    /// The Kronecker product `A ⊗ G` in the row-major vec(W) order: entry `[(o, j), (o′, j′)] = G[o, o′] A[j, j′]`.
    public var kroneckerMatrix: Tensor<Double> {
        let outputs = outputGradientFactor.shape[0], width = inputFactor.shape[0], size = outputs * width
        var f = Tensor<Double>.zeros([size, size])
        for o in 0..<outputs { for p in 0..<outputs {
            let g = outputGradientFactor.data[o * outputs + p]
            for j in 0..<width { for k in 0..<width {
                f.data[(o * width + j) * size + p * width + k] = g * inputFactor.data[j * width + k]
            } }
        } }
        return f
    }
}
