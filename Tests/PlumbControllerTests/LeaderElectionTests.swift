import Foundation
import PlumbController
import PlumbCore
import PlumbKube
import PlumbLocalCluster
import PlumbTesting
import Synchronization
import XCTest

/// Leases against the local cluster: acquire, renew, expiry, release, conflicts, and the
/// fence on writes.
final class LeaderElectionTests: XCTestCase {
    var tmp: TempDir!
    var cluster: LocalCluster!
    var client: KubeClient!
    var leases: LeaseClient!
    /// Short timings: a 2 s lease, renewed within 1.5 s, every 250 ms.
    let timings = LeaseTimings(
        leaseDuration: .seconds(2), renewDeadline: .milliseconds(1500), retryPeriod: .milliseconds(250))

    override func setUp() async throws {
        tmp = try TempDir("plumblease")
        cluster = LocalCluster(options: .init(port: 0, tls: true))
        _ = try await cluster.start()
        try await cluster.writeKubeconfig(to: tmp.sub("kubeconfig"))
        client = try KubeClient(config: ClientConfig.load(flags: KubeconfigFlags(kubeconfig: tmp.sub("kubeconfig"))))
        leases = LeaseClient(client: client, namespace: "default")
    }

    override func tearDown() async throws {
        leases = nil
        client = nil
        await cluster?.stop()
        tmp = nil
    }

    func elector(_ identity: String) -> LeaderElector {
        LeaderElector(leases: leases, name: "plumb-controller", identity: identity, timings: timings)
    }

    func lease() async throws -> Value {
        try await client.get(leases.ref("plumb-controller"))
    }

