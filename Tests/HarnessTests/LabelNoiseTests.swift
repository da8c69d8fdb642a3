import Foundation
import XCTest
@testable import Harness

/// Noisy training and validation labels with a clean test set, and what noisy accuracy means.
final class LabelNoiseTests: XCTestCase {
    static func splits() throws -> DataSplits {
        var rng = SeededRandom(seed: 2, path: ["split"])
        return try Datasets.digits().split(train: 0.6, validation: 0.2, using: &rng)
    }

    /// Exactly round(rate·n) wrong labels in training and in validation, none in test; the
    /// remembered indices are exactly the changed training labels; same streams, same labels.
    func testNoiseOnTrainingAndValidationOnlyWithExactCounts() throws {
        let clean = try Self.splits()
        var t = SeededRandom(seed: 5, path: ["t"]), v = SeededRandom(seed: 5, path: ["v"])
        let noisy = clean.withSymmetricLabelNoise(rate: 0.4, train: &t, validation: &v)
        let changedTrain = clean.train.labels.indices.filter { clean.train.labels[$0] != noisy.train.labels[$0] }
        XCTAssertEqual(changedTrain, noisy.corruptedTrain)
        XCTAssertEqual(changedTrain.count, Int((0.4 * Double(clean.train.count)).rounded()))
        let changedValidation = zip(clean.validation.labels, noisy.validation.labels).filter { $0 != $1 }.count
        XCTAssertEqual(changedValidation, Int((0.4 * Double(clean.validation.count)).rounded()))
        XCTAssertEqual(noisy.test, clean.test)
        XCTAssertEqual(noisy.train.features, clean.train.features)
        XCTAssertEqual(noisy.rate, 0.4)
        var t2 = SeededRandom(seed: 5, path: ["t"]), v2 = SeededRandom(seed: 5, path: ["v"])
        XCTAssertEqual(clean.withSymmetricLabelNoise(rate: 0.4, train: &t2, validation: &v2).splits, noisy.splits)
    }

    /// The probe holds the corrupted examples with their wrong labels; rate 0 changes nothing and
    /// draws nothing from the streams.
    func testMemorisationProbeAndTheCleanCase() throws {
        let clean = try Self.splits()
        var t = SeededRandom(seed: 6, path: ["t"]), v = SeededRandom(seed: 6, path: ["v"])
        let noisy = clean.withSymmetricLabelNoise(rate: 0.2, train: &t, validation: &v)
        let probe = noisy.memorisationProbe
        XCTAssertEqual(probe.count, noisy.corruptedTrain.count)
        XCTAssertEqual(probe.labels, noisy.corruptedTrain.map { noisy.train.labels[$0] })
        XCTAssertTrue(zip(probe.labels, noisy.corruptedTrain.map { clean.train.labels[$0] }).allSatisfy { $0 != $1 })

        var t0 = SeededRandom(seed: 6, path: ["t"]), v0 = SeededRandom(seed: 6, path: ["v"])
        let none = clean.withSymmetricLabelNoise(rate: 0, train: &t0, validation: &v0)
        XCTAssertEqual(none.splits, clean)
        XCTAssertTrue(none.corruptedTrain.isEmpty && none.memorisationProbe.count == 0)
        var fresh = SeededRandom(seed: 6, path: ["t"])
        let (afterNone, untouched) = (t0.next(), fresh.next())
        XCTAssertEqual(afterNone, untouched, "rate 0 draws nothing")
    }

    /// The affine law, checked by simulation: fixed predictions with clean accuracy 0.7 on
    /// 10 classes, scored against freshly noised labels many times, average to
    /// rate/(K−1) + (1 − rate·K/(K−1))·0.7; the slope vanishes at rate (K−1)/K.
    func testNoisyAccuracyIsAffineInCleanAccuracy() {
        let n = 2000, k = 10, rate = 0.4
        let truth = (0..<n).map { $0 % k }
        let predictions = truth.enumerated().map { i, y in i % 10 < 7 ? y : (y + 1 + i % 3) % k }
        let cleanAccuracy = Double(zip(predictions, truth).filter { $0 == $1 }.count) / Double(n)
        XCTAssertEqual(cleanAccuracy, 0.7)
        let d = Dataset(name: "t", features: .zeros([n, 1]), labels: truth, classCount: k, citation: "")
        var rng = SeededRandom(seed: 8, path: ["affine"])
        var total = 0.0
        let repeats = 50
        for _ in 0..<repeats {
            let noisy = d.withSymmetricLabelNoise(rate: rate, using: &rng).dataset
            total += Double(zip(predictions, noisy.labels).filter { $0 == $1 }.count) / Double(n)
        }
        let expected = SymmetricLabelNoise.expectedNoisyAccuracy(clean: cleanAccuracy, rate: rate, classCount: k)
        XCTAssertEqual(expected, 0.4 / 9 + (1 - 0.4 * 10 / 9) * 0.7, accuracy: 1e-12)
        XCTAssertEqual(total / Double(repeats), expected, accuracy: 0.005)
        XCTAssertEqual(SymmetricLabelNoise.accuracySlope(rate: 0.9, classCount: 10), 0, accuracy: 1e-12)
        XCTAssertEqual(SymmetricLabelNoise.accuracySlope(rate: 0, classCount: 10), 1)
    }
}
