import PlumbCore

/// A parsed `labelSelector`: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`.
struct LabelSelector: Sendable {
    enum Requirement: Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    var requirements: [Requirement] = []
    var isEmpty: Bool { requirements.isEmpty }

    init() {}

    /// Parses the query parameter; the error message is the real server's.
    init(parsing text: String) throws(APIError) {
        var i = text.startIndex
        func skipSpaces() { while i < text.endIndex, text[i] == " " { i = text.index(after: i) } }
        func readKey() -> String {
            skipSpaces()
            let start = i
            while i < text.endIndex, !" ,=!()".contains(text[i]) { i = text.index(after: i) }
            return String(text[start..<i])
        }
        func readValue() -> String {
            skipSpaces()
            let start = i
            while i < text.endIndex, !" ,()".contains(text[i]) { i = text.index(after: i) }
            return String(text[start..<i])
        }
        func fail() -> APIError {
            APIError.badRequest("unable to parse requirement: found '\(text)', expected: valid label selector")
        }
        func readSet() throws(APIError) -> Set<String> {
            skipSpaces()
            guard i < text.endIndex, text[i] == "(" else { throw fail() }
            i = text.index(after: i)
            var values: Set<String> = []
            while true {
                let v = readValue()
                if !v.isEmpty { values.insert(v) }
                skipSpaces()
                guard i < text.endIndex else { throw fail() }
                if text[i] == "," { i = text.index(after: i); continue }
                if text[i] == ")" { i = text.index(after: i); break }
                throw fail()
            }
            return values
        }
        while true {
            skipSpaces()
            if i == text.endIndex { break }
            if text[i] == "!" {
                i = text.index(after: i)
                let key = readKey()
                guard !key.isEmpty else { throw fail() }
                requirements.append(.doesNotExist(key))
            } else {
                let key = readKey()
                guard !key.isEmpty else { throw fail() }
                skipSpaces()
                if text[i...].hasPrefix("==") {
                    i = text.index(i, offsetBy: 2)
                    requirements.append(.equals(key, readValue()))
                } else if text[i...].hasPrefix("!=") {
                    i = text.index(i, offsetBy: 2)
                    requirements.append(.notEquals(key, readValue()))
                } else if text[i...].hasPrefix("=") {
                    i = text.index(after: i)
                    requirements.append(.equals(key, readValue()))
                } else if text[i...].hasPrefix("in ") || text[i...].hasPrefix("in(") {
                    i = text.index(i, offsetBy: 2)
                    requirements.append(.isIn(key, try readSet()))
                } else if text[i...].hasPrefix("notin ") || text[i...].hasPrefix("notin(") {
                    i = text.index(i, offsetBy: 5)
                    requirements.append(.notIn(key, try readSet()))
                } else {
                    requirements.append(.exists(key))
                }
            }
            skipSpaces()
            if i == text.endIndex { break }
            guard text[i] == "," else { throw fail() }
            i = text.index(after: i)
        }
    }

    func matches(_ object: Value) -> Bool {
        if requirements.isEmpty { return true }
        let labels = object[path: ["metadata", "labels"]]?.objectValue ?? ValueObject()
        for r in requirements {
            switch r {
            case let .equals(k, v): if labels[k]?.stringValue != v { return false }
            case let .notEquals(k, v): if labels[k]?.stringValue == v { return false }
            case let .isIn(k, vs): guard let v = labels[k]?.stringValue, vs.contains(v) else { return false }
            case let .notIn(k, vs): if let v = labels[k]?.stringValue, vs.contains(v) { return false }
            case let .exists(k): if labels[k] == nil { return false }
            case let .doesNotExist(k): if labels[k] != nil { return false }
            }
        }
        return true
    }
}

/// A parsed `fieldSelector` over `metadata.name` and `metadata.namespace` (plus any other
/// dotted path of string fields, which kube-apiserver allows per type).
struct FieldSelector: Sendable {
    struct Requirement: Sendable {
        var path: [String]
        var value: String
        var equal: Bool
    }

    var requirements: [Requirement] = []

    init() {}

    init(parsing text: String) throws(APIError) {
        for part in text.split(separator: ",") {
            let p = String(part).trimmingSpaces()
            if p.isEmpty { continue }
            var field: Substring
            var value: Substring
            var equal = true
            if let r = p.range(of: "!=") {
                field = p[..<r.lowerBound]; value = p[r.upperBound...]; equal = false
            } else if let r = p.range(of: "==") {
                field = p[..<r.lowerBound]; value = p[r.upperBound...]
            } else if let r = p.range(of: "=") {
                field = p[..<r.lowerBound]; value = p[r.upperBound...]
            } else {
                throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(p)'")
            }
            field = Substring(String(field).trimmingSpaces())
            value = Substring(String(value).trimmingSpaces())
            requirements.append(Requirement(path: field.split(separator: ".").map(String.init), value: String(value), equal: equal))
        }
    }

    func matches(_ object: Value) -> Bool {
        for r in requirements {
            let actual = object[path: r.path]
            let s: String
            switch actual {
            case .string(let v)?: s = v
            case .int(let v)?: s = String(v)
            case .bool(let v)?: s = String(v)
            default: s = ""
            }
            if (s == r.value) != r.equal { return false }
        }
        return true
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
