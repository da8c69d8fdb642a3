import Foundation

// # Sparse spectral factors (Sparse Spectral Training, Zhao et al. 2024)
//
// A weight `W [n, m]` held as its thin SVD `U diag(σ) Vᵀ` (`U [n, k]`, `σ [k]`, `V [m, k]`,
// `k = min(n, m)`), with the three pieces SST adds to a training loop: the map from the weight's
// gradient `G = ∂L/∂W` to the factors' gradients (the true one for `σ`, the "enhanced" one for the
// sampled singular vectors), the projection after a step (σ ≥ 0, unit singular vectors), and the
// sampling of the singular-vector pairs to train (multinomial on a half-uniform, half-σ mixture).
// The rule follows the paper's Section 4 (arXiv 2405.15481, ICML 2025 version); the official code
// could not be read here (see the SST paper file's deviations).

/// A matrix held as `U diag(σ) Vᵀ`, with SST's gradient map, projection and sampling.
public struct SpectralFactor: Sendable {
    /// Left singular vectors `[n, k]`, right singular vectors `[m, k]` (columns), singular values `[k]`.
    public var u: Tensor<Float>, sigma: Tensor<Float>, v: Tensor<Float>

    public init(u: Tensor<Float>, sigma: Tensor<Float>, v: Tensor<Float>) {
        precondition(u.shape[1] == sigma.count && v.shape[1] == sigma.count, "SpectralFactor: \(u.shape) \(sigma.shape) \(v.shape)")
        self.u = u; self.sigma = sigma; self.v = v
    }

    /// The thin SVD of `w` (SST's initialisation and its periodic re-initialisation).
    public init(decomposing w: Tensor<Float>) throws {
        let f = try svd(w)
        self.init(u: f.u, sigma: Tensor(shape: [f.s.count], data: f.s), v: f.vt.transposed)
    }

    public var rank: Int { sigma.count }

    /// `U diag(σ) Vᵀ`, `[n, m]`.
    public var weight: Tensor<Float> {
        var us = u
        let k = rank
        for i in 0..<us.shape[0] { for j in 0..<k { us.data[i * k + j] *= sigma.data[j] } }
        return matmul(us, v, transposeB: true)
    }

    /// The factors' gradients from `g = ∂L/∂W`: `∂L/∂σᵢ = Uᵢᵀ g Vᵢ` for every `i` (the true
    /// gradient); for the columns in `active` the enhanced gradients `g Vᵢ` and `gᵀ Uᵢ` (the true
    /// ones, `g Vᵢ σᵢ` and `gᵀ Uᵢ σᵢ`, without the factor `σᵢ`, so a small singular value does not
    /// freeze its vectors); zero for every other column.
    public func gradients(_ g: Tensor<Float>, active: [Int]) -> (u: Tensor<Float>, sigma: Tensor<Float>, v: Tensor<Float>) {
        let k = rank, n = u.shape[0], m = v.shape[0]
        let gv = matmul(g, v), gtu = matmul(g, u, transposeA: true)   // [n, k], [m, k]
        var ds = Tensor<Float>.zeros([k]), du = Tensor<Float>.zeros([n, k]), dv = Tensor<Float>.zeros([m, k])
        for a in 0..<n { for i in 0..<k { ds.data[i] += u.data[a * k + i] * gv.data[a * k + i] } }
        for i in active {
            for a in 0..<n { du.data[a * k + i] = gv.data[a * k + i] }
            for b in 0..<m { dv.data[b * k + i] = gtu.data[b * k + i] }
        }
        return (du, ds, dv)
    }

    /// After a step: `σ ← max(σ, 0)`, and the `active` columns of `U` and `V` back to unit norm
    /// (the magnitude lives in `σ` alone).
    public mutating func project(active: [Int]) {
        sigma.data = sigma.data.map { max($0, 0) }
        let k = rank
        for i in active {
            for t in [0, 1] {
                var x = t == 0 ? u : v
                let rows = x.shape[0]
                let norm = (0..<rows).reduce(Float(0)) { $0 + x.data[$1 * k + i] * x.data[$1 * k + i] }.squareRoot()
                guard norm > 0 else { continue }
                for a in 0..<rows { x.data[a * k + i] /= norm }
                if t == 0 { u = x } else { v = x }
            }
        }
    }

