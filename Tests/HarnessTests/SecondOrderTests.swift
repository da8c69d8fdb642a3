import XCTest
@testable import Harness

/// Exact Hessian-vector products (forward-over-reverse on the tape) checked against central
/// differences of exact gradients in Double, a closed-form Hessian, symmetry, and the
/// central-difference Lanczos on a Float model.

/// Checks the exact `Hv` of `build`'s output, reduced to the scalar `Σ R ⊙ out + ½ Σ (S ⊙ out)²`
/// (fixed random `R`, `S`: the quadratic term makes the output's *tangent* matter, not only the
/// op's curvature term), against `(∇(x + hv) − ∇(x − hv)) / 2h` of the ordinary exact gradient,
/// elementwise within `tolerance * max(1, |exact|, |numeric|)`. It also checks that the sweep's
/// gradient is bit-identical to an ordinary backward pass.
func hessianVectorCheck(
    _ inputs: [Tensor<Double>], h: Double = 1e-5, tolerance: Double = 1e-7,
    file: StaticString = #filePath, line: UInt = #line,
    _ build: (Tape<Double>, [Variable<Double>]) -> Variable<Double>
) {
    var projections: (Tensor<Double>, Tensor<Double>)? = nil
    func objective(_ tape: Tape<Double>, _ vars: [Variable<Double>]) -> Variable<Double> {
        let out = build(tape, vars)
        if projections == nil {
            var rng = SeededRandom(seed: 5, path: ["hessianVectorCheck", "\(out.shape)"])
            projections = (.randomNormal(out.shape, using: &rng), .randomNormal(out.shape, using: &rng))
        }
        let linear = tape.sum(tape.mul(out, tape.constant(projections!.0)))
        let q = tape.mul(out, tape.constant(projections!.1))
        return tape.add(linear, tape.scale(tape.sum(tape.mul(q, q)), by: 0.5))
    }
    func gradients(_ xs: [Tensor<Double>]) -> [Tensor<Double>] {
        let tape = Tape<Double>()
        let vars = xs.map { tape.variable($0) }
        tape.backward(from: objective(tape, vars))
        return vars.map { tape.gradient(of: $0) }
    }
    var rng = SeededRandom(seed: 6, path: ["hessianVectorCheck", "direction"])
    let v = inputs.map { Tensor<Double>.randomNormal($0.shape, using: &rng) }

    let tape = Tape<Double>()
    tape.recordSecondOrder()
    let vars = inputs.map { tape.variable($0) }
    let hv = tape.hessianVectorProduct(of: objective(tape, vars), at: vars, along: v)
    let ordinary = gradients(inputs)
    for k in inputs.indices {
        XCTAssertEqual(tape.gradient(of: vars[k]).data, ordinary[k].data, "gradient of input \(k) from the second-order sweep", file: file, line: line)
    }
    let plus = gradients(zip(inputs, v).map { x, d in var y = x; y.add(d, scaledBy: h); return y })
    let minus = gradients(zip(inputs, v).map { x, d in var y = x; y.add(d, scaledBy: -h); return y })
    var largest = 0.0
    for k in inputs.indices {
        XCTAssertEqual(hv[k].shape, inputs[k].shape, "shape of Hv for input \(k)", file: file, line: line)
        for i in 0..<inputs[k].count {
            let exact = hv[k].data[i], numeric = (plus[k].data[i] - minus[k].data[i]) / (2 * h)
            largest = max(largest, abs(exact))
            let err = abs(exact - numeric) / max(1, abs(exact), abs(numeric))
            if err > tolerance {
                XCTFail("input \(k) element \(i): exact \(exact) vs central difference \(numeric) (rel err \(err))", file: file, line: line)
                return
            }
        }
    }
    XCTAssertGreaterThan(largest, 1e-3, "a non-trivial Hessian-vector product", file: file, line: line)
}

