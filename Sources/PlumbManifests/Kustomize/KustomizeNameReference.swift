import PlumbCore

/// Fixes names that refer to renamed objects (prefix, suffix, hash, namespace), as kustomize's
/// `nameref` filter does once at the end of a build: a referring field holding an object's old
/// name gets its current name (and, for `name`/`namespace` maps like RBAC subjects, its namespace).
enum KustomizeNameReference {
    /// What the filter needs of each object, read once.
    struct Target {
        var kind: String
        var group: String
        var name: String
        var namespace: String
        var originalNamespace: String
        var previousNames: Set<String>
        var isClusterScoped: Bool
        var prefixes: [String]
        var suffixes: [String]
        var label: String
    }

    static func fix(_ resources: inout [KustomizeResource]) throws(ManifestError) {
        let targets = resources.map { r in
            Target(
                kind: r.kind, group: r.group, name: r.name, namespace: r.namespace,
                originalNamespace: r.originalNamespace,
                previousNames: Set(r.previousIds.map(\.name)), isClusterScoped: r.isClusterScoped, prefixes: r.prefixes,
                suffixes: r.suffixes, label: r.label)
        }
        // Only objects that were renamed or moved can be referred to by an old name.
        let renamed = targets.indices.filter { !targets[$0].previousNames.isEmpty }
        guard !renamed.isEmpty else { return }
        for i in resources.indices {
            let referrer = resources[i]
            var candidates: [Int]?
            for referral in KustomizeNameReferenceTable.referrals {
                for spec in referral.referrers where spec.selects(referrer) {
                    if candidates == nil { candidates = subset(renamed, targets, targets[i], referrer.value) }
                    let context = Context(
                        referrer: targets[i], referrerValue: referrer.value, referral: referral, targets: targets,
                        candidates: candidates ?? [], isRoleRef: spec.path.suffix(2) == ["roleRef", "name"],
                        location: referrer.location)
                    try spec.visit(&resources[i].value) { (node: inout Value) throws(ManifestError) in
                        try context.set(&node)
                    }
                }
            }
        }
    }

    /// The objects a referrer could name: cluster-scoped ones, those in its namespace, and for
    /// role bindings those in the namespaces of their service account subjects.
    static func subset(_ indices: [Int], _ targets: [Target], _ referrer: Target, _ value: Value) -> [Int] {
        if referrer.isClusterScoped { return indices }
        var bindingNamespaces: Set<String> = []
        if referrer.kind == "RoleBinding" || referrer.kind == "ClusterRoleBinding" {
            for subject in value["subjects"]?.arrayValue ?? [] where subject["kind"]?.stringValue == "ServiceAccount" {
                if let ns = subject["namespace"]?.stringValue { bindingNamespaces.insert(ns) }
            }
        }
        return indices.filter { i in
            let t = targets[i]
            return t.isClusterScoped || KustomizeResource.sameNamespace(t.namespace, referrer.namespace)
                || bindingNamespaces.contains(t.namespace)
        }
    }

    struct Context {
        var referrer: Target
        var referrerValue: Value
        var referral: KustomizeNameReferenceTable.Referral
        var targets: [Target]
        var candidates: [Int]
        var isRoleRef: Bool
        var location: SourceLocation

        func set(_ node: inout Value) throws(ManifestError) {
            switch node {
            case .string(let old):
                if let r = try select(old, candidates), targets[r].name != old { node = .string(targets[r].name) }
            case .object:
                try setMapping(&node)
            case .array(var items):
                for j in items.indices {
                    switch items[j] {
                    case .string(let old):
                        if let r = try select(old, candidates), targets[r].name != old {
                            items[j] = .string(targets[r].name)
                        }
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
                let original = candidates.filter { targets[$0].originalNamespace == ns }
                subset = original.isEmpty ? candidates.filter { targets[$0].namespace == ns } : original
            }
            guard let i = try select(old, subset) else { return }
            let r = targets[i]
            if r.name == old && r.namespace.isEmpty { return }
            node["name"] = .string(r.name)
            if !r.namespace.isEmpty { node["namespace"] = .string(r.namespace) }
        }

        private func select(_ old: String, _ list: [Int]) throws(ManifestError) -> Int? {
            var c = list.filter { i in
                let r = targets[i]
                return r.kind == referral.kind && r.previousNames.contains(old)
                    && (referral.group == nil || r.group == referral.group)
            }
            if c.isEmpty { return nil }
            if isRoleRef, let roleRef = referrerValue["roleRef"], let kind = roleRef["kind"]?.stringValue,
                let group = roleRef["apiGroup"]?.stringValue
            {
                c = c.filter { targets[$0].kind == kind && targets[$0].group == group }
            }
            if !referrer.isClusterScoped {
                c = c.filter {
                    let t = targets[$0]
                    return t.isClusterScoped || t.kind == "ServiceAccount"
                        || KustomizeResource.sameNamespace(t.namespace, referrer.namespace)
                }
            }
            if c.count == 1 { return c[0] }
            c = c.filter {
                sameEnding(targets[$0].prefixes, referrer.prefixes)
                    && sameEnding(targets[$0].suffixes, referrer.suffixes)
            }
            if c.count == 1 { return c[0] }
            guard let first = c.first else { return nil }
            if c.allSatisfy({ targets[$0].name == targets[first].name }) { return first }
            throw ManifestError(
                file: location.file, line: location.line, column: location.column,
                message:
                    "\(referrer.label): the name \"\(old)\" could refer to any of \(c.map { targets[$0].label }.joined(separator: ", "))"
            )
        }

        /// kustomize's `SameEndingSubSlice`: the shorter list is the end of the longer one.
        private func sameEnding(_ a: [String], _ b: [String]) -> Bool {
            let (short, long) = a.count <= b.count ? (a, b) : (b, a)
            if short.isEmpty { return long.isEmpty }
            return Array(long.suffix(short.count)) == short
        }
    }
}
