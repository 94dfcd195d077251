import PlumbCore

/// The three classic patch formats: JSON merge (RFC 7386), JSON patch (RFC 6902), and
/// Kubernetes' strategic merge patch (lists merged by key for the built-in types).
enum Patch {
    /// RFC 7386: objects merge recursively, null deletes, anything else replaces.
    static func merge(_ target: Value, _ patch: Value) -> Value {
        guard case .object(let p) = patch else { return patch }
        var t = target.objectValue ?? ValueObject()
        for e in p {
            if e.value.isNull {
                _ = t.removeValue(forKey: e.key)
            } else {
                t[e.key] = merge(t[e.key] ?? .null, e.value)
            }
        }
        return .object(t)
    }

    /// RFC 6902 operations; errors carry the real server's wording.
    static func jsonPatch(_ target: Value, _ patch: Value) throws(APIError) -> Value {
        guard case .array(let ops) = patch else {
            throw APIError(code: 422, reason: "Invalid", message: "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        }
        var doc = target
        for op in ops {
            guard let kind = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw APIError(code: 422, reason: "Invalid", message: "the server rejected our request due to an error in our request")
            }
            let pointer = try parsePointer(path)
            switch kind {
            case "add":
                doc = try add(doc, pointer[...], op["value"] ?? .null)
            case "remove":
                doc = try remove(doc, pointer[...], path: path)
            case "replace":
                _ = try value(doc, pointer[...], path: path)
                doc = try remove(doc, pointer[...], path: path)
                doc = try add(doc, pointer[...], op["value"] ?? .null)
            case "move", "copy":
                guard let from = op["from"]?.stringValue else { throw invalidPatch("missing from") }
                let fromPointer = try parsePointer(from)
                let v = try value(doc, fromPointer[...], path: from)
                if kind == "move" { doc = try remove(doc, fromPointer[...], path: from) }
                doc = try add(doc, pointer[...], v)
            case "test":
                let v = try value(doc, pointer[...], path: path)
                if v != (op["value"] ?? .null) {
                    throw invalidPatch("testing value \(path) failed: test failed")
                }
            default:
                throw invalidPatch("Unexpected kind: \(kind)")
            }
        }
        return doc
    }

    static func invalidPatch(_ detail: String) -> APIError {
        APIError(code: 422, reason: "Invalid", message: detail)
    }

    static func parsePointer(_ path: String) throws(APIError) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw invalidPatch("JSON pointer must be empty or start with a \"/\": \(path)") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func value(_ doc: Value, _ p: ArraySlice<String>, path: String) throws(APIError) -> Value {
        guard let key = p.first else { return doc }
        switch doc {
        case .object(let o):
            guard let v = o[key] else { throw invalidPatch("doc is missing key: \(path): missing value") }
            return try value(v, p.dropFirst(), path: path)
        case .array(let a):
            guard let i = Int(key), a.indices.contains(i) else { throw invalidPatch("doc is missing path: \(path): missing value") }
            return try value(a[i], p.dropFirst(), path: path)
        default:
            throw invalidPatch("doc is missing path: \(path): missing value")
        }
    }

    private static func add(_ doc: Value, _ p: ArraySlice<String>, _ newValue: Value) throws(APIError) -> Value {
        guard let key = p.first else { return newValue }
        let rest = p.dropFirst()
        switch doc {
        case .object(var o):
            if rest.isEmpty {
                o[key] = newValue
            } else {
                guard let child = o[key] else { throw invalidPatch("doc is missing path: \"/\(p.joined(separator: "/"))\": missing value") }
                o[key] = try add(child, rest, newValue)
            }
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if key == "-" { a.append(newValue); return .array(a) }
                guard let i = Int(key), i >= 0, i <= a.count else { throw invalidPatch("add operation does not apply: doc is missing path: \(key)") }
                a.insert(newValue, at: i)
            } else {
                guard let i = Int(key), a.indices.contains(i) else { throw invalidPatch("doc is missing path: \(key)") }
                a[i] = try add(a[i], rest, newValue)
            }
            return .array(a)
        default:
            throw invalidPatch("doc is missing path: \(key)")
        }
    }

    private static func remove(_ doc: Value, _ p: ArraySlice<String>, path: String) throws(APIError) -> Value {
        guard let key = p.first else { return .null }
        let rest = p.dropFirst()
        switch doc {
        case .object(var o):
            guard let child = o[key] else { throw invalidPatch("Unable to remove nonexistent key: \(key): missing value") }
            if rest.isEmpty { _ = o.removeValue(forKey: key) } else { o[key] = try remove(child, rest, path: path) }
            return .object(o)
        case .array(var a):
            guard let i = Int(key), a.indices.contains(i) else { throw invalidPatch("Unable to remove nonexistent key: \(key): missing value") }
            if rest.isEmpty { a.remove(at: i) } else { a[i] = try remove(a[i], rest, path: path) }
            return .array(a)
        default:
            throw invalidPatch("Unable to remove nonexistent key: \(key): missing value")
        }
    }
}
