import Foundation
import PlumbAudit
import PlumbCore
import PlumbTesting
import XCTest

/// `plumb controller --audit-sink`: the built binary delivers each completed record to a real
/// HTTP endpoint on 127.0.0.1, signed, and what it could not deliver before a restart is
/// delivered by the next start.
final class ControllerAuditSinkTests: ControllerTestCase {
    func startBinary(_ hook: HookEndpoint, log: String) throws -> Server {
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = tmp.path
        environment["PLUMB_CACHE_DIR"] = tmp.sub("plumbcache")
        return try Server(
            ControllerProcessTests.plumbPath,
            [
                "controller", "--kubeconfig", kubeconfig, "--audit-db", tmp.sub("audit.db"), "--metrics-address", "off",
                "--log-format", "text", "--audit-sink", hook.url + "/sink", "--audit-sink-secret-file", hook.keyFile,
            ], log: tmp.sub(log), env: environment)
    }

    func testRecordsReachTheSinkAcrossAnOutageAndARestart() async throws {
        let hook = try HookEndpoint()
        hook.flag("down", true)
        try applyApplication("web", interval: "1s")
        let first = try startBinary(hook, log: "controller1.log")
        try await eventually("the first sync recorded", timeout: 20) {
            try SQLiteAuditStore(path: tmp.sub("audit.db")).history(app: "team-a/web", limit: 5).contains {
                $0.result == .synced
            }
        }
        try await eventually("a delivery refused by the sink", timeout: 20) {
            first.output.contains("audit sink http://127.0.0.1:\(hook.port)/sink: record 1: ")
        }
        XCTAssertTrue(first.output.contains("answered HTTP 503; retrying in"), first.output)
        XCTAssertTrue(hook.received.isEmpty, "the sink is down")
        first.stop()  // SIGTERM: a graceful stop with the record still queued

        hook.flag("down", false)
        let sha = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        let second = try startBinary(hook, log: "controller2.log")
        defer { second.stop() }
        try await eventually("both records delivered", timeout: 30) {
            hook.received.count >= 2
        }
        let bodies = hook.received.compactMap { $0["body"] }
        XCTAssertEqual(bodies.first?["result"], "synced")
        XCTAssertEqual(bodies.last?["revision"]?.stringValue, sha)
        XCTAssertEqual(
            Set(hook.received.compactMap { $0["delivery"]?.stringValue }).count, bodies.count, "no duplicate")
        XCTAssertTrue(hook.received.allSatisfy { $0["signatureOK"] == true })
        let ids = bodies.compactMap { $0["id"]?.intValue }
        XCTAssertEqual(ids, ids.sorted(), "in order")
    }
}
