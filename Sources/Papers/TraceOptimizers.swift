import Harness

/// The optimizers `reproduce trace` knows, by project name (see the reference README's table):
/// the harness baselines (`sgd`, `adagrad`, `rmsprop`, `adam`, `adamw`, ``baselineTraceOptimizers``)
/// and every registered paper's ``Paper/traceOptimizers``, so registering a paper is the only
/// step. Each factory validates its hyperparameter keys and throws ``TraceError`` listing the
/// accepted names.
public let traceOptimizers: [String: TraceOptimizerFactory] = registry.reduce(into: baselineTraceOptimizers) { table, paper in
    table.merge(paper.traceOptimizers) { _, paperSpecific in paperSpecific }
}
