import Foundation
import PlumbAudit
import PlumbCore
import XCTest

/// A temporary directory with an audit database, and records to put into it.
final class AuditFixture: Sendable {
    let directory: String
    var dbPath: String { directory + "/.plumb/audit.db" }

    init() throws {
        directory = NSTemporaryDirectory() + "plumb-audit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func store() throws -> SQLiteAuditStore { try SQLiteAuditStore(path: dbPath) }

    static func record(
        app: String = "web", revision: String = "3f9c2ab5d1e0c0ffee00112233445566778899aa",
        startedAt: AuditTimestamp = AuditTimestamp(milliseconds: 1_795_287_731_042),
        author: String = "Ada Lovelace <ada@acme.dev>", initiator: String = "ci@runner-7",
        process: AuditProcess = .current(), options: Value = ["dry-run": false, "prune": true, "timeout": "5m"]
    ) -> AuditRecord {
        AuditRecord(
            startedAt: startedAt, app: app, target: "kubernetes:https://127.0.0.1:6443 context=kind",
            repo: "https://github.com/acme/deploy", revision: revision, author: author,
            committer: "GitHub <noreply@github.com>", message: "Bump web to 1.26\n\nTicket OPS-12",
            signature: .absent, previousRevision: "9d01e77aa00000000000000000000000000000000",
            initiator: initiator, options: options, process: process)
    }

    static let objects = [
        AuditObjectEntry(ref: ObjectRef(apiVersion: "v1", kind: "Namespace", name: "web"), action: .created),
        AuditObjectEntry(
            ref: ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "web", name: "web"),
            action: .configured, changedPaths: ["spec.replicas", "spec.template.spec.containers[web].image"],
            health: .healthy),
        AuditObjectEntry(
            ref: ObjectRef(apiVersion: "v1", kind: "Secret", namespace: "web", name: "creds"), action: .configured,
            changedPaths: ["data.password"]),
        AuditObjectEntry(
            ref: ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "legacy"), action: .pruned),
    ]

    /// Adds `count` completed syncs; returns their ids.
    @discardableResult
    func addSyncs(_ count: Int, to store: some AuditStore) throws -> [Int64] {
        try (0..<count).map { i in
            let id = try store.begin(
                AuditFixture.record(startedAt: AuditTimestamp(milliseconds: 1_795_287_731_042 + Int64(i) * 60_000)))
            try store.complete(
                id, result: .synced, endedAt: AuditTimestamp(milliseconds: 1_795_287_738_000 + Int64(i) * 60_000),
                objects: AuditFixture.objects, error: nil)
            return id
        }
    }

    /// Runs SQL on the database with the `sqlite3` CLI, as someone tampering with it would.
    func sql(_ statement: String) throws {
        let r = try CLI.run("sqlite3", [dbPath, statement])
        XCTAssertEqual(r.status, 0, "sqlite3: \(r.stderr)")
    }

    /// The pid of a process that has exited.
    static func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }
}

final class AuditStoreTests: XCTestCase {
    func testBeginWritesAStartedRowAndCompleteRecordsTheOutcome() throws {
        let f = try AuditFixture()
        let store = try f.store()
        XCTAssertTrue(FileManager.default.fileExists(atPath: f.dbPath))
        let id = try store.begin(AuditFixture.record())
        XCTAssertEqual(id, 1)
        let started = try XCTUnwrap(try store.record(id))
        XCTAssertEqual(started.result, .started)
        XCTAssertNil(started.endedAt)
        XCTAssertEqual(started.prevHash, AuditChain.genesis)
        XCTAssertEqual(started.headerHash.count, 64)

        let ended = AuditTimestamp(milliseconds: 1_795_287_738_555)
        try store.complete(
            id, result: .failed, endedAt: ended, objects: AuditFixture.objects,
            error: "apps/v1 Deployment web/web: not healthy\nsecond line")
        let r = try XCTUnwrap(try store.record(id))
        XCTAssertEqual(r.result, .failed)
        XCTAssertEqual(r.endedAt, ended)
        XCTAssertEqual(r.error, "apps/v1 Deployment web/web: not healthy")
        XCTAssertEqual(r.objects, AuditFixture.objects)
        XCTAssertEqual(r.app, "web")
        XCTAssertEqual(r.message, "Bump web to 1.26\n\nTicket OPS-12")
        XCTAssertEqual(r.options, ["dry-run": false, "prune": true, "timeout": "5m"])
        XCTAssertEqual(r.process, AuditProcess.current())
        XCTAssertEqual(r.headerHash, started.headerHash, "completion keeps the header")
        XCTAssertNotEqual(r.hash, started.hash, "completion rehashes the record")
        XCTAssertThrowsError(try store.complete(id, result: .synced, endedAt: ended, objects: [], error: nil)) {
            XCTAssertEqual($0 as? AuditError, .notInProgress(id: 1, result: .failed))
        }
        XCTAssertThrowsError(try store.complete(9, result: .synced, endedAt: ended, objects: [], error: nil))
        XCTAssertEqual(try store.verify(), .intact(count: 1, head: r.hash))
    }

