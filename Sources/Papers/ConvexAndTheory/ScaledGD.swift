import Foundation
import Harness

// # The Power of Preconditioning in Overparameterized Low-Rank Matrix Sensing
//
// Xingyu Xu, Yandi Shen, Yuejie Chi and Cong Ma (ICML 2023, arXiv 2302.01186).
//
// **The paper in plain words.** To recover a low-rank positive semidefinite matrix $M_\star$ from a
// few linear measurements one fits a factor $X$ with $XX^\top \approx M_\star$ by gradient descent.
// Two things make plain gradient descent (GD) slow: the true rank $r_\star$ is unknown, so one
// *overparameterises* ($X$ has $r > r_\star$ columns), and $M_\star$ may be *ill-conditioned*
// (condition number $\kappa = \sigma_1/\sigma_{r_\star}$ large), so the small singular directions are
// learned $\kappa$ times more slowly than the large ones. The paper proposes ScaledGD($\lambda$):
// gradient descent right-multiplied by the damped preconditioner $(X^\top X + \lambda I)^{-1}$, started
// from a tiny random factor. The preconditioner equalises the speed of all singular directions; the
// damping $\lambda$ keeps it bounded in the extra (overparameterised) directions where $X^\top X$ is
// nearly singular. The paper proves that it reaches relative error $\varepsilon$ in
// $O(\log\kappa\cdot\log(\kappa n) + \log(1/\varepsilon))$ iterations (claim c1), whereas GD needs a
// number polynomial in $\kappa$ (claim c2), and that the preconditioning does not hurt generalisation:
// started small, it still finds the low-rank $M_\star$ rather than another matrix fitting the data (c3).
//
// Here the three claims are checked numerically on Gaussian-design sensing problems over a sweep
// of condition numbers, with GD as the baseline given the same step-size grid and tuning rule.
// After the verdicts, a post-hoc diagnostic (end of the file and of the report; read by no claim)
// reruns the overparameterised arms with more measurements, to test why c1 fails at the catalog's
// sample size, and then, at the largest sample size, with smaller fixed step sizes, to ask whether
// the iteration counts are κ-independent once the theorem's assumptions hold.

