import Foundation
import Harness

// # Improving Sharpness-Aware Minimization with Fisher Mask for Better Generalization on Language Models
//
// Qihuang Zhong, Liang Ding, Li Shen, Peng Mi, Juhua Liu, Bo Du and Dacheng Tao (Findings of EMNLP
// 2022, arXiv 2210.05497; no official code is listed; the mask follows the Fisher variant of the
// same group's SSAM code, Mi-Peng/Sparse-Sharpness-Aware-Minimization). A delta from SAM
// (`Sources/Harness/Methods/SAM.swift`): the perturbation is applied only to the parameters with
// the largest diagonal empirical Fisher information. The harness's SAM runs unchanged; FSAM
// masks the gradient SAM perturbs along, and sets SAM's radius for that step so that the
// perturbation keeps the full gradient's norm in its denominator.

// MARK: - The method

// excerpt: fisher-mask
/// FSAM: SAM whose perturbation $\hat\epsilon=\rho\,g/\|g\|$ is multiplied by a 0/1 mask $m$ that keeps
/// the $\lfloor(1-s)\,n\rfloor$ coordinates with the largest diagonal empirical Fisher
/// $F_i=\frac1{N_F}\sum_{j}(\partial_i\ell_j)^2$ (sparsity $s$, per-example gradients of $N_F$ training
/// examples), refreshed every `interval` steps (before the first step, then every `interval`).
/// The norm is the full gradient's, as in SSAM's code (`e_w * mask`), so $\|m\odot\hat\epsilon\|\le\rho$.
public final class FisherSAM: Optimizer {
    /// How the Fisher diagonal is obtained at a refresh.
    public enum FisherSource {
        /// Per-example squared gradients at the current weights (the paper's estimate).
        case perExample(() -> [Tensor<Float>])
        /// The squared mini-batch gradients this optimizer applied since the last refresh (for
        /// `reproduce league`, which gives an optimizer no data); plain SAM until the first refresh.
        case appliedGradients
    }
    public let sam: SAM
    public let sparsity: Double
    public let interval: Int
    public let source: FisherSource
    /// ρ; SAM's own `rho` is reset every step (see ``step(_:)``).
    public let rho: Float
    /// The current mask (nil before the first refresh of `appliedGradients`: SAM).
    public private(set) var mask: [Tensor<Float>]?
    private var steps = 0
    private var squares: [Tensor<Float>] = []

    public init(base: any Optimizer, rho: Float = 0.05, sparsity: Double = 0.9, interval: Int = 10, source: FisherSource) {
        precondition(sparsity >= 0 && sparsity < 1 && interval >= 1, "FSAM needs 0 ≤ sparsity < 1 and interval ≥ 1")
        sam = SAM(base: base, rho: rho)
        (self.rho, self.sparsity, self.interval, self.source) = (rho, sparsity, interval, source)
    }

    public var parameters: [Parameter] { sam.parameters }
    /// SAM's state and the mask (stored as Float, as SSAM does) plus, for `appliedGradients`,
    /// the running squares.
    public var stateBytes: Int { sam.stateBytes + [mask ?? [], squares].joined().reduce(0) { $0 + $1.count * 4 } }
    public func applyGradients() { sam.applyGradients() }

    /// The mask keeping the `keep` largest entries of `fisher` over all tensors (ties to the
    /// earlier coordinate, so the mask is deterministic).
    public static func topMask(_ fisher: [Tensor<Float>], keep: Int) -> [Tensor<Float>] {
        let flat = fisher.flatMap(\.data)
        let kept = flat.indices.sorted { flat[$0] != flat[$1] ? flat[$0] > flat[$1] : $0 < $1 }.prefix(keep)
        var bits = [Float](repeating: 0, count: flat.count)
        for i in kept { bits[i] = 1 }
        var offset = 0
        return fisher.map { t in
            defer { offset += t.count }
            return Tensor(shape: t.shape, data: Array(bits[offset..<(offset + t.count)]))
        }
    }

