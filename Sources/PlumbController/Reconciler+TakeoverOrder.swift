import PlumbGit
import PlumbManifests

extension Reconciler {
    /// The order Applications taken over from another replica (a new leader's, or a dead
    /// shard's) are reconciled in: first those whose source has moved past the revision in
    /// their status with a change that concerns them (a commit pushed while the old holder
    /// was dying), then the others. One fetch per repository, bounded by `fetchBound` (a
    /// repository that cannot be fetched in time is read as the clone has it). An Application
    /// whose status names no revision, or one the clone does not have, comes first: the order
    /// is a hint, the reconcile still decides.
    ///
    /// Whether a change concerns an Application: its last render's inputs when this replica
    /// rendered it before; otherwise a path under its `path` (a file outside it that its
    /// renderer reads, a Kustomize base, is then missed, and the Application comes among the
    /// others — reconciled all the same).
    func takeoverOrder(_ apps: [(Application, ApplicationSpec)], fetchBound: Duration = .seconds(10)) async -> (
        moved: [AppKey], others: [AppKey]
    ) {
        var moved: [AppKey] = []
        var others: [AppKey] = []
        var byRepository: [String: [(Application, ApplicationSpec)]] = [:]
        for (app, spec) in apps {
            byRepository[spec.source.repoURL + "\n" + spec.source.revision, default: []].append((app, spec))
        }
        for (_, group) in byRepository.sorted(by: { $0.key < $1.key }) {
            guard let (first, spec) = group.first else { continue }
            let url = spec.source.repoURL
            _ = await LeaderElector.within(fetchBound) { [self] in
                try? await git.fetchIfDue(url: url, interval: spec.interval) { [self] in try await gitOptions(first, spec) }
            }
            let since = Set(group.compactMap { app, _ in app.status.syncRevision.flatMap(GitOID.init(hex:)) })
            guard
                let (head, changes) = try? await git.changes(
                    url: url, options: settings.git, revision: spec.source.revision, since: since)
            else {
                others += group.map { $0.0.key }
                continue
            }
            for (app, spec) in group {
                guard let status = app.status.syncRevision.flatMap(GitOID.init(hex:)) else {
                    moved.append(app.key)
                    continue
                }
                if status == head {
                    others.append(app.key)
                    continue
                }
                guard let paths = changes[status] else {
                    moved.append(app.key)
                    continue
                }
                let loaded = memory.withLock { m -> LoadedSource? in
                    m[app.key]?.sourceKey == Self.sourceKey(spec) ? m[app.key]?.loaded : nil
                }
                let concerned =
                    loaded.map { $0.affected(by: paths, path: spec.source.path) }
                    ?? Self.under(paths, spec.source.path)
                if concerned { moved.append(app.key) } else { others.append(app.key) }
            }
        }
        return (moved, others)
    }

    /// Whether one of `changes` is at or under `path` (the whole repository for `""` or `.`).
    static func under(_ changes: [GitChange], _ path: String) -> Bool {
        let root = path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
        guard !root.isEmpty else { return !changes.isEmpty }
        func inside(_ p: String) -> Bool { p == root || p.hasPrefix(root + "/") }
        return changes.contains { inside($0.path) || $0.oldPath.map(inside) == true }
    }
}
