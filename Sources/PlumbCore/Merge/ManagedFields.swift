/// One `metadata.managedFields` entry: a manager, how it wrote, and the fields it owns.
public struct ManagedFieldsEntry: Sendable, Hashable {
    /// The two operations the API server records.
    public enum Operation: String, Sendable, Hashable {
        case apply = "Apply"
        case update = "Update"
    }

    /// The field manager's name (`plumb`, `kubectl-edit`).
    public var manager: String
    /// Whether the manager applied or updated.
    public var operation: Operation
    /// The API version the fields are in (`apps/v1`).
    public var apiVersion: String
    /// RFC 3339 time of the manager's last change, as the server writes it (`2026-11-21T19:36:46Z`).
    public var time: String?
    /// `status`, `scale`, ... or empty for the main resource.
    public var subresource: String
    /// The fields the manager owns.
    public var fields: FieldSet

    /// An entry from its parts.
    public init(
        manager: String, operation: Operation, apiVersion: String, time: String?,
        subresource: String = "", fields: FieldSet
    ) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource
        self.fields = fields
    }

    /// Reads one entry of `metadata.managedFields`.
    public init(_ value: Value) throws(FieldsV1Error) {
        guard case .object(let o) = value else { throw FieldsV1Error("managedFields entry is not an object") }
        guard let op = o["operation"]?.stringValue.flatMap(Operation.init(rawValue:)) else {
            throw FieldsV1Error("managedFields entry has no operation Apply or Update")
        }
        if let type = o["fieldsType"]?.stringValue, type != "FieldsV1" {
            throw FieldsV1Error("unsupported fieldsType \(type)")
        }
        self.init(
            manager: o["manager"]?.stringValue ?? "", operation: op,
            apiVersion: o["apiVersion"]?.stringValue ?? "", time: o["time"]?.stringValue,
            subresource: o["subresource"]?.stringValue ?? "",
            fields: try o["fieldsV1"].map { v throws(FieldsV1Error) in try FieldSet(fieldsV1: v) } ?? FieldSet())
    }

    /// The entry as the API server writes it, members in the server's order.
    public var value: Value {
        var o = ValueObject()
        o.appendUnchecked(key: "manager", value: .string(manager))
        o.appendUnchecked(key: "operation", value: .string(operation.rawValue))
        o.appendUnchecked(key: "apiVersion", value: .string(apiVersion))
        if let time { o.appendUnchecked(key: "time", value: .string(time)) }
        o.appendUnchecked(key: "fieldsType", value: "FieldsV1")
        o.appendUnchecked(key: "fieldsV1", value: fields.fieldsV1)
        if !subresource.isEmpty { o.appendUnchecked(key: "subresource", value: .string(subresource)) }
        return .object(o)
    }

    /// Who the entry belongs to: appliers are one manager across API versions, updaters are
    /// one per API version (the server's manager identifier).
    public var identity: ManagerIdentity {
        ManagerIdentity(
            manager: manager, operation: operation,
            apiVersion: operation == .apply ? "" : apiVersion, subresource: subresource)
    }

    /// Reads a `metadata.managedFields` list; nil or absent is no entries.
    public static func decode(_ list: Value?) throws(FieldsV1Error) -> [ManagedFieldsEntry] {
        guard let list, !list.isNull else { return [] }
        guard case .array(let items) = list else { throw FieldsV1Error("managedFields is not a list") }
        var out: [ManagedFieldsEntry] = []
        for item in items { out.append(try ManagedFieldsEntry(item)) }
        return out
    }

    /// Writes entries as a `metadata.managedFields` list, in the server's order.
    public static func encode(_ entries: [ManagedFieldsEntry]) -> Value {
        .array(sorted(entries).map(\.value))
    }

    /// The server's order: operation (Apply first), time, manager, apiVersion, subresource.
    public static func sorted(_ entries: [ManagedFieldsEntry]) -> [ManagedFieldsEntry] {
        entries.sorted { p, q in
            if p.operation != q.operation { return MergeOrder.less(p.operation.rawValue, q.operation.rawValue) }
            if (p.time ?? "") != (q.time ?? "") { return MergeOrder.less(p.time ?? "", q.time ?? "") }
            if p.manager != q.manager { return MergeOrder.less(p.manager, q.manager) }
            if p.apiVersion != q.apiVersion { return MergeOrder.less(p.apiVersion, q.apiVersion) }
            return MergeOrder.less(p.subresource, q.subresource)
        }
    }
}

/// A field manager as conflicts name it.
public struct ManagerIdentity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The manager's name.
    public var manager: String
    /// Apply or Update.
    public var operation: ManagedFieldsEntry.Operation
    /// Empty for appliers.
    public var apiVersion: String
    /// `status`, ... or empty.
    public var subresource: String

    /// An identity from its parts; appliers have no API version.
    public init(manager: String, operation: ManagedFieldsEntry.Operation, apiVersion: String = "", subresource: String = "") {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.subresource = subresource
    }

    /// As conflict messages print it: `"plumb"`, `"kubectl-edit" using apps/v1`.
    public var description: String {
        var s = quoted(manager)
        if !subresource.isEmpty { s += " with subresource \(quoted(subresource))" }
        if operation == .update { s += " using \(apiVersion)" }
        return s
    }

    private func quoted(_ s: String) -> String { Value.string(s).compactJSON }

    /// The server's manager identifier: the entry without fields and time, as JSON. Conflict
    /// messages list managers in the order of these strings.
    public var identifier: String {
        var o = ValueObject()
        if !manager.isEmpty { o.appendUnchecked(key: "manager", value: .string(manager)) }
        o.appendUnchecked(key: "operation", value: .string(operation.rawValue))
        if !apiVersion.isEmpty { o.appendUnchecked(key: "apiVersion", value: .string(apiVersion)) }
        if !subresource.isEmpty { o.appendUnchecked(key: "subresource", value: .string(subresource)) }
        return Value.object(o).compactJSON
    }

    public static func < (a: ManagerIdentity, b: ManagerIdentity) -> Bool {
        MergeOrder.less(a.identifier, b.identifier)
    }
}
