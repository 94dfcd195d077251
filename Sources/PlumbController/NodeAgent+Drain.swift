import Foundation
import PlumbCore
import PlumbKube
import PlumbNode

/// Cordons and drains a Kubernetes node around a `disruptive` NodeConfig, as `kubectl drain`
/// does: the node is marked unschedulable, then every pod on it is evicted through the
/// Eviction API (so PodDisruptionBudgets hold) except DaemonSet pods and static (mirror) pods,
/// and the drain waits until they are gone; uncordon makes the node schedulable again.
public struct KubeNodeDrainer: NodeDrainer {
    let client: KubeClient
    /// How long evictions may be refused (a PodDisruptionBudget) and pods take to go.
    public var timeout: Duration
    public var pollInterval: Duration

    public init(client: KubeClient, timeout: Duration = .seconds(300), pollInterval: Duration = .seconds(2)) {
        self.client = client
        self.timeout = timeout
        self.pollInterval = pollInterval
    }

    public func cordonAndDrain(node: String) async throws {
        try await setUnschedulable(node, true)
        let deadline = ContinuousClock.now + timeout
        while true {
            let pods = try await evictablePods(on: node)
            if pods.isEmpty { return }
            var refused: [String] = []
            for pod in pods {
                let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
                let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
                let eviction: Value = [
                    "apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": .string(name), "namespace": .string(namespace)],
                ]
                let response = try await client.perform(
                    KubeRequest(
                        method: "POST", path: "/api/v1/namespaces/\(namespace)/pods/\(name)/eviction",
                        headers: [HTTPHeader("Content-Type", "application/json")], body: try JSONWriter().bytes(eviction)))
                switch response.status {
                case 200..<300, 404: continue
                case 429: refused.append("\(namespace)/\(name)")  // a PodDisruptionBudget allows no disruption now
                default:
                    throw NodeAgentError(
                        "node \(node): eviction of pod \(namespace)/\(name) failed: HTTP \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))")
                }
            }
            if ContinuousClock.now >= deadline {
                let left = refused.isEmpty ? pods.map { "\($0[path: ["metadata", "namespace"]]?.stringValue ?? "")/\($0[path: ["metadata", "name"]]?.stringValue ?? "")" } : refused
                throw NodeAgentError("node \(node): not drained after \(timeout): \(left.joined(separator: ", "))")
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    public func uncordon(node: String) async throws {
        try await setUnschedulable(node, false)
    }

    func setUnschedulable(_ node: String, _ value: Bool) async throws {
        _ = try await client.patch(
            ObjectRef(group: "", version: "v1", kind: "Node", name: node), .merge(["spec": ["unschedulable": value ? true : .null]]))
    }

    /// The pods on `node` a drain evicts: not DaemonSet pods (their controller would put them
    /// back at once), not mirror pods of static manifests, not pods already finished.
    func evictablePods(on node: String) async throws -> [Value] {
        let pods = try await client.list(apiVersion: "v1", kind: "Pod", fieldSelector: "spec.nodeName=\(node)").items
        return pods.filter { pod in
            guard pod[path: ["spec", "nodeName"]]?.stringValue == node else { return false }
            if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] != nil { return false }
            if ["Succeeded", "Failed"].contains(pod[path: ["status", "phase"]]?.stringValue ?? "") { return false }
            let owners = pod[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
            return !owners.contains { $0["kind"]?.stringValue == "DaemonSet" }
        }
    }
}
