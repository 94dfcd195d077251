/// The JSON form of results, for `-o json` and the audit log: what the executor produced,
/// readable back. Secret values are never in it (masked changes carry lengths only).
extension ChangeSet {
    /// `{"objects": [...]}`, and `"interruption"` when something stopped the sync.
    public var jsonValue: Value {
        var o: Value = ["objects": .array(objects.map(\.jsonValue))]
        if let interruption { o["interruption"] = .string(interruption) }
        return o
    }

    /// Reads the JSON form back.
    public init(jsonValue: Value) throws(ResultDecodingError) {
        guard let items = jsonValue["objects"]?.arrayValue else { throw ResultDecodingError("objects: not a list") }
        var out: [ObjectChange] = []
        for (i, item) in items.enumerated() {
            do {
                out.append(try ObjectChange(jsonValue: item))
            } catch {
                throw ResultDecodingError("objects[\(i)].\(error.message)")
            }
        }
        self.init(out, interruption: jsonValue["interruption"]?.stringValue)
    }
}

extension ObjectChange {
    /// `{"ref": {...}, "action": "configured", "changes": [...], "health": {...}, "error": "..."}`;
    /// empty parts are left out.
    public var jsonValue: Value {
        var o = ValueObject()
        var r = ValueObject()
        for (key, value) in [("group", ref.group), ("version", ref.version), ("kind", ref.kind), ("namespace", ref.namespace), ("name", ref.name)] {
            r.appendUnchecked(key: key, value: .string(value))
        }
        o.appendUnchecked(key: "ref", value: .object(r))
        o.appendUnchecked(key: "action", value: .string(action.rawValue))
        if !changes.isEmpty { o.appendUnchecked(key: "changes", value: .array(changes.map(\.jsonValue))) }
        if let health {
            o.appendUnchecked(key: "health", value: ["status": .string(health.state.rawValue), "message": .string(health.message)])
        }
        if let error { o.appendUnchecked(key: "error", value: .string(error)) }
        if isTransient { o.appendUnchecked(key: "transient", value: true) }
        return .object(o)
    }

    /// Reads the JSON form back.
    public init(jsonValue v: Value) throws(ResultDecodingError) {
        guard let r = v["ref"], let kind = r["kind"]?.stringValue, let name = r["name"]?.stringValue else {
            throw ResultDecodingError("ref: needs kind and name")
        }
        let ref = ObjectRef(
            group: r["group"]?.stringValue ?? "", version: r["version"]?.stringValue ?? "", kind: kind,
            namespace: r["namespace"]?.stringValue ?? "", name: name)
        guard let action = v["action"]?.stringValue.flatMap(Action.init(rawValue:)) else {
            throw ResultDecodingError("action: not one of \(Action.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var changes: [FieldChange] = []
        for (i, c) in (v["changes"]?.arrayValue ?? []).enumerated() {
            do {
                changes.append(try FieldChange(jsonValue: c))
            } catch {
                throw ResultDecodingError("changes[\(i)].\(error.message)")
            }
        }
        var health: HealthStatus?
        if let h = v["health"] {
            guard let state = h["status"]?.stringValue.flatMap(HealthStatus.State.init(rawValue:)) else {
                throw ResultDecodingError("health.status: not a health status")
            }
            health = HealthStatus(state, h["message"]?.stringValue ?? "")
        }
        self.init(
            ref: ref, action: action, changes: changes, health: health, error: v["error"]?.stringValue,
            isTransient: v["transient"]?.boolValue ?? false)
    }
}

extension FieldChange {
    /// `{"path": "spec.replicas", "old": 2, "new": 3}` (an absent side is left out), or for a
    /// secret `{"path": "data.password", "masked": true, "oldLength": 12, "newLength": 16}`.
    public var jsonValue: Value {
        var o = ValueObject()
        o.appendUnchecked(key: "path", value: .string(path))
        if masked {
            o.appendUnchecked(key: "masked", value: true)
            if let oldLength { o.appendUnchecked(key: "oldLength", value: .int(Int64(oldLength))) }
            if let newLength { o.appendUnchecked(key: "newLength", value: .int(Int64(newLength))) }
        } else {
            if let old { o.appendUnchecked(key: "old", value: old) }
            if let new { o.appendUnchecked(key: "new", value: new) }
        }
        return .object(o)
    }

    /// Reads the JSON form back.
    public init(jsonValue v: Value) throws(ResultDecodingError) {
        guard let path = v["path"]?.stringValue else { throw ResultDecodingError("path: missing") }
        if v["masked"]?.boolValue == true {
            self.init(maskedPath: path, oldLength: v["oldLength"]?.intValue.map(Int.init), newLength: v["newLength"]?.intValue.map(Int.init))
        } else {
            self.init(path: path, old: v["old"], new: v["new"])
        }
    }
}

/// A stored result that does not read back; the message starts with where.
public struct ResultDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where and what: `objects[3].action: not one of ...`.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
