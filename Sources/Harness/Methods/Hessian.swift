import Foundation

// # Curvature of a loss: Hessian-vector products and extreme eigenvalues
//
// Flatness claims (SAM finds flatter minima; GAM bounds λ_max; saddle points of minority-class
// losses) are claims about the Hessian of the training loss at the end of training. A network's
// Hessian is far too large to form, but its product with a vector is cheap: the directional
// derivative of the gradient, taken here as a central difference of two gradient evaluations,
//
//     H v ≈ (∇L(w + h v) − ∇L(w − h v)) / 2h,
//
// exact for a quadratic and with an O(h²) error otherwise. Two iterations turn these products
// into eigenvalues. Power iteration finds the eigenvalue of largest *magnitude*; it is λ_max only
// when no negative eigenvalue is as large, and it converges slowly when the two ends of the
// spectrum have similar magnitudes, which a network trained to a flat region often has: its
// estimate can then land anywhere between them. The Lanczos iteration (with full
// reorthogonalisation, as PyHessian and Ghorbani et al. 2019 use it) builds a small tridiagonal
// matrix whose extreme eigenvalues converge to both ends of the spectrum from the same number of
// products, whatever their signs: it gives λ_max and λ_min, the numbers flatness and
// saddle-point claims are about.
//
// Finite differences need a loss that is smooth at the scale h. Across ReLU kinks the gradient
// jumps, so the difference quotient picks up whichever jumps the step crosses and depends on h
// itself: on the MNIST-1D ReLU MLP the curvature along one direction read 0.5, 1.5 and 8.3 for
// h = 5e-2, 5e-3 and 5e-4, and Lanczos and power iteration disagreed. The Hessian that double
// backpropagation (PyHessian) computes for a ReLU network is the one of the smooth piece the
// weights sit in, with every gate fixed: ``MLP/lossAndGradient(_:labels:frozenGates:)`` evaluates
// exactly that piece, so finite differences of its gradient give the exact Hessian of a ReLU MLP
// (to O(h²)), stable across h and symmetric.

/// Hessian-vector products and extreme Hessian eigenvalues of a loss at the parameters' current
/// values, from gradients alone (any model, any loss the autodiff tape can differentiate).
public enum Hessian {
    // excerpt: hessian-vector-product
    /// $Hv \approx (\nabla L(w+hv)-\nabla L(w-hv))/2h$ at the parameters' current values $w$,
    /// one tensor per parameter. `lossAndGradient` must evaluate the loss at the parameters'
    /// values and overwrite their `grad` (a ``LossAndGradient``). The values are restored
    /// exactly; the `grad`s are left as the last evaluation wrote them.
    public static func vectorProduct(_ parameters: [Parameter], _ v: [Tensor<Float>], h: Float,
                                     lossAndGradient: LossAndGradient) -> [Tensor<Float>] {
        precondition(v.count == parameters.count, "one direction tensor per parameter")
        precondition(h > 0, "the finite-difference step must be positive")
        let w0 = parameters.map(\.value)
        func gradient(shift: Float) -> [Tensor<Float>] {
            for (k, p) in parameters.enumerated() {
                p.value = w0[k]
                p.value.add(v[k], scaledBy: shift)
            }
            _ = lossAndGradient()
            return parameters.map(\.grad)
        }
        let plus = gradient(shift: h), minus = gradient(shift: -h)
        for (k, p) in parameters.enumerated() { p.value = w0[k] }
        var hv = plus
        for k in hv.indices {
            hv[k].add(minus[k], scaledBy: -1)
            hv[k].scale(by: 1 / (2 * h))
        }
        return hv
    }
    // end excerpt

