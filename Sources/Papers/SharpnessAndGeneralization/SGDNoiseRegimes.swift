import Foundation
import Harness

// # Dissecting the effects of SGD noise in distinct regimes of deep learning
//
// Antonio Sclocchi, Mario Geiger and Matthieu Wyart (ICML 2023, arXiv 2301.13703). No official code
// named in the catalog.
//
// **The paper in plain words.** Two knobs move a network between training regimes: the scale α of
// the output f = α(F(w) − F(w₀)) (large α: "lazy", the weights barely move; small α: features are
// learnt) and the SGD temperature T = η/B (learning rate over batch size). The paper maps test error
// in the (α, T) plane and finds that noise helps in one regime and hurts in the other (c1). Its main
// finding is that the temperature T_c at which noise starts to change the trained model is a power
// law of the training-set size P (c2), because noise acts late, at the end of training, when the
// last points are being fitted: the total weight change grows with T and P as power laws (c3). A
// perceptron, where signal and noise can be measured exactly, shows the same, with exponents set by
// the density of data near the decision boundary, ρ(x₁) ∝ |x₁|^χ (c4).
//
// We run the perceptron exactly as the theory poses it (hinge loss, train until every point has
// margin κ = 1, w₀ = 0) for χ ∈ {0, 1}, five training-set sizes and a log grid of temperatures, and an
// α-scaled one-hidden-layer ReLU network on the 8x8 digits (even vs odd) at a feature-learning and a
// lazy α, at a low and a high temperature.

