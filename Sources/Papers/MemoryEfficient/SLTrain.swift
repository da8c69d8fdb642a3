import Foundation
import Harness

// # SLTrain: a sparse plus low-rank approach for parameter and memory efficient pretraining
//
// Andi Han, Jiaxiang Li, Wei Huang, Mingyi Hong, Akiko Takeda, Pratik Jawanpuria and Bamdev Mishra
// (NeurIPS 2024, arXiv 2406.02214; official code github.com/andyjm3/SLTrain).
//
// **The paper in plain words.** Pre-training with a low-rank factorisation `W = BA` saves
// parameters and optimizer memory, but confines every weight to a rank-r set and trains worse
// than full rank. SLTrain adds a sparse matrix: `W = (α/r) BA + S`, where the support of `S` (a
// fraction δ of the entries) is drawn uniformly at random once and never changes; only its values
// are learned. The claims: (c1) this improves substantially over pure low-rank pre-training and
// is comparable to full rank; (c2) it adds minimal parameters and memory over low rank; (c3) with
// quantisation and per-layer updates it saves up to 73% memory on LLaMA 7B.
//
// SLTrain is a parametrisation of the linear layers, not an optimizer: every arm here trains with
// the same AdamW. Its delta from GaLore's experiment (same data, model and budget) is the layer:
// a LoRA adapter on a *trainable* base weight whose gradient is masked to a fixed random support.

