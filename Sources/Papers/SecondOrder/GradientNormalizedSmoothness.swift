import Foundation
import Harness

// # Gradient-Normalized Smoothness for Optimization with Approximate Hessians
//
// Andrei Semenov, Martin Jaggi and Nikita Doikov (arXiv 2506.13710, 2025).
// Official code: github.com/epfml/hess-approx.
//
// **The paper in plain words.** A Newton step with an approximate Hessian H̃ and a regulariser
// proportional to the gradient norm, x⁺ = x − (H̃ + λI)⁻¹∇f(x) with λ = ‖∇f(x)‖/γ, is safe when the
// gradient field is well approximated by its linearisation with H̃ within a ball of radius γ. The
// largest such γ, the *gradient-normalized smoothness*, is defined for any function and any
// approximation (c1); bounding it recovers the known global rates for Hölder-smooth, quasi- and
// generalized self-concordant and first-order smooth classes (c2); and for logistic and softmax
// regression with approximate Hessians it gives global linear rates, with Fisher and Gauss–Newton
// approximations covering non-convex problems (c3). The method never needs γ: it searches for it
// (halve on failure, double on success), as the official `grad_norm_smooth` does.
//
// Everything here is exact Double arithmetic on small convex problems: the exact Hessian, three
// approximations of it, gradient descent with the official line search as the baseline, and
// the rates read off log-suboptimality curves.

