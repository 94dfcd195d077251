import Foundation
import PlumbController
import PlumbCore
import PlumbKube
import PlumbTesting
import XCTest

/// The dashboard in a real browser (headless Chromium through chromedriver) against the built
/// `plumb ui` and `plumb controller --ui` on the local cluster, with a real `git daemon`.
/// Screenshots of the main pages go to a temporary directory, or to docs/images/ with
/// `PLUMB_SCREENSHOTS=1` (how the committed ones are made), so a test run leaves the tree clean.
final class BrowserTests: UITestCase {
    var daemon: Server?
    var processes: [Server] = []
    var browser: WebDriver?
    var repoURL = ""
    var work: String { tmp.sub("work") }
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var images: String {
        if ProcessInfo.processInfo.environment["PLUMB_SCREENSHOTS"] != nil {
            return Self.root.appendingPathComponent("docs/images").path
        }
        let dir = tmp.sub("screenshots")
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static var plumbPath: String {
        if let env = ProcessInfo.processInfo.environment["PLUMB_BIN"] { return env }
        var dir = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("plumb").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "plumb"
    }

    override func setUp() async throws {
        try XCTSkipUnless(WebDriver.available, "chromium and chromium-driver are not installed (make deps)")
        try await super.setUp()
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try git(["init", "-q"], in: work)
        try write(work + "/apps/web/deploy.yaml", Self.deployment(replicas: 2))
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", "Deploy web <img src=x onerror=alert(1)> with two replicas"], in: work)
        let served = tmp.sub("served")
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try git(["clone", "-q", "--bare", work, served + "/repo.git"], in: tmp.path)
        let port = try freePort()
        let direct = FileManager.default.isExecutableFile(atPath: "/usr/lib/git-core/git-daemon")
        daemon = try Server(
            direct ? "/usr/lib/git-core/git-daemon" : "/usr/bin/git",
            (direct ? [] : ["daemon"]) + [
                "--export-all", "--base-path=\(served)", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", served,
            ],
            log: tmp.sub("daemon.log"))
        try waitForPort(port, server: daemon)
        repoURL = "git://127.0.0.1:\(port)/repo.git"
    }

    override func tearDown() async throws {
        browser?.quit()
        for p in processes { p.stop() }
        if let daemon, daemon.isRunning { kill(daemon.pid, SIGKILL) }
        daemon?.stop()
        try await super.tearDown()
    }

    static func deployment(replicas: Int) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: \(replicas)
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: nginx:1.27

        """
    }

    func applyApplication() throws {
        try kubectl(
            ["apply", "--server-side", "-f", "-"],
            stdin: """
                apiVersion: plumb.dev/v1alpha1
                kind: Application
                metadata: {name: web, namespace: \(namespace)}
                spec:
                  source: {repoURL: "\(repoURL)", path: apps/web}
                  destination: {namespace: \(namespace)}
                  interval: 1s
                  syncPolicy: {automated: true, prune: true, selfHeal: false}
                """)
    }

    /// Starts the built plumb with `args`; returns the process.
    func plumb(_ args: [String], log: String) throws -> Server {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = tmp.path
        environment["PLUMB_CACHE_DIR"] = tmp.sub("plumbcache-\(log)")
        let server = try Server(Self.plumbPath, args, log: tmp.sub(log), env: environment)
        processes.append(server)
        return server
    }

    /// The port `plumb ui --port 0` printed.
    func printedPort(_ server: Server) throws -> Int {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let range = server.output.range(of: "http://127.0.0.1:") {
                let digits = server.output[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            guard server.isRunning else { throw TestFailure("plumb ui exited: \(server.output)") }
            usleep(50_000)
        }
        throw TestFailure("plumb ui printed no URL: \(server.output)")
    }

    func testDashboardInABrowser() async throws {
        try applyApplication()
        let metricsPort = try freePort()
        let controller = try plumb(
            [
                "controller", "--kubeconfig", kubeconfig, "--audit-db", tmp.sub("audit.db"), "--metrics-address",
                "127.0.0.1:\(metricsPort)", "--log-format", "text", "--ui",
            ], log: "controller.log")
        try waitForPort(metricsPort, server: controller)
        let ui = try plumb(
            ["ui", "--kubeconfig", kubeconfig, "--audit-db", tmp.sub("audit.db"), "--port", "0", "--poll", "500ms"],
            log: "ui.log")
        let uiPort = try printedPort(ui)
        XCTAssertTrue(ui.output.contains("Plumb dashboard: http://127.0.0.1:\(uiPort)/ui/  (as plumb-local;"), ui.output)
        let b = try WebDriver(tmp: tmp)
        browser = b

        // plumb ui: the list shows the Application synced and healthy, without a reload.
        try b.open("http://127.0.0.1:\(uiPort)/ui/")
        try b.wait("web Synced and Healthy in the list", timeout: 40) {
            try b.text("tr[data-key='team-a/web'] [data-field=sync]") == "✓ Synced"
                && b.text("tr[data-key='team-a/web'] [data-field=health]") == "♥ Healthy"
        }
        try b.wait("the live indicator") { try b.text("#live").contains("live") }
        let subject = try b.text("tr[data-key='team-a/web'] [data-field=subject]")
        XCTAssertEqual(subject, "Deploy web <img src=x onerror=alert(1)> with two replicas")
        XCTAssertEqual(try b.count("tr[data-key='team-a/web'] img"), 0, "the commit message's markup is text")
        try b.screenshot(images + "/ui-applications.png")

        // One Application: the tree (Deployment → ReplicaSet → Pods) and the history.
        try b.click("tr[data-key='team-a/web'] a")
        try b.wait("the Application's page") { try b.count("#tree") == 1 }
        XCTAssertEqual(try b.count("#tree li[data-kind=Deployment] li[data-kind=ReplicaSet] li[data-kind=Pod]"), 2)
        let history = try b.text("#history tbody tr:first-child")
        XCTAssertTrue(history.contains("Ada Author <ada@example.com>"), history)
        XCTAssertTrue(history.contains("Deploy web <img src=x onerror=alert(1)> with two replicas"), history)
        XCTAssertTrue(history.contains("controller") && history.contains("synced"), history)
        XCTAssertEqual(try b.count("#history img, .summary img"), 0, "no element from a commit message")
        try b.screenshot(images + "/ui-application.png")

        // A kubectl edit shows as OutOfSync on the open page, without a reload.
        try kubectl(["scale", "deployment/web", "-n", namespace, "--replicas=3"])
        try b.wait("OutOfSync without a reload", timeout: 30) { try b.text(".summary [data-field=sync]") == "≠ OutOfSync" }
        try b.open("http://127.0.0.1:\(uiPort)/ui/apps/team-a/web")
        let diff = try b.text("#diff")
        XCTAssertTrue(diff.contains("apps/v1 Deployment team-a/web  (update)"), diff)
        XCTAssertTrue(diff.contains("spec.replicas") && diff.contains("3 → 2"), diff)
        try b.run("document.getElementById('diff').scrollIntoView()")
        try b.screenshot(images + "/ui-diff.png")
        // "Sync now" repairs it, and the record names who asked.
        try b.click("#action-sync")
        try b.wait("synced again", timeout: 30) { try b.text(".summary [data-field=sync]") == "✓ Synced" }
        let replicas = try kubectl(["get", "deployment/web", "-n", namespace, "-o", "jsonpath={.spec.replicas}"])
        XCTAssertEqual(replicas, "2")
        try b.open("http://127.0.0.1:\(uiPort)/ui/apps/team-a/web")
        let latest = try b.text("#history tbody tr:first-child")
        XCTAssertTrue(latest.contains("plumb-local"), "the sync's initiator is the user: \(latest)")
        try b.click("#history tbody tr:first-child a")
        try b.wait("the record page") { try b.count("#message") == 1 }
        XCTAssertEqual(try b.text("#message"), "Deploy web <img src=x onerror=alert(1)> with two replicas")
        XCTAssertEqual(try b.count("#message img"), 0)
        try b.screenshot(images + "/ui-record.png")

        // The live updates come back after the server restarts, without a reload.
        try b.open("http://127.0.0.1:\(uiPort)/ui/apps/team-a/web")
        try b.wait("live") { try b.text("#live") == "● live" }
        ui.stop()
        try b.wait("reconnecting", timeout: 10) { try b.text("#live") == "○ reconnecting" }
        let restarted = try plumb(
            ["ui", "--kubeconfig", kubeconfig, "--audit-db", tmp.sub("audit.db"), "--port", String(uiPort), "--poll", "500ms"],
            log: "ui-restarted.log")
        try waitForPort(uiPort, server: restarted)
        try b.wait("live again", timeout: 15) { try b.text("#live") == "● live" }
        try kubectl(["scale", "deployment/web", "-n", namespace, "--replicas=4"])
        try b.wait("OutOfSync after the restart", timeout: 30) { try b.text(".summary [data-field=sync]") == "≠ OutOfSync" }

        // The controller's dashboard: a login, then RBAC for that user.
        let base = "http://127.0.0.1:\(metricsPort)/ui"
        try b.open(base + "/")
        try b.wait("the login page") { try b.url.hasSuffix("/ui/login") }
        try b.screenshot(images + "/ui-login.png")
        try b.type("#token", Self.tokens["eve"]!)
        try b.click("#login")
        try b.wait("eve's 403") { try b.count("#error") == 1 }
        let title = try b.text("h1")
        XCTAssertTrue(title.hasPrefix("403"), title)
        XCTAssertTrue(try b.text("#error").contains("eve may not list Applications"))
        try b.screenshot(images + "/ui-forbidden.png")
        try b.click("header form button")  // log out
        try b.wait("logged out") { try b.url.hasSuffix("/ui/login") }

        // ada may read but not act: the button answers 403 and nothing changes.
        try b.type("#token", Self.tokens["ada"]!)
        try b.click("#login")
        try b.wait("ada's list") { try b.count("tr[data-key='team-a/web']") == 1 }
        try b.open(base + "/apps/team-a/web")
        let before = try kubectl(["get", "application/web", "-n", namespace, "-o", "jsonpath={.metadata.annotations}"])
        try b.click("#action-suspend")
        try b.wait("ada's 403") { try b.count("#error") == 1 }
        XCTAssertTrue(try b.text("#error").contains("ada may not patch Application team-a/web"))
        XCTAssertEqual(try kubectl(["get", "application/web", "-n", namespace, "-o", "jsonpath={.spec.suspend}"]), "false")
        XCTAssertEqual(try kubectl(["get", "application/web", "-n", namespace, "-o", "jsonpath={.metadata.annotations}"]), before)
        try b.click("header form button")
        try b.wait("logged out") { try b.url.hasSuffix("/ui/login") }

        // lin may act; a POST without the CSRF token (from the page itself, with the session
        // cookie) is refused, the form's POST is not.
        try b.type("#token", Self.tokens["lin"]!)
        try b.click("#login")
        try b.wait("lin's list") { try b.count("tr[data-key='team-a/web']") == 1 }
        let status = try b.runAsync(
            "var done = arguments[arguments.length - 1];"
                + "fetch('/ui/apps/team-a/web/suspend', {method: 'POST', credentials: 'same-origin',"
                + " headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'csrf='})"
                + ".then(function (r) { done(r.status); }, function (e) { done(String(e)); });")
        XCTAssertEqual(status.intValue, 403)
        XCTAssertEqual(try kubectl(["get", "application/web", "-n", namespace, "-o", "jsonpath={.spec.suspend}"]), "false")
        try b.open(base + "/apps/team-a/web")
        try b.click("#action-suspend")
        try b.wait("suspended") { try b.count(".flash") == 1 }
        XCTAssertEqual(try kubectl(["get", "application/web", "-n", namespace, "-o", "jsonpath={.spec.suspend}"]), "true")

        // No token in any log.
        for token in Self.tokens.values {
            XCTAssertFalse(controller.output.contains(token), "a token in the controller's log")
            XCTAssertFalse(ui.output.contains(token))
            XCTAssertFalse(restarted.output.contains(token))
        }
        XCTAssertTrue(controller.output.contains("web dashboard on /ui/"), controller.output)
    }
}
