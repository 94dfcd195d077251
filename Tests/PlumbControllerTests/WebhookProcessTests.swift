import Foundation
import PlumbController
import PlumbKube
import PlumbTesting
import XCTest

/// The built `plumb controller` with `--webhook-secret-file`: a push to the real `git daemon`
/// and a signed webhook on its HTTP port get the commit synced long before the 10-minute poll.
final class WebhookProcessTests: ControllerTestCase {
    func testBinaryServesWebhooksAndSyncsThePushedCommit() async throws {
        try applyApp("web", repoURL: url, interval: "10m")
        try write(tmp.sub("hook-secret"), secret + "\n")
        let port = try freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = tmp.path
        environment["PLUMB_CACHE_DIR"] = tmp.sub("plumbcache")
        let controller = try Server(
            ControllerProcessTests.plumbPath,
            [
                "controller", "--kubeconfig", kubeconfig, "--audit-db", tmp.sub("audit.db"), "--metrics-address", "127.0.0.1:\(port)",
                "--log-format", "text", "--webhook-secret-file", tmp.sub("hook-secret"),
            ], log: tmp.sub("controller.log"), env: environment)
        defer { controller.stop() }
        try waitForPort(port, server: controller)
        try await eventually("first sync", timeout: 20) { await configMapData("web")?["color"] == "blue" }
        let http = try CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(port)"))
        let green = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        let pushed = Date()
        let (status, text) = try await notify(http, commit: green)
        XCTAssertEqual(status, 200, text)
        XCTAssertTrue(text.contains("team-a/web"), text)
        try await eventually("the pushed commit is synced", timeout: 10) { await configMapData("web")?["color"] == "green" }
        XCTAssertLessThan(Date().timeIntervalSince(pushed), 5)
        // Wrongly signed: 401.
        let body = Array(#"{"repository": "\#(url)", "ref": "refs/heads/main"}"#.utf8)
        let refused = try await http.send(
            KubeRequest(method: "POST", path: "/hooks/generic", headers: [HTTPHeader("X-Plumb-Signature-256", WebhookReceiver.signature(body, secret: Array("guess".utf8)))], body: body))
        XCTAssertEqual(refused.status, 401)
        XCTAssertTrue(controller.output.contains("webhook receivers on /hooks/"), controller.output)
        XCTAssertTrue(controller.output.contains("push received"), controller.output)
        XCTAssertFalse(controller.output.contains(secret), "the secret is never logged")
    }
}
