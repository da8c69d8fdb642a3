/// # Ops for sequence models: embedding, layer norm, causal self-attention, dropout

extension Tape {
    /// Rows `indices` of `table` (`[vocabulary, width]`), as `[indices.count, width]`.
    /// The pullback scatter-adds each output row's gradient into the row it came from.
    public func embedding(_ table: Variable<S>, indices: [Int]) -> Variable<S> {
        precondition(table.value.rank == 2, "embedding table must be a matrix, got \(table.shape)")
        let vocabulary = table.shape[0], width = table.shape[1]
        for i in indices { precondition(i >= 0 && i < vocabulary, "embedding index \(i) out of range 0..<\(vocabulary)") }
        let out = table.value.gatherRows(indices)
        return record(out, input: table) { tape, g in
            tape.accumulate(table) { gt, overwrite in
                gt.data.withUnsafeMutableBufferPointer { dt in
                    // Overwrite means the buffer may hold a previous gradient: clear it before scattering.
                    if overwrite { for j in 0..<dt.count { dt[j] = 0 } }
                    g.data.withUnsafeBufferPointer { gg in
                        for (r, i) in indices.enumerated() {
                            let src = gg.baseAddress! + r * width, dst = dt.baseAddress! + i * width
                            for j in 0..<width { dst[j] += src[j] }
                        }
                    }
                }
            }
        }
    }

    /// Layer normalisation over the last axis: `y = (x - μ) / √(σ² + ε) · gain + bias`, with the
    /// biased variance, as in PyTorch's `LayerNorm`.
    ///
    /// Pullback, with `x̂` the normalised input and `r = 1/√(σ² + ε)`:
    /// `dx = r (dx̂ - mean(dx̂) - x̂ · mean(dx̂ ⊙ x̂))`, `dx̂ = dy ⊙ gain`.
    public func layerNorm(_ x: Variable<S>, gain: Variable<S>, bias: Variable<S>, epsilon: S = 1e-5) -> Variable<S> {
        let d = x.shape.last!, rows = x.value.count / max(d, 1), n = x.value.count
        precondition(gain.value.count == d && bias.value.count == d, "layerNorm: gain/bias for width \(d)")
        var normalized = [S](unsafeUninitializedCapacity: n) { _, count in count = n }   // every element written below
        var rstd = [S](repeating: 0, count: rows)
        var out = [S](unsafeUninitializedCapacity: n) { _, count in count = n }
        x.value.data.withUnsafeBufferPointer { xx in
        normalized.withUnsafeMutableBufferPointer { nn in
        out.withUnsafeMutableBufferPointer { oo in
        gain.value.data.withUnsafeBufferPointer { gg in
        bias.value.data.withUnsafeBufferPointer { bb in
            // Four rows at a time: each row's sums run in the same order as one row alone would
            // (so the bits are the same), but four independent chains keep the adder busy.
            for r in stride(from: 0, to: rows, by: 4) {
                let input = RowQuad(xx.baseAddress!, row: r, rows: rows, width: d)
                var sum = SIMD4<S>()
                for j in 0..<d { sum += input[j] }
                let mean = sum / S(d)
                var squares = SIMD4<S>()
                for j in 0..<d { let c = input[j] - mean; squares += c * c }
                let variance = squares / S(d)
                let inv = 1 / (variance + epsilon).squareRoot()
                for k in 0..<input.count {
                    let a = xx.baseAddress! + (r + k) * d, row = nn.baseAddress! + (r + k) * d, o = oo.baseAddress! + (r + k) * d
                    let m = mean[k], i = inv[k]
                    rstd[r + k] = i
                    for j in 0..<d {
                        let xh = (a[j] - m) * i
                        row[j] = xh
                        o[j] = xh * gg[j] + bb[j]
                    }
                }
            }
        } } } } }
        let xhat = normalized
        return record(Tensor(shape: x.shape, data: out), inputs: [x, gain, bias]) { tape, g in
            if tape.needsGradient(gain) || tape.needsGradient(bias) {
                var dg = [S](repeating: 0, count: d), db = [S](repeating: 0, count: d)
                g.data.withUnsafeBufferPointer { gp in
                xhat.withUnsafeBufferPointer { xh in
                dg.withUnsafeMutableBufferPointer { dgp in
                db.withUnsafeMutableBufferPointer { dbp in
                    for r in 0..<rows {
                        let gr = gp.baseAddress! + r * d, xr = xh.baseAddress! + r * d
                        for j in 0..<d {
                            let gv = gr[j]
                            dgp[j] += gv * xr[j]
                            dbp[j] += gv
                        }
                    }
                } } } }
                tape.accumulate(gain, Tensor(shape: gain.shape, data: dg))
                tape.accumulate(bias, Tensor(shape: bias.shape, data: db))
            }
            guard tape.needsGradient(x) else { return }
            var dx = [S](unsafeUninitializedCapacity: n) { _, count in count = n }   // every element written below
            g.data.withUnsafeBufferPointer { gp in
            dx.withUnsafeMutableBufferPointer { dd in
            xhat.withUnsafeBufferPointer { xh in
            gain.value.data.withUnsafeBufferPointer { gg in
                for r in stride(from: 0, to: rows, by: 4) {
                    let upstream = RowQuad(gp.baseAddress!, row: r, rows: rows, width: d)
                    let normalizedRows = RowQuad(xh.baseAddress!, row: r, rows: rows, width: d)
                    var meanD = SIMD4<S>(), meanDX = SIMD4<S>()
                    for j in 0..<d {
                        let v = upstream[j] * gg[j]
                        meanD += v
                        meanDX += v * normalizedRows[j]
                    }
                    meanD /= S(d); meanDX /= S(d)
                    for k in 0..<upstream.count {
                        let gr = gp.baseAddress! + (r + k) * d, row = dd.baseAddress! + (r + k) * d, xr = xh.baseAddress! + (r + k) * d
                        let inv = rstd[r + k], md = meanD[k], mdx = meanDX[k]
                        for j in 0..<d { row[j] = inv * (gr[j] * gg[j] - md - xr[j] * mdx) }
                    }
                }
            } } } }
            tape.accumulate(x, Tensor(shape: x.shape, data: dx))
        }
    }

