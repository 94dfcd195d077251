import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbManifests

/// `syncPolicy.rollbackOnFailure` and `plumb sync --rollback-on-failure`: how to get the
/// objects of an earlier revision, planned against the same target.
public struct RollbackOnFailure: Sendable {
    /// Loads `revision` and plans it (as `plumb rollback --to REVISION` does).
    public var plan: @Sendable (_ revision: String) async throws -> (Plan, LoadedSource)

    public init(plan: @escaping @Sendable (_ revision: String) async throws -> (Plan, LoadedSource)) {
        self.plan = plan
    }
}

/// The rollback after a failed sync: its record and result, or why it could not run.
public struct RollbackOutcome: Sendable {
    /// The revision restored.
    public var revision: String
    /// The rollback's own record (nil when it could not be begun or planned).
    public var auditID: Int64?
    public var result: ChangeSet?
    /// Why there was no rollback, or what stopped it.
    public var error: String?
}

extension AuditedSync {
    /// After a sync that failed once it had written something, syncs `previous` under a
    /// record of kind `rollback` whose options name the failed record (`rollbackOf`).
    func rollBack(
        after failed: Outcome, to previous: String?, with rollback: RollbackOnFailure, target: any Target, options: SyncOptions,
        observer: any SyncObserver
    ) async -> RollbackOutcome? {
        let result = failed.result
        guard !result.succeeded, !failed.interrupted, !options.dryRun, !result.nothingApplied else { return nil }
        guard let previous else {
            return RollbackOutcome(revision: "", error: "no earlier synced revision of \(app) to roll back to")
        }
        let planned: (Plan, LoadedSource)
        do {
            planned = try await rollback.plan(previous)
        } catch {
            return RollbackOutcome(revision: previous, error: "cannot load \(String(previous.prefix(7))): \(error)")
        }
        var sync = self
        sync.kind = .rollback
        sync.rollbackOnFailure = nil
        sync.policy = nil
        sync.trust = nil
        var recorded = auditOptions
        recorded["rollbackOf"] = .int(failed.auditID)
        sync.auditOptions = recorded
        do {
            let outcome = try await sync.runOnce(planned.0, source: planned.1, target: target, options: options, observer: observer)
            return RollbackOutcome(revision: previous, auditID: outcome.auditID, result: outcome.result)
        } catch {
            return RollbackOutcome(revision: previous, error: "\(error)")
        }
    }
}
