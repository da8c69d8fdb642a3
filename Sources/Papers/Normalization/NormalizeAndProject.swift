import Foundation
import Harness

// # Normalize-and-Project: normalization and effective learning rates
//
// Clare Lyle, Zeyu Zheng, Khimya Khetarpal, James Martens, Hado van Hasselt, Razvan Pascanu and
// Will Dabney (arXiv 2407.01800, NeurIPS 2024). No official code is named; the method below is
// reconstructed from the paper's text (see `deviations` for which parts).
//
// **The paper in plain words.** A weight matrix followed by a normalization layer is
// scale-invariant: multiplying it by c > 0 leaves the network's output unchanged and divides its
// gradient by c. So as such a weight's norm grows (and without weight decay it does: the gradient
// is orthogonal to the weight, so every step lengthens it), the same optimizer step turns it by a
// smaller angle: norm growth *is* a decay of the effective learning rate (c1). In continual
// learning this implicit schedule decays too fast and the network stops adapting. NaP makes the
// schedule explicit: insert normalization before each nonlinearity and, after every optimizer
// step, project each weight matrix back to its initial norm, so the effective learning rate stays
// what the optimizer's rate says (c2: better plasticity on synthetic benchmarks and Atari), at no
// loss on stationary problems (c3).

/// Normalize-and-Project (Lyle et al., 2024): the paper's claims and experiments.
public struct NormalizeAndProjectPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "normalize-and-project", title: "Normalization and effective learning rates in reinforcement learning",
            method: "Normalize-and-Project (NaP)", family: "Normalization", arxiv: "2407.01800", code: nil,
            summary: #"""
            With normalization layers, a weight's norm and its effective learning rate are two faces of one quantity: \#
            the output ignores the norm and the gradient shrinks as 1/‖w‖, so norm growth silently decays the \#
            learning rate (c1). NaP pairs LayerNorm before every nonlinearity with projecting each weight matrix \#
            back to its initial norm after every step, which keeps the effective rate constant and is claimed to \#
            preserve plasticity on nonstationary problems (c2) at no cost on stationary ones (c3). We check the \#
            invariance exactly, log per-layer norms and effective rates over a 15-task plasticity benchmark on the \#
            8x8 digits (re-randomised labels; permuted inputs), and compare a plain MLP, an MLP with LayerNorm \#
            and NaP, each with Adam at a constant rate tuned on the same grid.
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    static let logRatioMargin = log(1.25)

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a", statement: "A weight matrix followed by a normalization layer is scale-invariant: scaling it by c leaves the loss unchanged and divides its gradient by c (so the gradient is orthogonal to the weight).",
                source: "abstract; Section 3", paperValue: "exact (a property of the parameterisation)", paperSetting: "any network with normalization after a linear map",
                metric: "largest relative deviation, over both hidden weights of the LayerNorm MLP and c ∈ {0.5, 3}, of the loss, of c·∇L(cW) from ∇L(W), and of ⟨W, ∇L⟩ from 0",
                rule: .bound("c1a.invariance_deviation", "largest relative deviation", 1e-3),
                scaling: "the 64-128-128-10 LayerNorm MLP on one batch of 256 digits; float32, LayerNorm ε = 1e-5 (the bound allows for both)"),
            Claim(
                id: "c1b", statement: "Without projection, the hidden weights' norm grows over a nonstationary sequence and their effective learning rate ‖Δw‖/‖w‖ decays.",
                source: "abstract; Section 3, Figure 1", paperValue: "not stated (figures)", paperSetting: "MLPs on iterated random-label MNIST",
                metric: "MLP + LayerNorm arm: per seed, mean over its two hidden weights of log(effective rate on the last task ÷ on the first task)",
                rule: Rule.interval("c1b.log_elr_ratio_ln", "log effective-rate ratio, last ÷ first task (LayerNorm, hidden)", below: true, 0)
                    .given(premise: .interval("c1b.log_norm_growth_ln", "log norm ratio, last ÷ first task (LayerNorm, hidden)", below: false, 0),
                           "the hidden weights' norm grows"),
                scaling: "15 tasks of re-randomised labels on 256 digits (quick: 4 tasks on 128)"),
            Claim(
                id: "c2a", statement: "NaP keeps the effective learning rate constant over the sequence.",
                source: "abstract; Section 4", paperValue: "constant by construction of the projection", paperSetting: "MLPs, CNNs, Rainbow",
                metric: "NaP arm: per seed, mean over its hidden weights of log(effective rate on the last task ÷ on the first task)",
                rule: .equivalence("c2a.log_elr_ratio_nap", "log effective-rate ratio, last ÷ first task (NaP, hidden)", margin: Self.logRatioMargin),
                scaling: "as c1b; margin ±log 1.25 (a quarter either way)"),
            Claim(
                id: "c2b", statement: "NaP preserves plasticity better than LayerNorm alone on a sequence of re-randomised labels.",
                source: "abstract; Section 5.1, Figure 1", paperValue: "not stated (figures)", paperSetting: "iterated random-label memorisation, MLP and CNN",
                metric: "paired difference NaP − MLP + LayerNorm of the late-task accuracy: end-of-task training accuracy averaged over the last third of the tasks (5 of 15), in points",
                rule: Rule.superiority("c2b.late_points_nap_minus_ln", "late-task accuracy, NaP − LayerNorm", better: .higher, minimalEffect: 2, unit: "points")
                    .given(premise: .interval("c2b.ln_late_minus_first_points", "LayerNorm late-task − first-task accuracy (points)", below: true, 0),
                           "LayerNorm alone loses plasticity"),
                scaling: "15 tasks × 20 epochs on 256 digits with fresh uniform labels (quick: 4 × 10 on 128)"),
            Claim(
                id: "c2c", statement: "NaP preserves plasticity better than LayerNorm alone on a sequence of input permutations.",
                source: "abstract; Section 5.1", paperValue: "not stated (figures)", paperSetting: "permuted-input continual benchmarks",
                metric: "paired difference NaP − MLP + LayerNorm of the late-task accuracy: held-out accuracy (test split, same permutation) after each task, averaged over the last third of the tasks, in points",
                rule: Rule.superiority("c2c.late_points_nap_minus_ln", "late-task accuracy, NaP − LayerNorm", better: .higher, minimalEffect: 2, unit: "points")
                    .given(premise: .interval("c2c.ln_late_minus_first_points", "LayerNorm late-task − first-task accuracy (points)", below: true, 0),
                           "LayerNorm alone loses plasticity"),
                scaling: "15 tasks × 20 epochs on 256 digits, each task a fresh permutation of the 64 pixels (quick: 4 × 10 on 128)"),
            Claim.notTestable(
                id: "c2d", statement: "NaP improves robustness to nonstationarity on the Arcade Learning Environment (single-task and sequential).",
                source: "abstract; Section 5.2–5.3", paperValue: "higher median and IQM human-normalised score", paperSetting: "Rainbow on 57 Atari games; 10-game sequence",
                reason: "Atari agents need hundreds of millions of frames on GPUs; nothing CPU-minute-sized stands in for them."),
            Claim(
                id: "c3", statement: "On a stationary problem NaP recovers the base model's performance.",
                source: "abstract; Section 5.4, Table 1", paperValue: "recovers, sometimes slightly improves (CIFAR-10, ImageNet, LLM)", paperSetting: "ResNets and transformers",
                metric: "paired difference NaP − plain MLP of test accuracy in points, both tuned, 10 epochs",
                rule: .nonInferiority("c3.test_points_nap_minus_mlp", "test accuracy, NaP − plain MLP", better: .higher, margin: 1, unit: "points"),
                scaling: "MLP 64-128-128-10 on the 8x8 digits (1,078 training images, 359 test), 10 epochs at batch 32 (quick: 2); margin 1 point ≈ 3.6 test images"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "The identity behind the paper — a normalized weight's gradient scales as 1/‖w‖ — is \(verdict("c1a")) to float precision, "
            + "and on the random-label sequence the LayerNorm network's implicit learning-rate decay is \(verdict("c1b")). "
            + "NaP's constant effective rate is \(verdict("c2a")). Whether that buys plasticity over LayerNorm alone is "
            + "\(verdict("c2b")) with re-randomised labels and \(verdict("c2c")) with permuted inputs; the Atari half of the claim "
            + "is not testable here. On the stationary digits task, NaP's non-inferiority to the plain MLP is \(verdict("c3"))."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Scale invariance (c1).** Let a hidden layer compute $h=\phi(\mathrm{LN}(xW))$ with $\mathrm{LN}$ a layer \#
        normalization (gain $\gamma$, offset $\beta$). For any $c>0$, $\mathrm{LN}(xcW)=\mathrm{LN}(xW)$ up to the \#
        $\epsilon$ inside the square root, so the loss satisfies $L(cW)=L(W)$; differentiating, \#
        $\nabla L(cW)=\nabla L(W)/c$ and, from $\frac{d}{dc}L(cW)=0$ at $c=1$, $\langle W,\nabla L(W)\rangle=0$. \#
        A step $W'=W-\eta u$ therefore changes the function as the step $\eta u/\lVert W\rVert$ on the unit sphere \#
        would: the *effective learning rate* is $\lVert\Delta W\rVert/\lVert W\rVert$, and since the gradient is \#
        orthogonal to $W$, $\lVert W'\rVert^2=\lVert W\rVert^2+\eta^2\lVert u\rVert^2$ grows with every step.

        **Normalize-and-Project (NaP).** (1) *Normalize:* put a LayerNorm before every nonlinearity (here \#
        Linear without bias → LayerNorm → ReLU; the LayerNorm offset plays the bias's part). (2) *Project:* record \#
        each weight matrix's initial norm $\rho_\ell=\lVert W_\ell^{(0)}\rVert_F$ and after every optimizer step set \#
        $W_\ell\leftarrow\rho_\ell\,W_\ell/\lVert W_\ell\rVert_F$. The projection is a post-step map, so it wraps any \#
        optimizer (`NormProjection` below). We project every weight matrix (the output layer's too) and leave the \#
        LayerNorm gains and offsets and the output bias to the optimizer. With the norm pinned, \#
        $\lVert\Delta W\rVert/\lVert W\rVert=\lVert\Delta W\rVert/\rho_\ell$: the learning rate the optimizer is given is \#
        the effective one, up to the constant $\rho_\ell$.
        """#
    }

    public var excerpts: [String] { ["nap-projection", "nap-model"] }

    public var deviations: String {
        #"""
        - **Reconstructed parts.** No official code is named. From the paper: LayerNorm before each \#
        nonlinearity and per-layer projection of the weights to their initial norm after each step. Our own \#
        choices: hidden linear layers have no bias (so their weight is exactly scale-invariant); the output \#
        layer's weight is projected too; LayerNorm gains and offsets and the output bias are left free (the \#
        paper discusses constraining the scale and offset parameters as well; we did not find its exact \#
        treatment and do not reconstruct it).
        - **Benchmarks.** The paper's plasticity benchmarks use MNIST/CIFAR and Atari; ours are 15-task \#
        sequences on a fixed subset of 256 training digits: fresh uniform labels per task (memorisation, scored by \#
        training accuracy at the end of each task), or a fresh pixel permutation per task with the true labels \#
        (scored by held-out accuracy under the same permutation). Each task is 20 epochs at batch 32 \#
        (160 Adam steps); the network is never reset. The catalog's suggested thresholds (NaP within 5 points of \#
        task 1, LayerNorm down ≥ 10; within 0.5 points when stationary) are replaced by paired 95% intervals with \#
        the effects written in each claim.
        - **Effective rate.** Logged as $\lVert\Delta W\rVert/\lVert W\rVert$ of the optimizer's own step \#
        (before NaP's projection), averaged over each task's steps, per weight matrix.
        - **Tuning.** Every arm (plain MLP, MLP + LayerNorm, NaP) uses Adam (β = (0.9, 0.999), ε = 1e-8, no weight \#
        decay) at a constant rate on the same grid, chosen per experiment on the metric its claim judges \#
        (late-task accuracy; validation accuracy for c3), protocol v2.
        """#
    }

    public let sourceFile: String = #filePath

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The model and the projection

// excerpt: nap-model
/// An MLP with LayerNorm before every nonlinearity: hidden layer `i` is `layer<i>` (no bias) →
/// `ln<i>` → activation; the last layer is linear with a bias and gives the logits.
public final class LayerNormMLP: Classifier {
    public let linears: [Linear]
    public let norms: [LayerNorm]
    public let activation: Activation

    public init(sizes: [Int], activation: Activation = .relu, rng: SeededRandom) {
        precondition(sizes.count >= 2, "an MLP needs at least input and output sizes")
        let last = sizes.count - 2
        linears = (0...last).map { Linear("layer\($0)", inputs: sizes[$0], outputs: sizes[$0 + 1], bias: $0 == last, rng: rng) }
        norms = (0..<last).map { LayerNorm("ln\($0)", width: sizes[$0 + 1]) }
        self.activation = activation
    }

    public var layers: [Layer] {
        linears.indices.flatMap { i -> [Layer] in i < norms.count ? [linears[i], norms[i]] : [linears[i]] }
    }

    public func forward(_ tape: Tape<Float>, _ input: Tensor<Float>, training: Bool = true) -> Variable<Float> {
        var h = tape.constant(input.rank == 2 ? input : input.reshaped([input.shape[0], input.count / input.shape[0]]))
        for (i, layer) in linears.enumerated() {
            h = layer.forward(tape, h)
            if i < norms.count { h = activation.apply(norms[i].forward(tape, h), on: tape) }
        }
        return h
    }
}
// end excerpt

// excerpt: nap-projection
/// NaP's projection as a post-step map around any optimizer: after the inner optimizer's step,
/// each projected tensor is rescaled to the Frobenius norm it had when the wrapper was made.
public final class NormProjection: Optimizer {
    public let inner: any Optimizer
    public let projected: [Parameter]
    /// The target norms ρ, one per projected tensor.
    public let radii: [Float]

    /// Projects `projected` (NaP: every weight matrix) to their current norms after each step.
    public init(_ inner: any Optimizer, projecting projected: [Parameter]) {
        self.inner = inner
        self.projected = projected
        radii = projected.map { $0.value.norm() }
    }

    public var parameters: [Parameter] { inner.parameters }
    /// The inner optimizer's state plus one float per projected tensor (its radius).
    public var stateBytes: Int { inner.stateBytes + 4 * radii.count }

    public func applyGradients() {
        inner.applyGradients()
        project()
    }

    /// `W ← ρ W / ‖W‖` for every projected tensor (a zero tensor is left alone).
    public func project() {
        for (p, rho) in zip(projected, radii) {
            let norm = p.value.norm()
            if norm > 0 && norm.isFinite { p.value.scale(by: rho / norm) }
        }
    }

    /// NaP's choice of tensors: every weight matrix.
    public static func weights(_ parameters: [Parameter]) -> [Parameter] { parameters.filter { $0.value.rank >= 2 } }
}
// end excerpt

/// Measures the effective learning rate ‖ΔW‖/‖W‖ of an optimizer's own step for each watched
/// tensor, averaged over the steps since the last ``drain()``.
final class EffectiveRateProbe: Optimizer {
    let inner: any Optimizer
    let watched: [Parameter]
    private var sums: [Double]
    private var count = 0

    init(_ inner: any Optimizer, watching watched: [Parameter]) {
        self.inner = inner
        self.watched = watched
        sums = [Double](repeating: 0, count: watched.count)
    }

    var parameters: [Parameter] { inner.parameters }
    var stateBytes: Int { inner.stateBytes }

    func applyGradients() {
        let before = watched.map(\.value)
        inner.applyGradients()
        for (i, p) in watched.enumerated() {
            var delta = p.value
            delta.add(before[i], scaledBy: -1)
            sums[i] += Double(delta.norm()) / Double(before[i].norm())
        }
        count += 1
    }

    /// The mean effective rate per watched tensor since the last drain; resets the sums.
    func drain() -> [Double] {
        defer { sums = sums.map { _ in 0 }; count = 0 }
        return sums.map { $0 / Double(max(count, 1)) }
    }
}

// MARK: - Settings, arms and the task sequences

extension NormalizeAndProjectPaper {
    struct Settings: Sendable {
        var sizes = [64, 128, 128, 10]
        var tasks: Int
        var subset: Int
        var epochsPerTask: Int
        var stationaryEpochs: Int
        var batch = 32
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var seedCap: Int

        init(_ context: RunContext) {
            tasks = context.pick(quick: 4, full: 15)
            subset = context.pick(quick: 128, full: 256)
            epochsPerTask = context.pick(quick: 10, full: 20)
            stationaryEpochs = context.pick(quick: 2, full: 10)
            learningRates = context.pick(quick: [1e-3, 1e-2], full: [3e-4, 1e-3, 3e-3, 1e-2])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 5)
            seedCap = context.pick(quick: 2, full: 8)
        }

        /// The tasks averaged for the late-task accuracy: the last third.
        var lateTasks: Int { max(1, tasks / 3) }
    }

    static let arms = ["MLP", "MLP + LayerNorm", "NaP"]

    /// The arm's model and its Adam, probed (and, for NaP, projected).
    static func build(_ arm: String, _ s: Settings, lr: Double, rng: SeededRandom) -> (model: any Classifier, optimizer: any Optimizer, probe: EffectiveRateProbe) {
        let model: any Classifier = arm == "MLP" ? MLP(sizes: s.sizes, rng: rng) : LayerNormMLP(sizes: s.sizes, rng: rng)
        let weights = NormProjection.weights(model.parameters)
        let probe = EffectiveRateProbe(ChainedOptimizer.adam(model.parameters, learningRate: .constant(Float(lr))), watching: weights)
        return (model, arm == "NaP" ? NormProjection(probe, projecting: weights) : probe, probe)
    }

    /// One task of a sequence: what to train on and what to score after it.
    struct SequenceTask { var train: Dataset; var score: Dataset }

    enum Sequence: String, Sendable { case labels, permutations, stationary }

    /// The tasks of a sequence, drawn from the trial's common stream (shared by the arms).
    static func tasks(_ kind: Sequence, data: DataSplits, _ s: Settings, phase: Phase, rng: SeededRandom) -> [SequenceTask] {
        let held = phase == .selection ? data.validation : data.test
        if kind == .stationary { return [SequenceTask(train: data.train, score: held)] }
        var pick = rng.child("subset")
        let images = data.train.subset(Array(pick.permutation(data.train.count).prefix(s.subset)))
        return (0..<s.tasks).map { k in
            var r = rng.child("task \(k)")
            switch kind {
            case .labels:
                let labels = (0..<images.count).map { _ in r.index(images.classCount) }
                let task = Dataset(name: "random labels \(k)", features: images.features, labels: labels,
                                   classCount: images.classCount, citation: images.citation)
                return SequenceTask(train: task, score: task)
            default:
                let perm = r.permutation(images.featureCount)
                func permuted(_ d: Dataset) -> Dataset {
                    var f = d.features
                    for row in 0..<d.count { for j in 0..<d.featureCount { f.data[row * d.featureCount + j] = d.features.data[row * d.featureCount + perm[j]] } }
                    return Dataset(name: d.name, features: f, labels: d.labels, classCount: d.classCount, citation: d.citation)
                }
                return SequenceTask(train: permuted(images), score: permuted(held))
            }
        }
    }

    /// Trains one arm through a sequence and records per task: the score after it, the weights'
    /// norms and mean effective rates; and the late-task, first-task and final accuracies.
    static func runSequence(_ kind: Sequence, data: DataSplits, _ s: Settings, trial: Trial) -> RunRecord {
        let common = trial.commonRNG
        let (model, optimizer, probe) = build(trial.arm, s, lr: trial.hyperparameters.learningRate, rng: common.child("model"))
        let epochs = kind == .stationary ? s.stationaryEpochs : s.epochsPerTask
        var record = RunRecord(stateBytes: optimizer.stateBytes)
        var losses = [Double](), accuracies = [Double]()
        var batchStream = common.child("batches")
        let batchSeed = batchStream.next()
        for (k, task) in tasks(kind, data: data, s, phase: trial.phase, rng: common).enumerated() {
            let schedule = BatchSchedule(count: task.train.count, batchSize: s.batch, seed: batchSeed, path: ["task \(k)"])
            var sum = 0.0
            for epoch in 0..<epochs {
                sum = 0
                for b in schedule.batches(epoch: epoch) {
                    let (x, y) = task.train.batch(b)
                    sum += Double(optimizer.step { CostMeter.countGradientEvaluations(); return model.lossAndGradient(x, labels: y) })
                }
            }
            losses.append(sum / Double(schedule.batchesPerEpoch))
            if !losses.last!.isFinite { return RunRecord(losses: losses, diverged: true) }
            accuracies.append(model.accuracy(task.score.features, labels: task.score.labels))
            let rates = probe.drain()
            if trial.phase == .evaluation && kind != .stationary {
                for (l, w) in probe.watched.enumerated() {
                    record.record("norm \(k) \(w.name)", Double(w.value.norm()))
                    record.record("elr \(k) \(w.name)", rates[l])
                }
                record.record("accuracy \(k)", accuracies[k])
            }
        }
        record.losses = losses
        let late = accuracies.suffix(kind == .stationary ? 1 : s.lateTasks)
        record.record("late accuracy", late.reduce(0, +) / Double(late.count))
        record.record("first accuracy", accuracies[0])
        return record
    }

    static func experiment(_ kind: Sequence, _ context: RunContext, data: DataSplits, _ s: Settings) -> Experiment {
        let arms = Self.arms.map { name in
            Arm(name, grid: Hyperparameters.learningRateGrid(s.learningRates)) { trial in runSequence(kind, data: data, s, trial: trial) }
        }
        return Experiment(context: context, claim: kind.rawValue, arms: arms, selectionSeeds: s.selectionSeeds,
                          evaluationSeeds: s.evaluationSeeds, rule: .highest("late accuracy"),
                          power: [PowerPlan(method: "NaP", baseline: kind == .stationary ? "MLP" : "MLP + LayerNorm",
                                            metric: "late accuracy", minimalEffect: kind == .stationary ? 1 : 2, scale: 100)],
                          seedCap: s.seedCap)
    }
}

// MARK: - The experiment

extension NormalizeAndProjectPaper {
    /// c1a: the largest relative deviation from exact scale invariance of the hidden weights of a
    /// fresh LayerNorm MLP on one batch: of the loss, of `c·∇L(cW)` from `∇L(W)`, and of
    /// `⟨W, ∇L⟩` from 0 (relative to `‖W‖‖∇L‖`), over `c ∈ {0.5, 3}`.
    static func invarianceDeviation(_ model: LayerNormMLP, x: Tensor<Float>, labels: [Int]) -> Double {
        var worst = 0.0
        for layer in model.linears.dropLast() {
            let w = layer.weight
            let base = Double(model.lossAndGradient(x, labels: labels)), g = w.grad, saved = w.value
            worst = max(worst, Double(abs(saved.dot(g))) / Double(saved.norm() * g.norm()))
            for c: Float in [0.5, 3] {
                w.value.scale(by: c)
                let loss = Double(model.lossAndGradient(x, labels: labels))
                var d = w.grad
                d.scale(by: c)
                d.add(g, scaledBy: -1)
                worst = max(worst, abs(loss - base) / abs(base), Double(d.norm() / g.norm()))
                w.value = saved
            }
        }
        return worst
    }

    /// Per evaluation seed, the mean over the hidden weights of `log(metric on the last task ÷ on the first)`.
    static func logRatios(_ arm: ArmResult, _ metric: String, tasks: Int, hidden: [String]) -> [Double] {
        arm.evaluation.filter { !$0.diverged }.map { r in
            hidden.map { log(r.metric("\(metric) \(tasks - 1) \($0)")! / r.metric("\(metric) 0 \($0)")!) }.reduce(0, +) / Double(hidden.count)
        }
    }

    /// The mean over evaluation seeds of a per-task metric, task by task.
    static func curve(_ arm: ArmResult, _ metric: (Int) -> String, tasks: Int) -> [Double] {
        (0..<tasks).map { k in Statistics.mean(arm.evaluation.filter { !$0.diverged }.compactMap { $0.metric(metric(k)) }) }
    }

    func run(_ context: RunContext, settings s: Settings) throws -> PaperRun {
        var e = Evidence()
        let data = try StandardTasks.digits(context)
        let hidden = (0..<(s.sizes.count - 2)).map { "layer\($0).weight" }

        // c1a: the invariance, exactly.
        let probe = LayerNormMLP(sizes: s.sizes, rng: context.rng("c1a", "model"))
        let (x, y) = data.train.batch(Array(0..<256))
        let deviation = Self.invarianceDeviation(probe, x: x, labels: y)
        e.record("c1a.invariance_deviation", deviation, absoluteTolerance: 1e-4, relativeTolerance: 0)

        // The three experiments, every arm tuned on the same grid.
        let results = try [Sequence.labels, .permutations, .stationary].map { kind in
            (kind, try Self.experiment(kind, context, data: data, s).compare())
        }
        let labels = results[0].1, perms = results[1].1, stationary = results[2].1
        e.record(interval: "c1b.log_elr_ratio_ln", Summary(Self.logRatios(labels["MLP + LayerNorm"], "elr", tasks: s.tasks, hidden: hidden)), tolerance: 0.05)
        e.record(interval: "c1b.log_norm_growth_ln", Summary(Self.logRatios(labels["MLP + LayerNorm"], "norm", tasks: s.tasks, hidden: hidden)), tolerance: 0.05)
        e.record(interval: "c2a.log_elr_ratio_nap", Summary(Self.logRatios(labels["NaP"], "elr", tasks: s.tasks, hidden: hidden)), tolerance: 0.05)
        for (key, result) in [("c2b", labels), ("c2c", perms)] {
            result.recordDifference("\(key).late_points_nap_minus_ln", method: "NaP", baseline: "MLP + LayerNorm", metric: "late accuracy",
                                    scale: 100, tolerance: 2, into: &e)
            let ln = result["MLP + LayerNorm"].evaluation.filter { !$0.diverged }
            e.record(interval: "\(key).ln_late_minus_first_points",
                     Summary(ln.map { 100 * ($0.metric("late accuracy")! - $0.metric("first accuracy")!) }), tolerance: 2)
        }
        stationary.recordDifference("c3.test_points_nap_minus_mlp", method: "NaP", baseline: "MLP", metric: "late accuracy",
                                    scale: 100, tolerance: 2, into: &e)

        // MARK: Setup and results
        let grid = s.learningRates.map { fmt($0) }.joined(separator: ", ")
        let setup: [ReportBlock] = [.text(#"""
            **Data.** The 8x8 digits (\#(data.train.count) training, \#(data.validation.count) validation, \#(data.test.count) \#
            test images; fixed stratified split, standardised on the training part). **Models.** Plain MLP \#
            \#(s.sizes.map(String.init).joined(separator: "-")) (ReLU, biases); MLP + LayerNorm and NaP: the same widths, each \#
            hidden layer Linear without bias → LayerNorm (ε = 1e-5, gain 1, offset 0) → ReLU, output Linear with bias. \#
            PyTorch's default initialisation; the LayerNorm arms share their initial weights at each seed.

            **Sequences (c1b, c2).** A fixed subset of \#(s.subset) training images is drawn per seed; \#(s.tasks) tasks follow \#
            each other without any reset, each \#(s.epochsPerTask) epochs at batch \#(s.batch). *Random labels:* each task draws \#
            fresh uniform labels (stream `task k` of the seed's common stream) and is scored by training accuracy at its \#
            end. *Permuted inputs:* each task draws a fresh permutation of the 64 pixels, keeps the true labels and is scored \#
            by accuracy on the held-out split under that permutation (validation in selection, test in evaluation). \#
            Late-task accuracy = the mean score over the last \#(s.lateTasks) tasks. **Stationary (c3).** One task: the \#
            whole training split for \#(s.stationaryEpochs) epochs, scored on the held-out split.

            **Tuning (protocol v2).** Adam at a constant rate on the grid {\#(grid)} for every arm, extended at an edge up \#
            to twice, \#(Format.counted(s.selectionSeeds, "selection seed")), choosing the highest mean late-task (held-out) \#
            accuracy; evaluation with \#(s.evaluationSeeds) to \#(s.seedCap) seeds planned for 80% power at 2 points (1 point \#
            for c3); arms share data, labels, permutations and batch order at each seed.
            """#)]
        var blocks: [ReportBlock] = [.text("### c1a: scale invariance\n\nLargest relative deviation from exact invariance (loss, rescaled gradient, ⟨W, ∇L⟩) over both hidden weights and c ∈ {0.5, 3}: **\(Format.significant(deviation, 3))**.")]
        for (kind, result) in results {
            let title = kind == .labels ? "c1b, c2a, c2b: re-randomised labels" : kind == .permutations ? "c2c: permuted inputs" : "c3: stationary digits"
            blocks.append(.text("### \(title)"))
            blocks.append(.table(Table(
                caption: "Evaluation (mean ± 95% CI over seeds) at each arm's chosen rate: \(kind == .stationary ? "test accuracy" : "late-task and first-task accuracy").",
                headers: ["arm", "Adam lr", kind == .stationary ? "test accuracy" : "late-task accuracy", "first-task accuracy", "seeds"],
                rows: result.arms.map { a in
                    [a.arm, fmt(a.chosen.learningRate) + (a.edge == nil ? "" : " (edge)"), a.summary("late accuracy").formatted,
                     a.summary("first accuracy").formatted, "\(a.evaluation.count)"]
                })))
            blocks.append(.details("The whole selection sweep", [.table(ExperimentReport.sweepTable(result.arms, rule: .highest("late accuracy")))]))
            guard kind != .stationary else { continue }
            let x = (1...s.tasks).map(Double.init)
            blocks.append(.figure(Figure(
                name: "\(kind.rawValue)-accuracy", title: "Accuracy at the end of each task (\(kind == .labels ? "random labels, training" : "permuted inputs, test"))",
                xLabel: "task", yLabel: "accuracy", series: result.arms.map { Series($0.arm, x: x, y: Self.curve($0, { "accuracy \($0)" }, tasks: s.tasks), style: .linespoints) },
                caption: "Mean over evaluation seeds. Plasticity loss shows as a downward trend; c2 judges the mean over the last \(s.lateTasks) tasks.")))
            for (metric, label, log) in [("norm", "‖W‖ (Frobenius)", false), ("elr", "effective rate ‖ΔW‖/‖W‖ (mean over the task's steps)", true)] {
                blocks.append(.figure(Figure(
                    name: "\(kind.rawValue)-\(metric)", title: "\(label), hidden layer 1", xLabel: "task", yLabel: label,
                    series: result.arms.map { a in Series(a.arm, x: x, y: Self.curve(a, { "\(metric) \($0) layer1.weight" }, tasks: s.tasks), style: .linespoints) },
                    logY: log, caption: "Mean over evaluation seeds, second hidden weight (layer1). NaP's norm is pinned by the projection.")))
            }
            blocks.append(.table(Table(
                caption: "Per weight matrix: norm and effective rate on the first and last task (means over seeds).",
                headers: ["arm", "weight", "‖W‖ task 1", "‖W‖ task \(s.tasks)", "rate task 1", "rate task \(s.tasks)"],
                rows: result.arms.flatMap { a in
                    (hidden + ["layer\(s.sizes.count - 2).weight"]).map { w -> [String] in
                        let n = Self.curve(a, { "norm \($0) \(w)" }, tasks: s.tasks), r = Self.curve(a, { "elr \($0) \(w)" }, tasks: s.tasks)
                        return [a.arm, w, fmt(n.first!), fmt(n.last!), fmt(r.first!), fmt(r.last!)]
                    }
                })))
        }
        return PaperRun(evidence: e, setup: setup, results: blocks)
    }
}

/// Compact, deterministic number formatting for tables and verdict strings.
private func fmt(_ x: Double, _ digits: Int = 3) -> String { Format.compact(x, digits) }
