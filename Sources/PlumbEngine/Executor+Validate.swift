import PlumbCore

extension Executor {
    /// Dry-runs every object the sync will write, `options.concurrency` at once. Returns one
    /// failed change per object that would not apply; empty when all would.
    /// Unchanged objects are not written, so there is nothing of theirs to check: a sync that
    /// changes nothing sends no request for them. Objects of a kind that a CRD of this sync
    /// creates are not dry-run: the server does not know the kind yet and would reject them
    /// (as Argo CD skips them).
    func validate(_ planned: [PlannedObject], options: SyncOptions) async -> [ObjectChange] {
        let objects = planned.filter { $0.action != .unchanged }
        observer.observe(.validating(count: objects.count))
        let pending = Executor.kindsDefinedByNewCRDs(objects)
        let executor = self
        let results = await concurrentMap(objects, limit: options.concurrency) { object -> ObjectChange? in
            // Dry-run already while its change was confirmed.
            if object.validated { return nil }
            if pending.contains(ReconcileOrder.GroupKind(object.ref.group, object.ref.kind)) { return nil }
            do throws(SyncError) {
                try await executor.retrying(object.ref, stage: .dryRun, policy: options.retry) {
                    try await executor.target.dryRun(object.resource, force: options.force)
                }
                return nil
            } catch {
                // The target went away: the executor stops with every object not attempted.
                if error.unreachable != nil { return nil }
                return ObjectChange(
                    ref: object.ref, action: .failed, changes: object.diff.changes, error: error.description,
                    isTransient: error.isTransient)
            }
        }
        let failures = results.compactMap { $0 }
        // Validation the target's outage cut short is not reported as done: the sync stops.
        if unreachable.value == nil { observer.observe(.validated(count: objects.count, failed: failures.count)) }
        return failures
    }

    /// The group and kind of every CustomResourceDefinition the plan creates.
    static func kindsDefinedByNewCRDs(_ objects: [PlannedObject]) -> Set<ReconcileOrder.GroupKind> {
        var out = Set<ReconcileOrder.GroupKind>()
        for object in objects where object.action == .created {
            let ref = object.ref
            guard ReconcileOrder.GroupKind(ref.group, ref.kind) == ReconcileOrder.customResourceDefinition,
                let group = object.resource.body[path: ["spec", "group"]]?.stringValue,
                let kind = object.resource.body[path: ["spec", "names", "kind"]]?.stringValue
            else { continue }
            out.insert(ReconcileOrder.GroupKind(group, kind))
        }
        return out
    }
}