    /// Causal multi-head scaled dot-product attention.
    ///
    /// `q`, `k`, `v` are `[batch · T, width]` (rows grouped by sequence), `width = heads · dₕ`;
    /// head `h` of a sequence is the column block `h·dₕ ..< (h+1)·dₕ`. For each (sequence, head):
    /// `P = softmax(Q Kᵀ / √dₕ)` with position `i` attending only to `j ≤ i`, and the output
    /// block is `P V`. Each block is read and written in place with BLAS leading dimensions, so
    /// heads are never copied out.
    ///
    /// Pullback, per block: `dV = Pᵀ dO`, `dP = dO Vᵀ`, `dS = P ⊙ (dP - rowsum(dP ⊙ P)) / √dₕ`,
    /// `dQ = dS K`, `dK = dSᵀ Q` (masked entries have `P = 0`, so they pass no gradient).
    public func causalSelfAttention(q: Variable<S>, k: Variable<S>, v: Variable<S>, batch: Int, heads: Int) -> Variable<S> {
        precondition(q.value.rank == 2 && q.shape == k.shape && q.shape == v.shape, "attention: q \(q.shape) k \(k.shape) v \(v.shape)")
        let rowsTotal = q.shape[0], width = q.shape[1]
        precondition(rowsTotal % batch == 0 && width % heads == 0, "attention: \(rowsTotal) rows, batch \(batch), width \(width), heads \(heads)")
        let t = rowsTotal / batch, dh = width / heads
        let scale = 1 / S(dh).squareRoot()
        var probabilities = [S](repeating: 0, count: batch * heads * t * t)
        var out = Tensor<S>.zeros(q.shape)
        q.value.data.withUnsafeBufferPointer { qq in
            k.value.data.withUnsafeBufferPointer { kk in
                v.value.data.withUnsafeBufferPointer { vv in
                    probabilities.withUnsafeMutableBufferPointer { pp in
                        out.data.withUnsafeMutableBufferPointer { oo in
                            for b in 0..<batch { for h in 0..<heads {
                                let offset = b * t * width + h * dh
                                let p = pp.baseAddress! + (b * heads + h) * t * t
                                S.gemm(transposeA: false, transposeB: true, m: t, n: t, k: dh, alpha: scale,
                                       a: qq.baseAddress! + offset, lda: width, b: kk.baseAddress! + offset, ldb: width,
                                       beta: 0, c: p, ldc: t)
                                for i in 0..<t {
                                    let row = p + i * t
                                    var m = row[0]
                                    for j in 0...i where row[j] > m { m = row[j] }
                                    var total: S = 0
                                    for j in 0...i { let e = S.exp(row[j] - m); row[j] = e; total += e }
                                    let inv = 1 / total
                                    for j in 0...i { row[j] *= inv }
                                    for j in (i + 1)..<t { row[j] = 0 }
                                }
                                S.gemm(transposeA: false, transposeB: false, m: t, n: dh, k: t, alpha: 1,
                                       a: p, lda: t, b: vv.baseAddress! + offset, ldb: width,
                                       beta: 0, c: oo.baseAddress! + offset, ldc: width)
                            } }
                        }
                    }
                }
            }
        }
        let qv = q.value, kv = k.value, vv0 = v.value
        return record(out, inputs: [q, k, v]) { tape, g in
            var dq = [S](repeating: 0, count: rowsTotal * width)
            var dk = dq, dv = dq
            var dp = [S](repeating: 0, count: t * t)
            g.data.withUnsafeBufferPointer { gg in
            qv.data.withUnsafeBufferPointer { qq in
            kv.data.withUnsafeBufferPointer { kk in
            vv0.data.withUnsafeBufferPointer { vv in
            probabilities.withUnsafeBufferPointer { pp in
            dp.withUnsafeMutableBufferPointer { ds in
            dq.withUnsafeMutableBufferPointer { dQ in
            dk.withUnsafeMutableBufferPointer { dK in
            dv.withUnsafeMutableBufferPointer { dV in
                for b in 0..<batch { for h in 0..<heads {
                    let offset = b * t * width + h * dh
                    let p = pp.baseAddress! + (b * heads + h) * t * t
                    let dO = gg.baseAddress! + offset
                    S.gemm(transposeA: true, transposeB: false, m: t, n: dh, k: t, alpha: 1,
                           a: p, lda: t, b: dO, ldb: width, beta: 1, c: dV.baseAddress! + offset, ldc: width)
                    S.gemm(transposeA: false, transposeB: true, m: t, n: t, k: dh, alpha: 1,
                           a: dO, lda: width, b: vv.baseAddress! + offset, ldb: width, beta: 0, c: ds.baseAddress!, ldc: t)
                    for i in 0..<t {
                        let dRow = ds.baseAddress! + i * t, pRow = p + i * t
                        var dot: S = 0
                        for j in 0...i { dot += dRow[j] * pRow[j] }
                        for j in 0...i { dRow[j] = pRow[j] * (dRow[j] - dot) }
                        for j in (i + 1)..<t { dRow[j] = 0 }
                    }
                    S.gemm(transposeA: false, transposeB: false, m: t, n: dh, k: t, alpha: scale,
                           a: ds.baseAddress!, lda: t, b: kk.baseAddress! + offset, ldb: width, beta: 1, c: dQ.baseAddress! + offset, ldc: width)
                    S.gemm(transposeA: true, transposeB: false, m: t, n: dh, k: t, alpha: scale,
                           a: ds.baseAddress!, lda: t, b: qq.baseAddress! + offset, ldb: width, beta: 1, c: dK.baseAddress! + offset, ldc: width)
                } }
            } } } } } } } } }
            let shape = [rowsTotal, width]
            if tape.needsGradient(q) { tape.accumulate(q, Tensor(shape: shape, data: dq)) }
            if tape.needsGradient(k) { tape.accumulate(k, Tensor(shape: shape, data: dk)) }
            if tape.needsGradient(v) { tape.accumulate(v, Tensor(shape: shape, data: dv)) }
        }
    }

