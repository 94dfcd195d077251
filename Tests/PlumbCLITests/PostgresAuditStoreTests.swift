import Foundation
import PlumbAudit
import PlumbCore
import PlumbTesting
import XCTest

/// The PostgreSQL audit store against a real server (Debian's `postgresql`, started per test):
/// the same records, hashes, verification, export and history as the SQLite store, and an
/// intact chain when several connections append at once.
final class PostgresAuditStoreTests: XCTestCase {
    var server: PostgresServer!

    override func setUpWithError() throws {
        server = try PostgresServer()
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    func store() throws -> PostgresAuditStore {
        try PostgresAuditStore(url: PostgresAuditURL(server.url()))
    }

    /// Fills `store` with the same trail every time: syncs of two apps, one failed, one still
    /// started by a process that is gone, one rollback.
    func fill(_ store: some AuditStore, deadPID: Int32) throws {
        let f = AuditFixture.self
        try AuditFixture().addSyncs(3, to: store)
        var other = f.record(app: "api", revision: "9d01e77aa00000000000000000000000000000000")
        other.policy = AuditPolicy(violations: [
            AuditPolicy.Entry(object: "apps/v1 Deployment api/api", check: "no-latest", message: "image tag latest", mode: "warn")
        ])
        other.signature = AuditSignature(status: .good, format: "ssh", signer: "ada", fingerprint: "SHA256:abc")
        let failed = try store.begin(other)
        try store.complete(
            failed, result: .failed, endedAt: AuditTimestamp(milliseconds: 1_795_287_800_000),
            objects: [
                AuditObjectEntry(
                    ref: ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "api", name: "api"),
                    action: .failed, error: "dry-run failed: spec.replicas: Invalid value: -1",
                    warnings: ["spec.template: deprecated field"])
            ], error: "1 object failed\nsecond line")
        var rollback = f.record(app: "web", startedAt: AuditTimestamp(milliseconds: 1_795_287_900_000))
        rollback.kind = .rollback
        var entry = AuditFixture.objects[1]
        entry.images = ["nginx:1.27@sha256:0123"]
        let rolled = try store.begin(rollback)
        try store.complete(rolled, result: .synced, endedAt: AuditTimestamp(milliseconds: 1_795_287_901_000), objects: [entry], error: nil)
        var gone = f.record(app: "web", startedAt: AuditTimestamp(milliseconds: 1_795_288_000_000))
        gone.process.pid = deadPID
        _ = try store.begin(gone)
    }

    func exportLines(_ store: some AuditStore) throws -> [String] {
        var lines: [String] = []
        try store.export(format: .jsonl) { lines.append($0) }
        return lines
    }

