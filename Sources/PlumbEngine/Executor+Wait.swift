import PlumbCore

extension Executor {
    /// After a step: waits for the written objects that later steps may need (CRDs) to be
    /// ready; one that is not ready in time fails.
    func waitUntilReady(_ changes: [ObjectChange], options: SyncOptions) async -> [ObjectChange] {
        var out = changes
        let gating = changes.indices.filter { i in
            let ref = changes[i].ref
            return changes[i].action.writes && changes[i].error == nil
                && ReconcileOrder.readyBeforeNextWave.contains(ReconcileOrder.GroupKind(ref.group, ref.kind))
        }
        let executor = self
        // A CRD is established within milliseconds: look again soon, then less often.
        let reached = await concurrentMap(gating, limit: options.concurrency) { i in
            await executor.waitForHealthy(changes[i].ref, options: options, firstPoll: .milliseconds(10))
        }
        for (i, (health, error)) in zip(gating, reached) { Self.record(health, error, into: &out[i]) }
        return out
    }

    /// Waits for every created or configured object to be healthy; records the health and,
    /// for a Degraded object or one not healthy in time, the error.
    func waitForHealth(_ changes: [ObjectChange], options: SyncOptions) async -> [ObjectChange] {
        var out = changes
        let waiting = changes.indices.filter {
            (changes[$0].action == .created || changes[$0].action == .configured) && changes[$0].error == nil
                && changes[$0].health?.state != .healthy
        }
        let executor = self
        // Health checks are reads: every object is watched at once.
        let reached = await concurrentMap(waiting, limit: max(options.concurrency, waiting.count)) { i in
            await executor.waitForHealthy(changes[i].ref, options: options)
        }
        for (i, (health, error)) in zip(waiting, reached) { Self.record(health, error, into: &out[i]) }
        return out
    }

    /// A wait's outcome on the object's change. When the target became unreachable the
    /// object was written but its health is unknown: that is the sync's interruption, not
    /// an error of the object.
    static func record(_ health: HealthStatus?, _ error: SyncError?, into change: inout ObjectChange) {
        if let down = error?.unreachable {
            change.health = HealthStatus(.unknown, "not checked: \(down)")
            return
        }
        change.health = health
        change.error = error?.description
        change.isTransient = error?.isTransient ?? false
    }

    /// Polls an object's health until it is Healthy (or Unknown: the target has no rule for
    /// it), Degraded, or `options.timeout` passed. Returns the last health and the error, if any.
    /// With `firstPoll`, the wait between polls starts there and doubles up to `options.pollInterval`.
    func waitForHealthy(_ ref: ObjectRef, options: SyncOptions, firstPoll: Duration? = nil) async -> (HealthStatus?, SyncError?) {
        let start = clock.now()
        let deadline = start + options.timeout
        var interval = min(firstPoll ?? options.pollInterval, options.pollInterval)
        var last: HealthStatus?
        while true {
            do {
                let health = try await target.health(of: ref)
                last = health
                switch health.state {
                case .healthy, .unknown:
                    observer.observe(.healthReached(ref, health, after: clock.now() - start))
                    return (health, nil)
                case .degraded:
                    let reason = health.message.isEmpty ? "degraded" : "degraded: \(health.message)"
                    return (health, SyncError(ref: ref, stage: .health, reason: reason))
                case .progressing, .missing:
                    break
                }
            } catch let down as TargetUnreachable {
                unreachable.record(down)
                return (last, SyncError(ref: ref, stage: .health, reason: down.description, unreachable: down))
            } catch where target.isTransient(error) {
                // Checked again at the next poll.
            } catch is CancellationError {
                // The sync was interrupted during the read: said below, not as a failed check.
            } catch {
                let reason = "health check failed: \(SyncError.reason(for: error, of: ref))"
                return (last, SyncError(ref: ref, stage: .health, reason: reason))
            }
            if Task.isCancelled {
                return (last, SyncError(ref: ref, stage: .health, reason: "interrupted while waiting for health"))
            }
            let now = clock.now()
            if now >= deadline {
                let state = last.map { ": \($0)" } ?? ""
                let reason = "not healthy after \(DurationText.format(options.timeout))\(state)"
                // It may still get there: a controller should look again soon.
                return (last, SyncError(ref: ref, stage: .health, reason: reason, isTransient: true))
            }
            try? await clock.sleep(for: min(interval, deadline - now))
            interval = min(interval * 2, options.pollInterval)
        }
    }
}
