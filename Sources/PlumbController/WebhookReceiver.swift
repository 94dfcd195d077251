import Crypto
import Foundation

/// The forges the controller takes push events from, one path each (`/hooks/<kind>`).
public enum WebhookKind: String, Sendable, CaseIterable {
    case github, gitlab, gitea, bitbucket, generic
}

/// Checks and reads one webhook delivery: the signature (or token) with the kind's secret,
/// compared in constant time, then the event. Pure: no I/O, the secret is given.
public struct WebhookReceiver: Sendable {
    /// What a delivery comes to.
    public enum Verdict: Sendable, Equatable {
        /// Signed correctly and a push: these refs of these repositories moved.
        case push([WebhookPush])
        /// Signed correctly, nothing to do (a ping, a test, an event Plumb does not act on).
        case ignored(String)
        /// No signature, a wrong one, or no secret configured for the kind: 401.
        case unauthorized(String)
        /// Signed correctly but not a payload the forge documents: 400.
        case malformed(String)
    }

    /// The largest body read (1 MiB, GitHub's cap on a delivery is 25 MB, Plumb needs far less).
    public static let maxBody = 1 << 20

    public init() {}

    /// Judges a delivery of `kind`: `header` looks a header up by name (case-insensitive),
    /// `secret` is the kind's secret (nil: none configured, every delivery is refused).
    public func judge(_ kind: WebhookKind, header: (String) -> String?, body: [UInt8], secret: [UInt8]?) -> Verdict {
        guard let secret, !secret.isEmpty else { return .unauthorized("no webhook secret is configured for \(kind.rawValue)") }
        switch kind {
        case .github:
            guard Self.verifyPrefixed(header("X-Hub-Signature-256"), body: body, secret: secret) else {
                return .unauthorized("X-Hub-Signature-256 missing or wrong")
            }
            switch header("X-GitHub-Event") {
            case "ping": return .ignored("ping")
            case "push": return Self.read { () throws(WebhookPayloads.Malformed) in [try WebhookPayloads.githubPush(body)] }
            case let other: return .ignored("event \(other ?? "(none)")")
            }
        case .gitlab:
            guard let token = header("X-Gitlab-Token"), Self.constantTimeEqual(Array(token.utf8), secret) else {
                return .unauthorized("X-Gitlab-Token missing or wrong")
            }
            switch header("X-Gitlab-Event") {
            case "Push Hook", "Tag Push Hook":
                return Self.read { () throws(WebhookPayloads.Malformed) in [try WebhookPayloads.gitlabPush(body)] }
            case let other: return .ignored("event \(other ?? "(none)")")
            }
        case .gitea:
            let signature = header("X-Gitea-Signature") ?? header("X-Forgejo-Signature")
            guard let signature, let mac = Self.hex(signature), Self.verify(mac, body: body, secret: secret) else {
                return .unauthorized("X-Gitea-Signature (or X-Forgejo-Signature) missing or wrong")
            }
            switch header("X-Gitea-Event") ?? header("X-Forgejo-Event") ?? header("X-Gogs-Event") {
            case "push": return Self.read { () throws(WebhookPayloads.Malformed) in [try WebhookPayloads.githubPush(body)] }
            case let other: return .ignored("event \(other ?? "(none)")")
            }
        case .bitbucket:
            guard Self.verifyPrefixed(header("X-Hub-Signature"), body: body, secret: secret) else {
                return .unauthorized("X-Hub-Signature missing or wrong")
            }
            switch header("X-Event-Key") {
            case "repo:push": return Self.read { () throws(WebhookPayloads.Malformed) in try WebhookPayloads.bitbucketPush(body) }
            case "diagnostics:ping": return .ignored("ping")
            case let other: return .ignored("event \(other ?? "(none)")")
            }
        case .generic:
            guard Self.verifyPrefixed(header("X-Plumb-Signature-256"), body: body, secret: secret) else {
                return .unauthorized("X-Plumb-Signature-256 missing or wrong")
            }
            return Self.read { () throws(WebhookPayloads.Malformed) in [try WebhookPayloads.genericPush(body)] }
        }
    }

    private static func read(_ body: () throws(WebhookPayloads.Malformed) -> [WebhookPush]) -> Verdict {
        do {
            return .push(try body())
        } catch {
            return .malformed(error.description)
        }
    }

    /// `sha256=<hex>`: the HMAC-SHA256 of the body with the secret.
    static func verifyPrefixed(_ header: String?, body: [UInt8], secret: [UInt8]) -> Bool {
        guard let header, header.hasPrefix("sha256="), let mac = hex(String(header.dropFirst(7))) else { return false }
        return verify(mac, body: body, secret: secret)
    }

    /// Whether `mac` is the HMAC-SHA256 of `body` (swift-crypto compares in constant time).
    static func verify(_ mac: [UInt8], body: [UInt8], secret: [UInt8]) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: SymmetricKey(data: secret))
    }

    /// `sha256=<hex>` of `body` with `secret`, as a sender writes it.
    public static func signature(_ body: [UInt8], secret: [UInt8]) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)).map { String(format: "%02x", $0) }.joined()
    }

    /// Equal bytes, in a time that depends on the lengths only.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }

    static func hex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0, !chars.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let high = nibble(chars[i]), let low = nibble(chars[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
