/// Kustomize's built-in field spec tables (api/konfig/builtinpluginconsts): where labels,
/// annotations and selectors go, per kind.
enum KustomizeFieldSpecs {
    typealias F = KustomizeFieldSpec

    /// Labels on objects and on the pod (and claim) templates of workloads.
    static let metadataLabels: [F] = [
        F("metadata/labels", create: true),
        F("spec/template/metadata/labels", version: "v1", kind: "ReplicationController", create: true),
        F("spec/template/metadata/labels", kind: "Deployment", create: true),
        F("spec/template/metadata/labels", kind: "ReplicaSet", create: true),
        F("spec/template/metadata/labels", kind: "DaemonSet", create: true),
        F("spec/template/metadata/labels", group: "apps", kind: "StatefulSet", create: true),
        F("spec/volumeClaimTemplates[]/metadata/labels", group: "apps", kind: "StatefulSet", create: true),
        F("spec/template/metadata/labels", group: "batch", kind: "Job", create: true),
        F("spec/jobTemplate/metadata/labels", group: "batch", kind: "CronJob", create: true),
        F("spec/jobTemplate/spec/template/metadata/labels", group: "batch", kind: "CronJob", create: true),
    ]

    private static func affinity(_ kind: String) -> [F] {
        [
            "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
            "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        ].map { F($0, group: "apps", kind: kind) }
    }

    /// commonLabels (and labels with includeSelectors): metadata, templates and selectors.
    static let commonLabels: [F] =
        [
            F("spec/selector", version: "v1", kind: "Service", create: true),
            F("spec/selector", version: "v1", kind: "ReplicationController", create: true),
            F("spec/selector/matchLabels", kind: "Deployment", create: true),
        ] + affinity("Deployment") + [
            F("spec/selector/matchLabels", kind: "ReplicaSet", create: true),
            F("spec/selector/matchLabels", kind: "DaemonSet", create: true),
            F("spec/selector/matchLabels", group: "apps", kind: "StatefulSet", create: true),
            F("spec/volumeClaimTemplates[]/metadata/labels", group: "apps", kind: "StatefulSet", create: true),
        ] + affinity("StatefulSet") + [
            F("spec/selector/matchLabels", group: "batch", kind: "Job"),
            F("spec/jobTemplate/spec/selector/matchLabels", group: "batch", kind: "CronJob"),
            F("spec/selector/matchLabels", group: "policy", kind: "PodDisruptionBudget"),
            F("spec/podSelector/matchLabels", group: "networking.k8s.io", kind: "NetworkPolicy"),
            F("spec/ingress/from/podSelector/matchLabels", group: "networking.k8s.io", kind: "NetworkPolicy"),
            F("spec/egress/to/podSelector/matchLabels", group: "networking.k8s.io", kind: "NetworkPolicy"),
        ] + metadataLabels

    /// commonAnnotations: objects and the pod templates of workloads.
    static let commonAnnotations: [F] = [
        F("metadata/annotations", create: true),
        F("spec/template/metadata/annotations", version: "v1", kind: "ReplicationController", create: true),
        F("spec/template/metadata/annotations", kind: "Deployment", create: true),
        F("spec/template/metadata/annotations", kind: "ReplicaSet", create: true),
        F("spec/template/metadata/annotations", kind: "DaemonSet", create: true),
        F("spec/template/metadata/annotations", kind: "StatefulSet", create: true),
        F("spec/template/metadata/annotations", group: "batch", kind: "Job", create: true),
        F("spec/jobTemplate/metadata/annotations", group: "batch", kind: "CronJob", create: true),
        F("spec/jobTemplate/spec/template/metadata/annotations", group: "batch", kind: "CronJob", create: true),
    ]

    /// replicas: the counts of scalable workloads.
    static let replicas: [F] = [
        F("spec/replicas", kind: "Deployment", create: true),
        F("spec/replicas", kind: "ReplicationController", create: true),
        F("spec/replicas", kind: "ReplicaSet", create: true),
        F("spec/replicas", kind: "StatefulSet", create: true),
    ]
}
