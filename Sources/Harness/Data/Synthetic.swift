import RealModule

// # Synthetic problems
//
// Synthetic data lets a claim be checked where the answer is known: a teacher network fixes
// the best achievable regression error (the noise variance), Gaussian blobs fix how separable
// the classes are, and a Markov token source fixes the best achievable language-model loss
// (its entropy rate). Everything is drawn from the `SeededRandom` passed in.

/// Inputs and real-valued targets for a regression problem.
public struct RegressionData: Sendable, Equatable {
    /// Shape `[count, inputDimension]`.
    public var inputs: Tensor<Float>
    /// Shape `[count, outputDimension]`.
    public var targets: Tensor<Float>

    public init(inputs: Tensor<Float>, targets: Tensor<Float>) {
        precondition(inputs.shape[0] == targets.shape[0], "regression data: \(inputs.shape[0]) inputs, \(targets.shape[0]) targets")
        self.inputs = inputs
        self.targets = targets
    }

    public var count: Int { inputs.shape[0] }

    /// The rows at `indices` (a mini-batch).
    public func batch(_ indices: [Int]) -> RegressionData {
        RegressionData(inputs: inputs.gatherRows(indices), targets: targets.gatherRows(indices))
    }
}

/// A fixed random network `x ↦ W_L tanh(… tanh(W_1 x + b_1) …) + b_L` that labels inputs in
/// teacher-student experiments; with no hidden layers it is the linear map `W x + b`.
///
/// Weights are `N(0, 1/fan_in)` and biases `N(0, 0.1²)`, so every layer's pre-activations have
/// unit scale under standard normal inputs and the tanh units are neither saturated nor linear.
public struct TeacherNetwork: Sendable, Equatable {
    /// `weights[l]` has shape `[fanOut, fanIn]`.
    public var weights: [Tensor<Float>]
    public var biases: [[Float]]

    /// A teacher with layer widths `[input, hidden..., output]`.
    public init(widths: [Int], using rng: inout SeededRandom) {
        precondition(widths.count >= 2, "a teacher needs input and output widths")
        weights = []
        biases = []
        for l in 0..<(widths.count - 1) {
            weights.append(.randomNormal([widths[l + 1], widths[l]], std: 1 / Double(widths[l]).squareRoot(), using: &rng))
            biases.append((0..<widths[l + 1]).map { _ in Float(0.1 * rng.normal()) })
        }
    }

    /// The teacher's outputs for inputs of shape `[n, input]`.
    public func callAsFunction(_ x: Tensor<Float>) -> Tensor<Float> {
        var h = x
        for l in weights.indices {
            h = matmul(h, weights[l], transposeB: true)
            let width = biases[l].count, last = l == weights.count - 1
            for i in 0..<h.shape[0] {
                for j in 0..<width {
                    let v = h.data[i * width + j] + biases[l][j]
                    h.data[i * width + j] = last ? v : Float.tanh(v)
                }
            }
        }
        return h
    }

    /// `count` examples with standard normal inputs and targets `teacher(x) + noise·ε`,
    /// `ε ~ N(0, I)`; the best achievable mean squared error per output is `noise²`.
    public func sample(count: Int, noise: Double, using rng: inout SeededRandom) -> RegressionData {
        let x = Tensor<Float>.randomNormal([count, weights[0].shape[1]], using: &rng)
        var y = self(x)
        if noise > 0 {
            for i in y.data.indices { y.data[i] += Float(noise * rng.normal()) }
        }
        return RegressionData(inputs: x, targets: y)
    }
}

/// Generators of synthetic data sets.
public enum Synthetic {
    /// Gaussian blobs: `classCount` centres drawn from `N(0, separation²·I)` in `dimension`
    /// dimensions, and `perClass` points around each with standard deviation `spread`.
    /// Rows cycle through the classes (`0, 1, …, K-1, 0, 1, …`).
    public static func gaussianBlobs(classCount: Int, dimension: Int, perClass: Int,
                                     separation: Double = 3, spread: Double = 1,
                                     using rng: inout SeededRandom) -> Dataset {
        let centres = Tensor<Double>.randomNormal([classCount, dimension], std: separation, using: &rng)
        var x = [Float](), y = [Int]()
        x.reserveCapacity(classCount * perClass * dimension)
        for _ in 0..<perClass {
            for c in 0..<classCount {
                for j in 0..<dimension { x.append(Float(centres[c, j] + spread * rng.normal())) }
                y.append(c)
            }
        }
        return Dataset(name: "blobs", features: Tensor(shape: [y.count, dimension], data: x), labels: y,
                       classCount: classCount,
                       citation: "Synthetic Gaussian blobs: \(classCount) classes in \(dimension) dimensions, centre scale \(Format.significant(separation, 3)), spread \(Format.significant(spread, 3)).")
    }

