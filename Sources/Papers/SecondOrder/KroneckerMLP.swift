import Foundation
import Harness

// # A ReLU MLP that exposes its Kronecker statistics
//
// K-FAC, Shampoo and their descendants (inverse-free K-FAC, width-scaled parameterizations)
// need, per linear layer, more than the gradient: the layer's inputs `ā = (a, 1)` (with the bias
// column) and the per-sample gradients `g = ∂ℓ_i/∂s` at its outputs `s = W ā`, from which
//
//     A = E[ā āᵀ],   G = E[g gᵀ],   ∇W = E[g āᵀ]
//
// and, for the Fisher, the same `g` with labels sampled from the model's own prediction. The
// autodiff tape hides these intermediate values, so this small MLP does its forward and backward
// by hand (matrix products through BLAS, counted like every other product), with each layer's
// weight and bias in one matrix `W_l` of shape `out × (in + 1)`, the bias in the last column.
// `KroneckerMLPTests` checks its gradient against the tape's on the same network. It lives in the
// SecondOrder family (μP for second-order methods, inverse-free K-FAC); a paper of another family
// that needs it would move it to `Sources/Harness/Methods/`.

/// A ReLU MLP (no activation after the last layer; mean softmax cross-entropy) whose layers keep
/// weight and bias in one `out × (in + 1)` matrix and whose passes return every layer's inputs
/// and per-sample output gradients.
public final class KroneckerMLP {
    /// Widths from input to output.
    public let sizes: [Int]
    /// `W_l` of shape `sizes[l+1] × (sizes[l] + 1)`, the bias in the last column.
    public var weights: [Tensor<Float>]

    public init(sizes: [Int], weights: [Tensor<Float>]) {
        precondition(sizes.count >= 2 && weights.count == sizes.count - 1, "one weight matrix per layer")
        for (l, w) in weights.enumerated() {
            precondition(w.shape == [sizes[l + 1], sizes[l] + 1], "layer \(l) has shape \(w.shape), expected \([sizes[l + 1], sizes[l] + 1])")
        }
        self.sizes = sizes
        self.weights = weights
    }

    /// PyTorch's default initialisation of every layer (weight and bias uniform in `±1/√fan_in`),
    /// each layer's entries multiplied by `scales[l]` (1 when nil): the standard parameterization,
    /// or μP's smaller output layer with a scale below 1 there.
    public static func standard(sizes: [Int], scales: [Double]? = nil, rng: SeededRandom) -> KroneckerMLP {
        let weights = (0..<(sizes.count - 1)).map { l -> Tensor<Float> in
            var r = rng.child("layer\(l)")
            let bound = 1 / Double(sizes[l]).squareRoot() * (scales?[l] ?? 1)
            return Tensor<Float>.randomUniform([sizes[l + 1], sizes[l] + 1], low: -bound, high: bound, using: &r)
        }
        return KroneckerMLP(sizes: sizes, weights: weights)
    }

    /// What one forward and backward pass over a batch of `n` examples produced.
    public struct Pass {
        /// Mean cross-entropy of the batch.
        public var loss: Double
        /// Per layer, its inputs with the bias column, `n × (in + 1)`.
        public var inputs: [Tensor<Float>]
        /// Per layer, the per-sample gradients `∂ℓ_i/∂s` at its outputs, `n × out`.
        public var outputGradients: [Tensor<Float>]
        /// Per layer, the gradient of the mean loss, `out × (in + 1)`.
        public var gradients: [Tensor<Float>]
        /// Per layer, its pre-activation outputs `s`, `n × out` (the last is the logits).
        public var preActivations: [Tensor<Float>]
    }

    /// `[x, 1]`: a column of ones appended.
    static func augmented(_ x: Tensor<Float>) -> Tensor<Float> {
        let n = x.rows, c = x.columns
        var out = [Float](repeating: 1, count: n * (c + 1))
        for i in 0..<n { for j in 0..<c { out[i * (c + 1) + j] = x.data[i * c + j] } }
        return Tensor(shape: [n, c + 1], data: out)
    }

    /// The forward pass: per layer its augmented inputs and pre-activations.
    public func forward(_ x: Tensor<Float>) -> (inputs: [Tensor<Float>], preActivations: [Tensor<Float>]) {
        precondition(x.rank == 2 && x.columns == sizes[0], "inputs must be n × \(sizes[0])")
        var inputs = [Tensor<Float>](), pre = [Tensor<Float>]()
        var a = x
        for (l, w) in weights.enumerated() {
            let input = Self.augmented(a)
            let s = matmul(input, w, transposeB: true)
            inputs.append(input)
            pre.append(s)
            if l < weights.count - 1 { a = s.map { max($0, 0) } }
        }
        return (inputs, pre)
    }

