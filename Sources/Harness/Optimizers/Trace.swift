import Foundation

// # Trajectories on small problems (`reproduce trace`)
//
// A trace runs one optimizer for a few steps on a tiny deterministic problem, least squares or
// Rosenbrock, and records the loss and every parameter after each step. Reference libraries
// (torch.optim, pytorch-optimizer, bitsandbytes) recorded the same trajectories, so comparing the
// two proves an implementation right value by value. The problem format and the output are
// those of the reference set's README:
//
//     least squares:  f(X) = Σ_tensors ½ ‖A X − B‖²_F / n,   ∇f = Aᵀ(A X − B) / n
//     Rosenbrock:     f(x, y) = (a − x)² + b (y − x²)²
//
// Losses and gradients are computed analytically in Float32, as the references did with autograd.

// MARK: - Errors

/// Why a trace problem was rejected. Each description is one line that names the offending
/// field; the CLI prints it and exits with code 2.
public enum TraceError: Error, Equatable, CustomStringConvertible {
    /// `optimizer.name` is not in the table of trace optimizers.
    case unknownOptimizer(String, accepted: [String])
    /// A key of `optimizer.hyperparams` the optimizer does not take.
    case unknownHyperparameter(String, optimizer: String, accepted: [String])
    /// A known hyperparameter with a value of the wrong type or range.
    case invalidHyperparameter(String, optimizer: String, expected: String)
    /// A known hyperparameter outside the range torch accepts; `torch` is torch's own wording
    /// (`Invalid learning rate: -0.1`), `field` the exact place (`optimizer.hyperparams.betas[1]`).
    case outOfRange(String, optimizer: String, field: String, torch: String, requirement: String)
    /// A key of a tensor's `group` the optimizer does not take (`accepted` empty: it takes none).
    case unknownGroupOption(String, tensor: Int, optimizer: String, accepted: [String])
    /// A known key of a tensor's `group` with a value of the wrong type or range.
    case invalidGroupOption(String, tensor: Int, optimizer: String, expected: String, accepted: [String])
    /// A field of the problem file that is missing or malformed.
    case malformed(field: String, reason: String)
    /// The problem file could not be read.
    case unreadable(path: String, reason: String)
    /// The output file could not be written.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownOptimizer(name, accepted):
            return "unknown optimizer '\(name)' in field 'optimizer.name'; accepted: \(accepted.sorted().joined(separator: ", "))"
        case let .unknownHyperparameter(name, optimizer, accepted):
            return "unknown hyperparameter '\(name)' for optimizer '\(optimizer)' in field 'optimizer.hyperparams'; accepted: \(accepted.sorted().joined(separator: ", "))"
        case let .invalidHyperparameter(name, optimizer, expected):
            return "invalid hyperparameter '\(name)' for optimizer '\(optimizer)' in field 'optimizer.hyperparams.\(name)': expected \(expected)"
        case let .outOfRange(name, optimizer, field, torch, requirement):
            return "invalid hyperparameter '\(name)' for optimizer '\(optimizer)' in field '\(field)': \(torch) (torch requires \(requirement))"
        case let .unknownGroupOption(key, tensor, optimizer, accepted):
            guard !accepted.isEmpty else {
                return "unknown per-tensor option '\(key)' in field 'params[\(tensor)].group': optimizer '\(optimizer)' takes no per-tensor options"
            }
            return "unknown per-tensor option '\(key)' for optimizer '\(optimizer)' in field 'params[\(tensor)].group'; accepted: \(accepted.sorted().joined(separator: ", "))"
        case let .invalidGroupOption(key, tensor, optimizer, expected, accepted):
            return "invalid per-tensor option '\(key)' for optimizer '\(optimizer)' in field 'params[\(tensor)].group.\(key)': expected \(expected); accepted keys: \(accepted.sorted().joined(separator: ", "))"
        case let .malformed(field, reason):
            return "malformed problem: field '\(field)': \(reason)"
        case let .unreadable(path, reason):
            return "cannot read problem file '\(path)': \(reason)"
        case let .unwritable(path, reason):
            return "cannot write '\(path)': \(reason)"
        }
    }
}

// MARK: - TraceHyperparameters

