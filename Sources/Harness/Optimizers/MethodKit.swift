import Foundation

// # The method kit: what a new update rule is built from
//
// Most optimizer papers change one line of Adam: a different second moment, a different
// correction, a different schedule. The kit makes that one line the whole file:
//
// - `PerTensorState`: per-tensor state slots (first and second moments, a max, a trace...),
//   allocated on first use with the update's shape, whose exact byte count is the method's
//   memory claim;
// - `update(_:index:_:)`: one elementwise pass over the update and the slots, in `SIMD16<Float>`
//   lanes (Swift does not vectorize loops over several buffer pointers on its own);
// - `BiasCorrection`: the `1 − βᵗ` factors, computed in Double and rounded once as torch does;
// - `LearningRate` schedules: cosine, linear decay, step decay, `α/√t`, warm-up, and a table.
//
// AdaMax (`ScaleByAdaMax` below) is the worked example: about twenty lines.

/// Per-tensor optimizer state: `slots` tensors of the update's shape for every tensor of a
/// parameter group, allocated on first use and filled with `initial`.
///
/// ``bytes`` counts exactly `count × 4` per allocated slot, nothing else: the number a memory
/// claim compares.
public final class PerTensorState {
    /// State tensors per parameter tensor (2 for Adam's m and v, 4 for Adan's m, v, n and the
    /// previous gradient).
    public let slots: Int
    /// The value new state starts at.
    public let initial: Float
    /// `tensors[index][slot]`.
    public internal(set) var tensors: [[Tensor<Float>]] = []

    public init(slots: Int, initial: Float = 0) {
        precondition(slots >= 1 && slots <= 4, "PerTensorState holds one to four slots per tensor")
        self.slots = slots
        self.initial = initial
    }

    /// Allocates the state of tensor `index` with `shape` unless it exists.
    public func ensure(_ index: Int, shape: [Int]) {
        while tensors.count <= index { tensors.append([]) }
        if tensors[index].isEmpty {
            tensors[index] = (0..<slots).map { _ in Tensor(shape: shape, repeating: initial) }
        }
    }

    /// The state tensors of tensor `index` (empty before its first update).
    public subscript(index: Int) -> [Tensor<Float>] { index < tensors.count ? tensors[index] : [] }

