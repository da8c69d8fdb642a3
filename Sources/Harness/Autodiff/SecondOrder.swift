import RealModule

/// # Exact Hessian-vector products: forward-over-reverse on the tape
///
/// The Hessian-vector product of a loss L at θ along v is the directional derivative of its
/// gradient, `Hv = ∂/∂ε ∇L(θ + εv)|₀`. Here it is computed exactly, not as a central difference
/// of two gradients, by carrying a *tangent* (the ε-derivative) through both sweeps of the tape.
///
/// ## Why forward-over-reverse and not double backward
///
/// Double backward would record every pullback as ops on a second tape and sweep that tape
/// backwards. That needs every pullback rewritten in terms of tape ops (the fused softmax
/// cross-entropy pullback, the GELU derivative, the in-place `gemm` accumulations), a second code
/// path beside each existing one. Forward-over-reverse reuses the existing pullbacks as they are.
/// An op `y = f(x)` has the pullback `x̄ = J(x)ᵀ ȳ`; differentiating it along the tangent gives
///
///     ∂/∂ε x̄ = J(x)ᵀ ∂ȳ/∂ε  +  (∂/∂ε J(x))ᵀ ȳ,
///
/// and the first term *is the existing pullback*, applied to the tangent of the gradient. So each
/// op needs only two small new pieces, written beside it in this file:
/// - its forward **tangent** `ẏ = J(x) ẋ` (a JVP; for a linear op, the op applied to `ẋ`);
/// - its **curvature term** `(∂J/∂ε)ᵀ ȳ`, which is zero for linear ops (add, reshape, sum, bias)
///   and for ReLU, and one product for a bilinear op (`matmul`, `mul`) or an elementwise
///   nonlinearity (`ȳ ⊙ σ''(x) ⊙ ẋ`).
///
/// The first-order path is untouched: an op records its rule only when the tape was asked to
/// (``Tape/recordSecondOrder()``); otherwise the cost is one `nil` test per op. The pullbacks
/// receive the tape they accumulate into as an argument, so the tangent sweep passes them a
/// *shadow* tape with the same nodes and separate gradient storage: the ordinary pullback then
/// accumulates `J(x)ᵀ ∂ȳ/∂ε` there, unchanged, and the curvature terms are added beside it.
///
/// ## The sweep
///
/// ``Tape/hessianVectorProduct(of:at:along:seed:)`` runs after an ordinary forward pass:
/// 1. a forward sweep in node order computes every node's tangent from its inputs' (nil where it
///    is zero: data, and everything no direction reaches);
/// 2. one backward sweep from the loss, at each node: the ordinary pullback of its gradient
///    (into the tape), the same pullback of its gradient's tangent (into the shadow tape), and the
///    op's curvature term with the gradient (into the shadow tape).
/// The shadow tape's gradients at the leaves are `Hv`. Cost: about two gradient evaluations, the
/// same as one central difference, with no step size and no truncation error. An op without a
/// second-order rule stops the sweep with a clear error instead of giving a wrong product.
///
/// A ReLU network has the Hessian of the smooth piece its weights sit in (every gate fixed), as
/// double backpropagation in PyTorch gives it: ReLU's tangent is gated and its curvature is zero.

/// The second-order rules of the ops recorded on one tape, and the tangents of its nodes.
final class SecondOrderRecord<S: TensorScalar> {
    /// What one op adds to the second-order sweep.
    struct Rule {
        /// The tangent of the op's output from its inputs' tangents; nil when it is zero.
        let tangent: (SecondOrderRecord<S>) -> Tensor<S>?
        /// Adds `(∂J/∂ε)ᵀ ȳ` for the output gradient `ȳ` into the shadow tape; nil for linear ops.
        let curvature: ((SecondOrderRecord<S>, Tape<S>, Tensor<S>) -> Void)?
    }

    var rules: [Int: Rule] = [:]
    /// Tangent of each node after the forward tangent sweep (nil: zero).
    var tangents: [Tensor<S>?] = []

