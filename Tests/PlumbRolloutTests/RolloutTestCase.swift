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
import PlumbTesting
import Synchronization
import XCTest

/// Progress lines a rollout printed, collected for assertions.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
    var text: String { all.joined() }
}

/// A local cluster with the rollout CRDs, a namespace `shop`, a Git work tree whose `app`
/// directory is synced through the audited sync (as `plumb sync` and the controller do),
/// and an audit store.
class RolloutTestCase: XCTestCase {
    var tmp: TempDir!
    var cluster: LocalCluster!
    var client: KubeClient!
    var audit: SQLiteAuditStore!
    var work: String { tmp.sub("work") }
    var kubeconfig: String { tmp.sub("kubeconfig") }
    let namespace = "shop"

    override func setUp() async throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "kubectl is not installed")
        tmp = try TempDir("plumbrollout")
        cluster = LocalCluster(options: .init(port: 0, tls: true, workloadDelay: .milliseconds(50)))
        try await cluster.start()
        try await cluster.writeKubeconfig(to: kubeconfig)
        for name in ["rolloutstrategies.plumb.dev", "rolloutanalyses.plumb.dev"] {
            try kubectlOK(["apply", "--server-side", "-f", Self.chart + "/crds/\(name).yaml"])
            try kubectlOK(["wait", "--for=condition=Established", "--timeout=10s", "crd/\(name)"])
        }
        try kubectlOK(["create", "namespace", namespace])
        var options = KubeClientOptions()
        options.unreachableTimeout = .seconds(5)
        client = try KubeClient(config: ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig)), options: options)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"], in: work)
        audit = try SQLiteAuditStore(path: tmp.sub("audit.db"))
    }

    override func tearDown() async throws {
        client = nil
        await cluster?.stop()
        tmp = nil
    }

    static var chart: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("charts/plumb").path
    }

    // MARK: kubectl

    @discardableResult
    func kubectlOK(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = tmp.path
        env["KUBECACHEDIR"] = tmp.sub("kubecache")
        let r = try runTool("/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + args, env: env, check: false)
        guard r.status == 0 else {
            XCTFail("kubectl \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
            throw TestFailure("kubectl failed: \(r.stderr)")
        }
        return r.stdout
    }

    // MARK: Git

    /// A Deployment `web` of `replicas` running `image`, and the Service selecting it.
    func deployment(image: String, replicas: Int = 5, labels: [String: String] = [:]) -> String {
        var extra = ""
        for (k, v) in labels.sorted(by: { $0.key < $1.key }) { extra += "    \(k): \(v)\n" }
        return """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              labels:
                app: web
            \(extra)spec:
              replicas: \(replicas)
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  containers:
                    - name: web
                      image: \(image)
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: shop
            spec:
              selector:
                app: web
              ports:
                - port: 80

            """
    }

    /// A RolloutStrategy of `web` with these steps (YAML list items, indented by 8).
    func strategy(_ steps: [String]) -> String {
        """
        apiVersion: plumb.dev/v1alpha1
        kind: RolloutStrategy
        metadata:
          name: web
          namespace: shop
        spec:
          targetRef:
            apiVersion: apps/v1
            kind: Deployment
            name: web
          strategy:
            canary:
              steps:

        """ + steps.map { "        - \($0)\n" }.joined()
    }

    @discardableResult
    func commit(_ files: [String: String?], message: String = "change") throws -> String {
        for (path, text) in files {
            if let text { try write(work + "/" + path, text) } else { try FileManager.default.removeItem(atPath: work + "/" + path) }
        }
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", message], in: work)
        return try git(["rev-parse", "HEAD"], in: work).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: Sync

    /// A runner with the standard analysis providers (web, Prometheus, job) and fast polling.
    func runner(holdPauses: Bool = true, lines: Lines? = nil) -> RolloutRunner {
        var r = RolloutRunner(client: client)
        r.pollInterval = .milliseconds(50)
        r.holdPauses = holdPauses
        if let lines { r.progress = { lines.append($0) } }
        return r
    }

    /// Loads HEAD's `app` directory and syncs it through the audited sync with `rollouts`.
    func sync(_ rollouts: RolloutRunner?, timeout: Duration = .seconds(30)) async throws -> AuditedSync.Outcome {
        try await syncer.run(rollouts, timeout: timeout)
    }

    var syncer: Syncer { Syncer(client: client, audit: audit, work: work) }

    /// What `plumb diff` shows of HEAD: the plan with rollouts under way left out, and the notes.
    func diffView() async throws -> (plan: Plan, notes: [String]) {
        let loaded = try LoadedSource.load(try GitRepository.open(path: work), revision: "HEAD", options: ManifestOptions(path: "app"))
        let target = KubernetesTarget(client: client)
        let desired = try await target.resolvingNamespaces(loaded.desired)
        let plan = try await Planner(app: "shop").plan(desired: desired, target: target, pruneCandidates: false)
        return await RolloutRunner(client: client).diffView(plan, revision: loaded.commit.id.hex, target: target)
    }

    // MARK: Cluster

    func deploymentObject(_ name: String) async throws -> Value? {
        let ref = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: name)
        do {
            return try await client.get(ref)
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }

    func replicas(_ name: String) async throws -> Int? {
        try await deploymentObject(name).map { Int($0[path: ["spec", "replicas"]]?.intValue ?? 1) }
    }

    func image(_ name: String) async throws -> String? {
        try await deploymentObject(name)?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"]?.stringValue
    }

    func rolloutState() async throws -> RolloutState? {
        let object = try await client.get(ObjectRef(apiVersion: "plumb.dev/v1alpha1", kind: "RolloutStrategy", namespace: namespace, name: "web"))
        return RolloutState(object[path: ["status", "rollout"]])
    }

    /// Samples (stable, canary) replica counts until `stop` is set; distinct pairs in order.
    func sampleReplicas(until done: @escaping @Sendable () -> Bool) -> Task<[String], Never> {
        let client = self.client!
        let ns = namespace
        return Task {
            var seen: [String] = []
            func count(_ name: String) async -> String {
                let ref = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: ns, name: name)
                guard let v = try? await client.get(ref) else { return "-" }
                return "\(v[path: ["spec", "replicas"]]?.intValue ?? 1)"
            }
            var last = false
            while !last && !Task.isCancelled {
                last = done()  // one more sample after the sync returned
                let pair = "\(await count("web"))/\(await count("web-canary"))"
                if seen.last != pair { seen.append(pair) }
                if !last { try? await Task.sleep(for: .milliseconds(20)) }
            }
            return seen
        }
    }
}

/// The sync of HEAD's `app` directory, sendable so a test can run it in a task of its own.
struct Syncer: Sendable {
    let client: KubeClient
    let audit: SQLiteAuditStore
    let work: String

    func run(_ rollouts: RolloutRunner?, timeout: Duration = .seconds(30), rollbackOnFailure: Bool = false) async throws
        -> AuditedSync.Outcome
    {
        let (plan, loaded, target) = try await plan("HEAD")
        var sync = AuditedSync(store: audit, app: "shop", targetName: "kube:test", repo: work, auditOptions: [:])
        sync.rollouts = rollouts
        if rollbackOnFailure {
            sync.rollbackOnFailure = RollbackOnFailure { revision in
                let (plan, loaded, _) = try await self.plan(revision)
                return (plan, loaded)
            }
        }
        return try await sync.run(plan, source: loaded, target: target, options: SyncOptions(wait: true, timeout: timeout))
    }

    func plan(_ revision: String) async throws -> (Plan, LoadedSource, KubernetesTarget) {
        let repository = try GitRepository.open(path: work)
        let loaded = try LoadedSource.load(repository, revision: revision, options: ManifestOptions(path: "app"))
        let target = KubernetesTarget(client: client)
        let desired = try await target.resolvingNamespaces(loaded.desired)
        return (try await Planner(app: "shop").plan(desired: desired, target: target, pruneCandidates: false), loaded, target)
    }
}
