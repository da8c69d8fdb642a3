import RealModule

/// # Softmax, log-softmax and the losses built on them
///
/// All of them work row by row over the last axis and subtract the row maximum before
/// exponentiating, so logits of any magnitude give finite results.

/// Row-wise softmax of a `[rows, n]` buffer into `out`; when `logSumExp` is given, it receives
/// each row's `log Σ exp`, computed stably as `max + log Σ exp(x - max)`.
@usableFromInline
func softmaxRows<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ out: UnsafeMutableBufferPointer<S>, rows: Int, n: Int,
                                  logSumExp: UnsafeMutablePointer<S>? = nil) {
    for r in 0..<rows {
        let xr = x.baseAddress! + r * n, yr = out.baseAddress! + r * n
        var m = -S.infinity
        for j in 0..<n where xr[j] > m { m = xr[j] }
        var total: S = 0
        for j in 0..<n { let e = S.exp(xr[j] - m); yr[j] = e; total += e }
        let inv = 1 / total
        for j in 0..<n { yr[j] *= inv }
        logSumExp?[r] = m + S.log(total)
    }
}

extension Tape {
    /// Softmax over the last axis. Pullback: `dx = y ⊙ (dy - Σ dy ⊙ y)` per row.
    public func softmax(_ x: Variable<S>) -> Variable<S> {
        let n = x.shape.last!, rows = x.value.count / max(n, 1)
        var y = Tensor<S>.zeros(x.shape)
        x.value.data.withUnsafeBufferPointer { xx in
            y.data.withUnsafeMutableBufferPointer { yy in softmaxRows(xx, yy, rows: rows, n: n) }
        }
        let out = y
        let result = record(out, input: x) { tape, g in
            var dx = g
            dx.data.withUnsafeMutableBufferPointer { d in
                out.data.withUnsafeBufferPointer { yy in
                    for r in 0..<rows {
                        let dr = d.baseAddress! + r * n, yr = yy.baseAddress! + r * n
                        var dot: S = 0
                        for j in 0..<n { dot += dr[j] * yr[j] }
                        for j in 0..<n { dr[j] = yr[j] * (dr[j] - dot) }
                    }
                }
            }
            tape.accumulate(x, dx)
        }
        secondOrder?.softmax(result, x)
        return result
    }

    /// Log-softmax over the last axis, `x - logsumexp(x)`. Pullback: `dx = dy - softmax ⊙ Σ dy`.
    public func logSoftmax(_ x: Variable<S>) -> Variable<S> {
        let n = x.shape.last!, rows = x.value.count / max(n, 1)
        var y = x.value
        y.data.withUnsafeMutableBufferPointer { yy in
            for r in 0..<rows {
                let yr = yy.baseAddress! + r * n
                var m = -S.infinity
                for j in 0..<n where yr[j] > m { m = yr[j] }
                var total: S = 0
                for j in 0..<n { total += S.exp(yr[j] - m) }
                let lse = m + S.log(total)
                for j in 0..<n { yr[j] -= lse }
            }
        }
        let out = y
        let result = record(out, input: x) { tape, g in
            var dx = g
            dx.data.withUnsafeMutableBufferPointer { d in
                out.data.withUnsafeBufferPointer { yy in
                    for r in 0..<rows {
                        let dr = d.baseAddress! + r * n, yr = yy.baseAddress! + r * n
                        var total: S = 0
                        for j in 0..<n { total += dr[j] }
                        for j in 0..<n { dr[j] -= S.exp(yr[j]) * total }
                    }
                }
            }
            tape.accumulate(x, dx)
        }
        secondOrder?.logSoftmax(result, x)
        return result
    }

    /// Softmax probabilities and per-row losses `logsumexp(z) - z[label]` of `[rows, classes]` logits.
    private func crossEntropyForward(_ logits: Variable<S>, _ labels: [Int]) -> (probabilities: Tensor<S>, losses: [S]) {
        precondition(logits.value.rank == 2, "cross-entropy needs [batch, classes] logits, got \(logits.shape)")
        let rows = logits.shape[0], n = logits.shape[1]
        precondition(labels.count == rows, "cross-entropy: \(labels.count) labels for \(rows) rows")
        for label in labels { precondition(label >= 0 && label < n, "label \(label) out of range 0..<\(n)") }
        var p = Tensor<S>.zeros(logits.shape)
        var losses = [S](repeating: 0, count: rows)
        logits.value.data.withUnsafeBufferPointer { xx in
            p.data.withUnsafeMutableBufferPointer { pp in
                losses.withUnsafeMutableBufferPointer { lse in
                    softmaxRows(xx, pp, rows: rows, n: n, logSumExp: lse.baseAddress)
                }
            }
            for r in 0..<rows { losses[r] -= xx[r * n + labels[r]] }
        }
        return (p, losses)
    }