/// ScaledGD($\lambda$) for overparameterised low-rank matrix sensing (Xu, Shen, Chi, Ma 2023).
public struct ScaledGDLambda: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "scaledgd-lambda",
            title: "The Power of Preconditioning in Overparameterized Low-Rank Matrix Sensing",
            method: "ScaledGD(λ)",
            family: "ConvexAndTheory",
            arxiv: "2302.01186",
            code: nil,
            summary: #"""
            To recover a low-rank positive semidefinite matrix $M_\star$ ($n\times n$, rank $r_\star$) from \#
            $m$ linear measurements, one fits a factor $X\in\mathbb R^{n\times r}$ so that $XX^\top\approx M_\star$. \#
            When the rank is unknown one takes $r > r_\star$ (overparameterisation), and when $M_\star$ is \#
            ill-conditioned (condition number $\kappa$ large) plain gradient descent learns the small singular \#
            directions $\kappa$ times more slowly than the large ones. The paper proposes **ScaledGD(λ)**: start \#
            from a tiny random $X_0$ and step along $-\nabla f(X)(X^\top X+\lambda I)^{-1}$. It proves that the \#
            number of iterations to reach relative error $\varepsilon$ grows only logarithmically with $\kappa$ \#
            ($O(\log\kappa\,\log(\kappa n)+\log(1/\varepsilon))$), against a polynomial growth for gradient \#
            descent, and that the preconditioning does not hurt generalisation in the overparameterised regime. \#
            We check all three numerically: iterations to $\varepsilon = 10^{-6}$ across $\kappa\in\{1,10,100,1000\}$ \#
            for both methods with step sizes tuned on the same grid, and the recovery error when the \#
            measurements are too few to pin down a full-rank fit.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let v1 = (
        c1Rule: "Reproduced if every ScaledGD(λ) run (both r = 2r⋆ and r = r⋆, every κ, every seed) reaches 1e-6 within the budget AND the mean iterations of the overparameterised arm grow by at most 2x from κ = 10 to κ = 1000. Not reproduced otherwise.",
        c1Verdict: "full scale: not reproduced at m = 10·n·r⋆ (the step-size tuning at κ = 10 reached ε at no grid point; η = 0.7 was chosen at the grid's edge and diverged at κ = 1000)",
        c2Rule: "Reproduced if GD's mean iterations grow by at least 10x from κ = 10 to κ = 1000. Inconclusive if the censored growth is below 10x but some κ = 1000 runs hit the budget. Not reproduced otherwise.",
        c2Verdict: "full scale: reproduced (GD ×21)")

    /// The damping constants c_λ of the sensitivity sweep (λ = c_λ·σ_min(M⋆)); the claim's
    /// verdict is taken at ``Settings/dampingConstant``.
    static let dampingSweep: [Double] = [0.01, 0.03, 0.1]

    public var claims: [Claim] {
        [
            Claim(
                id: "c1",
                statement: "ScaledGD(λ) from a small random initialisation reaches the true matrix at a constant linear rate after a number of iterations that grows only logarithmically with the condition number κ (Gaussian design, overparameterised rank).",
                source: "abstract; Theorem 2",
                paperValue: "O(log κ · log(κn) + log(1/ε)) iterations", paperSetting: "Theorem 2: m ≳ n r⋆² κ⁴ Gaussian measurements, λ = c_λ σ_min with a small constant c_λ",
                metric: "mean iterations to relative error ‖XXᵀ−M⋆‖_F/‖M⋆‖_F ≤ 1e-6 of the overparameterised arm (r = 2r⋆) at κ = 1000 over κ = 10, and the number of ScaledGD(λ) runs (r = 2r⋆ and r = r⋆, every κ and seed) that miss ε; verdict at c_λ = 0.1, with c_λ swept over {0.01, 0.03, 0.1} in a sensitivity table",
                rule: Rule.all([
                    ("every run reaches ε", .exact("c1.scaledgd.unreached_runs_both", "ScaledGD(λ) runs missing ε", equals: 0)),
                    ("κ-independence", .bound("c1.scaledgd.growth_10_to_max", "iteration growth from κ = 10 to 1000", 2)),
                ])
                .requiringTarget("c1.tuning.reached", "relative error 1e-6 at κ = 10 for some step size of the grid")
                .given(premise: .bound("c2.gd.growth_10_to_max", "GD's iteration growth from κ = 10 to 1000", below: false, 10),
                       "plain GD slows down with κ (what preconditioning is claimed to fix)"),
                scaling: "n = 30 (quick: 20), r⋆ = 3, m = 10·n·r⋆ (the catalog's sample size, far below the theorem's κ-dependent m), 5 seeds (quick: 2); growth ≤ 2x allows the log κ term, polynomial growth would be ≥ 10x",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c1Rule, verdict: Self.v1.c1Verdict,
                                     why: "v1 judged a step size whose tuning never reached ε at any grid point and never varied the damping. v2 requires the tuning to reach its target (otherwise 'tuning failed'), makes GD's slow-down with κ a premise, and shows the verdict across c_λ ∈ {0.01, 0.03, 0.1}.")]),
            Claim(
                id: "c2",
                statement: "Vanilla gradient descent instead needs a number of iterations polynomial in the condition number.",
                source: "abstract",
                paperValue: "poly(κ) iterations", paperSetting: "same problems as c1",
                metric: "mean iterations of GD (r = 2r⋆) to relative error 1e-6, κ = 1000 over κ = 10; runs hitting the budget count as the budget (an underestimate)",
                rule: Rule(text: "Growth with censoring: reproduced when GD's mean iterations grow by at least 10x from κ = 10 to κ = 1000 (a budget-censored mean only underestimates the growth); inconclusive (interval straddles the bound) when the censored growth is below 10x but some κ = 1000 runs hit the budget; not reproduced otherwise.") { e in
                    let growth = e["c2.gd.growth_10_to_max"], hits = e["c2.gd.budget_hits.kappa=max"]
                    let measured = "GD mean iterations κ=10 → largest κ: \(fmt(e["c2.gd.iters.kappa=10"])) → \(fmt(e["c2.gd.iters.kappa=max"])) (×\(fmt(growth, 2))); budget hits at the largest κ: \(Int(hits))"
                    if growth >= 10 { return Judgement(.reproduced, measured: measured) }
                    return Judgement(hits > 0 ? .inconclusive(.undecided) : .notReproduced, measured: measured)
                },
                scaling: "same problems and seeds as c1; iteration budget 8000 (quick: 5000)",
                history: [RuleChange(version: "protocol v1", rule: Self.v1.c2Rule, verdict: Self.v1.c2Verdict,
                                     why: "unchanged in substance; the censored-undecided branch now carries its reason.")]),
            Claim(
                id: "c3",
                statement: "Preconditioning accelerates convergence without hurting generalisation in the overparameterised regime: ScaledGD(λ) still recovers M⋆ rather than another matrix that fits the measurements.",
                source: "abstract",
                paperValue: "recovers M⋆", paperSetting: "overparameterised r ≥ r⋆, Gaussian design",
                metric: "geometric-mean recovery error ‖XXᵀ−M⋆‖_F/‖M⋆‖_F after the budget, fully overparameterised r = n with m = 3·n·r⋆ < n(n+1)/2 measurements (the data do not determine a full-rank fit)",
                rule: .bound("c3.scaledgd_error_over_tolerance", "ScaledGD(λ)'s recovery error ÷ max(2 × GD's, 1e-4)", 1),
                scaling: "n = 30 (quick: 20), r = n, r⋆ = 3, κ = 10, m = 3nr⋆; each method's step re-tuned for this setting on the same grid by the worse final training residual of two tuning instances; 'at most a factor 2 worse than GD, or both at the level where M⋆ is recovered (1e-4)'"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "Plain GD slowing down polynomially with κ is \(v("c2").display). "
        switch v("c1") {
        case .inconclusive(.tuningFailed):
            text += "ScaledGD(λ)'s κ-independence cannot be judged at the catalog's sample size: no step size of the grid reaches ε even at κ = 10, so there is no tuned method to test. The post-hoc diagnostics show why (too few measurements for the theorem's assumptions). "
        default:
            text += "ScaledGD(λ)'s κ-independent iteration count is \(v("c1").display) (the sensitivity table shows the same test at other dampings). "
        }
        return text + "Recovering M⋆ rather than another fit in the fully overparameterised regime (c3) is \(v("c3").display)."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Problem.** The unknown matrix is $M_\star = X_\star X_\star^\top\in\mathbb R^{n\times n}$, positive \#
        semidefinite of rank $r_\star$, with singular values $\sigma_1\ge\dots\ge\sigma_{r_\star}>0$ and condition \#
        number $\kappa=\sigma_1/\sigma_{r_\star}$. We observe $y_i=\langle A_i, M_\star\rangle$, $i=1..m$, with \#
        symmetrised Gaussian sensing matrices $A_i$, and minimise over $X\in\mathbb R^{n\times r}$, $r\ge r_\star$,

        $$f(X)=\frac{1}{4m}\sum_{i=1}^m\big(\langle A_i,XX^\top\rangle-y_i\big)^2,\qquad
        \nabla f(X)=\frac1m\sum_{i=1}^m\big(\langle A_i,XX^\top\rangle-y_i\big)A_iX,$$

        which is the paper's $\tfrac14\|\mathcal A(XX^\top)-y\|_2^2$ with $\mathcal A$ normalised by $1/\sqrt m$.

        **ScaledGD(λ).** From $X_0=\alpha G$, $G_{ij}\sim N(0,1/n)$ with a small scale $\alpha$, iterate

        $$X_{t+1}=X_t-\eta\,\nabla f(X_t)\,\big(X_t^\top X_t+\lambda I_r\big)^{-1}.$$

        The $r\times r$ preconditioner rescales each singular direction of $X$ by the inverse of its own \#
        size, so a direction with singular value $\sigma_i$ moves at a rate independent of $\sigma_i$: this is \#
        what removes $\kappa$ from the rate. Without damping ($\lambda=0$, the ScaledGD of Tong, Ma and Chi \#
        2021) the inverse blows up in the $r-r_\star$ directions that the target does not need, which start \#
        tiny and should stay tiny. The damping $\lambda$ caps the step in those directions; the paper takes \#
        $\lambda$ of the order of $\sigma_{\min}(M_\star)$ ($\tfrac{c_\lambda}{100}\sigma_{r_\star}\le\lambda\le c_\lambda\sigma_{r_\star}$ \#
        for a small constant $c_\lambda$), large enough to tame the junk directions and small enough that \#
        every true direction, even the weakest, escapes the small initialisation at a rate \#
        $1+\eta\sigma_i/\lambda \ge 1+\eta/c_\lambda$ independent of $\kappa$. The step size $\eta$ is a \#
        constant. Vanilla GD is the same loop without the preconditioner.

        The code: the two update rules (the only difference between the arms), and the initialisation \#
        with the damping choice.
        """#
    }

    public var excerpts: [String] { ["update", "initialisation"] }

    public var deviations: String {
        #"""
        - **Scale.** $n=30$ (quick: 20) instead of the paper's larger problems; $r_\star=3$, $m=10nr_\star$ \#
        Gaussian measurements, $\kappa\in\{1,10,100,1000\}$, 5 seeds (quick: 2). The theory's sample size \#
        grows with $\kappa$ (its RIP constant must shrink like a power of $1/\kappa$); we keep $m$ fixed, as in \#
        the catalog's protocol, so large $\kappa$ is *harder* for us than for the theorem.
        - **Damping.** $\lambda = 0.1\,\sigma_{\min}(M_\star)$, inside the theorem's range with $c_\lambda=0.1$. \#
        Like the paper we give the method the oracle value $\sigma_{\min}(M_\star)$; no official code exists \#
        (the catalog lists none and we found none), so the constants are ours.
        - **Initialisation scale.** $\alpha=10^{-6}$ for every κ, the small end of the catalog's range \#
        $10^{-3}$–$10^{-6}$ (the theorem wants $\alpha$ polynomially small in $\kappa n$).
        - **Spectrum.** Singular values spaced geometrically from 1 to $1/\kappa$ (so $\|M_\star\|=1$ and the \#
        step sizes of both methods live on the same scale).
        - **Budget.** Runs stop at relative error $10^{-6}$ or after 8000 iterations (quick: 5000). GD at \#
        $\kappa=1000$ is expected to need far more; censored counts are reported as the budget, which \#
        underestimates GD's growth.
        - **Sample size against the theory.** The guarantee is stated under the restricted isometry \#
        property of $\mathcal A$ (abstract of arXiv 2302.01186v4) with a RIP constant that must be small in \#
        terms of $\kappa$; as we read the theorem, of order $\kappa^{-C}/\sqrt{r_\star}$ on matrices of rank about \#
        $r_\star$, which for the Gaussian design means a sample size growing with a power of $\kappa$ and with \#
        $r_\star$, but not with the overparameterised $r$. We could not retrieve the theorem's text from the \#
        sources available to us to confirm the exponent, so this is our reading, not a quotation. The catalog's \#
        $m=10nr_\star$ is far from that regime: the operator's error on $M_\star$ off its column space, \#
        $\lambda_{\max}(P_\perp EP_\perp)$ with $E=\tfrac1m\mathcal A^*\mathcal A(M_\star)-M_\star$, is about $2.4\,\sigma_{\min}$ at \#
        $\kappa=10$ and $230\,\sigma_{\min}$ at $\kappa=1000$ (full scale, mean of 5 seeds), where the theory needs a small fraction \#
        of $\sigma_{\min}$. In the $r-r_\star$ spare directions the preconditioner multiplies that error by $\eta/\lambda$, \#
        so they are excited early and then shrink only sublinearly ($s\leftarrow s-\tfrac\eta\lambda s^3$): the \#
        overparameterised arm stalls a little above ε at $\kappa\in\{1,10\}$ and in some runs at $\kappa=100$. The post-hoc diagnostic at the end \#
        of the results supports this at $\kappa=10$: the stall persists up to $m=100nr_\star$ (error \#
        $0.75\,\sigma_{\min}$) and is gone at $m=1000nr_\star$ ($0.24\,\sigma_{\min}$), where ε is reached in about 19 \#
        iterations. At $\kappa=1000$ the failure is different: the overparameterised arm *diverges* within \#
        its first few iterations at every sample size tried (up to $1000nr_\star$, error still $23\,\sigma_{\min}$), \#
        because the step $\eta=0.7$ tuned at $\kappa=10$ with $\lambda=0.1\,\sigma_{\min}=10^{-4}$ makes the escape \#
        factor $1+\eta\sigma_1/\lambda\approx7000$ per step. A second post-hoc study (step sizes 0.03, 0.1, 0.3 fixed before it ran, \#
        and the tuned step) finds that at $m=1000nr_\star$ the iteration counts stay κ-dependent and non-monotone (set by the spare \#
        columns' cubic tail wherever the operator error exceeds $\sigma_{\min}$), while in the population limit $m=\infty$ \#
        ScaledGD(λ) reaches ε in a κ-independent number of iterations at every step, the tuned 0.7 included (no divergence). The same step also makes single runs diverge at \#
        $\kappa=10$ and $100$ (one seed of five each, marked in the iterations table). The exact-rank arm \#
        has no spare directions and escapes both mechanisms in most runs (one divergence at $\kappa=1000$). The claims keep $m=10nr_\star$ and the tuned step, as fixed \#
        before the run.
        - **Generalisation (c3).** The paper's statement is qualitative; our test uses the fully \#
        overparameterised $r=n$ with $m=3nr_\star$ measurements, fewer than the $n(n+1)/2$ needed to \#
        determine a full-rank symmetric matrix, so fitting the data does not by itself imply recovery.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The update rules

// excerpt: update
/// The two arms differ only in how a gradient becomes a step on the factor $X$ (`n x r`).
enum FactorUpdate {
    /// Vanilla gradient descent: $X \leftarrow X - \eta\nabla f(X)$.
    case gradientDescent(stepSize: Double)
    /// ScaledGD(λ): $X \leftarrow X - \eta\nabla f(X)(X^\top X + \lambda I)^{-1}$.
    case scaledGD(stepSize: Double, damping: Double)

    func apply(to x: inout Tensor<Double>, gradient: Tensor<Double>) throws {
        switch self {
        case let .gradientDescent(eta):
            x.add(gradient, scaledBy: -eta)
        case let .scaledGD(eta, lambda):
            // The r x r preconditioner is cheap next to the gradient (r <= n); with λ > 0 it is
            // positive definite even when X is rank-deficient, so Cholesky always applies.
            var preconditioner = matmul(x, x, transposeA: true)
            for i in 0..<preconditioner.rows { preconditioner[i, i] += lambda }
            // ∇f P⁻¹ = (P⁻¹ ∇fᵀ)ᵀ since P is symmetric: one solve with n right-hand sides.
            let direction = try choleskySolve(preconditioner, gradient.transposed).transposed
            x.add(direction, scaledBy: -eta)
        }
    }
}
// end excerpt

// excerpt: initialisation
extension ScaledGDLambda {
    /// $X_0 = \alpha G$ with $G_{ij} \sim N(0, 1/n)$: small enough that every direction starts far
    /// below $\sqrt{\sigma_{\min}}$ and the extra $r - r_\star$ columns stay negligible.
    static func smallRandomInit(n: Int, rank: Int, scale alpha: Double, rng: inout SeededRandom) -> Tensor<Double> {
        Tensor<Double>.randomNormal([n, rank], std: alpha / Double(n).squareRoot(), using: &rng)
    }

    /// The paper's damping, $\lambda = c_\lambda\,\sigma_{\min}(M_\star)$.
    static func damping(for problem: MatrixSensingProblem, c: Double) -> Double {
        c * problem.smallestSingularValue
    }
}
// end excerpt

// MARK: - The experiment

extension ScaledGDLambda {
    /// Every knob of the experiment, by scale. Tests build tiny ones directly.
    struct Settings {
        var n: Int
        var trueRank = 3
        /// The overparameterised rank of the c1/c2 sweep.
        var overRank: Int
        var measurementsPerDegree = 10
        var kappas: [Double] = [1, 10, 100, 1000]
        var reps: Int
        var initScale = 1e-6
        var dampingConstant = 0.1
        var epsilon = 1e-6
        var budget: Int
        /// The step-size grid shared by both methods, tuned once each at ``tuneKappa``.
        var stepGrid: [Double] = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0]
        var tuneKappa: Double = 10
        /// c3: fully overparameterised (r = n) with m = c3MeasurementsPerDegree · n · r⋆.
        var c3MeasurementsPerDegree = 3
        var c3Kappa: Double = 10
        var c3Budget: Int
        /// Post-hoc diagnostic (no claim reads it): the overparameterised arms of the sweep rerun
        /// with more measurements, m = c · n · r⋆ for each c here (the first must be the sweep's
        /// ``measurementsPerDegree``: that row is read from the sweep itself, not rerun).
        var diagnosticMeasurementsPerDegree: [Int] = [10, 30, 100]
        var diagnosticKappas: [Double] = [10, 1000]
        /// Seeds of the diagnostic: the first `diagnosticReps` seeds of the sweep (same basis and
        /// initial direction; only the operator is redrawn, larger).
        var diagnosticReps: Int
        /// Post-hoc step-size study (no claim reads it), at the largest diagnostic sample size: both
        /// overparameterised arms at these κ with each fixed step below, and at their tuned steps.
        /// The steps were chosen before any of these runs, from the scalar overshoot estimate
        /// $\eta^2\kappa/(4c_\lambda)$ (see ``stepStudyIntroduction``).
        var stepStudyKappas: [Double] = [10, 100, 1000]
        var stepStudySteps: [Double] = [0.03, 0.1, 0.3]

        init(_ context: RunContext) {
            n = context.pick(quick: 20, full: 30)
            overRank = 6
            reps = context.seeds(quick: 2, full: 5)
            budget = context.pick(quick: 5000, full: 8000)
            c3Budget = context.pick(quick: 1500, full: 3000)
            diagnosticMeasurementsPerDegree = context.pick(quick: [10, 100, 1000], full: [10, 30, 100, 1000])
            diagnosticKappas = context.pick(quick: [10], full: [10, 1000])
            diagnosticReps = min(reps, context.pick(quick: 1, full: 5))
        }

        init(n: Int, overRank: Int, kappas: [Double], reps: Int, budget: Int, c3Budget: Int, stepGrid: [Double]) {
            self.n = n
            self.overRank = overRank
            self.kappas = kappas
            self.reps = reps
            self.budget = budget
            self.c3Budget = c3Budget
            self.stepGrid = stepGrid
            self.diagnosticMeasurementsPerDegree = [10, 30]
            self.diagnosticKappas = kappas.filter { $0 > 1 }.suffix(1).map { $0 }
            self.diagnosticReps = 1
            self.stepStudyKappas = kappas.filter { $0 > 1 }
            self.stepStudySteps = [0.1]
        }

        var measurements: Int { measurementsPerDegree * n * trueRank }
    }

    /// One trajectory to run: a problem, a start, an update rule.
    struct Job {
        var problem: MatrixSensingProblem
        var start: Tensor<Double>
        var update: FactorUpdate
    }

    /// What a trajectory did: relative error and relative training residual at every iterate,
    /// the first iteration at or below ε (if any), and whether it diverged.
    struct Trajectory {
        var errors: [Double] = []
        var residuals: [Double] = []
        var reachedAt: Int?
        var diverged = false
        var final: Tensor<Double>
    }

    /// Runs jobs that share one sensing operator in lockstep, so each step's two `gemm`s serve all
    /// the trajectories still running. A trajectory stops at relative error ≤ `epsilon`, at the
    /// budget, or when it diverges (non-finite or error > 1e4).
    ///
    /// With `normal` given, the gradient comes from that operator's $\tfrac1m\mathcal A^*\mathcal A$ instead
    /// of the jobs' own operator (which then only carries $M_\star$; see ``PackedNormalOperator``).
    static func runTogether(_ jobs: [Job], epsilon: Double, budget: Int, normal: PackedNormalOperator? = nil) throws -> [Trajectory] {
        guard let sensing = jobs.first?.problem.sensing else { return [] }
        let scale = 4 * Double(sensing.measurements)
        let yNorms = jobs.map { j in j.problem.observations.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        // With the normal operator, ‖y‖²/m = svec(M⋆)ᵀ H svec(M⋆) is the residual's denominator.
        let normalTargets = normal.map { h in jobs.map { h.quadraticForm([$0.problem.groundTruth], layout: sensing)[0].squareRoot() } }
        var xs = jobs.map(\.start)
        var out = jobs.map { Trajectory(final: $0.start) }
        var active = Array(jobs.indices)
        // Iteration t evaluates X_t (error, residual, gradient from one Gram matrix), stops the
        // trajectories that are done, and steps the rest to X_{t+1}.
        var t = 0
        while !active.isEmpty {
            let evals: [(gram: Tensor<Double>, gradient: Tensor<Double>, residual: Double)]
            if let normal, let normalTargets {
                evals = normal.evaluate(factors: active.map { xs[$0] }, targets: active.map { jobs[$0].problem.groundTruth }, layout: sensing)
                    .enumerated().map { k, v in (v.gram, v.gradient, v.residualNorm / normalTargets[active[k]]) }
            } else {
                evals = sensing.evaluate(factors: active.map { xs[$0] }, observations: active.map { jobs[$0].problem.observations })
                    .enumerated().map { k, v in (v.gram, v.gradient, (scale * v.loss).squareRoot() / yNorms[active[k]]) }
            }
            var stepping = [Int]()
            for (k, j) in active.enumerated() {
                let e = jobs[j].problem.relativeError(gram: evals[k].gram)
                out[j].errors.append(e)
                out[j].residuals.append(evals[k].residual)
                if !e.isFinite || e > 1e4 { out[j].diverged = true; continue }
                if e <= epsilon { out[j].reachedAt = t; continue }
                if t == budget { continue }
                try jobs[j].update.apply(to: &xs[j], gradient: evals[k].gradient)
                stepping.append(j)
            }
            active = stepping
            t += 1
        }
        for j in jobs.indices { out[j].final = xs[j] }
        return out
    }

    /// Least-squares slope of log10(error) against iteration over the linear phase, taken as the
    /// iterates from the first with error ≤ 1e-2 to the end of the run; returned as the contraction
    /// factor per iteration, $10^{\text{slope}}$ (NaN when the phase has fewer than 3 points).
    static func fittedRate(_ errors: [Double]) -> Double {
        guard let start = errors.firstIndex(where: { $0 <= 1e-2 }) else { return .nan }
        let ys = errors[start...].map { Double.log10($0) }
        guard ys.count >= 3, ys.allSatisfy(\.isFinite) else { return .nan }
        let xs = (0..<ys.count).map(Double.init)
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0
        for (x, y) in zip(xs, ys) { sxy += (x - mx) * (y - my); sxx += (x - mx) * (x - mx) }
        return Double.pow(10, sxy / sxx)
    }

    /// The score a step size gets in tuning: iterations to ε; a run that hits the budget scores
    /// twice the budget and a divergent run scores infinity.
    static func tuningScore(_ t: Trajectory, budget: Int, epsilon: Double) -> Double {
        if t.diverged { return .infinity }
        if let hit = t.reachedAt { return Double(hit) }
        // Not reached: ranked after every run that did, by how far above ε it ended.
        return Double(budget) * (2 + Double.log10(t.errors.last! / epsilon))
    }

    /// A fresh sensing instance for one (stream, rep): operator, ground-truth basis, and the
    /// initial direction, each from its own named stream so the κ sweep is paired.
    static func instance(_ context: RunContext, _ stream: String, rep: Int, n: Int, measurements: Int, rank: Int, trueRank: Int, scale: Double)
        -> (sensing: GaussianSensingOperator, basis: Tensor<Double>, start: Tensor<Double>) {
        var rs = context.rng(stream, "rep \(rep)", "sensing")
        var rb = context.rng(stream, "rep \(rep)", "basis")
        var ri = context.rng(stream, "rep \(rep)", "init")
        let sensing = GaussianSensingOperator(n: n, measurements: measurements, rng: &rs)
        let basis = MatrixSensingProblem.randomBasis(n: n, rank: trueRank, rng: &rb)
        let start = smallRandomInit(n: n, rank: rank, scale: scale, rng: &ri)
        return (sensing, basis, start)
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let m = try measure(context, settings: s)
        var e = m.evidence()
        // c1's sensitivity to the damping (read by no rule; c1's verdict is at c_λ = dampingConstant).
        let sensitivity = try Self.dampingSensitivity(context, settings: s, tuneProblem: m.tuneProblem, tuneStart: m.tuneStart,
                                                      instances: m.sweepInstances, claim: claims[0], evidence: e)
        for row in sensitivity.rows {
            let key = "sensitivity.c_lambda=\(fmt(row.c))"
            e.record("\(key).tuning_reached", row.reached ? 1 : 0, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).growth_10_to_max", row.growth, absoluteTolerance: 0, relativeTolerance: 0.1)
            e.record("\(key).unreached_runs", Double(row.unreached), absoluteTolerance: 0, relativeTolerance: 0)
        }
        m.recordDiagnostics(into: &e)
        return PaperRun(evidence: e, setup: m.setup(), results: m.results(sensitivity: sensitivity.table))
    }

    /// Runs every trajectory the claims and the diagnostics read: the step-size tuning, the κ
    /// sweep, the generalisation runs (c3) and the post-hoc diagnostics.
    func measure(_ context: RunContext, settings s: Settings) throws -> Measurements {
        let slug = info.slug
        let kappaMax = s.kappas.max()!

        // Tuning: both methods, the same grid, the same rule, one problem at κ = tuneKappa drawn
        // from its own stream (never reused in the evaluation).
        context.progress.report(slug, "tuning step sizes on \(s.stepGrid)")
        let tune = Self.instance(context, "tune", rep: 0, n: s.n, measurements: s.measurements, rank: s.overRank, trueRank: s.trueRank, scale: s.initScale)
        let tuneProblem = MatrixSensingProblem(sensing: tune.sensing, basis: tune.basis,
                                               singularValues: MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: s.tuneKappa))
        let tuneLambda = Self.damping(for: tuneProblem, c: s.dampingConstant)
        let tuneJobs = s.stepGrid.map { Job(problem: tuneProblem, start: tune.start, update: .gradientDescent(stepSize: $0)) }
            + s.stepGrid.map { Job(problem: tuneProblem, start: tune.start, update: .scaledGD(stepSize: $0, damping: tuneLambda)) }
        let tuned = try Self.runTogether(tuneJobs, epsilon: s.epsilon, budget: s.budget)
        func best(_ offset: Int) -> Double {
            var bestEta = s.stepGrid[0], bestScore = Double.infinity
            for (i, eta) in s.stepGrid.enumerated() {
                let score = Self.tuningScore(tuned[offset + i], budget: s.budget, epsilon: s.epsilon)
                if score < bestScore { bestScore = score; bestEta = eta }
            }
            return bestEta
        }
        let etaGD = best(0), etaScaled = best(s.stepGrid.count)

        // The κ sweep: per seed one operator, one basis U and one initial direction G, shared by
        // every κ and arm (paired comparison); only the spectrum changes with κ.
        let armNames = ["GD (r = \(s.overRank))", "ScaledGD(λ) (r = \(s.overRank))", "ScaledGD(λ) (r = r⋆ = \(s.trueRank))"]
        var sweep = [[[Trajectory]]](repeating: [[Trajectory]](repeating: [], count: s.kappas.count), count: SweepArm.allCases.count)
        var sweepInstances = [(sensing: GaussianSensingOperator, basis: Tensor<Double>, start: Tensor<Double>)]()
        for rep in 0..<s.reps {
            context.progress.report(slug, "κ sweep, seed \(rep + 1)/\(s.reps)")
            let inst = Self.instance(context, "sweep", rep: rep, n: s.n, measurements: s.measurements, rank: s.overRank, trueRank: s.trueRank, scale: s.initScale)
            sweepInstances.append(inst)
            let exactStart = Tensor<Double>(shape: [s.n, s.trueRank], data: (0..<s.n).flatMap { i in (0..<s.trueRank).map { inst.start[i, $0] } })
            var jobs = [Job]()
            for kappa in s.kappas {
                let problem = MatrixSensingProblem(sensing: inst.sensing, basis: inst.basis,
                                                   singularValues: MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: kappa))
                let lambda = Self.damping(for: problem, c: s.dampingConstant)
                jobs.append(Job(problem: problem, start: inst.start, update: .gradientDescent(stepSize: etaGD)))
                jobs.append(Job(problem: problem, start: inst.start, update: .scaledGD(stepSize: etaScaled, damping: lambda)))
                jobs.append(Job(problem: problem, start: exactStart, update: .scaledGD(stepSize: etaScaled, damping: lambda)))
            }
            let done = try Self.runTogether(jobs, epsilon: s.epsilon, budget: s.budget)
            for (k, _) in s.kappas.enumerated() {
                for arm in SweepArm.allCases { sweep[arm.rawValue][k].append(done[3 * k + arm.rawValue]) }
            }
        }

        // c3: fully overparameterised, too few measurements to determine a full-rank fit. The
        // setting differs enough (r = n, m < n(n+1)/2) that each method gets its step size again,
        // same grid, chosen on a tuning instance by the final *training* residual only (the
        // recovery error needs M⋆, which a practitioner does not have).
        var c3 = [[Trajectory]](repeating: [], count: 2)
        let c3Measurements = s.c3MeasurementsPerDegree * s.n * s.trueRank
        let c3Spectrum = MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: s.c3Kappa)
        context.progress.report(slug, "generalisation (r = n): tuning step sizes")
        // Two tuning instances, scored by the worse of the two: on one instance the best step can
        // sit at the edge of stability and fail on the next (seen with GD at η = 1).
        var c3Tuned = [[Trajectory]]()
        for rep in 0..<2 {
            let tune = Self.instance(context, "c3-tune", rep: rep, n: s.n, measurements: c3Measurements, rank: s.n, trueRank: s.trueRank, scale: s.initScale)
            let problem = MatrixSensingProblem(sensing: tune.sensing, basis: tune.basis, singularValues: c3Spectrum)
            let lambda = Self.damping(for: problem, c: s.dampingConstant)
            c3Tuned.append(try Self.runTogether(
                s.stepGrid.map { Job(problem: problem, start: tune.start, update: .gradientDescent(stepSize: $0)) }
                    + s.stepGrid.map { Job(problem: problem, start: tune.start, update: .scaledGD(stepSize: $0, damping: lambda)) },
                epsilon: 0, budget: s.c3Budget))
        }
        /// The worse final training residual over the tuning instances (divergence = ∞).
        func c3Score(_ j: Int) -> Double {
            c3Tuned.map { $0[j].diverged ? Double.infinity : $0[j].residuals.last! }.max()!
        }
        func c3Best(_ offset: Int) -> Double {
            var bestEta = s.stepGrid[0], bestScore = Double.infinity
            for (i, eta) in s.stepGrid.enumerated() where c3Score(offset + i) < bestScore {
                bestScore = c3Score(offset + i); bestEta = eta
            }
            return bestEta
        }
        let c3EtaGD = c3Best(0), c3EtaScaled = c3Best(s.stepGrid.count)
        for rep in 0..<s.reps {
            context.progress.report(slug, "generalisation (r = n), seed \(rep + 1)/\(s.reps)")
            let inst = Self.instance(context, "c3", rep: rep, n: s.n, measurements: c3Measurements, rank: s.n, trueRank: s.trueRank, scale: s.initScale)
            let problem = MatrixSensingProblem(sensing: inst.sensing, basis: inst.basis, singularValues: c3Spectrum)
            let lambda = Self.damping(for: problem, c: s.dampingConstant)
            let done = try Self.runTogether([
                Job(problem: problem, start: inst.start, update: .gradientDescent(stepSize: c3EtaGD)),
                Job(problem: problem, start: inst.start, update: .scaledGD(stepSize: c3EtaScaled, damping: lambda)),
            ], epsilon: 0, budget: s.c3Budget)
            c3[0].append(done[0]); c3[1].append(done[1])
        }

        // MARK: Diagnostic: sample size (post hoc, read by no claim)
        let (diagnostic, largestNormals) = try Self.sampleSizeDiagnostic(
            context, settings: s, etaGD: etaGD, etaScaled: etaScaled, instances: sweepInstances,
            sweepRuns: { k, rep in (sweep[SweepArm.gd.rawValue][k][rep], sweep[SweepArm.scaled.rawValue][k][rep]) })
        let largestM = s.diagnosticMeasurementsPerDegree.max()!
        let (stepStudyLarge, stepStudyOperatorError) = try Self.stepSizeStudy(
            context, settings: s, etaGD: etaGD, etaScaled: etaScaled, instances: sweepInstances, sample: "\(largestM)nr", normals: largestNormals,
            reuse: { kappa, rep in diagnostic.first { $0.kappa == kappa && $0.measurementsPerDegree == largestM }.map { ($0.gd[rep], $0.scaled[rep]) } })
        // Added after seeing the m = largestM rows: the population limit (exact isometry), the
        // theorem's assumption in its strongest form, same seeds, starts and steps.
        let (stepStudyPopulation, _) = try Self.stepSizeStudy(
            context, settings: s, etaGD: etaGD, etaScaled: etaScaled, instances: sweepInstances, sample: "inf",
            normals: largestNormals.map { _ in PackedNormalOperator(populationOn: s.n) }, reuse: { _, _ in nil })
        let stepStudy = stepStudyLarge + stepStudyPopulation
        return Measurements(s: s, kappaMax: kappaMax, tuneProblem: tuneProblem, tuneStart: tune.start, tuned: tuned, etaGD: etaGD,
                            etaScaled: etaScaled, armNames: armNames, sweep: sweep, sweepInstances: sweepInstances, c3: c3,
                            c3Measurements: c3Measurements, c3Tuned: c3Tuned, c3EtaGD: c3EtaGD, c3EtaScaled: c3EtaScaled,
                            diagnostic: diagnostic, largestM: largestM, stepStudy: stepStudy, stepStudyOperatorError: stepStudyOperatorError)
    }
}