    /// The tangent of `v` (nil: zero).
    func tangent(of v: Variable<S>) -> Tensor<S>? { v.id < tangents.count ? tangents[v.id] : nil }

    func rule(_ y: Variable<S>, tangent: @escaping (SecondOrderRecord<S>) -> Tensor<S>?,
              curvature: ((SecondOrderRecord<S>, Tape<S>, Tensor<S>) -> Void)? = nil) {
        rules[y.id] = Rule(tangent: tangent, curvature: curvature)
    }

    /// `a + s b` where either may be zero (nil).
    static func sum(_ a: Tensor<S>?, _ b: Tensor<S>?, scaledBy s: S = 1) -> Tensor<S>? {
        switch (a, b) {
        case (nil, nil): return nil
        case (let a?, nil): return a
        case (nil, let b?): return s == 1 ? b : s * b
        case (var a?, let b?): a.add(b, scaledBy: s); return a
        }
    }
}

// MARK: - The rules of the ops

extension SecondOrderRecord {
    /// A linear op: its tangent is the op applied to its input's tangent; no curvature term.
    func linear(_ y: Variable<S>, _ x: Variable<S>, _ op: @escaping (Tensor<S>) -> Tensor<S>) {
        rule(y, tangent: { r in r.tangent(of: x).map(op) })
    }

    /// `a + s b` (add, sub).
    func sum(_ y: Variable<S>, _ a: Variable<S>, _ b: Variable<S>, scaledBy s: S) {
        rule(y, tangent: { r in Self.sum(r.tangent(of: a), r.tangent(of: b), scaledBy: s) })
    }

    /// `op(a) op(b)`: `Ċ = op(ȧ) op(b) + op(a) op(ḃ)`; curvature: the pullback with `b` replaced
    /// by `ḃ` (for `ā`) and `a` by `ȧ` (for `b̄`).
    func matmul(_ y: Variable<S>, _ a: Variable<S>, _ b: Variable<S>, transposeA: Bool, transposeB: Bool) {
        rule(y, tangent: { r in
            let da = r.tangent(of: a), db = r.tangent(of: b)
            guard da != nil || db != nil else { return nil }
            var out = Tensor<S>.zeros(y.shape)
            if let da { gemm(da, b.value, into: &out, transposeA: transposeA, transposeB: transposeB, beta: 0) }
            if let db { gemm(a.value, db, into: &out, transposeA: transposeA, transposeB: transposeB, beta: 1) }
            return out
        }, curvature: { r, shadow, g in
            if shadow.needsGradient(a), let db = r.tangent(of: b) {
                shadow.accumulate(a) { ga, overwrite in
                    let beta: S = overwrite ? 0 : 1
                    if transposeA {
                        gemm(db, g, into: &ga, transposeA: transposeB, transposeB: true, beta: beta)
                    } else {
                        gemm(g, db, into: &ga, transposeB: !transposeB, beta: beta)
                    }
                }
            }
            if shadow.needsGradient(b), let da = r.tangent(of: a) {
                shadow.accumulate(b) { gb, overwrite in
                    let beta: S = overwrite ? 0 : 1
                    if transposeB {
                        gemm(g, da, into: &gb, transposeA: true, transposeB: transposeA, beta: beta)
                    } else {
                        gemm(da, g, into: &gb, transposeA: !transposeA, beta: beta)
                    }
                }
            }
        })
    }

    /// `a ⊙ b`: tangent `ȧ ⊙ b + a ⊙ ḃ`; curvature `ā += ȳ ⊙ ḃ`, `b̄ += ȳ ⊙ ȧ`.
    func mul(_ y: Variable<S>, _ a: Variable<S>, _ b: Variable<S>) {
        rule(y, tangent: { r in
            Self.sum(r.tangent(of: a).map { $0 * b.value }, r.tangent(of: b).map { a.value * $0 })
        }, curvature: { r, shadow, g in
            if shadow.needsGradient(a), let db = r.tangent(of: b) { shadow.accumulate(a, g * db) }
            if shadow.needsGradient(b), let da = r.tangent(of: a) { shadow.accumulate(b, g * da) }
        })
    }

