import CGit2

extension GitRepository {
    /// Resolves `revision` to a commit: `HEAD`, a branch (local, or `origin/<name>` in a
    /// cache clone), a tag (annotated tags are peeled), a full ref name, or a full or
    /// unique abbreviated commit SHA. Branches win over tags of the same name.
    public func resolve(_ revision: String) throws -> GitCommitInfo {
        try commit(resolveID(revision))
    }

    /// Like `resolve(_:)`, returning only the commit id.
    public func resolveID(_ revision: String) throws -> GitOID {
        let rev = revision.trimmingCharacters()
        guard !rev.isEmpty else {
            throw GitError(.invalidArgument, "\(displayName): empty revision")
        }
        if rev == "HEAD" {
            // In a cache clone HEAD is unborn and origin/HEAD names the remote's default branch.
            for name in ["HEAD", "refs/remotes/origin/HEAD"] {
                if let id = try peelReference(name, asked: rev) { return id }
            }
            throw notFound(rev, tried: "HEAD, origin/HEAD")
        }
        var tried: [String] = []
        var candidates: [String] = []
        if rev.hasPrefix("refs/") {
            candidates = [rev]
            tried.append("ref")
        } else {
            candidates = ["refs/heads/\(rev)", "refs/remotes/origin/\(rev)", "refs/remotes/\(rev)"]
            tried.append("branch")
            candidates.append("refs/tags/\(rev)")
            tried.append("tag")
        }
        for name in candidates {
            if let id = try peelReference(name, asked: rev) { return id }
        }
        if (4...40).contains(rev.utf8.count), rev.utf8.allSatisfy(\.isHexDigit) {
            tried.append("commit")
            if let id = try lookupPrefix(rev) { return id }
        }
        throw notFound(rev, tried: tried.joined(separator: ", "))
    }

    /// The branch `HEAD` names (in a cache clone, the remote's default branch); nil when
    /// HEAD is detached or names no branch.
    public func headBranch() -> String? {
        for name in ["HEAD", "refs/remotes/origin/HEAD"] {
            var ref: OpaquePointer?
            guard git_reference_lookup(&ref, pointer, name) == 0, let ref else { continue }
            defer { git_reference_free(ref) }
            guard git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC, let target = git_reference_symbolic_target(ref)
            else { continue }
            let full = String(cString: target)
            // An unborn HEAD (a cache clone's) points at a branch with no commit: try origin/HEAD.
            guard let prefix = ["refs/heads/", "refs/remotes/origin/"].first(where: full.hasPrefix),
                (try? peelReference(full, asked: "HEAD")) != nil
            else { continue }
            return String(full.dropFirst(prefix.count))
        }
        return nil
    }

    private func notFound(_ rev: String, tried: String) -> GitError {
        GitError(.notFound, "revision \"\(rev)\" not found in \(displayName) (tried \(tried))")
    }

    /// Peels reference `name` to a commit; nil when there is no such (valid) reference.
    private func peelReference(_ name: String, asked: String) throws -> GitOID? {
        var ref: OpaquePointer?
        let code = git_reference_lookup(&ref, pointer, name)
        if code == GIT_ENOTFOUND.rawValue || code == GIT_EINVALIDSPEC.rawValue { return nil }
        try check(code, "git_reference_lookup")
        guard let ref else { return nil }
        defer { git_reference_free(ref) }
        var obj: OpaquePointer?
        let peel = git_reference_peel(&obj, ref, GIT_OBJECT_COMMIT)
        if peel == GIT_ENOTFOUND.rawValue && name.hasSuffix("HEAD") { return nil }  // unborn branch
        if peel < 0 {
            throw GitError(
                peel == GIT_ENOTFOUND.rawValue ? .corrupt : .invalidArgument,
                "\(displayName): revision \"\(asked)\" (\(name)) does not point to a commit")
        }
        guard let obj else { return nil }
        defer { git_object_free(obj) }
        return GitOID(git_object_id(obj))
    }

    private func lookupPrefix(_ hex: String) throws -> GitOID? {
        var oid = git_oid()
        try check(git_oid_fromstrn(&oid, hex, hex.utf8.count), "git_oid_fromstrn")
        var obj: OpaquePointer?
        let code = git_object_lookup_prefix(&obj, pointer, &oid, hex.utf8.count, GIT_OBJECT_ANY)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        if code == GIT_EAMBIGUOUS.rawValue {
            throw GitError(
                .ambiguous,
                "revision \"\(hex)\" is ambiguous in \(displayName): several objects start with it; give more digits")
        }
        try check(code, "git_object_lookup_prefix")
        guard let obj else { return nil }
        defer { git_object_free(obj) }
        var commit: OpaquePointer?
        if git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0 {
            throw GitError(.invalidArgument, "\(displayName): revision \"\(hex)\" is not a commit")
        }
        defer { git_object_free(commit) }
        return GitOID(git_object_id(commit))
    }
}