    /// Softmax cross-entropy of `[batch, classes]` logits against integer labels, averaged over
    /// the batch (PyTorch's `F.cross_entropy` with `reduction="mean"`).
    ///
    /// - Parameter weights: optional per-example weights `w`; the loss is then `Σ wᵢ ℓᵢ / batch`
    ///   (note: divided by the batch size, not by `Σ wᵢ`).
    ///
    /// Pullback: `dz = (softmax(z) - onehot(label)) * wᵢ / batch`, fused so no log-probabilities
    /// are materialised.
    public func crossEntropy(_ logits: Variable<S>, labels: [Int], weights: [S]? = nil) -> Variable<S> {
        let (p, losses) = crossEntropyForward(logits, labels)
        let rows = logits.shape[0], n = logits.shape[1]
        if let w = weights { precondition(w.count == rows, "crossEntropy: \(w.count) weights for \(rows) rows") }
        var total: S = 0
        for r in 0..<rows { total += losses[r] * (weights?[r] ?? 1) }
        let invRows = 1 / S(rows)
        let result = record(Tensor(scalar: total * invRows), input: logits) { tape, g in
            let g0 = g.data[0] * invRows
            var dz = p
            dz.data.withUnsafeMutableBufferPointer { d in
                for r in 0..<rows {
                    let dr = d.baseAddress! + r * n
                    dr[labels[r]] -= 1
                    let scale = g0 * (weights?[r] ?? 1)
                    for j in 0..<n { dr[j] *= scale }
                }
            }
            tape.accumulate(logits, dz)
        }
        secondOrder?.crossEntropy(result, logits, probabilities: p, labels: labels,
                                  scales: (0..<rows).map { (weights?[$0] ?? 1) * invRows })
        return result
    }

    /// Per-example softmax cross-entropy: a `[batch]` vector of `logsumexp(zᵢ) - zᵢ[labelᵢ]`.
    public func crossEntropyPerExample(_ logits: Variable<S>, labels: [Int]) -> Variable<S> {
        let (p, losses) = crossEntropyForward(logits, labels)
        let rows = logits.shape[0], n = logits.shape[1]
        let result = record(Tensor(shape: [rows], data: losses), input: logits) { tape, g in
            var dz = p
            dz.data.withUnsafeMutableBufferPointer { d in
                for r in 0..<rows {
                    let dr = d.baseAddress! + r * n
                    dr[labels[r]] -= 1
                    let scale = g.data[r]
                    for j in 0..<n { dr[j] *= scale }
                }
            }
            tape.accumulate(logits, dz)
        }
        secondOrder?.crossEntropy(result, logits, probabilities: p, labels: labels, scales: nil)
        return result
    }

    /// Mean squared error `Σ (p - t)² / count` over all elements (PyTorch's `F.mse_loss`).
    public func meanSquaredError(_ prediction: Variable<S>, _ target: Variable<S>) -> Variable<S> {
        precondition(prediction.value.count == target.value.count, "mse: \(prediction.shape) vs \(target.shape)")
        let diff = prediction.value - target.value.reshaped(prediction.shape)
        let n = S(diff.count)
        let result = record(Tensor(scalar: diff.squaredNorm() / n), inputs: [prediction, target]) { tape, g in
            let d = (2 * g.data[0] / n) * diff
            if tape.needsGradient(prediction) { tape.accumulate(prediction, d) }
            if tape.needsGradient(target) { tape.accumulate(target, -1 * d) }
        }
        secondOrder?.meanSquaredError(result, prediction, target, difference: diff)
        return result
    }

    /// Mean squared error against a constant target.
    public func meanSquaredError(_ prediction: Variable<S>, target: Tensor<S>) -> Variable<S> {
        meanSquaredError(prediction, constant(target))
    }
}