    /// `x + bias` broadcast over rows: tangent `ẋ + ḃ` broadcast; linear.
    func addBias(_ y: Variable<S>, _ x: Variable<S>, _ bias: Variable<S>) {
        rule(y, tangent: { r in
            let dx = r.tangent(of: x), db = r.tangent(of: bias)
            guard dx != nil || db != nil else { return nil }
            var out = dx ?? .zeros(x.shape)
            if let db {
                let n = db.count, rows = out.count / max(n, 1)
                out.data.withUnsafeMutableBufferPointer { o in
                    db.data.withUnsafeBufferPointer { b in
                        for i in 0..<rows { for j in 0..<n { o[i * n + j] += b[j] } }
                    }
                }
            }
            return out
        })
    }

    /// An elementwise `y = σ(x)`: tangent `σ'(x) ⊙ ẋ`; curvature `ȳ ⊙ σ''(x) ⊙ ẋ`.
    /// `derivatives` gives `σ'` and `σ''` (nil when it is zero) at every element.
    func elementwise(_ y: Variable<S>, _ x: Variable<S>, derivatives: @escaping () -> (first: Tensor<S>, second: Tensor<S>?)) {
        var curvatureFactor: Tensor<S>? = nil   // σ''(x) ⊙ ẋ, set by the tangent sweep
        rule(y, tangent: { r in
            curvatureFactor = nil
            guard let dx = r.tangent(of: x) else { return nil }
            let (first, second) = derivatives()
            if let second { curvatureFactor = second * dx }
            return first * dx
        }, curvature: { _, shadow, g in
            if let factor = curvatureFactor { shadow.accumulate(x, g * factor) }
        })
    }

    /// ReLU: the tangent is gated like the gradient; zero curvature (the smooth piece).
    func relu(_ y: Variable<S>, _ x: Variable<S>) {
        rule(y, tangent: { r in
            r.tangent(of: x).map { Tensor(shape: $0.shape, data: reluBackward($0.data, output: y.value.data)) }
        })
    }

    /// Row-wise softmax: `ẏ = y ⊙ (ẋ - y·ẋ)`; curvature `ẏ ⊙ (ȳ - ȳ·y) - y (ȳ·ẏ)` per row.
    func softmax(_ y: Variable<S>, _ x: Variable<S>) {
        let n = y.shape.last!, rows = y.value.count / max(n, 1)
        rule(y, tangent: { r in
            guard var dy = r.tangent(of: x) else { return nil }
            dy.data.withUnsafeMutableBufferPointer { d in
                y.value.data.withUnsafeBufferPointer { yy in
                    for row in 0..<rows {
                        let dr = d.baseAddress! + row * n, yr = yy.baseAddress! + row * n
                        var dot: S = 0
                        for j in 0..<n { dot += yr[j] * dr[j] }
                        for j in 0..<n { dr[j] = yr[j] * (dr[j] - dot) }
                    }
                }
            }
            return dy
        }, curvature: { r, shadow, g in
            guard shadow.needsGradient(x), let dy = r.tangent(of: y) else { return }
            var dx = Tensor<S>.zeros(x.shape)
            dx.data.withUnsafeMutableBufferPointer { o in
                g.data.withUnsafeBufferPointer { gg in
                    y.value.data.withUnsafeBufferPointer { yy in
                        dy.data.withUnsafeBufferPointer { dd in
                            for row in 0..<rows {
                                let s = row * n
                                var gy: S = 0, gdy: S = 0
                                for j in 0..<n { gy += gg[s + j] * yy[s + j]; gdy += gg[s + j] * dd[s + j] }
                                for j in 0..<n { o[s + j] = dd[s + j] * (gg[s + j] - gy) - yy[s + j] * gdy }
                            }
                        }
                    }
                }
            }
            shadow.accumulate(x, dx)
        })
    }

