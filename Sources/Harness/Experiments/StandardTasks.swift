import Foundation

// # Standard tasks
//
// The problems most optimizer papers are compared on, scaled to a CPU and fixed once for every
// paper (and the league): data, split, model, budget per scale and the metrics each run records.
// A paper picks tasks from this list instead of writing its own training loop, so two papers'
// numbers on "the MLP on the digits" are numbers on the same problem.
//
// Every run records, in both phases, `final training loss` and `log final training loss` (the
// judged metric of most optimizer claims: the paper's training curves), then `validation loss`
// (and `validation accuracy` for classifiers) in selection, `test loss` (and `test accuracy`) in
// evaluation. A run whose loss leaves the finite numbers is marked diverged and stops.

/// Builds an arm's optimizer over `parameters` from its hyperparameters.
public typealias OptimizerFactory = @Sendable (_ parameters: [Parameter], _ hyperparameters: Hyperparameters) -> any Optimizer

/// One standard task: what it is, and how to train on it once.
public struct StandardTask: Sendable {
    /// Key in metric names (`"mlp_digits"`).
    public var key: String
    /// Label in tables (`"MLP (digits)"`).
    public var label: String
    /// Data, model and budget in words, for the report's setup section.
    public var setup: String
    /// Trains once from the trial's common stream (same initial point and data order for every
    /// arm and grid point at a repetition) with the optimizer the factory builds.
    public var train: @Sendable (_ trial: Trial, _ make: OptimizerFactory) -> RunRecord

    /// A task from its parts (a paper wrapping a standard task, e.g. an arm that needs two runs).
    public init(key: String, label: String, setup: String,
                train: @escaping @Sendable (_ trial: Trial, _ make: OptimizerFactory) -> RunRecord) {
        self.key = key
        self.label = label
        self.setup = setup
        self.train = train
    }
}

/// The standard tasks, by scale. Splits are drawn from `(seed, "standard task", key)`, so they
/// are the same in every paper run with the same global seed.
public enum StandardTasks {
    /// Softmax (multinomial logistic) regression 64→10 on the 8x8 digits, split 60/20/20.
    /// 10 epochs at batch 32 (quick: 2).
    public static func softmaxDigits(_ context: RunContext) throws -> StandardTask {
        let data = try digits(context)
        return classification(key: "softmax_digits", label: "softmax regression (digits)", data: data,
                              model: "softmax regression 64→10", epochs: context.pick(quick: 2, full: 10)) { rng in
            MLP(sizes: [64, 10], rng: rng)
        }
    }

    /// MLP 64-128-128-10 (ReLU) on the 8x8 digits. 10 epochs at batch 32 (quick: 2).
    public static func mlpDigits(_ context: RunContext) throws -> StandardTask {
        let data = try digits(context)
        return classification(key: "mlp_digits", label: "MLP (digits)", data: data,
                              model: "MLP 64-128-128-10 (ReLU)", epochs: context.pick(quick: 2, full: 10)) { rng in
            MLP(sizes: [64, 128, 128, 10], rng: rng)
        }
    }

    /// MLP 40-128-128-10 (ReLU) on MNIST-1D, 10% of the training signals held out for
    /// validation. 10 epochs at batch 32 (quick: 2). Another `activation` (papers that claim
    /// robustness across activations) gives the same task with that nonlinearity, keyed
    /// `mlp_mnist1d_<activation>`.
    public static func mlpMNIST1D(_ context: RunContext, activation: Activation = .relu) throws -> StandardTask {
        var rng = context.standardRNG("mnist1d", "split")
        let mnist = try Datasets.mnist1d()
        let (train, validation) = mnist.train.split(validation: 0.1, using: &rng)
        let data = DataSplits(train: train, validation: validation, test: mnist.test).standardized()
        let relu = activation == .relu
        return classification(key: relu ? "mlp_mnist1d" : "mlp_mnist1d_\(activation.rawValue)",
                              label: relu ? "MLP (MNIST-1D)" : "MLP (MNIST-1D, \(activation.rawValue))", data: data,
                              model: "MLP 40-128-128-10 (\(relu ? "ReLU" : activation.rawValue))", epochs: context.pick(quick: 2, full: 10)) { rng in
            MLP(sizes: [40, 128, 128, 10], activation: activation, rng: rng)
        }
    }