    func testChainHoldsWhenAnEarlierSyncCompletesAfterALaterOneBegan() throws {
        let f = try AuditFixture()
        let store = try f.store()
        let first = try store.begin(AuditFixture.record(app: "web"))
        let second = try store.begin(AuditFixture.record(app: "api"))
        try store.complete(second, result: .synced, endedAt: .now(), objects: [], error: nil)
        try store.complete(first, result: .dryRun, endedAt: .now(), objects: AuditFixture.objects, error: nil)
        let a = try XCTUnwrap(try store.record(first))
        let b = try XCTUnwrap(try store.record(second))
        XCTAssertEqual(b.prevHash, a.headerHash)
        XCTAssertEqual(try store.verify(), .intact(count: 2, head: b.hash))
        XCTAssertEqual(try store.history(app: nil, limit: 10).map(\.id), [2, 1])
        XCTAssertEqual(try store.history(app: "web", limit: 10).map(\.id), [1])
        XCTAssertEqual(try store.history(app: nil, limit: 1).map(\.id), [2])
    }

    func testEditingAMessageOrAnObjectsActionIsFoundAtThatRecord() throws {
        let f = try AuditFixture()
        try f.addSyncs(3, to: try f.store())
        try f.sql("UPDATE audit_record SET message = 'nothing to see' WHERE id = 2")
        XCTAssertEqual(try f.store().verify(), .broken(recordID: 2, problem: .edited))

        let g = try AuditFixture()
        try g.addSyncs(3, to: try g.store())
        try g.sql("UPDATE audit_object SET action = 'unchanged' WHERE record_id = 3 AND position = 3")
        XCTAssertEqual(try g.store().verify(), .broken(recordID: 3, problem: .edited))

        let h = try AuditFixture()
        try h.addSyncs(2, to: try h.store())
        try h.sql("UPDATE audit_object SET action = 'obliterated' WHERE record_id = 1")
        guard case .broken(1, .unreadable(let why)) = try h.store().verify() else {
            return XCTFail("an unknown action must break the chain at record 1")
        }
        XCTAssertTrue(why.contains("obliterated"), why)
    }

    func testDeletingARecordIsFound() throws {
        let f = try AuditFixture()
        try f.addSyncs(4, to: try f.store())
        try f.sql("DELETE FROM audit_record WHERE id = 2")
        XCTAssertEqual(try f.store().verify(), .broken(recordID: 3, problem: .missing(from: 2, to: 2)))
        XCTAssertEqual(
            AuditChainProblem.missing(from: 2, to: 2).description, "record 2 is missing (deleted?)")

        let g = try AuditFixture()
        try g.addSyncs(3, to: try g.store())
        try g.sql("DELETE FROM audit_record WHERE id = 3")
        XCTAssertEqual(try g.store().verify(), .broken(recordID: 3, problem: .missing(from: 3, to: 3)))

        // Deleting and renumbering does not hide it: the link no longer matches.
        let h = try AuditFixture()
        try h.addSyncs(3, to: try h.store())
        try h.sql(
            "DELETE FROM audit_record WHERE id = 2; UPDATE audit_record SET id = 2 WHERE id = 3;"
                + " UPDATE sqlite_sequence SET seq = 2 WHERE name = 'audit_record'")
        XCTAssertEqual(try h.store().verify(), .broken(recordID: 2, problem: .brokenLink(previous: 1)))
    }

