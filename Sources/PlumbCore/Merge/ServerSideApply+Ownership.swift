extension ServerSideApply {
    /// Removes from `merged` the fields the applier set last time, no longer sets, and nobody
    /// else owns — structured-merge-diff's `prune` with `addBackOwnedItems` and
    /// `addBackDanglingItems`. Named struct fields count as owned when anything below is.
    static func prune(_ merged: Value, managers: Managers, last: FieldSet, schema: MergeSchema) throws(ApplyError) -> Value {
        let root = schema.root
        func ensure(_ s: FieldSet) -> FieldSet { StructuredMerge.ensureNamedFieldsAreMembers(s, node: root) }
        func fields(_ v: Value) throws(ApplyError) -> FieldSet {
            var path: [PathElement] = []
            do {
                return ensure(try StructuredMerge.toFieldSet(v, node: root, path: &path))
            } catch {
                throw .invalid(error.description)
            }
        }
        func remove(_ v: Value, _ s: FieldSet) -> Value {
            StructuredMerge.removeItems(v, s, node: root, path: []) ?? .object(ValueObject())
        }
        let lastE = ensure(last)
        var owned = FieldSet()
        for e in managers.entries.values { owned = owned.union(e.fields) }
        let mergedSet = try fields(merged)
        let pruned = remove(merged, lastE)
        let keep = try fields(pruned).union(ensure(owned))
        let addedBack = remove(merged, mergedSet.subtracting(keep))
        return remove(merged, mergedSet.subtracting(try fields(addedBack)).intersection(lastE))
    }

    /// The fields that changed from `old` to `new`, without the ignored ones.
    static func comparison(old: Value, new: Value, schema: MergeSchema, ignoring ignored: FieldSet) -> Comparison {
        var path: [PathElement] = []
        var cmp = Comparison()
        StructuredMerge.compare(old, new, node: schema.root, named: true, path: &path, into: &cmp)
        guard !ignored.isEmpty else { return cmp }
        cmp.added = cmp.added.recursivelySubtracting(ignored)
        cmp.modified = cmp.modified.recursivelySubtracting(ignored)
        cmp.removed = cmp.removed.recursivelySubtracting(ignored)
        return cmp
    }

    /// Moves ownership after `workflow` made the changes `cmp`: other managers owning changed
    /// fields conflict (or, forced, lose them); removed fields leave every other manager;
    /// empty entries go.
    static func takeOwnership(
        _ cmp: Comparison, workflow: ManagerIdentity, force: Bool, managers: inout Managers
    ) throws(ApplyError) {
        let changed = cmp.modified.union(cmp.added)
        var conflicts: [ApplyConflict.Conflict] = []
        for (id, entry) in managers.entries where id != workflow {
            let owned = entry.fields.intersection(changed)
            guard !owned.isEmpty else { continue }
            if force {
                managers.entries[id]?.fields = entry.fields.subtracting(owned)
            } else {
                conflicts += owned.paths.map { ApplyConflict.Conflict(manager: id, path: $0) }
            }
        }
        if !conflicts.isEmpty { throw .conflict(ApplyConflict(conflicts: conflicts)) }
        if !cmp.removed.isEmpty {
            for (id, entry) in managers.entries where id != workflow {
                managers.entries[id]?.fields = entry.fields.subtracting(cmp.removed)
            }
        }
        for (id, entry) in managers.entries where entry.fields.isEmpty {
            managers.entries[id] = nil
        }
    }

    /// A non-apply write: `manager` owns what it changed, on top of what it owned and kept.
    static func updateOwnership(
        old: Value, new: Value, manager: ManagerIdentity, apiVersion: String, schema: MergeSchema,
        ignoring ignored: FieldSet, time: String, managers: inout Managers
    ) throws(ApplyError) {
        let cmp = comparison(old: old, new: new, schema: schema, ignoring: ignored)
        let taken = cmp.modified.union(cmp.added).subtracting(strippedFields)
        try takeOwnership(cmp, workflow: manager, force: true, managers: &managers)
        var entry = managers.entries[manager]
            ?? ManagedFieldsEntry(
                manager: manager.manager, operation: .update, apiVersion: apiVersion, time: nil,
                subresource: manager.subresource, fields: FieldSet())
        entry.fields = entry.fields.subtracting(cmp.removed).union(taken).subtracting(strippedFields)
        if !taken.isEmpty { entry.time = time }
        managers.entries[manager] = entry.fields.isEmpty ? nil : entry
    }
}
