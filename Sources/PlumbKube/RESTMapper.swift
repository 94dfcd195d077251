import PlumbCore

/// Where the objects of one kind live in the API: `apps/v1` `Deployment` → `deployments`.
public struct RESTMapping: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    /// The plural resource name used in paths.
    public var resource: String
    public var namespaced: Bool
    public var verbs: [String]
    public var subresources: [String]

    public init(
        group: String, version: String, kind: String, resource: String, namespaced: Bool, verbs: [String] = [],
        subresources: [String] = []
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.resource = resource
        self.namespaced = namespaced
        self.verbs = verbs
        self.subresources = subresources
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The collection path: `/apis/apps/v1/namespaces/prod/deployments`, or across all
    /// namespaces (or cluster-scoped) when `namespace` is empty.
    public func collectionPath(namespace: String) -> String {
        let root = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced && !namespace.isEmpty {
            return "\(root)/namespaces/\(PathEscape.segment(namespace))/\(resource)"
        }
        return "\(root)/\(resource)"
    }

    /// The path of one object, optionally of one of its subresources (`status`).
    public func objectPath(namespace: String, name: String, subresource: String? = nil) -> String {
        var path = collectionPath(namespace: namespace) + "/" + PathEscape.segment(name)
        if let subresource { path += "/" + subresource }
        return path
    }
}

/// apiVersion + kind → resource, from one discovery snapshot.
public struct RESTMapper: Sendable {
    private var byKind: [GroupVersionKind: RESTMapping] = [:]

    public struct GroupVersionKind: Sendable, Hashable {
        public var group: String
        public var version: String
        public var kind: String
    }

    public init(_ mappings: [RESTMapping]) {
        for m in mappings {
            let key = GroupVersionKind(group: m.group, version: m.version, kind: m.kind)
            // Several resources can answer with one kind (e.g. `pods/status`); the top-level
            // resource comes first in discovery and wins.
            if byKind[key] == nil { byKind[key] = m }
        }
    }

    public var count: Int { byKind.count }

    /// Every mapping, in no particular order.
    public var mappings: [RESTMapping] { Array(byKind.values) }

    /// The mapping for an `apiVersion` and `kind`, or nil when the server does not serve it.
    public func mapping(apiVersion: String, kind: String) -> RESTMapping? {
        let (g, v) = ObjectRef.split(apiVersion: apiVersion)
        return byKind[GroupVersionKind(group: g, version: v, kind: kind)]
    }
}

/// Percent-encoding for path segments and query values.
enum PathEscape {
    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    static func segment(_ s: String) -> String { escape(s) }

    static func query(_ items: [(String, String)]) -> String {
        items.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            if unreserved.contains(byte) {
                out.append(Character(UnicodeScalar(byte)))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
