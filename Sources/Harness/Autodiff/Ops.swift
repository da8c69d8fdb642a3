import RealModule

/// # Differentiable ops: products, elementwise arithmetic, reductions, activations
///
/// Each op computes its value eagerly, records it, and captures only what its pullback needs
/// (usually the input values or its own output). Pullbacks test `needsGradient` first, so
/// gradients nobody asked for (with respect to data, or to frozen weights) are never computed.

extension Tape {
    // MARK: Matrix product

    /// `op(a) * op(b)` for matrices, where `op` transposes when asked. Both the product and its
    /// gradients go through `gemm` with transpose flags; no transposed copy is ever made:
    /// with `C = op(A) op(B)`, `dA = dC op(B)ᵀ` (or its transpose) and `dB = op(A)ᵀ dC` (or its
    /// transpose), and each is one `gemm` that accumulates into the gradient buffer.
    public func matmul(_ a: Variable<S>, _ b: Variable<S>, transposeA: Bool = false, transposeB: Bool = false) -> Variable<S> {
        let out = Harness.matmul(a.value, b.value, transposeA: transposeA, transposeB: transposeB)
        let result = record(out, inputs: [a, b]) { tape, g in
            if tape.needsGradient(a) {
                let bv = b.value
                tape.accumulate(a) { ga, overwrite in
                    let beta: S = overwrite ? 0 : 1
                    if transposeA {
                        gemm(bv, g, into: &ga, transposeA: transposeB, transposeB: true, beta: beta)
                    } else {
                        gemm(g, bv, into: &ga, transposeB: !transposeB, beta: beta)
                    }
                }
            }
            if tape.needsGradient(b) {
                let av = a.value
                tape.accumulate(b) { gb, overwrite in
                    let beta: S = overwrite ? 0 : 1
                    if transposeB {
                        gemm(g, av, into: &gb, transposeA: true, transposeB: transposeA, beta: beta)
                    } else {
                        gemm(av, g, into: &gb, transposeA: !transposeA, beta: beta)
                    }
                }
            }
        }
        secondOrder?.matmul(result, a, b, transposeA: transposeA, transposeB: transposeB)
        return result
    }

    // MARK: Elementwise arithmetic

    /// `a + b`, same shapes.
    public func add(_ a: Variable<S>, _ b: Variable<S>) -> Variable<S> {
        precondition(a.shape == b.shape, "add: \(a.shape) vs \(b.shape)")
        let result = record(a.value + b.value, inputs: [a, b]) { tape, g in
            tape.accumulate(a, g)
            tape.accumulate(b, g)
        }
        secondOrder?.sum(result, a, b, scaledBy: 1)
        return result
    }

    /// `a - b`, same shapes.
    public func sub(_ a: Variable<S>, _ b: Variable<S>) -> Variable<S> {
        precondition(a.shape == b.shape, "sub: \(a.shape) vs \(b.shape)")
        let result = record(a.value - b.value, inputs: [a, b]) { tape, g in
            tape.accumulate(a, g)
            if tape.needsGradient(b) { tape.accumulate(b, -1 * g) }
        }
        secondOrder?.sum(result, a, b, scaledBy: -1)
        return result
    }

    /// `a ⊙ b` (elementwise product), same shapes.
    public func mul(_ a: Variable<S>, _ b: Variable<S>) -> Variable<S> {
        precondition(a.shape == b.shape, "mul: \(a.shape) vs \(b.shape)")
        let result = record(a.value * b.value, inputs: [a, b]) { tape, g in
            if tape.needsGradient(a) { tape.accumulate(a, g * b.value) }
            if tape.needsGradient(b) { tape.accumulate(b, g * a.value) }
        }
        secondOrder?.mul(result, a, b)
        return result
    }

    /// `c * x` for a constant `c`.
    public func scale(_ x: Variable<S>, by c: S) -> Variable<S> {
        let result = record(c * x.value, input: x) { tape, g in tape.accumulate(x, c * g) }
        secondOrder?.linear(result, x) { c * $0 }
        return result
    }

