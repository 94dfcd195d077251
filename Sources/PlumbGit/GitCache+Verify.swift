import CGit2

extension GitCache {
    /// Checks that every ref resolves and that the commit, tree and blob headers at every
    /// ref tip are readable: this catches deleted objects, missing or truncated packs and
    /// garbage in HEAD. History behind the tips is not read (that would cost a full fsck).
    func verify(_ repo: GitRepository) throws {
        let subject = "\(remote.display): cache \(directory)"
        var head: OpaquePointer?
        try repo.check(git_reference_lookup(&head, repo.pointer, "HEAD"), "git_reference_lookup(HEAD)")
        git_reference_free(head)
        var names = git_strarray()
        try repo.check(git_reference_list(&names, repo.pointer), "git_reference_list")
        defer { git_strarray_dispose(&names) }
        let odb = try GitHandle.make("git_repository_odb", subject: subject, free: git_odb_free) {
            git_repository_odb($0, repo.pointer)
        }
        var seenTrees: Set<GitOID> = []
        for i in 0..<names.count {
            guard let cName = names.strings[i] else { continue }
            let name = String(cString: cName)
            var ref: OpaquePointer?
            try repo.check(git_reference_lookup(&ref, repo.pointer, name), "git_reference_lookup(\(name))")
            defer { git_reference_free(ref) }
            var obj: OpaquePointer?
            let peeled = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT)
            if peeled == GIT_ENOTFOUND.rawValue && name.hasSuffix("/HEAD") { continue }
            try repo.check(peeled, "git_reference_peel(\(name))")
            defer { git_object_free(obj) }
            let commit = try repo.lookupCommit(GitOID(git_object_id(obj)))
            try walkTree(repo, git_commit_tree_id(commit.pointer), odb: odb.pointer, seen: &seenTrees)
        }
    }

    private func walkTree(
        _ repo: GitRepository, _ id: UnsafePointer<git_oid>, odb: OpaquePointer, seen: inout Set<GitOID>
    ) throws {
        guard seen.insert(GitOID(id)).inserted else { return }
        let tree = try repo.lookupTree(GitOID(id))
        for i in 0..<git_tree_entrycount(tree.pointer) {
            guard let entry = git_tree_entry_byindex(tree.pointer, i) else { continue }
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_TREE:
                try walkTree(repo, git_tree_entry_id(entry), odb: odb, seen: &seen)
            case GIT_OBJECT_BLOB:
                var length = 0
                var type = GIT_OBJECT_ANY
                try repo.check(
                    git_odb_read_header(&length, &type, odb, git_tree_entry_id(entry)), "git_odb_read_header")
            default:
                continue  // Submodule commits live in another repository.
            }
        }
    }
}
