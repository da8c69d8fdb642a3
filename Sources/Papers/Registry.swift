import Harness

/// Every reproduced paper, one line each, in catalog order (family, then slug).
///
/// Adding a paper: write `Sources/Papers/<Family>/<Method>.swift` conforming to ``Paper``, then
/// add one line here.
public let registry: [any Paper] = [
    AdamPaper(),                   // AdaptiveMethods
    GaLore(),                      // MemoryEfficient
    LoRAPlus(),                    // LowRankAdapters
    SharpnessAwareMinimization(),  // SharpnessAndGeneralization
    ScaledGDLambda(),              // ConvexAndTheory
]

/// The registered paper with the given slug, if any.
public func paper(slug: String) -> (any Paper)? { registry.first { $0.info.slug == slug } }
