import ArgumentParser
import Foundation
import PlumbController
import PlumbCore
import PlumbKube

/// `plumb app sync NAME`: asks the controller for a reconcile now, as `flux reconcile` does,
/// by setting the annotation `plumb.dev/reconcile-at` to the current time.
struct AppSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Ask the controller to reconcile an Application now.",
        discussion: """
            Sets the annotation plumb.dev/reconcile-at to the current time; the controller sees the change on its watch and reconciles at once (a sync when the Application is automated, otherwise a fresh status). With --wait, waits until the controller reports that reconcile (status.lastHandledReconcileAt) and exits 1 when it did not end Ready.

            Examples:
              plumb app sync web -n apps
              plumb app sync web -n apps --wait --timeout 2m
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The Application's name.")
    var name: String

    @Flag(help: "Wait for the controller to finish the reconcile and print its outcome.")
    var wait = false

    @Option(help: "How long --wait may take: 90s, 5m.")
    var timeout = "5m"

    func validate() throws {
        guard SyncFlags.duration(timeout) != nil else {
            throw ValidationError("--timeout \(timeout): expected a duration such as 30s, 2m or 1h")
        }
    }

    func run() async throws {
        let requested = AppSync.timestamp(Date())
        let limit = SyncFlags.duration(timeout) ?? .seconds(300)
        let outcome: Application? = try await kube.withClient { client, _ in
            let ref = AppAccess.ref(name, kube, client)
            let app = try await AppAccess.run(ref) {
                try await client.patch(
                    ref, .merge(["metadata": ["annotations": [Application.reconcileAtAnnotation: .string(requested)]]]))
            }
            if app[path: ["spec", "suspend"]]?.boolValue == true {
                Terminal.writeErr(
                    "warning: \(ref): suspended; the controller will not reconcile it until 'plumb app resume \(name)'\n"
                )
            }
            Terminal.writeOut("reconcile of \(ref.qualifiedName) requested at \(requested)\n")
            guard wait else { return nil }
            return try await AppSync.waitForReconcile(ref, requested: requested, client: client, limit: limit)
        }
        guard let outcome else { return }
        let status = outcome.status
        let summary =
            "\(outcome.key): \(status.syncStatus.rawValue) to \(AppFormat.short(status.syncRevision)), \(status.health.rawValue)"
        guard let ready = status.condition(Condition.ready), ready.status == .true else {
            let ready = status.condition(Condition.ready)
            let message = AppFormat.oneLine(ready?.message ?? "")
            throw CLIError(
                "\(summary): \(ready?.reason ?? "NotReady")\(message.isEmpty ? "" : ": " + message)", exitCode: 1)
        }
        Terminal.writeOut("reconciled \(summary)\n")
    }

    /// RFC 3339 with milliseconds, in UTC: a new value on every call a millisecond apart.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// Polls the Application (every 500 ms, bounded by `limit`) until its status says the
    /// controller handled `requested`.
    static func waitForReconcile(_ ref: ObjectRef, requested: String, client: KubeClient, limit: Duration) async throws
        -> Application
    {
        let deadline = ContinuousClock.now + limit
        while true {
            let app = try await AppAccess.get(ref, client: client)
            if app.status.lastHandledReconcileAt == requested { return app }
            guard ContinuousClock.now < deadline else {
                throw CLIError(
                    "\(ref): the controller did not report the reconcile within \(limit) (is it running?)", exitCode: 1)
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// `plumb app suspend NAME`: the controller leaves the Application alone until resumed.
struct AppSuspend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suspend",
        abstract: "Stop reconciling an Application (sets spec.suspend).",
        discussion: """
            The controller neither fetches nor syncs a suspended Application; objects stay as they are.

            Example:
              plumb app suspend web -n apps
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The Application's name.")
    var name: String

    func run() async throws {
        let ref = try await AppSuspend.setSuspend(true, name: name, kube: kube, reconcileAt: nil)
        Terminal.writeOut("\(ref.qualifiedName) suspended\n")
    }

    /// Patches `spec.suspend` (and the reconcile annotation when given); returns the ref.
    static func setSuspend(_ suspend: Bool, name: String, kube: KubeOptions, reconcileAt: String?) async throws
        -> ObjectRef
    {
        try await kube.withClient { client, _ in
            let ref = AppAccess.ref(name, kube, client)
            var patch: Value = ["spec": ["suspend": .bool(suspend)]]
            if let reconcileAt {
                patch["metadata"] = ["annotations": [Application.reconcileAtAnnotation: .string(reconcileAt)]]
            }
            _ = try await AppAccess.run(ref) { try await client.patch(ref, .merge(patch)) }
            return ref
        }
    }
}

/// `plumb app resume NAME`: reconciles a suspended Application again, at once.
struct AppResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Reconcile a suspended Application again (clears spec.suspend).",
        discussion: """
            Also sets plumb.dev/reconcile-at, so the controller reconciles at once instead of at the next interval (as 'flux resume' does).

            Example:
              plumb app resume web -n apps
            """)

    @OptionGroup var kube: KubeOptions

    @Argument(help: "The Application's name.")
    var name: String

    func run() async throws {
        let ref = try await AppSuspend.setSuspend(false, name: name, kube: kube, reconcileAt: AppSync.timestamp(Date()))
        Terminal.writeOut("\(ref.qualifiedName) resumed\n")
    }
}
