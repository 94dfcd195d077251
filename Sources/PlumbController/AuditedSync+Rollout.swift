import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbRollout

extension AuditedSync {
    /// The plan with its rollouts held back, when the sync runs rollouts and the plan declares
    /// any; nil otherwise (and for a dry run, which writes nothing a rollout could follow).
    func prepareRollouts(_ plan: Plan, revision: String, target: any Target, options: SyncOptions) async -> PreparedRollouts? {
        guard let rollouts, !options.dryRun,
            plan.objects.contains(where: { RolloutDeclarations.isDeclaration($0.ref) })
        else { return nil }
        return await rollouts.prepare(plan, revision: revision, target: target)
    }

    /// Runs the rollouts once the executor's writes succeeded; the target Deployments' entries
    /// then say what the rollout did (promoted, rolled back, still running).
    func runRollouts(_ prepared: PreparedRollouts, after result: ChangeSet, target: any Target, options: SyncOptions) async
        -> (result: ChangeSet, entries: [AuditObjectEntry], waiting: [String], summaries: [RolloutSummary])
    {
        guard let rollouts, !prepared.rollouts.isEmpty, result.succeeded, !Task.isCancelled else { return (result, [], [], []) }
        let report = await rollouts.run(prepared.rollouts, target: target, limits: RolloutLimits(timeout: options.timeout))
        // Where each rollout stands, as its RolloutStrategy's status.rollout now says.
        var summaries: [RolloutSummary] = []
        for rollout in prepared.rollouts {
            let live = try? await rollouts.client.get(rollout.declaration.ref)
            guard let state = RolloutState(live?[path: ["status", "rollout"]]) ?? rollout.state else { continue }
            summaries.append(RolloutSummary(rollout.declaration, state: state, action: rollout.action))
        }
        var merged = result
        for change in report.changes {
            if let i = merged.objects.firstIndex(where: { $0.ref.identity == change.ref.identity }) {
                merged.objects[i] = change
            } else {
                merged.objects.append(change)
            }
        }
        return (merged, report.entries, report.waiting, summaries)
    }

    /// What a sync with invalid rollout declarations did: nothing. Each declaration's problem
    /// fails its object; everything else is skipped, as after a failed dry-run.
    static func invalidDeclarations(_ plan: Plan, problems: [String]) -> ChangeSet {
        let why = "\(problems.count) invalid rollout declaration\(problems.count == 1 ? "" : "s")"
        var objects: [ObjectChange] = plan.objects.map {
            ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not applied: \(why)")
        }
        let declarations = plan.objects.map(\.ref).filter(RolloutDeclarations.isDeclaration)
        for problem in problems {
            // The problem names its object; each becomes that object's failure.
            guard let ref = declarations.first(where: { problem.contains($0.description) }) ?? declarations.first else { continue }
            if let j = objects.firstIndex(where: { $0.ref == ref && $0.action == .skipped }) {
                objects[j] = ObjectChange(ref: ref, action: .failed, error: problem)
            } else {
                objects.append(ObjectChange(ref: ref, action: .failed, error: problem))
            }
        }
        objects += plan.prune.map { ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not pruned: \(why)") }
        return ChangeSet(objects)
    }
}
