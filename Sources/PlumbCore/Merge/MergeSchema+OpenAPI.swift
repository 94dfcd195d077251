extension MergeSchema {
    /// The schema of a custom resource from its CRD's `openAPIV3Schema`, read as the API server
    /// reads structural schemas: `properties` are named fields, `additionalProperties` a
    /// granular map, `x-kubernetes-list-type`/`-list-map-keys`/`-map-type` as declared,
    /// `x-kubernetes-preserve-unknown-fields` deduced. `metadata` is always ObjectMeta.
    public init(openAPIV3Schema schema: Value) {
        var root = MergeSchema.node(schema)
        for field in ["apiVersion", "kind"] where root.children[field] == nil {
            root.children[field] = Node(isNamed: true)
        }
        root.children["metadata"] = MergeSchema(rules: MergeSchema.metadataRules).root.children["metadata"]
        self.root = root
    }

    private static func node(_ schema: Value) -> Node {
        var node = Node()
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue == true
        if let list = schema["x-kubernetes-list-type"]?.stringValue {
            switch list {
            case "map":
                let keys = schema["x-kubernetes-list-map-keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
                var defaults: [String: Value] = [:]
                for k in keys {
                    if let d = schema[path: ["items", "properties", k, "default"]] { defaults[k] = d }
                }
                node.list = .map(keys: keys, defaults: defaults)
            case "set": node.list = .set
            default: node.list = .atomic
            }
        }
        if let items = schema["items"], case .object = items {
            node.children[Node.itemKey] = MergeSchema.node(items)
        }
        if let mapType = schema["x-kubernetes-map-type"]?.stringValue {
            node.map = mapType == "atomic" ? .atomic : (schema["properties"] == nil ? .granular : .fields)
        }
        if case .object(let props)? = schema["properties"] {
            if node.map == nil { node.map = preserve ? .granular : .fields }
            for p in props {
                var child = MergeSchema.node(p.value)
                child.isNamed = true
                node.children[p.key] = child
            }
        }
        if case .object = schema["additionalProperties"] ?? .null {
            node.map = node.map == .atomic ? .atomic : .granular
            node.children[Node.anyKey] = MergeSchema.node(schema["additionalProperties"]!)
        }
        // Unknown fields kept by the server merge as deduced values.
        node.deduced = preserve
        return node
    }
}
