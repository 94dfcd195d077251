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
                    ref: object.ref, action: object.action, changedPaths: object.changes.map(\.path), health: object.health?.state,
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
