import Foundation
import PlumbController
import PlumbCore
import PlumbKube
import PlumbLocalCluster
import PlumbTesting
import XCTest

@testable import PlumbNode

/// `plumb node-agent`'s reconcile against the local cluster: the NodeConfig CRD of the chart,
/// Nodes with labels, host roots in temp dirs (what `/host` is in the DaemonSet's pod).
final class NodeAgentTests: XCTestCase {
    var tmp: TempDir!
    var cluster: LocalCluster!
    var client: KubeClient!
    var kubeconfig: String { tmp.sub("kubeconfig") }

    override func setUp() async throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "kubectl is not installed")
        tmp = try TempDir("plumbagent")
        cluster = LocalCluster(options: .init(port: 0, tls: true))
        _ = try await cluster.start()
        try await cluster.writeKubeconfig(to: kubeconfig)
        client = try KubeClient(config: ClientConfig.load(flags: KubeconfigFlags(kubeconfig: kubeconfig)))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try kubectl(["apply", "--server-side", "-f", root.appendingPathComponent("charts/plumb/crds/nodeconfigs.plumb.dev.yaml").path])
        try kubectl(["wait", "--for=condition=Established", "--timeout=10s", "crd/nodeconfigs.plumb.dev"])
        for (name, role) in [("worker-1", "web"), ("worker-2", "web"), ("worker-3", "db")] {
            try kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: Node\nmetadata:\n  name: \(name)\n  labels: {role: \(role)}\n")
            try FileManager.default.createDirectory(atPath: hostRoot(name) + "/etc", withIntermediateDirectories: true)
        }
    }

    override func tearDown() async throws {
        client = nil
        await cluster?.stop()
        tmp = nil
    }

    @discardableResult
    func kubectl(_ args: [String], stdin: String? = nil) throws -> String {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = tmp.path
        env["KUBECACHEDIR"] = tmp.sub("kubecache")
        let r = try runTool("/usr/bin/kubectl", ["--kubeconfig", kubeconfig] + args, env: env, input: stdin.map { Array($0.utf8) }, check: false)
        guard r.status == 0 else { throw TestFailure("kubectl \(args.joined(separator: " ")): \(r.stderr)") }
        return r.stdout
    }

    func hostRoot(_ node: String) -> String { tmp.sub("roots/\(node)") }

    func agent(_ node: String, _ change: (inout NodeAgent.Options) -> Void = { _ in }) -> NodeAgent {
        var options = NodeAgent.Options()
        options.interval = .seconds(30)
        options.healthTimeout = .seconds(10)
        change(&options)
        return NodeAgent(
            node: node, shell: LocalHostShell(host: node, root: hostRoot(node)), cluster: KubeNodeAgentCluster(client: client),
            drainer: KubeNodeDrainer(client: client, timeout: .seconds(10), pollInterval: .milliseconds(200)), options: options)
    }

    func applyMotd(_ text: String, maxUnavailable: Int = 1) throws {
        try kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: motd}
            spec:
              nodeSelector: {role: web}
              rollout: {maxUnavailable: \(maxUnavailable)}
              files:
                - {path: /etc/motd, content: "\(text)\\n", mode: "0644"}
            """)
    }

    func entries() async throws -> [String: NodeAgentStatus] {
        NodeAgentStatus.entries(of: try await client.get(ObjectRef(group: "plumb.dev", version: "v1alpha1", kind: "NodeConfig", name: "motd")))
    }

    func read(_ node: String, _ path: String) -> String? { try? String(contentsOfFile: hostRoot(node) + path, encoding: .utf8) }

    func testANodeConfigIsAppliedOnTheNodesItSelectsAndEachReportsItsStatus() async throws {
        try applyMotd("welcome")
        let outcomes = try await agent("worker-1").reconcile()
        XCTAssertEqual(outcomes.map(\.config), ["motd"])
        XCTAssertEqual(read("worker-1", "/etc/motd"), "welcome\n")
        var status = try await entries()
        let entry = try XCTUnwrap(status["worker-1"])
        XCTAssertEqual(entry.phase, .synced, entry.message)
        XCTAssertEqual(entry.revision, "1")
        XCTAssertTrue(entry.changed)
        XCTAssertEqual(entry.message, "")
        // kubectl sees the same status.
        let printed = try kubectl(["get", "nodeconfig", "motd", "-o", "jsonpath={.status.nodes.worker-1.phase}"])
        XCTAssertEqual(printed, "Synced")

        // A node the selector does not pick is left alone and reports nothing.
        let other = try await agent("worker-3").reconcile()
        XCTAssertEqual(other, [NodeAgent.Outcome(config: "motd", status: nil)])
        XCTAssertNil(read("worker-3", "/etc/motd"))
        status = try await entries()
        XCTAssertEqual(status.keys.sorted(), ["worker-1"])

        // A second pass changes nothing and writes no status.
        let before = try await client.get(ObjectRef(group: "plumb.dev", version: "v1alpha1", kind: "NodeConfig", name: "motd"))
        _ = try await agent("worker-1").reconcile()
        let after = try await client.get(ObjectRef(group: "plumb.dev", version: "v1alpha1", kind: "NodeConfig", name: "motd"))
        XCTAssertEqual(before[path: ["metadata", "resourceVersion"]], after[path: ["metadata", "resourceVersion"]])

        // Drift on the host is put back; a new revision is applied and reported as such.
        try "edited by hand\n".write(toFile: hostRoot("worker-1") + "/etc/motd", atomically: true, encoding: .utf8)
        try applyMotd("welcome back")
        _ = try await agent("worker-1").reconcile()
        XCTAssertEqual(read("worker-1", "/etc/motd"), "welcome back\n")
        status = try await entries()
        XCTAssertEqual(status["worker-1"]?.revision, "2")
        XCTAssertEqual(status["worker-1"]?.phase, .synced)

        // The NodeConfig leaves the cluster: what the agent created is pruned.
        try kubectl(["delete", "nodeconfig", "motd"])
        _ = try await agent("worker-1").reconcile()
        XCTAssertNil(read("worker-1", "/etc/motd"), "the file Plumb created is pruned")
    }

    func testNodesTakeTurnsWithinMaxUnavailableAndAFailedNodeStopsTheRollout() async throws {
        try applyMotd("one at a time", maxUnavailable: 1)
        // worker-2 holds the only turn (its heartbeat is fresh).
        _ = try await agent("worker-2").update("motd") { entries in
            entries["worker-2"] = NodeAgentStatus(revision: "1", phase: .applying, heartbeatTime: Date())
        }
        let waiting = try await agent("worker-1").reconcile()
        XCTAssertEqual(waiting.first?.status?.phase, .waiting)
        XCTAssertEqual(
            waiting.first?.status?.message, "waiting for a turn: 1 of at most 1 nodes applying (worker-2)")
        XCTAssertNil(read("worker-1", "/etc/motd"), "no change without a turn")
        var status = try await entries()
        XCTAssertEqual(status["worker-1"]?.phase, .waiting)

        // A turn whose agent stopped renewing it (for longer than the turn timeout) is free again.
        _ = try await agent("worker-2").update("motd") { entries in
            entries["worker-2"]?.heartbeatTime = Date().addingTimeInterval(-700)
        }
        let expired = try await agent("worker-1").reconcile()
        XCTAssertEqual(expired.first?.status?.phase, .synced, expired.first?.status?.message ?? "")
        XCTAssertEqual(read("worker-1", "/etc/motd"), "one at a time\n")

        // worker-1 failed at revision 2: worker-2 does not start it.
        try applyMotd("two", maxUnavailable: 1)
        _ = try await agent("worker-1").update("motd") { entries in
            entries["worker-1"] = NodeAgentStatus(revision: "2", phase: .failed, changed: true, message: "health check failed")
            entries["worker-2"] = nil
        }
        let stopped = try await agent("worker-2").reconcile()
        XCTAssertEqual(stopped.first?.status?.phase, .waiting)
        XCTAssertEqual(stopped.first?.status?.message, "the rollout of revision 2 stopped at node worker-1: health check failed")
        XCTAssertNil(read("worker-2", "/etc/motd"))
        status = try await entries()
        XCTAssertEqual(status["worker-2"]?.phase, .waiting)
        // ...and worker-1 does not try revision 2 again by itself.
        let failed = try await agent("worker-1").reconcile()
        XCTAssertEqual(failed.first?.status?.phase, .failed)
        XCTAssertEqual(read("worker-1", "/etc/motd"), "one at a time\n")
    }

    func testAFailingHealthCheckRestoresTheNodeAndReportsFailed() async throws {
        try kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: motd}
            spec:
              nodeSelector: {role: web}
              files:
                - {path: /etc/motd, content: "broken\\n"}
              healthChecks:
                - command: "grep -q fine \\"$PLUMB_ROOT/etc/motd\\""
            """)
        try "fine\n".write(toFile: hostRoot("worker-1") + "/etc/motd", atomically: true, encoding: .utf8)
        let outcomes = try await agent("worker-1") { $0.healthTimeout = .seconds(2) }.reconcile()
        let status = try XCTUnwrap(outcomes.first?.status)
        XCTAssertEqual(status.phase, .failed)
        XCTAssertTrue(status.changed)
        XCTAssertTrue(status.message.contains("restored"), status.message)
        XCTAssertEqual(read("worker-1", "/etc/motd"), "fine\n", "the previous content is back")
        let stored = try await entries()
        XCTAssertEqual(stored["worker-1"]?.phase, .failed)
    }

    func testAgentsRunningAtOnceNeverExceedMaxUnavailable() async throws {
        // Each change holds its turn about a second (its health check sleeps).
        try kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: motd}
            spec:
              nodeSelector: {role: web}
              rollout: {maxUnavailable: 1}
              files:
                - {path: /etc/motd, content: "together\\n"}
              healthChecks:
                - command: "sleep 1"
            """)
        let agents = ["worker-1", "worker-2"].map { node in agent(node) { $0.retryInterval = .milliseconds(200) } }
        let runs = agents.map { agent in Task { await agent.run() } }
        defer { for run in runs { run.cancel() } }
        var maxApplying = 0
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let status = try await entries()
            maxApplying = max(maxApplying, status.values.filter { $0.phase == .applying }.count)
            if status.count == 2 && status.values.allSatisfy({ $0.phase == .synced }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let status = try await entries()
        XCTAssertEqual(status.mapValues(\.phase), ["worker-1": .synced, "worker-2": .synced])
        XCTAssertEqual(maxApplying, 1, "maxUnavailable 1: never two nodes applying at once")
        XCTAssertEqual(read("worker-1", "/etc/motd"), "together\n")
        XCTAssertEqual(read("worker-2", "/etc/motd"), "together\n")
    }

    func testADisruptiveChangeDrainsTheNodeAndUncordonsItWhenHealthy() async throws {
        try kubectl(["create", "namespace", "apps"])
        let pod = { (name: String, node: String, owner: String) in
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: \(name)
              namespace: apps
            \(owner)
            spec:
              nodeName: \(node)
              containers: [{name: app, image: nginx}]
            """
        }
        // A static pod's mirror (the kubelet runs it from a file: evicting it would do nothing).
        let mirror = "  annotations: {kubernetes.io/config.mirror: 3f2a9c}"
        try kubectl(["apply", "-f", "-"], stdin: pod("web-on-1", "worker-1", ""))
        try kubectl(["apply", "-f", "-"], stdin: pod("static-on-1", "worker-1", mirror))
        try kubectl(["apply", "-f", "-"], stdin: pod("web-on-2", "worker-2", ""))
        try kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: plumb.dev/v1alpha1
            kind: NodeConfig
            metadata: {name: motd}
            spec:
              nodeSelector: {role: web}
              disruptive: true
              files:
                - {path: /etc/motd, content: "kernel tuning\\n"}
            """)
        let outcomes = try await agent("worker-1").reconcile()
        XCTAssertEqual(outcomes.first?.status?.phase, .synced, outcomes.first?.status?.message ?? "")
        XCTAssertEqual(read("worker-1", "/etc/motd"), "kernel tuning\n")
        let left = try kubectl(["get", "pods", "-n", "apps", "-o", "jsonpath={.items[*].metadata.name}"])
        XCTAssertEqual(left.split(separator: " ").sorted(), ["static-on-1", "web-on-2"], "the node's pods evicted, not a mirror pod or another node's")
        let unschedulable = try kubectl(["get", "node", "worker-1", "-o", "jsonpath={.spec.unschedulable}"])
        XCTAssertEqual(unschedulable, "", "uncordoned once healthy")
    }

    func testTheInstallManifestsCarryTheChartsNodeConfigCRD() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(
            contentsOf: root.appendingPathComponent("charts/plumb/crds/nodeconfigs.plumb.dev.yaml"), encoding: .utf8)
        XCTAssertEqual(InstallManifests.nodeConfigCRDYAML, file)
        XCTAssertEqual(InstallManifests.nodeConfigCRD[path: ["metadata", "name"]]?.stringValue, "nodeconfigs.plumb.dev")
        XCTAssertTrue(InstallManifests.objects().contains { $0[path: ["metadata", "name"]]?.stringValue == "nodeconfigs.plumb.dev" })
    }

    func testTheTurnRule() {
        let now = Date()
        let applying = NodeAgentStatus(revision: "3", phase: .applying, heartbeatTime: now)
        let stale = NodeAgentStatus(revision: "3", phase: .applying, heartbeatTime: now.addingTimeInterval(-700))
        let synced = NodeAgentStatus(revision: "3", phase: .synced)
        func decide(_ entries: [String: NodeAgentStatus], _ max: MaxUnavailable) -> NodeTurn.Decision {
            NodeTurn.decide(node: "n1", revision: "3", entries: entries, maxUnavailable: max, now: now, turnTimeout: 600)
        }
        XCTAssertEqual(decide([:], .count(1)), .go)
        XCTAssertEqual(decide(["n2": applying], .count(1)), .wait("waiting for a turn: 1 of at most 1 nodes applying (n2)"))
        XCTAssertEqual(decide(["n2": applying], .count(2)), .go)
        XCTAssertEqual(decide(["n2": stale], .count(1)), .go)
        // 50% of 4 nodes (n1 included): two at once.
        XCTAssertEqual(decide(["n2": applying, "n3": synced, "n4": synced], .percent(50)), .go)
        XCTAssertEqual(
            decide(["n2": applying, "n3": applying, "n4": synced], .percent(50)),
            .wait("waiting for a turn: 2 of at most 2 nodes applying (n2, n3)"))
        var failed = synced
        failed.phase = .failed
        XCTAssertEqual(decide(["n2": failed], .count(5)), .wait("the rollout of revision 3 stopped at node n2"))
        failed.revision = "2"
        XCTAssertEqual(decide(["n2": failed], .count(1)), .go, "a failure of an older revision does not stop a new one")
    }
}
