/// Kustomize's built-in name reference table (api/konfig/builtinpluginconsts/namereference.go):
/// for each kind that can be renamed, the fields of other kinds that hold its name.
enum KustomizeNameReferenceTable {
    struct Referral {
        var group: String?
        var kind: String
        var referrers: [KustomizeFieldSpec]
    }

    typealias F = KustomizeFieldSpec

    /// The pod spec of each workload kind, as a path prefix.
    private static let podSpecs: [(kind: String, group: String?, version: String?, prefix: String)] = [
        ("Pod", nil, "v1", "spec"),
        ("PodTemplate", nil, nil, "template/spec"),
        ("Deployment", nil, nil, "spec/template/spec"),
        ("ReplicaSet", nil, nil, "spec/template/spec"),
        ("DaemonSet", nil, nil, "spec/template/spec"),
        ("StatefulSet", nil, nil, "spec/template/spec"),
        ("Job", nil, nil, "spec/template/spec"),
        ("CronJob", nil, nil, "spec/jobTemplate/spec/template/spec"),
    ]

    private static func inPods(_ paths: [String]) -> [F] {
        podSpecs.flatMap { p in paths.map { F(p.prefix + "/" + $0, group: p.group, version: p.version, kind: p.kind) } }
    }

    /// Kinds whose pod template names a service account, claim or priority class (kustomize's list).
    private static func inWorkloads(_ path: String) -> [F] {
        [F("spec/" + path, kind: "Pod")]
            + ["StatefulSet", "Deployment", "ReplicationController", "Job", "DaemonSet"].map {
                F("spec/template/spec/" + path, kind: $0)
            } + [F("spec/jobTemplate/spec/template/spec/" + path, kind: "CronJob")]
    }

    static let referrals: [Referral] = [
        Referral(
            group: nil, kind: "Deployment", referrers: [F("spec/scaleTargetRef/name", kind: "HorizontalPodAutoscaler")]),
        Referral(
            group: nil, kind: "ReplicationController",
            referrers: [F("spec/scaleTargetRef/name", kind: "HorizontalPodAutoscaler")]),
        Referral(
            group: nil, kind: "ReplicaSet", referrers: [F("spec/scaleTargetRef/name", kind: "HorizontalPodAutoscaler")]),
        Referral(
            group: nil, kind: "StatefulSet", referrers: [F("spec/scaleTargetRef/name", kind: "HorizontalPodAutoscaler")]
        ),
        Referral(
            group: "", kind: "ConfigMap",
            referrers: inPods([
                "volumes/configMap/name", "containers/env/valueFrom/configMapKeyRef/name",
                "initContainers/env/valueFrom/configMapKeyRef/name", "containers/envFrom/configMapRef/name",
                "initContainers/envFrom/configMapRef/name", "volumes/projected/sources/configMap/name",
            ]) + [
                F("spec/configSource/configMap", kind: "Node"),
                F("rules/resourceNames", kind: "Role"),
                F("rules/resourceNames", kind: "ClusterRole"),
                F("metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", kind: "Ingress"),
            ]),
        Referral(
            group: "", kind: "Secret",
            referrers: inPods([
                "volumes/secret/secretName", "containers/env/valueFrom/secretKeyRef/name",
                "initContainers/env/valueFrom/secretKeyRef/name", "containers/envFrom/secretRef/name",
                "initContainers/envFrom/secretRef/name", "imagePullSecrets/name",
                "volumes/projected/sources/secret/name",
            ]) + [
                F("spec/tls/secretName", kind: "Ingress"),
                F("metadata/annotations/ingress.kubernetes.io\\/auth-secret", kind: "Ingress"),
                F("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret", kind: "Ingress"),
                F("metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret", kind: "Ingress"),
                F("imagePullSecrets/name", kind: "ServiceAccount"),
                F("parameters/secretName", kind: "StorageClass"),
                F("parameters/adminSecretName", kind: "StorageClass"),
                F("parameters/userSecretName", kind: "StorageClass"),
                F("parameters/secretRef", kind: "StorageClass"),
                F("rules/resourceNames", kind: "Role"),
                F("rules/resourceNames", kind: "ClusterRole"),
                F(
                    "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", group: "serving.knative.dev",
                    version: "v1", kind: "Service"),
                F("spec/azureFile/secretName", kind: "PersistentVolume"),
            ]),
        Referral(
            group: "", kind: "Service",
            referrers: [
                F("spec/serviceName", group: "apps", kind: "StatefulSet"),
                F("spec/rules/http/paths/backend/serviceName", kind: "Ingress"),
                F("spec/backend/serviceName", kind: "Ingress"),
                F("spec/rules/http/paths/backend/service/name", kind: "Ingress"),
                F("spec/defaultBackend/service/name", kind: "Ingress"),
                F("spec/service/name", group: "apiregistration.k8s.io", kind: "APIService"),
                F(
                    "webhooks/clientConfig/service", group: "admissionregistration.k8s.io",
                    kind: "ValidatingWebhookConfiguration"),
                F(
                    "webhooks/clientConfig/service", group: "admissionregistration.k8s.io",
                    kind: "MutatingWebhookConfiguration"),
                F("spec/rules/backendRefs/name", kind: "HTTPRoute"),
            ]),
        Referral(
            group: "rbac.authorization.k8s.io", kind: "Role",
            referrers: [F("roleRef/name", group: "rbac.authorization.k8s.io", kind: "RoleBinding")]),
        Referral(
            group: "rbac.authorization.k8s.io", kind: "ClusterRole",
            referrers: [
                F("roleRef/name", group: "rbac.authorization.k8s.io", kind: "RoleBinding"),
                F("roleRef/name", group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding"),
            ]),
        Referral(
            group: "", kind: "ServiceAccount",
            referrers: [
                F("subjects", group: "rbac.authorization.k8s.io", kind: "RoleBinding"),
                F("subjects", group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding"),
            ] + inWorkloads("serviceAccountName")),
        Referral(
            group: "", kind: "PersistentVolumeClaim", referrers: inWorkloads("volumes/persistentVolumeClaim/claimName")),
        Referral(
            group: "", kind: "PersistentVolume",
            referrers: [
                F("spec/volumeName", kind: "PersistentVolumeClaim"), F("rules/resourceNames", kind: "ClusterRole"),
            ]),
        Referral(
            group: "storage.k8s.io", kind: "StorageClass",
            referrers: [
                F("spec/storageClassName", kind: "PersistentVolume"),
                F("spec/storageClassName", kind: "PersistentVolumeClaim"),
                F("spec/volumeClaimTemplates/spec/storageClassName", kind: "StatefulSet"),
            ]),
        Referral(group: "scheduling.k8s.io", kind: "PriorityClass", referrers: inWorkloads("priorityClassName")),
    ]
}
