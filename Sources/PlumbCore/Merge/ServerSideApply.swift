/// Server-side apply and field ownership, as the API server runs them through
/// structured-merge-diff: merging, conflicts, removal of fields no longer applied, and the
/// managedFields bookkeeping. Pure: the caller supplies the time and does defaulting.
public enum ServerSideApply {
    /// The manager that takes ownership of an object's fields when the first apply finds
    /// it without managedFields.
    public static let beforeFirstApplyManager = "before-first-apply"

    /// Fields nobody owns: identity and bookkeeping the server sets (`metadata.name`, ...).
    static let strippedFields = FieldSet(
        [["apiVersion"], ["kind"], ["metadata"]].map { FieldPath($0.map(PathElement.field)) }
            + ["name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
               "generation", "managedFields", "resourceVersion"].map { FieldPath(fields: "metadata", $0) })

    /// Applies `config` as `manager` to `live` (nil when creating). Returns the merged object,
    /// without `metadata.managedFields`, and the new managedFields in the server's order.
    /// `time` stamps the entries of managers whose fields changed. `ignoring` holds fields the
    /// endpoint resets, which nobody comes to own (`status` on a main resource, as the server's
    /// reset-fields strategies do).
    public static func apply(
        live: Value?, config: Value, manager: String, force: Bool,
        managedFields: [ManagedFieldsEntry], schema: MergeSchema, time: String, subresource: String = "",
        ignoring ignored: FieldSet = FieldSet()
    ) throws(ApplyError) -> (merged: Value, managedFields: [ManagedFieldsEntry]) {
        guard case .object = config else { throw .invalid("apply configuration is not an object") }
        if let mf = config[path: ["metadata", "managedFields"]], mf != .array([]), !mf.isNull {
            throw .invalid("metadata.managedFields must be nil")
        }
        let apiVersion = config["apiVersion"]?.stringValue ?? ""
        let old = withoutManagedFields(live ?? .object(ValueObject()))
        var managers = Managers(managedFields)
        if live != nil && managers.entries.isEmpty {
            try updateOwnership(
                old: .object(ValueObject()), new: old,
                manager: ManagerIdentity(manager: beforeFirstApplyManager, operation: .update, apiVersion: apiVersion),
                apiVersion: apiVersion, schema: schema, ignoring: ignored, time: time, managers: &managers)
        }
        let root = schema.root
        var path: [PathElement] = []
        var merged: Value
        let applied: FieldSet
        do {
            merged = try StructuredMerge.merge(old, withoutManagedFields(config), node: root, path: &path)
            applied = try StructuredMerge.toFieldSet(config, node: root, path: &path)
                .recursivelySubtracting(ignored).subtracting(strippedFields)
        } catch {
            throw .invalid(error.description)
        }
        let me = ManagerIdentity(manager: manager, operation: .apply, subresource: subresource)
        let previous = managers.entries[me]
        managers.entries[me] = ManagedFieldsEntry(
            manager: manager, operation: .apply, apiVersion: apiVersion, time: previous?.time,
            subresource: subresource, fields: applied)
        // Pruning removes what this manager applied last time and not this time (and nobody
        // else owns); when this apply sets everything the last one did, there is nothing to find.
        if let last = previous?.fields, !last.isEmpty, !last.subtracting(applied).isEmpty {
            merged = try prune(merged, managers: managers, last: last, schema: schema)
        }
        let cmp = comparison(old: old, new: merged, schema: schema, ignoring: ignored)
        try takeOwnership(cmp, workflow: me, force: force, managers: &managers)
        // The server stamps every apply, then restores the old stamps when nothing but stamps
        // changed (IgnoreManagedFieldsTimestampsTransformer): a no-op apply keeps its time.
        if !cmp.isSame || previous?.fields != managers.entries[me]?.fields || previous?.time == nil {
            managers.entries[me]?.time = time
        }
        return (merged, managers.sorted)
    }

    /// Records a non-apply write (create, PUT, PATCH) by `manager`: it takes the fields it
    /// changed from everyone else, and removed fields leave every set. Returns the new managedFields.
    public static func update(
        old: Value?, new: Value, manager: String, managedFields: [ManagedFieldsEntry],
        schema: MergeSchema, time: String, subresource: String = "", ignoring ignored: FieldSet = FieldSet()
    ) throws(ApplyError) -> [ManagedFieldsEntry] {
        var managers = Managers(managedFields)
        let apiVersion = new["apiVersion"]?.stringValue ?? ""
        try updateOwnership(
            old: withoutManagedFields(old ?? .object(ValueObject())), new: withoutManagedFields(new),
            manager: ManagerIdentity(manager: manager, operation: .update, apiVersion: apiVersion, subresource: subresource),
            apiVersion: apiVersion, schema: schema, ignoring: ignored, time: time, managers: &managers)
        return managers.sorted
    }

    /// The field sets of the managers of one object, by identity.
    struct Managers {
        var entries: [ManagerIdentity: ManagedFieldsEntry] = [:]

        init(_ list: [ManagedFieldsEntry]) {
            for e in list {
                if let existing = entries[e.identity] {
                    entries[e.identity]?.fields = existing.fields.union(e.fields)
                } else {
                    entries[e.identity] = e
                }
            }
        }

        var sorted: [ManagedFieldsEntry] { ManagedFieldsEntry.sorted(Array(entries.values)) }
    }

    static func withoutManagedFields(_ object: Value) -> Value {
        guard object[path: ["metadata", "managedFields"]] != nil else { return object }
        var o = object
        o["metadata"]?["managedFields"] = nil
        return o
    }
}
