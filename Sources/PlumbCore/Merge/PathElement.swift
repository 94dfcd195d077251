/// One named value of an associative-list key, such as `name: "web"`.
public struct KeyField: Sendable, Hashable {
    /// The key field's name, such as `containerPort`.
    public var name: String
    /// Its value, such as `80`.
    public var value: Value

    /// A key field from its name and value.
    public init(name: String, value: Value) {
        self.name = name
        self.value = value
    }
}

/// One step of a field path, as structured-merge-diff has them: a field name, an
/// associative-list key, a set-list value, or a list index.
public enum PathElement: Sendable, Hashable {
    case field(String)
    /// Key fields sorted by name, which is how the API server writes them.
    case key([KeyField])
    case value(Value)
    case index(Int)

    /// A key element from unsorted fields; the fields are sorted by name.
    public static func key(sorting fields: [KeyField]) -> PathElement {
        .key(fields.sorted { MergeOrder.less($0.name, $1.name) })
    }

    /// The element as Kubernetes prints it in a path: `.name`, `[name="web"]`, `[=x]`, `[0]`.
    public var pathString: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields):
            return "[" + fields.map { "\($0.name)=\(MergeOrder.display($0.value))" }.joined(separator: ",") + "]"
        case .value(let v): return "[=\(MergeOrder.display(v))]"
        case .index(let i): return "[\(i)]"
        }
    }
}

extension PathElement: Comparable {
    /// The order of structured-merge-diff: fields, then keys, then values, then indexes.
    public static func < (a: PathElement, b: PathElement) -> Bool { MergeOrder.compare(a, b) < 0 }
}

/// A path from the object's root to one field, printed as Kubernetes prints it
/// (`.spec.template.spec.containers[name="web"].image`).
public struct FieldPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The steps from the root.
    public var elements: [PathElement]

    /// A path of these steps.
    public init(_ elements: [PathElement]) { self.elements = elements }

    /// A path of plain field names, such as `FieldPath(fields: "spec", "replicas")`.
    public init(fields: String...) { self.elements = fields.map(PathElement.field) }

    public var description: String { elements.map(\.pathString).joined() }

    public static func < (a: FieldPath, b: FieldPath) -> Bool {
        for (x, y) in zip(a.elements, b.elements) {
            let c = MergeOrder.compare(x, y)
            if c != 0 { return c < 0 }
        }
        return a.elements.count < b.elements.count
    }
}

/// Total orders and printing that match structured-merge-diff's, so that sets serialize
/// in the same order as the API server's.
enum MergeOrder {
    /// Byte-wise string comparison, as Go's `strings.Compare`.
    static func compare(_ a: String, _ b: String) -> Int {
        var ia = a.utf8.makeIterator()
        var ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    static func less(_ a: String, _ b: String) -> Bool { compare(a, b) < 0 }

    static func compare(_ a: PathElement, _ b: PathElement) -> Int {
        switch (a, b) {
        case let (.field(x), .field(y)): return compare(x, y)
        case (.field, _): return -1
        case (_, .field): return 1
        case let (.key(x), .key(y)): return compare(x, y)
        case (.key, _): return -1
        case (_, .key): return 1
        case let (.value(x), .value(y)): return compare(x, y)
        case (.value, _): return -1
        case (_, .value): return 1
        case let (.index(x), .index(y)): return x == y ? 0 : (x < y ? -1 : 1)
        }
    }

    static func compare(_ a: [KeyField], _ b: [KeyField]) -> Int {
        for (x, y) in zip(a, b) {
            let c = compare(x.name, y.name)
            if c != 0 { return c }
            let v = compare(x.value, y.value)
            if v != 0 { return v }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Values order as floats, ints (numbers compared numerically), strings, bools, lists, maps, null.
    static func compare(_ a: Value, _ b: Value) -> Int {
        func rank(_ v: Value) -> Int {
            switch v {
            case .double: return 0
            case .int: return 1
            case .string: return 2
            case .bool: return 3
            case .array: return 4
            case .object: return 5
            case .null: return 6
            }
        }
        func num<T: Comparable>(_ x: T, _ y: T) -> Int { x == y ? 0 : (x < y ? -1 : 1) }
        switch (a, b) {
        case let (.double(x), .double(y)): return num(x, y)
        case let (.double(x), .int(y)): return num(x, Double(y))
        case let (.int(x), .double(y)): return num(Double(x), y)
        case let (.int(x), .int(y)): return num(x, y)
        case let (.string(x), .string(y)): return compare(x, y)
        case let (.bool(x), .bool(y)): return x == y ? 0 : (x ? 1 : -1)
        case let (.array(x), .array(y)):
            for (p, q) in zip(x, y) {
                let c = compare(p, q)
                if c != 0 { return c }
            }
            return num(x.count, y.count)
        case let (.object(x), .object(y)):
            let xs = x.entries.sorted { less($0.key, $1.key) }
            let ys = y.entries.sorted { less($0.key, $1.key) }
            for (p, q) in zip(xs, ys) {
                let c = compare(p.key, q.key)
                if c != 0 { return c }
                let v = compare(p.value, q.value)
                if v != 0 { return v }
            }
            return num(xs.count, ys.count)
        case (.null, .null): return 0
        default: return num(rank(a), rank(b))
        }
    }

    /// A value as structured-merge-diff prints it inside a path: strings quoted, the rest as JSON.
    static func display(_ v: Value) -> String {
        (try? JSONWriter(sortKeys: true).string(v)) ?? v.typeName
    }
}
