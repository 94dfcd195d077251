import PlumbCore

extension KubeClient {
    /// The ref of an object body; throws a one-line error for a body that is not an object.
    func ref(of object: Value) throws -> ObjectRef {
        do {
            return try Resource(object).ref
        } catch {
            throw KubeClientError(message: error.description)
        }
    }

    /// Query items every mutation shares: the field manager and `dryRun=All`.
    func mutationQuery(dryRun: Bool, fieldManager: String? = nil) -> [(String, String)] {
        var q: [(String, String)] = [("fieldManager", fieldManager ?? options.fieldManager)]
        if dryRun { q.append(("dryRun", "All")) }
        return q
    }

    /// Server-side apply: PATCH with `application/apply-patch+yaml` (a JSON body is YAML),
    /// owned by `fieldManager` (default `plumb`); `force` takes fields from other managers.
    public func apply(
        _ object: Value, force: Bool = false, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws -> Value {
        let (request, ref) = try await applyRequest(object, force: force, dryRun: dryRun, fieldManager: fieldManager)
        return try await performJSON(request, object: ref)
    }

    /// Server-side apply for a caller that does not need the stored object back: the same
    /// request and errors as `apply`, but the answer's body is not read.
    public func applyDiscardingResult(
        _ object: Value, force: Bool = false, dryRun: Bool = false, fieldManager: String? = nil
    ) async throws {
        let (request, ref) = try await applyRequest(object, force: force, dryRun: dryRun, fieldManager: fieldManager)
        _ = try await perform(request, object: ref)
    }

    private func applyRequest(
        _ object: Value, force: Bool, dryRun: Bool, fieldManager: String?
    ) async throws -> (KubeRequest, ObjectRef) {
        let ref = try ref(of: object)
        let (mapping, namespace) = try await locate(ref)
        var query = mutationQuery(dryRun: dryRun, fieldManager: fieldManager)
        if force { query.append(("force", "true")) }
        let path = mapping.objectPath(namespace: namespace, name: ref.name) + "?" + PathEscape.query(query)
        let request = KubeRequest(
            method: "PATCH", path: path, headers: [HTTPHeader("Content-Type", "application/apply-patch+yaml")],
            body: try JSONWriter().bytes(object))
        return (request, located(ref, namespace))
    }

    /// Creates an object (POST to its collection).
    public func create(_ object: Value, dryRun: Bool = false) async throws -> Value {
        let ref = try ref(of: object)
        let (mapping, namespace) = try await locate(ref)
        let path = mapping.collectionPath(namespace: namespace) + "?" + PathEscape.query(mutationQuery(dryRun: dryRun))
        let request = KubeRequest(
            method: "POST", path: path, headers: [HTTPHeader("Content-Type", "application/json")],
            body: try JSONWriter().bytes(object))
        return try await performJSON(request, object: located(ref, namespace))
    }

    /// Replaces an object (PUT); its `metadata.resourceVersion`, when set, must be current.
    public func update(_ object: Value, dryRun: Bool = false) async throws -> Value {
        try await put(object, subresource: nil, dryRun: dryRun)
    }

    /// Replaces an object's status subresource (PUT `.../status`).
    public func updateStatus(_ object: Value, dryRun: Bool = false) async throws -> Value {
        try await put(object, subresource: "status", dryRun: dryRun)
    }

    private func put(_ object: Value, subresource: String?, dryRun: Bool) async throws -> Value {
        let ref = try ref(of: object)
        let (mapping, namespace) = try await locate(ref)
        let path = mapping.objectPath(namespace: namespace, name: ref.name, subresource: subresource) + "?"
            + PathEscape.query(mutationQuery(dryRun: dryRun))
        let request = KubeRequest(
            method: "PUT", path: path, headers: [HTTPHeader("Content-Type", "application/json")],
            body: try JSONWriter().bytes(object))
        return try await performJSON(request, object: located(ref, namespace))
    }
}
