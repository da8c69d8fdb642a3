/// # `erf` on 16 floats at a time, bit-identical to the C library's `erff`
///
/// GELU calls `erf` once per element, and the C library's `erff` (one call, one branchy scalar
/// evaluation per element) was the largest non-BLAS cost of a transformer training step. The
/// project's libm (glibc's `erff`, the single-precision port of Sun's fdlibm) evaluates, for
/// `|x| < 1.25`, a rational function in plain single-precision arithmetic, each operation rounded
/// on its own (no fused multiply-add):
///
///     |x| < 0.84375:          erf(x) = x + x · P(x²) / Q(x²)
///     0.84375 ≤ |x| < 1.25:   erf(x) = ± (c + P₁(s) / Q₁(s)),  s = |x| - 1,  c = 0.84506291151
///
/// Done in `SIMD16<Float>` lanes with the same constants and the same operations in the same
/// order, that gives the same bits; every lane outside `2⁻²⁸ ≤ |x| < 1.25` (tiny, large, NaN,
/// where the library switches to other formulas and `expf`) takes the scalar library call. A test
/// compares the two over a dense sample of all floats; `ErfLanes.matchesLibrary` lets a caller
/// check the platform once and keep the library path where it differs.

import RealModule

enum ErfLanes {
    // The rational approximation on [0, 0.84375).
    static let pp: (Float, Float, Float, Float, Float) = (
        Float(bitPattern: 0x3e03_75d4), Float(bitPattern: 0xbea6_6beb), Float(bitPattern: 0xbce9_528f),
        Float(bitPattern: 0xbbbd_1489), Float(bitPattern: 0xb7c7_56b1))
    static let qq: (Float, Float, Float, Float, Float) = (
        Float(bitPattern: 0x3ecb_bbce), Float(bitPattern: 0x3d85_2a63), Float(bitPattern: 0x3ba6_8116),
        Float(bitPattern: 0x390a_ee49), Float(bitPattern: 0xb684_e21a))
    // The rational approximation of erf(x) - c on [0.84375, 1.25), in s = |x| - 1.
    static let c = Float(bitPattern: 0x3f58_560b)
    static let pa: (Float, Float, Float, Float, Float, Float, Float) = (
        Float(bitPattern: 0xbb1a_cdc6), Float(bitPattern: 0x3ed4_6805), Float(bitPattern: 0xbebe_9208),
        Float(bitPattern: 0x3ea2_fe54), Float(bitPattern: 0xbde3_1cc2), Float(bitPattern: 0x3d11_51b3),
        Float(bitPattern: 0xbb0d_f9c0))
    static let qa: (Float, Float, Float, Float, Float, Float) = (
        Float(bitPattern: 0x3dd9_f331), Float(bitPattern: 0x3f0a_5785), Float(bitPattern: 0x3d93_1ae7),
        Float(bitPattern: 0x3e01_3307), Float(bitPattern: 0x3c5f_6e13), Float(bitPattern: 0x3c44_5aa3))
    static let smallest = Float(bitPattern: 0x3180_0000)   // 2⁻²⁸
    static let split = Float(bitPattern: 0x3f58_0000)      // 0.84375
    static let largest = Float(bitPattern: 0x3fa0_0000)    // 1.25

    /// One Horner step, `a + t · inner`, rounded twice (no fused multiply-add), as the library does.
    @inline(__always)
    static func step(_ a: Float, _ t: SIMD16<Float>, _ inner: SIMD16<Float>) -> SIMD16<Float> {
        a + t * inner
    }

    /// `where ? a : b` lane by lane, as bit operations (the generic `replace(with:where:)` goes
    /// lane by lane through the stack).
    @inline(__always)
    static func select(_ where: SIMDMask<SIMD16<Int32>>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        let m = unsafeBitCast(`where`, to: SIMD16<Int32>.self)
        let ai = unsafeBitCast(a, to: SIMD16<Int32>.self), bi = unsafeBitCast(b, to: SIMD16<Int32>.self)
        return unsafeBitCast((ai & m) | (bi & ~m), to: SIMD16<Float>.self)
    }

    /// `erf` of each lane, as the library computes it.
    @inline(__always)
    static func erf(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let ax = unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: SIMD16<Float>.self)
        // |x| < 0.84375
        let z = x * x
        let r = step(pp.0, z, step(pp.1, z, step(pp.2, z, step(pp.3, z, SIMD16(repeating: pp.4)))))
        let s = step(1, z, step(qq.0, z, step(qq.1, z, step(qq.2, z, step(qq.3, z, SIMD16(repeating: qq.4))))))
        var result = x + x * (r / s)
        // 0.84375 ≤ |x| < 1.25, only when some lane needs it
        let middle = ax .>= split
        if unsafeBitCast(middle, to: SIMD16<Int32>.self).min() != 0 {   // a lane is true (-1; false is 0)
            let t = ax - 1
            let p = step(pa.0, t, step(pa.1, t, step(pa.2, t, step(pa.3, t, step(pa.4, t, step(pa.5, t, SIMD16(repeating: pa.6)))))))
            let q = step(1, t, step(qa.0, t, step(qa.1, t, step(qa.2, t, step(qa.3, t, step(qa.4, t, SIMD16(repeating: qa.5)))))))
            let ratio = p / q
            result = select(middle .& (x .> 0), c + ratio, result)
            result = select(middle .& (x .< 0), -c - ratio, result)
        }
        let covered = (ax .>= smallest) .& (ax .< largest)
        if unsafeBitCast(covered, to: SIMD16<Int32>.self).max() == 0 {   // a lane is false (0; true is -1)
            for lane in 0..<16 where !covered[lane] { result[lane] = Float.erf(x[lane]) }
        }
        return result
    }

    /// `output[i] = 1 + erf(input[i] · scale)` for `i` in `range`, bit-identical to the scalar
    /// `1 + Float.erf(input[i] * scale)`.
    static func onePlusErf(_ input: UnsafePointer<Float>, scale: Float, into output: UnsafeMutablePointer<Float>,
                           range: Range<Int>) {
        var i = range.lowerBound
        while i + 16 <= range.upperBound {
            let x = UnsafeRawPointer(input + i).loadUnaligned(as: SIMD16<Float>.self) * scale
            UnsafeMutableRawPointer(output + i).storeBytes(of: 1 + erf(x), as: SIMD16<Float>.self)
            i += 16
        }
        while i < range.upperBound {
            output[i] = 1 + Float.erf(input[i] * scale)
            i += 1
        }
    }

    /// Whether the lanes give the library's bits on this platform, checked once on a sample of
    /// every branch (another libm, such as a correctly rounded one, may differ).
    static let matchesLibrary: Bool = {
        var values = [Float]()
        var bits: UInt32 = 0x3000_0000
        while bits < 0x3fb0_0000 { values.append(Float(bitPattern: bits)); values.append(-Float(bitPattern: bits)); bits &+= 4093 }
        while values.count % 16 != 0 { values.append(0.5) }
        return values.withUnsafeBufferPointer { v in
            stride(from: 0, to: v.count, by: 16).allSatisfy { start in
                let e = erf(SIMD16<Float>(v[start..<(start + 16)]))
                return (0..<16).allSatisfy { e[$0].bitPattern == Float.erf(v[start + $0]).bitPattern }
            }
        }
    }()
}
