import Foundation
import Harness

// # The Hessian of an over-parametrized network: a bulk at zero and k outliers
//
// Levent Sagun, Utku Evci, V. Uğur Güney, Yann Dauphin and Léon Bottou (arXiv 1706.04454, ICLR
// workshop 2018). No official code.
//
// **The paper in plain words.** Train a network to the bottom of its loss and look at every
// eigenvalue of the Hessian. Almost all of them sit in a *bulk* near zero: the landscape is flat
// in nearly every direction. A handful of *outliers* stand apart, and their number follows the
// data (about one per class or cluster), not the network (c1). Widening the network with the data
// fixed only adds eigenvalues to the bulk; changing the data (more clusters) with the model fixed
// only changes the outliers (c2). The outliers come from the Gauss–Newton part of the Hessian, the
// ℓ''-weighted covariance of the gradients of the model's outputs (c3). And solutions found with
// small and large batches, which look like different basins, are joined by a flat straight path
// (c4).
//
// Every claim is about the *exact* spectrum of a small model, so we compute it exactly: a
// one-hidden-layer ReLU MLP in Double on a Gaussian mixture with k classes, trained by gradient
// descent; its full Hessian column by column from the tape's exact Hessian-vector products
// (forward-over-reverse, `Tape.hessianVectorProduct`), its Gauss–Newton matrix from the analytic
// output Jacobian, and both spectra by LAPACK's symmetric eigensolver.