/// SLTrain (Han et al., 2024): linear layers parametrised as low rank plus fixed-support sparse.
public struct SLTrain: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sltrain",
            title: "SLTrain: a sparse plus low-rank approach for parameter and memory efficient pretraining",
            method: "SLTrain",
            family: "MemoryEfficient",
            arxiv: "2406.02214",
            code: "https://github.com/andyjm3/SLTrain",
            summary: #"""
            Low-rank factorised pre-training ($W = BA$) saves parameters and optimizer memory but restricts \#
            every weight to rank $r$ and trains worse than full rank. **SLTrain** parametrises each weight as \#
            $W = \tfrac{\alpha}{r}BA + S$, where $S$ is sparse with a support of $\delta mn$ entries drawn \#
            uniformly at random once and kept fixed; only $B$, $A$ and the values of $S$ are trained. The paper \#
            claims this clearly beats low-rank pre-training, is comparable to full-rank training, costs few \#
            extra parameters and little memory over low rank, and (with quantisation and per-layer updates) \#
            saves up to 73% memory on LLaMA 7B. We pre-train GaLore's tiny transformer language model on its \#
            Markov token source with full-rank AdamW, low-rank $BA$ and SLTrain, all with the same AdamW and \#
            learning-rate grid, and count parameters and bytes exactly at the paper's BF16 precision.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "Adding a random fixed-support sparse matrix S to the low-rank product BA substantially improves pre-training over the pure low-rank parametrisation.",
                source: "abstract; Table 2",
                paperValue: "substantially better perplexity than low rank", paperSetting: "LLaMA 60M–1B on C4 (Table 2)",
                metric: "test loss (nats/token), SLTrain − low-rank BA, paired by seed; premise: low-rank − full-rank AdamW",
                rule: Rule.superiority("c1a.loss_sltrain_minus_lowrank", "test loss, SLTrain − low rank", better: .lower, minimalEffect: 0.01, unit: "nats")
                    .given(premise: .superiority("c1a.premise.loss_lowrank_minus_adamw", "test loss, low rank − full-rank AdamW", better: .higher,
                                                 minimalEffect: 0.01, unit: "nats"),
                           "low-rank pre-training loses to full rank at this scale (the gap SLTrain claims to close)"),
                scaling: "GaLore's 2-layer transformer, width 32 (quick 16), r = width/4, δ = 0.03, 150 steps (quick 30); 0.01 nats is the minimal effect of interest"),
            Claim(
                id: "c1b",
                statement: "SLTrain is comparable to full-rank pre-training.",
                source: "abstract; Table 2",
                paperValue: "perplexity close to full rank", paperSetting: "LLaMA 60M–1B on C4 (Table 2)",
                metric: "test loss (nats/token), SLTrain − full-rank AdamW, paired by seed",
                rule: .nonInferiority("c1b.loss_sltrain_minus_adamw", "test loss, SLTrain − AdamW", better: .lower, margin: 0.05, unit: "nats"),
                scaling: "as c1a; margin 0.05 nats (the catalog's 'comparable')"),
            Claim(
                id: "c2a",
                statement: "SLTrain adds few parameters over the low-rank parametrisation.",
                source: "abstract; Table 2",
                paperValue: "minimal extra parameters (no number in the abstract)", paperSetting: "LLaMA 60M–7B, δ = 0.03",
                metric: "exact parameter count of the whole model, SLTrain / low rank − 1 (sparse values counted, not their indices)",
                rule: .bound("c2a.extra_parameters", "extra parameters over low rank", 0.10),
                scaling: "by construction: counted on the tiny model (embeddings, norms, head full-rank in both); the 10% bar is the catalog's"),
            Claim(
                id: "c2b",
                statement: "SLTrain adds little memory over the low-rank parametrisation.",
                source: "abstract; Figure 1",
                paperValue: "minimal extra memory (no number in the abstract)", paperSetting: "LLaMA 60M–7B, BF16",
                metric: "exact bytes of weights + gradients + Adam moments at BF16 (2 bytes each) plus the sparse support's int64 indices (8 bytes each, as the official code stores them), SLTrain / low rank − 1",
                rule: .bound("c2b.extra_memory", "extra memory over low rank", 0.10),
                scaling: "by construction at the paper's precision on the tiny model; 10% is the catalog's parameter bar, applied to memory before the run"),
            Claim.notTestable(
                id: "c3",
                statement: "Combined with quantisation and per-layer updates, SLTrain reduces memory by up to 73% when pre-training LLaMA 7B.",
                source: "abstract; Figure 1",
                paperValue: "73%",
                reason: "it combines SLTrain with 8-bit quantisation and per-layer weight updates at the 7B scale; the memory of those extra parts is not part of the method and no CPU run can train the model."),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "With every arm tuned on the same grid, SLTrain beating pure low rank is \(v("c1a").display)"
        if v("c1a") == .inconclusive(.premiseAbsent) {
            text += " (low rank did not lose to full-rank AdamW in 150 steps, so there was no gap for the sparse part to close)"
        }
        text += ", and SLTrain "
        text += "matching full-rank AdamW within 0.05 nats is \(v("c1b").display). "
        text += "The cost over low rank is exact arithmetic: parameters \(v("c2a").display), memory with the support's indices \(v("c2b").display)."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **The layer.** A linear map $W\in\mathbb R^{m\times n}$ ($m$ outputs, $n$ inputs) becomes \#
        $$W = \tfrac{\alpha}{r}\,BA + S,\qquad B\in\mathbb R^{m\times r},\ A\in\mathbb R^{r\times n},\ \operatorname{supp}(S)=\Omega,\ |\Omega| = \lfloor\delta mn\rfloor.$$
        $\Omega$ is drawn uniformly at random (a random permutation of the $mn$ positions, first \#
        $\lfloor\delta mn\rfloor$) and fixed; the trained parameters are $B$, $A$, the values $S_\Omega$ and \#
        the bias. Initialisation as in the official `SpLoRaLinear`: $A$ Kaiming-uniform ($\pm1/\sqrt n$), \#
        $B = 0$, $S_\Omega$ uniform in $\pm1/\sqrt n$; the paper's 60M run uses $\alpha = 32$, $r = 128$, i.e. \#
        $\alpha/r = 1/4$, and $\delta = 0.03$, which we keep.

        **In the harness.** The official code stores $S$ as values plus int64 indices and fuses the \#
        product in C++. We build the same function from existing parts: a ``Linear`` layer whose weight \#
        holds $S$ densely (zero off $\Omega$) and stays trainable, with a LoRA adapter ($A$, $B$, scale \#
        $\alpha/r$) attached; the first link of the optimizer chain multiplies each weight's gradient by \#
        the 0/1 mask of $\Omega$. Adam then sees exact zeros off the support, its moments stay zero there \#
        and the step is exactly zero, so $S$ never leaves $\Omega$ (a test checks it). The low-rank baseline \#
        is the same layer with $\delta = 0$ (empty support, $S\equiv0$). Dense storage is a CPU convenience: \#
        parameters and bytes are counted as the paper stores them.

        **Counts.** Per matrix: full rank $mn$; low rank $r(m+n)$; SLTrain $r(m+n)+\lfloor\delta mn\rfloor$ \#
        values plus as many int64 indices. Memory per trained value at BF16: weight, gradient and two Adam \#
        moments, $4\times2$ bytes; per index 8 bytes.
        """#
    }

    public var excerpts: [String] { ["sparse-support", "layer-swap"] }

    public var deviations: String {
        #"""
        - **Scale.** GaLore's tiny transformer (2 layers, width 32, quick 16; Markov source over 32 tokens \#
        with a known optimal loss), 150 steps (quick 30) at batch 8 × 16 tokens, instead of LLaMA 60M–7B on \#
        C4 for 11k+ steps. r = width/4 (the paper's 60M: 128 of 512), δ = 0.03 and α/r = 1/4 as in the paper.
        - **Optimizer.** Every arm: AdamW, β = (0.9, 0.999), ε = 1e-8, no weight decay (the paper's scripts \#
        use none), constant rate (no warm-up or cosine decay); the same three-point grid for every arm.
        - **Which layers.** Attention and MLP matrices are factorised; embeddings, norms and the head stay \#
        full rank in every arm, as in the official code.
        - **Storage.** $S$ is held densely with a gradient mask (exactly the same function and updates); the \#
        counts of c2 are of the paper's storage (values + int64 indices), computed, not measured.
        - **Grid edges.** The grid was fixed before the first run; when an arm's best rate sits at an edge the \#
        harness extends that arm's grid one step past it (the extra rows of the sweep table), the same rule for \#
        every arm.
        - **c3** needs 8-bit quantisation and per-layer updates on a 7B model; not testable here.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Self.settings(context))
    }
}

