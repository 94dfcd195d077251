import PlumbCore

/// Strategic merge patch for the built-in types, driven by the same `MergeSchema` as
/// server-side apply: associative lists merge item by item on their keys (missing key fields
/// take the schema's defaults, so `{containerPort: 80}` finds the TCP port), sets merge by
/// value, atomic lists are replaced; `$patch: delete|replace` and `$deleteFromPrimitiveList`
/// directives work, `$setElementOrder` and `$retainKeys` are accepted and ignored.
enum StrategicMerge {
    static func apply(_ target: Value, _ patch: Value, schema: MergeSchema) -> Value {
        mergeObject(target, patch, node: schema.root)
    }

    private static func mergeObject(_ target: Value, _ patch: Value, node: MergeSchema.Node) -> Value {
        guard case .object(let p) = patch else { return patch }
        if p["$patch"]?.stringValue == "replace" {
            var replaced = p
            _ = replaced.removeValue(forKey: "$patch")
            return .object(replaced)
        }
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
            let child = node.child(e.key).node
            switch e.value {
            case .object(let o) where o["$patch"]?.stringValue == "delete":
                _ = t.removeValue(forKey: e.key)
            case .object:
                t[e.key] = mergeObject(t[e.key] ?? .null, e.value, node: child)
            case .array(let items):
                guard case .array(let existing)? = t[e.key] else {
                    t[e.key] = .array(items.filter { $0["$patch"] == nil }.map { strip($0) })
                    continue
                }
                switch child.listType {
                case .map(let keys, let defaults):
                    t[e.key] = .array(mergeList(existing, items, keys: keys, defaults: defaults, item: child.item))
                case .set:
                    var merged = existing
                    for item in items where !merged.contains(item) { merged.append(item) }
                    t[e.key] = .array(merged)
                case .atomic:
                    t[e.key] = .array(items.map { strip($0) })
                }
            default:
                t[e.key] = e.value
            }
        }
        return .object(t)
    }

    private static func mergeList(
        _ existing: [Value], _ patch: [Value], keys: [String], defaults: [String: Value], item: MergeSchema.Node
    ) -> [Value] {
        func matches(_ a: Value, _ b: Value) -> Bool {
            keys.allSatisfy { k in (a[k] ?? defaults[k]) == (b[k] ?? defaults[k]) }
        }
        var out = existing
        for entry in patch {
            let index = out.firstIndex { matches($0, entry) }
            if entry["$patch"]?.stringValue == "delete" {
                if let index { out.remove(at: index) }
                continue
            }
            if let index {
                out[index] = mergeObject(out[index], entry, node: item)
            } else {
                out.append(strip(entry))
            }
        }
        return out
    }

    /// A patch value without directives, for where it lands whole.
    private static func strip(_ v: Value) -> Value {
        guard case .object(var o) = v else { return v }
        for key in o.keys where key.hasPrefix("$") { _ = o.removeValue(forKey: key) }
        return .object(o)
    }
}
