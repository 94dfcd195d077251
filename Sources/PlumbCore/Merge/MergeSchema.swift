/// How structured merge treats each part of one kind of object: which lists are
/// associative (merged by key), sets, or atomic, and which maps are named fields,
/// granular maps, or atomic. Built from a table of path patterns (`MergeSchema+Builtins`).
public struct MergeSchema: Sendable {
    /// What a list at a path is.
    public enum ListType: Sendable, Hashable {
        /// Replaced as a whole.
        case atomic
        /// A set of scalars, merged by value.
        case set
        /// Items merged by the named key fields; `defaults` fill missing key fields (`protocol: TCP`).
        case map(keys: [String], defaults: [String: Value] = [:])
    }

    /// What an object at a path is.
    public enum MapType: Sendable, Hashable {
        /// A struct: its keys are named fields, merged one by one.
        case fields
        /// A map (`labels`): entries merged one by one, each an item of its own.
        case granular
        /// Replaced as a whole (`selector`).
        case atomic
    }

    /// One row of a schema table: a dotted path pattern and what is there.
    /// Patterns use `[]` for a list item and `*` for any key: `spec.template.spec.containers[].env`.
    public struct Rule: Sendable, Hashable {
        /// What is at the pattern's path.
        public enum Shape: Sendable, Hashable {
            case list(ListType)
            case map(MapType)
            /// A named field with nothing special about it (declares it on a deduced object).
            case field
        }
        /// Dotted path with `[]` for list items and `*` for any key.
        public var pattern: String
        /// What is there.
        public var shape: Shape

        /// A rule saying `pattern` holds `shape`.
        public init(_ pattern: String, _ shape: Shape) {
            self.pattern = pattern
            self.shape = shape
        }
    }

    /// A position in the schema while walking an object.
    public struct Node: Sendable {
        var list: ListType?
        var map: MapType?
        var children: [String: Node] = [:]
        /// Below a deduced node, objects are granular maps and lists are atomic (custom resources).
        var deduced = false
        /// A declared field of its parent (a struct field), even where the parent is a map.
        var isNamed = false

        static let itemKey = "[]"
        static let anyKey = "*"

        /// How a list here merges.
        public var listType: ListType { list ?? .atomic }
        /// How an object here merges.
        public var mapType: MapType { map ?? (deduced ? .granular : .fields) }

        /// The node of member `key` of an object here, and whether `key` is a named field.
        public func child(_ key: String) -> (node: Node, named: Bool) {
            if let c = children[key] { return (c, mapType == .fields || c.isNamed) }
            let named = mapType == .fields
            if let c = children[Node.anyKey] { return (c, named) }
            return (Node(deduced: deduced), named)
        }

        /// The node of the items of a list here.
        public var item: Node { children[Node.itemKey] ?? Node(deduced: deduced) }
    }

    /// The root of the object.
    public var root: Node

    /// A schema from rules; `deduced` makes unlisted objects granular maps (custom resources).
    public init(rules: [Rule], deduced: Bool = false) {
        root = Node(deduced: deduced)
        for rule in rules { MergeSchema.add(rule, to: &root) }
    }

    private static func add(_ rule: Rule, to root: inout Node) {
        var segments: [String] = []
        for part in rule.pattern.split(separator: ".") {
            var name = Substring(part)
            var items = 0
            while name.hasSuffix("[]") {
                name = name.dropLast(2)
                items += 1
            }
            if !name.isEmpty { segments.append(String(name)) }
            segments.append(contentsOf: repeatElement(Node.itemKey, count: items))
        }
        insert(rule.shape, at: segments[...], into: &root)
    }

    private static func insert(_ shape: Rule.Shape, at path: ArraySlice<String>, into node: inout Node) {
        guard let first = path.first else {
            switch shape {
            case .list(let l): node.list = l
            case .map(let m): node.map = m
            case .field: break
            }
            return
        }
        // An explicit path below a deduced node is still deduced unless it is a named field:
        // the object root of a custom resource names apiVersion, kind and metadata.
        var child = node.children[first] ?? Node(deduced: node.deduced && first == Node.itemKey)
        child.isNamed = first != Node.itemKey && first != Node.anyKey
        insert(shape, at: path.dropFirst(), into: &child)
        node.children[first] = child
    }
}