/// The arms of the κ sweep.
enum SweepArm: Int, CaseIterable { case gd, scaled, scaledExact }

/// Everything the experiment measured; the evidence, the setup and the results are read from it.
struct Measurements {
    typealias Trajectory = ScaledGDLambda.Trajectory
    typealias Arm = SweepArm
    let s: ScaledGDLambda.Settings
    let kappaMax: Double
    let tuneProblem: MatrixSensingProblem
    let tuneStart: Tensor<Double>
    let tuned: [Trajectory]
    let etaGD: Double, etaScaled: Double
    let armNames: [String]
    let sweep: [[[Trajectory]]]
    let sweepInstances: [(sensing: GaussianSensingOperator, basis: Tensor<Double>, start: Tensor<Double>)]
    let c3: [[Trajectory]]
    let c3Measurements: Int
    let c3Tuned: [[Trajectory]]
    let c3EtaGD: Double, c3EtaScaled: Double
    let diagnostic: [ScaledGDLambda.SampleSizeCell]
    let largestM: Int
    let stepStudy: [ScaledGDLambda.StepStudyCell]
    let stepStudyOperatorError: [[Double]]

    /// c3's geometric-mean final recovery error and training residual, GD then ScaledGD(λ).
    var c3Error: [Double] { c3.map { Statistics.geometricMean($0.map { $0.errors.last! }) } }
    var c3Residual: [Double] { c3.map { Statistics.geometricMean($0.map { $0.residuals.last! }) } }

