import Foundation
import Harness

// # Sparse Spectral Training (SST)
//
// Jialin Zhao, Yingtao Zhang, Xinghang Li, Huaping Liu and Carlo Vittorio Cannistraci (ICML 2025,
// arXiv 2405.15481).
//
// **The paper in plain words.** LoRA/ReLoRA move a weight inside an r-dimensional subspace, which
// hurts pre-training. SST holds each weight as its SVD `W = U diag(σ) Vᵀ`, updates all singular values
// every step and only `r` singular-vector pairs per iteration (drawn by a σ-weighted multinomial), and
// re-decomposes the weight after each round. Claims: full-rank-like training at low-rank memory (c1),
// better than LoRA/ReLoRA (c2), 67.6% of the perplexity gap closed on OPT-125M (c3).
//
// **Source of the rule.** The official repository (github.com/biomedical-cybernetics/sparse-spectral-training)
// could not be read: no snapshot of it exists in this workplace's store and none of its files is
// indexed (searched by name, path and content). The rule is the paper's Section 4 (ICML version) as
// stated in a detailed public summary of it (its formulas for ∂L/∂σ and the enhanced gradients, the
// sampling distribution, σ ≥ 0, unit vectors, re-SVD per round, state reset per iteration); what only
// the code could settle is listed in the deviations. The factor algebra and its schedule are `SpectralFactor` and
// `SparseSpectralLayer` (`Sources/Harness/Methods/SparseSpectral.swift`), the baseline is
// `ReLoRAAdapter` (`Methods/ReLoRA.swift`); this file holds the claims and the digits-MLP experiment.
// SST is a parametrisation and a schedule, not an optimizer: every arm uses the harness's Adam.

