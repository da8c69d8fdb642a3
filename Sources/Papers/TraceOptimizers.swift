import Harness

/// The optimizers `reproduce trace` knows, by project name (see the reference README's table).
///
/// The harness baselines (`sgd`, `adagrad`, `rmsprop`, `adam`, `adamw`) come from
/// ``baselineTraceOptimizers``; a paper whose optimizer can be traced adds one line to the list
/// below, e.g. `"sam": SAM.traceFactory,`. Each factory validates its hyperparameter keys and
/// throws ``TraceError`` listing the accepted names.
public let traceOptimizers: [String: TraceOptimizerFactory] = baselineTraceOptimizers.merging(
    [
        "adamax": AdamPaper.adamaxTraceFactory,
        "galore": GaLore.traceFactory,
        "sam": SAM.traceFactory,
    ] as [String: TraceOptimizerFactory]
) { _, paperSpecific in paperSpecific }
