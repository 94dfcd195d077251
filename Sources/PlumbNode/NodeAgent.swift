import Foundation
import PlumbCore
import PlumbEngine

/// What the node agent needs from the Kubernetes API; the controller module implements it
/// with its client, tests may fake it.
public protocol NodeAgentCluster: Sendable {
    /// The labels of the Kubernetes node `node`.
    func labels(ofNode node: String) async throws -> [String: String]
    /// Every NodeConfig object, as the API server returns it.
    func nodeConfigs() async throws -> [Value]
    /// One NodeConfig object; nil when it does not exist (any more).
    func nodeConfig(named name: String) async throws -> Value?
    /// Replaces the status of `object` at its `metadata.resourceVersion`; false when another
    /// writer changed the object since it was read (409 Conflict).
    func replaceStatus(_ object: Value) async throws -> Bool
    /// Returns when a NodeConfig may have changed, or after `timeout`.
    func waitForChange(timeout: Duration) async
}

/// `plumb node-agent`: reconciles the NodeConfigs that select one Kubernetes node on that
/// node, through a `HostShell` on the host's root (`LocalHostShell(root: "/host")` in the
/// DaemonSet's pod), and reports the outcome in each NodeConfig's `status.nodes[<node>]`.
/// A node with changes takes a turn first (`NodeTurn`): the status is the semaphore that
/// keeps a rollout within `maxUnavailable` across the agents of all nodes, and stops it at
/// the first failed node. Level-based: each pass reads the NodeConfigs and the host again.
public struct NodeAgent: Sendable {
    public struct Options: Sendable {
        /// Passes happen at least this often, and at once when a NodeConfig changes.
        public var interval: Duration = .seconds(60)
        /// How soon a node waiting for a turn tries again.
        public var retryInterval: Duration = .seconds(5)
        /// An `Applying` entry whose heartbeat is older than this frees its turn (its agent died).
        public var turnTimeout: TimeInterval = 600
        /// How long health checks may take after a change.
        public var healthTimeout: Duration = .seconds(300)
        /// The app name recorded on the host for what the agent creates (what it may prune).
        public var app = "node-agent"

        public init() {}
    }

    /// What one pass did for one NodeConfig.
    public struct Outcome: Sendable, Equatable {
        public var config: String
        /// The entry written (or already there); nil when the NodeConfig does not select the node.
        public var status: NodeAgentStatus?
    }

    public let node: String
    public let shell: any HostShell
    public let cluster: any NodeAgentCluster
    public let drainer: (any NodeDrainer)?
    public var options: Options
    public var log: @Sendable (String) -> Void

    public init(
        node: String, shell: any HostShell, cluster: any NodeAgentCluster, drainer: (any NodeDrainer)? = nil,
        options: Options = Options(), log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.node = node
        self.shell = shell
        self.cluster = cluster
        self.drainer = drainer
        self.options = options
        self.log = log
    }

    /// Passes until the task is cancelled; a pass that fails (the API server unreachable) is
    /// logged and retried after `retryInterval`.
    public func run() async {
        while !Task.isCancelled {
            var again = options.interval
            do {
                let outcomes = try await reconcile()
                if outcomes.contains(where: { $0.status?.phase == .waiting }) { again = options.retryInterval }
            } catch {
                log("node-agent \(node): \(error)")
                again = options.retryInterval
            }
            await cluster.waitForChange(timeout: again)
        }
    }