/// Sclocchi, Geiger and Wyart (2023): SGD noise T against training-set size P and regime α.
public struct SGDNoiseRegimesPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sgd-noise-regimes",
            title: "Dissecting the Effects of SGD Noise in Distinct Regimes of Deep Learning",
            method: "SGD noise across lazy/feature regimes", family: "SharpnessAndGeneralization", arxiv: "2301.13703", code: nil,
            summary: #"""
            With output $f=\alpha\,(F(w)-F(w_0))$ and SGD temperature $T=\eta/B$, the paper finds that noise helps or hurts \#
            depending on the regime (lazy, $\alpha\gg1$, or feature learning, $\alpha\ll1$) (c1); that the temperature $T_c$ \#
            where noise starts to change the trained model is a power law of the training-set size $P$ (c2), because the \#
            noise acts late in training and forces larger weights, whose total change grows as a power of $T$ and $P$ (c3); \#
            and, in a perceptron, that these exponents depend on the density of data near the decision boundary (c4). \#
            We measure the weight change of a hinge-loss perceptron trained until every point is fitted, over \#
            $P\in\{32,\dots,512\}$, $T$ on a log grid and boundary densities $\chi\in\{0,1\}$, and test error of an \#
            $\alpha$-scaled ReLU network on the 8x8 digits (even vs odd) at two $\alpha$ and two $T$.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    /// "A power law with a non-zero exponent": R² ≥ 0.9 and the slope's 95% interval excluding 0.
    static func powerLaw(_ key: String, _ label: String) -> Rule {
        let slope = Rule(text: "Non-zero exponent: reproduced when the 95% interval of the \(label) slope excludes 0; inconclusive (underpowered) when it straddles 0.") { e in
            let d = e.interval("\(key).slope")
            let ok = d.low > 0 || d.high < 0
            return Judgement(ok ? .reproduced : .inconclusive(.underpowered), measured: "\(label) slope \(d.formatted()) (n = \(d.count))")
        }
        return .all([("straight in log-log", .bound("\(key).r2", "R² of the \(label) fit", below: false, 0.9)), ("non-zero exponent", slope)])
    }

    public var claims: [Claim] {
        let perceptron = "perceptron, d = 32, hinge loss with margin κ = 1, w₀ = 0, batch 4, P ∈ {32, 64, 128, 256, 512}, T ∈ {0.03, 0.1, 0.3, 1, 3, 10, 30}, 3 seeds (quick: P ∈ {32, 64, 128}, T ∈ {0.1, 1, 10}, 1 seed)"
        return [
            Claim(
                id: "c1",
                statement: "SGD noise helps in one training regime and hurts in the other: the effect of raising T on test error has opposite signs at small α (feature learning) and large α (lazy).",
                source: "abstract (i)", paperValue: "not stated (phase diagrams)", paperSetting: "MNIST, CIFAR10; fully connected and CNN nets",
                metric: "paired difference of test error, T_high − T_low, at α = 0.05 and at α = 5 (α√h ≈ 0.28 and 28)",
                rule: Rule(text: "Opposite signs: reproduced when the 95% intervals of both differences exclude 0 with opposite signs; not reproduced when both exclude 0 with the same sign; otherwise inconclusive (underpowered).") { e in
                    let a = e.interval("c1.feature.high_minus_low"), b = e.interval("c1.lazy.high_minus_low")
                    func sign(_ i: Interval) -> Int { i.low > 0 ? 1 : i.high < 0 ? -1 : 0 }
                    let measured = "feature α: \(a.formatted()); lazy α: \(b.formatted()) (n = \(a.count))"
                    if sign(a) != 0 && sign(b) != 0 { return Judgement(sign(a) != sign(b) ? .reproduced : .notReproduced, measured: measured) }
                    return Judgement(.inconclusive(.underpowered), measured: measured)
                },
                scaling: "one hidden layer of h = 32 ReLU units, 8x8 digits even vs odd, P = 128 training images (test on the rest), hinge loss scaled by 1/α², batch 8, T ∈ {0.01, 0.05}, 3 seeds, at most 60,000 steps (quick: P = 64, 2 seeds, 20,000 steps)"),
            Claim(
                id: "c2",
                statement: "The temperature T_c at which SGD noise starts to change the trained model is a power law of the training-set size P.",
                source: "abstract (ii)", paperValue: "power law in P (exponent and sign not stated in the abstract)", paperSetting: "MNIST, CIFAR10; perceptron",
                metric: "T_c(P): the T (log-interpolated) where the mean final ‖w‖ first exceeds 1.2× its value at the smallest T; least-squares line of log T_c on log P for χ = 0",
                rule: Self.powerLaw("c2.chi0", "log T_c on log P"),
                scaling: perceptron),
            Claim(
                id: "c3a",
                statement: "The total weight change grows with T as a power law once noise matters.",
                source: "abstract", paperValue: "power law (exponent not stated)", paperSetting: "MNIST, CIFAR10; perceptron",
                metric: "least-squares line of log ‖w_end − w₀‖ on log T over the three largest T, largest P, χ = 0, every seed",
                rule: Self.powerLaw("c3a", "log ‖Δw‖ on log T"),
                scaling: perceptron),
            Claim(
                id: "c3b",
                statement: "The total weight change grows with the training-set size P as a power law.",
                source: "abstract", paperValue: "power law (exponent not stated)", paperSetting: "MNIST, CIFAR10; perceptron",
                metric: "least-squares line of log ‖w_end − w₀‖ on log P at the largest T, χ = 0, every seed",
                rule: Self.powerLaw("c3b", "log ‖Δw‖ on log P"),
                scaling: perceptron),
            Claim(
                id: "c4",
                statement: "In the perceptron the exponent of T_c(P) depends on the density of data near the decision boundary (χ).",
                source: "abstract", paperValue: "exponents depend on χ (values not stated in the abstract)", paperSetting: "perceptron, ρ(x₁) ∝ |x₁|^χ",
                metric: "difference of the fitted slopes of log T_c on log P, χ = 1 − χ = 0, with the 95% interval from both fits' standard errors",
                rule: Rule(text: "Differs: reproduced when the 95% interval of the slope difference excludes 0; otherwise inconclusive (underpowered): no size of difference is claimed, so the data cannot exclude one.") { e in
                    let d = e.interval("c4.slope_difference")
                    return Judgement(d.low > 0 || d.high < 0 ? .reproduced : .inconclusive(.underpowered), measured: "slope difference \(d.formatted())")
                },
                scaling: perceptron),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "In the perceptron, T_c as a power law of P is \(v("c2")) (the fitted exponent's sign is read in the fits table; the abstract states no sign), "
            + "and the weight change growing as a power of T and of P is \(v("c3a")) and \(v("c3b")). "
            + "That the exponent depends on the boundary density χ is \(v("c4")), and the opposite sign of the noise effect in the two regimes of the small network is \(v("c1")): "
            + "with three seeds on 128 digits neither difference of test error is resolved."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Perceptron.** Inputs $x\in\mathbb R^d$ with $x_2,\dots,x_d\sim N(0,1)$ and the informative coordinate drawn with \#
        density $\rho(x_1)\propto|x_1|^\chi e^{-x_1^2/2}$ ($\chi=0$: Gaussian; $\chi=1$: Rayleigh magnitude, few points near the \#
        boundary), label $y=\operatorname{sign}x_1$. The model $f(x)=w\cdot x/\sqrt d$ starts at $w_0=0$ and minimises the hinge \#
        loss $\frac1P\sum_\mu\max(0,\kappa-y_\mu f(x_\mu))$ by SGD: each step draws $B$ examples with replacement and \#
        moves $w\leftarrow w+\frac{\eta}{B}\sum_{\mu\in\text{batch},\,y_\mu f(x_\mu)<\kappa}y_\mu x_\mu/\sqrt d$. Training stops \#
        when every point has margin $\kappa$ (the loss is exactly 0), checked once per epoch. The temperature is \#
        $T=\eta/B$. At small $T$ the end point is set by the hardest points (those nearest the boundary); at large \#
        $T$ the noise keeps kicking points back below the margin until $\|w\|$ is large enough to absorb it. \#
        $T_c(P)$ marks where the second effect takes over.

        **α-scaled network.** $F(w,x)=\frac1{\sqrt h}\sum_k a_k\,\mathrm{relu}(w_k\cdot x/\sqrt d)$, $f=\alpha(F(w,x)-F(w_0,x))$ \#
        and loss $\frac1{\alpha^2P}\sum_\mu\max(0,1-y_\mu f(x_\mu))$, so the initial dynamics of $f$ do not depend on $\alpha$; \#
        for $\alpha\sqrt h\gg1$ fitting needs only tiny weight changes (lazy), for $\alpha\sqrt h\ll1$ large ones (features).
        """#
    }

    public var excerpts: [String] { ["perceptron-sgd", "scaled-network-step"] }

    public var deviations: String {
        #"""
        - **Data and sizes.** The paper's nets are trained on MNIST and CIFAR10; our network is a 32-unit ReLU layer on \#
        the 8x8 digits (even vs odd, 128 training images) at two $\alpha$ and two $T$, not a phase diagram. The \#
        power-law claims are tested on the perceptron, where the paper itself confirms them; $P$ only spans 32–512.
        - **$T_c$ definition** is the catalog's (20% departure of $\|w_{\rm end}\|$ from its value at the smallest $T$); \#
        the smallest grid $T$ stands in for $T\to0$. A $T_c$ beyond the grid's top is recorded at the top and flagged.
        - **Budget.** Runs stop at zero hinge loss or after the step budget; a run that hits it is recorded as such \#
        and counted in the ledger.
        """#
    }

    public var sourceFile: String { #filePath }

    // MARK: - The experiment

    struct Settings {
        var dimension = 32, perceptronBatch = 4, margin = 1.0
        var sizes = [32, 64, 128, 256, 512]
        var temperatures = [0.03, 0.1, 0.3, 1, 3, 10, 30]
        var seeds = 3
        var departure = 1.2
        var perceptronBudget = 4_000_000
        // Network.
        var hidden = 32, netTrain = 128, netBatch = 8
        var alphas = [0.05, 5.0], netTemperatures = [0.01, 0.05]
        var netSeeds = 3, netBudget = 60_000

        init() {}
        init(_ context: RunContext) {
            if context.scale == .quick { sizes = [32, 64, 128]; temperatures = [0.1, 1, 10]; seeds = 1; netTrain = 64; netSeeds = 2; netBudget = 20_000 }
            if let n = context.seedsOverride { seeds = max(n, 1); netSeeds = max(n, 2) }
        }
    }

    /// Draws P perceptron examples (row-major P × d) with boundary density exponent χ ∈ {0, 1}.
    static func perceptronData(size: Int, dimension d: Int, chi: Int, rng: SeededRandom) -> (x: [Double], y: [Double]) {
        var r = rng
        var x = [Double](), y = [Double]()
        for _ in 0..<size {
            let magnitude = chi == 0 ? abs(r.normal()) : (-2 * log(1 - r.uniform())).squareRoot()
            let s: Double = r.uniform() < 0.5 ? -1 : 1
            x.append(s * magnitude)
            for _ in 1..<d { x.append(r.normal()) }
            y.append(s)
        }
        return (x, y)
    }

    // excerpt: perceptron-sgd
    /// SGD on the hinge loss from w₀ = 0 at temperature T = η/B until every margin is ≥ κ.
    /// Returns the final w (= the total weight change) and whether it fitted within the budget.
    static func trainPerceptron(x: [Double], y: [Double], dimension d: Int, temperature: Double, _ s: Settings,
                                rng: SeededRandom) -> (w: [Double], fitted: Bool, steps: Int) {
        let p = y.count, b = s.perceptronBatch, scale = 1 / Double(d).squareRoot()
        let step = temperature * scale   // (η/B)·(1/√d) with η = T·B
        var w = [Double](repeating: 0, count: d), r = rng
        func margin(_ i: Int) -> Double { var m = 0.0; for j in 0..<d { m += w[j] * x[i * d + j] }; return y[i] * m * scale }
        let epoch = max(1, p / b)
        for t in 0..<s.perceptronBudget {
            if t % epoch == 0 && (0..<p).allSatisfy({ margin($0) >= s.margin }) { return (w, true, t) }
            let batch = (0..<b).map { _ in r.index(p) }
            let active = batch.filter { margin($0) < s.margin }
            for i in active { for j in 0..<d { w[j] += step * y[i] * x[i * d + j] } }
        }
        return (w, (0..<p).allSatisfy { margin($0) >= s.margin }, s.perceptronBudget)
    }
    // end excerpt

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    /// The T where `ratio(T)` (ascending T) first reaches `level`, log-interpolated; the top of the
    /// grid (flagged) when it never does.
    static func crossing(_ temperatures: [Double], _ ratio: [Double], level: Double) -> (t: Double, atEdge: Bool) {
        for k in 1..<ratio.count where ratio[k] >= level {
            let (a, b) = (ratio[k - 1], ratio[k])
            let f = b > a ? min(max((level - a) / (b - a), 0), 1) : 1
            return (exp(log(temperatures[k - 1]) + f * (log(temperatures[k]) - log(temperatures[k - 1]))), false)
        }
        return (temperatures.last!, true)
    }

    /// Least squares with the slope's 95% interval (t, n − 2 degrees of freedom).
    static func fit(x: [Double], y: [Double]) -> (line: LineFit, slope: Interval) {
        let line = Statistics.lineFit(x: x, y: y)
        let se = line.count > 2 ? line.slopeStandardError : .infinity
        let half = Statistics.tQuantile975(degreesOfFreedom: max(line.count - 2, 1)) * se
        return (line, Interval(mean: line.slope, low: line.slope - half, high: line.slope + half, count: line.count))
    }

    // MARK: The α-scaled network

    // excerpt: scaled-network-step
    /// The network's parameters: first layer W (h × d, row-major) and output weights a.
    struct Net {
        var w: [Double], a: [Double]
        let h: Int, d: Int
        /// F(w, x) = (1/√h) Σ_k a_k relu(w_k·x/√d).
        func output(_ x: ArraySlice<Double>) -> Double {
            var f = 0.0
            let base = x.startIndex
            for k in 0..<h {
                var z = 0.0
                for j in 0..<d { z += w[k * d + j] * x[base + j] }
                z /= Double(d).squareRoot()
                if z > 0 { f += a[k] * z }
            }
            return f / Double(h).squareRoot()
        }
        /// w ← w + c·∇_w F(x): the SGD step of an active hinge term (c = η·y/(αB)).
        mutating func addGradient(_ x: ArraySlice<Double>, _ c: Double) {
            let base = x.startIndex, sh = Double(h).squareRoot(), sd = Double(d).squareRoot()
            for k in 0..<h {
                var z = 0.0
                for j in 0..<d { z += w[k * d + j] * x[base + j] }
                guard z > 0 else { continue }
                let ak = a[k]
                a[k] += c * z / sd / sh
                for j in 0..<d { w[k * d + j] += c * ak / sh * x[base + j] / sd }
            }
        }
    }
    // end excerpt

    /// Trains the α-scaled net by SGD on the 1/α²-scaled hinge loss until every training margin
    /// α·y·(F − F₀) ≥ 1; returns the test error and whether it fitted.
    static func trainNetwork(train: (x: [Double], y: [Double]), test: (x: [Double], y: [Double]), d: Int, alpha: Double,
                             temperature: Double, _ s: Settings, rng: SeededRandom) -> (testError: Double, fitted: Bool, weightChange: Double) {
        var r = rng
        let h = s.hidden
        let start = Net(w: (0..<(h * d)).map { _ in r.normal() }, a: (0..<h).map { _ in r.normal() }, h: h, d: d)
        var net = start
        let p = train.y.count, b = s.netBatch, eta = temperature * Double(b)
        let f0 = (0..<p).map { start.output(train.x[($0 * d)..<(($0 + 1) * d)]) }
        func margin(_ i: Int) -> Double { alpha * train.y[i] * (net.output(train.x[(i * d)..<((i + 1) * d)]) - f0[i]) }
        let epoch = max(1, p / b)
        var fitted = false
        for t in 0..<s.netBudget {
            if t % epoch == 0 && (0..<p).allSatisfy({ margin($0) >= 1 }) { fitted = true; break }
            for _ in 0..<b {
                let i = r.index(p)
                // ∂/∂w of (1/α²)·max(0, 1 − α y (F − F₀)) = −(y/α)∇F when active; step −η/B times it.
                if margin(i) < 1 { net.addGradient(train.x[(i * d)..<((i + 1) * d)], eta * train.y[i] / (alpha * Double(b))) }
            }
        }
        let q = test.y.count
        var wrong = 0
        for i in 0..<q {
            let x = test.x[(i * d)..<((i + 1) * d)]
            if alpha * (net.output(x) - start.output(x)) * test.y[i] <= 0 { wrong += 1 }
        }
        let change = norm(zip(net.w + net.a, start.w + start.a).map { $0 - $1 })
        return (Double(wrong) / Double(q), fitted, change)
    }

    /// The digits as even (+1) vs odd (−1), each image scaled to norm √d; a seeded split.
    static func digits(_ s: Settings, rng: SeededRandom) throws -> (train: (x: [Double], y: [Double]), test: (x: [Double], y: [Double]), d: Int) {
        let data = try Datasets.digits()
        let d = data.featureCount
        var r = rng
        let order = r.permutation(data.count)
        func take(_ idx: ArraySlice<Int>) -> (x: [Double], y: [Double]) {
            var x = [Double](), y = [Double]()
            for i in idx {
                let row = (0..<d).map { Double(data.features.data[i * d + $0]) }
                let n = norm(row)
                x += row.map { $0 / n * Double(d).squareRoot() }
                y.append(data.labels[i] % 2 == 0 ? 1 : -1)
            }
            return (x, y)
        }
        return (take(order.prefix(s.netTrain)), take(order.dropFirst(s.netTrain)), d)
    }

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }

    struct Cell { var norms: [Double] = [], unfitted = 0 }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var e = Evidence()
        // Perceptron: cells[chi][size][temperature].
        var cells = [[[Cell]]](repeating: [[Cell]](repeating: [Cell](repeating: Cell(), count: s.temperatures.count), count: s.sizes.count), count: 2)
        for chi in 0...1 { for (pi, size) in s.sizes.enumerated() {
            context.progress.report(info.slug, "perceptron χ = \(chi), P = \(size)")
            for seed in 0..<s.seeds {
                let data = Self.perceptronData(size: size, dimension: s.dimension, chi: chi, rng: context.rng("perceptron", "chi \(chi)", "P \(size)", "seed \(seed)"))
                for (ti, t) in s.temperatures.enumerated() {
                    let run = Self.trainPerceptron(x: data.x, y: data.y, dimension: s.dimension, temperature: t, s,
                                                   rng: context.rng("perceptron-sgd", "chi \(chi)", "P \(size)", "T \(ti)", "seed \(seed)"))
                    cells[chi][pi][ti].norms.append(Self.norm(run.w))
                    if !run.fitted { cells[chi][pi][ti].unfitted += 1 }
                }
            }
        } }
        var tc = [[(t: Double, atEdge: Bool)]](repeating: [], count: 2)
        var tcFits = [(line: LineFit, slope: Interval)]()
        for chi in 0...1 {
            for pi in s.sizes.indices {
                let means = cells[chi][pi].map { Statistics.mean($0.norms) }
                tc[chi].append(Self.crossing(s.temperatures, means.map { $0 / means[0] }, level: s.departure))
            }
            let f = Self.fit(x: s.sizes.map { log(Double($0)) }, y: tc[chi].map { log($0.t) })
            tcFits.append(f)
            e.record(interval: "c2.chi\(chi).slope", f.slope, tolerance: 0.1)
            e.record("c2.chi\(chi).r2", f.line.rSquared, absoluteTolerance: 0.05, relativeTolerance: 0)
            e.record("c2.chi\(chi).tc_at_grid_edge", Double(tc[chi].filter(\.atEdge).count), absoluteTolerance: 0, relativeTolerance: 0)
        }
        let (a, b) = (tcFits[0].slope, tcFits[1].slope)
        let seA = (a.high - a.mean) / Statistics.tQuantile975(degreesOfFreedom: max(a.count - 2, 1))
        let seB = (b.high - b.mean) / Statistics.tQuantile975(degreesOfFreedom: max(b.count - 2, 1))
        let half = Statistics.tQuantile975(degreesOfFreedom: max(a.count + b.count - 4, 1)) * (seA * seA + seB * seB).squareRoot()
        let diff = b.mean - a.mean
        e.record(interval: "c4.slope_difference", Interval(mean: diff, low: diff - half, high: diff + half, count: a.count + b.count), tolerance: 0.15)
        // c3: weight change against T (three largest T, largest P) and against P (largest T), χ = 0.
        let top = s.temperatures.count - 3
        let lastP = s.sizes.count - 1
        let tPoints = (top..<s.temperatures.count).flatMap { ti in cells[0][lastP][ti].norms.map { (log(s.temperatures[ti]), log($0)) } }
        let c3a = Self.fit(x: tPoints.map(\.0), y: tPoints.map(\.1))
        let pPoints = s.sizes.indices.flatMap { pi in cells[0][pi].last!.norms.map { (log(Double(s.sizes[pi])), log($0)) } }
        let c3b = Self.fit(x: pPoints.map(\.0), y: pPoints.map(\.1))
        for (key, f) in [("c3a", c3a), ("c3b", c3b)] {
            e.record(interval: "\(key).slope", f.slope, tolerance: 0.05)
            e.record("\(key).r2", f.line.rSquared, absoluteTolerance: 0.02, relativeTolerance: 0)
        }
        e.record("perceptron.unfitted_runs", Double(cells.joined().joined().reduce(0) { $0 + $1.unfitted }), absoluteTolerance: 0, relativeTolerance: 0)

        // c1: the network at two α and two T.
        var net = [[[Double]]](repeating: [[Double]](repeating: [], count: s.netTemperatures.count), count: s.alphas.count)
        var netChange = net, netUnfitted = 0
        for seed in 0..<s.netSeeds {
            context.progress.report(info.slug, "network seed \(seed + 1)/\(s.netSeeds)")
            let data = try Self.digits(s, rng: context.rng("digits-split", "seed \(seed)"))
            for (ai, alpha) in s.alphas.enumerated() { for (ti, t) in s.netTemperatures.enumerated() {
                let r = Self.trainNetwork(train: data.train, test: data.test, d: data.d, alpha: alpha, temperature: t, s,
                                          rng: context.rng("network", "seed \(seed)", "alpha \(ai)", "T \(ti)"))
                net[ai][ti].append(r.testError); netChange[ai][ti].append(r.weightChange)
                if !r.fitted { netUnfitted += 1 }
            } }
        }
        for (ai, name) in ["feature", "lazy"].enumerated() {
            e.record(interval: "c1.\(name).high_minus_low", Statistics.pairedDifferences(net[ai][1], net[ai][0]), tolerance: 0.02)
        }
        e.record("c1.unfitted_runs", Double(netUnfitted), absoluteTolerance: 0, relativeTolerance: 0)
        return PaperRun(evidence: e, setup: setup(s),
                        results: report(s, cells: cells, tc: tc, tcFits: tcFits, c3a: c3a, c3b: c3b, net: net, netChange: netChange))
    }

    // MARK: - Report

    func setup(_ s: Settings) -> [ReportBlock] {
        [.text(#"""
        **Perceptron.** $d=\#(s.dimension)$, margin $\kappa=\#(Format.compact(s.margin, 2))$, batch \#(s.perceptronBatch) with replacement, \#
        $\eta=TB$, $P\in\{\#(s.sizes.map(String.init).joined(separator: ", "))\}$, $T\in\{\#(s.temperatures.map { Format.compact($0, 3) }.joined(separator: ", "))\}$, \#
        \#(s.seeds) seed(s) (each its own data and sampling); at most \#(s.perceptronBudget) steps. \#
        **Network.** \#(Datasets.digitsCitation) Even vs odd, each image rescaled to norm $\sqrt{64}$; $P=\#(s.netTrain)$ random training \#
        images, the rest for test; $h=\#(s.hidden)$ ReLU units, standard normal initialisation, batch \#(s.netBatch), \#
        $\alpha\in\{\#(s.alphas.map { Format.compact($0, 3) }.joined(separator: ", "))\}$, $T\in\{\#(s.netTemperatures.map { Format.compact($0, 3) }.joined(separator: ", "))\}$, \#
        \#(s.netSeeds) seeds (split, initialisation and sampling), at most \#(s.netBudget) steps.
        """#)]
    }

    func report(_ s: Settings, cells: [[[Cell]]], tc: [[(t: Double, atEdge: Bool)]], tcFits: [(line: LineFit, slope: Interval)],
                c3a: (line: LineFit, slope: Interval), c3b: (line: LineFit, slope: Interval),
                net: [[[Double]]], netChange: [[[Double]]]) -> [ReportBlock] {
        var blocks = [ReportBlock]()
        for chi in 0...1 {
            blocks.append(.figure(Figure(
                name: "weight-change-chi\(chi)", title: "Perceptron, χ = \(chi): final ‖w‖ against T",
                xLabel: "temperature T = η/B", yLabel: "‖w_end − w₀‖",
                series: s.sizes.indices.map { pi in
                    Series("P = \(s.sizes[pi])", x: s.temperatures, y: cells[chi][pi].map { Statistics.mean($0.norms) }, style: .linespoints)
                }, logX: true, logY: true,
                caption: "Mean over seeds. Flat at small T (the hardest points set ‖w‖), rising once noise matters; T_c is where a curve has risen 20%.")))
        }
        blocks.append(.figure(Figure(
            name: "tc", title: "T_c against training-set size", xLabel: "P", yLabel: "T_c",
            series: (0...1).flatMap { chi in [
                Series("χ = \(chi) measured", x: s.sizes.map(Double.init), y: tc[chi].map(\.t), style: .points,
                       censored: tc[chi].map(\.atEdge)),
                Series("χ = \(chi) fit, slope \(Format.compact(tcFits[chi].slope.mean, 2))", x: s.sizes.map(Double.init),
                       y: s.sizes.map { exp(tcFits[chi].line(log(Double($0)))) }),
            ] }, logX: true, logY: true,
            caption: "A straight line on these axes is a power law T_c ∝ P^slope; open markers sit at the grid's top (no departure seen).")))
        blocks.append(.table(Table(
            caption: "Fits (95% intervals on the slopes).",
            headers: ["quantity", "slope", "R²"],
            rows: [("log T_c on log P, χ = 0", tcFits[0]), ("log T_c on log P, χ = 1", tcFits[1]),
                   ("log ‖Δw‖ on log T (3 largest T, largest P, χ = 0)", c3a), ("log ‖Δw‖ on log P (largest T, χ = 0)", c3b)]
                .map { [$0.0, $0.1.slope.formatted(), Format.compact($0.1.line.rSquared, 3)] })))
        let names = s.alphas.map { "α = \(Format.compact($0, 3))" }
        blocks.append(.table(Table(
            caption: "Network on the digits: test error and weight change (mean ± 95% CI over seeds).",
            headers: ["α", "T", "test error", "‖w − w₀‖"],
            rows: s.alphas.indices.flatMap { ai in s.netTemperatures.indices.map { ti in
                [names[ai], Format.compact(s.netTemperatures[ti], 3), Summary(net[ai][ti]).formatted, Summary(netChange[ai][ti]).formatted]
            } })))
        return blocks
    }
}
