import XCTest
@testable import Harness

/// Properties of the transformations and the chained optimizer that hold exactly: torch's
/// update rules step by step, exact state-byte counts, Adam's invariance to diagonal rescaling,
/// fused kernel = reference chain, and independence from the thread count.
final class OptimizerTransformTests: XCTestCase {
    /// A parameter whose gradient the test sets directly.
    func scalarParameter(_ x: Float) -> Parameter { Parameter("x", Tensor(shape: [1], data: [x])) }

    /// Runs `optimizer` on f(x) = ½ h x² for `steps` steps from `x0`, returning x after each step.
    func quadraticTrajectory(_ make: ([Parameter]) -> ChainedOptimizer, x0: Float, h: Float, steps: Int) -> [Float] {
        let p = scalarParameter(x0)
        let opt = make([p])
        return (0..<steps).map { _ in
            opt.step { p.grad.data[0] = h * p.value.data[0]; return 0.5 * h * p.value.data[0] * p.value.data[0] }
            return p.value.data[0]
        }
    }

    /// torch.optim.SGD: the momentum buffer starts as the first gradient undampened; later
    /// `b = μb + (1−τ)g`; Nesterov steps along `g + μb`; L2 decay enters `g` first.
    func testSGDFollowsTorchRecursion() {
        let lr = 0.1, mu = 0.9, tau = 0.3, wd = 0.05, h = 2.0
        for nesterov in [false, true] {
            let damp = nesterov ? 0 : tau
            let mine = quadraticTrajectory({ .sgd($0, learningRate: .constant(Float(lr)), momentum: Float(mu),
                                                  dampening: Float(damp), nesterov: nesterov, weightDecay: Float(wd)) },
                                           x0: 1.5, h: Float(h), steps: 12)
            var x = 1.5, b: Double? = nil
            for k in 0..<12 {
                let g = h * x + wd * x
                b = b.map { mu * $0 + (1 - damp) * g } ?? g
                x -= lr * (nesterov ? g + mu * b! : b!)
                XCTAssertEqual(Double(mine[k]), x, accuracy: 1e-5 * max(1, abs(x)), "nesterov \(nesterov) step \(k + 1)")
            }
        }
        // Hand check of the first-step rule: b₁ = g₁ (not (1 − τ) g₁). x₀ = 1, h = 1, lr = 1/2:
        // g₁ = 1 so x₁ = 1/2; g₂ = 1/2, b₂ = 0.9·1 + 0.7·0.5 = 1.25 so x₂ = 1/2 − 0.625 = −0.125.
        let two = quadraticTrajectory({ .sgd($0, learningRate: 0.5, momentum: 0.9, dampening: 0.3) }, x0: 1, h: 1, steps: 2)
        XCTAssertEqual(two[0], 0.5, accuracy: 1e-7)
        XCTAssertEqual(two[1], -0.125, accuracy: 1e-6)
    }

    /// torch.optim.Adagrad with `lr_decay`, `initial_accumulator_value`, L2 decay and ε outside the root.
    func testAdaGradFollowsTorchRecursion() {
        let lr = 0.5, decay = 0.1, s0 = 0.2, eps = 1e-10, wd = 0.01, h = 3.0
        let mine = quadraticTrajectory({ .adagrad($0, learningRate: lr, learningRateDecay: decay, eps: Float(eps),
                                                  initialAccumulatorValue: Float(s0), weightDecay: Float(wd)) },
                                       x0: -2, h: Float(h), steps: 15)
        var x = -2.0, s = s0
        for k in 0..<15 {
            let g = h * x + wd * x
            s += g * g
            x -= lr / (1 + Double(k) * decay) * g / (s.squareRoot() + eps)
            XCTAssertEqual(Double(mine[k]), x, accuracy: 1e-5 * max(1, abs(x)), "step \(k + 1)")
        }
    }

    /// torch.optim.RMSprop, plain and centred, with momentum: `v = αv + (1−α)g²`,
    /// `b = μb + g/(√(v − ḡ²) + ε)`, `x −= lr·b`.
    func testRMSPropFollowsTorchRecursion() {
        let lr = 0.01, alpha = 0.9, eps = 1e-3, mu = 0.5, h = 1.5
        for centered in [false, true] {
            let mine = quadraticTrajectory({ .rmsprop($0, learningRate: .constant(Float(lr)), alpha: alpha, eps: Float(eps),
                                                      momentum: Float(mu), centered: centered) },
                                           x0: 0.8, h: Float(h), steps: 15)
            var x = 0.8, v = 0.0, m = 0.0, b = 0.0
            for k in 0..<15 {
                let g = h * x
                v = alpha * v + (1 - alpha) * g * g
                m = m + (1 - alpha) * (g - m)
                let denominator = (centered ? (v - m * m) : v).squareRoot() + eps
                b = mu * b + g / denominator
                x -= lr * b
                XCTAssertEqual(Double(mine[k]), x, accuracy: 1e-5 * max(1, abs(x)), "centered \(centered) step \(k + 1)")
            }
        }
    }

