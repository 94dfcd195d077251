import PlumbAudit
import PlumbController
import PlumbKube

/// The Applications as the live stream sees them: one look at the watched Applications
/// (`AppCache`) per interval, however many browsers are connected, and only while one is.
/// Commit subjects come from the audit trail once per Application and revision.
actor AppFeed {
    let apps: AppCache
    let interval: Duration
    let subjects: CommitSubjects
    private var last: (at: ContinuousClock.Instant, views: [AppView], problem: String?)?
    private var running: Task<([AppView], String?), Never>?

    init(apps: AppCache, interval: Duration, subjects: CommitSubjects) {
        self.apps = apps
        self.interval = interval
        self.subjects = subjects
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
            apps = try await self.apps.applications()
        } catch {
            return (last?.views ?? [], "\(error)")
        }
        let found = await subjects.of(apps)
        return (apps.map { AppView($0, subject: found[$0.key.description] ?? "") }, nil)
    }
}
