// reproduce-bench: times the workloads of shared/bench/peers.py in Swift and prints them beside
// the NumPy and PyTorch figures from a peers.json produced by that script in the same session.
//
//   python3 peers.py --threads 2 > peers.json     # (PyTorch from a venv with the CPU wheel)
//   .build/release/reproduce-bench --peers peers.json --threads 2
//
// Every figure is the median over repeats after warm-up, as in peers.py. Ratios > 1 mean Swift is
// faster (throughput ratio for GFLOP/s, time ratio peer/Swift for milliseconds).
import Foundation
import Harness

struct Options {
    var peersPath: String?
    var threads = 2
    var repeats = 10
    /// Only the workloads whose names start with one of these prefixes (all when empty).
    var only: [String] = []

    init(_ args: [String]) {
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fail("missing value after \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--peers": peersPath = value()
            case "--threads": threads = Int(value()) ?? { fail("--threads takes a whole number") }()
            case "--repeats": repeats = Int(value()) ?? { fail("--repeats takes a whole number") }()
            case "--only": only = value().split(separator: ",").map(String.init)
            case "-h", "--help":
                print("usage: reproduce-bench [--peers peers.json] [--threads T] [--repeats N] [--only PREFIX,...]")
                exit(0)
            default: fail("unknown option \(args[i])")
            }
            i += 1
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write("reproduce-bench: \(message)\n".data(using: .utf8)!)
    exit(2)
}

/// Median wall time in seconds of `body` over `repeats` runs after `warmup` runs.
func medianSeconds(repeats: Int, warmup: Int = 3, _ body: () -> Void) -> Double {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
    }
    times.sort()
    return times.count % 2 == 1 ? times[times.count / 2] : 0.5 * (times[times.count / 2 - 1] + times[times.count / 2])
}

MemoryTuning.apply()
let options = Options(Array(CommandLine.arguments.dropFirst()))
var peers: [String: Any] = [:]
if let path = options.peersPath {
    guard let data = FileManager.default.contents(atPath: path),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        fail("cannot read peers file \(path)")
    }
    peers = json
}

func peer(_ library: String, _ workload: String, _ unit: String) -> Double? {
    ((peers[library] as? [String: Any])?[workload] as? [String: Any])?[unit] as? Double
}

struct Row { var workload: String; var unit: String; var swift: Double; var numpy: Double?; var torch: Double? }
var rows: [Row] = []
BLASThreads.set(options.threads)
ElementwiseParallelism.threadCount = options.threads

/// Whether `--only` selects the workload `name`.
func selected(_ name: String) -> Bool { options.only.isEmpty || options.only.contains { name.hasPrefix($0) } }

// sgemm/N: C = A B for square N x N float32 matrices, GFLOP/s.
for n in [256, 512, 1024] where selected("sgemm/\(n)") {
    var rng = SeededRandom(seed: 0, path: ["bench", "sgemm", "\(n)"])
    let a = Tensor<Float>.randomNormal([n, n], using: &rng), b = Tensor<Float>.randomNormal([n, n], using: &rng)
    var c = Tensor<Float>.zeros([n, n])
    // OpenBLAS wakes its worker threads lazily; a longer warm-up measures the steady state, as NumPy's long-lived pool does.
    let t = medianSeconds(repeats: max(options.repeats, 30), warmup: 30) { gemm(a, b, into: &c) }
    rows.append(Row(workload: "sgemm/\(n)", unit: "gflops", swift: 2 * Double(n * n * n) / t / 1e9,
                    numpy: peer("numpy", "sgemm/\(n)", "gflops"), torch: peer("torch", "sgemm/\(n)", "gflops")))
}

rows += benchmarkAdamW(repeats: options.repeats)
rows += benchmarkMLP(repeats: options.repeats)
rows += benchmarkCNN(repeats: options.repeats)
rows += benchmarkTransformer(repeats: options.repeats)

func cell(_ x: Double?) -> String { x.map { String(format: "%.3g", $0) } ?? "—" }
func ratio(_ row: Row, _ peer: Double?) -> String {
    guard let p = peer else { return "—" }
    return String(format: "%.2f", row.unit == "gflops" ? row.swift / p : p / row.swift)
}
print("threads: \(options.threads) (OpenBLAS and optimizer); ratio > 1: Swift faster")
print("| workload | unit | Swift | NumPy | PyTorch | vs NumPy | vs PyTorch |")
print("|---|---|---:|---:|---:|---:|---:|")
for r in rows {
    print("| \(r.workload) | \(r.unit) | \(cell(r.swift)) | \(cell(r.numpy)) | \(cell(r.torch)) | \(ratio(r, r.numpy)) | \(ratio(r, r.torch)) |")
}
