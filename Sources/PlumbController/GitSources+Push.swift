import PlumbGit

extension GitSources {
    /// A webhook says `url` has `commit` (nil: some new commit): the next `fetchIfDue` of it
    /// fetches whatever its interval, unless the clone has the commit by then. Returns whether
    /// the clone lacks the commit (the push is news).
    @discardableResult
    public func announce(url: String, commit: String?) async -> Bool {
        let wanted: Set<String> = [commit ?? ""]
        if (try? await present(wanted, url: url)) == true { return false }
        pushed[url, default: []].insert(commit ?? "")
        return true
    }

    /// Whether the clone of `url` has every commit of `wanted` ("" is never had).
    func present(_ wanted: Set<String>, url: String) async throws -> Bool {
        guard !wanted.contains("") else { return false }
        let directory = cacheDirectory
        return try await Self.offload {
            guard let path = try GitSource.cachePath(for: url, options: GitSourceOptions(cacheDirectory: directory)) else { return false }
            guard let repository = try? GitRepository.open(path: path) else { return false }
            return wanted.allSatisfy { (try? repository.resolveID($0)) != nil }
        }
    }
}
