import Logging
import PlumbCore

extension ApplicationController {
    /// A verified push: enqueues, at once and outside the retry rate limit, every Application
    /// whose `repoURL` is the pushed repository and whose `revision` the pushed branch or tag
    /// (`HEAD`: the default branch), and makes their next reconcile fetch whatever the
    /// interval. Latest commit wins: an Application waiting for a retry of an older commit is
    /// reconciled now; one being reconciled is told to stop (a sync ends after its current
    /// wave, one not started yet does not start) and runs again for the newest commit when it
    /// ends. Returns the Applications enqueued.
    @discardableResult
    public func pushed(_ pushes: [WebhookPush]) async -> [AppKey] {
        var keys: [AppKey] = []
        for (_, object) in await apps.snapshot().objects {
            guard let app = Application(object), case .success(let spec) = app.spec() else { continue }
            let url = spec.source.repoURL
            let matching = pushes.filter { $0.matches(repoURL: url, revision: spec.source.revision) }
            guard !matching.isEmpty else { continue }
            var news = false
            for push in matching where await reconciler.git.announce(url: url, commit: push.commit) { news = true }
            keys.append(app.key)
            if news, let task = running.withLock({ $0[app.key] }) {
                // The reconcile running now may be for an older commit; the add below marks
                // the key for another run, which reads the newest. (Cancelled before the add,
                // so that it is never the run the add starts.)
                task.cancel()
            }
            // A push alone may only move the revision (a commit elsewhere in a monorepo); an
            // earlier cause that wants a full reconcile stays.
            causes.withLock { if $0[app.key] == nil { $0[app.key] = .push } }
            await queue.add(app.key)
        }
        return keys.sorted()
    }
}
