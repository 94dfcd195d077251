import PlumbCore
import PlumbYAML

/// The objects that install the controller, as `plumb install --export` prints them and as
/// charts/plumb renders them with its default values (InstallChartTests compares the two).
public enum InstallManifests {
    /// What an install may choose; the defaults are the chart's values.yaml.
    public struct Options: Sendable, Equatable {
        /// The namespace of the controller, its ServiceAccount, Service and PVC.
        public var namespace = "plumb-system"
        /// The controller image.
        public var image = InstallManifests.defaultImage
        /// A Role and RoleBinding in `namespace` instead of a ClusterRole and ClusterRoleBinding:
        /// the controller then watches and manages that namespace only.
        public var namespaced = false
        public var replicas: Int64 = 1
        /// `--leader-elect`: of the replicas, the holder of a Lease reconciles, the others stand by.
        public var leaderElect = false
        /// `--shards N`: N active replicas, each reconciling its share (set `replicas` to N).
        public var shards: Int64?
        /// `json` or `text`.
        public var logFormat = "json"
        /// Reconciles at once.
        public var concurrency: Int64 = 4
        /// The size of the PVC holding the audit database and the Git cache.
        public var storageSize = "1Gi"
        /// `plumb node-agent` as a DaemonSet on every node (with its ServiceAccount and ClusterRole).
        public var nodeAgent = false
        /// How often the node agent checks its node without a NodeConfig change.
        public var nodeAgentInterval = "60s"
        /// The Secret in `namespace` holding the webhook secrets (a key per receiver, or one
        /// key `secret`): the controller serves /hooks and a Service `plumb-webhooks` leads
        /// there. Nil: no webhook receivers.
        public var webhookSecret: String?
        /// An Ingress to the webhook Service (with `webhookSecret` only).
        public var webhookIngress: WebhookIngress?
        /// A PostgreSQL audit database shared by the replicas; nil: SQLite on the PVC.
        public var auditDatabase: SharedAuditDatabase?

        public init() {}

        /// Why these options cannot run, or nil: several replicas need an audit database they
        /// can all reach (the SQLite file lives on one ReadWriteOnce volume).
        public var problem: String? {
            guard auditDatabase == nil else { return nil }
            if replicas > 1 || leaderElect || shards != nil {
                return "several replicas (--replicas above 1, --leader-elect or --shards) need a PostgreSQL audit database"
                    + " (--audit-db postgres://...): the SQLite one lives on a ReadWriteOnce volume only one pod can use"
            }
            return nil
        }
    }

    /// The audit database of several replicas: its URL (without the password) and the Secret
    /// key the password is read from, as `PLUMB_AUDIT_DB_PASSWORD`.
    public struct SharedAuditDatabase: Sendable, Equatable {
        public var url: String
        public var passwordSecret: String
        public var passwordKey: String

        public init(url: String, passwordSecret: String = "plumb-audit-db", passwordKey: String = "password") {
            self.url = url
            self.passwordSecret = passwordSecret
            self.passwordKey = passwordKey
        }
    }

    public static let defaultImage = "ghcr.io/plumb-dev/plumb:0.1.0"
    /// The name of the ServiceAccount, RBAC objects, Service and Deployment.
    public static let name = "plumb-controller"
    /// Where the controller keeps its audit database and Git cache (the PVC's mount).
    public static let dataDirectory = "/var/lib/plumb"
    /// The port of /metrics, /healthz and /readyz.
    public static let httpPort: Int64 = 8080

    /// The install objects in apply order: CRD, Namespace, ServiceAccount, RBAC, PVC (with the
    /// SQLite audit database), Service, the webhook Service and Ingress (with a webhook Secret),
    /// Deployment.
    public static func objects(_ options: Options = Options()) -> [Value] {
        var objects = [applicationCRD, nodeConfigCRD, namespaceObject(options)]
        objects.insert(contentsOf: rolloutCRDs, at: 1)
        objects.append(serviceAccount(options))
        objects += rbac(options)
        if options.auditDatabase == nil { objects.append(persistentVolumeClaim(options)) }
        objects.append(service(options))
        objects += webhookObjects(options)
        objects.append(deployment(options))
        objects += nodeAgentObjects(options)
        return objects
    }

    /// The install objects as one YAML stream, documents separated by `---`.
    public static func yaml(_ options: Options = Options()) -> String {
        var text = applicationCRDYAML + "\n"
        for object in objects(options).dropFirst() {
            text += "---\n" + YAMLWriter().string(object)
            if !text.hasSuffix("\n") { text += "\n" }
        }
        return text
    }

    /// The CRD parsed from `applicationCRDYAML`.
    public static let applicationCRD: Value = {
        // The text is checked by a test: parsing it cannot fail in a build that passed.
        (try? YAML.parseDocuments(applicationCRDYAML, file: "applications.plumb.dev.yaml"))?.first?.value ?? .null
    }()

    static func labels(_ component: String) -> Value {
        ["app.kubernetes.io/name": "plumb", "app.kubernetes.io/component": .string(component)]
    }

    static func metadata(_ name: String, namespace: String? = nil, component: String = "controller") -> Value {
        var meta: Value = ["name": .string(name)]
        if let namespace { meta["namespace"] = .string(namespace) }
        meta["labels"] = labels(component)
        return meta
    }

    static func namespaceObject(_ o: Options) -> Value {
        ["apiVersion": "v1", "kind": "Namespace", "metadata": metadata(o.namespace)]
    }

    static func serviceAccount(_ o: Options) -> Value {
        ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(name, namespace: o.namespace)]
    }

    static func persistentVolumeClaim(_ o: Options) -> Value {
        [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": metadata("plumb-data", namespace: o.namespace),
            "spec": [
                "accessModes": ["ReadWriteOnce"],
                "resources": ["requests": ["storage": .string(o.storageSize)]],
            ],
        ]
    }

    static func service(_ o: Options) -> Value {
        [
            "apiVersion": "v1", "kind": "Service", "metadata": metadata(name, namespace: o.namespace),
            "spec": [
                "type": "ClusterIP",
                "selector": labels("controller"),
                "ports": [["name": "http-metrics", "port": .int(httpPort), "targetPort": "http", "protocol": "TCP"]],
            ],
        ]
    }
}
