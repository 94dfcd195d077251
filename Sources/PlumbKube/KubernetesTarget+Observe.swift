import PlumbCore
import PlumbEngine

extension KubernetesTarget {
    /// Lists, per kind, the objects labelled `plumb.dev/app=<app>` (the desired kinds and every
    /// other listable kind the server serves, for prune candidates), then GETs the desired
    /// objects not found that way: they may exist without Plumb's labels.
    /// Without `pruneCandidates` only the desired kinds are listed: a sync or diff that does not
    /// prune saves a list request for every other kind the server serves.
    public func observe(_ desired: [Resource], app: String, pruneCandidates: Bool) async throws -> Observation {
        let selector = "\(SyncLabels.app)=\(app)"
        let kinds = try await observedKinds(desired, allServed: pruneCandidates)
        var labelled: [Value] = []
        try await withThrowingTaskGroup(of: [Value].self) { group in
            var next = kinds.makeIterator()
            func addNext() -> Bool {
                guard let kind = next.next() else { return false }
                group.addTask {
                    do {
                        return try await client.list(apiVersion: kind.apiVersion, kind: kind.kind, labelSelector: selector).items
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

    /// The kinds to list: those of `desired` first, then every other kind that can be listed
    /// and deleted (one version per group and kind), without events.
    func observedKinds(_ desired: [Resource], allServed: Bool = true) async throws -> [(apiVersion: String, kind: String)] {
        var seen = Set<String>()
        var kinds: [(apiVersion: String, kind: String)] = []
        for r in desired where seen.insert("\(r.ref.group)/\(r.kind)").inserted {
            kinds.append((r.apiVersion, r.kind))
        }
        guard allServed else { return kinds }
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
