import GRDB
import PlumbCore

/// The durable outbox of audit sinks, in the audit database: when a record is completed (or
/// found interrupted), a trigger adds one row per registered sink in the same transaction, so
/// a record is queued exactly when it is final, and a crash or restart loses nothing. Rows are
/// delivered oldest first per sink and deleted once the sink took them. Thread safe.
public struct AuditOutbox: Sendable {
    /// One queued delivery of a record to a sink.
    public struct Entry: Sendable, Equatable {
        /// The queue position (increasing in the order records were completed).
        public var seq: Int64
        public var sink: String
        public var recordID: Int64
        /// Failed attempts so far.
        public var attempts: Int
        /// Not to be tried before this time (milliseconds since 1970).
        public var notBefore: Int64
    }

    let store: SQLiteAuditStore

    public init(store: SQLiteAuditStore) { self.store = store }

    /// The migration that adds the outbox: the registered sinks, the queue, and the trigger that
    /// fills it when a record leaves `started`.
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("outbox: audit sinks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_sink (
                        id TEXT PRIMARY KEY,
                        registered_at INTEGER NOT NULL
                    );
                    CREATE TABLE audit_outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        sink TEXT NOT NULL,
                        record_id INTEGER NOT NULL
                            REFERENCES audit_record(id) ON DELETE CASCADE ON UPDATE CASCADE,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        not_before INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT
                    );
                    CREATE INDEX audit_outbox_sink ON audit_outbox(sink, seq);
                    CREATE TRIGGER audit_outbox_enqueue AFTER UPDATE OF result ON audit_record
                    WHEN OLD.result = 'started' AND NEW.result <> 'started'
                    BEGIN
                        INSERT INTO audit_outbox (sink, record_id) SELECT id, NEW.id FROM audit_sink;
                    END;
                    """)
        }
    }

    /// Makes `sinks` (stable ids, never URLs with credentials) the ones records are queued for
    /// from now on. Rows already queued for a sink no longer registered stay until delivered.
    public func register(sinks: [String], now: AuditTimestamp = .now()) throws {
        try store.writing { db in
            let placeholders = sinks.map { _ in "?" }.joined(separator: ",")
            try db.execute(
                sql: "DELETE FROM audit_sink" + (sinks.isEmpty ? "" : " WHERE id NOT IN (\(placeholders))"),
                arguments: StatementArguments(sinks))
            for sink in sinks {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO audit_sink (id, registered_at) VALUES (?, ?)",
                    arguments: [sink, now.milliseconds])
            }
        }
    }

    /// The oldest queued delivery for `sink`, whether or not it is due.
    public func head(sink: String) throws -> Entry? {
        try store.reading { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM audit_outbox WHERE sink = ? ORDER BY seq LIMIT 1", arguments: [sink]
            ).map(Self.entry)
        }
    }

    /// How many deliveries are queued for `sink` (every sink when nil).
    public func count(sink: String? = nil) throws -> Int {
        try store.reading { db in
            if let sink {
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_outbox WHERE sink = ?", arguments: [sink])
                    ?? 0
            }
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_outbox") ?? 0
        }
    }

    /// Removes a delivered entry.
    public func delivered(_ entry: Entry) throws {
        try store.writing { db in try db.execute(sql: "DELETE FROM audit_outbox WHERE seq = ?", arguments: [entry.seq])
        }
    }

    /// Counts a failed attempt and holds the entry back until `notBefore`; `error` is one line
    /// without credentials.
    public func failed(_ entry: Entry, notBefore: AuditTimestamp, error: String) throws {
        try store.writing { db in
            try db.execute(
                sql: "UPDATE audit_outbox SET attempts = attempts + 1, not_before = ?, last_error = ? WHERE seq = ?",
                arguments: [notBefore.milliseconds, String(error.prefix(500)), entry.seq])
        }
    }

    static func entry(_ row: Row) -> Entry {
        Entry(
            seq: row["seq"], sink: row["sink"], recordID: row["record_id"], attempts: row["attempts"],
            notBefore: row["not_before"])
    }
}
