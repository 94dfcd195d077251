import Foundation
import PlumbCore

/// `DeleteOptions` as the body or the query gives them.
struct DeleteOptions: Sendable {
    enum Propagation: String, Sendable { case foreground = "Foreground", background = "Background", orphan = "Orphan" }
    var propagation: Propagation?
    var dryRun = false
    var preconditionUID: String?
    var preconditionResourceVersion: String?
}

extension ClusterStore {
    /// DELETE one object. Objects with finalizers (or a Foreground delete) get a
    /// deletionTimestamp and stay until their finalizers are gone; the rest go at once.
    /// Returns the object (when it stays) or a Success Status.
    func delete(_ t: Target, options: DeleteOptions) throws(APIError) -> (status: Int, body: Value) {
        let type = t.type
        guard let name = t.name else { throw APIError.methodNotAllowed() }
        guard var object = get(type.groupResource, namespace: t.namespace, name: name) else {
            throw APIError.notFound(type, name)
        }
        if let uid = options.preconditionUID, uid != object.meta("uid") {
            throw APIError(
                code: 409, reason: "Conflict",
                message: "Operation cannot be fulfilled on \(APIError.qualified(type.resource, type.group)) \"\(name)\": Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.meta("uid") ?? "")",
                name: name, group: type.group, kind: type.resource)
        }
        if let rv = options.preconditionResourceVersion, rv != object.meta("resourceVersion") {
            throw APIError(
                code: 409, reason: "Conflict",
                message: "Operation cannot be fulfilled on \(APIError.qualified(type.resource, type.group)) \"\(name)\": Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(object.meta("resourceVersion") ?? "")",
                name: name, group: type.group, kind: type.resource)
        }
        if object.meta("deletionTimestamp") != nil {
            return (200, object)  // already being deleted
        }
        let isNamespace = type.group.isEmpty && type.resource == "namespaces"
        if isNamespace && ["default", "kube-system", "kube-public"].contains(name) {
            throw APIError(
                code: 403, reason: "Forbidden", message: "namespaces \"\(name)\" is forbidden: this namespace may not be deleted",
                name: name, kind: "namespaces")
        }
        var finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        let policy = options.propagation ?? .background
        if policy == .foreground && !finalizers.contains("foregroundDeletion") {
            finalizers.append("foregroundDeletion")
        }
        if policy == .orphan && !options.dryRun {
            try orphanDependents(of: object.meta("uid") ?? "")
        }
        if isNamespace || !finalizers.isEmpty {
            setMeta(&object, "deletionTimestamp", .string(ObjectMeta.timestamp(clock())))
            setMeta(&object, "deletionGracePeriodSeconds", .int(0))
            if !finalizers.isEmpty { setMeta(&object, "finalizers", .array(finalizers)) }
            if isNamespace { object["status"] = ["phase": "Terminating"] }
            object = ObjectMeta.normalized(object)
            if options.dryRun { return (200, object) }
            let stored = try commit(type.groupResource, namespace: t.namespace, name: name, object: object, event: "MODIFIED")
            try collectGarbage()
            return (200, stored)
        }
        if options.dryRun { return (200, success(type, name: name, uid: object.meta("uid"))) }
        try remove(type, namespace: t.namespace, object: object)
        try collectGarbage()
        return (200, success(type, name: name, uid: object.meta("uid")))
    }

    /// The Status a finished delete answers with.
    func success(_ type: ResourceType, name: String, uid: String?) -> Value {
        var details = ValueObject()
        details["name"] = .string(name)
        if !type.group.isEmpty { details["group"] = .string(type.group) }
        details["kind"] = .string(type.resource)
        if let uid { details["uid"] = .string(uid) }
        return ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": .object(details)]
    }

