import Foundation
import PlumbKube
import Synchronization

/// How Plumb proves itself to a forge. Descriptions and mirrors (`dump`) never show a credential.
public enum ForgeAuth: Sendable, CustomStringConvertible, CustomReflectable {
    /// A personal, project, repository or CI token. Sent as GitHub/Bitbucket
    /// `Authorization: Bearer`, GitLab `PRIVATE-TOKEN`, Gitea `Authorization: token`.
    case token(String)
    /// A user name and a password or API token, sent as HTTP Basic (Bitbucket Cloud API tokens
    /// and app passwords).
    case basic(username: String, password: String)
    /// A GitHub App installation: Plumb signs a JWT with the app's key and trades it for an
    /// installation token, which it caches until shortly before it expires.
    case githubApp(GitHubAppCredentials)

    public var description: String {
        switch self {
        case .token: return "token(<redacted>)"
        case .basic(let username, _): return "basic(\(username), <redacted>)"
        case .githubApp(let app): return "githubApp(\(app))"
        }
    }

    public var customMirror: Mirror { Mirror(self, children: ["auth": description]) }

    /// A token from the environment variable `env` or, when that is unset or empty, from `file`
    /// (surrounding whitespace and a trailing newline dropped). The error names the variable
    /// or the file, never the value.
    public static func token(
        env: String?, file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ForgeAuth {
        if let env, let value = environment[env]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
            return .token(value)
        }
        if let file {
            let value = try readSecretFile(file, what: "token file")
            guard !value.isEmpty else {
                throw ForgeError(
                    kind: .credentials, forge: "forge", method: "", path: "", message: "token file \(file) is empty")
            }
            return .token(value)
        }
        let said = [env.map { "environment variable \($0) is not set" }, "no token file given"].compactMap { $0 }
        throw ForgeError(
            kind: .credentials, forge: "forge", method: "", path: "",
            message: "no token: " + said.joined(separator: ", "))
    }

    static func readSecretFile(_ path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ForgeError(
                kind: .credentials, forge: "forge", method: "", path: "", message: "\(what) \(path) cannot be read")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A GitHub App's identity: its ID (or client ID), the installation on the repository's
/// owner, and the app's private key in PEM (PKCS#1 `RSA PRIVATE KEY` as GitHub hands it out,
/// or PKCS#8).
public struct GitHubAppCredentials: Sendable, CustomStringConvertible, CustomReflectable {
    public var appID: String
    public var installationID: String
    public var privateKeyPEM: String

    public init(appID: String, installationID: String, privateKeyPEM: String) {
        self.appID = appID
        self.installationID = installationID
        self.privateKeyPEM = privateKeyPEM
    }

    /// The credentials with the key read from `privateKeyFile`.
    public init(appID: String, installationID: String, privateKeyFile: String) throws {
        self.init(
            appID: appID, installationID: installationID,
            privateKeyPEM: try ForgeAuth.readSecretFile(privateKeyFile, what: "GitHub App private key file"))
    }

    public var description: String { "app \(appID), installation \(installationID), key <redacted>" }
    public var customMirror: Mirror { Mirror(self, children: ["appID": appID, "installationID": installationID]) }
}

/// How one forge wants a token sent.
enum TokenStyle: Sendable {
    /// `Authorization: Bearer <token>` (GitHub, Bitbucket).
    case bearer
    /// `PRIVATE-TOKEN: <token>` (GitLab).
    case privateToken
    /// `Authorization: token <token>` (Gitea, Forgejo).
    case giteaToken
}

/// Turns a `ForgeAuth` into request headers, and remembers every secret it has handed out so
/// that error texts can be scrubbed of them. Thread safe.
final class ForgeAuthenticator: Sendable {
    let style: TokenStyle
    /// Nil sends no credential (the App JWT request carries its own).
    let auth: ForgeAuth?
    private let app: GitHubAppTokenSource?
    private let known: Mutex<Set<String>>

    init(auth: ForgeAuth?, style: TokenStyle, app: GitHubAppTokenSource? = nil) {
        self.style = style
        self.auth = auth
        self.app = app
        var secrets = Set<String>()
        switch auth {
        case .token(let t): secrets.insert(t)
        case .basic(let user, let password):
            secrets.insert(password)
            secrets.insert(Data("\(user):\(password)".utf8).base64EncodedString())
        case .githubApp, nil: break
        }
        known = Mutex(secrets)
    }

    /// Every credential sent so far (tokens, installation tokens), for redaction.
    var secrets: [String] { known.withLock { Array($0) } }

    func remember(_ secret: String) { _ = known.withLock { $0.insert(secret) } }

    func headers(forge: String) async throws -> [HTTPHeader] {
        switch auth {
        case nil:
            return []
        case .token(let token):
            return [tokenHeader(token)]
        case .basic(let user, let password):
            return [HTTPHeader("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())]
        case .githubApp:
            guard let app else {
                throw ForgeError(
                    kind: .credentials, forge: forge, method: "", path: "",
                    message: "GitHub App credentials work only with GitHub")
            }
            let token = try await app.token()
            remember(token)
            return [tokenHeader(token)]
        }
    }

    /// Drops a cached installation token; true when there was one to drop (worth one retry).
    func invalidate() async -> Bool {
        guard let app else { return false }
        return await app.invalidate()
    }

    private func tokenHeader(_ token: String) -> HTTPHeader {
        switch style {
        case .bearer: return HTTPHeader("Authorization", "Bearer \(token)")
        case .privateToken: return HTTPHeader("PRIVATE-TOKEN", token)
        case .giteaToken: return HTTPHeader("Authorization", "token \(token)")
        }
    }
}