    /// State bytes are exactly 4 bytes per element of every state tensor: none before the first
    /// step (state is allocated lazily, as torch does), then one buffer for momentum SGD, one for
    /// AdaGrad, one or two for RMSProp (+1 with momentum), two for Adam/AdamW, three for AMSGrad.
    func testStateBytesAreExact() {
        func params() -> [Parameter] { [Parameter("W", .zeros([30, 7])), Parameter("b", .zeros([7]))] }
        let elements = 30 * 7 + 7
        let cases: [(String, ([Parameter]) -> ChainedOptimizer, Int)] = [
            ("sgd", { .sgd($0, learningRate: 0.1) }, 0),
            ("sgd+wd", { .sgd($0, learningRate: 0.1, weightDecay: 0.1) }, 0),
            ("sgd+momentum", { .sgd($0, learningRate: 0.1, momentum: 0.9) }, 1),
            ("adagrad", { .adagrad($0) }, 1),
            ("rmsprop", { .rmsprop($0) }, 1),
            ("rmsprop centered+momentum", { .rmsprop($0, momentum: 0.9, centered: true) }, 3),
            ("adam", { .adam($0, weightDecay: 0.1) }, 2),
            ("adamw", { .adamW($0) }, 2),
            ("amsgrad", { .adam($0, amsgrad: true) }, 3),
            ("amsgrad (reference path)", { let o = ChainedOptimizer.adam($0, amsgrad: true); o.allowsFusion = false; return o }, 3),
        ]
        for (name, make, buffers) in cases {
            let ps = params()
            let opt = make(ps)
            XCTAssertEqual(opt.stateBytes, 0, name)
            for p in ps { p.grad = .ones(p.value.shape) }
            opt.applyGradients()
            XCTAssertEqual(opt.stateBytes, buffers * elements * 4, name)
            opt.applyGradients()
            XCTAssertEqual(opt.stateBytes, buffers * elements * 4, "\(name) after two steps")
        }
    }

    /// Two parameter groups with different learning rates (LoRA+'s A and B): with plain SGD each
    /// tensor moves by exactly its own group's rate times its gradient.
    func testGroupsUseTheirOwnLearningRates() {
        let a = Parameter("A", .ones([2, 3])), b = Parameter("B", .ones([3, 2]))
        let opt = ChainedOptimizer(groups: [
            ParameterGroup([a], transforms: Chains.sgd(), learningRate: 0.25),
            ParameterGroup([b], transforms: Chains.sgd(), learningRate: .schedule { Float($0) }),
        ])
        a.grad = .ones([2, 3]); b.grad = .ones([3, 2])
        opt.applyGradients()
        XCTAssertEqual(a.value.data, [Float](repeating: 0.75, count: 6))
        XCTAssertEqual(b.value.data, [Float](repeating: 0, count: 6))
        opt.applyGradients()  // the schedule gives rate 2 at step 2
        XCTAssertEqual(a.value.data, [Float](repeating: 0.5, count: 6))
        XCTAssertEqual(b.value.data, [Float](repeating: -2, count: 6))
        XCTAssertEqual(opt.parameters.map(\.name), ["A", "B"])
    }

    /// Deterministic pseudo-gradients for tensor tests, varying in sign and magnitude.
    /// (A cheap hash rather than a normal stream: the thread test fills half a million values.)
    func gradients(_ count: Int, step: Int, seed: Int) -> [Float] {
        (0..<count).map { i in
            let h = (i &* 2_654_435_761 &+ step &* 40_503 &+ seed &* 97) & 0xFFFF
            return (Float(h) / 32768 - 1) * (1 + Float(step % 3))
        }
    }

