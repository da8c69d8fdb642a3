import Foundation

// # Learning from corrupted data
//
// Label-noise and class-imbalance claims need the same pieces in every paper: the corruption
// itself (`Dataset.withSymmetricLabelNoise` in Data/Dataset.swift, `Dataset.imbalanced` below)
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

extension Dataset {
    /// A long-tailed subset (the exponential profile of Cao et al. 2019): class `k` of `C` keeps
    /// a fraction `ratio^(−k/(C−1))` of its examples (class 0 all of them, the last class
    /// `1/ratio`), drawn without replacement from `rng`; at least one example per class is kept.
    /// Example order is preserved.
    ///
    /// - Precondition: `ratio >= 1`.
    public func imbalanced(ratio: Double, using rng: inout SeededRandom) -> Dataset {
        precondition(ratio >= 1, "an imbalance ratio is at least 1, got \(ratio)")
        var kept = [Int]()
        for c in 0..<classCount {
            let members = labels.indices.filter { labels[$0] == c }
            let fraction = classCount > 1 ? pow(ratio, -Double(c) / Double(classCount - 1)) : 1
            let keep = max(1, Int((fraction * Double(members.count)).rounded()))
            var shuffled = members
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, rng.index(i + 1)) }
            kept += shuffled.prefix(min(keep, members.count))
        }
        return subset(kept.sorted(), name: "\(name) (imbalance \(Format.compact(ratio, 3)))")
    }
}