/// Sagun et al. (2017): the bulk-and-outliers spectrum of the Hessian of small over-parametrized MLPs.
public struct HessianSpectrumPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "hessian-overparam-spectrum",
            title: "Empirical Analysis of the Hessian of Over-Parametrized Neural Networks",
            method: "Hessian spectrum of over-parametrized nets", family: "SecondOrder", arxiv: "1706.04454", code: nil,
            summary: #"""
            The Hessian of a trained over-parametrized network has a bulk of eigenvalues near zero and a few \#
            outliers whose number follows the data (about one per class), not the model (c1); widening the model \#
            only grows the bulk, changing the data only moves the outliers (c2); the outliers are those of the \#
            Gauss–Newton matrix, the covariance of output gradients (c3); small- and large-batch solutions are \#
            joined by a flat line (c4). We compute the exact Hessian (every entry, from exact Hessian-vector \#
            products in Double) of one-hidden-layer ReLU MLPs trained on Gaussian mixtures with k ∈ {2, 5, 10} \#
            classes and hidden widths 16 to 128, and its full eigendecomposition.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    /// An eigenvalue is in the bulk when |λ| ≤ this fraction of λ_max.
    static let bulkFraction = 0.01
    /// Outliers are counted at the largest ratio gap λ_i/λ_{i+1} among this many top eigenvalues.
    static let outlierSearch = 30

    public var claims: [Claim] {
        let setting = "Gaussian mixture in 10 dimensions, 24 points per class (k = 10) … 120 (k = 2), 240 points; ReLU MLP 10-h-k in Double trained by full-batch GD; exact Hessian of the mean cross-entropy"
        return [
            Claim(id: "c1a", statement: "Almost every Hessian eigenvalue of a trained over-parametrized network lies in a bulk near zero.",
                  source: "abstract; Figures 1–3", paperValue: "not stated (qualitative: bulk at zero)", paperSetting: "MLPs on Gaussian mixtures and MNIST",
                  metric: "smallest, over every run, share of eigenvalues with |λ| ≤ 1% of λ_max",
                  rule: .bound("c1a.bulk_share_min", "smallest bulk share", below: false, 0.9),
                  scaling: setting + "; k ∈ {2, 5, 10} at h = 32 and h ∈ {16, 32, 64, 128} at k = 5, 5 seeds (quick: 2 seeds, fewer settings)"),
            Claim(id: "c1b", statement: "The number of outlier eigenvalues follows the data: k or k − 1 outliers for k classes.",
                  source: "abstract; Section 3", paperValue: "k outliers for k clusters (qualitative)", paperSetting: "MLPs on Gaussian mixtures",
                  metric: "share of runs (k ∈ {2, 5, 10} × seeds, h = 32) whose outlier count (position of the largest ratio gap among the top 30 eigenvalues) is k − 1 or k",
                  rule: .bound("c1b.tracking_share", "share of runs with k − 1 or k outliers", below: false, 0.8),
                  scaling: setting),
            Claim(id: "c2a", statement: "With the data fixed, widening the network leaves the outliers unchanged (it only adds to the bulk).",
                  source: "abstract", paperValue: "not stated (qualitative)", paperSetting: "MLPs of growing width on fixed data",
                  metric: "log of (sum of the top k − 1 eigenvalues at h = 128) / (at h = 16), k = 5, 95% interval over seeds",
                  rule: .all([(label: "ratio below 1.25", rule: .interval("c2a.log_outlier_ratio", "log outlier ratio", below: true, log(1.25))),
                              (label: "ratio above 0.8", rule: .interval("c2a.log_outlier_ratio", "log outlier ratio", below: false, log(0.8)))]),
                  scaling: setting + "; quick: h ∈ {16, 64}"),
            Claim(id: "c2b", statement: "With the model fixed, changing the data (more clusters) leaves the bulk unchanged.",
                  source: "abstract", paperValue: "not stated (qualitative)", paperSetting: "fixed MLP, Gaussian mixtures with more clusters",
                  metric: "log of (90th percentile of |λ| at k = 10) / (at k = 2), h = 32, 95% interval over seeds",
                  rule: .all([(label: "ratio below 2", rule: .interval("c2b.log_bulk_ratio", "log bulk ratio", below: true, log(2))),
                              (label: "ratio above 1/2", rule: .interval("c2b.log_bulk_ratio", "log bulk ratio", below: false, log(0.5)))]),
                  scaling: setting + "; quick: k ∈ {2, 5}"),
            Claim(id: "c3", statement: "The outliers are the top eigenvalues of the Gauss–Newton matrix, the covariance of the gradients of the model's outputs.",
                  source: "abstract; Section 4", paperValue: "not stated (qualitative)", paperSetting: "MLPs on Gaussian mixtures",
                  metric: "per run, the largest relative gap |λ_i(H) − λ_i(G)|/λ_i(H) over the top k − 1 eigenvalues; 95% interval over the k-sweep runs",
                  rule: .interval("c3.gauss_newton_gap", "relative H–G gap", below: true, 0.2),
                  scaling: setting),
            Claim(id: "c4", statement: "Small-batch and large-batch solutions from the same start are joined by a straight path without a loss barrier.",
                  source: "abstract; Section 5", paperValue: "no barrier (qualitative)", paperSetting: "MLP on MNIST, batch sizes 10 and 512",
                  metric: "barrier: max along the line of L − max(L(endpoints)), relative to max(L(endpoints)); 95% interval over seeds",
                  rule: .interval("c4.barrier", "relative barrier", below: true, 0.05),
                  scaling: setting + "; k = 5, h = 32; GD vs SGD with batch 8 for the same epochs, 21 points on the line"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "That the exact spectrum is a bulk at zero is \(v("c1a")); that the outliers number k − 1 or k for k classes is \(v("c1b")). "
            + "Widening the net leaving the outliers in place is \(v("c2a")); more classes leaving the bulk in place is \(v("c2b")). "
            + "That the outliers are the Gauss–Newton matrix's is \(v("c3")), and the flat line between small- and large-batch solutions is \(v("c4")). "
            + "The scree plots show what the counts summarize: the gap after the outliers, and how the outliers' size moves with width."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **The Hessian and its two parts.** For the mean loss $L(\theta) = \frac1N\sum_i \ell(f(x_i;\theta), y_i)$ of \#
        a model with outputs $f \in \mathbb R^k$ (logits), $\nabla^2 L = G + R$ with the Gauss–Newton matrix \#
        $G = \frac1N\sum_i J_i^\top \nabla_f^2\ell_i\, J_i$ ($J_i = \partial f(x_i)/\partial\theta$; for softmax \#
        cross-entropy $\nabla_f^2\ell = \operatorname{diag}(p) - pp^\top$, of rank $k-1$) and the residual \#
        $R = \frac1N\sum_i\sum_c \partial_{f_c}\ell_i\,\nabla^2 f_c(x_i)$, which shrinks as the fit improves. $G$ is the \#
        ℓ''-weighted second moment of the output gradients: its rank is at most $N(k-1)$ and its large eigenvalues come \#
        from the class means of $J_i$, about $k$ of them, the *outliers*. The paper's conjectures follow: $\theta$'s \#
        dimension $P$ (the width) adds directions that the data do not see (the bulk at zero), the data set the outliers.

        **Exactly.** $H$ is assembled column by column, $H e_j$ by an exact Hessian-vector product of the tape \#
        (one forward pass, then one forward-over-reverse sweep per column) and symmetrised; $G$ from the analytic \#
        Jacobian of a one-hidden-layer network. Both are diagonalised in Double. **Outliers** are counted at the \#
        largest ratio gap $\lambda_i/\lambda_{i+1}$ among the top 30 eigenvalues; the **bulk** is $|\lambda| \le \#
        0.01\,\lambda_{\max}$.
        """#
    }

    public var excerpts: [String] { ["exact-hessian", "gauss-newton", "outlier-count"] }

    public var deviations: String {
        #"""
        The paper's Gaussian-mixture experiments use its own cluster layout and larger MLPs, and its other figures \#
        MNIST; we keep to sizes whose Hessian we can diagonalise exactly in a second (245 to 2,053 parameters, \#
        240 training points), with one cluster per class. The outlier count needs a definition the paper leaves to \#
        the eye; ours (largest ratio gap in the top 30) was fixed before the run. The small-/large-batch comparison \#
        uses batch 8 against the full batch of 240 at equal epochs, not MNIST's 10 against 512.
        """#
    }

    public var sourceFile: String { #filePath }

    // MARK: - The model, in Double

    /// A 10-h-k ReLU MLP with parameters θ = (W₁ [d, h], b₁, W₂ [h, k], b₂), PyTorch's default initialisation.
    struct Network {
        var parameters: [Tensor<Double>]
        var inputs: Int { parameters[0].shape[0] }
        var hidden: Int { parameters[0].shape[1] }
        var classes: Int { parameters[2].shape[1] }
        var count: Int { parameters.reduce(0) { $0 + $1.count } }

        init(inputs: Int, hidden: Int, classes: Int, rng: SeededRandom) {
            var rng = rng
            func uniform(_ shape: [Int], fanIn: Int) -> Tensor<Double> {
                let b = 1 / Double(fanIn).squareRoot()
                return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-b, b) })
            }
            parameters = [uniform([inputs, hidden], fanIn: inputs), uniform([hidden], fanIn: inputs),
                          uniform([hidden, classes], fanIn: hidden), uniform([classes], fanIn: hidden)]
        }

        static func loss(_ tape: Tape<Double>, _ p: [Variable<Double>], _ x: Tensor<Double>, _ labels: [Int]) -> Variable<Double> {
            let hidden = tape.relu(tape.addBias(tape.matmul(tape.constant(x), p[0]), p[1]))
            return tape.crossEntropy(tape.addBias(tape.matmul(hidden, p[2]), p[3]), labels: labels)
        }

        func lossAndGradient(_ x: Tensor<Double>, _ labels: [Int]) -> (Double, [Tensor<Double>]) {
            let tape = Tape<Double>()
            let vars = parameters.map { tape.variable($0) }
            let l = Self.loss(tape, vars, x, labels)
            tape.backward(from: l)
            return (l.value.data[0], vars.map { tape.gradient(of: $0) })
        }

        func loss(_ x: Tensor<Double>, _ labels: [Int]) -> Double {
            let tape = Tape<Double>()
            return Self.loss(tape, parameters.map { tape.constant($0) }, x, labels).value.data[0]
        }

        /// The flat vector e_j split into one tensor per parameter.
        func basis(_ j: Int) -> [Tensor<Double>] {
            var offset = 0
            return parameters.map { p in
                var t = Tensor<Double>.zeros(p.shape)
                if j >= offset && j < offset + p.count { t.data[j - offset] = 1 }
                offset += p.count
                return t
            }
        }

        // excerpt: exact-hessian
        /// The exact P × P Hessian of the mean cross-entropy: one recorded forward pass, then one
        /// forward-over-reverse sweep per column `H e_j`, symmetrised (the sweeps agree to rounding).
        func hessian(_ x: Tensor<Double>, _ labels: [Int]) -> Tensor<Double> {
            let tape = Tape<Double>()
            tape.recordSecondOrder()
            let vars = parameters.map { tape.variable($0) }
            let l = Self.loss(tape, vars, x, labels)
            let n = count
            var h = Tensor<Double>.zeros([n, n])
            for j in 0..<n {
                let column = tape.hessianVectorProduct(of: l, at: vars, along: basis(j)).flatMap(\.data)
                for i in 0..<n { h.data[i * n + j] = column[i] }
            }
            for i in 0..<n { for j in 0..<i { let m = (h.data[i * n + j] + h.data[j * n + i]) / 2; h.data[i * n + j] = m; h.data[j * n + i] = m } }
            return h
        }
        // end excerpt

        // excerpt: gauss-newton
        /// The output Jacobian J (N·k × P, rows example-major) and the Gauss–Newton matrix
        /// G = (1/N) Σᵢ Jᵢᵀ (diag pᵢ − pᵢpᵢᵀ) Jᵢ, analytic for one ReLU hidden layer:
        /// ∂f_c/∂W₂[j,c] = a_j, ∂f_c/∂b₂[c] = 1, ∂f_c/∂b₁[j] = W₂[j,c]·1[z_j > 0], ∂f_c/∂W₁[i,j] = x_i·∂f_c/∂b₁[j].
        func jacobianAndGaussNewton(_ x: Tensor<Double>) -> (jacobian: Tensor<Double>, gaussNewton: Tensor<Double>) {
            let (d, h, k, n, p) = (inputs, hidden, classes, x.shape[0], count)
            let (w1, b1, w2, b2) = (parameters[0], parameters[1], parameters[2], parameters[3])
            var jac = Tensor<Double>.zeros([n * k, p]), weighted = Tensor<Double>.zeros([n * k, p])
            for s in 0..<n {
                var z = b1.data
                for i in 0..<d { for j in 0..<h { z[j] += x.data[s * d + i] * w1.data[i * h + j] } }
                var logits = b2.data
                for j in 0..<h where z[j] > 0 { for c in 0..<k { logits[c] += z[j] * w2.data[j * k + c] } }
                let top = logits.max()!, e = logits.map { Foundation.exp($0 - top) }, total = e.reduce(0, +)
                let prob = e.map { $0 / total }
                for c in 0..<k {
                    let row = (s * k + c) * p
                    for j in 0..<h where z[j] > 0 {
                        let back = w2.data[j * k + c]
                        for i in 0..<d { jac.data[row + i * h + j] = x.data[s * d + i] * back }
                        jac.data[row + d * h + j] = back
                        jac.data[row + d * h + h + j * k + c] = z[j]
                    }
                    jac.data[row + d * h + h + h * k + c] = 1
                }
                for c in 0..<k {   // (diag p − ppᵀ) Jᵢ, row c
                    for c2 in 0..<k {
                        let a = (c == c2 ? prob[c] : 0) - prob[c] * prob[c2]
                        let (to, from) = ((s * k + c) * p, (s * k + c2) * p)
                        for q in 0..<p { weighted.data[to + q] += a * jac.data[from + q] }
                    }
                }
            }
            var g = matmul(jac, weighted, transposeA: true)
            g.scale(by: 1 / Double(n))
            return (jac, g)
        }
        // end excerpt
    }

    /// A Gaussian mixture: `classes` centres drawn from N(0, I_d), each class `perClass` points N(centre, I_d).
    static func mixture(classes: Int, perClass: Int, dimension: Int, rng: SeededRandom) -> (x: Tensor<Double>, labels: [Int]) {
        var rng = rng
        let centres = (0..<classes).map { _ in (0..<dimension).map { _ in rng.normal() } }
        var data = [Double](), labels = [Int]()
        for s in 0..<(classes * perClass) {
            let c = s % classes
            labels.append(c)
            data += centres[c].map { $0 + rng.normal() }
        }
        return (Tensor(shape: [labels.count, dimension], data: data), labels)
    }

    // excerpt: outlier-count
    /// The number of outliers: the position i of the largest ratio λ_i/λ_{i+1} among the top
    /// `outlierSearch` eigenvalues (descending; only where λ_{i+1} > 0).
    static func outlierCount(_ descending: [Double]) -> Int {
        var best = (ratio: 0.0, count: 0)
        for i in 0..<min(outlierSearch, descending.count - 1) where descending[i + 1] > 0 {
            let r = descending[i] / descending[i + 1]
            if r > best.ratio { best = (r, i + 1) }
        }
        return best.count
    }
    // end excerpt

    // MARK: - The experiment

    struct Settings {
        var dimension = 10, points = 240, baseHidden = 32, baseClasses = 5
        var classes = [2, 5, 10], widths = [16, 32, 64, 128]
        var seeds = 5
        var steps = 1000, rate = 0.5
        var smallBatch = 8, linePoints = 21

        init() {}
        init(_ context: RunContext) {
            if context.scale == .quick { classes = [2, 5]; widths = [16, 64]; seeds = 2; steps = 300 }
            if let n = context.seedsOverride { seeds = max(n, 2) }
        }
    }

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }

    /// One trained network's spectra.
    struct Spectra {
        var classes: Int, hidden: Int, seed: Int, parameters: Int
        var loss: Double, accuracy: Double
        /// Hessian and Gauss–Newton eigenvalues, descending.
        var hessian: [Double], gaussNewton: [Double]
        var outliers: Int { HessianSpectrumPaper.outlierCount(hessian) }
        var bulkShare: Double {
            Double(hessian.filter { abs($0) <= HessianSpectrumPaper.bulkFraction * hessian[0] }.count) / Double(hessian.count)
        }
        /// The 90th percentile of |λ|: a bulk scale (outliers are under 1% of the eigenvalues).
        var bulkScale: Double { let a = hessian.map(abs).sorted(); return a[Int(0.9 * Double(a.count - 1))] }
        func topSum(_ m: Int) -> Double { hessian.prefix(m).reduce(0, +) }
        var gaussNewtonGap: Double {
            (0..<max(classes - 1, 1)).map { abs(hessian[$0] - gaussNewton[$0]) / hessian[$0] }.max()!
        }
    }

    static func data(_ s: Settings, classes: Int, seed: Int, context: RunContext) -> (x: Tensor<Double>, labels: [Int]) {
        mixture(classes: classes, perClass: s.points / classes, dimension: s.dimension, rng: context.rng("data", "k \(classes)", "seed \(seed)"))
    }

    static func train(_ net: inout Network, _ x: Tensor<Double>, _ labels: [Int], steps: Int, rate: Double, batch: Int? = nil, rng: SeededRandom) {
        var rng = rng
        let n = labels.count, size = batch ?? n
        for _ in 0..<steps {
            let order = batch == nil ? Array(0..<n) : rng.permutation(n)
            for start in stride(from: 0, to: n - size + 1, by: size) {
                let idx = Array(order[start..<(start + size)])
                let xb = batch == nil ? x : Tensor(shape: [size, x.shape[1]], data: idx.flatMap { i in x.data[(i * x.shape[1])..<((i + 1) * x.shape[1])] })
                let (_, g) = net.lossAndGradient(xb, idx.map { labels[$0] })
                for q in 0..<g.count { net.parameters[q].add(g[q], scaledBy: -rate) }
            }
        }
    }

    static func accuracy(_ net: Network, _ x: Tensor<Double>, _ labels: [Int]) -> Double {
        let (h, k) = (net.hidden, net.classes)
        var hidden = matmul(x, net.parameters[0])
        for r in 0..<labels.count { for j in 0..<h { hidden.data[r * h + j] = max(0, hidden.data[r * h + j] + net.parameters[1].data[j]) } }
        let logits = matmul(hidden, net.parameters[2])
        let right = labels.indices.filter { r in
            let row = (0..<k).map { logits.data[r * k + $0] + net.parameters[3].data[$0] }
            return row.firstIndex(of: row.max()!) == labels[r]
        }.count
        return Double(right) / Double(labels.count)
    }

    static func spectra(_ s: Settings, classes: Int, hidden: Int, seed: Int, context: RunContext) throws -> Spectra {
        let (x, labels) = data(s, classes: classes, seed: seed, context: context)
        var net = Network(inputs: s.dimension, hidden: hidden, classes: classes, rng: context.rng("init", "k \(classes)", "h \(hidden)", "seed \(seed)"))
        train(&net, x, labels, steps: s.steps, rate: s.rate, rng: context.rng("train"))
        let h = try symmetricEigen(net.hessian(x, labels)).values.reversed()
        let g = try symmetricEigen(net.jacobianAndGaussNewton(x).gaussNewton).values.reversed()
        return Spectra(classes: classes, hidden: hidden, seed: seed, parameters: net.count, loss: net.loss(x, labels),
                       accuracy: accuracy(net, x, labels), hessian: Array(h), gaussNewton: Array(g))
    }

    /// c4: GD and SGD (batch `smallBatch`) from the same start for the same epochs; the loss on the line between them.
    static func line(_ s: Settings, seed: Int, context: RunContext) -> [Double] {
        let (x, labels) = data(s, classes: s.baseClasses, seed: seed, context: context)
        let start = Network(inputs: s.dimension, hidden: s.baseHidden, classes: s.baseClasses, rng: context.rng("init", "k \(s.baseClasses)", "h \(s.baseHidden)", "seed \(seed)"))
        var large = start, small = start
        train(&large, x, labels, steps: s.steps, rate: s.rate, rng: context.rng("train"))
        train(&small, x, labels, steps: s.steps, rate: s.rate, batch: s.smallBatch, rng: context.rng("c4", "sgd", "seed \(seed)"))
        return (0..<s.linePoints).map { i in
            let t = Double(i) / Double(s.linePoints - 1)
            var mid = large
            for q in 0..<mid.parameters.count {
                mid.parameters[q].scale(by: 1 - t)
                mid.parameters[q].add(small.parameters[q], scaledBy: t)
            }
            return mid.loss(x, labels)
        }
    }

    static func barrier(_ losses: [Double]) -> Double {
        let ends = max(losses.first!, losses.last!)
        return (losses.max()! - ends) / ends
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var cache = [String: Spectra]()
        func get(_ k: Int, _ h: Int, _ seed: Int) throws -> Spectra {
            let key = "\(k) \(h) \(seed)"
            if let r = cache[key] { return r }
            context.progress.report(info.slug, "k = \(k), h = \(h), seed \(seed + 1)/\(s.seeds)")
            let r = try Self.spectra(s, classes: k, hidden: h, seed: seed, context: context)
            cache[key] = r
            return r
        }
        let seeds = Array(0..<s.seeds)
        let byClasses = try s.classes.map { k in try seeds.map { try get(k, s.baseHidden, $0) } }
        let byWidth = try s.widths.map { h in try seeds.map { try get(s.baseClasses, h, $0) } }
        let everything = byClasses.flatMap { $0 } + byWidth.flatMap { $0 }
        var evidence = Evidence()
        evidence.record("c1a.bulk_share_min", everything.map(\.bulkShare).min()!, absoluteTolerance: 0.01, relativeTolerance: 0)
        let sweep: [Spectra] = byClasses.flatMap { $0 }
        let tracking = sweep.filter { (r: Spectra) -> Bool in r.outliers == r.classes || r.outliers == r.classes - 1 }.count
        evidence.record("c1b.tracking_share", Double(tracking) / Double(sweep.count), absoluteTolerance: 0, relativeTolerance: 0)
        let m = s.baseClasses - 1
        evidence.record(interval: "c2a.log_outlier_ratio",
                        Summary(seeds.map { log(byWidth.last![$0].topSum(m) / byWidth.first![$0].topSum(m)) }), tolerance: 0.02)
        evidence.record(interval: "c2b.log_bulk_ratio",
                        Summary(seeds.map { log(byClasses.last![$0].bulkScale / byClasses.first![$0].bulkScale) }), tolerance: 0.02)
        evidence.record(interval: "c3.gauss_newton_gap", Summary(byClasses.flatMap { $0.map(\.gaussNewtonGap) }), tolerance: 0.01)
        for group in byClasses + byWidth.filter({ $0[0].hidden != s.baseHidden }) {
            let tag = "k\(group[0].classes)_h\(group[0].hidden)"
            evidence.record("\(tag).lambda_max", Statistics.mean(group.map { $0.hessian[0] }), absoluteTolerance: 1e-3, relativeTolerance: 0.02)
            evidence.record("\(tag).outliers_mean", Statistics.mean(group.map { Double($0.outliers) }), absoluteTolerance: 0, relativeTolerance: 0)
            evidence.record("\(tag).train_loss", Statistics.mean(group.map(\.loss)), absoluteTolerance: 1e-3, relativeTolerance: 0.02)
        }
        var lines = [[Double]]()
        for seed in seeds {
            context.progress.report(info.slug, "c4: seed \(seed + 1)/\(s.seeds)")
            lines.append(Self.line(s, seed: seed, context: context))
        }
        evidence.record(interval: "c4.barrier", Summary(lines.map(Self.barrier)), tolerance: 0.01)
        return PaperRun(evidence: evidence, setup: setup(s), results: results(s, byClasses: byClasses, byWidth: byWidth, lines: lines))
    }

    // MARK: - Report

    func setup(_ s: Settings) -> [ReportBlock] {
        [.text(#"""
        **Data.** A mixture of k Gaussians in \#(s.dimension) dimensions, one class per component: centres from \#
        N(0, I), points N(centre, I), \#(s.points) points (\#(s.points)/k per class), drawn per (k, seed) and shared by every width. \#
        **Model.** \#(s.dimension)-h-k ReLU MLP in Double, PyTorch's default initialisation. **Training.** Full-batch \#
        gradient descent, rate \#(Format.compact(s.rate)), \#(s.steps) steps (c4's small-batch arm: SGD with batch \#(s.smallBatch), \#
        the same rate and \#(s.steps) epochs from the same start). **Spectra.** The exact Hessian, one exact Hessian-vector \#
        product per column, and the Gauss–Newton matrix, both fully diagonalised. k ∈ {\#(s.classes.map(String.init).joined(separator: ", "))} \#
        at h = \#(s.baseHidden); h ∈ {\#(s.widths.map(String.init).joined(separator: ", "))} at k = \#(s.baseClasses); \#(s.seeds) seeds.
        """#)]
    }

    func results(_ s: Settings, byClasses: [[Spectra]], byWidth: [[Spectra]], lines: [[Double]]) -> [ReportBlock] {
        var groups = byClasses
        for g in byWidth where !groups.contains(where: { $0[0].classes == g[0].classes && $0[0].hidden == g[0].hidden }) { groups.append(g) }
        let table = Table(
            caption: "Per setting, over seeds: training loss and accuracy, λ_max, the outlier count of each seed, the bulk share (|λ| ≤ 1% of λ_max), the bulk scale (90th percentile of |λ|), the largest relative H–G gap over the top k − 1.",
            headers: ["k", "h", "P", "loss", "accuracy", "λ_max", "outliers", "bulk share", "bulk scale", "H–G gap"],
            rows: groups.map { g in
                [String(g[0].classes), String(g[0].hidden), String(g[0].parameters),
                 Format.compact(Statistics.mean(g.map(\.loss)), 3), Format.compact(Statistics.mean(g.map(\.accuracy)), 3),
                 Format.compact(Statistics.mean(g.map { $0.hessian[0] }), 3), g.map { String($0.outliers) }.joined(separator: " "),
                 Format.compact(g.map(\.bulkShare).min()!, 3), Format.compact(Statistics.mean(g.map(\.bulkScale)), 3),
                 Format.compact(g.map(\.gaussNewtonGap).max()!, 3)]
            })
        func rank(_ xs: [Double]) -> [Double] { (0..<min(xs.count, Self.outlierSearch)).map { Double($0 + 1) } }
        func scree(_ xs: [Double]) -> [Double] { xs.prefix(Self.outlierSearch).map { max($0, 1e-12) } }
        let byK = Figure(
            name: "scree-classes", title: "Top Hessian eigenvalues for k classes (h = \(s.baseHidden), seed 0)",
            xLabel: "rank i", yLabel: "λ_i", series: byClasses.flatMap { g in
                [Series("Hessian, k = \(g[0].classes)", x: rank(g[0].hessian), y: scree(g[0].hessian), style: .linespoints),
                 Series("Gauss–Newton, k = \(g[0].classes)", x: rank(g[0].gaussNewton), y: scree(g[0].gaussNewton), style: .points)]
            }, logY: true,
            caption: "The outliers stand above a gap; the Gauss–Newton eigenvalues (points) sit on the Hessian's outliers and fall away in the bulk.")
        let byH = Figure(
            name: "scree-widths", title: "Top Hessian eigenvalues for widths h (k = \(s.baseClasses), seed 0)",
            xLabel: "rank i", yLabel: "λ_i", series: byWidth.map { g in
                Series("h = \(g[0].hidden) (P = \(g[0].parameters))", x: rank(g[0].hessian), y: scree(g[0].hessian), style: .linespoints)
            }, logY: true,
            caption: "Same data, growing width: the claim is that the top k − 1 stay where they are.")
        let t = (0..<s.linePoints).map { Double($0) / Double(s.linePoints - 1) }
        let lineFigure = Figure(
            name: "interpolation", title: "Training loss on the line from the large-batch to the small-batch solution",
            xLabel: "t (0: full-batch GD, 1: SGD batch \(s.smallBatch))", yLabel: "training loss",
            series: lines.enumerated().map { Series("seed \($0.offset)", x: t, y: $0.element) }, logY: true,
            caption: "A barrier would be a bump above both ends.")
        return [.table(table), .figure(byK), .figure(byH), .figure(lineFigure)]
    }
}
