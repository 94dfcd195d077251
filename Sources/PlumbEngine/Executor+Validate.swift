import PlumbCore

extension Executor {
    /// Dry-runs every object, `options.concurrency` at once. Returns one failed change per
    /// object that would not apply; empty when all would.
    func validate(_ objects: [PlannedObject], options: SyncOptions) async -> [ObjectChange] {
        observer.observe(.validating(count: objects.count))
        let executor = self
        let results = await concurrentMap(objects, limit: options.concurrency) { object -> ObjectChange? in
            do throws(SyncError) {
                try await executor.retrying(object.ref, stage: .dryRun, policy: options.retry) {
                    try await executor.target.dryRun(object.resource, force: options.force)
                }
                return nil
            } catch {
                return ObjectChange(ref: object.ref, action: .failed, changes: object.diff.changes, error: error.description)
            }
        }
        let failures = results.compactMap { $0 }
        observer.observe(.validated(count: objects.count, failed: failures.count))
        return failures
    }
}
