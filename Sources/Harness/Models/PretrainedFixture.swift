import Foundation

// # Pretrain on task A, adapt on task B: a cached fixture for adapter papers
//
// Adapter methods (LoRA, LoRA+, DoRA, ...) are about *fine-tuning*: a base model that already
// knows something is frozen and a small adapter learns a related task. To test them on a CPU we
// need such a base model, and many papers need the same one. This fixture pretrains a
// ``TinyTransformer`` on a ``MarkovTokenSource`` (task A) and hands out fresh copies of it,
// together with a shifted source (task B) to adapt to.
//
// Three properties matter, and each has a test:
// - **Deterministic.** The pretrained weights depend only on the ``LanguageModelPretraining``
//   settings: the model's initial weights, task A and every batch come from streams derived from
//   `settings.seed`, and the optimizer is the harness's AdamW. Two fresh pretrainings are
//   bit-identical.
// - **Cached.** Pretraining is the expensive part and a paper sweeps many adapter runs (and
//   papers run in parallel), so the result is memoised per process, keyed by the settings; a
//   concurrent second request for the same key waits for the first instead of pretraining twice.
//   An optional on-disk cache stores the exact Float bit patterns, so a load equals a recomputation.
// - **Isolated.** ``PretrainedLanguageModel/makeModel()`` returns a new model each time; an
//   adapter run can freeze it, attach adapters and train without touching any other run's copy.

/// Everything that determines a pretrained base language model: the model shape, task A, and
/// the pretraining run. Equal settings give bit-identical weights.
public struct LanguageModelPretraining: Sendable, Equatable {
    /// The model shape; `vocabulary` is also task A's vocabulary.
    public var model: TransformerConfig
    /// Task A: a ``MarkovTokenSource`` of this order, branching and smoothing.
    public var order: Int
    public var branching: Int
    public var smoothing: Double
    /// Pretraining: AdamW steps on fresh batches of `batchSize` sequences of `model.context + 1`
    /// tokens (inputs and shifted targets), learning rate with a linear warm-up over
    /// `warmupSteps` then constant.
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var warmupSteps: Int
    public var weightDecay: Double
    /// The root of every stream: task A, the initial weights and the batches.
    public var seed: UInt64

    public init(model: TransformerConfig, order: Int = 2, branching: Int = 4, smoothing: Double = 0.02,
                steps: Int, batchSize: Int = 32, learningRate: Double = 3e-3, warmupSteps: Int = 20,
                weightDecay: Double = 0.0, seed: UInt64 = 0) {
        precondition(steps >= 0 && batchSize > 0 && warmupSteps >= 0)
        self.model = model
        self.order = order
        self.branching = branching
        self.smoothing = smoothing
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.seed = seed
    }

    /// Bumped whenever the pretraining procedure changes, so stale disk caches are never read.
    public static let procedureVersion = 1

    /// Every field in a fixed order, with doubles as exact bit patterns: the cache key's preimage.
    public var canonicalDescription: String {
        let m = model
        return "v\(Self.procedureVersion);V=\(m.vocabulary);T=\(m.context);d=\(m.width);h=\(m.heads);L=\(m.layers);"
            + "mlp=\(m.mlpRatio);drop=\(m.dropout.bitPattern);order=\(order);k=\(branching);eps=\(smoothing.bitPattern);"
            + "steps=\(steps);B=\(batchSize);lr=\(learningRate.bitPattern);warm=\(warmupSteps);"
            + "wd=\(weightDecay.bitPattern);seed=\(seed)"
    }

    /// A 16-hex-digit FNV-1a hash of ``canonicalDescription`` (file names of the disk cache).
    public var key: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonicalDescription.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Task A, drawn from the stream `(seed, "fixture", "taskA")`.
    public var taskA: MarkovTokenSource {
        var rng = SeededRandom(seed: seed, path: ["fixture", "taskA"])
        return MarkovTokenSource(vocabularySize: model.vocabulary, order: order, branching: branching,
                                 smoothing: smoothing, using: &rng)
    }
}

