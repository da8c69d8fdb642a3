import Foundation

// # The quadratic regression model
//
// The simplified model of Agarwala, Pedregosa and Pennington (2022), "Second-order regression
// models exhibit progressive sharpening to the edge of stability", used by the SAM edge-of-stability
// paper and any paper that needs a model with progressive sharpening and an exact Hessian: D
// residuals quadratic in P parameters, z_α(θ) = −y_α + G_α·θ + ½ θᵀQ_αθ, loss ‖z‖²/(2D). Everything
// is in Double, and the Hessian is formed exactly, so λ_max comes from a dense symmetric
// eigendecomposition rather than an iterative estimate.

// excerpt: quadratic-regression-model
/// z(θ) = −y + Gθ + ½ θᵀQ_αθ, L = ‖z‖²/(2D), all in Double, with the exact Hessian.
public struct QuadraticRegressionModel: Sendable {
    /// P and D.
    public let parameters: Int, residuals: Int
    /// y (D entries), G (D × P, row-major) and Q (D × P × P, each slice Q_α symmetric).
    public var targets: [Double], linear: [Double], curvature: [Double]

    /// A random instance: y ~ N(0, targetScale²), G and the upper triangles of Q with entries N(0, 1/P).
    public init(parameters p: Int, residuals d: Int, targetScale: Double, rng: inout SeededRandom) {
        parameters = p; residuals = d
        targets = (0..<d).map { _ in targetScale * rng.normal() }
        let s = 1 / Double(p).squareRoot()
        linear = (0..<(d * p)).map { _ in s * rng.normal() }
        curvature = [Double](repeating: 0, count: d * p * p)
        for a in 0..<d {
            for i in 0..<p {
                for j in i..<p {
                    let q = s * rng.normal()
                    curvature[(a * p + i) * p + j] = q
                    curvature[(a * p + j) * p + i] = q
                }
            }
        }
    }

    /// A model from its arrays (y: D, G: D × P, Q: D × P × P with symmetric slices).
    public init(targets: [Double], linear: [Double], curvature: [Double]) {
        residuals = targets.count; parameters = linear.count / targets.count
        precondition(curvature.count == residuals * parameters * parameters)
        self.targets = targets; self.linear = linear; self.curvature = curvature
    }

    /// Residuals z and Jacobian J = G + Qθ (row-major D × P).
    public func residualsAndJacobian(_ theta: [Double]) -> (z: [Double], jacobian: [Double]) {
        let p = parameters
        var z = [Double](repeating: 0, count: residuals), jac = linear
        for a in 0..<residuals {
            var value = -targets[a]
            for i in 0..<p {
                var qt = 0.0
                let row = (a * p + i) * p
                for j in 0..<p { qt += curvature[row + j] * theta[j] }
                jac[a * p + i] += qt
                value += (linear[a * p + i] + 0.5 * qt) * theta[i]
            }
            z[a] = value
        }
        return (z, jac)
    }

    /// L(θ) = ‖z‖²/(2D).
    public func loss(_ theta: [Double]) -> Double {
        residualsAndJacobian(theta).z.reduce(0) { $0 + $1 * $1 } / Double(2 * residuals)
    }

    /// ∇L = Jᵀz / D.
    public func gradient(_ theta: [Double]) -> [Double] {
        let (z, jac) = residualsAndJacobian(theta)
        var g = [Double](repeating: 0, count: parameters)
        for a in 0..<residuals { for i in 0..<parameters { g[i] += jac[a * parameters + i] * z[a] } }
        return g.map { $0 / Double(residuals) }
    }

    /// H = (JᵀJ + Σ_α z_α Q_α) / D, exactly.
    public func hessian(_ theta: [Double]) -> Tensor<Double> {
        let p = parameters, (z, jac) = residualsAndJacobian(theta)
        var h = [Double](repeating: 0, count: p * p)
        for a in 0..<residuals {
            for i in 0..<p {
                let ji = jac[a * p + i]
                for j in 0..<p { h[i * p + j] += ji * jac[a * p + j] + z[a] * curvature[(a * p + i) * p + j] }
            }
        }
        return Tensor(shape: [p, p], data: h.map { $0 / Double(residuals) })
    }

    /// λ_max of the exact Hessian, from LAPACK's symmetric eigendecomposition.
    public func sharpness(_ theta: [Double]) throws -> Double { try symmetricEigen(hessian(theta)).values.last! }
}
// end excerpt