final class SecondOrderOpTests: XCTestCase {
    func testMatmulInEveryTransposeCombination() {
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = randomTensor(ta ? [4, 3] : [3, 4], "a"), b = randomTensor(tb ? [5, 4] : [4, 5], "b")
            hessianVectorCheck([a, b]) { t, v in t.matmul(v[0], v[1], transposeA: ta, transposeB: tb) }
        }
    }

    func testMatmulWithOneConstantFactor() {
        let a = randomTensor([3, 4], "a"), b = randomTensor([4, 5], "b")
        hessianVectorCheck([a]) { t, v in t.matmul(v[0], t.constant(b)) }
        hessianVectorCheck([b]) { t, v in t.matmul(t.constant(a), v[0], transposeB: false) }
    }

    func testElementwiseArithmetic() {
        let a = randomTensor([3, 4], "a"), b = randomTensor([3, 4], "b")
        hessianVectorCheck([a, b]) { t, v in t.add(v[0], v[1]) }
        hessianVectorCheck([a, b]) { t, v in t.sub(v[0], v[1]) }
        hessianVectorCheck([a, b]) { t, v in t.mul(v[0], v[1]) }
        hessianVectorCheck([a]) { t, v in t.mul(v[0], v[0]) }
        hessianVectorCheck([a]) { t, v in t.scale(v[0], by: -1.7) }
    }

    func testBiasReductionsAndShapes() {
        let x = randomTensor([3, 4], "x"), bias = randomTensor([4], "bias")
        hessianVectorCheck([x, bias]) { t, v in t.addBias(v[0], v[1]) }
        hessianVectorCheck([x]) { t, v in t.sum(t.mul(v[0], v[0])) }
        hessianVectorCheck([x]) { t, v in t.mean(t.mul(v[0], v[0])) }
        hessianVectorCheck([x]) { t, v in t.reshape(v[0], [2, 6]) }
        hessianVectorCheck([x]) { t, v in t.transpose(v[0]) }
    }

    func testActivations() {
        let x = randomTensor([4, 5], "x", std: 1.5)
        hessianVectorCheck([x]) { t, v in t.relu(v[0]) }
        hessianVectorCheck([x]) { t, v in t.tanh(v[0]) }
        hessianVectorCheck([x]) { t, v in t.sigmoid(v[0]) }
        hessianVectorCheck([x]) { t, v in t.gelu(v[0]) }
    }

    func testSoftmaxAndLogSoftmax() {
        let x = randomTensor([3, 5], "x", std: 2)
        hessianVectorCheck([x]) { t, v in t.softmax(v[0]) }
        hessianVectorCheck([x]) { t, v in t.logSoftmax(v[0]) }
    }

    func testLosses() {
        let z = randomTensor([4, 3], "z", std: 2), target = randomTensor([4, 3], "target")
        let labels = [2, 0, 1, 2]
        hessianVectorCheck([z]) { t, v in t.crossEntropy(v[0], labels: labels) }
        hessianVectorCheck([z]) { t, v in t.crossEntropy(v[0], labels: labels, weights: [0.5, 2, 1, 0.25]) }
        hessianVectorCheck([z]) { t, v in t.crossEntropyPerExample(v[0], labels: labels) }
        hessianVectorCheck([z, target]) { t, v in t.meanSquaredError(v[0], v[1]) }
        hessianVectorCheck([z]) { t, v in t.meanSquaredError(v[0], target: target) }
    }

    /// Whole two-layer networks with every activation and both losses.
    func testTwoLayerNetworks() {
        let x = randomTensor([6, 4], "x"), w1 = randomTensor([4, 5], "w1", std: 0.8), b1 = randomTensor([5], "b1")
        let w2 = randomTensor([5, 3], "w2", std: 0.8), b2 = randomTensor([3], "b2"), y = randomTensor([6, 3], "y")
        let labels = [0, 1, 2, 2, 1, 0]
        for activation in Activation.allCases {
            func logits(_ t: Tape<Double>, _ v: [Variable<Double>]) -> Variable<Double> {
                let hidden = activation.apply(t.addBias(t.matmul(t.constant(x), v[0]), v[1]), on: t)
                return t.addBias(t.matmul(hidden, v[2]), v[3])
            }
            hessianVectorCheck([w1, b1, w2, b2]) { t, v in t.crossEntropy(logits(t, v), labels: labels) }
            hessianVectorCheck([w1, b1, w2, b2]) { t, v in t.meanSquaredError(logits(t, v), target: y) }
        }
    }
}

