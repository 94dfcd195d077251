import Foundation
import PlumbCore

/// What an update (PUT, PATCH, apply to an existing object) may not change, with the errors
/// kube-apiserver's update validation gives: ValidateObjectMetaUpdate (`metadata.uid`),
/// ValidateServiceUpdate (cluster IPs), the apps strategies (`spec.selector`),
/// ValidateStatefulSetUpdate, ValidateJobSpecUpdate, ValidateConfigMapUpdate and
/// ValidateSecretUpdate (`immutable: true`), ValidatePersistentVolumeClaimUpdate,
/// ValidateRoleBindingUpdate and ValidateStorageClassUpdate.
///
/// Values are rendered as field.Error renders them: strings quoted, numbers and booleans
/// plain, anything else as its JSON (`{"matchLabels":{"app":"web"}}`). Where the Go code
/// renders an internal type (a Job's pod template, a RoleBinding's roleRef) or a diff of one
/// (a PVC's spec), the JSON names the fields as the API does.
extension Validation {
    /// Checks an update of `existing` to `incoming` (the body as sent, before defaulting); throws
    /// the 422 with every cause the update's validation finds when something immutable changed.
    static func checkUpdate(_ incoming: Value, existing: Value, t: Target) throws(APIError) {
        guard t.subresource == nil, case .object = incoming else { return }
        let type = t.type
        let name = existing.meta("name") ?? ""
        var new = incoming
        Defaults.apply(&new, type: type)
        let (first, last) = updateCauses(new, old: existing, type: type)
        guard !first.isEmpty || !last.isEmpty else { return }
        // The rest of the update's validation, between the two, as the Go code orders it.
        var general = metadataCauses(new)
        if type.group == "apps" && type.resource == "deployments" { general += deploymentCauses(new) }
        general += enumCauses(new, type: type)
        throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: first + general + last)
    }

    /// Causes that come before the kind's general validation, and those that come after it.
    static func updateCauses(_ new: Value, old: Value, type: ResourceType) -> (
        first: [APIError.Cause], last: [APIError.Cause]
    ) {
        var first: [APIError.Cause] = []
        var last: [APIError.Cause] = []
        if let uid = new.meta("uid"), !uid.isEmpty, uid != old.meta("uid") {
            first.append(immutable("metadata.uid", .string(uid)))
        }
        switch (type.group, type.resource) {
        case ("", "services"):
            first += clusterIPCauses(new, old: old)
        case ("apps", "deployments"), ("apps", "replicasets"), ("apps", "daemonsets"):
            if !same(new[path: ["spec", "selector"]], old[path: ["spec", "selector"]]) {
                last.append(immutable("spec.selector", labelSelectorValue(new[path: ["spec", "selector"]])))
            }
        case ("apps", "statefulsets"):
            var a = new["spec"]?.objectValue ?? ValueObject()
            var b = old["spec"]?.objectValue ?? ValueObject()
            for key in [
                "replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds",
            ] {
                a[key] = nil
                b[key] = nil
            }
            if !same(.object(a), .object(b)) {
                last.append(
                    .init(
                        reason: "FieldValueForbidden",
                        message:
                            "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                        field: "spec"))
            }
        case ("batch", "jobs"):
            last += jobCauses(new, old: old)
        case ("", "configmaps"), ("", "secrets"):
            if type.resource == "secrets", !same(new["type"], old["type"]) {
                first.append(immutable("type", new["type"] ?? .null))
            }
            if old["immutable"]?.boolValue == true {
                let forbidden = "Forbidden: field is immutable when `immutable` is set"
                if new["immutable"]?.boolValue != true {
                    last.append(.init(reason: "FieldValueForbidden", message: forbidden, field: "immutable"))
                }
                let fields = type.resource == "secrets" ? ["data"] : ["data", "binaryData"]
                for f in fields where !same(new[f], old[f]) {
                    last.append(.init(reason: "FieldValueForbidden", message: forbidden, field: f))
                }
            }
        case ("", "persistentvolumeclaims"):
            last += claimCauses(new, old: old)
        case ("rbac.authorization.k8s.io", "rolebindings"), ("rbac.authorization.k8s.io", "clusterrolebindings"):
            if !same(new["roleRef"], old["roleRef"]) {
                let ref = new["roleRef"] ?? .null
                var o = ValueObject()
                o["APIGroup"] = ref["apiGroup"] ?? ""
                o["Kind"] = ref["kind"] ?? ""
                o["Name"] = ref["name"] ?? ""
                last.append(
                    .init(
                        reason: "FieldValueInvalid",
                        message: "Invalid value: \(render(.object(o))): cannot change roleRef", field: "roleRef"))
            }
        case ("storage.k8s.io", "storageclasses"):
            if !same(new["parameters"], old["parameters"]) {
                last.append(
                    .init(
                        reason: "FieldValueForbidden", message: "Forbidden: updates to parameters are forbidden.",
                        field: "parameters"))
            }
            if !same(new["provisioner"], old["provisioner"]) {
                last.append(
                    .init(
                        reason: "FieldValueForbidden", message: "Forbidden: updates to provisioner are forbidden.",
                        field: "provisioner"))
            }
            if !same(new["reclaimPolicy"], old["reclaimPolicy"]) {
                last.append(
                    .init(
                        reason: "FieldValueForbidden", message: "Forbidden: updates to reclaimPolicy are forbidden.",
                        field: "reclaimPolicy"))
            }
            if !same(new["volumeBindingMode"], old["volumeBindingMode"]) {
                last.append(immutable("volumeBindingMode", new["volumeBindingMode"] ?? .null))
            }
        default:
            break
        }
        return (first, last)
    }

    /// `field: Invalid value: <value>: field is immutable` (ValidateImmutableField).
    static func immutable(_ field: String, _ value: Value) -> APIError.Cause {
        .init(reason: "FieldValueInvalid", message: "Invalid value: \(render(value)): field is immutable", field: field)
    }

    /// A bad value as field.Error.ErrorBody prints it.
    static func render(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .string(let s): return quoted(s)
        case .bool(let b): return b ? "true" : "false"
        default: return (try? JSONWriter().string(value)) ?? "null"
        }
    }

    /// Semantic equality (apiequality.Semantic.DeepEqual): an empty list or map equals none.
    static func same(_ a: Value?, _ b: Value?) -> Bool { pruned(a ?? .null) == pruned(b ?? .null) }

    private static func pruned(_ v: Value) -> Value {
        switch v {
        case .object(let o):
            var out = ValueObject()
            for e in o.sortedEntries {
                let p = pruned(e.value)
                if p != .null { out[e.key] = p }
            }
            return out.isEmpty ? .null : .object(out)
        case .array(let a):
            return a.isEmpty ? .null : .array(a.map(pruned))
        default:
            return v
        }
    }

    /// A metav1.LabelSelector as its JSON: fields in declaration order, empty ones left out.
    static func labelSelectorValue(_ selector: Value?) -> Value {
        guard let selector, case .object = selector else { return .null }
        var o = ValueObject()
        if let labels = selector["matchLabels"]?.objectValue, !labels.isEmpty {
            var sorted = ValueObject()
            for e in labels.sortedEntries { sorted[e.key] = e.value }  // Go writes map keys sorted
            o["matchLabels"] = .object(sorted)
        }
        if let expressions = selector["matchExpressions"]?.arrayValue, !expressions.isEmpty {
            o["matchExpressions"] = .array(
                expressions.map { e in
                    var r = ValueObject()
                    r["key"] = e["key"] ?? ""
                    r["operator"] = e["operator"] ?? ""
                    if let values = e["values"]?.arrayValue, !values.isEmpty { r["values"] = .array(values) }
                    return .object(r)
                })
        }
        return .object(o)
    }

    /// validateUpgradeDowngradeClusterIPs, after the strategy has reconciled `clusterIP` and
    /// `clusterIPs` (normalizeClusterIPs) and kept allocated values the update left out.
    static func clusterIPCauses(_ new: Value, old: Value) -> [APIError.Cause] {
        if new[path: ["spec", "type"]]?.stringValue == "ExternalName"
            || old[path: ["spec", "type"]]?.stringValue == "ExternalName"
        {
            return []
        }
        let oldIP = old[path: ["spec", "clusterIP"]]?.stringValue ?? ""
        let oldIPs = (old[path: ["spec", "clusterIPs"]]?.arrayValue ?? []).compactMap(\.stringValue)
        var newIP = new[path: ["spec", "clusterIP"]]?.stringValue ?? ""
        var newIPs = (new[path: ["spec", "clusterIPs"]]?.arrayValue ?? []).compactMap(\.stringValue)
        if newIP.isEmpty { newIP = oldIP }
        if newIPs.isEmpty { newIPs = oldIPs }
        if newIP != oldIP && newIPs == oldIPs && !newIPs.isEmpty { newIPs[0] = newIP }
        if oldIP == "None" && newIP == "None" { return [] }
        var causes: [APIError.Cause] = []
        let value = render(.array(newIPs.map { .string($0) }))
        if newIPs.count == oldIPs.count {
            for (i, ip) in oldIPs.enumerated() where ip != newIPs[i] {
                causes.append(
                    .init(
                        reason: "FieldValueInvalid", message: "Invalid value: \(value): may not change once set",
                        field: "spec.clusterIPs[\(i)]"))
            }
        } else if !oldIPs.isEmpty && !newIPs.isEmpty && oldIPs[0] != newIPs[0] {
            causes.append(
                .init(
                    reason: "FieldValueInvalid", message: "Invalid value: \(value): may not change once set",
                    field: "spec.clusterIPs[0]"))
        }
        return causes
    }

    /// ValidateJobSpecUpdate: the selector and the pod template are immutable (but for the
    /// scheduling directives of a suspended Job that never started).
    static func jobCauses(_ new: Value, old: Value) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        if !same(new[path: ["spec", "selector"]], old[path: ["spec", "selector"]]) {
            causes.append(immutable("spec.selector", labelSelectorValue(new[path: ["spec", "selector"]])))
        }
        var template = new[path: ["spec", "template"]] ?? .null
        var oldTemplate = old[path: ["spec", "template"]] ?? .null
        let mutableScheduling =
            old[path: ["spec", "suspend"]]?.boolValue == true && old[path: ["status", "startTime"]] == nil
        if mutableScheduling {
            for path in [
                ["spec", "nodeSelector"], ["spec", "tolerations"], ["spec", "affinity"], ["spec", "schedulingGates"],
                ["metadata", "annotations"], ["metadata", "labels"],
            ] {
                template = template.setting(path, nil)
                oldTemplate = oldTemplate.setting(path, nil)
            }
        }
        if !same(template, oldTemplate) {
            causes.append(immutable("spec.template", new[path: ["spec", "template"]] ?? .null))
        }
        for field in ["completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"]
        where !same(new[path: ["spec", field]], old[path: ["spec", field]]) {
            causes.append(immutable("spec.\(field)", new[path: ["spec", field]] ?? .null))
        }
        return causes
    }

    /// ValidatePersistentVolumeClaimUpdate: the spec is immutable but for the storage request
    /// and volume attributes class of a bound claim, and a volumeName set once.
    static func claimCauses(_ new: Value, old: Value) -> [APIError.Cause] {
        var a = new["spec"]?.objectValue ?? ValueObject()
        var b = old["spec"]?.objectValue ?? ValueObject()
        if (b["volumeName"]?.stringValue ?? "").isEmpty { b["volumeName"] = a["volumeName"] }
        let bound =
            new[path: ["status", "phase"]]?.stringValue == "Bound"
            || old[path: ["status", "phase"]]?.stringValue == "Bound"
        if bound {
            a["volumeAttributesClassName"] = b["volumeAttributesClassName"]
            var requests = Value.object(a)[path: ["resources", "requests"]]?.objectValue
            requests?["storage"] = Value.object(b)[path: ["resources", "requests", "storage"]]
            if let requests { a["resources"] = a["resources"].map { $0.setting(["requests"], .object(requests)) } }
        }
        guard !same(.object(a), .object(b)) else { return [] }
        var diff = "  core.PersistentVolumeClaimSpec{\n"
        for key in Set(a.entries.map(\.key)).union(b.entries.map(\.key)).sorted() where !same(a[key], b[key]) {
            if let v = b[key] { diff += "- \t\(key): \(render(v)),\n" }
            if let v = a[key] { diff += "+ \t\(key): \(render(v)),\n" }
        }
        diff += "  }\n"
        return [
            .init(
                reason: "FieldValueForbidden",
                message:
                    "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n\(diff)",
                field: "spec")
        ]
    }
}

extension Value {
    /// The value with the member at `path` set (nil removes it); objects are made on the way.
    func setting(_ path: [String], _ newValue: Value?) -> Value {
        guard let key = path.first else { return newValue ?? .null }
        var o = objectValue ?? ValueObject()
        if path.count == 1 {
            o[key] = newValue
        } else {
            let child = o[key] ?? .object(ValueObject())
            if newValue == nil && o[key] == nil { return self }
            o[key] = child.setting(Array(path.dropFirst()), newValue)
        }
        return .object(o)
    }
}