/// One hyperparameter value as written in a problem file.
public enum HyperparameterValue: Equatable, Sendable {
    case number(Double)
    case bool(Bool)
    case numbers([Double])
    case text(String)
}

/// How a per-tensor option in a problem's `params[i].group` must look.
public enum TraceGroupOption: Equatable, Sendable {
    /// A whole number in the range.
    case wholeNumber(ClosedRange<Int>)
    /// A finite number.
    case number
    /// `true` or `false`.
    case bool
    /// One of the strings.
    case choice([String])

    var expected: String {
        switch self {
        case .wholeNumber(let range): return "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .number: return "a finite number"
        case .bool: return "true or false"
        case .choice(let names): return "one of \(names.map { "'\($0)'" }.joined(separator: ", "))"
        }
    }

    func admits(_ value: HyperparameterValue) -> Bool {
        switch (self, value) {
        case let (.wholeNumber(range), .number(x)):
            return x == x.rounded() && x >= Double(range.lowerBound) && x <= Double(range.upperBound)
        case let (.number, .number(x)): return x.isFinite
        case (.bool, .bool): return true
        case let (.choice(names), .text(s)): return names.contains(s)
        default: return false
        }
    }
}

/// An optimizer's hyperparameters by the reference library's keyword names, with typed,
/// validating accessors for factories.
///
/// Every accessor also applies torch's range check for the keyword (``torchRanges``: a negative
/// `lr`, `eps` or `weight_decay`, a beta outside [0, 1), ...), so each factory, baseline or
/// paper, rejects what torch rejects without repeating the checks.
public struct TraceHyperparameters {
    /// The project name of the optimizer these belong to (used in error messages).
    public let optimizer: String
    /// The values as given.
    public let values: [String: HyperparameterValue]
    /// Each tensor's `group` (per-tensor options), in the order of the problem's `params`;
    /// ``TraceProblem/run(optimizers:)`` fills it from the problem.
    public let groups: [[String: HyperparameterValue]]
    /// The problem's exact Hessian diagonal at the parameters' current values (one tensor per
    /// parameter), for optimizers that precondition with it (`sophia`, as the goldens recorded
    /// it with `hessian_source: exact`); ``TraceProblem/run(optimizers:)`` sets it.
    public var hessianDiagonal: (([Parameter]) -> [Tensor<Float>])?
    public init(optimizer: String, values: [String: HyperparameterValue], groups: [[String: HyperparameterValue]] = []) {
        self.optimizer = optimizer
        self.values = values
        self.groups = groups
    }

    /// Throws ``TraceError/unknownHyperparameter(_:optimizer:accepted:)`` for the first key (in
    /// sorted order) not in `accepted`.
    public func accept(_ accepted: [String]) throws {
        for key in values.keys.sorted() where !accepted.contains(key) {
            throw TraceError.unknownHyperparameter(key, optimizer: optimizer, accepted: accepted)
        }
    }

    /// Checks every tensor's `group` against the per-tensor options the optimizer takes: an
    /// unknown key, or a value of the wrong type or range, throws naming `params[i].group.<key>`
    /// and the accepted keys. Factories of optimizers with per-tensor options (GaLore's `rank`,
    /// Muon's `use_muon`) call it first. An optimizer without any ignores `group`, as torch keeps
    /// extra keys of a parameter group, so one problem file serves GaLore and its AdamW baseline.
    public func acceptGroups(_ accepted: [String: TraceGroupOption]) throws {
        let names = accepted.keys.sorted()
        for (tensor, group) in groups.enumerated() {
            for key in group.keys.sorted() {
                guard let option = accepted[key] else {
                    throw TraceError.unknownGroupOption(key, tensor: tensor, optimizer: optimizer, accepted: names)
                }
                guard option.admits(group[key]!) else {
                    throw TraceError.invalidGroupOption(key, tensor: tensor, optimizer: optimizer,
                                                        expected: "\(option.expected), got \(group[key]!.json)", accepted: names)
                }
            }
        }
    }

