import PlumbCore

/// The validation kube-apiserver does for the common cases, with its exact messages.
enum Validation {
    static let subdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let labelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035Message =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

    private static func isAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }

    static func isDNS1123Label(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let first = b.first, let last = b.last, isAlnum(first), isAlnum(last) else { return false }
        return b.allSatisfy { isAlnum($0) || $0 == 45 }
    }

    static func isDNS1123Subdomain(_ s: String) -> Bool {
        !s.isEmpty && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNS1123Label(String($0)) }
    }

    static func isDNS1035Label(_ s: String) -> Bool {
        guard let first = s.utf8.first, first >= 97 && first <= 122 else { return false }
        return isDNS1123Label(s)
    }

    static func quoted(_ s: String) -> String {
        (try? JSONWriter().string(.string(s))) ?? "\"\(s)\""
    }

    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let qualifiedNameMessage =
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

    private static func isLabelText(_ s: String) -> Bool {
        let b = Array(s.utf8)
        func alnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) }
        guard let first = b.first, let last = b.last else { return true }
        return alnum(first) && alnum(last) && b.allSatisfy { alnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    /// Label and annotation keys are qualified names; label values are short label text.
    static func metadataCauses(_ object: Value) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        func keyCauses(_ key: String, field: String) {
            let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let name = parts.count == 2 ? parts[1] : parts[0]
            func invalid(_ detail: String) {
                causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(quoted(key)): \(detail)", field: field))
            }
            if parts.count == 2 && !isDNS1123Subdomain(parts[0]) { invalid("prefix part \(subdomainMessage)") }
            if name.isEmpty {
                invalid("name part must be non-empty")
            } else {
                if name.utf8.count > 63 { invalid("name part must be no more than 63 characters") }
                if !isLabelText(name) { invalid(qualifiedNameMessage) }
            }
        }
        for e in object[path: ["metadata", "labels"]]?.objectValue ?? ValueObject() {
            keyCauses(e.key, field: "metadata.labels")
            let value = e.value.stringValue ?? ""
            if value.utf8.count > 63 {
                causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(quoted(value)): must be no more than 63 characters", field: "metadata.labels"))
            }
            if !isLabelText(value) {
                causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(quoted(value)): \(labelValueMessage)", field: "metadata.labels"))
            }
        }
        for e in object[path: ["metadata", "annotations"]]?.objectValue ?? ValueObject() {
            keyCauses(e.key.lowercased(), field: "metadata.annotations")
        }
        return causes
    }

    /// Checks string maps the Go decoder would refuse: a 400 naming the Go struct field.
    static func checkTypes(_ object: Value, type: ResourceType) throws(APIError) {
        func goType(_ v: Value) -> String {
            switch v {
            case .bool: return "bool"
            case .int, .double: return "number"
            case .array: return "array"
            case .object: return "object"
            default: return "string"
            }
        }
        func check(_ value: Value?, structField: String) throws(APIError) {
            guard let value, !value.isNull else { return }
            guard case .object(let o) = value else {
                throw decodeError(type, "json: cannot unmarshal \(goType(value)) into Go struct field \(structField) of type map[string]string")
            }
            for e in o {
                switch e.value {
                case .string, .null: continue
                default:
                    throw decodeError(type, "json: cannot unmarshal \(goType(e.value)) into Go struct field \(structField) of type string")
                }
            }
        }
        try check(object[path: ["metadata", "labels"]], structField: "ObjectMeta.metadata.labels")
        try check(object[path: ["metadata", "annotations"]], structField: "ObjectMeta.metadata.annotations")
        if type.group.isEmpty && type.resource == "configmaps" {
            try check(object["data"], structField: "ConfigMap.data")
        }
        if type.group.isEmpty && type.resource == "secrets" {
            try check(object["stringData"], structField: "Secret.stringData")
        }
    }

    static func decodeError(_ type: ResourceType, _ detail: String) -> APIError {
        APIError.badRequest("\(type.kind) in version \"\(type.version)\" cannot be handled as a \(type.kind): \(detail)")
    }

    /// Fields that take one of a fixed set of values, refused otherwise as kube-apiserver's
    /// validation refuses them (`spec.template.spec.containers[0].imagePullPolicy: Unsupported
    /// value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`): containers'
    /// pull policy and port protocols and the restart policy of a pod or its template; a
    /// Deployment's strategy; a Service's type and port protocols.
    static func enumCauses(_ object: Value, type: ResourceType) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        func check(_ value: Value?, _ field: String, _ allowed: [String]) {
            guard let text = value?.stringValue, !allowed.contains(text) else { return }
            let supported = allowed.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            causes.append(
                .init(reason: "FieldValueNotSupported", message: "Unsupported value: \(quoted(text)): supported values: \(supported)", field: field))
        }
        let protocols = ["SCTP", "TCP", "UDP"]
        func podSpec(_ spec: Value?, _ path: String, restartPolicies: [String]) {
            guard let spec else { return }
            for list in ["initContainers", "containers"] {
                for (i, c) in (spec[list]?.arrayValue ?? []).enumerated() {
                    check(c["imagePullPolicy"], "\(path).\(list)[\(i)].imagePullPolicy", ["Always", "IfNotPresent", "Never"])
                    for (j, p) in (c["ports"]?.arrayValue ?? []).enumerated() {
                        check(p["protocol"], "\(path).\(list)[\(i)].ports[\(j)].protocol", protocols)
                    }
                }
            }
            check(spec["restartPolicy"], "\(path).restartPolicy", restartPolicies)
        }
        switch (type.group, type.resource) {
        case ("", "pods"):
            podSpec(object["spec"], "spec", restartPolicies: ["Always", "Never", "OnFailure"])
        case ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets"):
            podSpec(object[path: ["spec", "template", "spec"]], "spec.template.spec", restartPolicies: ["Always"])
            if type.resource == "deployments" {
                check(object[path: ["spec", "strategy", "type"]], "spec.strategy.type", ["Recreate", "RollingUpdate"])
            }
        case ("", "services"):
            check(object[path: ["spec", "type"]], "spec.type", ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"])
            for (j, p) in (object[path: ["spec", "ports"]]?.arrayValue ?? []).enumerated() {
                check(p["protocol"], "spec.ports[\(j)].protocol", protocols)
            }
        default:
            break
        }
        return causes
    }

    /// Spec rules for Deployments that clients most often trip over.
    static func deploymentCauses(_ object: Value) -> [APIError.Cause] {
        var causes: [APIError.Cause] = []
        let spec = object["spec"]
        if let r = spec?["replicas"]?.intValue, r < 0 {
            causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(r): must be greater than or equal to 0", field: "spec.replicas"))
        }
        let selector = spec?[path: ["selector", "matchLabels"]]?.objectValue
        if spec?["selector"] == nil {
            causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "spec.selector"))
        }
        let labels = spec?[path: ["template", "metadata", "labels"]]?.objectValue ?? ValueObject()
        if let selector {
            let matches = selector.allSatisfy { e in labels[e.key] == e.value }
            if !matches {
                let rendered = (try? JSONWriter(sortKeys: true).string(.object(labels))) ?? "{}"
                causes.append(.init(reason: "FieldValueInvalid", message: "Invalid value: \(rendered): `selector` does not match template `labels`", field: "spec.template.metadata.labels"))
            }
        }
        let containers = spec?[path: ["template", "spec", "containers"]]?.arrayValue ?? []
        if containers.isEmpty {
            causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "spec.template.spec.containers"))
        }
        for (i, c) in containers.enumerated() {
            if (c["name"]?.stringValue ?? "").isEmpty {
                causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "spec.template.spec.containers[\(i)].name"))
            }
            if (c["image"]?.stringValue ?? "").isEmpty {
                causes.append(.init(reason: "FieldValueRequired", message: "Required value", field: "spec.template.spec.containers[\(i)].image"))
            }
        }
        return causes
    }
}