    /// The small CNN (3x3 convolution to 8 channels, ReLU, 2x2 max-pool, linear head) on the
    /// 8x8 digits. 10 epochs at batch 32 (quick: 2).
    public static func cnnDigits(_ context: RunContext) throws -> StandardTask {
        let data = try digits(context)
        return classification(key: "cnn_digits", label: "CNN (digits)", data: data,
                              model: "CNN conv3x3×8-ReLU-maxpool-linear", epochs: context.pick(quick: 2, full: 10)) { rng in
            SmallCNN(rng: rng)
        }
    }

    /// The tiny pre-LayerNorm transformer (vocabulary 32, context 16, width 32, 2 heads, 2
    /// blocks) as a next-token model of a fixed order-2 Markov source with known entropy rate;
    /// fresh batches of 16 sequences each step, 300 steps (quick: 40), or `steps` when given (a
    /// reduced budget; the first steps see the same batches as the standard run's).
    public static func transformerMarkov(_ context: RunContext, steps budget: Int? = nil) -> StandardTask {
        var rng = context.standardRNG("markov", "source")
        let source = MarkovTokenSource(vocabularySize: 32, order: 2, branching: 4, smoothing: 0.02, using: &rng)
        let config = TransformerConfig(vocabulary: 32, context: 16, width: 32, heads: 2, layers: 2)
        let steps = budget ?? context.pick(quick: 40, full: 300), batch = 16, length = 16
        var heldOut = context.standardRNG("markov", "held out")
        let validation = source.batch(sequences: 64, length: length, using: &heldOut)
        let test = source.batch(sequences: 64, length: length, using: &heldOut)
        let setup = "**transformer (Markov).** A \(config.layers)-block pre-LayerNorm transformer (width \(config.width), "
            + "\(config.heads) heads, context \(length)) predicts the next token of an order-2 Markov source over 32 tokens "
            + "(entropy rate \(Format.compact(source.entropyRate, 3)) nats, the best achievable loss); \(steps) steps on fresh "
            + "batches of \(batch) sequences; validation and test are fixed held-out batches of 64 sequences."
        return StandardTask(key: "transformer_markov", label: "transformer (Markov)", setup: setup) { trial, make in
            let common = trial.commonRNG
            let model = TinyTransformer(config: config, rng: common.child("model"))
            let optimizer = make(model.parameters, trial.hyperparameters)
            var data = common.child("batches")
            var losses = [Double](), recorded = [Int]()
            var diverged = false
            for step in 1...steps {
                let b = source.batch(sequences: batch, length: length, using: &data)
                let loss = Double(optimizer.step {
                    CostMeter.countGradientEvaluations()
                    return model.lossAndGradient(tokens: b.tokens, targets: b.targets, batch: batch)
                })
                if !loss.isFinite { diverged = true; break }
                if step % max(steps / 20, 1) == 0 || step == 1 { losses.append(loss); recorded.append(step) }
            }
            // The training loss at the end: a fresh batch of 64 sequences from the training stream.
            let final = diverged ? Double.nan : model.evaluate(source.batch(sequences: 64, length: length, using: &data)).loss
            return finish(losses: losses, steps: recorded, final: final, diverged: diverged, stateBytes: optimizer.stateBytes,
                          phase: trial.phase, validation: (diverged ? .nan : model.evaluate(validation).loss, nil),
                          test: { let t = model.evaluate(test); return (t.loss, t.accuracy) })
        }
    }

