import Foundation
import PlumbTesting
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbGit
import PlumbKube
import PlumbLocalCluster
import Synchronization
import XCTest

/// Counts the API server's answers by method (the judge of "no API write, no per-object read").
final class RequestCounter: Sendable {
    private let state = Mutex<[String]>([])
    var observer: @Sendable (KubeRequest, Int) -> Void { { [self] request, _ in state.withLock { $0.append("\(request.method) \(request.path)") } } }
    var all: [String] { state.withLock { $0 } }
    func reset() { state.withLock { $0 = [] } }
}

final class ControllerHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ApplicationController?
    var controller: ApplicationController? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// A local cluster with the Application CRD, a Git repository served by a real `git daemon`
/// on 127.0.0.1, an audit database, and a controller run in process.
class ControllerTestCase: XCTestCase {
    var tmp: TempDir!
    var cluster: LocalCluster!
    var endpoint: LocalCluster.Endpoint!
    var client: KubeClient!
    let requests = RequestCounter()
    var daemon: Server?
    var url = ""
    var audit: SQLiteAuditStore!
    var controller: ApplicationController?
    /// Breaks the controller -> objects -> holder cycle at teardown, so the client is freed.
    var holders: [ControllerHolder] = []
    var controllerTask: Task<Void, any Error>?
    var work: String { tmp.sub("work") }
    var kubeconfig: String { tmp.sub("kubeconfig") }
    let namespace = "team-a"
    /// How long the local cluster's Deployments take to become available.
    var workloadDelay: Duration { .milliseconds(50) }

