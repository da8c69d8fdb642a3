import Foundation

// # Output Jacobians of an MLP and Gauss-Newton directions
//
// Gauss-Newton methods (EGN, SGN, Levenberg-Marquardt) need more than the gradient of the mean
// loss: the Jacobian `J` of the network's outputs over a mini-batch (`b·c` rows, one per example
// and output, `d` columns) and the loss's Hessian `Q` with respect to those outputs. For an MLP
// both have closed forms, computed here in Double: one forward pass keeps each layer's input
// `h_{l−1}` and pre-activation `a_l`, and the output sensitivities `δ_l = ∂f/∂a_l` run backwards
// for all `b·c` rows at once, `δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ σ'(a_l)`; the row of output `k` of
// example `i` holds `h_{l−1,i} ⊗ δ_{l,ik}` for each weight and `δ_{l,ik}` for each bias, in the
// order of ``MLP/parameters`` (`layer0.weight`, `layer0.bias`, ...; weights `[in, out]`).
//
// With `g` the stacked `∂ℓᵢ/∂fᵢ` and `Q = blockdiag(∂²ℓᵢ/∂fᵢ²)` for the mean loss `(1/b)Σℓᵢ`, the
// regularised Gauss-Newton direction solves `(JᵀQJ/b + λI) d = −Jᵀg/b`. In parameter space that
// is a `d×d` system; the push-through (Duncan-Guttman) identity `(JᵀQJ + μI)⁻¹Jᵀ = Jᵀ(QJJᵀ + μI)⁻¹`
// with `μ = bλ` gives the same `d = −Jᵀ(QJJᵀ + bλI)⁻¹g` from a `b·c × b·c` system.

/// An MLP as a function of its parameters, in Double: weights `[in, out]`, biases `[out]`.
public struct MLPFunction: Sendable {
    public var weights: [Tensor<Double>]
    public var biases: [Tensor<Double>]
    public var activation: Activation

    public init(weights: [Tensor<Double>], biases: [Tensor<Double>], activation: Activation) {
        precondition(activation != .gelu, "MLPFunction: GELU has no closed-form derivative here")
        (self.weights, self.biases, self.activation) = (weights, biases, activation)
    }

    /// A Double copy of a harness MLP (every linear layer must have a bias).
    public init(_ model: MLP) {
        self.init(weights: model.linears.map { Tensor(shape: $0.weight.value.shape, data: $0.weight.value.data.map(Double.init)) },
                  biases: model.linears.map { Tensor(shape: $0.bias!.value.shape, data: $0.bias!.value.data.map(Double.init)) },
                  activation: model.activation)
    }

    public var outputCount: Int { weights.last!.shape[1] }
    public var parameterCount: Int { zip(weights, biases).reduce(0) { $0 + $1.0.count + $1.1.count } }

    /// All parameters in ``MLP/parameters`` order.
    public var flat: [Double] {
        get { zip(weights, biases).flatMap { $0.0.data + $0.1.data } }
        set {
            precondition(newValue.count == parameterCount)
            var o = 0
            for l in weights.indices {
                weights[l].data = Array(newValue[o..<(o + weights[l].count)]); o += weights[l].count
                biases[l].data = Array(newValue[o..<(o + biases[l].count)]); o += biases[l].count
            }
        }
    }

    func sigma(_ x: Double) -> Double {
        switch activation {
        case .relu: return max(x, 0)
        case .tanh: return Foundation.tanh(x)
        case .sigmoid: return 1 / (1 + exp(-x))
        case .gelu: preconditionFailure()
        }
    }

    func sigmaPrime(_ x: Double) -> Double {
        switch activation {
        case .relu: return x > 0 ? 1 : 0
        case .tanh: let t = Foundation.tanh(x); return 1 - t * t
        case .sigmoid: let s = 1 / (1 + exp(-x)); return s * (1 - s)
        case .gelu: preconditionFailure()
        }
    }

    /// Layer inputs `h_{l−1}` and pre-activations `a_l`; the outputs are the last pre-activation.
    func trace(_ x: Tensor<Double>) -> (inputs: [Tensor<Double>], pre: [Tensor<Double>]) {
        var h = x, inputs = [Tensor<Double>](), pre = [Tensor<Double>]()
        for l in weights.indices {
            inputs.append(h)
            var a = matmul(h, weights[l])
            let width = biases[l].count
            for i in 0..<a.shape[0] { for j in 0..<width { a.data[i * width + j] += biases[l].data[j] } }
            pre.append(a)
            h = l == weights.count - 1 ? a : Tensor(shape: a.shape, data: a.data.map(sigma))
        }
        return (inputs, pre)
    }

    /// The outputs `[b, c]` for inputs `[b, n₀]`.
    public func callAsFunction(_ x: Tensor<Double>) -> Tensor<Double> { trace(x).pre.last! }