private func fmt(_ x: Double, _ digits: Int = 3) -> String { Format.significant(x, digits) }

// MARK: - The fixed sparse support

// excerpt: sparse-support
/// Multiplies the gradient of selected tensors by a fixed 0/1 mask (the sparse support Ω);
/// tensors without a mask pass unchanged. Holds no optimizer state: the support is part of the
/// parametrisation (counted as indices, not here).
final class FixedSupport: GradientTransformation {
    let masks: [[Float]?]
    init(masks: [[Float]?]) { self.masks = masks }

    func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        guard let mask = masks[index] else { return }
        for i in 0..<mask.count { u.data[i] *= mask[i] }
    }

    var stateBytes: Int { 0 }
}

extension SLTrain {
    /// The support: ⌊δ·count⌋ positions of a uniform random permutation (torch.randperm, first k).
    static func support(count: Int, density: Double, rng: SeededRandom) -> [Int] {
        var r = rng
        let k = Int(density * Double(count))
        return Array(r.permutation(count).prefix(k)).sorted()
    }
}
// end excerpt

// MARK: - The experiment

extension SLTrain {
    enum Method: String, CaseIterable {
        case adamW = "AdamW"
        case lowRank = "low-rank BA"
        case slTrain = "SLTrain"
    }

    static let density = 0.03
    static let scaleOverRank = 0.25