    /// Bytes held: `count × 4` per allocated state tensor.
    public var bytes: Int { tensors.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count * MemoryLayout<Float>.size } } }

    /// One elementwise pass over the update `u` and the single slot of tensor `index`, in
    /// `SIMD16<Float>` lanes (a zero-padded vector for the tail, whose extra lanes are dropped).
    @inlinable
    public func update(_ u: inout Tensor<Float>, index: Int,
                       _ body: (_ u: inout SIMD16<Float>, _ s0: inout SIMD16<Float>) -> Void) {
        precondition(slots == 1, "this update takes one state slot; the state has \(slots)")
        ensure(index, shape: u.shape)
        let count = u.count
        var t0 = take(index, 0)
        u.data.withUnsafeMutableBufferPointer { g in
            t0.data.withUnsafeMutableBufferPointer { s0 in
                lanes(count) { i, n in
                    var a = load(g, i, n), b = load(s0, i, n)
                    body(&a, &b)
                    store(a, g, i, n); store(b, s0, i, n)
                }
            }
        }
        put(t0, index, 0)
    }

    /// One elementwise pass over the update `u` and the two slots of tensor `index`
    /// (e.g. Adam's m and v), in `SIMD16<Float>` lanes.
    @inlinable
    public func update(_ u: inout Tensor<Float>, index: Int,
                       _ body: (_ u: inout SIMD16<Float>, _ s0: inout SIMD16<Float>, _ s1: inout SIMD16<Float>) -> Void) {
        precondition(slots == 2, "this update takes two state slots; the state has \(slots)")
        ensure(index, shape: u.shape)
        let count = u.count
        var t0 = take(index, 0), t1 = take(index, 1)
        u.data.withUnsafeMutableBufferPointer { g in
            t0.data.withUnsafeMutableBufferPointer { s0 in
                t1.data.withUnsafeMutableBufferPointer { s1 in
                    lanes(count) { i, n in
                        var a = load(g, i, n), b = load(s0, i, n), c = load(s1, i, n)
                        body(&a, &b, &c)
                        store(a, g, i, n); store(b, s0, i, n); store(c, s1, i, n)
                    }
                }
            }
        }
        put(t0, index, 0)
        put(t1, index, 1)
    }

    /// One elementwise pass over the update `u` and the three slots of tensor `index`
    /// (e.g. diffGrad's m, v and previous gradient), in `SIMD16<Float>` lanes.
    @inlinable
    public func update(_ u: inout Tensor<Float>, index: Int,
                       _ body: (_ u: inout SIMD16<Float>, _ s0: inout SIMD16<Float>, _ s1: inout SIMD16<Float>,
                                _ s2: inout SIMD16<Float>) -> Void) {
        precondition(slots == 3, "this update takes three state slots; the state has \(slots)")
        ensure(index, shape: u.shape)
        let count = u.count
        var t0 = take(index, 0), t1 = take(index, 1), t2 = take(index, 2)
        u.data.withUnsafeMutableBufferPointer { g in
            t0.data.withUnsafeMutableBufferPointer { s0 in
                t1.data.withUnsafeMutableBufferPointer { s1 in
                    t2.data.withUnsafeMutableBufferPointer { s2 in
                        lanes(count) { i, n in
                            var a = load(g, i, n), b = load(s0, i, n), c = load(s1, i, n), d = load(s2, i, n)
                            body(&a, &b, &c, &d)
                            store(a, g, i, n); store(b, s0, i, n); store(c, s1, i, n); store(d, s2, i, n)
                        }
                    }
                }
            }
        }
        put(t0, index, 0)
        put(t1, index, 1)
        put(t2, index, 2)
    }

    /// One elementwise pass over the update `u` and the four slots of tensor `index`
    /// (e.g. Adan's m, v, n and previous gradient), in `SIMD16<Float>` lanes.
    @inlinable
    public func update(_ u: inout Tensor<Float>, index: Int,
                       _ body: (_ u: inout SIMD16<Float>, _ s0: inout SIMD16<Float>, _ s1: inout SIMD16<Float>,
                                _ s2: inout SIMD16<Float>, _ s3: inout SIMD16<Float>) -> Void) {
        precondition(slots == 4, "this update takes four state slots; the state has \(slots)")
        ensure(index, shape: u.shape)
        let count = u.count
        var t0 = take(index, 0), t1 = take(index, 1), t2 = take(index, 2), t3 = take(index, 3)
        u.data.withUnsafeMutableBufferPointer { g in
            t0.data.withUnsafeMutableBufferPointer { s0 in
                t1.data.withUnsafeMutableBufferPointer { s1 in
                    t2.data.withUnsafeMutableBufferPointer { s2 in
                        t3.data.withUnsafeMutableBufferPointer { s3 in
                            lanes(count) { i, n in
                                var a = load(g, i, n), b = load(s0, i, n), c = load(s1, i, n), d = load(s2, i, n), e = load(s3, i, n)
                                body(&a, &b, &c, &d, &e)
                                store(a, g, i, n); store(b, s0, i, n); store(c, s1, i, n); store(d, s2, i, n); store(e, s3, i, n)
                            }
                        }
                    }
                }
            }
        }
        put(t0, index, 0); put(t1, index, 1); put(t2, index, 2); put(t3, index, 3)
    }

    /// Moves a state tensor out (leaving an empty one), so it is uniquely referenced while a
    /// pass mutates it in place and no access to `tensors` spans the pass.
    @usableFromInline
    func take(_ index: Int, _ slot: Int) -> Tensor<Float> {
        var out = Tensor<Float>(shape: [0], data: [])
        swap(&out, &tensors[index][slot])
        return out
    }

    @usableFromInline
    func put(_ tensor: Tensor<Float>, _ index: Int, _ slot: Int) { tensors[index][slot] = tensor }
}

/// Calls `body(start, n)` for consecutive blocks of 16 elements of `0..<count` (`n` = 16, or
/// fewer for the tail).
@inlinable
func lanes(_ count: Int, _ body: (Int, Int) -> Void) {
    var i = 0
    while i + 16 <= count { body(i, 16); i += 16 }
    if i < count { body(i, count - i) }
}

@inlinable
func load(_ p: UnsafeMutableBufferPointer<Float>, _ i: Int, _ n: Int) -> SIMD16<Float> {
    if n == 16 { return UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self) }
    var v = SIMD16<Float>(repeating: 0)
    for k in 0..<n { v[k] = p[i + k] }
    return v
}

@inlinable
func store(_ v: SIMD16<Float>, _ p: UnsafeMutableBufferPointer<Float>, _ i: Int, _ n: Int) {
    if n == 16 { UnsafeMutableRawPointer(p.baseAddress! + i).storeBytes(of: v, as: SIMD16<Float>.self); return }
    for k in 0..<n { p[i + k] = v[k] }
}

/// The bias corrections of exponential moving averages started at zero.
public enum BiasCorrection {
    /// `1 − βᵗ` at the 1-based `step`, in Double (torch computes it in Python).
    @inlinable
    public static func factor(_ beta: Double, step: Int) -> Double { 1 - pow(beta, Double(step)) }

