import Foundation

// # Stochastic rounding to a quantisation grid
//
// Rounding to the nearest grid point loses every change smaller than half a step: a weight stored
// on an 8-bit grid would never move under small learning-rate updates. Stochastic rounding rounds
// up with probability equal to the distance from the grid point below (in steps), so the rounded
// value is *unbiased*, E[round(x)] = x, and small updates survive on average. Q-GaLore keeps its
// INT8 weights this way; LoQT, SLTrain and other low-precision trainers use the same rounding.

// excerpt: stochastic-rounding
/// Unbiased rounding to the grid `{k · step}`: `x` goes to `⌊x/step⌋·step` or one step above, up with
/// probability `x/step − ⌊x/step⌋`. The error is below one step, `|round(x) − x| < step`.
/// A value already on the grid is returned unchanged (its probability of going up is 0).
public enum StochasticRounding {
    /// `x / step` rounded down or up: up when `uniform < x/step − ⌊x/step⌋`, as the official
    /// Q-GaLore's `torch.where(random < probability, ceil, floor)` (`uniform` in [0, 1)).
    @inline(__always)
    public static func roundToInteger(_ x: Float, uniform: Float) -> Float {
        let below = x.rounded(.down)
        return uniform < x - below ? below + 1 : below
    }

    /// `x` rounded stochastically to a multiple of `step` with the given uniform draw.
    @inline(__always)
    public static func round(_ x: Float, step: Float, uniform: Float) -> Float {
        roundToInteger(x / step, uniform: uniform) * step
    }

    /// A uniform draw in [0, 1) with 24 random bits (every value a `Float` holds exactly).
    @inline(__always)
    public static func uniform(_ rng: inout SeededRandom) -> Float { Float(rng.next() >> 40) * 0x1p-24 }

    /// Every value of `x` rounded to a multiple of `step`, one draw of `rng` per value, in order.
    public static func round(_ x: [Float], step: Float, using rng: inout SeededRandom) -> [Float] {
        x.map { round($0, step: step, uniform: uniform(&rng)) }
    }
}
// end excerpt
