import Foundation
import PlumbCore

/// One node's entry in a NodeConfig's `status.nodes`, written by the node agent of that node
/// through the status subresource:
///
/// ```yaml
/// status:
///   nodes:
///     worker-1: {revision: "3", phase: Synced, changed: true, message: "", lastTransitionTime: ...}
///     worker-2: {revision: "3", phase: Applying, changed: false, heartbeatTime: ..., ...}
/// ```
public struct NodeAgentStatus: Sendable, Equatable {
    public enum Phase: String, Sendable {
        /// The node differs from the NodeConfig and waits for its turn (the message says why).
        case waiting = "Waiting"
        /// The node holds a turn and is being changed.
        case applying = "Applying"
        /// The node has what the NodeConfig declares.
        case synced = "Synced"
        /// The change failed on the node (its previous state was restored when the message
        /// says so); the rollout of this revision stops here.
        case failed = "Failed"
    }

    /// The revision of the NodeConfig the entry is about (`plumb.dev/revision`, else its
    /// `metadata.generation`).
    public var revision: String
    public var phase: Phase
    /// Whether the agent changed the node for this revision.
    public var changed: Bool
    public var message: String
    public var lastTransitionTime: Date
    /// Renewed while `Applying`: a turn whose heartbeat is older than the turn timeout is
    /// free again (its agent died).
    public var heartbeatTime: Date?

    public init(
        revision: String, phase: Phase, changed: Bool = false, message: String = "", lastTransitionTime: Date = Date(),
        heartbeatTime: Date? = nil
    ) {
        self.revision = revision
        self.phase = phase
        self.changed = changed
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.heartbeatTime = heartbeatTime
    }

    /// The entry as stored; nil when it is not one (a foreign or broken entry is ignored).
    public init?(_ value: Value) {
        guard let revision = value["revision"]?.stringValue, let phase = value["phase"]?.stringValue.flatMap(Phase.init)
        else { return nil }
        self.revision = revision
        self.phase = phase
        changed = value["changed"]?.boolValue ?? false
        message = value["message"]?.stringValue ?? ""
        lastTransitionTime = value["lastTransitionTime"]?.stringValue.flatMap(NodeAgentStatus.parseTime) ?? .distantPast
        heartbeatTime = value["heartbeatTime"]?.stringValue.flatMap(NodeAgentStatus.parseTime)
    }

    public var value: Value {
        var v: Value = [
            "revision": .string(revision), "phase": .string(phase.rawValue), "changed": .bool(changed),
            "message": .string(message), "lastTransitionTime": .string(NodeAgentStatus.formatTime(lastTransitionTime)),
        ]
        if let heartbeatTime { v["heartbeatTime"] = .string(NodeAgentStatus.formatTime(heartbeatTime)) }
        return v
    }

    /// Whether two entries say the same (times aside): no status write is needed between them.
    public func sameState(as other: NodeAgentStatus?) -> Bool {
        guard let other else { return false }
        return revision == other.revision && phase == other.phase && changed == other.changed && message == other.message
    }

    /// The entries of `status.nodes` of a NodeConfig object.
    public static func entries(of object: Value) -> [String: NodeAgentStatus] {
        var entries: [String: NodeAgentStatus] = [:]
        guard let nodes = object[path: ["status", "nodes"]]?.objectValue else { return entries }
        for e in nodes {
            if let entry = NodeAgentStatus(e.value) { entries[e.key] = entry }
        }
        return entries
    }

    /// `object` with `status.nodes` replaced by `entries` (other status fields kept).
    public static func object(_ object: Value, with entries: [String: NodeAgentStatus]) -> Value {
        var object = object
        var status = object["status"]?.objectValue.map(Value.object) ?? [:]
        var nodes: Value = [:]
        for node in entries.keys.sorted() { nodes[node] = entries[node]!.value }
        status["nodes"] = nodes
        object["status"] = status
        return object
    }

    /// RFC 3339 in UTC to the second, as `metav1.Time`.
    public static func formatTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}

/// The rule that orders a NodeConfig's rollout across nodes without a central scheduler:
/// the status is the semaphore. A node whose state differs from revision R may move its entry
/// to `Applying` (a compare-and-swap: the status is replaced at the resourceVersion it was
/// read at, so two agents cannot both take the last turn) when
/// - no other node is `Failed` at R (a failure stops the rollout of R, as a machine pool is
///   degraded; a new revision starts over), and
/// - fewer other nodes are `Applying` (with a heartbeat younger than the turn timeout) than
///   `maxUnavailable` allows of the nodes listed in the status.
public enum NodeTurn {
    public enum Decision: Sendable, Equatable {
        case go
        case wait(String)
    }

    public static func decide(
        node: String, revision: String, entries: [String: NodeAgentStatus], maxUnavailable: MaxUnavailable, now: Date,
        turnTimeout: TimeInterval
    ) -> Decision {
        let others = entries.filter { $0.key != node }
        if let failed = others.filter({ $0.value.phase == .failed && $0.value.revision == revision }).keys.min() {
            let message = others[failed]!.message
            return .wait("the rollout of revision \(revision) stopped at node \(failed)" + (message.isEmpty ? "" : ": \(message)"))
        }
        let busy = others.filter { entry in
            entry.value.phase == .applying && now.timeIntervalSince(entry.value.heartbeatTime ?? entry.value.lastTransitionTime) < turnTimeout
        }.keys.sorted()
        let total = max(entries.count + (entries[node] == nil ? 1 : 0), 1)
        let limit = maxUnavailable.batchSize(of: total)
        if busy.count < limit { return .go }
        return .wait("waiting for a turn: \(busy.count) of at most \(limit) nodes applying (\(busy.joined(separator: ", ")))")
    }
}