    /// torch's range checks by keyword, worded as torch words them (`torch.optim.Adam`,
    /// `Adagrad`, `RMSprop`, `SGD`; pytorch-optimizer's `SAM` for `rho`). Keys absent here are
    /// only required to be finite.
    public static let torchRanges: [String: (name: String, requirement: String, admits: @Sendable (Double) -> Bool)] = [
        "lr": ("learning rate", "lr >= 0", { $0 >= 0 }),
        "eps": ("epsilon value", "eps >= 0", { $0 >= 0 }),
        "weight_decay": ("weight_decay value", "weight_decay >= 0", { $0 >= 0 }),
        "momentum": ("momentum value", "momentum >= 0", { $0 >= 0 }),
        "alpha": ("alpha value", "alpha >= 0", { $0 >= 0 }),
        "lr_decay": ("lr_decay value", "lr_decay >= 0", { $0 >= 0 }),
        "initial_accumulator_value": ("initial_accumulator_value value", "initial_accumulator_value >= 0", { $0 >= 0 }),
        "rho": ("rho", "rho >= 0", { $0 >= 0 }),
        "perturb_eps": ("perturb_eps", "perturb_eps >= 0", { $0 >= 0 }),
        "betas": ("beta parameter", "0 <= beta < 1", { $0 >= 0 && $0 < 1 }),
    ]

    /// Throws ``TraceError/outOfRange(_:optimizer:field:torch:requirement:)`` when torch would
    /// reject `x` for `key` (element `index` of a list).
    private func checkRange(_ key: String, _ x: Double, index: Int? = nil) throws {
        guard let range = Self.torchRanges[key], !range.admits(x) else { return }
        let at = index.map { " at index \($0)" } ?? ""
        throw TraceError.outOfRange(key, optimizer: optimizer, field: "optimizer.hyperparams.\(key)" + (index.map { "[\($0)]" } ?? ""),
                                    torch: "Invalid \(range.name)\(at): \(x)", requirement: range.requirement)
    }

    private func invalid(_ key: String, _ expected: String) -> TraceError {
        .invalidHyperparameter(key, optimizer: optimizer, expected: expected)
    }

    /// A number (Double), or `default` when absent.
    public func number(_ key: String, default value: Double) throws -> Double {
        guard let v = values[key] else { return value }
        guard case .number(let x) = v, x.isFinite else { throw invalid(key, "a finite number") }
        try checkRange(key, x)
        return x
    }

    /// A number rounded to Float32, as torch rounds a Python float for a Float32 kernel.
    public func float(_ key: String, default value: Float) throws -> Float {
        guard values[key] != nil else { return value }
        let x = Float(try number(key, default: 0))
        guard x.isFinite else { throw invalid(key, "a number within the float32 range (magnitude below 3.4e38)") }
        return x
    }

    /// The largest whole number ``int(_:default:)`` reads.
    public static let wholeNumberCap = 1_000_000_000

    /// A whole number.
    public func int(_ key: String, default value: Int) throws -> Int {
        guard values[key] != nil else { return value }
        let x = try number(key, default: 0)
        guard x == x.rounded(), abs(x) <= Double(Self.wholeNumberCap) else {
            throw invalid(key, "a whole number of at most \(Self.wholeNumberCap) in size")
        }
        return Int(x)
    }

    /// `true` or `false`.
    public func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let v = values[key] else { return value }
        guard case .bool(let b) = v else { throw invalid(key, "true or false") }
        return b
    }

    /// A list of numbers.
    public func numbers(_ key: String, default value: [Double]) throws -> [Double] {
        guard let v = values[key] else { return value }
        guard case .numbers(let xs) = v, xs.allSatisfy(\.isFinite) else { throw invalid(key, "a list of numbers") }
        for (i, x) in xs.enumerated() { try checkRange(key, x, index: i) }
        return xs
    }

    /// A list of exactly two numbers (`betas`).
    public func pair(_ key: String, default value: (Double, Double)) throws -> (Double, Double) {
        guard values[key] != nil else { return value }
        let xs = try numbers(key, default: [])
        guard xs.count == 2 else { throw invalid(key, "a list of two numbers") }
        return (xs[0], xs[1])
    }

    /// A string.
    public func text(_ key: String, default value: String) throws -> String {
        guard let v = values[key] else { return value }
        guard case .text(let s) = v else { throw invalid(key, "a string") }
        return s
    }
}

