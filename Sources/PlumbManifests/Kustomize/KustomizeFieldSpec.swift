import PlumbCore

/// A kustomize field spec: a slash path in objects of a kind (any kind when nil), and whether
/// a missing field is created. Lists on the way are walked item by item.
struct KustomizeFieldSpec: Sendable {
    var group: String?
    var version: String?
    var kind: String?
    var path: [String]
    var create: Bool

    init(_ path: String, group: String? = nil, version: String? = nil, kind: String? = nil, create: Bool = false) {
        self.group = group
        self.version = version
        self.kind = kind
        self.create = create
        // `\/` inside a segment is a literal slash (annotation keys).
        var parts: [String] = []
        var current = ""
        var escaped = false
        for c in path {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "/" {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        self.path = parts
    }

    /// Whether the spec applies to objects of this group, version and kind.
    func selects(group g: String, version v: String, kind k: String) -> Bool {
        if let kind, kind != k { return false }
        if let group, group != g { return false }
        if let version, version != v { return false }
        return true
    }

    func selects(_ r: KustomizeResource) -> Bool { selects(group: r.group, version: r.version, kind: r.kind) }

    /// Calls `body` on every value at the path (a null when missing and `create`).
    func visit(_ value: inout Value, _ body: (inout Value) throws(ManifestError) -> Void) throws(ManifestError) {
        var at: [String] = []
        try Self.visit(&value, path[...], create: create, at: &at) {
            (v: inout Value, _: [String]) throws(ManifestError) in
            try body(&v)
        }
    }

    /// Like `visit`, also passing the concrete path of each value (`#n` for list item n).
    func visitPaths(
        _ value: inout Value, _ body: (inout Value, [String]) throws(ManifestError) -> Void
    ) throws(ManifestError) {
        var at: [String] = []
        try Self.visit(&value, path[...], create: create, at: &at, body)
    }

    private static func visit(
        _ value: inout Value, _ path: ArraySlice<String>, create: Bool, at: inout [String],
        _ body: (inout Value, [String]) throws(ManifestError) -> Void
    ) throws(ManifestError) {
        guard var segment = path.first else {
            try body(&value, at)
            return
        }
        if case .array(var items) = value {
            value = .null
            for i in items.indices {
                at.append("#\(i)")
                try visit(&items[i], path, create: create, at: &at, body)
                at.removeLast()
            }
            value = .array(items)
            return
        }
        guard case .object(var o) = value else { return }
        let isList = segment.hasSuffix("[]")
        if isList { segment.removeLast(2) }
        let rest = path.dropFirst()
        var child: Value
        if let existing = o[segment], !existing.isNull {
            child = existing
        } else {
            guard create, !isList else { return }
            child = rest.isEmpty ? .null : .object(ValueObject())
        }
        value = .null
        at.append(segment)
        if isList, case .array(var items) = child {
            child = .null
            for i in items.indices {
                at.append("#\(i)")
                try visit(&items[i], rest, create: create, at: &at, body)
                at.removeLast()
            }
            child = .array(items)
        } else {
            try visit(&child, rest, create: create, at: &at, body)
        }
        at.removeLast()
        o[segment] = child
        value = .object(o)
    }
}

/// Sets string entries of a map at every path of `specs` (labels, annotations, selectors).
///
/// Kustomize (kyaml) creates one YAML node per label and appends that same node everywhere the
/// label was missing; a later transformer that overwrites the label in one of those places
/// overwrites the shared node, so the label changes in all of them (an overlay's `labels`
/// without selectors still changes a selector a base's `commonLabels` wrote). `links` keeps
/// those groups so the renderer gives the same objects.
enum KustomizeMapSetter {
    static func apply(_ pairs: [(String, String)], specs: [KustomizeFieldSpec], to r: inout KustomizeResource)
        throws(ManifestError)
    {
        guard !pairs.isEmpty else { return }
        let label = r.label
        for (key, value) in pairs {
            var created: [KustomizeResource.Link] = []
            var overwritten: [KustomizeResource.Link] = []
            for spec in specs where spec.selects(r) {
                try spec.visitPaths(&r.value) { (node: inout Value, path: [String]) throws(ManifestError) in
                    var map: ValueObject
                    switch node {
                    case .null: map = ValueObject()
                    case .object(let o): map = o
                    default:
                        throw ManifestError(
                            file: label, message: "\(spec.path.joined(separator: ".")) is \(node.typeName), not a map")
                    }
                    let link = KustomizeResource.Link(path: path, key: key)
                    if map[key] == nil { created.append(link) } else { overwritten.append(link) }
                    map[key] = .string(value)
                    node = .object(map)
                }
            }
            for link in overwritten { r.propagate(from: link, .string(value)) }
            if created.count > 1 { r.links.append(created) }
        }
    }
}
