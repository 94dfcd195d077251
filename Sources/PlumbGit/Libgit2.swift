import CGit2

/// Runs `git_libgit2_init` exactly once per process (a lazily initialised global is
/// thread safe in Swift); libgit2 is never shut down because other threads may use it.
/// Trees up to 16 MiB stay parsed in libgit2's object cache: reading each file of a large
/// directory by path would otherwise inflate and parse the directory's tree once per file.
private let libgit2InitResult: Int32 = {
    let result = git_libgit2_init()
    _ = plumb_git_set_tree_cache_limit(16 << 20)
    return result
}()

/// Makes sure libgit2 is initialised before any other libgit2 call.
func ensureLibgit2() {
    _ = libgit2InitResult
}

/// The version of libgit2 Plumb reads Git with.
public var libgit2Version: String {
    var major: Int32 = 0
    var minor: Int32 = 0
    var rev: Int32 = 0
    git_libgit2_version(&major, &minor, &rev)
    return "\(major).\(minor).\(rev)"
}

/// Owns one libgit2 object pointer and frees it with that object's free function on deinit.
/// Not thread safe: libgit2 objects belong to the repository they came from.
final class GitHandle {
    let pointer: OpaquePointer
    private let free: (OpaquePointer) -> Void

    init(_ pointer: OpaquePointer, free: @escaping (OpaquePointer) -> Void) {
        self.pointer = pointer
        self.free = free
    }

    /// Calls a libgit2 constructor through the error funnel and wraps its result.
    static func make(
        _ call: String, subject: String, free: @escaping (OpaquePointer) -> Void,
        _ body: (UnsafeMutablePointer<OpaquePointer?>) -> Int32
    ) throws -> GitHandle {
        var out: OpaquePointer?
        try GitError.check(body(&out), call, subject: subject)
        guard let out else {
            throw GitError(.library, "\(subject): \(call) returned no object")
        }
        return GitHandle(out, free: free)
    }

    deinit { free(pointer) }
}

/// Copies a `git_buf` into bytes and disposes of it.
func takeBuffer(_ buf: inout git_buf) -> [UInt8] {
    defer { git_buf_dispose(&buf) }
    guard let ptr = buf.ptr, buf.size > 0 else { return [] }
    return ptr.withMemoryRebound(to: UInt8.self, capacity: buf.size) {
        Array(UnsafeBufferPointer(start: $0, count: buf.size))
    }
}
