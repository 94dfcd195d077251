import Foundation
import GRDB
import PlumbCore

/// The audit trail in a SQLite database (WAL mode) through GRDB. Several processes may write
/// to one database: every write is a `BEGIN IMMEDIATE` transaction, so reading the previous
/// record's hash and inserting the next record cannot interleave. Thread safe.
public final class SQLiteAuditStore: AuditStore, Sendable {
    /// Where the CLI keeps the audit trail unless told otherwise.
    public static let defaultPath = ".plumb/audit.db"
    /// How many records `verify` and `export` read at a time.
    static let pageSize = 500

    /// The database file.
    public let path: String
    let pool: DatabasePool
    private let staleAfter: Int64

    /// Opens the database at `path`, creating it (and its directory) when `create` is true,
    /// and brings its schema up to date. Throws `AuditError.notFound` for a missing database
    /// when `create` is false.
    public init(
        path: String = SQLiteAuditStore.defaultPath, create: Bool = true,
        staleAfterMilliseconds: Int64 = defaultAuditStaleness
    ) throws {
        self.path = path
        self.staleAfter = staleAfterMilliseconds
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard create else { throw AuditError.notFound(path: path) }
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                do {
                    try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
                } catch {
                    throw AuditError.database(
                        path: path, message: "cannot create \(directory): \(error.localizedDescription)")
                }
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.foreignKeysEnabled = true
        // Two processes opening a new database at once would both run the migrations;
        // an exclusive lock beside the database makes the second wait for the first.
        let lock = try MigrationLock(path: path + ".lock")
        defer { lock.release() }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try SQLiteAuditStore.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw AuditError.database(path: path, message: error.message ?? "\(error.resultCode)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: records and objects") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit_record (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
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
                        previous_revision TEXT,
                        initiator TEXT NOT NULL,
                        options TEXT NOT NULL,
                        result TEXT NOT NULL,
                        error TEXT,
                        pid INTEGER NOT NULL,
                        host TEXT NOT NULL,
                        boot_id TEXT NOT NULL,
                        process_start INTEGER NOT NULL,
                        prev_hash TEXT NOT NULL,
                        header_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX audit_record_app ON audit_record(app, id);
                    CREATE INDEX audit_record_result ON audit_record(result);
                    CREATE TABLE audit_object (
                        record_id INTEGER NOT NULL
                            REFERENCES audit_record(id) ON DELETE CASCADE ON UPDATE CASCADE,
                        position INTEGER NOT NULL,
                        api_version TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        namespace TEXT NOT NULL,
                        name TEXT NOT NULL,
                        action TEXT NOT NULL,
                        changed_paths TEXT NOT NULL,
                        health TEXT,
                        error TEXT,
                        PRIMARY KEY (record_id, position)
                    );
                    """)
        }
        migrator.registerMigration("v2: object warnings") { db in
            // A JSON array of the server's warnings about the object; NULL when there were none.
            try db.execute(sql: "ALTER TABLE audit_object ADD COLUMN warnings TEXT")
        }
        migrator.registerMigration("v3: signature verdicts") { db in
            // The trust policy's verdict beside `signature` (JSON: format, signer, fingerprint,
            // reason); NULL for records that only say present/absent.
            try db.execute(sql: "ALTER TABLE audit_record ADD COLUMN signature_detail TEXT")
        }
        migrator.registerMigration("v4: policy verdicts") { db in
            // The policy checks' verdict (JSON: violations with their modes, waived findings);
            // NULL when no policy was configured.
            try db.execute(sql: "ALTER TABLE audit_record ADD COLUMN policy TEXT")
        }
        AuditOutbox.register(&migrator)
        migrator.registerMigration("inventory: object images") { db in
            // A JSON array of the object's container images; NULL when it runs none.
            try db.execute(sql: "ALTER TABLE audit_object ADD COLUMN images TEXT")
        }
        return migrator
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: it holds the database's write lock from
    /// the start, so what it reads cannot change before it writes.
    func writing<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw AuditError.database(path: path, message: error.message ?? "\(error.resultCode)")
        } catch let error as UnreadableRecord {
            throw AuditError.database(path: path, message: "record \(error.id): \(error.why)")
        }
    }

    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw AuditError.database(path: path, message: error.message ?? "\(error.resultCode)")
        } catch let error as UnreadableRecord {
            throw AuditError.database(path: path, message: "record \(error.id): \(error.why)")
        }
    }

    public func begin(_ record: AuditRecord) throws -> Int64 {
        var r = try AuditSafety.cleaned(record)
        r.result = .started
        r.endedAt = nil
        r.error = nil
        r.objects = []
        return try writing { db in
            let prev = try String.fetchOne(db, sql: "SELECT header_hash FROM audit_record ORDER BY id DESC LIMIT 1")
            try insert(r, db)
            r.seal(id: db.lastInsertedRowID, prevHash: prev ?? AuditChain.genesis)
            try db.execute(
                sql: "UPDATE audit_record SET prev_hash = ?, header_hash = ?, hash = ? WHERE id = ?",
                arguments: [r.prevHash, r.headerHash, r.hash, r.id])
            return r.id
        }
    }

    public func complete(
        _ id: Int64, result: AuditResult, endedAt: AuditTimestamp, objects: [AuditObjectEntry], error: String?
    ) throws {
        guard result != .started else { throw AuditError.refused("a record cannot be completed as started") }
        let objects = try AuditSafety.cleaned(objects)
        try writing { db in
            guard var r = try loadRecords(db, where: "id = ?", [id]).first else { throw AuditError.noSuchRecord(id) }
            guard r.result == .started else { throw AuditError.notInProgress(id: id, result: r.result) }
            r.result = result
            r.endedAt = endedAt
            r.objects = objects
            r.error = AuditSafety.oneLine(error)
            r.rehash()
            try db.execute(
                sql: "UPDATE audit_record SET result = ?, ended_at = ?, error = ?, hash = ? WHERE id = ?",
                arguments: [r.result.rawValue, endedAt.iso8601, r.error, r.hash, id])
            try insertObjects(objects, of: id, db)
        }
    }

    public func markInterrupted(now: AuditTimestamp, stopped: [StoppedProcess]) throws -> [AuditRecord] {
        let here = AuditProcess.current()
        func interrupted(_ records: [AuditRecord]) -> [(AuditRecord, String)] {
            records.compactMap { r in
                Interruption.reason(r, now: now, staleAfterMilliseconds: staleAfter, here: here, stopped: stopped).map { (r, $0) }
            }
        }
        // Look first without the write lock: most runs find nothing, and need not wait for a writer.
        let candidates = try reading { db in try loadRecords(db, where: "result = 'started'", []) }
        guard !interrupted(candidates).isEmpty else { return [] }
        return try writing { db in
            var marked: [AuditRecord] = []
            for (record, why) in interrupted(try loadRecords(db, where: "result = 'started'", [])) {
                var r = record
                r.result = .interrupted
                r.error = why
                r.rehash()
                try db.execute(
                    sql: "UPDATE audit_record SET result = ?, error = ?, hash = ? WHERE id = ?",
                    arguments: [r.result.rawValue, r.error, r.hash, r.id])
                marked.append(r)
            }
            return marked
        }
    }

    public func interruptedRecords() throws -> [AuditRecord] {
        try reading { db in try loadRecords(db, where: "result = 'interrupted'", []) }
    }

    public func history(app: String?, limit: Int) throws -> [AuditRecord] {
        try reading { db in
            if let app {
                return try loadRecords(db, where: "app = ?", [app], newestFirst: true, limit: limit)
            }
            return try loadRecords(db, where: "1", [], newestFirst: true, limit: limit)
        }
    }

    public func lastRevision(app: String, result: AuditResult) throws -> String? {
        try reading { db in
            try String.fetchOne(
                db, sql: "SELECT revision FROM audit_record WHERE app = ? AND result = ? ORDER BY id DESC LIMIT 1",
                arguments: [app, result.rawValue])
        }
    }

    public func record(_ id: Int64) throws -> AuditRecord? {
        try reading { db in try loadRecords(db, where: "id = ?", [id]).first }
    }

    public func verify() throws -> AuditVerification {
        // One read transaction: a snapshot of the whole trail, even while syncs append to it.
        try reading { db in
            let lastAssigned =
                try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_record'") ?? 0
            var walker = AuditChainWalker()
            var after: Int64 = 0
            while true {
                let page: [AuditRecord]
                do {
                    page = try loadRecords(db, where: "id > ?", [after], limit: SQLiteAuditStore.pageSize)
                } catch let error as UnreadableRecord {
                    return .broken(recordID: error.id, problem: .unreadable(error.why))
                }
                guard let last = page.last else { return walker.finish(lastAssignedID: lastAssigned) }
                for r in page {
                    let broken = try walker.check(r) { hash in
                        try Int64.fetchOne(
                            db, sql: "SELECT id FROM audit_record WHERE header_hash = ? ORDER BY id LIMIT 1",
                            arguments: [hash])
                    }
                    if let broken { return broken }
                }
                after = last.id
            }
        }
    }

    public func export(format: AuditExportFormat, line: (String) throws -> Void) throws {
        // One page of records at a time keeps memory flat for long trails.
        var after: Int64 = 0
        while true {
            let page = try reading { db in
                try loadRecords(db, where: "id > ?", [after], limit: SQLiteAuditStore.pageSize)
            }
            guard let last = page.last else { return }
            for r in page { try line(AuditChain.canonicalJSON(r.exportValue)) }
            after = last.id
        }
    }
}

/// An exclusive `flock` on a file beside the database, held while the schema is migrated.
private struct MigrationLock {
    let fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw AuditError.database(path: path, message: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
