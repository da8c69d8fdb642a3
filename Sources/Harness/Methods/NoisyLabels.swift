import Foundation

// # Learning from corrupted data
//
// Label-noise and class-imbalance claims need the same pieces in every paper: the corruption
// itself (label noise in Data/Dataset.swift and LabelNoise.swift, class imbalance in ClassImbalance.swift)
// and the baselines built for it (the generalized cross-entropy).

// excerpt: gce
extension Tape where S == Float {
    /// The generalized cross-entropy of Zhang & Sabuncu (2018), averaged over the batch:
    /// $L_q = \frac1B\sum_i (1 - p_{i,y_i}^q)/q$ with $p = \mathrm{softmax}(z)$. It tends to the
    /// cross-entropy as $q\to0$ and to the (noise-tolerant) mean absolute error at $q=1$.
    /// Its gradient is the cross-entropy's reweighted per example by $p_{i,y_i}^q$, so examples the
    /// model finds implausible (often the mislabelled ones) pull less:
    /// $\partial L_q/\partial z_{ij} = p_{i,y_i}^q\,(p_{ij}-[j=y_i])/B$.
    public func generalizedCrossEntropy(_ logits: Variable<Float>, labels: [Int], q: Float) -> Variable<Float> {
        let rows = logits.shape[0], n = logits.shape[1]
        var p = logits.value
        var weights = [Float](repeating: 0, count: rows)
        var total: Float = 0
        for r in 0..<rows {
            let row = r * n
            var m = p.data[row]
            for j in 1..<n { m = max(m, p.data[row + j]) }
            var s: Float = 0
            for j in 0..<n { let e = Float.exp(p.data[row + j] - m); p.data[row + j] = e; s += e }
            for j in 0..<n { p.data[row + j] /= s }
            let py = max(p.data[row + labels[r]], 1e-30)
            weights[r] = Float.pow(py, q)
            total += (1 - weights[r]) / q
        }
        let invRows = 1 / Float(rows)
        return record(Tensor(scalar: total * invRows), input: logits) { tape, g in
            var dz = p
            for r in 0..<rows {
                let row = r * n, scale = g.data[0] * invRows * weights[r]
                dz.data[row + labels[r]] -= 1
                for j in 0..<n { dz.data[row + j] *= scale }
            }
            tape.accumulate(logits, dz)
        }
    }
}
// end excerpt

