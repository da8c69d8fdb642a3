import Foundation

// # 4-bit NormalFloat (NF4) block-wise quantisation (Dettmers et al. 2023, QLoRA), as bitsandbytes
//
// LoQT stores its full-rank weights and its projection matrices this way (`bnb.functional.
// quantize_4bit(quant_type="nf4")`); QLoRA-style baselines need the same storage. The flattened
// tensor is cut into blocks of `blockSize` (bitsandbytes' default 64); each block keeps its absolute
// maximum and each value the 4-bit index of the NF4 level nearest to `value / absmax`.

// excerpt: normal-float
/// bitsandbytes' NF4 levels (`get_4bit_type("nf4")`): quantiles of N(0, 1) rescaled to [−1, 1],
/// asymmetric so that 0 is exact (7 negative levels, 8 positive). Spaced for normally distributed
/// weights, they are dense near 0 and sparse in the tails.
public enum NormalFloat4 {
    public static let levels: [Float] = [
        -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
        -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
        0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
        0.7229568362236023, 1.0,
    ]
    /// The index of the zero level.
    public static let zeroCode: UInt8 = 7
    /// Decision thresholds: the midpoints of adjacent levels (bitsandbytes' `dQuantizeNF4` tree).
    public static let thresholds: [Float] = zip(levels, levels.dropFirst()).map { 0.5 * ($0 + $1) }

    /// The code of a normalised value `x ∈ [−1, 1]`: the nearest level, a tie going to the lower
    /// one (the kernel's tests are strict `x > threshold`).
    @inline(__always)
    public static func code(_ x: Float) -> UInt8 {
        var code: UInt8 = 0
        for t in thresholds where x > t { code += 1 }
        return code
    }

    /// Half the widest gap between levels, (1 − 0.6961928) / 2: the largest round-trip error of a
    /// value in a block, as a fraction of the block's absmax.
    public static let maximumRelativeError: Float = zip(levels, levels.dropFirst()).map { ($1 - $0) / 2 }.max()!
}

/// Block-wise NF4 quantisation as bitsandbytes' `quantize_4bit`: blocks of `blockSize`
/// consecutive values of the flattened tensor, an fp32 absmax per block, a 4-bit code per value.
public struct NormalFloatQuantizer: Sendable, Equatable {
    public let blockSize: Int

    public init(blockSize: Int = 64) {
        precondition(blockSize > 0, "NormalFloatQuantizer needs a positive block size")
        self.blockSize = blockSize
    }

    /// Codes (one per value, 0…15, packed two to a byte in storage) and each block's absmax.
    public struct Quantized: Sendable, Equatable {
        public var codes: [UInt8]
        public var absmax: [Float]
        public let blockSize: Int

        /// `level[code] · absmax` for every value.
        public func dequantized() -> [Float] {
            var out = [Float](repeating: 0, count: codes.count)
            for i in codes.indices { out[i] = NormalFloat4.levels[Int(codes[i])] * absmax[i / blockSize] }
            return out
        }

        /// Exact storage of these codes (``NormalFloatQuantizer/bytes(count:blockSize:doubleQuantization:)``).
        public func bytes(doubleQuantization: Bool = false) -> Int {
            NormalFloatQuantizer.bytes(count: codes.count, blockSize: blockSize, doubleQuantization: doubleQuantization)
        }
    }

    /// Bytes of `count` NF4 values: half a byte each (rounded up), plus per block an fp32 absmax,
    /// or with bitsandbytes' double quantisation (`compress_statistics`) a one-byte code of the
    /// absmax (8-bit blockwise, blocks of 256 absmaxes, each with an fp32 scale) and one fp32 offset
    /// per tensor. The 16-entry level table and the 256-entry map are constants, not counted.
    public static func bytes(count: Int, blockSize: Int = 64, doubleQuantization: Bool = false) -> Int {
        let blocks = (count + blockSize - 1) / blockSize
        let statistics = doubleQuantization ? blocks + 4 * ((blocks + 255) / 256) + 4 : 4 * blocks
        return (count + 1) / 2 + statistics
    }

    /// Round-to-nearest NF4 quantisation; an all-zero block gets absmax 0 and the zero code.
    public func quantize(_ x: [Float]) -> Quantized {
        let blocks = (x.count + blockSize - 1) / blockSize
        var codes = [UInt8](repeating: NormalFloat4.zeroCode, count: x.count)
        var absmax = [Float](repeating: 0, count: blocks)
        for b in 0..<blocks {
            let lo = b * blockSize, hi = min(x.count, lo + blockSize)
            var top: Float = 0
            for i in lo..<hi { top = max(top, abs(x[i])) }
            absmax[b] = top
            guard top > 0 else { continue }
            let inverse = 1 / top
            for i in lo..<hi { codes[i] = NormalFloat4.code(x[i] * inverse) }
        }
        return Quantized(codes: codes, absmax: absmax, blockSize: blockSize)
    }

    /// `x` quantised and dequantised: what a layer computing with the stored codes sees.
    public func roundTrip(_ x: [Float]) -> [Float] { quantize(x).dequantized() }
}
// end excerpt