    @discardableResult
    public func step(_ lossAndGradient: LossAndGradient) -> Float {
        let params = parameters
        let keep = Int(Double(params.reduce(0) { $0 + $1.value.count }) * (1 - sparsity))
        if steps % interval == 0 {
            switch source {
            case .perExample(let fisher): mask = Self.topMask(fisher(), keep: keep)
            case .appliedGradients: if !squares.isEmpty { mask = Self.topMask(squares, keep: keep) }
            }
            squares = []
        }
        // SAM perturbs along ρ_SAM·g̃/‖g̃‖; with g̃ = m ⊙ g and ρ_SAM = ρ‖m ⊙ g‖/‖g‖ that is ρ·(m ⊙ g)/‖g‖.
        var first = true
        sam.rho = rho
        let loss = sam.step {
            let value = lossAndGradient()
            if first, let mask {
                first = false
                let full = VectorOps.norm(params.map(\.grad))
                for k in params.indices { params[k].grad = mask[k] * params[k].grad }
                let masked = VectorOps.norm(params.map(\.grad))
                sam.rho = full > 0 ? rho * masked / full : 0
            }
            return value
        }
        if case .appliedGradients = source {
            if squares.isEmpty { squares = params.map { Tensor<Float>.zeros($0.value.shape) } }
            for k in params.indices { squares[k] = squares[k] + params[k].grad * params[k].grad }
        }
        steps += 1
        return loss
    }
}

extension PerSampleGradientStatistics {
    /// The diagonal empirical Fisher $\frac1b\sum_i(\nabla\ell_i)^2=\bar g^2+\frac{b-1}{b}\mathrm{Var}$ per tensor.
    public var empiricalFisher: [Tensor<Float>] {
        let shrink = Float(count - 1) / Float(count)
        return zip(mean, variance).map { m, v in m * m + shrink * v }
    }
}
// end excerpt

// MARK: - The paper

