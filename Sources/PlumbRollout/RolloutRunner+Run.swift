import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbKube

/// How long the rollouts of one sync may take.
public struct RolloutLimits: Sendable {
    /// After this the runner stops where it is (the state stays; the next sync resumes).
    public var deadline: ContinuousClock.Instant

    public init(deadline: ContinuousClock.Instant) { self.deadline = deadline }

    /// A deadline `timeout` from now.
    public init(timeout: Duration) { deadline = .now + timeout }
}

extension RolloutRunner {
    /// Runs each pending rollout as far as it can go: to promotion, to a rollback, or to a
    /// pause that outlasts `limits`.
    public func run(_ pending: [PendingRollout], target: any Target, limits: RolloutLimits) async -> RolloutReport {
        var report = RolloutReport()
        for rollout in pending {
            var execution = RolloutExecution(runner: self, rollout: rollout, target: target, limits: limits)
            await execution.run(into: &report)
        }
        return report
    }
}

/// One rollout from where its state says to its end (or a pause).
struct RolloutExecution {
    let runner: RolloutRunner
    let rollout: PendingRollout
    let target: any Target
    let limits: RolloutLimits
    var state: RolloutState
    var entries: [AuditObjectEntry] = []

    var declaration: RolloutDeclaration { rollout.declaration }
    var client: KubeClient { runner.client }
    var name: String { declaration.ref.qualifiedName }
    var canaryRef: ObjectRef {
        ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: declaration.target.namespace, name: declaration.canaryName)
    }
    var route: RouteTarget {
        var stable: String?
        var canary: String?
        switch declaration.strategy {
        case .canary(let c):
            stable = c.stableService
            canary = c.canaryService
        case .blueGreen(let b):
            stable = b.activeService
            canary = b.previewService
        }
        return RouteTarget(
            namespace: declaration.target.namespace, stableName: declaration.target.name, canaryName: declaration.canaryName,
            stableService: stable, canaryService: canary, totalReplicas: rollout.totalReplicas)
    }

    init(runner: RolloutRunner, rollout: PendingRollout, target: any Target, limits: RolloutLimits) {
        self.runner = runner
        self.rollout = rollout
        self.target = target
        self.limits = limits
        let steps = rollout.declaration.steps.count
        switch rollout.action {
        case .start, .restart:
            state = RolloutState(revision: rollout.revision, templateHash: rollout.templateHash, steps: steps)
        case .resume, .blocked, .cancel:
            state = rollout.state ?? RolloutState(revision: rollout.revision, templateHash: rollout.templateHash, steps: steps)
        }
    }

    mutating func run(into report: inout RolloutReport) async {
        let ref = declaration.target
        switch rollout.action {
        case .blocked:
            let step = state.failedStep.map { "step \($0 + 1) of \(state.steps)" } ?? "a step"
            let message =
                "\(ref): Degraded, rolled back: revision \(state.shortRevision) failed at \(step) (\(state.message)); "
                + "not retried until a newer commit or `plumb rollout retry \(declaration.ref.name)`"
            report.changes.append(ObjectChange(ref: ref, action: .unchanged, health: HealthStatus(.degraded, state.message), error: message))
            runner.progress("rollout \(name): \(message)\n")
            return
        case .cancel:
            runner.progress("rollout \(name): Git holds the stable template again; canary removed\n")
            do {
                try await cleanUp()
                state.phase = .healthy
                state.weight = 0
                state.message = "superseded: the template in Git is the stable one"
                try await write()
            } catch {
                report.changes.append(ObjectChange(ref: ref, action: .failed, error: "\(ref): rollout \(name): \(error)"))
            }
            return
        case .start:
            if rollout.state?.phase == .degraded { try? await clearCommand() }  // the retry is taken up
            runner.progress("rollout \(name): rolling out \(state.shortRevision) to \(ref.qualifiedName) in \(state.steps) steps\n")
        case .restart:
            runner.progress("rollout \(name): newer revision \(state.shortRevision): canary template replaced, steps restart\n")
        case .resume:
            if state.revision != rollout.revision {
                state.revision = rollout.revision  // a newer commit with the same template
            }
            runner.progress("rollout \(name): resuming \(state.shortRevision) at \(state.stepText)\n")
        }
        let outcome = await steps()
        report.entries += entries
        switch outcome {
        case .promoted:
            report.changes.append(ObjectChange(ref: ref, action: .configured, changes: rollout.changes, health: .healthy))
        case .failed(let message):
            report.changes.append(
                ObjectChange(ref: ref, action: .failed, changes: rollout.changes, health: HealthStatus(.degraded, message), error: "\(ref): \(message)"))
        case .waiting(let message):
            report.waiting.append("rollout \(name): \(message)")
        }
    }

    enum Outcome {
        case promoted
        case failed(String)
        case waiting(String)
    }

    /// The steps from the state's, then promotion; a failure rolls back.
    mutating func steps() async -> Outcome {
        do {
            try await ensureCanary()
            try await narrowSelectors()
            if let blueGreen {
                // The new template at full size behind the preview Service, before any step.
                if let problem = try await waitHealthy(canaryRef) {
                    return await rollBack("preview: \(declaration.canaryName) \(problem)")
                }
                try await preview(blueGreen, on: true)
            } else if state.weight > 0 || rollout.action == .resume {
                try await runner.router(for: declaration).setWeight(state.weight, for: route)
            }
            state.phase = .progressing
            try await write()
            while state.step < declaration.steps.count {
                switch try await runStep(declaration.steps[state.step]) {
                case .next:
                    state.step += 1
                    state.stepStartedAt = Date()
                    try await write()
                case .abort(let message):
                    return await rollBack(message)
                case .wait(let message):
                    return .waiting(message)
                }
            }
            return try await promote()
        } catch is CancellationError {
            return .waiting("interrupted at \(state.stepText); the next sync resumes it")
        } catch {
            return await rollBack("\(state.stepText): \(error)")
        }
    }

    /// The canary Deployment: Git's template with the canary role label, selected by the
    /// stable Service's labels plus that label.
    func ensureCanary() async throws {
        let desired = rollout.desired.body
        var template = desired[path: ["spec", "template"]] ?? [:]
        var podMeta = template["metadata"] ?? [:]
        var podLabels = podMeta["labels"] ?? [:]
        podLabels[RolloutRunner.roleLabel] = "canary"
        podMeta["labels"] = podLabels
        template["metadata"] = podMeta
        var selector = desired[path: ["spec", "selector"]] ?? [:]
        var match = selector["matchLabels"] ?? [:]
        match[RolloutRunner.roleLabel] = "canary"
        selector["matchLabels"] = match
        let replicas =
            blueGreen != nil ? rollout.totalReplicas : ReplicaRatioRouter.canaryReplicas(total: rollout.totalReplicas, weight: state.weight)
        var canary: Value = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": [
                "name": .string(declaration.canaryName), "namespace": .string(declaration.target.namespace),
                "labels": [
                    "app.kubernetes.io/managed-by": "plumb", RolloutRunner.rolloutLabel: .string(declaration.ref.name),
                    RolloutRunner.roleLabel: "canary",
                ],
                "annotations": ["plumb.dev/revision": .string(state.revision)],
            ],
            "spec": ["replicas": .int(Int64(replicas)), "selector": selector, "template": template],
        ]
        if let strategy = desired[path: ["spec", "strategy"]] { canary["spec"]?["strategy"] = strategy }
        _ = try await client.apply(canary, force: true, fieldManager: RolloutRunner.fieldManager)
    }

    /// Writes the state into the RolloutStrategy's status.
    mutating func write() async throws {
        state.updatedAt = Date()
        var value = state.value
        if state.failedStep == nil { value["failedStep"] = .null }  // a merge patch keeps what it does not name
        _ = try await client.patch(declaration.ref, .merge(["status": ["rollout": value]]), subresource: "status")
        runner.observer?.rolloutChanged(declaration.ref, state: state)
    }

    /// The blue/green strategy, if it is one.
    var blueGreen: RolloutDeclaration.BlueGreen? {
        if case .blueGreen(let b) = declaration.strategy { return b }
        return nil
    }

    /// Points the preview Service at the new pods (`on`) or back at the active ones.
    func preview(_ blueGreen: RolloutDeclaration.BlueGreen, on: Bool) async throws {
        guard let service = blueGreen.previewService else { return }
        let ref = ObjectRef(apiVersion: "v1", kind: "Service", namespace: declaration.target.namespace, name: service)
        let role: Value = on ? "canary" : .null
        _ = try await client.patch(ref, .merge(["spec": ["selector": [RolloutRunner.roleLabel: role]]]))
    }

    /// Canary removed and all traffic on stable.
    func cleanUp() async throws {
        if let blueGreen { try await preview(blueGreen, on: false) }
        try await runner.router(for: declaration).reset(for: route)
        do {
            _ = try await client.delete(canaryRef)
        } catch let error as StatusError where error.reason == .notFound {}
        // The canary is gone before the stable Service selects every pod of the app again.
        try await widenSelectors()
        if case .istio(_, .some) = declaration.routing { try await runner.router(for: declaration).reset(for: route) }  // subsets follow
        // The router's objects and Services back to Git's (and to Plumb's field manager), as before the rollout.
        for object in rollout.routerDesired { try await target.apply(object, force: true) }
    }
}

extension RolloutRunner {
    /// The declaration's router: one given to the runner for its kind, else the one the
    /// declaration names (its HTTPRoute, Ingress or VirtualService).
    func router(for declaration: RolloutDeclaration) throws -> any TrafficRouter {
        let kind = declaration.routing.kind
        guard let router = routers[kind] ?? declaration.routing.router(client: client) else {
            throw RolloutError("spec.strategy.canary.trafficRouting.\(kind): no \(kind) router in this build")
        }
        return router
    }
}

/// A rollout that cannot go on, in words.
public struct RolloutError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