    /// Removes an object for good, with what goes with it (a CRD's types and objects, a Service's IP).
    func remove(_ type: ResourceType, namespace: String, object: Value) throws(APIError) {
        let name = object.meta("name") ?? ""
        if type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions" {
            if let group = object[path: ["spec", "group"]]?.stringValue,
                let plural = object[path: ["spec", "names", "plural"]]?.stringValue
            {
                let gr = GroupResource(group: group, resource: plural)
                for (_, cr) in list(gr, namespace: nil) {
                    try commit(gr, namespace: cr.meta("namespace") ?? "", name: cr.meta("name") ?? "", object: nil, event: "DELETED", deletedObject: cr)
                }
            }
            types.remove(crd: name)
            schemaCache.removeAll()
        }
        if type.group.isEmpty && type.resource == "services", let ip = object[path: ["spec", "clusterIP"]]?.stringValue {
            clusterIPs.release(ip)
        }
        try commit(type.groupResource, namespace: namespace, name: name, object: nil, event: "DELETED", deletedObject: object)
    }

    /// Orphan deletion: dependents lose their ownerReference to the deleted owner.
    func orphanDependents(of uid: String) throws(APIError) {
        for (gr, objectsOfType) in objects {
            for (_, object) in objectsOfType {
                guard let refs = object[path: ["metadata", "ownerReferences"]]?.arrayValue,
                    refs.contains(where: { $0["uid"]?.stringValue == uid })
                else { continue }
                var o = object
                let kept = refs.filter { $0["uid"]?.stringValue != uid }
                setMeta(&o, "ownerReferences", kept.isEmpty ? nil : .array(kept))
                try commit(gr, namespace: o.meta("namespace") ?? "", name: o.meta("name") ?? "", object: o, event: "MODIFIED")
            }
        }
    }

    /// One garbage-collector and namespace-controller sweep, repeated until nothing changes:
    /// terminating namespaces are emptied then removed, dependents whose owners are gone (or
    /// deleting in the foreground) are deleted, and foreground owners go once their dependents have.
    func collectGarbage() throws(APIError) {
        for _ in 0..<64 {
            var changed = false
            var byUID: [String: (GroupResource, Value)] = [:]
            for (gr, objectsOfType) in objects {
                for (_, o) in objectsOfType { if let uid = o.meta("uid") { byUID[uid] = (gr, o) } }
            }
            var ownersWithDependents: Set<String> = []
            for (gr, objectsOfType) in objects {
                for (_, o) in objectsOfType {
                    guard let refs = o[path: ["metadata", "ownerReferences"]]?.arrayValue, !refs.isEmpty else { continue }
                    let owners = refs.compactMap { $0["uid"]?.stringValue }
                    owners.forEach { ownersWithDependents.insert($0) }
                    let alive = owners.filter { uid in
                        guard let (_, owner) = byUID[uid] else { return false }
                        let fins = owner[path: ["metadata", "finalizers"]]?.arrayValue ?? []
                        return !(owner.meta("deletionTimestamp") != nil && fins.contains("foregroundDeletion"))
                    }
                    if alive.isEmpty && o.meta("deletionTimestamp") == nil {
                        if try deleteForGC(gr, o) { changed = true }
                    }
                }
            }
            let namespaces = GroupResource(group: "", resource: "namespaces")
            for (gr, objectsOfType) in objects {
                for (_, stale) in objectsOfType where stale.meta("deletionTimestamp") != nil {
                    guard let o = get(gr, namespace: stale.meta("namespace") ?? "", name: stale.meta("name") ?? "") else { continue }
                    var fins = o[path: ["metadata", "finalizers"]]?.arrayValue ?? []
                    if gr == namespaces {
                        let ns = o.meta("name") ?? ""
                        if try deleteContents(of: ns) { changed = true }
                        if fins.isEmpty && !hasObjects(in: ns) {
                            try commit(gr, namespace: "", name: o.meta("name") ?? "", object: nil, event: "DELETED", deletedObject: o)
                            changed = true
                        }
                        continue
                    }
                    guard fins.contains("foregroundDeletion"), !ownersWithDependents.contains(o.meta("uid") ?? "") else { continue }
                    fins.removeAll { $0 == "foregroundDeletion" }
                    var updated = o
                    setMeta(&updated, "finalizers", fins.isEmpty ? nil : .array(fins))
                    let ns = o.meta("namespace") ?? ""
                    if fins.isEmpty, let type = types.anyVersion(of: gr) {
                        try remove(type, namespace: ns, object: updated)
                    } else {
                        try commit(gr, namespace: ns, name: o.meta("name") ?? "", object: updated, event: "MODIFIED")
                    }
                    changed = true
                }
            }
            if !changed { return }
        }
    }

    /// Deletes a dependent the way the garbage collector does (a background delete).
    private func deleteForGC(_ gr: GroupResource, _ o: Value) throws(APIError) -> Bool {
        guard let type = types.anyVersion(of: gr), let name = o.meta("name"),
            get(gr, namespace: o.meta("namespace") ?? "", name: name) != nil
        else { return false }
        let t = Target(type: type, namespace: o.meta("namespace") ?? "", name: name, subresource: nil)
        _ = try delete(t, options: DeleteOptions())
        return true
    }

    /// Deletes what is not yet being deleted in a namespace; true when it deleted anything.
    private func deleteContents(of ns: String) throws(APIError) -> Bool {
        var deleted = false
        for gr in Array(objects.keys) {
            guard let type = types.anyVersion(of: gr), type.namespaced else { continue }
            for (_, o) in list(gr, namespace: ns) where o.meta("deletionTimestamp") == nil {
                if try deleteForGC(gr, o) { deleted = true }
            }
        }
        return deleted
    }

    private func hasObjects(in ns: String) -> Bool {
        let prefix = ns + "/"
        for (gr, objs) in objects where types.anyVersion(of: gr)?.namespaced ?? true {
            if objs.keys.contains(where: { $0.hasPrefix(prefix) }) { return true }
        }
        return false
    }
}
