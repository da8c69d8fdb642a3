import Foundation

// # Learning from noisy labels
//
// Robustness-to-label-noise claims (SAM's Table 4; GAM, double descent with 10% noise) train on
// labels of which a known fraction is wrong and test on clean labels. Three pieces are shared:
// the corruption itself (``Dataset/withSymmetricLabelNoise(rate:using:)``: exactly `rate·n`
// labels moved to a uniformly drawn *other* class), applying it to the training and validation
// labels of a split with the test labels left clean (the learner never sees a clean label, so
// hyperparameters are tuned on noisy validation labels too), and knowing what accuracy on noisy
// labels means: under symmetric noise it is an affine function of the clean accuracy, which is
// why noisy validation accuracy still ranks hyperparameters, and by how much it shrinks
// differences between methods.

/// A train / validation / test split whose training and validation labels carry symmetric label
/// noise while the test labels stay clean, with the corrupted training examples remembered.
public struct NoisyLabelSplits: Sendable {
    /// Training and validation with noisy labels (at ``rate``); test with clean labels.
    public var splits: DataSplits
    /// The training examples whose label was changed (indices into `splits.train`), sorted.
    public var corruptedTrain: [Int]
    /// The fraction of wrong training and validation labels.
    public var rate: Double

    /// Clean splits (rate 0, nothing corrupted).
    public init(clean splits: DataSplits) {
        self.splits = splits
        corruptedTrain = []
        rate = 0
    }

    public init(splits: DataSplits, corruptedTrain: [Int], rate: Double) {
        self.splits = splits
        self.corruptedTrain = corruptedTrain
        self.rate = rate
    }

    public var train: Dataset { splits.train }
    public var validation: Dataset { splits.validation }
    public var test: Dataset { splits.test }

    /// The corrupted training examples with the wrong labels the learner was given: a model's
    /// accuracy on this set is the fraction of wrong labels it memorised (empty when clean).
    public var memorisationProbe: Dataset { splits.train.subset(corruptedTrain, name: splits.train.name + "/corrupted") }
}

extension DataSplits {
    // excerpt: label-noise-splits
    /// These splits with symmetric label noise at `rate` on the training labels (stream `train`)
    /// and the validation labels (stream `validation`), the test labels left clean: each part
    /// gets exactly `round(rate · count)` wrong labels, each moved to a uniformly drawn other
    /// class (``Dataset/withSymmetricLabelNoise(rate:using:)``). Rate 0 returns the splits
    /// unchanged and draws nothing.
    public func withSymmetricLabelNoise(rate: Double, train trainRNG: inout SeededRandom,
                                        validation validationRNG: inout SeededRandom) -> NoisyLabelSplits {
        guard rate > 0 else { return NoisyLabelSplits(clean: self) }
        let noisyTrain = train.withSymmetricLabelNoise(rate: rate, using: &trainRNG)
        let noisyValidation = validation.withSymmetricLabelNoise(rate: rate, using: &validationRNG)
        return NoisyLabelSplits(splits: DataSplits(train: noisyTrain.dataset, validation: noisyValidation.dataset, test: test),
                                corruptedTrain: noisyTrain.corrupted, rate: rate)
    }
    // end excerpt
}

/// What accuracy against symmetrically noisy labels measures.
///
/// When a fraction `rate` of the labels is moved uniformly to the other `K − 1` classes,
/// independently of the model (validation labels the model never trained on), a prediction that
/// is right on the clean label matches the noisy one with probability `1 − rate`, and a wrong
/// prediction matches it with probability `rate/(K − 1)`. So in expectation
///
///     noisy accuracy = rate/(K − 1) + (1 − rate·K/(K − 1)) · clean accuracy,
///
/// an increasing affine function of the clean accuracy for `rate < (K − 1)/K`: noisy validation
/// accuracy ranks models as clean accuracy would, and a difference of `d` clean points shows as
/// `d · (1 − rate·K/(K − 1))` noisy points.
public enum SymmetricLabelNoise {
    /// The slope `1 − rate·K/(K − 1)` of noisy accuracy against clean accuracy.
    public static func accuracySlope(rate: Double, classCount: Int) -> Double {
        precondition(classCount >= 2 && rate >= 0 && rate <= 1)
        return 1 - rate * Double(classCount) / Double(classCount - 1)
    }

    /// The expected accuracy against noisy labels of a model with clean accuracy `clean`.
    public static func expectedNoisyAccuracy(clean: Double, rate: Double, classCount: Int) -> Double {
        rate / Double(classCount - 1) + accuracySlope(rate: rate, classCount: classCount) * clean
    }
}
