import Foundation
import XCTest
import Papers
@testable import Normalization
@testable import Harness

final class TrActTests: XCTestCase {
    // MARK: - The closed form by hand

    /// X = [[1, 0], [0, 2], [1, 1]] (b = 3), λ = 0.5: XᵀX = [[2, 1], [1, 5]], XᵀX/3 + λI =
    /// [[7/6, 1/3], [1/3, 13/6]], determinant 91/36 − 4/36 = 87/36, inverse (36/87)·[[13/6, −1/3], [−1/3, 7/6]].
    /// For a linear weight gradient G (`[n, m]` = [[1, 2], [3, 4]]) TrAct is M⁻¹ G.
    func testHandComputedLinearCase() {
        let x = Tensor<Float>(shape: [3, 2], data: [1, 0, 0, 2, 1, 1])
        let g = Tensor<Float>(shape: [2, 2], data: [1, 2, 3, 4])
        let c: Double = 36.0 / 87.0
        let inverse: [[Double]] = [[c * 13 / 6, -c / 3], [-c / 3, c * 7 / 6]]
        let gd: [Double] = g.data.map(Double.init)
        var expected = [Double]()
        for i in 0..<2 { for j in 0..<2 { expected.append(inverse[i][0] * gd[j] + inverse[i][1] * gd[2 + j]) } }
        let out = TrAct.precondition(g, inputs: x, lambda: 0.5, layout: .inputsByOutputs)
        for (a, b) in zip(out.data, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        // The conv layout is the transpose: G M⁻¹ for G laid out [m, n].
        let conv = TrAct.precondition(g.transposed, inputs: x, lambda: 0.5, layout: .outputsByInputs)
        XCTAssertEqual(conv.data, out.transposed.data)
    }

    /// λ → ∞: λ·TrAct(G) → G (plain training at rate η/λ); λ → 0 with XᵀX invertible: the
    /// whitened gradient, invariant to rescaling the inputs (the contrast the paper is about).
    func testLimits() {
        var rng = SeededRandom(seed: 3, path: ["tract limits"])
        let x = Tensor<Float>.randomNormal([40, 5], using: &rng), g = Tensor<Float>.randomNormal([5, 3], using: &rng)
        let big = 1e5, scaled = TrAct.precondition(g, inputs: x, lambda: big, layout: .inputsByOutputs)
        for (a, b) in zip(scaled.data, g.data) { XCTAssertEqual(Double(a) * big, Double(b), accuracy: 1e-3 * (1 + abs(Double(b)))) }
        // Scaling X by 3 scales the plain gradient XᵀdZ by 3 and XᵀX by 9: the whitened step shrinks by 3, not grows.
        let small = 1e-7
        let w1 = TrAct.precondition(g, inputs: x, lambda: small, layout: .inputsByOutputs)
        var x3 = x; x3.scale(by: 3)
        var g3 = g; g3.scale(by: 3)
        let w3 = TrAct.precondition(g3, inputs: x3, lambda: small, layout: .inputsByOutputs)
        for (a, b) in zip(w3.data, w1.data) { XCTAssertEqual(Double(a) * 3, Double(b), accuracy: 1e-3 * (1 + abs(Double(b)))) }
    }

    /// The patches are ordered as the conv weight: patches · Wᵀ reproduces the convolution.
    func testPatchesMatchTheConvolution() {
        var rng = SeededRandom(seed: 5, path: ["tract patches"])
        let images = Tensor<Float>.randomNormal([2, 1, 8, 8], using: &rng), w = Tensor<Float>.randomNormal([8, 1, 3, 3], using: &rng)
        let tape = Tape<Float>()
        let z = tape.conv2d(tape.constant(images), weight: tape.constant(w), stride: 1, padding: 1).value   // [2, 8, 8, 8]
        let p = TrAct.patches(images, kernel: 3, padding: 1)                                                // [128, 9]
        let y = matmul(p, w.reshaped([8, 9]), transposeB: true)                                              // [128, 8]
        for img in 0..<2 { for o in 0..<8 { for q in 0..<64 {
            XCTAssertEqual(y.data[(img * 64 + q) * 8 + o], z.data[(img * 8 + o) * 64 + q], accuracy: 1e-5)
        } } }
    }

    /// Through the tape: the first layer's weight gradient is the plain one preconditioned over the
    /// batch (patches for the CNN, inputs for the MLP); every other gradient is unchanged; without
    /// λ the models are the harness's SmallCNN and MLP bit for bit.
    func testModelsPreconditionOnlyTheFirstWeight() {
        var rng = SeededRandom(seed: 7, path: ["tract models"])
        let x = Tensor<Float>.randomNormal([6, 64], using: &rng), y = (0..<6).map { $0 % 10 }
        let init0 = SeededRandom(seed: 1, path: ["model"])
        let plainCNN = TrActCNN(lambda: nil, rng: init0), tractCNN = TrActCNN(lambda: 0.1, rng: init0), reference = SmallCNN(rng: init0)
        XCTAssertEqual(plainCNN.lossAndGradient(x, labels: y), reference.lossAndGradient(x, labels: y))
        XCTAssertEqual(plainCNN.conv.weight.grad.data, reference.conv.weight.grad.data)
        _ = tractCNN.lossAndGradient(x, labels: y)
        let patches = TrAct.patches(x.reshaped([6, 1, 8, 8]), kernel: 3, padding: 1)
        let expected = TrAct.precondition(plainCNN.conv.weight.grad, inputs: patches, lambda: 0.1, layout: .outputsByInputs)
        for (a, b) in zip(tractCNN.conv.weight.grad.data, expected.data) { XCTAssertEqual(a, b, accuracy: 1e-5 * (1 + abs(b))) }
        XCTAssertEqual(tractCNN.conv.bias!.grad.data, plainCNN.conv.bias!.grad.data)
        XCTAssertEqual(tractCNN.head.weight.grad.data, plainCNN.head.weight.grad.data)

        let plainMLP = TrActMLP(lambda: nil, rng: init0), tractMLP = TrActMLP(lambda: 0.1, rng: init0), mlp = MLP(sizes: [64, 128, 128, 10], rng: init0)
        XCTAssertEqual(plainMLP.lossAndGradient(x, labels: y), mlp.lossAndGradient(x, labels: y))
        _ = tractMLP.lossAndGradient(x, labels: y)
        let first = TrAct.precondition(plainMLP.linears[0].weight.grad, inputs: x, lambda: 0.1, layout: .inputsByOutputs)
        for (a, b) in zip(tractMLP.linears[0].weight.grad.data, first.data) { XCTAssertEqual(a, b, accuracy: 1e-5 * (1 + abs(b))) }
        XCTAssertEqual(tractMLP.linears[0].bias!.grad.data, plainMLP.linears[0].bias!.grad.data)
        XCTAssertEqual(tractMLP.linears[2].weight.grad.data, plainMLP.linears[2].weight.grad.data)
        // Evaluation mode has no TrAct node: identical logits.
        XCTAssertEqual(tractMLP.logits(x).data, plainMLP.logits(x).data)
    }

    func testEpochsToReach() {
        XCTAssertEqual(TrActPaper.epochsToReach(0.9, [0.5, 0.9, 0.95]), 2)
        XCTAssertEqual(TrActPaper.epochsToReach(0.99, [0.5, 0.9, 0.95]), 4, "never reached counts as one past the budget")
    }

    // MARK: - Rules

    static func evidence(_ intervals: [String: (Double, Double, Double)], _ plain: [String: Double] = [:]) -> Evidence {
        var e = Evidence()
        for (k, v) in intervals.sorted(by: { $0.key < $1.key }) { e.record(interval: k, Interval(mean: v.0, low: v.1, high: v.2, count: 8), tolerance: 0) }
        for (k, v) in plain.sorted(by: { $0.key < $1.key }) { e.record(k, v) }
        return e
    }

    func testRuleBranches() {
        let claims = TrActPaper().claims
        func claim(_ id: String) -> Claim { claims.first { $0.id == id }! }
        func speedups(_ values: [(Double, Double, Double)]) -> Evidence {
            Self.evidence(Dictionary(uniqueKeysWithValues: zip(TrActPaper.pairs.map { "c1.\($0.key).log_speedup" }, values)))
        }
        let fast = (log(2.0), log(1.5), log(2.5)), modest = (log(1.15), log(1.05), log(1.2)), none = (0.0, -0.05, 0.05), wide = (0.3, -0.2, 0.8)
        XCTAssertEqual(claim("c1").decide(speedups([fast, fast, fast, none])).verdict, .reproduced)
        XCTAssertEqual(claim("c1").decide(speedups([fast, none, none, fast])).verdict, .notReproduced)
        XCTAssertEqual(claim("c1").decide(speedups([fast, fast, wide, wide])).verdict, .inconclusive(.underpowered))
        XCTAssertEqual(claim("c1").decide(speedups([fast, fast, wide, none])).verdict, .inconclusive(.mixed))
        // c3 needs a speed-up (above 1, any size) everywhere.
        XCTAssertEqual(claim("c3").decide(speedups([fast, fast, modest, fast])).verdict, .reproduced)
        XCTAssertEqual(claim("c3").decide(speedups([fast, fast, none, fast])).verdict, .notReproduced)
        XCTAssertEqual(claim("c2").decide(Self.evidence([:], ["c2.cnn.flop_overhead": 0.1, "c2.mlp.flop_overhead": 0.2])).verdict, .reproduced)
        XCTAssertEqual(claim("c2").decide(Self.evidence([:], ["c2.cnn.flop_overhead": 0.4, "c2.mlp.flop_overhead": 0.1])).verdict, .notReproduced)
    }

    // MARK: - A tiny run

    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        let paper = TrActPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "tract")
        var settings = TrActPaper.Settings(context)
        settings.epochs = 1
        settings.learningRates = [.sgdMomentum: [0.03], .adam: [3e-3]]
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        XCTAssertTrue(first.evidence.metrics.allSatisfy { $0.value.isFinite }, "ledgers need finite metrics")
        XCTAssertGreaterThan(first.evidence["c2.cnn.flop_overhead"], 0)
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testExcerptsAndRegistration() throws {
        let found = try compiledExcerpts.excerpts(of: TrActPaper())
        XCTAssertEqual(found.map(\.name), ["tract-transform", "tract-models"])
        XCTAssertNotNil(paper(slug: "tract"))
        XCTAssertFalse(leagueEntries.contains { $0.source == "tract" }, "a first-layer gradient transform is not a league optimizer")
    }
}
