import Foundation
import PlumbCore
import XCTest

@testable import PlumbLocalCluster

/// Starting, running and stopping, as `plumb sandbox` drives the cluster.
final class LifecycleTests: XCTestCase {
    func testBusyPortFailsToStartAndStartTwiceIsRefused() async throws {
        let first = LocalCluster(options: .init(tls: false))
        let endpoint = try await first.start()
        do {
            _ = try await first.start()
            XCTFail("second start succeeded")
        } catch LocalCluster.ClusterError.alreadyStarted {
        }
        let second = LocalCluster(options: .init(port: endpoint.port, tls: false))
        do {
            _ = try await second.start()
            XCTFail("bound a busy port")
        } catch LocalCluster.ClusterError.startFailed {
        }
        await first.stop()
    }

    func testRunEndsWhenCancelledAndKubeconfigNamesTheServer() async throws {
        let cluster = LocalCluster(options: .init(tls: true, token: "fixed-token"))
        let endpoint = try await cluster.start()
        XCTAssertTrue(endpoint.url.hasPrefix("https://127.0.0.1:"))
        XCTAssertTrue(endpoint.caPEM?.hasPrefix("-----BEGIN CERTIFICATE-----") ?? false)
        let yaml = try await cluster.kubeconfigYAML()
        XCTAssertTrue(yaml.contains("server: \(endpoint.url)"), yaml)
        XCTAssertTrue(yaml.contains("token: fixed-token"), yaml)
        XCTAssertTrue(yaml.contains("certificate-authority-data: \(Data(endpoint.caPEM!.utf8).base64EncodedString())"), yaml)
        await cluster.stop()

        let plain = LocalCluster(options: .init(tls: false, token: "fixed-token"))
        let plainEndpoint = try await plain.start()
        let client = RawHTTP(port: plainEndpoint.port, token: "fixed-token")
        XCTAssertEqual(try client.request("GET", "/version").status, 200)
        let running = Task { try await plain.run() }
        try await Task.sleep(for: .milliseconds(100))
        running.cancel()
        _ = await running.result
        var stopped = false
        for _ in 0..<50 where !stopped {
            stopped = (try? client.request("GET", "/version", timeout: 1)) == nil
            if !stopped { try await Task.sleep(for: .milliseconds(50)) }
        }
        XCTAssertTrue(stopped, "the server still answers after run() was cancelled")
    }
}
