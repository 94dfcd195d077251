extension ApplyDiff {
    /// The difference `predict` finds, reached without running the whole apply when the live
    /// object already holds what `desired` says: the manager's applied field set is the one
    /// `desired` sets (so nothing would be pruned) and merging `desired` into the live object
    /// changes nothing but the spelling of quantities. A diff of a synced app is mostly such objects. Anything else (and every
    /// Secret) takes the full prediction.
    public static func diff(
        desired: Resource, live: Value?, manager: String = "plumb", ignoring rules: [IgnoreRule] = []
    ) throws(ApplyError) -> ObjectDiff {
        if let live, !SecretData.isSecret(desired.ref), appliesNothing(desired: desired, live: live, manager: manager) {
            let same = comparable(live, rules: rules.filter { $0.matches(desired.ref) })
            return ObjectDiff(ref: desired.ref, changes: [], before: same, after: same)
        }
        return try predict(desired: desired, live: live, manager: manager, ignoring: rules).diff
    }

    /// Whether applying `desired` as `manager` leaves `live` as it is. False whenever unsure.
    static func appliesNothing(desired: Resource, live: Value, manager: String) -> Bool {
        guard let entries = live[path: ["metadata", "managedFields"]]?.arrayValue else { return false }
        var owned: Value?
        for entry in entries
        where entry["manager"]?.stringValue == manager && entry["operation"]?.stringValue == "Apply"
            && (entry["subresource"]?.stringValue ?? "").isEmpty
        {
            guard owned == nil else { return false }  // listed twice: the full apply merges them
            owned = entry["fieldsV1"] ?? .object(ValueObject())
        }
        guard let owned else { return false }
        var config = desired.body
        config["status"] = nil
        let schema = MergeSchema.forObject(config)
        // A value Git sets that the live object does not hold means a change: the full
        // prediction follows, so skip the costlier checks below.
        let holds = ApplyDiff.holds(live, config, node: schema.root, quantity: false, quantityMap: false)
        if holds == false { return false }
        var path: [PathElement] = []
        guard
            let applied = try? StructuredMerge.toFieldSet(config, node: schema.root, path: &path)
                .subtracting(ServerSideApply.strippedFields),
            applied.fieldsV1 == owned
        else { return false }
        // Every value Git sets is already there (no list to merge): merging changes nothing.
        if holds == true { return true }
        let old = ServerSideApply.withoutManagedFields(live)
        guard let merged = try? StructuredMerge.merge(old, config, node: schema.root, path: &path) else { return false }
        // The server stores quantities canonical (`1000m` as `1`): equal amounts are no change.
        return merged == old || Normalize.canonicalQuantities(merged) == Normalize.canonicalQuantities(old)
    }

    /// Whether `live` holds every value `config` sets: maps are walked key by key, scalars
    /// compared (the members of `limits`-like maps by amount). False as soon as one differs;
    /// nil when a list (or a null) leaves it to the merge to decide. `quantity`: the values are
    /// members of such a map; `quantityMap`: the values are such a map.
    static func holds(_ live: Value?, _ config: Value, node: MergeSchema.Node, quantity: Bool, quantityMap: Bool) -> Bool? {
        switch config {
        case .object(let wanted):
            guard node.mapType != .atomic else { return live == config }
            guard case .object(let have)? = live else { return wanted.isEmpty ? nil : false }
            var answer: Bool? = true
            for entry in wanted {
                let key = entry.key
                let child = holds(
                    have[key], entry.value, node: node.child(key).node, quantity: quantityMap,
                    quantityMap: Normalize.quantityMaps.contains(key))
                switch child {
                case false?: return false
                case nil: answer = nil
                case true?: break
                }
            }
            return answer
        case .array, .null:
            return nil
        default:
            guard let live else { return false }
            return live == config || quantity && Normalize.sameAmount(live, config) == true
        }
    }
}