/// FSAM (Zhong et al. 2022): claims and experiment.
public struct FisherSAMPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "fsam-fisher-mask", title: "Improving Sharpness-Aware Minimization with Fisher Mask for Better Generalization on Language Models",
            method: "FSAM (Fisher-mask SAM)", family: "SharpnessAndGeneralization", arxiv: "2210.05497", code: nil,
            summary: #"""
            Fine-tuning a pretrained model on a small corpus generalises poorly; SAM helps, but perturbs every \#
            parameter alike. FSAM perturbs only the parameters that matter most for the training loss, those with \#
            the largest diagonal Fisher information, through a binary mask refreshed during training; the paper \#
            argues this is both cheaper (sparse perturbations) and better. It reports FSAM above SAM by 0.67–1.98 \#
            average points on GLUE and SuperGLUE across four pretrained language models, and by up to 15.1 points \#
            when training data are scarce. We pretrain an MLP on the digits 0–4 and fine-tune it on the digits 5–9 \#
            with 50, 200 or all of the available training examples, comparing AdamW, SAM and FSAM (both around \#
            AdamW), each tuned the same way.
            """#)
    }

    static let adamW = "AdamW", sam = "SAM", fsam = "FSAM"
    /// The fine-tuning set sizes; 0 stands for the whole training pool.
    static let sizes = [50, 200, 0]
    static let evaluationSeeds = (quick: 2, full: 6), seedCap = (quick: 2, full: 10)
    static func sizeKey(_ n: Int) -> String { n == 0 ? "nfull" : "n\(n)" }
    static func sizeLabel(_ n: Int) -> String { n == 0 ? "all" : "\(n)" }

    public var claims: [Claim] {
        let setting = "MLP 64-64-64-10 pretrained on the 8×8 digits 0–4, fully fine-tuned on the digits 5–9 with 50, 200 or all (~360) training examples; "
            + "AdamW, SAM and FSAM (sparsity 0.9, Fisher on 64 examples, mask refreshed every 10 steps) on the same learning-rate grid, SAM and FSAM on the same ρ grid; evaluation seeds planned for 80% power up to \(Self.seedCap.full)"
        return [
            Claim.notTestable(
                id: "c1", statement: "A sparse, Fisher-masked perturbation makes SAM more efficient.",
                source: "abstract; Section 3", paperValue: "not stated in the abstract", paperSetting: "sparse back-propagation on GPUs",
                reason: "the saving needs sparse back-propagation kernels; on a CPU with dense tensors the masked perturbation costs what SAM's does (two gradients per step) plus the Fisher estimate. The performance half of the claim is c2."),
            Claim(id: "c2", statement: "FSAM outperforms SAM on average over the fine-tuning tasks.",
                  source: "abstract; Tables 1–2", paperValue: "+0.67 to +1.98 average score", paperSetting: "GLUE and SuperGLUE, four pretrained language models (BERT, ELECTRA, ALBERT, RoBERTa)",
                  metric: "test accuracy (points), FSAM − SAM averaged over the three set sizes, paired by seed",
                  rule: .superiority("c2.gain_vs_sam", "test-accuracy gain of FSAM over SAM, mean over set sizes", better: .higher, minimalEffect: 0.5, unit: "pt"),
                  scaling: setting + "; 0.5 points is the catalog's minimal effect"),
            Claim(id: "c3", statement: "With limited training data FSAM improves over SAM by a large margin.",
                  source: "abstract; Section 4.3 (low-resource)", paperValue: "up to +15.1 points", paperSetting: "GLUE tasks with a few hundred training examples",
                  metric: "test accuracy (points), FSAM − SAM with 50 fine-tuning examples, paired by seed",
                  rule: .superiority("c3.gain_vs_sam.n50", "test-accuracy gain of FSAM over SAM with 50 examples", better: .higher, minimalEffect: 0.5, unit: "pt"),
                  scaling: setting + "; 'a large margin' is not quantified beyond 'up to 15.1', so the same 0.5-point effect is the bar"),
        ]
    }

    public var method: String {
        #"""
        **SAM** perturbs the weights to $w+\hat\epsilon$, $\hat\epsilon=\rho\,g/\|g\|$, and applies the gradient found there at $w$. \#
        **FSAM** multiplies $\hat\epsilon$ by a binary mask $m$: with the diagonal empirical Fisher \#
        $F_i=\frac1{N_F}\sum_{j=1}^{N_F}(\partial_{w_i}\ell(x_j,y_j))^2$ over $N_F$ training examples, $m_i=1$ for the \#
        $\lfloor(1-s)\,n\rfloor$ coordinates with the largest $F_i$ (over all $n$ parameters at once) and 0 elsewhere, so \#
        $\epsilon=m\odot\hat\epsilon$. The mask is recomputed every $T_m$ steps. The gradient at $w+\epsilon$ still \#
        updates every parameter. Following the Fisher variant of SSAM's code (the same group), the norm in \#
        $\hat\epsilon$ is the full gradient's, so the masked perturbation is shorter than $\rho$; the Fisher sums \#
        single-example squared gradients. We use $s=0.9$, $N_F=64$ (all examples when fewer) and $T_m=10$; the \#
        per-example gradients come from the harness (`PerSampleGradientStatistics`).
        """#
    }

    public var excerpts: [String] { ["fisher-mask"] }

    public var deviations: String {
        #"""
        - **Scale and data.** An MLP pretrained on five digit classes and fine-tuned on the other five, instead of \#
        BERT-sized language models fine-tuned on GLUE and SuperGLUE; 50, 200 and all training examples stand for the \#
        paper's low-resource and full settings. The pretraining is done once (AdamW, 30 epochs) and shared by all arms.
        - **Hyperparameters.** $s=0.9$, $N_F=64$, $T_m=10$ are our choices, fixed before the run (the abstract states \#
        none); the mask is computed before the first step (SSAM's code starts from an empty mask and fills it after \#
        the first step). AdamW (weight decay 0.01, cosine decay) is the base of SAM and FSAM, as AdamW is the paper's base.
        - **Seeds** vary the batch order; the fine-tuning subsets and the pretrained network are drawn once.
        """#
    }

    public let sourceFile: String = #filePath

    /// FSAM in `reproduce league`: around AdamW, ρ 0.05, sparsity 0.9, the mask from the squared
    /// gradients of the last 10 steps (the league gives no data for a per-example Fisher).
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("fsam", remark: "Fisher mask from the squared gradients of the last 10 steps (no per-example data here)") { p, h in
            FisherSAM(base: ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate))), source: .appliedGradients)
        }]
    }

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

// MARK: - The experiment

extension FisherSAMPaper {
    struct Settings {
        var hidden = [64, 64]
        var pretrainEpochs = 30
        var steps: Int
        var batchSize = 16
        var learningRates: [Double] = [3e-4, 1e-3, 3e-3]
        var rhos: [Double] = [0.05, 0.2]
        var sparsity = 0.9, fisherExamples = 64, maskInterval = 10
        var selectionSeeds: Int, evaluationSeeds: Int, seedCap: Int

        init(_ context: RunContext) {
            if context.scale == .quick { learningRates = [1e-3, 3e-3]; rhos = [0.1] }
            steps = context.pick(quick: 40, full: 150)
            selectionSeeds = context.pick(quick: 1, full: Experiment.minimumSelectionSeeds)
            evaluationSeeds = context.seeds(quick: FisherSAMPaper.evaluationSeeds.quick, full: FisherSAMPaper.evaluationSeeds.full)
            seedCap = context.seedsOverride ?? context.pick(quick: FisherSAMPaper.seedCap.quick, full: FisherSAMPaper.seedCap.full)
        }
    }

    /// One fine-tuning run from the pretrained weights on `n` examples of the digits 5–9.
    static func fineTune(_ data: DigitsTransfer, n: Int, weights: [Tensor<Float>], arm: String, hyperparameters hp: Hyperparameters,
                         trial: Trial, settings s: Settings) -> RunRecord {
        let train = data.train(n)
        let model = MLP(sizes: [train.featureCount] + s.hidden + [10], rng: trial.commonRNG.child("model"))
        for (p, w) in zip(model.parameters, weights) { p.value = w }
        var batchRNG = trial.commonRNG.child("batches")
        let schedule = BatchSchedule(count: train.count, batchSize: min(s.batchSize, train.count), using: &batchRNG)
        let peak = hp.learningRate, total = s.steps
        let cosine = LearningRate.schedule { step in Float(peak * 0.5 * (1 + Double.cos(Double.pi * Double(step - 1) / Double(total)))) }
        let base = ChainedOptimizer.adamW(model.parameters, learningRate: cosine)
        let probe = train.batch(Array(0..<min(s.fisherExamples, train.count)))
        let optimizer: any Optimizer
        switch arm {
        case adamW: optimizer = base
        case sam: optimizer = SAM(base: base, rho: Float(hp["rho"]))
        default:
            optimizer = FisherSAM(base: base, rho: Float(hp["rho"]), sparsity: s.sparsity, interval: s.maskInterval, source: .perExample({
                PerSampleGradientStatistics(parameters: model.parameters, input: probe.features, labels: probe.labels) { x, y in
                    model.lossAndGradient(x, labels: y)
                }.empiricalFisher
            }))
        }
        var record = RunRecord(steps: [])
        var batches = schedule.makeIterator()
        var sum = 0.0
        for step in 1...total {
            let (x, y) = train.batch(batches.next()!)
            sum += Double(optimizer.step { model.lossAndGradient(x, labels: y) })
            if step % 10 == 0 { record.losses.append(sum / 10); record.steps!.append(step); sum = 0 }
            if record.diverged { return record }
        }
        record.record("validation accuracy", model.accuracy(data.target.validation.features, labels: data.target.validation.labels))
        if trial.phase == .evaluation {
            record.record("test accuracy", model.accuracy(data.target.test.features, labels: data.target.test.labels))
            if let f = optimizer as? FisherSAM, let mask = f.mask {
                record.record("perturbed share", Double(mask.reduce(0) { $0 + $1.data.reduce(0, +) }) / Double(mask.reduce(0) { $0 + $1.count }))
            }
        }
        return record
    }

    static let selection = SelectionRule.highest("validation accuracy")

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let data = try DigitsTransfer(context)
        context.progress.report(info.slug, "pretraining on the digits 0–4")
        let weights = MLP.pretrainedWeights(sizes: [data.source.featureCount] + s.hidden + [10], on: data.source, epochs: s.pretrainEpochs, rng: context.rng("pretrain"))
        let lrGrid = Hyperparameters.learningRateGrid(s.learningRates)
        let rhoGrid = s.learningRates.flatMap { lr in s.rhos.map { Hyperparameters(["lr": lr, "rho": $0]) } }
        var results = [(n: Int, result: ExperimentResult)]()
        var e = Evidence()
        for n in Self.sizes {
            context.progress.report(info.slug, "fine-tuning on \(Self.sizeLabel(n)) examples")
            let arms = [Self.adamW, Self.sam, Self.fsam].map { name in
                Arm(name, grid: name == Self.adamW ? lrGrid : rhoGrid, extendable: name == Self.adamW ? ["lr"] : ["lr", "rho"]) { trial in
                    Self.fineTune(data, n: n, weights: weights, arm: name, hyperparameters: trial.hyperparameters, trial: trial, settings: s)
                }
            }
            let plan = PowerPlan(method: Self.fsam, baseline: Self.sam, metric: "validation accuracy", minimalEffect: 0.5, scale: 100)
            let r = try Experiment(context: context, claim: "c2 c3 \(Self.sizeKey(n))", arms: arms, selectionSeeds: s.selectionSeeds,
                                   evaluationSeeds: s.evaluationSeeds, rule: Self.selection, power: [plan], seedCap: s.seedCap).compare()
            r.recordDifference("c3.gain_vs_sam.\(Self.sizeKey(n))", method: Self.fsam, baseline: Self.sam, metric: "test accuracy", scale: 100, tolerance: 3, into: &e)
            r.recordDifference("diagnostic.gain_vs_adamw.\(Self.sizeKey(n))", method: Self.fsam, baseline: Self.adamW, metric: "test accuracy", scale: 100, tolerance: 3, into: &e)
            results.append((n, r))
        }
        // c2: per seed, FSAM − SAM averaged over the set sizes (the seeds every size ran).
        let perSize = results.map { size -> [Double] in
            let (f, b) = (size.result[Self.fsam].values("test accuracy"), size.result[Self.sam].values("test accuracy"))
            return zip(f, b).map { 100 * ($0 - $1) }
        }
        let shared = perSize.map(\.count).min() ?? 0
        let averaged = (0..<shared).map { i in perSize.reduce(0) { $0 + $1[i] } / Double(perSize.count) }
        e.record(interval: "c2.gain_vs_sam", Summary(averaged), tolerance: 3)
        if let share = results.last?.result[Self.fsam].values("perturbed share").first { e.record("diagnostic.perturbed_share", share) }
        return PaperRun(evidence: e, setup: setup(s, data), results: report(results))
    }

    func setup(_ s: Settings, _ data: DigitsTransfer) -> [ReportBlock] {
        [.text("**Data.** \(data.source.citation) Classes 0–4 (\(data.source.count) images) pretrain the network; classes 5–9 are split once, stratified, into a training pool of \(data.target.train.count), \(data.target.validation.count) validation and \(data.target.test.count) test images; features are standardised with the pretraining set's statistics. Fine-tuning uses the first 50 or 200 of a fixed random order of the pool, or all of it."),
         .text("**Model and training.** MLP 64-\(s.hidden.map(String.init).joined(separator: "-"))-10 with ReLU, pretrained for \(s.pretrainEpochs) epochs with AdamW (lr 0.003, batch 32), then fully fine-tuned for \(s.steps) steps of batch \(s.batchSize) with AdamW (weight decay 0.01, cosine decay), alone or inside SAM or FSAM. Every arm is tuned on the learning rates \(s.learningRates.map { Format.compact($0, 2) }.joined(separator: ", ")), SAM and FSAM on their product with ρ ∈ {\(s.rhos.map { Format.compact($0, 2) }.joined(separator: ", "))}, by \(Self.selection.description) over \(Format.counted(s.selectionSeeds, "selection seed")); evaluation seeds are planned for 80% power at 0.5 points (FSAM − SAM), \(s.evaluationSeeds) to \(s.seedCap).")]
    }

    func report(_ results: [(n: Int, result: ExperimentResult)]) -> [ReportBlock] {
        results.flatMap { n, r -> [ReportBlock] in
            let d = r[Self.fsam].pairedDifference("test accuracy", versus: r[Self.sam], scale: 100)
            return [
                .text("### \(Self.sizeLabel(n)) fine-tuning examples"),
                .table(ExperimentReport.summaryTable(r.arms, metrics: ["test accuracy", "validation accuracy"], caption: "\(Self.sizeLabel(n)) examples: each arm at its chosen point (\(Format.counted(r.evaluationSeeds, "evaluation seed"))).")),
                .text("FSAM − SAM, test accuracy: \(d.formatted) points (95% interval [\(Format.compact(d.low, 3)), \(Format.compact(d.high, 3))], \(d.count) pairs)."),
                .figure(ExperimentReport.lossFigure(r.arms, name: "loss-\(Self.sizeKey(n))", title: "Fine-tuning loss, \(Self.sizeLabel(n)) examples", xLabel: "step",
                                                    caption: "Mean mini-batch loss over 10 steps, at the unperturbed weights, with 95% bands over evaluation seeds.")),
                .details("Sweep, \(Self.sizeLabel(n)) examples", [.table(ExperimentReport.sweepTable(r.arms, rule: Self.selection))]),
            ]
        }
    }
}
