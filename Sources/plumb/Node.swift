import ArgumentParser
import Foundation
import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbGit
import PlumbManifests
import PlumbNode
import PlumbYAML

/// `plumb node`: files, sysctls, packages and units of hosts, from NodeConfigs in Git.
struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Show or sync the state of hosts (NodeConfig objects) over an inventory.",
        subcommands: [NodeDiff.self, NodeSync.self, NodeStatusCommand.self])
}

/// Where the NodeConfigs and the hosts come from: shared by `node diff` and `node sync`.
struct NodeSourceOptions: ParsableArguments {
    @OptionGroup var source: RepoOptions

    @Option(help: "The inventory file (YAML, shaped like Ansible's; see docs/nodes.md).")
    var inventory: String

    @Option(help: "Only these inventory hosts (repeatable).")
    var host: [String] = []

    @Option(help: "The app (plumb.dev/app of the ledger on each host); default the last component of --path.")
    var app: String?

    @Flag(help: "Remove what Plumb created for NodeConfigs of the app that left Git (never what it did not create).")
    var prune = false

    /// The commit, its NodeConfigs, and every inventory host with the NodeConfigs selecting it.
    func load(shells: HostShellFactory) throws -> (LoadedSource, String, [NodeRolloutHost], Inventory) {
        let appName = try AppName.resolve(app, path: source.path)
        let loaded = try source.loadSource(app: appName)
        let inventory: Inventory
        do {
            let text = try String(contentsOfFile: self.inventory, encoding: .utf8)
            inventory = try Inventory.parse(text, file: self.inventory)
        } catch let error as InventoryError {
            throw CLIError(error.description)
        } catch {
            throw CLIError("\(self.inventory): cannot read: \(error.localizedDescription)")
        }
        for name in host where inventory.host(name) == nil {
            throw CLIError("--host \(name): not in \(self.inventory)")
        }
        var configs: [NodeConfig] = []
        for resource in loaded.desired {
            guard NodeConfig.isNodeConfig(resource) else {
                Terminal.writeErr("warning: \(resource.ref): not a NodeConfig, left out of plumb node\n")
                continue
            }
            do {
                // The render put every `source:` file inline (NodeConfigSources).
                configs.append(try NodeConfig(resource))
            } catch {
                throw CLIError(error.description)
            }
        }
        let sensitive = SensitiveValues(loaded.secrets)
        var hosts: [NodeRolloutHost] = []
        for h in inventory.hosts where host.isEmpty || host.contains(h.name) {
            let selected = configs.filter { $0.selector.selects(name: h.name, groups: h.groups, labels: h.labels) }
            let shell: any HostShell
            do {
                shell = try shells.shell(for: h)
            } catch {
                throw CLIError("\(error)")
            }
            hosts.append(NodeRolloutHost(target: NodeTarget(shell: shell, configs: selected, sensitive: sensitive)))
        }
        for target in hosts { Terminal.addSensitive(target.target.sensitive.values) }
        return (loaded, appName, hosts, inventory)
    }

}

extension NodeSourceOptions {
    /// The shells `plumb node` uses: local hosts on their root; SSH hosts with the system's
    /// OpenSSH client and the key and known_hosts flags Git over SSH takes.
    var shells: HostShellFactory {
        .ssh(
            SSHOptions(
                identityFile: source.sshKey, knownHostsFile: source.sshKnownHosts,
                strictHostKeyChecking: !source.sshInsecureIgnoreHostKey))
    }
}

/// `plumb node diff`.
struct NodeDiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show how hosts differ from the NodeConfigs of a path of a Git commit.",
        discussion: """
            Reads each inventory host once (one script per host) and shows, per NodeConfig and host, the fields that would change: file contents (line counts; secret contents masked), modes, owners, symlink targets, sysctls, package versions, unit enablement and activity.

            Exit status: 0 no differences, 1 differences, 2 an error (a host that cannot be read included).

            Examples:
              plumb node diff --inventory hosts.yaml --repo . --path fixtures/nodes
              plumb node diff --inventory hosts.yaml --repo . --path nodes --host web-1 -o json
            """)

    @OptionGroup var nodes: NodeSourceOptions

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var output: DiffOutput = .text

    @Option(help: "Text layout: fields (aligned field changes) or unified (a unified diff of the YAML).")
    var diffFormat: DiffLayout = .fields

    func run() async throws {
        let (loaded, appName, hosts, _) = try nodes.load(shells: nodes.shells)
        var options = SyncOptions()
        options.prune = nodes.prune
        let (plans, failures) = await NodeRollout(app: appName, hosts: hosts, options: options).plan()
        var steps: [PlanStep] = []
        var prune: [PlannedPrune] = []
        for host in hosts {
            guard let plan = plans[host.name] else { continue }
            steps += plan.steps
            prune += plan.prune
        }
        let combined = SensitiveValues(loaded.secrets).masked(
            Plan(app: appName, steps: steps, prune: nodes.prune ? prune : []))
        let trailer =
            "revision \(loaded.commit.id.short)" + (loaded.branch.map { " (\($0))" } ?? "") + ", \(hosts.count) hosts"
        let format: DiffPrinter.Format
        switch (output, diffFormat) {
        case (.json, _): format = .json
        case (.text, .unified): format = .unified(yaml: { YAMLWriter().string($0) })
        case (.text, .fields): format = .fields
        }
        Terminal.writeOut(DiffPrinter(format: format, color: Terminal.colorOut).render(combined, trailer: trailer))
        for failure in failures { Terminal.writeErr("error: \(failure.error ?? "host \(failure.host) failed")\n") }
        if !failures.isEmpty { throw ExitCode(2) }
        if combined.hasChanges { throw ExitCode(1) }
    }
}