/// Sparse Spectral Training: claims and experiment.
public struct SparseSpectralTraining: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sparse-spectral-training",
            title: "Sparse Spectral Training and Inference on Euclidean and Hyperbolic Neural Networks",
            method: "SST (Sparse Spectral Training)", family: "MemoryEfficient", arxiv: "2405.15481",
            code: "https://github.com/biomedical-cybernetics/sparse-spectral-training",
            summary: #"""
            SST keeps each weight as its SVD $W=U\,\mathrm{diag}(\sigma)\,V^\top$, updates every singular value at \#
            every step and, per iteration, only $r$ singular-vector pairs sampled from a half-uniform, half-$\sigma$ \#
            multinomial, with direction-only ("enhanced") gradients, and re-decomposes $W$ after each round. The paper \#
            claims this approximates full-rank training at a low-rank method's memory (c1), beats LoRA/ReLoRA (c2) and \#
            closes 67.6% of the perplexity gap on OPT-125M (c3). We test it on the digits MLP 64-128-128-10 at rank 8 \#
            against full-rank Adam and ReLoRA, same learning-rate grid.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let rank = 8
    static let scaling = "digits MLP 64-128-128-10, hidden layers at rank 8 (12.5% / 6.3% of their widths), head full rank in every arm"
    /// c3's rule before the rewrite: a ratio of means against 40%, no interval.
    static let c3FirstRule = Rule.bound("c3.gap_closed", "fraction of ReLoRA's gap closed", below: false, 0.4)
        .given(premise: .bound("c3.premise.gap_relora_minus_full", "ReLoRA − full test loss", below: false, 0.005),
               "ReLoRA is worse than full rank by at least 0.005 nats")

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a", statement: "SST trains with less optimizer-state and gradient memory than full-rank training.",
                source: "abstract", paperValue: "not stated in the abstract (\"memory reduction\")", paperSetting: "OPT-125M … OPT-1.3B, LLaMA",
                metric: "bytes of gradients + Adam moments of the numbers trained in one step (fp32), SST ÷ full rank; counted from the shapes (by construction)",
                rule: .bound("c1a.grad_state_ratio_sst_over_full", "gradient+state bytes, SST ÷ full rank", 1),
                scaling: Self.scaling),
            Claim(
                id: "c1b", statement: "SST approximates full-rank training: its test loss is no worse than full-rank Adam's by more than 10%.",
                source: "abstract", paperValue: "\"comparable with full-rank training in some cases\"", paperSetting: "language generation, translation, graphs",
                metric: "log test loss (nats), paired SST − full-rank Adam per evaluation seed, each at its selected learning rate",
                rule: .nonInferiority("c1b.log_loss_sst_minus_full", "log test loss, SST − full", better: .lower, margin: log(1.10)),
                scaling: Self.scaling),
            Claim(
                id: "c2a", statement: "SST beats the existing low-rank training method ReLoRA at the same rank.",
                source: "abstract", paperValue: "lower perplexity than LoRA/ReLoRA in every reported setting", paperSetting: "OPT-125M/350M/1.3B, translation, graphs",
                metric: "test loss (nats), paired SST − ReLoRA per evaluation seed",
                rule: .superiority("c2a.loss_sst_minus_relora", "test loss, SST − ReLoRA", better: .lower, minimalEffect: 0.005, unit: "nats"),
                scaling: Self.scaling),
            Claim.notTestable(
                id: "c2b", statement: "The same holds on hyperbolic networks (node classification, link prediction).",
                source: "abstract", paperValue: "not stated in the abstract", paperSetting: "hyperbolic GCN/HNN, hyperbolic Transformer",
                reason: "the harness has no hyperbolic (Lorentz/Poincaré) layers, manifold optimizers or graph data sets; adding them is a project of its own"),
            Claim(
                id: "c3", statement: "SST closes most of the gap between low-rank (ReLoRA) and full-rank training (67.6% on OPT-125M at rank 8.3% of d); here: at least the catalog's 40%.",
                source: "abstract", paperValue: "67.6% at rank 8.3% of d", paperSetting: "OPT-125M pre-training, perplexity",
                metric: "per evaluation seed, SST's test loss minus the point 40% of the way from ReLoRA to full rank, SST − (0.6·ReLoRA + 0.4·full) (nats; below 0 means more than 40% of the gap closed); premise: ReLoRA − full per seed",
                rule: Rule.superiority("c3.sst_minus_40pct_point", "test loss, SST − (0.6·ReLoRA + 0.4·full)", better: .lower, minimalEffect: 0.005, unit: "nats")
                    .given(premise: .superiority("c3.premise.relora_minus_full", "test loss, ReLoRA − full", better: .higher, minimalEffect: 0.005, unit: "nats"),
                           "ReLoRA is worse than full rank (paired interval above 0)"),
                scaling: Self.scaling,
                history: [RuleChange(version: "first run", rule: Self.c3FirstRule.text,
                                     verdict: "full: not reproduced (fraction of ReLoRA's gap closed = -0.5; premise holds: ReLoRA − full test loss = 0.027); quick: inconclusive (premise absent: ReLoRA − full = -0.0184)",
                                     why: "the first rule compared a ratio of means, with no interval over seeds, so its 'not reproduced' could be seed noise (the gap it divided by was 0.027 nats); the protocol decides on intervals. The claim is now a paired superiority test of SST against the 40% point of each seed's gap, with an interval premise; the same run also replaced the reconstructed SST update by the paper's (enhanced gradients, σ ≥ 0, unit vectors, half-uniform sampling, re-SVD per round).")]),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "SST holds fewer gradient and Adam-state numbers than full rank by construction (c1a: \(v("c1a"))). On the digits MLP "
            + "at rank 8 it is within 10% of full-rank Adam's test loss: \(v("c1b")); ahead of ReLoRA: \(v("c2a")); past 40% of ReLoRA's "
            + "gap to full rank: \(v("c3")). The comparison is on a 2-hidden-layer MLP of 26k weights, not on OPT's perplexity, "
            + "and the SST rule is the paper's description, not its code, which could not be read here."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Parametrisation.** A linear layer $y=xW+b$ ($W\in\mathbb{R}^{n\times m}$, $k=\min(n,m)$) is held as \#
        $W=U\,\mathrm{diag}(\sigma)\,V^\top$ from the thin SVD of the initial weight, so SST starts from exactly the \#
        full-rank model's weights. With $G=\partial L/\partial W$ from the ordinary backward pass:

        - **every step, all singular values:** $\partial L/\partial\sigma_i=U_{:i}^\top G\,V_{:i}$, an Adam step, then $\sigma\leftarrow\max(\sigma,0)$;
        - **every step, the $r$ sampled pairs $I$:** the *enhanced* gradients $G\,V_{:i}$ and $G^\top U_{:i}$ ($i\in I$; \#
        the true ones carry a factor $\sigma_i$ that would freeze the vectors of small singular values), an Adam \#
        step, then each $U_{:i}$, $V_{:i}$ back to unit norm; the other columns do not move;
        - **every iteration ($T_3$ steps):** draw $I$, $r$ indices without replacement from \#
        $p_i=\tfrac12\big(\tfrac1k+\sigma_i/\sum_j\sigma_j\big)$, and reset the Adam state of $U$, $V$;
        - **every round ($\lceil k/r\rceil$ iterations, per layer):** $U,\sigma,V\leftarrow\mathrm{SVD}(U\,\mathrm{diag}(\sigma)V^\top)$ \#
        and reset the Adam state of $\sigma$.

        Gradient and moments are held for $\sigma$ and the $r$ sampled pairs: $r(n+m)+k$ numbers per layer against \#
        $nm$ for full rank. **ReLoRA** (the paper's ReLoRA*): $y=x(W_0+AB)+b$ with $W_0$ frozen, $A$ uniform in \#
        $\pm1/\sqrt n$, $B=0$; every $T_3$ steps $W_0\leftarrow W_0+AB$, $A$ redrawn, $B=0$, Adam state reset.
        """#
    }

    public var excerpts: [String] { ["sst-schedule"] }

    public var deviations: String {
        #"""
        - **Official code not read.** The official repository could not be fetched or searched from this \#
        workplace, nor the paper's full text; the rule is the paper's Section 4 as a detailed public summary \#
        states it (the method above). Left to our reading: \#
        the Adam state of $U$, $V$ is reset each iteration and that of $\sigma$ only at a re-SVD (when the \#
        singular values are re-sorted); no learning-rate re-warm-up after a reset; columns are renormalised \#
        after every step; our round is $\lceil k/r\rceil$ iterations per layer; $T_3$ = 20 steps is scaled to our \#
        408-step budget.
        - **Earlier version.** A first version of this file reconstructed SST from the abstract alone (true \#
        gradients, sampling $\propto\sigma$, no projection, re-SVD every 50 steps); at full scale it gave c1b \#
        not reproduced (log test loss, SST − full 0.382 [0.13, 0.635]) and c2a inconclusive (0.0135 \#
        [−0.0131, 0.0401] nats); c3's history is in its claim.
        - **Model.** The digits MLP instead of OPT: the tiny transformer at 600 steps × 3 arms × a 5-point grid × \#
        ≥ 3 seeds does not fit this session's CPU budget; the MLP's two hidden layers are parametrised, the head \#
        stays full rank in every arm (as the paper keeps embeddings full).
        - **ReLoRA** without its full-rank warm start and jagged learning-rate schedule (merge, redraw and \#
        state reset only); LoRA scale $\alpha/r=1$.
        - **Memory** is counted from the shapes (fp32; the paper does not state its precision in the abstract), \#
        not measured: our SST forms the full gradient $G$ and keeps full-size $U$, $V$ buffers; the paper's \#
        implementation, which swaps the sampled columns into an active block, holds the counted bytes. SST \#
        stores $U$ and $V$ in full ($k(n+m)+k$ numbers, more than $W$ itself).
        - **Adam without weight decay** in every arm (AdamW with λ = 0).
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun { try run(context, settings: Settings(context)) }
}

