import Foundation
import XCTest
import Papers
@testable import Harness
@testable import MemoryEfficient

/// GradNormLoRP: the released optimizer's step by hand, its invariants (the direction follows
/// GaLore exactly, each output's norm is its magnitude), the byte formulas against GaLore's, the
/// rules' branches, the trace entry and a tiny deterministic run.
final class GradNormLoRPTests: XCTestCase {
    typealias P = GradNormLoRPPaper

    static func matrix(_ rows: Int, _ columns: Int, _ rng: inout SeededRandom) -> Tensor<Float> {
        Tensor(shape: [rows, columns], data: (0..<rows * columns).map { _ in Float(rng.normal()) })
    }

    /// Two steps of an unprojected 2 × 3 matrix (torch layout, per-row magnitudes) against the
    /// official `LowRankWeightNormAdamW` written out in Double: reset g = ‖v‖, Adam on v and on g
    /// with Hugging Face's ε placement, then W = g·v/‖v‖.
    func testTwoStepsMatchTheReferenceByHand() throws {
        var rng = SeededRandom(seed: 4, path: ["gnlorp", "hand"])
        let w0 = Self.matrix(2, 3, &rng)
        let gradients = [Self.matrix(2, 3, &rng), Self.matrix(2, 3, &rng)]
        let lr = 0.05, b1 = 0.9, b2 = 0.999, eps = 1e-6, decay = 0.1
        let p = Parameter("w", w0)
        let optimizer = try P.optimizer([p], learningRate: .constant(Float(lr)), eps: Float(eps), weightDecay: Float(decay),
                                        placement: .beforeBiasCorrection, layout: .outputsByInputs, everyTensor: true)
        var v = w0.data.map(Double.init)
        var mv = [Double](repeating: 0, count: 6), sv = mv, mg = [0.0, 0.0], sg = mg
        func rowNorms(_ x: [Double]) -> [Double] {
            var n = [0.0, 0.0]
            for k in 0..<6 { n[k / 3] += x[k] * x[k] }
            return n.map { $0.squareRoot() }
        }
        var w = v
        for (t, g) in gradients.enumerated() {
            let step = Double(t + 1), grad = g.data.map(Double.init)
            let norms = rowNorms(v)
            var gradG = [0.0, 0.0]
            for k in 0..<6 { gradG[k / 3] += grad[k] * v[k] / norms[k / 3] }
            let size: Double = lr * (1 - pow(b2, step)).squareRoot() / (1 - pow(b1, step))
            for k in 0..<6 {
                mv[k] = b1 * mv[k] + (1 - b1) * grad[k]
                sv[k] = b2 * sv[k] + (1 - b2) * grad[k] * grad[k]
                let adam: Double = mv[k] / (sv[k].squareRoot() + eps)
                v[k] = (v[k] - size * adam) * (1 - lr * decay)
            }
            var magnitude = [0.0, 0.0]
            for j in 0..<2 {
                mg[j] = b1 * mg[j] + (1 - b1) * gradG[j]
                sg[j] = b2 * sg[j] + (1 - b2) * gradG[j] * gradG[j]
                let adam: Double = mg[j] / (sg[j].squareRoot() + eps)
                magnitude[j] = (norms[j] - size * adam) * (1 - lr * decay)
            }
            let newNorms = rowNorms(v)
            for k in 0..<6 { w[k] = magnitude[k / 3] * v[k] / newNorms[k / 3] }
            p.grad = g
            optimizer.applyGradients()
            for (x, y) in zip(p.value.data, w) { XCTAssertEqual(Double(x), y, accuracy: 1e-5) }
        }
        // State: v (6), Adam's m and v for v (12) and for the two magnitudes (4), in fp32.
        XCTAssertEqual(optimizer.stateBytes, 4 * (6 + 12 + 4))
    }

    /// With fixed gradients the direction v follows GaLore's own trajectory exactly, and every
    /// output (a column in the harness's [in, out] layout) of W has v's direction.
    func testDirectionFollowsGaLoreAndOutputsAreParallel() throws {
        var rng = SeededRandom(seed: 7, path: ["gnlorp", "galore"])
        let w0 = Self.matrix(6, 4, &rng)
        let options: [String: Double] = ["rank": 2, "update_proj_gap": 2, "scale": 0.25]
        let a = Parameter("a", w0, options: options), b = Parameter("b", w0, options: options)
        let ours = try P.optimizer([a], learningRate: 0.01, eps: 1e-8, placement: .afterBiasCorrection, layout: .inputsByOutputs)
        let galore = try GaLore.optimizer([b], learningRate: 0.01, eps: 1e-8, moments: .fp32(.afterBiasCorrection), layout: .inputsByOutputs)
        for _ in 0..<5 {
            let g = Self.matrix(6, 4, &rng)
            a.grad = g; b.grad = g
            ours.applyGradients(); galore.applyGradients()
        }
        let step = try XCTUnwrap(ours.groups[0].transforms[0] as? WeightNormalizedProjection)
        let v = try XCTUnwrap(step.direction(0))
        for (x, y) in zip(v.data, b.value.data) { XCTAssertEqual(x, y, accuracy: 1e-5) }
        XCTAssertNotEqual(a.value.data, b.value.data)  // the magnitudes moved
        let vNorms = step.norms(v), wNorms = step.norms(a.value)
        for k in 0..<24 { XCTAssertEqual(a.value.data[k] / wNorms[k % 4], v.data[k] / vNorms[k % 4], accuracy: 1e-5) }
    }

