import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import PlumbTesting
import XCTest

/// Several built `plumb controller` processes against one local cluster, sharing one audit
/// database: leader election (a leader killed with SIGKILL, one stopped with SIGTERM) and
/// sharding (a shard killed and started again). Short leases: 3 s, renewed within 2 s,
/// every 500 ms.
final class HAProcessTests: ControllerTestCase {
    static let leaseFlags = ["--lease-duration", "3s", "--renew-deadline", "2s", "--retry-period", "500ms"]
    /// The longest a takeover may take: the lease duration, plus up to two retry periods
    /// (jittered) for a standby to see the last renewal and look again, plus slack for a
    /// loaded machine.
    static let takeoverBound = 3.0 + 1.2 + 1.8

    /// Deployments take 2 s to become available: a sync waiting for health can be killed in the middle.
    override var workloadDelay: Duration { .seconds(2) }

    /// The longest the dead shard's Applications may take to be synced by the others after a
    /// kill: the lease duration, a retry period (jittered) to see the last renewal, and one
    /// reconcile of each moved Application (a ConfigMap each; 2.4 s with a loaded machine's slack).
    static let rebalanceBound = 3.0 + 0.6 + 2.4

    func startReplica(_ identity: String, _ mode: [String], metricsPort: Int? = nil) throws -> Server {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = tmp.path
        let args =
            [
                "controller", "--kubeconfig", kubeconfig, "--audit-db", tmp.sub("audit.db"), "--cache-dir",
                tmp.sub("cache-\(identity)"),
                "--metrics-address", metricsPort.map { "127.0.0.1:\($0)" } ?? "off", "--log-format", "text",
                "--identity", identity, "--lease-namespace", namespace,
            ] + mode + Self.leaseFlags
        return try Server(ControllerProcessTests.plumbPath, args, log: tmp.sub("\(identity).log"), env: environment)
    }

