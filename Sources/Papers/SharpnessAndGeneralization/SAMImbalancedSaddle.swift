import Foundation
import Harness

// # Escaping Saddle Points for Effective Generalization on Class-Imbalanced Data
//
// Harsh Rangwani, Sumukh K Aithal, Mayank Mishra and R. Venkatesh Babu (NeurIPS 2022, arXiv
// 2212.13827; official code in PyTorch at https://github.com/val-iisc/Saddle-LongTail).
//
// **The paper in plain words.** Long-tailed training sets are usually handled by re-weighting or
// by margin-adjusted losses such as LDAM and the Vector-Scaling (VS) loss. Looking at the Hessian
// of each class's own training loss, the authors find that with these losses the head classes
// sit at minima but the minority (tail) classes sit at saddle points: their class-wise Hessian
// keeps large negative eigenvalues (c1). Methods that escape saddles help the tail, and SAM with
// a large radius ρ does so (c2), giving +6.2% accuracy on minority classes over the VS loss and
// +4% overall across long-tailed benchmarks (c3).
//
// SAM is the harness's (`Sources/Harness/Methods/SAM.swift`) around SGD with momentum, as the
// official code wraps torch's SGD; the only new piece is the VS loss, a fixed affine map of the
// logits before the cross-entropy, `z/Δ_y + ι_y` (losses.py: Δ_c = (n_max/n_c)^γ, ι_c = τ log π_c).

