import PlumbCore

/// The `scale` subresource (autoscaling/v1 Scale) of the kinds discovery lists it for:
/// Deployments, StatefulSets, ReplicaSets and ReplicationControllers, as `kubectl scale` and
/// autoscalers use it.
extension ResourceType {
    var hasScale: Bool { subresource("scale") != nil }
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
        let selector = scaleSelector(object[path: ["spec", "selector"]], plainMap: object["kind"]?.stringValue == "ReplicationController")
        var status = ValueObject()
        status["replicas"] = object[path: ["status", "replicas"]] ?? 0
        if !selector.isEmpty { status["selector"] = .string(selector) }
        return [
            "kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(meta),
            "spec": ["replicas": object[path: ["spec", "replicas"]] ?? 1], "status": .object(status),
        ]
    }
}

extension APIServer {
    /// `status.selector` of a Scale: the workload's selector as a string, as
    /// metav1.FormatLabelSelector writes a LabelSelector (`app=web,tier in (a,b)`), or a
    /// ReplicationController's plain map (`app=web`).
    static func scaleSelector(_ selector: Value?, plainMap: Bool) -> String {
        guard let selector else { return "" }
        if plainMap {
            let labels = selector.objectValue ?? ValueObject()
            return labels.sortedEntries.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ",")
        }
        // Requirements sorted by key, as labels.Selector prints them.
        var parts: [(key: String, text: String)] = []
        let labels = selector["matchLabels"]?.objectValue ?? ValueObject()
        for e in labels.sortedEntries { parts.append((e.key, "\(e.key)=\(e.value.stringValue ?? "")")) }
        for e in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = e["key"]?.stringValue ?? ""
            let values = (e["values"]?.arrayValue ?? []).compactMap(\.stringValue).sorted()
            switch e["operator"]?.stringValue ?? "" {
            case "In": parts.append((key, "\(key) in (\(values.joined(separator: ",")))"))
            case "NotIn": parts.append((key, "\(key) notin (\(values.joined(separator: ",")))"))
            case "Exists": parts.append((key, key))
            case "DoesNotExist": parts.append((key, "!\(key)"))
            default: continue
            }
        }
        return parts.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }
            .map(\.element.text).joined(separator: ",")
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
