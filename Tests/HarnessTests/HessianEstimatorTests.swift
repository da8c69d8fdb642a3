import Foundation
import XCTest
@testable import Harness

/// Hutchinson, Gauss–Newton–Bartlett, power iteration and stochastic Lanczos quadrature against
/// exact answers: softmax regression's Hessian in Double (``GaussNewtonTests/problem()``) and
/// symmetric matrices of known spectrum.
final class HessianEstimatorTests: XCTestCase {
    /// `v ↦ Hv` for a dense Double matrix, on Float tensors shaped `shapes`.
    static func product(_ h: [[Double]], shapes: [[Int]]) -> HessianVectorProduct {
        { v in
            let x = HessianEstimators.flatten(v)
            return HessianEstimators.unflatten(h.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }, shapes: shapes)
        }
    }

    /// `v ↦ Av` on flat Double vectors.
    static func flatProduct(_ a: [[Double]]) -> ([Double]) -> [Double] {
        { x in a.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } } }
    }

    /// Q diag(λ) Qᵀ for a random orthogonal Q (from the eigenvectors of a random symmetric matrix).
    static func matrix(eigenvalues: [Double], seed: UInt64) throws -> [[Double]] {
        let n = eigenvalues.count
        var rng = SeededRandom(seed: seed, path: ["matrix"])
        let g = (0..<(n * n)).map { _ in rng.normal() }
        let s = Tensor<Double>(shape: [n, n], data: (0..<(n * n)).map { g[$0] + g[($0 % n) * n + $0 / n] })
        let q = try symmetricEigen(s).vectors
        return (0..<n).map { i in (0..<n).map { j in (0..<n).reduce(0) { $0 + q.data[i * n + $1] * eigenvalues[$1] * q.data[j * n + $1] } } }
    }

    /// Every vector of ±1 entries of length n (2ⁿ of them), as one flat Float tensor each.
    static func allSignVectors(_ n: Int) -> [[Double]] {
        (0..<(1 << n)).map { bits in (0..<n).map { bits >> $0 & 1 == 1 ? 1 : -1 } }
    }

    // MARK: Hutchinson

    /// Over all 2¹² sign vectors the cross terms cancel exactly: the estimate is diag(H) of
    /// softmax regression to Float rounding.
    func testHutchinsonOverAllSignVectorsIsExact() {
        let (model, _, _, exact) = GaussNewtonTests.problem()
        let shapes = model.trainableParameters.map(\.value.shape)
        let probes = Self.allSignVectors(exact.count).map { HessianEstimators.unflatten($0, shapes: shapes) }
        let diagonal = HessianEstimators.flatten(HessianEstimators.hutchinsonDiagonal(probes: probes,
                                                                                     product: Self.product(exact, shapes: shapes)))
        XCTAssertEqual(diagonal.count, exact.count)
        for i in exact.indices {
            XCTAssertEqual(diagonal[i], exact[i][i], accuracy: 1e-6 + 1e-5 * abs(exact[i][i]), "entry \(i)")
        }
        XCTAssertGreaterThan(exact.indices.map { abs(exact[$0][$0]) }.max()!, 0.05, "a non-trivial diagonal")
    }

    /// Random Rademacher probes: the mean squared error over 40 repetitions matches the variance
    /// Σᵢ Σ_{j≠i} Hᵢⱼ² / N for N = 16 and 256, so the error falls as 1/√N.
    func testHutchinsonErrorFallsAsOneOverSquareRootOfProbes() {
        let (model, _, _, exact) = GaussNewtonTests.problem()
        let shapes = model.trainableParameters.map(\.value.shape)
        let n = exact.count
        let offDiagonal = (0..<n).reduce(0.0) { total, i in total + (0..<n).reduce(0.0) { $0 + ($1 == i ? 0 : exact[i][$1] * exact[i][$1]) } }
        var rms = [Double]()
        for probes in [16, 256] {
            var squaredError = 0.0
            let repetitions = 40
            for r in 0..<repetitions {
                var rng = SeededRandom(seed: 21, path: ["hutchinson", "\(probes)", "\(r)"])
                let d = HessianEstimators.flatten(HessianEstimators.hutchinsonDiagonal(
                    shapes: shapes, probes: probes, rng: &rng, product: Self.product(exact, shapes: shapes)))
                for i in 0..<n {
                    let e: Double = d[i] - exact[i][i]
                    squaredError += e * e
                }
            }
            let mse = squaredError / Double(repetitions)
            let predicted = offDiagonal / Double(probes)
            XCTAssertEqual(mse / predicted, 1, accuracy: 0.3, "\(probes) probes: mean squared error \(mse), predicted \(predicted)")
            rms.append(mse.squareRoot())
        }
        XCTAssertEqual(rms[0] / rms[1], 4, accuracy: 1, "16× the probes must cut the error about 4×")
    }

    /// The same named stream gives the same probes and the same estimate; another stream differs.
    func testHutchinsonIsDeterministicPerStream() {
        let shapes = [[2, 3], [4]]
        var a = SeededRandom(seed: 1, path: ["probe"]), b = SeededRandom(seed: 1, path: ["probe"]), c = SeededRandom(seed: 2, path: ["probe"])
        let pa = HessianEstimators.rademacherProbe(shapes: shapes, using: &a)
        XCTAssertEqual(pa, HessianEstimators.rademacherProbe(shapes: shapes, using: &b))
        XCTAssertNotEqual(pa, HessianEstimators.rademacherProbe(shapes: shapes, using: &c))
        XCTAssertTrue(pa.allSatisfy { $0.data.allSatisfy { $0 == 1 || $0 == -1 } })
        XCTAssertEqual(pa.map(\.shape), shapes)
    }

    // MARK: Gauss–Newton–Bartlett

    /// The exact expectation of B·ĝ⊙ĝ over labels drawn from the softmax, summed over all 3⁷
    /// label vectors with their probabilities, equals the Gauss–Newton diagonal (= diag H for a
    /// linear model); a single term does not.
    func testGaussNewtonBartlettExpectationIsTheGaussNewtonDiagonal() {
        let (model, x, _, exact) = GaussNewtonTests.problem()
        let params = model.trainableParameters
        let logits = model.logits(x)
        let n = logits.shape[0], k = logits.shape[1]
        let p: [[Double]] = (0..<n).map { i in
            let z = (0..<k).map { Double(logits.data[i * k + $0]) }
            let e = z.map { exp($0 - z.max()!) }
            return e.map { $0 / e.reduce(0, +) }
        }
        let gradient: ([Int]) -> [Tensor<Float>] = { labels in
            _ = model.lossAndGradient(x, labels: labels)
            return params.map(\.grad)
        }
        var expectation = [Double](repeating: 0, count: exact.count), totalProbability = 0.0
        var firstTerm: [Double] = []
        for code in 0..<Int(pow(Double(k), Double(n))) {
            let labels = (0..<n).map { code / Int(pow(Double(k), Double($0))) % k }
            let probability = (0..<n).reduce(1.0) { $0 * p[$1][labels[$1]] }
            let term = HessianEstimators.flatten(HessianEstimators.gaussNewtonBartlettTerm(labels: labels, gradient: gradient))
            if code == 0 { firstTerm = term }
            for i in term.indices { expectation[i] += probability * term[i] }
            totalProbability += probability
        }
        XCTAssertEqual(totalProbability, 1, accuracy: 1e-12)
        for i in exact.indices {
            XCTAssertEqual(expectation[i], exact[i][i], accuracy: 1e-6 + 1e-4 * abs(exact[i][i]), "entry \(i)")
        }
        XCTAssertGreaterThan(exact.indices.map { abs(firstTerm[$0] - exact[$0][$0]) }.max()!, 1e-2, "one draw is noisy")
    }

    /// Labels are drawn with the softmax's probabilities (100 000 draws per row, within 4 standard errors).
    func testSampledLabelsFollowTheSoftmax() {
        let logits = Tensor<Float>(shape: [2, 3], data: [0, 1, 2, 3, -1, 0.5])
        var rng = SeededRandom(seed: 9, path: ["labels"])
        var counts = [[Int]](repeating: [0, 0, 0], count: 2)
        let draws = 100_000
        for _ in 0..<draws {
            for (row, label) in HessianEstimators.sampleLabels(logits: logits, using: &rng).enumerated() { counts[row][label] += 1 }
        }
        for row in 0..<2 {
            let z = (0..<3).map { Double(logits.data[row * 3 + $0]) }
            let e = z.map(exp), s = e.reduce(0, +)
            for j in 0..<3 {
                let p = e[j] / s
                XCTAssertEqual(Double(counts[row][j]) / Double(draws), p, accuracy: 4 * (p * (1 - p) / Double(draws)).squareRoot())
            }
        }
    }

    /// The classifier's sampled estimate is deterministic per stream and, with many samples,
    /// close to the Gauss–Newton diagonal.
    func testClassifierGaussNewtonBartlettConverges() {
        let (model, x, _, exact) = GaussNewtonTests.problem()
        var a = SeededRandom(seed: 4, path: ["gnb"]), b = SeededRandom(seed: 4, path: ["gnb"])
        let estimate = HessianEstimators.flatten(model.gaussNewtonBartlettDiagonal(x, samples: 8000, rng: &a))
        XCTAssertEqual(estimate, HessianEstimators.flatten(model.gaussNewtonBartlettDiagonal(x, samples: 8000, rng: &b)))
        let scale = exact.indices.map { abs(exact[$0][$0]) }.max()!
        for i in exact.indices { XCTAssertEqual(estimate[i], exact[i][i], accuracy: 0.08 * scale, "entry \(i)") }
    }

    // MARK: Power iteration and Lanczos quadrature

    /// Power iteration reaches the eigenvalue of largest magnitude of a known matrix, with an
    /// eigenvector whose residual ‖Av − λv‖ is small, and stops early at the tolerance.
    func testPowerIterationFindsTheDominantEigenpair() throws {
        let a = try Self.matrix(eigenvalues: [6, 3, 1, -0.5, 0.2, 0], seed: 3)
        var rng = SeededRandom(seed: 5, path: ["power"])
        let result = HessianEstimators.powerIteration(dimension: 6, iterations: 500, tolerance: 1e-13, rng: &rng,
                                                      product: Self.flatProduct(a))
        XCTAssertEqual(result.eigenvalue, 6, accuracy: 1e-9)
        XCTAssertLessThan(result.iterations, 500)
        let av = Self.flatProduct(a)(result.eigenvector)
        let residual = zip(av, result.eigenvector).reduce(0) { $0 + ($1.0 - 6 * $1.1) * ($1.0 - 6 * $1.1) }.squareRoot()
        XCTAssertLessThan(residual, 1e-5)
    }

    /// With all 2⁶ sign vectors over √6 as probes and 6 Lanczos steps, the quadrature gives
    /// tr(A) and tr(A²) of a known matrix exactly; every probe's weights sum to one.
    func testQuadratureReproducesTraceAndTraceOfSquare() throws {
        let eigenvalues = [4, 2.5, 1, -0.75, 0.3, -2]
        let a = try Self.matrix(eigenvalues: eigenvalues, seed: 7)
        let probes = Self.allSignVectors(6).map { $0.map { $0 / 6.0.squareRoot() } }
        let q = try HessianEstimators.stochasticLanczosQuadrature(probes: probes, steps: 6, product: Self.flatProduct(a))
        XCTAssertEqual(q.trace { $0 }, eigenvalues.reduce(0, +), accuracy: 1e-10)
        XCTAssertEqual(q.trace { $0 * $0 }, eigenvalues.reduce(0) { $0 + $1 * $1 }, accuracy: 1e-10)
        for w in q.weights { XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-12) }
    }

    /// Gauss quadrature with m nodes is exact for polynomials of degree below 2m: from one random
    /// probe, 2 Lanczos steps already give vᵀAv and vᵀA³v exactly, but not vᵀA⁴v.
    func testQuadratureIsExactBelowDegreeTwiceTheSteps() throws {
        let a = try Self.matrix(eigenvalues: [4, 2.5, 1, -0.75, 0.3, -2], seed: 8)
        var rng = SeededRandom(seed: 2, path: ["probe"])
        let v = HessianEstimators.normalized((0..<6).map { _ in rng.normal() })
        let q = try HessianEstimators.stochasticLanczosQuadrature(probes: [v], steps: 2, product: Self.flatProduct(a))
        XCTAssertEqual(q.nodes[0].count, 2)
        var power = v
        for degree in 1...4 {
            power = Self.flatProduct(a)(power)
            let exact = HessianEstimators.dot(v, power)
            let quadrature = zip(q.nodes[0], q.weights[0]).reduce(0) { $0 + $1.1 * pow($1.0, Double(degree)) }
            if degree < 4 { XCTAssertEqual(quadrature, exact, accuracy: 1e-10, "degree \(degree)") }
            else { XCTAssertGreaterThan(abs(quadrature - exact), 1e-3, "degree 4 is past the rule's exactness") }
        }
    }

    /// The smoothed density of softmax regression's Hessian (tensor-shaped product) integrates
    /// to one on its grid, is non-negative, and is the same for the same stream.
    func testSpectralDensityIntegratesToOne() throws {
        let (model, _, _, exact) = GaussNewtonTests.problem()
        let shapes = model.trainableParameters.map(\.value.shape)
        var rng = SeededRandom(seed: 6, path: ["slq"]), again = SeededRandom(seed: 6, path: ["slq"])
        let q = try HessianEstimators.stochasticLanczosQuadrature(shapes: shapes, probes: 3, steps: 8, rng: &rng,
                                                                  product: Self.product(exact, shapes: shapes))
        XCTAssertEqual(q, try HessianEstimators.stochasticLanczosQuadrature(shapes: shapes, probes: 3, steps: 8, rng: &again,
                                                                           product: Self.product(exact, shapes: shapes)))
        let bandwidth = 0.01
        let grid = q.grid(points: 4001, bandwidth: bandwidth)
        let density = q.density(grid: grid, bandwidth: bandwidth)
        XCTAssertTrue(density.allSatisfy { $0 >= 0 })
        var integral = 0.0
        for i in 1..<grid.count {
            let height: Double = 0.5 * (density[i] + density[i - 1])
            integral += height * (grid[i] - grid[i - 1])
        }
        XCTAssertEqual(integral, 1, accuracy: 1e-6)
        // Nodes lie inside the exact spectrum.
        let eigen = try symmetricEigen(Tensor<Double>(shape: [exact.count, exact.count], data: exact.flatMap { $0 })).values
        for nodes in q.nodes { for l in nodes { XCTAssertTrue(l >= eigen.first! - 1e-5 && l <= eigen.last! + 1e-5) } }
    }
}
