import Foundation

/// A lock on a reports folder, so two runs into the same `--out` cannot interleave their files (a
/// mix of `--seed 1` and `--seed 2`). Exclusive, or shared among the shards of one fan-out, which
/// write disjoint papers (shared locks exclude exclusive ones).
///
/// The lock is `flock(2)` on the folder itself (no lock file to leave behind or commit): the kernel
/// releases it when the process ends, however it ends, so a killed run never leaves the folder
/// locked. Held for the lifetime of the value.
public final class OutputLock: @unchecked Sendable {
    private let descriptor: Int32

    /// Takes the lock without waiting; `shared` for a shard of a fan-out.
    ///
    /// - Throws: ``ReportError/busy(path:)`` when another process holds it, or
    ///   ``ReportError/unwritable(path:reason:)`` when the folder cannot be opened.
    public init(_ folder: URL, shared: Bool = false) throws {
        let path = folder.path
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ReportError.unwritable(path: path, reason: String(cString: strerror(errno))) }
        if flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw ReportError.busy(path: folder.path) }
            throw ReportError.unwritable(path: path, reason: String(cString: strerror(code)))
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