    /// Row-wise log-softmax `y = x - lse(x)`: `ẏ = ẋ - p·ẋ` with `p = eʸ`; curvature `-ṗ Σȳ`
    /// per row, `ṗ = p ⊙ ẏ`.
    func logSoftmax(_ y: Variable<S>, _ x: Variable<S>) {
        let n = y.shape.last!, rows = y.value.count / max(n, 1)
        rule(y, tangent: { r in
            guard var dy = r.tangent(of: x) else { return nil }
            dy.data.withUnsafeMutableBufferPointer { d in
                y.value.data.withUnsafeBufferPointer { yy in
                    for row in 0..<rows {
                        let dr = d.baseAddress! + row * n, yr = yy.baseAddress! + row * n
                        var dot: S = 0
                        for j in 0..<n { dot += S.exp(yr[j]) * dr[j] }
                        for j in 0..<n { dr[j] -= dot }
                    }
                }
            }
            return dy
        }, curvature: { r, shadow, g in
            guard shadow.needsGradient(x), let dy = r.tangent(of: y) else { return }
            var dx = Tensor<S>.zeros(x.shape)
            for row in 0..<rows {
                let s = row * n
                var total: S = 0
                for j in 0..<n { total += g.data[s + j] }
                for j in 0..<n { let p = S.exp(y.value.data[s + j]); dx.data[s + j] = -p * dy.data[s + j] * total }
            }
            shadow.accumulate(x, dx)
        })
    }

    /// `ṗ = p ⊙ (ż - p·ż)` per row and the rows' `p·ż - ż[label]` (the tangents of their losses).
    static func crossEntropyTangents(_ p: Tensor<S>, _ dz: Tensor<S>, labels: [Int]) -> (dp: Tensor<S>, dLoss: [S]) {
        let rows = p.shape[0], n = p.shape[1]
        var dp = dz
        var dLoss = [S](repeating: 0, count: rows)
        dp.data.withUnsafeMutableBufferPointer { d in
            p.data.withUnsafeBufferPointer { pp in
                for row in 0..<rows {
                    let dr = d.baseAddress! + row * n, pr = pp.baseAddress! + row * n
                    var dot: S = 0
                    for j in 0..<n { dot += pr[j] * dr[j] }
                    dLoss[row] = dot - dr[labels[row]]
                    for j in 0..<n { dr[j] = pr[j] * (dr[j] - dot) }
                }
            }
        }
        return (dp, dLoss)
    }

    /// Softmax cross-entropy of logits `z` with probabilities `p`, summed with per-row `scales`
    /// (`wᵢ / batch` for the mean loss) or kept per row (`scales` nil): the tangent is
    /// `Σ sᵢ (pᵢ·żᵢ - żᵢ[labelᵢ])`; curvature `z̄ᵢ += ȳ sᵢ ṗᵢ` (`ȳᵢ ṗᵢ` per row).
    func crossEntropy(_ y: Variable<S>, _ logits: Variable<S>, probabilities p: Tensor<S>, labels: [Int], scales: [S]?) {
        var probabilityTangent: Tensor<S>? = nil
        rule(y, tangent: { r in
            probabilityTangent = nil
            guard let dz = r.tangent(of: logits) else { return nil }
            let (dp, dLoss) = Self.crossEntropyTangents(p, dz, labels: labels)
            probabilityTangent = dp
            guard let scales else { return Tensor(shape: y.shape, data: dLoss) }
            var total: S = 0
            for row in dLoss.indices { total += scales[row] * dLoss[row] }
            return Tensor(shape: y.shape, data: [total])
        }, curvature: { _, shadow, g in
            guard shadow.needsGradient(logits), var dz = probabilityTangent else { return }
            let n = p.shape[1]
            for row in 0..<p.shape[0] {
                let s = scales.map { g.data[0] * $0[row] } ?? g.data[row]
                for j in 0..<n { dz.data[row * n + j] *= s }
            }
            shadow.accumulate(logits, dz)
        })
    }