    /// `x + bias`, where `bias` has the length of `x`'s last axis and is broadcast over all
    /// leading axes (the bias of a linear layer). Its gradient is the column sum of `dx`.
    public func addBias(_ x: Variable<S>, _ bias: Variable<S>) -> Variable<S> {
        let n = bias.value.count
        precondition(x.shape.last == n, "addBias: bias of \(bias.shape) for input \(x.shape)")
        let rows = x.value.count / max(n, 1)
        let out = x.value.data.withUnsafeBufferPointer { xx in
            bias.value.data.withUnsafeBufferPointer { b in
                filledArray(count: xx.count) { (o: UnsafeMutableBufferPointer<S>) in
                    for r in 0..<rows {
                        let input = xx.baseAddress! + r * n, row = o.baseAddress! + r * n
                        for j in 0..<n { row[j] = input[j] + b[j] }
                    }
                }
            }
        }
        let result = record(Tensor(shape: x.shape, data: out), inputs: [x, bias]) { tape, g in
            tape.accumulate(x, g)
            if tape.needsGradient(bias) {
                tape.accumulate(bias) { gb, overwrite in
                    g.data.withUnsafeBufferPointer { gg in
                        gb.data.withUnsafeMutableBufferPointer { acc in
                            // A parameter's sink asks to be overwritten on its first write (its
                            // `grad` still holds the previous evaluation's gradient).
                            if overwrite { for j in 0..<n { acc[j] = 0 } }
                            for r in 0..<rows {
                                let row = gg.baseAddress! + r * n
                                for j in 0..<n { acc[j] += row[j] }
                            }
                        }
                    }
                }
            }
        }
        secondOrder?.addBias(result, x, bias)
        return result
    }

    // MARK: Reductions

    /// The sum of all elements, as a scalar of shape `[]`.
    public func sum(_ x: Variable<S>) -> Variable<S> {
        let shape = x.shape
        let result = record(Tensor(scalar: x.value.sum()), input: x) { tape, g in
            tape.accumulate(x, Tensor(shape: shape, repeating: g.data[0]))
        }
        secondOrder?.linear(result, x) { Tensor(scalar: $0.sum()) }
        return result
    }

    /// The mean of all elements, as a scalar of shape `[]`.
    public func mean(_ x: Variable<S>) -> Variable<S> {
        let shape = x.shape, n = S(x.value.count)
        let result = record(Tensor(scalar: x.value.sum() / n), input: x) { tape, g in
            tape.accumulate(x, Tensor(shape: shape, repeating: g.data[0] / n))
        }
        secondOrder?.linear(result, x) { Tensor(scalar: $0.sum() / n) }
        return result
    }

    // MARK: Shape

    /// The same elements under a new shape with the same count.
    public func reshape(_ x: Variable<S>, _ shape: [Int]) -> Variable<S> {
        let old = x.shape
        let result = record(x.value.reshaped(shape), input: x) { tape, g in tape.accumulate(x, g.reshaped(old)) }
        secondOrder?.linear(result, x) { $0.reshaped(shape) }
        return result
    }

    /// `[N, d1, d2, ...]` to `[N, d1 * d2 * ...]`.
    public func flatten(_ x: Variable<S>) -> Variable<S> {
        let n = x.shape[0]
        return reshape(x, [n, x.value.count / max(n, 1)])
    }

    /// The transpose of a matrix (a copy; products should use `matmul`'s transpose flags instead).
    public func transpose(_ x: Variable<S>) -> Variable<S> {
        let result = record(x.value.transposed, input: x) { tape, g in tape.accumulate(x, g.transposed) }
        secondOrder?.linear(result, x) { $0.transposed }
        return result
    }

    // MARK: Activations

    /// `max(x, 0)`.
    public func relu(_ x: Variable<S>) -> Variable<S> {
        let y = Tensor(shape: x.shape, data: reluForward(x.value.data))
        let result = record(y, input: x) { tape, g in
            tape.accumulate(x, Tensor(shape: g.shape, data: reluBackward(g.data, output: y.data)))
        }
        secondOrder?.relu(result, x)
        return result
    }

