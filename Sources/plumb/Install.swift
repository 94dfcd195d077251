import ArgumentParser
import PlumbController

/// `plumb install --export`: the manifests that install the controller, as YAML for
/// `kubectl apply`, the way `flux install --export` prints them.
struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the manifests that install the Plumb controller.",
        discussion: """
            Prints the Application CRD, the Namespace, the controller's ServiceAccount and RBAC, a PVC for its audit database, its metrics Service and its Deployment. The Helm chart in charts/plumb renders the same objects with its default values.

            With --namespaced the controller gets a Role and RoleBinding in its own namespace instead of a ClusterRole: it then watches and manages that namespace only (the CRD still needs a cluster administrator once).

            Examples:
              plumb install --export | kubectl apply --server-side -f -
              plumb install --export --namespace gitops --image registry.acme.dev/plumb:0.1.0
              plumb install --export --namespaced --namespace team-a > plumb.yaml
              plumb install --export --webhook-secret plumb-webhooks --webhook-host plumb.acme.dev --webhook-tls-secret plumb-tls
              plumb install --export --replicas 2 --leader-elect --audit-db 'postgres://plumb@audit-db:5432/audit?sslmode=require'
            """)

    @Flag(help: "Print the manifests (required: Plumb never installs itself).")
    var export = false

    @Option(name: [.customShort("n"), .long], help: "The controller's namespace.")
    var namespace = "plumb-system"

    @Option(help: "The controller image.")
    var image = InstallManifests.defaultImage

    @Flag(help: "A Role and RoleBinding in --namespace instead of a ClusterRole and ClusterRoleBinding.")
    var namespaced = false

    @Option(help: "Replicas of the controller (more than 1 needs --leader-elect or --shards).")
    var replicas: Int64 = 1

    @Flag(help: "The controller runs with --leader-elect: one replica reconciles, the others stand by (adds a Role on Leases).")
    var leaderElect = false

    @Option(help: "The controller runs with --shards N: N active replicas, each with its share (set --replicas to N; adds a Role on Leases).")
    var shards: Int64?

    @Option(help: "Controller log format: json or text.")
    var logFormat = "json"

    @Option(help: "Reconciles the controller runs at once.")
    var concurrency: Int64 = 4

    @Option(help: "Size of the volume holding the audit database and the Git cache.")
    var storageSize = "1Gi"

    @Option(help: "The Secret in --namespace holding the webhook secrets (a key per receiver: github, gitlab, gitea, bitbucket, generic; or one key \"secret\"): the controller serves /hooks/<receiver> and a Service plumb-webhooks leads there.")
    var webhookSecret: String?

    @Option(help: "An Ingress routing <host>/hooks to the webhook receivers (needs --webhook-secret).")
    var webhookHost: String?

    @Option(help: "The IngressClass of the webhook Ingress (default: the cluster's default class).")
    var webhookIngressClass: String?

    @Option(help: "The TLS Secret of --webhook-host for the webhook Ingress.")
    var webhookTLSSecret: String?

    @Option(help: "A PostgreSQL audit database shared by the replicas (postgres://USER@HOST[:PORT]/DB?sslmode=...), needed by --replicas above 1, --leader-elect and --shards; without it, SQLite on the PVC.")
    var auditDB: String?

    @Option(help: "The Secret in --namespace holding the --audit-db password, as NAME or NAME/KEY (key default: password).")
    var auditDBPasswordSecret = "plumb-audit-db"

    @Flag(help: "Add plumb node-agent: a DaemonSet applying the NodeConfigs that select each node (host root at /host; docs/nodes.md lists its privileges).")
    var nodeAgent = false

    @Option(help: "How often the node agent checks its node without a NodeConfig change.")
    var nodeAgentInterval = "60s"

    func validate() throws {
        if !export {
            throw ValidationError("--export is required: 'plumb install --export | kubectl apply --server-side -f -'")
        }
        if !isDNSLabel(namespace) { throw ValidationError("--namespace \(namespace): not a valid namespace name") }
        if image.isEmpty { throw ValidationError("--image must not be empty") }
        if !["json", "text"].contains(logFormat) {
            throw ValidationError("--log-format \(logFormat): expected json or text")
        }
        if replicas < 0 { throw ValidationError("--replicas must be 0 or more") }
        if leaderElect && shards != nil { throw ValidationError("--leader-elect and --shards: give one") }
        if let shards, !(1...1000).contains(shards) { throw ValidationError("--shards \(shards): expected 1 to 1000") }
        if concurrency < 1 { throw ValidationError("--concurrency must be 1 or more") }
        if let webhookSecret, !isDNSSubdomain(webhookSecret) {
            throw ValidationError("--webhook-secret \(webhookSecret): not a valid Secret name")
        }
        if webhookSecret == nil, webhookHost != nil || webhookIngressClass != nil || webhookTLSSecret != nil {
            throw ValidationError("--webhook-host, --webhook-ingress-class and --webhook-tls-secret need --webhook-secret")
        }
        if webhookHost == nil, webhookIngressClass != nil || webhookTLSSecret != nil {
            throw ValidationError("--webhook-ingress-class and --webhook-tls-secret need --webhook-host (the Ingress)")
        }
        if let auditDB {
            guard auditDB.hasPrefix("postgres://") || auditDB.hasPrefix("postgresql://") else {
                throw ValidationError("--audit-db \(auditDB): expected a postgres:// URL (SQLite is the default)")
            }
            let authority = auditDB.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first ?? ""
            if authority.split(separator: "@").first?.contains(":") == true, authority.contains("@") {
                throw ValidationError("--audit-db: the URL holds a password; put it in --audit-db-password-secret instead")
            }
            let secret = auditDBPasswordSecret.split(separator: "/", omittingEmptySubsequences: false)
            guard secret.count <= 2, isDNSSubdomain(String(secret[0])), secret.count == 1 || !secret[1].isEmpty else {
                throw ValidationError("--audit-db-password-secret \(auditDBPasswordSecret): expected NAME or NAME/KEY")
            }
        }
        if let problem = options.problem { throw ValidationError(problem) }
    }

    func run() {
        Terminal.writeOut(InstallManifests.yaml(options))
    }

    /// The manifests' options from the flags.
    var options: InstallManifests.Options {
        var options = InstallManifests.Options()
        options.namespace = namespace
        options.image = image
        options.namespaced = namespaced
        options.replicas = replicas
        options.leaderElect = leaderElect
        options.shards = shards
        options.logFormat = logFormat
        options.concurrency = concurrency
        options.storageSize = storageSize
        options.webhookSecret = webhookSecret
        if let webhookHost {
            options.webhookIngress = InstallManifests.WebhookIngress(
                host: webhookHost, className: webhookIngressClass, tlsSecret: webhookTLSSecret)
        }
        options.nodeAgent = nodeAgent
        options.nodeAgentInterval = nodeAgentInterval
        if let auditDB {
            let secret = auditDBPasswordSecret.split(separator: "/", maxSplits: 1).map(String.init)
            options.auditDatabase = InstallManifests.SharedAuditDatabase(
                url: auditDB, passwordSecret: secret[0], passwordKey: secret.count > 1 ? secret[1] : "password")
        }
        return options
    }

    /// An RFC 1123 subdomain, as a Secret name must be.
    private func isDNSSubdomain(_ s: String) -> Bool {
        s.utf8.count <= 253 && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    /// An RFC 1123 label, as a namespace name must be.
    private func isDNSLabel(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
        guard let first = b.first, let last = b.last, b.count <= 63, alnum(first), alnum(last) else { return false }
        return b.allSatisfy { alnum($0) || $0 == 45 }
    }
}
