import PlumbCore

/// RFC 6902 JSON patches (add, remove, replace, move, copy, test) on a `Value`, as kustomize's
/// patchesJson6902 applies them with evanphx/json-patch.
enum KustomizeJSONPatch {
    struct Failure: Error {
        var message: String
    }

    static func apply(_ ops: [Value], to document: Value) throws(Failure) -> Value {
        var doc = document
        for (i, op) in ops.enumerated() {
            guard let name = op["op"]?.stringValue else { throw Failure(message: "operation \(i) has no op") }
            guard let path = op["path"]?.stringValue else {
                throw Failure(message: "operation \(i) (\(name)) has no path")
            }
            let tokens = try pointer(path)
            switch name {
            case "add":
                guard let value = op["value"] else {
                    throw Failure(message: "operation \(i) (add \(path)) has no value")
                }
                try add(&doc, tokens[...], value, path: path)
            case "remove":
                _ = try remove(&doc, tokens[...], path: path)
            case "replace":
                guard let value = op["value"] else {
                    throw Failure(message: "operation \(i) (replace \(path)) has no value")
                }
                _ = try remove(&doc, tokens[...], path: path)
                try add(&doc, tokens[...], value, path: path, replacing: true)
            case "move", "copy":
                guard let from = op["from"]?.stringValue else {
                    throw Failure(message: "operation \(i) (\(name) \(path)) has no from")
                }
                let fromTokens = try pointer(from)
                let value: Value
                if name == "move" {
                    value = try remove(&doc, fromTokens[...], path: from)
                } else {
                    guard let v = get(doc, fromTokens[...]) else {
                        throw Failure(message: "\(name): \(from) does not exist")
                    }
                    value = v
                }
                try add(&doc, tokens[...], value, path: path)
            case "test":
                let expected = op["value"] ?? .null
                guard let actual = get(doc, tokens[...]), actual == expected else {
                    throw Failure(message: "test of \(path) failed")
                }
            default:
                throw Failure(message: "operation \(i) has an unknown op \"\(name)\"")
            }
        }
        return doc
    }

    static func pointer(_ path: String) throws(Failure) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw Failure(message: "\"\(path)\" is not a JSON pointer") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            replacing(Substring(replacing($0, "~1", "/")), "~0", "~")
        }
    }

    static func get(_ v: Value, _ tokens: ArraySlice<String>) -> Value? {
        guard let t = tokens.first else { return v }
        switch v {
        case .object(let o): return o[t].flatMap { get($0, tokens.dropFirst()) }
        case .array(let a):
            guard let i = Int(t), i >= 0, i < a.count else { return nil }
            return get(a[i], tokens.dropFirst())
        default: return nil
        }
    }

    private static func add(
        _ v: inout Value, _ tokens: ArraySlice<String>, _ value: Value, path: String, replacing: Bool = false
    ) throws(Failure) {
        guard let t = tokens.first else {
            v = value
            return
        }
        let last = tokens.count == 1
        switch v {
        case .object(var o):
            if last {
                o[t] = value
            } else {
                guard var child = o[t] else { throw Failure(message: "add: the parent of \(path) does not exist") }
                try add(&child, tokens.dropFirst(), value, path: path, replacing: replacing)
                o[t] = child
            }
            v = .object(o)
        case .array(var a):
            if last {
                if t == "-" {
                    a.append(value)
                } else {
                    guard let i = Int(t), i >= 0, i <= a.count else {
                        throw Failure(message: "add: index \(t) of \(path) is out of range")
                    }
                    a.insert(value, at: i)
                }
            } else {
                guard let i = Int(t), i >= 0, i < a.count else {
                    throw Failure(message: "add: index \(t) of \(path) is out of range")
                }
                try add(&a[i], tokens.dropFirst(), value, path: path, replacing: replacing)
            }
            v = .array(a)
        default:
            throw Failure(message: "add: the parent of \(path) is \(v.typeName)")
        }
    }

    private static func remove(_ v: inout Value, _ tokens: ArraySlice<String>, path: String) throws(Failure) -> Value {
        guard let t = tokens.first else { throw Failure(message: "cannot remove the whole document") }
        let last = tokens.count == 1
        switch v {
        case .object(var o):
            guard var child = o[t] else { throw Failure(message: "\(path) does not exist") }
            let removed: Value
            if last {
                removed = o.removeValue(forKey: t) ?? .null
            } else {
                removed = try remove(&child, tokens.dropFirst(), path: path)
                o[t] = child
            }
            v = .object(o)
            return removed
        case .array(var a):
            guard let i = Int(t), i >= 0, i < a.count else { throw Failure(message: "\(path) does not exist") }
            let removed: Value
            if last {
                removed = a.remove(at: i)
            } else {
                removed = try remove(&a[i], tokens.dropFirst(), path: path)
            }
            v = .array(a)
            return removed
        default:
            throw Failure(message: "\(path) does not exist")
        }
    }
}

/// Every occurrence of `a` in `s` replaced by `b` (no Foundation).
private func replacing(_ s: Substring, _ a: String, _ b: String) -> String {
    guard s.contains(a) else { return String(s) }
    var out = ""
    var rest = s
    while let range = rest.firstRange(of: a) {
        out += rest[..<range.lowerBound]
        out += b
        rest = rest[range.upperBound...]
    }
    out += rest
    return out
}
