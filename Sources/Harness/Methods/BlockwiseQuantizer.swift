import Foundation

// # 8-bit blockwise optimizer states (Dettmers et al. 2022), as bitsandbytes stores them
//
// Used by 8-bit GaLore and, in later papers, 8-bit Adam, Q-GaLore and other quantised-state
// methods.

// excerpt: quantized-adam
/// bitsandbytes' dynamic quantisation map (`create_dynamic_map`, 8 bits, 7 exponent bits):
/// 256 sorted values in [−1, 1] (signed) or [0, 1] (unsigned) spaced roughly logarithmically, so
/// values of very different magnitudes inside one block keep a few significant bits each.
public enum DynamicQuantizationMap {
    public static func make(signed: Bool) -> [Float] {
        let exponentBits = 7, nonSignBits = 7
        var data: [Float] = []
        for i in 0..<exponentBits {
            let items = signed ? (1 << (i + nonSignBits - exponentBits)) + 1 : (1 << (i + nonSignBits - exponentBits + 1)) + 1
            // torch.linspace(0.1, 1, items) in float32, then midpoints, then × 10^(i − 6).
            let boundaries = (0..<items).map { k -> Float in
                k == items - 1 ? 1 : Float(0.1 + Double(k) * (0.9 / Double(items - 1)))
            }
            let magnitude = Float(pow(10.0, Double(i - (exponentBits - 1))))
            for k in 0..<(items - 1) {
                let mean = (boundaries[k] + boundaries[k + 1]) / 2
                data.append(magnitude * mean)
                if signed { data.append(-magnitude * mean) }
            }
        }
        data.append(0)
        data.append(1)
        data += Array(repeating: 0, count: 256 - data.count)
        return data.sorted()
    }
}

/// Adam's scaling with its moments stored in 8 bits, blockwise (Dettmers et al. 2022, as used by
/// 8-bit GaLore): the flattened moment is cut into blocks of `blockSize`; each block keeps its
/// absolute maximum in fp32 and each value the byte index of the nearest entry of the dynamic map
/// of `value / absmax`. A step dequantises a block, runs torch's Adam arithmetic in fp32,
/// and requantises with the block's new absmax.
/// State: one byte per moment value and one fp32 absmax per block, for `m` and for `v`.
public final class ScaleByAdam8bit: GradientTransformation {
    public let beta1: Double, beta2: Double
    public let eps: Float
    public let blockSize: Int
    /// The signed map for `m` and the unsigned map for `v` (constants, not state).
    public let signedMap: [Float], unsignedMap: [Float]
    /// bitsandbytes' CPU lookup tables for the two maps, when codes are chosen as its CPU kernel
    /// chooses them (`reproduce trace` against the goldens); nil: the nearest map entry.
    public let tables: (signed: QuantizationLookupTable, unsigned: QuantizationLookupTable)?