    /// Teacher-student regression: a random teacher with widths `[inputDimension] + hidden +
    /// [outputDimension]` (linear when `hidden` is empty) and `count` noisy examples of it.
    public static func teacherStudent(count: Int, inputDimension: Int, outputDimension: Int = 1, hidden: [Int] = [],
                                      noise: Double, using rng: inout SeededRandom) -> (teacher: TeacherNetwork, data: RegressionData) {
        let teacher = TeacherNetwork(widths: [inputDimension] + hidden + [outputDimension], using: &rng)
        return (teacher, teacher.sample(count: count, noise: noise, using: &rng))
    }
}

// ## A token source with a known optimal loss

/// A random sparse Markov source of tokens for tiny language models, with exact entropies.
///
/// The next token depends on the last `order` tokens (the *context*) in two layers, so the
/// data has structure at several scales that a model learns in turn:
/// - the last token `b` alone fixes a *support* `S_b` of `branching` tokens that may follow it
///   (a bigram model learns this);
/// - the whole context fixes the weights over `S_b`, drawn from a flat Dirichlet (only a model
///   that sees `order` tokens back reaches the optimum);
/// - with probability `smoothing` the next token is instead uniform over the vocabulary, which
///   makes the chain irreducible and aperiodic so its stationary law exists and is unique.
///
/// Sequences start from the stationary distribution of contexts, so every position after the
/// first `order` has conditional entropy equal to the entropy rate, and the best achievable
/// mean next-token cross-entropy is ``optimalLoss(sequenceLength:)`` (in nats).
public struct MarkovTokenSource: Sendable, Equatable {
    public let vocabularySize: Int
    public let order: Int
    public let branching: Int
    public let smoothing: Double
    /// `supports[b]` lists the tokens that may follow token `b` (besides smoothing).
    public private(set) var supports: [[Int]]
    /// `weights[context]` are the probabilities over `supports[context % V]` before smoothing;
    /// a context `(x₁, …, x_k)` is encoded as `x₁·V^{k-1} + … + x_k`.
    public private(set) var weights: [[Double]]
    /// The stationary distribution over contexts.
    public private(set) var stationary: [Double]

    /// A source with `vocabularySize^order ≤ 65 536` contexts.
    public init(vocabularySize: Int = 32, order: Int = 2, branching: Int = 4, smoothing: Double = 0.02,
                using rng: inout SeededRandom) {
        precondition(vocabularySize >= 2 && order >= 1 && branching >= 1 && branching <= vocabularySize)
        precondition(smoothing > 0 && smoothing < 1, "smoothing must be in (0, 1) for a unique stationary law")
        var contexts = 1
        for _ in 0..<order { contexts *= vocabularySize }
        precondition(contexts <= 65_536, "too many contexts: \(vocabularySize)^\(order)")
        self.vocabularySize = vocabularySize
        self.order = order
        self.branching = branching
        self.smoothing = smoothing
        supports = (0..<vocabularySize).map { _ in Self.drawSupport(vocabularySize, branching, &rng) }
        weights = (0..<contexts).map { _ in Self.drawWeights(branching, &rng) }
        stationary = []
        stationary = computeStationary()
    }

    /// A related task for pretrain-then-adapt: the same vocabulary and shape, with the supports
    /// of `round(fraction·V)` last tokens and the weights of every context ending in them redrawn
    /// from `rng`. `fraction = 0` returns an identical source; `1` an unrelated one.
    public func shifted(fraction: Double, using rng: inout SeededRandom) -> MarkovTokenSource {
        precondition(fraction >= 0 && fraction <= 1)
        var out = self
        let changed = rng.permutation(vocabularySize).prefix(Int((fraction * Double(vocabularySize)).rounded())).sorted()
        for b in changed {
            out.supports[b] = Self.drawSupport(vocabularySize, branching, &rng)
            for context in stride(from: b, to: weights.count, by: vocabularySize) {
                out.weights[context] = Self.drawWeights(branching, &rng)
            }
        }
        out.stationary = out.computeStationary()
        return out
    }

    private static func drawSupport(_ v: Int, _ k: Int, _ rng: inout SeededRandom) -> [Int] {
        Array(rng.permutation(v).prefix(k)).sorted()
    }