/// `plumb node sync`.
struct NodeSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Roll the NodeConfigs of a path of a Git commit out to the inventory's hosts and record it.",
        discussion: """
            Plans every host first, then changes the hosts with differences in inventory order, maxUnavailable at a time (the smallest of the NodeConfigs involved, default 1), running each NodeConfig's health checks before the next batch. At the first host that fails, that host is put back as it was (files, units, sysctls) and the hosts after it are not touched. The rollout is one audit record listing every host.

            Exit status: 0 synced, 1 a host failed, was put back or could not be reached, 2 an error before any host was changed.

            Examples:
              plumb node sync --inventory hosts.yaml --repo . --path fixtures/nodes
              plumb node sync --inventory hosts.yaml --repo . --path nodes --prune --timeout 2m
              plumb node sync --inventory hosts.yaml --repo . --path nodes --dry-run
            """)

    @OptionGroup var nodes: NodeSourceOptions
    @OptionGroup var audit: AuditOptions

    @Flag(help: "Validate and report; change nothing.")
    var dryRun = false

    @Option(help: "How long a host's health checks may take to pass: 90s, 5m.")
    var timeout: String = "5m"

    func validate() throws {
        guard DurationText.parse(timeout) != nil else {
            throw ValidationError("--timeout \(timeout): expected a duration such as 90s or 5m")
        }
    }

    func run() async throws {
        let (loaded, appName, hosts, _) = try nodes.load(shells: nodes.shells)
        Terminal.writeOut(loaded.header + "\n")
        var options = SyncOptions()
        options.prune = nodes.prune
        options.dryRun = dryRun
        options.timeout = DurationText.parse(timeout) ?? .seconds(300)
        options.retry.maxAttempts = 1
        let rollout = NodeRollout(app: appName, hosts: hosts, options: options) { event in
            switch event {
            case .batchStarted(let index, let hosts):
                Terminal.writeOut("batch \(index + 1)  \(hosts.joined(separator: ", "))\n")
            case .drained(let host): Terminal.writeOut("\(host)  cordoned and drained\n")
            case .hostDone(let result): Terminal.writeOut(NodeSync.line(result))
            }
        }
        let store = try audit.open(create: true)
        let commit = loaded.commit
        let record = AuditRecord(
            app: appName, target: "nodes:\(nodes.inventory)", repo: nodes.source.repo, revision: commit.id.hex,
            author: "\(commit.author.name) <\(commit.author.email)>",
            committer: "\(commit.committer.name) <\(commit.committer.email)>",
            message: commit.message, signature: loaded.signed ? .present : .absent,
            previousRevision: try? store.lastRevision(app: appName, result: .synced),
            options: [
                "prune": .bool(nodes.prune), "dryRun": .bool(dryRun), "timeout": .string(timeout),
                "hosts": .int(Int64(hosts.count)),
            ])
        let recorded: RecordedNodeRollout
        do {
            recorded = try await rollout.run(recordingIn: store, record: record)
        } catch {
            throw CLIError("audit: \(error)")
        }
        if let problem = recorded.auditError { Terminal.writeErr("warning: audit #\(recorded.auditID): \(problem)\n") }
        let result = recorded.result
        for host in result.hosts where host.outcome != .synced && host.outcome != .unchanged && host.outcome != .planned
        {
            if host.outcome == .notStarted { continue }
            Terminal.writeErr("error: \(host.error ?? "host \(host.host) failed")\n")
        }
        let count = { (o: NodeHostResult.Outcome) in result.hosts.filter { $0.outcome == o }.count }
        var parts = ["\(count(.synced)) synced", "\(count(.unchanged)) unchanged"]
        if count(.planned) > 0 { parts.append("\(count(.planned)) to change") }
        for o in [NodeHostResult.Outcome.restored, .failed, .unreachable, .notStarted] where count(o) > 0 {
            parts.append("\(count(o)) \(o.rawValue)")
        }
        let verb = dryRun ? "dry run of" : result.failed ? "failed" : "synced"
        Terminal.writeOut(
            "\(verb) \(commit.id.short) on \(hosts.count) hosts: \(parts.joined(separator: ", "))   audit #\(recorded.auditID)\n"
        )
        if result.failed { throw ExitCode(1) }
    }

    /// `host-2  restored  NodeConfig app: ...` or `host-1  synced  NodeConfig web-tuning configured`.
    static func line(_ result: NodeHostResult) -> String {
        let objects = result.changes.objects.filter { $0.action != .unchanged }.map { object in
            "\(NodeTarget.split(object.ref)?.config ?? object.ref.name) \(object.action.rawValue)"
        }
        var line = "\(result.host)  \(result.outcome.rawValue)"
        if !objects.isEmpty { line += "  " + objects.joined(separator: ", ") }
        if let error = result.error, result.outcome != .synced { line += "  (\(error))" }
        return line + "\n"
    }
}
