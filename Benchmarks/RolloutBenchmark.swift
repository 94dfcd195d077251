// Rollouts: how fast a failing analysis puts the traffic back on stable, and what a canary with
// zero-length pauses costs against a plain sync of the same change. Both run the audited sync
// with the RolloutRunner against the local cluster; the analysis is a real `web` metric read
// from a Python http.server on 127.0.0.1.
import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbEngine
import PlumbGit
import PlumbKube
import PlumbLocalCluster
import PlumbManifests
import PlumbRollout
import PlumbYAML
import Synchronization

private let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

/// One local cluster with the rollout and HTTPRoute CRDs, a Git work tree and an audit store.
private final class RolloutBench: @unchecked Sendable {
    let dir: String
    let cluster: LocalCluster
    let client: KubeClient
    let audit: SQLiteAuditStore
    var work: String { dir + "/work" }

    init() async throws {
        dir = NSTemporaryDirectory() + "/plumb-bench-rollout-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/work/app", withIntermediateDirectories: true)
        cluster = LocalCluster(options: .init(port: 0, tls: true, workloadDelay: .milliseconds(50)))
        _ = try await cluster.start()
        try await cluster.writeKubeconfig(to: dir + "/kubeconfig")
        client = try KubeClient(
            config: ClientConfig.load(
                flags: KubeconfigFlags(kubeconfig: dir + "/kubeconfig"), environment: [:], home: dir))
        audit = try SQLiteAuditStore(path: dir + "/audit.db")
        for file in [
            "charts/plumb/crds/rolloutstrategies.plumb.dev.yaml", "charts/plumb/crds/rolloutanalyses.plumb.dev.yaml",
            "fixtures/crds/gateway-api/httproutes.yaml",
        ] {
            let path = repositoryRoot.appendingPathComponent(file).path
            for doc in try YAML.parseDocuments(try String(contentsOfFile: path, encoding: .utf8), file: path)
            where !doc.value.isNull {
                let crd = try await client.apply(doc.value)
                let group = crd[path: ["spec", "group"]]?.stringValue ?? ""
                let kind = crd[path: ["spec", "names", "kind"]]?.stringValue ?? ""
                let version = crd[path: ["spec", "versions"]]?.arrayValue?.first?["name"]?.stringValue ?? ""
                for _ in 0..<500 {
                    if (try? await client.list(apiVersion: "\(group)/\(version)", kind: kind, namespace: "default"))
                        != nil
                    {
                        break
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
        }
        try await client.applyDiscardingResult(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "shop"]])
        try git(["init", "-q", "-b", "main"], in: work)
    }