extension TinyTransformer {
    /// Mean next-token cross-entropy (nats) and top-1 accuracy on `batch`, evaluation mode.
    public func evaluate(_ batch: TokenBatch) -> (loss: Double, accuracy: Double) {
        let tape = Tape<Float>()
        let logits = forward(tape, tokens: batch.tokens, batch: batch.sequences, training: false)
        let loss = tape.crossEntropy(logits, labels: batch.targets).scalar
        let z = logits.value, c = z.columns
        var correct = 0
        z.data.withUnsafeBufferPointer { p in
            for (r, label) in batch.targets.enumerated() {
                var best = 0
                for j in 1..<c where p[r * c + j] > p[r * c + best] { best = j }
                if best == label { correct += 1 }
            }
        }
        return (Double(loss), Double(correct) / Double(max(batch.targets.count, 1)))
    }
}

/// A pretrained base model: its settings, task A, the trained weights and the pretraining curve.
public final class PretrainedLanguageModel: @unchecked Sendable {
    // Immutable after init, hence safe to share between threads.
    public let settings: LanguageModelPretraining
    /// Task A, the source the model was pretrained on.
    public let taskA: MarkovTokenSource
    /// The trained value of every parameter, in the order of ``TrainableModel/parameters``.
    public let weights: [Tensor<Float>]
    /// Pretraining loss at every step.
    public let trainingLosses: [Double]

    init(settings: LanguageModelPretraining, taskA: MarkovTokenSource, weights: [Tensor<Float>], trainingLosses: [Double]) {
        self.settings = settings
        self.taskA = taskA
        self.weights = weights
        self.trainingLosses = trainingLosses
    }

    /// A fresh model holding the pretrained weights, all layers unfrozen and no adapters. Every
    /// call returns a new, independent model.
    public func makeModel() -> TinyTransformer {
        let model = TinyTransformer(config: settings.model, rng: SeededRandom(seed: settings.seed, path: ["fixture", "init"]))
        for (p, w) in zip(model.parameters, weights) {
            precondition(p.value.shape == w.shape, "fixture weight \(p.name) has shape \(w.shape), model wants \(p.value.shape)")
            p.value = w
        }
        return model
    }

    /// Task B: task A with the supports of `round(fraction·V)` tokens redrawn, from the stream
    /// `(settings.seed, "fixture", "taskB", name)`. Papers pick `name` so that different shifts
    /// never share a stream.
    public func taskB(fraction: Double, name: String = "default") -> MarkovTokenSource {
        var rng = SeededRandom(seed: settings.seed, path: ["fixture", "taskB", name])
        return taskA.shifted(fraction: fraction, using: &rng)
    }
}

/// Pretrains base models and caches them (see the file header).
public enum PretrainedFixture {
    /// Pretrains a model from scratch, ignoring every cache. Deterministic in `settings`.
    public static func pretrain(_ settings: LanguageModelPretraining, progress: ((Int) -> Void)? = nil) -> PretrainedLanguageModel {
        let taskA = settings.taskA
        let model = TinyTransformer(config: settings.model, rng: SeededRandom(seed: settings.seed, path: ["fixture", "init"]))
        let base = Float(settings.learningRate), warm = settings.warmupSteps
        let optimizer = ChainedOptimizer.adamW(
            model.trainableParameters,
            learningRate: warm == 0 ? .constant(base) : .schedule { step in base * Float(min(1, Double(step) / Double(warm))) },
            weightDecay: Float(settings.weightDecay))
        var batches = SeededRandom(seed: settings.seed, path: ["fixture", "batches"])
        var losses = [Double]()
        losses.reserveCapacity(settings.steps)
        for step in 0..<settings.steps {
            let b = taskA.batch(sequences: settings.batchSize, length: settings.model.context, using: &batches)
            let loss = optimizer.step { model.lossAndGradient(tokens: b.tokens, targets: b.targets, batch: b.sequences) }
            losses.append(Double(loss))
            if step % 100 == 99 { progress?(step + 1) }
        }
        return PretrainedLanguageModel(settings: settings, taskA: taskA, weights: model.parameters.map(\.value), trainingLosses: losses)
    }

    // MARK: The in-process memo

    /// One cache slot; its own lock serialises the (single) pretraining for its key.
    private final class Slot: @unchecked Sendable {
        let lock = NSLock()
        var value: PretrainedLanguageModel?
    }

