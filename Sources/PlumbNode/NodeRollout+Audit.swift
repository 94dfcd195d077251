import PlumbAudit
import PlumbCore

extension NodeRolloutResult {
    /// The audit record's objects: every NodeConfig of every host, in host order, with the
    /// paths it changed (never contents) and the host's result; a host that failed or was put
    /// back has its objects failed with the host's error.
    public var auditEntries: [AuditObjectEntry] {
        hosts.flatMap { host in
            host.changes.objects.map { object in
                var entry = AuditObjectEntry(
                    ref: object.ref, action: object.action, changedPaths: object.changes.map(\.path),
                    health: object.health?.state,
                    error: object.error)
                if [.restored, .failed, .unreachable].contains(host.outcome) && object.action != .unchanged {
                    entry.action = .failed
                    entry.error = host.error ?? object.error
                }
                return entry
            }
        }
    }

    /// `synced`, `failed`, or `dry-run` for the audit record.
    public func auditResult(dryRun: Bool) -> AuditResult {
        if failed { return .failed }
        return dryRun ? .dryRun : .synced
    }
}

/// A rollout run under an audit record.
public struct RecordedNodeRollout: Sendable {
    public var result: NodeRolloutResult
    public var auditID: Int64
    /// Why the record could not be completed (it stays `started` and is found interrupted later).
    public var auditError: String?
}

extension NodeRollout {
    /// Runs the rollout under an audit record: `record` (kind, app, target, commit) is begun
    /// before the first host is read and completed with every host's objects and result.
    /// Throws only when the store cannot begin the record (nothing was written then).
    public func run(recordingIn store: any AuditStore, record: AuditRecord) async throws -> RecordedNodeRollout {
        let id = try store.begin(record)
        let result = await run()
        let error = result.hosts.first { $0.error != nil && $0.outcome != .notStarted }?.error
        do {
            try store.complete(
                id, result: result.auditResult(dryRun: options.dryRun), endedAt: .now(), objects: result.auditEntries,
                error: error)
        } catch {
            return RecordedNodeRollout(result: result, auditID: id, auditError: "\(error)")
        }
        return RecordedNodeRollout(result: result, auditID: id)
    }
}
