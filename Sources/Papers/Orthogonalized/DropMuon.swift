import Foundation
import Harness

// # Drop-Muon: update less, converge faster
//
// Kaja Gruntkowska, Yassine Maziane, Zheng Qu and Peter Richtárik (arXiv 2510.02239, 2025).
// No official code.
//
// **The paper in plain words.** Every optimizer updates every layer at every step. Drop-Muon
// instead samples, at each step, a cutoff layer and updates only the layers from the cutoff to
// the output, each with Muon's orthogonalised step; the backward pass can stop at the cutoff, so a
// step costs less. The paper proves convergence for this randomized progressive training under
// layer-wise (and (L⁰, L¹)-) smoothness (c2), shows by a cost analysis that full-network updates
// are optimal only for one specific relation between the layers' smoothness constants (c3), and
// reports on CNNs that Drop-Muon reaches full Muon's accuracy up to 1.4× faster (c1).
//
// The delta from Muon (harness `Muon.optimizer`) is the sampling of layers: `DropMuon` below
// runs one Muon per layer and, each step, only those at or above the sampled cutoff.

/// Drop-Muon (Gruntkowska et al., 2025): the paper's claims and experiments.
public struct DropMuonPaper: Paper {
    public init() {}

    public var info: PaperInfo {
        PaperInfo(
            slug: "drop-muon", title: "Drop-Muon: Update Less, Converge Faster", method: "Drop-Muon",
            family: "Orthogonalized", arxiv: "2510.02239", code: nil,
            summary: #"""
            Drop-Muon updates, at each step, only the layers from a randomly sampled cutoff up to the output, each \#
            with Muon's orthogonalised step, so the backward pass stops early and a step costs less. The paper claims \#
            it reaches full-network Muon's accuracy up to 1.4× faster on CNNs (c1), proves convergence under \#
            layer-wise smoothness (c2), and argues from a cost model that full-network updates are rarely optimal \#
            (c3). We train the digits MLP with full Muon and with Drop-Muon (uniform cutoff over its three layers), \#
            every arm tuned the same way, and judge accuracy at equal epochs and at equal counted cost (forward and \#
            backward matrix-product FLOPs of the layers each step touches).
            """#)
    }

    // MARK: - Claims, with their rules fixed before any run

    public var claims: [Claim] {
        [
            Claim(
                id: "c1a",
                statement: "Drop-Muon reaches the same accuracy as full-network Muon at the same number of steps.",
                source: "abstract; Section 6",
                paperValue: "same accuracy", paperSetting: "CNNs (the paper's controlled experiments)",
                metric: "paired difference of test accuracy in points, Drop-Muon − Muon, both tuned, 10 epochs",
                rule: .nonInferiority("c1a.accuracy_points_drop_minus_muon", "test accuracy, Drop-Muon − Muon", better: .higher, margin: 0.5, unit: "points"),
                scaling: "the 64-128-128-10 MLP on the 8x8 digits, 10 epochs (quick: 2)"),
            Claim(
                id: "c1b",
                statement: "Drop-Muon reaches that accuracy at lower cost: up to 1.4× faster.",
                source: "abstract; Section 6",
                paperValue: "1.4× (wall clock)", paperSetting: "CNNs on GPU",
                metric: "counted speed-up: forward + backward matrix-product FLOPs of full Muon's training divided by Drop-Muon's (per step, the layers below the cutoff skip their backward)",
                rule: .bound("c1b.counted_speedup", "counted speed-up", below: false, 1.1),
                scaling: "as c1a; FLOPs counted from the sampled cutoffs, not timed"),
            Claim(
                id: "c1c",
                statement: "At equal cost, Drop-Muon beats full-network Muon (it 'consistently outperforms' it).",
                source: "abstract",
                paperValue: "outperforms at equal wall clock", paperSetting: "CNNs on GPU",
                metric: "paired difference of test accuracy in points, Drop-Muon − Muon stopped when it has spent Drop-Muon's expected cost",
                rule: .superiority("c1c.accuracy_points_drop_minus_budget_muon", "test accuracy, Drop-Muon − equal-cost Muon", better: .higher, minimalEffect: 0.5, unit: "points"),
                scaling: "as c1a; the equal-cost Muon takes its steps first and then stops updating"),
            Claim.notTestable(
                id: "c2",
                statement: "Drop-Muon converges under layer-wise smoothness and layer-wise (L⁰, L¹)-smoothness, for deterministic and stochastic gradients.",
                source: "abstract; Section 4", paperValue: "convergence theorems", paperSetting: "analytic",
                reason: "it is a theorem; an experiment can illustrate but neither prove nor refute a convergence guarantee."),
            Claim.notTestable(
                id: "c3",
                statement: "Full-network updates are cost-optimal only when a specific relation between the layers' smoothness constants holds.",
                source: "abstract; Section 5", paperValue: "cost analysis", paperSetting: "analytic",
                reason: "it follows from the paper's cost model with the layers' smoothness constants, which cannot be measured reliably on a network this small; c1b and c1c test its practical consequence."),
        ]
    }

    public func meaning(_ claims: [ClaimOutcome]) -> String {
        func verdict(_ id: String) -> Verdict { claims.first { $0.claim.id == id }!.judgement.verdict }
        var text = "At the same number of steps, Drop-Muon's claim to match full Muon's accuracy is \(verdict("c1a").display); "
        text += "its counted cost saving is \(verdict("c1b").display) (it follows from the cutoff distribution: the saving is in the layers skipped, whatever they learn). "
        text += "The claim that matters, that it beats Muon at equal cost, is \(verdict("c1c").display). "
        text += "The convergence theorems and the cost analysis are mathematical statements we do not test."
        return text
    }

    // MARK: - The method

    public var method: String {
        #"""
        **Muon per layer.** A network of layers $1,\dots,L$ (input to output); layer $\ell$ holds a weight \#
        $W_\ell$ updated by Muon, $W_\ell\leftarrow W_\ell-\eta\sqrt{\max(1,m/n)}\,\mathrm{NS}_5(M_\ell)$ with Nesterov \#
        momentum $M_\ell$ (the harness's `ScaleByMuon`), and its bias (and, for the output layer, its weight) by \#
        AdamW, as in Muon's recipe.

        **Drop-Muon (Algorithm 1).** At each step draw a cutoff $s\sim p$ over $\{1,\dots,L\}$ and update only \#
        layers $\ell\ge s$; the others keep their weights and momenta. The backward pass stops at layer $s$: \#
        for a linear layer with $n_\ell$ inputs and $m_\ell$ outputs at batch $b$, the forward product costs \#
        $2bm_\ell n_\ell$ FLOPs, the weight gradient as much again, and the gradient passed down as much again \#
        (not needed at the cutoff), so a step costs

        $$C(s)=\textstyle\sum_\ell 2bm_\ell n_\ell+\sum_{\ell\ge s}2bm_\ell n_\ell+\sum_{\ell>s}2bm_\ell n_\ell,$$

        and full Muon is $s=1$. We take $p$ uniform (the paper's randomized progressive schedule; it also \#
        studies others). With the 64-128-128-10 MLP the expected cost is 0.68 of full Muon's, a counted \#
        speed-up of about 1.47.
        """#
    }

    public var excerpts: [String] { ["drop-muon"] }

    public var deviations: String {
        #"""
        - **Model and data.** The paper trains CNNs on GPU and reports wall-clock time; we train the \#
        64-128-128-10 ReLU MLP on the 8x8 digits (three layers, the smallest network where the cutoff has room) \#
        for 10 epochs at batch 32 and count FLOPs instead of timing. Our implementation still computes every \#
        layer's gradient (the harness's backward pass cannot stop early); the cost counted is that of the \#
        layers each step actually needs, forward plus the truncated backward.
        - **Schedule.** The cutoff is uniform over the three layers. The sampled sequence is drawn from a stream \#
        fixed per run (the optimizer does not see the seed), so every seed and grid point uses the same cutoffs.
        - **Equal cost (c1c).** The equal-cost Muon arm is full Muon that updates for the first \#
        round(ρ·T) of the T steps, ρ the expected cost ratio of Drop-Muon's schedule, and then stops (its \#
        training loop continues without updates, so it is evaluated at the same point in the data).
        - **Tuning.** Every arm is tuned over the same grid by validation accuracy (protocol v2); non-matrix \#
        tensors and the output layer take AdamW (lr 0.008, β = (0.8, 0.95), ε = 1e-10) in every Muon arm, \#
        AdamW is shown for reference.
        """#
    }

    public let sourceFile: String = #filePath

    /// Drop-Muon for `reproduce league`, its Adam group at the tuned rate as the league's `muon`.
    public var leagueOptimizers: [OptimizerArm] {
        [OptimizerArm("drop-muon") { p, h in Self.dropMuon(p, h, adamW: AuONPaper.leagueAuxiliary(h)) }]
    }

    public func run(_ context: RunContext) throws -> PaperRun {
        try run(context, settings: Settings(context))
    }
}

// MARK: - The optimizer

// excerpt: drop-muon
/// Drop-Muon: one Muon per layer (input to output); each step samples a cutoff `s` from
/// `probabilities` and updates only layers `s…L`. Counts the forward and truncated-backward
/// matrix-product work of every step (in units of `m·n` per layer, batch and the factor 2 cancel
/// in ratios) against what full Muon would have spent.
public final class DropMuon: Optimizer {
    public let layers: [ChainedOptimizer]
    public let probabilities: [Double]
    /// The `m·n` of each layer's weight matrix.
    let sizes: [Int]
    var rng: SeededRandom
    public private(set) var spent = 0, fullCost = 0

    public init(layers: [ChainedOptimizer], probabilities: [Double], rng: SeededRandom) {
        precondition(layers.count == probabilities.count && !layers.isEmpty)
        self.layers = layers
        self.probabilities = probabilities
        self.sizes = layers.map { $0.parameters.filter { $0.value.rank >= 2 }.reduce(0) { $0 + $1.value.count } }
        self.rng = rng
    }

    /// Forward over every layer, weight gradients from `s` up, input gradients above `s`.
    public static func cost(cutoff s: Int, sizes: [Int]) -> Int {
        sizes.reduce(0, +) + sizes[s...].reduce(0, +) + sizes[(s + 1)...].reduce(0, +)
    }

    /// Full Muon's cost divided by the schedule's expected cost.
    public static func expectedSpeedup(sizes: [Int], probabilities: [Double]) -> Double {
        let expected = probabilities.enumerated().reduce(0.0) { $0 + $1.element * Double(cost(cutoff: $1.offset, sizes: sizes)) }
        return Double(cost(cutoff: 0, sizes: sizes)) / expected
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
    public var stateBytes: Int { layers.reduce(0) { $0 + $1.stateBytes } }

    /// A cutoff drawn from `probabilities` (0-based layer index).
    public static func sample(_ probabilities: [Double], _ rng: inout SeededRandom) -> Int {
        var u = rng.uniform(), s = 0
        while s < probabilities.count - 1 && u >= probabilities[s] { u -= probabilities[s]; s += 1 }
        return s
    }

    public func applyGradients() {
        let s = Self.sample(probabilities, &rng)
        for layer in layers[s...] { layer.applyGradients() }
        spent += Self.cost(cutoff: s, sizes: sizes)
        fullCost += Self.cost(cutoff: 0, sizes: sizes)
    }

    /// Groups parameters by layer (the name before its last `.`), in order of appearance.
    public static func layers(of parameters: [Parameter]) -> [[Parameter]] {
        var names = [String](), groups = [String: [Parameter]]()
        for p in parameters {
            let layer = p.name.split(separator: ".").dropLast().joined(separator: ".")
            if groups[layer] == nil { names.append(layer) }
            groups[layer, default: []].append(p)
        }
        return names.map { groups[$0]! }
    }
}
// end excerpt

/// Full Muon that stops updating after `steps` steps (the equal-cost arm of c1c).
final class StopAfter: Optimizer {
    let inner: any Optimizer, steps: Int
    var taken = 0
    init(_ inner: any Optimizer, steps: Int) { (self.inner, self.steps) = (inner, steps) }
    var parameters: [Parameter] { inner.parameters }
    var stateBytes: Int { inner.stateBytes }
    func applyGradients() {
        taken += 1
        if taken <= steps { inner.applyGradients() }
    }
}

// MARK: - Settings and arms

extension DropMuonPaper {
    struct Settings {
        var learningRates: [Double]
        var selectionSeeds: Int
        var evaluationSeeds: Int
        var task: (RunContext) throws -> (task: StandardTask, steps: Int) = { context in
            let data = try StandardTasks.digits(context), epochs = context.pick(quick: 2, full: 10)
            let task = StandardTasks.classification(key: "mlp_digits", label: "MLP (digits)", data: data,
                                                    model: "MLP 64-128-128-10 (ReLU)", epochs: epochs) { rng in
                MLP(sizes: [64, 128, 128, 10], rng: rng)
            }
            return (task, epochs * ((data.train.count + 31) / 32))
        }

        init(_ context: RunContext) {
            learningRates = context.pick(quick: [3e-3, 3e-2], full: [3e-3, 1e-2, 3e-2, 1e-1])
            selectionSeeds = context.pick(quick: 1, full: 3)
            evaluationSeeds = context.seeds(quick: 2, full: 8)
        }
    }

    static func muon(_ p: [Parameter], _ h: Hyperparameters, adamW: Muon.AuxiliaryAdamW = AuONPaper.auxiliary) -> ChainedOptimizer {
        Muon.optimizer(p, learningRate: .constant(Float(h.learningRate)), adamW: adamW)
    }

    static let cutoffStream = SeededRandom(seed: 0, path: ["drop-muon", "cutoff"])

    static func dropMuon(_ p: [Parameter], _ h: Hyperparameters, adamW: Muon.AuxiliaryAdamW = AuONPaper.auxiliary) -> DropMuon {
        let layers = DropMuon.layers(of: AuONPaper.withHead(p)).map { muon($0, h, adamW: adamW) }
        return DropMuon(layers: layers, probabilities: [Double](repeating: 1 / Double(layers.count), count: layers.count),
                        rng: cutoffStream)
    }

    static func arms(budgetSteps: Int) -> [OptimizerArm] {
        [
            OptimizerArm("AdamW") { p, h in ChainedOptimizer.adamW(p, learningRate: .constant(Float(h.learningRate)), weightDecay: 0) },
            OptimizerArm("Muon") { p, h in muon(AuONPaper.withHead(p), h) },
            OptimizerArm("Drop-Muon") { p, h in dropMuon(p, h) },
            OptimizerArm("Muon (equal cost)") { p, h in StopAfter(muon(AuONPaper.withHead(p), h), steps: budgetSteps) },
        ]
    }
}

// MARK: - The experiment

extension DropMuonPaper {
    func run(_ context: RunContext, settings: Settings) throws -> PaperRun {
        var evidence = Evidence()
        let (task, steps) = try settings.task(context)
        let sizes = [64 * 128, 128 * 128, 128 * 10], uniform = [Double](repeating: 1.0 / 3, count: 3)
        let speedup = DropMuon.expectedSpeedup(sizes: sizes, probabilities: uniform)
        let budget = Int((Double(steps) / speedup).rounded())
        // The realised schedule's cost over one run (the same stream every arm and seed uses).
        var stream = Self.cutoffStream, spent = 0
        for _ in 0..<steps { spent += DropMuon.cost(cutoff: DropMuon.sample(uniform, &stream), sizes: sizes) }
        let realised = Double(steps * DropMuon.cost(cutoff: 0, sizes: sizes)) / Double(spent)
        evidence.record("c1b.counted_speedup", realised, absoluteTolerance: 0, relativeTolerance: 1e-9)
        evidence.record("c1b.expected_speedup", speedup, absoluteTolerance: 0, relativeTolerance: 1e-9)

        let comparison = Comparison(context: context, claim: "c1", arms: Self.arms(budgetSteps: budget), learningRates: settings.learningRates,
                                    selection: .highest("validation accuracy"), selectionSeeds: settings.selectionSeeds,
                                    evaluationSeeds: settings.evaluationSeeds)
        let result = try comparison.run([task])[0]
        result.result.recordDifference("c1a.accuracy_points_drop_minus_muon", method: "Drop-Muon", baseline: "Muon",
                                       metric: "test accuracy", scale: 100, tolerance: 2, into: &evidence)
        result.result.recordDifference("c1c.accuracy_points_drop_minus_budget_muon", method: "Drop-Muon", baseline: "Muon (equal cost)",
                                       metric: "test accuracy", scale: 100, tolerance: 2, into: &evidence)
        let setup: [ReportBlock] = [
            .text(comparison.setupText([task])),
            .text("**Cost.** Per step the forward products of all three layers, the weight gradients of the layers at or above the cutoff and the input gradients above it, in units of $m_\\ell n_\\ell$ ($64·128$, $128·128$, $128·10$). Uniform cutoffs: expected speed-up \(Format.compact(speedup, 4)); over the \(steps) steps of a run the sampled cutoffs give \(Format.compact(realised, 4)). The equal-cost Muon arm updates for the first \(budget) of the \(steps) steps."),
        ]
        var results: [ReportBlock] = [.text("### c1a–c1c: Drop-Muon against full Muon, at equal steps and at equal cost"),
                                      .text("Counted speed-up of Drop-Muon's schedule over full Muon: **\(Format.compact(realised, 4))** (expected \(Format.compact(speedup, 4))).")]
        results.append(contentsOf: result.blocks(judged: "test accuracy", metrics: ["final training loss", "test loss", "test accuracy"],
                                                 pairs: [("Drop-Muon", "Muon"), ("Drop-Muon", "Muon (equal cost)"), ("Muon", "AdamW")], figure: "c1-mlp_digits"))
        return PaperRun(evidence: evidence, setup: setup, results: results)
    }
}
