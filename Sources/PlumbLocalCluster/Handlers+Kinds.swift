import Foundation
import PlumbCore

/// What the built-in kinds need beyond the generic verbs: the verbs discovery lists for each
/// resource and subresource (anything else is 405, as kube-apiserver's router answers), the
/// kinds that are answered and not stored (reviews, bindings), componentstatuses, and the
/// subresources that need no running containers.
extension APIServer {
    /// The user the cluster's bearer token authenticates as: a cluster admin.
    static let userName = "plumb-local"
    static let userGroups = ["system:masters", "system:authenticated"]

    /// The verb a request is, as discovery names verbs; nil for a method no route takes.
    static func verb(_ request: APIRequest, _ t: Target) -> String? {
        switch (request.method, t.name, t.subresource) {
        case ("GET", nil, _): return request.flag("watch") ? "watch" : "list"
        case ("GET", _?, _): return "get"
        case ("POST", nil, nil), ("POST", _?, _?): return "create"
        case ("PUT", _?, _): return "update"
        case ("PATCH", _?, _): return "patch"
        case ("DELETE", _?, _): return "delete"
        case ("DELETE", nil, _): return "deletecollection"
        default: return nil
        }
    }

    /// Answers what the generic handlers do not, or nil to let them: a verb the resource does
    /// not serve, kinds that are not stored, and subresources other than status and finalize.
    func special(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult? {
        guard let verb = Self.verb(request, t) else { throw APIError.methodNotAllowed() }
        if let name = t.subresource {
            guard let sub = t.type.subresource(name), sub.verbs.contains(verb) else {
                throw APIError.methodNotAllowed()
            }
            return try await subresource(request, t, verb: verb)
        }
        guard t.type.verbs.contains(verb) else { throw APIError.methodNotAllowed() }
        switch (t.type.group, t.type.resource) {
        case ("", "componentstatuses"): return try componentStatuses(t)
        case ("", "bindings"): return try await bind(request, t, podName: nil)
        default: break
        }
        if !t.type.isStored { return try await review(request, t) }
        return nil
    }

    private func subresource(_ request: APIRequest, _ t: Target, verb: String) async throws(APIError) -> APIResult? {
        switch t.subresource ?? "" {
        case "status", "finalize":
            return nil
        case "scale":
            return try await scale(request, t)
        case "eviction":
            return try await evict(request, t)
        case "binding":
            var pods = t
            pods.subresource = nil
            return try await bind(request, pods, podName: t.name)
        case "approval":
            // A CertificateSigningRequest's approval writes its status conditions.
            var status = t
            status.subresource = "status"
            switch verb {
            case "get": return try await get(request, status)
            case "update": return try await update(request, status)
            default: return try await patch(request, status)
            }
        case "resize", "ephemeralcontainers":
            if verb == "get" { return try await get(request, t) }
            return try await podSubresourceWrite(request, t)
        case "token":
            return try await tokenRequest(request, t)
        case "log":
            guard let name = t.name, await store.get(t.type.groupResource, namespace: t.namespace, name: name) != nil
            else {
                throw APIError.notFound(t.type, t.name ?? "")
            }
            // No container runs here, so there is nothing to read.
            return .raw(status: 200, body: [], contentType: "text/plain")
        case "exec", "attach", "portforward":
            // kube-apiserver's answer to these without a SPDY or WebSocket upgrade.
            throw APIError.badRequest("Upgrade request required")
        default:
            // proxy: nothing listens behind a pod, node or service of the local cluster.
            throw APIError(
                code: 503, reason: "ServiceUnavailable",
                message:
                    "the local cluster runs no containers: \(t.type.resource)/\(t.subresource ?? "") is not available")
        }
    }

    /// The body of a write to a kind that is answered and not stored: an object of that kind.
    private func virtualBody(_ request: APIRequest, _ t: Target) throws(APIError) -> Value {
        let body = try request.jsonBody()
        guard case .object = body else {
            throw Validation.decodeError(t.type, "json: cannot unmarshal \(body.typeName) into Go value of type struct")
        }
        if let av = body["apiVersion"]?.stringValue, av != t.type.apiVersion {
            throw APIError.badRequest(
                "the API version in the data (\(av)) does not match the expected API version (\(t.type.apiVersion))")
        }
        if let kind = body["kind"]?.stringValue, kind != t.type.kind {
            throw APIError.badRequest(
                "the kind in the data (\(kind)) does not match the expected kind (\(t.type.kind))")
        }
        return body
    }

    /// TokenReview, SubjectAccessReview and the other reviews: the object comes back with the
    /// status the authenticator or authorizer gives. The cluster's one token is a cluster admin,
    /// so every access review is allowed.
    func review(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        let body = try virtualBody(request, t)
        var meta = body["metadata"]?.objectValue ?? ValueObject()
        if t.type.namespaced {
            if let ns = meta["namespace"]?.stringValue, !ns.isEmpty, ns != t.namespace {
                throw APIError.badRequest(
                    "the namespace of the provided object does not match the namespace sent on the request")
            }
            meta["namespace"] = .string(t.namespace)
        }
        func userInfo(_ u: ClusterUser) -> Value {
            ["username": .string(u.name), "groups": .array(u.groups.map { .string($0) })]
        }
        var status = ValueObject()
        switch t.type.kind {
        case "TokenReview":
            let presented = body[path: ["spec", "token"]]?.stringValue
            if let presented, let known = presented == token ? ClusterUser.admin : users[presented] {
                status["authenticated"] = true
                status["user"] = userInfo(known)
                let audiences = body[path: ["spec", "audiences"]]?.arrayValue ?? []
                status["audiences"] =
                    audiences.isEmpty ? ["https://kubernetes.default.svc.cluster.local"] : .array(audiences)
            } else {
                status["user"] = .object(ValueObject())
                status["error"] = "invalid bearer token"
            }
        case "SelfSubjectReview":
            status["userInfo"] = userInfo(request.user)
        case "SelfSubjectRulesReview":
            status["resourceRules"] = [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]]
            status["nonResourceRules"] = [["verbs": ["*"], "nonResourceURLs": ["*"]]]
            status["incomplete"] = false
        default:  // the access reviews: RBAC for the requester (Self) or for spec.user/groups
            var subject = request.user
            if t.type.kind != "SelfSubjectAccessReview" {
                subject = ClusterUser(
                    name: body[path: ["spec", "user"]]?.stringValue ?? "",
                    groups: (body[path: ["spec", "groups"]]?.arrayValue ?? []).compactMap(\.stringValue))
            }
            let attributes = body[path: ["spec", "resourceAttributes"]]
            status["allowed"] = .bool(await Self.allows(subject, attributes, store: store))
        }
        var out = ValueObject()
        out["kind"] = .string(t.type.kind)
        out["apiVersion"] = .string(t.type.apiVersion)
        out["metadata"] = .object(meta)
        out["spec"] = body["spec"] ?? .object(ValueObject())
        out["status"] = .object(status)
        return .created(.object(out))
    }

