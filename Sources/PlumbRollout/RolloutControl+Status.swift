import PlumbCore
import PlumbKube

extension RolloutControl.Status {
    /// The status as `plumb rollout status -o json` prints it and the dashboard reads it:
    /// the name, `status.rollout` as stored, the replicas of the stable and canary Deployments
    /// and a pending command.
    public var value: Value {
        var v: Value = ["name": .string(ref.name), "namespace": .string(ref.namespace)]
        v["rollout"] = state?.value ?? .null
        v["stableReplicas"] = stableReplicas.map { .int(Int64($0)) } ?? .null
        v["canaryReplicas"] = canaryReplicas.map { .int(Int64($0)) } ?? .null
        v["command"] = command.map { .string($0.rawValue) } ?? .null
        return v
    }

    /// `canary, 4 steps` or `blueGreen`.
    public var strategyName: String? {
        guard let declaration else { return nil }
        if case .blueGreen = declaration.strategy { return "blueGreen" }
        return "canary, \(declaration.steps.count) steps"
    }

    /// Where the rollout is among its steps: `step 2 of 4 (pause until promoted)`, or
    /// `failed at step 3 of 4`; nil before a first rollout.
    public var stepLine: String? {
        guard let state else { return nil }
        if let failed = state.failedStep { return "failed at step \(failed + 1) of \(state.steps)" }
        var step = state.stepText
        if let d = declaration, state.step < d.steps.count, state.isActive { step += " (\(d.steps[state.step]))" }
        return step
    }

    /// The commands the state allows now, as `RolloutControl.send` checks them: promote and
    /// abort while steps run or wait, retry once rolled back.
    public var allowedCommands: [RolloutCommand] {
        guard let state else { return [] }
        if state.isActive { return [.promote, .abort] }
        if state.phase == .degraded { return [.retry] }
        return []
    }
}

extension RolloutControl {
    /// The statuses of `refs` in their order; a RolloutStrategy that is gone is left out.
    public func statuses(_ refs: [ObjectRef]) async throws -> [Status] {
        var out: [Status] = []
        for ref in refs {
            do {
                out.append(try await status(ref))
            } catch let error as StatusError where error.reason == .notFound {
                continue
            }
        }
        return out
    }
}
