import Foundation
import Logging
import PlumbAudit
import PlumbController
import PlumbKube
import PlumbTesting
import ServiceLifecycle
import XCTest

/// Pushes reaching a running controller (the local cluster, a real `git daemon`): which
/// Applications a push enqueues, how soon its commit is synced with a 10-minute poll interval,
/// and "latest commit wins" under bursts, retries and running syncs.
final class WebhookControllerTests: ControllerTestCase {

    func testSecretsComeFromAKubernetesSecretPerReceiverOrOneForAllAndFromAFile() async throws {
        try kubectlOK(["create", "secret", "generic", "hooks", "-n", namespace, "--from-literal=github=gh-secret", "--from-literal=secret=shared"])
        let secrets = WebhookSecrets(client: client, namespace: namespace, name: "hooks", refresh: .zero)
        let github = await secrets.secret(for: .github)
        let gitlab = await secrets.secret(for: .gitlab)
        XCTAssertEqual(github, Array("gh-secret".utf8), "the receiver's own key")
        XCTAssertEqual(gitlab, Array("shared".utf8), "the `secret` key for a receiver without its own")
        XCTAssertFalse(secrets.description.contains("shared"))
        // Rotated: read again.
        try kubectlOK(["delete", "secret", "hooks", "-n", namespace])
        try kubectlOK(["create", "secret", "generic", "hooks", "-n", namespace, "--from-literal=gitea=only-gitea"])
        let rotated = await secrets.secret(for: .gitea)
        let none = await secrets.secret(for: .bitbucket)
        XCTAssertEqual(rotated, Array("only-gitea".utf8))
        XCTAssertNil(none, "no key for bitbucket and no `secret` key: every bitbucket delivery is refused")
        let missing = WebhookSecrets(client: client, namespace: namespace, name: "absent")
        let absent = await missing.secret(for: .github)
        XCTAssertNil(absent)
        try write(tmp.sub("hook-secret"), "from-a-file\n")
        let file = await WebhookSecrets(file: tmp.sub("hook-secret")).secret(for: .generic)
        XCTAssertEqual(file, Array("from-a-file".utf8), "without the trailing newline")
    }

    func testPushEnqueuesOnlyTheApplicationsOfThePushedRepositoryAndRef() async throws {
        // Suspended: enqueued but not fetched (these forges are not reachable from a test).
        try applyApp("https-main", repoURL: "https://GitHub.com/octo-org/hello-world", revision: "main", suspend: true)
        try applyApp("scp-head", repoURL: "git@github.com:octo-org/hello-world.git", suspend: true)
        try applyApp("ssh-ref", repoURL: "ssh://git@github.com/octo-org/hello-world.git/", revision: "refs/heads/main", suspend: true)
        try applyApp("other-branch", repoURL: "https://github.com/octo-org/hello-world.git", revision: "develop", suspend: true)
        try applyApp("other-repo", repoURL: "https://github.com/octo-org/hello-world-2.git", revision: "main", suspend: true)
        try applyApp("other-host", repoURL: "https://gitlab.com/octo-org/hello-world.git", revision: "main", suspend: true)
        let controller = startController()
        try await eventually("the Application cache is synced") { await controller.readiness() == .ready }
        let (http, group) = try await serveWebhooks(controller)
        defer { Task { await group.triggerGracefulShutdown() } }
        let body = try WebhookReceiverTests.fixture("github-push.json")
        let response = try await http.send(
            KubeRequest(
                method: "POST", path: "/hooks/github",
                headers: [HTTPHeader("X-GitHub-Event", "push"), HTTPHeader("X-Hub-Signature-256", WebhookReceiver.signature(body, secret: Array(secret.utf8)))],
                body: body))
        let text = String(decoding: response.body, as: UTF8.self)
        XCTAssertEqual(response.status, 200, text)
        XCTAssertTrue(text.hasSuffix("3 Applications enqueued\n  team-a/https-main\n  team-a/scp-head\n  team-a/ssh-ref\n"), text)
        // Wrongly signed: 401, nothing enqueued.
        let refused = try await http.send(
            KubeRequest(
                method: "POST", path: "/hooks/github",
                headers: [HTTPHeader("X-GitHub-Event", "push"), HTTPHeader("X-Hub-Signature-256", WebhookReceiver.signature(body, secret: Array("x".utf8)))],
                body: body))
        XCTAssertEqual(refused.status, 401)
        XCTAssertFalse(String(decoding: refused.body, as: UTF8.self).contains("enqueued"))
    }

