import Dispatch
import Foundation
import XCTest
@testable import Harness

final class PretrainedFixtureTests: XCTestCase {
    /// A base model small enough to pretrain in a debug build in well under a second.
    private func tinySettings(seed: UInt64 = 7, steps: Int = 30) -> LanguageModelPretraining {
        LanguageModelPretraining(model: TransformerConfig(vocabulary: 12, context: 6, width: 16, heads: 2, layers: 1),
                                 steps: steps, batchSize: 8, learningRate: 1e-2, warmupSteps: 5, seed: seed)
    }

    private func bits(_ ts: [Tensor<Float>]) -> [[UInt32]] { ts.map { $0.data.map(\.bitPattern) } }

    func testPretrainingIsBitIdenticalFromItsSettings() {
        let a = PretrainedFixture.pretrain(tinySettings()), b = PretrainedFixture.pretrain(tinySettings())
        XCTAssertEqual(bits(a.weights), bits(b.weights))
        XCTAssertEqual(a.trainingLosses.map(\.bitPattern), b.trainingLosses.map(\.bitPattern))
        // A different seed gives a different model: the seed really reaches the streams.
        let c = PretrainedFixture.pretrain(tinySettings(seed: 8))
        XCTAssertNotEqual(bits(a.weights), bits(c.weights))
    }

    func testPretrainingLearnsTaskA() {
        let settings = tinySettings(steps: 120)
        let model = PretrainedFixture.pretrain(settings)
        let first = model.trainingLosses.prefix(5).reduce(0, +) / 5
        let last = model.trainingLosses.suffix(10).reduce(0, +) / 10
        // Starts near log V (uniform over 12 tokens), must move well towards task A's optimum.
        XCTAssertEqual(first, Foundation.log(12.0), accuracy: 0.15)
        XCTAssertLessThan(last, first - 0.5)
        XCTAssertGreaterThan(last, model.taskA.optimalLoss(sequenceLength: settings.model.context + 1) - 0.3)
    }

    /// The tabular base model: deterministic from its stream, and it learns its task (the digits
    /// 0–4, chance 20%) in a few epochs.
    func testPretrainedMLPIsDeterministicAndLearnsItsTask() throws {
        let digits = try Datasets.digits()
        let source = digits.subset(digits.labels.indices.filter { digits.labels[$0] < 5 })
        let rng = SeededRandom(seed: 3, path: ["pretrained mlp"])
        let a = MLP.pretrainedWeights(sizes: [64, 16, 10], on: source, epochs: 3, rng: rng)
        XCTAssertEqual(bits(a), bits(MLP.pretrainedWeights(sizes: [64, 16, 10], on: source, epochs: 3, rng: rng)))
        let model = MLP(sizes: [64, 16, 10], rng: rng.child("model"))
        let initial = model.accuracy(source.features, labels: source.labels)
        for (p, w) in zip(model.parameters, a) { p.value = w }
        XCTAssertGreaterThan(model.accuracy(source.features, labels: source.labels), max(0.8, initial + 0.3))
    }

    /// The transfer split: source classes 0–4 standardised to zero mean, target classes 5–9, and a
    /// smaller training set the prefix of a larger one.
    func testDigitsTransferSplitsTheClassesAndNestsTrainingSets() throws {
        let t = try DigitsTransfer(RunContext(scale: .quick, slug: "transfer"))
        XCTAssertTrue(t.source.labels.allSatisfy { $0 < 5 })
        XCTAssertTrue((t.target.train.labels + t.target.validation.labels + t.target.test.labels).allSatisfy { $0 >= 5 })
        let column0 = stride(from: 0, to: t.source.features.count, by: t.source.features.shape[1]).map { Double(t.source.features.data[$0]) }
        XCTAssertEqual(Statistics.mean(column0), 0, accuracy: 1e-4)
        let (small, large) = (t.train(10), t.train(30))
        XCTAssertEqual(small.labels, Array(large.labels.prefix(10)))
        XCTAssertEqual(small.features.data, Array(large.features.data.prefix(small.features.count)))
        XCTAssertEqual(t.train(0).count, t.target.train.count)
    }

    func testMakeModelGivesIndependentCopiesOfThePretrainedWeights() {
        let base = PretrainedFixture.pretrain(tinySettings())
        let m1 = base.makeModel(), m2 = base.makeModel()
        XCTAssertEqual(bits(m1.parameters.map(\.value)), bits(base.weights))
        XCTAssertTrue(m1.trainableParameters.count == m1.parameters.count, "a fresh copy is unfrozen")
        m1.attachLoRA(rank: 2, alpha: 2, to: { $0.contains("attn") }, rng: SeededRandom(seed: 1))
        m1.parameters[0].value.data[0] += 1
        XCTAssertEqual(bits(m2.parameters.map(\.value)), bits(base.weights), "changing one copy must not touch another")
        XCTAssertTrue(m2.loraAdapters.isEmpty)
        XCTAssertEqual(bits(base.makeModel().parameters.map(\.value)), bits(base.weights))
    }

