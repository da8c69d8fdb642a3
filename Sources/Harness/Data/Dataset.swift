import Foundation

// # Classification data sets
//
// Every experiment that learns from examples sees them as a `Dataset`: a feature matrix, one
// integer label per row, and the citation its report must print. Splits, standardisation,
// label noise and mini-batch order are all functions of a seeded stream, so a run is a pure
// function of (seed, names).

/// A labelled classification data set held in memory.
public struct Dataset: Sendable, Equatable {
    /// A short name for reports (`"digits"`, `"digits/train"`).
    public var name: String
    /// One example per row: shape `[count, featureCount]`.
    public var features: Tensor<Float>
    /// The class of each row, in `0..<classCount`.
    public var labels: [Int]
    /// The number of classes (labels are `0..<classCount`).
    public var classCount: Int
    /// Where the data comes from and its licence, to be printed by any report that uses it.
    public var citation: String

    /// - Precondition: one label per row, every label in `0..<classCount`.
    public init(name: String, features: Tensor<Float>, labels: [Int], classCount: Int, citation: String) {
        precondition(features.rank == 2 && features.shape[0] == labels.count,
                     "Dataset \(name): \(labels.count) labels for features of shape \(features.shape)")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classCount }, "Dataset \(name): label outside 0..<\(classCount)")
        self.name = name
        self.features = features
        self.labels = labels
        self.classCount = classCount
        self.citation = citation
    }

    /// The number of examples.
    public var count: Int { labels.count }
    /// The number of features per example.
    public var featureCount: Int { features.shape[1] }

    /// The number of examples of each class.
    public var classCounts: [Int] {
        var c = [Int](repeating: 0, count: classCount)
        for y in labels { c[y] += 1 }
        return c
    }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int], name: String? = nil) -> Dataset {
        Dataset(name: name ?? self.name, features: features.gatherRows(indices),
                labels: indices.map { labels[$0] }, classCount: classCount, citation: citation)
    }

    /// The features and labels of the rows `indices` (a mini-batch).
    public func batch(_ indices: [Int]) -> (features: Tensor<Float>, labels: [Int]) {
        (features.gatherRows(indices), indices.map { labels[$0] })
    }

    /// The labels as a one-hot matrix of shape `[count, classCount]`.
    public func oneHotLabels() -> Tensor<Float> {
        var t = Tensor<Float>.zeros([count, classCount])
        for (i, y) in labels.enumerated() { t.data[i * classCount + y] = 1 }
        return t
    }
}

// ## Splits

/// A train / validation / test partition of one data set.
public struct DataSplits: Sendable, Equatable {
    public var train: Dataset
    public var validation: Dataset
    public var test: Dataset

    public init(train: Dataset, validation: Dataset, test: Dataset) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// All three parts standardised with the statistics of ``train`` alone, so nothing about
    /// the validation or test examples leaks into training.
    public func standardized() -> DataSplits {
        let s = Standardizer(fittedOn: train.features)
        return DataSplits(train: s.apply(train), validation: s.apply(validation), test: s.apply(test))
    }
}

extension Dataset {
    /// Partitions the examples into consecutive parts with the given fractions of the whole.
    ///
    /// Part `k` receives `round(n·(f₀+…+f_k)) - round(n·(f₀+…+f_{k-1}))` examples, so the parts
    /// never overlap and, when the fractions sum to 1, cover every example. With `stratified`
    /// this allocation is made within each class separately, so every part keeps the class
    /// proportions (to within one example per class). Which examples go where is a uniformly
    /// random permutation drawn from `rng`; each part lists its examples in their original order.
    ///
    /// - Precondition: fractions are non-negative and sum to at most 1 (+1e-9).
    public func partitioned(_ fractions: [Double], stratified: Bool = true, using rng: inout SeededRandom) -> [[Int]] {
        precondition(fractions.allSatisfy { $0 >= 0 } && fractions.reduce(0, +) <= 1 + 1e-9,
                     "partition fractions \(fractions) must be non-negative and sum to at most 1")
        var parts = [[Int]](repeating: [], count: fractions.count)
        let groups: [[Int]] = stratified
            ? (0..<classCount).map { c in labels.indices.filter { labels[$0] == c } }
            : [Array(labels.indices)]
        for group in groups {
            let order = rng.permutation(group.count).map { group[$0] }
            var cumulative = 0.0, start = 0
            for (k, f) in fractions.enumerated() {
                cumulative += f
                let end = min(Int((Double(group.count) * cumulative).rounded()), group.count)
                parts[k].append(contentsOf: order[start..<max(start, end)])
                start = max(start, end)
            }
        }
        return parts.map { $0.sorted() }
    }

