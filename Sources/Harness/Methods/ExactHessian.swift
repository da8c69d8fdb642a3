// # Exact Hessian-vector products of a model's loss
//
// The operator beside ``Hessian/vectorProduct(_:_:h:lossAndGradient:)``: the same `Hv`, computed
// by forward-over-reverse differentiation of the tape (`Autodiff/SecondOrder.swift`) instead of a
// central difference of two gradients. Same cost (about two gradient evaluations), no step size,
// no O(h²) error, and no dependence on which ReLU kinks a step of size h happens to cross: for a
// ReLU network it is the Hessian of the smooth piece with every gate fixed, the one
// ``MLP/lossAndGradient(_:labels:frozenGates:)`` approximates by differences.

extension Hessian {
    // excerpt: exact-hessian-vector-product
    /// The exact $Hv = \partial_\varepsilon \nabla L(w + \varepsilon v)|_0$ at the parameters'
    /// current values $w$, one tensor per parameter, where `loss` records the scalar loss on the
    /// tape it is given (binding the parameters with `tape.parameter(_:)`). Parameters the loss
    /// never binds get zero products. Neither the parameters' values nor their `grad`s change.
    ///
    /// Every op between the parameters and the loss needs a second-order rule (the MLP op set:
    /// matmul, addBias, add, activations, softmax cross-entropy, mean squared error; see
    /// ``Tape/hessianVectorProduct(of:at:along:seed:)``); another op stops with an error.
    public static func exactVectorProduct(_ parameters: [Parameter], _ v: [Tensor<Float>],
                                          loss: (Tape<Float>) -> Variable<Float>) -> [Tensor<Float>] {
        precondition(v.count == parameters.count, "one direction tensor per parameter")
        let tape = Tape<Float>()
        tape.recordSecondOrder()
        let value = loss(tape)
        return tape.hessianVectorProduct(of: value, parameters: parameters, along: v)
    }
    // end excerpt

    /// Both ends of the Hessian spectrum by `steps` Lanczos iterations on the exact operator
    /// ``exactVectorProduct(_:_:loss:)`` (as ``lanczos(_:steps:h:rng:lossAndGradient:)`` does on
    /// central differences, from the same start vector for the same `rng`). Costs about
    /// `2 × steps` gradient evaluations; the parameters are left untouched.
    public static func lanczos(_ parameters: [Parameter], steps: Int, rng: inout SeededRandom,
                               loss: (Tape<Float>) -> Variable<Float>) throws -> Spectrum {
        try lanczos(shapes: parameters.map(\.value.shape), steps: steps, rng: &rng) {
            exactVectorProduct(parameters, $0, loss: loss)
        }
    }
}

extension Classifier {
    /// The exact Hessian-vector product of the mean cross-entropy on (`input`, `labels`) with
    /// respect to ``TrainableModel/trainableParameters`` along `v` (one tensor per trainable
    /// parameter), at their current values: the curvature of the loss ``lossAndGradient(_:labels:)``
    /// evaluates. The parameters' values and `grad`s are left untouched.
    public func hessianVectorProduct(_ input: Tensor<Float>, labels: [Int], along v: [Tensor<Float>]) -> [Tensor<Float>] {
        Hessian.exactVectorProduct(trainableParameters, v) { tape in loss(tape, input, labels: labels) }
    }
}
