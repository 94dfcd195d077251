import PlumbCore

/// One served resource: its group/version, plural and singular names, kind and discovery facts.
/// The built-ins (`ResourceType+Builtins.swift`) are generated from captured discovery documents.
public struct ResourceType: Sendable, Hashable {
    public var group: String
    public var version: String
    public var resource: String
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]
    public var shortNames: [String]
    public var categories: [String]
    public var hasStatus: Bool
    public var storageVersionHash: String
    /// The CRD that defines this type, or nil for a built-in.
    public var definedBy: String? = nil
    /// A CRD version's `additionalPrinterColumns`, for Table output.
    public var printerColumns: [Value] = []
    /// The subresources discovery lists, in its order (`status`, `scale`, `eviction`, ...).
    public var subresources: [Subresource] = []

    /// One subresource as discovery names it: `pods/eviction` answers a `policy/v1 Eviction`.
    public struct Subresource: Sendable, Hashable {
        /// `status`, `scale`, ...
        public var name: String
        /// The group and version of the kind it answers; empty for the resource's own.
        public var group: String
        public var version: String
        public var kind: String
        public var verbs: [String]
    }

    /// The subresource called `name`, if discovery lists one.
    public func subresource(_ name: String) -> Subresource? { subresources.first { $0.name == name } }

    /// Whether objects of this type are stored: kinds whose only verb is `create` (TokenReview,
    /// SubjectAccessReview, Binding, ...) are answered and forgotten.
    public var isStored: Bool { verbs.contains("get") || verbs.contains("list") }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var listKind: String { kind + "List" }
    /// The key objects of this type are stored under (version-independent).
    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }
}

/// A group and a plural resource name: the identity of a stored collection.
public struct GroupResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var resource: String
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}
