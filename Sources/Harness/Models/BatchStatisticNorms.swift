/// # Norms over the batch: BatchNorm and PowerNorm
///
/// Both normalise each feature `j` of `[rows, width]` activations with statistics taken over the
/// rows (for a transformer: every token of every sequence in the batch), and both keep running
/// statistics, used in evaluation. Unlike ``LayerNorm`` they therefore behave differently in
/// training and evaluation (``NormalizationLayer/forward(_:_:training:)``), and one training
/// forward pass updates their running state.
///
/// - ``BatchNorm`` (Ioffe & Szegedy 2015): `y = γ (x − μ_B)/√(σ²_B + ε) + β` with the batch's
///   mean and (biased) variance, exact gradient through both; running `μ`, `σ²` with momentum 0.1.
/// - ``PowerNorm`` (Shen et al. 2020, "PowerNorm: Rethinking Batch Normalization in
///   Transformers"; official code `fairseq/modules/norms/mask_powernorm.py`): see its doc comment.
///
/// Every training forward pass also records how far the batch's statistics are from the running
/// ones (``BatchNorm/fluctuations``), the quantity PowerNorm's paper plots (its Figure 2).

/// How far one batch's statistics lie from the running statistics they are averaged into, each
/// relative to the running scale: `‖μ_B − μ‖ / ‖σ‖` and `‖σ²_B − σ²‖ / ‖σ²‖` over the features
/// (`σ = √(σ² + ε)`), with the running values from before this batch's update.
public struct BatchFluctuation: Sendable, Equatable {
    public var mean: Double
    public var variance: Double
}

/// Per-feature mean and biased variance over the rows of `x` (`[rows, width]`), in Double.
func columnMoments(_ x: Tensor<Float>) -> (mean: [Double], variance: [Double], square: [Double]) {
    let d = x.shape.last!, rows = x.count / d
    var sum = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
    x.data.withUnsafeBufferPointer { p in
        for r in 0..<rows { for j in 0..<d { let v = Double(p[r * d + j]); sum[j] += v; squares[j] += v * v } }
    }
    let n = Double(rows)
    let mean = sum.map { $0 / n }, square = squares.map { $0 / n }
    return (mean, zip(square, mean).map { max($0 - $1 * $1, 0) }, square)
}

extension Tape where S == Float {
    /// `y_ij = γ_j (x_ij s_j + t_j) + β_j` with constant per-feature `s`, `t`: a norm in evaluation
    /// mode, where the statistics are fixed numbers.
    func featureAffine(_ x: Variable<Float>, scale s: [Float], shift t: [Float], gain: Variable<Float>, bias: Variable<Float>) -> Variable<Float> {
        let d = x.shape.last!, rows = x.value.count / d
        var z = x.value.data
        for r in 0..<rows { for j in 0..<d { z[r * d + j] = z[r * d + j] * s[j] + t[j] } }
        return gainAndBias(x, normalized: z, gain: gain, bias: bias) { g in
            var dx = g
            for r in 0..<rows { for j in 0..<d { dx[r * d + j] *= s[j] } }
            return dx
        }
    }

    /// `y = γ ⊙ z + β` for a normalised `z` computed from `x`; `dz` maps `∂L/∂z` to `∂L/∂x`.
    func gainAndBias(_ x: Variable<Float>, normalized z: [Float], gain: Variable<Float>, bias: Variable<Float>,
                     dz: @escaping ([Float]) -> [Float]) -> Variable<Float> {
        let d = x.shape.last!, rows = x.value.count / d
        let gv = gain.value.data, bv = bias.value.data
        var y = z
        for r in 0..<rows { for j in 0..<d { y[r * d + j] = gv[j] * z[r * d + j] + bv[j] } }
        return record(Tensor(shape: x.shape, data: y), inputs: [x, gain, bias]) { tape, g in
            var dg = [Float](repeating: 0, count: d), db = [Float](repeating: 0, count: d), gz = g.data
            for r in 0..<rows {
                for j in 0..<d { let v = g.data[r * d + j]; dg[j] += v * z[r * d + j]; db[j] += v; gz[r * d + j] = v * gv[j] }
            }
            if tape.needsGradient(gain) { tape.accumulate(gain, Tensor(shape: gain.shape, data: dg)) }
            if tape.needsGradient(bias) { tape.accumulate(bias, Tensor(shape: bias.shape, data: db)) }
            if tape.needsGradient(x) { tape.accumulate(x, Tensor(shape: x.shape, data: dz(gz))) }
        }
    }

