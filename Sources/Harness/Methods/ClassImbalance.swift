import Foundation

// # Class-imbalanced (long-tailed) data
//
// Papers on imbalanced data (SAM escaping saddle points of minority-class losses, LDAM, VS loss)
// train on a set subsampled so that the class sizes decay from a head class to tail classes by a
// stated *imbalance ratio* ρ = n_max / n_min, and test on a balanced set. The two profiles in use:
// **exponential** (Cui et al. 2019; Cao et al. 2019, "long-tailed CIFAR"), where class c keeps
// n_max · ρ^{−c/(K−1)} examples, and **step** (Buda et al. 2018), where the last few classes keep
// n_max/ρ and the others n_max. Class 0 is the head; relabel first for another order.

/// How class sizes fall from the head class to the tail.
public enum ImbalanceProfile: Sendable, Equatable {
    /// Class `c` of `K` keeps `n_max · ratio^(−c/(K−1))` examples.
    case exponential
    /// The last `minorityClasses` classes keep `n_max / ratio` examples, the others `n_max`.
    case step(minorityClasses: Int)

    /// The number of examples each of `classCount` classes keeps, from `headCount` for class 0
    /// down to `headCount / ratio` (rounded to the nearest whole number, at least one).
    public func counts(headCount: Int, ratio: Double, classCount: Int) -> [Int] {
        precondition(ratio >= 1, "an imbalance ratio is n_max / n_min >= 1, got \(ratio)")
        precondition(headCount >= 1 && classCount >= 1)
        return (0..<classCount).map { c in
            let share: Double
            switch self {
            case .exponential:
                share = classCount == 1 ? 1 : pow(ratio, -Double(c) / Double(classCount - 1))
            case .step(let minority):
                precondition(minority >= 0 && minority <= classCount, "step profile: \(minority) minority classes of \(classCount)")
                share = c >= classCount - minority ? 1 / ratio : 1
            }
            return max(1, Int((Double(headCount) * share).rounded()))
        }
    }
}

extension Dataset {
    // excerpt: class-imbalance
    /// The rows of a class-imbalanced subset, sorted: class `c` keeps the number of examples
    /// `profile` gives it (``ImbalanceProfile/counts(headCount:ratio:classCount:)``) with `n_max` =
    /// `headCount`, or by default the size of the smallest class (so every class can supply its
    /// quota). Which examples a class keeps is a uniformly random subset drawn from `rng`, class
    /// by class in class order.
    ///
    /// - Precondition: every class has at least its quota of examples.
    public func classImbalanceIndices(ratio: Double, profile: ImbalanceProfile = .exponential, headCount: Int? = nil,
                                      using rng: inout SeededRandom) -> [Int] {
        let available = classCounts
        let quota = profile.counts(headCount: headCount ?? (available.min() ?? 0), ratio: ratio, classCount: classCount)
        var kept = [Int]()
        for c in 0..<classCount {
            precondition(available[c] >= quota[c], "class \(c) has \(available[c]) examples, the profile asks for \(quota[c])")
            let members = labels.indices.filter { labels[$0] == c }
            kept += rng.permutation(members.count).prefix(quota[c]).map { members[$0] }
        }
        return kept.sorted()
    }
    // end excerpt

    /// The class-imbalanced subset with the rows ``classImbalanceIndices(ratio:profile:headCount:using:)`` picks.
    public func withClassImbalance(ratio: Double, profile: ImbalanceProfile = .exponential, headCount: Int? = nil,
                                   using rng: inout SeededRandom) -> Dataset {
        subset(classImbalanceIndices(ratio: ratio, profile: profile, headCount: headCount, using: &rng),
               name: name + "/imbalance \(Format.compact(ratio, 3))")
    }
}
