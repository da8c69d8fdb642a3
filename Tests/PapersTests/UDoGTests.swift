import Foundation
import XCTest
import Papers
@testable import AdaptiveMethods
import Harness

final class UDoGTests: XCTestCase {
    /// f(x) = ½ Σ h_i x_i²; records every point where the gradient is taken.
    final class Quadratic {
        let h: [Double]
        var points = [[Double]]()
        init(_ h: [Double]) { self.h = h }
        func gradient(_ x: [Double]) -> [Double] { zip(x, h).map { $0 * $1 } }
        func closure(_ p: Parameter) -> LossAndGradient {
            { [self] in
                let x = p.value.data.map(Double.init)
                points.append(x)
                p.grad = Tensor(shape: p.value.shape, data: gradient(x).map(Float.init))
                return Float(zip(x, h).reduce(0) { $0 + 0.5 * $1.1 * $1.0 * $1.0 })
            }
        }
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    static func axpy(_ x: [Double], _ a: Double, _ y: [Double]) -> [Double] { zip(x, y).map { $0 + a * $1 } }

    func assertClose(_ p: Parameter, _ expected: [Double], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        for (a, b) in zip(p.value.data, expected) { XCTAssertEqual(Double(a), b, accuracy: 1e-5 * max(1, abs(b)), message, file: file, line: line) }
    }

    /// DoG (`formll/dog`): r̄₀ = reps_rel(1+‖x₀‖), G₀ = ‖g₀‖² + ε, then r̄ = max(r̄, ‖x_t − x₀‖);
    /// with averaging the parameters hold the polynomial average (w₁ = 1, w₂ = 9/10).
    func testDoGStepsAndAveragingByHand() {
        let q = Quadratic([1, 4]), x0 = [1.0, -2.0], repsRel = 0.1, eps = 1e-8
        for averaged in [false, true] {
            let p = Parameter("x", Tensor(shape: [2], data: x0.map(Float.init)))
            let dog = DoGOptimizer([p], repsRel: repsRel, averaging: averaged ? 8 : nil)
            var rbar = repsRel * (1 + Self.norm(x0)), g = q.gradient(x0), G = Self.norm(g) * Self.norm(g) + eps
            let x1 = Self.axpy(x0, -rbar / G.squareRoot(), g)
            dog.step(q.closure(p))
            assertClose(p, x1, "step 1")
            g = q.gradient(x1); G += Self.norm(g) * Self.norm(g)
            rbar = max(rbar, Self.norm(Self.axpy(x1, -1, x0)))
            let x2 = Self.axpy(x1, -rbar / G.squareRoot(), g)
            dog.step(q.closure(p))
            XCTAssertEqual(q.points.last!, x1.map { Double(Float($0)) }, "the gradient is taken at the iterate, not the average")
            assertClose(p, averaged ? zip(x1, x2).map { 0.1 * $0 + 0.9 * $1 } : x2, "step 2")
            XCTAssertEqual(dog.stateBytes, (averaged ? 3 : 2) * 2 * 4)
            q.points = []
        }
    }

