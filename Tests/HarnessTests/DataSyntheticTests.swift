import XCTest
@testable import Harness

final class DataSyntheticTests: XCTestCase {
    func testLinearTeacherIsAnAffineMapAndNoiseHasTheSetVariance() {
        var rng = SeededRandom(seed: 1, path: ["teacher"])
        let (teacher, clean) = Synthetic.teacherStudent(count: 50, inputDimension: 4, outputDimension: 2, noise: 0, using: &rng)
        let w = teacher.weights[0], b = teacher.biases[0]
        for i in 0..<50 { for o in 0..<2 {
            var y = b[o]
            for j in 0..<4 { y += w[o, j] * clean.inputs[i, j] }
            XCTAssertEqual(clean.targets[i, o], y, accuracy: 1e-5)
        } }
        let noisy = teacher.sample(count: 20000, noise: 0.5, using: &rng)
        let residual = noisy.targets - teacher(noisy.inputs)
        let mse = Double(residual.squaredNorm()) / Double(residual.count)
        XCTAssertEqual(mse, 0.25, accuracy: 0.01)
    }

    func testMLPTeacherShapes() {
        var rng = SeededRandom(seed: 2, path: ["teacher"])
        let (teacher, data) = Synthetic.teacherStudent(count: 8, inputDimension: 5, outputDimension: 3, hidden: [16, 16], noise: 0.1, using: &rng)
        XCTAssertEqual(teacher.weights.map(\.shape), [[16, 5], [16, 16], [3, 16]])
        XCTAssertEqual(data.targets.shape, [8, 3])
        XCTAssertEqual(data.batch([1, 3]).inputs.data, data.inputs.gatherRows([1, 3]).data)
    }

    func testGaussianBlobsAreBalancedAndSeparable() {
        var rng = SeededRandom(seed: 3, path: ["blobs"])
        let d = Synthetic.gaussianBlobs(classCount: 4, dimension: 8, perClass: 100, separation: 5, spread: 0.5, using: &rng)
        XCTAssertEqual(d.count, 400)
        XCTAssertEqual(d.classCounts, [100, 100, 100, 100])
        // Class means estimated from the data classify every point to its own class.
        var means = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 4)
        for i in 0..<400 { for j in 0..<8 { means[d.labels[i]][j] += Double(d.features[i, j]) / 100 } }
        var correct = 0
        for i in 0..<400 {
            let dist = (0..<4).map { c in (0..<8).map { j in pow(Double(d.features[i, j]) - means[c][j], 2) }.reduce(0, +) }
            if dist.firstIndex(of: dist.min()!) == d.labels[i] { correct += 1 }
        }
        XCTAssertEqual(correct, 400)
    }

    func testMarkovSourceStationaryLawAndEntropies() {
        var rng = SeededRandom(seed: 4, path: ["markov"])
        let source = MarkovTokenSource(vocabularySize: 12, order: 2, branching: 3, smoothing: 0.05, using: &rng)
        let n = source.stationary.count, v = 12
        XCTAssertEqual(n, 144)
        XCTAssertEqual(source.stationary.reduce(0, +), 1, accuracy: 1e-12)
        // π P = π.
        var next = [Double](repeating: 0, count: n)
        for c in 0..<n {
            let p = source.nextTokenDistribution(context: c)
            XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12)
            for t in 0..<v { next[(c * v + t) % n] += source.stationary[c] * p[t] }
        }
        for c in 0..<n { XCTAssertEqual(next[c], source.stationary[c], accuracy: 1e-12) }
        // Each scale of structure lowers the best loss.
        XCTAssertGreaterThan(log(12.0), source.unigramEntropy)
        XCTAssertGreaterThan(source.unigramEntropy, source.bigramEntropy)
        XCTAssertGreaterThan(source.bigramEntropy, source.entropyRate)
        let opt = source.optimalLoss(sequenceLength: 64)
        XCTAssertGreaterThan(opt, source.entropyRate)
        XCTAssertLessThan(opt, source.bigramEntropy)
    }

    func testMarkovSamplesHaveTheStatedEntropyRate() {
        var rng = SeededRandom(seed: 5, path: ["markov"])
        let source = MarkovTokenSource(vocabularySize: 16, order: 2, branching: 4, smoothing: 0.02, using: &rng)
        let seqs = source.sample(sequences: 400, length: 65, using: &rng)
        XCTAssertTrue(seqs.allSatisfy { $0.count == 65 && $0.allSatisfy { (0..<16).contains($0) } })
        // Empirical mean of -log p(x_t | context) over positions ≥ order estimates the entropy rate.
        var losses = [Double]()
        for s in seqs {
            for t in 2..<s.count {
                losses.append(-log(source.nextTokenDistribution(context: s[t - 2] * 16 + s[t - 1])[s[t]]))
            }
        }
        let summary = Summary(losses)
        XCTAssertEqual(summary.mean, source.entropyRate, accuracy: 4 * summary.standardError)
    }

    func testOrderOneSourceAndShift() {
        var rng = SeededRandom(seed: 6, path: ["markov"])
        let source = MarkovTokenSource(vocabularySize: 10, order: 1, branching: 3, using: &rng)
        XCTAssertEqual(source.bigramEntropy, source.entropyRate, accuracy: 1e-12)
        XCTAssertEqual(source.optimalLoss(sequenceLength: 20), source.entropyRate, accuracy: 1e-12)
        var r0 = SeededRandom(seed: 6, path: ["shift"])
        XCTAssertEqual(source.shifted(fraction: 0, using: &r0), source)
        var r1 = SeededRandom(seed: 6, path: ["shift"])
        let half = source.shifted(fraction: 0.5, using: &r1)
        let changedSupports = (0..<10).filter { half.supports[$0] != source.supports[$0] || half.weights[$0] != source.weights[$0] }
        XCTAssertEqual(changedSupports.count, 5)
        XCTAssertNotEqual(half.entropyRate, source.entropyRate)
    }
}
