/// A `managedFields[].fieldsV1` document that cannot be read as a field set.
public struct FieldsV1Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, without the `fieldsV1:` prefix.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { "fieldsV1: \(message)" }
}

extension FieldSet {
    /// Reads a set from its FieldsV1 form (`{"f:spec":{"f:replicas":{}}}`).
    public init(fieldsV1 value: Value) throws(FieldsV1Error) {
        guard case .object(let o) = value else { throw FieldsV1Error("expected an object, got \(value.typeName)") }
        self = try FieldSet.decode(o).set
    }

    /// Encodes the set in FieldsV1 form, ordered as the API server writes it.
    public var fieldsV1: Value { .object(encode(includeSelf: false)) }

    /// The FieldsV1 form as compact JSON text.
    public var fieldsV1JSON: String { fieldsV1.compactJSON }

    /// One level of the FieldsV1 form; `includeSelf` adds the `.` marker of a set that is a member itself.
    func encode(includeSelf: Bool) -> ValueObject {
        var out = ValueObject()
        if includeSelf && !isEmpty { out.appendUnchecked(key: ".", value: .object(ValueObject())) }
        for e in members.union(children.keys).sorted() {
            let body: ValueObject
            if let c = children[e] {
                body = c.encode(includeSelf: members.contains(e))
            } else {
                body = ValueObject()
            }
            out.appendUnchecked(key: FieldSet.encodeKey(e), value: .object(body))
        }
        return out
    }

    private static func decode(_ o: ValueObject) throws(FieldsV1Error) -> (set: FieldSet, isMember: Bool) {
        var set = FieldSet()
        var isMember = false
        for entry in o {
            if entry.key == "." {
                isMember = true
                continue
            }
            let e = try decodeKey(entry.key)
            guard case .object(let body) = entry.value else {
                throw FieldsV1Error("\(entry.key): expected an object, got \(entry.value.typeName)")
            }
            if body.isEmpty {
                set.insertMember(e)
                continue
            }
            let (child, member) = try decode(body)
            if member || child.isEmpty { set.insertMember(e) }
            set.setChild(e, child)
        }
        return (set, isMember)
    }

    static func encodeKey(_ e: PathElement) -> String {
        switch e {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var o = ValueObject()
            for f in fields { o.appendUnchecked(key: f.name, value: f.value) }
            return "k:" + Value.object(o).compactJSON
        case .value(let v): return "v:" + v.compactJSON
        case .index(let i): return "i:\(i)"
        }
    }

    static func decodeKey(_ key: String) throws(FieldsV1Error) -> PathElement {
        guard key.count >= 2, key.dropFirst().first == ":" else { throw FieldsV1Error("\(key): unknown path element") }
        let rest = String(key.dropFirst(2))
        switch key.first {
        case "f": return .field(rest)
        case "k":
            guard case .object(let o)? = try? JSONReader().parse(rest) else {
                throw FieldsV1Error("\(key): key is not a JSON object")
            }
            return .key(sorting: o.entries.map { KeyField(name: $0.key, value: $0.value) })
        case "v":
            guard let v = try? JSONReader().parse(rest) else { throw FieldsV1Error("\(key): value is not JSON") }
            return .value(v)
        case "i":
            guard let i = Int(rest) else { throw FieldsV1Error("\(key): index is not an integer") }
            return .index(i)
        default: throw FieldsV1Error("\(key): unknown path element")
        }
    }
}

extension Value {
    /// Compact JSON; values that JSON cannot hold (NaN) print as `null`.
    var compactJSON: String { (try? JSONWriter().string(self)) ?? "null" }
}