final class SecondOrderHessianTests: XCTestCase {
    /// Softmax regression `L(W, b) = mean CE(XW + b)` has the closed-form Hessian
    /// `H[(a,j),(b,k)] = (1/N) Σᵢ x̃ᵢₐ x̃ᵢ_b (pᵢⱼ δⱼₖ − pᵢⱼ pᵢₖ)` with `x̃ = (x, 1)`; the exact
    /// product must equal `H v` formed from it to rounding.
    func testSoftmaxRegressionAgainstItsClosedFormHessian() {
        let n = 7, d = 4, c = 3
        let x = randomTensor([n, d], "x"), w = randomTensor([d, c], "w"), b = randomTensor([c], "b")
        let labels = [0, 2, 1, 1, 0, 2, 2]
        let vw = randomTensor([d, c], "vw"), vb = randomTensor([c], "vb")

        let tape = Tape<Double>()
        tape.recordSecondOrder()
        let wv = tape.variable(w), bv = tape.variable(b)
        let loss = tape.crossEntropy(tape.addBias(tape.matmul(tape.constant(x), wv), bv), labels: labels)
        let hv = tape.hessianVectorProduct(of: loss, at: [wv, bv], along: [vw, vb])

        // Probabilities and the full ((d+1)c)² Hessian, the bias as input row d.
        let z = matmul(x, w)
        let size = (d + 1) * c
        var hessian = [Double](repeating: 0, count: size * size)
        for i in 0..<n {
            let logits = (0..<c).map { z.data[i * c + $0] + b.data[$0] }
            let top = logits.max()!
            let e = logits.map { Foundation.exp($0 - top) }, total = e.reduce(0, +)
            let p = e.map { $0 / total }
            let xt = (0..<d).map { x.data[i * d + $0] } + [1]
            for a in 0...d { for j in 0..<c { for bb in 0...d { for k in 0..<c {
                hessian[(a * c + j) * size + bb * c + k] += xt[a] * xt[bb] * ((j == k ? p[j] : 0) - p[j] * p[k]) / Double(n)
            } } } }
        }
        let v = vw.data + vb.data
        let expected = (0..<size).map { r in (0..<size).reduce(0.0) { $0 + hessian[r * size + $1] * v[$1] } }
        let got = hv[0].data + hv[1].data
        for r in 0..<size { XCTAssertEqual(got[r], expected[r], accuracy: 1e-13, "entry \(r)") }
        XCTAssertGreaterThan(expected.map(abs).max()!, 1e-2)
    }

    /// `uᵀHw = wᵀHu` on a two-layer tanh MLP with cross-entropy, to rounding in Double.
    func testSymmetryOnATwoLayerTanhMLP() {
        let x = randomTensor([8, 5], "x"), labels = [0, 1, 2, 0, 1, 2, 0, 1]
        let params = [randomTensor([5, 6], "w1"), randomTensor([6], "b1"), randomTensor([6, 3], "w2"), randomTensor([3], "b2")]
        func product(_ v: [Tensor<Double>]) -> [Tensor<Double>] {
            let t = Tape<Double>()
            t.recordSecondOrder()
            let p = params.map { t.variable($0) }
            let hidden = t.tanh(t.addBias(t.matmul(t.constant(x), p[0]), p[1]))
            let loss = t.crossEntropy(t.addBias(t.matmul(hidden, p[2]), p[3]), labels: labels)
            return t.hessianVectorProduct(of: loss, at: p, along: v)
        }
        func dot(_ a: [Tensor<Double>], _ b: [Tensor<Double>]) -> Double { zip(a, b).reduce(0) { $0 + $1.0.dot($1.1) } }
        let u = params.enumerated().map { randomTensor($1.shape, seed: 2, "u\($0)") }
        let w = params.enumerated().map { randomTensor($1.shape, seed: 3, "w\($0)") }
        let uHw = dot(u, product(w)), wHu = dot(w, product(u))
        XCTAssertGreaterThan(abs(uHw), 1e-2, "a non-trivial curvature")
        XCTAssertEqual(uHw, wHu, accuracy: 1e-12 * max(1, abs(uHw)))
        // Linear in the direction: H(2u − w) = 2Hu − Hw.
        let combined = product(zip(u, w).map { 2 * $0 - $1 }), hu = product(u), hw = product(w)
        for k in params.indices {
            for i in 0..<params[k].count {
                XCTAssertEqual(combined[k].data[i], 2 * hu[k].data[i] - hw[k].data[i], accuracy: 1e-12)
            }
        }
    }

