import Foundation
import XCTest
@testable import Harness
@testable import reproduce

/// The CLI pins OpenBLAS's Haswell kernel before the library computes anything, unless the user
/// opts out or chose a kernel, and every ledger's platform says which kernel was in force.
final class KernelPinTests: XCTestCase {
    /// The variables that decide the kernel, removed from every child's environment first.
    let decisive = [BLASKernel.coreTypeVariable, BLASKernel.nativeVariable, BLASKernel.markerVariable]

    /// The `reproduce` executable built beside this test runner.
    func binary() throws -> URL {
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .map { URL(fileURLWithPath: $0) } ?? Bundle.main.executableURL
        let url = try XCTUnwrap(runner).deletingLastPathComponent().appendingPathComponent("reproduce")
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("no reproduce executable beside the test runner at \(url.path)")
        }
        return url
    }

    /// Runs the built CLI with `arguments` and this environment minus the kernel variables plus
    /// `extra`; returns its standard output, trimmed, after checking it exited 0.
    func run(_ arguments: [String], extra: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in decisive { environment[name] = nil }
        process.environment = environment.merging(extra) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "reproduce \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var cpuRunsHaswell: Bool { BLASKernel.canRunPinned(BLASKernel.cpuFlags()) }

    /// The pin happens before OpenBLAS loads: the core OpenBLAS itself reports
    /// (`openblas_get_config`, `openblas_get_corename`) is Haswell, though the child started
    /// without `OPENBLAS_CORETYPE`.
    func testTheCLIPinsHaswellBeforeOpenBLASLoads() throws {
        let platform = try run(["platform"])
        let parts = platform.components(separatedBy: "; ")
        // Pinned, the CPU model is not part of the platform: every AVX2 machine computes the same bits.
        XCTAssertEqual(parts.count, cpuRunsHaswell ? 3 : 4, platform)
        guard cpuRunsHaswell else {
            XCTAssertTrue(platform.contains("(native: CPU lacks AVX2 or FMA)"), platform)
            return
        }
        XCTAssertEqual(parts[2], "kernel Haswell (pinned)", platform)
        XCTAssertTrue(parts[1].hasPrefix("OpenBLAS "), platform)
        if parts[1].contains("DYNAMIC_ARCH") {
            XCTAssertTrue(parts[1].contains(" Haswell "), "OpenBLAS's own configuration names the pinned core: \(platform)")
        }
    }

    /// `--native-blas` and `REPRODUCE_NATIVE_BLAS=1` keep OpenBLAS's own kernel and say so.
    func testTheOptOutKeepsTheNativeKernel() throws {
        let byFlag = try run(["platform", "--native-blas"])
        let byVariable = try run(["platform"], extra: [BLASKernel.nativeVariable: "1"])
        XCTAssertEqual(byFlag, byVariable)
        let stamp = byFlag.components(separatedBy: "; ")[2]
        XCTAssertTrue(stamp.hasPrefix("kernel "), byFlag)
        XCTAssertTrue(stamp.hasSuffix(cpuRunsHaswell ? " (native)" : " (native: CPU lacks AVX2 or FMA)"), byFlag)
        if ProcessInfo.processInfo.environment[BLASKernel.coreTypeVariable] == nil {
            // This test process loaded OpenBLAS without a pin, so it runs the native kernel too.
            let reason: String? = cpuRunsHaswell ? nil : "CPU lacks AVX2 or FMA"
            XCTAssertEqual(stamp, BLASKernel.stamp(active: BLASKernel.active, choice: .native(reason: reason)), byFlag)
        }
        XCTAssertEqual(try run(["platform"], extra: [BLASKernel.nativeVariable: "0"]).contains("(native"), !cpuRunsHaswell,
                       "REPRODUCE_NATIVE_BLAS=0 does not opt out")
    }

    /// A kernel the user chose is respected and stamped.
    func testAUsersKernelIsRespected() throws {
        guard cpuRunsHaswell else { throw XCTSkip("needs a CPU with AVX2 and FMA") }
        // Sandybridge needs only AVX, which every CPU with AVX2 has.
        let platform = try run(["platform"], extra: [BLASKernel.coreTypeVariable: "Sandybridge"])
        XCTAssertEqual(platform.components(separatedBy: "; ")[2], "kernel Sandybridge (OPENBLAS_CORETYPE=Sandybridge)", platform)
        let lower = try run(["platform"], extra: [BLASKernel.coreTypeVariable: "haswell"])
        XCTAssertEqual(lower.components(separatedBy: "; ")[2], "kernel Haswell (pinned)", "the pinned kernel set by hand is the pin")
    }

    func testTheReexecDecision() {
        let avx2: Set<String> = ["sse2", "avx", "avx2", "fma"]
        XCTAssertTrue(BLASKernel.needsReexec(environment: [:], nativeRequested: false, cpuFlags: avx2))
        XCTAssertFalse(BLASKernel.needsReexec(environment: [:], nativeRequested: true, cpuFlags: avx2), "--native-blas")
        XCTAssertFalse(BLASKernel.needsReexec(environment: ["REPRODUCE_NATIVE_BLAS": "1"], nativeRequested: false, cpuFlags: avx2))
        XCTAssertTrue(BLASKernel.needsReexec(environment: ["REPRODUCE_NATIVE_BLAS": "0"], nativeRequested: false, cpuFlags: avx2))
        XCTAssertFalse(BLASKernel.needsReexec(environment: ["OPENBLAS_CORETYPE": "Zen"], nativeRequested: false, cpuFlags: avx2),
                       "the user's kernel stands")
        XCTAssertFalse(BLASKernel.needsReexec(environment: ["OPENBLAS_CORETYPE": "Haswell", "REPRODUCE_BLAS_PINNED": "Haswell"],
                                              nativeRequested: false, cpuFlags: avx2), "already re-executed")
        XCTAssertFalse(BLASKernel.needsReexec(environment: ["REPRODUCE_BLAS_PINNED": "Haswell"], nativeRequested: false, cpuFlags: avx2),
                       "never a second re-exec, whatever happened to the variable")
        XCTAssertFalse(BLASKernel.needsReexec(environment: [:], nativeRequested: false, cpuFlags: ["sse2", "avx", "avx2"]), "no FMA")
        XCTAssertFalse(BLASKernel.needsReexec(environment: [:], nativeRequested: false, cpuFlags: ["sse2", "avx", "fma"]), "no AVX2")
    }

    func testTheStampSaysWhichKernelAndHowItWasChosen() {
        let avx2: Set<String> = ["avx2", "fma"]
        XCTAssertEqual(BLASKernel.stamp(active: "Haswell", choice: BLASKernel.choice(environment: ["OPENBLAS_CORETYPE": "Haswell"], cpuFlags: avx2)),
                       "kernel Haswell (pinned)")
        XCTAssertEqual(BLASKernel.stamp(active: "Cooperlake", choice: BLASKernel.choice(environment: [:], cpuFlags: avx2)),
                       "kernel Cooperlake (native)")
        XCTAssertEqual(BLASKernel.stamp(active: "Zen", choice: BLASKernel.choice(environment: ["OPENBLAS_CORETYPE": "Zen"], cpuFlags: avx2)),
                       "kernel Zen (OPENBLAS_CORETYPE=Zen)")
        XCTAssertEqual(BLASKernel.stamp(active: "Sandybridge", choice: BLASKernel.choice(environment: [:], cpuFlags: ["avx"])),
                       "kernel Sandybridge (native: CPU lacks AVX2 or FMA)")
        XCTAssertEqual(BLASKernel.stamp(active: "Sandybridge", choice: .pinned),
                       "kernel Sandybridge (pin to Haswell not honoured by this OpenBLAS)", "a pin OpenBLAS ignored is not called pinned")
    }

    func testRequestsNativeBLASReadsTheParsedFlag() {
        XCTAssertTrue(Reproduce.requestsNativeBLAS(["run", "sam", "--native-blas", "--scale", "quick"]))
        XCTAssertTrue(Reproduce.requestsNativeBLAS(["all", "--native-blas"]))
        XCTAssertTrue(Reproduce.requestsNativeBLAS(["verify", "--native-blas"]))
        XCTAssertFalse(Reproduce.requestsNativeBLAS(["run", "sam"]))
        XCTAssertFalse(Reproduce.requestsNativeBLAS(["run", "sam", "--out", "x"]))
        XCTAssertFalse(Reproduce.requestsNativeBLAS(["list"]))
        XCTAssertFalse(Reproduce.requestsNativeBLAS(["run", "--bogus", "--native-blas"]), "bad input is reported, not decided on")
    }
}
