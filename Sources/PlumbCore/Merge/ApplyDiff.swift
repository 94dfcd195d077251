/// What a server-side apply by Plumb would change in a live object, predicted locally by
/// running the apply (forced, as `plumb`) on the live object and its managedFields and
/// comparing the result with the live object. Server defaults, other managers' fields and
/// status are therefore not drift; a field Plumb applied before and no longer applies is.
public struct ApplyDiff: Sendable {
    /// The object.
    public var ref: ObjectRef
    /// The object after the apply, without managedFields; Secret `stringData` folded into `data`.
    /// Holds secret values: for applying and health, never for printing.
    public var predicted: Value
    /// The managedFields after the apply.
    public var managedFields: [ManagedFieldsEntry]
    /// The difference, safe to print: leaves sorted by path, secrets masked.
    public var diff: ObjectDiff

    /// The leaf-level changes, sorted by path.
    public var changes: [FieldChange] { diff.changes }

    /// Metadata the API server maintains, left out of every comparison.
    public static let metadataNoise = [
        "managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink",
    ]

    /// Predicts applying `desired` as `manager` (forced) to `live` (nil: the object does not
    /// exist), leaving out the fields `ignoring` names for this object. `time` stamps the
    /// predicted managedFields. Throws when the object or the live managedFields do not fit
    /// the merge schema (duplicate list keys, a list item without its key).
    public static func predict(
        desired: Resource, live: Value?, manager: String = "plumb", ignoring rules: [IgnoreRule] = [],
        time: String = "1970-01-01T00:00:00Z"
    ) throws(ApplyError) -> ApplyDiff {
        let managed: [ManagedFieldsEntry]
        do {
            managed = try ManagedFieldsEntry.decode(live?[path: ["metadata", "managedFields"]])
        } catch {
            throw .invalid("metadata.managedFields: \(error)")
        }
        var config = desired.body
        // The main resource resets status: what Git says about it never reaches the server.
        config["status"] = nil
        let schema = MergeSchema.forObject(config)
        let (merged, managedFields) = try ServerSideApply.apply(
            live: live, config: config, manager: manager, force: true, managedFields: managed,
            schema: schema, time: time, ignoring: FieldSet([FieldPath(fields: "status")]))
        let isSecret = SecretData.isSecret(desired.ref)
        let predicted = isSecret ? SecretData.foldStringData(merged) : merged
        let matching = rules.filter { $0.matches(desired.ref) }
        let before = live.map { comparable($0, rules: matching) }
        let after = comparable(predicted, rules: matching)
        var changes: [FieldChange] = []
        LeafDiff(schema: schema, masksSecrets: isSecret).collect(before, after, into: &changes)
        changes.sort { MergeOrder.less($0.path, $1.path) }
        let changedKeys = isSecret ? SecretData.changedKeys(before, after) : []
        let shown: (Value) -> Value = { isSecret ? SecretData.masked($0, changed: changedKeys) : $0 }
        return ApplyDiff(
            ref: desired.ref, predicted: predicted, managedFields: managedFields,
            diff: ObjectDiff(ref: desired.ref, changes: changes, before: before.map(shown), after: shown(after)))
    }

    /// An object as a diff compares it: without server-maintained metadata and status,
    /// quantities canonical, the ignored fields gone.
    public static func comparable(_ object: Value, rules: [IgnoreRule] = []) -> Value {
        var o = object
        o["status"] = nil
        if var metadata = o["metadata"]?.objectValue {
            for key in metadataNoise { metadata[key] = nil }
            o["metadata"] = .object(metadata)
        }
        o = Normalize.canonicalQuantities(o)
        return rules.reduce(o) { $1.removing(from: $0) }
    }
}
