import PlumbCore

/// Discovery documents, legacy and aggregated (apidiscovery.k8s.io/v2), built from the registry.
enum Discovery {
    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    /// `/version`: this server speaks the v1.32 API.
    static let version: Value = [
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.0-plumb",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-21T00:00:00Z",
        "goVersion": "go1.23.4",
        "compiler": "gc",
        "platform": "linux/amd64",
    ]

    enum Negotiated { case aggregated, plain, notAcceptable }

    /// Picks the representation from an Accept header, as kube-apiserver does for /api and /apis.
    static func negotiate(accept: String) -> Negotiated {
        if accept.isEmpty { return .plain }
        var sawSomething = false
        for clause in accept.split(separator: ",") {
            sawSomething = true
            let parts = clause.split(separator: ";").map { String($0).trimmingSpaces() }
            let mediaType = parts.first ?? ""
            var params: [String: String] = [:]
            for p in parts.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { params[String(kv[0])] = String(kv[1]) }
            }
            guard mediaType == "application/json" || mediaType == "*/*" || mediaType == "application/*" else { continue }
            if let g = params["g"] {
                if g == "apidiscovery.k8s.io" && params["v"] == "v2" && params["as"] == "APIGroupDiscoveryList" {
                    return .aggregated
                }
                continue
            }
            if params["as"] != nil { continue }
            return .plain
        }
        return sawSomething ? .notAcceptable : .plain
    }

    static func apiVersions(serverAddress: String) -> Value {
        [
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
    }

    private static func groupValue(_ name: String, versions: [String]) -> Value {
        let vs: [Value] = versions.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["name": .string(name), "versions": .array(vs), "preferredVersion": vs.first ?? .null]
    }

    static func groupList(types: TypeRegistry) -> Value {
        let groups = types.groups.filter { !$0.isEmpty }.map { groupValue($0, versions: types.versions(of: $0)) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    static func group(_ name: String, types: TypeRegistry) -> Value? {
        let versions = types.versions(of: name)
        guard !name.isEmpty, !versions.isEmpty else { return nil }
        guard case .object(var o) = groupValue(name, versions: versions) else { return nil }
        var out = ValueObject()
        out["kind"] = "APIGroup"
        out["apiVersion"] = "v1"
        for e in o { out[e.key] = e.value }
        o = out
        return .object(o)
    }

    private static func strings(_ xs: [String]) -> Value { .array(xs.map { .string($0) }) }

    /// `APIResourceList` for one group/version (`/api/v1`, `/apis/apps/v1`).
    static func resourceList(group: String, version: String, types: TypeRegistry) -> Value {
        var resources: [Value] = []
        for t in types.types(group: group, version: version).sorted(by: { $0.resource < $1.resource }) {
            var r = ValueObject()
            r["name"] = .string(t.resource)
            r["singularName"] = .string(t.singular)
            r["namespaced"] = .bool(t.namespaced)
            r["kind"] = .string(t.kind)
            r["verbs"] = strings(t.verbs)
            if !t.shortNames.isEmpty { r["shortNames"] = strings(t.shortNames) }
            if !t.categories.isEmpty { r["categories"] = strings(t.categories) }
            if !t.storageVersionHash.isEmpty { r["storageVersionHash"] = .string(t.storageVersionHash) }
            resources.append(.object(r))
            for sub in t.subresources.sorted(by: { $0.name < $1.name }) {
                var e = ValueObject()
                e["name"] = .string("\(t.resource)/\(sub.name)")
                e["singularName"] = ""
                e["namespaced"] = .bool(t.namespaced)
                // Another group's kind (autoscaling/v1 Scale, policy/v1 Eviction) is named with its group.
                if !sub.group.isEmpty && (sub.group != t.group || sub.version != t.version) {
                    e["group"] = .string(sub.group)
                    e["version"] = .string(sub.version)
                }
                e["kind"] = .string(sub.kind)
                e["verbs"] = strings(sub.verbs)
                resources.append(.object(e))
            }
        }
        var o = ValueObject()
        o["kind"] = "APIResourceList"
        if !group.isEmpty { o["apiVersion"] = "v1" }
        o["groupVersion"] = .string(group.isEmpty ? version : "\(group)/\(version)")
        o["resources"] = .array(resources)
        return .object(o)
    }

    /// The aggregated document for `/api` (legacy) or `/apis`.
    static func aggregated(legacy: Bool, types: TypeRegistry) -> Value {
        var items: [Value] = []
        for group in types.groups where (group.isEmpty) == legacy {
            var versions: [Value] = []
            for version in types.versions(of: group) {
                let resources = types.types(group: group, version: version)
                    .sorted { $0.resource < $1.resource }
                    .map { aggregatedResource($0) }
                versions.append(["version": .string(version), "resources": .array(resources), "freshness": "Current"])
            }
            var meta = ValueObject()
            if !group.isEmpty { meta["name"] = .string(group) }
            items.append(["metadata": .object(meta), "versions": .array(versions)])
        }
        return [
            "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": [:],
            "items": .array(items),
        ]
    }

    private static func aggregatedResource(_ t: ResourceType) -> Value {
        // Built-ins leave responseKind's group/version empty; CRDs fill them in.
        let kindRef: Value = [
            "group": .string(t.definedBy == nil ? "" : t.group),
            "version": .string(t.definedBy == nil ? "" : t.version),
            "kind": .string(t.kind),
        ]
        var r = ValueObject()
        r["resource"] = .string(t.resource)
        r["responseKind"] = kindRef
        r["scope"] = t.namespaced ? "Namespaced" : "Cluster"
        r["singularResource"] = .string(t.singular)
        r["verbs"] = strings(t.verbs)
        if !t.shortNames.isEmpty { r["shortNames"] = strings(t.shortNames) }
        if !t.categories.isEmpty { r["categories"] = strings(t.categories) }
        let subresources: [Value] = t.subresources.map { sub in
            [
                "subresource": .string(sub.name),
                "responseKind": ["group": .string(sub.group), "version": .string(sub.version), "kind": .string(sub.kind)],
                "verbs": strings(sub.verbs),
            ]
        }
        if !subresources.isEmpty { r["subresources"] = .array(subresources) }
        return .object(r)
    }
}
