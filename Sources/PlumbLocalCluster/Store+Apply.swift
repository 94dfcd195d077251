import Foundation
import PlumbCore
import PlumbYAML

extension APIServer {
    /// Server-side apply: PATCH with `application/apply-patch+yaml` (kubectl sends JSON in it).
    func apply(_ request: APIRequest, _ t: Target, options: WriteOptions) async throws(APIError) -> APIResult {
        // PatchOptions validation: a 422 naming the option, as kube-apiserver answers.
        guard let m = request.query["fieldManager"], !m.isEmpty else {
            throw APIError.invalid(
                kind: "PatchOptions", group: "meta.k8s.io", name: "",
                causes: [.init(reason: "FieldValueRequired", message: "Required value: is required for apply patch", field: "fieldManager")])
        }
        let config = try Self.applyConfiguration(request.body)
        let ((object, created), admission) = try await admitted(request, t, options: options, { o throws(APIError) in
            try await store.apply(t, config: config, options: o)
        }, object: \.0)
        simulation?.observe(t.type, object)
        return Self.warned(created ? .created(object) : .ok(object), admission + Self.finalizerWarnings(object, t))
    }

    /// The apply body: JSON when it is JSON, else a single YAML document.
    static func applyConfiguration(_ body: [UInt8]) throws(APIError) -> Value {
        if let v = try? JSONReader().parse(body) { return v }
        do {
            let docs = try YAML.parseDocuments(body, file: "apply")
            guard docs.count == 1, let doc = docs.first else {
                throw APIError.badRequest("error decoding YAML: the apply configuration must hold exactly one document")
            }
            return doc.value
        } catch let e as APIError {
            throw e
        } catch {
            throw APIError.badRequest("error decoding YAML: \(error)")
        }
    }
}

extension ClusterStore {
    /// Merges an apply configuration into the live object (or creates it), under the
    /// structured-merge rules of branch ssa's `ServerSideApply`. Returns the object and
    /// whether it was created.
    func apply(_ t: Target, config: Value, options: WriteOptions) throws(APIError) -> (Value, Bool) {
        guard let name = t.name else { throw APIError.methodNotAllowed() }
        guard case .object = config else { throw APIError.badRequest("the apply configuration is not an object") }
        if let av = config["apiVersion"]?.stringValue, av != t.type.apiVersion {
            throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(t.type.apiVersion))")
        }
        if let kind = config["kind"]?.stringValue, kind != t.type.kind {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(t.type.kind))")
        }
        if let n = config.meta("name"), n != name {
            throw APIError.badRequest("the name of the object (\(n)) does not match the name on the URL (\(name))")
        }
        let schema = mergeSchema(for: t.type)
        // The server types the configuration against its schema first, and refuses a field the schema does not declare.
        if let undeclared = BuiltinSchema.undeclaredFields(config, apiVersion: t.type.apiVersion, kind: t.type.kind, merge: schema),
            !undeclared.isEmpty
        {
            throw APIError.untypedPatch(namespace: config.meta("namespace") ?? "", name: name, type: t.type, errors: undeclared)
        }
        // Decoding into those types makes quantities canonical.
        var config = Normalize.canonicalQuantities(config)
        config["apiVersion"] = .string(t.type.apiVersion)
        config["kind"] = .string(t.type.kind)
        let existing = get(t.type.groupResource, namespace: t.namespace, name: name)
        let live = existing.map { o -> Value in
            var o = o
            setMeta(&o, "managedFields", nil)
            return o
        }
        let managed: [ManagedFieldsEntry]
        do {
            managed = try ManagedFieldsEntry.decode(existing?[path: ["metadata", "managedFields"]])
        } catch {
            managed = []
        }
        let result: (merged: Value, managedFields: [ManagedFieldsEntry])
        do {
            result = try ServerSideApply.apply(
                live: live, config: config, manager: options.fieldManager, force: options.force,
                managedFields: managed, schema: schema, time: ObjectMeta.timestamp(clock()),
                subresource: t.subresource ?? "", ignoring: Self.resetFields(t))
        } catch {
            throw Self.apiError(error, t.type, name)
        }
        if let existing {
            let object = try replace(t, existing: existing, with: result.merged, options: options, managedFields: result.managedFields)
            return (object, false)
        }
        guard t.subresource == nil else { throw APIError.notFound(t.type, name) }
        let object = try create(t, body: result.merged, options: options, managedFields: result.managedFields)
        return (object, true)
    }

    static func apiError(_ error: ApplyError, _ type: ResourceType, _ name: String) -> APIError {
        switch error {
        case .conflict(let c):
            return APIError(
                code: 409, reason: "Conflict", message: c.message,
                causes: c.causes.map { .init(reason: "FieldManagerConflict", message: $0.message, field: $0.field) })
        case .invalid(let m):
            return APIError.badRequest(m)
        }
    }

    /// Fields an endpoint resets, which nobody comes to own through it: status on the main
    /// resource of types with a status subresource, everything but status on /status.
    static func resetFields(_ t: Target) -> FieldSet {
        guard t.type.hasStatus else { return FieldSet() }
        if t.subresource == "status" {
            return FieldSet([FieldPath(fields: "spec")])
        }
        return FieldSet([FieldPath(fields: "status")])
    }

    /// The merge schema of a type: built-in tables, or the CRD's openAPIV3Schema.
    func mergeSchema(for type: ResourceType) -> MergeSchema {
        let key = "\(type.group)/\(type.version)/\(type.kind)"
        if let cached = schemaCache[key] { return cached }
        var schema = MergeSchema.forKind(group: type.group, kind: type.kind)
        if let crdName = type.definedBy,
            let crd = get(GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions"), namespace: "", name: crdName),
            let version = crd[path: ["spec", "versions"]]?.arrayValue?.first(where: { $0["name"]?.stringValue == type.version }),
            let openAPI = version[path: ["schema", "openAPIV3Schema"]]
        {
            schema = MergeSchema(openAPIV3Schema: openAPI)
        }
        schemaCache[key] = schema
        return schema
    }

    /// The managedFields a non-apply write leaves: the writer takes what it changed.
    func updatedManagedFields(_ t: Target, old: Value?, new: Value, manager: String) -> Value? {
        let managed = (try? ManagedFieldsEntry.decode(old?[path: ["metadata", "managedFields"]])) ?? []
        var plainNew = new
        setMeta(&plainNew, "managedFields", nil)
        let entries: [ManagedFieldsEntry]
        do {
            entries = try ServerSideApply.update(
                old: old, new: plainNew, manager: manager, managedFields: managed, schema: mergeSchema(for: t.type),
                time: ObjectMeta.timestamp(clock()), subresource: t.subresource ?? "", ignoring: Self.resetFields(t))
        } catch {
            return old?[path: ["metadata", "managedFields"]]
        }
        return entries.isEmpty ? nil : ManagedFieldsEntry.encode(entries)
    }
}
