import PlumbCore

/// The `scale` subresource of Deployments, StatefulSets and ReplicaSets (autoscaling/v1 Scale),
/// as `kubectl scale` and autoscalers use it.
extension ResourceType {
    var hasScale: Bool {
        group == "apps" && ["deployments", "statefulsets", "replicasets"].contains(resource)
    }
}

extension APIServer {
    func scale(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        guard let name = t.name else { throw APIError.methodNotAllowed() }
        switch request.method {
        case "GET":
            guard let object = await store.get(t.type.groupResource, namespace: t.namespace, name: name) else {
                throw APIError.notFound(t.type, name)
            }
            return .ok(Self.scaleObject(object))
        case "PUT", "PATCH":
            let options = try writeOptions(request)
            let body = try request.jsonBody()
            let patchKind: PatchKind?
            if request.method == "PATCH" {
                guard let k = PatchKind(contentType: request.contentType), k != .apply else {
                    throw APIError.unsupportedMediaType(request.contentType)
                }
                patchKind = k
            } else {
                patchKind = nil
            }
            let updated = try await store.setScale(t, body: body, patch: patchKind, options: options)
            simulation?.observe(t.type, updated)
            return .ok(Self.scaleObject(updated))
        default:
            throw APIError.methodNotAllowed()
        }
    }

    /// The Scale view of a workload.
    static func scaleObject(_ object: Value) -> Value {
        var meta = ValueObject()
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let v = object[path: ["metadata", key]] { meta[key] = v }
        }
        let labels = object[path: ["spec", "selector", "matchLabels"]]?.objectValue ?? ValueObject()
        let selector = labels.sortedEntries.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
        var status = ValueObject()
        status["replicas"] = object[path: ["status", "replicas"]] ?? 0
        if !selector.isEmpty { status["selector"] = .string(selector) }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(meta),
            "spec": ["replicas": object[path: ["spec", "replicas"]] ?? 1], "status": .object(status),
        ]
    }
}

extension ClusterStore {
    /// Writes `spec.replicas` from a Scale body (PUT) or a patch of the Scale view (PATCH).
    func setScale(_ t: Target, body: Value, patch: PatchKind?, options: WriteOptions) throws(APIError) -> Value {
        guard let name = t.name else { throw APIError.methodNotAllowed() }
        guard let existing = get(t.type.groupResource, namespace: t.namespace, name: name) else {
            throw APIError.notFound(t.type, name)
        }
        let current = APIServer.scaleObject(existing)
        let scale: Value
        switch patch {
        case nil: scale = body
        case .merge?, .strategic?: scale = Patch.merge(current, body)
        case .json?: scale = try Patch.jsonPatch(current, body)
        case .apply?: throw APIError.unsupportedMediaType("application/apply-patch+yaml")
        }
        if let rv = scale.meta("resourceVersion"), !rv.isEmpty, rv != existing.meta("resourceVersion") {
            throw APIError.conflict(t.type, name)
        }
        guard let replicas = scale[path: ["spec", "replicas"]]?.intValue, replicas >= 0 else {
            throw APIError.invalid(
                kind: "Scale", group: "autoscaling", name: name,
                causes: [.init(reason: "FieldValueInvalid", message: "Invalid value: \(scale[path: ["spec", "replicas"]].map { (try? JSONWriter().string($0)) ?? "" } ?? "null"): must be greater than or equal to 0", field: "spec.replicas")])
        }
        var object = existing
        object["spec"]?["replicas"] = .int(replicas)
        var main = t
        main.subresource = nil
        return try replace(main, existing: existing, with: object, options: options)
    }
}
