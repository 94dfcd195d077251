import PlumbCore

/// Strategic merge patches on Plumb's merge schema (the one server-side apply uses): maps merge
/// key by key, lists merge item by item on their merge keys where the built-in schema has them
/// and are replaced otherwise, `null` deletes, and the `$patch: delete|replace`,
/// `$deleteFromPrimitiveList` directives work.
enum KustomizeStrategicMerge {
    /// The patched object, or nil when the patch deletes it (`$patch: delete` at the top).
    static func apply(_ target: Value, _ patch: Value) -> Value? {
        if patch["$patch"]?.stringValue == "delete" { return nil }
        return mergeObject(target, patch, node: MergeSchema.forObject(target).root)
    }

    private static func mergeObject(_ target: Value, _ patch: Value, node: MergeSchema.Node) -> Value {
        guard case .object(let p) = patch else { return patch }
        if p["$patch"]?.stringValue == "replace" { return strip(patch) }
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
                if let existing = t[e.key], case .object = existing {
                    t[e.key] = mergeObject(existing, e.value, node: child)
                } else {
                    t[e.key] = strip(e.value)
                }
            case .array(let items):
                guard case .array(let existing)? = t[e.key] else {
                    t[e.key] = .array(items.filter { $0["$patch"] == nil }.map { strip($0) })
                    continue
                }
                switch child.listType {
                case .map(let keys, let defaults):
                    t[e.key] = .array(mergeList(existing, items, keys: keys, defaults: defaults, item: child.item))
                case .set:
                    // Prepended like associative lists: the patch's values, then the others.
                    var merged: [Value] = []
                    for item in items where !merged.contains(item) { merged.append(item) }
                    for item in existing where !merged.contains(item) { merged.append(item) }
                    t[e.key] = .array(merged)
                case .atomic:
                    t[e.key] = .array(items.filter { $0["$patch"] == nil }.map { strip($0) })
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
        // kustomize merges with "prepend" list direction: the patch's items come first, in the
        // patch's order, then the target's items the patch does not mention.
        var out: [Value] = []
        var used = Set<Int>()
        for entry in patch {
            if entry["$patch"]?.stringValue == "replace" {
                return patch.filter { $0["$patch"] == nil }.map { strip($0) }
            }
            let index = existing.indices.first { !used.contains($0) && matches(existing[$0], entry) }
            if let index { used.insert(index) }
            if entry["$patch"]?.stringValue == "delete" { continue }
            if let index {
                out.append(mergeObject(existing[index], entry, node: item))
            } else {
                out.append(strip(entry))
            }
        }
        for i in existing.indices where !used.contains(i) { out.append(existing[i]) }
        return out
    }

    /// A patch value without directives, for where it lands whole.
    private static func strip(_ v: Value) -> Value {
        switch v {
        case .object(let o):
            var out = ValueObject()
            for e in o where !e.key.hasPrefix("$") && !e.value.isNull { out[e.key] = strip(e.value) }
            return .object(out)
        case .array(let a):
            return .array(a.map(strip))
        default:
            return v
        }
    }
}
