import PlumbCore
import PlumbEngine

/// Takes Kubernetes nodes out of service around a disruptive change: the CLI or the
/// in-cluster agent supplies one that talks to the API server.
public protocol NodeDrainer: Sendable {
    /// Marks the node unschedulable and evicts its pods.
    func cordonAndDrain(node: String) async throws
    /// Makes the node schedulable again.
    func uncordon(node: String) async throws
}

/// One host of a rollout: its target (shell and the NodeConfigs selecting it).
public struct NodeRolloutHost: Sendable {
    public var target: NodeTarget
    /// The Kubernetes node to cordon and drain for a disruptive change; nil: none (an inventory host).
    public var node: String?

    public init(target: NodeTarget, node: String? = nil) {
        self.target = target
        self.node = node
    }

    public var name: String { target.host }
}

/// What happened on one host.
public struct NodeHostResult: Sendable {
    public enum Outcome: String, Sendable {
        /// Nothing to change.
        case unchanged
        /// Changed and healthy.
        case synced
        /// Planned, not written (a diff or a dry run).
        case planned
        /// Changed, failed (apply or health), and put back as it was.
        case restored
        /// Failed and could not be put back (the error says why).
        case failed
        /// Could not be reached.
        case unreachable
        /// Not touched: the rollout stopped before it.
        case notStarted = "not started"
    }

    public var host: String
    public var outcome: Outcome
    /// What was planned, then what was done, per NodeConfig of the host.
    public var changes: ChangeSet
    /// Why the host failed, on one line.
    public var error: String?

    public init(host: String, outcome: Outcome, changes: ChangeSet = ChangeSet([]), error: String? = nil) {
        self.host = host
        self.outcome = outcome
        self.changes = changes
        self.error = error
    }
}

/// Progress of a rollout, for printing.
public enum NodeRolloutEvent: Sendable {
    case batchStarted(index: Int, hosts: [String])
    case drained(host: String)
    case hostDone(NodeHostResult)
}

/// A rollout's result: every host in order.
public struct NodeRolloutResult: Sendable {
    public var hosts: [NodeHostResult]
    /// The per-host plans (the diff).
    public var plans: [String: Plan]

    /// Whether a host failed, was unreachable, or could not be restored.
    public var failed: Bool { hosts.contains { [.failed, .restored, .unreachable].contains($0.outcome) } }

    /// Every object of every host, in host order.
    public var changeSet: ChangeSet { ChangeSet(hosts.flatMap(\.changes.objects)) }
}

/// Applies NodeConfigs across hosts the way a machine pool is updated: the hosts are planned
/// first (one observation each, concurrently); then those with changes are synced in order,
/// `maxUnavailable` at a time (the smallest of the NodeConfigs involved), each host's
/// health checks passing before the next batch. At the first host that fails, the rollout
/// stops after its batch, that host's files, units and sysctls are put back as they were,
/// and the hosts after it are not touched. A disruptive change cordons and drains the
/// host's Kubernetes node first and uncordons it once healthy.
public struct NodeRollout: Sendable {
    public var app: String
    public var hosts: [NodeRolloutHost]
    public var drainer: (any NodeDrainer)?
    /// `prune`, `dryRun`, the health wait's `timeout` and `pollInterval`; `wait` is on when a
    /// NodeConfig declares health checks.
    public var options: SyncOptions
    public var progress: @Sendable (NodeRolloutEvent) -> Void

    public init(
        app: String, hosts: [NodeRolloutHost], drainer: (any NodeDrainer)? = nil, options: SyncOptions = SyncOptions(),
        progress: @escaping @Sendable (NodeRolloutEvent) -> Void = { _ in }
    ) {
        self.app = app
        self.hosts = hosts
        self.drainer = drainer
        self.options = options
        self.progress = progress
    }

    /// Observes every host and plans it; a host that cannot be read is an unreachable or failed result.
    public func plan() async -> (plans: [String: Plan], failures: [NodeHostResult]) {
        let app = self.app
        let prune = options.prune
        let planned = await boundedMap(hosts, limit: 16) { host -> (String, Result<Plan, any Error>) in
            do {
                let plan = try await Planner(app: app).plan(
                    desired: host.target.resources, target: host.target, pruneCandidates: prune)
                return (host.name, .success(plan))
            } catch {
                return (host.name, .failure(error))
            }
        }
        var plans: [String: Plan] = [:]
        var failures: [NodeHostResult] = []
        for (name, result) in planned {
            switch result {
            case .success(let plan): plans[name] = plan
            case .failure(let error):
                let host = hosts.first { $0.name == name }
                let text = host?.target.sensitive.redact("\(error)") ?? "\(error)"
                failures.append(
                    NodeHostResult(host: name, outcome: error is HostUnreachable ? .unreachable : .failed, error: text))
            }
        }
        return (plans, failures)
    }