    // excerpt: hessian-power-iteration
    /// The eigenvalue of largest magnitude of the Hessian of the loss at the parameters' current
    /// values (λ_max at a minimum), by `iterations` steps of power iteration on
    /// ``vectorProduct(_:_:h:lossAndGradient:)`` from a random unit vector drawn from `rng`:
    /// $v \leftarrow Hv/\|Hv\|$, returning the last Rayleigh quotient $v^\top Hv$ (NaN for zero
    /// iterations). Costs `2 × iterations` gradient evaluations; the parameter values are left
    /// exactly as they were. Prefer ``lanczos(_:steps:h:rng:lossAndGradient:)`` when the
    /// spectrum may have a negative end comparable to its positive one (away from a minimum).
    public static func topEigenvalue(_ parameters: [Parameter], iterations: Int, h: Float, rng: inout SeededRandom,
                                     lossAndGradient: LossAndGradient) -> Double {
        var v = parameters.map { Tensor<Float>.randomNormal($0.value.shape, using: &rng) }
        func normalize(_ v: inout [Tensor<Float>]) {
            let norm = v.reduce(0.0) { $0 + Double($1.squaredNorm()) }.squareRoot()
            for k in v.indices { v[k].scale(by: Float(1 / max(norm, 1e-30))) }
        }
        normalize(&v)
        var lambda = Double.nan
        for _ in 0..<iterations {
            let hv = vectorProduct(parameters, v, h: h, lossAndGradient: lossAndGradient)
            lambda = zip(hv, v).reduce(0.0) { $0 + Double($1.0.dot($1.1)) }
            v = hv
            normalize(&v)
        }
        return lambda
    }
    // end excerpt

    /// The extreme eigenvalues of the Hessian of the loss at the parameters' current values.
    public struct Spectrum: Sendable, Equatable {
        /// The Ritz values, ascending: eigenvalues of the Lanczos tridiagonal matrix.
        public var ritzValues: [Double]
        /// The largest (algebraic) eigenvalue estimate, λ_max.
        public var largest: Double { ritzValues.last ?? .nan }
        /// The smallest (algebraic) eigenvalue estimate, λ_min (negative at a saddle).
        public var smallest: Double { ritzValues.first ?? .nan }
    }

    // excerpt: hessian-lanczos
    /// Both ends of the Hessian spectrum by `steps` Lanczos iterations on
    /// ``vectorProduct(_:_:h:lossAndGradient:)`` from a random unit vector drawn from `rng`, with
    /// full reorthogonalisation (in Double): $\beta_j q_{j+1} = Hq_j - \alpha_j q_j - \beta_{j-1}q_{j-1}$,
    /// $\alpha_j = q_j^\top Hq_j$, then the eigenvalues of the tridiagonal matrix $T = \mathrm{tridiag}(\beta, \alpha, \beta)$.
    /// Stops early when the Krylov space is exhausted ($\beta_j \approx 0$). Costs `2 × steps`
    /// gradient evaluations; the parameter values are left exactly as they were.
    public static func lanczos(_ parameters: [Parameter], steps: Int, h: Float, rng: inout SeededRandom,
                               lossAndGradient: LossAndGradient) throws -> Spectrum {
        try lanczos(shapes: parameters.map(\.value.shape), steps: steps, rng: &rng) {
            vectorProduct(parameters, $0, h: h, lossAndGradient: lossAndGradient)
        }
    }

    /// Both ends of the spectrum of any symmetric operator on tensors shaped `shapes` (a
    /// Hessian, a Gauss–Newton matrix: ``gaussNewtonProduct(_:_:h:)``), by `steps` Lanczos
    /// iterations on `product` as ``lanczos(_:steps:h:rng:lossAndGradient:)`` describes; the
    /// start vector is drawn from `rng` one tensor per shape, in order.
    public static func lanczos(shapes: [[Int]], steps: Int, rng: inout SeededRandom,
                               product: ([Tensor<Float>]) -> [Tensor<Float>]) throws -> Spectrum {
        precondition(steps >= 1)
        let start = HessianEstimators.flatten(shapes.map { Tensor<Float>.randomNormal($0, using: &rng) })
        let run = HessianEstimators.lanczos(start: start, steps: steps) {
            HessianEstimators.flatten(product(HessianEstimators.unflatten($0, shapes: shapes)))
        }
        return Spectrum(ritzValues: try run.ritzValues())
    }
    // end excerpt
}

// ## A ReLU network's Hessian: the smooth piece with frozen gates

extension MLP {
    // excerpt: frozen-gates
    /// The gates of the hidden ReLUs at the current weights on `input`: 1 where a hidden
    /// pre-activation is positive, 0 elsewhere (one tensor per hidden layer, shaped like it).
    public func reluGates(_ input: Tensor<Float>) -> [Tensor<Float>] {
        precondition(activation == .relu, "gates are defined for ReLU networks")
        let tape = Tape<Float>()
        var h = tape.constant(input)
        var gates = [Tensor<Float>]()
        for (i, layer) in linears.enumerated() {
            h = layer.forward(tape, h)
            if i < linears.count - 1 {
                gates.append(h.value.map { $0 > 0 ? 1 : 0 })
                h = tape.relu(h)
            }
        }
        return gates
    }

