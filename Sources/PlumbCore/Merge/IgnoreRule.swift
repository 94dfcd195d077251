/// Fields to leave out of a diff, as Argo CD's `ignoreDifferences`: the objects it applies to
/// (nil matches anything) and JSON pointers (RFC 6901) to the fields, such as `/spec/replicas`
/// or `/metadata/annotations/foo~1bar`.
public struct IgnoreRule: Sendable, Hashable {
    /// API group (`apps`, empty for core); nil for any.
    public var group: String?
    /// Kind; nil for any.
    public var kind: String?
    /// Object name; nil for any.
    public var name: String?
    /// Namespace; nil for any.
    public var namespace: String?
    /// The fields, as JSON pointers.
    public var jsonPointers: [String]

    /// A rule for the objects matching every given part.
    public init(group: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil, jsonPointers: [String]) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.jsonPointers = jsonPointers
    }

    /// Whether the rule applies to `ref`.
    public func matches(_ ref: ObjectRef) -> Bool {
        (group.map { $0 == ref.group } ?? true) && (kind.map { $0 == ref.kind } ?? true)
            && (name.map { $0 == ref.name } ?? true) && (namespace.map { $0 == ref.namespace } ?? true)
    }

    /// `value` without the fields this rule's pointers name; pointers to absent fields change nothing.
    public func removing(from value: Value) -> Value {
        jsonPointers.reduce(value) { v, pointer in JSONPointer(pointer).map { $0.removing(from: v) } ?? v }
    }
}

/// An RFC 6901 JSON pointer: `/spec/template/metadata/annotations/a~1b` (`~1` is `/`, `~0` is `~`).
public struct JSONPointer: Sendable, Hashable {
    /// The unescaped reference tokens.
    public var tokens: [String]

    /// Parses a pointer; nil unless it is empty or starts with `/`.
    public init?(_ text: String) {
        guard !text.isEmpty else {
            tokens = []
            return
        }
        guard text.first == "/" else { return nil }
        tokens = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            String($0.replacingOccurrences("~1", "/").replacingOccurrences("~0", "~"))
        }
    }

    /// `value` without the member the pointer names (an object member or an array index).
    public func removing(from value: Value) -> Value {
        guard !tokens.isEmpty else { return value }
        return JSONPointer.remove(tokens[...], from: value)
    }

    private static func remove(_ tokens: ArraySlice<String>, from value: Value) -> Value {
        guard let token = tokens.first else { return value }
        let last = tokens.count == 1
        switch value {
        case .object(var o):
            guard let child = o[token] else { return value }
            if last {
                _ = o.removeValue(forKey: token)
            } else {
                o[token] = remove(tokens.dropFirst(), from: child)
            }
            return .object(o)
        case .array(var items):
            guard let i = Int(token), items.indices.contains(i) else { return value }
            if last { items.remove(at: i) } else { items[i] = remove(tokens.dropFirst(), from: items[i]) }
            return .array(items)
        default:
            return value
        }
    }
}

extension Substring {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> Substring {
        guard contains(target) else { return self }
        var out = ""
        var rest = self
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return Substring(out)
    }
}
