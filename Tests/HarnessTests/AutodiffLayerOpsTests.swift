import XCTest
@testable import Harness

final class AutodiffLayerOpsTests: XCTestCase {
    func testConv2dGradients() {
        let x = randomTensor([2, 2, 5, 5], seed: 1)
        let w = randomTensor([3, 2, 3, 3], seed: 2, "w"), b = randomTensor([3], seed: 3, "b")
        gradientCheck([x, w, b]) { t, v in t.conv2d(v[0], weight: v[1], bias: v[2], stride: 1, padding: 1) }
        gradientCheck([x, w]) { t, v in t.conv2d(v[0], weight: v[1], stride: 2, padding: 0) }
        gradientCheck([x, w, b]) { t, v in t.conv2d(v[0], weight: v[1], bias: v[2], stride: 2, padding: 1) }
    }

    func testConv2dMatchesDirectSum() {
        let x = randomTensor([1, 2, 4, 4], seed: 4), w = randomTensor([2, 2, 3, 3], seed: 5, "w")
        let t = Tape<Double>()
        let y = t.conv2d(t.constant(x), weight: t.constant(w), padding: 1).value
        XCTAssertEqual(y.shape, [1, 2, 4, 4])
        for o in 0..<2 { for oy in 0..<4 { for ox in 0..<4 {
            var s = 0.0
            for c in 0..<2 { for i in 0..<3 { for j in 0..<3 {
                let yy = oy + i - 1, xx = ox + j - 1
                if yy >= 0 && yy < 4 && xx >= 0 && xx < 4 { s += w.data[((o * 2 + c) * 3 + i) * 3 + j] * x.data[(c * 4 + yy) * 4 + xx] }
            } } }
            XCTAssertEqual(y.data[(o * 4 + oy) * 4 + ox], s, accuracy: 1e-12)
        } } }
    }

    func testPooling() {
        let x = randomTensor([2, 3, 4, 5], seed: 6)
        gradientCheck([x]) { t, v in t.maxPool2x2(v[0]) }
        gradientCheck([x]) { t, v in t.avgPool2x2(v[0]) }
        let t = Tape<Double>()
        let m = t.maxPool2x2(t.constant(Tensor(shape: [1, 1, 2, 2], data: [1, 4, 3, 2]))).value
        XCTAssertEqual(m.data, [4])
        let a = t.avgPool2x2(t.constant(Tensor(shape: [1, 1, 2, 2], data: [1, 4, 3, 2]))).value
        XCTAssertEqual(a.data, [2.5])
    }

    func testEmbeddingWithRepeatedIndices() {
        let table = randomTensor([5, 3], seed: 7)
        gradientCheck([table]) { t, v in t.embedding(v[0], indices: [4, 0, 4, 2]) }
    }

    func testLayerNorm() {
        let x = randomTensor([4, 6], seed: 8, std: 3), g = randomTensor([6], seed: 9, "g"), b = randomTensor([6], seed: 10, "b")
        gradientCheck([x, g, b]) { t, v in t.layerNorm(v[0], gain: v[1], bias: v[2]) }
        let t = Tape<Double>()
        let y = t.layerNorm(t.constant(x), gain: t.constant(.ones([6])), bias: t.constant(.zeros([6])), epsilon: 0).value
        for r in 0..<4 {
            let row = Array(y.data[(r * 6)..<(r * 6 + 6)])
            XCTAssertEqual(row.reduce(0, +) / 6, 0, accuracy: 1e-12)
            XCTAssertEqual(row.map { $0 * $0 }.reduce(0, +) / 6, 1, accuracy: 1e-12)
        }
    }

    func testCausalSelfAttentionGradients() {
        let q = randomTensor([2 * 4, 6], seed: 11, "q"), k = randomTensor([2 * 4, 6], seed: 12, "k")
        let v = randomTensor([2 * 4, 6], seed: 13, "v")
        gradientCheck([q, k, v]) { t, x in t.causalSelfAttention(q: x[0], k: x[1], v: x[2], batch: 2, heads: 2) }
        // The same variable as q, k and v (self-attention on one projection) sums three paths.
        gradientCheck([q]) { t, x in t.causalSelfAttention(q: x[0], k: x[0], v: x[0], batch: 2, heads: 3) }
    }

    func testCausalSelfAttentionMatchesNaiveAndIsCausal() {
        let q = randomTensor([5, 4], seed: 14, "q"), k = randomTensor([5, 4], seed: 15, "k"), v = randomTensor([5, 4], seed: 16, "v")
        let t = Tape<Double>()
        let out = t.causalSelfAttention(q: t.constant(q), k: t.constant(k), v: t.constant(v), batch: 1, heads: 2).value
        for h in 0..<2 { for i in 0..<5 {
            var scores = [Double]()
            for j in 0...i {
                var s = 0.0
                for d in 0..<2 { s += q[i, h * 2 + d] * k[j, h * 2 + d] }
                scores.append(s / 2.0.squareRoot())
            }
            let m = scores.max()!, e = scores.map { Foundation.exp($0 - m) }, z = e.reduce(0, +)
            for d in 0..<2 {
                var o = 0.0
                for j in 0...i { o += e[j] / z * v[j, h * 2 + d] }
                XCTAssertEqual(out[i, h * 2 + d], o, accuracy: 1e-12)
            }
        } }
        // Changing the last position's keys and values must not change earlier outputs.
        var k2 = k, v2 = v
        for d in 0..<4 { k2[4, d] += 1; v2[4, d] -= 2 }
        let out2 = t.causalSelfAttention(q: t.constant(q), k: t.constant(k2), v: t.constant(v2), batch: 1, heads: 2).value
        XCTAssertEqual(Array(out.data[0..<16]), Array(out2.data[0..<16]))
        XCTAssertNotEqual(Array(out.data[16..<20]), Array(out2.data[16..<20]))
    }

    func testDropout() {
        let x = randomTensor([8, 10], seed: 17)
        gradientCheck([x]) { t, v in
            var rng = SeededRandom(seed: 3, path: ["dropout"])
            return t.dropout(v[0], rate: 0.3, rng: &rng, training: true)
        }
        let t = Tape<Double>()
        var rng = SeededRandom(seed: 3, path: ["dropout"])
        let xv = t.constant(x)
        XCTAssertEqual(t.dropout(xv, rate: 0.3, rng: &rng, training: false).id, xv.id)
        let y = t.dropout(t.constant(.ones([100, 100])), rate: 0.3, rng: &rng, training: true).value
        let kept = y.data.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-12 })
        XCTAssertEqual(Double(kept.count) / 10_000, 0.7, accuracy: 0.02)
    }
}
