import Synchronization

/// The audit sinks' outbox in a PostgreSQL audit database: tables `audit_sink` and
/// `audit_outbox` beside the records, the outbox filled by a trigger in the transaction that
/// completes a record (as in the SQLite store). Every replica of a controller may deliver from
/// it at once, and one entry is never delivered by two of them: a delivery takes the sink's
/// row with `SELECT ... FOR UPDATE SKIP LOCKED` and holds it, in a transaction on a connection
/// of its own, from reading the oldest entry until it is removed; another process finds the
/// row locked and leaves the sink to the holder for now (which also keeps a sink's records in
/// completion order). When the holder dies, the server ends its session and the lock goes;
/// the entry, not removed, is delivered by the next process: at least once, a repeat carrying
/// the same `X-Plumb-Delivery`.
public final class PostgresAuditOutbox: AuditSinkQueue, Sendable {
    public let store: PostgresAuditStore
    /// One connection per sink, for the transaction a delivery holds (the store's own
    /// connection stays free for appends meanwhile).
    private let connections = Mutex<[String: PostgresAuditStore]>([:])

    public init(store: PostgresAuditStore) { self.store = store }

    public func register(sinks: [String], now: AuditTimestamp) throws {
        try store.transaction { session in
            if sinks.isEmpty {
                try session.execute("DELETE FROM audit_sink")
            } else {
                let placeholders = sinks.indices.map { "$\($0 + 1)" }.joined(separator: ",")
                try session.query("DELETE FROM audit_sink WHERE id NOT IN (\(placeholders))", sinks.map { .text($0) })
            }
            for sink in sinks {
                try session.query(
                    "INSERT INTO audit_sink (id, registered_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
                    [.text(sink), .integer(now.milliseconds)])
            }
        }
    }

    public func count(sink: String?) throws -> Int {
        try store.withConnection { session in
            let rows =
                try sink.map { try session.query("SELECT COUNT(*) AS n FROM audit_outbox WHERE sink = $1", [.text($0)]) }
                ?? session.query("SELECT COUNT(*) AS n FROM audit_outbox")
            return Int(rows.first.flatMap { PostgresStoredRow($0).integer("n") } ?? 0)
        }
    }

    private func connection(for sink: String) throws -> PostgresAuditStore {
        if let open = connections.withLock({ $0[sink] }) { return open }
        let made = try PostgresAuditStore(url: store.url, staleAfterMilliseconds: store.staleAfter)
        return connections.withLock { all in
            if let open = all[sink] { return open }
            all[sink] = made
            return made
        }
    }

    public func deliverHead(
        sink: String, backoff: @Sendable (Int) -> Duration, send: @Sendable (AuditRecord) async throws -> Void
    ) async throws -> AuditDeliveryStep {
        let db = try connection(for: sink)
        func run(_ sql: String, _ binds: [AuditColumnValue] = []) throws -> [PostgresStoredRow] {
            try db.withConnection { try $0.query(sql, binds).map(PostgresStoredRow.init) }
        }
        _ = try run("BEGIN")
        do {
            guard !(try run("SELECT id FROM audit_sink WHERE id = $1 FOR UPDATE SKIP LOCKED", [.text(sink)])).isEmpty else {
                _ = try run("ROLLBACK")
                return .busy
            }
            guard
                let head = try run(
                    "SELECT seq, record_id, attempts, not_before FROM audit_outbox WHERE sink = $1 ORDER BY seq LIMIT 1",
                    [.text(sink)]
                ).first,
                let seq = head.integer("seq"), let recordID = head.integer("record_id")
            else {
                _ = try run("COMMIT")
                return .empty
            }
            let now = AuditTimestamp.now().milliseconds
            let notBefore = head.integer("not_before") ?? 0
            if notBefore > now {
                _ = try run("COMMIT")
                return .notDue(.milliseconds(notBefore - now))
            }
            let record = try db.withConnection { try db.loadRecords($0, where: "id = $1", [.integer(recordID)]).first }
            if let record {
                do {
                    try await send(record)
                } catch {
                    let wait = backoff(Int(head.integer("attempts") ?? 0))
                    _ = try run(
                        "UPDATE audit_outbox SET attempts = attempts + 1, not_before = $1, last_error = $2 WHERE seq = $3",
                        [.integer(now + wait.milliseconds), .text(String("\(error)".prefix(500))), .integer(seq)])
                    _ = try run("COMMIT")
                    return .failed(recordID: recordID, error: "\(error)", retryIn: wait)
                }
            }
            // Delivered (or the record is gone: the cascade would have removed the row).
            _ = try run("DELETE FROM audit_outbox WHERE seq = $1", [.integer(seq)])
            _ = try run("COMMIT")
            return .delivered
        } catch {
            _ = try? run("ROLLBACK")
            throw error
        }
    }
}
