import XCTest
@testable import Harness

/// Central-difference gradient check in Double.
///
/// `build` maps leaf variables to an output of any shape; the check reduces it to the scalar
/// `Σ out ⊙ R` with a fixed random `R`, so every output element reaches the gradient with a
/// different weight (a uniform weight would hide errors that cancel, e.g. in softmax). Every input
/// element is perturbed by `±eps` and the analytic gradient must match within
/// `tolerance * max(1, |analytic|, |numeric|)`.
func gradientCheck(
    _ inputs: [Tensor<Double>], eps: Double = 1e-5, tolerance: Double = 1e-6,
    file: StaticString = #filePath, line: UInt = #line,
    _ build: (Tape<Double>, [Variable<Double>]) -> Variable<Double>
) {
    var projection: Tensor<Double>? = nil
    func objective(_ tape: Tape<Double>, _ vars: [Variable<Double>]) -> Variable<Double> {
        let out = build(tape, vars)
        if projection == nil {
            var rng = SeededRandom(seed: 99, path: ["gradientCheck", "\(out.shape)"])
            projection = Tensor<Double>.randomNormal(out.shape, using: &rng)
        }
        return tape.sum(tape.mul(out, tape.constant(projection!)))
    }
    let tape = Tape<Double>()
    let vars = inputs.map { tape.variable($0) }
    let loss = objective(tape, vars)
    tape.backward(from: loss)
    var worst = 0.0
    for (k, input) in inputs.enumerated() {
        let analytic = tape.gradient(of: vars[k])
        XCTAssertEqual(analytic.shape, input.shape, "gradient shape of input \(k)", file: file, line: line)
        for i in 0..<input.count {
            var plus = inputs, minus = inputs
            plus[k].data[i] += eps
            minus[k].data[i] -= eps
            let tp = Tape<Double>(), tm = Tape<Double>()
            let fp = objective(tp, plus.map { tp.variable($0) }).scalar
            let fm = objective(tm, minus.map { tm.variable($0) }).scalar
            let numeric = (fp - fm) / (2 * eps)
            let a = analytic.data[i]
            let err = abs(a - numeric) / max(1, abs(a), abs(numeric))
            worst = max(worst, err)
            if err > tolerance {
                XCTFail("input \(k) element \(i): analytic \(a) vs numeric \(numeric) (rel err \(err))", file: file, line: line)
                return
            }
        }
    }
}

/// A seeded normal tensor for tests.
func randomTensor(_ shape: [Int], seed: UInt64 = 1, _ name: String = "x", std: Double = 1) -> Tensor<Double> {
    var rng = SeededRandom(seed: seed, path: ["test", name])
    return Tensor<Double>.randomNormal(shape, std: std, using: &rng)
}