/// Rangwani et al. (2022): SAM escapes the saddle points of minority-class losses.
public struct SAMImbalancedSaddle: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "sam-imbalanced-saddle", title: "Escaping Saddle Points for Effective Generalization on Class-Imbalanced Data",
            method: "SAM on class-imbalanced data", family: "SharpnessAndGeneralization", arxiv: "2212.13827",
            code: "https://github.com/val-iisc/Saddle-LongTail",
            summary: #"""
            With re-weighting or margin losses on long-tailed data, the paper finds that the weights reach a saddle \#
            point of the minority classes' own loss (its Hessian keeps large negative eigenvalues, c1), that SAM with \#
            a large radius escapes it and reduces that negative curvature (c2), and that SAM on the VS loss improves \#
            minority-class accuracy by 6.2% and overall accuracy by 4% (c3). We train an MLP on long-tailed 8×8 digits \#
            (imbalance ratio 50, balanced test set) with the VS loss and SGD or SAM, tune both on the same grid, and \#
            read tail-class accuracy and the class-wise Hessian spectra by exact Lanczos.
            """#)
    }

    static let sgdName = "SGD+VS", samName = "SAM+VS"
    /// The rarest classes, whose accuracy and loss Hessian the claims read.
    static let tailClasses = [7, 8, 9], headClasses = [0, 1, 2]

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        let s = Settings(), q = Settings.quick
        let setting = "MLP 64-\(s.hidden)-10 (ReLU) on 8×8 digits, training set long-tailed with ratio \(Format.compact(s.ratio, 3)) (exponential profile from the smallest class's pool of about 120 images down to about 2), balanced validation and test sets; VS loss (γ = 0.3, τ = 1); \(s.epochs) epochs (quick: \(q.epochs)); both arms tuned on the same learning-rate grid, SAM also on ρ ∈ {\(s.rhos.map { Format.compact($0, 2) }.joined(separator: ", "))}; evaluation seeds planned for 80% power, \(s.evaluationSeeds) to \(s.seedCap)"
        return [
            Claim(
                id: "c1", statement: "With a margin loss (VS) and SGD, the tail classes' own loss is at a saddle: its Hessian has a larger relative negative eigenvalue than the head classes' loss.",
                source: "abstract; Section 3 (class-wise Hessian spectra)", paperValue: "large negative eigenvalues for minority classes only", paperSetting: "ResNet-32 on CIFAR-10-LT (ρ = 100) with LDAM/VS",
                metric: "|λ_min|/λ_max of the tail-class training loss minus that of the head-class loss, SGD+VS at the end of training, 95% interval over seeds",
                rule: .superiority("c1.tail_minus_head_ratio", "|λ_min|/λ_max, tail − head (SGD)", better: .higher, minimalEffect: 0.05),
                scaling: setting + "; spectra by 20 Lanczos steps on exact Hessian-vector products of the class-wise cross-entropy; 0.05 is the minimal effect"),
            Claim(
                id: "c2", statement: "SAM reduces the negative curvature of the tail classes' loss.",
                source: "abstract; Section 4 (SAM escapes saddles)", paperValue: "smaller |λ_min|/λ_max with SAM (qualitative)", paperSetting: "as c1",
                metric: "|λ_min|/λ_max of the tail-class training loss, SAM+VS − SGD+VS, paired by seed",
                rule: .superiority("c2.tail_ratio_diff", "tail |λ_min|/λ_max, SAM − SGD", better: .lower, minimalEffect: 0.05),
                scaling: setting),
            Claim(
                id: "c3a", statement: "SAM improves tail-class accuracy over SGD with the VS loss.",
                source: "abstract; Table 1", paperValue: "+6.2% on minority classes", paperSetting: "CIFAR-10/100-LT, ImageNet-LT, iNaturalist with VS loss",
                metric: "test accuracy on the 3 rarest classes (points), SAM+VS − SGD+VS, paired by seed",
                rule: .superiority("c3a.tail_gain", "tail accuracy gain", better: .higher, minimalEffect: 2, unit: "pt"),
                scaling: setting + "; 2 points is the catalog's bar"),
            Claim(
                id: "c3b", statement: "SAM improves overall (balanced) accuracy over SGD with the VS loss.",
                source: "abstract; Table 1", paperValue: "+4% overall on average", paperSetting: "as c3a",
                metric: "balanced test accuracy (points), SAM+VS − SGD+VS, paired by seed",
                rule: .superiority("c3b.overall_gain", "overall accuracy gain", better: .higher, minimalEffect: 1, unit: "pt"),
                scaling: setting + "; 1 point is the catalog's bar"),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func v(_ id: String) -> String { claims.first { $0.claim.id == id }!.judgement.verdict.display }
        return "The saddle picture (tail loss with more relative negative curvature than the head loss under SGD) is \(v("c1")); SAM reducing it is \(v("c2")). "
            + "The accuracy gains are \(v("c3a")) for the tail classes and \(v("c3b")) overall. An MLP on 8×8 digits has far fewer parameters than the paper's ResNets, and its tail classes have a handful of training images, so these numbers speak to the mechanism at small scale, not to the paper's benchmarks."
    }

    // MARK: - The method

    public var method: String {
        #"""
        **VS loss.** For class counts $n_c$ and priors $\pi_c = n_c/\sum n$, the logits $z$ are mapped to \#
        $z_c/\Delta_c + \iota_c$ with $\Delta_c = (n_{\max}/n_c)^{\gamma}$ and $\iota_c = \tau\log\pi_c$, then the cross-entropy \#
        is taken (official defaults $\gamma = 0.3$, $\tau = 1$); predictions use the raw logits $z$. **SAM** perturbs \#
        the weights by $\rho g/\|g\|$ before the second gradient (the harness's SAM around SGD with momentum 0.9 and \#
        weight decay $2\cdot10^{-4}$, the official optimizer). **Class-wise curvature.** For a set of classes $S$, \#
        $L_S(w)$ is the mean cross-entropy over the training examples of $S$; Lanczos on exact Hessian-vector \#
        products of $L_S$ gives $\lambda_{\min}$ and $\lambda_{\max}$, and $|\lambda_{\min}|/\lambda_{\max}$ measures how far \#
        from a minimum of $L_S$ the weights are (0 at a minimum, large at a saddle).
        """#
    }

    public var excerpts: [String] { ["vs-loss", "class-wise-curvature"] }

    public var deviations: String {
        #"""
        The paper trains ResNet-32 on CIFAR-10/100-LT for 200 epochs (and larger models on ImageNet-LT and \#
        iNaturalist); we train an MLP on the 1,797 8×8 digits, whose tail classes keep only a few images at ratio \#
        50, for a few dozen epochs with a cosine learning rate instead of the step schedule with warm-up. The \#
        paper's SAM radius schedules are not used; ρ is tuned on a grid. The class-wise Hessians use the plain \#
        cross-entropy of each class group at the trained weights (the ReLU gates fixed there, as exact \#
        forward-over-reverse products give), over all training examples of the group.
        """#
    }

    public var sourceFile: String { #filePath }
}

// MARK: - The VS loss and the class-wise curvature

/// The Vector-Scaling loss of Kini et al. (2021) as the official losses.py builds it.
struct VectorScalingLoss {
    /// 1/Δ_c and ι_c.
    var inverseScale: [Float], offset: [Float]

    // excerpt: vs-loss
    /// Δ_c = (n_max/n_c)^γ, ι_c = τ log(n_c/Σn).
    init(classCounts n: [Int], gamma: Double = 0.3, tau: Double = 1) {
        let total = Double(n.reduce(0, +)), largest = Double(n.max()!)
        inverseScale = n.map { Float(1 / pow(largest / Double($0), gamma)) }
        offset = n.map { Float(tau * log(Double($0) / total)) }
    }

    /// Mean cross-entropy of z/Δ + ι: the logits times a fixed diagonal matrix, plus a fixed bias.
    func loss(_ tape: Tape<Float>, logits z: Variable<Float>, labels: [Int]) -> Variable<Float> {
        let k = inverseScale.count
        var diagonal = Tensor<Float>.zeros([k, k])
        for c in 0..<k { diagonal.data[c * k + c] = inverseScale[c] }
        let adjusted = tape.addBias(tape.matmul(z, tape.constant(diagonal)), tape.constant(Tensor(shape: [k], data: offset)))
        return tape.crossEntropy(adjusted, labels: labels)
    }
    // end excerpt
}

extension SAMImbalancedSaddle {
    // excerpt: class-wise-curvature
    /// Both ends of the Hessian spectrum of the mean cross-entropy over `data`'s examples of
    /// `classes`, by Lanczos on exact Hessian-vector products at the model's current weights.
    static func classWiseSpectrum(_ model: MLP, _ data: Dataset, classes: [Int], steps: Int, rng: inout SeededRandom) throws -> Hessian.Spectrum {
        let rows = data.labels.indices.filter { classes.contains(data.labels[$0]) }
        let (x, y) = data.batch(rows)
        return try Hessian.lanczos(model.trainableParameters, steps: steps, rng: &rng) { tape in model.loss(tape, x, labels: y) }
    }
    // end excerpt

    struct Settings {
        var hidden = 64, ratio = 50.0
        var epochs = 40, batchSize = 32, momentum: Float = 0.9, weightDecay: Float = 2e-4
        var learningRates = [0.01, 0.03, 0.1], rhos = [0.05, 0.2, 0.5]
        var selectionSeeds = 3, evaluationSeeds = 5, seedCap = 10, lanczosSteps = 20
        static var quick: Settings {
            var s = Settings()
            s.epochs = 6; s.selectionSeeds = 1; s.evaluationSeeds = 2; s.seedCap = 2; s.lanczosSteps = 8
            s.learningRates = [0.03, 0.1]; s.rhos = [0.05, 0.5]
            return s
        }
        init() {}
        init(_ context: RunContext) {
            self = context.scale == .quick ? .quick : Settings()
            if let n = context.seedsOverride { evaluationSeeds = max(n, 2); seedCap = max(seedCap, evaluationSeeds) }
        }
    }

    /// Balanced test (≈ 22%) and validation (≈ 11%) sets, and a long-tailed training set drawn
    /// from the rest with the exponential profile.
    struct Splits {
        var train: Dataset, validation: Dataset, test: Dataset
        func tail(_ d: Dataset) -> Dataset { d.subset(d.labels.indices.filter { SAMImbalancedSaddle.tailClasses.contains(d.labels[$0]) }) }
    }

    static func splits(_ context: RunContext, _ s: Settings) throws -> Splits {
        let digits = try Datasets.digits()
        let all = Dataset(name: digits.name, features: digits.features.map { $0 / 16 }, labels: digits.labels,
                          classCount: digits.classCount, citation: digits.citation)
        var rng = context.rng("data", "split")
        let parts = all.partitioned([0.22, 0.11, 0.67], using: &rng)
        var imbalance = context.rng("data", "imbalance")
        let pool = all.subset(parts[2])
        return Splits(train: pool.withClassImbalance(ratio: s.ratio, using: &imbalance),
                      validation: all.subset(parts[1]), test: all.subset(parts[0]))
    }

    static func train(_ data: Splits, sam: Bool, trial: Trial, _ s: Settings) throws -> RunRecord {
        let model = MLP(sizes: [64, s.hidden, 10], rng: trial.commonRNG.child("model"))
        var batchRNG = trial.commonRNG.child("batches")
        let schedule = BatchSchedule(count: data.train.count, batchSize: s.batchSize, using: &batchRNG)
        let total = s.epochs * schedule.batchesPerEpoch, peak = trial.hyperparameters.learningRate
        let cosine = LearningRate.schedule { step in Float(peak * 0.5 * (1 + cos(Double.pi * Double(step - 1) / Double(total)))) }
        let sgd = ChainedOptimizer.sgd(model.parameters, learningRate: cosine, momentum: s.momentum, weightDecay: s.weightDecay)
        let optimizer: any Optimizer = sam ? SAM(base: sgd, rho: Float(trial.hyperparameters["rho"])) : sgd
        let vs = VectorScalingLoss(classCounts: data.train.classCounts)
        var record = RunRecord(steps: [])
        var batches = schedule.makeIterator()
        for epoch in 0..<s.epochs {
            var sum = 0.0
            for _ in 0..<schedule.batchesPerEpoch {
                let (x, y) = data.train.batch(batches.next()!)
                sum += Double(optimizer.step {
                    lossAndGradient(parameters: model.parameters) { tape in vs.loss(tape, logits: model.forward(tape, x, training: true), labels: y) }
                })
            }
            record.losses.append(sum / Double(schedule.batchesPerEpoch))
            record.steps!.append(epoch + 1)
            if record.diverged { return record }
        }
        let tailValidation = data.tail(data.validation)
        record.record("validation accuracy", model.accuracy(data.validation.features, labels: data.validation.labels))
        record.record("validation tail accuracy", model.accuracy(tailValidation.features, labels: tailValidation.labels))
        guard trial.phase == .evaluation else { return record }
        let tailTest = data.tail(data.test)
        record.record("test accuracy", model.accuracy(data.test.features, labels: data.test.labels))
        record.record("test tail accuracy", model.accuracy(tailTest.features, labels: tailTest.labels))
        for (name, classes) in [("tail", tailClasses), ("head", headClasses)] {
            var rng = trial.commonRNG.child("hessian \(name)")
            let spectrum = try classWiseSpectrum(model, data.train, classes: classes, steps: s.lanczosSteps, rng: &rng)
            record.record("\(name) lambda_min", spectrum.smallest)
            record.record("\(name) lambda_max", spectrum.largest)
            record.record("\(name) ratio", abs(min(spectrum.smallest, 0)) / max(spectrum.largest, 1e-12))
        }
        return record
    }

    public func run(_ context: RunContext) throws -> PaperRun {
        let s = Settings(context)
        let data = try Self.splits(context, s)
        let lrGrid = Hyperparameters.learningRateGrid(s.learningRates)
        let samGrid = s.learningRates.flatMap { lr in s.rhos.map { Hyperparameters(["lr": lr, "rho": $0]) } }
        let arms = [Arm(Self.sgdName, grid: lrGrid) { try Self.train(data, sam: false, trial: $0, s) },
                    Arm(Self.samName, grid: samGrid, extendable: ["lr", "rho"]) { try Self.train(data, sam: true, trial: $0, s) }]
        let plans = [PowerPlan(method: Self.samName, baseline: Self.sgdName, metric: "validation tail accuracy", minimalEffect: 2, scale: 100),
                     PowerPlan(method: Self.samName, baseline: Self.sgdName, metric: "validation accuracy", minimalEffect: 1, scale: 100)]
        let result = try Experiment(context: context, claim: "c1-c3", arms: arms, selectionSeeds: s.selectionSeeds, evaluationSeeds: s.evaluationSeeds,
                                    rule: .highest("validation accuracy"), power: plans, seedCap: s.seedCap).compare()
        var e = Evidence()
        let sgd = result[Self.sgdName]
        e.record(interval: "c1.tail_minus_head_ratio", Statistics.pairedDifferences(sgd.values("tail ratio"), sgd.values("head ratio")), tolerance: 0.05)
        result.recordDifference("c2.tail_ratio_diff", method: Self.samName, baseline: Self.sgdName, metric: "tail ratio", tolerance: 0.05, into: &e)
        result.recordDifference("c3a.tail_gain", method: Self.samName, baseline: Self.sgdName, metric: "test tail accuracy", scale: 100, tolerance: 3, into: &e)
        result.recordDifference("c3b.overall_gain", method: Self.samName, baseline: Self.sgdName, metric: "test accuracy", scale: 100, tolerance: 2, into: &e)
        return PaperRun(evidence: e, setup: setup(s, data), results: results(result))
    }

    func setup(_ s: Settings, _ data: Splits) -> [ReportBlock] {
        [.text(#"""
        **Data.** \#(Datasets.digitsCitation) Pixels divided by 16. A stratified split (stream `sam-imbalanced-saddle/data/split`) \#
        gives a balanced test set of \#(data.test.count) and a balanced validation set of \#(data.validation.count) images; \#
        the training set is drawn from the rest with an exponential profile of ratio \#(Format.compact(s.ratio, 3)) (stream \#
        `data/imbalance`): class counts \#(data.train.classCounts.map(String.init).joined(separator: ", ")) for classes 0–9. \#
        Tail classes: 7, 8, 9; head classes: 0, 1, 2. **Model and training.** MLP 64-\#(s.hidden)-10 with ReLU, PyTorch \#
        default initialisation; VS loss ($\gamma = 0.3$, $\tau = 1$); batch \#(s.batchSize), \#(s.epochs) epochs, SGD with momentum \#
        \#(Format.compact(Double(s.momentum), 2)) and weight decay \#(Format.compact(Double(s.weightDecay), 2)), learning rate \#
        decayed from its peak to 0 by a cosine; SAM wraps the same SGD. **Tuning.** Peak learning rate from \#
        $\{\#(s.learningRates.map { Format.compact($0, 2) }.joined(separator: ", "))\}$ for both arms, SAM jointly with \#
        $\rho \in \{\#(s.rhos.map { Format.compact($0, 2) }.joined(separator: ", "))\}$, grid extended at an edge (twice at most); \#
        \#(Format.counted(s.selectionSeeds, "selection seed")), scored by balanced validation accuracy; evaluation seeds \#
        planned for 80% power at 2 tail points and 1 overall point, \#(s.evaluationSeeds) to \#(s.seedCap). Both arms share \#
        initial weights and batch order at each seed. **Curvature.** \#(s.lanczosSteps) Lanczos steps on exact \#
        Hessian-vector products of the cross-entropy over all training images of the tail (head) classes.
        """#)]
    }

    func results(_ result: ExperimentResult) -> [ReportBlock] {
        func pct(_ r: ArmResult, _ m: String) -> String { Summary(r.values(m).map { $0 * 100 }).formatted }
        let table = Table(
            caption: "Evaluation runs (\(Format.counted(result.evaluationSeeds, "seed"))), mean ± 95% CI.",
            headers: ["arm", "chosen", "test accuracy %", "tail accuracy %", "tail λ_min", "tail λ_max", "tail |λ_min|/λ_max", "head |λ_min|/λ_max"],
            rows: result.arms.map { r in
                [r.arm, r.chosen.description, pct(r, "test accuracy"), pct(r, "test tail accuracy"), r.summary("tail lambda_min").formatted,
                 r.summary("tail lambda_max").formatted, r.summary("tail ratio").formatted, r.summary("head ratio").formatted]
            })
        let sam = result[Self.samName], sgd = result[Self.sgdName]
        let paired = Table(
            caption: "Paired differences, SAM+VS − SGD+VS (same seed).", headers: ["metric", "mean ± 95% CI"],
            rows: [("test accuracy (points)", "test accuracy", 100.0), ("tail accuracy (points)", "test tail accuracy", 100), ("tail |λ_min|/λ_max", "tail ratio", 1)].map { label, m, scale in
                [label, sam.pairedDifference(m, versus: sgd, scale: scale).formatted]
            })
        return [.table(table), .table(paired),
                .figure(ExperimentReport.lossFigure(result.arms, name: "train-loss", title: "VS training loss (mini-batch mean per epoch)", xLabel: "epoch",
                                                    caption: "SAM's loss is read at the unperturbed weights.")),
                .details("The whole hyperparameter sweep", [.table(ExperimentReport.sweepTable(result.arms, rule: .highest("validation accuracy")))])]
    }
}