extension HyperparameterValue {
    /// The value as it would be written in the problem file, for error messages.
    var json: String {
        switch self {
        case .number(let x): return formatNumber(x)
        case .bool(let b): return "\(b)"
        case .numbers(let xs): return "[" + xs.map(formatNumber).joined(separator: ", ") + "]"
        case .text(let s): return "\"\(s)\""
        }
    }
}

/// A number as a person wrote it: whole numbers without `.0`.
func formatNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? "\(Int(x))" : "\(x)"
}

// MARK: - The problem

/// Caps on the size of a trace problem, so that a hostile or mistaken file ends with a one-line
/// error instead of exhausting memory. The reference problems are far below them (20 steps, 48
/// elements in the largest tensor).
public enum TraceLimits {
    /// Most optimizer steps.
    public static let steps = 100_000
    /// Most elements in one tensor (a parameter, its `A` or its `B`).
    public static let elementsPerTensor = 1_000_000
    /// Most elements over all tensors of the file.
    public static let totalElements = 4_000_000
    /// Most values in the trajectory, `(steps + 1) ×` the parameters' elements (40 MB as Float32).
    public static let trajectoryValues = 10_000_000
    /// Largest problem file read, in bytes (256 MiB).
    public static let fileBytes = 256 << 20
}

/// A parsed `reproduce trace` problem.
public struct TraceProblem {
    /// The objective summed over tensors.
    public enum Objective: Equatable {
        /// `½ ‖A X − B‖²_F / n` per tensor.
        case leastSquares
        /// `(a − x)² + b (y − x²)²` on the single two-element tensor.
        case rosenbrock(a: Float, b: Float)
    }

    /// One parameter tensor with its data.
    public struct TensorSpec {
        public var name: String
        public var shape: [Int]
        public var initial: [Float]
        /// Least squares only: `A` is `[m, rows]`, `B` is `[m, columns]` (or `[m]` for a vector).
        public var a: Tensor<Float>?
        public var b: Tensor<Float>?
        public var n: Float
        /// Numeric and boolean (1 or 0) entries of `group`.
        public var options: [String: Double]
        /// String entries of `group`.
        public var textOptions: [String: String]
        /// `group` as written, for the optimizer's check of its per-tensor options.
        public var group: [String: HyperparameterValue] = [:]
    }

    public var name: String
    public var objective: Objective
    public var steps: Int
    public var tensors: [TensorSpec]
    public var optimizerName: String
    public var hyperparameters: TraceHyperparameters

