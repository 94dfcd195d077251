import PlumbCore

/// The order in which kinds are applied inside a sync wave, as a named table (like fluxcd/pkg
/// `ssa/sort.go` and Helm's install order): what others depend on goes first, admission
/// webhooks last so they cannot reject the objects of the same sync. Prunes run it backwards.
public struct ReconcileOrder: Sendable {
    /// A group and kind: `apps`/`Deployment`, `""`/`ConfigMap`.
    public struct GroupKind: Sendable, Hashable {
        /// The API group, empty for the core group.
        public var group: String
        /// The kind.
        public var kind: String
        /// A group and kind.
        public init(_ group: String, _ kind: String) {
            self.group = group
            self.kind = kind
        }
    }

    /// The tiers, in apply order; the raw value is the rank.
    public enum Tier: Int, Sendable, CaseIterable, Comparable {
        case namespacesAndDefinitions = 0
        case clusterPolicy = 10
        case identity = 20
        case configuration = 30
        case services = 40
        case workloads = 50
        case other = 60
        case admission = 70

        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
    }

    /// The kinds with a known tier; anything else (custom resources, Ingresses) is `other`.
    public var table: [GroupKind: Tier]

    /// An order from a table.
    public init(table: [GroupKind: Tier]) { self.table = table }

    /// The tier of an object's kind.
    public func tier(of ref: ObjectRef) -> Tier { table[GroupKind(ref.group, ref.kind)] ?? .other }

    /// The rank of an object's kind: lower applies first.
    public func rank(of ref: ObjectRef) -> Int { tier(of: ref).rawValue }

    /// `apiextensions.k8s.io`/`CustomResourceDefinition`.
    public static let customResourceDefinition = GroupKind("apiextensions.k8s.io", "CustomResourceDefinition")

    /// Kinds that must be ready (the target's health: a CRD established) before the next
    /// wave is applied, since objects of the next wave may need them.
    public static let readyBeforeNextWave: Set<GroupKind> = [customResourceDefinition]

    /// Kubernetes' built-in kinds.
    public static let kubernetes = ReconcileOrder(table: Dictionary(uniqueKeysWithValues: [
        (GroupKind("", "Namespace"), .namespacesAndDefinitions),
        (GroupKind("apiextensions.k8s.io", "CustomResourceDefinition"), .namespacesAndDefinitions),
        (GroupKind("", "ResourceQuota"), .clusterPolicy),
        (GroupKind("", "LimitRange"), .clusterPolicy),
        (GroupKind("scheduling.k8s.io", "PriorityClass"), .clusterPolicy),
        (GroupKind("storage.k8s.io", "StorageClass"), .clusterPolicy),
        (GroupKind("node.k8s.io", "RuntimeClass"), .clusterPolicy),
        (GroupKind("networking.k8s.io", "IngressClass"), .clusterPolicy),
        (GroupKind("", "ServiceAccount"), .identity),
        (GroupKind("rbac.authorization.k8s.io", "ClusterRole"), .identity),
        (GroupKind("rbac.authorization.k8s.io", "Role"), .identity),
        (GroupKind("rbac.authorization.k8s.io", "ClusterRoleBinding"), .identity),
        (GroupKind("rbac.authorization.k8s.io", "RoleBinding"), .identity),
        (GroupKind("", "ConfigMap"), .configuration),
        (GroupKind("", "Secret"), .configuration),
        (GroupKind("", "PersistentVolume"), .configuration),
        (GroupKind("", "PersistentVolumeClaim"), .configuration),
        (GroupKind("", "Service"), .services),
        (GroupKind("", "Endpoints"), .services),
        (GroupKind("discovery.k8s.io", "EndpointSlice"), .services),
        (GroupKind("", "Pod"), .workloads),
        (GroupKind("", "ReplicationController"), .workloads),
        (GroupKind("", "PodTemplate"), .workloads),
        (GroupKind("apps", "ReplicaSet"), .workloads),
        (GroupKind("apps", "Deployment"), .workloads),
        (GroupKind("apps", "StatefulSet"), .workloads),
        (GroupKind("apps", "DaemonSet"), .workloads),
        (GroupKind("batch", "Job"), .workloads),
        (GroupKind("batch", "CronJob"), .workloads),
        (GroupKind("admissionregistration.k8s.io", "MutatingWebhookConfiguration"), .admission),
        (GroupKind("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"), .admission),
        (GroupKind("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"), .admission),
        (GroupKind("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"), .admission),
        (GroupKind("apiregistration.k8s.io", "APIService"), .admission),
    ] as [(GroupKind, Tier)]))
}