    /// `Σ (p - t)² / n` with `diff = p - t`: tangent `2 diff·(ṗ - ṫ) / n`; curvature
    /// `p̄ += 2ȳ (ṗ - ṫ) / n`, `t̄ -= 2ȳ (ṗ - ṫ) / n`.
    func meanSquaredError(_ y: Variable<S>, _ prediction: Variable<S>, _ target: Variable<S>, difference diff: Tensor<S>) {
        let n = S(diff.count)
        var differenceTangent: Tensor<S>? = nil
        rule(y, tangent: { r in
            differenceTangent = Self.sum(r.tangent(of: prediction), r.tangent(of: target)?.reshaped(diff.shape), scaledBy: -1)
            return differenceTangent.map { Tensor(scalar: 2 * diff.dot($0) / n) }
        }, curvature: { _, shadow, g in
            guard let dd = differenceTangent else { return }
            let u = (2 * g.data[0] / n) * dd
            if shadow.needsGradient(prediction) { shadow.accumulate(prediction, u) }
            if shadow.needsGradient(target) { shadow.accumulate(target, -1 * u) }
        })
    }
}

// MARK: - Elementwise derivatives

extension SecondOrderRecord {
    /// `tanh`: `σ' = 1 - y²`, `σ'' = -2y (1 - y²)`.
    func tanh(_ y: Variable<S>, _ x: Variable<S>) {
        elementwise(y, x) {
            let d1 = y.value.map { 1 - $0 * $0 }
            return (d1, Tensor(shape: y.shape, data: zip(y.value.data, d1.data).map { -2 * $0 * $1 }))
        }
    }

    /// The logistic function: `σ' = y (1 - y)`, `σ'' = y (1 - y)(1 - 2y)`.
    func sigmoid(_ y: Variable<S>, _ x: Variable<S>) {
        elementwise(y, x) {
            let d1 = y.value.map { $0 * (1 - $0) }
            return (d1, Tensor(shape: y.shape, data: zip(y.value.data, d1.data).map { $1 * (1 - 2 * $0) }))
        }
    }

    /// Exact GELU `x Φ(x)`: `σ' = Φ(x) + x φ(x)`, `σ'' = φ(x)(2 - x²)`; `onePlusErf` is the
    /// forward pass's `1 + erf(x/√2) = 2Φ(x)`.
    func gelu(_ y: Variable<S>, _ x: Variable<S>, onePlusErf: [S]) {
        elementwise(y, x) {
            let invSqrt2Pi: S = 1 / S.sqrt(2 * S.pi)
            let pdf = x.value.map { S.exp(-$0 * $0 / 2) * invSqrt2Pi }
            var d1 = pdf, d2 = pdf
            for i in 0..<pdf.count {
                let v = x.value.data[i]
                d1.data[i] = onePlusErf[i] / 2 + v * pdf.data[i]
                d2.data[i] = pdf.data[i] * (2 - v * v)
            }
            return (d1, d2)
        }
    }
}

// MARK: - The sweep

extension Tape {
    /// Starts recording, for every op that follows, what an exact Hessian-vector product needs
    /// (see ``hessianVectorProduct(of:at:along:seed:)``). Call it on a fresh tape before the
    /// forward pass; a tape that never calls it records nothing extra.
    public func recordSecondOrder() {
        precondition(count == 0, "recordSecondOrder() must come before the forward pass")
        secondOrder = SecondOrderRecord()
    }

