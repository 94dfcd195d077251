import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbTesting
import XCTest

/// Audit sinks against a real HTTP endpoint: every completed record arrives, in completion
/// order, signed, through an outage and a restart of the delivering process; duplicates only
/// ever repeat a delivery id.
final class AuditSinkDeliveryTests: XCTestCase {
    var dir: TempDir!

    override func setUpWithError() throws { dir = try TempDir("plumb-sink") }
    override func tearDown() { dir = nil }

    var dbPath: String { dir.sub("audit.db") }

    func record(_ n: Int) -> AuditRecord {
        AuditRecord(
            app: "web", target: "sandbox", repo: "https://git.example.com/deploy",
            revision: String(repeating: String(n % 10), count: 40),
            author: "Ada <ada@acme.dev>", committer: "Ada <ada@acme.dev>", message: "change \(n)", signature: .absent,
            previousRevision: nil, initiator: "ci@runner")
    }

    /// Begins and completes a record; returns its id.
    @discardableResult
    func sync(_ store: SQLiteAuditStore, _ n: Int) throws -> Int64 {
        let id = try store.begin(record(n))
        try store.complete(
            id, result: .synced, endedAt: .now(),
            objects: [
                AuditObjectEntry(
                    ref: ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "web", name: "c\(n)"),
                    action: .created)
            ],
            error: nil)
        return id
    }

    func delivery(_ store: SQLiteAuditStore, _ hook: HookEndpoint) throws -> AuditSinkDelivery {
        try AuditSinkDelivery(
            store: store, sinks: [AuditSink(url: hook.url + "/sink")], key: Array(hook.key.utf8),
            initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200), idlePoll: .milliseconds(50),
            requestTimeout: .seconds(5))
    }

    /// The delivered record ids, duplicates dropped by delivery id, after checking that each
    /// duplicate carries the same body.
    func deduplicated(_ received: [Value], file: StaticString = #filePath, line: UInt = #line) -> [Int64] {
        var seen: [String: Value] = [:]
        var ids: [Int64] = []
        for r in received {
            guard let id = r["delivery"]?.stringValue, let body = r["body"] else {
                XCTFail("a delivery without id or body: \(r)", file: file, line: line)
                continue
            }
            XCTAssertEqual(r["signatureOK"], true, "HMAC signature of \(id)", file: file, line: line)
            XCTAssertEqual(r["event"], "audit-record", file: file, line: line)
            if let earlier = seen[id] {
                XCTAssertEqual(earlier, body, "a duplicate of \(id) with another body", file: file, line: line)
                continue
            }
            seen[id] = body
            ids.append(body["id"]?.intValue ?? -1)
        }
        return ids
    }

    func testEachCompletedRecordIsDeliveredAsItsExportSignedWithADeliveryID() async throws {
        let hook = try HookEndpoint()
        let store = try SQLiteAuditStore(path: dbPath)
        let d = try delivery(store, hook)
        let first = try sync(store, 1)
        // Completed out of id order: delivered in the order they were completed.
        let a = try store.begin(record(2))
        let b = try store.begin(record(3))
        try store.complete(
            b, result: .failed, endedAt: .now(), objects: [], error: "apps/v1 Deployment web/web: degraded")
        try store.complete(a, result: .synced, endedAt: .now(), objects: [], error: nil)
        let left = await d.drain(timeout: .seconds(10))
        XCTAssertEqual(left, 0)
        let received = hook.received
        XCTAssertEqual(deduplicated(received), [first, b, a])
        // The body is the record exactly as `plumb audit export` writes it.
        var exported: [Int64: Value] = [:]
        try store.export(format: .jsonl) { line in
            let v = try JSONReader().parse(line)
            exported[v["id"]!.intValue!] = v
        }
        for r in received {
            let body = r["body"]!
            XCTAssertEqual(body, exported[body["id"]!.intValue!])
            XCTAssertEqual(
                r["delivery"]?.stringValue, "\(body["id"]!.intValue!)-\(body["headerHash"]!.stringValue!.prefix(16))")
        }
        XCTAssertEqual(received[1]["body"]?["result"], "failed")
        XCTAssertEqual(try AuditOutbox(store: store).count(), 0, "delivered rows leave the outbox")
    }

    func testAnOutageAndARestartLoseNothingAndKeepTheOrder() async throws {
        let hook = try HookEndpoint()
        var ids: [Int64] = []
        do {
            let store = try SQLiteAuditStore(path: dbPath)
            let d = try delivery(store, hook)
            ids.append(try sync(store, 1))
            let none = await d.drain(timeout: .seconds(5))
            XCTAssertEqual(none, 0)

            // The endpoint answers 503 for a while, then goes away entirely.
            hook.flag("down", true)
            ids.append(try sync(store, 2))
            ids.append(try sync(store, 3))
            let held = await d.drain(timeout: .milliseconds(400))
            XCTAssertEqual(held, 2, "held in the outbox while the sink is down")
            hook.stop()
            ids.append(try sync(store, 4))
            let stillHeld = await d.drain(timeout: .milliseconds(300))
            XCTAssertEqual(stillHeld, 3)
            let head = try AuditOutbox(store: store).head(sink: d.sinks[0].id)
            XCTAssertEqual(head?.recordID, ids[1], "the oldest undelivered record holds the rest back")
            XCTAssertGreaterThan(head?.attempts ?? 0, 0)
        }
        // The delivering process ends here; another opens the database (a restart). A record
        // completed while nothing delivered is queued all the same (the registration is in the database).
        do {
            let other = try SQLiteAuditStore(path: dbPath)
            ids.append(try sync(other, 5))
        }
        hook.flag("down", false)
        try hook.start()
        // The endpoint stores one delivery and then fails: the sender retries it (a duplicate).
        hook.flag("store-then-fail", true)
        let store = try SQLiteAuditStore(path: dbPath)
        let d = try delivery(store, hook)
        let runner = Task { await d.run() }
        let deadline = Date().addingTimeInterval(15)
        while try AuditOutbox(store: store).count() > 0 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        ids.append(try sync(store, 6))
        while try AuditOutbox(store: store).count() > 0 && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        runner.cancel()
        await runner.value

        let received = hook.received
        XCTAssertEqual(
            deduplicated(received), ids, "every record once, in order, after dropping duplicates by delivery id")
        XCTAssertEqual(received.count, ids.count + 1, "exactly one duplicate (the delivery stored before the 500)")
        // Nothing is out of order even with the duplicate: each delivery id's first arrival follows the previous id's.
        let ranks = received.compactMap { $0["body"]?["id"]?.intValue }.map { ids.firstIndex(of: $0) ?? -1 }
        XCTAssertEqual(ranks, ranks.sorted(), "arrivals in completion order")
    }

    func testTheOutboxAddsNoRowsWithoutSinksAndSinksAreNamedByHash() throws {
        let store = try SQLiteAuditStore(path: dbPath)
        try sync(store, 1)
        XCTAssertEqual(try AuditOutbox(store: store).count(), 0)
        let sink = AuditSink(url: "https://user:token@cmdb.example.com/hook?key=abc")
        XCTAssertFalse(sink.id.contains("token"))
        try AuditOutbox(store: store).register(sinks: [sink.id])
        try sync(store, 2)
        XCTAssertEqual(try AuditOutbox(store: store).count(sink: sink.id), 1)
        // The database never holds the URL.
        let dump = try runTool("/usr/bin/sqlite3", [dbPath, ".dump audit_outbox", ".dump audit_sink"])
        XCTAssertFalse(dump.stdout.contains("cmdb.example.com"), dump.stdout)
        guard case .intact(let count, _) = try store.verify() else {
            return XCTFail("the outbox must not touch the chain")
        }
        XCTAssertEqual(count, 2)
    }
}
