import RealModule

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator used only to expand one 64-bit
/// seed into the 256-bit state of ``Xoshiro256StarStar``, as its authors recommend.
public struct SplitMix64 {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman and Vigna 2018), the harness's only source of randomness.
///
/// Every stream is derived from a global seed and a path of names, never from the wall clock or
/// from Swift's per-process randomized `Hasher`:
///
/// ```swift
/// var rng = SeededRandom(seed: 0, path: ["sam", "c1", "SAM rho=0.05", "rep 3"])
/// let x = rng.normal()
/// ```
///
/// so adding a paper, a claim or an arm never shifts another stream's numbers.
public struct SeededRandom: RandomNumberGenerator {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose 256-bit state is expanded from `seed` by SplitMix64.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// A generator for the stream named by `path` under the global `seed`.
    ///
    /// The path is folded into the seed with 64-bit FNV-1a over each name's UTF-8 bytes, with a
    /// separator byte between names so that `["ab", "c"]` and `["a", "bc"]` differ.
    public init(seed: UInt64, path: [String]) {
        self.init(seed: SeededRandom.derive(seed: seed, path: path))
    }

    /// The 64-bit seed of the stream `path` under `seed` (see ``init(seed:path:)``).
    public static func derive(seed: UInt64, path: [String]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for name in path {
            for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
            h = (h ^ 0xFF) &* 0x100_0000_01B3
        }
        var sm = SplitMix64(seed: h)
        return sm.next()
    }

    /// A child stream, independent of this one's future output.
    public func child(_ name: String) -> SeededRandom {
        SeededRandom(seed: s0 ^ s3, path: [name])
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = SeededRandom.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = SeededRandom.rotl(s3, 45)
        return result
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in `[low, high)`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// Uniform integer in `0..<n` (Lemire's unbiased method via the standard library).
    public mutating func index(_ n: Int) -> Int { Int.random(in: 0..<n, using: &self) }

    /// A standard normal sample (Box–Muller; one of the pair is discarded so a stream's
    /// position depends only on how many samples were drawn).
    public mutating func normal() -> Double {
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }

    /// A uniformly random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = index(i + 1)
                p.swapAt(i, j)
            }
        }
        return p
    }
}

extension Tensor {
    /// A tensor of independent normal samples with the given standard deviation.
    public static func randomNormal(_ shape: [Int], std: Double = 1, mean: Double = 0, using rng: inout SeededRandom) -> Tensor {
        let n = shape.reduce(1, *)
        var data = [Scalar]()
        data.reserveCapacity(n)
        for _ in 0..<n { data.append(Scalar(mean + std * rng.normal())) }
        return Tensor(shape: shape, data: data)
    }

    /// A tensor of independent uniform samples in `[low, high)`.
    public static func randomUniform(_ shape: [Int], low: Double, high: Double, using rng: inout SeededRandom) -> Tensor {
        let n = shape.reduce(1, *)
        var data = [Scalar]()
        data.reserveCapacity(n)
        for _ in 0..<n { data.append(Scalar(rng.uniform(low, high))) }
        return Tensor(shape: shape, data: data)
    }
}
extension SeededRandom: Sendable {}
