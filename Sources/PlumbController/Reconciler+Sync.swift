import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests
import PlumbRollout

extension Reconciler {
    /// Syncs the plan as `plumb sync` does (validate-all, waves, prune when the spec prunes,
    /// health when it waits), under an audit record of initiator `controller`. Applies with
    /// force: Git owns the fields it sets, so a field another manager took (`kubectl edit`)
    /// comes back, as Argo CD and Flux take ownership.
    func sync(
        _ app: Application, spec: ApplicationSpec, plan: Plan, loaded: LoadedSource, target: KubernetesTarget, status: ApplicationStatus,
        phases: PhaseTimes, trust: TrustVerdict? = nil, policy: PolicyVerdict? = nil
    ) async throws -> Outcome {
        var status = status
        let revision = loaded.commit.id.hex
        let name = Self.name(loaded)
        // A rolled-back revision waits for a newer commit; a manual sync (reconcile-at) tries it again.
        let manual = app.reconcileAt != nil && app.reconcileAt != app.status.lastHandledReconcileAt
        if !manual, let held = await holdRolledBack(app, spec: spec, status: status, plan: plan, revision: revision) { return held }
        var events = [AppEvent(.normal, reason: ConditionReason.progressing, action: "Sync", message: "Syncing \(name): \(Self.planSummary(plan, prune: spec.prune))")]
        let auditOptions: Value = [
            "prune": .bool(spec.prune), "wait": .bool(spec.wait), "timeout": .string(GoDuration.format(spec.timeout)),
            "forceConflicts": .bool(true), "selfHeal": .bool(spec.selfHeal), "path": .string(spec.source.path),
            "generation": .int(app.generation),
        ]
        var audited = AuditedSync(
            store: audit, app: app.key.description, targetName: settings.targetName, repo: spec.source.repoURL,
            initiator: app.initiator, auditOptions: auditOptions)
        audited.trust = trust
        audited.policy = policy
        audited.rollouts = rolloutRunner()
        if spec.rollbackOnFailure { audited.rollbackOnFailure = rollbackOnFailure(app, spec: spec, target: target) }
        let options = SyncOptions(dryRun: false, force: true, prune: spec.prune, wait: spec.wait, timeout: spec.timeout)
        let observer = HealthWaitObserver()
        await settings.reporting?.syncStarted(app, spec: spec, client: client, revision: revision, summary: Self.planSummary(plan, prune: spec.prune))
        let outcome: AuditedSync.Outcome
        do {
            outcome = try await audited.run(plan, source: loaded, target: target, options: options, observer: observer)
        } catch {
            throw Failure(ConditionReason.syncFailed, "audit: \(error)", revision: revision)
        }
        let result = outcome.result
        // The executor waits for health inside the sync: that wait is the health phase.
        let healthWait = min(outcome.duration, observer.longestHealthWait)
        phases.add(.apply, outcome.duration - healthWait)
        if spec.wait { phases.add(.health, healthWait) }
        status.lastAttemptedRevision = revision
        status.lastAuditID = outcome.auditID
        status.resources = await resources(plan, result: result)
        health(&status, waited: spec.wait ? result : nil)
        guard result.succeeded else {
            status.syncStatus = .outOfSync
            let blocked = policy.flatMap { $0.blocks ? Self.policyFailure($0, plan: plan, revision: revision) : nil }
            let failure = blocked ?? Self.failure(result, plan: plan, revision: revision)
            let reverted = await revertCommit(app, spec: spec, loaded: loaded, outcome: outcome)
            if let rollback = outcome.rollback, rollback.auditID != nil {
                var out = rolledBack(app, spec: spec, status: status, failure: failure, sync: outcome, rollback: rollback)
                out.events = events + out.events + reverted + healthEvents(app, out.status)
                return out
            }
            var out = failed(app, spec: spec, status: status, failure, sync: outcome)
            out.events = events + out.events + reverted + healthEvents(app, out.status)
            return out
        }
        memory.withLock { $0[app.key, default: Memory()].failures = 0 }
        status.syncStatus = .synced
        status.lastSyncedRevision = revision
        status.rolledBackRevision = nil
        status.set(condition(.ready, .true, app, ConditionReason.succeeded, "Applied revision \(name)"))
        status.remove(Condition.reconciling)
        events.append(AppEvent(
            .normal, reason: "ReconciliationSucceeded", action: "Sync",
            message: "Synced \(name): \(result.summary) in \(DurationText.format(outcome.duration)), audit #\(outcome.auditID), next run in \(GoDuration.format(spec.interval))"))
        var requeue = spec.interval
        if !outcome.rolloutsWaiting.isEmpty {
            // A rollout paused or out of time: Progressing, and back soon to carry it on.
            status.health = .progressing
            status.healthMessage = outcome.rolloutsWaiting.joined(separator: "; ")
            requeue = min(spec.interval, Self.rolloutRequeue)
        }
        events += healthEvents(app, status)
        return Outcome(status: status, requeueAfter: requeue, events: events, sync: outcome)
    }

