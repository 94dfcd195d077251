import Foundation
import PlumbCore

/// How one write was asked for.
struct WriteOptions: Sendable {
    var dryRun = false
    /// The manager recorded in managedFields.
    var fieldManager = "unknown"
    var force = false
}

extension ClusterStore {
    /// POST: validates, defaults, allocates and stores a new object; returns it.
    func create(_ t: Target, body: Value, options: WriteOptions, managedFields: [ManagedFieldsEntry]? = nil) throws(APIError) -> Value {
        var object = try admit(t, body: body)
        let type = t.type
        var name = object.meta("name") ?? ""
        if name.isEmpty, let prefix = object.meta("generateName"), !prefix.isEmpty {
            for _ in 0..<8 {
                name = prefix + ObjectMeta.randomSuffix()
                if get(type.groupResource, namespace: t.namespace, name: name) == nil { break }
            }
            setMeta(&object, "name", .string(name))
        }
        if name.isEmpty {
            throw APIError.invalid(
                kind: type.kind, group: type.group, name: "",
                causes: [.init(reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name")])
        }
        try requireNamespace(t, name: name)
        try validate(object, type: type, name: name)
        if get(type.groupResource, namespace: t.namespace, name: name) != nil {
            throw APIError.alreadyExists(type, name)
        }
        let now = clock()
        setMeta(&object, "uid", .string(ObjectMeta.uid()))
        setMeta(&object, "creationTimestamp", .string(ObjectMeta.timestamp(now)))
        setMeta(&object, "resourceVersion", nil)
        setMeta(&object, "deletionTimestamp", nil)
        setMeta(&object, "deletionGracePeriodSeconds", nil)
        setMeta(&object, "generation", ObjectMeta.tracksGeneration(type) ? .int(1) : nil)
        if type.hasStatus {
            // Built-in strategies reset status on create; custom resources drop it.
            object["status"] = type.definedBy == nil ? .object(ValueObject()) : nil
        }
        prepareCreate(&object, type: type, name: name)
        Defaults.apply(&object, type: type)
        defaultCustomResource(&object, type: type)
        if type.group.isEmpty && type.resource == "services" {
            try allocateClusterIP(&object, dryRun: options.dryRun)
        }
        if type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions" {
            CustomResources.initialStatus(&object)
        }
        object = Normalize.canonicalQuantities(object)
        if let managedFields {
            setMeta(&object, "managedFields", managedFields.isEmpty ? nil : ManagedFieldsEntry.encode(managedFields))
        } else {
            setMeta(&object, "managedFields", updatedManagedFields(t, old: nil, new: object, manager: options.fieldManager))
        }
        object = ObjectMeta.normalized(object)
        if options.dryRun { return object }
        let stored = try commit(type.groupResource, namespace: t.namespace, name: name, object: object, event: "ADDED")
        if type.group == "apiextensions.k8s.io" && type.resource == "customresourcedefinitions" {
            scheduleEstablishment(of: name)
        }
        return stored
    }

    /// The checks every write body goes through: shape, types, apiVersion/kind, namespace.
    func admit(_ t: Target, body: Value) throws(APIError) -> Value {
        guard case .object = body else {
            throw Validation.decodeError(t.type, "json: cannot unmarshal \(body.typeName) into Go value of type struct")
        }
        try Validation.checkTypes(body, type: t.type)
        var object = body
        if let av = body["apiVersion"]?.stringValue, av != t.type.apiVersion {
            throw APIError.badRequest("the API version in the data (\(av)) does not match the expected API version (\(t.type.apiVersion))")
        }
        if let kind = body["kind"]?.stringValue, kind != t.type.kind {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(t.type.kind))")
        }
        object["kind"] = .string(t.type.kind)
        object["apiVersion"] = .string(t.type.apiVersion)
        if object["metadata"] == nil { object["metadata"] = .object(ValueObject()) }
        if t.type.namespaced {
            if let ns = object.meta("namespace"), !ns.isEmpty, ns != t.namespace {
                throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
            }
            if t.namespace.isEmpty {
                throw APIError.badRequest("the server could not find the requested resource")
            }
            setMeta(&object, "namespace", .string(t.namespace))
        } else {
            setMeta(&object, "namespace", nil)
        }
        return object
    }

    /// Namespaced writes need a live namespace: 404 when absent, 403 while it terminates.
    func requireNamespace(_ t: Target, name: String) throws(APIError) {
        guard t.type.namespaced else { return }
        guard let ns = get(GroupResource(group: "", resource: "namespaces"), namespace: "", name: t.namespace) else {
            throw APIError.notFound(resource: "namespaces", group: "", name: t.namespace)
        }
        if ns.meta("deletionTimestamp") != nil {
            throw APIError(
                code: 403, reason: "Forbidden",
                message: "\(APIError.qualified(t.type.resource, t.type.group)) \"\(name)\" is forbidden: unable to create new content in namespace \(t.namespace) because it is being terminated",
                name: name, group: t.type.group, kind: t.type.resource)
        }
    }

    func validate(_ object: Value, type: ResourceType, name: String) throws(APIError) {
        var causes = Validation.nameCauses(name, type: type, object: object) + Validation.metadataCauses(object)
        if type.group == "apps" && type.resource == "deployments" {
            causes += Validation.deploymentCauses(object)
        }
        causes += Validation.enumCauses(object, type: type)
        if !causes.isEmpty {
            throw APIError.invalid(kind: type.kind, group: type.group, name: name, causes: causes)
        }
    }

    /// Per-type create rules beyond defaulting (set by strategies, not defaulters).
    func prepareCreate(_ object: inout Value, type: ResourceType, name: String) {
        if type.group.isEmpty && type.resource == "namespaces" {
            var labels = object[path: ["metadata", "labels"]]?.objectValue ?? ValueObject()
            labels["kubernetes.io/metadata.name"] = .string(name)
            setMeta(&object, "labels", .object(labels))
        }
        if type.group.isEmpty && type.resource == "persistentvolumeclaims" {
            object["status"] = ["phase": "Pending"]
        }
    }

    func allocateClusterIP(_ object: inout Value, dryRun: Bool) throws(APIError) {
        guard object[path: ["spec", "type"]]?.stringValue != "ExternalName" else { return }
        var ip = object[path: ["spec", "clusterIP"]]?.stringValue ?? ""
        if ip == "None" {
            object["spec"]?["clusterIPs"] = ["None"]
        } else {
            if ip.isEmpty {
                guard let fresh = dryRun ? "10.96.0.10" : clusterIPs.allocate() else {
                    throw APIError.internalError("failed to allocate a serviceIP: range is full")
                }
                ip = fresh
            } else if !dryRun {
                if clusterIPs.isUsed(ip) || !clusterIPs.isInRange(ip) {
                    let name = object.meta("name") ?? ""
                    throw APIError.invalid(
                        kind: "Service", group: "", name: name,
                        causes: [.init(reason: "FieldValueInvalid", message: "Invalid value: \(Validation.quoted(ip)): failed to allocate IP \(ip): provided IP is already allocated", field: "spec.clusterIPs")])
                }
                clusterIPs.reserve(ip)
            }
            object["spec"]?["clusterIP"] = .string(ip)
            object["spec"]?["clusterIPs"] = [.string(ip)]
        }
        if var spec = object["spec"]?.objectValue {
            Defaults.setDefault(&spec, "ipFamilies", ["IPv4"])
            Defaults.setDefault(&spec, "ipFamilyPolicy", "SingleStack")
            let type = spec["type"]?.stringValue ?? "ClusterIP"
            if type == "NodePort" || type == "LoadBalancer" {
                // Node ports come from 30000-32767, one per port that names none.
                if case .array(let ports)? = spec["ports"] {
                    spec["ports"] = .array(ports.map { p in
                        guard p["nodePort"] == nil else { return p }
                        var port = p
                        port["nodePort"] = .int(Int64.random(in: 30000...32767))
                        return port
                    })
                }
            }
            if type == "LoadBalancer" { Defaults.setDefault(&spec, "allocateLoadBalancerNodePorts", true) }
            object["spec"] = .object(Self.reorderServiceSpec(spec))
        }
    }

    /// Keeps internalTrafficPolicy after the IP fields, as the server prints a Service.
    private static func reorderServiceSpec(_ spec: ValueObject) -> ValueObject {
        var out = ValueObject()
        for e in spec where e.key != "internalTrafficPolicy" { out[e.key] = e.value }
        if let v = spec["internalTrafficPolicy"] { out["internalTrafficPolicy"] = v }
        return out
    }
}

extension ClusterStore {
    /// The namespaces every cluster starts with, created once (a restored store has them).
    func bootstrap() throws(APIError) {
        guard let type = types.lookup(group: "", version: "v1", resource: "namespaces") else { return }
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"]
        where get(type.groupResource, namespace: "", name: name) == nil {
            _ = try create(
                Target(type: type, namespace: "", name: nil, subresource: nil),
                body: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]],
                options: WriteOptions())
        }
        // A CRD kept from before a restart that was never established is established now.
        let crds = GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions")
        for (_, crd) in objects[crds] ?? [:] where !CustomResources.isEstablished(crd) {
            try establishCRD(crd.meta("name") ?? "")
        }
    }
}