    nonisolated(unsafe) private static var slots: [String: Slot] = [:]  // keyed by canonicalDescription
    private static let slotsLock = NSLock()

    /// Where ``model(_:progress:)`` also stores and reads pretrained weights, or nil (the
    /// default) for the in-process memo only. The files hold exact bit patterns, so a load is
    /// identical to a recomputation *with the same binary*; a key includes
    /// ``LanguageModelPretraining/procedureVersion`` but not the code of the autodiff kernels, so
    /// clear the folder after changing them. The CLI may point this at `.build/fixture-cache`.
    nonisolated(unsafe) public static var diskCacheDirectory: URL?

    /// The pretrained model for `settings`: from the process memo, else from the disk cache
    /// (when enabled), else pretrained now (and stored in both). Thread-safe; a key is
    /// pretrained at most once per process even when requested concurrently.
    public static func model(_ settings: LanguageModelPretraining, progress: ((Int) -> Void)? = nil) -> PretrainedLanguageModel {
        slotsLock.lock()
        let slot: Slot
        let id = settings.canonicalDescription
        if let s = slots[id] { slot = s } else { slot = Slot(); slots[id] = slot }
        slotsLock.unlock()

        slot.lock.lock()
        defer { slot.lock.unlock() }
        if let v = slot.value { return v }
        let directory = diskCacheDirectory
        if let directory, let loaded = try? load(settings, from: directory) {
            slot.value = loaded
            return loaded
        }
        let trained = pretrain(settings, progress: progress)
        if let directory { try? store(trained, in: directory) }
        slot.value = trained
        return trained
    }

    /// Forgets every memoised model (tests use it to force a disk load).
    public static func clearMemo() {
        slotsLock.lock()
        slots.removeAll()
        slotsLock.unlock()
    }

    // MARK: The disk format
    //
    // `<key>.bin`: the magic `RPFX`, the canonical description (UInt32 length + UTF-8), the
    // tensor count, then per tensor its rank, shape and element bit patterns, all little-endian
    // UInt32. Loading checks the description, so a hash collision or a stale file is rejected.

    private static let magic: [UInt8] = Array("RPFX".utf8)

    /// The cache file for `settings` in `directory`.
    public static func cacheFile(_ settings: LanguageModelPretraining, in directory: URL) -> URL {
        directory.appendingPathComponent(settings.key + ".bin")
    }

    /// Writes `model`'s weights to its cache file (via a temporary file and a rename).
    public static func store(_ model: PretrainedLanguageModel, in directory: URL) throws {
        var words = [UInt32]()
        let description = Array(model.settings.canonicalDescription.utf8)
        words.append(UInt32(description.count))
        var bytes = magic
        func flush() {
            for w in words { withUnsafeBytes(of: w.littleEndian) { bytes.append(contentsOf: $0) } }
            words.removeAll(keepingCapacity: true)
        }
        flush()
        bytes.append(contentsOf: description)
        words.append(UInt32(model.weights.count))
        for w in model.weights {
            words.append(UInt32(w.shape.count))
            words.append(contentsOf: w.shape.map { UInt32($0) })
            words.append(contentsOf: w.data.map(\.bitPattern))
        }
        words.append(UInt32(model.trainingLosses.count))
        for l in model.trainingLosses {
            words.append(UInt32(truncatingIfNeeded: l.bitPattern))
            words.append(UInt32(truncatingIfNeeded: l.bitPattern >> 32))
        }
        flush()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = cacheFile(model.settings, in: directory)
        let temporary = directory.appendingPathComponent(".\(model.settings.key).\(ProcessInfo.processInfo.processIdentifier).tmp")
        try Data(bytes).write(to: temporary)
        _ = try? FileManager.default.removeItem(at: file)
        try FileManager.default.moveItem(at: temporary, to: file)
    }

