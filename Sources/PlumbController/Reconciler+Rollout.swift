import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests
import PlumbRollout

extension Reconciler {
    /// How soon a reconcile comes back to a rollout it left paused or running.
    static let rolloutRequeue: Duration = .seconds(10)

    /// The controller's rollout runner: a pause without a duration is not held (the reconcile
    /// returns, Progressing, and looks again for `plumb rollout promote` at its next run).
    func rolloutRunner() -> RolloutRunner {
        var runner = RolloutRunner(client: client)
        runner.holdPauses = false
        runner.observer = settings.rollouts
        return runner
    }

    /// The plan's rollouts as the compare sees them: the plan with the rollouts under way held,
    /// and whether one has work for a sync now. The same view `plumb diff` prints. Nil when the
    /// plan declares no rollout, or changes nothing while no rollout runs (the RolloutStrategy's
    /// state is read from `live`, the watch cache, so a reconcile without drift reads nothing).
    func rolloutView(_ plan: Plan, revision: String, target: KubernetesTarget, live: [ObjectIdentity: Value]) async -> RolloutView? {
        let declarations = plan.objects.map(\.ref).filter(RolloutDeclarations.isDeclaration)
        guard !declarations.isEmpty else { return nil }
        // A commit that puts the stable template back changes nothing, yet its rollout must end.
        let running = declarations.contains { RolloutState(live[$0.identity]?[path: ["status", "rollout"]])?.isActive == true }
        guard plan.hasChanges || running else { return nil }
        return await rolloutRunner().view(plan, revision: revision, target: target)
    }

    /// Whether a sync carries a rollout under way on now: one has steps to run or a `plumb
    /// rollout` command to act on, and the controller syncs this Application (automated, or asked).
    static func rolloutDue(_ view: RolloutView?, spec: ApplicationSpec, forced: Bool) -> Bool {
        (view?.due ?? false) && (spec.automated || forced)
    }

    /// The outcome of a compare whose only differences are rollouts under way with nothing to
    /// do now (paused until promoted): Synced, Progressing with the rollouts' lines, back soon
    /// to look for a command. Nil when there is more to it (drift, a rollout step due).
    func rolloutWaiting(
        _ app: Application, spec: ApplicationSpec, status: ApplicationStatus, view: RolloutView?, loaded: LoadedSource, forced: Bool
    ) async -> Outcome? {
        guard let view, !view.plan.hasChanges, !Self.rolloutDue(view, spec: spec, forced: forced) else { return nil }
        var status = status
        status.syncStatus = .synced
        status.resources = await resources(view.plan, result: nil)
        health(&status)
        if !view.paused.isEmpty {
            status.health = .progressing
            status.healthMessage = view.paused.joined(separator: "; ")
        }
        status.set(condition(.ready, .true, app, ConditionReason.succeeded, "Applied revision \(Self.name(loaded))"))
        status.remove(Condition.reconciling)
        return Outcome(status: status, requeueAfter: min(spec.interval, Self.rolloutRequeue), events: healthEvents(app, status))
    }
}