    /// The outputs `[b, c]` and the Jacobian `J` (`[b·c, d]`, row `i·c + k`). `flops` gains the
    /// multiply-adds of the backward gemms and the outer products (2 per product).
    public func outputsAndJacobian(_ x: Tensor<Double>, flops: inout Int) -> (outputs: Tensor<Double>, jacobian: Tensor<Double>) {
        let (inputs, pre) = trace(x)
        let b = x.shape[0], c = outputCount, n = b * c, d = parameterCount
        var jacobian = [Double](repeating: 0, count: n * d)
        // δ_L = I_c for every example: row (i, k) is e_k.
        var delta = Tensor<Double>.zeros([n, c])
        for i in 0..<b { for k in 0..<c { delta.data[(i * c + k) * c + k] = 1 } }
        var offsets = [Int](), o = 0
        for l in weights.indices { offsets.append(o); o += weights[l].count + biases[l].count }
        for l in weights.indices.reversed() {
            if l < weights.count - 1 {
                delta = matmul(delta, weights[l + 1], transposeB: true)
                flops += 2 * n * weights[l + 1].count
                let width = biases[l].count
                for r in 0..<n {
                    let i = r / c
                    for j in 0..<width { delta.data[r * width + j] *= sigmaPrime(pre[l].data[i * width + j]) }
                }
            }
            let fanIn = weights[l].shape[0], fanOut = weights[l].shape[1]
            for r in 0..<n {
                let i = r / c, row = r * d + offsets[l]
                for a in 0..<fanIn {
                    let h = inputs[l].data[i * fanIn + a]
                    for j in 0..<fanOut { jacobian[row + a * fanOut + j] = h * delta.data[r * fanOut + j] }
                }
                for j in 0..<fanOut { jacobian[row + fanIn * fanOut + j] = delta.data[r * fanOut + j] }
            }
            flops += 2 * n * (fanIn * fanOut + fanOut)
        }
        return (pre.last!, Tensor(shape: [n, d], data: jacobian))
    }
}

extension MLPFunction {
    /// `Jᵀv` without forming `J` (`v`: `b·c` values, e.g. `g/b` gives the gradient of the mean
    /// loss), by one backward pass; `flops` gains its gemms.
    public func vectorJacobianProduct(_ x: Tensor<Double>, _ v: [Double], flops: inout Int) -> [Double] {
        let (inputs, pre) = trace(x)
        let b = x.shape[0]
        var delta = Tensor(shape: [b, outputCount], data: v)
        var blocks = [[Double]](repeating: [], count: weights.count)
        for l in weights.indices.reversed() {
            let width = biases[l].count
            if l < weights.count - 1 {
                for i in 0..<b { for j in 0..<width { delta.data[i * width + j] *= sigmaPrime(pre[l].data[i * width + j]) } }
            }
            let gw = matmul(inputs[l], delta, transposeA: true)
            var gb = [Double](repeating: 0, count: width)
            for i in 0..<b { for j in 0..<width { gb[j] += delta.data[i * width + j] } }
            blocks[l] = gw.data + gb
            flops += 2 * b * weights[l].count
            if l > 0 { delta = matmul(delta, weights[l], transposeB: true); flops += 2 * b * weights[l].count }
        }
        return blocks.flatMap { $0 }
    }
}

/// The loss of one example as a function of its outputs, with its output gradient and Hessian.
public enum GaussNewtonLoss: Sendable {
    /// `ℓᵢ = ½‖fᵢ − yᵢ‖²`: `g = f − y`, `Q = I`.
    case squaredError
    /// `ℓᵢ = −Σₖ yᵢₖ log softmax(fᵢ)ₖ` (one-hot `y`): `g = p − y`, `Q = diag(p) − ppᵀ`.
    case crossEntropy

    /// The mean loss over the batch, `g` (`b·c`) and the `b` blocks of `Q` (`c×c`, row-major).
    /// `targets` holds `b·c` values (one-hot rows for cross-entropy).
    public func evaluate(outputs f: Tensor<Double>, targets y: [Double]) -> (loss: Double, g: [Double], q: [[Double]]) {
        let b = f.shape[0], c = f.shape[1]
        precondition(y.count == b * c)
        var loss = 0.0, g = [Double](repeating: 0, count: b * c), q = [[Double]]()
        for i in 0..<b {
            let row = Array(f.data[(i * c)..<((i + 1) * c)]), target = Array(y[(i * c)..<((i + 1) * c)])
            switch self {
            case .squaredError:
                for k in 0..<c { g[i * c + k] = row[k] - target[k]; loss += 0.5 * g[i * c + k] * g[i * c + k] }
                q.append((0..<(c * c)).map { $0 / c == $0 % c ? 1 : 0 })
            case .crossEntropy:
                let m = row.max()!, e = row.map { exp($0 - m) }, z = e.reduce(0, +), p = e.map { $0 / z }
                for k in 0..<c { g[i * c + k] = p[k] - target[k]; loss -= target[k] * (row[k] - m - log(z)) }
                q.append((0..<(c * c)).map { (($0 / c == $0 % c) ? p[$0 / c] : 0) - p[$0 / c] * p[$0 % c] })
            }
        }
        return (loss / Double(b), g, q)
    }
}

