import ArgumentParser
import Foundation
import Logging
import PlumbAudit
import PlumbController
import PlumbGit
import PlumbKube
import PlumbReport
import PlumbUI
import ServiceLifecycle

/// `plumb controller`: the in-cluster agent that keeps every Application synced with Git.
struct Controller: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the GitOps controller: keep every Application (plumb.dev/v1alpha1) synced with Git.",
        discussion: """
            Watches Applications (in every namespace, or in --namespace) and the objects they manage; fetches each repository at most once per interval, renders the path, and, for automated Applications, syncs as plumb sync does (validate all, waves, prune, health), recording every sync in the audit trail with initiator controller. Drift of a managed object is repaired at once for selfHeal Applications. Status is written to each Application; Events are recorded on it. SIGTERM stops it gracefully: no new sync starts and a running sync finishes its current wave.

            Inside a pod it uses the service account (in-cluster configuration) unless --kubeconfig or $KUBECONFIG is given; outside, the kubeconfig flags.

            Examples:
              plumb controller --kubeconfig .plumb/sandbox.kubeconfig --log-format text
              plumb controller --namespace team-a --concurrency 8 --audit-db /data/audit.db
              plumb controller --leader-elect            # one of several replicas, one active
              plumb controller --shards 3                # one of 3 active replicas, each with a share
            """)

    @OptionGroup var kube: KubeOptions

    @Option(help: "How many Applications are reconciled at once (1 to 256).")
    var concurrency: Int = 4

    @Option(
        help: ArgumentHelp(
            "The audit database: a SQLite file (default .plumb/audit.db) or a PostgreSQL URL (postgres://USER@HOST:PORT/DB) that replicas share.",
            valueName: "path-or-url"))
    var auditDb: String = SQLiteAuditStore.defaultPath

    @Option(help: "A file holding the password of a PostgreSQL --audit-db (else $PLUMB_AUDIT_DB_PASSWORD).")
    var auditDbPasswordFile: String?

    @OptionGroup var trust: TrustOptions
    @OptionGroup var checks: PolicyOptions
    @OptionGroup(title: "Audit sinks") var sinks: AuditSinkOptions

    @Option(help: "Tenancy allowances (YAML, kind Tenancy): per Application namespace, the destination namespaces and cluster-scoped kinds its Applications may manage.")
    var tenancy: String?

    @Option(help: "Where Git repositories are cloned (default $PLUMB_CACHE_DIR/git or ~/.cache/plumb/git).")
    var cacheDir: String?

    @Option(help: "Log lines as json or text (default json in a cluster or when stderr is not a terminal).")
    var logFormat: LogFormat?

    @Option(help: "Where /healthz, /readyz and /metrics listen (host:port, :port; \"off\" for nowhere).")
    var metricsAddress: String = ":8080"

    @Option(help: "The Secret ([namespace/]name, in the controller's namespace by default) holding the webhook secrets: a key per receiver (github, gitlab, gitea, bitbucket, generic) or one key \"secret\" for all; serves /hooks/<receiver>.")
    var webhookSecret: String?

    @Option(help: "A file holding the webhook secret of every receiver (instead of --webhook-secret).")
    var webhookSecretFile: String?

    @Flag(help: "Serve the web dashboard on /ui/ of --metrics-address, behind a login with a Kubernetes bearer token (TokenReview; every page and action authorised with a SubjectAccessReview).")
    var ui = false

    @Option(help: ArgumentHelp("The service-account directory of the in-cluster configuration.", visibility: .hidden))
    var serviceAccountDir: String = InCluster.defaultRoot

    @OptionGroup(title: "Rendering") var rendering: RendererFlags

    @OptionGroup(title: "High availability") var ha: HAOptions

    func validate() throws {
        guard (1...256).contains(concurrency) else { throw ValidationError("--concurrency \(concurrency): expected 1 to 256") }
        if webhookSecret != nil && webhookSecretFile != nil {
            throw ValidationError("--webhook-secret and --webhook-secret-file: give one")
        }
        if ui && metricsAddress == "off" {
            throw ValidationError("--metrics-address off: the dashboard of --ui listens there; give an address")
        }
        if (webhookSecret != nil || webhookSecretFile != nil) && metricsAddress == "off" {
            throw ValidationError("--metrics-address off: the webhook receivers listen there; give an address")
        }
        if metricsAddress != "off" && ProbeServer.Address(metricsAddress) == nil {
            throw ValidationError("--metrics-address \(metricsAddress): expected host:port or :port")
        }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let format = logFormat ?? LogFormat.automatic()
        PlumbLogHandler.bootstrap(format: format)
        let logger = Logger(label: "plumb.controller")
        let metrics = ControllerMetrics()
        let inCluster = kube.kubeconfig == nil && !kube.sandbox && (environment["KUBECONFIG"] ?? "").isEmpty
            && !(environment["KUBERNETES_SERVICE_HOST"] ?? "").isEmpty
        if inCluster {
            let config: ClientConfig
            do {
                config = try InCluster.config(environment: environment, root: serviceAccountDir)
            } catch {
                throw CLIError("\(error)")
            }
            let client = try kube.makeClient(config, onResponse: metrics.kubeResponseObserver)
            try await serve(client: client, targetName: "in-cluster", metrics: metrics, logger: logger)
        } else {
            try await kube.withClient(onResponse: metrics.kubeResponseObserver) { client, targetName in
                try await serve(client: client, targetName: targetName, metrics: metrics, logger: logger)
            }
        }
    }

    private func serve(client: KubeClient, targetName: String, metrics: ControllerMetrics, logger: Logger) async throws {
        let store: any AuditStore
        let auditDatabase: AuditDatabase
        do {
            auditDatabase = try AuditDatabase(
                auditDb, passwordFile: auditDbPasswordFile, environment: ProcessInfo.processInfo.environment)
            if let warning = auditDatabase.warning { logger.warning("\(warning)") }
            store = try auditDatabase.open(create: true)
        } catch {
            throw CLIError("audit: \(error)")
        }
        // Leader election or sharding: leases through the client as given, everything else
        // through one whose writes for an Application pass the gate.
        let gate = try ha.gate(
            client: client, namespace: kube.namespace, serviceAccountDir: serviceAccountDir, environment: ProcessInfo.processInfo.environment,
            logger: logger)
        let client = gate.map { client.fenced(by: $0) } ?? client
        let gitOptions = GitSourceOptions(cacheDirectory: cacheDir.map { $0 })
        let scratch = NSTemporaryDirectory() + "/plumb-controller-\(getpid())"
        try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let git = GitSources(cacheDirectory: gitOptions.cacheDirectory)
        await git.setOnFetch { url, seconds, _ in metrics.gitFetched(url: url, seconds: seconds) }
        let holder = ControllerHolder()
        let objects = ManagedObjects(client: client, namespace: kube.namespace) { label in holder.controller?.managedObjectChanged(label) }
        var settings = Reconciler.Settings(git: gitOptions, scratchDirectory: scratch, targetName: targetName)
        // Commit statuses and pull-request previews of Applications with spec.notify.
        settings.reporting = ForgeReporting(log: { [logger] line in logger.warning("\(line)") })
        settings.trustPolicy = try trust.policy()
        settings.policy = try checks.config()
        settings.tenancy = try TenancyOptions.load(tenancy)
        settings.rollouts = RolloutMetrics(registry: metrics.registry)
        settings.plugins = try rendering.plugins()
        settings.sopsKeys = try rendering.sopsKeys()
        let reconciler = Reconciler(client: client, git: git, objects: objects, audit: store, settings: settings)
        let controller = ApplicationController(
            client: client, reconciler: reconciler, namespace: kube.namespace, concurrency: concurrency, logger: logger, metrics: metrics, gate: gate)
        holder.controller = controller
        // The lease service first: the group stops services in reverse, so the lease is
        // released after the controller stopped.
        var services: [any Service] = (gate.map { [$0] } ?? []) + [controller]
        if let delivery = try sinks.delivery(store, initialBackoff: .seconds(1), maxBackoff: .seconds(300), log: { [logger] in logger.warning("\($0)") }) {
            services.append(AuditSinkService(delivery: delivery))
        }
        if metricsAddress != "off", let address = ProbeServer.Address(metricsAddress) {
            let webhooks = webhookSecrets(client: client).map { secrets in
                logger.info("webhook receivers on /hooks/{github,gitlab,gitea,bitbucket,generic}", metadata: ["secret": "\(secrets.description)"])
                return WebhookEndpoint(secrets: secrets, onPush: { await controller.pushed($0) })
            }
            let dashboard = ui ? Dashboard(
                client: client, audit: store,
                diff: ApplicationDiff(git: git, options: gitOptions, scratchDirectory: scratch, plugins: settings.plugins, sopsKeys: settings.sopsKeys),
                access: .login, namespace: kube.namespace) : nil
            var routes: ProbeServer.Routes?
            if let dashboard {
                logger.info("web dashboard on /ui/", metadata: ["address": "\(address)"])
                routes = { router in dashboard.register(on: router) }
            }
            services.append(ProbeServer(
                address: address, metrics: metrics, webhooks: webhooks, routes: routes,
                readiness: { await controller.readiness() }))
        }
        logger.info("controller started", metadata: [
            "target": "\(targetName)", "namespace": "\(kube.namespace ?? "all")", "concurrency": "\(concurrency)",
            "auditDb": "\(auditDatabase.display)", "metrics": "\(metricsAddress)",
        ])
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            throw CLIError("controller: \(error)")
        }
        logger.info("controller stopped")
    }
}

extension Controller {
    /// The webhook secrets: `--webhook-secret-file`, or the Secret of `--webhook-secret` (in the
    /// controller's namespace: $POD_NAMESPACE, the service account's, or --namespace).
    func webhookSecrets(client: KubeClient) -> WebhookSecrets? {
        if let webhookSecretFile { return WebhookSecrets(file: webhookSecretFile) }
        guard let webhookSecret else { return nil }
        let parts = webhookSecret.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 { return WebhookSecrets(client: client, namespace: parts[0], name: parts[1]) }
        let environment = ProcessInfo.processInfo.environment
        let own = (try? String(contentsOfFile: serviceAccountDir + "/namespace", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        let namespace = [environment["POD_NAMESPACE"], own, kube.namespace].compactMap { $0 }.first { !$0.isEmpty } ?? "default"
        return WebhookSecrets(client: client, namespace: namespace, name: webhookSecret)
    }
}

/// Lets the managed-object watch reach the controller made after it.
final class ControllerHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var value: ApplicationController?
    var controller: ApplicationController? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

extension LogFormat: ExpressibleByArgument {}