    final class Codes {
        var m: [UInt8], v: [UInt8]
        var mScale: [Float], vScale: [Float]
        init(count: Int, blocks: Int, zeroM: UInt8, zeroV: UInt8) {
            m = Array(repeating: zeroM, count: count); v = Array(repeating: zeroV, count: count)
            mScale = Array(repeating: 0, count: blocks); vScale = Array(repeating: 0, count: blocks)
        }
        var bytes: Int { m.count + v.count + (mScale.count + vScale.count) * MemoryLayout<Float>.size }
    }
    private var codes: [Codes?] = []
    private var scratch: [Float]

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8, blockSize: Int = 256, cpuLookupTable: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.blockSize = blockSize
        signedMap = DynamicQuantizationMap.make(signed: true)
        unsignedMap = DynamicQuantizationMap.make(signed: false)
        tables = cpuLookupTable ? (QuantizationLookupTable(map: signedMap), QuantizationLookupTable(map: unsignedMap)) : nil
        scratch = Array(repeating: 0, count: 2 * blockSize)
    }

    /// The index of the map entry nearest to `x` (the map is sorted; ties go to the lower entry).
    @inline(__always)
    static func nearest(_ x: Float, in map: UnsafeBufferPointer<Float>) -> UInt8 {
        var lo = 0, hi = map.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) >> 1
            if map[mid] <= x { lo = mid } else { hi = mid }
        }
        return UInt8(x - map[lo] <= map[hi] - x ? lo : hi)
    }

    /// The dequantised moments of tensor `index` (for tests and reports).
    public func moments(_ index: Int) -> (m: [Float], v: [Float])? {
        guard index < codes.count, let c = codes[index] else { return nil }
        var m = [Float](), v = [Float]()
        for i in 0..<c.m.count {
            m.append(signedMap[Int(c.m[i])] * c.mScale[i / blockSize])
            v.append(unsignedMap[Int(c.v[i])] * c.vScale[i / blockSize])
        }
        return (m, v)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let n = u.count, blocks = (n + blockSize - 1) / blockSize
        if index >= codes.count { codes.append(contentsOf: repeatElement(nil, count: index + 1 - codes.count)) }
        if codes[index] == nil {
            codes[index] = Codes(count: n, blocks: blocks, zeroM: UInt8(signedMap.firstIndex(of: 0)!), zeroV: 0)
        }
        let c = codes[index]!
        let bc1 = 1 - pow(beta1, Double(step)), bc2 = 1 - pow(beta2, Double(step))
        let c1 = Float(1 - beta1), b2 = Float(beta2), c2 = Float(1 - beta2)
        let isb = Float(1 / bc2.squareRoot()), ib = Float(1 / bc1), eps = self.eps, size = blockSize
        signedMap.withUnsafeBufferPointer { sm in
            unsignedMap.withUnsafeBufferPointer { um in
                scratch.withUnsafeMutableBufferPointer { s in
                    u.data.withUnsafeMutableBufferPointer { g in
                        for b in 0..<blocks {
                            let lo = b * size, hi = min(n, lo + size)
                            var mMax: Float = 0, vMax: Float = 0
                            let ms = c.mScale[b], vs = c.vScale[b]
                            for i in lo..<hi {
                                var m = sm[Int(c.m[i])] * ms, v = um[Int(c.v[i])] * vs
                                m = m + c1 * (g[i] - m)
                                v = b2 * v + c2 * (g[i] * g[i])
                                s[i - lo] = m; s[size + i - lo] = v
                                mMax = max(mMax, abs(m)); vMax = max(vMax, v)
                                g[i] = (m / (v.squareRoot() * isb + eps)) * ib
                            }
                            c.mScale[b] = mMax; c.vScale[b] = vMax
                            let mInv: Float = mMax > 0 ? 1 / mMax : 0, vInv: Float = vMax > 0 ? 1 / vMax : 0
                            if let tables {
                                for i in lo..<hi {
                                    c.m[i] = mMax > 0 ? tables.signed.code(s[i - lo] * mInv) : 0
                                    c.v[i] = vMax > 0 ? tables.unsigned.code(s[size + i - lo] * vInv) : 0
                                }
                                continue
                            }
                            for i in lo..<hi {
                                c.m[i] = Self.nearest(s[i - lo] * mInv, in: sm)
                                c.v[i] = Self.nearest(s[size + i - lo] * vInv, in: um)
                            }
                        }
                    }
                }
            }
        }
    }

    public var stateBytes: Int { codes.reduce(0) { $0 + ($1?.bytes ?? 0) } }

    /// The stored state of tensor `index` as bitsandbytes keeps it (`state1`, `state2`, `absmax1`,
    /// `absmax2`): the byte codes of `m` and `v` and each block's absolute maximum.
    public func quantizedState(_ index: Int) -> (m: [UInt8], v: [UInt8], mAbsmax: [Float], vAbsmax: [Float])? {
        guard index < codes.count, let c = codes[index] else { return nil }
        return (c.m, c.v, c.mScale, c.vScale)
    }
}
// end excerpt

// MARK: - bitsandbytes' CPU rounding, one quantised state tensor, the linear map

/// How bitsandbytes' CPU kernel (`quantize_cpu`, the goldens' reference) picks a code: [−1, 1] is
/// cut into 65536 bins, bin `k` holding the first map entry whose upper midpoint is not below the
/// bin's value −1 + 2k/65535, and a value goes to bin ⌊(x + 1)·½·65535 + ½⌋. This is the nearest
/// entry except within about 3e-5 of a midpoint, and below ~1.5e-5 of the block maximum, where the
/// bins are coarser than the dynamic map: there the codes differ from ``ScaleByAdam8bit/nearest``.
public struct QuantizationLookupTable: Sendable {
    public let codes: [UInt8]

