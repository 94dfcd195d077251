import PlumbAudit
import PlumbController
import PlumbKube

/// The Applications as the live stream sees them: one list of the API (the controller's watch
/// cache answers it without etcd) per interval, however many browsers are connected, and only
/// while one is. Commit subjects come from the audit trail once per Application and revision.
actor AppFeed {
    let client: KubeClient
    let namespace: String?
    let interval: Duration
    let audit: (any AuditStore)?
    private var last: (at: ContinuousClock.Instant, views: [AppView], problem: String?)?
    private var running: Task<([AppView], String?), Never>?
    private var subjects: [String: String] = [:]

    init(client: KubeClient, namespace: String?, interval: Duration, audit: (any AuditStore)?) {
        self.client = client
        self.namespace = namespace
        self.interval = interval
        self.audit = audit
    }

    /// The Applications at most one interval old, or the problem of the last list.
    func latest() async -> (views: [AppView], problem: String?) {
        if let last, ContinuousClock.now - last.at < interval { return (last.views, last.problem) }
        if let running { return await running.value }
        let task = Task { await self.poll() }
        running = task
        let result = await task.value
        running = nil
        last = (.now, result.0, result.1)
        return result
    }

    private func poll() async -> ([AppView], String?) {
        let apps: [Application]
        do {
            apps = try await client.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: namespace).items
                .compactMap(Application.init).sorted { $0.key < $1.key }
        } catch {
            return (last?.views ?? [], "\(error)")
        }
        func subjectKey(_ app: Application) -> String { app.key.description + "\u{0}" + (app.status.syncRevision ?? "") }
        let missing = apps.filter { subjects[subjectKey($0)] == nil && !($0.status.syncRevision ?? "").isEmpty }
        if !missing.isEmpty {
            let found = CommitSubjects.of(missing, audit: audit)
            for app in missing { subjects[subjectKey(app)] = found[app.key.description] ?? "" }
            if subjects.count > 50_000 { subjects = [:] }
        }
        return (apps.map { AppView($0, subject: subjects[subjectKey($0)] ?? "") }, nil)
    }
}
