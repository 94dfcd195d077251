import PlumbCore

extension Executor {
    /// Deletes the plan's prunes when `options.prune` is on and nothing failed before
    /// (`blocked`): group by group in the plan's reverse order, concurrently inside a group.
    /// Otherwise the prunes, and always the protected objects, are skipped with the reason.
    func prune(_ plan: Plan, options: SyncOptions, blocked: Bool) async -> [ObjectChange] {
        var results: [ObjectChange] = []
        let reason = Task.isCancelled ? "the sync was interrupted" : blocked ? "an earlier step failed" : "pruning is off"
        if let down = unreachable.value, options.prune {
            results = plan.prune.map { Executor.notAttempted($0.ref, down) }
        } else if !options.prune || blocked || Task.isCancelled {
            results = plan.prune.map { ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not pruned: \(reason)") }
        } else if !plan.prune.isEmpty {
            observer.observe(.pruning(count: plan.prune.count))
            var groups: [[PlannedPrune]] = []
            for item in plan.prune {
                if let last = groups.last?.last, last.syncWave == item.syncWave, last.phase == item.phase {
                    groups[groups.count - 1].append(item)
                } else {
                    groups.append([item])
                }
            }
            let executor = self
            for group in groups {
                if let down = unreachable.value {
                    results += group.map { Executor.notAttempted($0.ref, down) }
                    continue
                }
                if Task.isCancelled {
                    results += group.map {
                        ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not pruned: the sync was interrupted")
                    }
                    continue
                }
                // As applies: a group under way finishes.
                results += await Task { await executor.pruneGroup(group, options: options) }.value
            }
        }
        results += plan.protected.map {
            ObjectChange(ref: $0, action: .skipped, error: "\($0): not pruned: \(SyncLabels.prune): disabled")
        }
        return results
    }

    private func pruneGroup(_ group: [PlannedPrune], options: SyncOptions) async -> [ObjectChange] {
        let executor = self
        return await concurrentMap(group, limit: options.concurrency) { item in
            let started = executor.clock.now()
            var change = ObjectChange(ref: item.ref, action: .pruned)
            if !options.dryRun {
                do throws(SyncError) {
                    try await executor.retrying(item.ref, stage: .prune, policy: options.retry) {
                        try await executor.target.delete(item.ref)
                    }
                } catch {
                    if let lost = error.unreachableChange() {
                        change = lost
                    } else {
                        change.action = .failed
                        change.error = error.description
                        change.isTransient = error.isTransient
                    }
                }
            }
            executor.observer.observe(
                .objectDone(change, syncWave: item.syncWave, duration: executor.clock.now() - started))
            return change
        }
    }
}
