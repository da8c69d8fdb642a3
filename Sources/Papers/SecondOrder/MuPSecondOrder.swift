import Foundation
import Harness

// # μP for second-order optimization (K-FAC and Shampoo)
//
// Satoki Ishikawa and Ryo Karakida, "On the Parameterization of Second-Order Optimization Effective
// Towards the Infinite Width" (ICLR 2024, arXiv 2312.12226). No official code.
//
// **The paper in plain words.** The maximal update parameterization (μP) scales initialisation and
// learning rates with the width so that every layer's features move by Θ(1) in one step however
// wide the network, which lets hyperparameters tuned on a narrow model transfer to a wide one. It
// was derived for SGD and Adam. This paper redoes the one-step analysis for two second-order
// methods, K-FAC and Shampoo, whose preconditioners rescale the gradient by matrices whose
// eigenvalues themselves grow or shrink with the width: it finds that K-FAC needs no
// width-dependent learning rate but damping scaled like its factors, while Shampoo needs
// layer-wise learning rates, and that with these scalings features keep learning as the width grows
// (c1), generalisation improves (c2) and the learning rate transfers across widths (c3).
//
// The scalings below are our derivation of the paper's one-step argument for a three-layer MLP
// (the table itself is not in the abstract); the measurement of c1 checks them. K-FAC's factors
// come from the harness's `KFACFactors`, the network from `KroneckerMLP`, the roots from
// `MatrixRoots`.

