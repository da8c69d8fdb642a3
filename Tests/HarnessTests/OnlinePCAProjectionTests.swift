import Foundation
import XCTest
@testable import Harness

/// The online-PCA projector: a hand-computed AdamW step, the gradient against finite differences,
/// convergence to the top singular subspace of a fixed matrix, and its order as a projector source.
final class OnlinePCAProjectionTests: XCTestCase {
    static func gaussian(_ rows: Int, _ columns: Int, _ name: String) -> Tensor<Float> {
        var rng = SeededRandom(seed: 11, path: ["online pca test", name])
        return Tensor(shape: [rows, columns], data: (0..<rows * columns).map { _ in Float(rng.normal()) })
    }

    static func maxAbs(_ t: Tensor<Float>) -> Float { t.data.map { abs($0) }.max() ?? 0 }

    /// `P = (0.6, 0.8)ᵀ`, `G = (3, 0)ᵀ`: `L = 1 − p₁² = 0.64`, `∇L = (4p₁(p₁² − 1) + 2p₁p₂², 2p₁²p₂) =
    /// (−0.768, 0.576)`; AdamW's first step is `P(1 − ηλ) − η sign(∇L)` = (0.6994, 0.6992) at η = 0.1, λ = 0.01.
    func testOneAdamWStepByHand() {
        var state = OnlinePCAState(basis: Tensor(shape: [2, 1], data: [0.6, 0.8]))
        let g = Tensor<Float>(shape: [2, 1], data: [3, 0])
        XCTAssertEqual(OnlinePCAState.lossAndGradient(state.basis, g).gradient!.data[0], -0.768, accuracy: 1e-6)
        XCTAssertEqual(OnlinePCAState.lossAndGradient(state.basis, g).gradient!.data[1], 0.576, accuracy: 1e-6)
        XCTAssertEqual(state.descend(g, stepSize: 0.1), 0.64, accuracy: 1e-6)
        XCTAssertEqual(state.basis.data[0], 0.6994, accuracy: 1e-6)
        XCTAssertEqual(state.basis.data[1], 0.6992, accuracy: 1e-6)
        // A zero gradient leaves P and the step count alone.
        XCTAssertEqual(state.descend(.zeros([2, 1]), stepSize: 0.1), 0)
        XCTAssertEqual(state.steps, 1)
    }

    /// `∇L` matches central differences of `L` on a random 7 × 5 gradient and 7 × 2 basis.
    func testGradientMatchesFiniteDifferences() {
        let a = Self.gaussian(7, 5, "a"), p = Self.gaussian(7, 2, "p")
        let gradient = OnlinePCAState.lossAndGradient(p, a).gradient!
        for i in [0, 3, 8, 13] {
            var plus = p, minus = p
            plus.data[i] += 1e-2; minus.data[i] -= 1e-2
            let numeric = (OnlinePCAState.reconstructionError(plus, of: a) - OnlinePCAState.reconstructionError(minus, of: a)) / 2e-2
            XCTAssertEqual(Double(gradient.data[i]), numeric, accuracy: 1e-3 + 1e-3 * abs(numeric))
        }
    }

    /// From a random start, repeated steps on one fixed matrix `A = Q₁ diag(σ) Q₂ᵀ` drive `L` down to
    /// Eckart–Young's optimum `Σ_{i>r} σᵢ² / Σσᵢ²` and `PPᵀ` to the projector on the top-2 left singular vectors.
    func testConvergesToTheTopSingularSubspace() throws {
        let q1 = try orthonormalBasis(Self.gaussian(10, 5, "q1")), q2 = try orthonormalBasis(Self.gaussian(6, 5, "q2"))
        let sigma: [Float] = [5, 4, 2, 1, 0.5]
        var scaled = q1
        for i in 0..<10 { for j in 0..<5 { scaled.data[i * 5 + j] *= sigma[j] } }
        let a = matmul(scaled, q2, transposeB: true)
        var state = OnlinePCAState(basis: 0.3 * Self.gaussian(10, 2, "start"))
        var losses = [Double]()
        for t in 0..<1500 { losses.append(state.descend(a, stepSize: 0.03 / (1 + Float(t) / 150), weightDecay: 0)) }
        let optimum = Double(sigma[2...].reduce(0) { $0 + $1 * $1 } / sigma.reduce(0) { $0 + $1 * $1 })
        XCTAssertGreaterThan(losses[0], losses[100])
        XCTAssertGreaterThan(losses[100], losses[1499])
        XCTAssertEqual(OnlinePCAState.reconstructionError(state.basis, of: a), optimum, accuracy: 1e-3)
        let top = q1.transposed.rows(0..<2).transposed
        XCTAssertLessThan(Self.maxAbs(matmul(state.basis, state.basis, transposeB: true) - matmul(top, top, transposeB: true)), 0.02)
    }

    /// As a GaLore projector source asked every step: step 1 takes the SVD, step 2 still projects with
    /// it (the update follows the use), step 3 with the moved basis; one SVD in all, 10dnr FLOPs per update,
    /// and the right side gets the transposed `r × n` basis.
    func testSourceOrderAndCounts() {
        let source = OnlinePCAProjector(stepSizes: [0.05, 0.05])
        let g1 = Self.gaussian(6, 4, "g1"), g2 = Self.gaussian(6, 4, "g2"), g3 = Self.gaussian(6, 4, "g3")
        let p1 = source.projector(g1, rank: 2, side: .left, index: 0, step: 1)
        XCTAssertEqual(p1.data, GaLoreProjection.projector(of: g1, rank: 2, side: .left, step: 1).matrix.data)
        XCTAssertEqual(source.projector(g2, rank: 2, side: .left, index: 0, step: 2).data, p1.data)
        let p3 = source.projector(g3, rank: 2, side: .left, index: 0, step: 3)
        XCTAssertGreaterThan(Self.maxAbs(p3 - p1), 1e-3)
        XCTAssertEqual(source.svdCount, 1)
        XCTAssertEqual(source.updateFlops, 2 * 10 * 6 * 4 * 2)
        XCTAssertEqual(source.projector(g1, rank: 2, side: .right, index: 1, step: 1).shape, [2, 4])
        XCTAssertEqual(source.stateBytes, 2 * (6 * 2 + 4 * 2) * 4)
    }
}