    func testTheFirstCandidateCreatesTheLeaseAndTheOtherWaitsForItToExpire() async throws {
        let a = elector("a")
        let b = elector("b")
        let acquired = await a.tryAcquireOrRenew()
        XCTAssertTrue(acquired)
        XCTAssertTrue(a.isLeader)
        let spec = try await lease()["spec"]
        XCTAssertEqual(spec?["holderIdentity"]?.stringValue, "a")
        XCTAssertEqual(spec?["leaseDurationSeconds"]?.intValue, 2)
        XCTAssertEqual(spec?["leaseTransitions"]?.intValue, 0)
        let micro = try NSRegularExpression(pattern: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"#)
        for field in ["acquireTime", "renewTime"] {
            let text = spec?[field]?.stringValue ?? ""
            XCTAssertEqual(
                micro.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text)), 1, "\(field): \(text)")
        }
        // b sees a valid lease held by a.
        let taken = await b.tryAcquireOrRenew()
        XCTAssertFalse(taken)
        XCTAssertFalse(b.isLeader)
        XCTAssertEqual(b.holder, "a")
        // a renews: the acquire time stays, the renew time moves.
        try await Task.sleep(for: .milliseconds(50))
        let renewed = await a.tryAcquireOrRenew()
        XCTAssertTrue(renewed)
        let spec2 = try await lease()["spec"]
        XCTAssertEqual(spec2?["acquireTime"], spec?["acquireTime"])
        XCTAssertNotEqual(spec2?["renewTime"], spec?["renewTime"])
        // a stops renewing: it stops leading at its renew deadline, before b may take over.
        let stoppedRenewing = ContinuousClock.now
        while a.isLeader { try await Task.sleep(for: .milliseconds(20)) }
        let aStopped = ContinuousClock.now - stoppedRenewing
        XCTAssertLessThan(aStopped, .milliseconds(1600))
        let before = ContinuousClock.now
        while !(await b.tryAcquireOrRenew()) {
            XCTAssertLessThan(ContinuousClock.now - before, .seconds(5), "b never took over")
            try await Task.sleep(for: .milliseconds(100))
        }
        // b counts from when it last saw a change (its own clock): at least the lease duration
        // after a's renewal, and after a stopped.
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - stoppedRenewing, .milliseconds(1900))
        let spec3 = try await lease()["spec"]
        XCTAssertEqual(spec3?["holderIdentity"]?.stringValue, "b")
        XCTAssertEqual(spec3?["leaseTransitions"]?.intValue, 1)
        XCTAssertNotEqual(spec3?["acquireTime"], spec?["acquireTime"])
        let back = await a.tryAcquireOrRenew()
        XCTAssertFalse(back, "a sees b's valid lease")
        XCTAssertFalse(a.isLeader)
    }

    func testAnUpdateAtAStaleResourceVersionIsAConflict() async throws {
        let now = Date()
        let first = try await leases.create(
            "race",
            LeaseRecord(
                holderIdentity: "a", leaseDurationSeconds: 2, acquireTime: now, renewTime: now, leaseTransitions: 0))
        var mine = first
        mine.holderIdentity = "b"
        _ = try await leases.update("race", mine)
        var theirs = first
        theirs.holderIdentity = "c"
        do {
            _ = try await leases.update("race", theirs)
            XCTFail("an update at a stale resourceVersion succeeded")
        } catch let error as StatusError {
            XCTAssertEqual(error.reason, .conflict)
            XCTAssertEqual(error.code, 409)
        }
        let winner = try await leases.get("race")?.holderIdentity
        XCTAssertEqual(winner, "b")
    }

    /// Two candidates racing for an expired lease: exactly one wins.
    func testOfCandidatesRacingForTheLeaseOneWins() async throws {
        let candidates = (0..<4).map { elector("c\($0)") }
        let wins = await withTaskGroup(of: Bool.self) { group in
            for c in candidates { group.addTask { await c.tryAcquireOrRenew() } }
            var n = 0
            for await won in group where won { n += 1 }
            return n
        }
        XCTAssertEqual(wins, 1)
        XCTAssertEqual(candidates.filter(\.isLeader).count, 1)
        let holder = try await lease()["spec"]?["holderIdentity"]?.stringValue
        XCTAssertEqual(candidates.first(where: \.isLeader)?.identity, holder)
    }

    func testReleaseHandsTheLeaseOverAtOnce() async throws {
        let a = elector("a")
        let b = elector("b")
        _ = await a.tryAcquireOrRenew()
        let early = await b.tryAcquireOrRenew()
        XCTAssertFalse(early)
        await a.release()
        XCTAssertFalse(a.isLeader)
        let spec = try await lease()["spec"]
        XCTAssertNil(spec?["holderIdentity"]?.stringValue, "released: no holder")
        XCTAssertEqual(spec?["leaseDurationSeconds"]?.intValue, 1)
        // b takes it at its next look, without waiting for the lease duration.
        let taken = await b.tryAcquireOrRenew()
        XCTAssertTrue(taken)
        let transitions = try await lease()["spec"]?["leaseTransitions"]?.intValue
        XCTAssertEqual(transitions, 1)
    }

    func testTheRunLoopKeepsTheLeaseAndAStandbyTakesOverWhenItStops() async throws {
        let a = elector("a")
        let b = elector("b")
        let changes = Mutex<[String]>([])
        a.onChange { changes.withLock { $0.append("a:\(a.isLeader)") } }
        let runA = Task { await a.loop() }
        while !a.isLeader { try await Task.sleep(for: .milliseconds(20)) }
        let runB = Task { await b.loop() }
        // a holds it over several lease durations.
        try await Task.sleep(for: .seconds(3))
        XCTAssertTrue(a.isLeader)
        XCTAssertFalse(b.isLeader)
        // a's loop stops without releasing (as a killed process): b takes over within the lease
        // duration and its own retry period of seeing the last renewal.
        runA.cancel()
        await runA.value
        let stopped = ContinuousClock.now
        while !b.isLeader {
            XCTAssertLessThan(ContinuousClock.now - stopped, .seconds(4), "b never took over")
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - stopped, .milliseconds(1500))
        XCTAssertEqual(changes.withLock { $0 }.first, "a:true")
        runB.cancel()
        await runB.value
    }

    func testMicroTime() throws {
        let date = try XCTUnwrap(MicroTime.parse("2026-12-07T06:11:09.123456Z"))
        XCTAssertEqual(MicroTime.format(date), "2026-12-07T06:11:09.123456Z")
        XCTAssertEqual(MicroTime.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000000Z")
        XCTAssertEqual(MicroTime.parse("2026-12-07T06:11:09Z")?.timeIntervalSince1970, 1_796_623_869)
        XCTAssertEqual(MicroTime.parse("2026-12-07T08:11:09.5+02:00")?.timeIntervalSince1970, 1_796_623_869.5)
        XCTAssertNil(MicroTime.parse("yesterday"))
    }

    /// Writes made for an Application the gate no longer admits are refused before they are
    /// sent; reads, and writes for no Application (leases), pass.
    func testTheFenceRefusesWritesForAnApplicationNoLongerHeld() async throws {
        final class Gate: WorkGate, Sendable {
            let open = Atomic<Bool>(true)
            func admits(_ key: AppKey) -> Bool { open.load(ordering: .relaxed) }
            func onChange(_ body: @escaping @Sendable () async -> Void) {}
        }
        let gate = Gate()
        let fenced = client.fenced(by: gate)
        let key = AppKey(namespace: "default", name: "web")
        func configMap(_ name: String) -> Value {
            [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default"],
                "data": ["k": "v"],
            ]
        }
        try await WorkFence.$key.withValue(key) {
            _ = try await fenced.create(configMap("one"))
            gate.open.store(false, ordering: .relaxed)
            do {
                _ = try await fenced.create(configMap("two"))
                XCTFail("a write passed a closed gate")
            } catch let error as FenceClosed {
                XCTAssertEqual(error.key, key)
                XCTAssertTrue(error.description.hasPrefix("default/web: not written (POST)"), error.description)
            }
            _ = try await fenced.get(ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "one"))
        }
        _ = try await fenced.create(configMap("three"))
        let names = try await client.list(apiVersion: "v1", kind: "ConfigMap", namespace: "default").items.compactMap {
            $0[path: ["metadata", "name"]]?.stringValue
        }
        XCTAssertTrue(names.contains("one"))
        XCTAssertFalse(names.contains("two"))
        XCTAssertTrue(names.contains("three"))
    }
}
