import Foundation

// # Adafactor's second moment and update clipping (Shazeer & Stern, 2018)
//
// Flora's base optimizer, as its official code runs it (the Hugging Face implementation): a
// factored second moment for matrices with the decay `β̂₂ₜ = 1 − t^decayRate`, then (after any first
// moment) the update clipping by RMS and, optionally, the relative step `max(ε₂, RMS(W))`.

/// Adafactor's second moment (Shazeer & Stern, 2018) as Flora's code runs it: factored row and
/// column means for matrices, a full moment for vectors, `β̂₂ₜ = 1 − t^decayRate`, no first moment.
public final class ScaleByAdafactor: GradientTransformation {
    public let decayRate: Double, eps1: Float, factored: Bool
    var rowMeans: [Int: [Float]] = [:], columnMeans: [Int: [Float]] = [:]
    let vector = PerTensorState(slots: 1)

    public init(decayRate: Double = -0.8, eps1: Float = 1e-30, factored: Bool = true) {
        (self.decayRate, self.eps1, self.factored) = (decayRate, eps1, factored)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let beta = Float(1 - pow(Double(step), decayRate)), eps1 = self.eps1
        guard factored, u.rank == 2 else {
            vector.update(&u, index: index) { g, v in
                v = beta * v + (1 - beta) * (g * g + eps1)
                g = g / v.squareRoot()
            }
            return
        }
        let (m, n) = (u.rows, u.columns)
        var r = rowMeans[index] ?? [Float](repeating: 0, count: m), c = columnMeans[index] ?? [Float](repeating: 0, count: n)
        var rowSum = [Float](repeating: 0, count: m), columnSum = [Float](repeating: 0, count: n)
        for i in 0..<m { for j in 0..<n { let s = u.data[i * n + j] * u.data[i * n + j] + eps1; rowSum[i] += s; columnSum[j] += s } }
        for i in 0..<m { r[i] = beta * r[i] + (1 - beta) * rowSum[i] / Float(n) }
        for j in 0..<n { c[j] = beta * c[j] + (1 - beta) * columnSum[j] / Float(m) }
        let meanRow = r.reduce(0, +) / Float(m)
        for i in 0..<m {
            let rowFactor = 1 / (r[i] / meanRow).squareRoot()
            for j in 0..<n { u.data[i * n + j] *= rowFactor / c[j].squareRoot() }
        }
        (rowMeans[index], columnMeans[index]) = (r, c)
    }

    public var stateBytes: Int {
        4 * (rowMeans.values.reduce(0) { $0 + $1.count } + columnMeans.values.reduce(0) { $0 + $1.count }) + vector.bytes
    }
}

/// Adafactor's update clipping `U / max(1, RMS(U)/d)`, then (optionally) its relative step
/// `max(ε₂, RMS(W))`, the weight read before the step.
public final class ClipByRMS: GradientTransformation {
    public let threshold: Float, parameterScale: Bool, eps2: Float
    public init(threshold: Float = 1, parameterScale: Bool = false, eps2: Float = 1e-3) {
        (self.threshold, self.parameterScale, self.eps2) = (threshold, parameterScale, eps2)
    }
    static func rms(_ t: Tensor<Float>) -> Float { Float((t.data.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(t.count)).squareRoot()) }
    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        u.scale(by: 1 / max(1, Self.rms(u) / threshold))
        if parameterScale { u.scale(by: max(eps2, Self.rms(parameter))) }
    }
    public var stateBytes: Int { 0 }
}
