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

/// An optimizer's hyperparameters by the reference library's keyword names, with typed,
/// validating accessors for factories.
public struct TraceHyperparameters {
    /// The project name of the optimizer these belong to (used in error messages).
    public let optimizer: String
    /// The values as given.
    public let values: [String: HyperparameterValue]

    public init(optimizer: String, values: [String: HyperparameterValue]) {
        self.optimizer = optimizer
        self.values = values
    }

    /// Throws ``TraceError/unknownHyperparameter(_:optimizer:accepted:)`` for the first key (in
    /// sorted order) not in `accepted`.
    public func accept(_ accepted: [String]) throws {
        for key in values.keys.sorted() where !accepted.contains(key) {
            throw TraceError.unknownHyperparameter(key, optimizer: optimizer, accepted: accepted)
        }
    }

    private func invalid(_ key: String, _ expected: String) -> TraceError {
        .invalidHyperparameter(key, optimizer: optimizer, expected: expected)
    }

    /// A number (Double), or `default` when absent.
    public func number(_ key: String, default value: Double) throws -> Double {
        guard let v = values[key] else { return value }
        guard case .number(let x) = v, x.isFinite else { throw invalid(key, "a finite number") }
        return x
    }

    /// A number rounded to Float32, as torch rounds a Python float for a Float32 kernel.
    public func float(_ key: String, default value: Float) throws -> Float {
        values[key] == nil ? value : Float(try number(key, default: 0))
    }

    /// A whole number.
    public func int(_ key: String, default value: Int) throws -> Int {
        guard values[key] != nil else { return value }
        let x = try number(key, default: 0)
        guard x == x.rounded(), abs(x) < 1e15 else { throw invalid(key, "a whole number") }
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

// MARK: - The problem

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
        return try parse(root)
    }

    static func parse(_ root: JSONValue) throws -> TraceProblem {
        let top = try root.object("(file)")
        let name = try top.optional("name")?.string("name") ?? "problem"
        let dtype = try top.optional("dtype")?.string("dtype") ?? "float32"
        guard dtype == "float32" else {
            throw TraceError.malformed(field: "dtype", reason: "'\(dtype)' is not supported; the harness optimizers run in float32")
        }
        let steps = try top.required("steps", "steps").int("steps")
        guard steps >= 0 else { throw TraceError.malformed(field: "steps", reason: "must be at least 0") }

        let objectiveName = try top.required("objective", "objective").string("objective")
        let objective: Objective
        switch objectiveName {
        case "least_squares":
            objective = .leastSquares
        case "rosenbrock":
            let r = try top.optional("rosenbrock")?.object("rosenbrock") ?? JSONObject(values: [:], path: "rosenbrock")
            objective = .rosenbrock(a: Float(try r.optional("a")?.number("rosenbrock.a") ?? 1),
                                    b: Float(try r.optional("b")?.number("rosenbrock.b") ?? 100))
        default:
            throw TraceError.malformed(field: "objective", reason: "unknown objective '\(objectiveName)'; accepted: least_squares, rosenbrock")
        }

        let paramList = try top.required("params", "params").array("params")
        guard !paramList.isEmpty else { throw TraceError.malformed(field: "params", reason: "needs at least one tensor") }
        var tensors: [TensorSpec] = []
        for (i, item) in paramList.enumerated() {
            let path = "params[\(i)]"
            let p = try item.object(path)
            let shape = try p.required("shape", "\(path).shape").shape("\(path).shape")
            let initial = try p.required("init", "\(path).init").floats("\(path).init")
            guard initial.count == shape.reduce(1, *) else {
                throw TraceError.malformed(field: "\(path).init", reason: "has \(initial.count) values for shape \(shape)")
            }
            var spec = TensorSpec(name: try p.optional("name")?.string("\(path).name") ?? "p\(i)", shape: shape,
                                  initial: initial, a: nil, b: nil, n: 1, options: [:], textOptions: [:])
            if let group = try p.optional("group") {
                let g = try group.object("\(path).group")
                for key in g.values.keys.sorted() {
                    switch g.values[key]! {
                    case .number(let x): spec.options[key] = x
                    case .bool(let b): spec.options[key] = b ? 1 : 0
                    case .string(let s): spec.textOptions[key] = s
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
                let n = try p.required("n", "\(path).n").number("\(path).n")
                guard n > 0 else { throw TraceError.malformed(field: "\(path).n", reason: "must be positive") }
                spec.a = a
                spec.b = b.reshaped([a.shape[0], shape.count == 2 ? shape[1] : 1])
                spec.n = Float(n)
            }
            tensors.append(spec)
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

    /// Runs the optimizer named in the problem, found in `optimizers`, for ``steps`` steps.
    public func run(optimizers: [String: TraceOptimizerFactory]) throws -> TraceResult {
        guard let factory = optimizers[optimizerName] else {
            throw TraceError.unknownOptimizer(optimizerName, accepted: Array(optimizers.keys))
        }
        let parameters = makeParameters()
        let optimizer = try factory(hyperparameters, parameters)
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
    func int(_ field: String) throws -> Int {
        guard case .number(let x) = self, x == x.rounded(), abs(x) < 1e9 else { throw fail(field, "a whole number") }
        return Int(x)
    }
    func floats(_ field: String) throws -> [Float] {
        try array(field).enumerated().map { Float(try $1.number("\(field)[\($0)]")) }
    }
    func shape(_ field: String) throws -> [Int] {
        let dims = try array(field).enumerated().map { try $1.int("\(field)[\($0)]") }
        guard !dims.isEmpty, dims.allSatisfy({ $0 > 0 }) else { throw fail(field, "a non-empty list of positive integers") }
        return dims
    }
    /// `{"shape": [...], "data": [...]}`.
    func matrix(_ field: String) throws -> Tensor<Float> {
        let o = try object(field)
        let shape = try o.required("shape", "\(field).shape").shape("\(field).shape")
        let data = try o.required("data", "\(field).data").floats("\(field).data")
        guard data.count == shape.reduce(1, *) else {
            throw TraceError.malformed(field: "\(field).data", reason: "has \(data.count) values for shape \(shape)")
        }
        return Tensor(shape: shape, data: data)
    }
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
