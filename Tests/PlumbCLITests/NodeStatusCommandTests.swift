import Foundation
import PlumbCore
import PlumbLocalCluster
import PlumbTesting
import XCTest

/// `plumb node status` against the local cluster: the NodeConfigs with the `status.nodes` the
/// node agents write, in text and JSON, and the errors of a missing CRD or NodeConfig.
final class NodeStatusCommandTests: SandboxTestCase {
    var cluster: LocalCluster?

    override func tearDown() async throws {
        await cluster?.stop()
        cluster = nil
    }

    func start() async throws {
        let c = LocalCluster(options: .init())
        try await c.start()
        cluster = c
        kubeconfig = directory + "/kubeconfig"
        try await c.writeKubeconfig(to: kubeconfig)
    }

    func installCRD() throws {
        let crd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("charts/plumb/crds/nodeconfigs.plumb.dev.yaml").path
        let applied = try kubectl("apply", "--server-side", "-f", crd)
        XCTAssertEqual(applied.status, 0, applied.stderr)
        XCTAssertEqual(try kubectl("wait", "--for=condition=Established", "--timeout=10s", "crd/nodeconfigs.plumb.dev").status, 0)
    }

    func testStatusShowsEachNodeAndWherePoolStopped() async throws {
        try await start()
        let missing = try plumb(["node", "status", "--kubeconfig", kubeconfig])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertEqual(missing.stderr, "error: the NodeConfig resource is not installed in this cluster (plumb install prints its CRD)\n")
        try installCRD()
        try PlumbTesting.write(
            directory + "/nc.yaml",
            """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata:
              name: web-tuning
              annotations: {plumb.dev/revision: 3f9c2ab}
            spec:
              nodeSelector: {role: web}
              sysctls: {net.core.somaxconn: "4096"}
            """)
        XCTAssertEqual(try kubectl("apply", "-f", directory + "/nc.yaml").status, 0)
        // The entries the agents of three nodes wrote: one synced, one failed, one held.
        let status = """
            {"status": {"nodes": {
              "web-1": {"revision": "3f9c2ab", "phase": "Synced", "changed": true, "message": "", "lastTransitionTime": "2026-12-01T10:00:00Z"},
              "web-2": {"revision": "3f9c2ab", "phase": "Failed", "changed": true, "message": "health check failed; previous state restored", "lastTransitionTime": "2026-12-01T10:01:00Z"},
              "web-3": {"revision": "1111111", "phase": "Synced", "changed": false, "message": "", "lastTransitionTime": "2026-11-30T10:00:00Z"}
            }}}
            """
        let patched = try kubectl("patch", "nodeconfig.plumb.dev", "web-tuning", "--subresource=status", "--type=merge", "-p", status)
        XCTAssertEqual(patched.status, 0, patched.stderr)

        let text = try plumb(["node", "status", "--kubeconfig", kubeconfig])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertEqual(
            text.stdout,
            """
            NodeConfig web-tuning  revision 3f9c2ab  selects role=web  maxUnavailable 1
              pool  degraded pool: 1 of 3 nodes at revision 3f9c2ab; stopped at node web-2: health check failed; previous state restored
              web-1  3f9c2ab  Synced  done
              web-2  3f9c2ab  Failed  failed  health check failed; previous state restored
              web-3  1111111 (older)  Synced  degraded pool

            """)

        let json = try plumb(["node", "status", "web-tuning", "-o", "json", "--kubeconfig", kubeconfig])
        XCTAssertEqual(json.status, 0, json.stderr)
        let parsed = try JSONReader().parse(Array(json.stdout.utf8))
        let config = try XCTUnwrap(parsed.arrayValue?.first)
        XCTAssertEqual(config["pool"]?["state"]?.stringValue, "degraded pool")
        XCTAssertEqual(config["pool"]?["node"]?.stringValue, "web-2")
        XCTAssertEqual(config["nodes"]?.arrayValue?.map { $0["state"]?.stringValue ?? "" }, ["done", "failed", "degraded pool"])
        XCTAssertEqual(config["nodes"]?.arrayValue?[2]["current"]?.boolValue, false)

        let unknown = try plumb(["node", "status", "nothing", "--kubeconfig", kubeconfig])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertEqual(unknown.stderr, "error: NodeConfig nothing: not found\n")
    }
}
