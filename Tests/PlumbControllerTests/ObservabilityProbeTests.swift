import Logging
import PlumbController
import PlumbKube
import PlumbTesting
import ServiceLifecycle
import Synchronization
import XCTest

/// The probe server over real HTTP on 127.0.0.1, run as a kubelet and Prometheus use it, inside
/// a ServiceGroup that shuts it down.
final class ObservabilityProbeTests: XCTestCase {
    func testHealthReadinessAndMetricsOverHTTP() async throws {
        let metrics = ControllerMetrics()
        metrics.workqueueDepth(3)
        metrics.appStatus(AppKey(namespace: "prod", name: "web"), sync: "Synced", health: "Healthy", revision: "abc123")
        let synced = Mutex(false)
        var quiet = Logger(label: "test.probes")
        quiet.logLevel = .critical
        let server = ProbeServer(
            address: ProbeServer.Address(host: "127.0.0.1", port: 0), metrics: metrics, logger: quiet,
            readiness: { synced.withLock { $0 } ? .ready : .notReady("Application cache not synced") })
        let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [], logger: quiet))
        let running = Task { try await group.run() }

        let bound = await server.boundPort()
        let port = try XCTUnwrap(bound, "the server binds a free port")
        XCTAssertGreaterThan(port, 0)
        let http = try CurlTransport(options: TransportOptions(server: "http://127.0.0.1:\(port)"))

        let health = try await http.send(KubeRequest(method: "GET", path: "/healthz"))
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(String(decoding: health.body, as: UTF8.self), "ok\n")

        let notReady = try await http.send(KubeRequest(method: "GET", path: "/readyz"))
        XCTAssertEqual(notReady.status, 503)
        XCTAssertEqual(String(decoding: notReady.body, as: UTF8.self), "not ready: Application cache not synced\n")

        synced.withLock { $0 = true }
        let ready = try await http.send(KubeRequest(method: "GET", path: "/readyz"))
        XCTAssertEqual(ready.status, 200)

        let scrape = try await http.send(KubeRequest(method: "GET", path: "/metrics"))
        XCTAssertEqual(scrape.status, 200)
        XCTAssertEqual(scrape.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8")
        let text = String(decoding: scrape.body, as: UTF8.self)
        XCTAssertTrue(text.contains("plumb_workqueue_depth 3.0\n"), text)
        XCTAssertTrue(text.contains(#"plumb_app_info{namespace="prod",name="web",sync_status="Synced""#), text)

        let unknown = try await http.send(KubeRequest(method: "GET", path: "/nothing"))
        XCTAssertEqual(unknown.status, 404)

        // Graceful shutdown of the group stops the server: it returns and stops listening.
        await group.triggerGracefulShutdown()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await running.value }
            tasks.addTask {
                try await Task.sleep(for: .seconds(10))
                XCTFail("the probe server did not stop within 10 s of the graceful shutdown")
                running.cancel()
            }
            try await tasks.next()
            tasks.cancelAll()
        }
        do {
            let after = try await http.send(KubeRequest(method: "GET", path: "/healthz", timeout: .seconds(2)))
            XCTFail("nothing listens after shutdown, got \(after.status)")
        } catch is KubeTransportError {}
    }

    func testListenAddresses() {
        XCTAssertEqual(ProbeServer.Address(":8080"), ProbeServer.Address(host: "0.0.0.0", port: 8080))
        XCTAssertEqual(ProbeServer.Address("127.0.0.1:0"), ProbeServer.Address(host: "127.0.0.1", port: 0))
        XCTAssertEqual(ProbeServer.Address("[::1]:9090"), ProbeServer.Address(host: "::1", port: 9090))
        XCTAssertEqual(ProbeServer.Address(), ProbeServer.Address(host: "0.0.0.0", port: 8080))
        XCTAssertNil(ProbeServer.Address("8080"))
        XCTAssertNil(ProbeServer.Address(":http"))
        XCTAssertNil(ProbeServer.Address(":70000"))
        XCTAssertEqual(ProbeServer.Address(host: "::1", port: 9090).description, "[::1]:9090")
    }
}
