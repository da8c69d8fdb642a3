// swift-tools-version:6.1
import PackageDescription

/// Release builds specialise the harness's generic numerics (`Tensor<Float>`, `Tensor<Double>`)
/// inside the paper modules only if their bodies cross the module boundary.
let crossModule: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

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
        .target(
            name: "Papers",
            dependencies: ["Harness"],
            swiftSettings: crossModule + [.swiftLanguageMode(.v5)]
        ),
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
            dependencies: ["Papers", "Harness", "reproduce"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
