import PlumbCore

/// A Kubernetes API error, rendered as a `metav1.Status` with the real reason, code and details.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// One entry of `details.causes`.
    public struct Cause: Sendable {
        public var reason: String
        public var message: String
        public var field: String?
        public init(reason: String, message: String, field: String? = nil) {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    public var code: Int
    public var reason: String
    public var message: String
    public var name: String?
    public var group: String?
    public var kind: String?
    public var causes: [Cause]
    /// `details.retryAfterSeconds`, for errors that invite a retry.
    public var retryAfterSeconds: Int?
    /// Warnings sent with the error (`Warning: 299 - ...` headers), such as an admission webhook's.
    public var warnings: [String] = []

    public init(
        code: Int, reason: String, message: String, name: String? = nil, group: String? = nil,
        kind: String? = nil, causes: [Cause] = []
    ) {
        self.code = code
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The `Status` object, field by field in the order kube-apiserver writes it.
    public var status: Value {
        var o = ValueObject()
        o["kind"] = "Status"
        o["apiVersion"] = "v1"
        o["metadata"] = .object(ValueObject())
        o["status"] = "Failure"
        o["message"] = .string(message)
        if !reason.isEmpty { o["reason"] = .string(reason) }
        var d = ValueObject()
        if let name, !name.isEmpty { d["name"] = .string(name) }
        if let group, !group.isEmpty { d["group"] = .string(group) }
        if let kind { d["kind"] = .string(kind) }
        if !causes.isEmpty {
            d["causes"] = .array(
                causes.map { c in
                    var co = ValueObject()
                    co["reason"] = .string(c.reason)
                    co["message"] = .string(c.message)
                    if let f = c.field { co["field"] = .string(f) }
                    return .object(co)
                })
        }
        if let retryAfterSeconds { d["retryAfterSeconds"] = .int(Int64(retryAfterSeconds)) }
        if !d.isEmpty { o["details"] = .object(d) }
        o["code"] = .int(Int64(code))
        return .object(o)
    }

    /// `group.resource` as errors name a type: `deployments.apps`, `configmaps`.
    static func qualified(_ resource: String, _ group: String) -> String {
        group.isEmpty ? resource : "\(resource).\(group)"
    }

    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func notFound(_ type: ResourceType, _ name: String) -> APIError {
        notFound(resource: type.resource, group: type.group, name: name)
    }

    static func notFound(resource: String, group: String, name: String) -> APIError {
        APIError(
            code: 404, reason: "NotFound",
            message: "\(qualified(resource, group)) \"\(name)\" not found",
            name: name, group: group, kind: resource)
    }

    /// The 404 for a path that names no served resource or endpoint.
    static func pathNotFound() -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }

    static func alreadyExists(_ type: ResourceType, _ name: String) -> APIError {
        APIError(
            code: 409, reason: "AlreadyExists",
            message: "\(qualified(type.resource, type.group)) \"\(name)\" already exists",
            name: name, group: type.group, kind: type.resource)
    }

    static func conflict(_ type: ResourceType, _ name: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(qualified(type.resource, type.group)) \"\(name)\": "
                + "the object has been modified; please apply your changes to the latest version and try again",
            name: name, group: type.group, kind: type.resource)
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    static func methodNotAllowed() -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    static func notAcceptable() -> APIError {
        APIError(
            code: 406, reason: "NotAcceptable",
            message: "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")
    }

    static func unsupportedMediaType(_ contentType: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
    }

    static func expired(_ message: String) -> APIError {
        APIError(code: 410, reason: "Expired", message: message)
    }

    /// 422 Invalid: `Kind.group "name" is invalid: <cause>` or `[<c1>, <c2>]` for several causes.
    static func invalid(kind: String, group: String, name: String, causes: [Cause]) -> APIError {
        let parts = causes.map { c in c.field.map { "\($0): \(c.message)" } ?? c.message }
        let joined = parts.count == 1 ? parts[0] : "[" + parts.joined(separator: ", ") + "]"
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        return APIError(
            code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(joined)",
            name: name, group: group, kind: kind, causes: causes)
    }

    /// Server-side apply's refusal of a configuration its type's schema cannot hold. The
    /// apiserver (through v1.36) passes the merge library's plain error on, so the answer is a 500
    /// without a reason; `errors` are the library's lines (`.spec.replica: field not declared in schema`).
    static func untypedPatch(namespace: String, name: String, type: ResourceType, errors: [String]) -> APIError {
        let detail = errors.count == 1 ? errors[0] : (["errors:"] + errors.map { "  " + $0 }).joined(separator: "\n")
        return APIError(
            code: 500, reason: "",
            message: "failed to create typed patch object (\(namespace)/\(name); \(type.group)/\(type.version), Kind=\(type.kind)): \(detail)")
    }

    static func internalError(_ message: String) -> APIError {
        APIError(code: 500, reason: "InternalError", message: "Internal error occurred: \(message)")
    }
}
