import Crypto
import Foundation
import PlumbCore
import PlumbKube

/// Posts JSON to operator-configured HTTP endpoints (approval services, audit sinks) on Plumb's
/// libcurl transport, signing each body with HMAC-SHA256 when given a key:
/// `X-Plumb-Signature-256: sha256=<hex>`, GitHub's webhook convention. Thread safe.
public final class WebhookClient: Sendable {
    /// The HMAC key; never printed.
    let key: [UInt8]?
    let connectTimeout: Duration
    let requestTimeout: Duration
    private let transports = Locked<[String: CurlTransport]>([:])

    /// A client signing with `key` (nil: unsigned).
    public init(key: [UInt8]?, connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(30)) {
        self.key = key.flatMap { $0.isEmpty ? nil : $0 }
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }

    /// Reads the HMAC key from a file (trailing newlines dropped); errors name the file.
    public static func key(file: String) throws -> [UInt8] {
        guard var data = FileManager.default.contents(atPath: file).map(Array.init) else {
            throw WebhookError(url: file, message: "cannot read the HMAC key file")
        }
        while data.last == 0x0A || data.last == 0x0D { data.removeLast() }
        guard !data.isEmpty else { throw WebhookError(url: file, message: "the HMAC key file is empty") }
        return data
    }

    /// `sha256=<hex>` of `body` under `key`.
    public static func signature(_ body: [UInt8], key: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: key))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Sends `method` to an absolute `url` with `body` (JSON, signed) and returns the answer,
    /// whatever its status. A connection that fails throws `WebhookError`.
    public func send(_ method: String, _ url: String, body: [UInt8]?, headers: [HTTPHeader] = [])
        async throws(WebhookError) -> KubeResponse
    {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, scheme == "http" || scheme == "https",
            let host = parts.host
        else {
            throw WebhookError(url: Self.safe(url), message: "not an http(s) URL")
        }
        let origin = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)" + (parts.port.map { ":\($0)" } ?? "")
        var path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        if let query = parts.percentEncodedQuery { path += "?" + query }
        var request = KubeRequest(method: method, path: path, headers: headers, body: body, timeout: requestTimeout)
        request.setHeader("User-Agent", "plumb")
        request.setHeader("Accept", "application/json")
        if let body {
            request.setHeader("Content-Type", "application/json")
            if let key { request.setHeader("X-Plumb-Signature-256", Self.signature(body, key: key)) }
        }
        do {
            return try await transport(origin).send(request)
        } catch let error as KubeTransportError {
            throw WebhookError(url: Self.safe(url), message: error.message)
        } catch {
            throw WebhookError(url: Self.safe(url), message: "\(error)")
        }
    }

    private func transport(_ origin: String) throws -> CurlTransport {
        try transports.withLock { cache in
            if let t = cache[origin] { return t }
            var options = TransportOptions(server: origin)
            options.connectTimeout = connectTimeout
            options.requestTimeout = requestTimeout
            options.maxHostConnections = 2
            options.http2 = false
            let t = try CurlTransport(options: options)
            cache[origin] = t
            return t
        }
    }

    /// A URL without user information or query (which may carry a token), for messages.
    public static func safe(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "(unreadable URL)" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        return parts.string ?? "(unreadable URL)"
    }
}

/// An endpoint that could not be reached or gave an unusable answer.
public struct WebhookError: Error, Sendable, CustomStringConvertible {
    public var url: String
    public var message: String
    public init(url: String, message: String) {
        self.url = url
        self.message = message
    }
    public var description: String { "\(url): \(message)" }
}
