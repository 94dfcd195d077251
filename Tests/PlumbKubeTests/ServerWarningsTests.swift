import Foundation
import PlumbCore
import PlumbLocalCluster
import Synchronization
import XCTest

@testable import PlumbKube

/// Warnings the server sends reach whoever the client options name, over the real transport.
final class ServerWarningsTests: XCTestCase {
    func testParsesWarningHeaders() {
        XCTAssertEqual(
            ServerWarnings.parse(#"299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice""#),
            ["v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"])
        // Repeated headers joined by commas; commas and escaped quotes inside the texts.
        XCTAssertEqual(
            ServerWarnings.parse(#"299 - "unknown field \"spec.a\"", 299 - "one, two""#),
            [#"unknown field "spec.a""#, "one, two"])
        // A date after the text; other codes are not Kubernetes warnings.
        XCTAssertEqual(ServerWarnings.parse(#"299 - "x" "Sat, 25 Aug 2012 23:34:45 GMT", 199 proxy "stale""#), ["x"])
        XCTAssertEqual(ServerWarnings.parse("garbage"), [])
    }

    func testWarningsOfTheLocalClusterReachTheHandler() async throws {
        let dir = try makeTempDir("warnings")
        let cluster = LocalCluster(options: LocalCluster.Options(port: 0, tls: true, simulateWorkloads: false))
        _ = try await cluster.start()
        addTeardownBlock { await cluster.stop() }
        let kubeconfig = dir.appendingPathComponent("kubeconfig").path
        try await cluster.writeKubeconfig(to: kubeconfig)
        let config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig, namespace: "w"), environment: [:], home: dir.path)
        let seen = Mutex<[String]>([])
        var options = KubeClientOptions()
        options.onWarning = { text, object in seen.withLock { $0.append("\(object.map { "\($0)" } ?? "-"): \(text)") } }
        let client = try KubeClient(config: config, options: options)
        _ = try await client.apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "w"]])
        _ = try await client.apply(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "namespace": "w"]])
        XCTAssertEqual(seen.withLock { $0 }, [], "no warnings for clean writes")
        // A merge patch is decoded under the default fieldValidation (Warn): two unknown fields, two warnings.
        let ref = ObjectRef(group: "", version: "v1", kind: "ConfigMap", namespace: "w", name: "c")
        _ = try await client.patch(ref, .merge(["datta": ["a": "b"], "extra": 1]))
        XCTAssertEqual(
            seen.withLock { $0 },
            [#"v1 ConfigMap w/c: unknown field "datta""#, #"v1 ConfigMap w/c: unknown field "extra""#])
    }
}