    /// The worse final training residual over the c3 tuning instances (divergence = ∞).
    func c3Score(_ j: Int) -> Double {
        c3Tuned.map { $0[j].diverged ? Double.infinity : $0[j].residuals.last! }.max()!
    }
    func iterations(_ t: Trajectory) -> Double { Double(t.diverged ? s.budget : (t.reachedAt ?? s.budget)) }
    func meanIterations(_ arm: Arm, _ k: Int) -> Double { Statistics.mean(sweep[arm.rawValue][k].map(iterations)) }
    func unreached(_ arm: Arm, _ k: Int) -> Int { sweep[arm.rawValue][k].filter { $0.reachedAt == nil }.count }
    func meanRate(_ arm: Arm, _ k: Int) -> Double {
        let r = sweep[arm.rawValue][k].map { ScaledGDLambda.fittedRate($0.errors) }.filter(\.isFinite)
        return r.isEmpty ? .nan : Statistics.mean(r)
    }
    var k10: Int { s.kappas.firstIndex(of: 10) ?? 0 }
    var kMax: Int { s.kappas.firstIndex(of: kappaMax)! }


    func diagnosticIterations(_ runs: [Trajectory]) -> Double { Statistics.mean(runs.map(iterations)) }
    func diagnosticHits(_ runs: [Trajectory]) -> Int { runs.filter { $0.reachedAt == nil && !$0.diverged }.count }
    func diagnosticFinal(_ runs: [Trajectory]) -> Double { Statistics.geometricMean(runs.map { $0.errors.last! }) }