    /// A seeded train / validation / test split; the test part gets what remains after
    /// `train` and `validation` (see ``partitioned(_:stratified:using:)``).
    public func split(train: Double, validation: Double, stratified: Bool = true, using rng: inout SeededRandom) -> DataSplits {
        let p = partitioned([train, validation, max(0, 1 - train - validation)], stratified: stratified, using: &rng)
        return DataSplits(train: subset(p[0], name: name + "/train"),
                          validation: subset(p[1], name: name + "/validation"),
                          test: subset(p[2], name: name + "/test"))
    }

    /// Splits off a validation part from a set whose test part is given separately (MNIST-1D).
    public func split(validation: Double, stratified: Bool = true, using rng: inout SeededRandom) -> (train: Dataset, validation: Dataset) {
        let p = partitioned([1 - validation, validation], stratified: stratified, using: &rng)
        return (subset(p[0], name: name + "/train"), subset(p[1], name: name + "/validation"))
    }
}

// ## Standardisation

/// Per-feature affine standardisation `(x - μ) / σ`, fitted on one set and applied to others.
///
/// `σ` is the population standard deviation (divisor `n`, as scikit-learn's `StandardScaler`).
/// A constant feature (σ = 0, e.g. the always-blank corner pixels of the 8x8 digits) is only
/// centred, since dividing by zero would turn it into NaN.
public struct Standardizer: Sendable, Equatable {
    public var mean: [Float]
    public var scale: [Float]

    /// Fits the mean and scale of each column of `x` (shape `[n, d]`), accumulating in Double.
    public init(fittedOn x: Tensor<Float>) {
        let n = x.shape[0], d = x.shape[1]
        var m = [Double](repeating: 0, count: d), v = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { m[j] += Double(x.data[i * d + j]) } }
        for j in 0..<d { m[j] /= Double(max(n, 1)) }
        for i in 0..<n { for j in 0..<d { let e = Double(x.data[i * d + j]) - m[j]; v[j] += e * e } }
        mean = m.map { Float($0) }
        scale = v.map { let s = ($0 / Double(max(n, 1))).squareRoot(); return s > 1e-12 ? Float(s) : 1 }
    }

    /// Standardises every row of `x`.
    public func apply(_ x: Tensor<Float>) -> Tensor<Float> {
        let d = mean.count
        precondition(x.rank == 2 && x.shape[1] == d, "standardizer fitted on \(d) features, got shape \(x.shape)")
        var out = x
        let inv = scale.map { 1 / $0 }
        out.data.withUnsafeMutableBufferPointer { o in
            mean.withUnsafeBufferPointer { mu in
                inv.withUnsafeBufferPointer { s in
                    for i in 0..<x.shape[0] {
                        for j in 0..<d { o[i * d + j] = (o[i * d + j] - mu[j]) * s[j] }
                    }
                }
            }
        }
        return out
    }

    /// The data set with standardised features.
    public func apply(_ data: Dataset) -> Dataset {
        var out = data
        out.features = apply(data.features)
        return out
    }
}

// ## Label noise

