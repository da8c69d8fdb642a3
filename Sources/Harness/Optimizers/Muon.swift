import Foundation

// # Muon: momentum orthogonalised by Newton–Schulz
//
// Muon (Keller Jordan et al., 2024) trains the hidden weight matrices of a network with
//
//     B ← μ B + (1 − μ) G                        (momentum, torch's lerp)
//     U ← μ B + (1 − μ) G   (Nesterov)   or  B
//     O ← NewtonSchulz(U) ≈ U (UᵀU)^(−1/2)       (the nearest semi-orthogonal matrix, U's polar factor)
//     W ← W − η · √max(1, rows/cols) · O          (and decoupled decay W ← (1 − η λ) W)
//
// and every other tensor (biases, gains, embeddings, the output head) with AdamW. The
// orthogonaliser is a quintic iteration X ← aX + (bA + cA²)X with A = XXᵀ, after normalising X
// by its Frobenius norm (so every singular value is ≤ 1) and transposing tall matrices (so A is
// the smaller Gram matrix). The coefficients (a, b, c) = (3.4445, −4.7750, 2.0315) are not those
// of the convergent Newton–Schulz iteration: they maximise the slope at zero, so five steps push
// every singular value into roughly [0.7, 1.2] rather than exactly to 1.
//
// The pieces are separate so that variants show only their delta: ``NewtonSchulz/orthogonalize``
// (a function of the matrix, coefficients and steps), ``ScaleByMuon`` (momentum → a direction
// function → shape scaling), and ``Muon/optimizer`` (the two parameter groups). The reference
// implementations (torch.optim.Muon, pytorch-optimizer's Muon) run the iteration in bfloat16;
// ``NewtonSchulz/Arithmetic/bfloat16`` rounds after every operation as they do, which is what
// matching their trajectories takes (float32 arithmetic differs by ~1e-3 after one step).

/// The quintic Newton–Schulz orthogonaliser of Muon.
public enum NewtonSchulz {
    /// One step's coefficients: `X ← aX + (bA + cA²)X`, `A = XXᵀ`.
    public struct Coefficients: Sendable, Equatable {
        public var a: Float, b: Float, c: Float
        public init(_ a: Float, _ b: Float, _ c: Float) { (self.a, self.b, self.c) = (a, b, c) }
        /// Keller Jordan's coefficients, used by every reference implementation.
        public static let muon = Coefficients(3.4445, -4.7750, 2.0315)
    }

    /// The arithmetic of the iteration.
    public enum Arithmetic: Sendable {
        /// Float32 throughout.
        case float32
        /// Every intermediate rounded to bfloat16 (round to nearest even), products accumulated in
        /// float32 as torch's CPU kernels do: the reference implementations' arithmetic.
        case bfloat16
    }

    /// The approximate polar factor of `g` (any rank ≥ 1; viewed as `shape[0] × rest`), in `g`'s shape.
    ///
    /// - Parameters:
    ///   - coefficients: one triple per step; the last is reused when there are fewer than `steps`.
    ///   - steps: iterations (Muon: 5).
    ///   - eps: lower bound of the normalising Frobenius norm.
    public static func orthogonalize(_ g: Tensor<Float>, coefficients: [Coefficients] = [.muon], steps: Int = 5,
                                     eps: Float = 1e-7, arithmetic: Arithmetic = .bfloat16) -> Tensor<Float> {
        precondition(!coefficients.isEmpty && steps >= 0, "Newton–Schulz needs coefficients and steps ≥ 0")
        let rows = g.shape.first ?? 1, columns = g.count / max(rows, 1)
        let round: (inout Tensor<Float>) -> Void = arithmetic == .bfloat16 ? { roundToBFloat16(&$0) } : { _ in }
        var x = Tensor(shape: [rows, columns], data: g.data)
        round(&x)
        let tall = rows > columns
        if tall { x = x.transposed }
        // Normalise by the Frobenius norm first: every singular value is then at most 1.
        var norm = Tensor(scalar: Float(x.data.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()))
        round(&norm)
        let scale = max(norm.data[0], eps)
        x.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] /= scale } }
        round(&x)
        let n = x.shape[0]
        var a = Tensor<Float>.zeros([n, n]), b = Tensor<Float>.zeros([n, n])
        for step in 0..<steps {
            let k = coefficients[min(step, coefficients.count - 1)]
            gemm(x, x, into: &a, transposeB: true)                   // A = XXᵀ
            round(&a)
            b = a
            gemm(a, a, into: &b, alpha: k.c, beta: k.b)              // B = bA + cA²
            round(&b)
            var next = x
            gemm(b, x, into: &next, alpha: 1, beta: k.a)             // X = aX + BX
            round(&next)
            x = next
        }
        if tall { x = x.transposed }
        return Tensor(shape: g.shape, data: x.data)
    }

    /// Rounds every element to the nearest bfloat16 (ties to even), kept in Float storage.
    public static func roundToBFloat16(_ t: inout Tensor<Float>) {
        t.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices where p[i].isFinite {
                let bits = p[i].bitPattern
                let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000
                p[i] = Float(bitPattern: rounded)
            }
        }
    }
}