    func testPushedCommitIsSyncedLongBeforeThePollInterval() async throws {
        try applyApp("web", repoURL: url, interval: "10m")
        let controller = startController()
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        let (http, group) = try await serveWebhooks(controller)
        defer { Task { await group.triggerGracefulShutdown() } }
        let green = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        let pushed = Date()
        let (status, text) = try await notify(http, commit: green)
        XCTAssertEqual(status, 200, text)
        XCTAssertTrue(text.contains("1 Application enqueued\n  team-a/web\n"), text)
        try await eventually("the pushed commit is synced", timeout: 10) { await configMapData("web")?["color"] == "green" }
        let took = Date().timeIntervalSince(pushed)
        XCTAssertLessThan(took, 5, "the poll interval is 10 minutes: only the webhook can have done it")
        try await eventually("status at the pushed commit") { try await application("web").status.lastSyncedRevision == green }
        // Without the webhook, a new commit is not seen before the interval.
        try commit(["apps/web/cm.yaml": configMap("web", ["color": "red"])])
        try await Task.sleep(for: .seconds(2))
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "green")
    }

    func testBurstOfPushesFetchesOnceAndSyncsTheNewestCommitOnce() async throws {
        try applyApp("web", repoURL: url, interval: "10m")
        let controller = startController()
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        try await eventually("status written") { try await application("web").status.lastSyncedRevision != nil }
        let (http, group) = try await serveWebhooks(controller)
        defer { Task { await group.triggerGracefulShutdown() } }
        var commits: [String] = []
        for i in 1...20 { commits.append(try commit(["apps/web/cm.yaml": configMap("web", ["color": "c\(i)"])], message: "c\(i)")) }
        let fetchesBefore = fetchesServed
        let syncsBefore = try syncs("web").count
        // 20 webhooks within a second, in the order the forge sends them.
        let started = Date()
        let (url, secret) = (self.url, self.secret)
        try await withThrowingTaskGroup(of: Int.self) { tasks in
            for sha in commits {
                tasks.addTask { try await Self.notify(http, url: url, secret: secret, commit: sha).0 }
                try await Task.sleep(for: .milliseconds(20))
            }
            for try await status in tasks { XCTAssertEqual(status, 200) }
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
        try await eventually("the newest commit is synced", timeout: 10) { await configMapData("web")?["color"] == "c20" }
        try await eventually("status at the newest commit") { try await application("web").status.lastSyncedRevision == commits.last }
        try await Task.sleep(for: .seconds(1))
        let records = try syncs("web").dropLast(syncsBefore)
        XCTAssertEqual(records.map(\.revision), [commits.last!], "one sync, of the newest commit: \(records.map { "\($0.revision.prefix(7)) \($0.result)" })")
        XCTAssertEqual(fetchesServed - fetchesBefore, 1, "one fetch for the burst")
    }

    func testNewerCommitEndsTheRetriesOfAFailingOne() async throws {
        // A failing commit retried with a long backoff (1 minute, doubling).
        try applyApp("web", repoURL: url, interval: "10m", backoff: "1m")
        let controller = startController()
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        let (http, group) = try await serveWebhooks(controller)
        defer { Task { await group.triggerGracefulShutdown() } }
        let bad = try commit([
            "apps/web/cm.yaml": configMap("web", ["color": "green"]),
            "apps/web/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
        ])
        _ = try await notify(http, commit: bad)
        try await eventually("the bad commit failed") {
            let s = try await application("web").status
            return s.lastAttemptedRevision == bad && s.condition("Ready")?.status == .false
        }
        let good = try commit(["apps/web/bad.yaml": nil, "apps/web/cm.yaml": configMap("web", ["color": "purple"])])
        let pushed = Date()
        _ = try await notify(http, commit: good)
        try await eventually("the newer commit is synced at once", timeout: 10) { await configMapData("web")?["color"] == "purple" }
        XCTAssertLessThan(Date().timeIntervalSince(pushed), 5, "not after the 1-minute backoff")
        try await eventually("Ready at the newer commit") {
            let s = try await application("web").status
            return s.lastSyncedRevision == good && s.condition("Ready")?.status == .true
        }
        let failed = try syncs("web").filter { $0.revision == bad }
        XCTAssertEqual(failed.count, 1, "the failing commit was not retried after the newer one came")
    }
}

/// Applications, the webhook receivers of a controller, and signed generic pushes, for tests.
extension ControllerTestCase {
    var secret: String { "s3cr3t-for-tests" }

    func applyApp(_ name: String, repoURL: String, revision: String = "HEAD", interval: String = "10m", suspend: Bool = false, backoff: String = "100ms") throws {
        let yaml = """
            apiVersion: plumb.dev/v1alpha1
            kind: Application
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
              source:
                repoURL: \(repoURL)
                revision: \(revision)
                path: apps/web
              destination:
                namespace: \(namespace)
              interval: \(interval)
              syncPolicy:
                automated: true
                retry:
                  limit: 5
                  backoff: \(backoff)
              suspend: \(suspend)
            """
        try kubectlOK(["apply", "--server-side", "--field-manager=test", "-f", "-"], stdin: yaml)
    }

    /// The probe server with the webhook receivers of `controller`; returns an HTTP client to it.
    func serveWebhooks(_ controller: ApplicationController) async throws -> (CurlTransport, ServiceGroup) {
        var quiet = Logger(label: "test.webhooks")
        quiet.logLevel = .critical
        let endpoint = WebhookEndpoint(secrets: WebhookSecrets(secret: secret), logger: quiet) { await controller.pushed($0) }
        let server = ProbeServer(
            address: ProbeServer.Address(host: "127.0.0.1", port: 0), metrics: ControllerMetrics(), logger: quiet, webhooks: endpoint,
            readiness: { await controller.readiness() })
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [], logger: quiet))
        Task { try await group.run() }
        let bound = await server.boundPort()
        let port = try XCTUnwrap(bound)
        return (try CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(port)")), group)
    }

    /// A generic push of `commit` to main of the served repository, signed.
    func notify(_ http: CurlTransport, commit: String?) async throws -> (Int, String) {
        try await Self.notify(http, url: url, secret: secret, commit: commit)
    }

    static func notify(_ http: CurlTransport, url: String, secret: String, commit: String?) async throws -> (Int, String) {
        var payload = #"{"repository": "\#(url)", "ref": "refs/heads/main""#
        if let commit { payload += #", "commit": "\#(commit)""# }
        let body = Array((payload + "}").utf8)
        let response = try await http.send(
            KubeRequest(
                method: "POST", path: "/hooks/generic",
                headers: [HTTPHeader("X-Plumb-Signature-256", WebhookReceiver.signature(body, secret: Array(secret.utf8)))], body: body))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    func syncs(_ name: String) throws -> [AuditRecord] {
        try audit.history(app: "\(namespace)/\(name)", limit: 100).filter { $0.result != .started }
    }
}