    /// An access review's `resourceAttributes` decided by RBAC; non-resource requests (the
    /// discovery and health paths) are open to every user, as the local cluster serves them.
    static func allows(_ user: ClusterUser, _ attributes: Value?, store: ClusterStore) async -> Bool {
        guard let attributes, attributes.objectValue != nil else { return true }
        func field(_ name: String) -> String { attributes[path: [name]]?.stringValue ?? "" }
        let subresource = field("subresource")
        let name = field("name")
        let request = AuthorizationRequest(
            user: user, verb: field("verb"), group: field("group"), resource: field("resource"),
            subresource: subresource.isEmpty ? nil : subresource, namespace: field("namespace"),
            name: name.isEmpty ? nil : name)
        return await RBACAuthorizer.allows(request, store: store)
    }

    /// `componentstatuses`: the control plane's parts, all healthy.
    func componentStatuses(_ t: Target) throws(APIError) -> APIResult {
        func item(_ name: String, _ message: String) -> Value {
            [
                "kind": "ComponentStatus", "apiVersion": "v1", "metadata": ["name": .string(name)],
                "conditions": [["type": "Healthy", "status": "True", "message": .string(message)]],
            ]
        }
        let items = [item("controller-manager", "ok"), item("etcd-0", "ok"), item("scheduler", "ok")]
        if let name = t.name {
            guard let found = items.first(where: { $0.meta("name") == name }) else {
                throw APIError.notFound(t.type, name)
            }
            return .ok(found)
        }
        return .ok([
            "kind": "ComponentStatusList", "apiVersion": "v1", "metadata": [:],
            "items": .array(items.map(Self.stripTypeMeta)),
        ])
    }