    /// An ill-conditioned quadratic `f(x) = ½ xᵀAx` in `dimension` = 50 coordinates, `A = Qᵀ diag(λ) Q`
    /// with eigenvalues log-spaced from 1 down to 1/κ (κ = 100) and a fixed random rotation `Q`
    /// (so no method is helped by the coordinate axes); full-batch gradients from `x₀ ~ N(0, I)`,
    /// 500 steps (quick: 100). Loss = `f`, whose minimum is 0.
    public static func quadratic(_ context: RunContext, conditionNumber kappa: Double = 100, dimension d: Int = 50) -> StandardTask {
        var rng = context.standardRNG("quadratic", "rotation")
        var gaussian = Tensor<Double>.zeros([d, d])
        for i in 0..<(d * d) { gaussian.data[i] = rng.normal() }
        let q = (try? orthonormalBasis(gaussian)) ?? Tensor<Double>.identity(d)
        var a = [Double](repeating: 0, count: d * d)
        for k in 0..<d {
            let lambda = pow(kappa, -Double(k) / Double(d - 1))
            for i in 0..<d { for j in 0..<d { a[i * d + j] += lambda * q.data[k * d + i] * q.data[k * d + j] } }
        }
        let matrix = a, steps = context.pick(quick: 100, full: 500)
        let setup = "**quadratic (κ = \(Format.compact(kappa, 3))).** $f(x)=\\tfrac12 x^\\top A x$ in \(d) dimensions, eigenvalues "
            + "log-spaced from 1 to 1/κ in a fixed random basis, full-batch gradients from $x_0\\sim N(0,I)$, \(steps) steps."
        return deterministic(key: "quadratic", label: "quadratic (κ = \(Format.compact(kappa, 3)))", setup: setup, dimension: d,
                             steps: steps, start: { rng in (0..<d).map { _ in Float(rng.normal()) } }) { x, g in
            var f = 0.0
            for i in 0..<d {
                var ax = 0.0
                for j in 0..<d { ax += matrix[i * d + j] * Double(x[j]) }
                g[i] = Float(ax)
                f += 0.5 * Double(x[i]) * ax
            }
            return f
        }
    }

    /// The Rosenbrock function `f(x, y) = (1 − x)² + 100 (y − x²)²` from `(−1.5, 2)` plus
    /// `0.1·N(0, I)` per seed; 2,000 steps (quick: 200). Loss = `f`, minimum 0 at (1, 1).
    public static func rosenbrock(_ context: RunContext) -> StandardTask {
        let steps = context.pick(quick: 200, full: 2000)
        let setup = "**Rosenbrock.** $f(x,y)=(1-x)^2+100(y-x^2)^2$ from $(-1.5, 2)$ plus $0.1\\,N(0,I)$ per seed, \(steps) steps."
        return deterministic(key: "rosenbrock", label: "Rosenbrock", setup: setup, dimension: 2, steps: steps,
                             start: { rng in [Float(-1.5 + 0.1 * rng.normal()), Float(2 + 0.1 * rng.normal())] }) { p, g in
            let x = Double(p[0]), y = Double(p[1])
            g[0] = Float(-2 * (1 - x) - 400 * x * (y - x * x))
            g[1] = Float(200 * (y - x * x))
            return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
        }
    }

    // MARK: - Shared pieces

    /// The 8x8 digits split 60/20/20 (stratified, fixed per global seed), standardised on the training part.
    public static func digits(_ context: RunContext) throws -> DataSplits {
        var rng = context.standardRNG("digits", "split")
        return try Datasets.digits().split(train: 0.6, validation: 0.2, using: &rng).standardized()
    }

    /// Mean cross-entropy of a classifier over a whole data set, without gradients.
    public static func datasetLoss(_ model: any Classifier, _ data: Dataset) -> Double {
        Double(model.loss(Tape<Float>(), data.features, labels: data.labels, training: false).scalar)
    }

    /// A classification task on any data and classifier (what the standard classifiers are
    /// built from): `epochs` over `data.train` at `batchSize`, the whole-split training loss after
    /// each epoch, and the standard metrics. For a paper's own data (label noise, imbalance).
    public static func classification(key: String, label: String, data: DataSplits, model: String, epochs: Int,
                               batchSize: Int = 32, makeModel: @escaping @Sendable (SeededRandom) -> any Classifier) -> StandardTask {
        let setup = "**\(label).** \(model), PyTorch's default initialisation, mean cross-entropy; \(data.train.count) training, "
            + "\(data.validation.count) validation and \(data.test.count) test examples (fixed stratified split, standardised on "
            + "the training part); \(epochs) epochs at batch \(batchSize); the training loss is the mean over the whole training "
            + "split after each epoch."
        return StandardTask(key: key, label: label, setup: setup) { trial, make in
            var common = trial.commonRNG
            let model = makeModel(common.child("model"))
            let optimizer = make(model.parameters, trial.hyperparameters)
            let schedule = BatchSchedule(count: data.train.count, batchSize: batchSize, using: &common)
            var losses = [datasetLoss(model, data.train)], steps = [0]
            var step = 0, diverged = false
            epochs: for epoch in 0..<epochs {
                for batch in schedule.batches(epoch: epoch) {
                    let (x, y) = data.train.batch(batch)
                    step += 1
                    let loss = optimizer.step {
                        CostMeter.countGradientEvaluations()
                        return model.lossAndGradient(x, labels: y)
                    }
                    if !loss.isFinite { diverged = true; break epochs }
                }
                let loss = datasetLoss(model, data.train)
                losses.append(loss)
                steps.append(step)
                if !loss.isFinite { diverged = true; break }
            }
            return finish(losses: losses, steps: steps, final: losses.last ?? .nan, diverged: diverged,
                          stateBytes: optimizer.stateBytes, phase: trial.phase,
                          validation: (datasetLoss(model, data.validation), model.accuracy(data.validation.features, labels: data.validation.labels)),
                          test: { (datasetLoss(model, data.test), model.accuracy(data.test.features, labels: data.test.labels)) })
        }
    }