    func commit(_ files: [String: String]) throws {
        for (path, text) in files { try text.write(toFile: work + "/" + path, atomically: true, encoding: .utf8) }
        try git(["add", "-A"], in: work)
        try git(
            ["-c", "user.name=Bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "change"], in: work)
    }

    func sync(_ rollouts: RolloutRunner?) async throws -> AuditedSync.Outcome {
        let repository = try GitRepository.open(path: work)
        let loaded = try LoadedSource.load(repository, revision: "HEAD", options: ManifestOptions(path: "app"))
        let target = KubernetesTarget(client: client)
        let desired = try await target.resolvingNamespaces(loaded.desired)
        let plan = try await Planner(app: "shop").plan(desired: desired, target: target, pruneCandidates: false)
        var sync = AuditedSync(store: audit, app: "shop", targetName: "kube:bench", repo: work, auditOptions: [:])
        sync.rollouts = rollouts
        var options = SyncOptions()
        options.wait = true
        options.timeout = .seconds(120)
        options.pollInterval = .milliseconds(50)
        return try await sync.run(plan, source: loaded, target: target, options: options)
    }

    func runner(analyzer: (any StepAnalyzer)? = nil) -> RolloutRunner {
        var r = RolloutRunner(client: client, analyzer: analyzer)
        r.pollInterval = .milliseconds(50)
        r.holdPauses = false
        return r
    }

    func stop() async {
        await cluster.stop()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

private func deployment(_ image: String) -> String {
    """
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, namespace: shop, labels: {app: web}}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: web, image: "\(image)"}]}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec: {selector: {app: web}, ports: [{port: 80}]}

    """
}

private func strategy(_ steps: [String], routing: String = "") -> String {
    """
    apiVersion: plumb.dev/v1alpha1
    kind: RolloutStrategy
    metadata: {name: web, namespace: shop}
    spec:
      targetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
      strategy:
        canary:
    \(routing)      steps:

    """ + steps.map { "        - \($0)\n" }.joined()
}

/// When the first failed measurement was taken.
private final class FailTime: Sendable {
    let at = Mutex<ContinuousClock.Instant?>(nil)
}

/// Records when the deciding failed measurement was taken.
private struct TimedAnalyzer: StepAnalyzer {
    let inner: AnalysisRun
    let failedAt: FailTime

    func analyze(
        _ templates: [RolloutAnalysisTemplate], args: [String: String],
        measured: @escaping @Sendable (PlumbRollout.Measurement) -> Void
    ) async -> StepAnalysisResult {
        let failedAt = self.failedAt
        return await inner.analyze(templates, args: args) { m in
            if m.phase == .failed { failedAt.at.withLock { if $0 == nil { $0 = .now } } }
            measured(m)
        }
    }
}

/// Whether something accepts connections on 127.0.0.1:`port`.
private func accepts(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
        }
    }
}

func runRolloutBenchmark() async throws {
    print("rollout: progressive delivery inside the audited sync (local cluster, release build)")
    try await measureRollbackLatency()
    try await measureCanaryOverhead()
}

/// Failing measurement → HTTPRoute weight back on stable, with the analysis interval beside it.
private func measureRollbackLatency() async throws {
    let bench = try await RolloutBench()
    let web = NSTemporaryDirectory() + "/plumb-bench-web-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: web, withIntermediateDirectories: true)
    try #"{"successRate": 0.5}"#.write(toFile: web + "/rate.json", atomically: true, encoding: .utf8)
    let port = try freePort()
    let server = Process()
    server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
    server.arguments = ["-m", "http.server", "--bind", "127.0.0.1", "--directory", web, String(port)]
    server.standardOutput = FileHandle.nullDevice
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer {
        server.terminate()
        try? FileManager.default.removeItem(atPath: web)
    }
    let interval = 5
    let analysis = """
        apiVersion: plumb.dev/v1alpha1
        kind: RolloutAnalysis
        metadata: {name: success-rate, namespace: shop}
        spec:
          metrics:
            - name: success-rate
              interval: \(interval)s
              count: 3
              thresholdRange: {min: 0.95}
              provider:
                web: {url: "http://127.0.0.1:\(port)/rate.json", jsonPath: "{$.successRate}"}

        """
    let route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: shop}
        spec:
          parentRefs: [{name: public}]
          rules: [{backendRefs: [{name: web-stable, port: 80}]}]

        """
    let services = """
        apiVersion: v1
        kind: Service
        metadata: {name: web-stable, namespace: shop}
        spec: {selector: {app: web}, ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web-canary, namespace: shop}
        spec: {selector: {app: web}, ports: [{port: 80}]}

        """
    let routing =
        "      stableService: web-stable\n      canaryService: web-canary\n      trafficRouting: {gatewayAPI: {httpRoute: web}}\n"
    let steps = ["setWeight: 20", "analysis: {templates: [{templateName: success-rate}]}", "setWeight: 100"]
    for _ in 0..<100 where !accepts(port) { try await Task.sleep(for: .milliseconds(50)) }
    try bench.commit([
        "app/web.yaml": deployment("nginx:1.25"), "app/route.yaml": route, "app/services.yaml": services,
        "app/rollout.yaml": strategy(steps, routing: routing), "app/analysis.yaml": analysis,
    ])
    _ = try await bench.sync(bench.runner())

    let routeRef = ObjectRef(
        apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "shop", name: "web")
    let failedAt = FailTime()
    let analyzer = TimedAnalyzer(
        inner: AnalysisRun.standard(client: bench.client, namespace: "shop"), failedAt: failedAt)
    try bench.commit(["app/web.yaml": deployment("nginx:1.26")])
    // Samples the canary's weight in the HTTPRoute until the sync returns.
    let client = bench.client
    let done = Atomic<Bool>(false)
    let watcher = Task { () -> (sawCanary: Bool, stableAt: ContinuousClock.Instant?) in
        var sawCanary = false
        var stableAt: ContinuousClock.Instant?
        while !done.load(ordering: .relaxed) {
            if let r = try? await client.get(routeRef) {
                let refs = r[path: ["spec", "rules"]]?.arrayValue?.first?["backendRefs"]?.arrayValue ?? []
                let canary = refs.first { $0["name"]?.stringValue == "web-canary" }?["weight"]?.intValue ?? 0
                if canary > 0 { sawCanary = true } else if sawCanary, stableAt == nil { stableAt = .now }
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return (sawCanary, stableAt)
    }
    let start = ContinuousClock.now
    let outcome = try await bench.sync(bench.runner(analyzer: analyzer))
    let returned = ContinuousClock.now
    done.store(true, ordering: .relaxed)
    let seen = await watcher.value
    await bench.stop()
    guard !outcome.result.succeeded, let failed = failedAt.at.withLock({ $0 }), seen.sawCanary,
        let stable = seen.stableAt
    else {
        throw BenchmarkError("the failing canary was not rolled back as expected (sawCanary \(seen.sawCanary))")
    }
    print(
        String(
            format:
                "  rollback: failing measurement → HTTPRoute all on stable %.0f ms, → sync returned (canary removed) %.0f ms; target < interval %ds + 5 s (whole sync %.1f s)",
            seconds(stable - failed) * 1000, seconds(returned - failed) * 1000, interval, seconds(returned - start)))
    print("    error: \(outcome.result.failures.first?.error ?? "-")")
}

/// A template change synced plainly against the same change through a canary of five steps
/// with zero-length pauses (replica-ratio router), median of three changes each.
private func measureCanaryOverhead() async throws {
    func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    var plain: [Double] = []
    do {
        let bench = try await RolloutBench()
        try bench.commit(["app/web.yaml": deployment("nginx:1.0")])
        _ = try await bench.sync(nil)
        for i in 1...3 {
            try bench.commit(["app/web.yaml": deployment("nginx:1.\(i)")])
            let (outcome, t) = try await time { try await bench.sync(nil) }
            guard outcome.result.succeeded else {
                throw BenchmarkError("plain sync failed: \(outcome.result.failures)")
            }
            plain.append(t)
        }
        await bench.stop()
    }
    var canary: [Double] = []
    do {
        let bench = try await RolloutBench()
        let steps = [
            "setWeight: 20", "pause: {duration: 0s}", "setWeight: 50", "pause: {duration: 0s}", "setWeight: 100",
        ]
        try bench.commit(["app/web.yaml": deployment("nginx:1.0"), "app/rollout.yaml": strategy(steps)])
        _ = try await bench.sync(bench.runner())
        for i in 1...3 {
            try bench.commit(["app/web.yaml": deployment("nginx:1.\(i)")])
            let (outcome, t) = try await time { try await bench.sync(bench.runner()) }
            guard outcome.result.succeeded else {
                throw BenchmarkError("canary sync failed: \(outcome.result.failures)")
            }
            canary.append(t)
        }
        await bench.stop()
    }
    print(
        String(
            format:
                "  overhead: plain sync of a template change %.2f s, canary (setWeight 20/50/100, two 0 s pauses) %.2f s: %.1fx, +%.2f s (median of 3; simulated workloads ready after 50 ms)",
            median(plain), median(canary), median(canary) / median(plain), median(canary) - median(plain)))
}
