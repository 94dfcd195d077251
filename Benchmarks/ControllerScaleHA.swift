// `Benchmarks controller-scale`, high availability: the controller as real `plumb controller`
// processes against the setup's cluster and repository (its in-process controller stopped
// first), with controller-runtime's lease timings (15 s, 10 s, 2 s).
// - leader: two replicas with --leader-elect; the leader killed with SIGKILL right after a
//   push (delivered to the standby's webhook receiver, as a Service would route it): the time
//   until the standby holds the lease, and until the pushed commit is synced;
// - shards: three replicas with --shards 3: the Applications each reconciles (read from each
//   one's /metrics: plumb_app_info series), the time to rebalance after one is killed, and
//   the time for it to take its share back when it returns.
import Foundation
import PlumbController
import PlumbCore
import PlumbKube

#if canImport(Glibc)
    import Glibc
#endif

/// One `plumb controller` process of the benchmark, with its HTTP port.
private final class Replica {
    let identity: String
    let process: Process
    let port: Int
    let metrics: CurlTransport
    let log: String

    init(identity: String, mode: [String], setup: ControllerScaleSetup, binary: String, secretFile: String) throws {
        self.identity = identity
        port = try freePort()
        log = setup.work + "/\(identity).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments =
            [
                "controller", "--kubeconfig", setup.kubeconfig, "--namespace", ControllerScaleSetup.namespace,
                "--audit-db",
                setup.work + "/ha-audit.db", "--cache-dir", setup.work + "/cache-\(identity)", "--metrics-address",
                "127.0.0.1:\(port)",
                "--log-format", "text", "--identity", identity, "--lease-namespace", ControllerScaleSetup.namespace,
                "--webhook-secret-file", secretFile,
            ] + mode
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = setup.work
        process.environment = environment
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        metrics = try CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(port)"))
    }

