import PlumbGit

/// A commit a webhook said a ref of a repository now points at.
struct PushedRef: Hashable, Sendable {
    /// The full ref (`refs/heads/main`), nil when the push named none.
    var ref: String?
    /// The commit (nil: some new commit, which only a fetch can find).
    var commit: String?

    /// The clone's name of `ref`: a branch is fetched into `refs/remotes/origin/`.
    var cloneRef: String? {
        guard let ref else { return nil }
        if ref.hasPrefix("refs/heads/") { return "refs/remotes/origin/" + ref.dropFirst("refs/heads/".count) }
        return ref.hasPrefix("refs/") ? ref : nil
    }
}

extension GitSources {
    /// A webhook says `ref` of `url` now points at `commit` (nil: some new commit): the next
    /// `fetchIfDue` of it fetches whatever its interval, unless the clone's ref points at the
    /// commit by then. Returns whether it does not yet (the push is news). Having the commit
    /// is not enough: a branch moved to a commit the clone already has from another branch (a
    /// fast-forward merge, or one of a burst of ref updates) still needs a fetch to move. The
    /// pushes of one ref are taken in the order they are announced, as forges deliver them.
    @discardableResult
    public func announce(url: String, ref: String? = nil, commit: String?) async -> Bool {
        let wanted = PushedRef(ref: ref, commit: commit)
        if (try? await present([wanted], url: url)) == true { return false }
        // A newer push of a ref replaces the one before: the ref no longer points there (a
        // clone at the newer commit must not be fetched again for the older one).
        var waiting = pushed[url, default: []]
        if ref != nil { waiting = waiting.filter { $0.ref != ref } }
        waiting.insert(wanted)
        pushed[url] = waiting
        return true
    }

    /// Whether the clone of `url` has every push of `wanted`: a branch's tracking ref points at
    /// its commit; a tag, or a push naming no ref, has its commit. A push naming no commit is
    /// never had.
    func present(_ wanted: Set<PushedRef>, url: String) async throws -> Bool {
        guard wanted.allSatisfy({ $0.commit != nil }) else { return false }
        let directory = cacheDirectory
        return try await Self.offload {
            guard let path = try GitSource.cachePath(for: url, options: GitSourceOptions(cacheDirectory: directory)) else { return false }
            guard let repository = try? GitRepository.open(path: path) else { return false }
            return wanted.allSatisfy { push in
                guard let commit = push.commit, let id = try? repository.resolveID(commit) else { return false }
                // A tag's commit may be given as the annotated tag object: having it is enough
                // (tags are not expected to move).
                guard let ref = push.cloneRef, ref.hasPrefix("refs/remotes/") else { return true }
                return (try? repository.resolveID(ref)) == id
            }
        }
    }
}