/// The three ways a hidden layer is trained.
public enum SSTArm: String, CaseIterable, Sendable {
    case full = "Adam (full rank)", sst = "SST", relora = "ReLoRA"
}

/// A set of parameters for `Classifier.layers`.
final class ParameterLayer: Layer {
    let name: String
    let parameters: [Parameter]
    var isFrozen = false
    init(_ name: String, _ parameters: [Parameter]) { self.name = name; self.parameters = parameters }
}

// excerpt: sst-schedule
/// The MLP 64-128-128-10 with its two hidden layers trained as `arm` says, from the harness MLP's
/// initial weights (the same at a seed for every arm). SST's forward pass is the full-rank one on
/// `W = U diag(σ) Vᵀ`, written back after every step; its gradient `G` is mapped to the factors.
public final class SpectralMLP: Classifier {
    public let arm: SSTArm, rank: Int, learningRate: LearningRate
    let base: MLP
    /// SST: one `SparseSpectralLayer` per hidden layer; ReLoRA: one `ReLoRAAdapter` per hidden layer.
    public var spectral = [SparseSpectralLayer](), adapters = [ReLoRAAdapter]()
    var loraOptimizer: ChainedOptimizer?

    public init(arm: SSTArm, rank: Int, learningRate: LearningRate = .constant(1e-3), rng: SeededRandom) {
        self.arm = arm; self.rank = rank; self.learningRate = learningRate
        base = MLP(sizes: [64, 128, 128, 10], rng: rng)
        for l in 0..<2 {
            let w = base.linears[l].weight.value, (n, m) = (w.shape[0], w.shape[1])
            if arm == .sst {
                spectral.append(try! SparseSpectralLayer("layer\(l)", weight: w, rank: rank, learningRate: learningRate))
            } else if arm == .relora {
                adapters.append(ReLoRAAdapter("layer\(l)", n: n, m: m, rank: rank, rng: rng.child("layer\(l).A.0")))
            }
        }
    }

