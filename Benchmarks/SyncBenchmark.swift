// `swift run -c release Benchmarks sync`: Plumb's diff and sync against the local cluster,
// with kubectl (the machine's v1.32) measured in the same run as the peer.
import Foundation
import PlumbCore
import PlumbEngine
import PlumbKube
import PlumbLocalCluster

/// Counts the requests a client sends, to show that a diff from a warm cache sends none.
final class CountingTransport: KubeTransport, @unchecked Sendable {
    let inner: any KubeTransport
    private let lock = NSLock()
    private var sent: [String] = []
    init(_ inner: any KubeTransport) { self.inner = inner }
    var requests: Int { lock.withLock { sent.count } }
    /// The requests sent since the `from`th one, as `METHOD path`.
    func requests(from: Int) -> [String] { lock.withLock { Array(sent[min(from, sent.count)...]) } }
    func send(_ request: KubeRequest) async throws -> KubeResponse {
        lock.withLock { sent.append("\(request.method) \(request.path)") }
        return try await inner.send(request)
    }
    func stream(_ request: KubeRequest) -> AsyncThrowingStream<[UInt8], any Error> {
        lock.withLock { sent.append("\(request.method) \(request.path) (stream)") }
        return inner.stream(request)
    }
}

private func configMap(_ i: Int, namespace: String, app: String, value: String) throws -> Resource {
    try Resource([
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": ["name": .string("cm-\(i)"), "namespace": .string(namespace)],
        "data": ["index": .string("\(i)"), "payload": .string(value)],
    ])
}

private func writeFiles(_ resources: [Resource], to directory: String) throws {
    try? FileManager.default.removeItem(atPath: directory)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (i, r) in resources.enumerated() {
        try JSONWriter().string(r.body).write(toFile: "\(directory)/\(i).json", atomically: false, encoding: .utf8)
    }
}

/// `PLUMB_BENCH_SCALE=0.01` shrinks the object counts for a quick check in a debug build.
private let scale = Double(ProcessInfo.processInfo.environment["PLUMB_BENCH_SCALE"] ?? "") ?? 1
/// Rounds of the sync comparison; `PLUMB_BENCH_ROUNDS` changes the default 5.
private let syncRounds = max(1, Int(ProcessInfo.processInfo.environment["PLUMB_BENCH_ROUNDS"] ?? "") ?? 5)

