import Foundation
import Harness

// # Peri-LN: LayerNorm around each sublayer
//
// Jeonghoon Kim, Byeongchan Lee, Cheonbok Park, Yeontaek Oh, Beomjun Kim, Taehwan Yoo, Seongjin
// Shin, Dongyoon Han, Jinwoo Shin and Kang Min Yoo (arXiv 2502.02732, ICML 2025). No official code.
//
// **The paper in plain words.** A transformer block adds a sublayer's output `F` (attention or
// MLP) to the residual stream `h`. Post-LN normalises after the add, `h ← LN(h + F(h))`; Pre-LN
// normalises the sublayer's input, `h ← h + F(LN(h))`. Several recent open models (Gemma 2, OLMo 2)
// quietly do both ends: `h ← h + LN_out(F(LN_in(h)))`, which the paper names Peri-LN. It argues
// that Pre-LN lets the residual stream's variance grow quickly with depth and training ("massive
// activations", divergence), that Post-LN keeps the variance fixed but shrinks the gradients
// reaching early layers, and that Peri-LN sits between: the stream's variance grows by a bounded
// amount per block. It supports this with experiments up to 3.2B parameters.
//
// The model is the harness's `TinyTransformer` with `NormPlacement` `.pre`, `.post` or `.peri`;
// Peri-LN also normalises the embedding output and keeps the final LN, as the paper describes
// (our reading of its architecture section; no code is published).

