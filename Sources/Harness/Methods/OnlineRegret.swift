import Foundation

// # Online convex optimisation: regret runners
//
// Regret bounds (Adam's Theorem 4.1, AMSGrad's correction, AdaGrad's analysis) are statements
// about `R(T) = Σ_t f_t(x_t) − min_x Σ_t f_t(x)` as T grows. The runners below play an optimizer
// (any harness `ChainedOptimizer` with a projection onto a box) against a sequence of convex
// losses and return the regret at log-spaced checkpoints; `regretRate` fits the exponent of
// `R(T) ∝ T^s` with its interval, the number a rate claim is judged on.

/// Regret of one online run at its checkpoints.
public struct RegretCurve: Sendable {
    /// The rounds at which the regret was read.
    public var rounds: [Int]
    public var regret: [Double]
    /// The last iterate.
    public var finalPoint: [Double]
}

public enum OnlineRegret {
    /// About 40 log-spaced checkpoints from 10 to `rounds`.
    public static func checkpoints(_ rounds: Int) -> [Int] {
        var out = [Int]()
        let count = 40
        for k in 0...count {
            let t = Int((10 * pow(Double(rounds) / 10, Double(k) / Double(count))).rounded())
            if out.last != t { out.append(t) }
        }
        return out
    }

    /// The exponent s of `R(T) ∝ T^s`: the least-squares slope of `log R` against `log T` over
    /// `T ≥ rounds/100` (R floored at 1e-12), with its 95% t interval (n − 2 degrees of freedom).
    /// The interval treats the checkpoints as independent, which a cumulative sum is not: it
    /// measures the fit's curvature more than noise, so rules should leave a margin.
    public static func regretRate(_ curve: RegretCurve) -> Interval {
        let last = curve.rounds.last ?? 0
        let kept = zip(curve.rounds, curve.regret).filter { $0.0 * 100 >= last }
        let fit = Statistics.lineFit(x: kept.map { log(Double($0.0)) }, y: kept.map { log(max($0.1, 1e-12)) })
        let t = Statistics.tQuantile975(degreesOfFreedom: max(fit.count - 2, 1))
        let half = fit.slopeStandardError.isFinite ? t * fit.slopeStandardError : 0
        return Interval(mean: fit.slope, low: fit.slope - half, high: fit.slope + half, count: fit.count)
    }

    /// Online least squares `f_t(x) = ½(a_tᵀx − b_t)²`, `a_t ~ N(0, I_d)`, `b_t = a_tᵀx⋆ + 0.5·ξ_t`,
    /// `x⋆` uniform in `[−1, 1]^d`, domain `[−2, 2]^d`, `x₁ = 0`. The comparator is the
    /// least-squares fit in hindsight (inside the domain here; checked).
    public static func leastSquares(rounds: Int, dimension d: Int, optimizer make: ([Parameter]) -> ChainedOptimizer,
                                    rng: SeededRandom) throws -> RegretCurve {
        var r = rng
        let target = (0..<d).map { _ in r.uniform(-1, 1) }
        let x = Parameter("x", .zeros([d]))
        let optimizer = make([x])
        var gram = Tensor<Double>.zeros([d, d]), moment = Tensor<Double>.zeros([d, 1])
        var bSquared = 0.0, cumulative = 0.0
        let marks = checkpoints(rounds)
        var next = 0
        var regrets = [Double]()
        var a = [Double](repeating: 0, count: d)
        for t in 1...rounds {
            for i in 0..<d { a[i] = r.normal() }
            let b = zip(a, target).map { $0 * $1 }.reduce(0, +) + 0.5 * r.normal()
            var residual = -b
            for i in 0..<d { residual += a[i] * Double(x.value.data[i]) }
            cumulative += 0.5 * residual * residual
            for i in 0..<d { x.grad.data[i] = Float(residual * a[i]) }
            optimizer.applyGradients()
            for i in 0..<d { x.value.data[i] = min(max(x.value.data[i], -2), 2) }
            for i in 0..<d {
                for j in 0..<d { gram.data[i * d + j] += a[i] * a[j] }
                moment.data[i] += a[i] * b
            }
            bSquared += b * b
            if next < marks.count && t == marks[next] {
                let best = try choleskySolve(gram, moment)
                var minimum = 0.5 * (bSquared - zip(best.data, moment.data).map { $0 * $1 }.reduce(0, +))
                if !best.data.allSatisfy({ abs($0) <= 2 }) {
                    // Early on (t near d) the unconstrained fit can leave the domain; the comparator
                    // is then the best point of the box, ½(Σb² − 2mᵀx + xᵀGx) at the box minimiser.
                    let x = boxMinimizer(gram, moment, bound: 2)
                    var quadratic = 0.0
                    for i in 0..<d { for j in 0..<d { quadratic += x[i] * gram.data[i * d + j] * x[j] } }
                    minimum = 0.5 * (bSquared - 2 * zip(x, moment.data).map { $0 * $1 }.reduce(0, +) + quadratic)
                }
                regrets.append(cumulative - minimum)
                next += 1
            }
        }
        return RegretCurve(rounds: marks, regret: regrets, finalPoint: x.value.data.map(Double.init))
    }

    /// The minimiser of `½xᵀGx − mᵀx` over the box `[−bound, bound]^d` (G positive definite), by
    /// cyclic coordinate descent with exact clamped coordinate steps until no coordinate moves by
    /// more than 1e-13 (at most 10,000 sweeps).
    static func boxMinimizer(_ gram: Tensor<Double>, _ moment: Tensor<Double>, bound: Double) -> [Double] {
        let d = moment.count
        var x = [Double](repeating: 0, count: d)
        for _ in 0..<10_000 {
            var moved = 0.0
            for i in 0..<d {
                var rest = moment.data[i]
                for j in 0..<d where j != i { rest -= gram.data[i * d + j] * x[j] }
                let next = min(max(rest / gram.data[i * d + i], -bound), bound)
                moved = max(moved, abs(next - x[i]))
                x[i] = next
            }
            if moved <= 1e-13 { break }
        }
        return x
    }

    /// The counterexample of Reddi, Kale and Kumar (2018, Theorem 1): `f_t(x) = C·x` when
    /// `t mod 3 = 1`, `−x` otherwise, on `[−1, 1]`, `x₁ = 0`. The best fixed point is `x = −1`
    /// (the mean gradient `(C − 2)/3` is positive). Adam with `β₁ = 0`, `β₂ = 1/(1 + C²)`
    /// drifts to `x = +1` and pays linear regret.
    public static func reddiCounterexample(rounds: Int, c: Double, optimizer make: ([Parameter]) -> ChainedOptimizer) -> RegretCurve {
        let x = Parameter("x", .zeros([1]))
        let optimizer = make([x])
        let marks = checkpoints(rounds)
        var next = 0, regret = 0.0
        var regrets = [Double]()
        for t in 1...rounds {
            let gradient = t % 3 == 1 ? c : -1
            regret += gradient * (Double(x.value.data[0]) - (-1))   // f_t(x_t) − f_t(−1)
            x.grad.data[0] = Float(gradient)
            optimizer.applyGradients()
            x.value.data[0] = min(max(x.value.data[0], -1), 1)
            if next < marks.count && t == marks[next] {
                regrets.append(regret)
                next += 1
            }
        }
        return RegretCurve(rounds: marks, regret: regrets, finalPoint: [Double(x.value.data[0])])
    }
}
