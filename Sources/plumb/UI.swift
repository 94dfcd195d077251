import ArgumentParser
import Foundation
import Logging
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbGit
import PlumbKube
import PlumbUI

/// `plumb ui`: the web dashboard on 127.0.0.1 with the user's own kubeconfig credentials, as
/// `kubectl proxy` serves the API: every read and action is the user's.
struct UI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Open the web dashboard on 127.0.0.1 with your kubeconfig credentials.",
        discussion: """
            Serves the Applications, one Application's resource tree, diff, history and Events, and the actions sync now, suspend and resume, on http://127.0.0.1:PORT/ui/ until Ctrl-C. Every read and every action is made with your kubeconfig's credentials, so the API server's RBAC decides what you see and do. The history comes from --audit-db (the controller's audit trail); the diff reads the Applications' repositories into --cache-dir.

            Examples:
              plumb ui
              plumb ui --port 0 --kubeconfig .plumb/sandbox.kubeconfig
              plumb ui --context prod -n apps --audit-db /data/audit.db
            """)

    @OptionGroup var kube: KubeOptions

    @Option(help: "The port on 127.0.0.1 (0 picks a free one).")
    var port: Int = 8090

    @Option(
        help: ArgumentHelp(
            "The audit database the history comes from: the controller's --audit-db (a SQLite file or a PostgreSQL URL).",
            valueName: "path-or-url"))
    var auditDb: String = SQLiteAuditStore.defaultPath

    @Option(help: "A file holding the password of a PostgreSQL --audit-db (else $PLUMB_AUDIT_DB_PASSWORD).")
    var auditDbPasswordFile: String?

    @Option(help: "Where Git repositories are cloned for the diff (default $PLUMB_CACHE_DIR/git or ~/.cache/plumb/git).")
    var cacheDir: String?

    @Option(help: "How often the live updates look at the Applications: 1s, 5s.")
    var poll: String = "1s"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port \(port): expected 0 to 65535") }
        guard let interval = GoDuration.parse(poll), interval > .zero else {
            throw ValidationError("--poll \(poll): expected a duration such as 1s or 500ms")
        }
    }

    func run() async throws {
        let audit = openAudit()
        let interval = GoDuration.parse(poll) ?? .seconds(1)
        try await kube.withClient { client, _ in
            let viewer = await UI.whoAmI(client)
            let options = GitSourceOptions(cacheDirectory: cacheDir)
            let scratch = NSTemporaryDirectory() + "/plumb-ui-\(getpid())"
            try? FileManager.default.createDirectory(
                atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let diff = ApplicationDiff(
                git: GitSources(cacheDirectory: options.cacheDirectory), options: options, scratchDirectory: scratch)
            let dashboard = Dashboard(
                client: client, audit: audit, diff: diff, access: .kubeconfig(viewer), namespace: kube.namespace,
                pollInterval: interval)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await dashboard.serve(host: "127.0.0.1", port: port) { bound in
                        Terminal.writeOut("Plumb dashboard: http://127.0.0.1:\(bound)/ui/  (as \(viewer.name); Ctrl-C stops it)\n")
                    }
                }
                group.addTask { _ = await SignalWaiter.wait(for: [SIGINT, SIGTERM]) }
                _ = try await group.next()
                group.cancelAll()
            }
        }
    }

    /// The audit trail, when `--audit-db` names one that exists (it is only read); else none,
    /// and the pages say there is no history.
    func openAudit() -> (any AuditStore)? {
        do {
            let database = try AuditDatabase(
                auditDb, passwordFile: auditDbPasswordFile, environment: ProcessInfo.processInfo.environment)
            if let warning = database.warning { Terminal.writeErr("warning: \(warning)\n") }
            if case .sqlite(let path) = database, !FileManager.default.fileExists(atPath: path) {
                Terminal.writeErr("warning: no history: --audit-db \(path) does not exist\n")
                return nil
            }
            return try database.open(create: false)
        } catch {
            // The store's errors name the database, a PostgreSQL URL with its password masked.
            Terminal.writeErr("warning: no history: \(error)\n")
            return nil
        }
    }

    /// The kubeconfig's user as the API server names it, for the audit trail's initiator of a
    /// sync requested here; `user@host` when the server cannot say.
    static func whoAmI(_ client: KubeClient) async -> Viewer {
        await Dashboard.kubeconfigUser(client) ?? Viewer(name: AuditInitiator.current())
    }
}
