import Foundation
import PlumbTesting
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import XCTest

/// The built `plumb controller` binary: killed or stopped mid-sync and started again, and run
/// with the in-cluster configuration.
final class ControllerProcessTests: ControllerTestCase {
    /// Deployments take 3 s to become available, so a sync that waits for health is long enough
    /// to be stopped in the middle.
    override var workloadDelay: Duration { .seconds(3) }

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

    func deployment(_ name: String, image: String = "nginx:1.27") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: \(name)
        spec:
          replicas: 1
          selector:
            matchLabels: {app: \(name)}
          template:
            metadata:
              labels: {app: \(name)}
            spec:
              containers:
              - name: main
                image: \(image)

        """
    }

    func startBinary(_ extra: [String] = [], env: [String: String]? = nil, log: String) throws -> Server {
        var environment = env ?? ProcessInfo.processInfo.environment
        environment["HOME"] = tmp.path
        environment["PLUMB_CACHE_DIR"] = tmp.sub("plumbcache")
        let args = (env == nil ? ["--kubeconfig", kubeconfig] : []) + [
            "controller", "--audit-db", tmp.sub("audit.db"), "--metrics-address", "off", "--log-format", "text",
        ] + extra
        // `controller` first, then its options.
        let ordered = ["controller"] + args.filter { $0 != "controller" }
        return try Server(Self.plumbPath, ordered, log: tmp.sub(log), env: environment)
    }

    /// Waits until the audit trail holds a `started` record (a sync under way).
    func waitForStartedSync() async throws -> Int64 {
        var id: Int64 = 0
        try await eventually("a sync under way", timeout: 20) {
            let reader = try SQLiteAuditStore(path: tmp.sub("audit.db"))
            id = try reader.history(app: "team-a/web", limit: 5).first { $0.result == .started }?.id ?? 0
            return id != 0
        }
        return id
    }

    func testKilledMidSyncTheRecordIsInterruptedAndTheNextStartCompletes() async throws {
        try commit(["apps/web/deploy.yaml": deployment("web")])
        try applyApplication("web", interval: "1s", wait: true)
        let first = try startBinary(log: "controller1.log")
        let id = try await waitForStartedSync()
        kill(first.pid, SIGKILL)
        first.stop()
        // A new commit while it is down: the next start must sync it.
        let sha = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        let second = try startBinary(log: "controller2.log")
        defer { second.stop() }
        try await eventually("the next start syncs the new commit", timeout: 30) {
            let s = try await application("web").status
            return s.lastSyncedRevision == sha && s.condition("Ready")?.status == .true && s.health == .healthy
        }
        let reader = try SQLiteAuditStore(path: tmp.sub("audit.db"))
        let killed = try XCTUnwrap(try reader.record(id))
        XCTAssertEqual(killed.result, .interrupted, second.output)
        XCTAssertEqual(killed.initiator, "controller")
        let last = try XCTUnwrap(try reader.history(app: "team-a/web", limit: 1).first)
        XCTAssertEqual(last.result, .synced)
        XCTAssertEqual(last.revision, sha)
        XCTAssertTrue(second.output.contains("was interrupted"), second.output)
    }

    func testSIGTERMFinishesTheWaveAndRecordsTheSyncInterrupted() async throws {
        try commit(["apps/web/deploy.yaml": deployment("web")])
        try applyApplication("web", interval: "1s", wait: true)
        let controller = try startBinary(log: "controller.log")
        let id = try await waitForStartedSync()
        // Applied, and now waiting for the Deployment's health (3 s): stop it there.
        let deploy = ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: namespace, name: "web")
        try await eventually("the Deployment applied") { (try? await client.get(deploy)) != nil }
        let signalled = Date()
        kill(controller.pid, SIGTERM)
        try await eventually("the controller exits", timeout: 15) { !controller.isRunning }
        let status = try XCTUnwrap(controller.exitStatus)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 10)
        XCTAssertEqual(status & 0x7f, 0, "exited, not killed by a signal: \(controller.output)")
        XCTAssertEqual((status >> 8) & 0xff, 0, controller.output)
        let record = try XCTUnwrap(try SQLiteAuditStore(path: tmp.sub("audit.db")).record(id))
        // The wave under way was applied; the wait for health was cut short and said so.
        XCTAssertEqual(record.result, .interrupted, controller.output)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 3, "it did not wait for the Deployment's 3 s")
        XCTAssertEqual(try kubectl(["get", "deployment", "web", "-n", namespace]).status, 0, "the wave under way was applied")
    }

    func testInClusterConfiguration() async throws {
        // The service-account layout of a pod, in a temp dir.
        let sa = tmp.sub("serviceaccount")
        try FileManager.default.createDirectory(atPath: sa, withIntermediateDirectories: true)
        try endpoint.token.write(toFile: sa + "/token", atomically: true, encoding: .utf8)
        try XCTUnwrap(endpoint.caPEM).write(toFile: sa + "/ca.crt", atomically: true, encoding: .utf8)
        try "plumb-system".write(toFile: sa + "/namespace", atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["KUBECONFIG"] = nil
        env["KUBERNETES_SERVICE_HOST"] = "127.0.0.1"
        env["KUBERNETES_SERVICE_PORT"] = "\(endpoint.port)"
        try applyApplication("web")
        let controller = try startBinary(["--service-account-dir", sa], env: env, log: "incluster.log")
        defer { controller.stop() }
        try await eventually("synced in-cluster", timeout: 20) { await configMapData("web")?["color"] == "blue" }
        try await eventually("Ready") { try await application("web").status.condition("Ready")?.status == .true }
        let record = try XCTUnwrap(try SQLiteAuditStore(path: tmp.sub("audit.db")).history(app: "team-a/web", limit: 1).first)
        XCTAssertEqual(record.target, "in-cluster")
    }
}
