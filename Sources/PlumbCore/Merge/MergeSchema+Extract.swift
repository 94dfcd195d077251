extension MergeSchema {
    /// The part of `value` that `set` covers, as structured-merge-diff's `ExtractItems`: what a
    /// manager owns of a live object, to compare with what it applies. List items keep their
    /// key fields; members without children keep their whole value.
    public func extracting(_ set: FieldSet, from value: Value) -> Value? {
        StructuredMerge.extract(value, set, node: root, path: [])
    }

    /// The value at `path` in `object`, following keys and set values through lists.
    public func value(at path: FieldPath, in object: Value) -> Value? {
        var node = root
        var current = object
        for (i, e) in path.elements.enumerated() {
            switch (e, current) {
            case let (.field(name), .object(o)):
                guard let v = o[name] else { return nil }
                node = node.child(name).node
                current = v
            case let (.index(n), .array(items)):
                guard items.indices.contains(n) else { return nil }
                node = node.item
                current = items[n]
            case (.key, .array(let items)), (.value, .array(let items)):
                let prefix = Array(path.elements.prefix(i))
                guard let item = StructuredMerge.lenientIndex(items, type: node.listType, path: prefix)
                    .first(where: { $0.element == e })
                else { return nil }
                node = node.item
                current = item.value
            default:
                return nil
            }
        }
        return current
    }
}

extension StructuredMerge {
    static func extract(_ value: Value, _ set: FieldSet, node: MergeSchema.Node, path: [PathElement]) -> Value? {
        switch value {
        case .object(let o) where node.mapType != .atomic:
            var out = ValueObject()
            for entry in o {
                let e = PathElement.field(entry.key)
                if let sub = set.children[e] {
                    if let v = extract(entry.value, sub, node: node.child(entry.key).node, path: path + [e]) {
                        out.appendUnchecked(key: entry.key, value: v)
                    }
                } else if set.members.contains(e) {
                    out.appendUnchecked(key: entry.key, value: entry.value)
                }
            }
            return out.isEmpty && !o.isEmpty ? nil : .object(out)
        case .array(let items) where node.listType != .atomic:
            var out: [Value] = []
            for (e, item) in lenientIndex(items, type: node.listType, path: path) {
                let sub = set.children[e]
                guard sub != nil || set.members.contains(e) else { continue }
                var kept = sub.flatMap { extract(item, $0, node: node.item, path: path + [e]) } ?? .object(ValueObject())
                switch (e, item) {
                case (.key(let fields), .object(let o)):
                    // An item always carries its key, as the server's extraction keeps it.
                    for f in fields where o[f.name] != nil && kept[f.name] == nil { kept[f.name] = o[f.name] }
                case (.value, _):
                    kept = item
                default:
                    break
                }
                out.append(kept)
            }
            return out.isEmpty ? nil : .array(out)
        default:
            return value
        }
    }
}
