import Foundation
import Logging
import PlumbCore
import PlumbGit
import Synchronization

/// Secret values the controller has loaded (a Git password or token, an SSH key), so that a log
/// line never carries one, whatever key it is logged under. Shared by every handler; thread safe.
public final class LogSecrets: Sendable {
    private let values = Mutex<Set<String>>([])

    public init() {}

    /// Adds the values of a Secret the controller read (e.g. `password`, `bearerToken`,
    /// `identity`); empty ones are ignored.
    public func add(_ secrets: some Sequence<String>) {
        values.withLock { values in
            for secret in secrets where !secret.isEmpty {
                values.insert(secret)
                // A multi-line secret (an SSH key) may be logged a line at a time.
                for line in secret.split(whereSeparator: \.isNewline) where line.count >= 8 {
                    values.insert(String(line))
                }
            }
        }
    }

    var all: [String] {
        // Longest first, so that a secret containing another is replaced whole.
        values.withLock { Array($0) }.sorted { $0.count > $1.count }
    }
}

/// What the log handler removes before a line is written:
/// - the value of any metadata key that names a secret (`password`, `token`, `bearerToken`,
///   `identity`, `secret`, `credentials`, `authorization`, `apiKey`, `privateKey`, `cookie`,
///   at any depth of a map), replaced by `***`; keys that only refer to a Secret
///   (`secretRef`, `secretName`, `tokenFile`, ...) are kept;
/// - `user:password@` in any URL, as PlumbGit's error messages do (`GitRedaction`);
/// - the token after `Bearer `;
/// - every literal value registered in `secrets`.
public struct LogRedaction: Sendable {
    public static let placeholder = "***"
    /// Fragments of key names (lower case, without `-`, `_` and `.`) that name a secret.
    public static let secretKeyFragments = [
        "password", "passwd", "passphrase", "token", "secret", "identity", "credential", "authorization",
        "apikey", "privatekey", "sshkey", "cookie",
    ]
    /// Endings of key names that refer to where a secret is, not to its value.
    static let referenceSuffixes = ["ref", "name", "namespace", "file", "path"]

    public var secrets: LogSecrets?

    public init(secrets: LogSecrets? = nil) {
        self.secrets = secrets
    }

    /// Whether a metadata key names a secret value.
    public static func namesSecret(_ key: String) -> Bool {
        let normalized = String(key.lowercased().filter { $0 != "-" && $0 != "_" && $0 != "." })
        guard secretKeyFragments.contains(where: { normalized.contains($0) }) else { return false }
        return !referenceSuffixes.contains { normalized.hasSuffix($0) }
    }

    /// A metadata value as it may be written.
    public func redact(key: String, value: Logger.Metadata.Value) -> Value {
        if Self.namesSecret(key) { return .string(Self.placeholder) }
        switch value {
        case .string(let s): return .string(redact(text: s))
        case .stringConvertible(let c): return .string(redact(text: c.description))
        case .array(let items): return .array(items.map { redact(key: "", value: $0) })
        case .dictionary(let map):
            var object = ValueObject(minimumCapacity: map.count)
            for k in map.keys.sorted() { object.appendUnchecked(key: k, value: redact(key: k, value: map[k]!)) }
            return .object(object)
        }
    }

    /// Text with URL credentials, bearer tokens and registered secrets removed.
    public func redact(text: String) -> String {
        var out = GitRedaction.stripCredentials(text)
        out = Self.dropBearerTokens(out)
        if let secrets {
            for secret in secrets.all where out.contains(secret) {
                out = out.replacing(secret, with: Self.placeholder)
            }
        }
        return out
    }

    /// `Bearer abc.def` becomes `Bearer ***` (an Authorization header quoted in an error).
    static func dropBearerTokens(_ text: String) -> String {
        guard text.range(of: "bearer ", options: .caseInsensitive) != nil else { return text }
        var result = ""
        var rest = Substring(text)
        while let r = rest.range(of: "bearer ", options: .caseInsensitive) {
            result += rest[..<r.upperBound]
            rest = rest[r.upperBound...]
            let end =
                rest.firstIndex { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "," || $0.isNewline } ?? rest.endIndex
            if end > rest.startIndex { result += placeholder }
            rest = rest[end...]
        }
        return result + rest
    }
}
