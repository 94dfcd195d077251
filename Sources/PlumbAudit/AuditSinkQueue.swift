/// Where audit sink deliveries wait: the outbox beside the records, in the audit database
/// (SQLite: `AuditOutbox`; PostgreSQL: `PostgresAuditOutbox`). A record is queued for every
/// registered sink in the transaction that completes it; a delivery takes the oldest entry of
/// a sink, and removes it once the sink took it.
public protocol AuditSinkQueue: Sendable {
    /// Makes `sinks` (stable ids, never URLs with credentials) the ones records are queued for
    /// from now on. Rows already queued for a sink no longer registered stay until delivered.
    func register(sinks: [String], now: AuditTimestamp) throws

    /// How many deliveries are queued for `sink` (every sink when nil).
    func count(sink: String?) throws -> Int

    /// Offers `sink`'s oldest entry, when due, to `send` with its record: removed when `send`
    /// returns, held back for `backoff(attempts)` when it throws (attempts before this one).
    func deliverHead(
        sink: String, backoff: @Sendable (Int) -> Duration, send: @Sendable (AuditRecord) async throws -> Void
    ) async throws -> AuditDeliveryStep
}

/// What one `deliverHead` did.
public enum AuditDeliveryStep: Sendable {
    /// Nothing queued for the sink.
    case empty
    /// The oldest entry is held back this much longer (a failed attempt's backoff).
    case notDue(Duration)
    /// The oldest entry was delivered and removed.
    case delivered
    /// The sink did not take record `recordID`: it is tried again in `retryIn`.
    case failed(recordID: Int64, error: String, retryIn: Duration)
    /// Another process delivers this sink's entries now (it holds the sink's lock).
    case busy
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

extension AuditOutbox: AuditSinkQueue {
    public func deliverHead(
        sink: String, backoff: @Sendable (Int) -> Duration, send: @Sendable (AuditRecord) async throws -> Void
    ) async throws -> AuditDeliveryStep {
        // One process delivers from a SQLite file (its outbox is this replica's own).
        guard let entry = try head(sink: sink) else { return .empty }
        let now = AuditTimestamp.now().milliseconds
        if entry.notBefore > now { return .notDue(.milliseconds(entry.notBefore - now)) }
        guard let record = try store.record(entry.recordID) else {
            try delivered(entry)  // the record is gone (cascade would have removed the row)
            return .delivered
        }
        do {
            try await send(record)
        } catch {
            let wait = backoff(entry.attempts)
            try? failed(entry, notBefore: AuditTimestamp(milliseconds: now + wait.milliseconds), error: "\(error)")
            return .failed(recordID: entry.recordID, error: "\(error)", retryIn: wait)
        }
        try delivered(entry)
        return .delivered
    }
}
