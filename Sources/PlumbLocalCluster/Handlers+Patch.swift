import PlumbCore

/// The patch formats the PATCH verb takes, by Content-Type.
enum PatchKind: Sendable {
    case merge, json, strategic, apply

    init?(contentType: String) {
        let media = contentType.split(separator: ";").first.map { String($0).trimmingSpaces() } ?? ""
        switch media {
        case "application/merge-patch+json": self = .merge
        case "application/json-patch+json": self = .json
        case "application/strategic-merge-patch+json": self = .strategic
        case "application/apply-patch+yaml", "application/apply-patch+cbor": self = .apply
        default: return nil
        }
    }
}

extension APIServer {
    func patch(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        guard let kind = PatchKind(contentType: request.contentType) else {
            throw APIError.unsupportedMediaType(request.contentType)
        }
        if kind == .strategic && t.type.definedBy != nil {
            throw APIError.unsupportedMediaType(request.contentType)
        }
        let options = try writeOptions(request)
        if kind != .apply && request.query["force"] != nil {
            throw APIError.invalid(
                kind: "PatchOptions", group: "meta.k8s.io", name: "",
                causes: [.init(reason: "FieldValueForbidden", message: "Forbidden: may not be specified for non-apply patch", field: "force")])
        }
        if kind == .apply {
            return try await apply(request, t, options: options)
        }
        var patch = try request.jsonBody()
        var warnings: [String] = []
        // A merge or strategic patch has the object's shape: its fields are the new ones to decode.
        if kind != .json { (patch, warnings) = try decodeFields(request, t, patch, optionsKind: "PatchOptions") }
        let (patched, admission) = try await admitted(request, t, options: options) { o throws(APIError) in
            try await store.patch(t, kind: kind, patch: patch, options: o)
        }
        simulation?.observe(t.type, patched)
        return Self.warned(.ok(patched), warnings + admission + Self.finalizerWarnings(patched, t))
    }
}

extension ClusterStore {
    /// Applies a merge, JSON or strategic patch to the stored object and stores the result
    /// under the update rules, in one isolated step (no lost updates).
    func patch(_ t: Target, kind: PatchKind, patch: Value, options: WriteOptions) throws(APIError) -> Value {
        guard let name = t.name else { throw APIError.methodNotAllowed() }
        guard let existing = get(t.type.groupResource, namespace: t.namespace, name: name) else {
            throw APIError.notFound(t.type, name)
        }
        let patched: Value
        switch kind {
        case .merge: patched = Patch.merge(existing, patch)
        case .json: patched = try Patch.jsonPatch(existing, patch)
        case .strategic: patched = StrategicMerge.apply(existing, patch, schema: mergeSchema(for: t.type))
        case .apply: throw APIError.unsupportedMediaType("application/apply-patch+yaml")
        }
        if let rv = patched.meta("resourceVersion"), !rv.isEmpty, rv != existing.meta("resourceVersion") {
            throw APIError.conflict(t.type, name)
        }
        var object = try admit(t, body: patched)
        if object.meta("name") != name {
            throw APIError.badRequest("the name of the object (\(object.meta("name") ?? "")) does not match the name on the URL (\(name))")
        }
        setMeta(&object, "resourceVersion", existing[path: ["metadata", "resourceVersion"]])
        return try replace(t, existing: existing, with: object, options: options)
    }
}
