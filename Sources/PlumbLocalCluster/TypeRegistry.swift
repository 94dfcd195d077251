import PlumbCore

/// The served types: the built-ins plus one entry per served version of each established CRD.
struct TypeRegistry: Sendable {
    private(set) var all: [ResourceType]
    private var index: [String: Int] = [:]

    init() {
        all = ResourceType.builtins
        reindex()
    }

    private mutating func reindex() {
        index = [:]
        for (i, t) in all.enumerated() { index["\(t.group)/\(t.version)/\(t.resource)"] = i }
    }

    func lookup(group: String, version: String, resource: String) -> ResourceType? {
        index["\(group)/\(version)/\(resource)"].map { all[$0] }
    }

    /// Any served version of a group/resource (for garbage collection and namespace cleanup).
    func anyVersion(of gr: GroupResource) -> ResourceType? {
        all.first { $0.group == gr.group && $0.resource == gr.resource }
    }

    /// The type for an object's apiVersion and kind, as ownerReferences name them.
    func lookup(apiVersion: String, kind: String) -> ResourceType? {
        let (g, v) = ObjectRef.split(apiVersion: apiVersion)
        return all.first { $0.group == g && $0.version == v && $0.kind == kind }
    }

    /// Groups in the order discovery lists them: core first, then by first appearance.
    var groups: [String] {
        var seen: [String] = []
        for t in all where !seen.contains(t.group) { seen.append(t.group) }
        return seen
    }

    func versions(of group: String) -> [String] {
        var seen: [String] = []
        for t in all where t.group == group && !seen.contains(t.version) { seen.append(t.version) }
        return seen
    }

    func types(group: String, version: String) -> [ResourceType] {
        all.filter { $0.group == group && $0.version == version }
    }

    /// Serves the kinds a CRD defines (one entry per served version).
    mutating func install(crd: Value) {
        let name = crd.meta("name") ?? ""
        remove(crd: name)
        guard let spec = crd["spec"], let group = spec["group"]?.stringValue,
            let names = spec["names"], let plural = names["plural"]?.stringValue,
            let kind = names["kind"]?.stringValue
        else { return }
        let singular = names["singular"]?.stringValue ?? kind.lowercased()
        let namespaced = spec["scope"]?.stringValue != "Cluster"
        let shortNames = names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let categories = names["categories"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for v in spec["versions"]?.arrayValue ?? [] {
            guard let version = v["name"]?.stringValue, v["served"]?.boolValue ?? true else { continue }
            let hasStatus = v[path: ["subresources", "status"]] != nil
            all.append(
                ResourceType(
                    group: group, version: version, resource: plural, singular: singular, kind: kind,
                    namespaced: namespaced,
                    verbs: ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
                    shortNames: shortNames, categories: categories, hasStatus: hasStatus,
                    storageVersionHash: "", definedBy: name,
                    printerColumns: v["additionalPrinterColumns"]?.arrayValue ?? [],
                    subresources: hasStatus
                        ? [.init(name: "status", group: group, version: version, kind: kind, verbs: ["get", "patch", "update"])] : []))
        }
        reindex()
    }

    mutating func remove(crd name: String) {
        all.removeAll { $0.definedBy == name }
        reindex()
    }
}
