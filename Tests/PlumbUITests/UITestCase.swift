import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import PlumbLocalCluster
import PlumbTesting
import PlumbUI
import XCTest

/// A local cluster with the Application CRD, three users besides the admin (ada may read
/// Applications in team-a, lin may also patch them, eve may do nothing), an audit database,
/// and the dashboard served in process.
class UITestCase: XCTestCase {
    var tmp: TempDir!
    var cluster: LocalCluster!
    var client: KubeClient!
    var audit: SQLiteAuditStore!
    var servers: [Task<Void, any Error>] = []
    var kubeconfig: String { tmp.sub("kubeconfig") }
    let namespace = "team-a"
    static let tokens = ["ada": "ada-token-4f1c0e", "lin": "lin-token-9b27d3", "eve": "eve-token-77a0c1"]
    var expiringToken = ""
    var expiringTokenEnd = Date()
    var expiredToken = ""

    /// A token shaped as a JWT with this `exp` (the signature is the API server's business).
    static func jwt(exp: Date) -> String {
        func part(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return part(#"{"alg":"RS256","typ":"JWT"}"#) + "."
            + part(#"{"iss":"https://kubernetes.default.svc","sub":"system:serviceaccount:team-a:ada","exp":\#(Int(exp.timeIntervalSince1970))}"#)
            + ".c2lnbmF0dXJl"
    }

    override func setUp() async throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "kubectl is not installed")
        tmp = try TempDir("plumbui")
        var options = LocalCluster.Options(port: 0, tls: true, workloadDelay: .milliseconds(50))
        for (name, token) in Self.tokens {
            options.users[token] = ClusterUser(name: name, groups: ["system:authenticated"])
        }
        // ada also has JWT-shaped tokens (as a TokenRequest or an OIDC provider issues): one
        // expiring 10 s from now, one expired.
        expiringTokenEnd = Date().addingTimeInterval(10)
        expiringToken = Self.jwt(exp: expiringTokenEnd)
        expiredToken = Self.jwt(exp: Date().addingTimeInterval(-60))
        for token in [expiringToken, expiredToken] {
            options.users[token] = ClusterUser(name: "ada", groups: ["system:authenticated"])
        }
        cluster = LocalCluster(options: options)
        _ = try await cluster.start()
        try await cluster.writeKubeconfig(to: kubeconfig)
        client = try KubeClient(config: ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig)))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try kubectl(["apply", "--server-side", "-f", root.appendingPathComponent("charts/plumb/crds/applications.plumb.dev.yaml").path])
        try kubectl(["wait", "--for=condition=Established", "--timeout=10s", "crd/applications.plumb.dev"])
        try kubectl(["create", "namespace", namespace])
        try kubectl(["apply", "-f", "-"], stdin: Self.rbac(namespace))
        audit = try SQLiteAuditStore(path: tmp.sub("audit.db"))
    }

    override func tearDown() async throws {
        for server in servers { server.cancel() }
        for server in servers { _ = try? await server.value }
        servers = []
        client = nil
        await cluster?.stop()
        tmp = nil
    }

    /// ada reads Applications in the namespace; lin reads and patches them everywhere.
    static func rbac(_ namespace: String) -> String {
        """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: app-reader, namespace: \(namespace)}
        rules:
        - {apiGroups: [plumb.dev], resources: [applications], verbs: [get, list, watch]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: ada-reads, namespace: \(namespace)}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: app-reader}
        subjects:
        - {apiGroup: rbac.authorization.k8s.io, kind: User, name: ada}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: app-operator}
        rules:
        - {apiGroups: [plumb.dev], resources: [applications], verbs: [get, list, watch, patch]}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: lin-operates}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: app-operator}
        subjects:
        - {apiGroup: rbac.authorization.k8s.io, kind: User, name: lin}
        """
    }

    // MARK: the dashboard

    /// Serves a dashboard on a free port of 127.0.0.1; returns the port.
    func serve(_ access: Dashboard.Access, diff: ApplicationDiff? = nil) async throws -> Int {
        let dashboard = Dashboard(client: client, audit: audit, diff: diff, access: access, pollInterval: .milliseconds(200))
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        servers.append(Task { try await dashboard.serve(host: "127.0.0.1", port: 0) { continuation.yield($0) } })
        for await port in stream { return port }
        throw TestFailure("the dashboard did not start")
    }

    struct HTTPResult {
        var status: Int
        var headers: [(String, String)]
        var body: String
        func header(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    }

    /// A request with the real `curl`, cookies kept in `jar` (a file under the temp dir).
    func http(
        _ port: Int, _ path: String, method: String = "GET", form: [String: String]? = nil, jar: String = "jar",
        maxTime: Int = 20, host: String? = nil, cookie: String? = nil
    ) throws -> HTTPResult {
        var args = ["-sS", "-i", "--max-time", String(maxTime), "-b", tmp.sub(jar), "-c", tmp.sub(jar), "-X", method]
        if let host { args += ["-H", "Host: \(host)"] }
        // A Set-Cookie value sent back as it is, whatever the jar thinks of its Max-Age.
        if let cookie, let pair = cookie.split(separator: ";").first { args += ["-H", "Cookie: \(pair)"] }
        if let form {
            for (k, v) in form.sorted(by: { $0.key < $1.key }) { args += ["--data-urlencode", "\(k)=\(v)"] }
        }
        args.append("http://127.0.0.1:\(port)\(path)")
        let r = try runTool("/usr/bin/curl", args, check: false)
        // curl exits 28 when --max-time ends a stream; what came until then counts.
        guard r.status == 0 || r.status == 28 else { throw TestFailure("curl \(path): \(r.stderr)") }
        return Self.parse(r.stdout)
    }

    static func parse(_ raw: String) -> HTTPResult {
        let parts = raw.components(separatedBy: "\r\n\r\n")
        let head = parts.first ?? ""
        let body = parts.dropFirst().joined(separator: "\r\n\r\n")
        let lines = head.components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return HTTPResult(status: status, headers: headers, body: body)
    }

    /// The CSRF token of the first form of a page.
    static func csrf(_ page: String) -> String? {
        guard let range = page.range(of: #"name="csrf" value=""#) else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Logs `user` in (controller dashboard); the session cookie lands in `jar`.
    @discardableResult
    func login(_ port: Int, token: String, jar: String) throws -> HTTPResult {
        let page = try http(port, "/ui/login", jar: jar)
        guard let csrf = Self.csrf(page.body) else { throw TestFailure("no CSRF token on the login page") }
        return try http(port, "/ui/login", method: "POST", form: ["csrf": csrf, "token": token], jar: jar)
    }

    // MARK: cluster objects

    /// An Application (kubectl) with the status a controller would have written.
    func makeApp(_ name: String, sync: String, health: String, revision: String, resources: [ApplicationStatus.ResourceStatus] = [], suspend: Bool = false) async throws {
        let yaml = """
            apiVersion: plumb.dev/v1alpha1
            kind: Application
            metadata: {name: \(name), namespace: \(namespace)}
            spec:
              source: {repoURL: "https://git.example/acme/deploy.git", path: apps/\(name)}
              destination: {namespace: \(namespace)}
              syncPolicy: {automated: true}
              suspend: \(suspend)
            """
        try kubectl(["apply", "--server-side", "-f", "-"], stdin: yaml)
        var status = ApplicationStatus()
        status.observedGeneration = 1
        status.syncStatus = ApplicationStatus.SyncState(rawValue: sync) ?? .unknown
        status.syncRevision = revision
        status.health = HealthStatus.State(rawValue: health) ?? .unknown
        status.resources = resources
        let synced = sync == "Synced"
        status.set(
            Condition(
                type: Condition.ready, status: synced ? .true : .false, observedGeneration: 1,
                reason: synced ? "Succeeded" : "OutOfSync",
                message: synced ? "Applied revision main@sha1:\(revision)" : "1 change to apply"))
        _ = try await client.patch(
            ObjectRef(apiVersion: PlumbController.Application.apiVersion, kind: "Application", namespace: namespace, name: name),
            .merge(["status": status.value]), subresource: "status")
    }

    /// A completed audit record of `app` (namespace/name) at `revision`.
    @discardableResult
    func record(_ app: String, revision: String, message: String, author: String = "Ada Lovelace <ada@acme.dev>") throws -> Int64 {
        let id = try audit.begin(
            AuditRecord(
                app: "\(namespace)/\(app)", target: "kube:test", repo: "https://git.example/acme/deploy.git",
                revision: revision, author: author, committer: author, message: message, signature: .absent,
                previousRevision: nil, initiator: "controller"))
        try audit.complete(
            id, result: .synced, endedAt: .now(),
            objects: [AuditObjectEntry(ref: ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: app), action: .configured, changedPaths: ["spec.replicas"])],
            error: nil)
        return id
    }

    @discardableResult
    func kubectl(_ args: [String], stdin: String? = nil) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = tmp.path
        env["KUBECACHEDIR"] = tmp.sub("kubecache")
        let r = try runTool(
            "/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + args, env: env, input: stdin.map { Array($0.utf8) }, check: false)
        guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")): \(r.stderr)") }
        return r.stdout
    }

    /// Polls `check` every 50 ms until it holds, at most `timeout` seconds.
    func eventually(_ what: String, timeout: Double = 15, _ check: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await check() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("not within \(timeout)s: \(what)")
    }
}