/// μP for K-FAC and Shampoo (Ishikawa and Karakida, 2024): the paper's claims and experiments.
public struct MuPSecondOrderPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "mup-second-order", title: "On the Parameterization of Second-Order Optimization Effective Towards the Infinite Width",
            method: "μP for K-FAC and Shampoo", family: "SecondOrder", arxiv: "2312.12226", code: nil,
            summary: #"""
            The paper derives, from a one-step analysis in the infinite-width limit, how initialisation, learning \#
            rates and damping must scale with the width $M$ for K-FAC and Shampoo so that every layer keeps learning \#
            features (a μP for second-order methods), and reports better generalisation and learning rates that \#
            transfer across widths. We train a 64-M-M-10 ReLU MLP on the 8x8 digits at $M\in\{16,32,64,128\}$ with \#
            K-FAC and Shampoo in the standard parameterization (SP: one learning rate and one damping for all \#
            widths) and in μP; measure each layer's feature change after one step against the width; sweep the \#
            learning rate on a factor-2 grid at every width; and compare test accuracy at the widest width.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let methods: [(key: String, label: String, letter: String)] = [("kfac", "K-FAC", "a"), ("shampoo", "Shampoo", "b")]

    public var claims: [Claim] {
        let paperSetting = "MLPs and CNNs (MNIST, CIFAR-10), widths up to several thousand"
        return Self.methods.map { m in
            Claim(
                id: "c1\(m.letter)",
                statement: "Under the paper's μP, \(m.label)'s one-step feature change stays Θ(1) in every layer as the width grows (feature learning is kept), where the standard parameterization lets it vanish or blow up.",
                source: "abstract; Section 4 (one-step analysis), Figure 2",
                paperValue: "Θ(1) feature change under μP", paperSetting: paperSetting,
                metric: "per layer, the slope of log(feature change after one step) against log(width), M ∈ {16, 32, 64, 128}: relative change ‖Δs‖/‖s‖ of the hidden pre-activations, RMS change of the logits; the largest |slope| over the three layers",
                rule: .bound("c1\(m.letter).\(m.key).mup.max_abs_slope", "largest |slope| under μP", 0.25)
                    .given(premise: .bound("c1\(m.letter).\(m.key).sp.max_abs_slope", "largest |slope| under SP", below: false, 0.25),
                           "in SP some layer's feature change drifts with the width"),
                scaling: "64-M-M-10 ReLU MLP on the 8x8 digits, batch 32, one step from initialisation at the learning rate chosen at M = 16; 3 seeds (quick: M ∈ {16, 32}, 1 seed)")
        } + Self.methods.map { m in
            Claim(
                id: "c2\(m.letter)",
                statement: "\(m.label) in μP generalises better than in SP at the widest width.",
                source: "abstract; Section 5, Table 2",
                paperValue: "higher test accuracy under μP", paperSetting: paperSetting,
                metric: "paired difference of test accuracy in points, μP − SP, at M = 128, each at its learning rate chosen by validation accuracy",
                rule: .superiority("c2\(m.letter).\(m.key).accuracy_points_mup_minus_sp", "test accuracy, μP − SP", better: .higher, minimalEffect: 0.5, unit: "points"),
                scaling: "as c1, 3 epochs; 5 evaluation seeds (quick: M = 32, 2 seeds)")
        } + Self.methods.map { m in
            Claim(
                id: "c3\(m.letter)",
                statement: "Under μP, \(m.label)'s best learning rate transfers across widths: it moves by at most one factor-2 grid step over an 8× range of widths (in SP it moves by two or more).",
                source: "abstract; Section 5, Figure 4",
                paperValue: "optimal learning rate stable across widths under μP", paperSetting: paperSetting,
                metric: "the largest minus the smallest grid index of the best learning rate (lowest mean training loss after 3 epochs) over M ∈ {16, 32, 64, 128}",
                rule: .bound("c3\(m.letter).\(m.key).mup.lr_shift_steps", "shift of the best learning rate under μP (grid steps)", 1)
                    .given(premise: .bound("c3\(m.letter).\(m.key).sp.lr_shift_steps", "shift under SP (grid steps)", below: false, 2),
                           "in SP the best learning rate moves with the width"),
                scaling: "as c1; grid 2⁻⁸ … 2⁰, 2 seeds per point (quick: 3 points, 1 seed)")
        }
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = ""
        for m in Self.methods {
            text += "\(m.label): Θ(1) feature change under μP is \(verdict("c1\(m.letter)").display), better generalisation at the widest width \(verdict("c2\(m.letter)").display), learning-rate transfer \(verdict("c3\(m.letter)").display). "
        }
        return text + "The scalings are our derivation of the paper's one-step argument; a premise that fails means SP itself did not show the width dependence at these widths."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **The optimizers.** For a linear layer $s=W\bar a$ ($\bar a=(a,1)$, weight and bias in one matrix), \#
        K-FAC steps $\Delta W=-\eta\,(B+\rho_BI)^{-1}\nabla W\,(A+\rho_AI)^{-1}$ with $A=\mathbb E[\bar a\bar a^\top]$, \#
        $B=\mathbb E[gg^\top]$ ($g$ the per-sample gradient at $s$: the empirical Fisher), \#
        moving averages with decay 0.95; Shampoo steps $\Delta W=-\eta\,(L+\epsilon I)^{-1/4}\nabla W\,(R+\epsilon I)^{-1/4}$ \#
        with $L=\sum_t\nabla W_t\nabla W_t^\top$, $R=\sum_t\nabla W_t^\top\nabla W_t$. Inverses and roots are \#
        recomputed every 10 steps.

        **The one-step argument.** Take one example: $\nabla W=g\bar a^\top$, so K-FAC moves the layer's output on \#
        that input by $\Delta s=-\eta\,g\,\lVert\bar a\rVert^2/((\lVert g\rVert^2+\rho_B)(\lVert\bar a\rVert^2+\rho_A))$ and \#
        Shampoo by $-\eta\,g\,\lVert\bar a\rVert/\lVert g\rVert$. In μP the inputs of the hidden and output layers \#
        have $\lVert\bar a\rVert^2=\Theta(M)$, the first layer's $\Theta(1)$; the backward signal at the hidden layers \#
        has entries $\Theta(1/M)$ ($\lVert g\rVert^2=\Theta(1/M)$) and $\Theta(1)$ at the logits. Requiring \#
        $\Delta s=\Theta(1)$ entrywise in every layer gives:

        | layer | init | K-FAC $\eta$ | K-FAC $\rho_A$ | K-FAC $\rho_B$ | Shampoo $\eta$ | Shampoo $\epsilon$ |
        |---|---|---|---|---|---|---|
        | input (64 → M) | SP | $\eta$ | $\rho$ | $\rho\,M_0/M$ | $\eta\sqrt{M/M_0}$ | $\epsilon\,M_0/M$ |
        | hidden (M → M) | SP | $\eta$ | $\rho\,M/M_0$ | $\rho\,M_0/M$ | $\eta$ | $\epsilon$ |
        | output (M → 10) | SP × $\sqrt{M_0/M}$ | $\eta$ | $\rho\,M/M_0$ | $\rho$ | $\eta\sqrt{M_0/M}$ | $\epsilon\,M/M_0$ |

        with $M_0=16$ the base width where μP and SP coincide: K-FAC needs no width-dependent learning rate, \#
        only damping that follows its factors' scale (the paper's "rescaled damping"); Shampoo needs the \#
        learning rates of the spectral condition $\lVert\Delta W\rVert\propto\sqrt{\text{fan-out}/\text{fan-in}}$. \#
        SP keeps PyTorch's initialisation, one $\eta$ and one damping. In SP the backward signal is larger \#
        ($\Theta(1/\sqrt M)$ entries), so K-FAC's hidden layers move by $\Theta(1/\sqrt M)$ and Shampoo's output \#
        by $\Theta(\sqrt M)$.
        """#
    }

    public var excerpts: [String] { ["mup-scalings", "kronecker-step"] }

    public var deviations: String {
        #"""
        - **The scalings are derived here.** The paper's table of exponents is not in the abstract and there \#
        is no official code; the table above is our one-step derivation in the paper's framework (μP \#
        initialisation, layer-wise learning rates and damping), and c1 measures whether it keeps the feature \#
        change width-independent.
        - **Scale.** Widths 16–128 (the paper goes to thousands), the 8x8 digits instead of MNIST/CIFAR-10, \#
        3 epochs (about 100 steps) per run, batch 32. The damping is not swept (the paper also transfers it): \#
        K-FAC ρ = 0.1 on each factor (√λ for a damping λ = 10⁻² of their Kronecker product) and Shampoo ε = 10⁻⁴ at the \#
        base width, scaled as above.
        - **K-FAC.** The output factor uses the true labels' gradients (the empirical Fisher): with one \#
        Monte-Carlo label per example, the true gradient has components outside the sampled factor's span in the \#
        first steps, which only the damping scales (by 1/ρ_B), and with ρ = 10⁻³ the quick-scale runs diverged at \#
        every rate of the grid; with the empirical Fisher and ρ = 10⁻³ they still did (a Kronecker product of two \#
        batch factors inverts the mismatched sample directions by up to n/ρ), hence ρ = 0.1. Factor decay 0.95, inverses \#
        every 10 steps through the eigendecomposition (Double); no momentum, no KL clipping. Shampoo has no \#
        grafting and no momentum (the paper's analysis is of the bare preconditioned step).
        - **The learning-rate optimum** is read on a fixed grid (2⁻⁸ … 2⁰, factor 2) without extension: an \#
        optimum at an edge is reported as such and can understate a shift.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The scalings and the optimizers

extension MuPSecondOrderPaper {
    enum Method: String { case kfac, shampoo }
    enum Parameterization: String { case sp, mup }

    // excerpt: mup-scalings
    /// Per layer (input, hidden, output) of the 64-M-M-10 MLP: the initialisation scale, the
    /// learning-rate multiplier and the damping multipliers of the input-side and output-side factors
    /// (`ρ_A`, `ρ_B` for K-FAC; Shampoo's ε on both of its statistics), relative to the base width M₀.
    struct Scaling {
        var initialization: [Double], learningRate: [Double], inputDamping: [Double], outputDamping: [Double]

        init(_ method: Method, _ p: Parameterization, width m: Int, base m0: Int) {
            let r = Double(m) / Double(m0)
            guard p == .mup else {
                (initialization, learningRate, inputDamping, outputDamping) = ([1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 1, 1])
                return
            }
            initialization = [1, 1, 1 / r.squareRoot()]
            switch method {
            case .kfac:
                learningRate = [1, 1, 1]
                (inputDamping, outputDamping) = ([1, r, r], [1 / r, 1 / r, 1])
            case .shampoo:
                learningRate = [r.squareRoot(), 1, 1 / r.squareRoot()]
                (inputDamping, outputDamping) = ([1 / r, 1, r], [1 / r, 1, r])
            }
        }
    }
    // end excerpt

    // excerpt: kronecker-step
    /// K-FAC or Shampoo on a ``KroneckerMLP``, each layer with its own learning rate and damping.
    final class SecondOrderStep {
        let method: Method, net: KroneckerMLP, learningRates: [Double], inputDamping: [Double], outputDamping: [Double]
        let interval: Int
        var kfac: [KFACFactors] = []
        /// Shampoo's statistics L (output side) and R (input side), per layer.
        var left: [Tensor<Double>] = [], right: [Tensor<Double>] = []
        /// The current inverses or roots: output side, input side.
        var outputSide: [Tensor<Double>] = [], inputSide: [Tensor<Double>] = []
        var step = 0

        init(_ method: Method, net: KroneckerMLP, learningRates: [Double], inputDamping: [Double], outputDamping: [Double], interval: Int = 10) {
            (self.method, self.net, self.learningRates, self.inputDamping, self.outputDamping, self.interval) =
                (method, net, learningRates, inputDamping, outputDamping, interval)
            let s = net.sizes
            kfac = (0..<(s.count - 1)).map { KFACFactors(inputs: s[$0], outputs: s[$0 + 1], decay: 0.95) }
            left = (0..<(s.count - 1)).map { Tensor<Double>.zeros([s[$0 + 1], s[$0 + 1]]) }
            right = (0..<(s.count - 1)).map { Tensor<Double>.zeros([s[$0] + 1, s[$0] + 1]) }
        }

        /// One step on a batch; returns the batch loss before the step.
        @discardableResult
        func callAsFunction(_ x: Tensor<Float>, labels: [Int], rng: inout SeededRandom) throws -> Double {
            step += 1
            // The true labels' per-sample gradients for K-FAC's output factor (the empirical Fisher):
            // with one sampled label per example the true gradient leaves the factor's span in the
            // first steps, where only the damping scales it (by 1/ρ_B), and every rate diverged.
            let pass = net.pass(x, labels: labels)
            let refresh = (step - 1) % interval == 0
            if refresh { (outputSide, inputSide) = ([], []) }
            for l in 0..<net.weights.count {
                let g = pass.gradients[l].converted(to: Double.self)
                switch method {
                case .kfac:
                    kfac[l].observe(step: step, inputs: KroneckerMLP.withoutBias(pass.inputs[l]), outputGradients: pass.outputGradients[l], samples: x.rows)
                    if refresh {
                        outputSide.append(try MatrixRoots.inverseRoot(kfac[l].outputGradientFactor, p: 1, damping: .ridge(outputDamping[l])))
                        inputSide.append(try MatrixRoots.inverseRoot(kfac[l].inputFactor, p: 1, damping: .ridge(inputDamping[l])))
                    }
                case .shampoo:
                    left[l] = left[l] + matmul(g, g, transposeB: true)
                    right[l] = right[l] + matmul(g, g, transposeA: true)
                    if refresh {
                        outputSide.append(try MatrixRoots.inverseRoot(left[l], p: 4, damping: .ridge(outputDamping[l])))
                        inputSide.append(try MatrixRoots.inverseRoot(right[l], p: 4, damping: .ridge(inputDamping[l])))
                    }
                }
                let direction = matmul(matmul(outputSide[l], g), inputSide[l])
                net.weights[l] = net.weights[l] - (direction.map { $0 * learningRates[l] }).converted(to: Float.self)
            }
            return pass.loss
        }
    }
    // end excerpt
}

// MARK: - Settings

extension MuPSecondOrderPaper {
    struct Settings {
        var widths: [Int]
        var baseWidth = 16
        /// The learning-rate grid (factor 2).
        var learningRates: [Double]
        var sweepSeeds: Int
        var featureSeeds: Int
        var evaluationSeeds: Int
        var epochs: Int
        var batchSize = 32
        var kfacDamping = 0.1, shampooEpsilon = 1e-4
        var data: (RunContext) throws -> DataSplits = { try StandardTasks.digits($0) }

        init(_ context: RunContext) {
            widths = context.pick(quick: [16, 32], full: [16, 32, 64, 128])
            learningRates = context.pick(quick: [-6, -4, -2], full: Array(-8...0)).map { pow(2, Double($0)) }
            sweepSeeds = context.pick(quick: 1, full: 2)
            featureSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            epochs = context.pick(quick: 1, full: 3)
        }
    }

    func makeNet(_ p: Parameterization, _ method: Method, width: Int, inputs: Int, classes: Int, settings: Settings, rng: SeededRandom) -> KroneckerMLP {
        let scaling = Scaling(method, p, width: width, base: settings.baseWidth)
        return KroneckerMLP.standard(sizes: [inputs, width, width, classes], scales: scaling.initialization, rng: rng)
    }

    func makeStep(_ p: Parameterization, _ method: Method, net: KroneckerMLP, rate: Double, settings: Settings) -> SecondOrderStep {
        let s = Scaling(method, p, width: net.sizes[1], base: settings.baseWidth)
        let damping = method == .kfac ? settings.kfacDamping : settings.shampooEpsilon
        return SecondOrderStep(method, net: net, learningRates: s.learningRate.map { $0 * rate },
                               inputDamping: s.inputDamping.map { $0 * damping }, outputDamping: s.outputDamping.map { $0 * damping })
    }

    /// Trains for the settings' epochs; returns the final training loss (∞ when it diverged), and
    /// the validation and test accuracy.
    func train(_ p: Parameterization, _ method: Method, width: Int, rate: Double, data: DataSplits, settings: Settings,
               rng: SeededRandom) throws -> (loss: Double, validation: Double, test: Double) {
        let net = makeNet(p, method, width: width, inputs: data.train.features.columns, classes: data.train.classCount, settings: settings, rng: rng.child("model"))
        let step = makeStep(p, method, net: net, rate: rate, settings: settings)
        var order = rng.child("batches"), fisher = rng.child("fisher")
        let schedule = BatchSchedule(count: data.train.count, batchSize: settings.batchSize, using: &order)
        for epoch in 0..<settings.epochs {
            for batch in schedule.batches(epoch: epoch) {
                let (x, y) = data.train.batch(batch)
                // A diverging run ends here: a non-finite loss or weights, or factors LAPACK cannot decompose.
                guard let loss = try? step(x, labels: y, rng: &fisher), loss.isFinite,
                      !net.weights.contains(where: { !$0.data.allSatisfy(\.isFinite) }) else { return (.infinity, 0, 0) }
            }
        }
        let loss = net.loss(data.train.features, labels: data.train.labels)
        return (loss.isFinite ? loss : .infinity, net.accuracy(data.validation.features, labels: data.validation.labels),
                net.accuracy(data.test.features, labels: data.test.labels))
    }

    /// One step from initialisation on the first batch: per layer the relative change of the hidden
    /// pre-activations and the RMS change of the logits.
    func featureChange(_ p: Parameterization, _ method: Method, width: Int, rate: Double, data: DataSplits, settings: Settings,
                       rng: SeededRandom) throws -> [Double] {
        let net = makeNet(p, method, width: width, inputs: data.train.features.columns, classes: data.train.classCount, settings: settings, rng: rng.child("model"))
        var order = rng.child("batches"), fisher = rng.child("fisher")
        let schedule = BatchSchedule(count: data.train.count, batchSize: settings.batchSize, using: &order)
        let (x, y) = data.train.batch(schedule.batches(epoch: 0)[0])
        let before = net.forward(x).preActivations
        guard (try? makeStep(p, method, net: net, rate: rate, settings: settings)(x, labels: y, rng: &fisher)) != nil else { return [.nan, .nan, .nan] }
        let after = net.forward(x).preActivations
        return (0..<before.count).map { l in
            let change = zip(after[l].data, before[l].data).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
            let size = l == before.count - 1 ? Double(before[l].count).squareRoot() : Double(before[l].norm())
            return change / size
        }
    }

    /// The least-squares slope of `y` against `x`.
    static func slope(_ x: [Double], _ y: [Double]) -> Double {
        let mx = Statistics.mean(x), my = Statistics.mean(y)
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }, sxx = x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return sxy / sxx
    }
}

