import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbTesting
import XCTest

/// Audit sinks with the trail in PostgreSQL (a real server, Debian's `postgresql`): the outbox
/// is a table beside the records, filled in the transaction that completes one; three
/// deliverers (replicas, each with its own connections) drain it at once while four writers
/// complete records, and the sink gets every record exactly once, each writer's in the order
/// it completed them.
final class PostgresAuditSinkTests: XCTestCase {
    var server: PostgresServer!

    override func setUpWithError() throws { server = try PostgresServer() }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    func store() throws -> PostgresAuditStore { try PostgresAuditStore(url: PostgresAuditURL(server.url())) }

    static func record(_ writer: Int, _ n: Int) -> AuditRecord {
        AuditRecord(
            app: "team-\(writer)/web", target: "sandbox", repo: "https://git.example.com/deploy",
            revision: String(repeating: String(n % 10), count: 40), author: "Ada <ada@acme.dev>",
            committer: "Ada <ada@acme.dev>", message: "change \(n)", signature: .absent, previousRevision: nil,
            initiator: "controller")
    }

    func delivery(_ store: PostgresAuditStore, _ hook: HookEndpoint) throws -> AuditSinkDelivery {
        try AuditSinkDelivery(
            outbox: PostgresAuditOutbox(store: store), sinks: [AuditSink(url: hook.url + "/sink")], key: Array(hook.key.utf8),
            initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200), idlePoll: .milliseconds(20),
            requestTimeout: .seconds(5))
    }

    func testThreeReplicasDeliverEveryRecordOnceInCompletionOrder() async throws {
        let hook = try HookEndpoint()
        let replicas = try (0..<3).map { _ in try delivery(try store(), hook) }
        let runners = replicas.map { d in Task { await d.run() } }
        // Four writers, each completing ten records one after the other.
        let completed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<4 {
                let db = try store()
                group.addTask {
                    var ids: [Int64] = []
                    for n in 0..<10 {
                        let id = try db.begin(Self.record(writer, n))
                        try db.complete(id, result: n % 4 == 3 ? .failed : .synced, endedAt: .now(), objects: [], error: nil)
                        ids.append(id)
                    }
                    return ids
                }
            }
            var all: [[Int64]] = []
            for try await ids in group { all.append(ids) }
            return all
        }
        let outbox = PostgresAuditOutbox(store: try store())
        let deadline = Date().addingTimeInterval(30)
        while try outbox.count(sink: nil) > 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        XCTAssertEqual(try outbox.count(sink: nil), 0, "the outbox drained")
        // Anything still on the wire lands before the deliverers stop.
        try await Task.sleep(for: .milliseconds(300))
        for r in runners { r.cancel() }
        for r in runners { await r.value }

        let received = hook.received
        let deliveries = received.compactMap { $0["delivery"]?.stringValue }
        XCTAssertEqual(deliveries.count, 40, "one delivery per record")
        XCTAssertEqual(Set(deliveries).count, deliveries.count, "no record delivered twice: \(deliveries)")
        for r in received { XCTAssertEqual(r["signatureOK"], true) }
        let arrived = received.compactMap { $0["body"]?["id"]?.intValue }
        XCTAssertEqual(Set(arrived), Set(completed.flatMap { $0 }))
        for ids in completed {
            XCTAssertEqual(arrived.filter { ids.contains($0) }, ids, "a writer's records arrive in the order it completed them")
        }
        // The bodies are the records as `plumb audit export` writes them, and the chain holds.
        let db = try store()
        var exported: [Int64: Value] = [:]
        try db.export(format: .jsonl) { line in
            let v = try JSONReader().parse(line)
            exported[v["id"]!.intValue!] = v
        }
        for r in received { XCTAssertEqual(r["body"], exported[r["body"]?["id"]?.intValue ?? -1]) }
        guard case .intact(let count, _) = try db.verify() else { return XCTFail("the chain does not verify") }
        XCTAssertEqual(count, 40)
    }

    func testAnEntryIsHeldWhileTheSinkIsDownAndADeliveringReplicaHoldsTheSinkForItself() async throws {
        let hook = try HookEndpoint()
        let a = try store()
        let outbox = PostgresAuditOutbox(store: a)
        let d = try delivery(a, hook)
        let id = try a.begin(Self.record(0, 0))
        hook.flag("down", true)
        try a.complete(id, result: .synced, endedAt: .now(), objects: [], error: nil)
        XCTAssertEqual(try outbox.count(sink: d.sinks[0].id), 1)
        let held = await d.drain(timeout: .milliseconds(300))
        XCTAssertEqual(held, 1, "held in the outbox while the sink answers 503")
        // While one replica holds the sink's row (a delivery under way), another leaves it alone.
        let other = PostgresAuditOutbox(store: try store())
        hook.flag("down", false)
        // Past the failed attempt's backoff.
        try await Task.sleep(for: .milliseconds(250))
        let gate = AsyncStream<Void>.makeStream()
        let first = Task {
            try await outbox.deliverHead(sink: d.sinks[0].id, backoff: { _ in .zero }) { _ in
                for await _ in gate.stream { break }
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        let second = try await other.deliverHead(sink: d.sinks[0].id, backoff: { _ in .zero }) { _ in
            XCTFail("a second replica delivered an entry another holds")
        }
        guard case .busy = second else { return XCTFail("expected busy, got \(second)") }
        gate.continuation.yield()
        gate.continuation.finish()
        guard case .delivered = try await first.value else { return XCTFail("the holder did not deliver") }
        XCTAssertEqual(try outbox.count(sink: nil), 0)
    }
}