    /// GELU in its exact form, `x Φ(x) = x (1 + erf(x / √2)) / 2` (PyTorch's default, not the
    /// tanh approximation). Its derivative is `Φ(x) + x φ(x)`.
    ///
    /// `erf` dominates the cost, so the forward pass keeps `1 + erf(x / √2)` for the pullback
    /// instead of calling it again, evaluates it for `Float` 16 lanes at a time with the C
    /// library's own formula (``ErfLanes``: the same bits as `Float.erf`), and both passes split
    /// the elements across ``ElementwiseParallelism/threadCount`` threads (each element's
    /// arithmetic is the same whatever the split).
    public func gelu(_ x: Variable<S>) -> Variable<S> {
        let invSqrt2: S = 1 / S.sqrt(2)
        let n = x.value.count
        // Every element of both buffers is written below.
        var onePlusErf = [S](unsafeUninitializedCapacity: n) { _, count in count = n }
        var out = [S](unsafeUninitializedCapacity: n) { _, count in count = n }
        x.value.data.withUnsafeBufferPointer { xx in
            onePlusErf.withUnsafeMutableBufferPointer { ee in
                out.withUnsafeMutableBufferPointer { oo in
                    let xp = xx.baseAddress!, ep = ee.baseAddress!, op = oo.baseAddress!
                    let lanes = S.self == Float.self && ErfLanes.matchesLibrary
                    ElementwiseParallelism.forEachChunk(count: n, minimumCount: 1 << 14) { range in
                        if lanes {
                            ErfLanes.onePlusErf(UnsafeRawPointer(xp).assumingMemoryBound(to: Float.self), scale: Float(invSqrt2),
                                                into: UnsafeMutableRawPointer(ep).assumingMemoryBound(to: Float.self), range: range)
                        } else {
                            for i in range { ep[i] = 1 + S.erf(xp[i] * invSqrt2) }
                        }
                        for i in range { op[i] = xp[i] * ep[i] / 2 }
                    }
                }
            }
        }
        let result = record(Tensor(shape: x.shape, data: out), input: x) { tape, g in
            let invSqrt2Pi: S = 1 / S.sqrt(2 * S.pi)
            var dx = [S](unsafeUninitializedCapacity: n) { _, count in count = n }   // every element written below
            g.data.withUnsafeBufferPointer { gg in
                x.value.data.withUnsafeBufferPointer { xx in
                    onePlusErf.withUnsafeBufferPointer { ee in
                        dx.withUnsafeMutableBufferPointer { dd in
                            let gp = gg.baseAddress!, xp = xx.baseAddress!, ep = ee.baseAddress!, dp = dd.baseAddress!
                            ElementwiseParallelism.forEachChunk(count: n, minimumCount: 1 << 14) { range in
                                for i in range {
                                    let v = xp[i]
                                    let cdf = ep[i] / 2
                                    let pdf = S.exp(-v * v / 2) * invSqrt2Pi
                                    dp[i] = gp[i] * (cdf + v * pdf)
                                }
                            }
                        }
                    }
                }
            }
            tape.accumulate(x, Tensor(shape: x.shape, data: dx))
        }
        secondOrder?.gelu(result, x, onePlusErf: onePlusErf)
        return result
    }

    /// `tanh(x)`; derivative `1 - y²`.
    public func tanh(_ x: Variable<S>) -> Variable<S> {
        let y = x.value.map { S.tanh($0) }
        let result = record(y, input: x) { tape, g in
            var dx = g
            dx.data.withUnsafeMutableBufferPointer { d in
                y.data.withUnsafeBufferPointer { yy in
                    for i in 0..<d.count { d[i] *= 1 - yy[i] * yy[i] }
                }
            }
            tape.accumulate(x, dx)
        }
        secondOrder?.tanh(result, x)
        return result
    }

    /// The logistic function `1 / (1 + e⁻ˣ)`; derivative `y (1 - y)`.
    public func sigmoid(_ x: Variable<S>) -> Variable<S> {
        let y = x.value.map { v in v >= 0 ? 1 / (1 + S.exp(-v)) : S.exp(v) / (1 + S.exp(v)) }
        let result = record(y, input: x) { tape, g in
            var dx = g
            dx.data.withUnsafeMutableBufferPointer { d in
                y.data.withUnsafeBufferPointer { yy in
                    for i in 0..<d.count { d[i] *= yy[i] * (1 - yy[i]) }
                }
            }
            tape.accumulate(x, dx)
        }
        secondOrder?.sigmoid(result, x)
        return result
    }
}
