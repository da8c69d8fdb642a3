/// # Branch-free elementwise kernels
///
/// Written so LLVM turns them into vector selects (`maxps`, `cmpps`/`andps`): every element is
/// loaded unconditionally and stored unconditionally into a *separate* output buffer. The in-place
/// `x[i] = x[i] > 0 ? x[i] : 0` compiles to a conditional store (a branch per element, which
/// mispredicts on random signs and is not vectorised); it was the largest non-BLAS cost of an MLP
/// training step. Explicit generic `SIMD16` masks are worse still: `replace(with:where:)` lowers
/// to a per-lane loop through the stack.

/// A new array of `count` elements filled by `body` (which must write all of them).
@inlinable
func filledArray<S>(count: Int, _ body: (UnsafeMutableBufferPointer<S>) -> Void) -> [S] {
    [S](unsafeUninitializedCapacity: count) { buffer, initialized in
        body(buffer)
        initialized = count
    }
}

/// `max(x, 0)` elementwise into a new array (NaN stays NaN).
@inlinable
func reluForward<S: TensorScalar>(_ x: [S]) -> [S] {
    x.withUnsafeBufferPointer { xx in
        filledArray(count: xx.count) { out in
            for i in 0..<xx.count { let v = xx[i]; out[i] = v < 0 ? 0 : v }
        }
    }
}

/// `y > 0 ? g : 0` elementwise into a new array: the ReLU pullback given its output `y`.
@inlinable
func reluBackward<S: TensorScalar>(_ g: [S], output y: [S]) -> [S] {
    precondition(g.count == y.count)
    return g.withUnsafeBufferPointer { gg in
        y.withUnsafeBufferPointer { yy in
            filledArray(count: gg.count) { out in
                for i in 0..<gg.count { let gv = gg[i], yv = yy[i]; out[i] = yv > 0 ? gv : 0 }
            }
        }
    }
}