    /// Reads the weights for `settings` from `directory`, or nil when there is no valid file.
    public static func load(_ settings: LanguageModelPretraining, from directory: URL) throws -> PretrainedLanguageModel? {
        let file = cacheFile(settings, in: directory)
        guard let data = try? Data(contentsOf: file) else { return nil }
        let bytes = [UInt8](data)
        var offset = 0
        func word() -> UInt32? {
            guard offset + 4 <= bytes.count else { return nil }
            let w = UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            offset += 4
            return w
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else { return nil }
        offset = 4
        guard let length = word().map(Int.init), offset + length <= bytes.count else { return nil }
        guard String(decoding: bytes[offset..<(offset + length)], as: UTF8.self) == settings.canonicalDescription else { return nil }
        offset += length
        guard let count = word() else { return nil }
        var weights = [Tensor<Float>]()
        for _ in 0..<count {
            guard let rank = word() else { return nil }
            var shape = [Int]()
            for _ in 0..<rank { guard let s = word() else { return nil }; shape.append(Int(s)) }
            let n = shape.reduce(1, *)
            guard offset + 4 * n <= bytes.count else { return nil }
            var values = [Float]()
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(Float(bitPattern: word()!)) }
            weights.append(Tensor(shape: shape, data: values))
        }
        guard let lossCount = word(), offset + 8 * Int(lossCount) == bytes.count else { return nil }
        let losses = (0..<lossCount).map { _ in Double(bitPattern: UInt64(word()!) | UInt64(word()!) << 32) }
        // The model's parameter shapes must match, or the file belongs to other code.
        let expected = TinyTransformer(config: settings.model, rng: SeededRandom(seed: 0)).parameters.map(\.value.shape)
        guard expected == weights.map(\.shape) else { return nil }
        return PretrainedLanguageModel(settings: settings, taskA: settings.taskA, weights: weights, trainingLosses: losses)
    }
}

// ## A pretrained classifier for transfer papers on tabular data

extension MLP {
    /// The weights of an MLP with layer widths `sizes` trained on `source` by the harness's AdamW
    /// (learning rate 3·10⁻³, batch 32) for `epochs` epochs: the base model of a transfer
    /// experiment (pretrain on digits 0–4, fine-tune on 5–9). The initial weights come from
    /// `rng.child("model")` and the batch order from `rng.child("batches")`.
    public static func pretrainedWeights(sizes: [Int], on source: Dataset, epochs: Int, rng: SeededRandom) -> [Tensor<Float>] {
        let model = MLP(sizes: sizes, rng: rng.child("model"))
        var batchRNG = rng.child("batches")
        let schedule = BatchSchedule(count: source.count, batchSize: 32, using: &batchRNG)
        let optimizer = ChainedOptimizer.adamW(model.parameters, learningRate: .constant(3e-3))
        var batches = schedule.makeIterator()
        for _ in 0..<(epochs * schedule.batchesPerEpoch) {
            let (x, y) = source.batch(batches.next()!)
            optimizer.step { model.lossAndGradient(x, labels: y) }
        }
        return model.parameters.map(\.value)
    }
}

/// The digits split once for a transfer experiment: the classes 0–4 to pretrain on (``source``),
/// the classes 5–9 split into a training pool, validation and test (40/20/40%, stratified, stream
/// `data/split`), everything standardised on the pretraining set; the pool's examples in a fixed
/// random order (stream `data/subset`), so that a smaller training set is a prefix of a larger one.
public struct DigitsTransfer {
    public var source: Dataset
    public var target: DataSplits
    public var subsetOrder: [Int]

    public init(_ context: RunContext) throws {
        let digits = try Datasets.digits()
        let source = digits.subset(digits.labels.indices.filter { digits.labels[$0] < 5 }, name: "digits 0–4")
        let target = digits.subset(digits.labels.indices.filter { digits.labels[$0] >= 5 }, name: "digits 5–9")
        var rng = context.rng("data", "split")
        let splits = target.split(train: 0.4, validation: 0.2, using: &rng)
        let scaler = Standardizer(fittedOn: source.features)
        self.source = scaler.apply(source)
        self.target = DataSplits(train: scaler.apply(splits.train), validation: scaler.apply(splits.validation), test: scaler.apply(splits.test))
        var subsetRNG = context.rng("data", "subset")
        subsetOrder = subsetRNG.permutation(splits.train.count)
    }

    /// The first `n` examples of the pool in ``subsetOrder`` (0: the whole pool).
    public func train(_ n: Int) -> Dataset { n == 0 ? target.train : target.train.subset(Array(subsetOrder.prefix(n))) }
}