    /// Parses a problem file; throws ``TraceError`` naming the offending field.
    public static func parse(_ data: Data) throws -> TraceProblem {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw TraceError.malformed(field: "(file)", reason: "not valid JSON")
        }
        if let field = firstDuplicateKey(in: data) {
            // The decoder keeps the first of two equal keys, Python's json the last: refuse to guess.
            throw TraceError.malformed(field: field, reason: "given twice; each key of an object must appear once")
        }
        return try parse(root)
    }

    static func parse(_ root: JSONValue) throws -> TraceProblem {
        let top = try root.object("(file)")
        let name = try top.optional("name")?.string("name") ?? "problem"
        let dtype = try top.optional("dtype")?.string("dtype") ?? "float32"
        guard dtype == "float32" else {
            throw TraceError.malformed(field: "dtype", reason: "'\(dtype)' is not supported; the harness optimizers run in float32")
        }
        let steps = try top.required("steps", "steps").count("steps", cap: TraceLimits.steps)

        let objectiveName = try top.required("objective", "objective").string("objective")
        let objective: Objective
        switch objectiveName {
        case "least_squares":
            objective = .leastSquares
        case "rosenbrock":
            let r = try top.optional("rosenbrock")?.object("rosenbrock") ?? JSONObject(values: [:], path: "rosenbrock")
            objective = .rosenbrock(a: try r.optional("a")?.float("rosenbrock.a") ?? 1,
                                    b: try r.optional("b")?.float("rosenbrock.b") ?? 100)
        default:
            throw TraceError.malformed(field: "objective", reason: "unknown objective '\(objectiveName)'; accepted: least_squares, rosenbrock")
        }

        let paramList = try top.required("params", "params").array("params")
        guard !paramList.isEmpty else { throw TraceError.malformed(field: "params", reason: "needs at least one tensor") }
        var tensors: [TensorSpec] = []
        var budget = ElementBudget()
        for (i, item) in paramList.enumerated() {
            let path = "params[\(i)]"
            let p = try item.object(path)
            let shape = try p.required("shape", "\(path).shape").shape("\(path).shape")
            let elements = try JSONValue.elementCount(shape, "\(path).shape")
            let initial = try p.required("init", "\(path).init").floats("\(path).init")
            guard initial.count == elements else {
                throw TraceError.malformed(field: "\(path).init", reason: "has \(initial.count) values for shape \(shape)")
            }
            var spec = TensorSpec(name: try p.optional("name")?.string("\(path).name") ?? "p\(i)", shape: shape,
                                  initial: initial, a: nil, b: nil, n: 1, options: [:], textOptions: [:])
            try budget.spend(elements)
            if let group = try p.optional("group") {
                let g = try group.object("\(path).group")
                for key in g.values.keys.sorted() {
                    switch g.values[key]! {
                    case .number(let x):
                        spec.options[key] = x
                        spec.group[key] = .number(x)
                    case .bool(let b):
                        spec.options[key] = b ? 1 : 0
                        spec.group[key] = .bool(b)
                    case .string(let s):
                        spec.textOptions[key] = s
                        spec.group[key] = .text(s)
                    default: throw TraceError.malformed(field: "\(path).group.\(key)", reason: "expected a number, boolean or string")
                    }
                }
            }
            if objective == .leastSquares {
                guard shape.count == 1 || shape.count == 2 else {
                    throw TraceError.malformed(field: "\(path).shape", reason: "least squares needs a vector or a matrix, got \(shape)")
                }
                let a = try p.required("A", "\(path).A").matrix("\(path).A")
                let b = try p.required("B", "\(path).B").matrix("\(path).B")
                guard a.rank == 2, a.shape[1] == shape[0] else {
                    throw TraceError.malformed(field: "\(path).A.shape", reason: "expected [m, \(shape[0])], got \(a.shape)")
                }
                let expectedB = shape.count == 2 ? [a.shape[0], shape[1]] : [a.shape[0]]
                guard b.shape == expectedB else {
                    throw TraceError.malformed(field: "\(path).B.shape", reason: "expected \(expectedB), got \(b.shape)")
                }
                try budget.spend(a.count + b.count)
                let n = try p.required("n", "\(path).n").number("\(path).n")
                guard n > 0, Float(n) > 0, Float(n).isFinite else {
                    throw TraceError.malformed(field: "\(path).n", reason: "must be positive and within the float32 range")
                }
                spec.a = a
                spec.b = b.reshaped([a.shape[0], shape.count == 2 ? shape[1] : 1])
                spec.n = Float(n)
            }
            tensors.append(spec)
        }
        let parameterElements = tensors.reduce(0) { $0 + $1.initial.count }
        guard parameterElements <= TraceLimits.trajectoryValues / (steps + 1) else {
            throw TraceError.malformed(field: "steps", reason: "\(steps) steps of \(parameterElements) parameter values is over the cap of \(TraceLimits.trajectoryValues) values in the trajectory")
        }
        if case .rosenbrock = objective {
            guard tensors.count == 1, tensors[0].initial.count == 2 else {
                throw TraceError.malformed(field: "params", reason: "rosenbrock needs one tensor of shape [2] or [1, 2]")
            }
        }

        let opt = try top.required("optimizer", "optimizer").object("optimizer")
        let optimizerName = try opt.required("name", "optimizer.name").string("optimizer.name")
        var values: [String: HyperparameterValue] = [:]
        if let hp = try opt.optional("hyperparams") {
            let h = try hp.object("optimizer.hyperparams")
            for key in h.values.keys.sorted() {
                let v = h.values[key]!
                let field = "optimizer.hyperparams.\(key)"
                switch v {
                case .number(let x): values[key] = .number(x)
                case .bool(let b): values[key] = .bool(b)
                case .string(let s): values[key] = .text(s)
                case .array: values[key] = .numbers(try v.array(field).enumerated().map { try $1.number("\(field)[\($0)]") })
                default: throw TraceError.malformed(field: field, reason: "expected a number, boolean, string or list of numbers")
                }
            }
        }
        return TraceProblem(name: name, objective: objective, steps: steps, tensors: tensors,
                            optimizerName: optimizerName,
                            hyperparameters: TraceHyperparameters(optimizer: optimizerName, values: values))
    }

    /// Fresh parameters at the initial point, with the problem's per-tensor options.
    public func makeParameters() -> [Parameter] {
        tensors.map { spec in
            let p = Parameter(spec.name, Tensor(shape: spec.shape, data: spec.initial), options: spec.options)
            p.textOptions = spec.textOptions
            return p
        }
    }

    /// The loss at the parameters' current values; with `gradient`, also writes each `grad`.
    public func evaluate(_ parameters: [Parameter], gradient: Bool) -> Float {
        switch objective {
        case let .rosenbrock(a, b):
            let p = parameters[0]
            let x = p.value.data[0], y = p.value.data[1]
            let w = y - x * x
            if gradient {
                let gw = b * (2 * w)
                p.grad.data[0] = -(2 * (a - x)) - gw * (2 * x)
                p.grad.data[1] = gw
            }
            return (a - x) * (a - x) + b * (w * w)
        case .leastSquares:
            var total: Float = 0
            for (spec, p) in zip(tensors, parameters) {
                let a = spec.a!, columns = spec.shape.count == 2 ? spec.shape[1] : 1
                var residual = spec.b!
                gemm(a, p.value.reshaped([spec.shape[0], columns]), into: &residual, alpha: 1, beta: -1)
                total += 0.5 * residual.squaredNorm() / spec.n
                if gradient {
                    var g = Tensor<Float>.zeros([spec.shape[0], columns])
                    gemm(a, residual, into: &g, transposeA: true, alpha: 1 / spec.n, beta: 0)
                    p.grad = g.reshaped(spec.shape)
                }
            }
            return total
        }
    }

    /// The diagonal of the objective's Hessian at the parameters' current values, one tensor per
    /// parameter, in Float32: for least squares `(AᵀA)ᵣᵣ / n` at every column of row r; for
    /// Rosenbrock `∂²f/∂x² = 2 − 4b(y − x²) + 8bx²` and `∂²f/∂y² = 2b`.
    public func hessianDiagonal(_ parameters: [Parameter]) -> [Tensor<Float>] {
        switch objective {
        case let .rosenbrock(_, b):
            let p = parameters[0]
            let x = p.value.data[0], y = p.value.data[1]
            return [Tensor(shape: p.value.shape, data: [2 - 4 * b * (y - x * x) + 8 * b * (x * x), 2 * b])]
        case .leastSquares:
            return zip(tensors, parameters).map { spec, p in
                let a = spec.a!, m = a.shape[0], rows = spec.shape[0], columns = spec.shape.count == 2 ? spec.shape[1] : 1
                var out = Tensor<Float>.zeros(p.value.shape)
                for r in 0..<rows {
                    var total: Float = 0
                    for i in 0..<m { total += a.data[i * rows + r] * a.data[i * rows + r] }
                    for c in 0..<columns { out.data[r * columns + c] = total / spec.n }
                }
                return out
            }
        }
    }

    /// Runs the optimizer named in the problem, found in `optimizers`, for ``steps`` steps.
    public func run(optimizers: [String: TraceOptimizerFactory]) throws -> TraceResult {
        guard let factory = optimizers[optimizerName] else {
            throw TraceError.unknownOptimizer(optimizerName, accepted: Array(optimizers.keys))
        }
        let parameters = makeParameters()
        var h = TraceHyperparameters(optimizer: hyperparameters.optimizer, values: hyperparameters.values,
                                     groups: tensors.map(\.group))
        h.hessianDiagonal = { self.hessianDiagonal($0) }
        let optimizer = try factory(h, parameters)
        var losses = [evaluate(parameters, gradient: false)]
        var params = [parameters.map(\.value.data)]
        for _ in 0..<steps {
            optimizer.step { self.evaluate(parameters, gradient: true) }
            losses.append(evaluate(parameters, gradient: false))
            params.append(parameters.map(\.value.data))
        }
        return TraceResult(loss: losses, params: params)
    }
}

