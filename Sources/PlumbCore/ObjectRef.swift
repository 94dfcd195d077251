/// Names one object: group, version, kind, namespace (empty when cluster-scoped) and name.
/// Printed the way every Plumb message names an object: `apps/v1 Deployment prod/web`.
public struct ObjectRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String
    public var namespace: String
    public var name: String

    public init(group: String, version: String, kind: String, namespace: String = "", name: String) {
        self.group = group
        self.version = version
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// Splits an `apiVersion` such as `apps/v1` or `v1` into group and version.
    public init(apiVersion: String, kind: String, namespace: String = "", name: String) {
        let (g, v) = ObjectRef.split(apiVersion: apiVersion)
        self.init(group: g, version: v, kind: kind, namespace: namespace, name: name)
    }

    public static func split(apiVersion: String) -> (group: String, version: String) {
        if let slash = apiVersion.lastIndex(of: "/") {
            return (String(apiVersion[..<slash]), String(apiVersion[apiVersion.index(after: slash)...]))
        }
        return ("", apiVersion)
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `namespace/name`, or just the name for a cluster-scoped object.
    public var qualifiedName: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    public var description: String { "\(apiVersion) \(kind) \(qualifiedName)" }

    /// The same object whatever API version names it: group, kind, namespace and name.
    public var identity: ObjectIdentity { ObjectIdentity(group: group, kind: kind, namespace: namespace, name: name) }

    /// By group, kind, namespace, name, then version; each compared by UTF-8 bytes (the names
    /// the API allows are ASCII), which plans of thousands of objects sort much faster.
    public static func < (a: ObjectRef, b: ObjectRef) -> Bool {
        if let order = ObjectRef.order(a.group, b.group) ?? ObjectRef.order(a.kind, b.kind)
            ?? ObjectRef.order(a.namespace, b.namespace) ?? ObjectRef.order(a.name, b.name)
        {
            return order
        }
        return ObjectRef.order(a.version, b.version) ?? false
    }

    /// nil when equal, else whether `x` comes first.
    @inline(__always) static func order(_ x: String, _ y: String) -> Bool? {
        x == y ? nil : x.utf8.lexicographicallyPrecedes(y.utf8)
    }
}

/// An object's identity across API versions: `apps/v1` and `apps/v1beta2` Deployments with the
/// same namespace and name are one object.
public struct ObjectIdentity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var kind: String
    public var namespace: String
    public var name: String

    public var description: String {
        let gk = group.isEmpty ? kind : "\(kind).\(group)"
        return namespace.isEmpty ? "\(gk) \(name)" : "\(gk) \(namespace)/\(name)"
    }

    public static func < (a: ObjectIdentity, b: ObjectIdentity) -> Bool {
        (a.group, a.kind, a.namespace, a.name) < (b.group, b.kind, b.namespace, b.name)
    }
}
