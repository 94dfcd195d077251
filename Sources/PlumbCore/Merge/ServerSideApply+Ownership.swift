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

    /// Moves ownership after `workflow` turned `old` into `new`: other managers owning changed
    /// fields conflict (or, forced, lose them); removed fields leave every other manager;
    /// empty entries go. Returns whether the object changed.
    @discardableResult
    static func takeOwnership(
        old: Value, new: Value, workflow: ManagerIdentity, force: Bool, schema: MergeSchema,
        managers: inout Managers
    ) throws(ApplyError) -> Bool {
        var path: [PathElement] = []
        var cmp = Comparison()
        StructuredMerge.compare(old, new, node: schema.root, named: true, path: &path, into: &cmp)
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
        return !cmp.isSame
    }

    /// A non-apply write: `manager` owns what it changed, on top of what it owned and kept.
    static func updateOwnership(
        old: Value, new: Value, manager: String, apiVersion: String, subresource: String,
        schema: MergeSchema, time: String, managers: inout Managers
    ) throws(ApplyError) {
        var path: [PathElement] = []
        var cmp = Comparison()
        StructuredMerge.compare(old, new, node: schema.root, named: true, path: &path, into: &cmp)
        let me = ManagerIdentity(manager: manager, operation: .update, apiVersion: apiVersion, subresource: subresource)
        let taken = cmp.modified.union(cmp.added).subtracting(strippedFields)
        try takeOwnership(old: old, new: new, workflow: me, force: true, schema: schema, managers: &managers)
        var entry = managers.entries[me]
            ?? ManagedFieldsEntry(
                manager: manager, operation: .update, apiVersion: apiVersion, time: nil,
                subresource: subresource, fields: FieldSet())
        entry.fields = entry.fields.subtracting(cmp.removed).union(taken).subtracting(strippedFields)
        if !taken.isEmpty { entry.time = time }
        managers.entries[me] = entry.fields.isEmpty ? nil : entry
    }
}