    /// The exact Hessian-vector product `Hv = ∂/∂ε ∇L(θ + εv)|₀` of the scalar `loss` with
    /// respect to the differentiable `leaves` θ, along `directions` v (one tensor per leaf, of its
    /// element count), by forward-over-reverse differentiation of the recorded tape.
    ///
    /// The tape must have been created with ``recordSecondOrder()`` before the forward pass, and
    /// every op between the leaves and the loss must have a second-order rule (matmul, add, sub,
    /// mul, scale, addBias, sum, mean, reshape, transpose, relu, tanh, sigmoid, gelu, softmax,
    /// logSoftmax, the cross-entropies, mean squared error); otherwise it stops with an error.
    /// Leaves not listed are held fixed (their tangent is zero).
    ///
    /// Afterwards ``gradient(of:)`` gives the ordinary gradient of every node (parameter leaves
    /// included: gradients are *not* written to `Parameter.grad`, which stays as it was).
    ///
    /// - Parameter seed: the gradient of the final objective with respect to `loss` (default 1).
    /// - Returns: `Hv` for each of `leaves`, in order, shaped like the leaf.
    public func hessianVectorProduct(of loss: Variable<S>, at leaves: [Variable<S>], along directions: [Tensor<S>],
                                     seed: S = 1) -> [Tensor<S>] {
        guard let record = secondOrder else {
            preconditionFailure("hessianVectorProduct needs a tape that called recordSecondOrder() before the forward pass")
        }
        precondition(loss.value.count == 1, "hessianVectorProduct needs a scalar loss, got shape \(loss.shape)")
        precondition(leaves.count == directions.count, "one direction per leaf")

        // Forward: the tangent of every node, in recording order.
        record.tangents = [Tensor<S>?](repeating: nil, count: count)
        for (leaf, direction) in zip(leaves, directions) {
            precondition(requiresGrad[leaf.id] && pullbacks[leaf.id] == nil, "directions are for differentiable leaves")
            precondition(direction.count == leaf.value.count, "direction of \(direction.shape) for a leaf of shape \(leaf.shape)")
            record.tangents[leaf.id] = Tensor(shape: leaf.shape, data: direction.data)
        }
        for id in 0..<count {
            if let rule = record.rules[id] {
                record.tangents[id] = rule.tangent(record)
            } else if pullbacks[id] != nil {
                preconditionFailure("node \(id) (shape \(shapes[id])) comes from an op without a second-order rule")
            }
        }

        // Backward: gradients into this tape, their tangents into a shadow tape with the same nodes.
        let shadow = Tape<S>()
        shadow.shapes = shapes
        shadow.requiresGrad = requiresGrad
        shadow.grads = [Tensor<S>](repeating: Tensor(shape: [0], data: []), count: count)
        shadow.hasGrad = [Bool](repeating: false, count: count)
        let savedSinks = sinks
        sinks = [:]   // parameter leaves keep their gradient here instead of in `Parameter.grad`
        defer { sinks = savedSinks }
        grads = [Tensor<S>](repeating: Tensor(shape: [0], data: []), count: count)
        hasGrad = [Bool](repeating: false, count: count)
        if requiresGrad[loss.id] {
            accumulate(loss, Tensor(shape: loss.shape, data: [seed]))
            for id in stride(from: loss.id, through: 0, by: -1) {
                let hasGradient = hasGrad[id], hasTangent = shadow.hasGrad[id]
                guard hasGradient || hasTangent, let pullback = pullbacks[id] else { continue }
                if hasGradient { pullback(self, grads[id]) }
                if hasTangent { pullback(shadow, shadow.grads[id]) }
                if hasGradient, let curvature = record.rules[id]?.curvature { curvature(record, shadow, grads[id]) }
            }
        }
        return leaves.map { shadow.gradient(of: $0) }
    }
}

extension Tape where S == Float {
    /// ``hessianVectorProduct(of:at:along:seed:)`` with respect to `parameters` bound on this
    /// tape (a parameter never bound gets a zero product). `Parameter.grad` is left untouched.
    public func hessianVectorProduct(of loss: Variable<Float>, parameters: [Parameter], along directions: [Tensor<Float>]) -> [Tensor<Float>] {
        precondition(parameters.count == directions.count, "one direction per parameter")
        var bound = [Variable<Float>](), boundDirections = [Tensor<Float>](), slots = [Int?]()
        for (p, v) in zip(parameters, directions) {
            if let leaf = boundParameters[ObjectIdentifier(p)] {
                slots.append(bound.count)
                bound.append(leaf)
                boundDirections.append(v)
            } else {
                slots.append(nil)
            }
        }
        let products = hessianVectorProduct(of: loss, at: bound, along: boundDirections)
        return zip(parameters, slots).map { p, slot in slot.map { products[$0] } ?? .zeros(p.value.shape) }
    }
}