    func testMemoReturnsOneModelPerKeyEvenUnderConcurrency() {
        PretrainedFixture.clearMemo()
        let settings = tinySettings(seed: 11, steps: 10)
        let lock = NSLock()
        var seen = [ObjectIdentifier]()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let m = PretrainedFixture.model(settings)
            lock.lock(); seen.append(ObjectIdentifier(m)); lock.unlock()
        }
        XCTAssertEqual(Set(seen).count, 1, "concurrent requests must share one pretraining")
        XCTAssertEqual(bits(PretrainedFixture.model(settings).weights), bits(PretrainedFixture.pretrain(settings).weights))
        XCTAssertFalse(PretrainedFixture.model(tinySettings(seed: 12, steps: 10)) === PretrainedFixture.model(settings))
    }

    func testDiskCacheLoadEqualsRecomputation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fixture-cache-test-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let settings = tinySettings(seed: 21, steps: 15)
        let fresh = PretrainedFixture.pretrain(settings)
        try PretrainedFixture.store(fresh, in: directory)
        let loaded = try XCTUnwrap(PretrainedFixture.load(settings, from: directory))
        XCTAssertEqual(bits(loaded.weights), bits(fresh.weights))
        XCTAssertEqual(loaded.trainingLosses.map(\.bitPattern), fresh.trainingLosses.map(\.bitPattern))
        XCTAssertEqual(loaded.taskA, fresh.taskA)

        // Other settings do not read this file (different key, and the description is checked).
        var other = settings
        other.steps = 16
        XCTAssertNil(try PretrainedFixture.load(other, from: directory))
        // A truncated file is rejected, not half-read.
        let file = PretrainedFixture.cacheFile(settings, in: directory)
        let data = try Data(contentsOf: file)
        try data.prefix(data.count - 3).write(to: file)
        XCTAssertNil(try PretrainedFixture.load(settings, from: directory))

        // With the disk cache on, `model` stores on a miss and reads the file on the next miss.
        PretrainedFixture.clearMemo()
        PretrainedFixture.diskCacheDirectory = directory
        defer { PretrainedFixture.diskCacheDirectory = nil; PretrainedFixture.clearMemo() }
        try? FileManager.default.removeItem(at: file)
        let viaCache = PretrainedFixture.model(settings)
        XCTAssertEqual(bits(viaCache.weights), bits(fresh.weights))
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.path))
        PretrainedFixture.clearMemo()
        XCTAssertEqual(bits(PretrainedFixture.model(settings).weights), bits(fresh.weights))
    }

    func testKeyIsStableAndCoversEveryField() {
        let s = tinySettings()
        XCTAssertEqual(s.key, tinySettings().key)
        XCTAssertEqual(s.key.count, 16)
        var variants = [LanguageModelPretraining]()
        var v = s; v.model.width = 32; v.model.heads = 2; variants.append(v)
        v = s; v.order = 1; variants.append(v)
        v = s; v.smoothing = 0.03; variants.append(v)
        v = s; v.learningRate = 2e-2; variants.append(v)
        v = s; v.batchSize = 9; variants.append(v)
        v = s; v.warmupSteps = 0; variants.append(v)
        v = s; v.weightDecay = 0.1; variants.append(v)
        for variant in variants { XCTAssertNotEqual(variant.key, s.key, variant.canonicalDescription) }
    }

    func testTaskBIsAShiftOfTaskAFromANamedStream() {
        let base = PretrainedFixture.pretrain(tinySettings(steps: 0))
        XCTAssertEqual(base.taskB(fraction: 0), base.taskA)
        let b = base.taskB(fraction: 0.5, name: "x")
        XCTAssertEqual(b, base.taskB(fraction: 0.5, name: "x"))
        XCTAssertNotEqual(b, base.taskA)
        XCTAssertNotEqual(b, base.taskB(fraction: 0.5, name: "y"))
        let changed = (0..<12).filter { b.supports[$0] != base.taskA.supports[$0] }.count
        XCTAssertLessThanOrEqual(changed, 6, "at most round(0.5·V) successor sets are redrawn")
        XCTAssertGreaterThan(changed, 0)
    }

    func testBatchTargetsAreTheNextTokens() {
        var rng = SeededRandom(seed: 3)
        let source = PretrainedFixture.pretrain(tinySettings(steps: 0)).taskA
        var copy = rng
        let sequences = source.sample(sequences: 3, length: 7, using: &copy)
        let b = source.batch(sequences: 3, length: 6, using: &rng)
        XCTAssertEqual(b.tokens, sequences.flatMap { $0.prefix(6) })
        XCTAssertEqual(b.targets, sequences.flatMap { $0.dropFirst() })
        XCTAssertEqual(b.sequences, 3)
    }

    func testEvaluateMatchesTheTrainingLossAndCountsAccuracy() {
        let base = PretrainedFixture.pretrain(tinySettings(steps: 40))
        let model = base.makeModel()
        var rng = SeededRandom(seed: 4)
        let b = base.taskA.batch(sequences: 5, length: 6, using: &rng)
        let result = model.evaluate(b)
        let tape = Tape<Float>()
        XCTAssertEqual(result.loss, Double(model.loss(tape, tokens: b.tokens, targets: b.targets, batch: 5, training: false).scalar))
        XCTAssertGreaterThanOrEqual(result.accuracy, 0)
        XCTAssertLessThanOrEqual(result.accuracy, 1)
        // Accuracy counted by hand from the logits.
        let z = model.forward(Tape<Float>(), tokens: b.tokens, batch: 5, training: false).value
        let correct = b.targets.enumerated().filter { r, t in
            (0..<12).max { z.data[r * 12 + $0] < z.data[r * 12 + $1] } == t
        }.count
        XCTAssertEqual(result.accuracy, Double(correct) / Double(b.targets.count), accuracy: 1e-12)
    }
}
