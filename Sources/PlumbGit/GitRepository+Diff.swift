import CGit2

/// One path that differs between two commits.
public struct GitChange: Sendable, Hashable {
    /// What happened to the path.
    public enum Kind: Sendable, Hashable { case added, modified, deleted, renamed, typeChanged }

    public var kind: Kind
    /// The path in the newer commit (for `.deleted`, the path that was removed).
    public var path: String
    /// The path in the older commit when it differs (renames).
    public var oldPath: String?

    public init(kind: Kind, path: String, oldPath: String? = nil) {
        self.kind = kind
        self.path = path
        self.oldPath = oldPath
    }
}

extension GitRepository {
    /// The paths that differ between the trees of commits `from` and `to` (files only,
    /// renames detected by content similarity), sorted by path.
    public func changedPaths(from: GitOID, to: GitOID) throws -> [GitChange] {
        let old = try snapshot(at: from)
        let new = try snapshot(at: to)
        let oldTree = try lookupTree(old.tree)
        let newTree = try lookupTree(new.tree)
        var opts = git_diff_options()
        try check(git_diff_options_init(&opts, UInt32(GIT_DIFF_OPTIONS_VERSION)), "git_diff_options_init")
        let diff = try GitHandle.make("git_diff_tree_to_tree", subject: displayName, free: git_diff_free) {
            git_diff_tree_to_tree($0, pointer, oldTree.pointer, newTree.pointer, &opts)
        }
        var find = git_diff_find_options()
        try check(
            git_diff_find_options_init(&find, UInt32(GIT_DIFF_FIND_OPTIONS_VERSION)),
            "git_diff_find_options_init")
        find.flags = GIT_DIFF_FIND_RENAMES.rawValue
        try check(git_diff_find_similar(diff.pointer, &find), "git_diff_find_similar")
        var changes: [GitChange] = []
        for i in 0..<git_diff_num_deltas(diff.pointer) {
            guard let delta = git_diff_get_delta(diff.pointer, i)?.pointee else { continue }
            let newPath = delta.new_file.path.map { String(cString: $0) } ?? ""
            let oldPath = delta.old_file.path.map { String(cString: $0) } ?? newPath
            switch delta.status {
            case GIT_DELTA_ADDED: changes.append(GitChange(kind: .added, path: newPath))
            case GIT_DELTA_DELETED: changes.append(GitChange(kind: .deleted, path: oldPath))
            case GIT_DELTA_RENAMED:
                changes.append(GitChange(kind: .renamed, path: newPath, oldPath: oldPath))
            case GIT_DELTA_TYPECHANGE: changes.append(GitChange(kind: .typeChanged, path: newPath))
            case GIT_DELTA_MODIFIED, GIT_DELTA_COPIED:
                changes.append(GitChange(kind: .modified, path: newPath))
            default: continue
            }
        }
        return changes.sorted { $0.path < $1.path }
    }

    func lookupTree(_ id: GitOID) throws -> GitHandle {
        var raw = id.raw
        return try GitHandle.make("git_tree_lookup", subject: displayName, free: git_tree_free) {
            git_tree_lookup($0, pointer, &raw)
        }
    }
}