    /// One pass: reads the node's labels and the NodeConfigs, plans the host, takes turns for
    /// the NodeConfigs with changes, applies them, and writes the status entries that changed.
    public func reconcile() async throws -> [Outcome] {
        let labels = try await cluster.labels(ofNode: node)
        var selected: [(object: Value, config: NodeConfig)] = []
        var outcomes: [Outcome] = []
        for object in try await cluster.nodeConfigs() {
            let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
            let config: NodeConfig
            do {
                config = try NodeConfig(try Resource(object))
            } catch {
                // Broken NodeConfigs are reported by the nodes their nodeSelector names.
                let selector = object[path: ["spec", "nodeSelector"]]?.objectValue
                if let selector, !selector.isEmpty,
                    selector.allSatisfy({ labels[$0.key] == $0.value.stringValue })
                {
                    let status = try await report(name, .failed, revision: NodeAgent.revision(of: object), message: "\(error)")
                    outcomes.append(Outcome(config: name, status: status))
                }
                continue
            }
            guard config.selector.selects(name: node, groups: [], labels: labels) else {
                // No longer selected (the node's labels or the selector changed): no entry.
                if NodeAgentStatus.entries(of: object)[node] != nil { _ = try await update(name) { $0[node] = nil } }
                outcomes.append(Outcome(config: name, status: nil))
                continue
            }
            selected.append((object, config))
        }
        let configs = selected.map(\.config)
        let revisions = Dictionary(selected.map { ($0.config.name, NodeAgent.revision(of: $0.object)) }, uniquingKeysWith: { a, _ in a })
        let target = NodeTarget(shell: shell, configs: configs)
        var sync = SyncOptions(prune: true, timeout: options.healthTimeout)
        sync.pollInterval = .seconds(1)
        let rollout = NodeRollout(app: options.app, hosts: [NodeRolloutHost(target: target, node: node)], drainer: drainer, options: sync)
        let (plans, failures) = await rollout.plan()
        if let failure = failures.first {
            for config in configs {
                let status = try await report(config.name, .failed, revision: revisions[config.name], message: failure.error ?? "cannot read the host")
                outcomes.append(Outcome(config: config.name, status: status))
            }
            return outcomes
        }
        guard let plan = plans[node] else { return outcomes }
        let previous = Dictionary(
            selected.map { ($0.config.name, NodeAgentStatus.entries(of: $0.object)[node]) }, uniquingKeysWith: { a, _ in a })
        var changing = Set(plan.objects.filter { $0.action != .unchanged }.compactMap { NodeTarget.split($0.ref)?.config })
        for config in configs where !changing.contains(config.name) {
            // Synced; `changed` stays as the pass that changed this revision left it.
            let last = previous[config.name] ?? nil
            let changed = last?.revision == revisions[config.name] && last?.changed == true
            let status = try await report(config.name, .synced, revision: revisions[config.name], changed: changed)
            outcomes.append(Outcome(config: config.name, status: status))
        }
        // A change that failed here is not tried again for the same revision (the node stays
        // Failed, and the rollout stopped): a new revision tries again.
        for name in changing {
            guard let last = previous[name] ?? nil, last.phase == .failed, last.changed, last.revision == revisions[name] else { continue }
            changing.remove(name)
            outcomes.append(Outcome(config: name, status: last))
        }
        guard !changing.isEmpty || !plan.prune.isEmpty else { return outcomes }
        // Turns in name order, all or none: an agent never holds one turn while waiting for another.
        var held: [String] = []
        for config in configs.filter({ changing.contains($0.name) }).sorted(by: { $0.name < $1.name }) {
            if let reason = try await takeTurn(config, revision: revisions[config.name] ?? "") {
                for c in configs where changing.contains(c.name) {
                    let why = c.name == config.name ? reason : "waiting for a turn of \(config.name)"
                    let status = try await report(c.name, .waiting, revision: revisions[c.name], message: why)
                    outcomes.append(Outcome(config: c.name, status: status))
                }
                return outcomes
            }
            held.append(config.name)
        }
        log("node-agent \(node): applying \(held.joined(separator: ", "))")
        // The turn's heartbeat, renewed while the change and its health checks run.
        let heartbeat = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(max(1, options.turnTimeout / 3)))
                for name in held {
                    _ = try? await update(name) { entries in
                        if entries[node]?.phase == .applying { entries[node]?.heartbeatTime = Date() }
                    }
                }
            }
        }
        let result = await rollout.run()
        heartbeat.cancel()
        let host = result.hosts.first { $0.host == node }
        for name in held {
            let status: NodeAgentStatus
            if host?.outcome == .synced || host?.outcome == .unchanged {
                status = try await report(name, .synced, revision: revisions[name], changed: true)
            } else {
                let message = host?.error ?? "the change failed"
                log("node-agent \(node): \(name): \(message)")
                status = try await report(name, .failed, revision: revisions[name], changed: true, message: message)
            }
            outcomes.append(Outcome(config: name, status: status))
        }
        return outcomes
    }

    /// The revision of a NodeConfig object: the Git revision the controller applied
    /// (`plumb.dev/revision`), else its generation.
    public static func revision(of object: Value) -> String {
        if let revision = object[path: ["metadata", "annotations", "plumb.dev/revision"]]?.stringValue, !revision.isEmpty {
            return revision
        }
        return String(object[path: ["metadata", "generation"]]?.intValue ?? 0)
    }

    /// Moves this node's entry to `Applying` when `NodeTurn` allows; else returns why not.
    func takeTurn(_ config: NodeConfig, revision: String) async throws -> String? {
        var refusal: String?
        _ = try await update(config.name) { entries in
            let now = Date()
            switch NodeTurn.decide(
                node: node, revision: revision, entries: entries, maxUnavailable: config.maxUnavailable, now: now,
                turnTimeout: options.turnTimeout)
            {
            case .go:
                refusal = nil
                entries[node] = NodeAgentStatus(revision: revision, phase: .applying, lastTransitionTime: now, heartbeatTime: now)
            case .wait(let reason):
                refusal = reason
            }
        }
        return refusal
    }

    /// Writes this node's entry unless it already says the same; returns the entry.
    @discardableResult
    func report(
        _ name: String, _ phase: NodeAgentStatus.Phase, revision: String? = nil, changed: Bool = false, message: String = ""
    ) async throws -> NodeAgentStatus {
        var written = NodeAgentStatus(revision: revision ?? "", phase: phase, changed: changed, message: message)
        _ = try await update(name) { entries in
            var wanted = written
            if revision == nil { wanted.revision = entries[node]?.revision ?? "" }
            if wanted.sameState(as: entries[node]) {
                written = entries[node]!
                return
            }
            entries[node] = wanted
            written = wanted
        }
        return written
    }

    /// Read, change `status.nodes`, replace at the read resourceVersion; again on a conflict
    /// (at most 10 times). No write when `change` leaves the entries as they were.
    func update(_ name: String, _ change: (inout [String: NodeAgentStatus]) -> Void) async throws -> Bool {
        for _ in 0..<10 {
            guard let object = try await cluster.nodeConfig(named: name) else { return false }
            let before = NodeAgentStatus.entries(of: object)
            var entries = before
            change(&entries)
            if entries == before { return false }
            if try await cluster.replaceStatus(NodeAgentStatus.object(object, with: entries)) { return true }
        }
        throw NodeAgentError("NodeConfig \(name): status of node \(node) not written: 10 conflicts in a row")
    }
}

/// A node agent failure that is not the host's (the API server refused a write).
public struct NodeAgentError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
