import Logging
import PlumbAudit

extension ApplicationController {
    /// Whether the gate admits `key` now; if not, the key is parked (out of the queue, no
    /// interval requeue, no metrics from this replica) until the gate admits it.
    func admitted(_ key: AppKey) -> Bool {
        guard let gate else { return true }
        // Checked under the lock `gateChanged` takes, so a key parked just as the gate opens
        // is seen by it.
        let parked = self.parked.withLock { all -> Bool in
            guard !gate.admits(key) else { return false }
            all.insert(key)
            return true
        }
        if parked { metrics?.appRemoved(key) }
        return !parked
    }

    /// The gate's admitted set changed (leadership won or lost, shard membership changed):
    /// running reconciles of Applications no longer admitted are cancelled (their writes are
    /// already refused by the fence), and parked Applications now admitted are queued ahead
    /// of the others (they are overdue): those whose sync a replica that stopped left
    /// interrupted first, then those whose source moved past their status (a commit pushed
    /// meanwhile), then the rest.
    func gateChanged() async {
        guard let gate else { return }
        for (key, task) in running.withLock({ $0 }) where !gate.admits(key) {
            logger.info("reconcile stopped: this replica no longer holds the Application", metadata: ["app": "\(key)"])
            task.cancel()
        }
        let all = await apps.snapshot().objects.values.compactMap { Application($0) }
        // The series of Applications another replica holds now are that replica's to report.
        if let metrics {
            for app in all where !gate.admits(app.key) { metrics.appRemoved(app.key) }
        }
        let stopped = gate.takeStopped()
        let due = parked.withLock { all -> [AppKey] in
            let now = all.filter { gate.admits($0) }
            all.subtract(now)
            return now.sorted()
        }
        guard !due.isEmpty || !stopped.isEmpty else { return }
        // A replica that stopped mid-sync left its record `started`. One whose lease this
        // replica saw expire has stopped wherever it ran: its records of the Applications held
        // here now are marked at once; on this host a process seen gone is marked too (another
        // host's otherwise after the store's staleness bound). Either way the Application is
        // out of sync and its next reconcile syncs it.
        let held = Set(all.map(\.key).filter { gate.admits($0) }.map(\.description))
        var first = Set<AppKey>()
        do {
            let interrupted = try reconciler.audit.markInterrupted(
                now: .now(), stopped: stopped.map { StoppedProcess(process: $0.process, identity: $0.identity, apps: held) })
            for record in interrupted {
                logger.warning("\(record.interruptionWarning); syncing it again", metadata: ["app": "\(record.app)"])
                if let key = AppKey(record.app) { first.insert(key) }
            }
        } catch {
            logger.warning("interrupted syncs not marked: \(error)")
        }
        guard !due.isEmpty else { return }
        logger.info("taking up \(due.count) Application\(due.count == 1 ? "" : "s")")
        let dueSet = Set(due)
        let taken = all.compactMap { app -> (Application, ApplicationSpec)? in
            guard dueSet.contains(app.key), !first.contains(app.key), case .success(let spec) = app.spec() else { return nil }
            return (app, spec)
        }
        let (moved, others) = await reconciler.takeoverOrder(taken)
        let ordered = due.filter { first.contains($0) } + moved + others
        // Without a spec (a bad one: the reconcile reports it) last.
        let placed = Set(ordered)
        await queue.addAhead(ordered + due.filter { !placed.contains($0) })
    }
}

extension ApplicationController {
    /// Sets the gauges of leader election and sharding (`plumb_leader`, `plumb_shard_*`).
    func reportGate(_ gate: any WorkGate, to metrics: ControllerMetrics) {
        if let leader = gate as? LeaderElector { metrics.leader(identity: leader.identity, holds: leader.isLeader) }
        if let shards = gate as? ShardMembership {
            let held = seen.withLock { $0.keys.filter { shards.admits($0) }.count }
            metrics.shard(identity: shards.identity, applications: held, members: shards.liveMembers.count)
        }
    }
}

extension WorkQueue {
    /// Queues `keys` ahead of every key waiting, in their order (overdue work: Applications
    /// taken over from a replica that stopped). A key being processed runs again after.
    func addAhead(_ keys: [Key]) {
        for (i, key) in keys.enumerated() { add(key, after: .seconds(-3600) + .microseconds(i)) }
    }
}
