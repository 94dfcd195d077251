import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbManifests

extension RolloutRunner {
    /// Finds the rollouts of `plan` and holds their Deployments' pod templates back: the plan
    /// returned applies every other field directly. Invalid declarations come back as problems.
    public func prepare(_ plan: Plan, revision: String, target: any Target) async -> PreparedRollouts {
        let resources = plan.objects.map(\.resource)
        guard resources.contains(where: { RolloutDeclarations.isDeclaration($0.ref) }) else {
            return PreparedRollouts(plan: plan, rollouts: [], problems: [])
        }
        let declarations: RolloutDeclarations
        do {
            declarations = try RolloutDeclarations(resources)
        } catch {
            return PreparedRollouts(plan: plan, rollouts: [], problems: error.errors.map(\.description))
        }
        var plan = plan
        var pending: [PendingRollout] = []
        for declaration in declarations.strategies {
            guard let (s, o) = Self.index(of: declaration.target, in: plan) else { continue }
            let planned = plan.steps[s].objects[o]
            // A Deployment that does not exist yet is created as Git has it: there is no stable to protect.
            guard let live = try? await client.get(declaration.target) else { continue }
            let strategyObject = try? await client.get(declaration.ref)
            let state = RolloutState(strategyObject?[path: ["status", "rollout"]])
            let command = strategyObject?[path: ["metadata", "annotations", RolloutCommand.annotation]]?.stringValue
            let hash = Self.templateHash(planned.resource.body[path: ["spec", "template"]])
            let templateChanges = planned.diff.changes.filter { $0.path.hasPrefix("spec.template") }
            let action: PendingRollout.Action
            if templateChanges.isEmpty {
                guard let state, state.isActive else { continue }
                action = .cancel
            } else if let state, state.templateHash == hash, state.phase == .degraded, command != RolloutCommand.retry.rawValue {
                action = .blocked
            } else if let state, state.isActive {
                action = state.templateHash == hash ? .resume : .restart
            } else {
                action = .start
            }
            var templates: [String: RolloutAnalysisTemplate] = [:]
            for step in declaration.steps {
                guard case .analysis(let a) = step else { continue }
                for t in declarations.templates(for: a, namespace: declaration.ref.namespace) { templates[t.ref.name] = t }
            }
            let held: Resource
            if action == .cancel {
                held = planned.resource
            } else {
                held = Self.held(planned.resource, live: live, keepReplicas: action == .resume || action == .restart) ?? planned.resource
            }
            var heldObject = planned
            heldObject.resource = held
            heldObject.validated = false
            if let diff = try? target.compare(held, live: live) { heldObject.diff = diff }
            plan.steps[s].objects[o] = heldObject
            var rollout = PendingRollout(
                action: action, declaration: declaration, templates: templates, desired: planned.resource, held: held,
                state: state, revision: revision, templateHash: hash, changes: templateChanges)
            rollout.command = command.flatMap(RolloutCommand.init(rawValue:))
            rollout.routerDesired = Self.heldFields(declaration).compactMap { group, kind, name, _ in
                let identity = ObjectRef(group: group, version: "", kind: kind, namespace: declaration.target.namespace, name: name).identity
                return Self.index(of: identity, in: plan).map { plan.steps[$0.0].objects[$0.1].resource }
            }
            if action == .resume, state != nil {
                // The router's objects keep the rollout's weights: not drift, not re-applied.
                for held in await Self.heldRouterObjects(declaration, in: plan, client: client) {
                    var object = plan.steps[held.step].objects[held.object]
                    object.resource = held.resource
                    object.validated = false
                    if let diff = try? target.compare(held.resource, live: held.live) { object.diff = diff }
                    if object.action == .configured, let exact = await target.confirm(held.resource, live: held.live) {
                        // The server's answer, as the planner has it: defaults are not differences.
                        object.diff = exact
                        object.validated = true
                    }
                    if held.resource.body != plan.steps[held.step].objects[held.object].resource.body {
                        rollout.routerObjects.append(held.resource.ref)  // the rollout changed it
                    }
                    plan.steps[held.step].objects[held.object] = object
                }
            }
            pending.append(rollout)
        }
        return PreparedRollouts(plan: plan, rollouts: pending, problems: [])
    }

    static func index(of ref: ObjectRef, in plan: Plan) -> (Int, Int)? {
        for (s, step) in plan.steps.enumerated() {
            if let o = step.objects.firstIndex(where: { $0.ref.identity == ref.identity }) { return (s, o) }
        }
        return nil
    }

    /// Git's Deployment with the live pod template (and the live replicas when asked).
    static func held(_ desired: Resource, live: Value, keepReplicas: Bool) -> Resource? {
        guard var template = live[path: ["spec", "template"]] else { return nil }
        if template[path: ["metadata", "creationTimestamp"]]?.isNull == true {
            var meta = template["metadata"] ?? [:]
            _ = meta.removeKey("creationTimestamp")
            template["metadata"] = meta
        }
        var body = desired.body
        var spec = body["spec"] ?? [:]
        spec["template"] = template
        if keepReplicas, let replicas = live[path: ["spec", "replicas"]] { spec["replicas"] = replicas }
        body["spec"] = spec
        return try? Resource(body, source: desired.source)
    }

    /// FNV-1a of the template's JSON: which template a rollout is rolling out.
    static func templateHash(_ template: Value?) -> String {
        let bytes = (try? JSONWriter().bytes(template ?? .null)) ?? []
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }
}

extension Value {
    /// Removes an object member; false when there was none.
    @discardableResult
    mutating func removeKey(_ key: String) -> Bool {
        guard case .object(var o) = self else { return false }
        let removed = o.removeValue(forKey: key) != nil
        self = .object(o)
        return removed
    }
}
