import PlumbCore

/// Structural defaulting of custom resources, as kube-apiserver does it: wherever the object
/// has a map whose schema lists properties with a `default`, missing ones are set to it (the
/// Gateway API's `backendRefs[].weight: 1` and `kind: Service`, for instance), recursing into
/// properties, list `items` and map `additionalProperties`. Defaults apply to the object as
/// written, before it is stored, so a read shows them and a later apply that leaves them out
/// changes nothing.
enum StructuralDefaults {
    static func apply(_ value: inout Value, schema: Value) {
        switch value {
        case .object(var o):
            value = .null
            defer { value = .object(o) }
            if let properties = schema["properties"]?.objectValue {
                for entry in properties {
                    if o[entry.key] == nil, let d = entry.value["default"] {
                        o[entry.key] = d
                    }
                    if var child = o[entry.key] {
                        apply(&child, schema: entry.value)
                        o[entry.key] = child
                    }
                }
            } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                for key in o.keys {
                    guard var child = o[key] else { continue }
                    apply(&child, schema: additional)
                    o[key] = child
                }
            }
        case .array(var items):
            guard let itemSchema = schema["items"], itemSchema.objectValue != nil else { return }
            value = .null
            for i in items.indices { apply(&items[i], schema: itemSchema) }
            value = .array(items)
        default:
            return
        }
    }
}

extension ClusterStore {
    /// Applies the defaults of the CRD's schema for the object's version; built-in kinds and
    /// CRDs without a schema are left alone.
    func defaultCustomResource(_ object: inout Value, type: ResourceType) {
        guard let crdName = type.definedBy,
            let crd = get(
                GroupResource(group: "apiextensions.k8s.io", resource: "customresourcedefinitions"), namespace: "",
                name: crdName),
            let version = crd[path: ["spec", "versions"]]?.arrayValue?.first(where: {
                $0["name"]?.stringValue == type.version
            }),
            let schema = version[path: ["schema", "openAPIV3Schema"]]
        else { return }
        // metadata belongs to the server's ObjectMeta handling, not to the CRD's schema.
        let metadata = object["metadata"]
        StructuralDefaults.apply(&object, schema: schema)
        object["metadata"] = metadata
    }
}
