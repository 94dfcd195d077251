import PlumbCore

/// The OpenAPI v3 documents kubectl reads before apply, create and diff. kubectl only needs
/// to see that PATCH takes `fieldValidation` for a kind (then it leaves validation to the
/// server), so each group-version document lists the object paths with their operations and
/// `x-kubernetes-group-version-kind`, and no schemas but an open one per list kind.
enum OpenAPI {
    static func gvPath(group: String, version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    /// `/openapi/v3`: one entry per served group-version.
    static func root(types: TypeRegistry) -> Value {
        var paths = ValueObject()
        for group in types.groups {
            for version in types.versions(of: group) {
                let path = gvPath(group: group, version: version)
                let hash = fingerprint(types.types(group: group, version: version))
                paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(hash)")]
            }
        }
        return ["paths": .object(paths)]
    }

    /// `/openapi/v3/apis/<g>/<v>` (or `api/v1`).
    static func groupVersion(group: String, version: String, types: TypeRegistry) -> Value? {
        let served = types.types(group: group, version: version)
        guard !served.isEmpty else { return nil }
        let base = "/" + gvPath(group: group, version: version)
        let queryParameters: [Value] = ["dryRun", "fieldManager", "fieldValidation", "force", "pretty"].map {
            ["name": .string($0), "in": "query", "schema": ["type": "string", "uniqueItems": true]]
        }
        var paths = ValueObject()
        var schemas = ValueObject()
        for t in served {
            // kubectl validates a typed list document (`kind: RoleList`) against its schema,
            // found by its group-version-kind; the items are left to the server.
            let listGVK: Value = [["group": .string(t.group), "version": .string(t.version), "kind": .string(t.listKind)]]
            let open: Value = ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
            schemas["io.plumb.\(t.group.isEmpty ? "core" : t.group).\(t.version).\(t.listKind)"] = [
                "type": "object", "required": ["items"],
                "properties": [
                    "apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": open,
                    "items": ["type": "array", "items": open],
                ],
                "x-kubernetes-group-version-kind": listGVK,
            ]
            let gvk: Value = ["group": .string(t.group), "version": .string(t.version), "kind": .string(t.kind)]
            let ok: Value = ["200": ["description": "OK"]]
            func operation(_ action: String, _ id: String) -> Value {
                [
                    "operationId": .string(id), "parameters": .array(queryParameters), "responses": ok,
                    "x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk,
                ]
            }
            let prefix = t.namespaced ? "\(base)/namespaces/{namespace}/\(t.resource)" : "\(base)/\(t.resource)"
            paths["\(prefix)/{name}"] = [
                "get": operation("get", "read\(t.kind)"),
                "put": operation("put", "replace\(t.kind)"),
                "patch": operation("patch", "patch\(t.kind)"),
                "delete": operation("delete", "delete\(t.kind)"),
            ]
            paths[prefix] = ["get": operation("list", "list\(t.kind)"), "post": operation("post", "create\(t.kind)")]
            if t.hasStatus {
                paths["\(prefix)/{name}/status"] = [
                    "get": operation("get", "read\(t.kind)Status"),
                    "put": operation("put", "replace\(t.kind)Status"),
                    "patch": operation("patch", "patch\(t.kind)Status"),
                ]
            }
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": "v1.32.0-plumb"],
            "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ]
    }

    /// `/openapi/v2`: a Swagger 2.0 document with no definitions. kubectl reads it to
    /// validate a document whose kind no PATCH in the v3 documents takes (a typed list such as
    /// `RoleList`); finding no definition for the kind, it leaves validation to the server.
    /// kubectl asks for gnostic's protobuf encoding: `swagger` (field 1) and `info` (field 2:
    /// `title` 1, `version` 2).
    static func v2(accept: String) -> APIResult {
        let title = "Kubernetes", version = "v1.32.0-plumb"
        guard accept.contains("protobuf") else {
            return .ok(["swagger": "2.0", "info": ["title": .string(title), "version": .string(version)], "paths": [:], "definitions": [:]])
        }
        func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(bytes.count)] + bytes }
        let info = field(1, Array(title.utf8)) + field(2, Array(version.utf8))
        let document = field(1, Array("2.0".utf8)) + field(2, info)
        return .raw(status: 200, body: document, contentType: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
    }

    /// A short hash of the served types, so kubectl's cache notices CRD changes.
    static func fingerprint(_ types: [ResourceType]) -> String {
        var h: UInt64 = 14_695_981_039_346_656_037
        for t in types {
            for b in "\(t.resource)/\(t.kind)/\(t.namespaced)/\(t.hasStatus);".utf8 { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        }
        return String(h, radix: 16, uppercase: true)
    }
}
