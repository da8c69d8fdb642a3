import AdaptiveMethods
import ConvexAndTheory
import Harness
import LowRankAdapters
import MemoryEfficient
import Normalization
import Orthogonalized
import SchedulesAndBatchSize
import SecondOrder
import SharpnessAndGeneralization

/// Every reproduced paper, one line each, in catalog order (family, then slug).
///
/// Adding a paper: write `Sources/Papers/<Family>/<Method>.swift` conforming to ``Paper``, then
/// add one line here (a new family also gets its `import` here and its name in Package.swift's
/// `families`).
public let registry: [any Paper] = [
    AdaBeliefPaper(),              // AdaptiveMethods
    AdamPaper(),                   // AdaptiveMethods
    AdanPaper(),                   // AdaptiveMethods
    DiffGradPaper(),               // AdaptiveMethods
    OptimisticAMSGradPaper(),      // AdaptiveMethods
    SANIAPaper(),                  // AdaptiveMethods
    SGDSaIPaper(),                 // AdaptiveMethods
    SMBPaper(),                    // AdaptiveMethods
    UDoGPaper(),                   // AdaptiveMethods
    Adam8bitPaper(),               // MemoryEfficient
    APOLLOPaper(),                 // MemoryEfficient
    COAPPaper(),                   // MemoryEfficient
    DCTLowRankProjection(),        // MemoryEfficient
    FiraPaper(),                   // MemoryEfficient
    FloraPaper(),                  // MemoryEfficient
    FRUGALPaper(),                 // MemoryEfficient
    GaLore(),                      // MemoryEfficient
    GaLorePlus(),                  // MemoryEfficient
    GradNormLoRPPaper(),           // MemoryEfficient
    Grass(),                       // MemoryEfficient
    LoQTPaper(),                   // MemoryEfficient
    OnlineSubspaceDescent(),       // MemoryEfficient
    QGaLore(),                     // MemoryEfficient
    SLTrain(),                     // MemoryEfficient
    SparseSpectralTraining(),      // MemoryEfficient
    SubsetNormSubspaceMomentum(),  // MemoryEfficient
    TpSGDPaper(),                  // MemoryEfficient
    LoRAPlus(),                    // LowRankAdapters
    NormalizeAndProjectPaper(),    // Normalization
    PeriLNPaper(),                 // Normalization
    PowerNormPaper(),              // Normalization
    TrActPaper(),                  // Normalization
    DoubleDescentOptimization(),   // SharpnessAndGeneralization
    FisherSAMPaper(),              // SharpnessAndGeneralization
    GAMPaper(),                    // SharpnessAndGeneralization
    GDIncrementalLearningPaper(),  // SharpnessAndGeneralization
    HessianLandscapeGeneralizationPaper(), // SharpnessAndGeneralization
    KoopmanGeneralizationBound(),  // SharpnessAndGeneralization
    LoRAGGPO(),                    // SharpnessAndGeneralization
    ProjectionHeadBenefits(),      // SharpnessAndGeneralization
    SharpnessAwareMinimization(),  // SharpnessAndGeneralization
    SAMEdgeOfStability(),          // SharpnessAndGeneralization
    SAMImbalancedSaddle(),         // SharpnessAndGeneralization
    SAMSDEPaper(),                 // SharpnessAndGeneralization
    DynamicalStabilityPaper(),     // SharpnessAndGeneralization
    SGDNoiseRegimesPaper(),        // SharpnessAndGeneralization
    ScaledGDLambda(),              // ConvexAndTheory
    AuONPaper(),                   // Orthogonalized
    DropMuonPaper(),               // Orthogonalized
    LANTONPaper(),                 // Orthogonalized
    AdAdaGradPaper(),              // SchedulesAndBatchSize
    ScheduleRefinementPaper(),     // SchedulesAndBatchSize
    RMTLearningRatesPaper(),       // SchedulesAndBatchSize
    DistributedShampooPaper(),     // SecondOrder
    EGNPaper(),                    // SecondOrder
    GradientNormalizedSmoothnessPaper(), // SecondOrder
    HessianSpectrumPaper(),        // SecondOrder
    MFACPaper(),                   // SecondOrder
    MKORPaper(),                   // SecondOrder
    MuPSecondOrderPaper(),         // SecondOrder
    OASISPaper(),                  // SecondOrder
    PolynomialPreconditioningPaper(), // SecondOrder
    SophiaPaper(),                 // SecondOrder
    SPDSubmanifoldMomentumPaper(), // SecondOrder
]

/// The registered paper with the given slug, if any.
public func paper(slug: String) -> (any Paper)? { registry.first { $0.info.slug == slug } }

/// Every optimizer of `reproduce league`: the harness baselines, then each registered paper's
/// ``Paper/leagueOptimizers`` in registry order.
public let leagueEntries: [LeagueEntry] = LeagueRegistry.baselines + registry.flatMap { paper in
    paper.leagueOptimizers.map { LeagueEntry($0, source: paper.info.slug) }
}
