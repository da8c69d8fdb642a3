import Foundation

// # Group-wise n-bit quantisation with per-group scales and zero points
//
// Q-GaLore stores its projection matrices in 4 bits and its weights in 8 bits this way (the
// official `_quantize`); LoQT and SLTrain quantise weights the same way. The flattened tensor is cut
// into groups of `groupSize` consecutive values; each group keeps a scale and an integer zero point
// (asymmetric min–max quantisation), each value an unsigned `bits`-bit code.

// excerpt: group-quantizer
/// Asymmetric group-wise quantisation to `bits`-bit unsigned codes, as Q-GaLore's `_quantize`:
/// for a group with minimum `lo` and maximum `hi`, `q = 2^bits − 1` levels,
///
///     s = max(hi − lo, 1e-5) / q,   z = clamp(−round(lo / s), 0, q),
///     code = clamp(round(x / s) + z, 0, q),   x̂ = s · (code − z),
///
/// with `round` half-to-even (`torch.round`). When the group straddles zero (`lo ≤ 0 ≤ hi`, always
/// for a singular vector's entries in practice) the grid `s·(0 − z) … s·(q − z)` covers `[lo, hi]`
/// to within half a step at each end, so the round-trip error is at most `s / 2` (nearest) or below
/// `s` (stochastic). A group on one side of zero has its zero point clamped and can lose more.
/// The last group may be shorter than `groupSize` (the official code asserts it is not; we allow
/// it so that small matrices can be quantised with the paper's group size).
public struct GroupQuantizer: Sendable, Equatable {
    public let bits: Int
    public let groupSize: Int

    public init(bits: Int, groupSize: Int) {
        precondition((1...8).contains(bits) && groupSize > 0, "GroupQuantizer needs 1...8 bits and a positive group size")
        self.bits = bits
        self.groupSize = groupSize
    }

    /// `q = 2^bits − 1`, the largest code.
    public var maxCode: Int { (1 << bits) - 1 }

    /// Codes, scales and zero points of a quantised tensor.
    public struct Quantized: Sendable, Equatable {
        public var codes: [UInt8]
        public var scales: [Float]
        public var zeros: [Float]
        public let groupSize: Int
        public let bits: Int

        /// `s · (code − z)` for every value.
        public func dequantized() -> [Float] {
            var out = [Float](repeating: 0, count: codes.count)
            for i in 0..<codes.count {
                let g = i / groupSize
                out[i] = scales[g] * (Float(codes[i]) - zeros[g])
            }
            return out
        }

        /// Exact storage: codes packed `bits` to a value, plus a scale and a zero point per group at
        /// `scaleBytes` each (2 for the paper's BF16).
        public func bytes(scaleBytes: Int) -> Int {
            GroupQuantizer.bytes(count: codes.count, bits: bits, groupSize: groupSize, scaleBytes: scaleBytes)
        }
    }

    /// Bytes of `count` values quantised to `bits` bits in groups of `groupSize`, with a scale and a
    /// zero point of `scaleBytes` each per group.
    public static func bytes(count: Int, bits: Int, groupSize: Int, scaleBytes: Int) -> Int {
        (count * bits + 7) / 8 + 2 * scaleBytes * ((count + groupSize - 1) / groupSize)
    }

    /// Round-to-nearest quantisation (ties to even).
    public func quantize(_ x: [Float]) -> Quantized {
        quantize(x) { v, _ in v.rounded(.toNearestOrEven) }
    }

    /// Stochastically rounded quantisation (``StochasticRounding``), one draw per value in order:
    /// the dequantised value is unbiased inside the group's range.
    public func quantize(_ x: [Float], stochastic rng: inout SeededRandom) -> Quantized {
        let draws = (0..<x.count).map { _ in StochasticRounding.uniform(&rng) }
        return quantize(x) { v, i in StochasticRounding.roundToInteger(v, uniform: draws[i]) }
    }

    private func quantize(_ x: [Float], rounding: (Float, Int) -> Float) -> Quantized {
        let q = Float(maxCode), groups = (x.count + groupSize - 1) / groupSize
        var codes = [UInt8](repeating: 0, count: x.count)
        var scales = [Float](repeating: 0, count: groups), zeros = [Float](repeating: 0, count: groups)
        for g in 0..<groups {
            let lo = g * groupSize, hi = min(x.count, lo + groupSize)
            var minimum = x[lo], maximum = x[lo]
            for i in lo..<hi { minimum = min(minimum, x[i]); maximum = max(maximum, x[i]) }
            let s = max(maximum - minimum, 1e-5) / q
            let z = min(max(-(minimum / s).rounded(.toNearestOrEven), 0), q)
            for i in lo..<hi { codes[i] = UInt8(min(max(rounding(x[i] / s, i) + z, 0), q)) }
            scales[g] = s
            zeros[g] = z
        }
        return Quantized(codes: codes, scales: scales, zeros: zeros, groupSize: groupSize, bits: bits)
    }

    /// `x` quantised and dequantised (what a layer computing with the stored codes sees).
    public func roundTrip(_ x: [Float]) -> [Float] { quantize(x).dequantized() }
}
// end excerpt
