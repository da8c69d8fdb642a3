import Foundation

// # Curvature probes
//
// Sharpness claims (SAM and its variants, edge-of-stability papers) are about the top of the
// Hessian's spectrum. The tape is first order, so Hessian-vector products are central differences
// of gradients; power iteration on them gives the top eigenvalue.

// excerpt: hessian
/// Curvature of a loss at the current parameters.
public enum Hessian {
    /// The top eigenvalue of the Hessian of `loss` at the parameters' current values, by
    /// `iterations` steps of power iteration on $Hv\approx(\nabla L(w+hv)-\nabla L(w-hv))/2h$
    /// with unit $v$; returns the last Rayleigh quotient $v^\top Hv$. The parameters are left
    /// exactly as they were.
    public static func topEigenvalue(_ parameters: [Parameter], iterations: Int, h: Float,
                                     rng: inout SeededRandom, loss: () -> Float) -> Double {
        let w0 = parameters.map(\.value)
        var v = parameters.map { Tensor<Float>.randomNormal($0.value.shape, using: &rng) }
        func normalize(_ v: inout [Tensor<Float>]) {
            let norm = v.reduce(0.0) { $0 + Double($1.squaredNorm()) }.squareRoot()
            for k in v.indices { v[k].scale(by: Float(1 / max(norm, 1e-30))) }
        }
        func gradient(shift: Float) -> [Tensor<Float>] {
            for (k, p) in parameters.enumerated() {
                p.value = w0[k]
                p.value.add(v[k], scaledBy: shift)
            }
            _ = loss()
            return parameters.map(\.grad)
        }
        normalize(&v)
        var lambda = Double.nan
        for _ in 0..<iterations {
            let plus = gradient(shift: h), minus = gradient(shift: -h)
            var hv = plus
            var rayleigh = 0.0
            for k in hv.indices {
                hv[k].add(minus[k], scaledBy: -1)
                hv[k].scale(by: 1 / (2 * h))
                rayleigh += Double(hv[k].dot(v[k]))
            }
            lambda = rayleigh
            v = hv
            normalize(&v)
        }
        for (k, p) in parameters.enumerated() { p.value = w0[k] }
        return lambda
    }
}
// end excerpt
