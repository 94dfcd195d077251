import Foundation
import PlumbCore
import PlumbKube

/// Why a forge request failed. The description names the forge, the method, the path and the
/// forge's own message; it never holds a credential (paths carry none, and any echo of one in
/// a forge's message is cut out).
public struct ForgeError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The forge answered with this HTTP status (after any retries).
        case status(Int)
        /// The forge limits the rate and asked for a wait longer than Plumb is willing to make.
        case rateLimited
        /// No answer: the forge is down or unreachable (after any retries).
        case unreachable
        /// The answer was not what the forge documents (not JSON, a field missing).
        case unexpectedAnswer
        /// The credential could not be read or used (a file missing, a key not RSA).
        case credentials
    }

    public var kind: Kind
    public var forge: String
    public var method: String
    public var path: String
    public var message: String

    public init(kind: Kind, forge: String, method: String, path: String, message: String) {
        self.kind = kind
        self.forge = forge
        self.method = method
        self.path = path
        self.message = message
    }

    /// Whether sending the request again later may succeed (an outage, a rate limit, a 5xx).
    public var isTransient: Bool {
        switch kind {
        case .status(let code): return code >= 500 || code == 429
        case .rateLimited, .unreachable: return true
        case .unexpectedAnswer, .credentials: return false
        }
    }

    public var description: String {
        if method.isEmpty { return "\(forge): \(message)" }
        return "\(forge): \(method) \(path): \(message)"
    }
}

/// When to send a failed forge request again, and how long Plumb waits at most.
public struct ForgeRetryPolicy: Sendable {
    /// Attempts in all, the first included; 1 disables retries.
    public var maxAttempts: Int = 4
    public var initialBackoff: Duration = .milliseconds(500)
    public var maxBackoff: Duration = .seconds(8)
    /// The longest rate-limit wait (`Retry-After`, `X-RateLimit-Reset`) Plumb makes; a forge
    /// that asks for more gets a `rateLimited` error at once rather than a stalled pipeline.
    public var maxRateLimitWait: Duration = .seconds(60)

    public init() {}

    /// Exponential backoff before retry number `attempt` (0-based), with up to 50 % jitter.
    func backoff(attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 0..<min(attempt, 20) where delay < maxBackoff { delay = delay * 2 }
        if delay > maxBackoff { delay = maxBackoff }
        return delay + delay * Double.random(in: 0...0.5)
    }
}

/// One forge request: a method, a path under the API root (with its query) and a JSON body.
struct ForgeRequest: Sendable {
    var method: String
    var path: String
    var body: Value?
    /// Whether sending it twice has the effect of sending it once (a read, a status with the
    /// same name, an edit). A new comment is not: after a 5xx it is not sent again, since the
    /// forge may have stored it; the next sticky-comment run finds it and edits it.
    var idempotent: Bool
    /// Headers of this request alone, set after the credential's (the App JWT).
    var headers: [HTTPHeader] = []

    init(_ method: String, _ path: String, body: Value? = nil, idempotent: Bool? = nil) {
        self.method = method
        self.path = path
        self.body = body
        self.idempotent = idempotent ?? (method != "POST")
    }
}

