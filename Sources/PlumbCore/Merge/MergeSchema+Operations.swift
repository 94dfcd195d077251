extension FieldSet {
    /// The fields an object sets, as structured-merge-diff's `ToFieldSet`: leaves, items of
    /// associative and set lists, granular map entries, and atomic values as a whole.
    public static func fromObject(_ value: Value, schema: MergeSchema) throws(MergeError) -> FieldSet {
        var path: [PathElement] = []
        return try StructuredMerge.toFieldSet(value, node: schema.root, path: &path)
    }
}

extension MergeSchema {
    /// Merges `config` into `live` (nil: nothing yet): granular maps and lists member by
    /// member, atomic values replaced. Nothing is removed.
    public func merge(_ live: Value?, _ config: Value) throws(MergeError) -> Value {
        var path: [PathElement] = []
        return try StructuredMerge.merge(live, config, node: root, path: &path)
    }

    /// The fields added, modified and removed from `old` to `new`.
    public func compare(_ old: Value?, _ new: Value?) -> Comparison {
        var path: [PathElement] = []
        var c = Comparison()
        StructuredMerge.compare(
            old ?? .object(ValueObject()), new ?? .object(ValueObject()), node: root, named: true,
            path: &path, into: &c)
        return c
    }

    /// The value without the members of `set` (whole items and fields); objects and lists
    /// left empty by the removal go too.
    public func removing(_ set: FieldSet, from value: Value) -> Value {
        StructuredMerge.removeItems(value, set, node: root, path: []) ?? .object(ValueObject())
    }
}