/// Regularised Gauss-Newton directions `d` solving `(JᵀQJ/b + λI) d = −Jᵀg/b`, three ways.
public enum GaussNewtonDirection {
    /// `Q·M` for block-diagonal `Q` (`b` blocks `c×c`) and `M` with `b·c` rows.
    public static func applyQ(_ q: [[Double]], _ m: [Double], columns: Int) -> [Double] {
        let c = Int(Double(q[0].count).squareRoot()), b = q.count
        var out = [Double](repeating: 0, count: m.count)
        for i in 0..<b { for k in 0..<c { for l in 0..<c {
            let w = q[i][k * c + l]
            if w == 0 { continue }
            let src = (i * c + l) * columns, dst = (i * c + k) * columns
            for j in 0..<columns { out[dst + j] += w * m[src + j] }
        } } }
        return out
    }

    /// EGN's batch-space solve: `d = −Jᵀ(QJJᵀ + bλI)⁻¹g` (one `b·c × b·c` LU). `flops` gains the
    /// Gram matrix (`2n²d`), `Q`'s blocks (`2nc·n`), the LU (`⅔n³`) and `Jᵀu` (`2nd`).
    public static func batchSpace(jacobian j: Tensor<Double>, g: [Double], q: [[Double]], lambda: Double, flops: inout Int) throws -> [Double] {
        let n = j.shape[0], d = j.shape[1], b = q.count, c = n / b
        let gram = matmul(j, j, transposeB: true)
        var a = applyQ(q, gram.data, columns: n)
        for r in 0..<n { a[r * n + r] += Double(b) * lambda }
        let u = try solve(Tensor(shape: [n, n], data: a), Tensor(shape: [n, 1], data: g))
        flops += 2 * n * n * d + 2 * n * c * n + 2 * n * n * n / 3 + 2 * n * d
        return matmul(j, u, transposeA: true).data.map { -$0 }
    }

    /// The explicit `d×d` solve of the same system (the reference the identity is checked against).
    public static func parameterSpace(jacobian j: Tensor<Double>, g: [Double], q: [[Double]], lambda: Double) throws -> [Double] {
        let n = j.shape[0], d = j.shape[1], b = Double(q.count)
        let qj = Tensor(shape: [n, d], data: applyQ(q, j.data, columns: d))
        var h = matmul(j, qj, transposeA: true)
        for r in 0..<d { for s in 0..<d { h.data[r * d + s] /= b } ; h.data[r * d + r] += lambda }
        let rhs = matmul(j, Tensor(shape: [n, 1], data: g), transposeA: true).data.map { -$0 / b }
        return try solve(h, Tensor(shape: [d, 1], data: rhs)).data
    }

    /// `(JᵀQJ/b + λI)v` by two Jacobian products (no `d×d` matrix); `flops` gains `4nd`.
    public static func product(jacobian j: Tensor<Double>, q: [[Double]], lambda: Double, _ v: [Double], flops: inout Int) -> [Double] {
        let n = j.shape[0], d = j.shape[1], b = Double(q.count)
        let jv = matmul(j, Tensor(shape: [d, 1], data: v)).data
        let out = matmul(j, Tensor(shape: [n, 1], data: applyQ(q, jv, columns: 1)), transposeA: true).data
        flops += 4 * n * d
        return zip(out, v).map { $0 / b + lambda * $1 }
    }

    /// SGN's parameter-space solve: `iterations` steps of conjugate gradient from 0 on the same system.
    public static func conjugateGradient(jacobian j: Tensor<Double>, g: [Double], q: [[Double]], lambda: Double,
                                         iterations: Int, flops: inout Int) -> [Double] {
        let n = j.shape[0], d = j.shape[1], b = Double(q.count)
        let rhs = matmul(j, Tensor(shape: [n, 1], data: g), transposeA: true).data.map { -$0 / b }
        var x = [Double](repeating: 0, count: d), r = rhs, p = rhs
        var rr = r.reduce(0) { $0 + $1 * $1 }
        let stop = 1e-20 * max(rr, 1e-300)
        for _ in 0..<iterations where rr > stop {
            let ap = product(jacobian: j, q: q, lambda: lambda, p, flops: &flops)
            let alpha = rr / zip(p, ap).reduce(0) { $0 + $1.0 * $1.1 }
            for i in 0..<d { x[i] += alpha * p[i]; r[i] -= alpha * ap[i] }
            let next = r.reduce(0) { $0 + $1 * $1 }
            for i in 0..<d { p[i] = r[i] + next / rr * p[i] }
            rr = next
        }
        return x
    }
}