    /// A flat Dirichlet draw: normalised standard exponentials.
    private static func drawWeights(_ k: Int, _ rng: inout SeededRandom) -> [Double] {
        let e = (0..<k).map { _ -> Double in
            var u = rng.uniform()
            while u <= 0 { u = rng.uniform() }
            return -Double.log(u)
        }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// The full next-token distribution after `context`.
    public func nextTokenDistribution(context: Int) -> [Double] {
        var p = [Double](repeating: smoothing / Double(vocabularySize), count: vocabularySize)
        let b = context % vocabularySize
        for (k, t) in supports[b].enumerated() { p[t] += (1 - smoothing) * weights[context][k] }
        return p
    }

    private func computeStationary() -> [Double] {
        let n = weights.count, v = vocabularySize, shifts = n / v
        var pi = [Double](repeating: 1 / Double(n), count: n)
        var next = [Double](repeating: 0, count: n), uniformMass = [Double](repeating: 0, count: shifts)
        // Power iteration. The uniform part of every row only depends on which context the
        // step shifts into, so it is added once per shifted prefix rather than once per token.
        // Smoothing mixes the chain geometrically; 100 000 steps is a cap, not a budget.
        for _ in 0..<100_000 {
            for i in 0..<n { next[i] = 0 }
            for i in 0..<shifts { uniformMass[i] = 0 }
            for context in 0..<n {
                let m = pi[context], base = (context % shifts) * v
                uniformMass[context % shifts] += m
                let w = weights[context], s = supports[context % v]
                for k in 0..<w.count { next[base + s[k]] += m * (1 - smoothing) * w[k] }
            }
            for q in 0..<shifts {
                let u = uniformMass[q] * smoothing / Double(v)
                for t in 0..<v { next[q * v + t] += u }
            }
            var change = 0.0
            for i in 0..<n { change += abs(next[i] - pi[i]) }
            swap(&pi, &next)
            if change < 1e-14 { break }
        }
        let total = pi.reduce(0, +)
        return pi.map { $0 / total }
    }

    private static func entropy(_ p: [Double]) -> Double {
        var h = 0.0
        for x in p where x > 0 { h -= x * Double.log(x) }
        return h
    }

    /// The entropy rate `H(X_t | X_{t-order}, …, X_{t-1})` in nats per token: the best loss a
    /// model can reach on a position with a full context.
    public var entropyRate: Double {
        var h = 0.0
        for context in stationary.indices { h += stationary[context] * Self.entropy(nextTokenDistribution(context: context)) }
        return h
    }

    /// `H(X_t)` of the stationary token marginal: the loss of the best unigram model.
    public var unigramEntropy: Double { Self.entropy(prefixMarginal(1)) }

    /// `H(X_t | X_{t-1})`: the loss of the best bigram model.
    public var bigramEntropy: Double {
        let v = vocabularySize
        var joint = [Double](repeating: 0, count: v * v)
        for context in stationary.indices {
            let b = context % v
            for (t, p) in nextTokenDistribution(context: context).enumerated() { joint[b * v + t] += stationary[context] * p }
        }
        return Self.entropy(joint) - unigramEntropy
    }

    /// The stationary law of the first `k ≤ order` tokens of a context.
    private func prefixMarginal(_ k: Int) -> [Double] {
        var divisor = 1
        for _ in 0..<(order - k) { divisor *= vocabularySize }
        var m = [Double](repeating: 0, count: stationary.count / divisor)
        for (context, p) in stationary.enumerated() { m[context / divisor] += p }
        return m
    }

    /// The least mean next-token cross-entropy (nats) over positions `1..<sequenceLength` of a
    /// sequence drawn by ``sample(sequences:length:using:)``: positions before `order` see
    /// a partial context (`H(X_t | X_0…X_{t-1})` under the stationary law), the rest reach
    /// the entropy rate.
    public func optimalLoss(sequenceLength: Int) -> Double {
        precondition(sequenceLength > order, "sequences must be longer than the order")
        var total = 0.0
        for t in 1..<order { total += Self.entropy(prefixMarginal(t + 1)) - Self.entropy(prefixMarginal(t)) }
        total += Double(sequenceLength - order) * entropyRate
        return total / Double(sequenceLength - 1)
    }

    /// `sequences` token sequences of `length` tokens, each starting from a stationary context.
    public func sample(sequences: Int, length: Int, using rng: inout SeededRandom) -> [[Int]] {
        precondition(length >= order)
        let n = weights.count, v = vocabularySize
        // Cumulative stationary law for the first context.
        var cdf = [Double](), acc = 0.0
        for p in stationary { acc += p; cdf.append(acc) }
        return (0..<sequences).map { _ in
            let u = rng.uniform() * acc
            var context = cdf.firstIndex { $0 > u } ?? (n - 1)
            var seq = [Int](repeating: 0, count: length)
            var c = context
            for i in stride(from: order - 1, through: 0, by: -1) { seq[i] = c % v; c /= v }
            for i in order..<length {
                let token: Int
                if rng.uniform() < smoothing {
                    token = rng.index(v)
                } else {
                    let w = weights[context], s = supports[context % v]
                    var r = rng.uniform(), k = 0
                    while k < w.count - 1 && r >= w[k] { r -= w[k]; k += 1 }
                    token = s[k]
                }
                seq[i] = token
                context = (context * v + token) % n
            }
            return seq
        }
    }
}
