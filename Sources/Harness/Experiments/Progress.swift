import Foundation

/// Progress lines for long runs: `[paper] arm, seed, step, elapsed` on stderr.
///
/// Silent unless stderr is a terminal, so logs, CI output and reports never contain timings.
/// Thread-safe: papers running in parallel share one instance.
public final class Progress: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private let start = Date()

    /// A reporter that prints nothing.
    public static let silent = Progress(enabled: false)

    /// A reporter that prints only when standard error is a terminal.
    public static func terminal() -> Progress { Progress(enabled: isatty(2) != 0) }

    public init(enabled: Bool) { self.enabled = enabled }

    /// Prints one line, prefixed with the elapsed wall time since the reporter was made.
    public func report(_ slug: String, _ message: @autoclosure () -> String) {
        guard enabled else { return }
        let line = String(format: "%7.1fs [%@] %@\n", Date().timeIntervalSince(start), slug, message())
        lock.lock()
        FileHandle.standardError.write(line.data(using: .utf8)!)
        lock.unlock()
    }
}
