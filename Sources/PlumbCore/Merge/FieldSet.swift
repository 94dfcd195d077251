/// A set of field paths, shaped like structured-merge-diff's `fieldpath.Set`: the members
/// at this level, and a child set for every element with members below it. A path can be
/// both a member and have children (an associative-list item and its fields).
public struct FieldSet: Sendable, Hashable {
    /// The elements at this level that are in the set themselves.
    public private(set) var members: Set<PathElement>
    /// Never holds an empty set.
    public private(set) var children: [PathElement: FieldSet]

    /// The empty set.
    public init() {
        members = []
        children = [:]
    }

    /// A set of the given paths.
    public init(_ paths: [FieldPath]) {
        self.init()
        for p in paths { insert(p) }
    }

    /// Whether the set has no paths.
    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    /// Adds a path; the empty path is ignored, as it names no field.
    public mutating func insert(_ path: FieldPath) {
        insert(path.elements[...])
    }

    private mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    /// Makes `element` a member at this level.
    public mutating func insertMember(_ element: PathElement) { members.insert(element) }

    /// Replaces the child set of `element`; an empty set removes it.
    public mutating func setChild(_ element: PathElement, _ set: FieldSet) {
        children[element] = set.isEmpty ? nil : set
    }

    /// Whether `path` is a member of the set.
    public func contains(_ path: FieldPath) -> Bool {
        var current = self
        for (i, e) in path.elements.enumerated() {
            if i == path.elements.count - 1 { return current.members.contains(e) }
            guard let next = current.children[e] else { return false }
            current = next
        }
        return false
    }

    /// The paths below `element`, relative to it.
    public func child(_ element: PathElement) -> FieldSet { children[element] ?? FieldSet() }

    /// Every member path, in the order structured-merge-diff iterates a set (and so lists
    /// conflicts): the members of a level, sorted, then each child's paths, sorted.
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        var prefix: [PathElement] = []
        collect(into: &out, prefix: &prefix, leavesOnly: false)
        return out
    }

    /// The member paths that have nothing below them, in the order of `paths`.
    public var leaves: [FieldPath] {
        var out: [FieldPath] = []
        var prefix: [PathElement] = []
        collect(into: &out, prefix: &prefix, leavesOnly: true)
        return out
    }

    private func collect(into out: inout [FieldPath], prefix: inout [PathElement], leavesOnly: Bool) {
        for e in members.sorted() where !leavesOnly || children[e] == nil {
            out.append(FieldPath(prefix + [e]))
        }
        for e in children.keys.sorted() {
            prefix.append(e)
            children[e]?.collect(into: &out, prefix: &prefix, leavesOnly: leavesOnly)
            prefix.removeLast()
        }
    }

    /// The paths in either set.
    public func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.formUnion(other.members)
        for (e, c) in other.children {
            out.children[e] = out.children[e].map { $0.union(c) } ?? c
        }
        return out
    }

    /// The paths of this set that are not members of `other`, level by level as
    /// structured-merge-diff's `Difference` (removing a member keeps its children).
    public func subtracting(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (e, c) in children {
            out.setChild(e, other.children[e].map { c.subtracting($0) } ?? c)
        }
        return out
    }

    /// The paths of this set not in `other` and not below any member of `other`
    /// (structured-merge-diff's `RecursiveDifference`).
    public func recursivelySubtracting(_ other: FieldSet) -> FieldSet {
        guard !other.isEmpty else { return self }
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (e, c) in children where !other.members.contains(e) {
            out.setChild(e, other.children[e].map { c.recursivelySubtracting($0) } ?? c)
        }
        return out
    }

    /// The paths in both sets.
    public func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.intersection(other.members)
        for (e, c) in children {
            if let o = other.children[e] { out.setChild(e, c.intersection(o)) }
        }
        return out
    }
}

extension FieldSet: CustomStringConvertible {
    /// One path per line, as structured-merge-diff prints a set.
    public var description: String { paths.map(\.description).joined(separator: "\n") }
}
