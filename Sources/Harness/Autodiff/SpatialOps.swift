/// # Convolution and pooling on NCHW images
///
/// Convolution is lowered to one matrix product per image by *im2col*: the receptive field of
/// every output pixel is unrolled into a column, so with `K = C·kh·kw` and `P = Ho·Wo`,
/// `out[n] (O x P) = W (O x K) · cols[n] (K x P)`. The backward pass reuses the columns:
/// `dW += dout[n] · cols[n]ᵀ` and `dcols = Wᵀ · dout[n]`, which *col2im* scatters back into the
/// image (overlapping windows add up).

extension Tape {
    /// 2-D convolution (cross-correlation, like PyTorch's `conv2d`).
    ///
    /// - Parameters:
    ///   - x: `[N, C, H, W]`.
    ///   - weight: `[O, C, kh, kw]`.
    ///   - bias: `[O]`, optional.
    ///   - stride, padding: the same in both spatial directions; padding is zeros.
    /// - Returns: `[N, O, Ho, Wo]` with `Ho = (H + 2·padding - kh) / stride + 1`.
    public func conv2d(_ x: Variable<S>, weight: Variable<S>, bias: Variable<S>? = nil, stride: Int = 1, padding: Int = 0) -> Variable<S> {
        precondition(x.value.rank == 4 && weight.value.rank == 4 && x.shape[1] == weight.shape[1],
                     "conv2d: input \(x.shape), weight \(weight.shape)")
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let o = weight.shape[0], kh = weight.shape[2], kw = weight.shape[3]
        let ho = (h + 2 * padding - kh) / stride + 1, wo = (w + 2 * padding - kw) / stride + 1
        precondition(ho > 0 && wo > 0, "conv2d: kernel larger than padded input")
        let k = c * kh * kw, p = ho * wo
        if let b = bias { precondition(b.shape == [o], "conv2d: bias \(b.shape) for \(o) channels") }

        // im2col for the whole batch, kept for the backward pass.
        var cols = [S](repeating: 0, count: n * k * p)
        x.value.data.withUnsafeBufferPointer { xx in
            cols.withUnsafeMutableBufferPointer { cc in
                for img in 0..<n {
                    let xImg = xx.baseAddress! + img * c * h * w, cImg = cc.baseAddress! + img * k * p
                    for ch in 0..<c { for i in 0..<kh { for j in 0..<kw {
                        let row = cImg + ((ch * kh + i) * kw + j) * p
                        for oy in 0..<ho {
                            let y = oy * stride + i - padding
                            guard y >= 0 && y < h else { continue }
                            let src = xImg + (ch * h + y) * w
                            for ox in 0..<wo {
                                let xPos = ox * stride + j - padding
                                if xPos >= 0 && xPos < w { row[oy * wo + ox] = src[xPos] }
                            }
                        }
                    } } }
                }
            }
        }
        var out = Tensor<S>.zeros([n, o, ho, wo])
        weight.value.data.withUnsafeBufferPointer { ww in
            cols.withUnsafeBufferPointer { cc in
                out.data.withUnsafeMutableBufferPointer { oo in
                    for img in 0..<n {
                        S.gemm(transposeA: false, transposeB: false, m: o, n: p, k: k, alpha: 1,
                               a: ww.baseAddress!, lda: k, b: cc.baseAddress! + img * k * p, ldb: p,
                               beta: 0, c: oo.baseAddress! + img * o * p, ldc: p)
                    }
                    if let b = bias {
                        b.value.data.withUnsafeBufferPointer { bb in
                            for img in 0..<n { for ch in 0..<o {
                                let row = oo.baseAddress! + (img * o + ch) * p
                                for q in 0..<p { row[q] += bb[ch] }
                            } }
                        }
                    }
                }
            }
        }
        var inputs = [x, weight]
        if let b = bias { inputs.append(b) }
        let weightValue = weight.value
        return record(out, inputs: inputs) { tape, g in
            g.data.withUnsafeBufferPointer { gg in
                if tape.needsGradient(weight) {
                    tape.accumulate(weight) { gw, overwrite in
                        cols.withUnsafeBufferPointer { cc in
                            gw.data.withUnsafeMutableBufferPointer { dw in
                                for img in 0..<n {
                                    S.gemm(transposeA: false, transposeB: true, m: o, n: k, k: p, alpha: 1,
                                           a: gg.baseAddress! + img * o * p, lda: p, b: cc.baseAddress! + img * k * p, ldb: p,
                                           beta: (overwrite && img == 0) ? 0 : 1, c: dw.baseAddress!, ldc: k)
                                }
                            }
                        }
                    }
                }
                if let b = bias, tape.needsGradient(b) {
                    tape.accumulate(b) { gb, overwrite in
                        gb.data.withUnsafeMutableBufferPointer { db in
                            if overwrite { for ch in 0..<o { db[ch] = 0 } }
                            for img in 0..<n { for ch in 0..<o {
                                let row = gg.baseAddress! + (img * o + ch) * p
                                var s: S = 0
                                for q in 0..<p { s += row[q] }
                                db[ch] += s
                            } }
                        }
                    }
                }
                if tape.needsGradient(x) {
                    var dx = [S](repeating: 0, count: n * c * h * w)
                    var dcols = [S](repeating: 0, count: k * p)
                    weightValue.data.withUnsafeBufferPointer { ww in
                        dcols.withUnsafeMutableBufferPointer { dc in
                            dx.withUnsafeMutableBufferPointer { dxx in
                                for img in 0..<n {
                                    S.gemm(transposeA: true, transposeB: false, m: k, n: p, k: o, alpha: 1,
                                           a: ww.baseAddress!, lda: k, b: gg.baseAddress! + img * o * p, ldb: p,
                                           beta: 0, c: dc.baseAddress!, ldc: p)
                                    // col2im: scatter-add each column entry back to its pixel.
                                    let dImg = dxx.baseAddress! + img * c * h * w
                                    for ch in 0..<c { for i in 0..<kh { for j in 0..<kw {
                                        let row = dc.baseAddress! + ((ch * kh + i) * kw + j) * p
                                        for oy in 0..<ho {
                                            let y = oy * stride + i - padding
                                            guard y >= 0 && y < h else { continue }
                                            let dst = dImg + (ch * h + y) * w
                                            for ox in 0..<wo {
                                                let xPos = ox * stride + j - padding
                                                if xPos >= 0 && xPos < w { dst[xPos] += row[oy * wo + ox] }
                                            }
                                        }
                                    } } }
                                }
                            }
                        }
                    }
                    tape.accumulate(x, Tensor(shape: [n, c, h, w], data: dx))
                }
            }
        }
    }

