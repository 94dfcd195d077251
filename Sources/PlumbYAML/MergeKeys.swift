import PlumbCore

/// YAML 1.1 merge keys (`<<`): keys written in the map win over merged ones wherever they
/// appear, and among merged maps the earlier one wins. Merged members take the place of the
/// first `<<` in the map's order.
enum MergeKeys {
    static func apply(
        explicit: [ValueObject.Entry], mergedAt: Int, sources: [ValueObject]
    ) -> ValueObject {
        var seen = Set<String>()
        for e in explicit { seen.insert(e.key) }
        var merged: [ValueObject.Entry] = []
        for source in sources {
            for e in source.entries where seen.insert(e.key).inserted {
                merged.append(e)
            }
        }
        var result: [ValueObject.Entry] = []
        result.reserveCapacity(explicit.count + merged.count)
        let split = mergedAt
        result.append(contentsOf: explicit[..<split])
        result.append(contentsOf: merged)
        result.append(contentsOf: explicit[split...])
        return ValueObject(uniqueEntries: result)
    }
}
