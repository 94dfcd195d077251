import Foundation
import PlumbCore
import PlumbKube
import Synchronization

/// Where the webhook secrets come from: a Kubernetes Secret with one key per kind (`github`,
/// `gitlab`, `gitea`, `bitbucket`, `generic`) and/or one `secret` key for every kind without
/// its own, or one file holding the secret of every kind. The Secret is read again at most
/// every `refresh` (a rotated secret applies within it); a failed read keeps the last one.
public final class WebhookSecrets: Sendable {
    enum Source: Sendable {
        case fixed([UInt8])
        case file(String)
        case secret(KubeClient, ObjectRef)
    }

    private let source: Source
    private let refresh: Duration
    private let cache = Mutex<(keys: [String: [UInt8]], at: ContinuousClock.Instant?)>(([:], nil))

    /// One secret for every kind (tests).
    public init(secret: String) {
        source = .fixed(Array(secret.utf8))
        refresh = .zero
    }

    /// The secret of every kind is the content of `file` (a trailing newline is not part of it).
    public init(file: String) {
        source = .file(file)
        refresh = .seconds(30)
    }

    /// The Secret `namespace/name`.
    public init(client: KubeClient, namespace: String, name: String, refresh: Duration = .seconds(30)) {
        source = .secret(client, ObjectRef(apiVersion: "v1", kind: "Secret", namespace: namespace, name: name))
        self.refresh = refresh
    }

    /// Where the secret comes from, for the log (never the secret).
    public var description: String {
        switch source {
        case .fixed: "a fixed secret"
        case .file(let path): "file \(path)"
        case .secret(_, let ref): "Secret \(ref.namespace)/\(ref.name)"
        }
    }

    /// The secret of `kind`; nil when none is configured (every delivery of it is refused).
    public func secret(for kind: WebhookKind) async -> [UInt8]? {
        let keys: [String: [UInt8]]
        if case .fixed(let bytes) = source {
            keys = ["secret": bytes]
        } else {
            let cached = cache.withLock { $0 }
            if let at = cached.at, ContinuousClock.now - at < refresh {
                keys = cached.keys
            } else if let loaded = await load() {
                cache.withLock { $0 = (loaded, ContinuousClock.now) }
                keys = loaded
            } else {
                keys = cached.keys
            }
        }
        let secret = keys[kind.rawValue] ?? keys["secret"]
        return secret?.isEmpty == false ? secret : nil
    }

    private func load() async -> [String: [UInt8]]? {
        switch source {
        case .fixed(let bytes):
            return ["secret": bytes]
        case .file(let path):
            guard var data = FileManager.default.contents(atPath: path) else { return nil }
            while let last = data.last, last == 0x0A || last == 0x0D { data.removeLast() }
            return ["secret": Array(data)]
        case .secret(let client, let ref):
            guard let object = try? await client.get(ref) else { return nil }
            var keys: [String: [UInt8]] = [:]
            for entry in object["data"]?.objectValue ?? ValueObject() {
                if let text = entry.value.stringValue, let bytes = Data(base64Encoded: text) { keys[entry.key] = Array(bytes) }
            }
            return keys
        }
    }
}