    /// Parameters whose Adam state lives for the whole run (biases and head; all for full rank).
    public var persistent: [Parameter] {
        arm == .full ? base.parameters : [base.linears[0].bias!, base.linears[1].bias!] + base.linears[2].parameters
    }
    /// Parameters the tape differentiates (SST: the hidden weights `W`, mapped to the factors).
    public var trainable: [Parameter] {
        switch arm {
        case .full: return persistent
        case .sst: return persistent + [base.linears[0].weight, base.linears[1].weight]
        case .relora: return persistent + adapters.flatMap { [$0.a, $0.b] }
        }
    }
    public var layers: [Layer] { [ParameterLayer("all", trainable)] }

    /// The hidden layer `l`'s effective weight `[n, m]`.
    public func weight(_ l: Int) -> Tensor<Float> {
        arm == .relora ? adapters[l].weight(base.linears[l].weight.value) : base.linears[l].weight.value
    }

    public func forward(_ tape: Tape<Float>, _ input: Tensor<Float>, training: Bool = true) -> Variable<Float> {
        var h = tape.constant(input)
        for l in 0..<2 {
            let layer = base.linears[l]
            h = arm == .relora ? adapters[l].apply(tape, h, frozen: layer.weight.value) : tape.matmul(h, tape.parameter(layer.weight))
            h = tape.relu(tape.addBias(h, tape.parameter(layer.bias!)))
        }
        return base.linears[2].forward(tape, h)
    }

    /// Starts iteration `t` (every `T₃` steps). SST: per layer, a re-SVD after each round, new
    /// pairs, state reset. ReLoRA: merge, redraw, reset the state of `A`, `B`.
    public func startIteration(_ t: Int, rng: inout SeededRandom, seed: SeededRandom) {
        switch arm {
        case .full: return
        case .relora:
            for (l, adapter) in adapters.enumerated() where t > 0 {
                base.linears[l].weight.value = adapter.restart(base.linears[l].weight.value, rng: seed.child("layer\(l).A.\(t)"))
            }
            loraOptimizer = .adam(adapters.flatMap { [$0.a, $0.b] }, learningRate: learningRate)
        case .sst:
            for layer in spectral { layer.startIteration(t, rng: &rng) }
        }
    }

    /// One update after the backward pass: Adam on every trained tensor; SST maps `G = ∂L/∂W` to
    /// its factors and writes the new `W = U diag(σ) Vᵀ` back for the next forward pass.
    public func update(_ persistentOptimizer: ChainedOptimizer) {
        persistentOptimizer.applyGradients(); loraOptimizer?.applyGradients()
        for (l, layer) in spectral.enumerated() {
            base.linears[l].weight.value = layer.update(weightGradient: base.linears[l].weight.grad)
        }
    }

