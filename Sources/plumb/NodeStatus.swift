import ArgumentParser
import Foundation
import PlumbController
import PlumbCore
import PlumbKube
import PlumbNode

/// `plumb node status`: where each NodeConfig's rollout stands across the cluster's nodes, from
/// the `status.nodes` the node agents write (the dashboard's nodes page shows the same).
struct NodeStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each NodeConfig's nodes: the revision applied, the state and the last error.",
        discussion: """
            Reads the NodeConfig objects of the cluster (cluster-scoped) and prints, per NodeConfig, its revision, what it selects, maxUnavailable and the pool's state (done, in progress, degraded pool: a node failed at the current revision and the rollout stops there), then one line per node that reported: the revision applied, the agent's phase, the state (done, in progress, failed, degraded pool) and the message or last error.

            Examples:
              plumb node status
              plumb node status web-tuning -o json
            """)

    @Argument(help: "Only this NodeConfig.")
    var name: String?

    @OptionGroup var kube: KubeOptions

    @Option(name: [.short, .customLong("output")], help: "text or json.")
    var output: AuditTextFormat = .text

    func run() async throws {
        let statuses: [NodeConfigRolloutStatus] = try await kube.withClient { client, _ in
            do {
                let items = try await client.list(apiVersion: KubeNodeAgentCluster.nodeConfigAPIVersion, kind: NodeConfig.kind).items
                return items.map(NodeConfigRolloutStatus.init).filter { name == nil || $0.name == name }.sorted { $0.name < $1.name }
            } catch let error as KubeClientError where error.message.hasSuffix("does not serve this kind") {
                throw CLIError("the NodeConfig resource is not installed in this cluster (plumb install prints its CRD)")
            } catch let error as StatusError where error.reason == .notFound {
                throw CLIError("the NodeConfig resource is not installed in this cluster (plumb install prints its CRD)")
            } catch let error as CLIError {
                throw error
            } catch {
                throw CLIError("listing NodeConfigs: \(error)")
            }
        }
        if let name, statuses.isEmpty { throw CLIError("NodeConfig \(name): not found") }
        Terminal.writeOut(output == .json ? Self.json(statuses) : Self.text(statuses))
    }

    static func text(_ statuses: [NodeConfigRolloutStatus]) -> String {
        guard !statuses.isEmpty else { return "no NodeConfigs\n" }
        var out = ""
        for s in statuses {
            out += "NodeConfig \(s.name)  revision \(s.revision)  selects \(s.selector)  maxUnavailable \(s.maxUnavailable)\n"
            out += "  pool  \(s.pool.word): \(s.summary)\n"
            let width = max(s.nodes.map(\.name.count).max() ?? 0, 4)
            for node in s.nodes {
                var line = "  " + node.name.padding(toLength: width, withPad: " ", startingAt: 0)
                line += "  " + node.entry.revision + (node.current ? "" : " (older)")
                line += "  " + node.entry.phase.rawValue + "  " + node.state.rawValue
                if !node.entry.message.isEmpty { line += "  " + node.entry.message }
                out += line + "\n"
            }
        }
        return out
    }

    static func json(_ statuses: [NodeConfigRolloutStatus]) -> String {
        let value: Value = .array(statuses.map(\.value))
        return ((try? JSONWriter().bytes(value)).map { String(decoding: $0, as: UTF8.self) } ?? "[]") + "\n"
    }
}
