import Foundation
import Harness

// # Investigating the Benefits of Projection Head for Representation Learning
//
// Yihao Xue, Eric Gan, Jiayi Ni, Siddharth Joshi and Baharan Mirzasoleiman (ICLR 2024, arXiv
// 2403.11391; no official code listed).
//
// Contrastive learning trains an encoder followed by a projection head, then throws the head away
// and uses the encoder's (pre-projection) output. The paper explains why through the implicit bias
// of gradient descent: in a deep linear network the layers stay balanced, so a feature's weight at
// layer l is a power l/L of its weight at the output, and features become more unequal the deeper
// one goes: the pre-projection representation is more even (c1). With a ReLU, a lower layer can
// even carry a feature that the output has dropped altogether (c2), which helps downstream tasks that
// need it (c3). We check c1 on the setting of the theorem, a two-layer linear network trained by
// gradient descent from a small initialization on the population spectral contrastive loss, where
// the optimum and the balanced split are known in closed form, and c2/c3 on a two-layer ReLU network
// with a feature whose sign the augmentation flips.

/// Xue et al. (2024): the projection head's implicit feature weighting, linear and ReLU.
public struct ProjectionHeadBenefits: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "projection-head-benefits",
            title: "Investigating the Benefits of Projection Head for Representation Learning",
            method: "Benefits of projection heads", family: "SharpnessAndGeneralization",
            arxiv: "2403.11391", code: nil,
            summary: #"""
            Self-supervised and supervised contrastive learning add a projection head on top of the encoder \#
            during training and discard it afterwards: the representation used downstream is the one *before* \#
            the head, which the loss never sees directly. The paper explains the benefit through the implicit \#
            bias of training. In linear networks trained with a contrastive loss, features are weighted more and \#
            more unequally layer after layer, so the pre-projection layer is more normalized and less specialized \#
            to the pretraining objective (c1). With a non-linearity, a lower layer can learn features that are \#
            absent from the layers above (c2), which makes the pre-projection representation better for \#
            downstream tasks that need features the augmentations suppress (c3; the paper's CIFAR, UrbanCars and \#
            shifted-ImageNet experiments). We test c1 exactly on a two-layer linear network trained by gradient \#
            descent on the population spectral contrastive loss, with the theory's per-feature prediction beside \#
            the measured weights, and c2/c3 on a two-layer ReLU network whose augmentations flip the sign of one feature.
            """#)
    }

    // MARK: - Claims, fixed before the first run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "In a linear network trained with a contrastive loss, features are weighted more unequally after the projection head than before it.",
                source: "abstract; Section 3", paperValue: "qualitative", paperSetting: "deep linear networks, spectral contrastive loss, gradient flow from small initialization",
                metric: "ratio of the largest to the smallest per-feature weight, after the head ÷ before it (mean over seeds)",
                rule: .bound("c1a.inequality_post_over_pre", "max/min feature-weight ratio after ÷ before the head", below: false, 1.05),
                scaling: "8 features in ℝ⁸, hidden and output width 16, population loss, 8000 gradient steps of size 0.02 from initialization scale 0.03; 5 seeds (quick 2)"),
            Claim(
                id: "c1b",
                statement: "Progressive weighting, quantitatively: with two balanced layers a feature's pre-projection weight is the square root of its post-projection weight, so the pre-projection inequality is the square root of the post-projection one.",
                source: "Section 3 (layer l carries the power l/L of the output weighting)", paperValue: "exponent l/L = 1/2", paperSetting: "two-layer linear network, balanced small initialization",
                metric: "log(max/min ratio before the head) ÷ log(max/min ratio after it), and the largest relative error of the post-projection weights against the closed-form optimum √ρ_k/σ_k (mean over seeds)",
                rule: Rule.all([
                    ("exponent 1/2", .exact("c1b.log_ratio_exponent", "log-ratio exponent", equals: 0.5, tolerance: 0.05)),
                    ("output weights at the optimum", .bound("c1b.post_weight_max_relative_error", "max relative error of post weights vs √ρ/σ", 0.05)),
                ]),
                scaling: "as c1a; tolerances fixed before the run"),
            Claim(
                id: "c2",
                statement: "With a non-linearity, a lower layer can learn a feature that is absent from the higher layer.",
                source: "abstract; Section 4", paperValue: "qualitative", paperSetting: "two-layer ReLU network, contrastive loss",
                metric: "held-out R² of a linear probe for the sign-flipped latent z₀, from the ReLU network's pre-projection (hidden) and post-projection (output) representations (mean over seeds)",
                rule: Rule.all([
                    ("present before the head", .bound("c2.pre_r2", "pre-projection R² of z₀", below: false, 0.5)),
                    ("absent after it", .bound("c2.post_r2", "post-projection R² of z₀", 0.05)),
                ]),
                scaling: "6 latent features in ℝ⁶, hidden width 32, output 8, spectral contrastive loss on fresh batches of 256 pairs, Adam 2000 steps (quick 400); probes on 2000/2000 samples; 10 seeds (quick 2)"),
            Claim(
                id: "c3a",
                statement: "Pre-projection representations serve a downstream task that needs a feature the augmentations suppress better than post-projection ones.",
                source: "abstract; Sections 4–5", paperValue: "qualitative (no number in the abstract)", paperSetting: "CIFAR-10/100, UrbanCars, shifted ImageNet",
                metric: "downstream accuracy of a least-squares linear classifier for sign(z₀), pre − post projection, paired over seeds (95% t-interval, points)",
                rule: .interval("c3a.pre_minus_post_accuracy", "pre − post downstream accuracy", below: false, 3, unit: " pt"),
                scaling: "as c2; the catalog's 3-point threshold"),
            Claim.notTestable(
                id: "c3b", statement: "The mechanism improves robustness in supervised contrastive and supervised learning on real data (UrbanCars, shifted ImageNet), and a fixed re-weighting head is an interpretable alternative to the learned head.",
                source: "abstract", paperSetting: "CIFAR-10/100, UrbanCars, shifted ImageNet",
                reason: "the robustness experiments need CIFAR/ImageNet-scale encoders; the fixed re-weighting head was not attempted in this budget"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        let c1b = claims.first { $0.claim.id == "c1b" }!.judgement
        let c1bNote = c1b.verdict == .notReproduced
            ? " (measured: \(c1b.measured); the rule needs both parts, the exponent and every seed's output weights within 5% of the optimum, so a miss on the second part means a weak feature that had not finished converging within the step budget, not a broken balance between the layers)"
            : ""
        return "In the linear setting the theorem covers, the head making features more unequal is \(v("c1a")), and the square-root law between the two layers is \(v("c1b"))\(c1bNote). With a ReLU, a feature present before the head and absent after it is \(v("c2")), and the resulting downstream advantage of the pre-projection representation on the task that needs it is \(v("c3a")). The real-data robustness claims are not tested."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Data and augmentations.** Inputs $x=Q\,\mathrm{diag}(\sigma)\,z\in\mathbb R^K$ with latent features \#
        $z\sim\mathcal N(0,I_K)$, strengths $\sigma_k$ and orthonormal feature directions $\mu_k$ (the columns of a \#
        random orthogonal $Q$). The two views of an input share feature $k$ with correlation $\rho_k$ (the \#
        augmentation keeps a share of it). Then $\Sigma=\mathbb E[xx^\top]=Q\,\mathrm{diag}(\sigma^2)Q^\top$ and \#
        $M=\mathbb E[x\,x^{+\top}]=Q\,\mathrm{diag}(\sigma^2\rho)Q^\top$.

        **Spectral contrastive loss** of a representation $f$: \#
        $L(f)=-2\,\mathbb E[f(x)^\top f(x^+)]+\mathbb E[(f(x)^\top f(x'))^2]$ ($x'$ independent). For a linear \#
        $f(x)=Wx$ it is $L(W)=-2\operatorname{tr}(WMW^\top)+\operatorname{tr}((W\Sigma W^\top)^2)$, with gradient \#
        $\nabla L=-4WM+4(W\Sigma W^\top)W\Sigma$. Writing $a_k=W\mu_k$, the loss separates and is minimized at \#
        orthogonal $a_k$ with $\|a_k\|=\sqrt{\rho_k}/\sigma_k$: the **post-projection weight** of feature $k$.

        **Two layers.** $W=W_2W_1$ trained by gradient descent from a small initialization keeps \#
        $W_1W_1^\top-W_2^\top W_2$ at its initial (tiny) value, so at convergence $W_1$ carries the square root of \#
        $W$'s singular values: the **pre-projection weight** $\|W_1\mu_k\|=\|W\mu_k\|^{1/2}$. Hence \#
        $\log(\text{ratio before})/\log(\text{ratio after})=1/2$, the case $l/L=1/2$ of the paper's layer-wise law.

        **ReLU.** $f(x)=W_2\,\mathrm{ReLU}(W_1x)$. One latent, $z_0$, has its sign flipped independently in each \#
        view. A linear network must give it weight zero (its cross-view correlation is negative or zero); a \#
        ReLU layer can hold $\mathrm{ReLU}(wz_0)$ and $\mathrm{ReLU}(-wz_0)$, whose sum $|wz_0|$ is invariant and \#
        rewarded by the loss, and whose difference is $wz_0$ itself: the sign of $z_0$ is linearly readable \#
        before the head and, once the head has made the output invariant, not after it. The \#
        empirical loss on a batch of $B$ pairs uses the off-diagonal pairs as the independent $x'$.
        """#
    }

    public var excerpts: [String] { ["linear", "relu"] }

    public var deviations: String {
        #"""
        - **Synthetic only.** The paper's CIFAR-10/100, UrbanCars and shifted-ImageNet experiments are out \#
        of CPU reach (c3b is not testable); the synthetic features, augmentations and sizes are ours.
        - **Feature weight** is the gain of a layer along the feature's input direction, $\|W_1\mu_k\|$ and \#
        $\|W_2W_1\mu_k\|$; the linear claims use the population loss (the theorem's setting), the ReLU ones \#
        fresh mini-batches of 256 pairs.
        - **Downstream task** (c3a) is the sign of the flipped feature, probed by least squares; the fixed \#
        re-weighting head was not attempted.
        - **No tuning.** Step sizes (linear GD 0.02, Adam 0.01) were fixed before the run; no claim compares optimizers.
        """#
    }

    public let sourceFile: String = #filePath

    // MARK: - The linear network (c1)

    static let strengths: [Double] = [1.4, 1.2, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
    static let invariances: [Double] = [0.2, 0.9, 0.5, 0.8, 0.3, 0.7, 0.4, 0.6]
    /// Hidden and output width of the linear network (twice the features: room for every feature to escape the small start).
    static let linearWidth = 16

    // excerpt: linear
    /// Gradient descent on the population spectral contrastive loss of W₂W₁; returns (W₁, W₂).
    static func trainLinear(q: Tensor<Double>, steps: Int, initScale: Double, rng: inout SeededRandom) -> (Tensor<Double>, Tensor<Double>) {
        let k = strengths.count
        func conjugate(_ d: [Double]) -> Tensor<Double> {
            var diag = Tensor<Double>.zeros([k, k])
            for i in 0..<k { diag.data[i * k + i] = d[i] }
            return matmul(matmul(q, diag), q, transposeB: true)
        }
        let sigma = conjugate(strengths.map { $0 * $0 }), m = conjugate(zip(strengths, invariances).map { $0 * $0 * $1 })
        var w1 = Tensor<Double>.randomNormal([linearWidth, k], std: initScale, using: &rng)
        var w2 = Tensor<Double>.randomNormal([linearWidth, linearWidth], std: initScale, using: &rng)
        let eta = 0.02
        for _ in 0..<steps {
            let w = matmul(w2, w1), p = matmul(matmul(w, sigma), w, transposeB: true)
            let g = 4 * matmul(matmul(p, w), sigma) - 4 * matmul(w, m)
            let g2 = matmul(g, w1, transposeB: true), g1 = matmul(w2, g, transposeA: true)
            w1.add(g1, scaledBy: -eta); w2.add(g2, scaledBy: -eta)
        }
        return (w1, w2)
    }
    // end excerpt

    /// ‖A μ_k‖ for each feature direction (column of q).
    static func featureWeights(_ a: Tensor<Double>, _ q: Tensor<Double>) -> [Double] {
        let aq = matmul(a, q).transposed
        return (0..<aq.rows).map { c -> Double in
            let column = aq.data[(c * aq.columns)..<((c + 1) * aq.columns)]
            return column.map { $0 * $0 }.reduce(0, +).squareRoot()
        }
    }
}

// MARK: - The ReLU network (c2, c3a)

extension ProjectionHeadBenefits {
    static let reluStrengths: [Double] = [1.0, 1.0, 0.9, 0.8, 0.7, 0.6]
    /// Cross-view correlation of each latent; latent 0 instead has its sign flipped at random in each view.
    static let reluInvariances: [Double] = [0, 0.9, 0.7, 0.6, 0.8, 0.5]

    /// `count` inputs x = Q diag(σ) z and, when `views`, two augmented views of each; returns (z, x, view 1, view 2).
    static func sample(_ count: Int, q: Tensor<Double>, views: Bool, rng: inout SeededRandom) -> (z: Tensor<Double>, x: Tensor<Double>, v1: Tensor<Double>, v2: Tensor<Double>) {
        let k = reluStrengths.count
        var z = Tensor<Double>.zeros([count, k]), l1 = z, l2 = z
        for i in 0..<count {
            for j in 0..<k {
                let zij = rng.normal()
                z.data[i * k + j] = zij
                guard views else { continue }
                if j == 0 {
                    l1.data[i * k] = rng.uniform() < 0.5 ? zij : -zij
                    l2.data[i * k] = rng.uniform() < 0.5 ? zij : -zij
                } else {
                    let rho = reluInvariances[j]
                    l1.data[i * k + j] = rho.squareRoot() * zij + (1 - rho).squareRoot() * rng.normal()
                    l2.data[i * k + j] = rho.squareRoot() * zij + (1 - rho).squareRoot() * rng.normal()
                }
            }
        }
        func embed(_ l: Tensor<Double>) -> Tensor<Double> {
            var scaled = l
            for i in 0..<count { for j in 0..<k { scaled.data[i * k + j] *= reluStrengths[j] } }
            return matmul(scaled, q, transposeB: true)
        }
        return (z, embed(z), views ? embed(l1) : z, views ? embed(l2) : z)
    }

    // excerpt: relu
    /// The empirical spectral contrastive loss of f(x) = W₂ ReLU(W₁x) on a batch of pairs, and its gradients.
    static func reluLossAndGradients(w1: Tensor<Double>, w2: Tensor<Double>, v1: Tensor<Double>, v2: Tensor<Double>) -> (Double, Tensor<Double>, Tensor<Double>) {
        let b = Double(v1.rows)
        let z1 = matmul(v1, w1, transposeB: true), z2 = matmul(v2, w1, transposeB: true)
        let h1 = z1.map { max(0, $0) }, h2 = z2.map { max(0, $0) }
        let a = matmul(h1, w2, transposeB: true), c = matmul(h2, w2, transposeB: true)
        var s = matmul(a, c, transposeB: true)                    // s_ij = f(x_i)·f(x_j⁺)
        var loss = 0.0
        for i in 0..<v1.rows { loss -= 2 * s.data[i * v1.rows + i] / b; s.data[i * v1.rows + i] = 0 }
        loss += s.squaredNorm() / (b * (b - 1))
        let da = -2 / b * c + 2 / (b * (b - 1)) * matmul(s, c)
        let dc = -2 / b * a + 2 / (b * (b - 1)) * matmul(s, a, transposeA: true)
        let gw2 = matmul(da, h1, transposeA: true) + matmul(dc, h2, transposeA: true)
        func back(_ d: Tensor<Double>, _ z: Tensor<Double>) -> Tensor<Double> {
            let dh = matmul(d, w2)
            return Tensor(shape: dh.shape, data: zip(dh.data, z.data).map { $1 > 0 ? $0 : 0 })
        }
        let gw1 = matmul(back(da, z1), v1, transposeA: true) + matmul(back(dc, z2), v2, transposeA: true)
        return (loss, gw1, gw2)
    }
    // end excerpt

    /// Adam (β = 0.9, 0.999) on fresh batches; returns (W₁, W₂).
    static func trainReLU(q: Tensor<Double>, hidden: Int, output: Int, steps: Int, batch: Int, rng: inout SeededRandom) -> (Tensor<Double>, Tensor<Double>) {
        let k = reluStrengths.count
        var p = [Tensor<Double>.randomNormal([hidden, k], std: 1 / Double(k).squareRoot(), using: &rng),
                 Tensor<Double>.randomNormal([output, hidden], std: 1 / Double(hidden).squareRoot(), using: &rng)]
        var m = p.map { Tensor<Double>.zeros($0.shape) }, v = m
        for t in 1...steps {
            let data = sample(batch, q: q, views: true, rng: &rng)
            let (_, g1, g2) = reluLossAndGradients(w1: p[0], w2: p[1], v1: data.v1, v2: data.v2)
            for (j, g) in [g1, g2].enumerated() {
                m[j].scale(by: 0.9); m[j].add(g, scaledBy: 0.1)
                v[j] = Tensor(shape: g.shape, data: zip(v[j].data, g.data).map { 0.999 * $0 + 0.001 * $1 * $1 })
                let c1 = 1 - pow(0.9, Double(t)), c2 = 1 - pow(0.999, Double(t))
                p[j] = Tensor(shape: g.shape, data: (0..<g.count).map { p[j].data[$0] - 0.01 * (m[j].data[$0] / c1) / ((v[j].data[$0] / c2).squareRoot() + 1e-8) })
            }
        }
        return (p[0], p[1])
    }

    /// Least-squares linear probe with intercept: held-out R² for `target`, and accuracy of its sign.
    static func probe(train: Tensor<Double>, trainTarget: [Double], test: Tensor<Double>, testTarget: [Double]) throws -> (r2: Double, accuracy: Double) {
        func design(_ x: Tensor<Double>) -> Tensor<Double> {
            var d = Tensor<Double>.zeros([x.rows, x.columns + 1])
            for i in 0..<x.rows { d.data[i * (x.columns + 1)] = 1; for j in 0..<x.columns { d.data[i * (x.columns + 1) + j + 1] = x.data[i * x.columns + j] } }
            return d
        }
        let a = design(train), t = design(test), n = a.columns
        var gram = matmul(a, a, transposeA: true)
        for i in 0..<n { gram.data[i * n + i] += 1e-8 * (1 + gram.data[i * n + i]) }
        func fit(_ y: [Double]) throws -> [Double] {
            let beta = try choleskySolve(gram, matmul(a, Tensor(shape: [y.count, 1], data: y), transposeA: true))
            return matmul(t, beta).data
        }
        let predicted = try fit(trainTarget), mean = Statistics.mean(testTarget)
        let sse = zip(predicted, testTarget).map { ($0 - $1) * ($0 - $1) }.reduce(0, +), sst = testTarget.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        let signs = try fit(trainTarget.map { $0 > 0 ? 1 : -1 })
        let correct = zip(signs, testTarget).filter { ($0 > 0) == ($1 > 0) }.count
        return (1 - sse / sst, Double(correct) / Double(testTarget.count))
    }
}

// MARK: - The experiment

extension ProjectionHeadBenefits {
    static func spread(_ w: [Double]) -> Double { w.max()! / w.min()! }

    public func run(_ context: RunContext) throws -> PaperRun {
        let linearSeeds = context.seeds(quick: 2, full: 5), reluSeeds = context.seeds(quick: 2, full: 10)
        let linearSteps = 8000, reluSteps = context.pick(quick: 400, full: 2000), hidden = 32, output = 8, probeCount = 2000
        let k = Self.strengths.count
        let predictedPost = zip(Self.strengths, Self.invariances).map { $1.squareRoot() / $0 }
        var pre = [[Double]](), post = [[Double]]()
        for rep in 0..<linearSeeds {
            context.progress.report(context.slug, "linear network, seed \(rep + 1)/\(linearSeeds)")
            var basisRng = context.rng("linear", "basis", "seed \(rep)")
            let q = try orthonormalBasis(Tensor<Double>.randomNormal([k, k], using: &basisRng))
            var initRng = context.rng("linear", "init", "seed \(rep)")
            let (w1, w2) = Self.trainLinear(q: q, steps: linearSteps, initScale: 0.03, rng: &initRng)
            pre.append(Self.featureWeights(w1, q)); post.append(Self.featureWeights(matmul(w2, w1), q))
        }
        var e = Evidence()
        e.record("c1a.inequality_post_over_pre", Statistics.mean(zip(post, pre).map { Self.spread($0) / Self.spread($1) }))
        e.record("c1b.log_ratio_exponent", Statistics.mean(zip(pre, post).map { log(Self.spread($0)) / log(Self.spread($1)) }))
        e.record("c1b.post_weight_max_relative_error", post.flatMap { zip($0, predictedPost).map { abs($0 - $1) / $1 } }.max()!)
        let meanPre = (0..<k).map { f in Statistics.mean(pre.map { $0[f] }) }, meanPost = (0..<k).map { f in Statistics.mean(post.map { $0[f] }) }

        var r2Pre = [Double](), r2Post = [Double](), accPre = [Double](), accPost = [Double]()
        for rep in 0..<reluSeeds {
            context.progress.report(context.slug, "ReLU network, seed \(rep + 1)/\(reluSeeds)")
            var basisRng = context.rng("relu", "basis", "seed \(rep)")
            let q = try orthonormalBasis(Tensor<Double>.randomNormal([Self.reluStrengths.count, Self.reluStrengths.count], using: &basisRng))
            var trainRng = context.rng("relu", "train", "seed \(rep)")
            let (w1, w2) = Self.trainReLU(q: q, hidden: hidden, output: output, steps: reluSteps, batch: 256, rng: &trainRng)
            var probeRng = context.rng("relu", "probe", "seed \(rep)")
            let tr = Self.sample(probeCount, q: q, views: false, rng: &probeRng), te = Self.sample(probeCount, q: q, views: false, rng: &probeRng)
            func representations(_ x: Tensor<Double>) -> (Tensor<Double>, Tensor<Double>) {
                let h = matmul(x, w1, transposeB: true).map { max(0, $0) }
                return (h, matmul(h, w2, transposeB: true))
            }
            let (hTr, oTr) = representations(tr.x), (hTe, oTe) = representations(te.x)
            let target = { (z: Tensor<Double>) in (0..<z.rows).map { z.data[$0 * z.columns] } }
            let p0 = try Self.probe(train: hTr, trainTarget: target(tr.z), test: hTe, testTarget: target(te.z))
            let p1 = try Self.probe(train: oTr, trainTarget: target(tr.z), test: oTe, testTarget: target(te.z))
            r2Pre.append(p0.r2); r2Post.append(p1.r2); accPre.append(100 * p0.accuracy); accPost.append(100 * p1.accuracy)
        }
        e.record("c2.pre_r2", Statistics.mean(r2Pre), absoluteTolerance: 1e-3, relativeTolerance: 0)
        e.record("c2.post_r2", Statistics.mean(r2Post), absoluteTolerance: 1e-3, relativeTolerance: 0)
        e.record(interval: "c3a.pre_minus_post_accuracy", Statistics.pairedDifferences(accPre, accPost), tolerance: 0.5)

        let x = (1...k).map(Double.init)
        let results: [ReportBlock] = [
            .figure(Figure(name: "feature_weights", title: "Per-feature weights before and after the head (linear network)", xLabel: "feature k", yLabel: "weight ‖Aμ_k‖",
                           series: [Series("after the head, measured", x: x, y: meanPost, style: .points), Series("after, predicted √ρ_k/σ_k", x: x, y: predictedPost, style: .lines),
                                    Series("before the head, measured", x: x, y: meanPre, style: .points), Series("before, predicted (√ρ_k/σ_k)^{1/2}", x: x, y: predictedPost.map { $0.squareRoot() }, style: .lines)],
                           caption: "Measured (mean over seeds) beside the closed-form prediction: the head's output weights sit at the optimum, the encoder's at their square roots, a narrower spread.")),
            .table(Table(caption: "Linear network, per feature (mean over seeds).", headers: ["feature", "σ_k", "ρ_k", "after: measured", "after: √ρ/σ", "before: measured", "before: predicted"],
                         rows: (0..<k).map { ["\($0 + 1)", Format.compact(Self.strengths[$0], 3), Format.compact(Self.invariances[$0], 3), Format.compact(meanPost[$0], 4),
                                              Format.compact(predictedPost[$0], 4), Format.compact(meanPre[$0], 4), Format.compact(predictedPost[$0].squareRoot(), 4)] })),
            .table(Table(caption: "ReLU network, the sign-flipped feature z₀ (mean over seeds; accuracy of the sign probe in %).", headers: ["representation", "R² of z₀", "sign accuracy"],
                         rows: [["pre-projection (hidden, \(hidden))", Format.compact(Statistics.mean(r2Pre), 3), Format.fixed(Statistics.mean(accPre), 1)],
                                ["post-projection (output, \(output))", Format.compact(Statistics.mean(r2Post), 3), Format.fixed(Statistics.mean(accPost), 1)]])),
        ]
        let setup: [ReportBlock] = [.text("Linear (c1): K = \(k) features with strengths σ = (\(Self.strengths.map { Format.compact($0, 2) }.joined(separator: ", "))) and cross-view correlations ρ = (\(Self.invariances.map { Format.compact($0, 2) }.joined(separator: ", "))), random orthogonal feature directions per seed; W₁ ∈ ℝ^{16×8}, W₂ ∈ ℝ^{16×16} from N(0, 0.03²), \(linearSteps) gradient steps of size 0.02 on the population loss; \(linearSeeds) seeds. ReLU (c2, c3a): 6 latents with strengths (\(Self.reluStrengths.map { Format.compact($0, 2) }.joined(separator: ", "))), latent 0 sign-flipped independently in each view, the others with correlations (\(Self.reluInvariances.dropFirst().map { Format.compact($0, 2) }.joined(separator: ", "))); hidden width \(hidden), output \(output), no biases; Adam (lr 0.01) for \(reluSteps) steps on fresh batches of 256 pairs; probes fitted on \(probeCount) clean inputs and scored on \(probeCount) others; \(reluSeeds) seeds.")]
        return PaperRun(evidence: e, setup: setup, results: results)
    }
}
