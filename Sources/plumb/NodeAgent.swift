import ArgumentParser
import Foundation
import Logging
import PlumbController
import PlumbKube
import PlumbNode

/// `plumb node-agent`: the in-cluster half of node state, one per node (the DaemonSet of
/// `plumb install --export --node-agent`), with the host's root mounted at `/host`.
struct NodeAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node-agent",
        abstract: "Apply the NodeConfigs that select this Kubernetes node to the node, and report in their status.",
        discussion: """
            Runs on every node (a DaemonSet with the host's / mounted at /host). Reads the node's labels and every NodeConfig; the ones whose nodeSelector (or hosts) pick the node are applied to the host root: files, sysctls, packages, units, then their health checks. Each NodeConfig's status.nodes.<node> says revision, phase (Waiting, Applying, Synced, Failed), changed and a message.

            Nodes take turns: a node with changes moves its entry to Applying only while fewer nodes than the NodeConfig's rollout.maxUnavailable are Applying, and not after another node Failed at the same revision (the rollout stops there; a new revision starts over). docs/nodes.md, "In the cluster: node-agent".

            Examples:
              plumb node-agent --node "$NODE_NAME" --host-root /host
              plumb node-agent --node worker-1 --host-root /tmp/worker-1 --kubeconfig ~/.kube/config --once
            """)

    @OptionGroup var kube: KubeOptions

    @Option(help: "The Kubernetes node this agent runs on (default $NODE_NAME, from the downward API).")
    var node: String?

    @Option(help: "Where the host's / is mounted.")
    var hostRoot = "/host"

    @Option(help: "How often the node is checked without a NodeConfig change (a NodeConfig change wakes the agent at once): 30s, 5m.")
    var interval = "60s"

    @Option(help: "How long a node may hold its turn without renewing it before another node may take it.")
    var turnTimeout = "10m"

    @Option(help: "How long health checks may take after a change.")
    var healthTimeout = "5m"

    @Flag(help: "One pass, then exit (1 when a NodeConfig failed on the node).")
    var once = false

    @Option(help: ArgumentHelp("The service-account directory of the in-cluster configuration.", visibility: .hidden))
    var serviceAccountDir: String = InCluster.defaultRoot

    var nodeName: String { node ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? "" }

    func validate() throws {
        if nodeName.isEmpty { throw ValidationError("--node or $NODE_NAME: which node this agent runs on") }
        for (flag, text) in [("--interval", interval), ("--turn-timeout", turnTimeout), ("--health-timeout", healthTimeout)]
        where SyncFlags.duration(text) == nil {
            throw ValidationError("\(flag) \(text): expected a duration such as 30s, 2m or 1h")
        }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: hostRoot, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw ValidationError("--host-root \(hostRoot): not a directory")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        PlumbLogHandler.bootstrap(format: LogFormat.automatic())
        let logger = Logger(label: "plumb.node-agent")
        let inCluster = kube.kubeconfig == nil && !kube.sandbox && (environment["KUBECONFIG"] ?? "").isEmpty
            && !(environment["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty
        if inCluster {
            let config: ClientConfig
            do {
                config = try InCluster.config(environment: environment, root: serviceAccountDir)
            } catch {
                throw CLIError("\(error)")
            }
            try await serve(client: try kube.makeClient(config), logger: logger)
        } else {
            try await kube.withClient { client, _ in try await serve(client: client, logger: logger) }
        }
    }

    private func serve(client: KubeClient, logger: Logger) async throws {
        var options = NodeAgent.Options()
        options.interval = SyncFlags.duration(interval) ?? .seconds(60)
        options.healthTimeout = SyncFlags.duration(healthTimeout) ?? .seconds(300)
        let turn = SyncFlags.duration(turnTimeout) ?? .seconds(600)
        options.turnTimeout = Double(turn.components.seconds)
        let agent = NodeAgent(
            node: nodeName, shell: LocalHostShell(host: nodeName, root: hostRoot), cluster: KubeNodeAgentCluster(client: client),
            drainer: KubeNodeDrainer(client: client), options: options, log: { logger.info("\($0)") })
        if once {
            let outcomes: [NodeAgent.Outcome]
            do {
                outcomes = try await agent.reconcile()
            } catch {
                throw CLIError("node-agent \(nodeName): \(error)")
            }
            for outcome in outcomes {
                guard let status = outcome.status else { continue }
                let message = status.message.isEmpty ? "" : "  \(status.message)"
                Terminal.writeOut("NodeConfig \(outcome.config) @ \(nodeName)  \(status.phase.rawValue) (revision \(status.revision))\(message)\n")
            }
            if outcomes.contains(where: { $0.status?.phase == .failed }) { throw ExitCode(1) }
            return
        }
        logger.info("node-agent \(nodeName): watching NodeConfigs, host root \(hostRoot)")
        let task = Task { await agent.run() }
        let signal = await SignalWaiter.wait(for: [SIGTERM, SIGINT])
        logger.info("node-agent \(nodeName): signal \(signal), stopping")
        task.cancel()
        await task.value
    }
}
