import Foundation

/// An exclusive lock on a reports folder, so two runs into the same `--out` cannot interleave
/// their files (a mix of `--seed 1` and `--seed 2`).
///
/// The lock is `flock(2)` on the folder itself (no lock file to leave behind or commit): the kernel
/// releases it when the process ends, however it ends, so a killed run never leaves the folder
/// locked. Held for the lifetime of the value.
public final class OutputLock: @unchecked Sendable {
    private let descriptor: Int32

    /// Takes the lock without waiting.
    ///
    /// - Throws: ``ReportError/busy(path:)`` when another process holds it, or
    ///   ``ReportError/unwritable(path:reason:)`` when the folder cannot be opened.
    public init(_ folder: URL) throws {
        let path = folder.path
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ReportError.unwritable(path: path, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw ReportError.busy(path: folder.path) }
            throw ReportError.unwritable(path: path, reason: String(cString: strerror(code)))
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
