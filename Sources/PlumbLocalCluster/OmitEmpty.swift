import PlumbCore

/// What kube-apiserver's round trip through the Go types does to a built-in object: a body is
/// decoded into the Go structs and encoded back, so zero values of `omitempty` fields vanish,
/// nulls of optional fields vanish, and fields without `omitempty` are always written (their zero
/// value, null, or `{}` when absent). The facts per field are in `OmitEmpty+Fields.swift`; the
/// walk over nested values follows `BuiltinSchema`'s types. Custom resources have no Go struct and
/// are left alone.
enum OmitEmpty {
    enum Rule: Sendable, Equatable {
        /// `omitempty` on a non-pointer scalar, slice or map: dropped when zero.
        case omitZero
        /// No `omitempty` on a non-pointer scalar: this value when absent.
        case always(Value)
        /// No `omitempty` on a pointer, slice, map or time: null when absent.
        case null
        /// A non-pointer struct: `{}` when absent.
        case object
    }

    struct TypeRules: Sendable {
        var byField: [String: Rule] = [:]
        /// The fields written when absent, in the table's order.
        var filled: [(String, Rule)] = []
    }

    /// Type name → its rules.
    static let rules: [String: TypeRules] = parse(text)

    static func parse(_ text: String) -> [String: TypeRules] {
        // The raw field codes of the schema, to tell a string's zero from a bool's or a number's.
        var codes: [String: [String: Substring]] = [:]
        for line in BuiltinSchema.text.split(separator: "\n") where line.hasPrefix("T ") {
            let words = line.split(separator: " ")
            var fields: [String: Substring] = [:]
            for word in words.dropFirst(2) {
                guard let colon = word.lastIndex(of: ":") else { continue }
                fields[String(word[..<colon])] = word[word.index(after: colon)...]
            }
            codes[String(words[1])] = fields
        }
        var out: [String: TypeRules] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let type = words.first.map(String.init), words.count > 1 else { continue }
            var fields: [String: Rule] = [:]
            for word in words.dropFirst() {
                var name = String(word)
                let mark = name.last.flatMap { "!~+%".contains($0) ? $0 : nil }
                if mark != nil { name.removeLast() }
                switch mark {
                case "!":
                    switch codes[type]?[name] {
                    case "b": fields[name] = .always(.bool(false))
                    case "i", "n": fields[name] = .always(.int(0))
                    default: fields[name] = .always(.string(""))
                    }
                case "~": fields[name] = .null
                case "+": fields[name] = .object
                case "%": fields[name] = .always(.string("0"))
                default: fields[name] = .omitZero
                }
            }
            var rules = TypeRules(byField: fields)
            for word in words.dropFirst() {
                let name = word.last.map { "!~+%".contains($0) } == true ? String(word.dropLast()) : String(word)
                if let rule = fields[name], rule != .omitZero { rules.filled.append((name, rule)) }
            }
            out[type] = rules
        }
        return out
    }

    /// The type name of a built-in kind, nil for anything else.
    static func typeName(of object: Value) -> String? {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else { return nil }
        return BuiltinSchema.tables.kinds["\(apiVersion) \(kind)"]
    }

    /// `object` as kube-apiserver would write it back; unchanged for a kind it does not know.
    static func normalized(_ object: Value) -> Value {
        guard let type = typeName(of: object) else { return object }
        return normalize(object, .object(type))
    }

    static func normalize(_ value: Value, _ type: BuiltinSchema.FieldType) -> Value {
        switch (type, value) {
        case (.object(let name), .object(let members)):
            guard let fields = BuiltinSchema.tables.types[name] else { return value }
            let typeRules = rules[name]
            let rules = typeRules?.byField ?? [:]
            var out = ValueObject(minimumCapacity: members.count)
            for entry in members {
                let rule = rules[entry.key]
                if entry.value.isNull {
                    switch rule {
                    case .always(let zero)?: out.appendUnchecked(key: entry.key, value: zero)
                    case .null?: out.appendUnchecked(key: entry.key, value: .null)
                    case .object?: out.appendUnchecked(key: entry.key, value: empty(fields[entry.key]))
                    default: break  // an optional field's null: the Go value is nil, and omitted
                    }
                    continue
                }
                if rule == .omitZero && isZero(entry.value) { continue }
                guard let field = fields[entry.key] else {
                    out.appendUnchecked(key: entry.key, value: entry.value)
                    continue
                }
                out.appendUnchecked(key: entry.key, value: normalize(entry.value, field))
            }
            for (key, rule) in typeRules?.filled ?? [] where members[key] == nil {
                switch rule {
                case .always(let zero): out.appendUnchecked(key: key, value: zero)
                case .null: out.appendUnchecked(key: key, value: .null)
                case .object: out.appendUnchecked(key: key, value: empty(fields[key]))
                case .omitZero: break
                }
            }
            return .object(out)
        case (.map(let element), .object(let members)):
            var out = ValueObject(minimumCapacity: members.count)
            for entry in members {
                out.appendUnchecked(key: entry.key, value: normalize(entry.value, element))
            }
            return .object(out)
        case (.list(let element), .array(let items)):
            return .array(items.map { normalize($0, element) })
        default:
            return value
        }
    }

    /// The zero value of a struct field: `{}` with its own always-written fields.
    private static func empty(_ type: BuiltinSchema.FieldType?) -> Value {
        guard let type else { return .object(ValueObject()) }
        return normalize(.object(ValueObject()), type)
    }

    static func isZero(_ value: Value) -> Bool {
        switch value {
        case .string(let s): return s.isEmpty
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        case .null: return true
        }
    }
}