    /// On a Float tanh MLP classifier the exact operator agrees with the central-difference one,
    /// gives the same top Lanczos eigenvalue, and leaves the parameters' values and grads alone.
    func testLanczosOnTheExactOperatorMatchesCentralDifferences() throws {
        var rng = SeededRandom(seed: 7, path: ["mlp"])
        let x = Tensor<Float>.randomNormal([32, 5], using: &rng)
        let labels = (0..<32).map { $0 % 3 }
        let model = MLP(sizes: [5, 8, 3], activation: .tanh, rng: SeededRandom(seed: 7, path: ["init"]))
        let params = model.parameters
        for p in params { p.grad = Tensor(shape: p.value.shape, repeating: 3) }
        let values = params.map(\.value), grads = params.map(\.grad)

        let v = HessianTests.unitDirection(params, &rng)
        let exact = model.hessianVectorProduct(x, labels: labels, along: v)
        XCTAssertEqual(params.map(\.value), values)
        XCTAssertEqual(params.map(\.grad), grads, "the exact product leaves grads alone")
        let difference = Hessian.vectorProduct(params, v, h: 1e-2) { model.lossAndGradient(x, labels: labels) }
        let scale = difference.reduce(0.0) { $0 + Double($1.squaredNorm()) }.squareRoot()
        let gap = zip(exact, difference).reduce(0.0) { $0 + Double(($1.0 - $1.1).squaredNorm()) }.squareRoot()
        XCTAssertGreaterThan(scale, 1e-2)
        XCTAssertLessThan(gap, 1e-2 * scale, "exact vs central-difference Hv")

        var r1 = SeededRandom(seed: 1, path: ["lanczos"]), r2 = SeededRandom(seed: 1, path: ["lanczos"])
        let exactSpectrum = try Hessian.lanczos(params, steps: 20, rng: &r1) { model.loss($0, x, labels: labels) }
        let differenceSpectrum = try Hessian.lanczos(params, steps: 20, h: 1e-2, rng: &r2) { model.lossAndGradient(x, labels: labels) }
        XCTAssertEqual(exactSpectrum.largest, differenceSpectrum.largest, accuracy: 1e-2 * abs(exactSpectrum.largest))
        XCTAssertEqual(exactSpectrum.smallest, differenceSpectrum.smallest, accuracy: 1e-2 * abs(exactSpectrum.largest))
        XCTAssertEqual(params.map(\.value), values)
    }

    /// A ReLU MLP's exact product is the Hessian of the smooth piece with the gates fixed: it
    /// matches central differences of the frozen-gate loss.
    func testReLUNetworkMatchesTheFrozenGatePiece() {
        let (model, x, labels) = FrozenGateTests.problem()
        var rng = SeededRandom(seed: 12, path: ["relu-direction"])
        let v = HessianTests.unitDirection(model.parameters, &rng)
        let exact = model.hessianVectorProduct(x, labels: labels, along: v)
        let gates = model.reluGates(x)
        let frozen = Hessian.vectorProduct(model.parameters, v, h: 1e-2) { model.lossAndGradient(x, labels: labels, frozenGates: gates) }
        let scale = frozen.reduce(0.0) { $0 + Double($1.squaredNorm()) }.squareRoot()
        let gap = zip(exact, frozen).reduce(0.0) { $0 + Double(($1.0 - $1.1).squaredNorm()) }.squareRoot()
        XCTAssertGreaterThan(scale, 1e-2)
        XCTAssertLessThan(gap, 1e-2 * scale)
    }
}
