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
    /// already refused by the fence), and parked Applications now admitted are queued, those
    /// whose sync a dead replica left interrupted first.
    func gateChanged() async {
        guard let gate else { return }
        for (key, task) in running.withLock({ $0 }) where !gate.admits(key) {
            logger.info("reconcile stopped: this replica no longer holds the Application", metadata: ["app": "\(key)"])
            task.cancel()
        }
        // The series of Applications another replica holds now are that replica's to report.
        if let metrics {
            for (_, object) in await apps.snapshot().objects {
                if let key = Application(object)?.key, !gate.admits(key) { metrics.appRemoved(key) }
            }
        }
        let due = parked.withLock { all -> [AppKey] in
            let now = all.filter { gate.admits($0) }
            all.subtract(now)
            return now.sorted()
        }
        guard !due.isEmpty else { return }
        // A replica that died mid-sync left its record `started`; on this host its process is
        // seen gone and the record is marked now (another host's after the store's staleness
        // bound). Either way the Application is out of sync and its next reconcile syncs it.
        var first = Set<AppKey>()
        if let interrupted = try? reconciler.audit.markInterrupted(now: .now()) {
            for record in interrupted {
                logger.warning("\(record.interruptionWarning); syncing it again", metadata: ["app": "\(record.app)"])
                if let key = AppKey(record.app) { first.insert(key) }
            }
        }
        logger.info("taking up \(due.count) Application\(due.count == 1 ? "" : "s")")
        for key in due where first.contains(key) { await queue.add(key) }
        for key in due where !first.contains(key) { await queue.add(key) }
    }
}
