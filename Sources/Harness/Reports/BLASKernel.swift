import COpenBLAS
import Foundation

// # One OpenBLAS kernel on every x86-64 machine
//
// A DYNAMIC_ARCH OpenBLAS (Debian's) picks its compute kernel for the CPU when the library loads:
// Haswell, Zen, SkylakeX, Cooperlake... The kernels sum in different orders, so the same seed
// gives numbers that differ in the last bits from one machine to the next. The `reproduce` CLI
// therefore pins the `Haswell` kernel, which every CPU with AVX2 and FMA runs. OpenBLAS reads
// `OPENBLAS_CORETYPE` only while it loads, before `main`, so the CLI sets the variable and
// executes itself again (``BLASKernel/pinByReexecuting(nativeRequested:)``). A variable the user
// set is respected; `--native-blas` or `REPRODUCE_NATIVE_BLAS=1` keeps OpenBLAS's own choice
// (faster on newer CPUs). Every ledger's platform names the kernel in force and how it was
// chosen (``BLASKernel/stamp``).

/// Which OpenBLAS kernel computes, and how it was chosen.
public enum BLASKernel {
    /// The pinned kernel: every x86-64 CPU with AVX2 and FMA runs it.
    public static let pinned = "Haswell"
    /// OpenBLAS's variable naming the kernel, read once when the library loads.
    public static let coreTypeVariable = "OPENBLAS_CORETYPE"
    /// Set to anything but empty or `0` to keep OpenBLAS's own kernel (the `--native-blas` flag).
    public static let nativeVariable = "REPRODUCE_NATIVE_BLAS"
    /// Set in the re-executed process: its presence forbids another re-exec.
    static let markerVariable = "REPRODUCE_BLAS_PINNED"

    /// How the kernel in force was chosen.
    public enum Choice: Equatable, Sendable {
        /// `OPENBLAS_CORETYPE` names ``BLASKernel/pinned``.
        case pinned
        /// `OPENBLAS_CORETYPE` names another kernel (the user's choice).
        case user(String)
        /// OpenBLAS chose for the CPU; `reason` says why the pin was not applied when the user did
        /// not ask for that.
        case native(reason: String?)
    }

    /// The kernel OpenBLAS is using, as it names it (e.g. `Haswell`, `Cooperlake`).
    public static var active: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingCharacters(in: .whitespaces)
    }

    /// The choice in force in this process.
    public static var choice: Choice {
        choice(environment: ProcessInfo.processInfo.environment, cpuFlags: cpuFlags())
    }

    /// The kernel in force and how it was chosen, for the ledger's platform and the report:
    /// `kernel Haswell (pinned)`, `kernel Cooperlake (native)`, `kernel Zen (OPENBLAS_CORETYPE=Zen)`.
    public static var stamp: String { stamp(active: active, choice: choice) }

    /// ``stamp`` for a given kernel and choice.
    static func stamp(active: String, choice: Choice) -> String {
        switch choice {
        case .pinned:
            return active.caseInsensitiveCompare(pinned) == .orderedSame
                ? "kernel \(active) (pinned)"
                : "kernel \(active) (pin to \(pinned) not honoured by this OpenBLAS)"
        case .user(let value): return "kernel \(active) (\(coreTypeVariable)=\(value))"
        case .native(nil): return "kernel \(active) (native)"
        case .native(let reason?): return "kernel \(active) (native: \(reason))"
        }
    }

    /// The choice that `environment` and a CPU with `cpuFlags` make.
    static func choice(environment: [String: String], cpuFlags: Set<String>) -> Choice {
        if let value = environment[coreTypeVariable], !value.isEmpty {
            return value.caseInsensitiveCompare(pinned) == .orderedSame ? .pinned : .user(value)
        }
        if !canRunPinned(cpuFlags) { return .native(reason: "CPU lacks AVX2 or FMA") }
        return .native(reason: nil)
    }

    /// True when the process must execute itself again to load OpenBLAS with the pin: nothing
    /// chose a kernel yet, the user did not opt out, the CPU runs the pinned kernel, and this is
    /// not already the re-executed process.
    static func needsReexec(environment: [String: String], nativeRequested: Bool, cpuFlags: Set<String>) -> Bool {
        if environment[markerVariable] != nil { return false }
        if let value = environment[coreTypeVariable], !value.isEmpty { return false }
        if nativeRequested || optedOut(environment) { return false }
        return canRunPinned(cpuFlags)
    }

    /// True when `REPRODUCE_NATIVE_BLAS` asks for the native kernel.
    static func optedOut(_ environment: [String: String]) -> Bool {
        guard let value = environment[nativeVariable] else { return false }
        return !value.isEmpty && value != "0"
    }

    /// The Haswell kernel needs AVX2 and FMA; never pin a kernel the CPU cannot run.
    static func canRunPinned(_ flags: Set<String>) -> Bool { flags.contains("avx2") && flags.contains("fma") }

    /// The `flags` of the first processor in `/proc/cpuinfo` (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }

    /// Call first thing in `main`, before any BLAS call: when the pin applies (see
    /// ``needsReexec(environment:nativeRequested:cpuFlags:)``), sets `OPENBLAS_CORETYPE=Haswell`
    /// and replaces this process with a fresh copy of itself, same arguments, so that OpenBLAS
    /// loads with the pinned kernel. Returns when no re-exec is needed, or when it failed (then
    /// with a warning on stderr, the variables removed, and the native kernel in force).
    ///
    /// - Parameter nativeRequested: the command line asked for the native kernel (`--native-blas`).
    public static func pinByReexecuting(nativeRequested: Bool) {
        let environment = ProcessInfo.processInfo.environment
        if nativeRequested, environment[markerVariable] == nil,
           let value = environment[coreTypeVariable], !value.isEmpty {
            warn("--native-blas has no effect: \(coreTypeVariable)=\(value) is set in the environment")
        }
        guard needsReexec(environment: environment, nativeRequested: nativeRequested, cpuFlags: cpuFlags()) else { return }
        setenv(coreTypeVariable, pinned, 1)
        setenv(markerVariable, pinned, 1)
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", arguments)
        // Only reached when the exec failed: run on with the kernel already loaded, and say so.
        let error = String(cString: strerror(errno))
        unsetenv(coreTypeVariable)
        unsetenv(markerVariable)
        warn("could not re-execute to pin OpenBLAS's \(pinned) kernel (\(error)); running with the native kernel")
    }

    private static func warn(_ message: String) {
        FileHandle.standardError.write(Data("reproduce: \(message)\n".utf8))
    }
}
