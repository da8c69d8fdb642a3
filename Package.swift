// swift-tools-version:6.1
import PackageDescription

/// Release builds specialise the harness's generic numerics (`Tensor<Float>`, `Tensor<Double>`)
/// inside the paper modules only if their bodies cross the module boundary.
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

/// One module per paper family (`Sources/Papers/<Family>/`), so families compile in parallel and an
/// edit recompiles one family. Add a family here when its first paper lands (a target needs a
/// source file); the `Papers` module on top is the registry, one obvious list of every paper.
let families = [
    "AdaptiveMethods",
    "ConvexAndTheory",
    "LowRankAdapters",
    "MemoryEfficient",
    "Normalization",
    "Orthogonalized",
    "SecondOrder",
    "SchedulesAndBatchSize",
    "SharpnessAndGeneralization",
]

let package = Package(
    name: "Reproduce",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "reproduce", targets: ["reproduce"]),
        .library(name: "Harness", targets: ["Harness"]),
        .library(name: "Papers", targets: ["Papers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .target(
            name: "Harness",
            dependencies: [
                "COpenBLAS",
                .product(name: "Numerics", package: "swift-numerics"),
            ],
            resources: [.copy("Resources/data")],
            swiftSettings: crossModule + [.swiftLanguageMode(.v5)]
        ),
    ] + families.map { family in
        .target(
            name: family,
            dependencies: ["Harness"],
            path: "Sources/Papers/\(family)",
            // No -cross-module-optimization: nothing but the registry imports a family, so
            // exporting its bodies only costs compile time (a fifth of the family build).
            swiftSettings: [.swiftLanguageMode(.v5)]
        )
    } + [
        .target(
            name: "Papers",
            dependencies: ["Harness"] + families.map { .target(name: $0) },
            path: "Sources/Papers",
            exclude: families,
            swiftSettings: crossModule + [.swiftLanguageMode(.v5)],
            plugins: ["EmbedExcerpts"]
        ),
        // Cuts the `// excerpt:` regions of the harness and the families into the Papers module
        // at build time, so reports show the code that was compiled (not the tree beside the binary).
        .executableTarget(name: "embed-excerpts", path: "Sources/embed-excerpts"),
        .plugin(name: "EmbedExcerpts", capability: .buildTool(), dependencies: ["embed-excerpts"]),
        .executableTarget(
            name: "reproduce",
            dependencies: [
                "Harness", "Papers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "reproduce-bench",
            dependencies: ["Harness"],
            path: "Sources/Benchmark",
            swiftSettings: crossModule + [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "HarnessTests",
            dependencies: ["Harness"],
            resources: [.copy("Golden")],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .testTarget(
            name: "PapersTests",
            dependencies: ["Papers", "Harness", "reproduce"] + families.map { .target(name: $0) },
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
