import Foundation
import PlumbCore
import PlumbKube
import PlumbNode
import Synchronization

/// The node agent's view of the cluster through the Kubernetes API: the node's labels,
/// the NodeConfigs (cluster-scoped), their status subresource replaced at the resourceVersion
/// read (409 Conflict is another agent's write), and a watch that wakes the agent.
public final class KubeNodeAgentCluster: NodeAgentCluster {
    let client: KubeClient
    /// The resourceVersion of the last list: the watch starts there.
    private let lastList = Mutex("")

    public init(client: KubeClient) { self.client = client }

    public static let nodeConfigAPIVersion = "plumb.dev/v1alpha1"

    public func labels(ofNode node: String) async throws -> [String: String] {
        let object = try await client.get(ObjectRef(group: "", version: "v1", kind: "Node", name: node))
        var labels: [String: String] = [:]
        guard let map = object[path: ["metadata", "labels"]]?.objectValue else { return labels }
        for e in map {
            if let text = e.value.stringValue { labels[e.key] = text }
        }
        return labels
    }

    public func nodeConfigs() async throws -> [Value] {
        let list = try await client.list(apiVersion: Self.nodeConfigAPIVersion, kind: NodeConfig.kind)
        lastList.withLock { $0 = list.resourceVersion }
        return list.items
    }

    public func nodeConfig(named name: String) async throws -> Value? {
        do {
            return try await client.get(ObjectRef(group: "plumb.dev", version: "v1alpha1", kind: NodeConfig.kind, name: name))
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }

    public func replaceStatus(_ object: Value) async throws -> Bool {
        do {
            _ = try await client.updateStatus(object)
            return true
        } catch let error as StatusError where error.reason == .conflict {
            return false
        }
    }

    public func waitForChange(timeout: Duration) async {
        let from = lastList.withLock { $0 }
        let client = self.client
        let seconds = max(1, Int(timeout.components.seconds))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard !from.isEmpty else {
                    try? await Task.sleep(for: timeout)
                    return
                }
                let target = WatchTarget(apiVersion: Self.nodeConfigAPIVersion, kind: NodeConfig.kind)
                do {
                    for try await event in client.watch(target, resourceVersion: from, timeoutSeconds: seconds)
                    where event.kind != .bookmark {
                        return
                    }
                } catch {
                    // A dropped or expired watch: the next pass lists again; no busy loop.
                }
                try? await Task.sleep(for: timeout)
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }
}