    /// Adam's update is invariant to a fixed positive diagonal rescaling of the gradient when
    /// ε = 0: m scales by cᵢ, √v by cᵢ, their ratio not at all.
    func testAdamInvariantToDiagonalGradientRescaling() {
        let n = 37
        var rng = SeededRandom(seed: 9, path: ["scales"])
        let scales = (0..<n).map { _ in Float(exp(4 * rng.uniform() - 2)) }  // c_i in [e⁻², e²]
        func run(scaled: Bool, amsgrad: Bool) -> [Float] {
            let p = Parameter("w", Tensor(shape: [n], data: (0..<n).map { Float($0) / 10 - 1 }))
            let opt = ChainedOptimizer.adam([p], learningRate: 0.05, eps: 0, amsgrad: amsgrad)
            for step in 1...25 {
                // a gradient that depends on the current point, as in training
                let noise = gradients(n, step: step, seed: 3)
                p.grad = Tensor(shape: [n], data: (0..<n).map { i in
                    (p.value.data[i] - 0.3 + 0.1 * noise[i]) * (scaled ? scales[i] : 1)
                })
                opt.applyGradients()
            }
            return p.value.data
        }
        for ams in [false, true] {
            let plain = run(scaled: false, amsgrad: ams), scaled = run(scaled: true, amsgrad: ams)
            for (x, y) in zip(plain, scaled) { XCTAssertEqual(x, y, accuracy: 2e-6, "amsgrad \(ams)") }
        }
        // The property is Adam's, not every optimizer's: SGD's trajectory does change.
        let p = Parameter("w", .ones([2])), q = Parameter("w", .ones([2]))
        let sp = ChainedOptimizer.sgd([p], learningRate: 0.1), sq = ChainedOptimizer.sgd([q], learningRate: 0.1)
        p.grad = Tensor(shape: [2], data: [1, 1]); q.grad = Tensor(shape: [2], data: [3, 1])
        sp.applyGradients(); sq.applyGradients()
        XCTAssertNotEqual(p.value.data[0], q.value.data[0])
    }

    /// Runs a few Adam/AdamW steps on one tensor and returns parameters and moments.
    func runAdam(count: Int, threads: Int, fused: Bool, decoupled: Bool, amsgrad: Bool, l2: Float = 0) -> [Float] {
        let saved = ElementwiseParallelism.threadCount
        ElementwiseParallelism.threadCount = threads
        defer { ElementwiseParallelism.threadCount = saved }
        let p = Parameter("w", Tensor(shape: [count], data: gradients(count, step: 0, seed: 5)))
        let opt = decoupled ? ChainedOptimizer.adamW([p], learningRate: 0.01, weightDecay: 0.1, amsgrad: amsgrad)
                            : ChainedOptimizer.adam([p], learningRate: 0.01, weightDecay: l2, amsgrad: amsgrad)
        opt.allowsFusion = fused
        for step in 1...3 {
            p.grad = Tensor(shape: [count], data: gradients(count, step: step, seed: 6))
            opt.applyGradients()
        }
        let adam = opt.groups[0].transforms.compactMap { $0 as? ScaleByAdam }[0]
        let s = adam.state(0)!
        return p.value.data + s.m.data + s.v.data + (s.vmax?.data ?? [])
    }

    /// The fused single-pass kernel gives the same bits as the chain run one transformation at a
    /// time, for Adam, Adam with L2 decay, AdamW and AMSGrad (odd length: exercises the tail).
    func testFusedAdamMatchesReferenceChainBitForBit() {
        for (decoupled, ams, l2) in [(false, false, Float(0)), (false, false, 0.05), (true, false, 0), (true, true, 0), (false, true, 0.05)] {
            let fused = runAdam(count: 1003, threads: 1, fused: true, decoupled: decoupled, amsgrad: ams, l2: l2)
            let reference = runAdam(count: 1003, threads: 1, fused: false, decoupled: decoupled, amsgrad: ams, l2: l2)
            XCTAssertEqual(fused, reference, "decoupled \(decoupled) amsgrad \(ams) l2 \(l2)")
        }
    }

    /// A tensor above the parallel threshold gives identical bits with 1, 2 and 3 threads.
    func testThreadCountDoesNotChangeResults() {
        let n = ElementwiseParallelism.minimumParallelCount + 77
        for ams in [false, true] {
            let one = runAdam(count: n, threads: 1, fused: true, decoupled: true, amsgrad: ams)
            XCTAssertEqual(one, runAdam(count: n, threads: 2, fused: true, decoupled: true, amsgrad: ams), "amsgrad \(ams)")
            XCTAssertEqual(one, runAdam(count: n, threads: 3, fused: true, decoupled: true, amsgrad: ams), "amsgrad \(ams)")
        }
    }

    /// The chunks cover every index exactly once, on 16-element boundaries.
    func testChunksPartitionTheRange() {
        let saved = ElementwiseParallelism.threadCount
        defer { ElementwiseParallelism.threadCount = saved }
        for threads in [1, 2, 3, 7] {
            ElementwiseParallelism.threadCount = threads
            let n = ElementwiseParallelism.minimumParallelCount + 5
            let lock = NSLock()
            var ranges: [Range<Int>] = []
            ElementwiseParallelism.forEachChunk(count: n) { r in lock.lock(); ranges.append(r); lock.unlock() }
            ranges.sort { $0.lowerBound < $1.lowerBound }
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, n)
            for (r, s) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(r.upperBound, s.lowerBound) }
            XCTAssertTrue(ranges.dropLast().allSatisfy { $0.upperBound % 16 == 0 })
            XCTAssertEqual(ranges.count, threads)
        }
    }
}
