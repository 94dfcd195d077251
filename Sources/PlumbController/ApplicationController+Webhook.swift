import Logging
import PlumbCore

extension ApplicationController {
    /// A verified push: enqueues, within `pushQuiet` and outside the retry rate limit, every Application
    /// whose `repoURL` is the pushed repository and whose `revision` the pushed branch or tag
    /// (`HEAD`: the default branch), and makes their next reconcile fetch whatever the
    /// interval. Latest commit wins: an Application waiting for a retry of an older commit is
    /// reconciled now; one being reconciled is told to stop (a sync ends after its current
    /// wave, one not started yet does not start) and runs again for the newest commit when it
    /// ends. A burst of pushes settles first (`pushQuiet`, at most `pushMaxWait`), so twenty
    /// pushes in a second are one sync of the last. Returns the Applications enqueued.
    @discardableResult
    public func pushed(_ pushes: [WebhookPush]) async -> [AppKey] {
        var matched: [(Application, ApplicationSpec)] = []
        var news: Set<AppKey> = []
        // One look at the clone per repository, ref and commit, however many Applications use it.
        var announced: [String: Bool] = [:]
        for (_, object) in await apps.snapshot().objects {
            guard let app = Application(object), case .success(let spec) = app.spec() else { continue }
            let url = spec.source.repoURL
            let matching = pushes.filter { $0.matches(repoURL: url, revision: spec.source.revision) }
            guard !matching.isEmpty else { continue }
            for push in matching {
                let key = [url, push.ref, push.commit ?? ""].joined(separator: "\n")
                let new: Bool
                if let known = announced[key] {
                    new = known
                } else {
                    new = await reconciler.git.announce(url: url, ref: push.ref, commit: push.commit)
                    announced[key] = new
                }
                if new { news.insert(app.key) }
            }
            matched.append((app, spec))
        }
        for (app, _) in matched where news.contains(app.key) {
            if let task = running.withLock({ $0[app.key] }) {
                // The reconcile running now may be for an older commit; the add when the burst
                // settles marks the key for another run, which reads the newest.
                task.cancel()
            }
        }
        // A burst settles first: queued once no newer push came for `pushQuiet`, or
        // `pushMaxWait` after the first push of the burst, whichever is sooner. Nothing is
        // fetched before: the fetch when it settles brings the burst's last commit, once.
        let stamp = ContinuousClock.now
        let due = pendingPushes.withLock { pending -> ContinuousClock.Instant in
            var due = stamp + Self.pushQuiet
            for (app, _) in matched {
                let first = pending[app.key]?.first ?? stamp
                pending[app.key] = (first, stamp)
                due = min(due, first + Self.pushMaxWait)
            }
            return due
        }
        let candidates = matched
        Task {
            try? await Task.sleep(until: due, clock: .continuous)
            let settled = candidates.filter { app, _ in
                pendingPushes.withLock { pending -> Bool in
                    guard let p = pending[app.key], p.last == stamp || ContinuousClock.now >= p.first + Self.pushMaxWait else { return false }
                    pending[app.key] = nil
                    return true
                }
            }
            // The others wait for a newer push of the burst, which queues them.
            guard !settled.isEmpty else { return }
            // The Applications the commit touches go first, ahead of any backlog: a
            // monorepo's others only move their revision, and wait behind them.
            let (touched, untouched) = await reconciler.pushOrder(settled)
            for key in touched + untouched {
                // A push alone may only move the revision (a commit elsewhere in a monorepo);
                // an earlier cause that wants a full reconcile stays.
                causes.withLock { if $0[key] == nil { $0[key] = .push } }
            }
            for key in touched { await queue.add(key, urgent: true) }
            for key in untouched { await queue.add(key) }
        }
        return matched.map { $0.0.key }.sorted()
    }

    /// How long a push waits for a newer one before its Applications are queued.
    public static let pushQuiet = Duration.milliseconds(250)
    /// The longest a burst of pushes holds its Applications back, from its first push.
    public static let pushMaxWait = Duration.seconds(1)
}
