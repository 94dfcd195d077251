import ArgumentParser
import Foundation
import PlumbCore
import PlumbKube
import PlumbLocalCluster
import Synchronization

/// Which cluster to talk to: kubeconfig flags as kubectl has them, or `--sandbox`, an
/// in-process local cluster persisted in `.plumb/sandbox.db`, started for the command.
struct KubeOptions: ParsableArguments {
    @Option(help: "The kubeconfig file (default $KUBECONFIG or ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context (default its current-context).")
    var context: String?

    @Option(name: [.customShort("n"), .long], help: "The namespace of objects that name none (default the context's).")
    var namespace: String?

    @Flag(help: "Run against a local cluster kept in .plumb/sandbox.db, started for this command.")
    var sandbox = false

    @Option(help: ArgumentHelp(
        "Client-side rate limit in requests per second (0 turns it off and leaves throttling to the server).",
        discussion: "Default 100, lifted when the server shows API Priority and Fairness (X-Kubernetes-PF-* headers); an explicit value always holds."))
    var qps: Double?

    @Option(help: "Requests allowed at once above --qps (default 200).")
    var burst: Int?

    @Option(help: ArgumentHelp(
        "How long to wait for an API server that stopped answering before giving up: 30s, 2m.",
        discussion: "An outage is one event: requests wait for the server together and go on when it answers; past this, the command stops and says which objects were not attempted."))
    var unreachableTimeout: String = "60s"

    /// Where `--sandbox` keeps its objects.
    static let sandboxData = ".plumb/sandbox.db"

    func validate() throws {
        if sandbox && (kubeconfig != nil || context != nil) {
            throw ValidationError("--sandbox cannot be combined with --kubeconfig or --context")
        }
        if let qps, qps < 0 || !qps.isFinite { throw ValidationError("--qps must be 0 or more") }
        if let burst, burst < 1 { throw ValidationError("--burst must be 1 or more") }
        guard SyncFlags.duration(unreachableTimeout) != nil else {
            throw ValidationError("--unreachable-timeout \(unreachableTimeout): expected a duration such as 30s, 2m or 1h")
        }
    }

    /// Connects (starting the sandbox when asked), runs `body` with a client and the target's
    /// name, and stops the sandbox afterwards, also when `body` throws.
    /// `onResponse` sees every answer of the API server (the controller's request metrics).
    func withClient<T>(
        onResponse: (@Sendable (KubeRequest, Int) -> Void)? = nil, _ body: (KubeClient, String) async throws -> T
    ) async throws -> T {
        guard sandbox else {
            let flags = KubeconfigFlags(kubeconfig: kubeconfig, context: context, namespace: namespace)
            let config: ClientConfig
            do {
                config = try ClientConfig.load(flags: flags)
            } catch {
                throw CLIError("\(error)")
            }
            let client = try makeClient(config, onResponse: onResponse)
            return try await body(client, config.contextName.map { "kube:\($0)" } ?? "kube")
        }
        try FileManager.default.createDirectory(atPath: ".plumb", withIntermediateDirectories: true)
        let cluster = LocalCluster(options: .init(dataFile: Self.sandboxData))
        do {
            try await cluster.start()
            // Written where `plumb sandbox` writes it, so kubectl can look while a command runs.
            let path = ".plumb/sandbox.kubeconfig"
            try await cluster.writeKubeconfig(to: path)
            let config = try ClientConfig.load(flags: KubeconfigFlags(kubeconfig: path, namespace: namespace))
            let result = try await body(try makeClient(config, onResponse: onResponse), "sandbox")
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            if error is CLIError || error is ExitCode { throw error }
            throw CLIError("sandbox: \(error)")
        }
    }

    func makeClient(_ config: ClientConfig, onResponse: (@Sendable (KubeRequest, Int) -> Void)? = nil) throws -> KubeClient {
        do {
            var options = KubeClientOptions()
            options.onResponse = onResponse
            if let qps { options.qps = qps }
            if let burst { options.burst = burst }
            // A limit the user chose holds even when the server has its own flow control.
            options.serverFlowControl = qps == nil && burst == nil
            options.onWarning = ServerWarningPrinter.shared.report
            options.unreachableTimeout = SyncFlags.duration(unreachableTimeout) ?? .seconds(60)
            // Giving up is said by the command's own summary or error line.
            options.onReachability = { event in
                if case .gaveUp = event { return }
                Terminal.writeErr(event.line + "\n")
            }
            return try KubeClient(config: config, options: options)
        } catch {
            throw CLIError("\(error)")
        }
    }
}

/// Prints each server warning once on stderr (`warning: v1 Endpoints is deprecated in
/// v1.33+; ...`), naming the first object it came with; kubectl also prints a repeated one once.
/// Keeps every object's warnings for the audit record.
final class ServerWarningPrinter: Sendable {
    static let shared = ServerWarningPrinter()
    private let state = Mutex<(seen: Set<String>, byObject: [ObjectRef: [String]])>(([], [:]))

    func report(_ text: String, _ object: ObjectRef?) {
        let first = state.withLock { s in
            if let object, !(s.byObject[object]?.contains(text) ?? false) { s.byObject[object, default: []].append(text) }
            return s.seen.insert(text).inserted
        }
        if first { Terminal.writeErr("warning: \(object.map { "\($0): " } ?? "")\(text)\n") }
    }

    /// The warnings that came with `object`, each once, in the order they came.
    func warnings(for object: ObjectRef) -> [String] {
        state.withLock { $0.byObject[object] ?? [] }
    }
}