    /// A `Binding` (POST `bindings` or `pods/<name>/binding`): assigns the pod to its target node.
    func bind(_ request: APIRequest, _ pods: Target, podName: String?) async throws(APIError) -> APIResult {
        var t = pods
        if t.type.resource == "bindings",
            let podType = await store.types.lookup(group: "", version: "v1", resource: "pods")
        {
            t.type = podType
        }
        let body = try request.jsonBody()
        guard case .object = body else {
            throw Validation.decodeError(
                pods.type, "json: cannot unmarshal \(body.typeName) into Go value of type struct")
        }
        let name = podName ?? body.meta("name") ?? ""
        if let podName, let bodyName = body.meta("name"), bodyName != podName {
            throw APIError.badRequest("name in URL does not match name in Binding object")
        }
        let node = body[path: ["target", "name"]]?.stringValue ?? ""
        let dryRun = try request.isDryRun()
        try await store.bind(t, name: name, node: node, dryRun: dryRun)
        return .created(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201])
    }

    /// `serviceaccounts/<name>/token`: a TokenRequest answered with a token that this cluster accepts.
    func tokenRequest(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        guard let name = t.name, await store.get(t.type.groupResource, namespace: t.namespace, name: name) != nil else {
            throw APIError.notFound(t.type, t.name ?? "")
        }
        let body = try request.jsonBody()
        let seconds = body[path: ["spec", "expirationSeconds"]]?.intValue ?? 3600
        var spec = body["spec"]?.objectValue ?? ValueObject()
        spec["expirationSeconds"] = .int(seconds)
        if spec["audiences"] == nil { spec["audiences"] = ["https://kubernetes.default.svc.cluster.local"] }
        let expiry = ObjectMeta.timestamp(Date().addingTimeInterval(Double(seconds)))
        return .created([
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": ["name": .string(name), "namespace": .string(t.namespace)],
            "spec": .object(spec), "status": ["token": .string(token), "expirationTimestamp": .string(expiry)],
        ])
    }

    /// PUT or PATCH of `pods/<name>/resize` or `pods/<name>/ephemeralcontainers`: only the
    /// fields that subresource owns change (the containers' resources and resize policies; the
    /// ephemeral containers).
    func podSubresourceWrite(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        let options = try writeOptions(request)
        let body = try request.jsonBody()
        var kind: PatchKind? = nil
        if request.method == "PATCH" {
            guard let k = PatchKind(contentType: request.contentType), k != .apply else {
                throw APIError.unsupportedMediaType(request.contentType)
            }
            kind = k
        }
        let updated = try await store.podSubresourceWrite(t, body: body, patch: kind, options: options)
        simulation?.observe(t.type, updated)
        return .ok(updated)
    }
}

extension ClusterStore {
    /// Sets a pod's node, once.
    func bind(_ t: Target, name: String, node: String, dryRun: Bool) throws(APIError) {
        guard var pod = get(t.type.groupResource, namespace: t.namespace, name: name) else {
            throw APIError.notFound(t.type, name)
        }
        if node.isEmpty {
            throw APIError.invalid(
                kind: "Binding", group: "", name: name,
                causes: [.init(reason: "FieldValueRequired", message: "Required value", field: "target.name")])
        }
        if let current = pod[path: ["spec", "nodeName"]]?.stringValue, !current.isEmpty {
            throw APIError(
                code: 409, reason: "Conflict",
                message:
                    "Operation cannot be fulfilled on pods/binding \"\(name)\": pod \(name) is already assigned to node \"\(current)\"",
                name: name, kind: "pods/binding")
        }
        if dryRun { return }
        pod["spec"]?["nodeName"] = .string(node)
        try commit(t.type.groupResource, namespace: t.namespace, name: name, object: pod, event: "MODIFIED")
    }

    func podSubresourceWrite(_ t: Target, body: Value, patch: PatchKind?, options: WriteOptions) throws(APIError)
        -> Value
    {
        guard let name = t.name, let existing = get(t.type.groupResource, namespace: t.namespace, name: name) else {
            throw APIError.notFound(t.type, t.name ?? "")
        }
        let incoming: Value
        switch patch {
        case nil: incoming = body
        case .merge?: incoming = Patch.merge(existing, body)
        case .json?: incoming = try Patch.jsonPatch(existing, body)
        case .strategic?: incoming = StrategicMerge.apply(existing, body, schema: mergeSchema(for: t.type))
        case .apply?: throw APIError.unsupportedMediaType("application/apply-patch+yaml")
        }
        if let rv = incoming.meta("resourceVersion"), !rv.isEmpty, rv != existing.meta("resourceVersion") {
            throw APIError.conflict(t.type, name)
        }
        var object = existing
        if t.subresource == "ephemeralcontainers" {
            object["spec"]?["ephemeralContainers"] = incoming[path: ["spec", "ephemeralContainers"]]
        } else {
            let wanted = incoming[path: ["spec", "containers"]]?.arrayValue ?? []
            if var containers = existing[path: ["spec", "containers"]]?.arrayValue {
                for i in containers.indices {
                    guard let w = wanted.first(where: { $0["name"] == containers[i]["name"] }) else { continue }
                    containers[i]["resources"] = w["resources"]
                    if let policy = w["resizePolicy"] { containers[i]["resizePolicy"] = policy }
                }
                object["spec"]?["containers"] = .array(containers)
            }
        }
        var main = t
        main.subresource = nil
        return try replace(main, existing: existing, with: object, options: options)
    }
}