    /// The paper's count minus the magnitudes is GaLore's 8-bit count at 7B; AdamW's is GaLore's;
    /// the allocated count adds exactly one BF16 copy of every projected matrix.
    func testByteFormulasAgreeWithGaLore() {
        let shape = LlamaShape.llama7B
        XCTAssertEqual(shape.parameters, GaLore.Llama7B.params)
        XCTAssertEqual(shape.adamState, GaLore.Llama7B.adamState)
        let magnitudes = Double(shape.layers) * shape.matrices.reduce(0) { $0 + 2 * Double($1.outputs) + 2 * LlamaShape.eightBit($1.outputs) }
        let paper = P.state(shape, rank: 1024, asAllocated: false), allocated = P.state(shape, rank: 1024, asAllocated: true)
        XCTAssertEqual(paper - magnitudes, GaLore.Llama7B.galoreState(eightBitMoments: true), accuracy: 1)
        XCTAssertEqual(allocated - paper, 2 * Double(shape.layers * shape.matrices.reduce(0) { $0 + $1.inputs * $1.outputs }), accuracy: 1)
        XCTAssertGreaterThan(P.largestReduction(asAllocated: false), P.largestReduction(asAllocated: true))
    }

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) { e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 5), tolerance: 0) }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testRuleBranches() {
        let claims = P().claims
        func verdict(_ id: String, _ e: Evidence) -> Verdict { claims.first { $0.id == id }!.decide(e).verdict }
        let c1a = "c1a.loss_gradnormlorp_minus_galore", c1b = "c1b.loss_gradnormlorp_minus_adamw"
        XCTAssertEqual(verdict("c1a", Self.evidence([c1a: (-0.05, -0.08, -0.02)])), .reproduced)
        XCTAssertEqual(verdict("c1a", Self.evidence([c1a: (0.0, -0.004, 0.004)])), .notReproduced)
        XCTAssertEqual(verdict("c1b", Self.evidence([c1b: (0.01, -0.01, 0.03)])), .reproduced)
        XCTAssertEqual(verdict("c1b", Self.evidence([c1b: (0.1, 0.07, 0.13)])), .notReproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.largest_reduction_paper_count": 0.9])), .reproduced)
        XCTAssertEqual(verdict("c2a", Self.evidence([:], ["c2a.largest_reduction_paper_count": 0.8])), .notReproduced)
        XCTAssertEqual(verdict("c2b", Self.evidence([:], ["c2b.largest_reduction_as_allocated": 0.5])), .notReproduced)
    }

    /// `reproduce trace gradnormlorp` runs GaLore's golden problem (its `rank` group option):
    /// finite, the loss falls; a misspelt group key is rejected by name.
    func testTraceRunsOnTheGaLoreProblem() throws {
        let golden = try GoldenTrace.golden("galore__ls6x4b4")
        let result = try GoldenTrace.problem(golden, optimizer: "gradnormlorp", keys: ["lr", "betas", "eps", "weight_decay"])
            .run(optimizers: traceOptimizers)
        XCTAssertTrue(result.finite)
        XCTAssertLessThan(try XCTUnwrap(result.loss.last), try XCTUnwrap(result.loss.first))
        var problem = try XCTUnwrap(golden["problem"] as? [String: Any])
        var params = try XCTUnwrap(problem["params"] as? [[String: Any]])
        params[0]["group"] = ["rnk": 2]
        problem["params"] = params
        problem["optimizer"] = ["name": "gradnormlorp", "hyperparams": ["lr": 0.01]]
        XCTAssertThrowsError(try TraceProblem.parse(JSONSerialization.data(withJSONObject: problem)).run(optimizers: traceOptimizers))
    }

    /// A tiny run: deterministic, every claim decides from recorded metrics.
    func testTinyRunIsDeterministic() throws {
        let s = GaLore.Settings(width: 8, context: 8, batch: 4, steps: 6, learningRates: [3e-3], evaluationSeeds: 2,
                                evaluationInterval: 3, updateGap: 3)
        let context = RunContext(seed: 0, scale: .quick, slug: "gradnormlorp")
        let run = try P().run(context, settings: s), again = try P().run(context, settings: s)
        XCTAssertEqual(run.evidence.metrics.map { "\($0.name)=\($0.value)" }, again.evidence.metrics.map { "\($0.name)=\($0.value)" })
        for claim in P().claims where claim.metric != "—" { XCTAssertFalse(claim.decide(run.evidence).measured.isEmpty, claim.id) }
        XCTAssertGreaterThan(run.evidence["gradnormlorp.state_bytes"], run.evidence["galore.state_bytes"])
        XCTAssertNotNil(Papers.paper(slug: "gradnormlorp"))
    }
}
