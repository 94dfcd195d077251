import PlumbCore

/// Strategic merge patch for the built-in types: lists with a patch merge key merge item by
/// item, `$patch: delete|replace` directives work, other lists are replaced.
enum StrategicMerge {
    /// The patch merge key of a list field, by field name and (where it differs) its parent.
    static func mergeKey(field: String, parent: String) -> String? {
        switch field {
        case "containers", "initContainers", "ephemeralContainers", "volumes", "env", "imagePullSecrets":
            return "name"
        case "ports":
            return parent == "spec" ? "port" : "containerPort"
        case "volumeMounts": return "mountPath"
        case "volumeDevices": return "devicePath"
        case "conditions": return "type"
        case "ownerReferences": return "uid"
        case "hostAliases": return "ip"
        case "topologySpreadConstraints": return "topologyKey"
        default: return nil
        }
    }

    /// Primitive lists that merge as sets.
    static func mergesPrimitives(field: String) -> Bool { field == "finalizers" }

    static func apply(_ target: Value, _ patch: Value) -> Value {
        mergeObject(target, patch, parent: "")
    }

    private static func mergeObject(_ target: Value, _ patch: Value, parent: String) -> Value {
        guard case .object(let p) = patch else { return patch }
        if p["$patch"]?.stringValue == "replace" {
            var replaced = p
            _ = replaced.removeValue(forKey: "$patch")
            return .object(replaced)
        }
        if p["$patch"]?.stringValue == "delete" { return .null }
        var t = target.objectValue ?? ValueObject()
        for e in p {
            if e.key.hasPrefix("$setElementOrder/") || e.key == "$retainKeys" || e.key == "$patch" { continue }
            if e.key.hasPrefix("$deleteFromPrimitiveList/") {
                let field = String(e.key.dropFirst("$deleteFromPrimitiveList/".count))
                let drop = e.value.arrayValue ?? []
                if case .array(let items)? = t[field] { t[field] = .array(items.filter { !drop.contains($0) }) }
                continue
            }
            if e.value.isNull {
                _ = t.removeValue(forKey: e.key)
                continue
            }
            switch e.value {
            case .object:
                t[e.key] = mergeObject(t[e.key] ?? .null, e.value, parent: e.key)
            case .array(let items):
                if let key = mergeKey(field: e.key, parent: parent), case .array(let existing)? = t[e.key] {
                    t[e.key] = .array(mergeList(existing, items, key: key))
                } else if mergesPrimitives(field: e.key), case .array(let existing)? = t[e.key] {
                    var merged = existing
                    for item in items where !merged.contains(item) { merged.append(item) }
                    t[e.key] = .array(merged)
                } else {
                    t[e.key] = .array(items.filter { $0["$patch"] == nil })
                }
            default:
                t[e.key] = e.value
            }
        }
        return .object(t)
    }

    private static func mergeList(_ existing: [Value], _ patch: [Value], key: String) -> [Value] {
        var out = existing
        for item in patch {
            guard let k = item[key] else { out.append(item); continue }
            let index = out.firstIndex { $0[key] == k }
            if item["$patch"]?.stringValue == "delete" {
                if let index { out.remove(at: index) }
                continue
            }
            if let index {
                out[index] = mergeObject(out[index], item, parent: key)
            } else {
                out.append(mergeObject(.null, item, parent: key))
            }
        }
        return out
    }
}
