import PlumbCore

/// One served resource: its group/version, plural and singular names, kind and discovery facts.
public struct ResourceType: Sendable, Hashable {
    public var group: String
    public var version: String
    public var resource: String
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]
    public var shortNames: [String]
    public var categories: [String]
    public var hasStatus: Bool
    public var storageVersionHash: String
    /// The CRD that defines this type, or nil for a built-in.
    public var definedBy: String? = nil
    /// A CRD version's `additionalPrinterColumns`, for Table output.
    public var printerColumns: [Value] = []

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var listKind: String { kind + "List" }
    /// The key objects of this type are stored under (version-independent).
    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }
}

/// A group and a plural resource name: the identity of a stored collection.
public struct GroupResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var resource: String
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

extension ResourceType {
    /// The built-in types, with discovery facts as kube-apiserver v1.36 serves them.
    static let builtins: [ResourceType] = [
        ResourceType(group: "", version: "v1", resource: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false, verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"], categories: [], hasStatus: true, storageVersionHash: "Q3oi5N2YM8M="),
        ResourceType(group: "", version: "v1", resource: "configmaps", singular: "configmap", kind: "ConfigMap", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["cm"], categories: [], hasStatus: false, storageVersionHash: "qFsyl6wFWjQ="),
        ResourceType(group: "", version: "v1", resource: "secrets", singular: "secret", kind: "Secret", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], hasStatus: false, storageVersionHash: "S6u1pOWzb84="),
        ResourceType(group: "", version: "v1", resource: "services", singular: "service", kind: "Service", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["svc"], categories: ["all"], hasStatus: true, storageVersionHash: "0/CO1lhkEBI="),
        ResourceType(group: "", version: "v1", resource: "serviceaccounts", singular: "serviceaccount", kind: "ServiceAccount", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["sa"], categories: [], hasStatus: false, storageVersionHash: "pbx9ZvyFpBE="),
        ResourceType(group: "", version: "v1", resource: "pods", singular: "pod", kind: "Pod", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["po"], categories: ["all"], hasStatus: true, storageVersionHash: "xPOwRZ+Yhw8="),
        ResourceType(group: "", version: "v1", resource: "events", singular: "event", kind: "Event", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ev"], categories: [], hasStatus: false, storageVersionHash: "r2yiGXH7wu8="),
        ResourceType(group: "", version: "v1", resource: "persistentvolumeclaims", singular: "persistentvolumeclaim", kind: "PersistentVolumeClaim", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["pvc"], categories: [], hasStatus: true, storageVersionHash: "QWTyNDq0dC4="),
        ResourceType(group: "apps", version: "v1", resource: "deployments", singular: "deployment", kind: "Deployment", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["deploy"], categories: ["all"], hasStatus: true, storageVersionHash: "8aSe+NMegvE="),
        ResourceType(group: "apps", version: "v1", resource: "statefulsets", singular: "statefulset", kind: "StatefulSet", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["sts"], categories: ["all"], hasStatus: true, storageVersionHash: "H+vl74LkKdo="),
        ResourceType(group: "apps", version: "v1", resource: "daemonsets", singular: "daemonset", kind: "DaemonSet", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ds"], categories: ["all"], hasStatus: true, storageVersionHash: "dd7pWHUlMKQ="),
        ResourceType(group: "apps", version: "v1", resource: "replicasets", singular: "replicaset", kind: "ReplicaSet", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["rs"], categories: ["all"], hasStatus: true, storageVersionHash: "P1RzHs8/mWQ="),
        ResourceType(group: "batch", version: "v1", resource: "jobs", singular: "job", kind: "Job", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: ["all"], hasStatus: true, storageVersionHash: ""),
        ResourceType(group: "batch", version: "v1", resource: "cronjobs", singular: "cronjob", kind: "CronJob", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["cj"], categories: ["all"], hasStatus: true, storageVersionHash: ""),
        ResourceType(group: "networking.k8s.io", version: "v1", resource: "ingresses", singular: "ingress", kind: "Ingress", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["ing"], categories: [], hasStatus: true, storageVersionHash: ""),
        ResourceType(group: "networking.k8s.io", version: "v1", resource: "networkpolicies", singular: "networkpolicy", kind: "NetworkPolicy", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["netpol"], categories: [], hasStatus: false, storageVersionHash: ""),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", singular: "role", kind: "Role", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], hasStatus: false, storageVersionHash: ""),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", resource: "rolebindings", singular: "rolebinding", kind: "RoleBinding", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], hasStatus: false, storageVersionHash: ""),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterroles", singular: "clusterrole", kind: "ClusterRole", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], hasStatus: false, storageVersionHash: ""),
        ResourceType(group: "rbac.authorization.k8s.io", version: "v1", resource: "clusterrolebindings", singular: "clusterrolebinding", kind: "ClusterRoleBinding", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], hasStatus: false, storageVersionHash: ""),
        ResourceType(group: "coordination.k8s.io", version: "v1", resource: "leases", singular: "lease", kind: "Lease", namespaced: true, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: [], hasStatus: false, storageVersionHash: ""),
        ResourceType(group: "admissionregistration.k8s.io", version: "v1", resource: "validatingwebhookconfigurations", singular: "validatingwebhookconfiguration", kind: "ValidatingWebhookConfiguration", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: [], categories: ["api-extensions"], hasStatus: false, storageVersionHash: ""),
        ResourceType(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions", singular: "customresourcedefinition", kind: "CustomResourceDefinition", namespaced: false, verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], shortNames: ["crd", "crds"], categories: ["api-extensions"], hasStatus: true, storageVersionHash: ""),
    ]
}