    /// The metrics the claims read.
    func evidence() -> Evidence {
        var e = Evidence()
        e.record("tuned.eta.gd", etaGD, absoluteTolerance: 0, relativeTolerance: 0)
        e.record("tuned.eta.scaledgd", etaScaled, absoluteTolerance: 0, relativeTolerance: 0)
        for (k, kappa) in s.kappas.enumerated() {
            e.record("c1.scaledgd.iters.kappa=\(Int(kappa))", meanIterations(.scaled, k), absoluteTolerance: 1, relativeTolerance: 0.05)
            e.record("c1.scaledgd_exact.iters.kappa=\(Int(kappa))", meanIterations(.scaledExact, k), absoluteTolerance: 1, relativeTolerance: 0.05)
            e.record("c2.gd.iters.kappa=\(Int(kappa))", meanIterations(.gd, k), absoluteTolerance: 1, relativeTolerance: 0.05)
            e.record("rate.scaledgd.kappa=\(Int(kappa))", meanRate(.scaled, k), absoluteTolerance: 1e-3, relativeTolerance: 0)
            e.record("rate.gd.kappa=\(Int(kappa))", meanRate(.gd, k), absoluteTolerance: 1e-3, relativeTolerance: 0)
        }
        e.record("c1.scaledgd.iters.kappa=max", meanIterations(.scaled, kMax), absoluteTolerance: 1, relativeTolerance: 0.05)
        e.record("c1.scaledgd.unreached_runs", Double(s.kappas.indices.map { unreached(.scaled, $0) }.reduce(0, +)), absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c1.scaledgd_exact.unreached_runs", Double(s.kappas.indices.map { unreached(.scaledExact, $0) }.reduce(0, +)), absoluteTolerance: 0, relativeTolerance: 0)
        // Of the runs that missed ε, how many diverged rather than ran out of budget (both arms).
        e.record("c1.scaledgd.diverged_runs", Double([Arm.scaled, .scaledExact].flatMap { arm in s.kappas.indices.flatMap { sweep[arm.rawValue][$0] } }.filter(\.diverged).count),
                 absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c1.scaledgd.unreached_runs_both", Double([Arm.scaled, .scaledExact].map { arm in s.kappas.indices.map { unreached(arm, $0) }.reduce(0, +) }.reduce(0, +)),
                 absoluteTolerance: 0, relativeTolerance: 0)
        // The target of the step-size tuning: some step of the grid reached ε on the tuning problem.
        e.record("c1.tuning.reached", (0..<s.stepGrid.count).contains { tuned[s.stepGrid.count + $0].reachedAt != nil } ? 1 : 0,
                 absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c1.scaledgd.growth_10_to_max", meanIterations(.scaled, kMax) / meanIterations(.scaled, k10), absoluteTolerance: 0, relativeTolerance: 0.1)
        e.record("c1.scaledgd_exact.growth_10_to_max", meanIterations(.scaledExact, kMax) / meanIterations(.scaledExact, k10), absoluteTolerance: 0, relativeTolerance: 0.1)
        e.record("c2.gd.iters.kappa=max", meanIterations(.gd, kMax), absoluteTolerance: 1, relativeTolerance: 0.05)
        e.record("c2.gd.budget_hits.kappa=max", Double(unreached(.gd, kMax)), absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c2.gd.growth_10_to_max", meanIterations(.gd, kMax) / meanIterations(.gd, k10), absoluteTolerance: 0, relativeTolerance: 0.1)
        e.record("c3.tuned.eta.gd", c3EtaGD, absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c3.tuned.eta.scaledgd", c3EtaScaled, absoluteTolerance: 0, relativeTolerance: 0)
        e.record("c3.gd.recovery_error", c3Error[0], absoluteTolerance: 1e-9, relativeTolerance: 0.5)
        e.record("c3.scaledgd.recovery_error", c3Error[1], absoluteTolerance: 1e-9, relativeTolerance: 0.5)
        e.record("c3.gd.train_residual", c3Residual[0], absoluteTolerance: 1e-9, relativeTolerance: 0.5)
        e.record("c3.scaledgd.train_residual", c3Residual[1], absoluteTolerance: 1e-9, relativeTolerance: 0.5)
        e.record("c3.scaledgd_error_over_tolerance", c3Error[1] / max(2 * c3Error[0], 1e-4), absoluteTolerance: 1e-6, relativeTolerance: 0.5)

        return e
    }

    /// The post-hoc diagnostics' metrics (read by no claim).
    func recordDiagnostics(into e: inout Evidence) {
        for cell in diagnostic {
            let key = "kappa=\(Int(cell.kappa)).m=\(cell.measurementsPerDegree)nr"
            for (name, runs) in [("gd", cell.gd), ("scaledgd", cell.scaled)] {
                e.record("diagnostic.\(name).iters.\(key)", diagnosticIterations(runs), absoluteTolerance: 1, relativeTolerance: 0.05)
                e.record("diagnostic.\(name).budget_hits.\(key)", Double(diagnosticHits(runs)), absoluteTolerance: 0, relativeTolerance: 0)
                e.record("diagnostic.\(name).diverged.\(key)", Double(runs.filter(\.diverged).count), absoluteTolerance: 0, relativeTolerance: 0)
                // The error where a diverged run was stopped (> 1e4) is no error level: left out.
                let kept = runs.filter { !$0.diverged }
                if !kept.isEmpty {
                    e.record("diagnostic.\(name).final_error.\(key)", diagnosticFinal(kept), absoluteTolerance: 1e-12, relativeTolerance: 0.5)
                }
            }
            let keptOff = zip(cell.scaled, cell.scaledOffSubspace).filter { !$0.0.diverged }.map(\.1)
            if !keptOff.isEmpty {
                e.record("diagnostic.scaledgd.off_subspace_error.\(key)", Statistics.geometricMean(keptOff), absoluteTolerance: 1e-12, relativeTolerance: 0.5)
            }
            e.record("diagnostic.operator_error.\(key)", Statistics.mean(cell.operatorError), absoluteTolerance: 1e-9, relativeTolerance: 1e-6)
        }
        for cell in stepStudy {
            let key = "m=\(cell.sample).\(cell.method).eta=\(fmt(cell.eta)).kappa=\(Int(cell.kappa))"
            e.record("diagnostic.stepsize.\(key).iters", diagnosticIterations(cell.runs), absoluteTolerance: 1, relativeTolerance: 0.05)
            e.record("diagnostic.stepsize.\(key).budget_hits", Double(diagnosticHits(cell.runs)), absoluteTolerance: 0, relativeTolerance: 0)
            e.record("diagnostic.stepsize.\(key).diverged", Double(cell.runs.filter(\.diverged).count), absoluteTolerance: 0, relativeTolerance: 0)
        }
        for (k, kappa) in s.stepStudyKappas.enumerated() {
            e.record("diagnostic.stepsize.operator_error.kappa=\(Int(kappa))", Statistics.mean(stepStudyOperatorError[k]), absoluteTolerance: 1e-9, relativeTolerance: 1e-6)
        }

    }

    func setup() -> [ReportBlock] {
        // MARK: Setup
        return [
            .text(#"""
            **Problems.** $n=\#(s.n)$, true rank $r_\star=\#(s.trueRank)$, $m=\#(s.measurementsPerDegree)\,n\,r_\star=\#(s.measurements)$ \#
            symmetrised Gaussian measurements (packed dimension $n(n+1)/2=\#(s.n * (s.n + 1) / 2)$), noiseless. \#
            $M_\star=U\,\mathrm{diag}(\sigma)U^\top$ with $U$ a uniformly random orthonormal $n\times r_\star$ basis and \#
            $\sigma_i=\kappa^{-(i-1)/(r_\star-1)}$ (so $\sigma_1=1$, $\sigma_{r_\star}=1/\kappa$), \#
            $\kappa\in\{\#(s.kappas.map { fmt($0) }.joined(separator: ", "))\}$. For each of \#(s.reps) seeds one operator, \#
            one $U$ and one initial direction $G$ are drawn and shared by every κ and arm (paired design); \#
            seed streams `sweep/rep k/{sensing,basis,init}`.

            **Arms.** GD and ScaledGD(λ) with $r=\#(s.overRank)$ (overparameterised, $2r_\star$), and ScaledGD(λ) with \#
            $r=r_\star$ started from the first $r_\star$ columns of the same $X_0$. $X_0=\alpha G$, $\alpha=\#(fmt(s.initScale))$, \#
            $G_{ij}\sim N(0,1/n)$. Damping $\lambda=\#(fmt(s.dampingConstant))\,\sigma_{\min}(M_\star)$.

            **Stopping and budget.** A run stops when $\|X_tX_t^\top-M_\star\|_F/\|M_\star\|_F\le\#(fmt(s.epsilon))$, \#
            after \#(s.budget) iterations, or on divergence (non-finite or relative error $>10^4$). A run that \#
            does not reach ε counts as the budget in means (an underestimate).

            **Step sizes.** Each method's constant step size $\eta$ is chosen once from the same grid \#
            $\{\#(s.stepGrid.map { fmt($0) }.joined(separator: ", "))\}$ by the same rule: fewest iterations to ε on one \#
            tuning problem at $\kappa=\#(fmt(s.tuneKappa))$ from its own stream (`tune/rep 0`), a run that misses ε ranked \#
            after every run that reaches it, by its final error, a divergence last, ties to the smaller step. Chosen: GD $\eta=\#(fmt(etaGD))$, \#
            ScaledGD(λ) $\eta=\#(fmt(etaScaled))$. Since $\|M_\star\|=1$ for every κ, GD's stability limit does not move \#
            with κ, so a step tuned at κ = \#(fmt(s.tuneKappa)) remains GD's best at large κ.

            **Generalisation (c3).** $r=n=\#(s.n)$, $m=\#(s.c3MeasurementsPerDegree)\,n\,r_\star=\#(c3Measurements)<n(n+1)/2=\#(s.n * (s.n + 1) / 2)$, \#
            $\kappa=\#(fmt(s.c3Kappa))$, \#(s.reps) seeds (streams `c3/rep k/…`), \#(s.c3Budget) iterations. \#
            Each method's step is re-tuned for this setting on the same grid, on two tuning instances \#
            (`c3-tune/rep 0, 1`), by the lowest worse-of-two final *training* residual (divergence last): GD $\eta=\#(fmt(c3EtaGD))$, \#
            ScaledGD(λ) $\eta=\#(fmt(c3EtaScaled))$. We report the final recovery error and training residual \#
            $\|\mathcal A(XX^\top)-y\|/\|y\|$ (geometric means over seeds).
            """#),
            .table(Table(
                caption: "Step-size tuning at κ = \(fmt(s.tuneKappa)): iterations to ε (— = budget hit, ∞ = diverged).",
                headers: ["η"] + ["GD", "ScaledGD(λ)"],
                rows: s.stepGrid.enumerated().map { i, eta in
                    [fmt(eta)] + [tuned[i], tuned[s.stepGrid.count + i]].map { t in
                        t.diverged ? "∞" : t.reachedAt.map { "\($0)" } ?? "—"
                    }
                })),
            .table(Table(
                caption: "Step-size tuning for c3 (r = n, m = \(c3Measurements)): worse final training residual of two tuning instances after \(s.c3Budget) iterations (∞ = diverged).",
                headers: ["η", "GD", "ScaledGD(λ)"],
                rows: s.stepGrid.enumerated().map { i, eta in [fmt(eta), fmt(c3Score(i)), fmt(c3Score(s.stepGrid.count + i))] })),
        ]

    }

    func results(sensitivity: Table) -> [ReportBlock] {
        // MARK: Results
        /// Mean iterations to ε, with how many runs missed it by hitting the budget and how many
        /// diverged (both count as the budget in the mean).
        func runsCell(_ runs: [Trajectory]) -> String {
            let m = fmt(Statistics.mean(runs.map(iterations)))
            let diverged = runs.filter(\.diverged).count
            let hits = runs.filter { $0.reachedAt == nil && !$0.diverged }.count
            if hits + diverged == 0 { return m }
            let parts = (hits > 0 ? ["\(hits)/\(runs.count) hit budget"] : []) + (diverged > 0 ? ["\(diverged)/\(runs.count) diverged"] : [])
            return "≥ \(m) (\(parts.joined(separator: ", ")))"
        }
        func cell(_ arm: Arm, _ k: Int) -> String {
            runsCell(sweep[arm.rawValue][k])
        }
        let iterTable = Table(
            caption: "Iterations to relative error \(fmt(s.epsilon)), mean over \(s.reps) seeds.",
            headers: ["κ"] + armNames,
            rows: s.kappas.enumerated().map { k, kappa in [fmt(kappa)] + Arm.allCases.map { cell($0, k) } })
        func rateCell(_ arm: Arm, _ k: Int) -> String {
            let r = meanRate(arm, k)
            return r.isFinite ? "\(fmt(r, 5)) (\(fmt(-1 / Double.log10(r), 3)) it/decade)" : "—"
        }
        let rateTable = Table(
            caption: "Fitted linear rate: contraction factor of the relative error per iteration (least squares on log10 error from the first iterate ≤ 1e-2 to the end of the run), mean over seeds; in brackets, iterations per decade. — = never below 1e-2.",
            headers: ["κ"] + armNames,
            rows: s.kappas.enumerated().map { k, kappa in [fmt(kappa)] + Arm.allCases.map { rateCell($0, k) } })

        var curves = [Series]()
        for (k, kappa) in s.kappas.enumerated() {
            for arm in [Arm.gd, .scaled] {
                let errs = sweep[arm.rawValue][k][0].errors
                let (x, y) = downsample(errs, maxPoints: 400)
                curves.append(Series("\(arm == .gd ? "GD" : "ScaledGD(λ)") κ=\(fmt(kappa))", x: x, y: y))
            }
        }
        let curveFigure = Figure(
            name: "error-vs-iteration", title: "Relative error, seed 0, r = \(s.overRank)",
            xLabel: "iteration", yLabel: "‖XXᵀ − M⋆‖_F / ‖M⋆‖_F", series: curves, logY: true,
            reference: (s.epsilon, "ε = \(fmt(s.epsilon))"),
            caption: "If the rate is κ-independent, ScaledGD(λ)'s curves (one per κ) fall together after a short escape from the small initialisation; GD learns each singular direction at a rate proportional to its size, so its curves spread out as κ grows. A flat tail above ε is the overparameterisation error: spurious directions excited early and removed only slowly.")
        let iterFigure = Figure(
            name: "iterations-vs-kappa", title: "Iterations to ε = \(fmt(s.epsilon)) against κ",
            xLabel: "condition number κ", yLabel: "iterations (mean over seeds)",
            series: Arm.allCases.map { arm in
                Series(armNames[arm.rawValue], x: s.kappas, y: s.kappas.indices.map { meanIterations(arm, $0) }, style: .linespoints)
            },
            logX: true, logY: true, reference: (Double(s.budget), "iteration budget"),
            caption: "On log-log axes polynomial growth in κ is a straight line of positive slope; logarithmic growth is nearly flat. Points on the budget line are censored (the run did not reach ε).")

        let c3Table = Table(
            caption: "Generalisation with r = n = \(s.n) and m = \(c3Measurements) < n(n+1)/2 measurements, κ = \(fmt(s.c3Kappa)), after \(s.c3Budget) iterations (geometric mean over \(s.reps) seeds).",
            headers: ["method", "recovery error ‖XXᵀ−M⋆‖_F/‖M⋆‖_F", "training residual ‖A(XXᵀ)−y‖/‖y‖"],
            rows: [["GD", fmt(c3Error[0]), fmt(c3Residual[0])], ["ScaledGD(λ)", fmt(c3Error[1]), fmt(c3Residual[1])]])
        var c3Curves = [Series]()
        for (i, name) in ["GD", "ScaledGD(λ)"].enumerated() {
            let t = c3[i][0]
            let (x, y) = downsample(t.errors, maxPoints: 400)
            c3Curves.append(Series("\(name): recovery error", x: x, y: y))
            let (xr, yr) = downsample(t.residuals, maxPoints: 400)
            c3Curves.append(Series("\(name): training residual", x: xr, y: yr))
        }
        let c3Figure = Figure(
            name: "generalisation", title: "r = n = \(s.n), m = \(c3Measurements): test vs training error, seed 0",
            xLabel: "iteration", yLabel: "relative error", series: c3Curves, logY: true,
            caption: "With fewer measurements than a full-rank fit needs, a method can drive the training residual down without recovering M⋆. Recovery error tracking the training residual means the implicit low-rank bias of the small initialisation survives; a gap between the two is overfitting.")

        // The diagnostic's report: a labelled post-hoc section after the claims' results.
        /// Final error over seeds; "diverged" when every run did (error > 1e4 is no error level).
        func finalCell(_ runs: [Trajectory]) -> String {
            let kept = runs.filter { !$0.diverged }
            if kept.isEmpty { return "diverged" }
            return fmt(diagnosticFinal(kept)) + (kept.count < runs.count ? " (\(kept.count) not diverged)" : "")
        }
        let diagnosticTable = Table(
            caption: "Diagnostic (post hoc): the overparameterised arms (r = \(s.overRank)) with more measurements, \(s.diagnosticReps == 1 ? "first seed" : "first \(s.diagnosticReps) seeds") of the sweep, same steps (GD η = \(fmt(etaGD)), ScaledGD(λ) η = \(fmt(etaScaled))), budget \(s.budget), ε = \(fmt(s.epsilon)). Iterations to ε (mean; a run that misses ε counts as the budget); final error = relative error where the run stopped (geometric mean); off-subspace = ‖P⊥XXᵀP⊥‖_F/‖M⋆‖_F at the end of the ScaledGD(λ) run; operator error = λ_max(P⊥EP⊥)/σ_min with E = (1/m)𝒜*𝒜(M⋆) − M⋆. cubic-tail level = √(r−r⋆)·λ/(2ηT)/‖M⋆‖_F, what fully excited spare columns would keep after T = \(s.budget) iterations of s ← s − (η/λ)s³. The m = \(s.measurementsPerDegree)·n·r⋆ rows are the sweep's own runs.",
            headers: ["m", "κ", "operator error / σ_min", "GD iterations", "GD final error", "ScaledGD(λ) iterations", "ScaledGD(λ) final error", "ScaledGD(λ) off-subspace", "cubic-tail level"],
            rows: diagnostic.map { cell in
                ["\(cell.measurementsPerDegree)·n·r⋆ = \(cell.measurementsPerDegree * s.n * s.trueRank)", fmt(cell.kappa), fmt(Statistics.mean(cell.operatorError)),
                 runsCell(cell.gd), finalCell(cell.gd), runsCell(cell.scaled), finalCell(cell.scaled),
                 cell.scaled.allSatisfy(\.diverged) ? "—" : fmt(Statistics.geometricMean(zip(cell.scaled, cell.scaledOffSubspace).filter { !$0.0.diverged }.map(\.1))),
                 fmt(ScaledGDLambda.cubicTailBound(settings: s, kappa: cell.kappa, eta: etaScaled))]
            })
        var diagnosticSeries = [Series]()
        var allDiverged = [String]()
        for kappa in s.diagnosticKappas {
            let cells = diagnostic.filter { $0.kappa == kappa }
            for (name, runsOf) in [("ScaledGD(λ)", { (c: ScaledGDLambda.SampleSizeCell) in c.scaled }), ("GD", { (c: ScaledGDLambda.SampleSizeCell) in c.gd })] {
                // A diverged run has no final error level; a sample size where every run diverged has no point.
                let points = cells.compactMap { c -> (Double, Double)? in
                    let kept = runsOf(c).filter { !$0.diverged }
                    return kept.isEmpty ? nil : (Double(c.measurementsPerDegree), diagnosticFinal(kept))
                }
                if points.isEmpty { allDiverged.append("\(name) at κ = \(fmt(kappa))"); continue }
                diagnosticSeries.append(Series("\(name) κ=\(fmt(kappa))", x: points.map(\.0), y: points.map(\.1), style: .linespoints))
            }
        }
        let diagnosticFigure = Figure(
            name: "diagnostic-sample-size", title: "Diagnostic: final error against sample size (r = \(s.overRank), budget \(s.budget))",
            xLabel: "measurements per degree of freedom, m / (n r⋆)", yLabel: "final relative error (geometric mean)",
            series: diagnosticSeries, logX: true, logY: true, reference: (s.epsilon, "ε = \(fmt(s.epsilon))"),
            caption: "A point at or just below the ε line reached ε within the budget; a point above it stalled there. "
                + (allDiverged.isEmpty ? "" : "Not drawn: \(allDiverged.joined(separator: ", ")), whose runs diverged at every sample size. ")
                + "Post hoc: read by no claim.")
        let diagnosticBlocks: [ReportBlock] = [
            .text(ScaledGDLambda.diagnosticIntroduction(settings: s)),
            .table(diagnosticTable), .figure(diagnosticFigure),
            .text(ScaledGDLambda.diagnosticReading(diagnostic, settings: s, etaGD: etaGD, etaScaled: etaScaled)),
        ]

        // The step-size study: rows (operator, method, η), columns κ.
        let studySteps = ScaledGDLambda.stepStudyRows(settings: s, etaGD: etaGD, etaScaled: etaScaled)
        let studySamples = ["\(largestM)nr", "inf"]
        func sampleLabel(_ sample: String) -> String { sample == "inf" ? "∞ (population)" : "\(largestM)·n·r⋆" }
        func studyCell(_ sample: String, _ method: String, _ eta: Double, _ kappa: Double) -> ScaledGDLambda.StepStudyCell? {
            stepStudy.first { $0.sample == sample && $0.method == method && $0.eta == eta && $0.kappa == kappa }
        }
        /// Mean iterations as in the sweep, plus the final error of the runs that hit the budget.
        func studyRunsCell(_ runs: [Trajectory]) -> String {
            let hit = runs.filter { $0.reachedAt == nil && !$0.diverged }
            return runsCell(runs) + (hit.isEmpty ? "" : "; final error \(fmt(diagnosticFinal(hit)))")
        }
        let studyTable = Table(
            caption: "Diagnostic (post hoc): iterations to ε = \(fmt(s.epsilon)) at m = \(largestM)·n·r⋆ = \(largestM * s.n * s.trueRank) and in the population limit m = ∞ (r = \(s.overRank), budget \(s.budget), \(s.diagnosticReps == 1 ? "first seed" : "first \(s.diagnosticReps) seeds") of the sweep, λ = \(fmt(s.dampingConstant))·σ_min), for fixed step sizes chosen before these runs and for each method's tuned step (marked). Mean over seeds; a run that misses ε, by the budget or by diverging, counts as the budget and makes the mean a lower bound (≥); for budget hits, the geometric-mean error where they stopped. Growth = mean iterations at κ = \(fmt(s.stepStudyKappas.last!)) over κ = \(fmt(s.stepStudyKappas.first!)), given only when every run at both ends reached ε. cubic tail = √(r−r⋆)·λ/(2ηε‖M⋆‖_F), the iterations after which fully excited spare columns are certainly below ε.",
            headers: ["m", "method", "η"] + s.stepStudyKappas.map { "κ = \(fmt($0))" } + ["growth κ = \(fmt(s.stepStudyKappas.first!)) → \(fmt(s.stepStudyKappas.last!))", "cubic tail at κ = \(s.stepStudyKappas.map { fmt($0) }.joined(separator: ", "))"],
            rows: studySamples.flatMap { sample in studySteps.map { row in
                let cells = s.stepStudyKappas.map { studyCell(sample, row.method, row.eta, $0) }
                let ends = [cells.first!, cells.last!].compactMap { $0 }
                let growth = ends.count == 2 && ends.allSatisfy { $0.runs.allSatisfy { $0.reachedAt != nil } }
                    ? "×" + fmt(diagnosticIterations(ends[1].runs) / diagnosticIterations(ends[0].runs)) : "—"
                let tail = row.method == "gd" || sample == "inf" ? "—" : s.stepStudyKappas.map { fmt(ScaledGDLambda.cubicTailIterations(settings: s, kappa: $0, eta: row.eta)) }.joined(separator: ", ")
                return [sampleLabel(sample), row.method == "gd" ? "GD" : "ScaledGD(λ)", fmt(row.eta) + (row.tuned ? " (tuned)" : "")]
                    + cells.map { $0.map { studyRunsCell($0.runs) } ?? "—" } + [growth, tail]
            } })
        var studySeries = [Series]()
        var studyDropped = [String]()
        for sample in studySamples {
            // GD is drawn at its tuned step only (its other steps are slower by about 1/η, see the table).
            for row in studySteps where row.method == "scaledgd" || row.tuned {
                // A κ where some run diverged has no iteration count to draw; budget hits sit on the budget line.
                let points = s.stepStudyKappas.compactMap { kappa -> (Double, Double)? in
                    guard let c = studyCell(sample, row.method, row.eta, kappa), !c.runs.contains(where: \.diverged) else { return nil }
                    return (kappa, diagnosticIterations(c.runs))
                }
                let name = "\(row.method == "gd" ? "GD" : "ScaledGD(λ)") η=\(fmt(row.eta))\(row.tuned ? " (tuned)" : ""), m=\(sample == "inf" ? "∞" : "\(largestM)nr⋆")"
                if points.count < s.stepStudyKappas.count {
                    let missing = s.stepStudyKappas.filter { k in !points.contains { $0.0 == k } }
                    studyDropped.append("\(name) at κ = \(missing.map { fmt($0) }.joined(separator: ", "))")
                }
                if !points.isEmpty {
                    studySeries.append(Series(name, x: points.map(\.0), y: points.map(\.1), style: .linespoints))
                }
            }
        }
        let studyFigure = Figure(
            name: "diagnostic-step-size", title: "Diagnostic: iterations to ε against κ (r = \(s.overRank))",
            xLabel: "condition number κ", yLabel: "iterations to ε (mean over seeds)",
            series: studySeries, logX: true, logY: true, reference: (Double(s.budget), "iteration budget"),
            caption: "Flat lines are κ-independent iteration counts; points on the budget line did not reach ε. GD is drawn at its tuned step only. "
                + (studyDropped.isEmpty ? "" : "Not drawn (some run diverged): \(studyDropped.joined(separator: "; ")). ")
                + "Post hoc: read by no claim.")
        let studyBlocks: [ReportBlock] = [
            .text(ScaledGDLambda.stepStudyIntroduction(settings: s, etaGD: etaGD, etaScaled: etaScaled)),
            .table(studyTable), .figure(studyFigure),
            .text(ScaledGDLambda.stepStudyReading(stepStudy, rows: studySteps, operatorError: stepStudyOperatorError, settings: s)),
        ]

        return [
            .table(iterTable), .figure(iterFigure), .figure(curveFigure), .table(rateTable), .table(sensitivity),
            .table(c3Table), .figure(c3Figure),
            .details("Post-hoc diagnostic: sample size (read by no claim)", diagnosticBlocks),
            .details("Post-hoc diagnostic: step size (read by no claim)", studyBlocks),
        ]
    }
}

// MARK: - Sensitivity to the damping λ = c_λ σ_min

extension ScaledGDLambda {
    struct SensitivityRow {
        var c: Double
        var eta: Double
        var reached: Bool
        var growth: Double
        var unreached: Int
        var verdict: String
    }

    /// c1 at each damping of ``dampingSweep``: the step tuned again (same grid, same rule, same
    /// tuning problem), the overparameterised arm run at κ = 10 and the largest κ on the sweep's
    /// seeds, and c1's own rule applied to the result (with the sweep's exact-rank arm and GD
    /// premise as measured at the claim's c_λ).
    static func dampingSensitivity(_ context: RunContext, settings s: Settings, tuneProblem: MatrixSensingProblem, tuneStart: Tensor<Double>,
                                   instances: [(sensing: GaussianSensingOperator, basis: Tensor<Double>, start: Tensor<Double>)],
                                   claim: Claim, evidence: Evidence) throws -> (rows: [SensitivityRow], table: Table) {
        let kappas = [10.0, s.kappas.max()!]
        var rows = [SensitivityRow]()
        for c in dampingSweep {
            context.progress.report(context.slug, "damping sensitivity c_λ = \(c)")
            let lambda = damping(for: tuneProblem, c: c)
            let tuned = try runTogether(s.stepGrid.map { Job(problem: tuneProblem, start: tuneStart, update: .scaledGD(stepSize: $0, damping: lambda)) },
                                        epsilon: s.epsilon, budget: s.budget)
            let scores = tuned.map { tuningScore($0, budget: s.budget, epsilon: s.epsilon) }
            let best = scores.indices.min { scores[$0] < scores[$1] }!
            let eta = s.stepGrid[best]
            var iterations = [[Double]](repeating: [], count: kappas.count)
            var unreached = 0
            for inst in instances {
                let jobs = kappas.map { kappa -> Job in
                    let problem = MatrixSensingProblem(sensing: inst.sensing, basis: inst.basis,
                                                       singularValues: MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: kappa))
                    return Job(problem: problem, start: inst.start, update: .scaledGD(stepSize: eta, damping: damping(for: problem, c: c)))
                }
                for (k, t) in try runTogether(jobs, epsilon: s.epsilon, budget: s.budget).enumerated() {
                    iterations[k].append(Double(t.diverged ? s.budget : (t.reachedAt ?? s.budget)))
                    if t.reachedAt == nil { unreached += 1 }
                }
            }
            let growth = Statistics.mean(iterations[1]) / Statistics.mean(iterations[0])
            let reached = tuned.contains { $0.reachedAt != nil }
            // c1's rule on this damping's numbers (the exact-rank arm's misses are the claim's own).
            var e = Evidence()
            for m in evidence.metrics where !["c1.scaledgd.unreached_runs_both", "c1.tuning.reached", "c1.scaledgd.growth_10_to_max"].contains(m.name) {
                e.record(m.name, m.value)
            }
            e.record("c1.scaledgd.unreached_runs_both", Double(unreached))
            e.record("c1.tuning.reached", reached ? 1 : 0)
            e.record("c1.scaledgd.growth_10_to_max", growth)
            rows.append(SensitivityRow(c: c, eta: eta, reached: reached, growth: growth, unreached: unreached,
                                       verdict: claim.decide(e).verdict.display))
        }
        let table = Table(
            caption: "c1's sensitivity to the damping λ = c_λ σ_min(M⋆) (r = 2r⋆, m = 10nr⋆): step re-tuned per c_λ on the same grid, κ = 10 and \(fmt(kappas[1])) on the sweep's seeds, and the verdict c1's rule would give (missed runs count only this arm; the verdict above also counts r = r⋆ and is taken at c_λ = \(fmt(s.dampingConstant))).",
            headers: ["c_λ", "tuned η", "tuning reached ε", "iteration growth κ = 10 → \(fmt(kappas[1]))", "runs missing ε", "c1's verdict"],
            rows: rows.map { ["\(fmt($0.c))", fmt($0.eta), $0.reached ? "yes" : "**no**", fmt($0.growth, 3), "\($0.unreached)", $0.verdict] })
        return (rows, table)
    }
}

// MARK: - Diagnostic: sample size (post hoc)
//
// Added after the verdicts were in, to test an explanation of c1's failure; no claim reads it and
// nothing in the claims' experiment was changed for it.
//
// **The suspected mechanism.** While $X$ is still tiny the gradient is $-\tfrac1m\mathcal A^*\mathcal A(M_\star)X$
// and the preconditioner is $\approx\lambda^{-1}I$, so ScaledGD(λ) is a power iteration with
// $I+\tfrac\eta\lambda\,\tfrac1m\mathcal A^*\mathcal A(M_\star)$. With finitely many Gaussian measurements
// $\tfrac1m\mathcal A^*\mathcal A(M_\star)=M_\star+E$, and $E$ has a bulk of eigenvalues of size
// $\approx2\sqrt{n/m}\,\|M_\star\|_F$ in *every* direction, including the $n-r_\star$ directions $M_\star$ does
// not use. The $r-r_\star$ spare columns of $X$ lock onto the top of that bulk and grow at
// $1+\eta\lambda_{\max}(E_\perp)/\lambda$ beside the true ones at $1+\eta\sigma_i/\lambda$. The damping makes
// both rates large, so when the true directions have grown to size $\sqrt{\sigma_i}$ the spare ones are no
// longer negligible. Once $XX^\top\approx M_\star$ the drive vanishes and a spare column of size $s\ll\sqrt\lambda$
// only shrinks as $s\leftarrow s-\tfrac\eta\lambda s^3$, i.e. like $\sqrt{\lambda/(2\eta t)}$: a sublinear tail
// that leaves an error of order $\lambda/(2\eta T)$ after $T$ iterations. GD has the same cubic tail
// (without the $1/\lambda$) but excites the spare columns much less, because its growth rates
// $1+\eta\sigma_i$ are close to 1 and the gap between true and spurious exponents is wider.
//
// **The test.** If the mechanism is right, more measurements (smaller $E$) should shrink the spare
// columns and lift the stall. We rerun the two overparameterised arms ($r=2r_\star$, step sizes as
// tuned for the sweep, same budget and ε) on the first seeds of the sweep, with the same basis $U$
// and initial direction $G$, and only the operator redrawn larger. The $m=10nr_\star$ row is the sweep
// itself. Besides iterations and final error we record the operator's error off the column space,
// $\lambda_{\max}(P_\perp E P_\perp)$ with $P_\perp=I-UU^\top$ (relative to $\sigma_{\min}$), and the part of the
// final error that lies off the column space, $\|P_\perp XX^\top P_\perp\|_F/\|M_\star\|_F$.


extension ScaledGDLambda {
    /// One (κ, m) cell of the sample-size diagnostic, one entry per seed.
    struct SampleSizeCell {
        var kappa: Double
        var measurementsPerDegree: Int
        /// The overparameterised GD and ScaledGD(λ) runs.
        var gd: [Trajectory] = [], scaled: [Trajectory] = []
        /// $\lambda_{\max}(P_\perp E P_\perp)/\sigma_{\min}$ with $E=\tfrac1m\mathcal A^*\mathcal A(M_\star)-M_\star$.
        var operatorError: [Double] = []
        /// $\|P_\perp XX^\top P_\perp\|_F/\|M_\star\|_F$ at the end of each ScaledGD(λ) run.
        var scaledOffSubspace: [Double] = []
    }

    /// $P_\perp = I - UU^\top$ for an orthonormal basis $U$.
    static func complementProjector(_ basis: Tensor<Double>) -> Tensor<Double> {
        Tensor<Double>.identity(basis.rows) - matmul(basis, basis, transposeB: true)
    }

    /// $\lambda_{\max}\big(P_\perp(\tfrac1m\mathcal A^*\mathcal A(M_\star)-M_\star)P_\perp\big)/\sigma_{\min}(M_\star)$: how
    /// strongly the finite operator pushes a small factor into directions $M_\star$ does not use, on the
    /// scale of the weakest direction it does use.
    static func offSubspaceOperatorError(_ problem: MatrixSensingProblem, normal: PackedNormalOperator, projector p: Tensor<Double>) throws -> Double {
        var e = normal.apply([problem.groundTruth], layout: problem.sensing)[0]
        e.add(problem.groundTruth, scaledBy: -1)
        return try symmetricEigen(matmul(matmul(p, e), p)).values.max()! / problem.smallestSingularValue
    }

    /// $\|P_\perp XX^\top P_\perp\|_F/\|M_\star\|_F$ (the ground truth has no component there).
    static func offSubspaceError(_ x: Tensor<Double>, problem: MatrixSensingProblem, projector p: Tensor<Double>) -> Double {
        let px = matmul(p, x)
        return matmul(px, px, transposeB: true).norm() / problem.groundTruthNorm
    }

    /// The error a fully excited spare subspace still has after `budget` iterations of the cubic
    /// tail $s\leftarrow s-\tfrac\eta\lambda s^3$ (whatever its starting size, $s_T^2\le\lambda/(2\eta T)$), summed
    /// over the $r-r_\star$ spare columns: $\sqrt{r-r_\star}\,\lambda/(2\eta T)/\|M_\star\|_F$.
    static func cubicTailBound(settings s: Settings, kappa: Double, eta: Double) -> Double {
        let sigma = MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: kappa)
        let lambda = s.dampingConstant * sigma.last!
        let norm = sigma.map { $0 * $0 }.reduce(0, +).squareRoot()
        return Double(s.overRank - s.trueRank).squareRoot() * lambda / (2 * eta * Double(s.budget)) / norm
    }

    /// The iterations after which ``cubicTailBound`` is at ε: $\sqrt{r-r_\star}\,\lambda/(2\eta\varepsilon\|M_\star\|_F)$.
    static func cubicTailIterations(settings s: Settings, kappa: Double, eta: Double) -> Double {
        var one = s
        one.budget = 1
        return (cubicTailBound(settings: one, kappa: kappa, eta: eta) / s.epsilon).rounded(.up)
    }

    /// Runs the diagnostic. `sweepRuns(kappaIndex, rep)` returns the sweep's (GD, ScaledGD(λ)) runs at
    /// r = 2r⋆, which serve as the m = `measurementsPerDegree` row without being rerun. Larger m use
    /// a fresh operator per seed (stream `diagnostic/m=<c>nr/rep k/sensing`) with the sweep's basis
    /// and initial factor for that seed, stepped through its ``PackedNormalOperator``.
    static func sampleSizeDiagnostic(
        _ context: RunContext, settings s: Settings, etaGD: Double, etaScaled: Double,
        instances: [(sensing: GaussianSensingOperator, basis: Tensor<Double>, start: Tensor<Double>)],
        sweepRuns: (Int, Int) -> (gd: Trajectory, scaled: Trajectory)
    ) throws -> (cells: [SampleSizeCell], largestNormals: [PackedNormalOperator]) {
        var cells = [SampleSizeCell]()
        var largestNormals = [PackedNormalOperator]()
        for c in s.diagnosticMeasurementsPerDegree {
            var row = s.diagnosticKappas.map { SampleSizeCell(kappa: $0, measurementsPerDegree: c) }
            for rep in 0..<s.diagnosticReps {
                let inst = instances[rep]
                let p = complementProjector(inst.basis)
                // The problems carry M⋆ and the packing layout; with m ≠ the sweep's, the normal
                // operator of the larger draw supplies every gradient.
                let problems = s.diagnosticKappas.map { kappa in
                    MatrixSensingProblem(sensing: inst.sensing, basis: inst.basis,
                                         singularValues: MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: kappa))
                }
                let normal: PackedNormalOperator
                let done: [Trajectory]
                if c == s.measurementsPerDegree {
                    normal = PackedNormalOperator(inst.sensing)
                    done = s.diagnosticKappas.flatMap { kappa -> [Trajectory] in
                        let pair = sweepRuns(s.kappas.firstIndex(of: kappa)!, rep)
                        return [pair.gd, pair.scaled]
                    }
                } else {
                    context.progress.report(context.slug, "diagnostic: m = \(c)·n·r⋆, seed \(rep + 1)/\(s.diagnosticReps)")
                    var rs = context.rng("diagnostic", "m=\(c)nr", "rep \(rep)", "sensing")
                    normal = PackedNormalOperator(n: s.n, measurements: c * s.n * s.trueRank, rng: &rs)
                    let jobs = problems.flatMap { problem in [
                        Job(problem: problem, start: inst.start, update: .gradientDescent(stepSize: etaGD)),
                        Job(problem: problem, start: inst.start, update: .scaledGD(stepSize: etaScaled, damping: damping(for: problem, c: s.dampingConstant))),
                    ] }
                    done = try runTogether(jobs, epsilon: s.epsilon, budget: s.budget, normal: normal)
                }
                if c == s.diagnosticMeasurementsPerDegree.max() { largestNormals.append(normal) }
                for k in row.indices {
                    row[k].gd.append(done[2 * k])
                    row[k].scaled.append(done[2 * k + 1])
                    row[k].operatorError.append(try offSubspaceOperatorError(problems[k], normal: normal, projector: p))
                    row[k].scaledOffSubspace.append(offSubspaceError(done[2 * k + 1].final, problem: problems[k], projector: p))
                }
            }
            cells += row
        }
        return (cells, largestNormals)
    }

    /// The opening of the report's post-hoc section: what is rerun and why.
    static func diagnosticIntroduction(settings s: Settings) -> String {
        #"""
        ### Diagnostic: sample size (post hoc)

        *Added after the verdicts above were fixed; no claim reads these numbers, and the claims' rules, \#
        seeds, budgets, step grid and $m=\#(s.measurementsPerDegree)\,n\,r_\star$ are unchanged.* The suspected cause of c1's \#
        failure is the finite operator: while $X$ is small, ScaledGD(λ) is a power iteration with \#
        $I+\tfrac\eta\lambda\cdot\tfrac1m\mathcal A^*\mathcal A(M_\star)$, and $\tfrac1m\mathcal A^*\mathcal A(M_\star)=M_\star+E$ where $E$ \#
        has eigenvalues of order $2\sqrt{n/m}\,\|M_\star\|_F$ also off the column space of $M_\star$. The \#
        $r-r_\star$ spare columns lock onto those directions and grow at $1+\eta\lambda_{\max}(P_\perp EP_\perp)/\lambda$, \#
        beside the weakest true direction at $1+\eta\sigma_{\min}/\lambda$; when the two rates are comparable \#
        the spare columns are fully excited, and once $XX^\top\approx M_\star$ they shrink only as \#
        $s\leftarrow s-\tfrac\eta\lambda s^3$, a sublinear tail. The paper's guarantee assumes an operator \#
        close enough to an isometry that this cannot happen (the RIP with a constant that shrinks with \#
        $\kappa$). So we rerun the overparameterised arms ($r=\#(s.overRank)$; GD and ScaledGD(λ) with the \#
        sweep's tuned steps, budget and ε) at $\kappa\in\{\#(s.diagnosticKappas.map { fmt($0) }.joined(separator: ", "))\}$ for \#
        $m\in\{\#(s.diagnosticMeasurementsPerDegree.map(String.init).joined(separator: ", "))\}\cdot n\,r_\star$, on the first \#
        \#(s.diagnosticReps == 1 ? "seed" : "\(s.diagnosticReps) seeds") of the sweep: same basis $U$ and initial direction $G$, only the operator \#
        redrawn (stream `diagnostic/m=<c>nr/rep k/sensing`) and applied through its $d\times d$ normal matrix \#
        $\tfrac1m B^\top B$, which gives the same iteration at a cost independent of $m$.
        """#
    }

    /// The closing paragraph: what the diagnostic's numbers say, written from them.
    static func diagnosticReading(_ cells: [SampleSizeCell], settings s: Settings, etaGD: Double, etaScaled: Double) -> String {
        func reached(_ runs: [Trajectory]) -> Bool { runs.allSatisfy { $0.reachedAt != nil } }
        func final(_ runs: [Trajectory]) -> Double { Statistics.geometricMean(runs.filter { !$0.diverged }.map { $0.errors.last! }) }
        func iters(_ runs: [Trajectory]) -> Double { Statistics.mean(runs.map { Double($0.diverged ? s.budget : ($0.reachedAt ?? s.budget)) }) }
        var sentences = [String]()
        for kappa in s.diagnosticKappas {
            let row = cells.filter { $0.kappa == kappa }
            let lambda = s.dampingConstant / kappa
            let errors = row.map { "\(fmt($0.operatorError.reduce(0, +) / Double($0.operatorError.count), 2))" }.joined(separator: " → ")
            var parts = ["At κ = \(fmt(kappa)) (λ = \(fmt(lambda))) the operator error off the column space falls as m grows (\(errors) σ_min over m = \(row.map { "\($0.measurementsPerDegree)" }.joined(separator: ", "))·n·r⋆)."]
            if row.allSatisfy({ $0.scaled.allSatisfy(\.diverged) }) {
                let by = row.flatMap { $0.scaled.map { $0.errors.count - 1 } }.max() ?? 0
                parts.append("ScaledGD(λ) diverges at every one of these sample sizes, by iteration \(by): the escape factor $1+\\eta\\sigma_1/\\lambda$ = 1 + \(fmt(etaScaled / lambda)) per step with the step η = \(fmt(etaScaled)) tuned at κ = \(fmt(s.tuneKappa)) throws $XX^\\top$ far past $M_\\star$ within a few steps. This is a different failure from the stall, and more measurements in this range do not touch it.")
            } else {
                // A row stalls when some run that did not diverge still missed ε.
                let stalled = row.filter { $0.scaled.contains { $0.reachedAt == nil && !$0.diverged } }
                func offSubspace(_ c: SampleSizeCell) -> Double {
                    Statistics.geometricMean(zip(c.scaled, c.scaledOffSubspace).filter { !$0.0.diverged }.map(\.1))
                }
                let recovered = row.filter { reached($0.scaled) }
                if !stalled.isEmpty {
                    let level = cubicTailBound(settings: s, kappa: kappa, eta: etaScaled)
                    let finals = stalled.map { final($0.scaled) }
                    let offs = stalled.map(offSubspace)
                    let offShare = zip(offs, finals).map { $0 / $1 }.min()!
                    var sentence = "ScaledGD(λ) stalls at m = \(stalled.map { "\($0.measurementsPerDegree)" }.joined(separator: ", "))·n·r⋆ with final error \(finals.map { fmt($0) }.joined(separator: ", "))"
                    sentence += offShare > 0.8
                        ? ", nearly all of it off the column space of $M_\\star$ (\(offs.map { fmt($0) }.joined(separator: ", ")))"
                        : " (off the column space: \(offs.map { fmt($0) }.joined(separator: ", ")))"
                    sentence += finals.allSatisfy { $0 >= level } && zip(finals, finals.dropFirst()).allSatisfy { $0 >= $1 }
                        ? ", falling towards the cubic-tail level \(fmt(level)) from above: more data speeds the tail up somewhat, but the stall stays while the spare columns are excited."
                        : "; the cubic-tail level is \(fmt(level))."
                    let divergedThere = stalled.filter { $0.scaled.contains(where: \.diverged) }
                    if !divergedThere.isEmpty {
                        sentence += " (Final errors over the runs that did not diverge; at m = \(divergedThere.map { "\($0.measurementsPerDegree)" }.joined(separator: ", "))·n·r⋆, \(divergedThere.map { "\($0.scaled.filter(\.diverged).count)" }.joined(separator: ", ")) of \(s.diagnosticReps) diverged instead.)"
                    }
                    parts.append(sentence)
                }
                if let first = recovered.first {
                    parts.append("At m = \(first.measurementsPerDegree)·n·r⋆, where the operator error is \(fmt(first.operatorError.reduce(0, +) / Double(first.operatorError.count), 2)) σ_min, the spare columns stay small (off-subspace part \(fmt(offSubspace(first)))) and ScaledGD(λ) reaches ε in \(fmt(iters(first.scaled))) iterations on average, against GD's \(fmt(iters(first.gd))).")
                }
                let gd = row.map { iters($0.gd) }
                parts.append("GD barely notices the sample size (\(gd.map { fmt($0) }.joined(separator: " → ")) iterations).")
            }
            sentences.append(parts.joined(separator: " "))
        }
        let lifted = cells.contains { c in c.measurementsPerDegree != s.measurementsPerDegree && c.scaled.allSatisfy { $0.reachedAt != nil } }
        let divergedEverywhere = s.diagnosticKappas.filter { k in cells.filter { $0.kappa == k }.allSatisfy { $0.scaled.allSatisfy(\.diverged) } }
        var summary = lifted
            ? "So the stall of the overparameterised ScaledGD(λ) is a finite-sample effect of the kind the theorem's RIP condition excludes: it goes away once the operator's error off the column space is well below σ_min."
            : "More measurements in this range did not lift the stall of the overparameterised ScaledGD(λ)."
        if !divergedEverywhere.isEmpty {
            summary += " The divergence at κ = \(divergedEverywhere.map { fmt($0) }.joined(separator: ", ")) is not a sample-size effect in this range."
        }
        summary += " None of this changes a verdict: c1 is judged, as fixed in advance, at m = \(s.measurementsPerDegree)·n·r⋆."
        sentences.append(summary)
        return sentences.joined(separator: "\n\n")
    }
}

// MARK: - Diagnostic: step size at the largest sample size (post hoc)
//
// Added after the sample-size diagnostic, to ask the next question: once the measurements are many
// enough to lift the stall and the step is small, are ScaledGD(λ)'s iteration counts independent of
// κ? No claim reads it. The fixed steps were chosen before any of these runs (see
// ``stepStudyIntroduction`` for the reason), and GD runs at the same steps for contrast.

extension ScaledGDLambda {
    /// One (method, η, κ) cell of the step-size study, one run per seed.
    struct StepStudyCell {
        /// The operator: "<c>nr" for m = c·n·r⋆, "inf" for the population limit.
        var sample: String
        var method: String
        var eta: Double
        var kappa: Double
        var runs: [Trajectory] = []
    }

    /// The study's rows: for each method the fixed steps and its tuned step, ascending in η.
    static func stepStudyRows(settings s: Settings, etaGD: Double, etaScaled: Double) -> [(method: String, eta: Double, tuned: Bool)] {
        [("scaledgd", etaScaled), ("gd", etaGD)].flatMap { method, tunedEta in
            (s.stepStudySteps.filter { $0 != tunedEta }.map { (method: method, eta: $0, tuned: false) } + [(method: method, eta: tunedEta, tuned: true)])
                .sorted { $0.eta < $1.eta }
        }
    }

    /// Runs the study on the first seeds of the sweep with the largest diagnostic operator of each
    /// seed (`normals`), same basis and initial factor. Runs at a method's tuned step that the
    /// sample-size diagnostic already made (`reuse(κ, rep)`) are taken from it, not rerun. Also
    /// returns, per κ, the operator's error off the column space (relative to σ_min) for each seed.
    static func stepSizeStudy(
        _ context: RunContext, settings s: Settings, etaGD: Double, etaScaled: Double,
        instances: [(sensing: GaussianSensingOperator, basis: Tensor<Double>, start: Tensor<Double>)],
        sample: String, normals: [PackedNormalOperator],
        reuse: (Double, Int) -> (gd: Trajectory, scaled: Trajectory)?
    ) throws -> (cells: [StepStudyCell], operatorError: [[Double]]) {
        let rows = stepStudyRows(settings: s, etaGD: etaGD, etaScaled: etaScaled)
        var cells = rows.flatMap { row in s.stepStudyKappas.map { StepStudyCell(sample: sample, method: row.method, eta: row.eta, kappa: $0) } }
        var operatorError = [[Double]](repeating: [], count: s.stepStudyKappas.count)
        for (rep, normal) in normals.enumerated() {
            context.progress.report(context.slug, "diagnostic: step sizes, m = \(sample), seed \(rep + 1)/\(normals.count)")
            let inst = instances[rep]
            let p = complementProjector(inst.basis)
            var jobs = [Job](), owner = [Int]()
            for (ci, cell) in cells.enumerated() {
                let problem = MatrixSensingProblem(sensing: inst.sensing, basis: inst.basis,
                                                   singularValues: MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: cell.kappa))
                let tuned = cell.eta == (cell.method == "gd" ? etaGD : etaScaled)
                if tuned, let pair = reuse(cell.kappa, rep) {
                    cells[ci].runs.append(cell.method == "gd" ? pair.gd : pair.scaled)
                    continue
                }
                let update: FactorUpdate = cell.method == "gd"
                    ? .gradientDescent(stepSize: cell.eta)
                    : .scaledGD(stepSize: cell.eta, damping: damping(for: problem, c: s.dampingConstant))
                jobs.append(Job(problem: problem, start: inst.start, update: update))
                owner.append(ci)
            }
            let done = try runTogether(jobs, epsilon: s.epsilon, budget: s.budget, normal: normal)
            for (j, ci) in owner.enumerated() { cells[ci].runs.append(done[j]) }
            for (k, kappa) in s.stepStudyKappas.enumerated() {
                let problem = MatrixSensingProblem(sensing: inst.sensing, basis: inst.basis,
                                                   singularValues: MatrixSensingProblem.geometricSpectrum(rank: s.trueRank, conditionNumber: kappa))
                operatorError[k].append(try offSubspaceOperatorError(problem, normal: normal, projector: p))
            }
        }
        return (cells, operatorError)
    }

    /// The opening of the step-size section: the question, the fixed steps and why they were chosen.
    static func stepStudyIntroduction(settings s: Settings, etaGD: Double, etaScaled: Double) -> String {
        let largestM = s.diagnosticMeasurementsPerDegree.max()!
        let overshoot = s.stepStudySteps.map { "\(fmt($0)): \(fmt($0 * $0 * s.stepStudyKappas.last! / (4 * s.dampingConstant), 2))" }
        return #"""
        ### Diagnostic: step size at the largest sample size (post hoc)

        *Also added after the verdicts were fixed and read by no claim.* The next question is whether, \#
        when its assumptions hold more closely (enough measurements, a step in the theory's \#
        small-constant regime), ScaledGD(λ)'s iteration count is independent of κ. We take the largest \#
        sample size above, $m=\#(largestM)\,n\,r_\star$, the same seeds, bases, initial factors, operators, budget \#
        and ε, and run both overparameterised arms ($r=\#(s.overRank)$) at $\kappa\in\{\#(s.stepStudyKappas.map { fmt($0) }.joined(separator: ", "))\}$ \#
        with the fixed steps $\eta\in\{\#(s.stepStudySteps.map { fmt($0) }.joined(separator: ", "))\}$ and with each method's tuned step \#
        (GD \#(fmt(etaGD)), ScaledGD(λ) \#(fmt(etaScaled))). **Why these steps (chosen before any of these runs).** In the scalar \#
        picture of one direction $u$ with target $\sigma_1=1$, ScaledGD(λ) multiplies a small $u$ by $1+\eta\sigma_1/\lambda$ per step, \#
        and the step that starts from $u^2\approx\lambda$ lands near $u^2\approx\eta^2\sigma_1^2/(4\lambda)=\eta^2\kappa/(4c_\lambda)$: an \#
        overshoot past $\sigma_1$ that grows with $\eta^2\kappa$, after which $u$ shrinks back at about $1-\eta$ per step. \#
        At κ = \#(fmt(s.stepStudyKappas.last!)) with $c_\lambda=\#(fmt(s.dampingConstant))$ this overshoot is \#(overshoot.joined(separator: ", ")) \#
        for the fixed steps, against \#(fmt(etaScaled * etaScaled * s.stepStudyKappas.last! / (4 * s.dampingConstant), 2)) at the tuned \#
        \#(fmt(etaScaled)). The steps span that range down to an overshoot of order one at the largest κ; smaller steps would only \#
        lengthen the $\log(1/\varepsilon)/\eta$ tail. The picture also predicts that no fixed η removes κ entirely: \#
        recovering from the overshoot costs about $\log(\eta^2\kappa/4c_\lambda)/\eta$ iterations, a $\log\kappa$ term like the \#
        theorem's. GD runs at the same steps for contrast; its stability limit is set by $\|M_\star\|=1$ and does not move \#
        with κ, so smaller steps only slow it down. Note that even at this $m$ the operator's error off the column space of \#
        $M_\star$ is not small next to $\sigma_{\min}$ at the largest κ (see the text below the table), so the RIP \#
        assumption holds there only partly. After seeing the $m=\#(largestM)\,n\,r_\star$ rows we added the population \#
        limit $m=\infty$ (gradient of $\tfrac14\|XX^\top-M_\star\|_F^2$, an exact isometry) with the same seeds, starts and steps: \#
        the theorem's assumption in its strongest form.
        """#
    }

    /// The closing paragraph of the step-size section, written from its numbers.
    static func stepStudyReading(_ cells: [StepStudyCell], rows: [(method: String, eta: Double, tuned: Bool)], operatorError: [[Double]], settings s: Settings) -> String {
        func iters(_ runs: [Trajectory]) -> Double { Statistics.mean(runs.map { Double($0.diverged ? s.budget : ($0.reachedAt ?? s.budget)) }) }
        func describe(_ c: StepStudyCell) -> String {
            let diverged = c.runs.filter(\.diverged).count
            let hits = c.runs.filter { $0.reachedAt == nil && !$0.diverged }
            if diverged == 0 && hits.isEmpty { return fmt(iters(c.runs)) }
            var parts = [String]()
            if diverged > 0 { parts.append("\(diverged)/\(c.runs.count) diverged") }
            if !hits.isEmpty { parts.append("\(hits.count)/\(c.runs.count) at the budget, error \(fmt(Statistics.geometricMean(hits.map { $0.errors.last! })))") }
            return parts.joined(separator: ", ")
        }
        let opErr = zip(s.stepStudyKappas, operatorError).map { "\(fmt(Statistics.mean($1), 2)) at κ = \(fmt($0))" }.joined(separator: ", ")
        let largestM = s.diagnosticMeasurementsPerDegree.max()!
        var sentences = ["At m = \(largestM)·n·r⋆ the operator's error off the column space is \(opErr) (in units of σ_min); in the population limit it is 0."]
        for sample in ["\(largestM)nr", "inf"] { for method in ["scaledgd", "gd"] {
            let name = (method == "gd" ? "GD" : "ScaledGD(λ)") + (sample == "inf" ? " at m = ∞" : " at m = \(largestM)·n·r⋆")
            let lines = rows.filter { $0.method == method }.map { row -> String in
                let byKappa = s.stepStudyKappas.compactMap { k in cells.first { $0.sample == sample && $0.method == method && $0.eta == row.eta && $0.kappa == k } }
                let clean = byKappa.allSatisfy { $0.runs.allSatisfy { $0.reachedAt != nil } }
                let growth = clean ? " (×\(fmt(iters(byKappa.last!.runs) / iters(byKappa.first!.runs))) from κ = \(fmt(s.stepStudyKappas.first!)) to \(fmt(s.stepStudyKappas.last!)))" : ""
                return "η = \(fmt(row.eta))\(row.tuned ? " (tuned)" : ""): \(byKappa.map(describe).joined(separator: " → "))\(growth)"
            }
            sentences.append("\(name), mean iterations to ε over κ = \(s.stepStudyKappas.map { fmt($0) }.joined(separator: ", ")): \(lines.joined(separator: "; ")).")
        } }
        // What it shows, in plain words, from the same numbers.
        func cellsOf(_ sample: String, _ method: String, _ eta: Double) -> [StepStudyCell] {
            s.stepStudyKappas.compactMap { k in cells.first { $0.sample == sample && $0.method == method && $0.eta == eta && $0.kappa == k } }
        }
        func clean(_ cs: [StepStudyCell]) -> Bool { cs.allSatisfy { $0.runs.allSatisfy { $0.reachedAt != nil } } }
        let scaledRows = rows.filter { $0.method == "scaledgd" }
        let population = scaledRows.map { cellsOf("inf", "scaledgd", $0.eta) }
        let growths = population.filter(clean).map { iters($0.last!.runs) / iters($0.first!.runs) }
        var plain = [String]()
        if population.allSatisfy(clean), let lo = growths.min(), let hi = growths.max() {
            plain.append("**What this shows.** Where the theorem's assumption holds exactly (m = ∞), ScaledGD(λ)'s iteration count does not grow with κ: at every step, including the tuned \(fmt(scaledRows.first { $0.tuned }!.eta)), every run reaches ε and the count changes by a factor \(fmt(lo, 2))–\(fmt(hi, 2)) from κ = \(fmt(s.stepStudyKappas.first!)) to \(fmt(s.stepStudyKappas.last!)), while it scales like 1/η (the $\\log(1/\\varepsilon)/\\eta$ term). The overshoot estimate used to choose the steps was too pessimistic: it did not cost a visible $\\log\\kappa$ here.")
        } else {
            plain.append("**What this shows.** Even in the population limit (m = ∞) not every ScaledGD(λ) run reaches ε at every κ, so this test does not show κ-independent iteration counts.")
        }
        let gdTuned = cellsOf("inf", "gd", rows.first { $0.method == "gd" && $0.tuned }!.eta)
        if gdTuned.count == s.stepStudyKappas.count {
            plain.append("GD at its tuned step, on the same problems, needs \(gdTuned.map { clean([$0]) ? fmt(iters($0.runs)) : "more than the budget (\(s.budget))" }.joined(separator: " → ")) iterations.")
        }
        let finite = scaledRows.map { cellsOf("\(largestM)nr", "scaledgd", $0.eta) }
        let excited = s.stepStudyKappas.indices.filter { Statistics.mean(operatorError[$0]) > 1 }
        if !excited.isEmpty {
            let pairs = scaledRows.indices.flatMap { i in excited.compactMap { k -> String? in
                guard k < finite[i].count, clean([finite[i][k]]) else { return nil }
                return "\(fmt(iters(finite[i][k].runs))) vs \(fmt(cubicTailIterations(settings: s, kappa: s.stepStudyKappas[k], eta: scaledRows[i].eta))) at η = \(fmt(scaledRows[i].eta)), κ = \(fmt(s.stepStudyKappas[k]))"
            } }
            plain.append("At m = \(largestM)·n·r⋆ the answer is no, and the sample size is why: at κ = \(excited.map { fmt(s.stepStudyKappas[$0]) }.joined(separator: ", ")) the operator's error off the column space exceeds σ_min, the spare columns are excited, and the count is set by their damping-limited cubic tail, at most about √(r−r⋆)·λ/(2ηε‖M⋆‖_F) iterations (observed vs that estimate: \(pairs.joined(separator: "; "))). Because λ ∝ σ_min = 1/κ, that tail is shorter at larger κ, which makes the counts non-monotone in κ.")
        }
        let tunedFinite = finite[scaledRows.firstIndex { $0.tuned }!]
        let tunedPopulation = population[scaledRows.firstIndex { $0.tuned }!]
        if let k = tunedFinite.indices.last, tunedFinite[k].runs.allSatisfy(\.diverged), clean([tunedPopulation[k]]) {
            plain.append("The tuned step's divergence at κ = \(fmt(s.stepStudyKappas[k])) also needs the finite operator: with m = ∞ the same step reaches ε in \(fmt(iters(tunedPopulation[k].runs))) iterations.")
        }
        plain.append("So, in this test, the κ-dependence and the divergences behind c1's verdict come from the sample size, not from ScaledGD(λ) under its assumptions. None of this changes a verdict: c1 and c2 are judged, as fixed in advance, at m = \(s.measurementsPerDegree)·n·r⋆ with the tuned steps.")
        return sentences.joined(separator: " ") + "\n\n" + plain.joined(separator: " ")
    }
}

// MARK: - Small helpers

/// At most `maxPoints` evenly strided points of a per-iteration series, always keeping the last.
private func downsample(_ ys: [Double], maxPoints: Int) -> ([Double], [Double]) {
    let stride = max(1, (ys.count + maxPoints - 1) / maxPoints)
    var idx = Array(Swift.stride(from: 0, to: ys.count, by: stride))
    if let last = idx.last, last != ys.count - 1 { idx.append(ys.count - 1) }
    return (idx.map(Double.init), idx.map { ys[$0] })
}

/// Compact, deterministic number formatting for tables and verdict strings.
private func fmt(_ x: Double, _ digits: Int = 3) -> String {
    if !x.isFinite { return Format.compact(x) }
    if x == x.rounded() && abs(x) < 1e7 { return String(Int(x)) }
    let a = abs(x)
    if a >= 1e-3 && a < 1e5 { return Format.compact(x, digits) }
    var exponent = Int(Double.log10(a).rounded(.down))
    // log10 may land a hair off an exact power of ten; keep the mantissa in [1, 10).
    if a / Double.pow(10, Double(exponent)) >= 10 { exponent += 1 }
    if a / Double.pow(10, Double(exponent)) < 1 { exponent -= 1 }
    // Round the mantissa to `digits` first: 9.9996 would otherwise print as "10.00"; it is 1.00e+1.
    let unit = Double.pow(10, Double(digits - 1))
    var mantissa = (x / Double.pow(10, Double(exponent)) * unit).rounded() / unit
    if abs(mantissa) >= 10 { exponent += 1; mantissa /= 10 }
    return "\(Format.significant(mantissa, digits))e\(exponent)"
}

