import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock(2)` on a lock file, held until deinit. flock locks belong to the
/// open file description, so two threads of one process exclude each other as two
/// processes do. Not thread safe: one instance per acquisition.
final class FileLock {
    private let fd: Int32

    /// Waits up to `timeout` for the lock on `path`, polling; fails with a `.locked` error.
    init(path: String, timeout: Duration, subject: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw GitError(.io, "\(subject): cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR else {
                close(fd)
                throw GitError(.io, "\(subject): cannot lock \(path): \(String(cString: strerror(err)))")
            }
            guard clock.now < deadline else {
                close(fd)
                throw GitError(
                    .locked, "\(subject): cache is locked by another process (\(path)); gave up after \(timeout)")
            }
            usleep(20_000)
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
