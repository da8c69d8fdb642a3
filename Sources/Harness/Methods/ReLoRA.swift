import Foundation

// # ReLoRA's adapter (Lialin et al. 2023), the low-rank baseline of the memory-efficient papers
//
// A frozen weight `W₀ [n, m]` trained through `W₀ + A B`, `A [n, r]` uniform in `±1/√n`, `B = 0`
// (so the model starts at `W₀`); every restart merges `A B` into `W₀`, redraws `A` and zeroes `B`
// (the caller resets their optimizer state). Without ReLoRA's full-rank warm start and jagged
// learning-rate schedule: the variant SST's paper calls ReLoRA*.

/// ReLoRA's rank-`r` adapter for one weight.
public final class ReLoRAAdapter {
    public let a: Parameter, b: Parameter
    public let rank: Int

    public init(_ name: String, n: Int, m: Int, rank: Int, rng: SeededRandom) {
        self.rank = rank
        a = Parameter("\(name).A", Self.drawA(n, rank, rng))
        b = Parameter("\(name).B", .zeros([rank, m]))
    }

    static func drawA(_ n: Int, _ r: Int, _ rng: SeededRandom) -> Tensor<Float> {
        var g = rng, bound = 1 / Double(n).squareRoot()
        return Tensor(shape: [n, r], data: (0..<(n * r)).map { _ in Float(g.uniform(-bound, bound)) })
    }

    /// `W₀ + A B`.
    public func weight(_ w0: Tensor<Float>) -> Tensor<Float> {
        var w = w0
        w.data = zip(w.data, matmul(a.value, b.value).data).map { $0 + $1 }
        return w
    }

    /// `x (W₀ + A B)` on the tape, `W₀` a constant.
    public func apply(_ tape: Tape<Float>, _ x: Variable<Float>, frozen w0: Tensor<Float>) -> Variable<Float> {
        tape.add(tape.matmul(x, tape.constant(w0)), tape.matmul(tape.matmul(x, tape.parameter(a)), tape.parameter(b)))
    }

    /// A restart: returns the merged `W₀ + A B`, redraws `A` from `rng`, zeroes `B`.
    public func restart(_ w0: Tensor<Float>, rng: SeededRandom) -> Tensor<Float> {
        let merged = weight(w0)
        a.value = Self.drawA(a.value.shape[0], rank, rng)
        b.value = .zeros(b.value.shape)
        return merged
    }
}
