import PlumbCore

extension PolicyEngine {
    /// The violations of the checks that judge an object by its kind (Services, RBAC roles)
    /// or its metadata (required labels).
    func objectViolations(_ resource: Resource) -> [PolicyFinding] {
        var out: [PolicyFinding] = []
        func add(_ check: PolicyCheck, _ message: String) {
            out.append(PolicyFinding(ref: resource.ref, check: check.id, message: message))
        }
        let ref = resource.ref
        if ref.group.isEmpty && ref.kind == "Service", let type = resource.body[path: ["spec", "type"]]?.stringValue,
            type == "LoadBalancer" || type == "NodePort"
        {
            add(.serviceType, "type is \(type)")
        }
        if ref.group == "rbac.authorization.k8s.io" && (ref.kind == "Role" || ref.kind == "ClusterRole") {
            for (i, rule) in (resource.body["rules"]?.arrayValue ?? []).enumerated() {
                let wild = ["apiGroups", "resources", "verbs"].filter { field in
                    (rule[field]?.arrayValue ?? []).contains { $0.stringValue == "*" }
                }
                if !wild.isEmpty {
                    add(.rbacWildcard, "rules[\(i)]: * in \(wild.joined(separator: ", "))")
                }
            }
        }
        if let required = parameters.requiredLabels {
            let labels = resource.labels
            let missing = required.filter { labels[$0] == nil }
            if !missing.isEmpty {
                add(.requiredLabels, "missing label\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
            }
        }
        return out
    }
}