    /// SST's sampling distribution over the `k` singular-vector pairs:
    /// `pᵢ = ½ (1/k + σᵢ / Σⱼ σⱼ)` (half uniform, for exploration; half σ, for exploitation).
    public static func probabilities(_ sigma: [Float]) -> [Double] {
        let k = Double(sigma.count), total = sigma.reduce(0.0) { $0 + Double(max($1, 0)) }
        return sigma.map { 0.5 * (1 / k + (total > 0 ? Double(max($0, 0)) / total : 1 / k)) }
    }

    /// `count` distinct indices drawn one at a time with probability ∝ `weights` among those not
    /// yet drawn (multinomial sampling without replacement), sorted.
    public static func sample(_ weights: [Double], count: Int, rng: inout SeededRandom) -> [Int] {
        var left = Array(weights.indices), picked = [Int]()
        while picked.count < min(count, weights.count) {
            let total = left.reduce(0.0) { $0 + weights[$1] }
            var x = rng.uniform() * total, choice = left.count - 1
            for (p, i) in left.enumerated() { x -= weights[i]; if x < 0 { choice = p; break } }
            picked.append(left.remove(at: choice))
        }
        return picked.sorted()
    }

    /// Numbers one SST step trains (gradient and optimizer state): all `k` singular values and
    /// `r` columns of `U` and of `V`.
    public static func trainedNumbers(n: Int, m: Int, rank r: Int) -> Int { r * (n + m) + min(n, m) }
}

/// One weight trained by SST: its factor as three parameters, the pairs sampled for the current
/// iteration, and the Adam state SST resets (that of `U`, `V` every iteration, that of `σ` at
/// every re-SVD, when the singular values are re-sorted).
public final class SparseSpectralLayer {
    public let u: Parameter, sigma: Parameter, v: Parameter
    public let rank: Int, learningRate: LearningRate
    /// The sampled singular-vector indices of the current iteration.
    public private(set) var active: [Int] = []
    var vectorOptimizer: ChainedOptimizer?, sigmaOptimizer: ChainedOptimizer

    /// SST's initialisation: the thin SVD of `weight`.
    public init(_ name: String, weight: Tensor<Float>, rank: Int, learningRate: LearningRate) throws {
        let f = try SpectralFactor(decomposing: weight)
        u = Parameter("\(name).U", f.u); sigma = Parameter("\(name).sigma", f.sigma); v = Parameter("\(name).V", f.v)
        self.rank = rank; self.learningRate = learningRate
        sigmaOptimizer = .adam([sigma], learningRate: learningRate)
    }

    public var factor: SpectralFactor { SpectralFactor(u: u.value, sigma: sigma.value, v: v.value) }
    func store(_ f: SpectralFactor) { u.value = f.u; sigma.value = f.sigma; v.value = f.v }
    /// Iterations per round, `⌈k/r⌉`: the sampling has had `k` draws, one per pair on average.
    public var roundLength: Int { (sigma.value.count + rank - 1) / rank }

    /// Starts iteration `t`: after a whole round re-decompose `U diag(σ) Vᵀ` and reset σ's state;
    /// draw the iteration's `r` pairs; reset the state of `U`, `V`.
    public func startIteration(_ t: Int, rng: inout SeededRandom) {
        if t > 0, t % roundLength == 0, let f = try? SpectralFactor(decomposing: factor.weight) {
            store(f); sigmaOptimizer = .adam([sigma], learningRate: learningRate)
        }
        active = SpectralFactor.sample(SpectralFactor.probabilities(sigma.value.data), count: rank, rng: &rng)
        vectorOptimizer = .adam([u, v], learningRate: learningRate)
    }

    /// One step from the weight's gradient `g`: SST's gradients, Adam, the projection (σ ≥ 0,
    /// unit vectors). Returns the new weight `U diag(σ) Vᵀ`.
    public func update(weightGradient g: Tensor<Float>) -> Tensor<Float> {
        precondition(vectorOptimizer != nil, "SparseSpectralLayer: startIteration before update")
        let grads = factor.gradients(g, active: active)
        u.grad = grads.u; sigma.grad = grads.sigma; v.grad = grads.v
        sigmaOptimizer.applyGradients(); vectorOptimizer?.applyGradients()
        var f = factor
        f.project(active: active)
        store(f)
        return f.weight
    }
}