    /// The mean cross-entropy on `input` with every hidden `relu(z)` replaced by `gate ⊙ z`, the
    /// gates held fixed, and its gradient written to the parameters (a ``LossAndGradient`` body).
    /// With the gates of the current weights (``reluGates(_:)``) it equals the ordinary loss and
    /// gradient there; nearby it is the smooth piece of the loss the weights sit in, whose Hessian
    /// is the one double backpropagation gives a ReLU network.
    public func lossAndGradient(_ input: Tensor<Float>, labels: [Int], frozenGates gates: [Tensor<Float>]) -> Float {
        precondition(gates.count == linears.count - 1, "one gate tensor per hidden layer")
        return Harness.lossAndGradient(parameters: trainableParameters) { tape in
            var h = tape.constant(input)
            for (i, layer) in linears.enumerated() {
                h = layer.forward(tape, h)
                if i < linears.count - 1 { h = tape.mul(h, tape.constant(gates[i])) }
            }
            return tape.crossEntropy(h, labels: labels)
        }
    }
    // end excerpt
}

// ## The Generalised Gauss–Newton matrix of a classifier
//
// The Hessian of a loss ℓ(f(w)) of a network's outputs f splits as
//
//     H = Jᵀ ∇²ℓ J + Σ_k (∂ℓ/∂f_k) ∇²f_k,
//
// and the Generalised Gauss–Newton matrix G = Jᵀ ∇²ℓ J keeps the first term: positive
// semi-definite for a convex ℓ, equal to H for a linear model. For the mean cross-entropy of
// softmax outputs p_i, ∇²ℓ on example i is (diag(p_i) − p_i p_iᵀ)/n. A product G v needs a
// Jacobian-vector product J v (forward mode, which the tape lacks: taken here as a central
// difference of the logits, exact to O(h²) for a smooth network) and a vector-Jacobian product
// Jᵀu (reverse mode: the gradient of Σ u ⊙ f with u held constant).

extension Classifier {
    // excerpt: gauss-newton-product
    /// $Gv = J^\top \nabla^2\ell\, Jv$ for the mean cross-entropy of this classifier on `input`
    /// at its trainable parameters' current values (one tensor per trainable parameter):
    /// $Jv \approx (f(w+hv)-f(w-hv))/2h$, then $u_i = (\mathrm{diag}(p_i) - p_ip_i^\top)(Jv)_i/n$,
    /// then $J^\top u$ by one backward pass. The labels do not enter: G depends on the outputs only.
    /// The values are restored exactly; the `grad`s hold the last backward pass.
    public func gaussNewtonProduct(_ input: Tensor<Float>, _ v: [Tensor<Float>], h: Float) -> [Tensor<Float>] {
        let parameters = trainableParameters
        precondition(v.count == parameters.count, "one direction tensor per trainable parameter")
        precondition(h > 0, "the finite-difference step must be positive")
        let w0 = parameters.map(\.value)
        func outputs(shift: Float) -> Tensor<Float> {
            for (k, p) in parameters.enumerated() {
                p.value = w0[k]
                if shift != 0 { p.value.add(v[k], scaledBy: shift) }
            }
            return logits(input)
        }
        let plus = outputs(shift: h), minus = outputs(shift: -h), z = outputs(shift: 0)
        let n = z.shape[0], c = z.columns
        var u = Tensor<Float>.zeros([n, c])
        var p = [Double](repeating: 0, count: c), jv = [Double](repeating: 0, count: c)
        for i in 0..<n {
            let row = i * c
            let top = (0..<c).map { Double(z.data[row + $0]) }.max()!
            var total = 0.0
            for j in 0..<c { p[j] = exp(Double(z.data[row + j]) - top); total += p[j] }
            var mean = 0.0
            for j in 0..<c {
                p[j] /= total
                jv[j] = (Double(plus.data[row + j]) - Double(minus.data[row + j])) / (2 * Double(h))
                mean += p[j] * jv[j]
            }
            for j in 0..<c { u.data[row + j] = Float(p[j] * (jv[j] - mean) / Double(n)) }
        }
        _ = Harness.lossAndGradient(parameters: parameters) { tape in
            tape.sum(tape.mul(forward(tape, input, training: false), tape.constant(u)))
        }
        return parameters.map(\.grad)
    }
    // end excerpt
}