    /// The value of the series `series` (name and labels, as exposed) on the replica's
    /// /metrics, nil when it is missing or the port does not answer.
    func gauge(_ port: Int, _ series: String) async -> Double? {
        guard let http = try? CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(port)")),
            let scrape = try? await http.send(KubeRequest(method: "GET", path: "/metrics", timeout: .seconds(5))),
            scrape.status == 200
        else { return nil }
        for line in String(decoding: scrape.body, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    func lease(_ name: String) async throws -> LeaseRecord? {
        try await LeaseClient(client: client, namespace: namespace).get(name)
    }

    /// Every record of the shared audit database, with the process that ran it.
    func records() throws -> [AuditRecord] {
        try SQLiteAuditStore(path: tmp.sub("audit.db")).history(app: nil, limit: 10_000)
    }

    /// No Application was synced by two processes at once: per Application, the records of
    /// different processes do not overlap (a record a killed process left open ends at its kill).
    func assertNoOverlappingSyncs(killedAt: [Int32: AuditTimestamp], file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let byApp = Dictionary(grouping: try records(), by: \.app)
        for (app, records) in byApp {
            let sorted = records.sorted { $0.startedAt < $1.startedAt }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.process.pid != b.process.pid {
                let end = a.endedAt ?? killedAt[a.process.pid] ?? AuditTimestamp(milliseconds: .max)
                XCTAssertLessThanOrEqual(
                    end, b.startedAt,
                    "\(app): sync #\(a.id) (pid \(a.process.pid)) still running when #\(b.id) (pid \(b.process.pid)) began",
                    file: file, line: line)
            }
        }
    }

    func testAKilledLeaderIsReplacedWithinTheLeaseDurationAndItsInterruptedSyncFinished() async throws {
        try commit([
            "apps/web/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 1
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: main
                    image: nginx:1.27

            """
        ])
        try applyApplication("web", interval: "1s", wait: true)
        let (portA, portB) = (try freePort(), try freePort())
        let a = try startReplica("replica-a", ["--leader-elect"], metricsPort: portA)
        defer { a.stop() }
        // b starts once a leads, so the leader is known.
        try await eventually("replica-a leads", timeout: 15) {
            try await lease("plumb-controller")?.holderIdentity == "replica-a"
        }
        let b = try startReplica("replica-b", ["--leader-elect"], metricsPort: portB)
        defer { b.stop() }
        try await eventually("plumb_leader: a leads, b stands by", timeout: 10) {
            let leads = await gauge(portA, #"plumb_leader{identity="replica-a"}"#)
            let standsBy = await gauge(portB, #"plumb_leader{identity="replica-b"}"#)
            return leads == 1 && standsBy == 0
        }
        // a's sync is waiting for the Deployment's health: kill it there.
        var started: AuditRecord?
        try await eventually("a sync under way", timeout: 20) {
            started = try records().first { $0.app == "team-a/web" && $0.result == .started }
            return started != nil
        }
        XCTAssertEqual(started?.process.pid, a.pid)
        kill(a.pid, SIGKILL)
        let killed = Date()
        let killedAt = AuditTimestamp.now()
        // Reaped, so the new leader sees the process gone (a zombie still answers kill(pid, 0)).
        a.stop()
        // A new commit while the leader is gone.
        let sha = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        try await eventually("replica-b takes the lease", timeout: 15) {
            try await lease("plumb-controller")?.holderIdentity == "replica-b"
        }
        let takeover = Date().timeIntervalSince(killed)
        XCTAssertLessThan(takeover, Self.takeoverBound, b.output)
        try await eventually("plumb_leader: b leads", timeout: 5) {
            await gauge(portB, #"plumb_leader{identity="replica-b"}"#) == 1
        }
        try await eventually("replica-b syncs the new commit", timeout: 20) {
            let s = try await application("web").status
            return s.lastSyncedRevision == sha && s.condition("Ready")?.status == .true
        }
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "green")
        let record = try XCTUnwrap(try records().first { $0.id == started?.id })
        XCTAssertEqual(record.result, .interrupted, "the killed leader's sync is marked interrupted by the new leader")
        let last = try XCTUnwrap(try records().first { $0.app == "team-a/web" })
        XCTAssertEqual(last.revision, sha)
        XCTAssertEqual(last.result, .synced)
        XCTAssertEqual(last.process.pid, b.pid)
        XCTAssertTrue(b.output.contains("leader election won"), b.output)
        XCTAssertTrue(b.output.contains("was interrupted"), b.output)
        let current = try await lease("plumb-controller")
        let spec = try XCTUnwrap(current)
        XCTAssertEqual(spec.leaseTransitions, 1)
        XCTAssertEqual(spec.leaseDurationSeconds, 3)
        try assertNoOverlappingSyncs(killedAt: [a.pid: killedAt])
    }

    /// The holder's process is still alive (frozen with SIGSTOP, as a replica cut off on
    /// another host would be): its process cannot be seen gone, yet the new leader, which took
    /// its expired lease, marks the sync it left `started` interrupted at once, from the holder
    /// process the lease names, and syncs the Application again.
    func testALeaderCutOffMidSyncHasItsSyncMarkedInterruptedByTheNewLeaderThoughItsProcessLives() async throws {
        try commit([
            "apps/web/deploy.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 1
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: main
                    image: nginx:1.27

            """
        ])
        try applyApplication("web", interval: "1s", wait: true)
        let a = try startReplica("replica-a", ["--leader-elect"])
        defer { a.stop() }
        try await eventually("replica-a leads", timeout: 15) {
            try await lease("plumb-controller")?.holderIdentity == "replica-a"
        }
        let held = try await lease("plumb-controller")
        let process = try XCTUnwrap(held?.holderProcess, "the lease names its holder's process")
        XCTAssertEqual(process.pid, a.pid)
        let b = try startReplica("replica-b", ["--leader-elect"])
        defer { b.stop() }
        var started: AuditRecord?
        try await eventually("a sync under way", timeout: 20) {
            started = try records().first { $0.app == "team-a/web" && $0.result == .started }
            return started != nil
        }
        XCTAssertEqual(started?.process.pid, a.pid)
        kill(a.pid, SIGSTOP)
        let frozenAt = AuditTimestamp.now()
        let sha = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        try await eventually("replica-b takes the lease", timeout: 15) {
            try await lease("plumb-controller")?.holderIdentity == "replica-b"
        }
        try await eventually("the frozen leader's sync marked interrupted", timeout: 5) {
            try records().first { $0.id == started?.id }?.result == .interrupted
        }
        XCTAssertTrue(a.isRunning, "the old leader's process still exists")
        let record = try XCTUnwrap(try records().first { $0.id == started?.id })
        XCTAssertEqual(
            record.error,
            "process \(a.pid) on \(record.process.host) (replica replica-a) lost its lease before the sync completed")
        XCTAssertTrue(b.output.contains("was interrupted"), b.output)
        try await eventually("replica-b syncs the new commit", timeout: 20) {
            try records().contains {
                $0.app == "team-a/web" && $0.process.pid == b.pid && $0.result == .synced && $0.revision == sha
            }
        }
        // Thawed, the old leader finds its lease lost: the record stays as the new leader marked it.
        kill(a.pid, SIGCONT)
        try await eventually("a says it lost the lease", timeout: 10) { a.output.contains("leader election lost") }
        XCTAssertEqual(try records().first { $0.id == started?.id }?.result, .interrupted)
        try assertNoOverlappingSyncs(killedAt: [a.pid: frozenAt])
    }

    func testSIGTERMReleasesTheLeaseSoTheStandbyTakesOverAtOnce() async throws {
        try applyApplication("web", interval: "1s")
        let a = try startReplica("replica-a", ["--leader-elect"])
        defer { a.stop() }
        try await eventually("replica-a leads", timeout: 15) {
            try await lease("plumb-controller")?.holderIdentity == "replica-a"
        }
        let b = try startReplica("replica-b", ["--leader-elect"])
        defer { b.stop() }
        try await eventually("synced by the leader", timeout: 20) { await configMapData("web")?["color"] == "blue" }
        // b is a standby: it has synced nothing.
        try await Task.sleep(for: .seconds(1))
        XCTAssertFalse(try records().contains { $0.process.pid == b.pid }, "a standby synced")
        kill(a.pid, SIGTERM)
        let signalled = Date()
        try await eventually("a exits", timeout: 10) { !a.isRunning }
        XCTAssertEqual((a.exitStatus ?? -1) >> 8 & 0xff, 0, a.output)
        XCTAssertTrue(a.output.contains("released"), a.output)
        try await eventually("replica-b takes the released lease", timeout: 10) {
            try await lease("plumb-controller")?.holderIdentity == "replica-b"
        }
        // Released: b takes it at its next look, well before the 3 s lease would have expired.
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 2.5, b.output)
        let sha = try commit(["apps/web/cm.yaml": configMap("web", ["color": "red"])])
        try await eventually("the new leader syncs", timeout: 20) {
            try await application("web").status.lastSyncedRevision == sha
        }
    }

    /// A leader frozen (SIGSTOP) past its renew deadline and the lease duration: the standby
    /// takes over; thawed, the old leader finds its deadline passed and writes nothing more.
    func testAFrozenLeaderThatMissedItsRenewDeadlineWritesNothingWhenItWakes() async throws {
        try applyApplication("web", interval: "1s")
        let a = try startReplica("replica-a", ["--leader-elect"])
        defer { a.stop() }
        try await eventually("replica-a leads", timeout: 15) {
            try await lease("plumb-controller")?.holderIdentity == "replica-a"
        }
        let b = try startReplica("replica-b", ["--leader-elect"])
        defer { b.stop() }
        try await eventually("synced by the leader", timeout: 20) { await configMapData("web")?["color"] == "blue" }
        // The object is written before its record completes: freeze a once its record is
        // complete, not inside the audit database's write (replicas share one SQLite file
        // here, and a writer frozen holding its lock would hold up b's writes too).
        try await eventually("a's sync recorded", timeout: 20) {
            let mine = try records().filter { $0.process.pid == a.pid }
            return !mine.isEmpty && !mine.contains { $0.result == .started }
        }
        let frozenAt = AuditTimestamp.now()
        kill(a.pid, SIGSTOP)
        try await eventually("replica-b takes the lease", timeout: 15) {
            try await lease("plumb-controller")?.holderIdentity == "replica-b"
        }
        let sha = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        do {
            try await eventually("the new leader syncs", timeout: 20) {
                try await application("web").status.lastSyncedRevision == sha
            }
        } catch {
            XCTFail("replica-b's log:\n\(b.output)")
            throw error
        }
        let thawed = AuditTimestamp.now()
        kill(a.pid, SIGCONT)
        // Several of a's retry periods and of the Application's intervals.
        try await Task.sleep(for: .seconds(3))
        XCTAssertTrue(a.isRunning, a.output)
        try await eventually("a says it lost the lease", timeout: 5) { a.output.contains("leader election lost") }
        let late = try records().filter { $0.process.pid == a.pid && $0.startedAt >= thawed }
        XCTAssertEqual(late.map(\.id), [], "the old leader synced after it woke")
        let holder = try await lease("plumb-controller")?.holderIdentity
        XCTAssertEqual(holder, "replica-b")
        // A record a left started when it froze was marked interrupted by b.
        XCTAssertFalse(try records().contains { $0.process.pid == a.pid && $0.result == .started })
        try assertNoOverlappingSyncs(killedAt: [a.pid: frozenAt])
    }

    func testAKilledShardsApplicationsMoveToTheOthersAndOnlyItsShareMovesBack() async throws {
        let names = (0..<12).map { "app\($0)" }
        var files: [String: String?] = [:]
        for name in names { files["apps/\(name)/cm.yaml"] = configMap(name, ["color": "blue"]) }
        try commit(files)
        for name in names { try applyApplication(name, path: "apps/\(name)", interval: "1s") }
        let identities = ["shard-a", "shard-b", "shard-c"]
        let leaseNames = identities.map { ShardMembership.leaseName(base: "plumb-controller", identity: $0) }
        var replicas: [String: Server] = [:]
        var ports: [String: Int] = [:]
        for id in identities {
            ports[id] = try freePort()
            replicas[id] = try startReplica(id, ["--shards", "3"], metricsPort: ports[id])
        }
        defer { for r in replicas.values { r.stop() } }
        func owner(_ ring: ShardRing, _ name: String) -> String {
            let lease = ring.owner(of: AppKey(namespace: namespace, name: name))!
            return identities[leaseNames.firstIndex(of: lease)!]
        }
        let three = ShardRing(members: leaseNames)
        // The shard with most Applications is the one killed.
        let victim = identities.max { a, b in
            names.filter { owner(three, $0) == a }.count < names.filter { owner(three, $0) == b }.count
        }!
        let share = names.filter { owner(three, $0) == victim }
        XCTAssertGreaterThan(share.count, 0)

        /// Commits a color for every Application and waits until each is synced by its owner
        /// on `ring`; returns when that took.
        func syncEverywhere(_ color: String, ring: ShardRing, timeout: Double = 30) async throws {
            var files: [String: String?] = [:]
            for name in names { files["apps/\(name)/cm.yaml"] = configMap(name, ["color": color]) }
            let sha = try commit(files)
            try await eventually("every Application synced at \(color)", timeout: timeout) {
                for name in names where await configMapData(name)?["color"] != color { return false }
                return true
            }
            // Each Application's newest record is its owner's, at this commit.
            let newest = Dictionary(grouping: try records(), by: \.app).mapValues { $0.max { $0.id < $1.id }! }
            for name in names {
                let r = try XCTUnwrap(newest["\(namespace)/\(name)"], name)
                XCTAssertEqual(r.revision, sha, name)
                XCTAssertEqual(r.process.pid, replicas[owner(ring, name)]?.pid, "\(name) synced by the wrong shard")
            }
        }

        // All three up (each waits a lease duration before it takes its share).
        try await syncEverywhere("blue-1", ring: three)
        // Each replica wrote its own labelled lease.
        for name in leaseNames {
            let l = try await lease(name)
            XCTAssertNotNil(l?.holderIdentity, name)
        }
        /// Each of `ids` sees them all and reports the Applications `ring` gives it.
        func assertShardGauges(_ ids: [String], ring: ShardRing) async throws {
            try await eventually("plumb_shard_* of \(ids)", timeout: 10) {
                for id in ids {
                    let members = await gauge(ports[id]!, "plumb_shard_members")
                    let held = await gauge(ports[id]!, #"plumb_shard_applications{identity="\#(id)"}"#)
                    guard members == Double(ids.count), held == Double(names.filter { owner(ring, $0) == id }.count)
                    else { return false }
                }
                return true
            }
        }
        try await assertShardGauges(identities, ring: three)

        kill(replicas[victim]!.pid, SIGKILL)
        let killedAt = AuditTimestamp.now()
        let killed = Date()
        let victimPid = replicas[victim]!.pid
        replicas[victim]!.stop()
        let two = ShardRing(
            members: leaseNames.filter { $0 != ShardMembership.leaseName(base: "plumb-controller", identity: victim) })
        // Pushed at once: the dead shard's Applications are synced by the others as soon as
        // its lease expires in their view (no warm-up: it is not a joiner).
        try await syncEverywhere("green", ring: two)
        let rebalanced = Date().timeIntervalSince(killed)
        XCTAssertLessThan(
            rebalanced, Self.rebalanceBound,
            "the dead shard's Applications moved within the lease duration, a retry period and one reconcile")
        print("HAProcessTests: the dead shard's \(share.count) Applications synced by the others \(String(format: "%.2f", rebalanced)) s after the kill")
        try await assertShardGauges(identities.filter { $0 != victim }, ring: two)
        // Whatever the dead shard left started, the survivors that took its Applications marked.
        XCTAssertEqual(try records().filter { $0.process.pid == victimPid && $0.result == .started }.map(\.id), [])
        // Those of the others stayed where they were.
        for name in names where !share.contains(name) { XCTAssertEqual(owner(two, name), owner(three, name)) }

        // The shard comes back with its identity: only its share moves back to it.
        replicas[victim] = try startReplica(victim, ["--shards", "3"])
        try await eventually("\(victim) takes up its share", timeout: 15) {
            replicas[victim]!.output.contains("taking up")
        }
        try await syncEverywhere("red", ring: three)
        let back = try records().filter { $0.process.pid == replicas[victim]!.pid }.map {
            String($0.app.dropFirst(namespace.count + 1))
        }
        XCTAssertEqual(Set(back), Set(share), "exactly its share moved back")
        try assertNoOverlappingSyncs(killedAt: [victimPid: killedAt])
    }
}
