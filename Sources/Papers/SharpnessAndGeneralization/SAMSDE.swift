import Foundation
import Harness

// # An SDE for Modeling SAM: Theory and Insights
//
// Enea Monzio Compagnoni, Luca Biggio, Antonio Orvieto, Frank Norbert Proske, Hans Kersting and
// Aurelien Lucchi (ICML 2023, arXiv 2301.08203). No official code.
//
// **The paper in plain words.** Stochastic differential equations model SGD in continuous time
// (Li, Tai and E 2017): the discrete iterates and the SDE's solution have expectations of any
// smooth test function that differ by O(η) over a fixed time horizon ("weak order 1"). The paper
// derives such SDEs for SAM and its unnormalised variant USAM, full- and mini-batch, and proves
// they are weak order-1 approximations (c1). Their drift is the gradient of an implicitly
// regularised loss, f + (ρ/2)E‖∇f_γ‖² for USAM and f + ρE‖∇f_γ‖ for SAM, and their noise is
// shaped by the Hessian, which the paper uses to explain SAM's preference for flat minima (c2);
// the same drift (I + ρH)∇f flips sign along a direction of negative curvature λ < 0 once ρ|λ| > 1,
// so SAM can be attracted to saddle points (c3).
//
// All of it is checked numerically in Double on the small problems the statements cover: a 2-D
// quartic with additive Gaussian gradient noise for the weak error, a 1-D double well with a sharp
// and a flat minimum of equal depth, and the saddle x² − y² + y⁴/4. The discrete algorithms and
// the SDEs are driven by the same Brownian path (the discrete step's noise is the sum of the SDE's
// Brownian increments over that step), so the Monte Carlo error of their difference is small.

