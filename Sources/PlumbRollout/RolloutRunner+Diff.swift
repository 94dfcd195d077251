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
        let view = await view(plan, revision: revision, target: target)
        return (view.plan, view.notes)
    }

    /// The plan's rollouts as `plumb diff` and the controller's compare see them: the plan with
    /// each rollout under way held (its Deployment's pod template and replicas, its router's
    /// weights), a line per rollout, and whether one has work for a sync now.
    public func view(_ plan: Plan, revision: String, target: any Target) async -> RolloutView {
        let prepared = await prepare(plan, revision: revision, target: target)
        guard prepared.problems.isEmpty else { return RolloutView(plan: plan, notes: prepared.problems.map { "error: \($0)" }) }
        var shown = plan
        var notes: [String] = []
        var view = RolloutView(plan: plan)
        for rollout in prepared.rollouts {
            let ref = rollout.declaration.target
            let state = rollout.state
            switch rollout.action {
            case .resume:
                for held in [ref] + rollout.routerObjects {
                    if let (s, o) = Self.index(of: held, in: prepared.plan) { shown.steps[s].objects[o] = prepared.plan.steps[s].objects[o] }
                }
                let phase = state.map { $0.phase == .paused ? " (Paused: \($0.message))" : "" } ?? ""
                let line = "\(ref)  rolling out to \(String(revision.prefix(7))), \(state?.stepText ?? "step 1")\(phase)"
                notes.append(line)
                for object in rollout.routerObjects {
                    let what = object.kind == "Service" ? "selector" : "weights"
                    notes.append("\(object)  \(what) held by the rollout (canary \(state?.weight ?? 0)%)")
                }
                if state?.phase == .paused && rollout.command == nil {
                    view.paused.append(line)
                } else {
                    view.due = true  // steps to run, or a command to act on
                }
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
                view.due = true  // the canary and its traffic are still there
            }
        }
        view.plan = shown
        view.notes = notes
        return view
    }
}

/// A plan's rollouts as a diff or a reconcile sees them (`RolloutRunner.view`).
public struct RolloutView: Sendable {
    /// The plan with the rollouts under way held: what is drift.
    public var plan: Plan
    /// One line per rollout (`apps/v1 Deployment shop/web  rolling out to 3f9c2ab, step 2 of 4`)
    /// and per router object held at the rollout's weights; `error: ...` for invalid declarations.
    public var notes: [String] = []
    /// The lines of rollouts under way that wait for `plumb rollout promote` or `abort`.
    public var paused: [String] = []
    /// Whether a rollout under way has work for a sync now: steps to run (a timed pause, a step
    /// a stopped runner left), a `plumb rollout` command to act on, or a rollout to end because
    /// Git holds the stable template again.
    public var due = false

    public init(plan: Plan, notes: [String] = []) {
        self.plan = plan
        self.notes = notes
    }
}
