import CGit2

/// How a tree entry is stored, from its Git file mode.
public enum GitFileMode: Sendable, Hashable {
    /// 100644
    case file
    /// 100755
    case executable
    /// 120000: the blob holds the link target.
    case symlink
    /// 160000: a commit of another repository; Plumb does not follow submodules.
    case submodule
    /// 040000
    case directory

    init(_ mode: git_filemode_t) {
        switch mode {
        case GIT_FILEMODE_BLOB_EXECUTABLE: self = .executable
        case GIT_FILEMODE_LINK: self = .symlink
        case GIT_FILEMODE_COMMIT: self = .submodule
        case GIT_FILEMODE_TREE: self = .directory
        default: self = .file
        }
    }
}

/// One file of a snapshot: its path from the repository root, mode, object id and size.
public struct GitTreeEntry: Sendable, Hashable {
    public var path: String
    public var mode: GitFileMode
    /// The blob id, or for a submodule the commit it pins.
    public var id: GitOID
    /// The blob size in bytes; nil for a submodule (its commit is not in this repository).
    public var size: Int?
}

/// The tree of one commit, read straight from the object database without a checkout.
/// Submodule entries are reported with mode `.submodule` and never followed.
/// Not thread safe: it uses its repository's libgit2 handles.
public final class GitSnapshot {
    public let repository: GitRepository
    public let commit: GitOID
    public let tree: GitOID
    private let treeHandle: GitHandle
    private let odb: GitHandle

    init(repository: GitRepository, commit: GitOID) throws {
        self.repository = repository
        self.commit = commit
        let commitHandle = try repository.lookupCommit(commit)
        let name = repository.displayName
        treeHandle = try GitHandle.make("git_commit_tree", subject: name, free: git_tree_free) {
            git_commit_tree($0, commitHandle.pointer)
        }
        tree = GitOID(git_tree_id(treeHandle.pointer))
        odb = try GitHandle.make("git_repository_odb", subject: name, free: git_odb_free) {
            git_repository_odb($0, repository.pointer)
        }
    }

    private var subject: String { "\(repository.displayName)@\(commit.short)" }

    /// Every file (not directory) under `path` ("" for all), recursively, sorted by path.
    /// A `path` naming a file returns that file alone.
    public func files(under path: String = "") throws -> [GitTreeEntry] {
        let path = GitSnapshot.normalize(path)
        var result: [GitTreeEntry] = []
        if path.isEmpty {
            try walk(treeHandle.pointer, prefix: "", into: &result)
        } else {
            let entry = try lookupEntry(path)
            if git_tree_entry_type(entry.pointer) == GIT_OBJECT_TREE {
                let sub = try lookupTree(git_tree_entry_id(entry.pointer))
                try walk(sub.pointer, prefix: path + "/", into: &result)
            } else {
                result.append(try makeEntry(entry.pointer, path: path))
            }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// The entry at `path`, or nil when there is none.
    public func entry(_ path: String) throws -> GitTreeEntry? {
        let path = GitSnapshot.normalize(path)
        guard !path.isEmpty, let entry = try lookupEntryIfPresent(path) else { return nil }
        return try makeEntry(entry.pointer, path: path)
    }

    /// The bytes of the file at `path`; for a symlink, the bytes of its target path.
    public func read(_ path: String) throws -> [UInt8] {
        let path = GitSnapshot.normalize(path)
        let entry = try lookupEntry(path)
        switch GitFileMode(git_tree_entry_filemode(entry.pointer)) {
        case .directory:
            throw GitError(.invalidArgument, "\(subject): \"\(path)\" is a directory, not a file")
        case .submodule:
            throw GitError(
                .invalidArgument, "\(subject): \"\(path)\" is a submodule; Plumb does not follow submodules")
        case .file, .executable, .symlink:
            break
        }
        var oid = git_tree_entry_id(entry.pointer).pointee
        let blob = try GitHandle.make("git_blob_lookup", subject: subject, free: git_blob_free) {
            git_blob_lookup($0, repository.pointer, &oid)
        }
        let size = Int(git_blob_rawsize(blob.pointer))
        guard size > 0, let raw = git_blob_rawcontent(blob.pointer) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// The target of the symlink at `path` (not resolved further).
    public func symlinkTarget(_ path: String) throws -> String {
        let path = GitSnapshot.normalize(path)
        let entry = try lookupEntry(path)
        guard GitFileMode(git_tree_entry_filemode(entry.pointer)) == .symlink else {
            throw GitError(.invalidArgument, "\(subject): \"\(path)\" is not a symlink")
        }
        return String(decoding: try read(path), as: UTF8.self)
    }

    private func walk(_ tree: OpaquePointer, prefix: String, into result: inout [GitTreeEntry]) throws {
        for i in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, i) else { continue }
            let path = prefix + String(cString: git_tree_entry_name(entry))
            if git_tree_entry_type(entry) == GIT_OBJECT_TREE {
                let sub = try lookupTree(git_tree_entry_id(entry))
                try walk(sub.pointer, prefix: path + "/", into: &result)
            } else {
                result.append(try makeEntry(entry, path: path))
            }
        }
    }

    private func makeEntry(_ entry: OpaquePointer, path: String) throws -> GitTreeEntry {
        let mode = GitFileMode(git_tree_entry_filemode(entry))
        let oidPointer = git_tree_entry_id(entry)!
        var size: Int?
        if mode != .submodule && mode != .directory {
            var length = 0
            var type = GIT_OBJECT_ANY
            try GitError.check(
                git_odb_read_header(&length, &type, odb.pointer, oidPointer), "git_odb_read_header",
                subject: "\(subject): \(path)")
            size = length
        }
        return GitTreeEntry(path: path, mode: mode, id: GitOID(oidPointer), size: size)
    }

    private func lookupTree(_ oid: UnsafePointer<git_oid>) throws -> GitHandle {
        try GitHandle.make("git_tree_lookup", subject: subject, free: git_tree_free) {
            git_tree_lookup($0, repository.pointer, oid)
        }
    }

    private func lookupEntryIfPresent(_ path: String) throws -> GitHandle? {
        var out: OpaquePointer?
        let code = git_tree_entry_bypath(&out, treeHandle.pointer, path)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try GitError.check(code, "git_tree_entry_bypath", subject: subject)
        return out.map { GitHandle($0, free: git_tree_entry_free) }
    }

    private func lookupEntry(_ path: String) throws -> GitHandle {
        guard !path.isEmpty else {
            throw GitError(.invalidArgument, "\(subject): empty path is the root directory, not a file")
        }
        guard let entry = try lookupEntryIfPresent(path) else { throw missing(path) }
        return entry
    }

    private func missing(_ path: String) -> GitError {
        GitError(.notFound, "\(subject): path \"\(path)\" not found")
    }

    /// Strips `./`, leading and trailing slashes: snapshot paths are relative to the root.
    static func normalize(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
    }
}

extension GitRepository {
    /// The tree of commit `commit`, read without a checkout.
    public func snapshot(at commit: GitOID) throws -> GitSnapshot {
        try GitSnapshot(repository: self, commit: commit)
    }
}