/// Compagnoni et al. (2023): SDE models of SAM and USAM.
public struct SAMSDEPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sam-sde", title: "An SDE for Modeling SAM: Theory and Insights",
            method: "SDE models of SAM", family: "SharpnessAndGeneralization", arxiv: "2301.08203", code: nil,
            summary: #"""
            The paper models SAM and its unnormalised variant USAM by stochastic differential equations and proves \#
            them weak approximations of order 1: for a fixed horizon, expectations under the discrete algorithm and \#
            under the SDE differ by $O(\eta)$ (c1). The SDEs' drifts are gradients of implicitly regularised losses \#
            ($f + \tfrac\rho2\mathbb E\|\nabla f_\gamma\|^2$ for USAM, $f + \rho\,\mathbb E\|\nabla f_\gamma\|$ for SAM) and their \#
            noise is shaped by the Hessian, which explains SAM's preference for flat minima (c2), and they show that \#
            SAM can be attracted to saddle points (c3). We measure the weak error of both SDEs (and of SGD's SDE as a \#
            control) on a 2-D quartic with additive gradient noise over four learning rates by coupled Monte Carlo in \#
            Double and fit its order; we count how often SAM and SGD end in the flat basin of a double well, and how \#
            long they stay near the saddle of $x^2 - y^2 + y^4/4$.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    /// The fitted weak order must lie in this band (the catalog's).
    static let orderBand = (low: 0.7, high: 1.3)

    static func orderRule(_ key: String, _ label: String) -> Rule {
        .all([(label: "order above \(orderBand.low)", rule: .interval(key, label, below: false, orderBand.low)),
              (label: "order below \(orderBand.high)", rule: .interval(key, label, below: true, orderBand.high))])
    }

    public var claims: [Claim] {
        let s = Settings(), q = Settings.quick
        let weak = "f(x) = ½(x₁² + 4x₂²) + ¼(x₁⁴ + x₂⁴), gradient noise N(0, \(Format.compact(s.noise, 2))²I), x₀ = (1, 0.8), horizon T = \(Format.compact(s.horizon, 2)), η ∈ {\(s.rates.map { Format.compact($0, 3) }.joined(separator: ", "))}, ρ = \(Format.compact(s.rhoScale, 2))√η; \(s.replicates) replicates of \(s.paths) coupled paths (quick: \(q.replicates) of \(q.paths)); SDEs by Euler–Maruyama with \(s.substeps) substeps per η"
        return [
            Claim(
                id: "c1a", statement: "The USAM SDE is a weak approximation of order 1 of discrete USAM: the weak error scales linearly in η.",
                source: "abstract; Theorem 3.2 (USAM SDE)", paperValue: "weak order 1 in η", paperSetting: "smooth losses, ρ = O(√η)",
                metric: "slope of log |E f(X_T) − E f(X̃_T)| against log η (discrete USAM vs its SDE), one fit per replicate, 95% interval over replicates",
                rule: Self.orderRule("c1a.order", "fitted weak order (USAM SDE)"), scaling: weak),
            Claim(
                id: "c1b", statement: "The SAM SDE is a weak approximation of order 1 of discrete (normalised) SAM.",
                source: "abstract; Theorem 3.5 (SAM SDE)", paperValue: "weak order 1 in η", paperSetting: "smooth losses, ρ = O(√η)",
                metric: "as c1a, for discrete SAM against the SAM SDE",
                rule: Self.orderRule("c1b.order", "fitted weak order (SAM SDE)"), scaling: weak),
            Claim(
                id: "c1c", statement: "The USAM SDE models USAM better than SGD's SDE does.",
                source: "Section 3 (experiments: SAM SDEs against the SGD SDE)", paperValue: "not stated (qualitative)", paperSetting: "quadratic and quartic losses, small networks",
                metric: "log(weak error of the SGD SDE / weak error of the USAM SDE) against discrete USAM at the smallest η, per replicate",
                rule: .superiority("c1c.log_error_ratio", "log error ratio, SGD SDE / USAM SDE", better: .higher, minimalEffect: log(2)),
                scaling: weak + "; a factor of 2 is the minimal effect"),
            Claim(
                id: "c2", statement: "SAM prefers flat minima: from the sharp basin it ends in the flat basin of equal depth more often than SGD.",
                source: "abstract; Section 4 (implicit regularisation, Hessian-dependent noise)", paperValue: "not stated (qualitative)", paperSetting: "toy landscapes and networks",
                metric: "share of paths in the flat basin after \(s.wellSteps) steps (points), SAM − SGD, same noise, 95% interval over seeds",
                rule: .superiority("c2.flat_share_diff", "flat-basin share, SAM − SGD", better: .higher, minimalEffect: 5, unit: "pt"),
                scaling: "f(x) = (x² − 1)² e^{−x/2} (curvature \(Format.compact(8 * exp(0.5), 3)) at x = −1, \(Format.compact(8 * exp(-0.5), 3)) at x = +1, both minima 0), start x₀ = −1, η = \(Format.compact(s.wellRate, 2)), noise N(0, \(Format.compact(s.wellNoise, 2))²), ρ = \(Format.compact(s.wellRho, 2)), \(s.seeds) seeds × \(s.wellPaths) paths (quick: \(q.seeds) × \(q.wellPaths)); 5 points is the minimal effect"),
            Claim(
                id: "c3a", statement: "USAM with ρ|λ_min| > 1 is attracted to a saddle: it stays near it at least twice as long as SGD.",
                source: "abstract; Section 5 (saddle points)", paperValue: "attracted to saddles (qualitative)", paperSetting: "quadratic saddles and networks",
                metric: "log(mean steps within radius \(Format.compact(s.saddleRadius, 2)) of the saddle, USAM / SGD), same noise, 95% interval over seeds",
                rule: .superiority("c3a.log_time_ratio", "log time-near-saddle ratio, USAM / SGD", better: .higher, minimalEffect: log(2), sizeClaimed: true),
                scaling: "f = x² − y² + y⁴/4 (λ_min = −2 at the saddle), start (0.05, 0), \(s.saddleSteps) steps, η = \(Format.compact(s.saddleRate, 2)), noise N(0, \(Format.compact(s.saddleNoise, 2))²I), USAM ρ = \(Format.compact(s.saddleRhoUSAM, 2)), \(s.seeds) seeds × \(s.saddlePaths) paths; 2× is the catalog's bar"),
            Claim(
                id: "c3b", statement: "SAM (normalised) is attracted to the saddle: it stays near it at least twice as long as SGD.",
                source: "abstract; Section 5 (saddle points)", paperValue: "attracted to saddles (qualitative)", paperSetting: "quadratic saddles and networks",
                metric: "as c3a, SAM / SGD",
                rule: .superiority("c3b.log_time_ratio", "log time-near-saddle ratio, SAM / SGD", better: .higher, minimalEffect: log(2), sizeClaimed: true),
                scaling: "as c3a, SAM with ρ = \(Format.compact(s.saddleRhoSAM, 2))"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "Weak order 1 is \(v("c1a")) for the USAM SDE and \(v("c1b")) for the SAM SDE on the noisy quartic; that the USAM SDE beats SGD's SDE as a model of USAM is \(v("c1c")). "
            + "The flat-basin preference is \(v("c2")); attraction to the saddle is \(v("c3a")) for USAM with ρ|λ_min| > 1 and \(v("c3b")) for SAM. "
            + "The order is fitted over η from \(Format.compact(Settings().rates.last!, 3)) to \(Format.compact(Settings().rates.first!, 3)) with ρ shrinking as √η, as the theorem's scaling asks; at fixed ρ the O(ρ²) part of the error would not vanish with η."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **The algorithms.** With a stochastic gradient $\nabla f_\gamma(x) = \nabla f(x) + Z$, $Z\sim N(0, \sigma^2 I)$ drawn \#
        once per step (one mini-batch for both gradient evaluations), USAM steps \#
        $x \leftarrow x - \eta\,\nabla f_\gamma\big(x + \rho\nabla f_\gamma(x)\big)$ and SAM \#
        $x \leftarrow x - \eta\,\nabla f_\gamma\big(x + \rho\,\nabla f_\gamma(x)/\|\nabla f_\gamma(x)\|\big)$. **The SDEs.** Expanding \#
        the step to first order in $\rho$ gives the drifts: USAM's mean step is $\nabla f + \rho H\nabla f = \#
        \nabla(f + \tfrac\rho2\|\nabla f\|^2)$ (the noise enters the Hessian term only through its mean, here 0), with \#
        noise $(I + \rho H)Z$, so \#
        $dX = -\nabla\big(f + \tfrac\rho2\|\nabla f\|^2\big)dt + \sqrt\eta\,\sigma(I + \rho H)\,dW$. SAM's mean step is \#
        $\nabla f + \rho H\,\mathbb E[u]$ with $u = \nabla f_\gamma/\|\nabla f_\gamma\|$, the gradient of $f + \rho\,\mathbb E\|\nabla f + Z\|$; \#
        for isotropic Gaussian noise in two dimensions $\mathbb E[u] = \hat g\, m(\|g\|/\sigma)$ with \#
        $m(s) = \tfrac{\sqrt\pi}{2}\tfrac{s}{\sqrt2}e^{-s^2/4}\big(I_0(s^2/4) + I_1(s^2/4)\big)$ (the mean cosine of a Rice \#
        variable), so $dX = -\big(\nabla f + \rho H\hat g\,m\big)dt + \sqrt\eta\,\sigma\,dW$. SGD's SDE, the control, is \#
        $dX = -\nabla f\,dt + \sqrt\eta\,\sigma\,dW$. With $\rho = c\sqrt\eta$ the neglected terms are $O(\rho^2) = O(\eta)$ in \#
        the drift and $O(\eta\rho)$ in the noise, so the USAM and SAM SDEs should be order 1 and SGD's SDE only order \#
        $\tfrac12$ (it misses the $O(\rho)$ drift). **Weak error.** $e(\eta) = |\mathbb E f(x_N) - \mathbb E f(X_{N\eta})|$ at \#
        $N = T/\eta$; the order is the slope of $\log e$ on $\log\eta$.
        """#
    }

    public var excerpts: [String] { ["noisy-steps", "sde-drifts", "coupled-weak-error"] }

    public var deviations: String {
        #"""
        The paper's experiments include quadratic and quartic landscapes and small networks; we keep to the \#
        low-dimensional problems, where the expectations can be estimated to high precision. We read the \#
        theorems as holding for $\rho = O(\sqrt\eta)$ and scale $\rho = c\sqrt\eta$ with the learning rate. The SDEs \#
        are simulated by Euler–Maruyama with a step $\eta/\#(Settings().substeps)$, whose own $O(\eta)$ error is part of the \#
        measured one. SAM's diffusion is taken to leading order ($\sigma I$; its $\rho$ correction changes expectations \#
        by $O(\eta\rho)$ only). The double well confines paths to $[-3, 3]$ (its factor $e^{-x/2}$ would otherwise \#
        let a path drift to $+\infty$).
        """#
    }

    public var sourceFile: String { #filePath }
}

// MARK: - The problems and the steps

/// The 2-D quartic of the weak-error check: f(x) = ½(x₁² + 4x₂²) + ¼(x₁⁴ + x₂⁴).
enum NoisyQuartic {
    static let a = (1.0, 4.0)
    static func value(_ x: SIMD2<Double>) -> Double { 0.5 * (a.0 * x.x * x.x + a.1 * x.y * x.y) + 0.25 * (x.x * x.x * x.x * x.x + x.y * x.y * x.y * x.y) }
    static func gradient(_ x: SIMD2<Double>) -> SIMD2<Double> { SIMD2(a.0 * x.x + x.x * x.x * x.x, a.1 * x.y + x.y * x.y * x.y) }
    /// The Hessian is diagonal: (a₁ + 3x₁², a₂ + 3x₂²).
    static func hessianDiagonal(_ x: SIMD2<Double>) -> SIMD2<Double> { SIMD2(a.0 + 3 * x.x * x.x, a.1 + 3 * x.y * x.y) }
}

/// The three discrete algorithms of the paper (and SGD), on a stochastic gradient ∇f + Z.
enum NoisyMethod: String, CaseIterable, Sendable {
    case sgd = "SGD", usam = "USAM", sam = "SAM"

    // excerpt: noisy-steps
    /// One step from x with the step's noise z (the same z at both gradient evaluations: one
    /// mini-batch), for any gradient field.
    func step(_ x: SIMD2<Double>, noise z: SIMD2<Double>, rate: Double, rho: Double,
              gradient: (SIMD2<Double>) -> SIMD2<Double>) -> SIMD2<Double> {
        let g = gradient(x) + z
        switch self {
        case .sgd: return x - rate * g
        case .usam: return x - rate * (gradient(x + rho * g) + z)
        case .sam:
            let norm = (g * g).sum().squareRoot()
            return x - rate * (gradient(x + (rho / max(norm, 1e-300)) * g) + z)
        }
    }
    // end excerpt
}

// excerpt: sde-drifts
enum SAMSDE {
    /// e^{−x}I₀(x) and e^{−x}I₁(x): power series below 15, the asymptotic expansion above.
    static func scaledBessel(_ x: Double) -> (i0: Double, i1: Double) {
        if x < 15 {
            var t0 = 1.0, t1 = x / 2, s0 = 1.0, s1 = x / 2
            for k in 1..<80 {
                t0 *= (x / 2) * (x / 2) / Double(k * k)
                t1 *= (x / 2) * (x / 2) / Double(k * (k + 1))
                s0 += t0; s1 += t1
                if t0 < 1e-17 * s0 { break }
            }
            return (s0 * exp(-x), s1 * exp(-x))
        }
        let c = 1 / (2 * Double.pi * x).squareRoot()
        return (c * (1 + 1 / (8 * x) + 9 / (128 * x * x)), c * (1 - 3 / (8 * x) - 15 / (128 * x * x)))
    }

    /// m(s) = E[cos] of the angle between g + Z and g, Z ~ N(0, σ²I₂), s = ‖g‖/σ: so that
    /// E[(g + Z)/‖g + Z‖] = ĝ m(s).
    static func meanCosine(_ s: Double) -> Double {
        let b = scaledBessel(s * s / 4)
        return Double.pi.squareRoot() / 2 * (s / 2.0.squareRoot()) * (b.i0 + b.i1)
    }

    /// The SDE's drift (the negative of dX/dt's deterministic part) and diffusion matrix (diagonal
    /// here) at x, for the quartic with noise σ.
    static func drift(_ method: NoisyMethod, _ x: SIMD2<Double>, rho: Double, sigma: Double) -> (drift: SIMD2<Double>, diffusion: SIMD2<Double>) {
        let g = NoisyQuartic.gradient(x), h = NoisyQuartic.hessianDiagonal(x)
        switch method {
        case .sgd: return (g, SIMD2(repeating: sigma))
        case .usam: return (g + rho * h * g, sigma * (1 + rho * h))          // ∇(f + ρ/2‖∇f‖²), σ(I + ρH)
        case .sam:
            let norm = (g * g).sum().squareRoot()
            let u = norm > 0 ? (meanCosine(norm / sigma) / norm) * g : .zero  // E[(g + Z)/‖g + Z‖]
            return (g + rho * h * u, SIMD2(repeating: sigma))                 // ∇(f + ρE‖∇f + Z‖), σI
        }
    }
}
// end excerpt

extension SAMSDEPaper {
    struct Settings {
        var rates = [0.02, 0.01, 0.005, 0.0025]
        var rhoScale = 0.5, noise = 0.5, horizon = 1.0, substeps = 8
        var replicates = 8, paths = 2000
        var seeds = 10
        var wellRate = 0.05, wellNoise = 3.0, wellRho = 0.1, wellSteps = 2000, wellPaths = 1000
        var saddleRate = 0.05, saddleNoise = 0.1, saddleRhoUSAM = 0.8, saddleRhoSAM = 0.2, saddleSteps = 400, saddlePaths = 1000
        var saddleRadius = 0.1
        static var quick: Settings {
            var s = Settings()
            s.replicates = 3; s.paths = 300; s.seeds = 3; s.wellPaths = 200; s.wellSteps = 1000; s.saddlePaths = 200
            return s
        }
        init() {}
        init(_ context: RunContext) {
            self = context.scale == .quick ? .quick : Settings()
            if let n = context.seedsOverride { seeds = max(n, 2); replicates = max(n, 2) }
        }
    }

    // excerpt: coupled-weak-error
    /// E f(x_N) − E f(X_T) over `paths` coupled paths: the SDE (one of `sdes`) is stepped by
    /// Euler–Maruyama on a grid η/substeps, and the discrete algorithm's noise at each step is
    /// σ times the sum of the step's Brownian increments divided by √η (so Z ~ N(0, σ²I), and the
    /// SDE's noise √η σ dW integrates the same increments). Returns one difference per SDE.
    static func weakErrors(_ method: NoisyMethod, sdes: [NoisyMethod], rate: Double, _ s: Settings, rng: inout SeededRandom) -> [Double] {
        let rho = s.rhoScale * rate.squareRoot(), h = rate / Double(s.substeps)
        let steps = Int((s.horizon / rate).rounded())
        var total = [Double](repeating: 0, count: sdes.count)
        for _ in 0..<s.paths {
            var x = SIMD2(1.0, 0.8), y = [SIMD2<Double>](repeating: x, count: sdes.count)
            for _ in 0..<steps {
                var sum = SIMD2<Double>.zero
                for _ in 0..<s.substeps {
                    let dw = h.squareRoot() * SIMD2(rng.normal(), rng.normal())
                    sum += dw
                    for (k, sde) in sdes.enumerated() {
                        let (b, d) = SAMSDE.drift(sde, y[k], rho: rho, sigma: s.noise)
                        y[k] += -h * b - rate.squareRoot() * d * dw
                    }
                }
                x = method.step(x, noise: (s.noise / rate.squareRoot()) * sum, rate: rate, rho: rho, gradient: NoisyQuartic.gradient)
            }
            for k in sdes.indices { total[k] += NoisyQuartic.value(x) - NoisyQuartic.value(y[k]) }
        }
        return total.map { $0 / Double(s.paths) }
    }
    // end excerpt

    /// The double well f(x) = (x² − 1)² e^{−x/2}: minima 0 at ±1, curvature 8e^{±1/2}.
    static func wellGradient(_ x: Double) -> Double { exp(-0.5 * x) * (4 * x * (x * x - 1) - 0.5 * (x * x - 1) * (x * x - 1)) }

    /// Share (%) of paths started at the sharp minimum that end in the flat basin (x > 0), for
    /// SGD and SAM on the same noise.
    static func flatShares(_ s: Settings, rng: inout SeededRandom) -> (sgd: Double, sam: Double, usam: Double) {
        var x = [[Double]](repeating: [Double](repeating: -1, count: s.wellPaths), count: 3)
        let methods: [NoisyMethod] = [.sgd, .sam, .usam]
        let grad: (SIMD2<Double>) -> SIMD2<Double> = { SIMD2(wellGradient($0.x), 0) }
        for _ in 0..<s.wellSteps {
            for p in 0..<s.wellPaths {
                let z = SIMD2(s.wellNoise * rng.normal(), 0)
                for (m, method) in methods.enumerated() {
                    let next = method.step(SIMD2(x[m][p], 0), noise: z, rate: s.wellRate, rho: s.wellRho, gradient: grad).x
                    x[m][p] = min(3, max(-3, next))
                }
            }
        }
        let share = x.map { 100 * Double($0.filter { $0 > 0 }.count) / Double(s.wellPaths) }
        return (share[0], share[1], share[2])
    }

    /// Mean number of steps within `saddleRadius` of the saddle of x² − y² + y⁴/4, for SGD, USAM
    /// and SAM on the same noise.
    static func saddleTimes(_ s: Settings, rng: inout SeededRandom) -> (sgd: Double, usam: Double, sam: Double) {
        let grad: (SIMD2<Double>) -> SIMD2<Double> = { SIMD2(2 * $0.x, -2 * $0.y + $0.y * $0.y * $0.y) }
        let arms: [(NoisyMethod, Double)] = [(.sgd, 0), (.usam, s.saddleRhoUSAM), (.sam, s.saddleRhoSAM)]
        var near = [Double](repeating: 0, count: 3)
        for _ in 0..<s.saddlePaths {
            var x = [SIMD2<Double>](repeating: SIMD2(0.05, 0), count: 3)
            for _ in 0..<s.saddleSteps {
                let z = s.saddleNoise * SIMD2(rng.normal(), rng.normal())
                for (k, arm) in arms.enumerated() {
                    x[k] = arm.0.step(x[k], noise: z, rate: s.saddleRate, rho: arm.1, gradient: grad)
                    if !x[k].x.isFinite || abs(x[k].x) > 1e6 || abs(x[k].y) > 1e6 { x[k] = SIMD2(1e6, 1e6) }
                    if (x[k] * x[k]).sum() < s.saddleRadius * s.saddleRadius { near[k] += 1 }
                }
            }
        }
        return (near[0] / Double(s.saddlePaths), near[1] / Double(s.saddlePaths), near[2] / Double(s.saddlePaths))
    }
}

// MARK: - The experiment

extension SAMSDEPaper {
    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var e = Evidence()
        // c1: per replicate, the weak errors at every η and the fitted orders.
        var usamErrors = [[Double]](), sgdErrors = [[Double]](), samErrors = [[Double]]()
        for r in 0..<s.replicates {
            context.progress.report("sam-sde", "c1: replicate \(r + 1)/\(s.replicates)")
            var u = [Double](), g = [Double](), m = [Double]()
            for rate in s.rates {
                var rng = context.rng("c1", "replicate \(r)", "eta \(rate)")
                let both = Self.weakErrors(.usam, sdes: [.usam, .sgd], rate: rate, s, rng: &rng)
                u.append(abs(both[0])); g.append(abs(both[1]))
                var rng2 = context.rng("c1", "replicate \(r)", "eta \(rate)")
                m.append(abs(Self.weakErrors(.sam, sdes: [.sam], rate: rate, s, rng: &rng2)[0]))
            }
            usamErrors.append(u); sgdErrors.append(g); samErrors.append(m)
        }
        let logRates = s.rates.map { log($0) }
        func orders(_ errors: [[Double]]) -> [Double] { errors.map { Statistics.lineFit(x: logRates, y: $0.map { log(max($0, 1e-300)) }).slope } }
        e.record(interval: "c1a.order", Summary(orders(usamErrors)), tolerance: 0.05)
        e.record(interval: "c1b.order", Summary(orders(samErrors)), tolerance: 0.05)
        e.record(interval: "c1c.log_error_ratio", Summary(zip(sgdErrors, usamErrors).map { log($0.last! / max($1.last!, 1e-300)) }), tolerance: 0.05)
        e.record(interval: "diagnostic.sgd_sde_order", Summary(orders(sgdErrors)), tolerance: 0.05)

        // c2 and c3: seeds of coupled Monte Carlo.
        var wells = [(sgd: Double, sam: Double, usam: Double)](), saddles = [(sgd: Double, usam: Double, sam: Double)]()
        for seed in 0..<s.seeds {
            context.progress.report("sam-sde", "c2, c3: seed \(seed + 1)/\(s.seeds)")
            var rng = context.rng("c2", "seed \(seed)")
            wells.append(Self.flatShares(s, rng: &rng))
            var rng3 = context.rng("c3", "seed \(seed)")
            saddles.append(Self.saddleTimes(s, rng: &rng3))
        }
        e.record(interval: "c2.flat_share_diff", Summary(wells.map { $0.sam - $0.sgd }), tolerance: 1)
        e.record(interval: "c3a.log_time_ratio", Summary(saddles.map { log(max($0.usam, 1e-3) / max($0.sgd, 1e-3)) }), tolerance: 0.05)
        e.record(interval: "c3b.log_time_ratio", Summary(saddles.map { log(max($0.sam, 1e-3) / max($0.sgd, 1e-3)) }), tolerance: 0.05)
        return PaperRun(evidence: e, setup: setup(s), results: results(s, usam: usamErrors, sgd: sgdErrors, sam: samErrors, wells: wells, saddles: saddles))
    }

    func setup(_ s: Settings) -> [ReportBlock] {
        [.text(#"""
        **Weak error (c1).** $f(x) = \tfrac12(x_1^2 + 4x_2^2) + \tfrac14(x_1^4 + x_2^4)$, gradient noise \#
        $N(0, \#(Format.compact(s.noise, 2))^2 I)$, $x_0 = (1, 0.8)$, horizon $T = \#(Format.compact(s.horizon, 2))$, \#
        $\eta \in \{\#(s.rates.map { Format.compact($0, 4) }.joined(separator: ", "))\}$, $\rho = \#(Format.compact(s.rhoScale, 2))\sqrt\eta$; \#
        Euler–Maruyama with \#(s.substeps) substeps per $\eta$; \#(s.replicates) replicates of \#(s.paths) coupled paths \#
        (stream `sam-sde/c1/replicate r/eta η`; SAM's run reuses USAM's stream, so both see the same Brownian paths). \#
        Each replicate fits its own order (least squares of $\log e$ on $\log\eta$), and the claims read the interval \#
        over replicates. **Double well (c2).** $f(x) = (x^2-1)^2e^{-x/2}$, \#(s.wellPaths) paths per seed from $x_0 = -1$, \#
        \#(s.wellSteps) steps at $\eta = \#(Format.compact(s.wellRate, 2))$, noise $N(0, \#(Format.compact(s.wellNoise, 2))^2)$, \#
        SAM and USAM with $\rho = \#(Format.compact(s.wellRho, 2))$, paths confined to $[-3, 3]$; flat basin: $x > 0$. \#
        **Saddle (c3).** $f = x^2 - y^2 + y^4/4$ from $(0.05, 0)$, \#(s.saddlePaths) paths per seed, \#(s.saddleSteps) steps \#
        at $\eta = \#(Format.compact(s.saddleRate, 2))$, noise $N(0, \#(Format.compact(s.saddleNoise, 2))^2 I)$; USAM \#
        $\rho = \#(Format.compact(s.saddleRhoUSAM, 2))$ ($\rho|\lambda_{\min}| = \#(Format.compact(2 * s.saddleRhoUSAM, 2))$), SAM \#
        $\rho = \#(Format.compact(s.saddleRhoSAM, 2))$; time near the saddle counts steps with $\|x\| < \#(Format.compact(s.saddleRadius, 2))$. \#
        \#(s.seeds) seeds (streams `sam-sde/c2/seed k`, `sam-sde/c3/seed k`); all arms of a seed share the noise.
        """#)]
    }

    func results(_ s: Settings, usam: [[Double]], sgd: [[Double]], sam: [[Double]],
                 wells: [(sgd: Double, sam: Double, usam: Double)], saddles: [(sgd: Double, usam: Double, sam: Double)]) -> [ReportBlock] {
        func column(_ errors: [[Double]], _ k: Int) -> String { Format.scientific(Statistics.mean(errors.map { $0[k] }), 2) }
        let table = Table(
            caption: "Weak error |E f(x_N) − E f(X_T)|, mean over \(s.replicates) replicates of \(s.paths) coupled paths.",
            headers: ["η", "ρ", "USAM vs USAM SDE", "USAM vs SGD SDE", "SAM vs SAM SDE"],
            rows: s.rates.indices.map { k in
                [Format.compact(s.rates[k], 4), Format.compact(s.rhoScale * s.rates[k].squareRoot(), 3), column(usam, k), column(sgd, k), column(sam, k)]
            })
        func mean(_ errors: [[Double]]) -> [Double] { s.rates.indices.map { k in Statistics.mean(errors.map { $0[k] }) } }
        let first = mean(usam)[0]
        let figure = Figure(
            name: "weak-error", title: "Weak error against the learning rate", xLabel: "η", yLabel: "|E f(x_N) − E f(X_T)|",
            series: [Series("USAM vs USAM SDE", x: s.rates, y: mean(usam), style: .linespoints),
                     Series("SAM vs SAM SDE", x: s.rates, y: mean(sam), style: .linespoints),
                     Series("USAM vs SGD SDE (control)", x: s.rates, y: mean(sgd), style: .linespoints),
                     Series("slope 1", x: s.rates, y: s.rates.map { first * $0 / s.rates[0] }),
                     Series("slope ½", x: s.rates, y: s.rates.map { mean(sgd)[0] * ($0 / s.rates[0]).squareRoot() })],
            logX: true, logY: true, caption: "Both axes logarithmic; the claims read the slope fitted per replicate.")
        let orders = Table(
            caption: "Fitted weak orders, mean ± 95% CI over replicates (the theorem: 1 for the SAM SDEs; ½ expected for SGD's SDE, which misses the O(ρ) = O(√η) drift).",
            headers: ["model of the discrete algorithm", "fitted order"],
            rows: [("USAM SDE for USAM", usam), ("SAM SDE for SAM", sam), ("SGD SDE for USAM", sgd)].map { name, errors in
                [name, Summary(errors.map { Statistics.lineFit(x: s.rates.map { log($0) }, y: $0.map { log(max($0, 1e-300)) }).slope }).formatted]
            })
        let toy = Table(
            caption: "Double well and saddle, mean ± 95% CI over \(s.seeds) seeds.",
            headers: ["", "SGD", "USAM", "SAM"],
            rows: [["flat-basin share % (c2)", Summary(wells.map(\.sgd)).formatted, Summary(wells.map(\.usam)).formatted, Summary(wells.map(\.sam)).formatted],
                   ["steps near the saddle of \(s.saddleSteps) (c3)", Summary(saddles.map(\.sgd)).formatted, Summary(saddles.map(\.usam)).formatted, Summary(saddles.map(\.sam)).formatted]])
        // Local orders between neighbouring learning rates: where the asymptotic regime starts.
        let local = Table(
            caption: "Local orders log(e(η_k)/e(η_{k+1}))/log 2 between neighbouring learning rates, from the mean errors above (a diagnostic: the claims read the fitted order over all four).",
            headers: ["model of the discrete algorithm"] + (1..<s.rates.count).map { "\(Format.compact(s.rates[$0 - 1], 4)) → \(Format.compact(s.rates[$0], 4))" },
            rows: [("USAM SDE for USAM", usam), ("SAM SDE for SAM", sam), ("SGD SDE for USAM", sgd)].map { name, errors in
                let e = mean(errors)
                return [name] + (1..<e.count).map { Format.compact(log(e[$0 - 1] / e[$0]) / log(s.rates[$0 - 1] / s.rates[$0]), 3) }
            })
        return [.table(table), .figure(figure), .table(orders), .table(local), .table(toy)]
    }
}
