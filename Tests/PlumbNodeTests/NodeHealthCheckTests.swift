import Foundation
import PlumbCore
import PlumbEngine
import PlumbNode
import PlumbTesting
import XCTest

/// The tcp and http health checks run on the host against a real HTTP server on 127.0.0.1:
/// a listening port and a 2xx answer are healthy; a closed port and a 404 are not, each named.
final class NodeHealthCheckTests: XCTestCase {
    private func health(_ checks: String, roots: TestRoots) async throws -> HealthStatus {
        let configs = try nodeConfigs(
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: web}
            spec:
              hosts: [host-1]
              healthChecks:
            \(checks)
            """)
        let target = NodeTarget(shell: roots.shell("host-1"), configs: configs)
        return try await target.health(of: NodeTarget.ref(config: "web", host: "host-1"))
    }

    func testTCPAndHTTPChecksAgainstARealServer() async throws {
        let roots = try TestRoots(1)
        let site = roots.dir.sub("site")
        try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
        try write(site + "/healthz", "ok\n")
        let port = try freePort()
        let server = try Server(
            "/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", site],
            log: roots.dir.sub("http.log"), env: ProcessInfo.processInfo.environment)
        defer { server.stop() }
        try waitForPort(port, server: server)
        let closed = try freePort()

        let good = try await health(
            """
                - tcp: "127.0.0.1:\(port)"
                - http: http://127.0.0.1:\(port)/healthz
            """, roots: roots)
        XCTAssertEqual(good.state, .healthy, good.message)

        let bad = try await health(
            """
                - tcp: "127.0.0.1:\(port)"
                - tcp: "127.0.0.1:\(closed)"
                - http: http://127.0.0.1:\(port)/missing
            """, roots: roots)
        // Not degraded at once: the sync's health wait decides when to give up.
        XCTAssertEqual(bad.state, .progressing)
        XCTAssertTrue(
            bad.message.contains("tcp 127.0.0.1:\(closed): connection refused or timed out"), bad.message)
        XCTAssertTrue(bad.message.contains("http http://127.0.0.1:\(port)/missing: "), bad.message)
        XCTAssertTrue(bad.message.contains("404"), bad.message)
        XCTAssertFalse(bad.message.contains("tcp 127.0.0.1:\(port):"), "the open port passed: \(bad.message)")
    }
}