extension Dataset {
    /// A copy with symmetric label noise at rate `rate`, and the indices whose label changed.
    ///
    /// Convention: exactly `round(rate · count)` examples, chosen uniformly without replacement,
    /// receive a label drawn uniformly from the *other* `classCount - 1` classes. So the
    /// fraction of wrong labels is exactly `rate` (to one example), and every wrong class is
    /// equally likely. Papers that instead redraw a label uniformly from *all* classes at rate
    /// `q` corrupt a fraction `q·(K-1)/K`; convert with `rate = q·(K-1)/K` to match them.
    public func withSymmetricLabelNoise(rate: Double, using rng: inout SeededRandom) -> (dataset: Dataset, corrupted: [Int]) {
        precondition(rate >= 0 && rate <= 1, "label noise rate \(rate) outside [0, 1]")
        precondition(classCount >= 2 || rate == 0, "label noise needs at least two classes")
        let k = Int((rate * Double(count)).rounded())
        let chosen = Array(rng.permutation(count).prefix(k)).sorted()
        var out = self
        for i in chosen {
            // Uniform over the other classes: draw from K-1 and skip the true one.
            let r = rng.index(classCount - 1)
            out.labels[i] = r >= labels[i] ? r + 1 : r
        }
        out.name = name + "/noise \(Format.significant(rate, 3))"
        return (out, chosen)
    }
}

// ## Mini-batches

/// The order in which an epoch visits the examples, reshuffled every epoch.
///
/// Epoch `e` uses the permutation drawn from `SeededRandom(seed:path: path + ["epoch e"])`,
/// so the order of any epoch can be recomputed without replaying the earlier ones, and two
/// arms given the same path see the same batches.
public struct BatchSchedule: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64
    public let path: [String]
    /// When true, an epoch ends before a last, smaller batch; otherwise that batch is kept.
    public let dropLast: Bool

    public init(count: Int, batchSize: Int, seed: UInt64, path: [String], dropLast: Bool = false) {
        precondition(count > 0 && batchSize > 0, "batch schedule needs examples and a positive batch size")
        precondition(!dropLast || batchSize <= count, "batch size \(batchSize) exceeds \(count) examples with dropLast")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
        self.path = path
        self.dropLast = dropLast
    }

    /// A schedule whose epoch streams hang off one 64-bit draw from `rng` (e.g. a trial's
    /// stream), for code that holds a generator rather than a seed and path.
    public init(count: Int, batchSize: Int, using rng: inout SeededRandom, dropLast: Bool = false) {
        self.init(count: count, batchSize: batchSize, seed: rng.next(), path: ["batches"], dropLast: dropLast)
    }

    /// The number of batches in one epoch.
    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    /// The permutation of `0..<count` visited in epoch `epoch`.
    public func order(epoch: Int) -> [Int] {
        var rng = SeededRandom(seed: seed, path: path + ["epoch \(epoch)"])
        return rng.permutation(count)
    }

    /// The batches (lists of example indices) of epoch `epoch`.
    public func batches(epoch: Int) -> [[Int]] {
        let o = order(epoch: epoch)
        return (0..<batchesPerEpoch).map { b in Array(o[(b * batchSize)..<min((b + 1) * batchSize, count)]) }
    }

    /// An endless iterator over batches, epoch after epoch.
    public func makeIterator() -> Iterator { Iterator(schedule: self) }

    /// Yields batches of indices forever, computing each epoch's order once.
    public struct Iterator: IteratorProtocol, Sendable {
        public let schedule: BatchSchedule
        /// The epoch of the batch returned next.
        public private(set) var epoch = 0
        /// The position of the next batch within its epoch.
        public private(set) var batchInEpoch = 0
        private var order: [Int]

        init(schedule: BatchSchedule) {
            self.schedule = schedule
            order = schedule.order(epoch: 0)
        }

        public mutating func next() -> [Int]? {
            if batchInEpoch == schedule.batchesPerEpoch {
                epoch += 1
                batchInEpoch = 0
                order = schedule.order(epoch: epoch)
            }
            let lo = batchInEpoch * schedule.batchSize
            batchInEpoch += 1
            return Array(order[lo..<min(lo + schedule.batchSize, schedule.count)])
        }
    }
}

extension Dataset {
    /// A batch schedule over this set's rows (see ``BatchSchedule``).
    public func batchSchedule(batchSize: Int, seed: UInt64, path: [String], dropLast: Bool = false) -> BatchSchedule {
        BatchSchedule(count: count, batchSize: batchSize, seed: seed, path: path, dropLast: dropLast)
    }
}
