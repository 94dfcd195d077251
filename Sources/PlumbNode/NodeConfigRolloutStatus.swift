import Foundation
import PlumbCore

/// Where the rollout of one NodeConfig object stands across the nodes of the cluster, from
/// its `status.nodes` entries (`NodeAgentStatus`, written by each node's agent): per node the
/// revision applied, a state in words and the last error, and the pool's state as a whole.
public struct NodeConfigRolloutStatus: Sendable, Equatable {
    /// A node's place in the rollout of the current revision.
    public enum State: String, Sendable {
        /// Synced at the NodeConfig's current revision.
        case done
        /// Applying, waiting for a turn, or still at an older revision.
        case inProgress = "in progress"
        /// Its change failed at the current revision (its previous state restored when the
        /// message says so).
        case failed
        /// Waiting while another node's failure stops the rollout of the current revision.
        case degradedPool = "degraded pool"
    }

    /// The pool of nodes as a whole.
    public enum Pool: Sendable, Equatable {
        /// No agent has reported yet.
        case noNodes
        /// Every node that reported is synced at the current revision.
        case done
        /// Some nodes are not there yet.
        case inProgress
        /// A node failed at the current revision: the rollout stops there.
        case degraded(node: String, message: String)

        public var word: String {
            switch self {
            case .noNodes: return "no nodes yet"
            case .done: return "done"
            case .inProgress: return "in progress"
            case .degraded: return "degraded pool"
            }
        }
    }

    /// One node's entry.
    public struct Node: Sendable, Equatable {
        public var name: String
        public var entry: NodeAgentStatus
        public var state: State
        /// Whether the entry is about the NodeConfig's current revision.
        public var current: Bool
    }

    public var name: String
    /// The NodeConfig's current revision (`plumb.dev/revision`, else its generation).
    public var revision: String
    /// `role=web, zone=a` and/or `hosts a, b`; `every node` when neither is set.
    public var selector: String
    /// `spec.rollout.maxUnavailable` as declared (`1` when absent).
    public var maxUnavailable: String
    public var pool: Pool
    /// The nodes by name.
    public var nodes: [Node]

    /// The status of a NodeConfig object as the API returns it.
    public init(_ object: Value) {
        name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let revision = NodeAgent.revision(of: object)
        self.revision = revision
        var parts: [String] = []
        if let labels = object[path: ["spec", "nodeSelector"]]?.objectValue, !labels.isEmpty {
            parts.append(labels.map { "\($0.key)=\($0.value.stringValue ?? "")" }.sorted().joined(separator: ", "))
        }
        if let hosts = object[path: ["spec", "hosts"]]?.arrayValue, !hosts.isEmpty {
            parts.append("hosts " + hosts.compactMap(\.stringValue).joined(separator: ", "))
        }
        selector = parts.isEmpty ? "every node" : parts.joined(separator: "; ")
        let max = object[path: ["spec", "rollout", "maxUnavailable"]]
        maxUnavailable = max?.stringValue ?? max?.intValue.map { String($0) } ?? "1"
        let entries = NodeAgentStatus.entries(of: object)
        let failed = entries.filter { $0.value.phase == .failed && $0.value.revision == revision }.keys.sorted().first
        nodes = entries.keys.sorted().map { name in
            let entry = entries[name]!
            let current = entry.revision == revision
            let state: State
            switch entry.phase {
            case .failed where current: state = .failed
            case .synced where current: state = .done
            case .applying: state = .inProgress
            default: state = failed == nil ? .inProgress : .degradedPool
            }
            return Node(name: name, entry: entry, state: state, current: current)
        }
        if let failed {
            pool = .degraded(node: failed, message: entries[failed]!.message)
        } else if nodes.isEmpty {
            pool = .noNodes
        } else if nodes.allSatisfy({ $0.state == .done }) {
            pool = .done
        } else {
            pool = .inProgress
        }
    }

    /// The status as `plumb node status -o json` prints it.
    public var value: Value {
        var pool: Value = ["state": .string(self.pool.word)]
        if case .degraded(let node, let message) = self.pool {
            pool["node"] = .string(node)
            pool["message"] = .string(message)
        }
        return [
            "name": .string(name), "revision": .string(revision), "selector": .string(selector),
            "maxUnavailable": .string(maxUnavailable), "pool": pool, "summary": .string(summary),
            "nodes": .array(
                nodes.map { node in
                    var v = node.entry.value
                    v["node"] = .string(node.name)
                    v["state"] = .string(node.state.rawValue)
                    v["current"] = .bool(node.current)
                    return v
                }),
        ]
    }

    /// `2 of 3 nodes at revision 7`, with where the rollout stopped when the pool is degraded.
    public var summary: String {
        let done = nodes.filter { $0.state == .done }.count
        var text = "\(done) of \(nodes.count) node\(nodes.count == 1 ? "" : "s") at revision \(revision)"
        if case .degraded(let node, let message) = pool {
            text += "; stopped at node \(node)" + (message.isEmpty ? "" : ": \(message)")
        }
        return text
    }
}