    /// Softmax probabilities of logits, row by row (in Double, rounded once).
    static func softmax(_ z: Tensor<Float>) -> [[Double]] {
        (0..<z.rows).map { i in
            let row = (0..<z.columns).map { Double(z.data[i * z.columns + $0]) }
            let top = row.max() ?? 0
            let e = row.map { Foundation.exp($0 - top) }
            let sum = e.reduce(0, +)
            return e.map { $0 / sum }
        }
    }

    /// Mean cross-entropy of `labels` under the logits.
    public func loss(_ x: Tensor<Float>, labels: [Int]) -> Double {
        let p = Self.softmax(forward(x).preActivations.last!)
        return zip(p, labels).reduce(0) { $0 - Foundation.log(max($1.0[$1.1], 1e-300)) } / Double(labels.count)
    }

    /// The fraction of examples whose largest logit is at the label.
    public func accuracy(_ x: Tensor<Float>, labels: [Int]) -> Double {
        let z = forward(x).preActivations.last!
        var correct = 0
        for (i, y) in labels.enumerated() {
            var best = 0
            for j in 1..<z.columns where z.data[i * z.columns + j] > z.data[i * z.columns + best] { best = j }
            if best == y { correct += 1 }
        }
        return Double(correct) / Double(max(labels.count, 1))
    }

    /// Backpropagates per-sample output gradients `δ_L` (n × classes) through the cached pass.
    func backward(_ top: Tensor<Float>, preActivations pre: [Tensor<Float>]) -> [Tensor<Float>] {
        var deltas = [top]
        for l in stride(from: weights.count - 1, to: 0, by: -1) {
            let w = weights[l], inputsWithoutBias = sizes[l]
            var back = matmul(deltas[0], w)                         // n × (in + 1); drop the bias column
            let n = back.rows
            var d = [Float](repeating: 0, count: n * inputsWithoutBias)
            for i in 0..<n { for j in 0..<inputsWithoutBias where pre[l - 1].data[i * inputsWithoutBias + j] > 0 {
                d[i * inputsWithoutBias + j] = back.data[i * (inputsWithoutBias + 1) + j]
            } }
            back = Tensor(shape: [n, inputsWithoutBias], data: d)
            deltas.insert(back, at: 0)
        }
        return deltas
    }

    /// A forward and backward pass over `(x, labels)`.
    public func pass(_ x: Tensor<Float>, labels: [Int]) -> Pass {
        pass(x, labels: labels) { _ in nil }
    }

    /// A forward and backward pass whose per-sample output gradients are the Fisher's: those of
    /// labels drawn from the model's own prediction (one per example, from `rng`). The loss and the
    /// gradient of the mean loss still use `labels`.
    public func pass(_ x: Tensor<Float>, labels: [Int], fisher rng: inout SeededRandom) -> Pass {
        var r = rng
        defer { rng = r }
        return pass(x, labels: labels) { p in Self.sample(p, using: &r) }
    }

    func pass(_ x: Tensor<Float>, labels: [Int], statisticsLabels: ([[Double]]) -> [Int]?) -> Pass {
        let (inputs, pre) = forward(x)
        let n = x.rows, classes = sizes.last!
        let p = Self.softmax(pre.last!)
        func outputGradient(_ y: [Int]) -> Tensor<Float> {
            var d = [Float](repeating: 0, count: n * classes)
            for i in 0..<n { for c in 0..<classes { d[i * classes + c] = Float(p[i][c] - (c == y[i] ? 1 : 0)) } }
            return Tensor(shape: [n, classes], data: d)
        }
        let deltas = backward(outputGradient(labels), preActivations: pre)
        let gradients = zip(deltas, inputs).map { d, a in matmul(d, a, transposeA: true).map { $0 / Float(n) } }
        let loss = zip(p, labels).reduce(0) { $0 - Foundation.log(max($1.0[$1.1], 1e-300)) } / Double(n)
        let statistics = statisticsLabels(p).map { backward(outputGradient($0), preActivations: pre) } ?? deltas
        return Pass(loss: loss, inputs: inputs, outputGradients: statistics, gradients: gradients, preActivations: pre)
    }

    static func sample(_ probabilities: [[Double]], using rng: inout SeededRandom) -> [Int] {
        probabilities.map { p in
            var u = rng.uniform(), c = 0
            while c < p.count - 1 && u >= p[c] { u -= p[c]; c += 1 }
            return c
        }
    }

    /// Labels drawn from the model's predictive distribution at `logits` (one per row).
    public static func sampledLabels(_ logits: Tensor<Float>, using rng: inout SeededRandom) -> [Int] {
        sample(softmax(logits), using: &rng)
    }

    /// `x` without its last column (a layer's inputs without the bias column).
    public static func withoutBias(_ x: Tensor<Float>) -> Tensor<Float> {
        let n = x.rows, c = x.columns - 1
        var out = [Float](repeating: 0, count: n * c)
        for i in 0..<n { for j in 0..<c { out[i * c + j] = x.data[i * (c + 1) + j] } }
        return Tensor(shape: [n, c], data: out)
    }
}
