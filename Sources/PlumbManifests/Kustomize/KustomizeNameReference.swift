import PlumbCore

/// Fixes names that refer to renamed objects (prefix, suffix, hash, namespace), as kustomize's
/// `nameref` filter does once at the end of a build: a referring field holding an object's old
/// name gets its current name (and, for `name`/`namespace` maps like RBAC subjects, its namespace).
enum KustomizeNameReference {
    static func fix(_ resources: inout [KustomizeResource]) throws(ManifestError) {
        let all = resources
        for i in resources.indices {
            let referrer = all[i]
            var candidates: [KustomizeResource]?
            for referral in KustomizeNameReferenceTable.referrals {
                for spec in referral.referrers where spec.selects(referrer) {
                    if candidates == nil { candidates = subset(all, referrer) }
                    let context = Context(
                        referrer: referrer, referral: referral, candidates: candidates ?? [],
                        isRoleRef: spec.path.suffix(2) == ["roleRef", "name"])
                    try spec.visit(&resources[i].value) { (node: inout Value) throws(ManifestError) in
                        try context.set(&node)
                    }
                }
            }
        }
    }

    /// The objects a referrer could name: cluster-scoped ones, those in its namespace, and for
    /// role bindings those in the namespaces of their service account subjects.
    static func subset(_ all: [KustomizeResource], _ referrer: KustomizeResource) -> [KustomizeResource] {
        if referrer.isClusterScoped { return all }
        var bindingNamespaces: Set<String> = []
        if referrer.kind == "RoleBinding" || referrer.kind == "ClusterRoleBinding" {
            for subject in referrer.value["subjects"]?.arrayValue ?? [] where subject["kind"]?.stringValue == "ServiceAccount" {
                if let ns = subject["namespace"]?.stringValue { bindingNamespaces.insert(ns) }
            }
        }
        return all.filter { t in
            t.isClusterScoped || KustomizeResource.sameNamespace(t.namespace, referrer.namespace)
                || bindingNamespaces.contains(t.namespace)
        }
    }

    struct Context {
        var referrer: KustomizeResource
        var referral: KustomizeNameReferenceTable.Referral
        var candidates: [KustomizeResource]
        var isRoleRef: Bool

        func set(_ node: inout Value) throws(ManifestError) {
            switch node {
            case .string(let old):
                if let r = try select(old, candidates), r.name != old { node = .string(r.name) }
            case .object:
                try setMapping(&node)
            case .array(var items):
                for j in items.indices {
                    switch items[j] {
                    case .string(let old):
                        if let r = try select(old, candidates), r.name != old { items[j] = .string(r.name) }
                    case .object:
                        try setMapping(&items[j])
                    default: break
                    }
                }
                node = .array(items)
            default: break
            }
        }

        private func setMapping(_ node: inout Value) throws(ManifestError) {
            guard let old = node["name"]?.stringValue else { return }
            var subset = candidates
            if let ns = node["namespace"]?.stringValue {
                let original = candidates.filter { $0.originalNamespace == ns }
                subset = original.isEmpty ? candidates.filter { $0.namespace == ns } : original
            }
            guard let r = try select(old, subset) else { return }
            if r.name == old && r.namespace.isEmpty { return }
            node["name"] = .string(r.name)
            if !r.namespace.isEmpty { node["namespace"] = .string(r.namespace) }
        }

        private func select(_ old: String, _ list: [KustomizeResource]) throws(ManifestError) -> KustomizeResource? {
            var c = list.filter { r in
                r.previousIds.contains { $0.name == old } && r.kind == referral.kind
                    && (referral.group == nil || r.group == referral.group)
            }
            if isRoleRef, let roleRef = referrer.value["roleRef"], let kind = roleRef["kind"]?.stringValue,
                let group = roleRef["apiGroup"]?.stringValue
            {
                c = c.filter { $0.kind == kind && $0.group == group }
            }
            if !referrer.isClusterScoped {
                c = c.filter {
                    $0.isClusterScoped || $0.kind == "ServiceAccount"
                        || KustomizeResource.sameNamespace($0.namespace, referrer.namespace)
                }
            }
            if c.count == 1 { return c[0] }
            c = c.filter {
                sameEnding($0.prefixes, referrer.prefixes) && sameEnding($0.suffixes, referrer.suffixes)
            }
            if c.count == 1 { return c[0] }
            guard let first = c.first else { return nil }
            if c.allSatisfy({ $0.name == first.name }) { return first }
            throw ManifestError(
                file: referrer.location.file, line: referrer.location.line, column: referrer.location.column,
                message: "\(referrer.label): the name \"\(old)\" could refer to any of \(c.map(\.label).joined(separator: ", "))")
        }

        /// kustomize's `SameEndingSubSlice`: the shorter list is the end of the longer one.
        private func sameEnding(_ a: [String], _ b: [String]) -> Bool {
            let (short, long) = a.count <= b.count ? (a, b) : (b, a)
            if short.isEmpty { return long.isEmpty }
            return Array(long.suffix(short.count)) == short
        }
    }
}