    /// A full-batch deterministic objective of one parameter vector; `objective(x, g)` returns
    /// `f(x)` and writes `∇f(x)` into `g`. Losses are recorded at 50 evenly spaced steps.
    static func deterministic(key: String, label: String, setup: String, dimension: Int, steps: Int,
                              start: @escaping @Sendable (inout SeededRandom) -> [Float],
                              objective: @escaping @Sendable (_ x: [Float], _ g: inout [Float]) -> Double) -> StandardTask {
        StandardTask(key: key, label: label, setup: setup) { trial, make in
            var common = trial.commonRNG
            let x = Parameter("x", Tensor(shape: [dimension], data: start(&common)))
            let optimizer = make([x], trial.hyperparameters)
            var gradient = [Float](repeating: 0, count: dimension)
            var losses = [Double](), recorded = [Int]()
            var diverged = false
            let every = max(steps / 50, 1)
            for step in 0...steps {
                // Through `step`, so an optimizer that evaluates the gradient more than once per
                // step (SAM at its perturbed point, a line search) does so, and pays for it. The
                // loss of the step is its first evaluation, at the current point.
                var f = Double.nan, evaluated = false
                if step < steps {
                    _ = optimizer.step {
                        CostMeter.countGradientEvaluations()
                        let value = objective(x.value.data, &gradient)
                        if !evaluated { f = value; evaluated = true }
                        x.grad.data = gradient
                        return Float(value)
                    }
                } else {
                    f = objective(x.value.data, &gradient)
                }
                if step % every == 0 || step == steps { losses.append(f); recorded.append(step) }
                if !f.isFinite || abs(f) > 1e30 { diverged = true; break }
            }
            let final = diverged ? .nan : losses.last!
            return finish(losses: losses, steps: recorded, final: final, diverged: diverged, stateBytes: optimizer.stateBytes,
                          phase: trial.phase, validation: (final, nil), test: { (final, nil) })
        }
    }

    /// The standard metrics of a finished run.
    public static func finish(losses: [Double], steps: [Int], final: Double, diverged: Bool, stateBytes: Int, phase: Phase,
                       validation: (loss: Double, accuracy: Double?), test: () -> (loss: Double, accuracy: Double?)) -> RunRecord {
        var record = RunRecord(losses: losses, steps: steps, stateBytes: stateBytes, diverged: diverged)
        let final = diverged ? .nan : final
        record.record("final training loss", final)
        // A loss of exactly 0 (a quadratic solved to the last bit) is floored at 1e-30 so its log stays finite.
        record.record("log final training loss", final.isFinite ? log(max(final, 1e-30)) : .nan)
        switch phase {
        case .selection:
            record.record("validation loss", diverged ? .nan : validation.loss)
            if let a = validation.accuracy { record.record("validation accuracy", diverged ? .nan : a) }
        case .evaluation:
            let t = diverged ? (Double.nan, Optional<Double>.none) : test()
            record.record("test loss", t.0)
            if let a = t.1 { record.record("test accuracy", a) } else if diverged && validation.accuracy != nil { record.record("test accuracy", .nan) }
        }
        return record
    }
}

extension RunContext {
    /// A stream for the standard tasks, shared by every paper: `(seed, "standard task", path…)`.
    public func standardRNG(_ path: String...) -> SeededRandom {
        SeededRandom(seed: seed, path: ["standard task"] + path)
    }
}
