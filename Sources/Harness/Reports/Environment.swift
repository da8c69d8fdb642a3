import COpenBLAS
import Foundation

/// The machine and build a report was made on: the last section of every report.
///
/// Every field is read from the build or the machine, never the clock or the working folder, so a
/// re-run of the same binary gives the same text wherever it runs. There is no commit row: the
/// code that ran is in the report's excerpts (embedded at build time), and a committed report's
/// commit is the one git shows for it.
public struct ReportEnvironment: Sendable, Equatable {
    public var swift: String
    public var openBLAS: String
    public var gnuplot: String
    public var cpu: String

    public init(swift: String, openBLAS: String, gnuplot: String, cpu: String) {
        self.swift = swift
        self.openBLAS = openBLAS
        self.gnuplot = gnuplot
        self.cpu = cpu
    }

    /// The environment of this process, with gnuplot's version from `gnuplot`.
    public static func current(gnuplot: Gnuplot?) -> ReportEnvironment {
        ReportEnvironment(swift: compilerVersion, openBLAS: "\(openBLASConfiguration); \(BLASKernel.stamp)",
                          gnuplot: gnuplot?.version ?? "not used",
                          cpu: kernelPinned ? "any x86-64 CPU with AVX2 and FMA (OpenBLAS kernel pinned)" : cpuModel())
    }

    /// What determines the bits of a result on this machine: compiler, OpenBLAS build, the kernel
    /// in force and whether it was pinned (``BLASKernel/stamp``), and the CPU model unless the
    /// kernel is pinned. Two runs with the same platform, seed and code give identical numbers:
    /// with the pinned kernel every AVX2 machine runs the same instructions (the Swift code is
    /// built for generic x86-64, glibc's libm picks the same FMA variants on every AVX2+FMA CPU),
    /// so the CPU model no longer matters and `verify` stays bit-exact across machines.
    public static var platform: String {
        "Swift \(compilerVersion); \(openBLASConfiguration); \(BLASKernel.stamp)" + (kernelPinned ? "" : "; \(cpuModel())")
    }

    /// True when OpenBLAS runs the pinned kernel: then the CPU model does not change a bit of any
    /// result, so neither the platform nor a report names it (shards on different machines of a
    /// fan-out write the same bytes).
    static var kernelPinned: Bool {
        BLASKernel.choice == .pinned && BLASKernel.active.caseInsensitiveCompare(BLASKernel.pinned) == .orderedSame
    }

    /// The Swift compiler that built this binary.
    public static var compilerVersion: String {
        #if compiler(>=7.0)
        return "7.0 or later"
        #elseif compiler(>=6.3.2)
        return "6.3.2 or later"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "before 6.1"
        #endif
    }

    /// OpenBLAS's build configuration (version, kernel, threading), read once: the library
    /// assembles the text in one static buffer with `strcat` on every call, so two papers asking at
    /// once could read `MAX_THREADS=64 MAX_THREADS=64` (seen with `--jobs 2`).
    public static let openBLASConfiguration: String = {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config).trimmingCharacters(in: .whitespaces)
    }()

    /// The first `model name` of `/proc/cpuinfo`.
    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") {
                return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "unknown"
    }
}