    func testTheSameRecordsGiveTheSameHashesExportAndHistoryAsSQLite() throws {
        let sqliteDir = try AuditFixture()
        let sqlite = try sqliteDir.store()
        let postgres = try store()
        let dead = try AuditFixture.deadPID()
        try fill(sqlite, deadPID: dead)
        try fill(postgres, deadPID: dead)

        let sqliteLines = try exportLines(sqlite)
        let postgresLines = try exportLines(postgres)
        XCTAssertEqual(sqliteLines.count, 6)
        XCTAssertEqual(postgresLines, sqliteLines, "the export (every field and hash) is byte for byte the same")
        XCTAssertEqual(try postgres.verify(), try sqlite.verify())
        guard case .intact(6, let head) = try postgres.verify() else { return XCTFail("\(try postgres.verify())") }
        XCTAssertEqual(head.count, 64)

        XCTAssertEqual(try postgres.history(app: nil, limit: 10), try sqlite.history(app: nil, limit: 10))
        XCTAssertEqual(try postgres.history(app: "api", limit: 10).map(\.id), [4])
        XCTAssertEqual(try postgres.history(app: "web", limit: 2).map(\.id), [6, 5])
        XCTAssertEqual(try postgres.record(4), try sqlite.record(4))
        XCTAssertEqual(try postgres.record(4)?.objects.first?.warnings, ["spec.template: deprecated field"])
        XCTAssertEqual(try postgres.record(4)?.error, "1 object failed")
        XCTAssertNil(try postgres.record(99))
        XCTAssertEqual(
            try postgres.lastRevision(app: "web", result: .synced), try sqlite.lastRevision(app: "web", result: .synced))
        XCTAssertEqual(try postgres.lastRevision(app: "api", result: .failed), "9d01e77aa00000000000000000000000000000000")

        // The started record of the dead process is found interrupted by both, the same way.
        let markedSQLite = try sqlite.markInterrupted(now: .now())
        let markedPostgres = try postgres.markInterrupted(now: .now())
        XCTAssertEqual(markedPostgres.map(\.id), [6])
        XCTAssertEqual(markedPostgres, markedSQLite)
        XCTAssertEqual(try postgres.interruptedRecords(), try sqlite.interruptedRecords())
        XCTAssertEqual(try exportLines(postgres), try exportLines(sqlite))
        XCTAssertTrue(AuditChain.verify(exportLines: try exportLines(postgres)) == (try postgres.verify()))

        // A record is completed once.
        XCTAssertThrowsError(try postgres.complete(4, result: .synced, endedAt: .now(), objects: [], error: nil)) {
            XCTAssertEqual($0 as? AuditError, .notInProgress(id: 4, result: .failed))
        }
        XCTAssertThrowsError(try postgres.complete(42, result: .synced, endedAt: .now(), objects: [], error: nil)) {
            XCTAssertEqual($0 as? AuditError, .noSuchRecord(42))
        }
        // What the store refuses (a value in a field path) it refuses on either database.
        let leaky = [AuditObjectEntry(ref: AuditFixture.objects[2].ref, action: .configured, changedPaths: ["data.password=hunter2"])]
        let id = try postgres.begin(AuditFixture.record())
        XCTAssertThrowsError(try postgres.complete(id, result: .synced, endedAt: .now(), objects: leaky, error: nil))
    }

    func testASecondStoreOnTheSameDatabaseSeesTheTrailAndTheSchemaIsCreatedOnce() throws {
        let first = try store()
        try AuditFixture().addSyncs(2, to: first)
        let second = try store()
        XCTAssertEqual(try second.history(app: nil, limit: 5).map(\.id), [2, 1])
        // v1 (records) and v2 (the audit sinks' outbox), each applied once.
        XCTAssertEqual(try server.psql("SELECT count(*) FROM audit_migration"), "2")
        XCTAssertEqual(try server.psql("SELECT last_id FROM audit_chain"), "2")
    }

    func testTheStoreConnectsAgainAfterTheServerRestarted() throws {
        let s = try store()
        try AuditFixture().addSyncs(1, to: s)
        try server.restart()
        // The connection the server ended is noticed (by the first call at the latest, which
        // then fails with one line) and opened again: a controller survives a database restart.
        do {
            try AuditFixture().addSyncs(1, to: s)
        } catch let error as AuditError {
            XCTAssertTrue("\(error)".hasPrefix("audit database postgres://plumb@127.0.0.1:\(server.port)/"), "\(error)")
            try AuditFixture().addSyncs(1, to: s)
        }
        XCTAssertEqual(try s.verify(), try store().verify())
        guard case .intact(2, _) = try s.verify() else { return XCTFail("\(try s.verify())") }
        XCTAssertEqual(try server.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'plumb'"), "1")
    }

    func testAnAppendWaitsForAnotherSessionHoldingTheChainHead() throws {
        let s = try store()
        try AuditFixture().addSyncs(1, to: s)
        // psql holds the chain head's row lock for 2 s, as a slow writer in another process would.
        nonisolated(unsafe) let server = self.server!
        let done = DispatchSemaphore(value: 0)
        Thread {
            _ = try? server.psql("BEGIN; SELECT last_id FROM audit_chain FOR UPDATE; SELECT pg_sleep(2); COMMIT;")
            done.signal()
        }.start()
        defer { _ = done.wait(timeout: .now() + 10) }
        let deadline = Date().addingTimeInterval(10)
        while try server.psql("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'audit_chain' AND l.mode = 'RowShareLock'") == "0",
            Date() < deadline
        {
            usleep(20_000)
        }
        let started = Date()
        try AuditFixture().addSyncs(1, to: s)
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 1.0, "the append waited for the lock")
        guard case .intact(2, _) = try s.verify() else { return XCTFail("\(try s.verify())") }
    }

