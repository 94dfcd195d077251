import PlumbCore

/// The lines `plumb sync` prints, as UX.md sketches them; pure formatting for a CLI's
/// observer (plain lines in CI, the same text redrawn in place on a TTY).
public enum SyncReport {
    /// Where the action column starts in an object line.
    public static let actionColumn = 47

    /// `validating 18 objects … ok (server dry-run)`, or the count of failures.
    public static func validated(count: Int, failed: Int) -> String {
        if count == 0 { return "validating … nothing to write" }
        let result = failed == 0 ? "ok (server dry-run)" : "\(failed) failed"
        return "validating \(count) object\(count == 1 ? "" : "s") … \(result)"
    }

    /// `wave 0  Deployment web/web                     configured  healthy in 6.1s`; `health`
    /// with the time it took to reach it, when the sync waited for it.
    public static func object(_ change: ObjectChange, syncWave: Int, health: (HealthStatus, Duration)? = nil) -> String {
        var line = "wave \(syncWave)  \(change.ref.kind) \(change.ref.qualifiedName)"
        line += String(repeating: " ", count: max(2, actionColumn - line.count)) + change.action.rawValue
        if let (status, after) = health {
            // Health lines up after the longest action word, `configured`.
            line += String(repeating: " ", count: max(0, 10 - change.action.rawValue.count))
            let word = ReconcileOrder.customResourceDefinition == ReconcileOrder.GroupKind(change.ref.group, change.ref.kind)
                && status.state == .healthy ? "established" : status.state.rawValue.lowercased()
            line += "  \(word) in \(DurationText.format(after))"
        }
        return line
    }

    /// `synced 3f9c2ab in 7.3s: 2 created, 2 configured, 1 pruned, 13 unchanged`, or
    /// `sync of 3f9c2ab failed after 7.3s: ...` when an object failed.
    /// A sync the target's outage stopped says so, with what it did and did not reach:
    /// `sync of 3f9c2ab stopped after 1m2s: server unreachable since 12:03:04 (waited 60s):
    /// 350 created, 2640 not attempted, 10 unknown`.
    public static func summary(_ result: ChangeSet, revision: String, duration: Duration) -> String {
        let time = DurationText.format(duration)
        if let interruption = result.interruption {
            let parts = Action.allCases.compactMap { a -> String? in
                let n = result.count(a)
                return n == 0 ? nil : "\(n) \(a == .skipped ? "not attempted" : a.rawValue)"
            }
            return "sync of \(revision) stopped after \(time): \(interruption): " + parts.joined(separator: ", ")
        }
        return result.succeeded
            ? "synced \(revision) in \(time): \(result.summary)"
            : "sync of \(revision) failed after \(time): \(result.summary)"
    }
}
