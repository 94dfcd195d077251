import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbKube

extension RolloutExecution {
    enum StepOutcome {
        case next
        case abort(String)
        case wait(String)
    }

    /// The field path of the current step, for its audit entry.
    var stepField: String {
        if case .blueGreen = declaration.strategy { return "spec.strategy.blueGreen.prePromotionAnalysis" }
        return "spec.strategy.canary.steps[\(state.step)]"
    }

    mutating func record(_ detail: String, error: String? = nil) {
        entries.append(
            AuditObjectEntry(
                ref: declaration.ref, action: error == nil ? .configured : .failed, changedPaths: [stepField + (blueGreen == nil ? detail : "")],
                health: error == nil ? .healthy : .degraded, error: error))
    }

    mutating func runStep(_ step: RolloutDeclaration.Step) async throws -> StepOutcome {
        if let command = try await command(), command == .abort {
            return .abort("aborted by `plumb rollout abort` at \(state.stepText)")
        }
        let label = "\(state.stepText): \(step)"
        switch step {
        case .setWeight(let weight):
            if declaration.routing != .none {
                // A traffic router moves only traffic: the canary gets its share of the pods
                // first (stable keeps its replicas), as Argo Rollouts scales it with the weight.
                let replicas = ReplicaRatioRouter.canaryReplicas(total: rollout.totalReplicas, weight: weight)
                _ = try await client.patch(canaryRef, .merge(["spec": ["replicas": .int(Int64(replicas))]]))
            }
            try await runner.router(for: declaration).setWeight(weight, for: route)
            state.weight = weight
            state.message = "setWeight \(weight)"
            try await write()
            let canary = ReplicaRatioRouter.canaryReplicas(total: rollout.totalReplicas, weight: weight)
            if canary > 0, let problem = try await waitHealthy(canaryRef) {
                record(".setWeight", error: "\(label): canary \(problem)")
                return .abort("\(label): canary \(problem)")
            }
            if case .waiting = healthWait { return .wait("waiting for \(declaration.canaryName) to be healthy at \(state.stepText)") }
            let detail = declaration.routing == .none ? " (\(declaration.canaryName) \(canary), \(declaration.target.name) \(rollout.totalReplicas - canary) replicas)" : ""
            runner.progress("rollout \(name): \(label)\(detail)\n")
            record(".setWeight")
            return .next
        case .pause(let duration?):
            runner.progress("rollout \(name): \(label)\n")
            let end = state.stepStartedAt.addingTimeInterval(Double(duration.components.seconds))
            while Date() < end {
                if ContinuousClock.now >= limits.deadline { return .wait("paused at \(state.stepText) until \(end)") }
                switch try await command() {
                case .abort: return .abort("aborted by `plumb rollout abort` at \(state.stepText)")
                case .promote:
                    try await clearCommand()
                    record(".pause")
                    return .next
                default: try await Task.sleep(for: runner.pollInterval)
                }
            }
            record(".pause")
            return .next
        case .pause(nil):
            return try await holdUntilPromoted(label, reason: "paused until `plumb rollout promote \(declaration.ref.name)`", detail: ".pause")
        case .analysis(let analysis):
            runner.progress("rollout \(name): \(label)\n")
            var args = AnalysisArgs.standard(for: route)
            args["revision"] = state.revision
            for (key, value) in analysis.args { args[key] = value }
            let templates = analysis.templates.compactMap { rollout.templates[$0] }
            for t in templates {
                for (key, value) in t.args { if args[key] == nil, let value { args[key] = value } }
            }
            let progress = runner.progress
            let who = name
            let result = await runner.analyzer(declaration.ref.namespace).analyze(templates, args: args) { m in
                progress("rollout \(who):   \(m.metric) \(m.phase.rawValue)\(m.value.map { " \($0)" } ?? ""): \(m.message)\n")
            }
            runner.observer?.analysisFinished(declaration.ref, result: result.phase)
            state.measurements = result.measurements
            switch result.phase {
            case .successful:
                state.message = result.message
                try await write()
                record(".analysis")
                return .next
            case .failed:
                let message = "\(label) failed: \(result.message)"
                record(".analysis", error: message)
                return .abort(message)
            case .inconclusive:
                return try await holdUntilPromoted(
                    label, reason: "Inconclusive: \(result.message); paused until `plumb rollout promote` or `abort`",
                    detail: ".analysis")
            }
        }
    }

    /// A pause that only a command ends: held while `holdPauses` and time allow.
    mutating func holdUntilPromoted(_ label: String, reason: String, detail: String) async throws -> StepOutcome {
        state.phase = .paused
        state.message = reason
        try await write()
        runner.progress("rollout \(name): \(label): \(reason)\n")
        while true {
            switch try await command() {
            case .abort:
                return .abort("aborted by `plumb rollout abort` at \(state.stepText)")
            case .promote:
                try await clearCommand()
                state.phase = .progressing
                state.message = "promoted by `plumb rollout promote` at \(state.stepText)"
                runner.progress("rollout \(name): \(state.message)\n")
                record(detail)
                return .next
            default:
                guard runner.holdPauses, ContinuousClock.now < limits.deadline else {
                    return .wait("\(reason) (at \(state.stepText))")
                }
                try await Task.sleep(for: runner.pollInterval)
            }
        }
    }