/// Gradient-normalized smoothness (Semenov, Jaggi and Doikov, 2025): the paper's claims and experiments.
public struct GradientNormalizedSmoothnessPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "gradient-normalized-smoothness", title: "Gradient-Normalized Smoothness for Optimization with Approximate Hessians",
            method: "Gradient-Normalized Smoothness (GNS) methods", family: "SecondOrder", arxiv: "2506.13710", code: "https://github.com/epfml/hess-approx",
            summary: #"""
            The gradient-regularized Newton step $x^+=x-(\tilde H+\lambda I)^{-1}\nabla f(x)$, $\lambda=\|\nabla f(x)\|/\gamma$, \#
            with an approximate Hessian $\tilde H$ and $\gamma$ found by an adaptive search, converges globally at rates set \#
            by the *gradient-normalized smoothness* γ: the radius within which $\tilde H$ linearises the gradient field well. \#
            The paper claims this notion is problem-class independent (c1), recovers the known rates of many classes (c2), \#
            and gives global linear rates on logistic and softmax regression with approximate Hessians and convergence on \#
            non-convex problems with Gauss–Newton approximations (c3a–c3c). In Double arithmetic we run the method with the \#
            exact Hessian, a stale Hessian, its diagonal and Böhning's fixed bound on L2-regularised logistic (breast \#
            cancer) and softmax (wine) regression from 10 random starts, against gradient descent with the official line \#
            search, and with the Gauss–Newton matrix on the Rosenbrock least-squares problem.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let approximations: [Approximation] = [.stale, .diagonal, .bohning]
    static let convexProblems: [(key: String, label: String)] = [("logistic", "logistic regression (breast cancer)"), ("softmax", "softmax regression (wine)")]

    public var claims: [Claim] {
        let parts = Self.parts
        return [
            Claim.notTestable(
                id: "c1", statement: "Gradient-normalized smoothness, the largest radius where an approximate Hessian linearises the gradient field well, is problem-class independent and turns local approximation quality into global convergence.",
                source: "abstract; Section 2", paperValue: "a definition with global consequences", paperSetting: "analytic",
                reason: "a definition and the framework built on it; c3a–c3c test its concrete consequences."),
            Claim.notTestable(
                id: "c2", statement: "The method automatically recovers the state-of-the-art global rates for Hölder-continuous Hessians and third derivatives, quasi- and generalized self-concordant and first-order smooth functions.",
                source: "abstract; Section 3", paperValue: "known rates recovered", paperSetting: "analytic",
                reason: "rate theorems over function classes; a finite experiment cannot establish a worst-case rate."),
            Claim(
                id: "c3a", statement: "With approximate Hessians (stale, diagonal, a fixed bound), the method converges linearly on logistic and softmax regression: log(f − f*) falls on a straight line after a short burn-in.",
                source: "abstract; Section 5", paperValue: "global linear rate", paperSetting: "logistic and softmax regression (LIBSVM, MNIST), approximate Hessians",
                metric: "the smallest R² over the 10 starts of a straight-line fit of log₁₀(f − f*) against the iteration, after a burn-in of the first 20% of the iterations to f − f* ≤ 1e-10 (or the budget), per problem and approximation",
                rule: Rule.all(parts("min_r2") { .bound($0, "smallest R² (\($1))", below: false, 0.95) }),
                scaling: "L2-regularised (λ = 1e-3), standardised breast cancer (62 parameters) and wine (42 parameters); 200 iterations (quick: 40), 10 starts (quick: 3); R² ≥ 0.95 is the catalog's bar"),
            Claim(
                id: "c3b", statement: "That linear rate is faster than gradient descent's (with the official line search), per iteration.",
                source: "Section 5", paperValue: "faster than first-order", paperSetting: "as c3a",
                metric: "per start, log of the ratio of fitted slopes of log₁₀(f − f*), the method's over gradient descent's (> 0: faster), with its 95% interval over starts",
                rule: Rule.all(parts("log_rate_ratio") { .superiority($0, "log rate ratio (\($1))", better: .higher, minimalEffect: log(1.1)) }),
                scaling: "as c3a"),
            Claim(
                id: "c3c", statement: "With the Gauss–Newton approximation the method converges on a non-convex problem from every start.",
                source: "abstract; Section 5", paperValue: "converges (non-convex)", paperSetting: "non-convex nonlinear least squares, Fisher / Gauss–Newton",
                metric: "starts of the Rosenbrock least-squares problem r(x, y) = (1 − x, 10(y − x²)) from uniform [−2, 2]² that reach ‖∇f‖ ≤ 1e-8 within the budget, over the number of starts",
                rule: .exact("c3c.fraction_converged", "fraction of starts converged", equals: 1),
                scaling: "200 iterations (quick: 40), 10 starts (quick: 3)"),
        ]
    }

    /// One rule part per convex problem and approximation, keyed `c3.<problem>.<approximation>.<suffix>`.
    static func parts(_ suffix: String, _ make: (String, String) -> Rule) -> [(label: String, rule: Rule)] {
        convexProblems.flatMap { p in
            approximations.map { a in (label: "\(p.label), \(a.label)", rule: make("c3.\(p.key).\(a.rawValue).\(suffix)", "\(a.label) on \(p.key)")) }
        }
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "On the two convex problems, linear convergence with approximate Hessians is \(verdict("c3a").display), "
        text += "and a rate faster than gradient descent's is \(verdict("c3b").display). "
        text += "On the non-convex Rosenbrock least-squares problem, convergence from every start with the Gauss–Newton matrix is \(verdict("c3c").display). "
        text += "The definition (c1) and the recovered rates (c2) are theory we do not test."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Gradient-regularized Newton with an adaptive search (Algorithm 1).** Given $x_k$, $g_k=\nabla f(x_k)$ and an \#
        approximate Hessian $\tilde H_k\succeq0$, repeat with the current $\gamma_k$:

        $$\lambda_k=\frac{\|g_k\|}{\gamma_k},\qquad x^+=x_k-(\tilde H_k+\lambda_kI)^{-1}g_k,$$

        accepting when $f(x_k)-f(x^+)\ge\|\nabla f(x^+)\|^2/(8\lambda_k)$ (then $\gamma_{k+1}=2\gamma_k$), otherwise halving \#
        $\gamma_k$ and retrying. The accepted $\gamma$ tracks the *gradient-normalized smoothness* \#
        $\gamma_f(x)$: the largest $r$ such that $\|\nabla f(y)-\nabla f(x)-\tilde H(y-x)\|\le\tfrac12\|\nabla f(x)\|$-scale \#
        errors hold on the ball of radius $r$ (the paper's Definition 1). For self-concordant-like losses (logistic, \#
        softmax) $\gamma_f$ stays bounded below by a multiple of $1/\|\nabla f\|$ times the quality of $\tilde H$, hence \#
        the global linear rate. Approximations here: **stale** (the exact Hessian, recomputed every 10 iterations), \#
        **diagonal** (its diagonal), **Böhning** (the fixed bound $\tfrac12(I-\tfrac1K\mathbf 1\mathbf 1^\top)\otimes\tfrac1n A^\top A+\lambda I$, \#
        for the two-class case the familiar $\tfrac14A^\top A/n$), and **Gauss–Newton** $J^\top J$ for least squares. The \#
        baseline is gradient descent with the official backtracking on $L$ (halve after success, double on failure).
        """#
    }

    public var excerpts: [String] { ["gns-step"] }

    public var deviations: String {
        #"""
        - **Problems.** The paper uses LIBSVM data sets and MNIST; we use breast cancer (569 × 30, two classes, \#
        written as softmax with both classes' weights and biases) and wine (178 × 13, three classes), standardised, \#
        with an L2 term λ = 1e-3 that makes the minimiser unique; f* is the best value any run reached after the exact \#
        method's own convergence (‖∇f‖ ≤ 1e-12).
        - **Approximations.** Stale, diagonal and Böhning's bound are our picks among the kinds the paper names \#
        (approximate, stale or structured Hessians); the Gauss–Newton matrix of the Rosenbrock residuals stands for the \#
        paper's Fisher / Gauss–Newton non-convex experiments.
        - **Rates.** Per iteration (each with its search's retries), as the paper plots; the fit window starts after the \#
        first 20% of the iterations to f − f* ≤ 1e-10 (Double arithmetic, far from its rounding floor). γ₀ = 1, B = I.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - Objectives in Double

extension GradientNormalizedSmoothnessPaper {
    /// A smooth objective on ℝᵖ with its exact derivatives (Hessians row-major p × p).
    struct Objective {
        var dimension: Int
        var value: ([Double]) -> Double
        var gradient: ([Double]) -> [Double]
        var hessian: ([Double]) -> [Double]
        var hessianDiagonal: ([Double]) -> [Double]
    }

    /// L2-regularised softmax regression, W of shape K × (d + 1) (a bias column appended to A).
    static func softmaxRegression(_ data: Dataset, l2: Double) -> (objective: Objective, bohning: [Double]) {
        let n = data.count, d = data.features.shape[1] + 1, k = data.classCount, p = k * d
        var a = [Double](repeating: 1, count: n * d)
        for i in 0..<n { for j in 0..<(d - 1) { a[i * d + j] = Double(data.features.data[i * (d - 1) + j]) } }
        let y = data.labels
        func probabilities(_ w: [Double], _ i: Int) -> [Double] {
            var z = (0..<k).map { c in (0..<d).reduce(0.0) { $0 + w[c * d + $1] * a[i * d + $1] } }
            let m = z.max()!
            z = z.map { exp($0 - m) }
            let s = z.reduce(0, +)
            return z.map { $0 / s }
        }
        let value: ([Double]) -> Double = { w in
            var total = 0.0
            for i in 0..<n {
                let z = (0..<k).map { c in (0..<d).reduce(0.0) { $0 + w[c * d + $1] * a[i * d + $1] } }
                let m = z.max()!
                total += m + log(z.reduce(0) { $0 + exp($1 - m) }) - z[y[i]]
            }
            return total / Double(n) + 0.5 * l2 * w.reduce(0) { $0 + $1 * $1 }
        }
        let gradient: ([Double]) -> [Double] = { w in
            var g = w.map { l2 * $0 }
            for i in 0..<n {
                let q = probabilities(w, i)
                for c in 0..<k { let r = (q[c] - (c == y[i] ? 1 : 0)) / Double(n); for j in 0..<d { g[c * d + j] += r * a[i * d + j] } }
            }
            return g
        }
        func curvature(_ w: [Double], diagonalOnly: Bool) -> [Double] {
            var h = [Double](repeating: 0, count: diagonalOnly ? p : p * p)
            for i in 0..<n {
                let q = probabilities(w, i)
                for c in 0..<k {
                    for e in (diagonalOnly ? c...c : 0...(k - 1)) {
                        let s = ((c == e ? q[c] : 0) - q[c] * q[e]) / Double(n)
                        for j in 0..<d {
                            if diagonalOnly { h[c * d + j] += s * a[i * d + j] * a[i * d + j]; continue }
                            let row = (c * d + j) * p + e * d, x = s * a[i * d + j]
                            for m in 0..<d { h[row + m] += x * a[i * d + m] }
                        }
                    }
                }
            }
            for r in 0..<p { h[diagonalOnly ? r : r * p + r] += l2 }
            return h
        }
        var bohning = [Double](repeating: 0, count: p * p)
        for c in 0..<k {
            for e in 0..<k {
                let s = 0.5 * ((c == e ? 1 : 0) - 1 / Double(k)) / Double(n)
                for i in 0..<n { for j in 0..<d { for m in 0..<d { bohning[(c * d + j) * p + e * d + m] += s * a[i * d + j] * a[i * d + m] } } }
            }
        }
        for r in 0..<p { bohning[r * p + r] += l2 }
        return (Objective(dimension: p, value: value, gradient: gradient, hessian: { curvature($0, diagonalOnly: false) },
                          hessianDiagonal: { curvature($0, diagonalOnly: true) }), bohning)
    }

    /// Rosenbrock as least squares, f = ½‖r‖², r = (1 − x, 10(y − x²)); its "Hessian" here is the
    /// Gauss–Newton matrix JᵀJ.
    static let rosenbrock = Objective(
        dimension: 2,
        value: { v in 0.5 * (1 - v[0]) * (1 - v[0]) + 50 * (v[1] - v[0] * v[0]) * (v[1] - v[0] * v[0]) },
        gradient: { v in [-(1 - v[0]) - 200 * v[0] * (v[1] - v[0] * v[0]), 100 * (v[1] - v[0] * v[0])] },
        hessian: { v in [1 + 400 * v[0] * v[0], -200 * v[0], -200 * v[0], 100] },
        hessianDiagonal: { v in [1 + 400 * v[0] * v[0], 100] })
}

// MARK: - The method and the baseline

extension GradientNormalizedSmoothnessPaper {
    enum Approximation: String, CaseIterable {
        case exact, stale, diagonal, bohning, gaussNewton = "gauss_newton"
        var label: String {
            switch self {
            case .exact: return "exact Hessian"
            case .stale: return "stale Hessian (every 10)"
            case .diagonal: return "diagonal Hessian"
            case .bohning: return "Böhning bound"
            case .gaussNewton: return "Gauss–Newton"
            }
        }
    }

    /// The values f(x_k) and gradient norms along a run, starting at x₀.
    struct Trajectory { var values: [Double]; var gradientNorms: [Double] }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    // excerpt: gns-step
    /// Algorithm 1: gradient-regularized Newton steps with `matrix(x, k)` as H̃ (a p × p row-major
    /// matrix, or a diagonal of length p), λ = ‖g‖/(γ + 1e-8), and the adaptive search on γ
    /// (accept when f − f⁺ ≥ ‖g⁺‖²/(8λ), then γ ← 2γ; else γ ← γ/2, at most 40 tries).
    static func gradientNormalizedSmoothness(_ f: Objective, from x0: [Double], iterations: Int, tolerance: Double,
                                             matrix: ([Double], Int) -> [Double]) -> Trajectory {
        let p = f.dimension
        var x = x0, value = f.value(x), g = f.gradient(x), gamma = 1.0
        var out = Trajectory(values: [value], gradientNorms: [norm(g)])
        for k in 0..<iterations where norm(g) > tolerance {
            let h = matrix(x, k), diagonal = h.count == p
            var (next, nextValue, nextGradient) = (x, value, g)
            for _ in 0...40 {
                let lambda = norm(g) / (gamma + 1e-8)
                var system = diagonal ? [Double](repeating: 0, count: p * p) : h
                for i in 0..<p { system[i * p + i] = (diagonal ? h[i] : system[i * p + i]) + lambda }
                guard let step = try? choleskySolve(Tensor(shape: [p, p], data: system), Tensor(shape: [p, 1], data: g.map { -$0 })) else { break }
                next = zip(x, step.data).map { $0 + $1 }
                nextValue = f.value(next)
                nextGradient = f.gradient(next)
                let squared = nextGradient.reduce(0) { $0 + $1 * $1 }
                if value - nextValue >= squared / (8 * lambda) { gamma *= 2; break }
                gamma *= 0.5
            }
            (x, value, g) = (next, nextValue, nextGradient)
            out.values.append(value)
            out.gradientNorms.append(norm(g))
        }
        return out
    }
    // end excerpt

    /// Gradient descent with the official backtracking: x⁺ = x − g/L, accepted when
    /// f(x⁺) ≤ f(x) + ⟨g, x⁺ − x⟩ + L/2‖x⁺ − x‖², then L ← L/2; else L ← 2L.
    static func gradientDescent(_ f: Objective, from x0: [Double], iterations: Int, tolerance: Double) -> Trajectory {
        var x = x0, value = f.value(x), g = f.gradient(x), l = 1.0
        var out = Trajectory(values: [value], gradientNorms: [norm(g)])
        for _ in 0..<iterations where norm(g) > tolerance {
            var next = x, nextValue = value
            for _ in 0...30 {
                next = zip(x, g).map { $0 - $1 / l }
                nextValue = f.value(next)
                let squared = g.reduce(0) { $0 + $1 * $1 }
                if nextValue <= value - squared / l + 0.5 * squared / l { l = max(l * 0.5, 1e-5); break }
                l *= 2
            }
            (x, value, g) = (next, nextValue, f.gradient(next))
            out.values.append(value)
            out.gradientNorms.append(norm(g))
        }
        return out
    }

    /// The straight-line fit of log₁₀(f − f*) against the iteration over the points above
    /// 1e-10, after the first 20% of them (all of them when that leaves fewer than 5); nil when
    /// fewer than two points lie above 1e-10.
    static func linearFit(_ values: [Double], optimum: Double) -> LineFit? {
        let gaps = values.map { $0 - optimum }
        let end = gaps.firstIndex { $0 <= 1e-10 } ?? gaps.count
        var start = end / 5
        if end - start < 5 { start = 0 }
        guard end - start >= 2 else { return nil }
        let range = Array(start..<end)
        return Statistics.lineFit(x: range.map(Double.init), y: range.map { log10(gaps[$0]) })
    }
}

// MARK: - The experiment

extension GradientNormalizedSmoothnessPaper {
    struct Settings {
        var iterations: Int
        var starts: Int
        var l2 = 1e-3
        var problems: () throws -> [(key: String, data: Dataset)] = {
            [("logistic", try Datasets.breastCancer()), ("softmax", try Datasets.wine())]
        }

        init(_ context: RunContext) {
            iterations = context.pick(quick: 40, full: 200)
            starts = context.seeds(quick: 3, full: 10)
        }
    }

    /// Standardises every feature (mean 0, variance 1) over the whole set.
    static func standardized(_ data: Dataset) -> Dataset {
        let n = data.count, d = data.features.shape[1]
        var x = data.features
        for j in 0..<d {
            let column = (0..<n).map { Double(x.data[$0 * d + j]) }
            let mean = Statistics.mean(column), sd = max(Statistics.standardDeviation(column), 1e-12)
            for i in 0..<n { x.data[i * d + j] = Float((column[i] - mean) / sd) }
        }
        return Dataset(name: data.name, features: x, labels: data.labels, classCount: data.classCount, citation: data.citation)
    }

    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        var results = [ReportBlock]()
        var rows = [[String]]()
        for (problem, raw) in try settings.problems() {
            let (f, bohning) = Self.softmaxRegression(Self.standardized(raw), l2: settings.l2)
            var rng = context.rng("c3", problem, "starts")
            let starts = (0..<settings.starts).map { _ in (0..<f.dimension).map { _ in rng.normal() } }
            context.progress.report(context.slug, "c3 \(problem)")
            var runs = [String: [Trajectory]]()
            for (i, x0) in starts.enumerated() {
                var stale = [Double]()
                runs["gradient descent", default: []].append(Self.gradientDescent(f, from: x0, iterations: settings.iterations, tolerance: 1e-12))
                for a in [Approximation.exact] + Self.approximations {
                    let t = Self.gradientNormalizedSmoothness(f, from: x0, iterations: settings.iterations, tolerance: 1e-12) { x, k in
                        switch a {
                        case .exact, .gaussNewton: return f.hessian(x)
                        case .stale: if k % 10 == 0 { stale = f.hessian(x) }; return stale
                        case .diagonal: return f.hessianDiagonal(x)
                        case .bohning: return bohning
                        }
                    }
                    runs[a.label, default: []].append(t)
                }
                _ = i
            }
            let optimum = runs.values.flatMap { $0.flatMap(\.values) }.min()!
            let gd = runs["gradient descent"]!.map { Self.linearFit($0.values, optimum: optimum) }
            // A run too short to fit (solved at once) counts as R² 1 and the fastest slope seen.
            func slope(_ f: LineFit?) -> Double { f?.slope ?? -16 }
            func r2(_ f: LineFit?) -> Double { f?.rSquared ?? 1 }
            for a in [Approximation.exact] + Self.approximations {
                let fits = runs[a.label]!.map { Self.linearFit($0.values, optimum: optimum) }
                let ratios = zip(fits, gd).map { log(slope($0) / slope($1)) }
                if a != .exact {
                    evidence.record("c3.\(problem).\(a.rawValue).min_r2", fits.map(r2).min()!, absoluteTolerance: 1e-6, relativeTolerance: 1e-6)
                    evidence.record(interval: "c3.\(problem).\(a.rawValue).log_rate_ratio", Summary(ratios), tolerance: 1e-6)
                }
                rows.append([problem, a.label, Format.compact(fits.map(r2).min()!, 4), Format.compact(Statistics.mean(fits.map(slope)), 3),
                             Summary(ratios).formatted, Format.compact(Statistics.mean(runs[a.label]!.map { Double($0.values.count - 1) }), 3)])
            }
            rows.append([problem, "gradient descent", Format.compact(gd.map(r2).min()!, 4), Format.compact(Statistics.mean(gd.map(slope)), 3), "—",
                         Format.compact(Statistics.mean(runs["gradient descent"]!.map { Double($0.values.count - 1) }), 3)])
            let label = Self.convexProblems.first { $0.key == problem }?.label ?? problem
            results.append(.figure(Figure(
                name: "c3-\(problem)", title: "\(label): suboptimality", xLabel: "iteration", yLabel: "f − f* (mean of log₁₀ over starts)",
                series: (["gradient descent"] + ([Approximation.exact] + Self.approximations).map(\.label)).map { name in
                    let curves = runs[name]!.map { $0.values.map { max($0 - optimum, 1e-16) } }
                    let length = curves.map(\.count).max()!
                    let mean = (0..<length).map { t in pow(10, Statistics.mean(curves.map { log10($0[min(t, $0.count - 1)]) })) }
                    return Series(name, x: (0..<length).map(Double.init), y: mean)
                },
                logY: true,
                caption: "Mean over starts of log₁₀(f − f*) (a run that stopped at ‖∇f‖ ≤ 1e-12 holds its last value; floor 1e-16). A straight line is a linear rate; the exact Hessian is superlinear, gradient descent slow.")))
        }
        // c3c: Rosenbrock least squares with the Gauss–Newton matrix.
        var rng = context.rng("c3c", "starts")
        let rosenbrockRuns = (0..<settings.starts).map { _ -> Trajectory in
            let x0 = [rng.uniform(-2, 2), rng.uniform(-2, 2)]
            return Self.gradientNormalizedSmoothness(Self.rosenbrock, from: x0, iterations: settings.iterations, tolerance: 1e-8) { x, _ in Self.rosenbrock.hessian(x) }
        }
        let converged = rosenbrockRuns.filter { $0.gradientNorms.last! <= 1e-8 }.count
        evidence.record("c3c.fraction_converged", Double(converged) / Double(settings.starts), absoluteTolerance: 0, relativeTolerance: 0)
        results.insert(.table(Table(
            caption: "c3a, c3b: per problem and Hessian, the smallest R² of the log-linear fit over starts, the mean fitted slope (log₁₀ per iteration), the log rate ratio against gradient descent (mean ± 95% CI over starts) and the mean iterations run (a run stops at ‖∇f‖ ≤ 1e-12).",
            headers: ["problem", "Hessian", "min R²", "slope", "log(slope / GD slope)", "iterations"], rows: rows)), at: 0)
        results.append(.table(Table(
            caption: "c3c: the Rosenbrock least-squares problem with the Gauss–Newton matrix, per start.",
            headers: ["start", "iterations", "final ‖∇f‖", "converged (≤ 1e-8)"],
            rows: rosenbrockRuns.enumerated().map { ["\($0.offset)", "\($0.element.values.count - 1)", Format.compact($0.element.gradientNorms.last!, 3), $0.element.gradientNorms.last! <= 1e-8 ? "yes" : "no"] })))
        results.append(.figure(Figure(
            name: "c3c-rosenbrock", title: "Rosenbrock least squares, Gauss–Newton", xLabel: "iteration", yLabel: "‖∇f‖",
            series: rosenbrockRuns.enumerated().map { Series("start \($0.offset)", x: $0.element.gradientNorms.indices.map(Double.init), y: $0.element.gradientNorms.map { max($0, 1e-16) }) },
            logY: true, caption: "Gradient norm along each start's run; the method stops at ‖∇f‖ ≤ 1e-8.")))
        let setup: [ReportBlock] = [.text(
            "**Problems.** L2-regularised (λ = \(Format.compact(settings.l2, 2))) softmax regression with a bias on the standardised breast-cancer (two classes) and wine (three classes) features; \(Format.counted(settings.starts, "start")) with every parameter drawn from N(0, 1); \(settings.iterations) iterations at most, stopping at ‖∇f‖ ≤ 1e-12. f* is the smallest value any run reached. Rosenbrock: r(x, y) = (1 − x, 10(y − x²)), f = ½‖r‖², starts uniform in [−2, 2]². γ₀ = 1; gradient descent starts its backtracking at L = 1. Data: \(Datasets.breastCancerCitation) \(Datasets.wineCitation)")]
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
