/// One HTTP header: a name and a value.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// One HTTP request to the API server; `path` starts with `/` and carries the query.
public struct KubeRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]?
    /// Total time allowed for the request, overriding the transport's default; nil keeps it.
    public var timeout: Duration?
    /// A client certificate for this request (from an exec plugin), overriding the transport's.
    public var clientCertificate: ClientCertificate?

    public init(
        method: String, path: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// Whether the request may be sent again after the server may have seen it.
    public var isIdempotent: Bool { method == "GET" || method == "HEAD" }

    /// Whether sending the request twice has the effect of sending it once, so that it may be
    /// sent again after an outage hid its answer: reads, deletes (an absent object stays
    /// absent), server-side apply (the same declared state), and updates (a stale
    /// resourceVersion makes the second one a conflict). Not a POST.
    public var isResendable: Bool {
        switch method {
        case "GET", "HEAD", "DELETE", "PUT": return true
        case "PATCH":
            return headers.contains { $0.name.lowercased() == "content-type" && $0.value.hasPrefix("application/apply-patch") }
        default: return false
        }
    }

    /// Sets a header, replacing any header of the same name.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append(HTTPHeader(name, value))
    }
}

/// One HTTP response: status, headers with lowercased names, and the whole body.
public struct KubeResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of a header, looked up case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// A PEM client certificate and its PEM private key. The key never appears in descriptions.
public struct ClientCertificate: Sendable, Equatable, CustomStringConvertible {
    public var certificatePEM: [UInt8]
    public var keyPEM: [UInt8]

    public init(certificatePEM: [UInt8], keyPEM: [UInt8]) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    public var description: String { "ClientCertificate(<redacted>)" }
}

/// Sends HTTP requests to one API server. Implementations: `CurlTransport`, and test doubles.
public protocol KubeTransport: Sendable {
    /// Sends a request and returns the whole response, whatever its status.
    func send(_ request: KubeRequest) async throws -> KubeResponse
    /// Sends a request and streams the body of a 2xx response in chunks as they arrive; a
    /// response of another status fails the stream with `UnexpectedResponse`.
    func stream(_ request: KubeRequest) -> AsyncThrowingStream<[UInt8], any Error>
}

/// A streamed request answered with a non-2xx status; carries the whole response.
public struct UnexpectedResponse: Error, Sendable {
    public var response: KubeResponse
    public init(response: KubeResponse) { self.response = response }
}

/// Why a request got no HTTP response.
public struct KubeTransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection was never made (refused, DNS): the server cannot have seen the request.
        case connect
        /// The request timed out.
        case timeout
        /// TLS failed: untrusted or mismatched certificate, rejected client certificate.
        case tls
        /// Any other failure after the connection was made (reset, protocol error).
        case other
    }

    public var kind: Kind
    public var method: String
    public var url: String
    public var message: String

    public init(kind: Kind, method: String, url: String, message: String) {
        self.kind = kind
        self.method = method
        self.url = url
        self.message = message
    }

    public var description: String { "\(method) \(url): \(message)" }
}
