import PlumbGit
import PlumbManifests

extension GitSources {
    /// The commit `revision` names in the clone of `url` and, for each of `since`, the paths
    /// changed from it to that commit (nil for a commit the clone does not have). No network.
    nonisolated func changes(url: String, options: GitSourceOptions, revision: String, since: Set<GitOID>) async throws -> (
        GitOID, [GitOID: [GitChange]]
    ) {
        try await Self.offload {
            guard let path = try GitSource.cachePath(for: url, options: options) else { throw GitError(.notFound, "\(GitRedaction.displayURL(url)): no clone yet") }
            let repository = try GitRepository.open(path: path)
            let head = try repository.resolveID(revision)
            var out: [GitOID: [GitChange]] = [:]
            for from in since where from != head {
                out[from] = try? repository.changedPaths(from: from, to: head)
            }
            return (head, out)
        }
    }
}

extension Reconciler {
    /// The order a push's Applications are reconciled in: those whose inputs the pushed
    /// commit touches first (they sync), then those that will only move their revision, so a
    /// monorepo of a thousand Applications does not hold the changed one behind a thousand
    /// status writes. Fetches each repository once for it (the reconciles then find the clone
    /// up to date). An Application whose last render is not known, or a repository that
    /// cannot be fetched or read, counts as touched: the order is a hint, the reconcile still
    /// decides. Returns the touched keys and the others.
    func pushOrder(_ apps: [(Application, ApplicationSpec)]) async -> (touched: [AppKey], untouched: [AppKey]) {
        var touched: [AppKey] = []
        var untouched: [AppKey] = []
        var byRepository: [String: [(Application, ApplicationSpec)]] = [:]
        for (app, spec) in apps { byRepository[spec.source.repoURL + "\n" + spec.source.revision, default: []].append((app, spec)) }
        for (_, group) in byRepository.sorted(by: { $0.key < $1.key }) {
            guard let (first, spec) = group.first else { continue }
            let url = spec.source.repoURL
            let remembered = group.map { app, spec in
                memory.withLock { m -> LoadedSource? in m[app.key]?.sourceKey == Self.sourceKey(spec) ? m[app.key]?.loaded : nil }
            }
            do {
                try await git.fetchIfDue(url: url, interval: spec.interval) { [self] in try await gitOptions(first, spec) }
            } catch {
                // The reconciles fetch again (and report the failure).
                await git.announce(url: url, commit: nil)
                touched += group.map { $0.0.key }
                continue
            }
            let since = Set(remembered.compactMap { $0?.commit.id })
            guard
                let (head, changes) = try? await git.changes(
                    url: url, options: settings.git, revision: spec.source.revision, since: since)
            else {
                touched += group.map { $0.0.key }
                continue
            }
            for ((app, spec), loaded) in zip(group, remembered) {
                guard let loaded else {
                    touched.append(app.key)
                    continue
                }
                if loaded.commit.id == head {
                    untouched.append(app.key)
                } else if let paths = changes[loaded.commit.id], !loaded.affected(by: paths, path: spec.source.path) {
                    untouched.append(app.key)
                } else {
                    touched.append(app.key)
                }
            }
        }
        return (touched, untouched)
    }
}