    /// PowerNorm's `GroupScaling1D` with one group: each row divided by its root mean square,
    /// `x / √(mean_j x² + ε)`, exact gradient `(g − u · mean_j(g u)) / r` with `u` the output.
    func rowRMSScale(_ x: Variable<Float>, epsilon: Float = 1e-5) -> Variable<Float> {
        let d = x.shape.last!, rows = x.value.count / d
        var u = x.value.data, inverse = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var m: Float = 0
            for j in 0..<d { m += u[r * d + j] * u[r * d + j] }
            inverse[r] = 1 / (m / Float(d) + epsilon).squareRoot()
            for j in 0..<d { u[r * d + j] *= inverse[r] }
        }
        return record(Tensor(shape: x.shape, data: u), input: x) { tape, g in
            var dx = g.data
            for r in 0..<rows {
                var gu: Float = 0
                for j in 0..<d { gu += g.data[r * d + j] * u[r * d + j] }
                gu /= Float(d)
                for j in 0..<d { dx[r * d + j] = (g.data[r * d + j] - u[r * d + j] * gu) * inverse[r] }
            }
            tape.accumulate(x, Tensor(shape: x.shape, data: dx))
        }
    }
}

/// Batch normalisation over the rows of `[rows, width]` (see the file header).
public final class BatchNorm: NormalizationLayer {
    public let name: String
    public let gain: Parameter, bias: Parameter
    public let epsilon: Float, momentum: Double
    public var isFrozen = false
    /// Running mean and variance (start 0 and 1).
    public private(set) var runningMean: [Double], runningVariance: [Double]
    /// One entry per training forward pass while `recordsFluctuations` is true.
    public var fluctuations = [BatchFluctuation]()
    public var recordsFluctuations = false

    public init(_ name: String, width: Int, epsilon: Float = 1e-5, momentum: Double = 0.1) {
        self.name = name
        self.epsilon = epsilon
        self.momentum = momentum
        gain = Parameter(name + ".gain", .ones([width]))
        bias = Parameter(name + ".bias", .zeros([width]))
        runningMean = Array(repeating: 0, count: width)
        runningVariance = Array(repeating: 1, count: width)
    }

    public var parameters: [Parameter] { [gain, bias] }

    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>) -> Variable<Float> { forward(tape, x, training: true) }

    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>, training: Bool) -> Variable<Float> {
        let g = tape.parameter(gain, frozen: isFrozen), b = tape.parameter(bias, frozen: isFrozen)
        guard training else {
            let s = runningVariance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
            return tape.featureAffine(x, scale: s, shift: zip(runningMean, s).map { -Float($0) * $1 }, gain: g, bias: b)
        }
        let d = x.shape.last!, rows = x.value.count / d
        let (mean, variance, _) = columnMoments(x.value)
        if recordsFluctuations {
            let scale = runningVariance.reduce(0) { $0 + ($1 + Double(epsilon)) }.squareRoot()
            let dm = zip(mean, runningMean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            let dv = zip(variance, runningVariance).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            fluctuations.append(BatchFluctuation(mean: dm / scale, variance: dv / runningVariance.reduce(0) { $0 + $1 * $1 }.squareRoot()))
        }
        for j in 0..<d {
            runningMean[j] = (1 - momentum) * runningMean[j] + momentum * mean[j]
            runningVariance[j] = (1 - momentum) * runningVariance[j] + momentum * variance[j]
        }
        let inverse = variance.map { Float(1 / ($0 + Double(epsilon)).squareRoot()) }
        var z = x.value.data
        for r in 0..<rows { for j in 0..<d { z[r * d + j] = (z[r * d + j] - Float(mean[j])) * inverse[j] } }
        // Exact gradient through μ_B and σ²_B: ∂L/∂x = (g − mean(g) − ẑ · mean(g ẑ)) / σ_B per feature.
        return tape.gainAndBias(x, normalized: z, gain: g, bias: b) { gz in
            var meanG = [Float](repeating: 0, count: d), meanGZ = [Float](repeating: 0, count: d)
            for r in 0..<rows { for j in 0..<d { meanG[j] += gz[r * d + j]; meanGZ[j] += gz[r * d + j] * z[r * d + j] } }
            var dx = gz
            for r in 0..<rows {
                for j in 0..<d { dx[r * d + j] = (gz[r * d + j] - meanG[j] / Float(rows) - z[r * d + j] * meanGZ[j] / Float(rows)) * inverse[j] }
            }
            return dx
        }
    }
}

