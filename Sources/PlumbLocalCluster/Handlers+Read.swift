import Foundation
import PlumbCore

extension APIServer {
    func get(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        guard let name = t.name,
            let object = await store.get(t.type.groupResource, namespace: t.namespace, name: name)
        else { throw APIError.notFound(t.type, t.name ?? "") }
        if request.wantsTable {
            return .ok(Table.render(t.type, objects: [object], resourceVersion: object.meta("resourceVersion") ?? "", now: Date()))
        }
        if request.wantsMetadata { return .ok(Self.partial(object)) }
        return .ok(object)
    }

    func list(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        let labels = try LabelSelector(parsing: request.query["labelSelector"] ?? "")
        let fields = try FieldSelector(parsing: request.query["fieldSelector"] ?? "")
        let limit = Int(request.query["limit"] ?? "") ?? 0
        var start = ""
        var listRV: Int64? = nil
        if let token = request.query["continue"], !token.isEmpty {
            guard let c = ContinueToken(encoded: token) else {
                throw APIError.badRequest("continue key is not valid: illegal base64 data at input byte 0")
            }
            start = c.start
            listRV = c.resourceVersion
        }
        let (all, currentRV) = await store.snapshot(
            t.type.groupResource, namespace: t.namespace.isEmpty ? nil : t.namespace, labels: labels, fields: fields)
        let rv = listRV ?? currentRV
        var items: [Value] = []
        var lastKey = ""
        var remaining = 0
        var more = false
        for (key, object) in all where key >= start {
            if limit > 0 && items.count >= limit {
                more = true
                remaining += 1
                continue
            }
            items.append(object)
            lastKey = key
        }
        if request.wantsTable {
            var table = Table.render(t.type, objects: items, resourceVersion: String(rv), now: Date())
            if more { table["metadata"]?["continue"] = .string(ContinueToken(resourceVersion: rv, start: lastKey + "\u{0}").encoded) }
            return .ok(table)
        }
        var meta = ValueObject()
        meta["resourceVersion"] = .string(String(rv))
        if more {
            meta["continue"] = .string(ContinueToken(resourceVersion: rv, start: lastKey + "\u{0}").encoded)
            // The real server can count what is left only when no selector filters it.
            if labels.isEmpty && fields.requirements.isEmpty { meta["remainingItemCount"] = .int(Int64(remaining)) }
        }
        let isCustom = t.type.definedBy != nil
        var out = ValueObject()
        out["kind"] = .string(request.wantsMetadata ? "PartialObjectMetadataList" : t.type.listKind)
        out["apiVersion"] = .string(request.wantsMetadata ? "meta.k8s.io/v1" : t.type.apiVersion)
        out["metadata"] = .object(meta)
        if request.wantsMetadata {
            out["items"] = .array(items.map(Self.partial))
        } else {
            out["items"] = .array(items.map { isCustom ? $0 : Self.stripTypeMeta($0) })
        }
        return .ok(.object(out))
    }

    /// The `meta.k8s.io/v1 PartialObjectMetadata` of an object.
    static func partial(_ object: Value) -> Value {
        ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"] ?? [:]]
    }

    /// List items of built-in types carry no kind/apiVersion, as the real server sends them.
    static func stripTypeMeta(_ object: Value) -> Value {
        guard case .object(var o) = object else { return object }
        o["kind"] = nil
        o["apiVersion"] = nil
        return .object(o)
    }
}

/// The opaque `continue` token: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"key\u0000"}`.
struct ContinueToken {
    var resourceVersion: Int64
    var start: String

    init(resourceVersion: Int64, start: String) {
        self.resourceVersion = resourceVersion
        self.start = start
    }

    init?(encoded: String) {
        var b64 = encoded
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let v = try? JSONReader().parse(Array(data)),
            let rv = v["rv"]?.intValue, let start = v["start"]?.stringValue
        else { return nil }
        resourceVersion = rv
        self.start = start
    }

    var encoded: String {
        let v: Value = ["v": "meta.k8s.io/v1", "rv": .int(resourceVersion), "start": .string(start)]
        let bytes = (try? JSONWriter().bytes(v)) ?? []
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }
}

extension ClusterStore {
    /// A type's objects and the resourceVersion they were read at, in one step.
    func snapshot(
        _ gr: GroupResource, namespace: String?, labels: LabelSelector, fields: FieldSelector
    ) -> ([(key: String, object: Value)], Int64) {
        (list(gr, namespace: namespace, labels: labels, fields: fields), resourceVersion)
    }
}