    /// `1 / (1 − βᵗ)` rounded once to Float, the multiplier of a corrected first moment.
    @inlinable
    public static func inverse(_ beta: Double, step: Int) -> Float { Float(1 / factor(beta, step: step)) }
}

// MARK: - Schedules

extension LearningRate {
    /// `η_t = floor + (peak − floor)·(1 + cos(π (t−1)/T))/2` over `steps` = T steps (t 1-based),
    /// `floor` after. Computed in Double, rounded once.
    public static func cosine(peak: Double, steps: Int, floor: Double = 0) -> LearningRate {
        .schedule { t in
            let progress = min(Double(t - 1) / Double(max(steps, 1)), 1)
            return Float(floor + (peak - floor) * (1 + cos(Double.pi * progress)) / 2)
        }
    }

    /// `η_t = peak·(T − t + 1)/T` (the Hugging Face linear schedule without warm-up), 0 after T.
    public static func linearDecay(peak: Double, steps: Int) -> LearningRate {
        .schedule { t in Float(peak * Double(max(steps - t + 1, 0)) / Double(steps)) }
    }

    /// `η_t = α/√t`, the step size of online convex optimisation (Adam's Theorem 4.1).
    public static func inverseSquareRoot(_ alpha: Double) -> LearningRate {
        .schedule { t in Float(alpha / Double(t).squareRoot()) }
    }

    /// Step decay: `peak`, multiplied by `factor` once for each milestone passed, a milestone
    /// `m` being a fraction of the `steps` = T steps (the rate drops from step ⌊m·T⌋ + 1 on;
    /// torch's `MultiStepLR` with milestones at 50% and 75% of training by default).
    public static func stepDecay(peak: Double, steps: Int, milestones: [Double] = [0.5, 0.75], factor: Double = 0.1) -> LearningRate {
        .schedule { t in
            let drops = milestones.filter { Double(t - 1) >= ($0 * Double(steps)).rounded(.down) }.count
            return Float(peak * pow(factor, Double(drops)))
        }
    }

    /// A tabulated schedule: `peak · table[t − 1]` at step t, 0 past the table's end (a schedule
    /// computed before the run, such as one refined from a previous run's gradient norms).
    public static func tabulated(peak: Double, _ table: [Double]) -> LearningRate {
        .schedule { t in t >= 1 && t <= table.count ? Float(peak * table[t - 1]) : 0 }
    }

    /// A linear warm-up from `peak/warmup` to `peak` over the first `warmup` steps, then `after`
    /// evaluated at the step counted from the end of the warm-up.
    public static func warmup(_ warmup: Int, peak: Double, then after: LearningRate) -> LearningRate {
        .schedule { t in t <= warmup ? Float(peak * Double(t) / Double(warmup)) : after(t - warmup) }
    }
}

// MARK: - AdaMax, the worked example

// excerpt: adamax
/// AdaMax's scaling (Kingma and Ba 2015, Algorithm 2) with torch.optim.Adamax's arithmetic:
///
///     m ← m + (1 − β₁)(u − m)              (torch's lerp)
///     s ← max(β₂ s, |u| + ε)               (the exponentially weighted infinity norm u_t)
///     u ← (m / s) · 1/(1 − β₁ᵗ)
///
/// The chain's learning rate α then gives `θ ← θ − α/(1 − β₁ᵗ) · m/s`. The second moment needs
/// no bias correction: a max of decayed values is not pulled towards its zero start.
/// State: `m` and `s` per tensor (as much as Adam).
public final class ScaleByAdaMax: GradientTransformation {
    public let beta1: Double, beta2: Double, eps: Float
    public let state = PerTensorState(slots: 2)

    public init(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8) {
        (self.beta1, self.beta2, self.eps) = (beta1, beta2, eps)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let keep = Float(1 - beta1), decay = Float(beta2), eps = self.eps
        let correction = BiasCorrection.inverse(beta1, step: step)
        state.update(&u, index: index) { g, m, s in
            m = m + keep * (g - m)
            s = pointwiseMax(decay * s, g.replacing(with: -g, where: g .< 0) + eps)
            g = (m / s) * correction
        }
    }

    public var stateBytes: Int { state.bytes }
}

extension Chains {
    /// torch.optim.Adamax: `[L2 decay] → AdaMax scaling`; use with learning rate 0.002 (the paper's default).
    public static func adamax(beta1: Double = 0.9, beta2: Double = 0.999, eps: Float = 1e-8,
                              weightDecay: Float = 0) -> [GradientTransformation] {
        (weightDecay != 0 ? [AddDecayedWeights(weightDecay)] : []) + [ScaleByAdaMax(beta1: beta1, beta2: beta2, eps: eps)]
    }
}
// end excerpt
