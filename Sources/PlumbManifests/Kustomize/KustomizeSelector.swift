import PlumbCore

/// A patch `target`: regular expressions (anchored) on group, version, kind, name and namespace,
/// and Kubernetes label and annotation selectors.
struct KustomizeSelector {
    var target: Kustomization.Target
    private var group, version, kind, name, namespace: Pattern?

    /// An anchored regular expression, or plain text compared as is (much faster, and the
    /// common case: `kind: Deployment`).
    enum Pattern {
        case literal(String)
        case regex(Regex<AnyRegexOutput>)

        func matches(_ s: String) -> Bool {
            switch self {
            case .literal(let l): return l == s
            case .regex(let re): return (try? re.wholeMatch(in: s)) != nil
            }
        }
    }

    static let metacharacters: Set<Character> = ["\\", ".", "^", "$", "|", "?", "*", "+", "(", ")", "[", "]", "{", "}"]
    private var labels: [Requirement]
    private var annotations: [Requirement]

    struct Invalid: Error {
        var message: String
    }

    init(_ target: Kustomization.Target) throws(Invalid) {
        self.target = target
        func regex(_ s: String?, _ field: String) throws(Invalid) -> Pattern? {
            guard let s, !s.isEmpty else { return nil }
            if !s.contains(where: { KustomizeSelector.metacharacters.contains($0) }) { return .literal(s) }
            do {
                return .regex(try Regex("^(?:" + s + ")$"))
            } catch {
                throw Invalid(message: "target.\(field): \"\(s)\" is not a regular expression")
            }
        }
        group = try regex(target.group, "group")
        version = try regex(target.version, "version")
        kind = try regex(target.kind, "kind")
        name = try regex(target.name, "name")
        namespace = try regex(target.namespace, "namespace")
        labels = try Self.parse(target.labelSelector ?? "", "labelSelector")
        annotations = try Self.parse(target.annotationSelector ?? "", "annotationSelector")
    }

    func matches(_ r: KustomizeResource) -> Bool {
        func m(_ p: Pattern?, _ s: String) -> Bool {
            p?.matches(s) ?? true
        }
        if namespace != nil {
            let effective = { (ns: String) in r.isClusterScoped ? "" : (ns.isEmpty ? "default" : ns) }
            if !m(namespace, effective(r.originalNamespace)) && !m(namespace, effective(r.namespace)) { return false }
        }
        if name != nil, !m(name, r.originalName), !m(name, r.name) { return false }
        if !m(group, r.group) || !m(version, r.version) || !m(kind, r.kind) { return false }
        if !labels.isEmpty {
            let labelMap = Self.map(r.value["metadata"]?["labels"])
            if !labels.allSatisfy({ $0.matches(labelMap) }) { return false }
        }
        if !annotations.isEmpty {
            let annotationMap = Self.map(r.value["metadata"]?["annotations"])
            if !annotations.allSatisfy({ $0.matches(annotationMap) }) { return false }
        }
        return true
    }

    private static func map(_ v: Value?) -> [String: String] {
        var out: [String: String] = [:]
        for e in v?.objectValue ?? ValueObject() { out[e.key] = e.value.stringValue ?? "" }
        return out
    }

    /// One requirement of a Kubernetes label selector.
    enum Requirement {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)

        func matches(_ m: [String: String]) -> Bool {
            switch self {
            case .equals(let k, let v): return m[k] == v
            case .notEquals(let k, let v): return m[k] != v
            case .isIn(let k, let s): return m[k].map(s.contains) ?? false
            case .notIn(let k, let s): return !(m[k].map(s.contains) ?? false)
            case .exists(let k): return m[k] != nil
            case .doesNotExist(let k): return m[k] == nil
            }
        }
    }

    /// Parses `a=b,c!=d,e in (f,g),!h,i`.
    static func parse(_ text: String, _ field: String) throws(Invalid) -> [Requirement] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        var out: [Requirement] = []
        for raw in parts {
            let p = raw.trimmingSpaces
            if p.isEmpty { continue }
            if p.hasPrefix("!") {
                out.append(.doesNotExist(String(p.dropFirst()).trimmingSpaces))
            } else if let r = p.firstRange(of: "!=") {
                out.append(
                    .notEquals(String(p[..<r.lowerBound]).trimmingSpaces, String(p[r.upperBound...]).trimmingSpaces))
            } else if let r = p.firstRange(of: "==") {
                out.append(
                    .equals(String(p[..<r.lowerBound]).trimmingSpaces, String(p[r.upperBound...]).trimmingSpaces))
            } else if let r = p.firstRange(of: "=") {
                out.append(
                    .equals(String(p[..<r.lowerBound]).trimmingSpaces, String(p[r.upperBound...]).trimmingSpaces))
            } else if let open = p.firstIndex(of: "("), p.hasSuffix(")") {
                let head = p[..<open].split(separator: " ", omittingEmptySubsequences: true)
                let values = Set(
                    p[p.index(after: open)..<p.index(before: p.endIndex)].split(separator: ",").map {
                        String($0).trimmingSpaces
                    })
                guard head.count == 2 else { throw Invalid(message: "target.\(field): cannot read \"\(p)\"") }
                switch head[1] {
                case "in": out.append(.isIn(String(head[0]), values))
                case "notin": out.append(.notIn(String(head[0]), values))
                default: throw Invalid(message: "target.\(field): unknown operator \"\(head[1])\" in \"\(p)\"")
                }
            } else {
                out.append(.exists(p))
            }
        }
        return out
    }
}

extension String {
    var trimmingSpaces: String {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
