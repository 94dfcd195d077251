import PlumbCore

/// What a sync deployed, for a CMDB: the objects of one audit record (created, configured or
/// unchanged, that is, live after it) and the container images they run, as a CycloneDX 1.5
/// BOM or as JSON lines (`plumb audit export --format cyclonedx|jsonl --revision`).
public struct AuditInventory: Sendable {
    public var record: AuditRecord

    public init(record: AuditRecord) { self.record = record }

    /// The objects live after the sync: not pruned, failed or skipped.
    public var deployed: [AuditObjectEntry] {
        record.objects.filter { $0.action == .created || $0.action == .configured || $0.action == .unchanged }
    }

    /// One JSON object per deployed object: the record, app, revision, the object's reference,
    /// action and images.
    public var jsonLines: [String] {
        deployed.map { o in
            AuditChain.canonicalJSON([
                "record": .int(record.id), "app": .string(record.app), "revision": .string(record.revision),
                "target": .string(record.target), "apiVersion": .string(o.ref.apiVersion), "kind": .string(o.ref.kind),
                "namespace": .string(o.ref.namespace), "name": .string(o.ref.name),
                "action": .string(o.action.rawValue),
                "images": .array(o.images.map(Value.string)),
            ])
        }
    }

    /// A CycloneDX 1.5 BOM: the app as `metadata.component` (type `application`, its version
    /// the revision); each Kubernetes object a component of type `data` holding one
    /// `configuration`; each image a component of type `container` (with its SHA-256 digest as
    /// a hash and a `pkg:oci` purl when the reference pins one); and dependencies from each
    /// object to the images it runs. The serial number is derived from the record's hash, so
    /// exporting the same record twice gives the same BOM.
    public func cycloneDX(tool: String, toolVersion: String) -> Value {
        var components: [Value] = []
        var dependencies: [Value] = []
        var imageRefs: [String: String] = [:]
        var imageComponents: [Value] = []
        for o in deployed {
            let ref = "k8s:\(o.ref.apiVersion)/\(o.ref.kind)/\(o.ref.namespace)/\(o.ref.name)"
            var properties: [Value] = [
                Self.property("plumb:k8s:apiVersion", o.ref.apiVersion), Self.property("plumb:k8s:kind", o.ref.kind),
                Self.property("plumb:action", o.action.rawValue),
            ]
            if !o.ref.namespace.isEmpty {
                properties.insert(Self.property("plumb:k8s:namespace", o.ref.namespace), at: 2)
            }
            var component: [String: Value] = [
                "type": "data", "bom-ref": .string(ref), "name": .string(o.ref.name),
                "group": .string(o.ref.namespace.isEmpty ? o.ref.kind : "\(o.ref.namespace)/\(o.ref.kind)"),
                "description": .string(o.ref.description),
                "data": [["type": "configuration", "name": .string(o.ref.description)]],
                "properties": .array(properties),
            ]
            if record.result == .dryRun { component["scope"] = "excluded" }
            components.append(
                .object(
                    ValueObject(
                        uniqueEntries: component.sorted { $0.key < $1.key }.map {
                            ValueObject.Entry(key: $0.key, value: $0.value)
                        })))
            var dependsOn: [Value] = []
            for image in o.images {
                let parsed = ImageReference(image)
                let bomRef = "image:\(image)"
                if imageRefs[image] == nil {
                    imageRefs[image] = bomRef
                    imageComponents.append(parsed.component(bomRef: bomRef))
                }
                dependsOn.append(.string(bomRef))
            }
            if !dependsOn.isEmpty { dependencies.append(["ref": .string(ref), "dependsOn": .array(dependsOn)]) }
        }
        let appRef = "app:\(record.app)"
        dependencies.insert(
            [
                "ref": .string(appRef),
                "dependsOn": .array(
                    deployed.map {
                        .string("k8s:\($0.ref.apiVersion)/\($0.ref.kind)/\($0.ref.namespace)/\($0.ref.name)")
                    }),
            ], at: 0)
        return [
            "bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": .string(serialNumber), "version": 1,
            "metadata": [
                "timestamp": .string((record.endedAt ?? record.startedAt).iso8601),
                "tools": [
                    "components": [["type": "application", "name": .string(tool), "version": .string(toolVersion)]]
                ],
                "component": [
                    "type": "application", "bom-ref": .string(appRef), "name": .string(record.app),
                    "version": .string(record.revision),
                    "properties": [
                        Self.property("plumb:audit:record", String(record.id)),
                        Self.property("plumb:audit:hash", record.hash),
                        Self.property("plumb:result", record.result.rawValue), Self.property("plumb:repo", record.repo),
                        Self.property("plumb:target", record.target), Self.property("plumb:author", record.author),
                    ],
                ],
            ],
            "components": .array(components + imageComponents), "dependencies": .array(dependencies),
        ]
    }

    /// `urn:uuid:` with the shape of RFC 4122 (version 5, variant 1) from the record's hash.
    var serialNumber: String {
        var hex = Array((record.hash.count >= 32 ? record.hash : AuditChain.sha256(.string("\(record.id)"))).prefix(32))
        hex[12] = "5"
        hex[16] = "8"
        let s = String(hex)
        func part(_ a: Int, _ b: Int) -> Substring { s.dropFirst(a).prefix(b - a) }
        return "urn:uuid:\(part(0, 8))-\(part(8, 12))-\(part(12, 16))-\(part(16, 20))-\(part(20, 32))"
    }

    static func property(_ name: String, _ value: String) -> Value { ["name": .string(name), "value": .string(value)] }
}

/// A container image reference split as the OCI distribution reference grammar does:
/// `[registry/]repository[:tag][@algorithm:digest]`.
struct ImageReference {
    var registry: String?
    var repository: String
    var tag: String?
    var digest: String?

    init(_ text: String) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        // A tag is after the last colon that follows the last slash (a registry port is before it).
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let parts = rest.split(separator: "/", maxSplits: 1)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = String(parts[0])
            repository = String(parts[1])
        } else {
            repository = String(rest)
        }
    }

    func component(bomRef: String) -> Value {
        var o: [String: Value] = [
            "type": "container", "bom-ref": .string(bomRef),
            "name": .string((registry.map { $0 + "/" } ?? "") + repository),
        ]
        if let version = tag ?? digest { o["version"] = .string(version) }
        if let digest, digest.hasPrefix("sha256:") {
            let hex = String(digest.dropFirst("sha256:".count))
            o["hashes"] = [["alg": "SHA-256", "content": .string(hex)]]
            // purl-spec's oci type: the last path segment as name, the digest as version.
            let name = repository.split(separator: "/").last.map { $0.lowercased() } ?? repository
            var qualifiers: [String] = [
                "repository_url="
                    + ((registry ?? "docker.io") + "/"
                    + (registry == nil && !repository.contains("/") ? "library/" : "") + repository).lowercased()
            ]
            if let tag { qualifiers.append("tag=" + tag) }
            o["purl"] = .string("pkg:oci/\(name)@sha256%3A\(hex)?\(qualifiers.joined(separator: "&"))")
        }
        return .object(
            ValueObject(
                uniqueEntries: o.sorted { $0.key < $1.key }.map { ValueObject.Entry(key: $0.key, value: $0.value) }))
    }
}