/// Peri-LN (Kim et al., 2025): the paper's claims and experiment.
public struct PeriLNPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "peri-ln", title: "Peri-LN: Revisiting Layer Normalization in the Transformer Architecture", method: "Peri-LN",
            family: "Normalization", arxiv: "2502.02732", code: nil,
            summary: #"""
            Peri-LN places a LayerNorm on both ends of every sublayer, $h\leftarrow h+\mathrm{LN_{out}}(F(\mathrm{LN_{in}}(h)))$, \#
            between Post-LN ($h\leftarrow\mathrm{LN}(h+F(h))$) and Pre-LN ($h\leftarrow h+F(\mathrm{LN}(h))$). The paper claims it \#
            gives more balanced growth of the hidden-state variance with depth than both (c1), that Pre-LN and Post-LN \#
            are prone to massive activations and vanishing gradients while Peri-LN gives steadier gradients and stable \#
            convergence (c2), and that this holds up to 3.2B parameters (c3). We train a 6-block transformer language \#
            model on the project's Markov token source with each placement over the same learning-rate grid (one rate \#
            aggressive), and measure per-layer hidden-state variance and maximum activation, per-block gradient norms, \#
            divergences and validation loss.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        let scaling = "6 blocks, width 32, 2 heads, context 16, Adam over the same 3 learning rates for every placement; "
            + "measured on the held-out batch after training, at each placement's selected rate"
        return [
            Claim(
                id: "c1a",
                statement: "Peri-LN's hidden-state variance grows less with depth than Pre-LN's.",
                source: "abstract; Section 3, Figure 1", paperValue: "not stated (figures)", paperSetting: "400M–3.2B LMs, 30B tokens",
                metric: "log₁₀ of var(last block's output) / var(first block's output), paired Peri − Pre",
                rule: .superiority("c1a.log_growth_peri_minus_pre", "log₁₀ variance growth, Peri − Pre", better: .lower, minimalEffect: 0.1),
                scaling: scaling),
            Claim(
                id: "c1b",
                statement: "Peri-LN's hidden-state variance grows less with depth than Post-LN's.",
                source: "abstract; Section 3", paperValue: "not stated (figures)", paperSetting: "400M–3.2B LMs",
                metric: "log₁₀ variance growth as c1a, paired Peri − Post",
                rule: .superiority("c1b.log_growth_peri_minus_post", "log₁₀ variance growth, Peri − Post", better: .lower, minimalEffect: 0.1),
                scaling: scaling),
            Claim(
                id: "c2a",
                statement: "Pre-LN is prone to massive activations; Peri-LN's largest activation is smaller.",
                source: "abstract; Section 4", paperValue: "not stated (figures)", paperSetting: "400M–3.2B LMs",
                metric: "log₁₀ of the largest |activation| of the last block's output, paired Peri − Pre",
                rule: .superiority("c2a.log_max_peri_minus_pre", "log₁₀ max |activation|, Peri − Pre", better: .lower, minimalEffect: 0.1),
                scaling: scaling),
            Claim(
                id: "c2b",
                statement: "Post-LN is prone to vanishing gradients in early layers; Peri-LN's gradient flow across depth is steadier.",
                source: "abstract; Section 3", paperValue: "not stated (figures)", paperSetting: "400M–3.2B LMs",
                metric: "|log₁₀(‖∇ first block‖ / ‖∇ last block‖)|, paired Peri − Post; premise: Post-LN's first block gets the smaller gradient",
                rule: Rule.superiority("c2b.grad_imbalance_peri_minus_post", "gradient imbalance, Peri − Post", better: .lower, minimalEffect: 0.1)
                    .given(premise: .interval("c2b.post_log_grad_ratio", "Post-LN log₁₀(‖∇ first‖/‖∇ last‖)", below: true, 0),
                           "Post-LN's first block receives a smaller gradient than its last"),
                scaling: scaling),
            Claim(
                id: "c2c",
                statement: "Peri-LN trains stably where Pre-LN diverges.",
                source: "abstract; Section 4", paperValue: "Pre-LN diverges, Peri-LN does not", paperSetting: "400M–3.2B LMs, learning-rate sweeps",
                metric: "runs (learning rate × selection seed) where both Peri-LN and Pre-LN diverged; premise: Pre-LN diverges at least once",
                rule: Rule.bound("c2c.peri_diverged_where_pre_did", "runs where Peri-LN diverged alongside Pre-LN", 0)
                    .given(premise: .bound("c2c.pre_divergences", "Pre-LN divergences", below: false, 1), "Pre-LN diverges somewhere on the grid"),
                scaling: scaling + "; diverged = a non-finite loss, or a final validation loss above the first step's training loss"),
            Claim(
                id: "c2d",
                statement: "Peri-LN converges at least as well as Pre-LN: final validation loss no worse at each one's best learning rate.",
                source: "abstract; Section 4, Table 1", paperValue: "C4 loss 3.34 vs 3.43 (400M)", paperSetting: "400M LM, 30B tokens",
                metric: "validation loss (nats), paired Peri − Pre at each placement's selected rate",
                rule: .nonInferiority("c2d.val_loss_peri_minus_pre", "validation loss, Peri − Pre", better: .lower, margin: 0.02, unit: "nats"),
                scaling: scaling),
            Claim.notTestable(
                id: "c3",
                statement: "These benefits hold consistently in Transformers up to 3.2B parameters.",
                source: "abstract", paperValue: "3.2B parameters", paperSetting: "400M, 1.5B, 3.2B LMs",
                reason: "a CPU trains models of tens of thousands of parameters in seconds, five orders of magnitude short of 3.2B; "
                    + "what it can test is the depth mechanism (variance growth, gradient flow, divergence) on a small deep model, "
                    + "not whether the effects persist, grow or vanish with width, data and the long training of large models."),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "Against Pre-LN, Peri-LN's smaller variance growth is \(v("c1a")) and its smaller largest activation is \(v("c2a")); "
            + "against Post-LN, smaller variance growth is \(v("c1b")) (Post-LN renormalises the stream after every block, so its "
            + "variance is set by the trained gains of its norms) and steadier gradients across depth are \(v("c2b")). Stability where Pre-LN diverges is "
            + "\(v("c2c")) by the rule written before the run (the grid table shows how each placement fares at the aggressive "
            + "rate, where a run may stall without diverging), and validation loss no worse than Pre-LN's is \(v("c2d")). "
            + "The 3.2B-parameter claim is beyond a CPU: "
            + "these verdicts speak for a 6-block model of about 80k parameters only."
    }

    // MARK: - The method

    public var method: String {
        #"""
        A block has two residual sublayers $F$ (causal self-attention, then a GELU MLP). With $h_\ell$ the residual \#
        stream after block $\ell$ and $h_0$ the embedding,

        | placement | sublayer update | embedding | before the head |
        |---|---|---|---|
        | Post-LN | $h\leftarrow\mathrm{LN}(h+F(h))$ | — | — (already normalised) |
        | Pre-LN | $h\leftarrow h+F(\mathrm{LN}(h))$ | — | $\mathrm{LN}$ |
        | Peri-LN | $h\leftarrow h+\mathrm{LN_{out}}(F(\mathrm{LN_{in}}(h)))$ | $h_0\leftarrow\mathrm{LN}(h_0)$ | $\mathrm{LN}$ |

        The paper's argument: under Pre-LN nothing bounds $F$'s output, so $\mathrm{Var}(h_\ell)$ can grow \#
        multiplicatively as weights grow in training, and a few coordinates become huge ("massive activations"); \#
        under Post-LN the stream is renormalised after every add, so gradients reaching early blocks pass through \#
        $\ell$ normalisations and shrink; under Peri-LN each add contributes a normalised vector (variance set by \#
        $\mathrm{LN_{out}}$'s gain), so $\mathrm{Var}(h_\ell)$ grows at most additively in $\ell$.

        We measure on a fixed held-out batch after training: per layer, the variance of all entries of $h_\ell$ \#
        and its largest $|h_\ell|$; per block, the norm of the gradient of all its parameters.
        """#
    }

    public var excerpts: [String] { ["peri-ln-measure"] }

    public var deviations: String {
        #"""
        - **Scale (c3).** The paper trains 400M–3.2B-parameter models on 30B tokens of DCLM; we train a 6-block, \#
        width-32 transformer (about 80k parameters) on the project's order-2 Markov source over 32 tokens (the \#
        standard transformer task's source and held-out batches), 300 steps of 16 sequences of 16 tokens (quick: 20).
        - **Architecture.** No code is published; Peri-LN's embedding LN and final LN follow the paper's text. \#
        LayerNorm, not RMSNorm; GELU MLP of width 4d; no dropout; GPT-2 initialisation $\mathcal N(0,0.02^2)$.
        - **Tuning.** Every placement gets the same grid (Adam, lr 1e-3, 1e-2, 1e-1; the last is the aggressive \#
        one) and 3 selection seeds (quick: 2), selection on mean validation loss; 5 fresh evaluation seeds (quick: 2) \#
        at the selected rate, paired across placements (same initial weights where the parameters coincide, same \#
        batches). Seed counts are fixed, not planned by power, to keep the run near a minute of CPU.
        - **Metrics.** The paper plots variance and activations through training; we measure them once, at the end.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The experiment

extension PeriLNPaper {
    struct Settings {
        var layers = 6, steps: Int, selectionSeeds: Int, evaluationSeeds: Int
        var learningRates = [1e-3, 1e-2, 1e-1]
        /// The held-out batch: the standard transformer task's 64 validation sequences.
        var validationSequences = 64
        init(_ c: RunContext) {
            steps = c.pick(quick: 20, full: 300)
            selectionSeeds = c.seeds(quick: 2, full: 3)
            evaluationSeeds = c.seeds(quick: 2, full: 5)
        }
        init(layers: Int, steps: Int, selectionSeeds: Int, evaluationSeeds: Int) {
            self.layers = layers; self.steps = steps; self.selectionSeeds = selectionSeeds; self.evaluationSeeds = evaluationSeeds
        }
    }

    static let placements: [(NormPlacement, String)] = [(.post, "Post-LN"), (.pre, "Pre-LN"), (.peri, "Peri-LN")]

    /// One training run's end state.
    struct Measurement {
        var validationLoss: Double
        var diverged: Bool
        /// Per layer `0...L` of the residual stream: variance of all entries, largest |entry|.
        var variance: [Double], maxActivation: [Double]
        /// Per block `0..<L`: the norm of the gradient of all its parameters on the held-out batch.
        var gradientNorm: [Double]
        var curve: [Double]
    }

    // excerpt: peri-ln-measure
    /// Trains one model with Adam at `learningRate` and measures it on the held-out batch.
    static func train(_ placement: NormPlacement, learningRate: Double, seed: Int, settings s: Settings, context: RunContext,
                      source: MarkovTokenSource, validation: TokenBatch) -> Measurement {
        let config = TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: s.layers, placement: placement)
        // Same stream for every placement: shared parameters start equal, batches are the same.
        let model = TinyTransformer(config: config, rng: context.rng("seed \(seed)", "model"))
        var data = context.rng("seed \(seed)", "batches")
        let adam = ChainedOptimizer.adam(model.trainableParameters, learningRate: .constant(Float(learningRate)))
        var curve = [Double](), first = Double.nan
        for step in 1...s.steps {
            let b = source.batch(sequences: 16, length: 16, using: &data)
            let loss = Double(adam.step { model.lossAndGradient(tokens: b.tokens, targets: b.targets, batch: 16) })
            if step == 1 { first = loss }
            guard loss.isFinite else {
                return Measurement(validationLoss: .nan, diverged: true, variance: [], maxActivation: [], gradientNorm: [], curve: curve)
            }
            if step % max(s.steps / 30, 1) == 0 { curve.append(loss) }
        }
        let validationLoss = model.evaluate(validation).loss
        let stream = model.residualStream(tokens: validation.tokens, batch: validation.sequences)
        let variance = stream.map { h -> Double in
            let n = Double(h.data.count), mean = h.data.reduce(0.0) { $0 + Double($1) } / n
            return h.data.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
        }
        let maxActivation = stream.map { h in Double(h.data.reduce(0) { max($0, abs($1)) }) }
        _ = model.lossAndGradient(tokens: validation.tokens, targets: validation.targets, batch: validation.sequences)
        let gradientNorm = (0..<s.layers).map { i -> Double in
            model.trainableParameters.filter { $0.name.hasPrefix("block\(i).") }
                .reduce(0.0) { $0 + Double($1.grad.dot($1.grad)) }.squareRoot()
        }
        let diverged = !validationLoss.isFinite || validationLoss > first
        return Measurement(validationLoss: diverged ? .nan : validationLoss, diverged: diverged, variance: variance,
                           maxActivation: maxActivation, gradientNorm: gradientNorm, curve: curve)
    }
    // end excerpt

    /// log₁₀ variance growth from the first block's output to the last's.
    static func logGrowth(_ m: Measurement) -> Double { log10(m.variance[m.variance.count - 1] / m.variance[1]) }
    static func logMax(_ m: Measurement) -> Double { log10(m.maxActivation[m.maxActivation.count - 1]) }
    static func logGradientRatio(_ m: Measurement) -> Double { log10(m.gradientNorm[0] / m.gradientNorm[m.gradientNorm.count - 1]) }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var sourceRNG = context.standardRNG("markov", "source")
        let source = MarkovTokenSource(vocabularySize: 32, order: 2, branching: 4, smoothing: 0.02, using: &sourceRNG)
        var heldOut = context.standardRNG("markov", "held out")
        let validation = source.batch(sequences: s.validationSequences, length: 16, using: &heldOut)
        var evidence = Evidence()
        var results = [ReportBlock]()

        // Selection: every placement, every rate, the same selection seeds.
        var grid = [NormPlacement: [[Measurement]]]()
        for (placement, _) in Self.placements {
            grid[placement] = s.learningRates.map { lr in
                (0..<s.selectionSeeds).map { Self.train(placement, learningRate: lr, seed: $0, settings: s, context: context,
                                                        source: source, validation: validation) }
            }
        }
        func meanLoss(_ runs: [Measurement]) -> Double { runs.contains { $0.diverged } ? .infinity : Statistics.mean(runs.map(\.validationLoss)) }
        var chosen = [NormPlacement: Int]()
        for (placement, _) in Self.placements {
            let losses = grid[placement]!.map(meanLoss)
            chosen[placement] = losses.indices.min { losses[$0] < losses[$1] }!
        }
        // Evaluation: fresh seeds at each placement's selected rate, paired by seed.
        var evaluation = [NormPlacement: [Measurement]]()
        for (placement, _) in Self.placements {
            let lr = s.learningRates[chosen[placement]!]
            evaluation[placement] = (0..<s.evaluationSeeds).map {
                Self.train(placement, learningRate: lr, seed: 1000 + $0, settings: s, context: context, source: source, validation: validation)
            }
        }
        // Seeds on which a placement diverged at its own selected rate drop out of every pair.
        let kept = (0..<s.evaluationSeeds).filter { k in Self.placements.allSatisfy { !evaluation[$0.0]![k].diverged } }
        let post = kept.map { evaluation[.post]![$0] }, pre = kept.map { evaluation[.pre]![$0] }, peri = kept.map { evaluation[.peri]![$0] }
        func record(_ key: String, _ a: [Double], _ b: [Double]) {
            guard kept.count >= 2 else {
                evidence.record(interval: key, Interval(mean: .nan, low: -.infinity, high: .infinity, count: kept.count), tolerance: 1e-6)
                return
            }
            let d = Statistics.pairedDifferences(a, b)
            evidence.record(interval: key, d, tolerance: 1e-6)
            evidence.record("\(key).mde", Statistics.minimalDetectableEffect(standardDeviation: d.standardDeviation, count: d.count))
        }
        record("c1a.log_growth_peri_minus_pre", peri.map(Self.logGrowth), pre.map(Self.logGrowth))
        record("c1b.log_growth_peri_minus_post", peri.map(Self.logGrowth), post.map(Self.logGrowth))
        record("c2a.log_max_peri_minus_pre", peri.map(Self.logMax), pre.map(Self.logMax))
        record("c2b.grad_imbalance_peri_minus_post", peri.map { abs(Self.logGradientRatio($0)) }, post.map { abs(Self.logGradientRatio($0)) })
        record("c2b.post_log_grad_ratio", post.map(Self.logGradientRatio), post.map { _ in 0 })
        record("c2d.val_loss_peri_minus_pre", peri.map(\.validationLoss), pre.map(\.validationLoss))
        let preGrid = grid[.pre]!.flatMap { $0 }, periGrid = grid[.peri]!.flatMap { $0 }
        evidence.record("c2c.pre_divergences", Double(preGrid.filter(\.diverged).count))
        evidence.record("c2c.peri_diverged_where_pre_did", Double(zip(preGrid, periGrid).filter { $0.diverged && $1.diverged }.count))

        // Report: the grid, then the per-layer profiles at the selected rates.
        let lrNames = s.learningRates.map { Format.compact($0, 2) }
        results.append(.table(Table(
            caption: "Selection grid: mean validation loss (nats) over \(s.selectionSeeds) seeds, diverged runs counted; ★ = selected.",
            headers: ["placement"] + lrNames.map { "lr \($0)" },
            rows: Self.placements.map { placement, name in
                [name] + grid[placement]!.enumerated().map { i, runs in
                    let d = runs.filter(\.diverged).count
                    let loss = d == runs.count ? "—" : Format.fixed(Statistics.mean(runs.filter { !$0.diverged }.map(\.validationLoss)), 3)
                    return loss + (d > 0 ? " (\(d) diverged)" : "") + (chosen[placement] == i ? " ★" : "")
                }
            })))
        let aggressive = s.learningRates.count - 1
        let atAggressive = Self.placements.map { placement, name -> String in
            let runs = grid[placement]![aggressive].filter { !$0.diverged }
            return "\(name) \(runs.isEmpty ? "diverged" : Format.fixed(Statistics.mean(runs.map(\.validationLoss)), 3))"
        }
        results.append(.text("At the aggressive rate \(lrNames[aggressive]) the mean validation loss is "
            + atAggressive.joined(separator: ", ") + " nats (uniform guessing: ln 32 ≈ 3.466; the source's entropy rate "
            + "\(Format.compact(source.entropyRate, 3))). The divergence rule of c2c, fixed before the run, counts only a non-finite "
            + "loss or a final validation loss above the first step's training loss, so a run that stalls near the unigram loss "
            + "is not counted as diverged; read this line as a description, not a verdict."))
        results.append(.table(Table(
            caption: "Evaluation at the selected rates (\(s.evaluationSeeds) fresh seeds, mean ± 95% half-width).",
            headers: ["placement", "lr", "val loss", "log₁₀ var growth", "log₁₀ max |h_L|", "log₁₀ ‖∇ first‖/‖∇ last‖"],
            rows: Self.placements.map { placement, name in
                let runs = evaluation[placement]!.filter { !$0.diverged }
                func cell(_ f: (Measurement) -> Double) -> String { runs.isEmpty ? "—" : Summary(runs.map(f)).formatted }
                return [name, lrNames[chosen[placement]!], cell(\.validationLoss), cell(Self.logGrowth), cell(Self.logMax), cell(Self.logGradientRatio)]
            })))
        func profile(_ name: String, _ title: String, _ y: String, x: [Double], _ values: (Measurement) -> [Double]) -> Figure {
            Figure(name: name, title: title, xLabel: "layer", yLabel: y, series: Self.placements.compactMap { placement, label in
                let runs = evaluation[placement]!.filter { !$0.diverged }
                guard !runs.isEmpty else { return nil }
                return Series(label, x: x, y: x.indices.map { i in Statistics.mean(runs.map { values($0)[i] }) })
            }, logY: true, caption: "Mean over the evaluation seeds at each placement's selected rate.")
        }
        let layers = (0...s.layers).map(Double.init)
        results.append(.figure(profile("variance", "Hidden-state variance by depth", "variance of h_l", x: layers) { $0.variance }))
        results.append(.figure(profile("max-activation", "Largest activation by depth", "max |h_l|", x: layers) { $0.maxActivation }))
        results.append(.figure(profile("gradient-norm", "Gradient norm by block", "‖∇ block‖", x: Array(layers.dropLast())) { $0.gradientNorm }))

        let setup = "A \(s.layers)-block transformer (width 32, 2 heads, context 16, MLP 128, LayerNorm) per placement; "
            + "Adam (β = 0.9, 0.999, ε = 1e-8, constant rate) for \(s.steps) steps on fresh batches of 16 sequences of 16 tokens "
            + "from the standard order-2 Markov source (entropy rate \(Format.compact(source.entropyRate, 3)) nats); validation = the "
            + "standard task's held-out batch of 64 sequences. Grid lr ∈ {\(lrNames.joined(separator: ", "))}, \(s.selectionSeeds) "
            + "selection seeds, \(s.evaluationSeeds) evaluation seeds."
        return PaperRun(evidence: evidence, setup: [.text(setup)], results: results)
    }
}