/// Elements of every tensor read so far (parameters, A, B), against ``TraceLimits/totalElements``.
struct ElementBudget {
    private(set) var used = 0

    mutating func spend(_ elements: Int) throws {
        used += elements
        guard used <= TraceLimits.totalElements else {
            throw TraceError.malformed(field: "params", reason: "over the cap of \(TraceLimits.totalElements) elements over all tensors (parameters, A and B)")
        }
    }
}

/// The trajectory of a trace: `loss[k]` and `params[k]` after `k` steps.
public struct TraceResult: Equatable {
    /// L₀ … L_steps.
    public var loss: [Float]
    /// P₀ … P_steps: per step, one flat row-major list per tensor.
    public var params: [[[Float]]]

    public init(loss: [Float], params: [[[Float]]]) {
        self.loss = loss
        self.params = params
    }

    /// Whether every loss and parameter value is finite.
    public var finite: Bool {
        loss.allSatisfy(\.isFinite) && params.allSatisfy { $0.allSatisfy { $0.allSatisfy(\.isFinite) } }
    }

    /// The output JSON `{"loss": [...], "params": [[...]...], "finite": bool}`; values print in
    /// the shortest form that reads back to the same Float32, non-finite values as `null`.
    public func json() -> String {
        func number(_ x: Float) -> String { x.isFinite ? "\(x)" : "null" }
        func list(_ xs: [Float]) -> String { "[" + xs.map(number).joined(separator: ", ") + "]" }
        let rows = params.map { step in "[" + step.map(list).joined(separator: ", ") + "]" }
        return "{\"loss\": \(list(loss)),\n \"params\": [\n  " + rows.joined(separator: ",\n  ")
            + "],\n \"finite\": \(finite)}\n"
    }
}

