import ArgumentParser
import Foundation
import PlumbLocalCluster

/// `plumb sandbox`: runs the local Kubernetes-compatible cluster in the foreground.
struct Sandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a local Kubernetes-compatible API server until Ctrl-C.",
        discussion: """
            Serves the Kubernetes API on 127.0.0.1 over TLS with a CA made at start and a bearer token, and writes a kubeconfig for kubectl and plumb. Objects live in memory, or in the SQLite file given with --data, where they survive a restart. Deployments, StatefulSets and DaemonSets become ready, Jobs complete and PVCs bind, as their controllers would make them.

            Examples:
              plumb sandbox
              plumb sandbox --port 6443 --data .plumb/sandbox.db --kubeconfig-out /tmp/sandbox.kubeconfig
              kubectl --kubeconfig .plumb/sandbox.kubeconfig get namespaces
            """)

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 0

    @Option(help: "SQLite file that keeps the objects across restarts (default: in memory).")
    var data: String?

    @Option(help: "Where to write the kubeconfig for this cluster.")
    var kubeconfigOut: String = ".plumb/sandbox.kubeconfig"

    @Flag(help: "Serve plain HTTP instead of TLS (kubectl will not send its token over plain HTTP).")
    var insecureHTTP = false

    @Flag(help: "Do not simulate controllers: workloads keep the status clients give them.")
    var noSimulation = false

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let cluster = LocalCluster(
            options: .init(port: port, tls: !insecureHTTP, dataFile: data, simulateWorkloads: !noSimulation))
        let endpoint: LocalCluster.Endpoint
        do {
            if let data { try FileManager.default.createDirectory(
                atPath: (data as NSString).deletingLastPathComponent.isEmpty ? "." : (data as NSString).deletingLastPathComponent,
                withIntermediateDirectories: true) }
            endpoint = try await cluster.start()
            let directory = (kubeconfigOut as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            try await cluster.writeKubeconfig(to: kubeconfigOut)
        } catch {
            await cluster.stop()
            throw CLIError("sandbox: \(error)")
        }
        Terminal.writeOut(
            """
            sandbox cluster serving \(endpoint.url) (objects \(data.map { "in \($0)" } ?? "in memory"))
            kubeconfig written to \(kubeconfigOut)
              kubectl --kubeconfig \(kubeconfigOut) get namespaces
            press Ctrl-C to stop

            """)
        let signal = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                try? await cluster.run()
                return nil
            }
            group.addTask { await SignalWaiter.wait(for: [SIGINT, SIGTERM]) }
            let first = await group.next() ?? nil
            await cluster.stop()
            group.cancelAll()
            return first
        }
        Terminal.writeOut("sandbox stopped\(signal.map { $0 == SIGINT ? " (interrupt)" : " (terminated)" } ?? "")\n")
    }
}