    static func settings(_ context: RunContext) -> GaLore.Settings {
        var s = GaLore.Settings(width: context.pick(quick: 16, full: 32), context: context.pick(quick: 8, full: 16),
                                batch: 8, steps: context.pick(quick: 30, full: 150),
                                learningRates: context.pick(quick: [3e-3, 1e-2], full: [1e-3, 3e-3, 1e-2]),
                                evaluationSeeds: context.seeds(quick: 2, full: 3),
                                evaluationInterval: context.pick(quick: 10, full: 20), updateGap: 50)
        s.selectionSeeds = context.pick(quick: 1, full: 3)
        s.seedCap = context.seedsOverride ?? context.pick(quick: 2, full: 4)
        return s
    }

    // excerpt: layer-swap
    /// Builds the model of `method` from the trial's common stream, and its optimizer: one AdamW
    /// chain over every trainable tensor, preceded for the factorised arms by the support mask.
    /// Low rank is SLTrain with δ = 0.
    static func model(_ method: Method, settings s: GaLore.Settings, learningRate lr: Double, common: SeededRandom)
        -> (TinyTransformer, ChainedOptimizer, supports: [[Int]]) {
        let model = TinyTransformer(config: s.model, rng: common.child("model"))
        let rate = LearningRate.constant(Float(lr))
        guard method != .adamW else {
            return (model, .adamW(model.trainableParameters, learningRate: rate, eps: 1e-8, weightDecay: 0), [])
        }
        let r = s.rank
        model.attachLoRA(rank: r, alpha: scaleOverRank * Double(r), to: GaLore.isBlockMatrix, rng: common.child("lora"))
        for layer in model.layers { layer.isFrozen = false }
        var masks = [ObjectIdentifier: [Float]](), supports = [[Int]]()
        for layer in model.linearLayers where GaLore.isBlockMatrix(layer.name) {
            let n = layer.inputs, count = layer.weight.value.count
            let omega = method == .slTrain ? support(count: count, density: density, rng: common.child("support/" + layer.name)) : []
            var values = common.child("sparse/" + layer.name)
            var dense = [Float](repeating: 0, count: count), mask = dense
            let bound = 1 / Double(n).squareRoot()
            for i in omega { dense[i] = Float(values.uniform(-bound, bound)); mask[i] = 1 }
            layer.weight.value = Tensor(shape: layer.weight.value.shape, data: dense)
            masks[ObjectIdentifier(layer.weight)] = mask
            supports.append(omega)
        }
        let parameters = model.trainableParameters
        let chain: [GradientTransformation] = [FixedSupport(masks: parameters.map { masks[ObjectIdentifier($0)] })]
            + Chains.adamW(eps: 1e-8, weightDecay: 0)
        return (model, ChainedOptimizer(parameters, transforms: chain, learningRate: rate), supports)
    }
    // end excerpt

    /// Parameters and BF16 bytes as the paper stores each arm: (trained values, int64 indices).
    static func counts(_ method: Method, settings s: GaLore.Settings) -> (parameters: Int, indices: Int) {
        let probe = TinyTransformer(config: s.model, rng: SeededRandom(seed: 0, path: ["probe"]))
        var parameters = probe.parameterCount, indices = 0
        guard method != .adamW else { return (parameters, 0) }
        for layer in probe.linearLayers where GaLore.isBlockMatrix(layer.name) {
            let m = layer.outputs, n = layer.inputs
            let nnz = method == .slTrain ? Int(density * Double(m * n)) : 0
            parameters += s.rank * (m + n) + nnz - m * n
            indices += nnz
        }
        return (parameters, indices)
    }

    /// Weights, gradients and two Adam moments at BF16 per trained value, 8 bytes per index.
    static func bf16Bytes(_ c: (parameters: Int, indices: Int)) -> Double { Double(8 * c.parameters + 8 * c.indices) }