/// Power normalisation (Shen et al. 2020), following the official `MaskPowerNorm`:
///
/// 1. `GroupScaling1D` (one group): each token's vector divided by its RMS, `u = x / rms(x)`.
/// 2. Training, step `t`: the batch's quadratic mean per feature `σ²_B = mean_rows u²` (no mean
///    subtraction). For `t ≤ T_warm` the output is `z = u / √(σ²_B + ε)`; afterwards
///    `z = u / √(ψ²_{t−1} + ε)`, the *running* quadratic mean from before this batch. Then
///    `ψ²_t = α_f ψ²_{t−1} + (1 − α_f) σ²_B` (during warm-up first a cumulative average).
/// 3. The approximate backward: with `g = γ ⊙ ∂L/∂y`, `g̃ = g − ν_{t−1} z`,
///    `∂L/∂u = g̃ / s` (`s` the forward's divisor), and `ν_t = ν_{t−1} + (1 − α_b) mean_rows(g̃ z)`
///    (the code's `ema_gz` times `1 − α_b`), i.e. the paper's
///    `ν_t = ν_{t−1}(1 − (1 − α_b)Γ_t) + (1 − α_b)Λ_t`, `Γ = mean z²`, `Λ = mean g z`.
/// 4. Evaluation: `z = u / √(ψ² + ε)`.
///
/// One departure: the official backward divides by the batch's `√(σ²_B + ε)` even after
/// warm-up; we divide by the forward's divisor, as the paper's Algorithm 1 does. Padding masks
/// (the code's `pad_mask`) do not arise here: every sequence fills its context.
public final class PowerNorm: NormalizationLayer {
    public let name: String
    public let gain: Parameter, bias: Parameter
    public let epsilon: Float
    /// `α_f` (running ψ²) and `α_b` (running ν), 0.9 and 0.9 in the official code.
    public let forwardMomentum: Float, backwardMomentum: Float
    /// Steps that normalise by the batch's own quadratic mean (official default 10 000).
    public var warmupIterations: Int
    /// The running quadratic mean ψ² (starts 1) and the code's `ema_gz` (starts 0).
    public private(set) var runningPhi: [Float], emaGZ: [Float]
    /// Training forward passes so far.
    public private(set) var iteration = 0
    public var isFrozen = false

    public init(_ name: String, width: Int, epsilon: Float = 1e-5, forwardMomentum: Float = 0.9, backwardMomentum: Float = 0.9,
                warmupIterations: Int = 10_000) {
        self.name = name
        self.epsilon = epsilon
        self.forwardMomentum = forwardMomentum
        self.backwardMomentum = backwardMomentum
        self.warmupIterations = warmupIterations
        gain = Parameter(name + ".gain", .ones([width]))
        bias = Parameter(name + ".bias", .zeros([width]))
        runningPhi = Array(repeating: 1, count: width)
        emaGZ = Array(repeating: 0, count: width)
    }

    public var parameters: [Parameter] { [gain, bias] }

    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>) -> Variable<Float> { forward(tape, x, training: true) }

    public func forward(_ tape: Tape<Float>, _ x: Variable<Float>, training: Bool) -> Variable<Float> {
        let g = tape.parameter(gain, frozen: isFrozen), b = tape.parameter(bias, frozen: isFrozen)
        let u = tape.rowRMSScale(x, epsilon: epsilon)
        let d = u.shape.last!, rows = u.value.count / d
        guard training else {
            return tape.featureAffine(u, scale: runningPhi.map { 1 / ($0 + epsilon).squareRoot() }, shift: Array(repeating: 0, count: d),
                                      gain: g, bias: b)
        }
        iteration += 1
        let t = iteration
        let square = columnMoments(u.value).square.map(Float.init)
        let divisor = (t <= warmupIterations ? square : runningPhi).map { ($0 + epsilon).squareRoot() }
        for j in 0..<d {
            if t < warmupIterations { runningPhi[j] = runningPhi[j] * Float(t - 1) / Float(t) + square[j] / Float(t) }
            runningPhi[j] = forwardMomentum * runningPhi[j] + (1 - forwardMomentum) * square[j]
        }
        var z = u.value.data
        for r in 0..<rows { for j in 0..<d { z[r * d + j] /= divisor[j] } }
        return tape.gainAndBias(u, normalized: z, gain: g, bias: b) { gz in self.approximateBackward(gz, z: z, divisor: divisor) }
    }

    /// Step 3 of the doc comment: `∂L/∂u` from `g = γ ⊙ ∂L/∂y`, advancing `ema_gz`.
    func approximateBackward(_ g: [Float], z: [Float], divisor: [Float]) -> [Float] {
        let d = divisor.count, rows = g.count / d
        var corrected = g, lambda = [Float](repeating: 0, count: d)
        for r in 0..<rows {
            for j in 0..<d {
                let v = g[r * d + j] - (1 - backwardMomentum) * emaGZ[j] * z[r * d + j]
                corrected[r * d + j] = v / divisor[j]
                lambda[j] += v * z[r * d + j]
            }
        }
        for j in 0..<d { emaGZ[j] += lambda[j] / Float(rows) }
        return corrected
    }
}
