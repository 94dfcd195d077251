import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests

extension ConditionReason {
    /// A sync failed after its first write and the previous synced revision was restored
    /// (`syncPolicy.rollbackOnFailure`); the failed revision waits for a newer commit.
    public static let rolledBack = "RolledBack"
}

extension Reconciler {
    /// `syncPolicy.rollbackOnFailure`: an earlier revision of the Application's source, loaded
    /// from the clone (no fetch) and planned against the same target, as `plumb rollback --to` does.
    func rollbackOnFailure(_ app: Application, spec: ApplicationSpec, target: KubernetesTarget) -> RollbackOnFailure {
        let render = renderOptions(app, spec: spec)
        let git = self.git
        let options = settings.git
        let url = spec.source.repoURL
        let namespace = spec.destinationNamespace
        let label = app.labelValue
        let prune = spec.prune
        return RollbackOnFailure { revision in
            let loaded = try await git.load(url: url, options: options, revision: revision, render: render, reuse: nil)
            let desired = try await target.resolvingNamespaces(loaded.desired, defaultNamespace: namespace)
            let plan = try await Planner(app: label).plan(desired: desired, target: target, pruneCandidates: prune)
            return (plan, loaded)
        }
    }

    /// The status after a failed sync that was rolled back: Ready False `RolledBack`, health
    /// Degraded, and the revision kept in `rolledBackRevision` so it is not synced again (no
    /// retries: the next look is at the interval, for a newer commit).
    func rolledBack(
        _ app: Application, spec: ApplicationSpec, status: ApplicationStatus, failure: Failure, sync: AuditedSync.Outcome,
        rollback: RollbackOutcome
    ) -> Outcome {
        var status = status
        let revision = failure.revision ?? status.lastAttemptedRevision ?? ""
        let restored = rollback.result?.succeeded == true && rollback.error == nil
        status.rolledBackRevision = revision
        status.syncStatus = .outOfSync
        status.lastAuditID = sync.auditID
        let short = Application.shortRevision(revision)
        let to = Application.shortRevision(rollback.revision)
        let how =
            restored
            ? "rolled back to \(to) (audit #\(rollback.auditID ?? 0), rollback of #\(sync.auditID))"
            : "rollback to \(to) failed: \(rollback.error ?? rollback.result?.failures.first?.error ?? "unknown error")"
        let why = failure.message.hasSuffix(".") ? String(failure.message.dropLast()) : failure.message
        let message = "\(short) failed: \(why); \(how); not retried until a newer commit or `plumb app sync`"
        status.health = .degraded
        status.healthMessage = "Degraded, rolled back: \(short) failed"
        status.set(condition(.ready, .false, app, ConditionReason.rolledBack, message))
        status.remove(Condition.reconciling)
        memory.withLock { $0[app.key, default: Memory()].failures = 0 }
        let events = [
            AppEvent(.warning, reason: failure.reason, action: "Sync", message: failure.message),
            AppEvent(restored ? .normal : .warning, reason: ConditionReason.rolledBack, action: "Rollback", message: message),
        ]
        return Outcome(status: status, requeueAfter: spec.interval, events: events, sync: sync)
    }

    /// A revision that was rolled back is held until a newer commit or a manual sync: the
    /// status keeps saying so, and nothing is written.
    func holdRolledBack(_ app: Application, spec: ApplicationSpec, status: ApplicationStatus, plan: Plan, revision: String) async -> Outcome? {
        guard status.rolledBackRevision == revision else { return nil }
        var status = status
        status.syncStatus = plan.hasChanges ? .outOfSync : .synced
        status.resources = await resources(plan, result: nil)
        health(&status)
        status.health = .degraded
        status.healthMessage = "Degraded, rolled back: \(Application.shortRevision(revision)) failed"
        status.remove(Condition.reconciling)
        return Outcome(status: status, requeueAfter: spec.interval, events: healthEvents(app, status))
    }
}