    /// Plans every host and, unless `options.dryRun`, rolls the changes out.
    public func run() async -> NodeRolloutResult {
        let (plans, failures) = await plan()
        var results: [String: NodeHostResult] = [:]
        for f in failures { results[f.host] = f }
        let changing = hosts.filter {
            plans[$0.name].map { $0.hasChanges && !$0.objects.isEmpty || options.prune && !$0.prune.isEmpty } ?? false
        }
        for host in hosts where results[host.name] == nil && !changing.contains(where: { $0.name == host.name }) {
            let plan = plans[host.name]
            results[host.name] = NodeHostResult(
                host: host.name, outcome: .unchanged, changes: plan.map { visible($0.changeSet) } ?? ChangeSet([]))
        }
        let stopped = !failures.isEmpty
        if options.dryRun || stopped {
            for host in changing {
                let plan = plans[host.name]!
                results[host.name] = NodeHostResult(
                    host: host.name, outcome: options.dryRun && !stopped ? .planned : .notStarted,
                    changes: skipped(plan, why: options.dryRun ? nil : "a host could not be read"),
                    error: stopped && !options.dryRun ? "not started: a host could not be read" : nil)
            }
        } else {
            let configs = changing.flatMap { h in
                plans[h.name]!.objects.filter { $0.action != .unchanged }.compactMap { h.target.config(named: $0.ref) }
            }
            let size = configs.map { $0.maxUnavailable.batchSize(of: hosts.count) }.min() ?? 1
            var index = 0
            var halted: String?
            while index < changing.count {
                let batch = Array(changing[index..<min(index + size, changing.count)])
                index += batch.count
                if let halted {
                    for host in batch {
                        results[host.name] = NodeHostResult(
                            host: host.name, outcome: .notStarted,
                            changes: skipped(plans[host.name]!, why: "the rollout stopped at \(halted)"),
                            error: "not started: the rollout stopped at \(halted)")
                    }
                    continue
                }
                progress(.batchStarted(index: (index - 1) / size, hosts: batch.map(\.name)))
                let rollout = self
                let done = await boundedMap(batch, limit: batch.count) { host in
                    await rollout.sync(host, plan: plans[host.name]!)
                }
                for result in done {
                    results[result.host] = result
                    progress(.hostDone(result))
                    if result.outcome != .synced && halted == nil { halted = result.host }
                }
            }
        }
        return NodeRolloutResult(hosts: hosts.compactMap { results[$0.name] }, plans: plans)
    }

    /// Syncs one host through the engine's executor, waiting for its health checks; on failure
    /// restores the NodeConfigs it wrote.
    func sync(_ host: NodeRolloutHost, plan: Plan) async -> NodeHostResult {
        let target = host.target
        let disruptive = plan.objects.contains {
            $0.action != .unchanged && (target.config(named: $0.ref)?.disruptive ?? false)
        }
        var drained = false
        if disruptive, let drainer, let node = host.node {
            do {
                try await drainer.cordonAndDrain(node: node)
                drained = true
                progress(.drained(host: host.name))
            } catch {
                return NodeHostResult(
                    host: host.name, outcome: .failed, changes: skipped(plan, why: "the node could not be drained"),
                    error: "cordon and drain of node \(node) failed: \(error)")
            }
        }
        var options = self.options
        // One NodeConfig at a time on a host: two apt-get runs would fight over dpkg's lock.
        options.concurrency = 1
        options.wait = plan.objects.contains { !(target.config(named: $0.ref)?.healthChecks.isEmpty ?? true) }
        let changes = visible(await Executor(target: target).run(plan, options: options))
        let failure = changes.objects.first { $0.action == .failed || $0.error != nil }
        guard let failure else {
            if drained, let drainer, let node = host.node {
                do {
                    try await drainer.uncordon(node: node)
                } catch {
                    return NodeHostResult(
                        host: host.name, outcome: .failed, changes: changes,
                        error: "uncordon of node \(node) failed: \(error)")
                }
            }
            return NodeHostResult(host: host.name, outcome: .synced, changes: changes)
        }
        let reason = failure.error ?? "\(failure.ref): failed"
        if changes.objects.contains(where: { $0.error?.contains(HostUnreachable.marker) ?? false }) {
            return NodeHostResult(host: host.name, outcome: .unreachable, changes: changes, error: reason)
        }
        // Compensation: every NodeConfig written (or half written) goes back to its backup.
        var restoreErrors: [String] = []
        var restored = 0
        for object in changes.objects {
            guard let (config, _) = NodeTarget.split(object.ref), target.journal.contains(config) else { continue }
            restored += 1
            do {
                try await target.restore(config)
            } catch {
                restoreErrors.append("\(error)")
            }
        }
        if restored == 0 { return NodeHostResult(host: host.name, outcome: .failed, changes: changes, error: reason) }
        if restoreErrors.isEmpty {
            return NodeHostResult(host: host.name, outcome: .restored, changes: changes, error: reason + " (restored)")
        }
        return NodeHostResult(
            host: host.name, outcome: .failed, changes: changes,
            error: reason + "; restore failed: " + restoreErrors.joined(separator: "; "))
    }

    /// The changes with secret contents masked.
    func visible(_ set: ChangeSet) -> ChangeSet {
        hosts.reduce(SensitiveValues()) { $0.union($1.target.sensitive) }.masked(set)
    }

    /// The plan's changes as not applied, saying why.
    func skipped(_ plan: Plan, why: String?) -> ChangeSet {
        var set = plan.changeSet
        if let why {
            set.objects = set.objects.map { o in
                guard o.action != .unchanged else { return o }
                var o = o
                o.action = .skipped
                o.error = "\(o.ref): not applied: \(why)"
                return o
            }
        }
        return visible(set)
    }
}

extension NodeTarget {
    /// The NodeConfig an object of this target names.
    func config(named ref: ObjectRef) -> NodeConfig? {
        NodeTarget.split(ref).flatMap { configs[$0.config] }
    }
}

extension HostUnreachable {
    /// How an unreachable host's error reads inside a sync error.
    static let marker = "unreachable: "
}

/// Runs `body` for every item with at most `limit` at once; results in item order.
func boundedMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async -> Result
) async -> [Result] {
    await withTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: items.count)
        var next = 0
        while next < min(limit, items.count) {
            let (index, item) = (next, items[next])
            group.addTask { (index, await body(item)) }
            next += 1
        }
        while let (index, result) = await group.next() {
            results[index] = result
            if next < items.count {
                let (i, item) = (next, items[next])
                group.addTask { (i, await body(item)) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
