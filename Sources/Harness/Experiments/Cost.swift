import Foundation

// # Counted cost
//
// About forty papers in the catalog claim savings in FLOPs, bytes, queries or time. Counts are
// deterministic: the same run gives the same numbers on every machine, so they are metrics like
// any other and can be judged exactly. Seconds are not: a wall-time ratio is measured in the same
// run (both arms on the same machine, interleaved by the runner) and written to a separate,
// machine-dependent file, never into the byte-identical report or ledger.
//
// `CostMeter.measure` counts on the calling thread: every OpenBLAS matrix product the harness
// issues (`gemm`, `matmul`, and through them every linear layer and attention product) adds its
// `2·m·n·k` FLOPs, and training loops add the gradient and function evaluations they make.
// The runner measures every run, so `RunRecord.cost` is filled without a paper doing anything.

/// Deterministic counts of one run's work.
public struct Cost: Sendable, Equatable, Codable {
    /// Evaluations of a loss together with its gradient (SAM pays two per step).
    public var gradientEvaluations = 0
    /// Evaluations of a loss alone (line searches, zeroth-order methods).
    public var functionEvaluations = 0
    /// Floating-point operations in matrix products, `2·m·n·k` each.
    public var matmulFlops = 0

    public init(gradientEvaluations: Int = 0, functionEvaluations: Int = 0, matmulFlops: Int = 0) {
        self.gradientEvaluations = gradientEvaluations
        self.functionEvaluations = functionEvaluations
        self.matmulFlops = matmulFlops
    }

    public static func + (a: Cost, b: Cost) -> Cost {
        Cost(gradientEvaluations: a.gradientEvaluations + b.gradientEvaluations,
             functionEvaluations: a.functionEvaluations + b.functionEvaluations,
             matmulFlops: a.matmulFlops + b.matmulFlops)
    }
}

/// Counts cost on the calling thread while a closure runs (nested measurements add up).
public enum CostMeter {
    final class Box { var cost = Cost() }

    nonisolated(unsafe) static var key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static var current: Box? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `body` and returns what it counted. An enclosing measurement also counts it.
    public static func measure<T>(_ body: () throws -> T) rethrows -> (value: T, cost: Cost) {
        let outer = current
        let box = Box()
        pthread_setspecific(key, Unmanaged.passUnretained(box).toOpaque())
        defer {
            pthread_setspecific(key, outer.map { Unmanaged.passUnretained($0).toOpaque() })
            if let outer { outer.cost = outer.cost + box.cost }
        }
        let value = try withExtendedLifetime(box) { try body() }
        return (value, box.cost)
    }

    /// Counts `n` loss-and-gradient evaluations (no-op outside a measurement).
    public static func countGradientEvaluations(_ n: Int = 1) { current?.cost.gradientEvaluations += n }
    /// Counts `n` loss-only evaluations.
    public static func countFunctionEvaluations(_ n: Int = 1) { current?.cost.functionEvaluations += n }
    /// Counts a matrix product of an `m×k` and a `k×n` matrix.
    public static func countMatmul(m: Int, n: Int, k: Int) { current?.cost.matmulFlops += 2 * m * n * k }
}

/// Wall-clock seconds measured in the same run, for speed claims: machine-dependent, written to
/// `timing/<slug>.json` beside the reports (not committed) and never into a report or ledger.
public struct TimingRecord: Codable, Equatable, Sendable {
    public var claim: String
    public var arm: String
    /// Mean seconds per evaluation run.
    public var secondsPerRun: Double
    public var runs: Int
}
