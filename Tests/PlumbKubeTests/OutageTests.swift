import Foundation
import PlumbCore
import PlumbEngine
import PlumbLocalCluster
import Synchronization
import XCTest

@testable import PlumbKube

/// An API server that goes away in the middle of a sync: one event for the whole client,
/// shorter than the bound it changes nothing, longer it stops the sync with every object
/// accounted for.
final class OutageTests: XCTestCase {
    var fixture: LocalClusterFixture!
    var cluster: LocalCluster { fixture.cluster }

    override func setUp() async throws {
        fixture = try await LocalClusterFixture.start("outage")
    }

    override func tearDown() async throws {
        await fixture?.cluster.stop()
    }

    /// What the client said about reachability, in order.
    final class Events: Sendable {
        let list = Mutex<[ReachabilityEvent]>([])
        var all: [ReachabilityEvent] { list.withLock { $0 } }
    }

    func client(bound: Duration, events: Events) throws -> KubeClient {
        var options = KubeClientOptions()
        options.unreachableTimeout = bound
        options.onReachability = { event in events.list.withLock { $0.append(event) } }
        return try fixture.client(namespace: "it", options: options)
    }

    func plan(_ client: KubeClient, count: Int) async throws -> (KubernetesTarget, Plan) {
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "it"]])
        let desired = (0..<count).map { i in
            try! Resource(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string("cm-\(i)"), "namespace": "it"], "data": ["k": "v"]])
        }
        let target = KubernetesTarget(client: client)
        return (target, try await Planner(app: "outage").plan(desired: desired, target: target))
    }

    func testAnOutageShorterThanTheBoundLeavesTheResultAsIfNothingHappened() async throws {
        let events = Events()
        let client = try client(bound: .seconds(30), events: events)
        let (target, plan) = try await plan(client, count: 300)
        await cluster.goUnreachable(afterWrites: 100, lasting: .seconds(1))
        let result = await Executor(target: target).run(plan, options: SyncOptions(concurrency: 16))
        XCTAssertTrue(result.succeeded, result.failures.map { $0.error ?? "" }.joined(separator: "\n"))
        XCTAssertEqual(result.count(.created), 300, result.summary)
        XCTAssertNil(result.interruption)
        let seen = events.all
        XCTAssertEqual(seen.count, 2, "\(seen)")
        guard case .unreachable(_, let bound)? = seen.first, case .reachable? = seen.last else {
            return XCTFail("expected one outage and its end: \(seen)")
        }
        XCTAssertEqual(bound, .seconds(30))
        let list = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "it")
        XCTAssertEqual(list.items.filter { $0[path: ["metadata", "name"]]?.stringValue?.hasPrefix("cm-") ?? false }.count, 300)
    }

    /// A keep-alive connection the server closed as the client reused it fails one request
    /// while the server answers: no outage is announced, and the request goes on. The same
    /// request failing again is an outage.
    func testOneDroppedConnectionWhileTheServerAnswersIsNotAnOutage() async throws {
        let events = Events()
        let gate = Reachability(bound: .seconds(5), clock: SystemClock(), onEvent: { event in events.list.withLock { $0.append(event) } })
        let answered = await gate.markDown(confirm: true, probe: { true })
        XCTAssertTrue(answered)
        XCTAssertEqual(events.all, [])
        try await gate.waitUntilReachable(sent: false)

        let probes = Mutex(0)
        let again = await gate.markDown(confirm: false, probe: { probes.withLock { $0 += 1 }; return probes.withLock { $0 } > 1 })
        XCTAssertFalse(again)
        try await gate.waitUntilReachable(sent: false)
        guard case .unreachable? = events.all.first, case .reachable? = events.all.last, events.all.count == 2 else {
            return XCTFail("expected one outage and its end: \(events.all)")
        }
    }

    func testAnOutageLongerThanTheBoundStopsTheSyncWithEveryObjectAccountedFor() async throws {
        let events = Events()
        let client = try client(bound: .seconds(2), events: events)
        let (target, plan) = try await plan(client, count: 300)
        await cluster.goUnreachable(afterWrites: 100, lasting: nil)
        let started = ContinuousClock.now
        let result = await Executor(target: target).run(plan, options: SyncOptions(concurrency: 16))
        let took = ContinuousClock.now - started
        XCTAssertFalse(result.succeeded)
        XCTAssertTrue(result.interruption?.hasPrefix("server unreachable since ") ?? false, result.interruption ?? "nil")
        XCTAssertTrue(result.failures.isEmpty, "an outage fails no object: \(result.failures.prefix(3))")
        let created = result.count(.created), unknown = result.count(.unknown), skipped = result.count(.skipped)
        XCTAssertEqual(created + unknown + skipped, 300, result.summary)
        // The 100th stored write took the server down: its answer, and those of the writes
        // under way with it, were lost. Those are unknown, never failed nor created.
        XCTAssertLessThan(created, 100, result.summary)
        XCTAssertGreaterThanOrEqual(created + unknown, 100, result.summary)
        XCTAssertGreaterThanOrEqual(unknown, 1, "the write whose answer was lost: \(result.summary)")
        XCTAssertGreaterThan(skipped, 0, result.summary)
        for change in result.objects where change.action == .skipped {
            XCTAssertTrue(change.error?.contains(": not attempted: server unreachable since ") ?? false, change.error ?? "")
        }
        // Well inside a couple of seconds past the bound, not a retry loop per object.
        XCTAssertLessThan(took, .seconds(15))
        XCTAssertEqual(events.all.filter { if case .unreachable = $0 { return true } else { return false } }.count, 1)

        // Back: the next observe settles the unknown ones; a sync then finishes the job.
        try await cluster.comeBack()
        await client.resetReachability()
        let again = try await Planner(app: "outage").plan(desired: plan.objects.map(\.resource), target: target)
        let written = created + unknown
        XCTAssertGreaterThanOrEqual(again.changeSet.count(.unchanged), created, "every object the first sync created is seen")
        XCTAssertLessThanOrEqual(again.changeSet.count(.unchanged), written)
        let second = await Executor(target: target).run(again)
        XCTAssertTrue(second.succeeded, second.summary)
    }

    /// Down while every object is being dry-run: nothing was written, so every object is
    /// not attempted, none failed, none unknown.
    func testAnOutageDuringValidationAppliesNothing() async throws {
        let events = Events()
        let client = try client(bound: .seconds(1), events: events)
        let (target, plan) = try await plan(client, count: 100)
        await cluster.goUnreachable(afterRequests: 30, lasting: nil)
        let result = await Executor(target: target).run(plan, options: SyncOptions(concurrency: 8))
        XCTAssertFalse(result.succeeded)
        XCTAssertNotNil(result.interruption)
        XCTAssertEqual(result.count(.skipped), 100, result.summary)
        XCTAssertTrue(result.nothingApplied)
        try await cluster.comeBack()
        // The server is back; the client may still be finishing a probe of the outage.
        var list: ObjectList?
        for _ in 0..<20 where list == nil {
            await client.resetReachability()
            list = try? await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "it")
            if list == nil { try await Task.sleep(for: .milliseconds(500)) }
        }
        let items = try XCTUnwrap(list, "the server answers again after it came back").items
        XCTAssertEqual(items.filter { $0[path: ["metadata", "name"]]?.stringValue?.hasPrefix("cm-") ?? false }.count, 0)
    }

    /// Down while pruning: the deletes not sent are not attempted, the one whose answer was
    /// lost is unknown; the next sync prunes what is left.
    func testAnOutageDuringPruneLeavesTheRestForTheNextSync() async throws {
        let events = Events()
        let client = try client(bound: .seconds(1), events: events)
        let (target, plan) = try await plan(client, count: 60)
        let first = await Executor(target: target).run(plan)
        XCTAssertTrue(first.succeeded, first.summary)
        let kept = Array(plan.objects.map(\.resource).prefix(10))
        let pruning = try await Planner(app: "outage").plan(desired: kept, target: target)
        XCTAssertEqual(pruning.prune.count, 50)
        await cluster.goUnreachable(afterWrites: 20, lasting: nil)
        var options = SyncOptions(concurrency: 4)
        options.prune = true
        let result = await Executor(target: target).run(pruning, options: options)
        XCTAssertNotNil(result.interruption)
        XCTAssertTrue(result.failures.isEmpty, "\(result.failures.prefix(2))")
        XCTAssertLessThan(result.count(.pruned), 20, result.summary)
        XCTAssertGreaterThanOrEqual(result.count(.pruned) + result.count(.unknown), 20, result.summary)
        XCTAssertGreaterThan(result.count(.skipped), 0, result.summary)
        try await cluster.comeBack()
        await client.resetReachability()
        let again = try await Planner(app: "outage").plan(desired: kept, target: target)
        let second = await Executor(target: target).run(again, options: options)
        XCTAssertTrue(second.succeeded, second.summary)
        let list = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "it")
        XCTAssertEqual(list.items.filter { $0[path: ["metadata", "name"]]?.stringValue?.hasPrefix("cm-") ?? false }.count, 10)
    }
}
