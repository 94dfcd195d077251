import PlumbCore

/// One object while a kustomization renders: its value, where it came from, and the ids it
/// had before transformers renamed it (kustomize's previous ids, used to find references).
struct KustomizeResource {
    var value: Value
    var location: SourceLocation
    /// (name, namespace) before each rename or namespace change, oldest first.
    var previousIds: [(name: String, namespace: String)] = []
    /// Name prefixes and suffixes applied, innermost first (kustomize compares them to scope references).
    var prefixes: [String] = []
    var suffixes: [String] = []
    /// A generated ConfigMap or Secret that gets a content-hash name suffix at the end.
    var needsHash = false
    /// For generated objects: create, merge or replace.
    var behavior = "create"
    /// Map entries that share one YAML node in kustomize (see `KustomizeMapSetter`).
    var links: [[Link]] = []

    /// One entry of a map in the object: the map's path (`#n` for list item n) and the key.
    struct Link: Hashable {
        var path: [String]
        var key: String
    }

    /// Gives every entry linked to `link` the value `value`, as overwriting a shared node does.
    mutating func propagate(from link: Link, _ value: Value) {
        for group in links where group.contains(link) {
            for other in group where other != link { self.value.setEntry(other, value) }
        }
    }

    /// After a strategic merge patch: an entry the patch changed changes its linked entries.
    mutating func propagateChanges(from before: Value) {
        for group in links {
            for link in group {
                let old = before.entry(link)
                if let new = value.entry(link), new != old {
                    for other in group where other != link { value.setEntry(other, new) }
                    break
                }
            }
        }
    }

    var apiVersion: String { value["apiVersion"]?.stringValue ?? "" }
    var kind: String { value["kind"]?.stringValue ?? "" }
    var group: String { ObjectRef.split(apiVersion: apiVersion).0 }
    var version: String {
        let parts = apiVersion.split(separator: "/")
        return parts.last.map(String.init) ?? ""
    }
    var name: String { value["metadata"]?["name"]?.stringValue ?? "" }
    var namespace: String { value["metadata"]?["namespace"]?.stringValue ?? "" }
    var originalName: String { previousIds.first?.name ?? name }
    var originalNamespace: String { previousIds.first?.namespace ?? namespace }
    var isClusterScoped: Bool { KustomizeScope.isClusterScoped(group: group, kind: kind) }

    /// Every name the object had, current last.
    var allNames: [String] { previousIds.map(\.name) + [name] }

    /// `group/version/kind namespace/name`, the way errors name an object.
    var label: String {
        let ns = namespace.isEmpty ? "" : namespace + "/"
        return "\(apiVersion.isEmpty ? "" : apiVersion + " ")\(kind) \(ns)\(name)"
    }

    /// Renames the object, remembering the old id.
    mutating func rename(_ newName: String) {
        guard newName != name else { return }
        previousIds.append((name, namespace))
        value.setPath(["metadata", "name"], .string(newName))
    }

    /// Moves the object to a namespace, remembering the old id.
    mutating func setNamespace(_ newNamespace: String) {
        guard newNamespace != namespace else { return }
        previousIds.append((name, namespace))
        value.setPath(["metadata", "namespace"], .string(newNamespace))
    }

    /// The object's current identity as one string (group, kind, namespace with "" as "default", name).
    var idKey: String {
        let ns = isClusterScoped ? "" : (namespace.isEmpty ? "default" : namespace)
        return group + "|" + kind + "|" + ns + "|" + name
    }

    /// Whether this and `other` are the same object (kind and group, namespace, name) now.
    func sameId(_ other: KustomizeResource) -> Bool {
        kind == other.kind && group == other.group && name == other.name
            && KustomizeResource.sameNamespace(namespace, other.namespace)
    }

    /// Kustomize treats an empty namespace and `default` as the same.
    static func sameNamespace(_ a: String, _ b: String) -> Bool {
        (a.isEmpty ? "default" : a) == (b.isEmpty ? "default" : b)
    }
}

extension Value {
    /// The value of a linked map entry, or nil where it is gone.
    func entry(_ link: KustomizeResource.Link) -> Value? {
        var current = self
        for step in link.path {
            if step.hasPrefix("#"), let i = Int(step.dropFirst()) {
                guard let a = current.arrayValue, i < a.count else { return nil }
                current = a[i]
            } else {
                guard let next = current[step] else { return nil }
                current = next
            }
        }
        return current[link.key]
    }

    /// Sets a linked map entry where it still exists.
    mutating func setEntry(_ link: KustomizeResource.Link, _ newValue: Value) {
        setEntry(link.path[...], link.key, newValue)
    }

    private mutating func setEntry(_ path: ArraySlice<String>, _ key: String, _ newValue: Value) {
        guard let step = path.first else {
            if self[key] != nil { self[key] = newValue }
            return
        }
        if step.hasPrefix("#"), let i = Int(step.dropFirst()) {
            guard case .array(var a) = self, i < a.count else { return }
            self = .null
            a[i].setEntry(path.dropFirst(), key, newValue)
            self = .array(a)
        } else {
            guard case .object(var o) = self, var child = o[step] else { return }
            self = .null
            child.setEntry(path.dropFirst(), key, newValue)
            o[step] = child
            self = .object(o)
        }
    }

    /// Sets the value at a path of object keys, creating objects on the way.
    mutating func setPath(_ path: [String], _ newValue: Value) {
        guard let first = path.first else {
            self = newValue
            return
        }
        guard case .object(var o) = self else {
            var fresh = Value.object(ValueObject())
            fresh.setPath(path, newValue)
            self = fresh
            return
        }
        self = .null
        var child = o[first] ?? .object(ValueObject())
        if path.count == 1 {
            child = newValue
        } else {
            if case .object = child {} else { child = .object(ValueObject()) }
            child.setPath(Array(path.dropFirst()), newValue)
        }
        o[first] = child
        self = .object(o)
    }
}

/// Which kinds have no namespace: Kubernetes' cluster-scoped built-in kinds (kustomize reads
/// them from its built-in OpenAPI schema); anything else, custom resources included, is namespaced.
enum KustomizeScope {
    static let clusterScoped: Set<String> = [
        "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
        "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
        "apiextensions.k8s.io/CustomResourceDefinition", "storage.k8s.io/StorageClass",
        "storage.k8s.io/CSIDriver", "storage.k8s.io/CSINode", "storage.k8s.io/VolumeAttachment",
        "scheduling.k8s.io/PriorityClass", "networking.k8s.io/IngressClass",
        "apiregistration.k8s.io/APIService", "admissionregistration.k8s.io/MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding", "node.k8s.io/RuntimeClass",
        "policy/PodSecurityPolicy", "certificates.k8s.io/CertificateSigningRequest",
        "flowcontrol.apiserver.k8s.io/FlowSchema", "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
        "authentication.k8s.io/TokenReview", "authentication.k8s.io/SelfSubjectReview",
        "authorization.k8s.io/SubjectAccessReview", "authorization.k8s.io/SelfSubjectAccessReview",
        "authorization.k8s.io/SelfSubjectRulesReview", "extensions/PodSecurityPolicy",
        "networking.k8s.io/IPAddress", "networking.k8s.io/ServiceCIDR",
    ]

    static func isClusterScoped(group: String, kind: String) -> Bool {
        clusterScoped.contains(group + "/" + kind)
    }
}
