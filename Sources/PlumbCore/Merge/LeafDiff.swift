/// Walks two versions of an object guided by its merge schema and lists the leaves that
/// differ: named fields and granular map entries one by one, associative-list items by key,
/// set items by value, atomic values whole. Empty maps and lists count as absent.
struct LeafDiff {
    var schema: MergeSchema
    /// Report top-level `data`/`stringData` entries by length only (a Secret).
    var masksSecrets: Bool

    func collect(_ old: Value?, _ new: Value?, into out: inout [FieldChange]) {
        if let old, let new, old == new { return }
        walk(old, new, node: schema.root, path: "", depth: 0, quantity: false, quantityMap: false, into: &out)
    }

    /// `quantity`: the values are members of a `limits`-like map, equal by amount;
    /// `quantityMap`: the values are such a map.
    private func walk(
        _ old: Value?, _ new: Value?, node: MergeSchema.Node, path: String, depth: Int, quantity: Bool,
        quantityMap: Bool, into out: inout [FieldChange]
    ) {
        let old = LeafDiff.present(old)
        let new = LeafDiff.present(new)
        if old == nil && new == nil { return }
        switch (old ?? new!, new ?? old!) {
        case (.object, .object) where node.mapType != .atomic:
            let a = old?.objectValue ?? ValueObject()
            let b = new?.objectValue ?? ValueObject()
            for key in a.keys + b.keys.filter({ a[$0] == nil }) {
                // Equal subtrees have no changes: skip them before building any path.
                if let x = a[key], let y = b[key], x == y { continue }
                let childPath = LeafDiff.join(path, key)
                if masksSecrets && depth == 0 && (key == "data" || key == "stringData") {
                    maskedEntries(a[key], b[key], path: childPath, into: &out)
                } else {
                    walk(
                        a[key], b[key], node: node.child(key).node, path: childPath, depth: depth + 1,
                        quantity: quantityMap, quantityMap: Normalize.quantityMaps.contains(key), into: &out)
                }
            }
        case (.array, .array) where node.listType != .atomic:
            let a = StructuredMerge.lenientIndex(old?.arrayValue ?? [], type: node.listType, path: [])
            let b = StructuredMerge.lenientIndex(new?.arrayValue ?? [], type: node.listType, path: [])
            let bm = Dictionary(b.map { ($0.element, $0.value) }, uniquingKeysWith: { x, _ in x })
            let am = Dictionary(a.map { ($0.element, $0.value) }, uniquingKeysWith: { x, _ in x })
            for e in a.map(\.element) + b.map(\.element).filter({ am[$0] == nil }) {
                let itemPath = path + LeafDiff.itemLabel(e)
                if am[e] == nil || bm[e] == nil {
                    // An item that comes or goes is one change, shown whole.
                    out.append(FieldChange(path: itemPath, old: am[e], new: bm[e]))
                } else if case .value = e {
                    continue
                } else {
                    walk(am[e], bm[e], node: node.item, path: itemPath, depth: depth + 1, quantity: false,
                        quantityMap: false, into: &out)
                }
            }
        default:
            if quantity, let old, let new, Normalize.sameAmount(old, new) == true { return }
            if old != new { out.append(FieldChange(path: path, old: old, new: new)) }
        }
    }

    private func maskedEntries(_ old: Value?, _ new: Value?, path: String, into out: inout [FieldChange]) {
        let a = old?.objectValue ?? ValueObject()
        let b = new?.objectValue ?? ValueObject()
        for key in a.keys + b.keys.filter({ a[$0] == nil }) where a[key] != b[key] {
            out.append(FieldChange(
                maskedPath: LeafDiff.join(path, key),
                oldLength: a[key].map(SecretData.decodedLength), newLength: b[key].map(SecretData.decodedLength)))
        }
    }

    /// nil for absent, null, and empty maps or lists: the server keeps none of them apart.
    static func present(_ v: Value?) -> Value? {
        switch v {
        case nil, .null?: return nil
        case .object(let o)? where o.isEmpty: return nil
        case .array(let a)? where a.isEmpty: return nil
        default: return v
        }
    }

    /// `spec.replicas`; keys that would read as more than one step are quoted: `labels["plumb.dev/app"]`.
    static func join(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && !key.contains { $0 == "." || $0 == "[" || $0 == "]" || $0 == "\"" || $0 == " " }
        if plain { return path.isEmpty ? key : "\(path).\(key)" }
        return "\(path)[\(Value.string(key).compactJSON)]"
    }

    /// `[web]` for a keyed item, `[80,TCP]` for several key fields, `[value]` for a set item.
    static func itemLabel(_ e: PathElement) -> String {
        switch e {
        case .key(let fields): return "[" + fields.map { FieldChange.display($0.value) }.joined(separator: ",") + "]"
        case .value(let v): return "[\(FieldChange.display(v))]"
        case .index(let i): return "[\(i)]"
        case .field(let f): return join("", f)
        }
    }
}