/// A forge's answer: status, headers with lowercased names, and the body as JSON (null when empty).
struct ForgeResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var json: Value

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// The HTTP layer every forge client shares: on Plumb's libcurl transport, JSON in and out,
/// `User-Agent: plumb`, retries with backoff for 5xx and outages, rate limits honoured within
/// a cap, and errors that name the forge and never the token.
final class ForgeHTTP: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let forge: String
    /// The API root every path is under (`https://api.github.com`, `https://host/api/v4`).
    let root: String
    let transport: any KubeTransport
    let auth: ForgeAuthenticator
    let headers: [HTTPHeader]
    let retry: ForgeRetryPolicy
    let clock: any KubeClock
    /// Seconds since 1970 now, for `X-RateLimit-Reset`-style epoch answers.
    let wallClock: @Sendable () -> Double
    /// Where a line goes when a request is retried; never given a credential.
    let log: @Sendable (String) -> Void

    init(
        forge: String, root: String, transport: any KubeTransport, auth: ForgeAuthenticator, headers: [HTTPHeader],
        retry: ForgeRetryPolicy, clock: any KubeClock = SystemClock(),
        wallClock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        log: @escaping @Sendable (String) -> Void
    ) {
        self.forge = forge
        self.root = root
        self.transport = transport
        self.auth = auth
        self.headers = headers
        self.retry = retry
        self.clock = clock
        self.wallClock = wallClock
        self.log = log
    }

    /// The forge and its API root; never a credential, so that printing a client is safe.
    var description: String { "\(forge) API at \(root)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["forge": forge, "root": root]) }

    /// Sends a request and returns a 2xx answer; any other status is a `ForgeError`.
    func send(_ request: ForgeRequest) async throws -> ForgeResponse {
        let response = try await exchange(request)
        guard (200..<300).contains(response.status) else {
            throw failure(request, response)
        }
        return response
    }

    /// Sends a request, retrying as the policy says, and returns the last answer whatever its status.
    func exchange(_ request: ForgeRequest) async throws -> ForgeResponse {
        var attempt = 0
        while true {
            attempt += 1
            let last = attempt >= retry.maxAttempts
            let raw: KubeResponse
            do {
                raw = try await transport.send(try await kubeRequest(request))
            } catch let error as KubeTransportError {
                // A connection never made cannot have reached the forge: safe for any method.
                let retryable = error.kind == .connect || (request.idempotent && error.kind != .tls)
                let message = redact("\(error.message)")
                guard retryable, !last else {
                    let tries = attempt == 1 ? "" : " (\(attempt) attempts)"
                    throw ForgeError(
                        kind: .unreachable, forge: forge, method: request.method, path: request.path,
                        message: message + tries)
                }
                let wait = retry.backoff(attempt: attempt - 1)
                log("\(forge): \(request.method) \(request.path): \(message); retrying in \(seconds(wait))")
                try await clock.sleep(for: wait)
                continue
            }
            let response = ForgeResponse(status: raw.status, headers: raw.headers, json: try parse(request, raw))
            if let wait = try rateLimitWait(request, response) {
                guard !last else { return response }
                log(
                    "\(forge): \(request.method) \(request.path): rate limited (\(raw.status)); waiting \(seconds(wait))"
                )
                try await clock.sleep(for: wait)
                continue
            }
            if raw.status >= 500, request.idempotent, !last {
                let wait = retry.backoff(attempt: attempt - 1)
                log("\(forge): \(request.method) \(request.path): \(raw.status); retrying in \(seconds(wait))")
                try await clock.sleep(for: wait)
                continue
            }
            if raw.status == 401, attempt == 1, await auth.invalidate() {
                // A cached installation token the forge no longer takes: fetch a new one once.
                continue
            }
            return response
        }
    }

    /// The wait a rate-limited answer asks for, nil when the answer is not rate limited.
    /// GitHub: 429, or 403 with `X-RateLimit-Remaining: 0` / `Retry-After` (secondary limits);
    /// GitLab: 429 with `Retry-After` / `RateLimit-Reset`; Gitea and Bitbucket: 429.
    private func rateLimitWait(_ request: ForgeRequest, _ response: ForgeResponse) throws -> Duration? {
        let retryAfter = response.header("retry-after").flatMap(parseRetryAfter)
        let remaining = response.header("x-ratelimit-remaining") ?? response.header("ratelimit-remaining")
        let reset = (response.header("x-ratelimit-reset") ?? response.header("ratelimit-reset"))
            .flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        switch response.status {
        case 429: break
        case 403 where retryAfter != nil || remaining?.trimmingCharacters(in: .whitespaces) == "0": break
        default: return nil
        }
        var wait: Duration
        if let retryAfter {
            wait = retryAfter
        } else if let reset {
            // Epoch seconds; one more second so the window has surely turned over.
            wait = .milliseconds(Int64(max(0, reset - wallClock()) * 1000) + 1000)
        } else {
            wait = retry.backoff(attempt: 0)
        }
        if wait > retry.maxRateLimitWait {
            throw ForgeError(
                kind: .rateLimited, forge: forge, method: request.method, path: request.path,
                message: "rate limited (\(response.status)); the forge asks to wait \(seconds(wait)), more than "
                    + "the \(seconds(retry.maxRateLimitWait)) Plumb waits: \(forgeMessage(response))")
        }
        if wait < .zero { wait = .zero }
        return wait
    }

    /// `Retry-After` as seconds or as an HTTP date.
    func parseRetryAfter(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let s = Int(trimmed) { return .seconds(max(0, s)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince1970 - wallClock()) * 1000))
    }

    private func kubeRequest(_ request: ForgeRequest) async throws -> KubeRequest {
        var out = KubeRequest(method: request.method, path: request.path)
        out.headers = headers
        out.setHeader("User-Agent", "plumb")
        for header in try await auth.headers(forge: forge) { out.setHeader(header.name, header.value) }
        for header in request.headers { out.setHeader(header.name, header.value) }
        if let body = request.body {
            out.setHeader("Content-Type", "application/json")
            out.body = try JSONWriter().bytes(body)
        }
        return out
    }

    private func parse(_ request: ForgeRequest, _ raw: KubeResponse) throws -> Value {
        let text = raw.body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard !text.isEmpty else { return .null }
        if let value = try? JSONReader().parse(Array(text)) { return value }
        guard (200..<300).contains(raw.status) else {
            // An error page from a proxy: keep its first line as the message.
            let line =
                String(decoding: text.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            return .object(ValueObject(uniqueEntries: [.init(key: "message", value: .string(line))]))
        }
        throw ForgeError(
            kind: .unexpectedAnswer, forge: forge, method: request.method, path: request.path,
            message: "\(raw.status) answer is not JSON")
    }

    /// The error for a non-2xx answer, with the forge's own message.
    func failure(_ request: ForgeRequest, _ response: ForgeResponse) -> ForgeError {
        let kind: ForgeError.Kind =
            response.status == 429 || (response.status == 403 && response.header("x-ratelimit-remaining") == "0")
            ? .rateLimited : .status(response.status)
        return ForgeError(
            kind: kind, forge: forge, method: request.method, path: request.path,
            message: "\(response.status) \(forgeMessage(response))")
    }

    /// The message a forge puts in an error body: GitHub/Gitea `message` (+ `errors`), GitLab
    /// `message`/`error`, Bitbucket `error.message`.
    func forgeMessage(_ response: ForgeResponse) -> String {
        let json = response.json
        var parts: [String] = []
        if let m = json["message"]?.stringValue {
            parts.append(m)
        } else if let m = json["message"], !m.isNull {
            parts.append(m.jsonString)
        }
        if let e = json["error"]?.stringValue { parts.append(e) }
        if let m = json[path: ["error", "message"]]?.stringValue { parts.append(m) }
        if let d = json[path: ["error", "detail"]]?.stringValue { parts.append(d) }
        if let errors = json["errors"]?.arrayValue, !errors.isEmpty {
            parts.append(
                errors.map { $0["message"]?.stringValue ?? $0["code"]?.stringValue ?? $0.jsonString }.joined(
                    separator: "; "))
        }
        return redact(parts.isEmpty ? "(no message)" : parts.joined(separator: ": "))
    }

    /// Cuts every credential the authenticator knows out of a text from the outside world.
    func redact(_ text: String) -> String {
        var out = text
        for secret in auth.secrets where secret.count >= 4 {
            out = out.replacingOccurrences(of: secret, with: "<redacted>")
        }
        return out
    }

    private func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        let ms = Int(s) * 1000 + Int(atto / 1_000_000_000_000_000)
        return ms % 1000 == 0 ? "\(ms / 1000)s" : String(format: "%.1fs", Double(ms) / 1000)
    }
}

