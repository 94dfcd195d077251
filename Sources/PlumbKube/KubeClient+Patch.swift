import PlumbCore

/// A patch other than server-side apply.
public enum Patch: Sendable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`).
    case merge(Value)
    /// RFC 6902 JSON patch (`application/json-patch+json`): a list of operations.
    case json([Value])
    /// Kubernetes strategic merge patch (`application/strategic-merge-patch+json`).
    case strategicMerge(Value)

    var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        }
    }

    var body: Value {
        switch self {
        case .merge(let v), .strategicMerge(let v): return v
        case .json(let ops): return .array(ops)
        }
    }
}

extension KubeClient {
    /// Patches an object, or its `subresource` (e.g. `status`), as `fieldManager` (default `plumb`).
    public func patch(
        _ ref: ObjectRef, _ patch: Patch, subresource: String? = nil, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Value {
        let (mapping, namespace) = try await locate(ref)
        let path = mapping.objectPath(namespace: namespace, name: ref.name, subresource: subresource) + "?"
            + PathEscape.query(mutationQuery(dryRun: dryRun, fieldManager: fieldManager))
        let request = KubeRequest(
            method: "PATCH", path: path, headers: [HTTPHeader("Content-Type", patch.contentType)],
            body: try JSONWriter().bytes(patch.body))
        return try await performJSON(request, object: located(ref, namespace))
    }
}
