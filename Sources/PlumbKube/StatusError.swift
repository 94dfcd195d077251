import PlumbCore

/// An API error decoded from a `metav1.Status` body (or from the HTTP status when the body is
/// not a Status). Its description starts with the object it is about.
public struct StatusError: Error, Sendable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case notFound, alreadyExists, conflict, invalid, forbidden, unauthorized
        case tooManyRequests, expired, timeout, badRequest, methodNotAllowed, notAcceptable
        case unsupportedMediaType, internalError, serviceUnavailable
        /// A reason this client does not name, as the server sent it.
        case other(String)
    }

    /// One entry of `details.causes`: which field, why.
    public struct Cause: Sendable, Equatable {
        public var reason: String
        public var field: String
        public var message: String

        /// A cause from its parts.
        public init(reason: String, field: String, message: String) {
            self.reason = reason
            self.field = field
            self.message = message
        }
    }

    public var reason: Reason
    public var code: Int
    /// The server's message, unchanged.
    public var message: String
    public var causes: [Cause]
    /// The object the request was about, when the caller knew it.
    public var object: ObjectRef?
    /// Seconds the server asked to wait (`Retry-After` or `details.retryAfterSeconds`).
    public var retryAfterSeconds: Int?

    public init(
        reason: Reason, code: Int, message: String, causes: [Cause] = [], object: ObjectRef? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.reason = reason
        self.code = code
        self.message = message
        self.causes = causes
        self.object = object
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Decodes a response that is not a success; `object` names the subject of the request.
    public init(response: KubeResponse, object: ObjectRef? = nil) {
        let body = try? JSONReader().parse(response.body)
        self.init(status: body, httpStatus: response.status, object: object)
        if let after = response.header("retry-after").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
            retryAfterSeconds = after
        }
    }

    /// Decodes a `Status` object (from a body or a watch ERROR event).
    public init(status body: Value?, httpStatus: Int, object: ObjectRef? = nil) {
        var code = httpStatus
        var message = ""
        var reasonText = ""
        var causes: [Cause] = []
        var retryAfter: Int?
        if let body, body["kind"]?.stringValue == "Status" {
            if let c = body["code"]?.intValue, c != 0 { code = Int(c) }
            message = body["message"]?.stringValue ?? ""
            reasonText = body["reason"]?.stringValue ?? ""
            for cause in body[path: ["details", "causes"]]?.arrayValue ?? [] {
                causes.append(
                    Cause(
                        reason: cause["reason"]?.stringValue ?? "",
                        field: cause["field"]?.stringValue ?? "",
                        message: cause["message"]?.stringValue ?? ""))
            }
            retryAfter = body[path: ["details", "retryAfterSeconds"]]?.intValue.map { Int($0) }
        }
        let reason = StatusError.reason(reasonText, code: code)
        if message.isEmpty { message = StatusError.defaultMessage(reason, code: code) }
        self.init(
            reason: reason, code: code, message: message, causes: causes, object: object,
            retryAfterSeconds: retryAfter)
    }

    /// How kube-apiserver's message begins when server-side apply cannot type a configuration.
    static let untypedPatchPrefix = "failed to create typed patch object"

    /// Whether trying again later may succeed without changing the request.
    public var isTransient: Bool {
        // Server-side apply refusing a field the type's schema lacks comes as a bare 500: the same request fails again.
        if code == 500 && message.hasPrefix(StatusError.untypedPatchPrefix) { return false }
        switch reason {
        case .tooManyRequests, .timeout, .internalError, .serviceUnavailable: return true
        case .conflict: return causes.isEmpty  // a stale resourceVersion; not an SSA field conflict
        default: return code >= 500
        }
    }

    public var description: String {
        let subject = object.map { "\($0): " } ?? ""
        return subject + message
    }

    static func reason(_ text: String, code: Int) -> Reason {
        switch text {
        case "NotFound": return .notFound
        case "AlreadyExists": return .alreadyExists
        case "Conflict": return .conflict
        case "Invalid": return .invalid
        case "Forbidden": return .forbidden
        case "Unauthorized": return .unauthorized
        case "TooManyRequests": return .tooManyRequests
        case "Expired", "Gone": return .expired
        case "Timeout", "ServerTimeout": return .timeout
        case "BadRequest": return .badRequest
        case "MethodNotAllowed": return .methodNotAllowed
        case "NotAcceptable": return .notAcceptable
        case "UnsupportedMediaType": return .unsupportedMediaType
        case "InternalError": return .internalError
        case "ServiceUnavailable": return .serviceUnavailable
        case "": break
        default: return .other(text)
        }
        switch code {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 406: return .notAcceptable
        case 409: return .conflict
        case 410: return .expired
        case 415: return .unsupportedMediaType
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 500: return .internalError
        case 503: return .serviceUnavailable
        case 504: return .timeout
        default: return .other("HTTP \(code)")
        }
    }

    static func defaultMessage(_ reason: Reason, code: Int) -> String {
        switch reason {
        case .notFound: return "not found"
        case .unauthorized: return "Unauthorized"
        case .forbidden: return "forbidden"
        case .tooManyRequests: return "too many requests"
        case .expired: return "resource version expired"
        default: return "the server answered HTTP \(code)"
        }
    }
}
