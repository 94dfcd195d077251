import Foundation
import PlumbController
import PlumbCore
import XCTest

/// The node agent's DaemonSet: opt-in, the same from the chart (`nodeAgent.enabled`) and from
/// `plumb install --export` (`Options.nodeAgent`), with the narrow RBAC and the host mounts
/// docs/nodes.md explains.
final class NodeAgentInstallTests: XCTestCase {
    /// The chart rendered by InstallChartTests' Helm subset.
    func renderChart(_ overrides: [String: Value] = [:]) throws -> [Value] {
        try InstallChartTests(name: "render", testClosure: { _ in }).renderChart(overrides: overrides)
    }

    func nodeAgentObjects(_ objects: [Value]) -> [Value] {
        objects.filter { $0[path: ["metadata", "labels", "app.kubernetes.io/component"]]?.stringValue == "node-agent" }
    }

    func canonical(_ v: Value) -> String { (try? JSONWriter(style: .pretty(indent: 2), sortKeys: true).string(v)) ?? "" }

    func testTheNodeAgentIsOffByDefault() throws {
        XCTAssertTrue(nodeAgentObjects(InstallManifests.objects()).isEmpty)
        XCTAssertTrue(nodeAgentObjects(try renderChart()).isEmpty)
        // The CRD ships either way: NodeConfigs can be applied (and read by plumb node diff) without agents.
        XCTAssertTrue(try renderChart().contains { $0[path: ["metadata", "name"]]?.stringValue == "nodeconfigs.plumb.dev" })
    }

    func testTheChartRendersTheExportsDaemonSetAndRBAC() throws {
        var options = InstallManifests.Options()
        options.nodeAgent = true
        options.nodeAgentInterval = "2m"
        let exported = nodeAgentObjects(InstallManifests.objects(options))
        let chart = nodeAgentObjects(try renderChart(["nodeAgent": ["enabled": true, "interval": "2m"]])).map { object -> Value in
            var o = object
            o["metadata"]?["labels"]?["app.kubernetes.io/managed-by"] = nil
            o["metadata"]?["labels"]?["helm.sh/chart"] = nil
            return o
        }
        XCTAssertEqual(exported.map { $0["kind"]?.stringValue ?? "" }, ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"])
        XCTAssertEqual(chart.map(canonical).sorted(), exported.map(canonical).sorted())

        let daemonSet = try XCTUnwrap(exported.last)
        let pod = try XCTUnwrap(daemonSet[path: ["spec", "template", "spec"]])
        XCTAssertEqual(pod["hostNetwork"], true, "net.* sysctls of the host's network namespace")
        XCTAssertEqual(pod["serviceAccountName"]?.stringValue, "plumb-node-agent")
        let container = try XCTUnwrap(pod["containers"]?.arrayValue?.first)
        XCTAssertEqual(container["args"], ["node-agent", "--host-root=/host", "--interval=2m"])
        XCTAssertEqual(container[path: ["env"]]?.arrayValue?.first?[path: ["valueFrom", "fieldRef", "fieldPath"]]?.stringValue, "spec.nodeName")
        XCTAssertEqual(container[path: ["securityContext", "capabilities", "drop"]], ["ALL"])
        XCTAssertNil(container[path: ["securityContext", "privileged"]], "capabilities, not a privileged container")
        let mounts = container["volumeMounts"]?.arrayValue?.compactMap { $0["mountPath"]?.stringValue } ?? []
        XCTAssertEqual(mounts, ["/host", "/run/systemd", "/tmp"])
        let hostPaths = pod["volumes"]?.arrayValue?.compactMap { $0[path: ["hostPath", "path"]]?.stringValue } ?? []
        XCTAssertEqual(hostPaths, ["/", "/run/systemd"])

        // The agent may read NodeConfigs and write their status, read and cordon nodes, list and
        // evict pods (a drain); nothing else.
        let role = try XCTUnwrap(exported.first { $0["kind"]?.stringValue == "ClusterRole" })
        let grants = (role["rules"]?.arrayValue ?? []).flatMap { rule in
            (rule["resources"]?.arrayValue ?? []).flatMap { resource in
                (rule["verbs"]?.arrayValue ?? []).map { "\(resource.stringValue ?? "") \($0.stringValue ?? "")" }
            }
        }
        XCTAssertEqual(
            grants.sorted(),
            [
                "nodeconfigs get", "nodeconfigs list", "nodeconfigs watch", "nodeconfigs/status get", "nodeconfigs/status update",
                "nodes get", "nodes patch", "pods list", "pods/eviction create",
            ])
    }
}