// MARK: - A small JSON reader that knows the path of each value

/// A JSON value, decoded strictly (a number never reads as a boolean).
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let x = try? c.decode(Double.self) { self = .number(x) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    private func fail(_ field: String, _ expected: String) -> TraceError {
        .malformed(field: field, reason: "expected \(expected)")
    }

    func object(_ field: String) throws -> JSONObject {
        guard case .object(let o) = self else { throw fail(field, "an object") }
        return JSONObject(values: o, path: field)
    }
    func array(_ field: String) throws -> [JSONValue] {
        guard case .array(let a) = self else { throw fail(field, "a list") }
        return a
    }
    func string(_ field: String) throws -> String {
        guard case .string(let s) = self else { throw fail(field, "a string") }
        return s
    }
    func number(_ field: String) throws -> Double {
        guard case .number(let x) = self else { throw fail(field, "a number") }
        return x
    }
    /// A whole number from 0 to `cap`; `what` names it in the message when over the cap.
    func count(_ field: String, cap: Int, what: String? = nil) throws -> Int {
        guard case .number(let x) = self, x == x.rounded() else { throw fail(field, "a whole number") }
        guard x >= 0 else { throw TraceError.malformed(field: field, reason: "must be at least 0, got \(formatNumber(x))") }
        guard x <= Double(cap) else {
            throw TraceError.malformed(field: field, reason: "\(what ?? field) \(formatNumber(x)) is over the cap of \(cap)")
        }
        return Int(x)
    }
    /// A finite number that is also finite in Float32.
    func float(_ field: String) throws -> Float {
        guard case .number(let x) = self, Float(x).isFinite else {
            throw fail(field, "a number within the float32 range (magnitude below 3.4e38)")
        }
        return Float(x)
    }
    func floats(_ field: String) throws -> [Float] {
        try array(field).enumerated().map { try $1.float("\(field)[\($0)]") }
    }
    func shape(_ field: String) throws -> [Int] {
        let dims = try array(field).enumerated().map { i, dim -> Int in
            guard case .number(let x) = dim, x == x.rounded(), x >= 1 else {
                throw fail(field, "a non-empty list of positive whole numbers")
            }
            // Any dimension over the per-tensor cap makes the tensor too large; say so with the whole shape.
            guard x <= Double(TraceLimits.elementsPerTensor) else {
                throw TraceError.malformed(field: field, reason: Self.overCap(try array(field)))
            }
            return Int(x)
        }
        guard !dims.isEmpty else { throw fail(field, "a non-empty list of positive whole numbers") }
        return dims
    }
    /// The element count of `shape`, multiplied with overflow checks, at most
    /// ``TraceLimits/elementsPerTensor``.
    static func elementCount(_ shape: [Int], _ field: String) throws -> Int {
        var product = 1
        for dim in shape {
            let (next, overflow) = product.multipliedReportingOverflow(by: dim)
            guard !overflow, next <= TraceLimits.elementsPerTensor else {
                throw TraceError.malformed(field: field, reason: overCap(shape.map { .number(Double($0)) }))
            }
            product = next
        }
        return product
    }
    private static func overCap(_ shape: [JSONValue]) -> String {
        let dims = shape.map { dim -> String in
            if case .number(let x) = dim { return formatNumber(x) }
            return "?"
        }
        return "shape [\(dims.joined(separator: ", "))] is over the cap of \(TraceLimits.elementsPerTensor) elements per tensor"
    }
    /// `{"shape": [...], "data": [...]}`.
    func matrix(_ field: String) throws -> Tensor<Float> {
        let o = try object(field)
        let shape = try o.required("shape", "\(field).shape").shape("\(field).shape")
        let elements = try JSONValue.elementCount(shape, "\(field).shape")
        let data = try o.required("data", "\(field).data").floats("\(field).data")
        guard data.count == elements else {
            throw TraceError.malformed(field: "\(field).data", reason: "has \(data.count) values for shape \(shape)")
        }
        return Tensor(shape: shape, data: data)
    }
}

