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
    /// older than the store's staleness bound), and those of the `stopped` processes, as
    /// `interrupted`, and returns them.
    func markInterrupted(now: AuditTimestamp, stopped: [StoppedProcess]) throws -> [AuditRecord]

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

extension AuditStore {
    /// Marks `started` records whose process is gone (or, for another host's records, that are
    /// older than the store's staleness bound) as `interrupted`, and returns them.
    public func markInterrupted(now: AuditTimestamp) throws -> [AuditRecord] {
        try markInterrupted(now: now, stopped: [])
    }
}

/// A process known to have stopped working though it may still run, on this host or another:
/// a controller replica whose Lease expired and another replica took over (a replica stops
/// before its lease can expire, docs/controller.md). Its `started` records, of `apps` only
/// when given, are interrupted at once instead of after the staleness bound.
public struct StoppedProcess: Sendable, Equatable {
    public var process: AuditProcess
    /// The Lease holder identity it ran as.
    public var identity: String
    /// The Applications (`namespace/name`) whose records to mark; nil: all of them.
    public var apps: Set<String>?

    public init(process: AuditProcess, identity: String, apps: Set<String>? = nil) {
        self.process = process
        self.identity = identity
        self.apps = apps
    }

    /// Whether `record` is one of this process's to mark.
    func covers(_ record: AuditRecord) -> Bool {
        record.process == process && (apps.map { $0.contains(record.app) } ?? true)
    }
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
        _ record: AuditRecord, now: AuditTimestamp, staleAfterMilliseconds: Int64, here: AuditProcess,
        stopped: [StoppedProcess] = []
    ) -> String? {
        let p = record.process
        if let holder = stopped.first(where: { $0.covers(record) }) {
            return "process \(p.pid) on \(p.host) (replica \(holder.identity)) lost its lease before the \(record.kind.rawValue) completed"
        }
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
