import PlumbCore
import PlumbEngine
import Synchronization

/// One host as a place Plumb reconciles: the engine's `Target` for the NodeConfigs that
/// select the host. Each (NodeConfig, host) pair is one object, named
/// `plumb.dev/v1alpha1 NodeConfig web-tuning @ host-2`; everything is done by POSIX sh
/// scripts through the host's `HostShell` (one script reads the whole host).
public struct NodeTarget: Target {
    /// How the host is reached.
    public let shell: any HostShell
    /// The NodeConfigs this target knows, by name.
    public let configs: [String: NodeConfig]
    /// Contents never shown in clear (decrypted SOPS values); files marked `sensitive` are masked too.
    public let sensitive: SensitiveValues
    /// The NodeConfigs whose apply script ran through this target: what a restore may put back.
    let journal = ApplyJournal()

    /// A target for the host `shell` reaches, applying `configs`.
    public init(shell: any HostShell, configs: [NodeConfig], sensitive: SensitiveValues = SensitiveValues()) {
        self.shell = shell
        self.configs = Dictionary(configs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var secrets = sensitive
        for c in configs { secrets.insert(contentsOf: c.sensitiveContents) }
        self.sensitive = secrets
    }

    /// The host's name.
    public var host: String { shell.host }

    /// `plumb.dev/v1alpha1 NodeConfig <config> @ <host>`.
    public static func ref(config: String, host: String) -> ObjectRef {
        ObjectRef(group: "plumb.dev", version: "v1alpha1", kind: NodeConfig.kind, name: "\(config) @ \(host)")
    }

    /// The NodeConfig and host an object of this target names.
    public static func split(_ ref: ObjectRef) -> (config: String, host: String)? {
        guard ref.group == "plumb.dev", ref.kind == NodeConfig.kind, let at = ref.name.range(of: " @ ") else {
            return nil
        }
        return (String(ref.name[..<at.lowerBound]), String(ref.name[at.upperBound...]))
    }

    /// The object the engine plans for `config` on this host.
    public func resource(for config: NodeConfig) -> Resource {
        let ref = NodeTarget.ref(config: config.name, host: host)
        let body: Value = [
            "apiVersion": .string(NodeConfig.apiVersion), "kind": .string(NodeConfig.kind),
            "metadata": ["name": .string(ref.name), "annotations": ["plumb.dev/host": .string(host)]],
        ]
        // The body is well formed by construction.
        var resource = try! Resource(body, source: config.source)
        resource.source = config.source
        return resource
    }

    /// The resources for every config this target knows, in name order.
    public var resources: [Resource] { configs.keys.sorted().compactMap { configs[$0].map(resource(for:)) } }

    func config(_ ref: ObjectRef) throws(NodeScriptError) -> NodeConfig {
        guard let (name, h) = NodeTarget.split(ref), h == host, let config = configs[name] else {
            throw NodeScriptError("not a NodeConfig of host \(host)")
        }
        return config
    }

    /// Runs a script; a failing one throws its last error line.
    @discardableResult
    func run(_ script: String, what: String) async throws -> String {
        let result = try await shell.run(script, input: nil)
        guard result.status == 0 else {
            // The executor names the object (and so the host) and the stage before this.
            let last =
                result.stderr.split(separator: "\n").last.map(String.init)
                ?? "\(what) exited with status \(result.status)"
            throw NodeScriptError(sensitive.redact(last))
        }
        return result.stdoutText
    }

    // MARK: Target

    public func observe(_ desired: [Resource], app: String, pruneCandidates: Bool) async throws -> Observation {
        let wanted = try desired.map { resource throws(NodeScriptError) in try config(resource.ref) }
        try NodeTarget.checkOverlaps(wanted)
        let state = try HostState.parse(
            try await run(NodeObserveScript.script(for: wanted, sensitive: sensitive), what: "reading the host"))
        var observation = Observation()
        for config in wanted {
            if let live = NodeView.live(config, state: state, host: host) {
                observation.live[NodeTarget.ref(config: config.name, host: host).identity] = live
            }
        }
        guard pruneCandidates else { return observation }
        let names = Set(wanted.map { NodeScript.fileName($0.name) })
        for (name, ledger) in state.ledgers.sorted(by: { $0.key < $1.key })
        where ledger.app == app && !names.contains(name) {
            var resource = resource(for: NodeConfig(name: name, selector: HostSelector()))
            resource.setLabel(SyncLabels.app, app)
            observation.appObjects.append(resource)
        }
        return observation
    }

    public func compare(_ desired: Resource, live: Value?) throws -> ObjectDiff {
        NodeView.diff(try config(desired.ref), live: live, ref: desired.ref, sensitive: sensitive)
    }

    /// Files first, then everything in one step per config: one phase.
    public func phase(of ref: ObjectRef) -> Int { 0 }

    public func dryRun(_ resource: Resource, force: Bool) async throws {
        try await run(NodeValidateScript.script(for: try config(resource.ref)), what: "validating \(resource.ref.name)")
    }

    public func apply(_ resource: Resource, force: Bool) async throws {
        let config = try config(resource.ref)
        let app = resource.labels[SyncLabels.app] ?? ""
        journal.record(config.name)
        try await run(NodeApplyScript.apply(config, app: app), what: "applying")
    }

    public func delete(_ ref: ObjectRef) async throws {
        guard let (name, _) = NodeTarget.split(ref) else {
            throw NodeScriptError("\(ref) is not a NodeConfig of a host")
        }
        try await run(NodeApplyScript.delete(name), what: "pruning")
    }

    public func health(of ref: ObjectRef) async throws -> HealthStatus {
        let config = try config(ref)
        guard !config.healthChecks.isEmpty else { return .healthy }
        let result = try await shell.run(NodeHealthScript.script(for: config.healthChecks), input: nil)
        let failures = result.stdoutText.split(separator: "\n").filter { $0.hasPrefix("fail\t") }
            .map { $0.dropFirst(5).replacingOccurrences(of: "\t", with: ": ") }
        if result.status == 0 && failures.isEmpty { return .healthy }
        let message = failures.isEmpty ? "health checks failed: \(result.stderr)" : failures.joined(separator: "; ")
        // Not degraded at once: a service may need a moment; the wait's timeout decides.
        return HealthStatus(.progressing, sensitive.redact(message))
    }

    public func isTransient(_ error: any Error) -> Bool { false }

    /// Two NodeConfigs of one host may not manage the same path, sysctl, package or unit: each
    /// would undo the other at every sync.
    static func checkOverlaps(_ configs: [NodeConfig]) throws(NodeScriptError) {
        var owners: [String: String] = [:]
        var problems: [String] = []
        for config in configs {
            let items =
                ManagedFile.all(of: config).map { "files[\($0.file.path)]" }
                + config.sysctls.map { "sysctls[\($0.key)]" }
                + config.packages.map { "packages[\($0.name)]" } + config.units.map { "units[\($0.name)]" }
            for item in Set(items).sorted() {
                if let other = owners[item] {
                    problems.append("\(item) is declared by NodeConfigs \(other) and \(config.name)")
                } else {
                    owners[item] = config.name
                }
            }
        }
        guard problems.isEmpty else { throw NodeScriptError(problems.joined(separator: "; ")) }
    }

    /// Puts back what the last apply of `config` changed on this host (compensation of a
    /// failed rollout).
    public func restore(_ config: String) async throws {
        try await run(NodeApplyScript.restore(config), what: "restoring \(config)")
    }
}

/// The NodeConfigs applied through one target (shared by its copies).
final class ApplyJournal: Sendable {
    private let names = Mutex<Set<String>>([])

    func record(_ name: String) { names.withLock { _ = $0.insert(name) } }

    func contains(_ name: String) -> Bool { names.withLock { $0.contains(name) } }
}
