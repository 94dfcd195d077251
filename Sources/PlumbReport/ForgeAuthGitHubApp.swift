import Crypto
import Foundation
import PlumbCore
import PlumbKube
import _CryptoExtras

/// Signs GitHub App JWTs: RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over
/// `{"alg":"RS256","typ":"JWT"}` and `{"iat", "exp", "iss"}`, as GitHub's "Generating a JSON
/// Web Token (JWT) for a GitHub App" asks: `iat` 60 seconds in the past against clock drift,
/// `exp` no more than 10 minutes after it, `iss` the app ID or client ID.
struct GitHubAppJWT: Sendable {
    let appID: String
    let key: _RSA.Signing.PrivateKey

    init(credentials: GitHubAppCredentials) throws {
        appID = credentials.appID
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: credentials.privateKeyPEM)
        } catch {
            throw ForgeError(
                kind: .credentials, forge: "github", method: "", path: "",
                message: "GitHub App \(credentials.appID): the private key is not an RSA key in PEM")
        }
    }

    /// A JWT valid from 60 s before `now` (epoch seconds) for 9 minutes in all.
    func sign(now: Double) throws -> String {
        let issued = Int64(now) - 60
        let header: Value = ["alg": "RS256", "typ": "JWT"]
        let iss: Value = Int64(appID).map(Value.int) ?? .string(appID)
        let claims: Value = ["iat": .int(issued), "exp": .int(issued + 540), "iss": iss]
        let input = base64URL(try JSONWriter().bytes(header)) + "." + base64URL(try JSONWriter().bytes(claims))
        let signature = try key.signature(for: Array(input.utf8), padding: .insecurePKCS1v1_5)
        return input + "." + base64URL(Array(signature.rawRepresentation))
    }
}

func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// An installation access token of a GitHub App, fetched with
/// `POST /app/installations/{installation_id}/access_tokens` and cached until five minutes
/// before its `expires_at` (GitHub's tokens last an hour). Concurrent callers share one fetch.
actor GitHubAppTokenSource {
    private let jwt: GitHubAppJWT
    private let installationID: String
    private let http: ForgeHTTP
    private let signer: ForgeAuthenticator
    private var cached: (token: String, expires: Double)?
    private var inflight: Task<(token: String, expires: Double), any Error>?
    /// How long before `expires_at` a token is no longer handed out.
    static let margin: Double = 300

    /// Installation tokens fetched so far (the tests count them).
    private(set) var fetches = 0

    init(credentials: GitHubAppCredentials, http: ForgeHTTP, signer: ForgeAuthenticator) throws {
        jwt = try GitHubAppJWT(credentials: credentials)
        installationID = credentials.installationID
        self.http = http
        self.signer = signer
    }

    func token() async throws -> String {
        let now = http.wallClock()
        if let cached, cached.expires - Self.margin > now { return cached.token }
        if let inflight { return try await inflight.value.token }
        let task = Task { try await fetch() }
        inflight = task
        defer { inflight = nil }
        let fresh = try await task.value
        cached = fresh
        return fresh.token
    }

    func invalidate() -> Bool {
        defer { cached = nil }
        return cached != nil
    }

    private func fetch() async throws -> (token: String, expires: Double) {
        let signed = try jwt.sign(now: http.wallClock())
        signer.remember(signed)
        let path = "/app/installations/\(percentEncoded(installationID))/access_tokens"
        var request = ForgeRequest("POST", path, idempotent: true)
        request.headers = [HTTPHeader("Authorization", "Bearer \(signed)")]
        let response = try await http.send(request)
        fetches += 1
        guard let token = response.json["token"]?.stringValue,
            let expiresText = response.json["expires_at"]?.stringValue,
            let expires = ISO8601DateFormatter().date(from: expiresText)
        else {
            throw ForgeError(
                kind: .unexpectedAnswer, forge: "github", method: "POST", path: path,
                message: "the answer has no token and expires_at")
        }
        signer.remember(token)
        return (token, expires.timeIntervalSince1970)
    }
}