    static func train(_ method: Method, learningRate lr: Double, settings s: GaLore.Settings, source: MarkovTokenSource,
                      validation: GaLore.TokenSet, test: GaLore.TokenSet, trial: Trial) -> RunRecord {
        let (model, optimizer, _) = model(method, settings: s, learningRate: lr, common: trial.commonRNG)
        var batches = trial.commonRNG.child("batches")
        return GaLore.pretrain(model, optimizer, batches: &batches, settings: s, source: source, validation: validation, test: test)
    }

    func run(_ context: RunContext, settings s: GaLore.Settings) throws -> PaperRun {
        let (source, validation, test, optimum) = GaLore.languageModelData(context, s)
        let arms = Method.allCases.map { method in
            Arm(method.rawValue, grid: Hyperparameters.learningRateGrid(s.learningRates)) { trial in
                Self.train(method, learningRate: trial.hyperparameters.learningRate, settings: s, source: source,
                           validation: validation, test: test, trial: trial)
            }
        }
        let rule = SelectionRule.lowest("validation loss")
        let experiment = Experiment(
            context: context, claim: "pretrain", arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds,
            rule: rule,
            power: [PowerPlan(method: Method.slTrain.rawValue, baseline: Method.lowRank.rawValue, metric: "validation loss", minimalEffect: 0.01),
                    PowerPlan(method: Method.slTrain.rawValue, baseline: Method.adamW.rawValue, metric: "validation loss", minimalEffect: 0.05)],
            seedCap: s.seedCap)
        let comparison = try experiment.compare()
        let results = comparison.arms
        let byMethod = Dictionary(uniqueKeysWithValues: zip(Method.allCases, results))
        let tolerance = 0.02

        var e = Evidence()
        e.record("optimal_loss", optimum, absoluteTolerance: 1e-9, relativeTolerance: 0)
        for m in Method.allCases {
            let key = m == .adamW ? "adamw" : m == .lowRank ? "lowrank" : "sltrain"
            e.record("\(key).lr", byMethod[m]!.chosen.learningRate, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).test_loss", byMethod[m]!.summary("test loss", includingDiverged: true).mean,
                     absoluteTolerance: tolerance, relativeTolerance: 0.01)
            e.record("\(key).parameters", Double(Self.counts(m, settings: s).parameters), absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).bf16_bytes", Self.bf16Bytes(Self.counts(m, settings: s)), absoluteTolerance: 0, relativeTolerance: 0)
        }
        func difference(_ key: String, _ a: Method, _ b: Method) {
            let values = { (m: Method) in byMethod[m]!.evaluation.map { $0.metric("test loss") ?? .nan } }
            e.record(interval: key, Statistics.pairedDifferences(values(a), values(b)), tolerance: tolerance)
            if let plan = comparison.plans.first(where: { $0.plan.method == a.rawValue && $0.plan.baseline == b.rawValue }),
               plan.detectable.isFinite {
                e.record("\(key).mde", plan.detectable, absoluteTolerance: tolerance, relativeTolerance: 0)
            }
        }
        difference("c1a.loss_sltrain_minus_lowrank", .slTrain, .lowRank)
        difference("c1a.premise.loss_lowrank_minus_adamw", .lowRank, .adamW)
        difference("c1b.loss_sltrain_minus_adamw", .slTrain, .adamW)
        let low = Self.counts(.lowRank, settings: s), sl = Self.counts(.slTrain, settings: s)
        e.record("c2a.extra_parameters", Double(sl.parameters) / Double(low.parameters) - 1, absoluteTolerance: 0, relativeTolerance: 1e-12)
        e.record("c2b.extra_memory", Self.bf16Bytes(sl) / Self.bf16Bytes(low) - 1, absoluteTolerance: 0, relativeTolerance: 1e-12)

