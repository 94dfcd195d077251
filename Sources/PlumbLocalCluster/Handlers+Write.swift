import Foundation
import PlumbCore

extension APIServer {
    /// The field manager a non-apply write is recorded under: `fieldManager`, else the
    /// User-Agent's product token, else `unknown` (as kube-apiserver derives it).
    func fieldManager(_ request: APIRequest) -> String {
        if let m = request.query["fieldManager"], !m.isEmpty { return m }
        let product = request.userAgent.split(separator: "/").first.map(String.init) ?? ""
        return product.isEmpty ? "unknown" : String(product.prefix(128))
    }

    func writeOptions(_ request: APIRequest) throws(APIError) -> WriteOptions {
        var o = WriteOptions()
        o.dryRun = try request.isDryRun()
        o.fieldManager = fieldManager(request)
        o.force = request.flag("force")
        if let m = request.query["fieldManager"], m.utf8.count > 128 {
            throw APIError(code: 422, reason: "Invalid", message: "fieldManager: Too long: may not be more than 128 bytes")
        }
        return o
    }

    func create(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        guard t.subresource == nil else { throw APIError.methodNotAllowed() }
        let options = try writeOptions(request)
        let (body, warnings) = try decodeFields(request, t, try request.jsonBody(), optionsKind: "CreateOptions")
        let (created, admission) = try await admitted(request, t, options: options) { o throws(APIError) in
            try await store.create(t, body: body, options: o)
        }
        simulation?.observe(t.type, created)
        return Self.warned(.created(created), warnings + admission + Self.finalizerWarnings(created, t))
    }

    func update(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        let options = try writeOptions(request)
        let (body, warnings) = try decodeFields(request, t, try request.jsonBody(), optionsKind: "UpdateOptions")
        let (updated, admission) = try await admitted(request, t, options: options) { o throws(APIError) in
            try await store.update(t, body: body, options: o)
        }
        simulation?.observe(t.type, updated)
        return Self.warned(.ok(updated), warnings + admission + Self.finalizerWarnings(updated, t))
    }

    /// Decodes a create, update or patch body under `fieldValidation`: a field the kind's
    /// schema does not declare fails the request (`Strict`), is dropped with a warning (`Warn`,
    /// the default) or is dropped (`Ignore`), as kube-apiserver's decoder does.
    func decodeFields(_ request: APIRequest, _ t: Target, _ body: Value, optionsKind: String) throws(APIError) -> (Value, [String]) {
        let directive = request.query["fieldValidation"].flatMap { $0.isEmpty ? nil : $0 } ?? "Warn"
        guard ["Ignore", "Warn", "Strict"].contains(directive) else {
            let message = "Unsupported value: \"\(directive)\": supported values: \"Ignore\", \"Strict\", \"Warn\""
            throw APIError.invalid(
                kind: optionsKind, group: "meta.k8s.io", name: "",
                causes: [.init(reason: "FieldValueNotSupported", message: message, field: "fieldValidation")])
        }
        guard let (unknown, known) = BuiltinSchema.unknownFields(body, apiVersion: t.type.apiVersion, kind: t.type.kind), !unknown.isEmpty
        else { return (body, []) }
        let found = unknown.map { "unknown field \"\($0)\"" }
        switch directive {
        case "Strict":
            throw APIError.badRequest(
                "\(t.type.kind) in version \"\(t.type.version)\" cannot be handled as a \(t.type.kind): strict decoding error: "
                    + found.joined(separator: ", "))
        case "Warn": return (known, found)
        default: return (known, [])
        }
    }

    static func warned(_ result: APIResult, _ warnings: [String]) -> APIResult {
        warnings.isEmpty ? result : .warned(result, warnings: warnings)
    }

    /// The finalizers of a custom resource that are neither standard nor qualified with a path
    /// (`metadata.finalizers: "cleanup": prefer a domain-qualified finalizer name including a
    /// path (/) ...`), which apiextensions-apiserver warns of on every write.
    static func finalizerWarnings(_ object: Value, _ t: Target) -> [String] {
        guard t.type.definedBy != nil, let finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue else { return [] }
        return finalizers.compactMap(\.stringValue).filter { !$0.contains("/") && !standardFinalizers.contains($0) }.map {
            "metadata.finalizers: \(ClusterResponder.quoted($0)): prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers"
        }
    }

    static let standardFinalizers: Set<String> = ["kubernetes", "orphan", "foregroundDeletion"]

    func delete(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        let options = try deleteOptions(request)
        let admission = try await admitDelete(request, t, options: options)
        let (status, body) = try await store.delete(t, options: options)
        return Self.warned(.json(status: status, body: body, contentType: "application/json"), admission)
    }

    func deleteOptions(_ request: APIRequest) throws(APIError) -> DeleteOptions {
        var options = DeleteOptions()
        options.dryRun = try request.isDryRun()
        var policy = request.query["propagationPolicy"]
        if !request.body.isEmpty {
            let body = try request.jsonBody()
            if let p = body["propagationPolicy"]?.stringValue { policy = p }
            if let orphan = body["orphanDependents"]?.boolValue, policy == nil { policy = orphan ? "Orphan" : "Background" }
            if let uid = body[path: ["preconditions", "uid"]]?.stringValue { options.preconditionUID = uid }
            if let rv = body[path: ["preconditions", "resourceVersion"]]?.stringValue { options.preconditionResourceVersion = rv }
            if let dry = body["dryRun"]?.arrayValue, dry.contains("All") { options.dryRun = true }
        }
        if let policy {
            guard let p = DeleteOptions.Propagation(rawValue: policy) else {
                throw APIError(
                    code: 422, reason: "Invalid",
                    message: "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"\(policy)\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"",
                    kind: "DeleteOptions",
                    causes: [.init(reason: "FieldValueNotSupported", message: "Unsupported value: \"\(policy)\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\"", field: "propagationPolicy")])
            }
            options.propagation = p
        }
        return options
    }

    /// DELETE on a collection: every object the selectors match, answered with the list of them.
    func deleteCollection(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        guard t.type.verbs.contains("deletecollection") else { throw APIError.methodNotAllowed() }
        let labels = try LabelSelector(parsing: request.query["labelSelector"] ?? "")
        let fields = try FieldSelector(parsing: request.query["fieldSelector"] ?? "")
        let options = try deleteOptions(request)
        let admission = try await admitDeleteCollection(request, t, labels: labels, fields: fields, options: options)
        let (items, rv) = try await store.deleteCollection(t, labels: labels, fields: fields, options: options)
        return Self.warned(.ok([
            "kind": .string(t.type.listKind), "apiVersion": .string(t.type.apiVersion),
            "metadata": ["resourceVersion": .string(String(rv))], "items": .array(items.map(Self.stripTypeMeta)),
        ]), admission)
    }
}

extension ClusterStore {
    func deleteCollection(_ t: Target, labels: LabelSelector, fields: FieldSelector, options: DeleteOptions) throws(APIError) -> ([Value], Int64) {
        var deleted: [Value] = []
        for (_, object) in list(t.type.groupResource, namespace: t.namespace.isEmpty ? nil : t.namespace)
        where labels.matches(object) && fields.matches(object) {
            var one = t
            one.name = object.meta("name")
            _ = try delete(one, options: options)
            deleted.append(object)
        }
        return (deleted, resourceVersion)
    }
}
