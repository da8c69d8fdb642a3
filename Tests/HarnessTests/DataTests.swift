import XCTest
@testable import Harness

final class DataTests: XCTestCase {
    func testDigitsLoaderRowsFirstRowAndLabelCounts() throws {
        let d = try Datasets.digits()
        XCTAssertEqual(d.count, 1797)
        XCTAssertEqual(d.featureCount, 64)
        XCTAssertEqual(d.classCount, 10)
        // First row of the file: the first image of scikit-learn's `load_digits()`, a zero.
        let firstRow: [Float] = [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0,
                                 0, 4, 12, 0, 0, 8, 8, 0, 0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0,
                                 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0]
        XCTAssertEqual(Array(d.features.data[0..<64]), firstRow)
        XCTAssertEqual(d.labels[0], 0)
        XCTAssertEqual(d.labels[1], 1)
        XCTAssertEqual(d.classCounts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        XCTAssertEqual(d.features.data.min(), 0)
        XCTAssertEqual(d.features.data.max(), 16)
        XCTAssertFalse(d.citation.isEmpty)
    }

    func testMNIST1DLoaderKeepsTheFileSplit() throws {
        let (train, test) = try Datasets.mnist1d()
        XCTAssertEqual(train.count, 4000)
        XCTAssertEqual(test.count, 1000)
        XCTAssertEqual(train.featureCount, 40)
        XCTAssertEqual(train.classCounts, [398, 396, 411, 394, 394, 402, 401, 404, 402, 398])
        XCTAssertEqual(test.classCounts, [102, 104, 89, 106, 106, 98, 99, 96, 98, 102])
        XCTAssertEqual(train.labels[0], 2)
        XCTAssertEqual(train.features.data[0], -0.332006)
        XCTAssertEqual(train.features.data[1], -0.47191)
    }

    func testStratifiedSplitIsDisjointCoveringProportionalAndDeterministic() throws {
        let d = try Datasets.digits()
        var rng = SeededRandom(seed: 7, path: ["split"])
        let parts = d.partitioned([0.6, 0.2, 0.2], stratified: true, using: &rng)
        let all = parts.flatMap { $0 }
        XCTAssertEqual(all.count, d.count)
        XCTAssertEqual(Set(all).count, d.count, "parts overlap")
        for part in parts { XCTAssertEqual(part, part.sorted()) }
        // Within each class, part sizes follow the rounding rule exactly.
        for (c, n) in d.classCounts.enumerated() {
            let inTrain = parts[0].filter { d.labels[$0] == c }.count
            let inVal = parts[1].filter { d.labels[$0] == c }.count
            XCTAssertEqual(inTrain, Int((Double(n) * 0.6).rounded()))
            XCTAssertEqual(inTrain + inVal, Int((Double(n) * 0.8).rounded()))
        }
        var again = SeededRandom(seed: 7, path: ["split"])
        XCTAssertEqual(d.partitioned([0.6, 0.2, 0.2], stratified: true, using: &again), parts)
        var other = SeededRandom(seed: 8, path: ["split"])
        XCTAssertNotEqual(d.partitioned([0.6, 0.2, 0.2], stratified: true, using: &other), parts)

        var rng2 = SeededRandom(seed: 7, path: ["split"])
        let s = d.split(train: 0.6, validation: 0.2, using: &rng2)
        XCTAssertEqual(s.train.count, parts[0].count)
        XCTAssertEqual(s.validation.count, parts[1].count)
        XCTAssertEqual(s.test.count, parts[2].count)
        XCTAssertEqual(s.train.labels, parts[0].map { d.labels[$0] })
    }

    func testPlainSplitSizes() throws {
        let d = try Datasets.digits()
        var rng = SeededRandom(seed: 1, path: ["plain"])
        let (train, validation) = d.split(validation: 0.25, stratified: false, using: &rng)
        XCTAssertEqual(train.count, 1797 - 449)
        XCTAssertEqual(validation.count, 449)  // round(1797 · 0.25) = round(449.25)
    }

    func testStandardizerUsesTrainingStatisticsOnly() {
        let train = Tensor<Float>(shape: [4, 3], data: [1, 5, 2,
                                                        3, 5, 4,
                                                        5, 5, 6,
                                                        7, 5, 8])
        let s = Standardizer(fittedOn: train)
        XCTAssertEqual(s.mean, [4, 5, 5])
        XCTAssertEqual(s.scale[0], Float(5.0.squareRoot()), accuracy: 1e-6)  // population sd of 1,3,5,7
        XCTAssertEqual(s.scale[1], 1)  // constant column is only centred
        let z = s.apply(train)
        for j in [0, 2] {
            let col = (0..<4).map { Double(z[$0, j]) }
            XCTAssertEqual(Statistics.mean(col), 0, accuracy: 1e-6)
            XCTAssertEqual(col.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-6)
        }
        XCTAssertEqual(z[0, 1], 0)
        let test = s.apply(Tensor<Float>(shape: [1, 3], data: [4, 6, 5]))
        XCTAssertEqual(test.data, [0, 1, 0])
    }

    func testLabelNoiseRateIsExactAndChangesClass() throws {
        let d = try Datasets.digits()
        var rng = SeededRandom(seed: 3, path: ["noise"])
        let (noisy, corrupted) = d.withSymmetricLabelNoise(rate: 0.2, using: &rng)
        XCTAssertEqual(corrupted.count, 359)  // round(0.2 · 1797)
        let changed = d.labels.indices.filter { d.labels[$0] != noisy.labels[$0] }
        XCTAssertEqual(changed, corrupted)
        XCTAssertEqual(noisy.features, d.features)
        var again = SeededRandom(seed: 3, path: ["noise"])
        XCTAssertEqual(d.withSymmetricLabelNoise(rate: 0.2, using: &again).dataset.labels, noisy.labels)
    }

    func testLabelNoiseIsUniformOverOtherClasses() {
        let n = 9000
        let d = Dataset(name: "zeros", features: .zeros([n, 1]), labels: [Int](repeating: 0, count: n), classCount: 10, citation: "")
        var rng = SeededRandom(seed: 4, path: ["uniform"])
        let noisy = d.withSymmetricLabelNoise(rate: 1, using: &rng).dataset
        let counts = noisy.classCounts
        XCTAssertEqual(counts[0], 0)
        // Each other class expects 1000 with sd ≈ 30; 5 sd bounds.
        for c in 1..<10 { XCTAssertEqual(Double(counts[c]), 1000, accuracy: 150, "class \(c)") }
    }

    func testBatchScheduleReshufflesPerEpochDeterministically() {
        let s = BatchSchedule(count: 10, batchSize: 4, seed: 5, path: ["batches"])
        XCTAssertEqual(s.batchesPerEpoch, 3)
        let e0 = s.batches(epoch: 0), e1 = s.batches(epoch: 1)
        XCTAssertEqual(e0.map(\.count), [4, 4, 2])
        XCTAssertEqual(e0.flatMap { $0 }.sorted(), Array(0..<10))
        XCTAssertEqual(e1.flatMap { $0 }.sorted(), Array(0..<10))
        XCTAssertNotEqual(e0, e1)
        XCTAssertEqual(BatchSchedule(count: 10, batchSize: 4, seed: 5, path: ["batches"]).batches(epoch: 1), e1)
        var it = s.makeIterator()
        var seen = [[Int]]()
        for _ in 0..<6 { seen.append(it.next()!) }
        XCTAssertEqual(seen, e0 + e1)
        XCTAssertEqual(it.epoch, 1)
        let dropped = BatchSchedule(count: 10, batchSize: 4, seed: 5, path: ["batches"], dropLast: true)
        XCTAssertEqual(dropped.batches(epoch: 0).map(\.count), [4, 4])
    }

    func testSubsetAndOneHot() {
        let d = Dataset(name: "t", features: Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6]), labels: [2, 0, 1], classCount: 3, citation: "")
        let s = d.subset([2, 0])
        XCTAssertEqual(s.features.data, [5, 6, 1, 2])
        XCTAssertEqual(s.labels, [1, 2])
        XCTAssertEqual(d.oneHotLabels().data, [0, 0, 1, 1, 0, 0, 0, 1, 0])
    }
}
