import PlumbCore
import PlumbKube

/// What the routers share: the field manager of their writes and the reads and applies.
enum RouterSupport {
    /// The field manager of every router write, apart from Plumb's own `plumb`: `kubectl get
    /// -o yaml --show-managed-fields` shows which fields the rollout holds.
    static let fieldManager = "plumb-rollout"

    /// The object, or nil when it does not exist.
    static func read(_ client: KubeClient, _ ref: ObjectRef) async throws -> Value? {
        do {
            return try await client.get(ref)
        } catch let error as StatusError where error.reason == .notFound {
            return nil
        }
    }

    /// Server-side apply of `object` as `plumb-rollout`, taking over fields the sync's `plumb`
    /// manager set (the weights): an apply with the same content changes nothing.
    static func apply(_ client: KubeClient, _ object: Value) async throws {
        try await client.applyDiscardingResult(object, force: true, fieldManager: fieldManager)
    }

    /// A body with only what an apply needs to name the object.
    static func skeleton(_ ref: ObjectRef) -> Value {
        [
            "apiVersion": .string(ref.apiVersion), "kind": .string(ref.kind),
            "metadata": ["name": .string(ref.name), "namespace": .string(ref.namespace)],
        ]
    }

    /// The weight as a whole percent of the two, rounded; 0 when both are 0.
    static func percent(canary: Int64, stable: Int64) -> Int {
        let total = canary + stable
        guard total > 0 else { return 0 }
        return Int((Double(canary) * 100 / Double(total)).rounded())
    }

    static func check(_ weight: Int) throws {
        guard (0...100).contains(weight) else { throw RouterError(message: "weight \(weight) is not within 0...100") }
    }
}

/// A router that cannot do its work: the object and why (its objects missing, a rule that
/// names no stable backend).
public struct RouterError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
