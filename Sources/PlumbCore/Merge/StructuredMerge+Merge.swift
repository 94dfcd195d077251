/// The fields that differ between two versions of an object.
public struct Comparison: Sendable, Equatable {
    /// Fields present only in the new version.
    public var added = FieldSet()
    /// Fields present in both with different values.
    public var modified = FieldSet()
    /// Fields present only in the old version.
    public var removed = FieldSet()

    /// No differences.
    public init() {}

    /// Whether the versions are the same.
    public var isSame: Bool { added.isEmpty && modified.isEmpty && removed.isEmpty }
}

extension StructuredMerge {
    /// Merges `rhs` into `lhs` as structured-merge-diff's `Merge`: granular maps and lists merge
    /// member by member, everything else takes `rhs`'s value.
    static func merge(_ lhs: Value?, _ rhs: Value, node: MergeSchema.Node, path: inout [PathElement]) throws(MergeError) -> Value {
        // A missing or differently typed lhs merges as empty, so that rhs is still checked.
        switch rhs {
        case .object(let r) where node.mapType != .atomic:
            let l = lhs?.objectValue ?? ValueObject()
            var out = l
            for entry in r {
                path.append(.field(entry.key))
                defer { path.removeLast() }
                out[entry.key] = try merge(l[entry.key], entry.value, node: node.child(entry.key).node, path: &path)
            }
            return .object(out)
        case .array(let r) where node.listType != .atomic:
            return .array(try mergeList(lhs?.arrayValue ?? [], r, node: node, path: &path))
        // A null over a granular map or list leaves its members to pruning, as structured-merge-diff does.
        case .null where (lhs?.objectValue != nil && node.mapType != .atomic)
            || (lhs?.arrayValue != nil && node.listType != .atomic):
            return lhs ?? rhs
        default:
            return rhs
        }
    }

    /// Merges granular lists, keeping `lhs`'s items where `rhs` does not order them and
    /// `rhs`'s order for the items it names (structured-merge-diff's merge order).
    private static func mergeList(
        _ lhs: [Value], _ rhs: [Value], node: MergeSchema.Node, path: inout [PathElement]
    ) throws(MergeError) -> [Value] {
        let type = node.listType
        let rhsItems = try indexItems(rhs, type: type, path: path)
        let lhsItems = lenientIndex(lhs, type: type, path: path)
        let rhsByElement = Dictionary(rhsItems.map { ($0.element, $0.value) }, uniquingKeysWith: { a, _ in a })
        let lhsByElement = Dictionary(lhsItems.map { ($0.element, $0.value) }, uniquingKeysWith: { a, _ in a })
        var shared = rhsItems.map(\.element).filter { lhsByElement[$0] != nil }[...]
        var nextShared = shared.popFirst()
        var mergedRHS = Set<PathElement>()
        var out: [Value] = []

        func mergeItem(_ e: PathElement) throws(MergeError) -> Value {
            path.append(e)
            defer { path.removeLast() }
            guard let r = rhsByElement[e] else { return lhsByElement[e]! }
            return try merge(lhsByElement[e], r, node: node.item, path: &path)
        }

        var li = 0
        var ri = 0
        while li < lhsItems.count || ri < rhsItems.count {
            if li < lhsItems.count && ri < rhsItems.count {
                let e = lhsItems[li].element
                if e == rhsItems[ri].element {
                    mergedRHS.insert(e)
                    out.append(try mergeItem(e))
                    li += 1
                    ri += 1
                    nextShared = shared.popFirst()
                    continue
                }
                if rhsByElement[e] != nil, let n = nextShared, n != e {
                    li += 1  // a shared item, placed when rhs reaches it
                    continue
                }
            }
            if li < lhsItems.count {
                let e = lhsItems[li].element
                if rhsByElement[e] == nil {
                    out.append(lhsItems[li].value)
                    li += 1
                    continue
                } else if mergedRHS.contains(e) {
                    li += 1
                    continue
                }
            }
            if ri < rhsItems.count {
                let e = rhsItems[ri].element
                mergedRHS.insert(e)
                out.append(try mergeItem(e))
                ri += 1
                if nextShared == e { nextShared = shared.popFirst() }
            }
        }
        return out
    }

