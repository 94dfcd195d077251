import PlumbManifests

/// What asked for a reconcile.
public enum ReconcileCause: Sendable, Equatable {
    /// A webhook push, and nothing else since the last reconcile of the Application.
    case push
    /// Anything else: the interval, a change of the Application, drift of a managed object,
    /// `plumb.dev/reconcile-at`, the controller's start.
    case resync
}

extension Reconciler {
    /// A pushed commit that touches none of the Application's inputs (its path, include and
    /// exclude, and every file outside the path its render read): the status moves to the new
    /// commit, and nothing is observed, planned or applied. Only when the live side was
    /// compared with the previous commit less than an interval ago and found in sync, and
    /// the status read says so: anything else (drift, a failure, a held sync, the interval
    /// due) is left to a full reconcile. Nil when one is needed.
    func movedRevision(_ app: Application, spec: ApplicationSpec, status: ApplicationStatus, loaded: LoadedSource) -> Outcome? {
        let revision = loaded.commit.id.hex
        guard app.status.syncStatus == .synced, app.status.condition(Condition.ready)?.status == .true,
            app.status.condition(Condition.reconciling) == nil
        else { return nil }
        let now = ContinuousClock.now
        let due: Duration? = memory.withLock { m in
            guard let memo = m[app.key], let compared = memo.compared, now - compared < spec.interval,
                let previous = memo.comparedRevision, previous != revision, app.status.syncRevision == previous
            else { return nil }
            // The next full reconcile stays an interval after the last comparison.
            m[app.key]?.comparedRevision = revision
            return spec.interval - (now - compared)
        }
        guard let due else { return nil }
        var status = status
        status.syncRevision = revision
        status.set(condition(.ready, .true, app, ConditionReason.succeeded, "Applied revision \(Self.name(loaded))"))
        return Outcome(status: status, requeueAfter: due, events: [])
    }
}