    /// Inverted dropout: in training, zeroes each element with probability `rate` and scales the
    /// survivors by `1 / (1 - rate)`, so evaluation needs no rescaling. The mask is drawn from
    /// `rng`, one uniform per element in row-major order. Outside training (or with `rate == 0`)
    /// it returns `x` itself and draws nothing.
    public func dropout(_ x: Variable<S>, rate: Double, rng: inout SeededRandom, training: Bool) -> Variable<S> {
        guard training && rate > 0 else { return x }
        precondition(rate < 1, "dropout rate must be < 1")
        let keep = S(1 / (1 - rate))
        var mask = [S](repeating: 0, count: x.value.count)
        for i in 0..<mask.count where rng.uniform() >= rate { mask[i] = keep }
        let m = Tensor(shape: x.shape, data: mask)
        return record(x.value * m, input: x) { tape, g in tape.accumulate(x, g * m) }
    }
}

/// Up to four consecutive rows of a row-major matrix, read a column at a time as one
/// `SIMD4` (rows past the end repeat the first; their lanes are ignored).
@usableFromInline
struct RowQuad<S: TensorScalar> {
    let p0: UnsafePointer<S>, p1: UnsafePointer<S>, p2: UnsafePointer<S>, p3: UnsafePointer<S>
    /// How many of the four rows exist.
    let count: Int

    @inline(__always)
    init(_ base: UnsafePointer<S>, row r: Int, rows: Int, width d: Int) {
        count = min(4, rows - r)
        p0 = base + r * d
        p1 = count > 1 ? p0 + d : p0
        p2 = count > 2 ? p0 + 2 * d : p0
        p3 = count > 3 ? p0 + 3 * d : p0
    }

    @inline(__always)
    subscript(j: Int) -> SIMD4<S> { SIMD4(p0[j], p1[j], p2[j], p3[j]) }
}