// excerpt: scale-by-muon
/// Muon's scaling of a matrix's update: Nesterov momentum, then a direction function (Muon:
/// Newton–Schulz orthogonalisation), then the shape scaling. The optimizer's learning rate `η`
/// multiplies the result. State: one momentum buffer per tensor.
///
///     B ← B + (1 − μ)(G − B)                      (torch's lerp)
///     U ← B − (1 − μ)(B − G)   if Nesterov, else B
///     u ← s(rows, cols) · direction(U)
public final class ScaleByMuon: GradientTransformation {
    /// The learning-rate multiplier by shape.
    public enum ShapeScaling: Sendable {
        /// Keller Jordan's `√max(1, rows/cols)` (torch's `adjust_lr_fn = "original"`).
        case original
        /// Moonlight's `0.2·√max(rows, cols)`, which matches AdamW's update RMS.
        case matchRMSAdamW
        /// No scaling.
        case none

        public func factor(rows: Int, columns: Int) -> Float {
            switch self {
            case .original: return Float(max(1, Double(rows) / Double(columns)).squareRoot())
            case .matchRMSAdamW: return Float(0.2 * Double(max(rows, columns)).squareRoot())
            case .none: return 1
            }
        }
    }

    public let momentum: Float, nesterov: Bool, scaling: ShapeScaling
    /// The direction taken from the momentum (Muon: ``NewtonSchulz/orthogonalize``).
    public let direction: (Tensor<Float>) -> Tensor<Float>
    public let state = PerTensorState(slots: 1)

    public init(momentum: Float = 0.95, nesterov: Bool = true, scaling: ShapeScaling = .original,
                direction: @escaping (Tensor<Float>) -> Tensor<Float> = { NewtonSchulz.orthogonalize($0) }) {
        (self.momentum, self.nesterov, self.scaling, self.direction) = (momentum, nesterov, scaling, direction)
    }

    public func update(_ u: inout Tensor<Float>, parameter: Tensor<Float>, index: Int, step: Int) {
        let keep = Float(1 - Double(momentum)), nesterov = self.nesterov, w = momentum
        state.update(&u, index: index) { g, b in
            b = b + keep * (g - b)
            g = nesterov ? b - (b - g) * (1 - w) : b          // torch's g.lerp(b, μ) for μ ≥ 0.5
        }
        let rows = u.shape.first ?? 1
        let factor = scaling.factor(rows: rows, columns: u.count / max(rows, 1))
        u = direction(u)
        if factor != 1 { u.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= factor } } }
    }

    public var stateBytes: Int { state.bytes }
}
// end excerpt

// excerpt: muon-optimizer
/// Muon as the reference implementations use it: hidden matrices take the matrix method,
/// everything else (biases, gains, embeddings, the output head) AdamW.
public enum Muon {
    /// The AdamW settings of the non-matrix tensors (pytorch-optimizer's `adamw_*` defaults).
    public struct AuxiliaryAdamW: Sendable {
        public var learningRate: Float = 3e-4, beta1 = 0.9, beta2 = 0.95, eps: Float = 1e-10, weightDecay: Float = 0
        public init(learningRate: Float = 3e-4, beta1: Double = 0.9, beta2: Double = 0.95, eps: Float = 1e-10, weightDecay: Float = 0) {
            (self.learningRate, self.beta1, self.beta2, self.eps, self.weightDecay) = (learningRate, beta1, beta2, eps, weightDecay)
        }
    }

    /// Whether `p` takes the matrix method: its `use_muon` option when set, else rank ≥ 2 and not
    /// an embedding or the output head (named `embed…` / `head…`), as Keller Jordan's recipe.
    public static func takesMatrixMethod(_ p: Parameter) -> Bool {
        if let flag = p.options["use_muon"] { return flag != 0 }
        return p.value.rank >= 2 && !p.name.hasPrefix("embed") && !p.name.hasPrefix("head")
    }

    /// The two-group optimizer: `matrix` (a fresh ``ScaleByMuon`` or a variant) on the hidden
    /// matrices at `learningRate` with weight decay `λ` (decoupled: `W ← (1 − ηλ)W`; coupled:
    /// added to the gradient), AdamW on the rest.
    public static func optimizer(_ parameters: [Parameter], learningRate: LearningRate, weightDecay: Float = 0,
                                 decoupled: Bool = true, matrix: GradientTransformation = ScaleByMuon(),
                                 adamW: AuxiliaryAdamW = AuxiliaryAdamW()) -> ChainedOptimizer {
        let hidden = parameters.filter(takesMatrixMethod), rest = parameters.filter { !takesMatrixMethod($0) }
        let decay: [GradientTransformation] = weightDecay == 0 ? [] : [AddDecayedWeights(weightDecay)]
        var groups = [ParameterGroup]()
        if !hidden.isEmpty {
            groups.append(ParameterGroup(hidden, transforms: decoupled ? [matrix] + decay : decay + [matrix], learningRate: learningRate))
        }
        if !rest.isEmpty {
            groups.append(ParameterGroup(rest, transforms: Chains.adamW(beta1: adamW.beta1, beta2: adamW.beta2, eps: adamW.eps,
                                                                        weightDecay: adamW.weightDecay),
                                         learningRate: .constant(adamW.learningRate)))
        }
        return ChainedOptimizer(groups: groups)
    }
}
// end excerpt