    /// One U-DoG iteration and the start of the next, by hand: the first query is x₀, the first
    /// move is c·r_ε, η_y ≤ η_x, and the third query is x̃₁ = (ω₁y₁ + ω₀x̂₀)/(ω₀ + ω₁).
    func testUDoGIterationByHand() {
        let q = Quadratic([1, 4, 0.25]), x0 = [1.0, -2.0, 0.5], repsRel = 0.05, c = 2.0
        let p = Parameter("x", Tensor(shape: [3], data: x0.map(Float.init)))
        let opt = UDoGOptimizer([p], c: c, repsRel: repsRel, eps: 0)
        let r0 = repsRel * (1 + Self.norm(x0))
        opt.step(q.closure(p))
        XCTAssertEqual(q.points[0], x0)
        XCTAssertEqual(opt.alpha, 1); XCTAssertEqual(opt.omega, r0, accuracy: 1e-15)
        let m0 = q.gradient(x0), gx = Self.norm(m0) * Self.norm(m0)
        let etaX = c * r0 / gx.squareRoot(), xHat0 = Self.axpy(x0, -etaX, m0)
        assertClose(p, xHat0, "x̂₀ = x₀ − η_x m₀")
        XCTAssertEqual(Self.norm(Self.axpy(xHat0, -1, x0)), c * r0, accuracy: 1e-12, "the first move is c·r_ε")
        opt.step(q.closure(p))
        XCTAssertEqual(q.points[1], p.value.data.map(Double.init), "g₀ is taken at x̂₀, which the parameters keep")
        let g0 = q.gradient(q.points[1]), gy = gx + Self.norm(Self.axpy(g0, -1, m0)) * Self.norm(Self.axpy(g0, -1, m0))
        XCTAssertEqual(opt.gy, gy, accuracy: 1e-9 * gy)
        XCTAssertLessThanOrEqual(opt.etaY, opt.etaX, "ordered accumulators")
        let y1 = Self.axpy(x0, -c * r0 / gy.squareRoot(), g0)
        let r1 = max(r0, Self.norm(Self.axpy(xHat0, -1, x0)), Self.norm(Self.axpy(y1, -1, x0)))
        opt.step(q.closure(p))
        XCTAssertEqual(opt.rbar, r1, accuracy: 1e-6 * r1)
        let alpha1 = (r0 + r1) / r1, omega1 = alpha1 * r1
        XCTAssertEqual(opt.alpha, alpha1, accuracy: 1e-6 * alpha1)
        let expected = zip(y1, xHat0).map { (omega1 * $0 + r0 * $1) / (r0 + omega1) }
        for (a, b) in zip(q.points[2], expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(opt.stateBytes, 3 * 3 * 4, "x₀, y and m")
    }

    func claim(_ id: String) -> Claim { UDoGPaper().claims.first { $0.id == id }! }

    func testRuleBranches() {
        func verdict(_ id: String, _ metric: String, _ cis: [(Double, Double, Double)]) -> Verdict {
            let keys = UDoGPaper.stochasticTasks.map { "\(id).\($0.key).\(metric)" }
            return claim(id).decide(AdaBeliefTests.evidence(Dictionary(uniqueKeysWithValues: zip(keys, cis)))).verdict
        }
        let within = (0.1, -0.1, 0.25), worse = (1.0, 0.6, 1.4), wide = (0.3, -0.5, 1.1)
        XCTAssertEqual(verdict("c2a", "log_gap_udog_minus_sgd", [within, within, within, worse]), .reproduced)
        XCTAssertEqual(verdict("c2a", "log_gap_udog_minus_sgd", [within, worse, worse, wide]), .notReproduced)
        XCTAssertEqual(verdict("c2b", "log_gap_udog_minus_dog", [(-0.3, -0.4, -0.2), (-0.3, -0.4, -0.2), (0, -0.04, 0.04), worse]), .reproduced)
        if case .inconclusive = verdict("c2b", "log_gap_udog_minus_dog", [within, within, within, within]) {} else { XCTFail("straddles") }
        func rate(_ ci: (Double, Double, Double)) -> Verdict {
            claim("c2c").decide(AdaBeliefTests.evidence(["c2c.slope_udog_minus_dog": ci])).verdict
        }
        XCTAssertEqual(rate((-0.8, -1.0, -0.6)), .reproduced)
        XCTAssertEqual(rate((0.3, 0.1, 0.5)), .notReproduced)
        for id in ["c1", "c3"] { if case .notTestable = claim(id).decide(Evidence()).verdict {} else { XCTFail(id) } }
    }

    /// The exact f* of least squares is a stationary point; the tiny run is deterministic and
    /// records every metric the rules read.
    func testTinyRunIsDeterministicAndFeedsEveryRule() throws {
        var ls = UDoGPaper.leastSquares(key: "t", label: "t", rows: 40, columns: 5, sigma: 0.5, scale: { 1 / Double($0 + 1) },
                                        rng: SeededRandom(seed: 1, path: ["udog test"]))
        ls.solve(iterations: 0)
        XCTAssertLessThanOrEqual(ls.optimum, ls.value([Double](repeating: 0.01, count: 5)))
        let paper = UDoGPaper()
        let context = RunContext(seed: 0, scale: .quick, slug: "u-dog")
        var settings = UDoGPaper.Settings(context)
        (settings.budget, settings.grid, settings.evaluationSeeds, settings.digitsLimit, settings.solveIterations) = (32, [0.01, 0.1], 2, 60, 20)
        settings.rateCheckpoints = [8, 16, 32]
        settings.network = nil
        let first = try paper.run(context, settings: settings)
        for claim in paper.claims { XCTAssertFalse(claim.decide(first.evidence).measured.isEmpty, claim.id) }
        let second = try paper.run(context, settings: settings)
        XCTAssertEqual(first.evidence.metrics, second.evidence.metrics)
    }

    func testTraceFactoriesValidateKeywords() throws {
        let params = [Parameter("p", Tensor(shape: [1], data: [0]))]
        for name in ["dog", "u-dog"] {
            let factory = try XCTUnwrap(UDoGPaper().traceOptimizers[name])
            XCTAssertNoThrow(try factory(TraceHyperparameters(optimizer: name, values: ["lr": .number(1), "reps_rel": .number(1e-4)]), params))
            for bad: [String: HyperparameterValue] in [["reps_rel": .number(0)], ["lr": .number(-1)], ["weight_decay": .number(0.1)], ["momentum": .number(0.9)]] {
                XCTAssertThrowsError(try factory(TraceHyperparameters(optimizer: name, values: bad), params), "\(name) \(bad)")
            }
        }
    }

    func testExcerptsResolve() throws {
        let found = try compiledExcerpts.excerpts(of: UDoGPaper())
        XCTAssertEqual(found.map(\.name), ["udog-step"])
        XCTAssertTrue(found[0].code.contains("class UDoGOptimizer"))
    }
}