    /// Numbers whose gradient and Adam moments one step needs (by construction, from the shapes).
    public var trainedNumbers: Int {
        let head = base.linears[2].parameters.reduce(0) { $0 + $1.value.count }, biases = 256
        let dims = [(64, 128), (128, 128)]
        switch arm {
        case .full: return head + biases + dims.reduce(0) { $0 + $1.0 * $1.1 }
        case .sst: return head + biases + dims.reduce(0) { $0 + SpectralFactor.trainedNumbers(n: $1.0, m: $1.1, rank: rank) }
        case .relora: return head + biases + dims.reduce(0) { $0 + rank * ($1.0 + $1.1) }
        }
    }
}
// end excerpt

// MARK: - The experiment

extension SparseSpectralTraining {
    struct Settings {
        var epochs: Int, iterationSteps: Int, learningRates: [Double], selectionSeeds: Int, evaluationSeeds: Int, seedCap: Int
        init(_ context: RunContext) {
            epochs = context.pick(quick: 2, full: 12)
            iterationSteps = context.pick(quick: 10, full: 20)
            learningRates = context.pick(quick: [1e-3, 1e-2], full: [3e-4, 1e-3, 3e-3, 1e-2, 3e-2])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 6)
            seedCap = context.pick(quick: 2, full: 8)
        }
    }

    /// One run at batch 32: held-out loss and accuracy (validation in selection, test in evaluation).
    static func train(_ trial: Trial, arm: SSTArm, data: DataSplits, settings: Settings) -> RunRecord {
        var common = trial.commonRNG
        let lr = LearningRate.constant(Float(trial.hyperparameters.learningRate))
        let model = SpectralMLP(arm: arm, rank: rank, learningRate: lr, rng: common.child("model"))
        let persistent = ChainedOptimizer.adam(model.persistent, learningRate: lr)
        var sampler = common.child("sst-sampling"), losses = [Double](), steps = [Int](), step = 0, diverged = false
        let schedule = BatchSchedule(count: data.train.count, batchSize: 32, using: &common)
        epochs: for epoch in 0..<settings.epochs {
            var sum = 0.0, count = 0
            for batch in schedule.batches(epoch: epoch) {
                if step % settings.iterationSteps == 0 {
                    model.startIteration(step / settings.iterationSteps, rng: &sampler, seed: common.child("relora"))
                }
                let (x, y) = data.train.batch(batch)
                step += 1
                CostMeter.countGradientEvaluations()
                let loss = Harness.lossAndGradient(parameters: model.trainable) { tape in model.loss(tape, x, labels: y) }
                if !loss.isFinite { diverged = true; break epochs }
                model.update(persistent)
                sum += Double(loss); count += 1
            }
            losses.append(sum / Double(max(count, 1))); steps.append(step)
        }
        let heldOut = trial.phase == .selection ? data.validation : data.test
        let name = trial.phase == .selection ? "validation" : "test"
        let loss = Double(model.loss(Tape<Float>(), heldOut.features, labels: heldOut.labels, training: false).value.data[0])
        var record = RunRecord(losses: losses, steps: steps, stateBytes: 8 * model.trainedNumbers, diverged: diverged)
        record.record("\(name) loss", diverged || !loss.isFinite ? .nan : loss)
        record.record("\(name) accuracy", model.accuracy(heldOut.features, labels: heldOut.labels))
        return record
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        let data = try StandardTasks.digits(context)
        let grid = Hyperparameters.learningRateGrid(s.learningRates)
        let arms = SSTArm.allCases.map { arm in Arm(arm.rawValue, grid: grid) { trial in Self.train(trial, arm: arm, data: data, settings: s) } }
        let rule = SelectionRule.lowest("validation loss")
        let comparison = try Experiment(
            context: context, claim: "digits", arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds, rule: rule,
            power: [PowerPlan(method: SSTArm.sst.rawValue, baseline: SSTArm.relora.rawValue, metric: "validation loss", minimalEffect: 0.005)],
            seedCap: s.seedCap).compare()
        func arm(_ a: SSTArm) -> ArmResult { comparison[a.rawValue] }
        func meanLoss(_ a: SSTArm) -> Double { arm(a).summary("test loss", includingDiverged: true).mean }
        let numbers = Dictionary(uniqueKeysWithValues: SSTArm.allCases.map { ($0, SpectralMLP(arm: $0, rank: Self.rank, rng: context.rng("count", "model")).trainedNumbers) })

        var e = Evidence()
        e.record("c1a.grad_state_ratio_sst_over_full", Double(numbers[.sst]!) / Double(numbers[.full]!), absoluteTolerance: 0, relativeTolerance: 1e-12)
        for a in SSTArm.allCases {
            let key = a == .full ? "full" : a == .sst ? "sst" : "relora"
            e.record("\(key).grad_state_bytes", Double(12 * numbers[a]!), absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).lr", arm(a).chosen.learningRate, absoluteTolerance: 0, relativeTolerance: 0)
            e.record("\(key).test_loss", meanLoss(a), absoluteTolerance: 0.02, relativeTolerance: 0.05)
        }
        let logLoss = { (a: SSTArm) in arm(a).evaluation.map { Foundation.log($0.metric("test loss") ?? .nan) } }
        e.record(interval: "c1b.log_loss_sst_minus_full", Statistics.pairedDifferences(logLoss(.sst), logLoss(.full)), tolerance: 0.05)
        comparison.recordDifference("c2a.loss_sst_minus_relora", method: SSTArm.sst.rawValue, baseline: SSTArm.relora.rawValue,
                                    metric: "test loss", tolerance: 0.02, into: &e)
        let loss = { (a: SSTArm) in arm(a).evaluation.map { $0.metric("test loss") ?? .nan } }
        let point40 = zip(loss(.relora), loss(.full)).map { 0.6 * $0 + 0.4 * $1 }
        e.record(interval: "c3.sst_minus_40pct_point", Statistics.pairedDifferences(loss(.sst), point40), tolerance: 0.02)
        e.record(interval: "c3.premise.relora_minus_full", Statistics.pairedDifferences(loss(.relora), loss(.full)), tolerance: 0.02)
        e.record("c3.gap_closed", (meanLoss(.relora) - meanLoss(.sst)) / (meanLoss(.relora) - meanLoss(.full)), absoluteTolerance: 0.5, relativeTolerance: 0)

        let rows = SSTArm.allCases.map { a in
            [a.rawValue, arm(a).chosen.description, "\(numbers[a]!)", "\(12 * numbers[a]!)",
             arm(a).summary("test loss").formatted, arm(a).summary("test accuracy").formatted]
        }
        let results: [ReportBlock] = [
            .table(Table(caption: "Per arm at its selected learning rate, over the evaluation seeds: numbers trained per step, their gradient + Adam-moment bytes (fp32, counted from shapes), test loss and accuracy.",
                         headers: ["arm", "chosen", "trained numbers", "gradient+state bytes", "test loss", "test accuracy"], rows: rows)),
            .details("Learning-rate sweep", [.table(ExperimentReport.sweepTable(comparison.arms, rule: rule))]),
        ]
        let setup: [ReportBlock] = [.text(
            "**Data.** The 8x8 digits, the shared stratified 60/20/20 split. **Model.** MLP 64-128-128-10 (ReLU), PyTorch's default initialisation, "
            + "the same initial weights in every arm at a seed. **Arms.** Full-rank Adam; SST (rank \(Self.rank), an iteration = \(s.iterationSteps) steps, "
            + "a round = 8 iterations in the first hidden layer (k = 64) and 16 in the second (k = 128)); ReLoRA (rank \(Self.rank), merge and restart every \(s.iterationSteps) steps). Adam β = (0.9, 0.999), no weight decay, constant learning rate, "
            + "\(s.epochs) epochs at batch 32, mean cross-entropy. **Tuning.** Learning rates \(s.learningRates.map { Format.compact($0, 2) }.joined(separator: ", ")) "
            + "for every arm, selected on the final validation loss over \(Format.counted(s.selectionSeeds, "selection seed")); evaluation seeds from "
            + "the power plan (SST − ReLoRA, 0.005 nats), capped at \(s.seedCap).")]
        return PaperRun(evidence: e, setup: setup, results: results)
    }
}