    func testSwappingTwoRecordsIsFoundAsReordered() throws {
        let f = try AuditFixture()
        try f.addSyncs(4, to: try f.store())
        try f.sql(
            "UPDATE audit_record SET id = -2 WHERE id = 2; UPDATE audit_record SET id = 2 WHERE id = 3;"
                + " UPDATE audit_record SET id = 3 WHERE id = -2")
        XCTAssertEqual(try f.store().verify(), .broken(recordID: 2, problem: .outOfOrder(linksTo: 3, expected: 1)))
        XCTAssertEqual(
            AuditChainProblem.outOfOrder(linksTo: 3, expected: 1).description,
            "it links to record 3 instead of record 1 (reordered?)")
    }

    func testVerifyAndExportReadLongTrailsPageByPage() throws {
        let f = try AuditFixture()
        let store = try f.store()
        for i in 0..<520 {
            _ = try store.begin(
                AuditFixture.record(startedAt: AuditTimestamp(milliseconds: 1_795_287_731_042 + Int64(i))))
        }
        guard case .intact(520, let head) = try store.verify() else { return XCTFail("chain broken") }
        XCTAssertEqual(head, try store.record(520)?.hash)
        var count = 0
        try store.export(format: .jsonl) { _ in count += 1 }
        XCTAssertEqual(count, 520)
        try f.sql("UPDATE audit_record SET app = 'other' WHERE id = 510")
        XCTAssertEqual(try store.verify(), .broken(recordID: 510, problem: .edited))
    }