/// `text` with everything but RFC 3986's unreserved characters percent-encoded: a path
/// segment (GitLab's `group%2Fproject`) or a query value.
func percentEncoded(_ text: String) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}

extension ForgeHTTP {
    /// The HTTP layer for a configuration: a `CurlTransport` on the API root, the forge's own
    /// headers, and its way of sending a token (a GitHub App's installation token included).
    static func make(_ configuration: ForgeConfiguration, style: TokenStyle, headers: [HTTPHeader]) throws -> ForgeHTTP
    {
        let root = try configuration.apiRoot()
        var options = TransportOptions(server: root)
        options.certificateAuthorityPEM = configuration.certificateAuthorityPEM
        options.insecureSkipTLSVerify = configuration.insecureSkipTLSVerify
        options.connectTimeout = configuration.connectTimeout
        options.requestTimeout = configuration.requestTimeout
        options.maxHostConnections = 2
        let transport = try CurlTransport(options: options)
        let forge = configuration.kind.rawValue
        var app: GitHubAppTokenSource?
        if case .githubApp(let credentials) = configuration.auth {
            guard configuration.kind == .github else {
                throw ForgeError(
                    kind: .credentials, forge: forge, method: "", path: "",
                    message: "GitHub App credentials work only with GitHub")
            }
            let signer = ForgeAuthenticator(auth: nil, style: style)
            let appHTTP = ForgeHTTP(
                forge: forge, root: root, transport: transport, auth: signer, headers: headers,
                retry: configuration.retry, wallClock: configuration.wallClock, log: configuration.log)
            app = try GitHubAppTokenSource(credentials: credentials, http: appHTTP, signer: signer)
        }
        return ForgeHTTP(
            forge: forge, root: root, transport: transport,
            auth: ForgeAuthenticator(auth: configuration.auth, style: style, app: app), headers: headers,
            retry: configuration.retry, wallClock: configuration.wallClock, log: configuration.log)
    }
}