        return PaperRun(evidence: e, setup: [.text(setupText(s, optimum: optimum, rule: rule))],
                        results: resultsBlocks(s, results: results, byMethod: byMethod, optimum: optimum, rule: rule))
    }

    func setupText(_ s: GaLore.Settings, optimum: Double, rule: SelectionRule) -> String {
        #"""
        **Data and model** are GaLore's (`GaLore.languageModelData`): a Markov source over \#(s.vocabulary) tokens \#
        whose optimal loss on sequences of \#(s.context + 1) tokens is **\#(fmt(optimum, 4)) nats/token**; a \#
        \#(s.layers)-layer pre-LayerNorm transformer of width \#(s.width), \#(s.heads) heads, MLP \#(s.mlpRatio)×.

        **Arms**, all trained by AdamW (β = (0.9, 0.999), ε = 1e-8, no weight decay, constant rate): *AdamW* on \#
        dense matrices; *low-rank BA* with r = \#(s.rank), α/r = \#(fmt(Self.scaleOverRank)) on every attention and \#
        MLP matrix; *SLTrain*, the same plus a fixed random support of δ = \#(fmt(Self.density)) of each matrix's \#
        entries. Embeddings, norms, biases and head are trained in full everywhere.

        **Budget and tuning.** \#(s.steps) steps at batch \#(s.batch) × \#(s.context) tokens; every arm's rate from \#
        {\#(s.learningRates.map { fmt($0) }.joined(separator: ", "))} by \#(rule.description), over \#
        \#(Format.counted(s.selectionSeeds, "selection seed")), then fresh evaluation seeds (initial weights, \#
        supports and batches shared by every arm at a seed); claims are judged on test loss.
        """#
    }

    func resultsBlocks(_ s: GaLore.Settings, results: [ArmResult], byMethod: [Method: ArmResult], optimum: Double,
                       rule: SelectionRule) -> [ReportBlock] {
        let full = Self.counts(.adamW, settings: s)
        let rows = Method.allCases.map { m -> [String] in
            let r = byMethod[m]!, c = Self.counts(m, settings: s)
            return [m.rawValue, fmt(r.chosen.learningRate), r.summary("test loss").formatted,
                    "\(c.parameters) (\(fmt(100 * Double(c.parameters) / Double(full.parameters), 3))%)", "\(c.indices)",
                    "\(Int(Self.bf16Bytes(c))) (\(fmt(100 * Self.bf16Bytes(c) / Self.bf16Bytes(full), 3))%)",
                    "\(r.divergedCount)/\(r.evaluation.count)"]
        }
        let summary = Table(
            caption: "Pre-training over the evaluation seeds: test loss (nats/token, mean ± 95% CI; optimum \(fmt(optimum, 4))), trained parameters and BF16 bytes (weights + gradients + Adam moments, 8 bytes per int64 index) as the paper stores them, in % of full rank.",
            headers: ["method", "lr", "test loss", "parameters", "sparse indices", "BF16 bytes", "diverged"],
            rows: rows)
        let pairs: [(Method, Method)] = [(.slTrain, .lowRank), (.slTrain, .adamW), (.lowRank, .adamW)]
        let paired = Table(
            caption: "Paired differences of test loss (same initial weights, supports and batches at each seed), mean ± 95% CI.",
            headers: ["difference", "test loss difference"],
            rows: pairs.map { a, b in ["\(a.rawValue) − \(b.rawValue)", byMethod[a]!.pairedDifference("test loss", versus: byMethod[b]!).formatted] })
        var figure = ExperimentReport.lossFigure(
            results, name: "validation-loss", title: "Validation loss during pre-training (chosen learning rates)",
            yLabel: "validation loss (nats/token)", logY: false,
            caption: "Mean over evaluation seeds with 95% bands; dashed: the source's optimal loss.")
        figure.reference = (optimum, "optimal loss")
        return [.table(summary), .table(paired), .figure(figure), .table(ExperimentReport.sweepTable(results, rule: rule))]
    }
}
