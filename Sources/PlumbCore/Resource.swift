/// One Kubernetes-style object: its body, its `ObjectRef` and, when it came from a file,
/// where it was defined.
public struct Resource: Sendable, Hashable, CustomStringConvertible {
    public private(set) var body: Value
    public private(set) var ref: ObjectRef
    public var source: SourceLocation?

    /// Wraps an object body. Throws when the body is not an object or lacks `apiVersion`,
    /// `kind` or a name (`metadata.name`, or `metadata.generateName`).
    public init(_ body: Value, source: SourceLocation? = nil) throws(ResourceError) {
        guard case .object = body else {
            throw ResourceError(source: source, message: "a document must be an object, not \(body.typeName)")
        }
        guard let apiVersion = body["apiVersion"]?.stringValue, !apiVersion.isEmpty else {
            throw ResourceError(source: source, message: "object has no apiVersion")
        }
        guard let kind = body["kind"]?.stringValue, !kind.isEmpty else {
            throw ResourceError(source: source, message: "object has no kind")
        }
        let metadata = body["metadata"]
        if let metadata, metadata.objectValue == nil, !metadata.isNull {
            throw ResourceError(source: source, message: "\(apiVersion) \(kind): metadata must be an object")
        }
        let name = metadata?["name"]?.stringValue ?? ""
        if name.isEmpty && (metadata?["generateName"]?.stringValue ?? "").isEmpty {
            throw ResourceError(source: source, message: "\(apiVersion) \(kind): object has no metadata.name")
        }
        let namespace = metadata?["namespace"]?.stringValue ?? ""
        self.body = body
        self.ref = ObjectRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
        self.source = source
    }

    public var apiVersion: String { ref.apiVersion }
    public var kind: String { ref.kind }
    public var name: String { ref.name }
    public var namespace: String { ref.namespace }

    public var labels: [String: String] { Resource.stringMap(body[path: ["metadata", "labels"]]) }
    public var annotations: [String: String] { Resource.stringMap(body[path: ["metadata", "annotations"]]) }

    /// Sets the namespace of a namespaced object that did not name one.
    public mutating func setNamespace(_ namespace: String) {
        var metadata = body["metadata"]?.objectValue ?? ValueObject()
        metadata["namespace"] = .string(namespace)
        body["metadata"] = .object(metadata)
        ref.namespace = namespace
    }

    /// Sets one label, creating `metadata.labels` when needed.
    public mutating func setLabel(_ key: String, _ value: String) {
        setMetadataMap("labels", key, value)
    }

    /// Sets one annotation, creating `metadata.annotations` when needed.
    public mutating func setAnnotation(_ key: String, _ value: String) {
        setMetadataMap("annotations", key, value)
    }

    private mutating func setMetadataMap(_ field: String, _ key: String, _ value: String) {
        var metadata = body["metadata"]?.objectValue ?? ValueObject()
        var map = metadata[field]?.objectValue ?? ValueObject()
        map[key] = .string(value)
        metadata[field] = .object(map)
        body["metadata"] = .object(metadata)
    }

    public var description: String { ref.description }

    static func stringMap(_ v: Value?) -> [String: String] {
        guard let o = v?.objectValue else { return [:] }
        var out: [String: String] = [:]
        for e in o { if let s = e.value.stringValue { out[e.key] = s } }
        return out
    }
}

/// A document that is not a valid object, with the place it came from when known.
public struct ResourceError: Error, Sendable, CustomStringConvertible, Equatable {
    public var source: SourceLocation?
    public var message: String

    public init(source: SourceLocation?, message: String) {
        self.source = source
        self.message = message
    }

    public var description: String {
        if let source { return "\(source): \(message)" }
        return message
    }
}