    /// The Applications this replica reports (`plumb_app_info` series), nil while its port is closed.
    func reported() async -> Set<String>? {
        guard
            let response = try? await metrics.send(KubeRequest(method: "GET", path: "/metrics", timeout: .seconds(5))),
            response.status == 200
        else { return nil }
        var names = Set<String>()
        for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix("plumb_app_info{") {
            if let range = line.range(of: "name=\""), let end = line[range.upperBound...].firstIndex(of: "\"") {
                names.insert(String(line[range.upperBound..<end]))
            }
        }
        return names
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

/// The `plumb` binary the replicas run: $PLUMB_BIN, the release one beside this binary, else
/// the debug build.
private func replicaBinary() throws -> String {
    if let env = ProcessInfo.processInfo.environment["PLUMB_BIN"] { return env }
    if let release = plumbBinary() { return release }
    let debug = FileManager.default.currentDirectoryPath + "/.build/debug/plumb"
    guard FileManager.default.isExecutableFile(atPath: debug) else {
        throw BenchmarkError(
            "no plumb binary: build it (swift build -c release --scratch-path .build-release --product plumb) or set PLUMB_BIN"
        )
    }
    return debug
}

private func waitFor(_ what: String, bound: Duration, _ check: () async throws -> Bool) async throws -> Duration {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < bound {
        if try await check() { return ContinuousClock.now - start }
        try await Task.sleep(for: .milliseconds(100))
    }
    throw BenchmarkError("not within \(Int(seconds(bound))) s: \(what)")
}

private func fmt(_ d: Duration) -> String { String(format: "%.1f s", seconds(d)) }

/// A leader killed with SIGKILL right after a push: the time until the standby leads, and
/// until it has synced the pushed commit.
func measureLeaderFailover(_ setup: ControllerScaleSetup) async throws {
    await setup.stopController()
    let binary = try replicaBinary()
    let secretFile = setup.work + "/webhook-secret"
    try ControllerScaleSetup.secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
    let leases = LeaseClient(client: setup.bench, namespace: ControllerScaleSetup.namespace)
    let a = try Replica(
        identity: "leader-a", mode: ["--leader-elect"], setup: setup, binary: binary, secretFile: secretFile)
    defer { a.stop() }
    _ = try await waitFor("leader-a leads", bound: .seconds(60)) {
        try await leases.get("plumb-controller")?.holderIdentity == "leader-a"
    }
    let b = try Replica(
        identity: "leader-b", mode: ["--leader-elect"], setup: setup, binary: binary, secretFile: secretFile)
    defer { b.stop() }
    // The leader's first pass over every Application (all Synced already: no writes).
    let firstPass = try await waitFor("leader-a reconciled every Application", bound: .seconds(600)) {
        await a.reported()?.count == setup.appCount
    }
    _ = try await waitFor("leader-b answers", bound: .seconds(60)) { await b.reported() != nil }
    print(
        "controller-scale  leader election: \(binary.contains("release") ? "release" : "debug") plumb controller --leader-elect ×2 (lease 15s, renew deadline 10s, retry 2s); leader's first pass over \(setup.appCount) Applications \(fmt(firstPass)); the standby reconciles none (\(await b.reported()?.count ?? -1) reported)"
    )

    let i = setup.appCount / 2 + 7
    let before = try setup.head()
    let sha = try setup.commit(app: i, value: "failover")
    try setup.push(sha)
    a.kill9()
    let killed = ContinuousClock.now
    // The forge's delivery reaches the standby (a Service routes it to a ready pod).
    let delivered = try await deliver(sha, before: before, to: b.port, url: setup.url)
    _ = try await waitFor("leader-b takes the lease", bound: .seconds(60)) {
        try await leases.get("plumb-controller")?.holderIdentity == "leader-b"
    }
    let led = ContinuousClock.now - killed
    let synced = try await setup.waitSynced(i, sha, bound: .seconds(300))
    _ = try await waitFor("leader-b reconciled every Application", bound: .seconds(600)) {
        await b.reported()?.count == setup.appCount
    }
    let everyone = ContinuousClock.now - killed
    let lease = try await leases.get("plumb-controller")
    print(
        "controller-scale  leader killed (SIGKILL) right after a push (webhook \(delivered) at the standby): lease taken over after \(fmt(led)) (lease duration 15 s; leaseTransitions \(lease?.leaseTransitions ?? -1)), the pushed commit Synced by the new leader \(fmt(synced - killed)) after the kill (target < 15 s + one reconcile \(seconds(synced - killed) < 15 + 5 ? "met" : "MISSED"): the new leader queues all \(setup.appCount) Applications at takeover, those the pushed commit moved past their status first); every Application reconciled by the new leader \(fmt(everyone)) after the kill"
    )
}

/// Three shards: the spread, the rebalance after one is killed, its share back when it returns.
func measureShards(_ setup: ControllerScaleSetup) async throws {
    await setup.stopController()
    let binary = try replicaBinary()
    let secretFile = setup.work + "/webhook-secret"
    try ControllerScaleSetup.secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
    let identities = ["shard-1", "shard-2", "shard-3"]
    var replicas: [String: Replica] = [:]
    defer { for r in replicas.values { r.stop() } }
    for id in identities {
        replicas[id] = try Replica(
            identity: id, mode: ["--shards", "3"], setup: setup, binary: binary, secretFile: secretFile)
    }
    let all = Set((0..<setup.appCount).map { ControllerScaleSetup.appName($0) })
    var shares: [String: Set<String>] = [:]
    /// Waits until the replicas in `ids` report every Application between them, none twice.
    func covered(_ ids: [String]) async throws -> Duration {
        try await waitFor("\(ids.joined(separator: ", ")) reconciled every Application", bound: .seconds(600)) {
            var seen: [String: Set<String>] = [:]
            for id in ids { seen[id] = await replicas[id]?.reported() ?? [] }
            let union = seen.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            // Every replica has its share (one that just came back too), and no Application twice.
            guard union == all, seen.values.map(\.count).reduce(0, +) == all.count, !seen.values.contains(where: \.isEmpty) else {
                return false
            }
            shares = seen
            return true
        }
    }
    let first = try await covered(identities)
    let ring = ShardRing(members: identities.map { ShardMembership.leaseName(base: "plumb-controller", identity: $0) })
    let expected = Dictionary(
        grouping: all, by: { ring.owner(of: AppKey(namespace: ControllerScaleSetup.namespace, name: $0))! })
    let agrees = identities.allSatisfy {
        shares[$0] == expected[ShardMembership.leaseName(base: "plumb-controller", identity: $0)].map(Set.init)
    }
    let counts = identities.map { shares[$0]?.count ?? 0 }
    print(
        "controller-scale  shards: plumb controller --shards 3 ×3 (lease 15s): Applications per replica \(counts.map(String.init).joined(separator: " / ")) of \(setup.appCount) (even: \(setup.appCount / 3); max/mean \(String(format: "%.2f", Double(counts.max()!) / (Double(setup.appCount) / 3)))), as every replica's ring says: \(agrees ? "yes" : "NO"); all reconciled \(fmt(first)) after start (one lease duration of warm-up first)"
    )

    let victim = identities.max { (shares[$0]?.count ?? 0) < (shares[$1]?.count ?? 0) }!
    let share = shares[victim] ?? []
    let before = shares
    replicas[victim]?.kill9()
    replicas[victim] = nil
    let survivors = identities.filter { $0 != victim }
    let rebalanced = try await covered(survivors)
    let stayed = survivors.allSatisfy { before[$0]!.isSubset(of: shares[$0]!) }
    print(
        "controller-scale  shard \(victim) (\(share.count) Applications) killed (SIGKILL): rebalanced — every Application reconciled by the 2 others — \(fmt(rebalanced)) after the kill (lease duration 15 s + a retry period + their reconciles); the others kept theirs: \(stayed ? "yes" : "NO"); now \(survivors.map { "\(shares[$0]!.count)" }.joined(separator: " / "))"
    )

    replicas[victim] = try Replica(
        identity: victim, mode: ["--shards", "3"], setup: setup, binary: binary, secretFile: secretFile)
    let returned = try await covered(identities)
    let movedBack = shares[victim] ?? []
    print(
        "controller-scale  shard \(victim) back with its identity: took back \(movedBack.count) Applications (its share: \(movedBack == share ? "exactly" : "NOT exactly")) in \(fmt(returned)) (one lease duration of warm-up + its reconciles)"
    )
}

/// GitHub's `push` delivery for `sha` on main to the replica on `port`; its HTTP status.
private func deliver(_ sha: String, before: String, to port: Int, url: String) async throws -> Int {
    let hooks = try CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(port)"))
    let body: Value = [
        "ref": "refs/heads/main", "before": .string(before), "after": .string(sha),
        "repository": [
            "name": "repo", "full_name": "bench/repo", "default_branch": "main", "git_url": .string(url),
            "clone_url": .string(url),
        ],
        "pusher": ["name": "bench"], "commits": [],
    ]
    let bytes = Array(try JSONWriter().string(body).utf8)
    let response = try await hooks.send(
        KubeRequest(
            method: "POST", path: "/hooks/github",
            headers: [
                HTTPHeader("Content-Type", "application/json"), HTTPHeader("X-GitHub-Event", "push"),
                HTTPHeader("X-GitHub-Delivery", UUID().uuidString),
                HTTPHeader(
                    "X-Hub-Signature-256",
                    WebhookReceiver.signature(bytes, secret: Array(ControllerScaleSetup.secret.utf8))),
            ],
            body: bytes))
    return response.status
}