    func testTwoWritersAtOnceKeepTheChainValid() throws {
        let f = try AuditFixture()
        _ = try f.store()  // create and migrate once; each writer then opens its own connection pool
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            do {
                let store = try f.store()
                for i in 0..<20 {
                    let id = try store.begin(AuditFixture.record(app: "app\(worker)"))
                    try store.complete(
                        id, result: i % 3 == 0 ? .failed : .synced, endedAt: .now(),
                        objects: AuditFixture.objects, error: nil)
                }
            } catch {
                errors.add(error)
            }
        }
        XCTAssertEqual(errors.all.map { "\($0)" }, [])
        let store = try f.store()
        guard case .intact(let count, _) = try store.verify() else { return XCTFail("chain broken") }
        XCTAssertEqual(count, 40)
        XCTAssertEqual(try store.history(app: "app0", limit: 100).count, 20)
    }

    func testAnotherProcessHoldingTheWriteLockMakesBeginWaitNotFail() throws {
        let f = try AuditFixture()
        let store = try f.store()
        try f.addSyncs(1, to: store)
        // The sqlite3 CLI, a second process, holds the write lock for a second.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["sqlite3", f.dbPath]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        input.fileHandleForWriting.write(
            Data("BEGIN IMMEDIATE;\n.shell touch \(f.directory)/locked\n.shell sleep 1\nCOMMIT;\n".utf8))
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: f.directory + "/locked") && Date() < deadline { usleep(10_000) }
        let started = Date()
        let id = try store.begin(AuditFixture.record())
        let waited = Date().timeIntervalSince(started)
        holder.waitUntilExit()
        XCTAssertEqual(holder.terminationStatus, 0)
        XCTAssertEqual(id, 2)
        XCTAssertGreaterThan(waited, 0.5, "begin must wait for the other process' transaction")
        guard case .intact(2, _) = try store.verify() else { return XCTFail("chain broken") }
    }

    func testAStartedRecordOfADeadProcessIsMarkedInterrupted() throws {
        let f = try AuditFixture()
        let store = try f.store()
        let here = AuditProcess.current()
        let dead = AuditProcess(pid: try AuditFixture.deadPID(), host: here.host, bootID: here.bootID, startTime: 1)
        let deadID = try store.begin(AuditFixture.record(process: dead))
        let liveID = try store.begin(AuditFixture.record(app: "api"))  // this process: still running
        let farAway = AuditProcess(pid: 1, host: "elsewhere.example", bootID: "x", startTime: 5)
        let now = AuditTimestamp.now()
        let staleID = try store.begin(
            AuditFixture.record(
                app: "old", startedAt: AuditTimestamp(milliseconds: now.milliseconds - defaultAuditStaleness - 1),
                process: farAway))
        let recentID = try store.begin(AuditFixture.record(app: "recent", startedAt: now, process: farAway))

        let marked = try store.markInterrupted(now: now)
        XCTAssertEqual(marked.map(\.id), [deadID, staleID])
        XCTAssertEqual(marked.first?.result, .interrupted)
        XCTAssertEqual(
            marked.first?.interruptionWarning,
            "sync #1 (app web, revision 3f9c2ab) was interrupted at 2026-11-21 19:02:11; its changes may be partly applied"
        )
        XCTAssertEqual(try store.record(deadID)?.result, .interrupted)
        XCTAssertEqual(try store.record(liveID)?.result, .started)
        XCTAssertEqual(try store.record(recentID)?.result, .started)
        XCTAssertEqual(try store.interruptedRecords().map(\.id), [deadID, staleID])
        XCTAssertEqual(try store.markInterrupted(now: now), [], "marked once")
        XCTAssertThrowsError(try store.complete(deadID, result: .synced, endedAt: now, objects: [], error: nil))
        guard case .intact(4, _) = try store.verify() else { return XCTFail("marking must keep the chain intact") }
    }

    func testSecretValuesAndCredentialsAreNeverStored() throws {
        let f = try AuditFixture()
        let store = try f.store()
        let secret = "hunter2-s3cr3t"
        var record = AuditFixture.record(options: ["prune": true, "git-token": .string(secret)])
        XCTAssertThrowsError(try store.begin(record)) { error in
            XCTAssertFalse("\(error)".contains(secret))
        }
        record.options = ["prune": true]
        record.repo = "https://x-access-token:\(secret)@git.example.com/acme/deploy.git?token=\(secret)"
        let id = try store.begin(record)
        XCTAssertEqual(try store.record(id)?.repo, "https://git.example.com/acme/deploy.git")

        let ref = ObjectRef(apiVersion: "v1", kind: "Secret", namespace: "web", name: "creds")
        for smuggled in [
            "data.password=\(secret)", "data.password: \(secret)", "data.\(String(repeating: "QUJD", count: 70))",
        ] {
            let entry = AuditObjectEntry(ref: ref, action: .configured, changedPaths: [smuggled])
            XCTAssertThrowsError(try store.complete(id, result: .synced, endedAt: .now(), objects: [entry], error: nil))
            {
                XCTAssertEqual(
                    "\($0)",
                    "audit record refused: v1 Secret web/creds: a changed field must be a path such as spec.replicas, not a value"
                )
            }
        }
        let entry = AuditObjectEntry(
            ref: ref, action: .configured, changedPaths: ["data.password", "stringData.api-key"])
        try store.complete(id, result: .synced, endedAt: .now(), objects: [entry], error: nil)
        XCTAssertEqual(try store.record(id)?.objects.first?.changedPaths, ["data.password", "stringData.api-key"])

        var exported = ""
        try store.export(format: .jsonl) { exported += $0 + "\n" }
        XCTAssertTrue(exported.contains("data.password"))
        XCTAssertFalse(exported.contains(secret))
        for file in try FileManager.default.contentsOfDirectory(atPath: f.directory + "/.plumb") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: f.directory + "/.plumb/" + file))
            XCTAssertNil(bytes.range(of: Data(secret.utf8)), "\(file) holds the secret")
        }
    }

    /// A sync's previous revision: the app's newest synced record, failed and other apps' ones skipped.
    func testLastRevisionOfAnApp() throws {
        let f = try AuditFixture()
        for store in [try f.store() as any AuditStore, InMemoryAuditStore()] {
            XCTAssertNil(try store.lastRevision(app: "web", result: .synced))
            for (app, revision, result) in [("web", "a1", AuditResult.synced), ("web", "b2", .synced), ("web", "c3", .failed), ("api", "d4", .synced)] {
                let id = try store.begin(AuditFixture.record(app: app, revision: revision))
                try store.complete(id, result: result, endedAt: .now(), objects: AuditFixture.objects, error: nil)
            }
            XCTAssertEqual(try store.lastRevision(app: "web", result: .synced), "b2")
            XCTAssertEqual(try store.lastRevision(app: "web", result: .failed), "c3")
            XCTAssertEqual(try store.lastRevision(app: "api", result: .synced), "d4")
        }
    }

    func testInMemoryStoreChainsAndChecksLikeTheSQLiteStore() throws {
        let store = InMemoryAuditStore()
        let ids = try AuditFixture().addSyncs(3, to: store)
        XCTAssertEqual(ids, [1, 2, 3])
        let records = try store.history(app: nil, limit: 10)
        XCTAssertEqual(records.map(\.id), [3, 2, 1])
        XCTAssertEqual(records[0].prevHash, records[1].headerHash)
        XCTAssertEqual(try store.verify(), .intact(count: 3, head: records[0].hash))

        let sqlite = try AuditFixture()
        let other = try sqlite.store()
        try sqlite.addSyncs(3, to: other)
        XCTAssertEqual(
            try other.history(app: nil, limit: 10).map(\.hash), records.map(\.hash),
            "both stores hash the same records alike")
        var lines: [String] = []
        try store.export(format: .jsonl) { lines.append($0) }
        var sqliteLines: [String] = []
        try other.export(format: .jsonl) { sqliteLines.append($0) }
        XCTAssertEqual(lines, sqliteLines)

        let bad = AuditObjectEntry(ref: AuditFixture.objects[2].ref, action: .configured, changedPaths: ["data.a=b"])
        let id = try store.begin(AuditFixture.record())
        XCTAssertThrowsError(try store.complete(id, result: .synced, endedAt: .now(), objects: [bad], error: nil))
    }

    func testAMissingDatabaseIsNotCreatedWhenOnlyReading() throws {
        let f = try AuditFixture()
        XCTAssertThrowsError(try SQLiteAuditStore(path: f.dbPath, create: false)) {
            XCTAssertEqual($0 as? AuditError, .notFound(path: f.dbPath))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: f.dbPath))
    }

    func testTimestampsAreISO8601WithMilliseconds() {
        let t = AuditTimestamp(milliseconds: 1_795_287_731_042)
        XCTAssertEqual(t.iso8601, "2026-11-21T19:02:11.042Z")
        XCTAssertEqual(t.display, "2026-11-21 19:02:11")
        XCTAssertEqual(AuditTimestamp(iso8601: "2026-11-21T19:02:11.042Z"), t)
        XCTAssertEqual(AuditTimestamp(iso8601: "2026-11-21T19:02:11Z")?.milliseconds, 1_795_287_731_000)
        XCTAssertEqual(AuditTimestamp(iso8601: "2026-11-21T19:02:11.0429999Z"), t)
        XCTAssertEqual(AuditTimestamp(milliseconds: 0).iso8601, "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(AuditTimestamp(iso8601: "2024-02-29T23:59:59.999Z")?.iso8601, "2024-02-29T23:59:59.999Z")
        XCTAssertNil(AuditTimestamp(iso8601: "2026-11-21 19:02:11Z"))
        XCTAssertNil(AuditTimestamp(iso8601: "2026-13-21T19:02:11Z"))
    }
}

/// Errors collected from several threads.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [Error] = []
    func add(_ e: Error) {
        lock.lock()
        errors.append(e)
        lock.unlock()
    }
    var all: [Error] {
        lock.lock()
        defer { lock.unlock() }
        return errors
    }
}
