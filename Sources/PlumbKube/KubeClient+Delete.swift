import PlumbCore

/// How to delete: propagation of dependents and preconditions.
public struct DeleteOptions: Sendable {
    public enum Propagation: String, Sendable {
        case foreground = "Foreground", background = "Background", orphan = "Orphan"
    }

    public var propagationPolicy: Propagation?
    /// Delete only if the object still has this uid.
    public var preconditionUID: String?
    /// Delete only if the object is still at this resourceVersion.
    public var preconditionResourceVersion: String?
    public var gracePeriodSeconds: Int?

    public init(
        propagationPolicy: Propagation? = nil, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, gracePeriodSeconds: Int? = nil
    ) {
        self.propagationPolicy = propagationPolicy
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.gracePeriodSeconds = gracePeriodSeconds
    }

    var body: Value {
        var o: Value = ["kind": "DeleteOptions", "apiVersion": "v1"]
        if let p = propagationPolicy { o["propagationPolicy"] = .string(p.rawValue) }
        if let g = gracePeriodSeconds { o["gracePeriodSeconds"] = .int(Int64(g)) }
        if preconditionUID != nil || preconditionResourceVersion != nil {
            var pre: Value = [:]
            if let uid = preconditionUID { pre["uid"] = .string(uid) }
            if let rv = preconditionResourceVersion { pre["resourceVersion"] = .string(rv) }
            o["preconditions"] = pre
        }
        return o
    }
}

extension KubeClient {
    /// Deletes an object; returns what the server answered (the object while finalizers
    /// run, or a `Status`). Throws `StatusError` `.notFound` when it is already gone.
    @discardableResult
    public func delete(_ ref: ObjectRef, options: DeleteOptions = DeleteOptions(), dryRun: Bool = false)
        async throws -> Value
    {
        let (mapping, namespace) = try await locate(ref)
        var path = mapping.objectPath(namespace: namespace, name: ref.name)
        if dryRun { path += "?dryRun=All" }
        let request = KubeRequest(
            method: "DELETE", path: path, headers: [HTTPHeader("Content-Type", "application/json")],
            body: try JSONWriter().bytes(options.body))
        return try await performJSON(request, object: located(ref, namespace))
    }
}
