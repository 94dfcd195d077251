import Foundation

/// What authenticates one request: a bearer token, a client certificate, or both.
public struct Credentials: Sendable, Equatable, CustomStringConvertible {
    public var bearerToken: String?
    public var clientCertificate: ClientCertificate?

    public init(bearerToken: String? = nil, clientCertificate: ClientCertificate? = nil) {
        self.bearerToken = bearerToken
        self.clientCertificate = clientCertificate
    }

    public var description: String {
        "Credentials(token: \(bearerToken == nil ? "none" : "<redacted>"), certificate: \(clientCertificate == nil ? "none" : "<redacted>"))"
    }
}

/// Supplies credentials for requests; asked again after the server answers 401.
public protocol CredentialProvider: Sendable {
    /// The credentials to send now.
    func credentials() async throws -> Credentials
    /// Forgets cached credentials after a 401; returns whether fresh ones might differ.
    func invalidate() async -> Bool
}

/// Fixed credentials (a kubeconfig `token`, a client certificate, or nothing).
public struct StaticCredentials: CredentialProvider {
    public let value: Credentials

    public init(_ value: Credentials = Credentials()) { self.value = value }

    public func credentials() async throws -> Credentials { value }
    public func invalidate() async -> Bool { false }
}

/// A bearer token read from a file and read again when the file changes (a rotated
/// service-account token, a kubeconfig `tokenFile`).
public actor TokenFileCredentials: CredentialProvider {
    public nonisolated let path: String
    private var cached: String?
    private var stamp: (Date, Int)?

    public init(path: String) { self.path = path }

    public func credentials() async throws -> Credentials {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = attributes?[.modificationDate] as? Date ?? .distantPast
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        if let cached, let stamp, stamp.0 == modified, stamp.1 == size {
            return Credentials(bearerToken: cached)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CredentialError(message: "cannot read token file \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw CredentialError(message: "token file \(path) is empty") }
        cached = token
        stamp = (modified, size)
        return Credentials(bearerToken: token)
    }

    public func invalidate() async -> Bool {
        cached = nil
        stamp = nil
        return true
    }
}

/// Credentials could not be obtained. Never carries a secret.
public struct CredentialError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