    /// Indexes a live list, skipping items without a usable key and repeated keys.
    static func lenientIndex(
        _ items: [Value], type: MergeSchema.ListType, path: [PathElement]
    ) -> [(element: PathElement, value: Value)] {
        var out: [(PathElement, Value)] = []
        var seen = Set<PathElement>()
        for (i, item) in items.enumerated() {
            guard let e = try? itemElement(item, index: i, type: type, path: path), seen.insert(e).inserted else { continue }
            out.append((e, item))
        }
        return out
    }

    /// Compares two versions as structured-merge-diff's `Compare`. Granular maps, granular
    /// lists and list items that appear or disappear are reported themselves too; structs are
    /// not, as the API server's zero-valued Go structs never appear or disappear.
    static func compare(
        _ lhs: Value?, _ rhs: Value?, node: MergeSchema.Node, named: Bool,
        path: inout [PathElement], into c: inout Comparison
    ) {
        var descended = false
        // A null facing an object or list compares as an empty one.
        let left = lhs?.isNull == true && isContainer(rhs) ? nil : lhs
        let right = rhs?.isNull == true && isContainer(lhs) ? nil : rhs
        switch (left ?? right, right ?? left) {
        case (.object(let l)?, .object(let r)?) where node.mapType != .atomic && !(l.isEmpty && r.isEmpty):
            let lo = left?.objectValue ?? ValueObject()
            let ro = right?.objectValue ?? ValueObject()
            for key in lo.keys + ro.keys.filter({ lo[$0] == nil }) {
                let (child, childNamed) = node.child(key)
                path.append(.field(key))
                compare(lo[key], ro[key], node: child, named: childNamed, path: &path, into: &c)
                path.removeLast()
            }
            descended = true
            if named && node.mapType == .fields { return }
        case (.array(let l)?, .array(let r)?) where node.listType != .atomic && !(l.isEmpty && r.isEmpty):
            let li = lenientIndex(left?.arrayValue ?? [], type: node.listType, path: path)
            let ri = lenientIndex(right?.arrayValue ?? [], type: node.listType, path: path)
            let lm = Dictionary(li.map { ($0.element, $0.value) }, uniquingKeysWith: { a, _ in a })
            let rm = Dictionary(ri.map { ($0.element, $0.value) }, uniquingKeysWith: { a, _ in a })
            for e in li.map(\.element) + ri.map(\.element).filter({ lm[$0] == nil }) {
                path.append(e)
                compare(lm[e], rm[e], node: node.item, named: false, path: &path, into: &c)
                path.removeLast()
            }
            descended = true
        default:
            break
        }
        guard !path.isEmpty else { return }
        let here = FieldPath(path)
        if lhs == nil {
            c.added.insert(here)
        } else if rhs == nil {
            c.removed.insert(here)
        } else if !descended && lhs != rhs {
            c.modified.insert(here)
        }
    }

    private static func isContainer(_ v: Value?) -> Bool {
        switch v {
        case .object?, .array?: return true
        default: return false
        }
    }

    /// Removes the members of `set` from a value, as structured-merge-diff's `RemoveItems`.
    /// Returns nil when removal left an object or list empty, so the caller drops it.
    static func removeItems(_ value: Value, _ set: FieldSet, node: MergeSchema.Node, path: [PathElement]) -> Value? {
        switch value {
        case .object(let o) where node.mapType != .atomic && !o.isEmpty:
            var out = ValueObject(minimumCapacity: o.count)
            var removed = false
            for entry in o {
                let e = PathElement.field(entry.key)
                if set.members.contains(e) {
                    removed = true
                    continue
                }
                if let sub = set.children[e] {
                    guard let v = removeItems(entry.value, sub, node: node.child(entry.key).node, path: path + [e]) else {
                        removed = true
                        continue
                    }
                    out.appendUnchecked(key: entry.key, value: v)
                } else {
                    out.appendUnchecked(key: entry.key, value: entry.value)
                }
            }
            return removed && out.isEmpty ? nil : .object(out)
        case .array(let items) where node.listType != .atomic && !items.isEmpty:
            var out: [Value] = []
            var removed = false
            for (i, item) in items.enumerated() {
                guard let e = try? itemElement(item, index: i, type: node.listType, path: path) else {
                    out.append(item)
                    continue
                }
                if set.members.contains(e) {
                    removed = true
                    continue
                }
                if let sub = set.children[e] {
                    guard let v = removeItems(item, sub, node: node.item, path: path + [e]) else {
                        removed = true
                        continue
                    }
                    out.append(v)
                } else {
                    out.append(item)
                }
            }
            return removed && out.isEmpty ? nil : .array(out)
        default:
            return value
        }
    }
}
