/// The audit trail's I/O boundary: where syncs and rollbacks are recorded, chained and read.
///
/// A sync calls `begin` before its first write to a target and `complete` at its end (in one
/// place, as a `defer` of the reconcile), so a process that dies in between leaves a `started`
/// record that `markInterrupted` finds later.
///
/// The chain: `begin` links each record to the one before it by id, `prevHash` being that
/// record's `headerHash`, the hash of what is known when a record is begun (with its `id` and
/// `prevHash`). The header never changes afterwards, so a record may be completed after later
/// ones were begun (syncs of several apps overlap) without breaking the chain. `hash` covers the
/// whole record, header hash included, and is recomputed when the record is completed or found
/// interrupted. See docs/audit.md.
public protocol AuditStore: Sendable {
    /// Records a `started` sync or rollback and returns its id.
    func begin(_ record: AuditRecord) throws -> Int64

    /// Records how the sync `id` ended, with what it did to each object.
    func complete(
        _ id: Int64, result: AuditResult, endedAt: AuditTimestamp, objects: [AuditObjectEntry], error: String?
    ) throws

    /// Marks `started` records whose process is gone (or, for another host's records, that are
    /// older than the store's staleness bound) as `interrupted`, and returns them.
    func markInterrupted(now: AuditTimestamp) throws -> [AuditRecord]

    /// Every record that was found interrupted, oldest first.
    func interruptedRecords() throws -> [AuditRecord]

    /// The newest `limit` records, of `app` only when given, newest first.
    func history(app: String?, limit: Int) throws -> [AuditRecord]

    /// The revision of `app`'s newest record with `result` (the previous revision of a sync),
    /// read without its objects.
    func lastRevision(app: String, result: AuditResult) throws -> String?

    /// The record `id`, or nil.
    func record(_ id: Int64) throws -> AuditRecord?

    /// Walks the whole chain in id order.
    func verify() throws -> AuditVerification

    /// Every record, in id order, in `format`; `line` is called once per record.
    func export(format: AuditExportFormat, line: (String) throws -> Void) throws
}

/// Formats of `AuditStore.export`.
public enum AuditExportFormat: String, Sendable, CaseIterable {
    /// One canonical JSON object per line (sorted keys, compact), hashes included.
    case jsonl
}

/// How long a `started` record of another host may stay started before it counts as interrupted.
public let defaultAuditStaleness: Int64 = 6 * 3600 * 1000

/// The reasons `markInterrupted` gives, shared by the stores.
enum Interruption {
    /// Why `record` counts as interrupted now, or nil while its process may still be running.
    static func reason(
        _ record: AuditRecord, now: AuditTimestamp, staleAfterMilliseconds: Int64, here: AuditProcess
    ) -> String? {
        let p = record.process
        if p.host == here.host {
            guard p.isGone(seenFrom: here) else { return nil }
            return "process \(p.pid) on \(p.host) ended before the \(record.kind.rawValue) completed"
        }
        guard now.milliseconds - record.startedAt.milliseconds > staleAfterMilliseconds else { return nil }
        return "not completed within \(staleAfterMilliseconds / 60_000) minutes (process \(p.pid) on \(p.host))"
    }
}

extension AuditRecord {
    /// `sync #12 (app web, revision 3f9c2ab) was interrupted at 2026-11-21 19:02:11; its changes may be partly applied`.
    public var interruptionWarning: String {
        "\(kind.rawValue) #\(id) (app \(app), revision \(shortRevision)) was interrupted at \(startedAt.display); "
            + "its changes may be partly applied"
    }
}
