/// The PostgreSQL schema: the columns of the SQLite store (text and 64-bit integers, so values
/// read back exactly as they were hashed) and `audit_chain`, the one row every append locks.
extension PostgresAuditStore {
    /// The advisory lock held while the schema is brought up to date, so that several
    /// processes opening a new database at once migrate it once ("plumbaud" in ASCII).
    static let schemaLock: Int64 = 0x706C_756D_6261_7564

    /// Named migrations, applied in order, each once; a new one goes at the end.
    static let migrations: [(name: String, statements: [String])] = [
        (
            "v1: records, objects and the chain head",
            [
                """
                CREATE TABLE audit_record (
                    id BIGINT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    ended_at TEXT,
                    app TEXT NOT NULL,
                    target TEXT NOT NULL,
                    repo TEXT NOT NULL,
                    revision TEXT NOT NULL,
                    author TEXT NOT NULL,
                    committer TEXT NOT NULL,
                    message TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    signature_detail TEXT,
                    policy TEXT,
                    previous_revision TEXT,
                    initiator TEXT NOT NULL,
                    options TEXT NOT NULL,
                    result TEXT NOT NULL,
                    error TEXT,
                    pid BIGINT NOT NULL,
                    host TEXT NOT NULL,
                    boot_id TEXT NOT NULL,
                    process_start BIGINT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    header_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                )
                """,
                "CREATE INDEX audit_record_app ON audit_record (app, id)",
                "CREATE INDEX audit_record_result ON audit_record (result)",
                "CREATE INDEX audit_record_header_hash ON audit_record (header_hash)",
                """
                CREATE TABLE audit_object (
                    record_id BIGINT NOT NULL REFERENCES audit_record (id) ON DELETE CASCADE ON UPDATE CASCADE,
                    position BIGINT NOT NULL,
                    api_version TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    namespace TEXT NOT NULL,
                    name TEXT NOT NULL,
                    action TEXT NOT NULL,
                    changed_paths TEXT NOT NULL,
                    health TEXT,
                    error TEXT,
                    warnings TEXT,
                    images TEXT,
                    PRIMARY KEY (record_id, position)
                )
                """,
                // The chain head: the highest id ever given out (as SQLite's sqlite_sequence, it
                // tells records deleted from the end), locked by every append.
                """
                CREATE TABLE audit_chain (
                    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
                    last_id BIGINT NOT NULL
                )
                """,
                "INSERT INTO audit_chain (singleton, last_id) VALUES (TRUE, 0)",
            ]
        ),
        (
            // The audit sinks' outbox, as the SQLite store's: a record is queued for every
            // registered sink by a trigger, in the transaction that completes it. With sinks,
            // completions take a transaction lock first (advisory, "plumbout"), so that queue
            // positions are given in commit order: a delivery never passes a completion whose
            // lower position is not committed yet.
            "v2: outbox: audit sinks",
            [
                "CREATE TABLE audit_sink (id TEXT PRIMARY KEY, registered_at BIGINT NOT NULL)",
                """
                CREATE TABLE audit_outbox (
                    seq BIGSERIAL PRIMARY KEY,
                    sink TEXT NOT NULL,
                    record_id BIGINT NOT NULL REFERENCES audit_record (id) ON DELETE CASCADE ON UPDATE CASCADE,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    not_before BIGINT NOT NULL DEFAULT 0,
                    last_error TEXT
                )
                """,
                "CREATE INDEX audit_outbox_sink ON audit_outbox (sink, seq)",
                """
                CREATE FUNCTION audit_outbox_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF EXISTS (SELECT 1 FROM audit_sink) THEN
                        PERFORM pg_advisory_xact_lock(8100978942396036468);
                        INSERT INTO audit_outbox (sink, record_id) SELECT id, NEW.id FROM audit_sink;
                    END IF;
                    RETURN NEW;
                END
                $$
                """,
                """
                CREATE TRIGGER audit_outbox_enqueue AFTER UPDATE OF result ON audit_record
                FOR EACH ROW WHEN (OLD.result = 'started' AND NEW.result <> 'started')
                EXECUTE FUNCTION audit_outbox_enqueue()
                """,
            ]
        ),
    ]

    /// Creates the tables, or adds what later versions added, under the schema lock.
    func migrate() throws {
        try transaction { session in
            try session.query("SELECT pg_advisory_xact_lock($1)", [.integer(PostgresAuditStore.schemaLock)])
            try session.execute(
                "CREATE TABLE IF NOT EXISTS audit_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            let applied = Set(
                try session.query("SELECT name FROM audit_migration").compactMap { PostgresStoredRow($0).text("name") })
            for migration in PostgresAuditStore.migrations where !applied.contains(migration.name) {
                for statement in migration.statements { try session.execute(statement) }
                try session.query(
                    "INSERT INTO audit_migration (name, applied_at) VALUES ($1, $2)",
                    [.text(migration.name), .text(AuditTimestamp.now().iso8601)])
            }
        }
    }
}