// MARK: - Trace factory

extension Muon {
    /// `reproduce trace`'s `muon`: torch.optim.Muon's and pytorch-optimizer's keywords (`ns_coefficients`
    /// or `ns_coeffs` as a flat list of triples, `eps` of the normalisation, `adjust_lr_fn` or
    /// `use_adjusted_lr`, the `adamw_*` settings), the per-tensor option `use_muon`.
    public static let traceFactory: TraceOptimizerFactory = { h, params in
        try h.accept(["lr", "momentum", "nesterov", "weight_decay", "weight_decouple", "ns_steps", "ns_coefficients", "ns_coeffs",
                      "eps", "adjust_lr_fn", "use_adjusted_lr", "adamw_lr", "adamw_betas", "adamw_wd", "adamw_eps"])
        // The optimizer's own keys first (torch checks them when the optimizer is built), then the tensors' options.
        let lr = try h.float("lr", default: 0.02), weightDecay = try h.float("weight_decay", default: 0)
        try h.acceptGroups(["use_muon": .bool])
        let momentum = try h.number("momentum", default: 0.95)
        guard momentum < 1 else {
            throw TraceError.invalidHyperparameter("momentum", optimizer: h.optimizer, expected: "0 <= momentum < 1")
        }
        let steps = try h.int("ns_steps", default: 5)
        guard (1...100).contains(steps) else {
            throw TraceError.invalidHyperparameter("ns_steps", optimizer: h.optimizer, expected: "a whole number from 1 to 100")
        }
        if h.values["ns_coefficients"] != nil && h.values["ns_coeffs"] != nil {
            throw TraceError.invalidHyperparameter("ns_coeffs", optimizer: h.optimizer, expected: "not given together with 'ns_coefficients'")
        }
        let key = h.values["ns_coeffs"] != nil ? "ns_coeffs" : "ns_coefficients"
        let flat = try h.numbers(key, default: [3.4445, -4.7750, 2.0315])
        guard !flat.isEmpty, flat.count % 3 == 0 else {
            throw TraceError.invalidHyperparameter(key, optimizer: h.optimizer, expected: "a flat list of (a, b, c) triples")
        }
        let coefficients = stride(from: 0, to: flat.count, by: 3).map { NewtonSchulz.Coefficients(Float(flat[$0]), Float(flat[$0 + 1]), Float(flat[$0 + 2])) }
        let eps = try h.float("eps", default: 1e-7)
        let adjust = try h.text("adjust_lr_fn", default: "original")
        guard ["original", "match_rms_adamw"].contains(adjust) else {
            throw TraceError.invalidHyperparameter("adjust_lr_fn", optimizer: h.optimizer, expected: "'original' or 'match_rms_adamw'")
        }
        let scaling: ScaleByMuon.ShapeScaling = try h.bool("use_adjusted_lr", default: false) || adjust == "match_rms_adamw" ? .matchRMSAdamW : .original
        let (b1, b2) = try h.pair("adamw_betas", default: (0.9, 0.95))
        for (name, beta) in [("adamw_betas", b1), ("adamw_betas", b2)] where !(0..<1).contains(beta) {
            throw TraceError.invalidHyperparameter(name, optimizer: h.optimizer, expected: "0 <= beta < 1")
        }
        let adamW = AuxiliaryAdamW(learningRate: try h.float("adamw_lr", default: 3e-4), beta1: b1, beta2: b2,
                                   eps: try h.float("adamw_eps", default: 1e-10), weightDecay: try h.float("adamw_wd", default: 0))
        guard adamW.learningRate >= 0, adamW.eps >= 0, adamW.weightDecay >= 0 else {
            throw TraceError.invalidHyperparameter("adamw_lr", optimizer: h.optimizer, expected: "adamw_lr, adamw_eps, adamw_wd >= 0")
        }
        let matrix = ScaleByMuon(momentum: Float(momentum), nesterov: try h.bool("nesterov", default: true), scaling: scaling) {
            NewtonSchulz.orthogonalize($0, coefficients: coefficients, steps: steps, eps: eps)
        }
        return optimizer(params, learningRate: .constant(lr), weightDecay: weightDecay,
                         decoupled: try h.bool("weight_decouple", default: true), matrix: matrix, adamW: adamW)
    }
}
