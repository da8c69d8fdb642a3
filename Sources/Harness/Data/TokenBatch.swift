// # Next-token data
//
// Batches of a token source laid out for a causal language model: the data side of every
// language-model experiment (the pretrain-then-adapt fixture, the standard Markov task).

/// One batch of next-token data: `sequences` rows of `length` input tokens laid end to end, and
/// the token that follows each.
public struct TokenBatch: Sendable, Equatable {
    public var tokens: [Int]
    public var targets: [Int]
    public var sequences: Int

    public init(tokens: [Int], targets: [Int], sequences: Int) {
        self.tokens = tokens
        self.targets = targets
        self.sequences = sequences
    }
}

extension MarkovTokenSource {
    /// `sequences` fresh sequences of `length + 1` tokens split into inputs and next-token
    /// targets (position `i`'s target is token `i + 1`).
    public func batch(sequences: Int, length: Int, using rng: inout SeededRandom) -> TokenBatch {
        var tokens = [Int](), targets = [Int]()
        tokens.reserveCapacity(sequences * length)
        targets.reserveCapacity(sequences * length)
        for s in sample(sequences: sequences, length: length + 1, using: &rng) {
            tokens.append(contentsOf: s[0..<length])
            targets.append(contentsOf: s[1...length])
        }
        return TokenBatch(tokens: tokens, targets: targets, sequences: sequences)
    }
}
