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
        guard case .object(let ownedFields) = owned, OwnedFields.matches(config, schema: schema, owned: ownedFields) else { return false }
        var path: [PathElement] = []
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

/// Checks a manager's FieldsV1 against the fields a configuration sets, less those the server
/// strips: what `toFieldSet(config).subtracting(strippedFields).fieldsV1 == owned` says, in
/// one walk that builds neither set (granular lists excepted, which are encoded and compared).
enum OwnedFields {
    static func matches(_ config: Value, schema: MergeSchema, owned: ValueObject) -> Bool {
        // The document itself carries no `.` marker; a level below does when its field is a member too.
        owned["."] == nil && count(config, node: schema.root, body: owned, stripped: .root) != nil
    }

    /// The paths `ServerSideApply.strippedFields` holds at one level of an object, by field
    /// name: scanned, not hashed, as the levels are a handful of names.
    struct Stripped {
        var members: [String] = []
        var below: [(name: String, paths: Stripped)] = []
        var set = FieldSet()

        static let root = Stripped(ServerSideApply.strippedFields)

        init(_ set: FieldSet) {
            self.set = set
            for case .field(let name) in set.members { members.append(name) }
            for case (.field(let name), let child) in set.children { below.append((name, Stripped(child))) }
        }
    }

    /// The number of entries `value` puts at its level of a FieldsV1 document, less the
    /// `stripped` paths (nil: none), when `body` (that level, whose `.` marker is not counted) holds exactly
    /// those; nil when it does not.
    static func count(_ value: Value, node: MergeSchema.Node, body: ValueObject, stripped: Stripped?) -> Int? {
        let own = body.count - (body["."] == nil ? 0 : 1)
        switch value {
        case .object(let config) where node.mapType != .atomic:
            let lookup = Lookup(body)
            var matched = 0
            for entry in config {
                let (child, named) = node.child(entry.key)
                var member = !named || entry.value.isNull || StructuredMerge.isEmptyObject(entry.value)
                    || StructuredMerge.isLeaf(entry.value, node: child)
                var below: Stripped? = nil
                if let stripped {
                    member = member && !stripped.members.contains(entry.key)
                    below = stripped.below.first { $0.name == entry.key }?.paths
                }
                guard let found = lookup["f:" + entry.key] else {
                    // Absent: right only when the value sets nothing at all.
                    guard !member, count(entry.value, node: child, body: ValueObject(), stripped: below) == 0 else { return nil }
                    continue
                }
                guard case .object(let sub) = found, let inside = count(entry.value, node: child, body: sub, stripped: below)
                else { return nil }
                let marked = sub["."] != nil
                // A member with nothing below is `{}`; anything below carries `.` when it is a member too.
                guard inside == 0 ? member && !marked : marked == member else { return nil }
                matched += 1
            }
            return matched == own ? matched : nil
        case .array(let items) where node.listType != .atomic:
            guard !items.isEmpty else { return own == 0 ? 0 : nil }
            var path: [PathElement] = []
            guard let all = try? StructuredMerge.toFieldSet(value, node: node, path: &path) else { return nil }
            let set = stripped.map { all.subtracting($0.set) } ?? all
            let encoded = set.encode(includeSelf: false)
            guard encoded.count == own else { return nil }
            for entry in encoded.entries where body[entry.key] != entry.value { return nil }
            return own
        default:
            return own == 0 ? 0 : nil
        }
    }

    /// Key lookups in one FieldsV1 level: a scan for the small levels objects are made of,
    /// a dictionary for large ones (a ConfigMap with thousands of keys).
    private struct Lookup {
        let body: ValueObject
        let index: [String: Value]?
        init(_ body: ValueObject) {
            self.body = body
            index = body.count > 32 ? Dictionary(body.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) : nil
        }
        subscript(key: String) -> Value? {
            if let index { return index[key] }
            return body[key]
        }
    }
}
