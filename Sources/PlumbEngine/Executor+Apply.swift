import PlumbCore

extension Executor {
    /// Applies the objects of one step that change, `options.concurrency` at once; unchanged
    /// objects are not written. In dry-run mode nothing is written and the predicted action is kept.
    func apply(_ step: PlanStep, options: SyncOptions) async -> [ObjectChange] {
        let executor = self
        return await concurrentMap(step.objects, limit: options.concurrency) { object in
            let started = executor.clock.now()
            var change = ObjectChange(ref: object.ref, action: object.action, changes: object.diff.changes)
            if object.action != .unchanged && !options.dryRun {
                do throws(SyncError) {
                    try await executor.retrying(object.ref, stage: .apply, policy: options.retry) {
                        try await executor.target.apply(object.resource, force: options.force)
                    }
                } catch {
                    if let lost = error.unreachableChange(changes: object.diff.changes) {
                        change = lost
                    } else {
                        change.action = .failed
                        change.error = error.description
                        change.isTransient = error.isTransient
                    }
                }
            }
            executor.observer.observe(.objectDone(change, syncWave: step.syncWave, duration: executor.clock.now() - started))
            return change
        }
    }
}
