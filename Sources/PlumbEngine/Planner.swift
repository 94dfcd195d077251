import PlumbCore

/// Turns the desired set and what a target observed into a `Plan`: each object stamped
/// with Plumb's labels and compared, ordered by sync wave then phase, and the app's live
/// objects that left Git as prunes in reverse order. Pure: no call to the target writes.
public struct Planner: Sendable {
    /// The app being synced.
    public var app: String

    /// A planner for `app`.
    public init(app: String) { self.app = app }

    /// Observes the target and plans a sync: what a CLI calls for `diff` and `sync`.
    /// Throws the target's error, or a `PlanError`.
    /// Without `pruneCandidates` the plan lists no prunes and the target may skip looking for them.
    public func plan(desired: [Resource], target: any Target, pruneCandidates: Bool = true) async throws -> Plan {
        let observation = try await target.observe(desired, app: app, pruneCandidates: pruneCandidates)
        var plan = try plan(
            desired: desired, observation: pruneCandidates ? observation : Observation(live: observation.live), target: target)
        await confirm(&plan, live: observation.live, target: target)
        return plan
    }

    /// Has the target confirm every predicted update (the target keeps what it answered, so
    /// a prediction it already overruled costs nothing the next time): a change that would
    /// not happen becomes unchanged, and the target's exact difference replaces the prediction.
    public func confirm(_ plan: inout Plan, live: [ObjectIdentity: Value], target: any Target, concurrency: Int = 32) async {
        var positions: [(step: Int, object: Int, live: Value)] = []
        for (s, step) in plan.steps.enumerated() {
            for (o, object) in step.objects.enumerated() where object.action == .configured {
                if let current = live[object.ref.identity] { positions.append((s, o, current)) }
            }
        }
        guard !positions.isEmpty else { return }
        let objects = positions.map { (plan.steps[$0.step].objects[$0.object].resource, $0.live) }
        let answers = await concurrentMap(objects, limit: concurrency) { desired, live in
            await target.confirm(desired, live: live)
        }
        for (position, answer) in zip(positions, answers) {
            guard let exact = answer else { continue }
            plan.steps[position.step].objects[position.object].diff = exact
            plan.steps[position.step].objects[position.object].validated = true
        }
    }

    /// Plans a sync. Throws every problem at once: a bad sync wave, an object listed twice,
    /// an object the target cannot compare.
    public func plan(desired: [Resource], observation: Observation, target: any Target) throws(PlanError) -> Plan {
        var problems: [String] = []
        var planned: [PlannedObject] = []
        var seen = Set<ObjectIdentity>()
        for original in desired {
            let resource = SyncLabels.stamped(original, app: app)
            guard seen.insert(resource.ref.identity).inserted else {
                problems.append("\(resource.ref): defined more than once")
                continue
            }
            guard let wave = SyncLabels.syncWave(of: resource) else {
                let text = resource.annotations[SyncLabels.syncWave] ?? ""
                problems.append(
                    "\(resource.ref): annotation \(SyncLabels.syncWave): \(Value.string(text).jsonString) is not an integer")
                continue
            }
            do {
                let diff = try target.compare(resource, live: observation.live[resource.ref.identity])
                planned.append(PlannedObject(resource: resource, syncWave: wave, phase: target.phase(of: resource.ref), diff: diff))
            } catch {
                problems.append("\(resource.ref): \(error)")
            }
        }
        guard problems.isEmpty else { throw PlanError(problems: problems) }

        // Sorted as indices (a planned object is large to move) by wave, phase and reference.
        let keys = planned.map { (order: Order(wave: $0.syncWave, phase: $0.phase), ref: $0.ref) }
        let sorted = keys.indices.sorted { i, j in
            keys[i].order != keys[j].order ? keys[i].order < keys[j].order : keys[i].ref < keys[j].ref
        }
        var steps: [PlanStep] = []
        for i in sorted {
            let order = keys[i].order
            if steps.last.map({ Order(wave: $0.syncWave, phase: $0.phase) != order }) ?? true {
                steps.append(PlanStep(syncWave: order.wave, phase: order.phase, objects: []))
            }
            steps[steps.count - 1].objects.append(planned[i])
        }
        var prune: [PlannedPrune] = []
        var protected: [ObjectRef] = []
        for object in observation.appObjects where !seen.contains(object.ref.identity) {
            // Only what this app owns: the label must name it, whatever the target returned.
            guard object.labels[SyncLabels.app] == app else { continue }
            if SyncLabels.pruneDisabled(object) {
                protected.append(object.ref)
            } else {
                prune.append(PlannedPrune(
                    ref: object.ref, syncWave: SyncLabels.syncWave(of: object) ?? 0, phase: target.phase(of: object.ref)))
            }
        }
        prune.sort { a, b in
            let (x, y) = (Order(wave: a.syncWave, phase: a.phase), Order(wave: b.syncWave, phase: b.phase))
            return x != y ? y < x : b.ref < a.ref
        }
        return Plan(app: app, steps: steps, prune: prune, protected: protected.sorted())
    }

    private struct Order: Hashable, Comparable {
        var wave: Int
        var phase: Int
        static func < (a: Order, b: Order) -> Bool { (a.wave, a.phase) < (b.wave, b.phase) }
    }
}