    /// The command written on the RolloutStrategy, if any.
    func command() async throws -> RolloutCommand? {
        let object = try await client.get(declaration.ref)
        return object[path: ["metadata", "annotations", RolloutCommand.annotation]]?.stringValue.flatMap(RolloutCommand.init(rawValue:))
    }

    func clearCommand() async throws {
        _ = try await client.patch(declaration.ref, .merge(["metadata": ["annotations": [RolloutCommand.annotation: .null]]]))
    }

    enum HealthWait { case done, waiting }
    var healthWait: HealthWait { ContinuousClock.now >= limits.deadline ? .waiting : .done }

    /// Waits for `ref` to be healthy; returns why not when it is degraded (nil: healthy, or time is up).
    func waitHealthy(_ ref: ObjectRef) async throws -> String? {
        while ContinuousClock.now < limits.deadline {
            let health = try await target.health(of: ref)
            switch health.state {
            case .healthy: return nil
            case .degraded: return "unhealthy: \(health)"
            default: try await Task.sleep(for: runner.pollInterval)
            }
            if let command = try await command(), command == .abort { return "aborted by `plumb rollout abort`" }
        }
        return nil
    }

    /// The new template on the stable Deployment, healthy, all traffic back to it, canary removed.
    mutating func promote() async throws -> Outcome {
        state.message = "promoting: the new template goes to \(declaration.target.name)"
        try await write()
        runner.progress("rollout \(name): promoting \(state.shortRevision) to \(declaration.target.qualifiedName)\n")
        // The stable Service stops pinning the old pods' template hash before they are replaced.
        try await widenSelectors()
        if case .istio(_, .some) = declaration.routing { try await runner.router(for: declaration).setWeight(state.weight, for: route) }
        try await target.apply(rollout.desired, force: true)
        if let problem = try await waitHealthy(declaration.target) {
            state.step = max(0, declaration.steps.count - 1)
            let message = "promotion: \(declaration.target.name) \(problem)"
            entries.append(AuditObjectEntry(ref: declaration.ref, action: .failed, changedPaths: ["status.rollout.promotion"], health: .degraded, error: message))
            return await rollBack(message)
        }
        if healthWait == .waiting { return .waiting("promoting: waiting for \(declaration.target.name) to be healthy") }
        if let blueGreen {
            // The old pods go after the delay (Argo Rollouts' scaleDownDelaySeconds); here the
            // active Service already selects the promoted pods, the preview ones linger.
            try await preview(blueGreen, on: false)
            let end = ContinuousClock.now + .seconds(blueGreen.scaleDownDelaySeconds)
            if blueGreen.scaleDownDelaySeconds > 0 {
                runner.progress("rollout \(name): \(declaration.canaryName) scaled down in \(blueGreen.scaleDownDelaySeconds)s\n")
            }
            while ContinuousClock.now < min(end, limits.deadline) { try await Task.sleep(for: runner.pollInterval) }
        }
        try await cleanUp()
        state.phase = .healthy
        state.step = declaration.steps.count
        state.weight = 0
        state.message = "promoted \(state.shortRevision)"
        state.failedStep = nil
        try await write()
        entries.append(AuditObjectEntry(ref: declaration.ref, action: .configured, changedPaths: ["status.rollout.promotion"], health: .healthy))
        runner.progress("rollout \(name): promoted \(state.shortRevision); canary removed\n")
        return .promoted
    }

    /// Traffic to stable, canary removed, the stable Deployment as it was; the state says
    /// Degraded with the failed step, so the revision is not tried again.
    mutating func rollBack(_ message: String) async -> Outcome {
        runner.progress("rollout \(name): rolling back: \(message)\n")
        var problems: [String] = []
        do { try await cleanUp() } catch { problems.append("removing the canary: \(error)") }
        // The stable Deployment as the sync held it: live template, Git's replicas, Plumb owning them again.
        var stable = rollout.held
        if let restored = RolloutRunner.held(rollout.desired, live: (try? await client.get(declaration.target)) ?? [:], keepReplicas: false) {
            stable = restored
        }
        do { try await target.apply(stable, force: true) } catch { problems.append("restoring \(declaration.target.name): \(error)") }
        state.phase = .degraded
        state.failedStep = min(state.step, max(0, declaration.steps.count - 1))
        state.weight = 0
        state.message = message
        do {
            try await write()
            try await clearCommand()
        } catch {
            problems.append("writing the state: \(error)")
        }
        runner.progress("rollout \(name): Degraded, rolled back; traffic on \(declaration.target.name)\n")
        return .failed("rolled back: \(message)" + (problems.isEmpty ? "" : " (\(problems.joined(separator: "; ")))"))
    }
}
