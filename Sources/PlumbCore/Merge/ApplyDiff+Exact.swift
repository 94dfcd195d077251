extension ApplyDiff {
    /// The difference between `live` and what the server answered to an apply dry-run
    /// (`result`): the exact mode of a diff, checked against the local prediction. Masks
    /// Secret values like `predict`.
    public static func exact(ref: ObjectRef, live: Value?, result: Value, ignoring rules: [IgnoreRule] = []) -> ObjectDiff {
        let isSecret = SecretData.isSecret(ref)
        let matching = rules.filter { $0.matches(ref) }
        let schema = MergeSchema.forObject(result)
        let before = live.map { comparable($0, rules: matching) }
        let after = comparable(isSecret ? SecretData.foldStringData(result) : result, rules: matching)
        var changes: [FieldChange] = []
        LeafDiff(schema: schema, masksSecrets: isSecret).collect(before, after, into: &changes)
        changes.sort { MergeOrder.less($0.path, $1.path) }
        let changedKeys = isSecret ? SecretData.changedKeys(before, after) : []
        let shown: (Value) -> Value = { isSecret ? SecretData.masked($0, changed: changedKeys) : $0 }
        return ObjectDiff(ref: ref, changes: changes, before: before.map(shown), after: shown(after))
    }
}
