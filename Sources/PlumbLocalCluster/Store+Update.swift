import Foundation
import PlumbCore

extension ClusterStore {
    /// PUT on an object or its status: optimistic concurrency on resourceVersion, system
    /// fields kept, status (or everything but status) carried over, generation bumped on spec changes.
    func update(_ t: Target, body: Value, options: WriteOptions) throws(APIError) -> Value {
        let type = t.type
        guard let name = t.name else { throw APIError.methodNotAllowed() }
        guard let existing = get(type.groupResource, namespace: t.namespace, name: name) else {
            throw APIError.notFound(type, name)
        }
        var object = try admit(t, body: body)
        if let bodyName = object.meta("name"), bodyName != name {
            throw APIError.badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
        setMeta(&object, "name", .string(name))
        if let rv = object.meta("resourceVersion"), !rv.isEmpty, rv != existing.meta("resourceVersion") {
            throw APIError.conflict(type, name)
        }
        return try replace(t, existing: existing, with: object, options: options)
    }

    /// Stores `object` over `existing` after the update rules; shared by PUT and PATCH.
    func replace(
        _ t: Target, existing: Value, with incoming: Value, options: WriteOptions, managedFields applied: [ManagedFieldsEntry]? = nil
    ) throws(APIError) -> Value {
        let type = t.type
        let name = existing.meta("name") ?? ""
        try Validation.checkUpdate(incoming, existing: existing, t: t)  // immutable fields
        var object: Value
        if t.subresource == "status" {
            object = existing
            object["status"] = incoming["status"]
        } else {
            object = incoming
            if type.hasStatus && t.subresource == nil {
                object["status"] = existing["status"]
            }
            if type.group.isEmpty && type.resource == "namespaces", t.subresource == "finalize" {
                object = existing
                object["spec"] = incoming["spec"]
            }
        }
        // System-owned metadata never comes from the client.
        for key in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace"] {
            setMeta(&object, key, existing[path: ["metadata", key]])
        }
        // An explicitly empty managedFields list resets ownership, as on the real server.
        let resetsOwnership = object[path: ["metadata", "managedFields"]] == .array([])
        try validate(object, type: type, name: name)
        Defaults.apply(&object, type: type)
        defaultCustomResource(&object, type: type)
        if type.group.isEmpty && type.resource == "services" {
            // clusterIP is immutable once allocated.
            if let ip = existing[path: ["spec", "clusterIP"]] {
                object["spec"]?["clusterIP"] = ip
                object["spec"]?["clusterIPs"] = existing[path: ["spec", "clusterIPs"]]
            }
            if var spec = object["spec"]?.objectValue {
                Defaults.setDefault(&spec, "ipFamilies", ["IPv4"])
                Defaults.setDefault(&spec, "ipFamilyPolicy", "SingleStack")
                object["spec"] = .object(spec)
            }
        }
        if type.group.isEmpty && type.resource == "namespaces" {
            var labels = object[path: ["metadata", "labels"]]?.objectValue ?? ValueObject()
            labels["kubernetes.io/metadata.name"] = .string(name)
            setMeta(&object, "labels", .object(labels))
        }
        if ObjectMeta.tracksGeneration(type), ObjectMeta.specPart(object) != ObjectMeta.specPart(existing) {
            let g = existing[path: ["metadata", "generation"]]?.intValue ?? 0
            setMeta(&object, "generation", .int(g + 1))
        }
        if type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions" {
            object["status"] = existing["status"]
            if t.subresource == "status" { object["status"] = incoming["status"] }
        }
        object = Normalize.canonicalQuantities(object)
        if let applied {
            setMeta(&object, "managedFields", applied.isEmpty ? nil : ManagedFieldsEntry.encode(applied))
        } else if resetsOwnership {
            setMeta(&object, "managedFields", nil)
        } else {
            var base = existing
            if ObjectMeta.comparable(object) == ObjectMeta.comparable(existing) { return existing }
            setMeta(&base, "managedFields", existing[path: ["metadata", "managedFields"]])
            setMeta(&object, "managedFields", updatedManagedFields(t, old: base, new: object, manager: options.fieldManager))
        }
        object = ObjectMeta.normalized(object)
        setMeta(&object, "resourceVersion", existing[path: ["metadata", "resourceVersion"]])
        if object == existing {
            return existing  // a no-op write: no new resourceVersion, no event
        }
        if options.dryRun { return object }
        // The last finalizer gone from an object being deleted: it goes now.
        if object.meta("deletionTimestamp") != nil && (object[path: ["metadata", "finalizers"]]?.arrayValue ?? []).isEmpty
            && !(type.group.isEmpty && type.resource == "namespaces")
        {
            let gone = try commit(type.groupResource, namespace: t.namespace, name: name, object: nil, event: "DELETED", deletedObject: object)
            try collectGarbage()
            return gone
        }
        let stored = try commit(type.groupResource, namespace: t.namespace, name: name, object: object, event: "MODIFIED")
        if type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions" {
            installIfEstablished(stored)
        }
        if stored.meta("deletionTimestamp") != nil { try collectGarbage() }
        return stored
    }
}
