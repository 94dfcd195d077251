/// An object that does not fit its merge schema, such as a list item without its key.
public struct MergeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the object.
    public var path: FieldPath
    /// What is wrong there.
    public var message: String

    /// An error at `path` saying `message`.
    public init(path: FieldPath, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.elements.isEmpty ? message : "\(path): \(message)" }
}

/// The walks structured merge makes over objects, each guided by a `MergeSchema.Node`.
enum StructuredMerge {
    /// The path element of item `index` of a list of type `type`.
    static func itemElement(
        _ item: Value, index: Int, type: MergeSchema.ListType, path: [PathElement]
    ) throws(MergeError) -> PathElement {
        switch type {
        case .atomic: return .index(index)
        case .set: return .value(item)
        case .map(let keys, let defaults):
            guard case .object(let o) = item else {
                throw MergeError(
                    path: FieldPath(path),
                    message: "element \(index): associative list with keys may not have non-map elements")
            }
            var fields: [KeyField] = []
            for k in keys {
                if let v = o[k] {
                    fields.append(KeyField(name: k, value: v))
                } else if let d = defaults[k] {
                    fields.append(KeyField(name: k, value: d))
                } else {
                    throw MergeError(
                        path: FieldPath(path),
                        message: "element \(index): associative list with keys has an element that omits key field "
                            + "\"\(k)\" (and doesn't have default value)")
                }
            }
            return .key(sorting: fields)
        }
    }

    /// The items of a granular list with their path elements; duplicates are an error.
    static func indexItems(
        _ items: [Value], type: MergeSchema.ListType, path: [PathElement]
    ) throws(MergeError) -> [(element: PathElement, value: Value)] {
        var out: [(PathElement, Value)] = []
        var seen = Set<PathElement>()
        for (i, item) in items.enumerated() {
            let e = try itemElement(item, index: i, type: type, path: path)
            guard seen.insert(e).inserted else {
                throw MergeError(path: FieldPath(path), message: "duplicate entries for key \(e.pathString)")
            }
            out.append((e, item))
        }
        return out
    }

    /// The fields a value sets, as structured-merge-diff's `ToFieldSet`: every leaf, every
    /// item of a granular list or map, and atomic values and empty objects as a whole.
    static func toFieldSet(_ value: Value, node: MergeSchema.Node, path: inout [PathElement]) throws(MergeError) -> FieldSet {
        var set = FieldSet()
        switch value {
        case .object(let o) where node.mapType != .atomic:
            for entry in o {
                let (child, named) = node.child(entry.key)
                let e = PathElement.field(entry.key)
                path.append(e)
                defer { path.removeLast() }
                let sub = try toFieldSet(entry.value, node: child, path: &path)
                set.setChild(e, sub)
                if !named || entry.value.isNull || isEmptyObject(entry.value) || isLeaf(entry.value, node: child) {
                    set.insertMember(e)
                }
            }
        case .array(let items) where node.listType != .atomic:
            for (e, item) in try indexItems(items, type: node.listType, path: path) {
                path.append(e)
                defer { path.removeLast() }
                set.setChild(e, try toFieldSet(item, node: node.item, path: &path))
                set.insertMember(e)
            }
        default:
            break
        }
        return set
    }

    /// Whether a value is one leaf of a set: a scalar, or an atomic list or map.
    static func isLeaf(_ value: Value, node: MergeSchema.Node) -> Bool {
        switch value {
        case .object: return node.mapType == .atomic
        case .array: return node.listType == .atomic
        default: return true
        }
    }

    static func isEmptyObject(_ value: Value) -> Bool {
        if case .object(let o) = value { return o.isEmpty }
        return false
    }

    /// Adds named fields that have members below them as members themselves, as
    /// structured-merge-diff's `EnsureNamedFieldsAreMembers`, so that removing them removes
    /// the whole struct.
    static func ensureNamedFieldsAreMembers(_ set: FieldSet, node: MergeSchema.Node) -> FieldSet {
        var out = FieldSet()
        for m in set.members { out.insertMember(m) }
        for (e, c) in set.children {
            let childNode: MergeSchema.Node
            switch e {
            case .field(let name):
                let (n, named) = node.child(name)
                childNode = n
                if named { out.insertMember(e) }
            default:
                childNode = node.item
            }
            out.setChild(e, ensureNamedFieldsAreMembers(c, node: childNode))
        }
        return out
    }
}