    override func setUp() async throws {
        tmp = try TempDir("plumbctl")
        cluster = LocalCluster(options: .init(port: 0, tls: true, workloadDelay: workloadDelay))
        endpoint = try await cluster.start()
        try await cluster.writeKubeconfig(to: kubeconfig)
        var options = KubeClientOptions()
        options.onResponse = requests.observer
        options.unreachableTimeout = .seconds(5)
        client = try KubeClient(config: ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig)), options: options)
        try installCRD()
        try kubectlOK(["create", "namespace", namespace])
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try git(["init", "-q"], in: work)
        try write(work + "/apps/web/cm.yaml", configMap("web", ["color": "blue"]))
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", "web: blue"], in: work)
        let root = tmp.sub("served")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try git(["clone", "-q", "--bare", work, root + "/repo.git"], in: tmp.path)
        let port = try freePort()
        // git-daemon itself, not `git daemon`: the `git` wrapper runs it as a child, and a
        // signal to the wrapper would leave the daemon serving.
        let direct = FileManager.default.isExecutableFile(atPath: "/usr/lib/git-core/git-daemon")
        daemon = try Server(
            direct ? "/usr/lib/git-core/git-daemon" : "/usr/bin/git",
            (direct ? [] : ["daemon"]) + ["--verbose", "--export-all", "--base-path=\(root)", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", root],
            log: tmp.sub("daemon.log"))
        try waitForPort(port, server: daemon)
        url = "git://127.0.0.1:\(port)/repo.git"
        audit = try SQLiteAuditStore(path: tmp.sub("audit.db"))
    }

    override func tearDown() async throws {
        await stopController()
        // git-daemon takes 2 s to act on SIGTERM; nothing of it is needed any more.
        if let daemon, daemon.isRunning { kill(daemon.pid, SIGKILL) }
        daemon?.stop()
        // The client's connections closed first, the cluster stops without waiting for them.
        client = nil
        await cluster?.stop()
        tmp = nil
    }

    /// The CRD the chart installs (charts/plumb/crds), applied with kubectl.
    func installCRD() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let crd = root.appendingPathComponent("charts/plumb/crds/applications.plumb.dev.yaml").path
        try kubectlOK(["apply", "--server-side", "-f", crd])
        try kubectlOK(["wait", "--for=condition=Established", "--timeout=10s", "crd/applications.plumb.dev"])
    }

    // MARK: Git

    func configMap(_ name: String, _ data: [String: String], wave: Int? = nil) -> String {
        var text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n"
        if let wave { text += "  annotations:\n    plumb.dev/sync-wave: \"\(wave)\"\n" }
        text += "data:\n" + data.sorted { $0.key < $1.key }.map { "  \($0.key): \"\($0.value)\"\n" }.joined()
        return text
    }

    /// Commits `files` (path: text; nil removes) and pushes to the served repository; returns the SHA.
    @discardableResult
    func commit(_ files: [String: String?], message: String = "change") throws -> String {
        for (path, text) in files {
            if let text { try write(work + "/" + path, text) } else { try FileManager.default.removeItem(atPath: work + "/" + path) }
        }
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", message], in: work)
        try git(["push", "-q", tmp.sub("served/repo.git"), "main"], in: work)
        return try git(["rev-parse", "HEAD"], in: work)
    }

    func head() throws -> String { try git(["rev-parse", "HEAD"], in: work) }

    /// Upload-pack requests the daemon served (one per fetch or clone).
    var fetchesServed: Int {
        daemon?.output.components(separatedBy: "\n").filter { $0.contains("Request upload-pack") }.count ?? 0
    }

    // MARK: Controller

    func makeReconciler(holder: ControllerHolder, namespace: String? = nil) -> Reconciler {
        holders.append(holder)
        let git = GitSources(cacheDirectory: tmp.sub("cache"))
        let objects = ManagedObjects(client: client, namespace: namespace) { holder.controller?.managedObjectChanged($0) }
        var settings = Reconciler.Settings(
            git: GitSourceOptions(cacheDirectory: tmp.sub("cache"), lockTimeout: .seconds(20), environment: [:]),
            scratchDirectory: tmp.sub("scratch"), targetName: "kube:test")
        settings.cacheSyncTimeout = .seconds(5)
        return Reconciler(client: client, git: git, objects: objects, audit: audit, settings: settings)
    }

    @discardableResult
    func startController(concurrency: Int = 4) -> ApplicationController {
        let holder = ControllerHolder()
        let c = ApplicationController(client: client, reconciler: makeReconciler(holder: holder), concurrency: concurrency)
        holder.controller = c
        controller = c
        controllerTask = Task { try await c.run() }
        return c
    }

    func stopController() async {
        controller?.shutDown()
        _ = try? await controllerTask?.value
        controller = nil
        controllerTask = nil
        for holder in holders { holder.controller = nil }
        holders = []
    }

    /// Creates or updates an Application with kubectl.
    func applyApplication(
        _ name: String, path: String = "apps/web", interval: String = "1s", automated: Bool = true, prune: Bool = false,
        selfHeal: Bool = false, suspend: Bool = false, wait: Bool = false, extra: String = ""
    ) throws {
        let yaml = """
            apiVersion: plumb.dev/v1alpha1
            kind: Application
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
              source:
                repoURL: \(url)
                path: \(path)
              destination:
                namespace: \(namespace)
              interval: \(interval)
              syncPolicy:
                automated: \(automated)
                prune: \(prune)
                selfHeal: \(selfHeal)
                retry:
                  limit: 3
                  backoff: 100ms
              suspend: \(suspend)
              wait: \(wait)
            \(extra)
            """
        try kubectlOK(["apply", "--server-side", "--field-manager=test", "-f", "-"], stdin: yaml)
    }

    func application(_ name: String) async throws -> Application {
        let ref = ObjectRef(apiVersion: Application.apiVersion, kind: Application.kind, namespace: namespace, name: name)
        guard let app = Application(try await client.get(ref)) else { throw TestFailure("application \(name) has no name") }
        return app
    }

    func configMapData(_ name: String) async -> [String: String]? {
        let ref = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: name)
        guard let cm = try? await client.get(ref) else { return nil }
        var out: [String: String] = [:]
        for e in cm["data"]?.objectValue ?? ValueObject() { out[e.key] = e.value.stringValue }
        return out
    }

    /// Polls `check` every 25 ms until it holds, at most `timeout` seconds.
    func eventually(_ what: String, timeout: Double = 15, file: StaticString = #filePath, line: UInt = #line, _ check: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        XCTFail("not within \(timeout)s: \(what)", file: file, line: line)
        throw TestFailure("timed out: \(what)")
    }

    // MARK: kubectl

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func kubectl(_ args: [String], stdin: String? = nil) throws -> Run {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "kubectl is not installed")
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = tmp.path
        env["KUBECACHEDIR"] = tmp.sub("kubecache")
        let r = try runTool("/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + args, env: env, input: stdin.map { Array($0.utf8) }, check: false)
        return Run(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    @discardableResult
    func kubectlOK(_ args: [String], stdin: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try kubectl(args, stdin: stdin)
        guard r.status == 0 else {
            XCTFail("kubectl \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
            throw TestFailure("kubectl failed: \(r.stderr)")
        }
        return r.stdout
    }

    /// `kubectl get -o json` of an object, parsed.
    func kubectlGet(_ args: [String]) throws -> Value {
        try JSONReader().parse(try kubectlOK(["get"] + args + ["-o", "json"]))
    }
}
