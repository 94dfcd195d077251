import CGit2
import Foundation

/// An open Git repository (a libgit2 `git_repository`).
/// Not thread safe: libgit2 repositories must not be used from two threads at once,
/// so open one per thread (opening is cheap).
public final class GitRepository {
    let pointer: OpaquePointer
    /// How errors name this repository: its path, or the remote URL without credentials.
    public let displayName: String

    init(pointer: OpaquePointer, displayName: String) {
        self.pointer = pointer
        self.displayName = displayName
    }

    deinit { git_repository_free(pointer) }

    /// Opens the repository at `path`, which may be a bare repository, a `.git` directory
    /// or any directory inside a work tree.
    public static func open(path: String) throws -> GitRepository {
        try open(path: path, displayName: path, search: true)
    }

    static func open(path: String, displayName: String, search: Bool) throws -> GitRepository {
        ensureLibgit2()
        var out: OpaquePointer?
        let flags = search ? 0 : GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        try GitError.check(
            git_repository_open_ext(&out, path, flags, nil), "git_repository_open_ext",
            subject: displayName)
        guard let out else { throw GitError(.library, "\(displayName): no repository") }
        return GitRepository(pointer: out, displayName: displayName)
    }

    /// The repository's git directory (for a bare repository, the repository itself).
    public var gitDirectory: String {
        String(cString: git_repository_path(pointer))
    }

    /// Whether the repository has no work tree.
    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    /// Runs `body` with this repository's object database.
    func withODB<T>(_ body: (OpaquePointer) throws -> T) throws -> T {
        let odb = try GitHandle.make("git_repository_odb", subject: displayName, free: git_odb_free) {
            git_repository_odb($0, pointer)
        }
        return try body(odb.pointer)
    }

    func check(_ code: Int32, _ call: String) throws {
        try GitError.check(code, call, subject: displayName)
    }
}