    func testConcurrentAppendsFromSeveralConnectionsKeepOneChain() throws {
        let writers = 6
        let each = 20
        let stores = try (0..<writers).map { _ in try store() }
        let failures = NSLock()
        nonisolated(unsafe) var errors: [String] = []
        DispatchQueue.concurrentPerform(iterations: writers) { w in
            for i in 0..<each {
                do {
                    var r = AuditFixture.record(app: "app-\(w)", startedAt: AuditTimestamp(milliseconds: 1_795_287_731_042 + Int64(i)))
                    r.initiator = "writer-\(w)"
                    let id = try stores[w].begin(r)
                    try stores[w].complete(id, result: .synced, endedAt: .now(), objects: AuditFixture.objects, error: nil)
                } catch {
                    failures.withLock { errors.append("\(error)") }
                }
            }
        }
        XCTAssertEqual(errors, [])
        XCTAssertEqual(try stores[0].verify(), try stores[1].verify())
        guard case .intact(let count, _) = try stores[0].verify() else { return XCTFail("\(try stores[0].verify())") }
        XCTAssertEqual(count, writers * each)
        try assertNoFork(count: writers * each)
    }

    /// No two records link to the same one, and the ids are 1...count without a gap.
    func assertNoFork(count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(
            try server.psql("SELECT count(*) FROM (SELECT prev_hash FROM audit_record GROUP BY prev_hash HAVING count(*) > 1) f"),
            "0", "two records link to the same previous record", file: file, line: line)
        XCTAssertEqual(
            try server.psql("SELECT count(*), min(id), max(id), count(DISTINCT id) FROM audit_record"),
            "\(count)|1|\(count)|\(count)", file: file, line: line)
    }

    func testAnUnreachableServerAndABadURLAreOneLineErrors() throws {
        let port = try freePort()
        XCTAssertThrowsError(try PostgresAuditStore(url: PostgresAuditURL("postgres://plumb@127.0.0.1:\(port)/audit?sslmode=disable")))
        { error in
            XCTAssertTrue("\(error)".hasPrefix("audit database postgres://plumb@127.0.0.1:\(port)/audit?sslmode=disable: cannot connect to 127.0.0.1:\(port)"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
        for (url, why) in [
            ("postgres://127.0.0.1/audit", "no user"), ("postgres://plumb@/audit", "no host"),
            ("postgres://plumb@db/audit?sslmode=always", "sslmode \"always\" is not one of"),
            ("postgres://plumb:s3cret@db/audit?color=blue", "parameter \"color\" is not supported"),
        ] {
            XCTAssertThrowsError(try PostgresAuditURL(url)) { error in
                XCTAssertTrue("\(error)".contains(why), "\(error)")
                XCTAssertFalse("\(error)".contains("s3cret"), "\(error)")
            }
        }
        let parsed = try PostgresAuditURL("postgresql://ops:p%40ss@db.example:6543/audit?sslmode=verify-full")
        XCTAssertEqual(parsed.password, "p@ss")
        XCTAssertEqual(parsed.display, "postgres://ops:***@db.example:6543/audit?sslmode=verify-full")
        XCTAssertEqual(PostgresAuditURL.mask("postgres://ops:p@ss@db/x"), "postgres://ops:***@db/x")
    }
}
