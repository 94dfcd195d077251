import Foundation
import PlumbCore
import PlumbKube
import Synchronization

/// HTTP GETs of the analysis providers on libcurl (PlumbKube's transport): one transport per
/// scheme and authority, kept for the provider's life. Thread safe.
final class AnalysisHTTP: Sendable {
    private let transports = Mutex<[String: CurlTransport]>([:])

    /// An answer: status and body.
    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// GETs `url` with `headers`, within `timeout`. Errors name the URL without its query's
    /// secrets (the caller passes credentials in headers only) and never the headers.
    func get(_ url: String, headers: [HTTPHeader], timeout: Duration) async throws -> Answer {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, scheme == "http" || scheme == "https",
            let host = parts.host, !host.isEmpty
        else {
            throw AnalysisHTTPError(message: "\(url): not an http(s) URL")
        }
        let root = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host)" + (parts.port.map { ":\($0)" } ?? "")
        var path = parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
        if let q = parts.percentEncodedQuery { path += "?" + q }
        let transport = try transports.withLock { cache -> CurlTransport in
            if let t = cache[root] { return t }
            var options = TransportOptions(server: root)
            options.maxHostConnections = 2
            options.connectTimeout = .seconds(5)
            let t = try CurlTransport(options: options)
            cache[root] = t
            return t
        }
        do {
            let response = try await transport.send(
                KubeRequest(
                    method: "GET", path: path, headers: headers + [HTTPHeader("Accept", "application/json")],
                    timeout: timeout))
            return Answer(status: response.status, body: response.body)
        } catch let error as KubeTransportError {
            throw AnalysisHTTPError(message: "GET \(root)\(parts.percentEncodedPath): \(error.message)")
        }
    }
}

struct AnalysisHTTPError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A `{secretRef: {name, key}}` or `{file: path}`: where a credential is read from, never inline.
enum CredentialSource: Sendable {
    case secret(name: String, key: String)
    case file(String)

    static func parse(_ v: Value, field: String, defaultKey: String) throws(AnalysisDeclarationError)
        -> CredentialSource
    {
        if let ref = v["secretRef"] {
            guard let name = ref["name"]?.stringValue, !name.isEmpty else {
                throw AnalysisDeclarationError(field: "\(field).secretRef.name", message: "required")
            }
            return .secret(name: name, key: ref["key"]?.stringValue ?? defaultKey)
        }
        if let path = v["file"]?.stringValue, !path.isEmpty { return .file(path) }
        throw AnalysisDeclarationError(
            field: field, message: "needs secretRef: {name, key} or file: a path (credentials are never written inline)"
        )
    }

    /// The credential's text (surrounding whitespace and a trailing newline dropped).
    func read(client: KubeClient?, namespace: String) async throws -> String {
        switch self {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AnalysisHTTPError(message: "credential file \(path) cannot be read")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        case .secret(let name, let key):
            guard let client else {
                throw AnalysisHTTPError(message: "v1 Secret \(namespace)/\(name): no cluster to read it from")
            }
            let secret = try await client.get(
                ObjectRef(apiVersion: "v1", kind: "Secret", namespace: namespace, name: name))
            if let encoded = secret[path: ["data", key]]?.stringValue, let data = Data(base64Encoded: encoded) {
                return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let plain = secret[path: ["stringData", key]]?.stringValue { return plain }
            throw AnalysisHTTPError(message: "v1 Secret \(namespace)/\(name): has no key \"\(key)\"")
        }
    }
}