    public init(map: [Float]) {
        let midpoints = zip(map, map.dropFirst()).map { 0.5 * ($0 + $1) }
        var codes = [UInt8](repeating: 0, count: 65536), index = 0
        for k in 0..<65536 {
            let value: Float = -1 + (2 * Float(k)) / 65535
            while index < midpoints.count && midpoints[index] < value { index += 1 }
            codes[k] = UInt8(index)
        }
        self.codes = codes
    }

    /// The code of a normalised value (clamped to [−1, 1]), in the kernel's Float32 arithmetic.
    @inline(__always)
    public func code(_ x: Float) -> UInt8 {
        let v = min(max(x, -1), 1)
        return codes[Int((v + 1) * 0.5 * 65535 + 0.5)]
    }
}

extension DynamicQuantizationMap {
    /// bitsandbytes' `create_linear_map(signed, total_bits: 8)`: 256 evenly spaced values over
    /// [0, 1] (unsigned), or 255 over [−1, 1] with 0 in the middle plus a second 0 (signed). The
    /// linear baseline of the paper's ablation.
    public static func linear(signed: Bool) -> [Float] {
        guard signed else { return (0..<256).map { Float(Double($0) / 255) } }
        return ((0..<255).map { Float(-1 + 2 * Double($0) / 254) } + [0]).sorted()
    }
}

/// A flat fp32 tensor stored as bitsandbytes' `quantize_blockwise` stores it: cut into blocks
/// of `blockSize` values (the last one may be shorter), each keeping its absolute maximum in fp32
/// and each value the index of the map entry nearest to `value / absmax`. A `blockSize` equal to
/// the tensor's length is whole-tensor (one-scale) quantisation.
public struct BlockwiseQuantized: Sendable {
    public private(set) var codes: [UInt8]
    public private(set) var absmax: [Float]
    public let blockSize: Int

    /// All-zero storage of `count` values: every code is the map's 0 entry, every absmax 0.
    public init(zeros count: Int, map: [Float], blockSize: Int) {
        precondition(blockSize > 0 && map.count == 256)
        self.blockSize = blockSize
        codes = Array(repeating: UInt8(map.firstIndex(of: 0)!), count: count)
        absmax = Array(repeating: 0, count: (count + blockSize - 1) / blockSize)
    }

    /// The quantisation of `values`.
    public init(_ values: [Float], map: [Float], blockSize: Int) {
        self.init(zeros: values.count, map: map, blockSize: blockSize)
        var values = values
        for b in absmax.indices {
            let lo = b * blockSize, hi = min(values.count, lo + blockSize)
            values.withUnsafeMutableBufferPointer { v in
                update(block: b, map: map) { s in for i in lo..<hi { s[i - lo] = v[i] } }
            }
        }
    }

    /// Bytes stored: one per value, four per block.
    public var bytes: Int { codes.count + absmax.count * MemoryLayout<Float>.size }

    /// The dequantised values.
    public func values(map: [Float]) -> [Float] {
        codes.indices.map { map[Int(codes[$0])] * absmax[$0 / blockSize] }
    }

    /// The paper's update order for block `b`: dequantise it into fp32, let `body` update the
    /// values in place, requantise them against the block's new absolute maximum (with the
    /// CPU kernel's `table` when given, the nearest entry otherwise).
    public mutating func update(block b: Int, map: [Float], table: QuantizationLookupTable? = nil,
                                _ body: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let lo = b * blockSize, hi = min(codes.count, lo + blockSize), scale = absmax[b]
        var block = [Float](repeating: 0, count: hi - lo)
        map.withUnsafeBufferPointer { m in
            block.withUnsafeMutableBufferPointer { s in
                for i in lo..<hi { s[i - lo] = m[Int(codes[i])] * scale }
                body(s)
                var top: Float = 0
                for x in s { top = max(top, abs(x)) }
                absmax[b] = top
                let inverse: Float = top > 0 ? 1 / top : 0
                if let table {
                    for i in lo..<hi { codes[i] = top > 0 ? table.code(s[i - lo] * inverse) : 0 }
                } else {
                    for i in lo..<hi { codes[i] = ScaleByAdam8bit.nearest(s[i - lo] * inverse, in: m) }
                }
            }
        }
    }
}