/// The path (`params[0].group.rank`) of the first key that appears twice in one object of
/// `data`, which must already be valid JSON; nil when every object's keys are unique.
func firstDuplicateKey(in data: Data) -> String? {
    struct Frame {
        var isObject: Bool
        var keys: Set<String> = []
        var expectingKey: Bool
        var key: String? = nil
        var index = 0
    }
    func path(_ frames: [Frame]) -> String {
        frames.reduce(into: "") { path, frame in
            if frame.isObject, let key = frame.key { path += path.isEmpty ? key : ".\(key)" }
            else if !frame.isObject { path += "[\(frame.index)]" }
        }
    }
    let bytes = [UInt8](data)
    var frames: [Frame] = []
    var i = 0
    while i < bytes.count {
        switch bytes[i] {
        case UInt8(ascii: "{"): frames.append(Frame(isObject: true, expectingKey: true))
        case UInt8(ascii: "["): frames.append(Frame(isObject: false, expectingKey: false))
        case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = frames.popLast()
        case UInt8(ascii: ","):
            if frames.last?.isObject == true { frames[frames.count - 1].expectingKey = true } else if !frames.isEmpty { frames[frames.count - 1].index += 1 }
        case UInt8(ascii: "\""):
            let start = i
            i += 1
            var escaped = false
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                if bytes[i] == UInt8(ascii: "\\") { escaped = true; i += 1 }
                i += 1
            }
            guard let last = frames.last, last.isObject, last.expectingKey else { break }
            let raw = Data(bytes[start...min(i, bytes.count - 1)])
            // Keys with escapes are compared decoded (`"st\u0065ps"` is `"steps"`).
            let key = escaped ? (try? JSONDecoder().decode(String.self, from: raw)) ?? String(decoding: raw, as: UTF8.self)
                              : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
            frames[frames.count - 1].expectingKey = false
            frames[frames.count - 1].key = key
            if !frames[frames.count - 1].keys.insert(key).inserted { return path(frames) }
        default: break
        }
        i += 1
    }
    return nil
}

/// A JSON object with the path it was read from.
struct JSONObject {
    var values: [String: JSONValue]
    var path: String

    func required(_ key: String, _ field: String) throws -> JSONValue {
        guard let v = values[key], v != .null else { throw TraceError.malformed(field: field, reason: "missing") }
        return v
    }
    func optional(_ key: String) throws -> JSONValue? {
        guard let v = values[key], v != .null else { return nil }
        return v
    }
}
