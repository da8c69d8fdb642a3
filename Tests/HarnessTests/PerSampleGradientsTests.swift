import XCTest
@testable import Harness

final class PerSampleGradientsTests: XCTestCase {
    /// Softmax regression 3→2 (no hidden layer): the per-example gradient of the weights is
    /// `(p − e_y) xᵀ`, of the bias `p − e_y`; the statistics must equal the mean and the unbiased
    /// variance of these closed forms, and the mean must equal the batch gradient.
    func testMatchesClosedFormForSoftmaxRegression() {
        var rng = SeededRandom(seed: 4, path: ["per-sample"])
        let model = MLP(sizes: [3, 2], rng: rng.child("model"))
        let x = Tensor<Float>.randomNormal([5, 3], using: &rng), y = [0, 1, 1, 0, 1]
        let stats = PerSampleGradientStatistics(parameters: model.parameters, input: x, labels: y) { model.lossAndGradient($0, labels: $1) }
        let weight = model.parameters[0], bias = model.parameters[1]
        XCTAssertEqual(weight.value.shape, [3, 2], "the harness layout [in, out]")
        let logits = model.logits(x)
        var perExample = [[Double]]()   // 6 weight entries then 2 bias entries
        for i in 0..<5 {
            let z = (0..<2).map { Double(logits.data[i * 2 + $0]) }
            let m = z.max()!, e = z.map { exp($0 - m) }, p = e.map { $0 / e.reduce(0, +) }
            let delta = (0..<2).map { p[$0] - ($0 == y[i] ? 1 : 0) }
            perExample.append((0..<3).flatMap { k in (0..<2).map { o in delta[o] * Double(x.data[i * 3 + k]) } } + delta)
        }
        let flatMean = stats.mean[0].data + stats.mean[1].data, flatVar = stats.variance[0].data + stats.variance[1].data
        for j in 0..<8 {
            let column = perExample.map { $0[j] }, mean = column.reduce(0, +) / 5
            let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4
            XCTAssertEqual(Double(flatMean[j]), mean, accuracy: 1e-5)
            XCTAssertEqual(Double(flatVar[j]), variance, accuracy: 1e-5)
        }
        _ = model.lossAndGradient(x, labels: y)
        for (k, p) in [weight, bias].enumerated() {
            for (a, b) in zip(stats.mean[k].data, p.grad.data) { XCTAssertEqual(a, b, accuracy: 1e-6, "the mean is the batch gradient") }
        }
        XCTAssertEqual(stats.varianceOneNorm, Double(flatVar.reduce(0, +)), accuracy: 1e-5)
        XCTAssertEqual(stats.meanNormSquared, flatMean.reduce(0) { $0 + Double($1 * $1) }, accuracy: 1e-6)
    }

    /// Identical examples have zero variance; one example has zero variance by definition.
    func testIdenticalExamplesHaveNoVariance() {
        let model = MLP(sizes: [3, 4, 2], rng: SeededRandom(seed: 1, path: ["m"]))
        let row: [Float] = [0.5, -1, 2]
        let stats = PerSampleGradientStatistics(parameters: model.parameters, input: Tensor(shape: [3, 3], data: row + row + row),
                                                labels: [1, 1, 1]) { model.lossAndGradient($0, labels: $1) }
        XCTAssertEqual(stats.varianceOneNorm, 0, accuracy: 1e-9)
        XCTAssertGreaterThan(stats.meanNormSquared, 0)
        let single = PerSampleGradientStatistics(parameters: model.parameters, input: Tensor(shape: [1, 3], data: row), labels: [0]) {
            model.lossAndGradient($0, labels: $1)
        }
        XCTAssertEqual(single.varianceOneNorm, 0)
    }
}