// MARK: - The experiment

extension MuPSecondOrderPaper {
    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        let data = try settings.data(context)
        let grid = settings.learningRates, widths = settings.widths, logWidths = widths.map { log(Double($0)) }
        var results: [ReportBlock] = []
        for m in Self.methods {
            let method = Method(rawValue: m.key)!
            // c3: the learning-rate sweep at every width, both parameterizations (common seeds).
            var loss = [Parameterization: [[Double]]](), validation = [Parameterization: [[Double]]]()
            for p in [Parameterization.sp, .mup] {
                loss[p] = []; validation[p] = []
                for w in widths {
                    var l = [Double](), v = [Double]()
                    for rate in grid {
                        context.progress.report(context.slug, "\(m.label) \(p.rawValue) width \(w) lr \(rate)")
                        let runs = try (0..<settings.sweepSeeds).map { r in
                            try train(p, method, width: w, rate: rate, data: data, settings: settings, rng: context.rng("sweep", "width \(w)", "rep \(r)"))
                        }
                        l.append(Statistics.mean(runs.map(\.loss)))
                        v.append(Statistics.mean(runs.map(\.validation)))
                    }
                    loss[p]!.append(l); validation[p]!.append(v)
                }
            }
            func best(_ row: [Double]) -> Int { row.indices.min { (row[$0], $0) < (row[$1], $1) }! }
            var shift = [Parameterization: Int]()
            for p in [Parameterization.sp, .mup] {
                let indices = loss[p]!.map(best)
                shift[p] = indices.max()! - indices.min()!
                evidence.record("c3\(m.letter).\(m.key).\(p.rawValue).lr_shift_steps", Double(shift[p]!), absoluteTolerance: 0, relativeTolerance: 0)
            }

            // c1: one step at the rate chosen at the base width (where SP and μP coincide).
            let baseRate = grid[best(loss[.sp]![0])]
            var changes = [Parameterization: [[Double]]]()   // [width][layer], mean log over seeds
            for p in [Parameterization.sp, .mup] {
                changes[p] = try widths.map { w in
                    let perSeed = try (0..<settings.featureSeeds).map { r in
                        try featureChange(p, method, width: w, rate: baseRate, data: data, settings: settings, rng: context.rng("c1", "width \(w)", "rep \(r)"))
                    }
                    return (0..<3).map { l in Statistics.mean(perSeed.map { log(max($0[l], 1e-30)) }) }
                }
                let slopes = (0..<3).map { l in Self.slope(logWidths, changes[p]!.map { $0[l] }) }
                for (l, s) in slopes.enumerated() {
                    evidence.record("c1\(m.letter).\(m.key).\(p.rawValue).slope.layer\(l)", s, absoluteTolerance: 0.05, relativeTolerance: 0)
                }
                evidence.record("c1\(m.letter).\(m.key).\(p.rawValue).max_abs_slope", slopes.map(abs).max()!, absoluteTolerance: 0.05, relativeTolerance: 0)
            }

            // c2: the widest width, each parameterization at its rate chosen by validation accuracy.
            let widest = widths.count - 1
            var accuracy = [Parameterization: [Double]]()
            var chosen = [Parameterization: Double]()
            for p in [Parameterization.sp, .mup] {
                let row = validation[p]![widest]
                chosen[p] = grid[row.indices.max { (row[$0], -$0) < (row[$1], -$1) }!]
                accuracy[p] = try (0..<settings.evaluationSeeds).map { r in
                    try 100 * train(p, method, width: widths[widest], rate: chosen[p]!, data: data, settings: settings,
                                    rng: context.rng("c2", "rep \(r)")).test
                }
            }
            let difference = Statistics.pairedDifferences(accuracy[.mup]!, accuracy[.sp]!)
            evidence.record(interval: "c2\(m.letter).\(m.key).accuracy_points_mup_minus_sp", difference, tolerance: 2)

            results += blocks(m.label, key: m.key, grid: grid, widths: widths, loss: loss, changes: changes, shift: shift, baseRate: baseRate,
                              accuracy: accuracy, chosen: chosen, difference: difference)
        }
        let setup: [ReportBlock] = [.text("""
            **Data.** \(Datasets.digitsCitation) Split 60/20/20, standardised on the training part. **Network.** \
            64-M-M-10 ReLU MLP, M ∈ {\(widths.map(String.init).joined(separator: ", "))}, base width M₀ = \(settings.baseWidth), \
            batch \(settings.batchSize), \(Format.counted(settings.epochs, "epoch")) per run. **c3.** Learning rates \
            2^k, k ∈ {\(grid.map { String(Int(log2($0))) }.joined(separator: ", "))}, \(Format.counted(settings.sweepSeeds, "seed")) per \
            point (the same initial weights and batches for every rate and both parameterizations at a seed); the best rate has the \
            lowest mean final training loss (a diverged run counts as infinite). **c1.** One step from initialisation on the first \
            batch at the rate chosen at M₀, \(Format.counted(settings.featureSeeds, "seed")); the slope is fitted to the mean log \
            change. **c2.** At M = \(widths.last!), each parameterization at its rate of best mean validation accuracy in the \
            sweep, \(Format.counted(settings.evaluationSeeds, "evaluation seed")) (fresh streams, shared by both).
            """)]
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }

    func blocks(_ label: String, key: String, grid: [Double], widths: [Int], loss: [Parameterization: [[Double]]],
                changes: [Parameterization: [[Double]]], shift: [Parameterization: Int], baseRate: Double,
                accuracy: [Parameterization: [Double]], chosen: [Parameterization: Double], difference: Summary) -> [ReportBlock] {
        let names: [Parameterization: String] = [.sp: "SP", .mup: "μP"]
        var out: [ReportBlock] = [.text("### \(label)")]
        let layers = ["input layer (relative)", "hidden layer (relative)", "logits (RMS)"]
        var series = [Series]()
        for p in [Parameterization.sp, .mup] {
            for l in 0..<3 {
                let y = changes[p]!.map { exp($0[l]) }
                if y.contains(where: { $0.isFinite && $0 > 0 }) {
                    series.append(Series("\(names[p]!), \(layers[l])", x: widths.map(Double.init), y: y.map { $0.isFinite && $0 > 0 ? $0 : .nan }, style: .linespoints))
                }
            }
        }
        if !series.isEmpty { out.append(.figure(Figure(name: "c1-\(key)", title: "\(label): feature change after one step", xLabel: "width M", yLabel: "change",
                                  series: series, logX: true, logY: true,
                                  caption: "One step at lr = \(Format.compact(baseRate, 3)) from initialisation: relative change of the pre-activations of the two hidden layers and RMS change of the logits (geometric mean over seeds). μP keeps every curve flat if its scalings are right."))) }
        out.append(.table(Table(caption: "\(label): fitted slopes of log(change) against log(width).",
                                headers: ["parameterization"] + layers,
                                rows: [Parameterization.sp, .mup].map { p in
                                    [names[p]!] + (0..<3).map { l in Format.compact(Self.slope(widths.map { log(Double($0)) }, changes[p]!.map { $0[l] }), 3) }
                                })))
        for p in [Parameterization.sp, .mup] {
            // A width whose every rate diverged has no point to draw (gnuplot rejects an empty series).
            let drawn = widths.indices.filter { i in loss[p]![i].contains(where: \.isFinite) }
            guard !drawn.isEmpty else {
                out.append(.text("\(label), \(names[p]!): every run of the learning-rate sweep diverged."))
                continue
            }
            out.append(.figure(Figure(name: "c3-\(key)-\(p.rawValue)", title: "\(label), \(names[p]!): learning-rate sweep",
                                      xLabel: "learning rate", yLabel: "final training loss",
                                      series: drawn.map { i in
                                          Series("M = \(widths[i])", x: grid, y: loss[p]![i].map { $0.isFinite ? $0 : .nan }, style: .linespoints)
                                      }, logX: true, logY: true,
                                      caption: "Mean final training loss against the learning rate at each width (diverged points omitted); best-rate shift \(shift[p]!) grid steps.")))
        }
        out.append(.table(Table(caption: "\(label): best learning rate per width (lowest mean training loss) and test accuracy at M = \(widths.last!).",
                                headers: ["parameterization"] + widths.map { "M = \($0)" } + ["shift (steps)", "lr at M = \(widths.last!) (by validation)", "test accuracy (%)"],
                                rows: [Parameterization.sp, .mup].map { p in
                                    [names[p]!] + loss[p]!.map { row in Format.compact(grid[row.indices.min { (row[$0], $0) < (row[$1], $1) }!], 3) }
                                        + ["\(shift[p]!)", Format.compact(chosen[p]!, 3), Summary(accuracy[p]!).formatted]
                                } + [["μP − SP (paired)"] + widths.map { _ in "" } + ["", "", difference.formatted]])))
        return out
    }
}
