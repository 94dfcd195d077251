import PlumbCore

/// One page-assembled list: the items (with `apiVersion` and `kind` filled in) and the
/// resourceVersion to watch from.
public struct ObjectList: Sendable {
    public var items: [Value]
    public var resourceVersion: String
}

extension KubeClient {
    /// The object's REST mapping and its namespace (the default one for a namespaced object that
    /// names none, empty for a cluster-scoped one).
    func locate(_ ref: ObjectRef) async throws -> (RESTMapping, String) {
        let mapping = try await self.mapping(apiVersion: ref.apiVersion, kind: ref.kind)
        let namespace = mapping.namespaced ? (ref.namespace.isEmpty ? defaultNamespace : ref.namespace) : ""
        return (mapping, namespace)
    }

    /// The ref as the server names it (namespace filled in or dropped).
    func located(_ ref: ObjectRef, _ namespace: String) -> ObjectRef {
        var r = ref
        r.namespace = namespace
        return r
    }

    /// Reads one object; throws `StatusError` with reason `.notFound` when it does not exist.
    public func get(_ ref: ObjectRef) async throws -> Value {
        let (mapping, namespace) = try await locate(ref)
        let path = mapping.objectPath(namespace: namespace, name: ref.name)
        return try await performJSON(KubeRequest(method: "GET", path: path), object: located(ref, namespace))
    }

    /// Lists the objects of a kind, following `continue` tokens page by page. `namespace` nil
    /// lists all namespaces (and is required to be nil for cluster-scoped kinds).
    public func list(
        apiVersion: String, kind: String, namespace: String? = nil, labelSelector: String? = nil,
        fieldSelector: String? = nil, pageSize: Int = 500
    ) async throws -> ObjectList {
        let mapping = try await self.mapping(apiVersion: apiVersion, kind: kind)
        let collection = mapping.collectionPath(namespace: mapping.namespaced ? (namespace ?? "") : "")
        var items: [Value] = []
        var continueToken: String?
        var resourceVersion = ""
        var pages = 0
        repeat {
            var query: [(String, String)] = []
            if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
            if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
            if pageSize > 0 { query.append(("limit", String(pageSize))) }
            if let continueToken { query.append(("continue", continueToken)) }
            let path = query.isEmpty ? collection : collection + "?" + PathEscape.query(query)
            let page: Value
            do {
                page = try await performJSON(KubeRequest(method: "GET", path: path))
            } catch let error as StatusError where error.reason == .expired && continueToken != nil {
                // The continue token outlived etcd's compaction: start over in one request.
                return try await list(
                    apiVersion: apiVersion, kind: kind, namespace: namespace, labelSelector: labelSelector,
                    fieldSelector: fieldSelector, pageSize: 0)
            }
            for var item in page["items"]?.arrayValue ?? [] {
                // List items come without apiVersion and kind; a cached object should have them.
                if item["apiVersion"] == nil { item["apiVersion"] = .string(mapping.apiVersion) }
                if item["kind"] == nil { item["kind"] = .string(mapping.kind) }
                items.append(item)
            }
            resourceVersion = page[path: ["metadata", "resourceVersion"]]?.stringValue ?? resourceVersion
            continueToken = page[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            pages += 1
        } while continueToken != nil && pages < 100_000
        return ObjectList(items: items, resourceVersion: resourceVersion)
    }
}

extension Value {
    /// `metadata.resourceVersion`, or "".
    var resourceVersion: String { self[path: ["metadata", "resourceVersion"]]?.stringValue ?? "" }
}