    /// 2x2 max pooling with stride 2 on `[N, C, H, W]` (odd trailing rows/columns are dropped,
    /// like PyTorch's floor mode). The gradient goes to the first maximum of each window.
    public func maxPool2x2(_ x: Variable<S>) -> Variable<S> {
        precondition(x.value.rank == 4, "maxPool2x2 needs NCHW, got \(x.shape)")
        let planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3], ho = h / 2, wo = w / 2
        var out = Tensor<S>.zeros([x.shape[0], x.shape[1], ho, wo])
        var argmax = [Int](repeating: 0, count: out.count)
        x.value.data.withUnsafeBufferPointer { xx in
            out.data.withUnsafeMutableBufferPointer { oo in
                for pl in 0..<planes { for oy in 0..<ho { for ox in 0..<wo {
                    let base = pl * h * w + 2 * oy * w + 2 * ox
                    var best = base
                    if xx[base + 1] > xx[best] { best = base + 1 }
                    if xx[base + w] > xx[best] { best = base + w }
                    if xx[base + w + 1] > xx[best] { best = base + w + 1 }
                    let o = (pl * ho + oy) * wo + ox
                    oo[o] = xx[best]
                    argmax[o] = best
                } } }
            }
        }
        let inShape = x.shape
        return record(out, input: x) { tape, g in
            var dx = Tensor<S>.zeros(inShape)
            for i in 0..<g.count { dx.data[argmax[i]] += g.data[i] }
            tape.accumulate(x, dx)
        }
    }

    /// 2x2 average pooling with stride 2 on `[N, C, H, W]` (floor mode).
    public func avgPool2x2(_ x: Variable<S>) -> Variable<S> {
        precondition(x.value.rank == 4, "avgPool2x2 needs NCHW, got \(x.shape)")
        let planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3], ho = h / 2, wo = w / 2
        var out = Tensor<S>.zeros([x.shape[0], x.shape[1], ho, wo])
        let quarter: S = 0.25
        for pl in 0..<planes { for oy in 0..<ho { for ox in 0..<wo {
            let base = pl * h * w + 2 * oy * w + 2 * ox
            out.data[(pl * ho + oy) * wo + ox] = quarter * (x.value.data[base] + x.value.data[base + 1] + x.value.data[base + w] + x.value.data[base + w + 1])
        } } }
        let inShape = x.shape
        return record(out, input: x) { tape, g in
            var dx = Tensor<S>.zeros(inShape)
            for pl in 0..<planes { for oy in 0..<ho { for ox in 0..<wo {
                let base = pl * h * w + 2 * oy * w + 2 * ox, v = quarter * g.data[(pl * ho + oy) * wo + ox]
                dx.data[base] += v; dx.data[base + 1] += v; dx.data[base + w] += v; dx.data[base + w + 1] += v
            } } }
            tape.accumulate(x, dx)
        }
    }
}