func runSyncBenchmark() async throws {
    let bigCount = max(100, Int(10_000 * scale))
    let syncCount = max(10, Int(1_000 * scale))
    let work = NSTemporaryDirectory() + "plumb-sync-bench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let cluster = LocalCluster(options: .init(simulateWorkloads: false))
    try await cluster.start()
    let kubeconfig = work + "/kubeconfig"
    try await cluster.writeKubeconfig(to: kubeconfig)
    let config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig))
    let counter = CountingTransport(try CurlTransport(options: config.transport))
    let client = KubeClient(transport: counter, credentials: config.credentialProvider(), defaultNamespace: config.namespace)
    let target = KubernetesTarget(client: client)
    // What `plumb sync` runs with by default (32 objects at once).
    let quiet = SyncOptions()

    // 1. 10,000 objects, warm live cache (list+watch of the app's label), no drift.
    let big = try (0..<bigCount).map { try configMap($0, namespace: "bench", app: "big", value: "v") }
    let nsPlan = try await Planner(app: "big").plan(desired: [try Resource(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench"]])], target: target)
    _ = await Executor(target: target).run(nsPlan, options: quiet)
    let seeded = try await Planner(app: "big").plan(desired: big, target: target)
    let (_, seedTime) = await time { await Executor(target: target).run(seeded, options: quiet) }
    let cache = LiveCache(client: client, target: WatchTarget(apiVersion: "v1", kind: "ConfigMap", labelSelector: "plumb.dev/app=big"))
    await cache.start()
    guard await cache.waitUntilSynced(timeout: .seconds(60)) else { throw KubeClientError(message: "live cache did not sync") }
    let planner = Planner(app: "big")
    func warmPlan(_ desired: [Resource]) async throws -> Plan {
        let observation = await cache.snapshot().observation(desired: desired, app: "big")
        return try planner.plan(desired: desired, observation: observation, target: target)
    }
    // The cache opens its watch after the list: let that settle, so the count below is the diff's.
    var settled = counter.requests
    for _ in 0..<50 {
        try await Task.sleep(for: .milliseconds(100))
        if counter.requests == settled { break }
        settled = counter.requests
    }
    resetPeakResidentMemory()
    let before = counter.requests
    let (clean, cleanTime) = try await time { try await warmPlan(big) }
    var again: [Double] = []
    for _ in 0..<4 { again.append(try await time { try await warmPlan(big) }.1) }
    let requests = counter.requests(from: before)
    print(String(format: "sync diff   %d objects, warm cache, no drift: %.0f ms the first time, then %@ ms; %d API requests in all%@, %d to update (seeded in %.1fs)",
                 bigCount, cleanTime * 1000, again.map { String(format: "%.0f", $0 * 1000) }.joined(separator: ", "),
                 requests.count, requests.isEmpty ? "" : " (\(requests.joined(separator: ", ")))",
                 clean.objects.filter { $0.action != .unchanged }.count, seedTime))
    print(String(format: "sync diff   peak resident memory of the whole process (local cluster with its %d objects, live cache, plan): %.0f MiB",
                 bigCount, Double(peakResidentMemory()) / 1_048_576))
    var drifted = big
    for i in stride(from: 0, to: bigCount, by: 100) { drifted[i] = try configMap(i, namespace: "bench", app: "big", value: "changed") }
    let (dirty, dirtyTime) = try await time { try await warmPlan(drifted) }
    let changed = Set(dirty.objects.filter { $0.action == .configured }.map(\.ref.name))
    let expected = Set(stride(from: 0, to: bigCount, by: 100).map { "cm-\($0)" })
    print(String(format: "sync diff   %d objects, 1%% drift: %.0f ms, lists exactly the %d drifted objects: %@",
                 bigCount, dirtyTime * 1000, expected.count, changed == expected ? "yes" : "NO"))
    await cache.stop()

    // 2. Sync of 1,000 changed objects: Plumb vs kubectl apply --server-side vs a bare client,
    // in rounds that each change every object again; the ratios are taken per round and the
    // median round is the figure (a 2-core machine's noise moves single runs by ±20%).
    func set(_ ns: String, _ value: String) throws -> [Resource] {
        try [Resource(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])]
            + (0..<syncCount).map { try configMap($0, namespace: ns, app: ns, value: value) }
    }
    for ns in ["plumb", "kubectl", "bare", "bare-dry"] { _ = await Executor(target: target).run(try await Planner(app: ns).plan(desired: set(ns, "old"), target: target), options: quiet) }
    func bare(_ objects: [Value], dryRunFirst: Bool) async throws {
        for dryRun in dryRunFirst ? [true, false] : [false] {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in 0..<32 {
                    group.addTask {
                        for i in stride(from: chunk, to: objects.count, by: 32) {
                            try await client.applyDiscardingResult(objects[i], dryRun: dryRun)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
    struct Round { var plan, run, kubectl, bare, bareDry: Double; var sync: Double { plan + run } }
    var rounds: [Round] = []
    for round in 1...syncRounds {
        let value = "new-\(round)"
        let plumbSet = try set("plumb", value)
        let (plumbPlan, plan) = try await time { try await Planner(app: "plumb").plan(desired: plumbSet, target: target, pruneCandidates: false) }
        let (_, run) = await time { await Executor(target: target).run(plumbPlan, options: quiet) }
        try writeFiles(try set("kubectl", value), to: work + "/kubectl")
        let (_, kubectlSync) = try await time { _ = try kubectl(["--kubeconfig", kubeconfig, "apply", "--server-side", "--field-manager=plumb", "-f", work + "/kubectl"]) }
        let bareSet = try set("bare", value).map { SyncLabels.stamped($0, app: "bare").body }
        let (_, bareSync) = try await time { try await bare(bareSet, dryRunFirst: false) }
        let bareDrySet = try set("bare-dry", value).map { SyncLabels.stamped($0, app: "bare-dry").body }
        let (_, bareDrySync) = try await time { try await bare(bareDrySet, dryRunFirst: true) }
        let r = Round(plan: plan, run: run, kubectl: kubectlSync, bare: bareSync, bareDry: bareDrySync)
        rounds.append(r)
        print(String(format: "sync apply  round %d: plumb %.2fs (observe and plan %.2fs, dry-run and apply %.2fs), kubectl %.2fs (%.1fx), bare apply %.2fs (%.2fx), bare dry-run then apply %.2fs (%.2fx)",
                     round, r.sync, r.plan, r.run, r.kubectl, r.kubectl / r.sync, r.bare, r.sync / r.bare, r.bareDry, r.sync / r.bareDry))
    }
    print(String(format: "sync apply  %d changed, median of %d rounds: plumb %.2fs; kubectl apply --server-side %.2fs, plumb %.1fx faster; bare 32-way client applying only %.2fs, plumb/bare %.2fx; bare client that dry-runs everything then applies (what a sync must do) %.2fs, plumb/that %.2fx",
                 syncCount, rounds.count, median(rounds.map(\.sync)), median(rounds.map(\.kubectl)), median(rounds.map { $0.kubectl / $0.sync }),
                 median(rounds.map(\.bare)), median(rounds.map { $0.sync / $0.bare }), median(rounds.map(\.bareDry)), median(rounds.map { $0.sync / $0.bareDry })))

    // 2b. The same sync as a user runs it: the `plumb` binary reading a commit of 1,001 files
    // (Git, YAML, plan, dry-run, apply, audit record, output), next to kubectl on those files.
    if let plumb = plumbBinary() {
        let repo = work + "/repo"
        try FileManager.default.createDirectory(atPath: repo + "/apps/cli", withIntermediateDirectories: true)
        try git(["init", "-q", repo], in: work)
        func commit(_ value: String) throws {
            for (i, r) in try set("cli", value).enumerated() {
                try JSONWriter().string(r.body).write(toFile: "\(repo)/apps/cli/\(i).json", atomically: false, encoding: .utf8)
            }
            try git(["add", "-A"], in: repo)
            try git(["-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", value], in: repo)
        }
        func plumbSync() throws {
            let arguments = ["sync", "--repo", repo, "--path", "apps/cli", "--kubeconfig", kubeconfig, "--audit-db", work + "/audit.db"]
            guard try runQuietly(plumb, arguments) == 0 else { throw BenchmarkError("plumb \(arguments.joined(separator: " ")) failed") }
        }
        try commit("old")
        try plumbSync()
        var cli: [(plumb: Double, kubectl: Double)] = []
        for round in 1...syncRounds {
            try commit("cli-\(round)")
            let (_, plumbTime) = try await time { try plumbSync() }
            try writeFiles(try set("kubectl", "cli-\(round)"), to: work + "/kubectl")
            let (_, kubectlTime) = try await time { _ = try kubectl(["--kubeconfig", kubeconfig, "apply", "--server-side", "--field-manager=plumb", "-f", work + "/kubectl"]) }
            cli.append((plumbTime, kubectlTime))
        }
        print(String(format: "sync cli    %d changed, the plumb binary on a commit of %d files (rounds, plumb/kubectl: %@): median plumb sync %.2fs, kubectl apply --server-side %.2fs, plumb %.1fx faster",
                     syncCount, syncCount + 1, cli.map { String(format: "%.2fs/%.2fs", $0.plumb, $0.kubectl) }.joined(separator: ", "),
                     median(cli.map(\.plumb)), median(cli.map(\.kubectl)), median(cli.map { $0.kubectl / $0.plumb })))
    } else {
        print("sync cli    skipped: no release plumb binary beside this one (swift build -c release --product plumb)")
    }

    // 3. Diff of 1,000 changed objects: Plumb (observe + plan) vs kubectl diff --server-side.
    let diffSet = try set("plumb", "newer")
    let (_, plumbDiff) = try await time { _ = try await Planner(app: "plumb").plan(desired: diffSet, target: target, pruneCandidates: false) }
    try writeFiles(try set("kubectl", "newer"), to: work + "/kubectl")
    let (_, kubectlDiff) = try await time { _ = try kubectl(["--kubeconfig", kubeconfig, "diff", "--server-side", "--field-manager=plumb", "-f", work + "/kubectl"]) }
    print(String(format: "sync diff   %d changed: plumb %.2fs, kubectl diff --server-side %.2fs (%.1fx)",
                 syncCount, plumbDiff, kubectlDiff, kubectlDiff / plumbDiff))
    await cluster.stop()
}
