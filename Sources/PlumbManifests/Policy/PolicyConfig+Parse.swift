import PlumbCore
import PlumbYAML

extension PolicyConfig {
    /// The policy in `bytes` (YAML); `file` names it in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(PolicyConfigError) -> PolicyConfig {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseDocuments(bytes, file: file)
        } catch {
            throw PolicyConfigError("\(error)")
        }
        guard documents.count == 1, case .object(let top) = documents[0].value else {
            throw PolicyConfigError(
                "\(file): expected one YAML mapping (defaultMode, checks, parameters, overrides, exceptions)")
        }
        try known(
            top, ["apiVersion", "kind", "defaultMode", "checks", "parameters", "overrides", "exceptions"], at: file)
        if let kind = top["kind"], kind.stringValue != "PolicyConfig" {
            throw PolicyConfigError("\(file): kind: expected PolicyConfig")
        }
        var config = PolicyConfig(file: file)
        config.modes = try modes(top, at: "\(file): ", defaultMode: .warn)
        if let p = top["parameters"] {
            guard case .object(let o) = p else { throw PolicyConfigError("\(file): parameters: must be a mapping") }
            try known(o, ["allowedRegistries", "requiredLabels"], at: "\(file): parameters")
            config.parameters.allowedRegistries = try o["allowedRegistries"].map { v throws(PolicyConfigError) in
                try strings(v, "\(file): parameters.allowedRegistries", allowEmpty: true)
            }
            config.parameters.requiredLabels = try o["requiredLabels"].map { v throws(PolicyConfigError) in
                try strings(v, "\(file): parameters.requiredLabels", allowEmpty: true)
            }
        }
        for (i, item) in try list(top["overrides"], "\(file): overrides").enumerated() {
            let at = "\(file): overrides[\(i)]"
            guard case .object(let o) = item else { throw PolicyConfigError("\(at): must be a mapping") }
            try known(o, ["namespaces", "applications", "defaultMode", "checks"], at: at)
            let namespaces =
                try o["namespaces"].map { v throws(PolicyConfigError) in try strings(v, "\(at).namespaces") } ?? []
            let apps =
                try o["applications"].map { v throws(PolicyConfigError) in try strings(v, "\(at).applications") } ?? []
            if namespaces.isEmpty && apps.isEmpty {
                throw PolicyConfigError("\(at): give namespaces or applications (whom the override is for)")
            }
            config.overrides.append(
                Override(
                    name: "overrides[\(i)]", namespaces: namespaces.map(Glob.init), applications: apps.map(Glob.init),
                    modes: try modes(o, at: at + ".", defaultMode: nil)))
        }
        var names = Set<String>()
        for (i, item) in try list(top["exceptions"], "\(file): exceptions").enumerated() {
            let at = "\(file): exceptions[\(i)]"
            guard case .object(let o) = item else { throw PolicyConfigError("\(at): must be a mapping") }
            try known(o, ["name", "check", "objects", "reason"], at: at)
            guard let name = o["name"]?.stringValue, !name.isEmpty else {
                throw PolicyConfigError("\(at).name: required")
            }
            guard names.insert(name).inserted else {
                throw PolicyConfigError("\(at).name: \"\(name)\" is already the name of an exception")
            }
            guard let id = o["check"]?.stringValue, let check = PolicyCheck.named(id) else {
                throw PolicyConfigError(
                    "\(at).check: expected a check ID (\(PolicyCheck.catalogue.map(\.id).joined(separator: ", ")))")
            }
            guard let reason = o["reason"]?.stringValue, !reason.isEmpty else {
                throw PolicyConfigError("\(at).reason: required (why the objects are exempt)")
            }
            var objects: [ObjectSelector] = []
            let items = try list(o["objects"], "\(at).objects")
            if items.isEmpty { throw PolicyConfigError("\(at).objects: expected a list of {kind, namespace, name}") }
            for (j, s) in items.enumerated() {
                let sat = "\(at).objects[\(j)]"
                guard case .object(let so) = s else {
                    throw PolicyConfigError("\(sat): must be a mapping (kind, namespace, name)")
                }
                try known(so, ["kind", "namespace", "name"], at: sat)
                guard let kind = so["kind"]?.stringValue, !kind.isEmpty else {
                    throw PolicyConfigError("\(sat).kind: required")
                }
                guard let n = so["name"]?.stringValue, !n.isEmpty else {
                    throw PolicyConfigError("\(sat).name: required")
                }
                var namespace: Glob?
                if let ns = so["namespace"] {
                    guard let text = ns.stringValue else {
                        throw PolicyConfigError("\(sat).namespace: expected a string")
                    }
                    namespace = Glob(text)
                }
                objects.append(ObjectSelector(kind: kind, namespace: namespace, name: Glob(n)))
            }
            config.exceptions.append(Exception(name: name, check: check.id, objects: objects, reason: reason))
        }
        return config
    }

    /// `at` ends where a field name follows: `policy.yaml: ` or `policy.yaml: overrides[0].`.
    static func modes(_ o: ValueObject, at: String, defaultMode fallback: PolicyMode?) throws(PolicyConfigError)
        -> Modes
    {
        var modes = Modes(defaultMode: fallback, checks: [:])
        if let v = o["defaultMode"] { modes.defaultMode = try mode(v, "\(at)defaultMode") }
        if let v = o["checks"] {
            guard case .object(let checks) = v else {
                throw PolicyConfigError("\(at)checks: must be a mapping of check ID to mode")
            }
            for entry in checks {
                let id = entry.key
                let m = entry.value
                guard let check = PolicyCheck.named(id) else {
                    throw PolicyConfigError(
                        "\(at)checks.\(id): unknown check (expected one of \(PolicyCheck.catalogue.map(\.id).joined(separator: ", ")))"
                    )
                }
                modes.checks[check.id] = try mode(m, "\(at)checks.\(id)")
            }
        }
        return modes
    }

    static func mode(_ v: Value, _ at: String) throws(PolicyConfigError) -> PolicyMode {
        // YAML 1.1 reads a bare `off` as false.
        if v.boolValue == false { return .off }
        guard let text = v.stringValue, let mode = PolicyMode(rawValue: text) else {
            throw PolicyConfigError("\(at): expected enforce, warn or off")
        }
        return mode
    }

    static func known(_ o: ValueObject, _ fields: [String], at: String) throws(PolicyConfigError) {
        for key in o.keys where !fields.contains(key) {
            throw PolicyConfigError("\(at): \(key): unknown field (expected one of \(fields.joined(separator: ", ")))")
        }
    }

    static func list(_ v: Value?, _ at: String) throws(PolicyConfigError) -> [Value] {
        guard let v, !v.isNull else { return [] }
        guard let items = v.arrayValue else { throw PolicyConfigError("\(at): must be a list") }
        return items
    }

    static func strings(_ v: Value, _ at: String, allowEmpty: Bool = false) throws(PolicyConfigError) -> [String] {
        guard let items = v.arrayValue, allowEmpty || !items.isEmpty else {
            throw PolicyConfigError("\(at): expected a list of strings")
        }
        var out: [String] = []
        for (i, item) in items.enumerated() {
            guard let s = item.stringValue, !s.isEmpty else {
                throw PolicyConfigError("\(at)[\(i)]: expected a string")
            }
            out.append(s)
        }
        return out
    }
}
