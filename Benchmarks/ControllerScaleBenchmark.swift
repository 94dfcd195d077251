// `Benchmarks controller-scale`: the controller at monorepo scale, driven by webhooks. The local
// cluster (in this process), a real `git daemon` on 127.0.0.1 serving one repository with 1,000
// Applications (apps/svc-NNNN/, two ConfigMaps each), and the controller as `plumb controller
// --webhook-secret-file` builds it (in this process: its webhook receivers on a real HTTP port,
// the client's default rate limit, --concurrency 4). Every push is a real `git push` to the
// served repository followed by GitHub's `push` delivery, signed with X-Hub-Signature-256, to
// /hooks/github. The Applications' interval is the default 3m, so every reconcile measured is
// one a push caused.
//
// Sections run in the order of `controllerScaleSections` on one setup; more sections (high
// availability: a leader killed, shards) are added to that list from their own file.
// `PLUMB_BENCH_SCALE=0.05` shrinks the Application count for a quick check in a debug build;
// `PLUMB_BENCH_SECTIONS=latency,burst` runs some sections only.
import Foundation
import Logging
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbGit
import PlumbKube
import PlumbLocalCluster

#if canImport(Glibc)
    import Glibc
#endif

/// One section of `controller-scale`: its name (for `PLUMB_BENCH_SECTIONS`) and what it runs.
struct ControllerScaleSection: Sendable {
    var name: String
    var run: @Sendable (ControllerScaleSetup) async throws -> Void
}

/// The sections, in the order they run. High-availability sections (leader election, shards)
/// belong here too, each a function in its own file taking the shared setup; they may call
/// `setup.stopController()` first to run controllers of their own as processes.
let controllerScaleSections: [ControllerScaleSection] = [
    ControllerScaleSection(name: "monorepo", run: measureMonorepoPush),
    ControllerScaleSection(name: "burst", run: measurePushBurst),
    ControllerScaleSection(name: "latency", run: measureWebhookLatency),
    ControllerScaleSection(name: "leader", run: measureLeaderFailover),
    ControllerScaleSection(name: "shards", run: measureShards),
]

func runControllerScaleBenchmark() async throws {
    let wanted = ProcessInfo.processInfo.environment["PLUMB_BENCH_SECTIONS"].map { Set($0.split(separator: ",").map(String.init)) }
    let setup = try await ControllerScaleSetup.start()
    do {
        for section in controllerScaleSections where wanted?.contains(section.name) ?? true {
            try await section.run(setup)
        }
    } catch {
        await setup.stop()
        throw error
    }
    await setup.stop()
}

/// When each PATCH of the controller was answered, and to which path.
final class PatchLog: @unchecked Sendable {
    private let lock = NSLock()
    private var patches: [(at: ContinuousClock.Instant, path: String)] = []
    func add(_ path: String) { lock.withLock { patches.append((.now, path)) } }
    var count: Int { lock.withLock { patches.count } }
    /// The PATCHes answered since the `from`th one.
    func since(_ from: Int) -> [(at: ContinuousClock.Instant, path: String)] { lock.withLock { Array(patches[min(from, patches.count)...]) } }
}

/// Breaks the controller -> managed objects -> controller cycle (the caches call back into it).
private final class ScaleControllerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ApplicationController?
    var controller: ApplicationController? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// What every section shares: the repository and its daemon, the cluster, the Applications,
/// and the controller with its webhook receivers.
final class ControllerScaleSetup: @unchecked Sendable {
    static let namespace = "scale"
    static let secret = "controller-scale-webhook-secret"
    let appCount: Int
    let work: String
    /// The working copy commits are made in, and the bare repository the daemon serves.
    let repo: String
    let served: String
    /// `git://127.0.0.1:<port>/repo.git`
    let url: String
    let cluster: LocalCluster
    let kubeconfig: String
    /// The benchmark's own client (not counted).
    let bench: KubeClient
    let patches: PatchLog
    let reconciler: Reconciler
    let controller: ApplicationController
    let audit: SQLiteAuditStore
    /// Posts to the controller's HTTP port.
    let hooks: CurlTransport
    private let daemon: Process
    private var tasks: [Task<Void, any Error>]
    private let box: ScaleControllerBox
    private var stopped = false

