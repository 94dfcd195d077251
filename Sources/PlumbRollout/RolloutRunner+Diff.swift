import PlumbCore
import PlumbEngine

extension RolloutRunner {
    /// What `plumb diff` shows of the plan's rollouts: a Deployment whose rollout to this
    /// revision's template is under way is not drift (its pod template is left out of the
    /// plan) and gets a line `rolling out to <rev>, step k of n`; a rolled-back revision keeps
    /// its difference and gets a `Degraded, rolled back` line; a newer template than the
    /// running rollout's is drift, with a line saying the next sync restarts the rollout.
    /// Reads only. Invalid declarations give their problems as lines.
    public func diffView(_ plan: Plan, revision: String, target: any Target) async -> (plan: Plan, notes: [String]) {
        let prepared = await prepare(plan, revision: revision, target: target)
        guard prepared.problems.isEmpty else { return (plan, prepared.problems.map { "error: \($0)" }) }
        var shown = plan
        var notes: [String] = []
        for rollout in prepared.rollouts {
            let ref = rollout.declaration.target
            let state = rollout.state
            switch rollout.action {
            case .resume:
                if let (s, o) = Self.index(of: ref, in: prepared.plan) { shown.steps[s].objects[o] = prepared.plan.steps[s].objects[o] }
                let phase = state.map { $0.phase == .paused ? " (Paused: \($0.message))" : "" } ?? ""
                notes.append("\(ref)  rolling out to \(String(revision.prefix(7))), \(state?.stepText ?? "step 1")\(phase)")
            case .restart:
                notes.append(
                    "\(ref)  rolling out to \(state?.shortRevision ?? "?"), \(state?.stepText ?? "?"); the next sync restarts it with \(String(revision.prefix(7)))")
            case .blocked:
                let step = state?.failedStep.map { "step \($0 + 1) of \(state?.steps ?? 0)" } ?? "a step"
                notes.append(
                    "\(ref)  Degraded, rolled back: \(state?.shortRevision ?? "?") failed at \(step): \(state?.message ?? "")")
            case .start:
                notes.append("\(ref)  a sync rolls the new template out in \(rollout.declaration.steps.count) steps (\(rollout.declaration.ref))")
            case .cancel:
                notes.append("\(ref)  a sync ends the rollout of \(state?.shortRevision ?? "?"): Git holds the stable template again")
            }
        }
        return (shown, notes)
    }
}