    /// `2 to create, 1 to update, 1 to prune`.
    static func planSummary(_ plan: Plan, prune: Bool) -> String {
        let objects = plan.objects
        let create = objects.filter { $0.action == .created }.count
        let update = objects.filter { $0.action == .configured }.count
        var parts: [String] = []
        if create > 0 { parts.append("\(create) to create") }
        if update > 0 { parts.append("\(update) to update") }
        if prune && !plan.prune.isEmpty { parts.append("\(plan.prune.count) to prune") }
        return parts.isEmpty ? "nothing to change" : parts.joined(separator: ", ")
    }

    /// Which Ready reason a failed sync is: nothing applied because validation (the server
    /// dry-run) failed; an object not healthy in time; anything else.
    static func failure(_ result: ChangeSet, plan: Plan, revision: String) -> Failure {
        let failures = result.failures
        let first = failures.first?.error ?? result.interruption ?? "the sync failed"
        let more = failures.count > 1 ? " (and \(failures.count - 1) more)" : ""
        if result.interruption == nil && result.nothingApplied && result.count(.failed) > 0 {
            return Failure(ConditionReason.dryRunFailed, "\(result.count(.failed)) of \(plan.objects.count) objects failed validation, nothing was applied: \(first)\(more)", revision: revision)
        }
        if let unhealthy = failures.first(where: { ($0.action == .created || $0.action == .configured) && $0.health != nil && $0.health?.state != .healthy }) {
            return Failure(ConditionReason.healthCheckFailed, unhealthy.error ?? "\(unhealthy.ref): not healthy", revision: revision)
        }
        if let interruption = result.interruption {
            return Failure(ConditionReason.syncFailed, "sync stopped: \(interruption)", revision: revision)
        }
        return Failure(ConditionReason.syncFailed, first + more, revision: revision)
    }

    /// Each planned object's sync status and health (from the watch cache, or from the
    /// sync's wait when it waited).
    func resources(_ plan: Plan, result: ChangeSet?) async -> [ApplicationStatus.ResourceStatus] {
        var done: [ObjectRef: ObjectChange] = [:]
        for change in result?.objects ?? [] { done[change.ref] = change }
        let snapshot = await ManagedObjects.snapshot(objects.all())
        var byIdentity: [ObjectIdentity: Value] = [:]
        for (ref, value) in snapshot.objects { byIdentity[ref.identity] = value }
        return plan.objects.map { planned in
            var synced = planned.action == .unchanged
            if let change = done[planned.ref] {
                synced = change.error == nil && [.created, .configured, .unchanged].contains(change.action)
            }
            let health: HealthStatus.State
            if let waited = done[planned.ref]?.health {
                health = waited.state
            } else if let live = byIdentity[planned.ref.identity] {
                health = KubeHealth.assess(live).state
            } else {
                health = synced ? .unknown : .missing
            }
            return ApplicationStatus.ResourceStatus(ref: planned.ref, status: synced ? .synced : .outOfSync, health: health)
        }
    }

    /// The Application's health: the worst of its objects' (Missing, Degraded, Progressing,
    /// Unknown, Healthy in that order), with the first such object named.
    func health(_ status: inout ApplicationStatus, waited: ChangeSet? = nil) {
        let order: [HealthStatus.State] = [.missing, .degraded, .progressing, .unknown, .healthy]
        let states = status.resources.compactMap(\.health)
        guard !states.isEmpty else {
            status.health = .healthy
            status.healthMessage = ""
            return
        }
        let worst = order.first { states.contains($0) } ?? .unknown
        status.health = worst == .unknown && states.contains(.healthy) ? .healthy : worst
        if status.health == .healthy {
            status.healthMessage = ""
        } else {
            let bad = status.resources.filter { $0.health == worst }
            let first = bad[0]
            let ref = "\(first.kind) \(first.namespace.isEmpty ? "" : first.namespace + "/")\(first.name)"
            status.healthMessage = "\(ref) is \(worst.rawValue)" + (bad.count > 1 ? " (and \(bad.count - 1) more)" : "")
        }
    }

    /// An Event when the Application's health changed.
    func healthEvents(_ app: Application, _ status: ApplicationStatus) -> [AppEvent] {
        let before = app.status.health
        guard status.health != before else { return [] }
        let type: AppEvent.Kind = status.health == .degraded || status.health == .missing ? .warning : .normal
        let message = "Health changed from \(before.rawValue) to \(status.health.rawValue)" + (status.healthMessage.isEmpty ? "" : ": \(status.healthMessage)")
        return [AppEvent(type, reason: "HealthChanged", action: "HealthCheck", message: message)]
    }
}

/// Keeps the longest wait for an object's health in a sync (the executor waits for every
/// object at once, so the longest is the health phase's length).
final class HealthWaitObserver: SyncObserver {
    private let longest = Locked<Duration>(.zero)

    func observe(_ event: SyncEvent) {
        if case .healthReached(_, _, let after) = event { longest.withLock { $0 = max($0, after) } }
    }

    var longestHealthWait: Duration { longest.withLock { $0 } }
}
