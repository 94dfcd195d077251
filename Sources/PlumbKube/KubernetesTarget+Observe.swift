import PlumbCore
import PlumbEngine

extension KubernetesTarget {
    /// Lists, per kind, the objects labelled `plumb.dev/app=<app>` (the desired kinds and every
    /// other listable kind the server serves, for prune candidates), then GETs the desired
    /// objects not found that way: they may exist without Plumb's labels.
    /// Without `pruneCandidates` only the desired kinds are listed, and only in the desired
    /// objects' namespaces: a sync or diff that does not prune saves a list request for every
    /// other kind the server serves, and needs no cluster-wide list permission.
    public func observe(_ desired: [Resource], app: String, pruneCandidates: Bool) async throws -> Observation {
        let selector = "\(SyncLabels.app)=\(app)"
        let scopes = pruneCandidates
            ? try await observedKinds(desired).map { (kind: $0, namespace: String?.none) }
            : Self.desiredScopes(desired)
        var labelled: [Value] = []
        try await withThrowingTaskGroup(of: [Value].self) { group in
            var next = scopes.makeIterator()
            func addNext() -> Bool {
                guard let (kind, namespace) = next.next() else { return false }
                group.addTask {
                    do {
                        return try await client.list(
                            apiVersion: kind.apiVersion, kind: kind.kind, namespace: namespace, labelSelector: selector
                        ).items
                    } catch let e as KubeClientError where e.message.hasSuffix("does not serve this kind") {
                        return []  // a custom resource whose CRD this sync creates
                    }
                }
                return true
            }
            for _ in 0..<max(1, listConcurrency) where addNext() {}
            while let items = try await group.next() {
                labelled += items
                _ = addNext()
            }
        }
        var live: [ObjectIdentity: Value] = [:]
        var appObjects: [Resource] = []
        for item in labelled {
            guard let r = try? Resource(item) else { continue }
            live[r.ref.identity] = item
            if r.labels[SyncLabels.app] == app { appObjects.append(r) }
        }
        let missing = desired.filter { live[$0.ref.identity] == nil }
        let found = try await getAll(missing.map(\.ref))
        for (ref, value) in found { live[ref.identity] = value }
        let wanted = Set(desired.map(\.ref.identity))
        let newNamespaces = desired.filter { $0.ref.group.isEmpty && $0.kind == "Namespace" && live[$0.ref.identity] == nil }
        let crdKinds = desired.filter { $0.ref.group == "apiextensions.k8s.io" && $0.kind == "CustomResourceDefinition" }
            .compactMap { crd -> String? in
                guard let g = crd.body[path: ["spec", "group"]]?.stringValue,
                    let k = crd.body[path: ["spec", "names", "kind"]]?.stringValue
                else { return nil }
                return "\(g)/\(k)"
            }
        pending.record(namespaces: Set(newNamespaces.map(\.name)), kinds: Set(crdKinds))
        return Observation(live: live.filter { wanted.contains($0.key) }, appObjects: appObjects)
    }

    /// Where the desired objects live: per kind, each of their namespaces, or the whole cluster
    /// for cluster-scoped kinds (and kinds spread over more than `namespacesPerKind` namespaces).
    static func desiredScopes(_ desired: [Resource]) -> [(kind: (apiVersion: String, kind: String), namespace: String?)] {
        var order: [String] = []
        var kinds: [String: (apiVersion: String, kind: String)] = [:]
        var namespaces: [String: [String]] = [:]
        for r in desired {
            let key = "\(r.ref.group)/\(r.kind)"
            if kinds[key] == nil {
                order.append(key)
                kinds[key] = (r.apiVersion, r.kind)
            }
            if !(namespaces[key]?.contains(r.namespace) ?? false) { namespaces[key, default: []].append(r.namespace) }
        }
        return order.flatMap { key -> [(kind: (apiVersion: String, kind: String), namespace: String?)] in
            let kind = kinds[key]!
            let spread = namespaces[key] ?? []
            if spread.contains("") || spread.count > namespacesPerKind { return [(kind, nil)] }
            return spread.map { (kind, $0) }
        }
    }

    /// Beyond this many namespaces one cluster-wide list of a kind is cheaper than a list per namespace.
    static let namespacesPerKind = 16

    /// The kinds to list: those of `desired` first, then every other kind that can be listed
    /// and deleted (one version per group and kind), without events.
    func observedKinds(_ desired: [Resource]) async throws -> [(apiVersion: String, kind: String)] {
        var seen = Set<String>()
        var kinds: [(apiVersion: String, kind: String)] = []
        for r in desired where seen.insert("\(r.ref.group)/\(r.kind)").inserted {
            kinds.append((r.apiVersion, r.kind))
        }
        let mapper = try await client.discovery.current(client: client)
        for m in mapper.mappings.sorted(by: { ($0.group, $0.kind, $0.version) < ($1.group, $1.kind, $1.version) }) {
            guard m.verbs.contains("list"), m.verbs.contains("delete"), m.kind != "Event",
                !m.resource.contains("/")
            else { continue }
            if seen.insert("\(m.group)/\(m.kind)").inserted { kinds.append((m.apiVersion, m.kind)) }
        }
        return kinds
    }

    /// GETs objects concurrently; absent ones (or of kinds not served yet) are left out.
    func getAll(_ refs: [ObjectRef]) async throws -> [(ObjectRef, Value)] {
        guard !refs.isEmpty else { return [] }
        return try await withThrowingTaskGroup(of: (ObjectRef, Value)?.self) { group in
            var out: [(ObjectRef, Value)] = []
            var next = refs.makeIterator()
            func addNext() -> Bool {
                guard let ref = next.next() else { return false }
                group.addTask {
                    do {
                        return (ref, try await client.get(ref))
                    } catch let e as StatusError where e.reason == .notFound {
                        return nil
                    } catch let e as KubeClientError where e.message.hasSuffix("does not serve this kind") {
                        return nil
                    }
                }
                return true
            }
            for _ in 0..<max(1, listConcurrency) where addNext() {}
            while let item = try await group.next() {
                if let item { out.append(item) }
                _ = addNext()
            }
            return out
        }
    }
}