    static func appName(_ i: Int) -> String { String(format: "svc-%04d", i) }

    static func files(_ i: Int, value: String) -> [String: String] {
        let app = appName(i)
        return [
            "config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(app)-config\ndata:\n  app: \(app)\n  value: \"\(value)\"\n",
            "settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(app)-settings\ndata:\n  replicas: \"2\"\n",
        ]
    }

    private init(
        appCount: Int, work: String, repo: String, served: String, url: String, cluster: LocalCluster, kubeconfig: String, bench: KubeClient,
        patches: PatchLog, reconciler: Reconciler, controller: ApplicationController, audit: SQLiteAuditStore, hooks: CurlTransport,
        daemon: Process, tasks: [Task<Void, any Error>], box: ScaleControllerBox
    ) {
        self.appCount = appCount
        self.work = work
        self.repo = repo
        self.served = served
        self.url = url
        self.cluster = cluster
        self.kubeconfig = kubeconfig
        self.bench = bench
        self.patches = patches
        self.reconciler = reconciler
        self.controller = controller
        self.audit = audit
        self.hooks = hooks
        self.daemon = daemon
        self.tasks = tasks
        self.box = box
    }

    static func start() async throws -> ControllerScaleSetup {
        let scale = Double(ProcessInfo.processInfo.environment["PLUMB_BENCH_SCALE"] ?? "") ?? 1
        let appCount = max(20, Int((1_000 * scale).rounded()))
        let work = NSTemporaryDirectory() + "plumb-controller-scale-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)

        let repo = work + "/repo"
        for i in 0..<appCount {
            let dir = "\(repo)/apps/\(appName(i))"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for (file, text) in files(i, value: "v0") { try text.write(toFile: "\(dir)/\(file)", atomically: false, encoding: .utf8) }
        }
        try git(["init", "-q", "-b", "main", repo], in: work)
        try git(["add", "-A"], in: repo)
        try git(identity + ["commit", "-q", "-m", "\(appCount) applications"], in: repo)
        let served = work + "/served"
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try git(["clone", "-q", "--bare", repo, served + "/repo.git"], in: work)
        let port = try freePort()
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: "/usr/lib/git-core/git-daemon")
        daemon.arguments = ["--export-all", "--base-path=\(served)", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", served]
        daemon.standardOutput = FileHandle.nullDevice
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        let url = "git://127.0.0.1:\(port)/repo.git"
        var listening = false
        for _ in 0..<100 where !listening {
            listening = try runQuietly("git", ["ls-remote", url]) == 0
            if !listening { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard listening else { throw BenchmarkError("git-daemon does not answer on \(url)") }

        let cluster = LocalCluster(options: .init())
        try await cluster.start()
        let kubeconfig = work + "/kubeconfig"
        try await cluster.writeKubeconfig(to: kubeconfig)
        let config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig))
        var benchOptions = KubeClientOptions()
        benchOptions.fieldManager = "bench"
        benchOptions.qps = 10_000
        benchOptions.burst = 10_000
        let bench = try KubeClient(config: config, options: benchOptions)
        try await bench.applyDiscardingResult(InstallManifests.applicationCRD)
        try await bench.applyDiscardingResult(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])
        var established = false
        for _ in 0..<100 where !established {
            established = (try? await bench.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: namespace)) != nil
            if !established { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard established else { throw BenchmarkError("the Application CRD is not served") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for i in stride(from: lane, to: appCount, by: 16) {
                        try await bench.applyDiscardingResult([
                            "apiVersion": "plumb.dev/v1alpha1", "kind": "Application",
                            "metadata": ["name": .string(appName(i)), "namespace": .string(namespace)],
                            "spec": [
                                "source": ["repoURL": .string(url), "path": .string("apps/\(appName(i))")],
                                "destination": ["namespace": .string(namespace)],
                                "syncPolicy": ["automated": true, "prune": false, "selfHeal": true],
                            ],
                        ])
                    }
                }
            }
            try await group.waitForAll()
        }

        // The controller as `plumb controller` builds it: the client's default rate limit
        // (100 qps, burst 200), --concurrency 4, metrics and the webhook receivers on one port.
        let patches = PatchLog()
        var options = KubeClientOptions()
        options.onResponse = { request, _ in if request.method == "PATCH" { patches.add(request.path) } }
        let client = try KubeClient(config: config, options: options)
        let audit = try SQLiteAuditStore(path: work + "/audit.db")
        let box = ScaleControllerBox()
        let gitSources = GitSources(cacheDirectory: work + "/cache")
        let objects = ManagedObjects(client: client) { box.controller?.managedObjectChanged($0) }
        let settings = Reconciler.Settings(
            git: GitSourceOptions(cacheDirectory: work + "/cache", environment: [:]), scratchDirectory: work + "/scratch",
            targetName: "kube:bench")
        let reconciler = Reconciler(client: client, git: gitSources, objects: objects, audit: audit, settings: settings)
        let quiet = Logger(label: "plumb.controller.scale") { _ in SwiftLogNoOpLogHandler() }
        let metrics = ControllerMetrics()
        let controller = ApplicationController(client: client, reconciler: reconciler, concurrency: 4, logger: quiet, metrics: metrics)
        box.controller = controller
        let endpoint = WebhookEndpoint(secrets: WebhookSecrets(secret: secret), logger: quiet) { await controller.pushed($0) }
        let server = ProbeServer(
            address: ProbeServer.Address(host: "127.0.0.1", port: 0), metrics: metrics, logger: quiet, webhooks: endpoint,
            readiness: { await controller.readiness() })
        let serving = Task { try await server.run() }
        guard let httpPort = await server.boundPort() else { throw BenchmarkError("the controller's HTTP port did not open") }
        let hooks = try CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(httpPort)"))

        print("controller-scale  \(appCount) Applications × 2 ConfigMaps in one git:// repository (one directory each), interval 3m, --concurrency 4, client rate limit 100 qps (burst 200); pushes: git push, then GitHub's push delivery signed with X-Hub-Signature-256 to /hooks/github")
        let started = ContinuousClock.now
        let running = Task { try await controller.run() }
        let setup = ControllerScaleSetup(
            appCount: appCount, work: work, repo: repo, served: served, url: url, cluster: cluster, kubeconfig: kubeconfig, bench: bench,
            patches: patches, reconciler: reconciler, controller: controller, audit: audit, hooks: hooks, daemon: daemon,
            tasks: [serving, running], box: box)
        let head = try setup.head()
        let bound = Duration.seconds(max(120, appCount / 2))
        var ready = 0
        while ContinuousClock.now - started < bound {
            ready = try await setup.statuses().values.filter { $0.syncStatus == .synced && $0.lastSyncedRevision == head }.count
            if ready == appCount { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        guard ready == appCount else {
            await setup.stop()
            throw BenchmarkError("only \(ready) of \(appCount) Applications Synced after \(Int(seconds(bound))) s")
        }
        print(String(
            format: "controller-scale  start: all %d Applications Synced in %.1fs (%d renders)", appCount, seconds(ContinuousClock.now - started),
            reconciler.renders))
        // The watch events of the start's syncs are reconciled (compared again) before any push:
        // a push to an Application with such a compare pending is a full reconcile, rightly.
        var last = -1
        while controller.reconciles != last {
            last = controller.reconciles
            try await Task.sleep(for: .seconds(2))
        }
        return setup
    }

    static let identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]

    /// Stops the in-process controller and its HTTP port (for sections that run their own).
    func stopController() async {
        guard !stopped else { return }
        stopped = true
        controller.shutDown()
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
        box.controller = nil
    }

    func stop() async {
        await stopController()
        await cluster.stop()
        // git-daemon takes 2 s to act on SIGTERM; nothing of it is needed any more.
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        try? FileManager.default.removeItem(atPath: work)
    }

    func head() throws -> String {
        let out = Pipe()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "rev-parse", "HEAD"]
        p.currentDirectoryURL = URL(fileURLWithPath: repo)
        p.standardOutput = out
        try p.run()
        let sha = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return sha.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Commits a new value of Application `i`'s first ConfigMap (not pushed); its SHA.
    func commit(app i: Int, value: String) throws -> String {
        let dir = "\(repo)/apps/\(Self.appName(i))"
        try Self.files(i, value: value)["config.yaml"]!.write(toFile: dir + "/config.yaml", atomically: false, encoding: .utf8)
        try git(Self.identity + ["commit", "-q", "-a", "-m", "\(Self.appName(i)): \(value)"], in: repo)
        return try head()
    }

    /// Pushes `sha` to the served repository's main.
    func push(_ sha: String) throws {
        try git(["push", "-q", "-f", served + "/repo.git", "\(sha):refs/heads/main"], in: repo)
    }

    /// GitHub's `push` delivery for `sha` on main, signed; returns its HTTP status.
    @discardableResult
    func deliver(_ sha: String, before: String) async throws -> Int {
        let body: Value = [
            "ref": "refs/heads/main", "before": .string(before), "after": .string(sha),
            "repository": [
                "name": "repo", "full_name": "bench/repo", "default_branch": "main", "git_url": .string(url), "clone_url": .string(url),
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
                    HTTPHeader("X-Hub-Signature-256", WebhookReceiver.signature(bytes, secret: Array(Self.secret.utf8))),
                ],
                body: bytes))
        guard response.status == 200 else {
            throw BenchmarkError("/hooks/github answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return response.status
    }

    /// Every Application's status, by name.
    func statuses() async throws -> [String: ApplicationStatus] {
        var out: [String: ApplicationStatus] = [:]
        for item in try await bench.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: Self.namespace).items {
            if let app = Application(item) { out[app.key.name] = app.status }
        }
        return out
    }

    /// Waits until every Application's status names `sha`; how long that took.
    func waitAllAt(_ sha: String, from start: ContinuousClock.Instant, bound: Duration = .seconds(120)) async throws -> Duration {
        while ContinuousClock.now - start < bound {
            let at = try await statuses().values.filter { $0.syncRevision == sha }.count
            if at == appCount { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkError("not every Application reached \(sha.prefix(7)) within \(Int(seconds(bound))) s")
    }

    /// Waits until Application `i` is Synced at `sha`; the instant it was seen.
    func waitSynced(_ i: Int, _ sha: String, bound: Duration = .seconds(60)) async throws -> ContinuousClock.Instant {
        let ref = ObjectRef(apiVersion: Application.apiVersion, kind: Application.kind, namespace: Self.namespace, name: Self.appName(i))
        let start = ContinuousClock.now
        while ContinuousClock.now - start < bound {
            if let status = Application(try await bench.get(ref))?.status, status.lastSyncedRevision == sha, status.syncStatus == .synced {
                return .now
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw BenchmarkError("\(Self.appName(i)) not Synced at \(sha.prefix(7)) within \(Int(seconds(bound))) s")
    }

    /// The first apply (a PATCH that is not a dry run) of one of Application `i`'s objects since the `from`th PATCH.
    func firstApply(_ i: Int, since from: Int) -> ContinuousClock.Instant? {
        let name = Self.appName(i)
        return patches.since(from).first { $0.path.contains("/configmaps/\(name)-") && !$0.path.contains("dryRun") }?.at
    }
}
