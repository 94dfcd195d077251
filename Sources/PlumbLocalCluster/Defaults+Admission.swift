import PlumbCore

/// admissionregistration/v1, apiregistration/v1 and rbac/v1: pkg/apis/admissionregistration/v1/
/// defaults.go, staging/src/k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/defaults.go and
/// pkg/apis/rbac/v1/defaults.go (Kubernetes 1.36). PriorityClass and StorageClass are in
/// `Defaults.apply`. policy/v1 (PodDisruptionBudget) has no defaulter.
extension Defaults {
    /// SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook, SetDefaults_Rule and
    /// SetDefaults_ServiceReference, inside each item of `webhooks`. (v1 defaults neither
    /// sideEffects nor admissionReviewVersions: both are required.)
    static func webhook(_ w: inout ValueObject, mutating: Bool) {
        editIfPresent(&w, "clientConfig") { cc in
            editIfPresent(&cc, "service") { setDefault(&$0, "port", 443) }
        }
        editEach(&w, "rules") { setDefault(&$0, "scope", "*") }
        setDefault(&w, "failurePolicy", "Fail")
        setDefault(&w, "matchPolicy", "Equivalent")
        setDefault(&w, "namespaceSelector", .object(ValueObject()))
        setDefault(&w, "objectSelector", .object(ValueObject()))
        setDefault(&w, "timeoutSeconds", 10)
        if mutating { setDefault(&w, "reinvocationPolicy", "Never") }
        w = ordered(w, [
            "name", "clientConfig", "rules", "failurePolicy", "matchPolicy", "namespaceSelector", "objectSelector",
            "sideEffects", "timeoutSeconds", "admissionReviewVersions", "reinvocationPolicy", "matchConditions",
        ])
    }

    /// The aggregator's SetDefaults_ServiceReference: port 443.
    static func apiService(_ o: inout ValueObject) {
        edit(&o, "spec") { spec in
            editIfPresent(&spec, "service") { setDefault(&$0, "port", 443) }
        }
    }

    /// SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding and SetDefaults_Subject.
    static func roleBinding(_ o: inout ValueObject) {
        edit(&o, "roleRef") { ref in
            if (ref["apiGroup"]?.stringValue ?? "").isEmpty { ref["apiGroup"] = "rbac.authorization.k8s.io" }
        }
        editEach(&o, "subjects") { subject in
            guard (subject["apiGroup"]?.stringValue ?? "").isEmpty else { return }
            switch subject["kind"]?.stringValue {
            case "User", "Group": subject["apiGroup"] = "rbac.authorization.k8s.io"
            default: break
            }
        }
    }
}
