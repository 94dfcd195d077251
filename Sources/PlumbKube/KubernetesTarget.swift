import Foundation
import PlumbCore
import PlumbEngine

/// A Kubernetes cluster as a `Target`: server-side apply as field manager `plumb`, prune with
/// background propagation, and per-kind health rules. Safe to use concurrently (the client is).
public struct KubernetesTarget: Target {
    /// The client every call goes through.
    public let client: KubeClient
    /// Fields left out of every comparison (`ignoreDifferences`).
    public var ignoring: [IgnoreRule]
    /// The apply order of kinds inside a wave.
    public var order: ReconcileOrder
    /// How many kinds are listed at once while observing.
    public var listConcurrency = 8
    /// Namespaces and custom kinds the desired set creates, seen by the last `observe`.
    let pending = PendingCreations()
    /// The server's answers to predicted updates (`confirm`).
    let confirmed = ConfirmedDiffs()

    /// A target on `client`, ignoring the fields `ignoring` names.
    public init(client: KubeClient, ignoring: [IgnoreRule] = [], order: ReconcileOrder = .kubernetes) {
        self.client = client
        self.ignoring = ignoring
        self.order = order
    }

    /// The desired objects with a namespace where their kind needs one: the client's default
    /// namespace (the context's or `--namespace`). A kind the server does not serve yet is
    /// looked up among the CRDs of `desired`; unknown kinds are left as they are.
    /// `defaultNamespace` overrides the client's (an Application's destination namespace).
    public func resolvingNamespaces(_ desired: [Resource], defaultNamespace: String? = nil) async throws -> [Resource] {
        var scopes: [String: Bool] = [:]  // "group/Kind" -> namespaced, from CRDs in the set
        for r in desired where r.ref.group == "apiextensions.k8s.io" && r.ref.kind == "CustomResourceDefinition" {
            guard let group = r.body[path: ["spec", "group"]]?.stringValue,
                let kind = r.body[path: ["spec", "names", "kind"]]?.stringValue
            else { continue }
            scopes["\(group)/\(kind)"] = r.body[path: ["spec", "scope"]]?.stringValue != "Cluster"
        }
        var out: [Resource] = []
        out.reserveCapacity(desired.count)
        for var r in desired {
            if r.namespace.isEmpty {
                let namespaced: Bool?
                if let m = try? await client.mapping(apiVersion: r.apiVersion, kind: r.kind) {
                    namespaced = m.namespaced
                } else {
                    namespaced = scopes["\(r.ref.group)/\(r.kind)"]
                }
                if namespaced == true { r.setNamespace(defaultNamespace ?? client.defaultNamespace) }
            }
            out.append(r)
        }
        return out
    }

    /// The local prediction; for an update the server has already judged (same desired
    /// object, same live resourceVersion), the server's answer.
    public func compare(_ desired: Resource, live: Value?) throws -> ObjectDiff {
        let predicted = try ApplyDiff.diff(desired: desired, live: live, manager: client.options.fieldManager, ignoring: ignoring)
        if predicted.action == .configured, let live, let answer = confirmed.answer(desired: desired, live: live) {
            return answer
        }
        return predicted
    }

    public func phase(of ref: ObjectRef) -> Int { order.rank(of: ref) }

    public func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let e as StatusError: return e.isTransient
        case let e as KubeTransportError: return e.kind != .tls
        case is CurlError: return true
        default: return false
        }
    }
}

/// What a sync is about to create that a dry-run of other objects depends on: a dry-run in
/// a namespace that does not exist yet, or of a kind whose CRD is not established yet, cannot
/// succeed before the sync runs. Guarded by a lock; written by `observe`, read by `dryRun`.
final class PendingCreations: @unchecked Sendable {
    private let lock = NSLock()
    private var namespaces = Set<String>()
    private var kinds = Set<String>()

    func record(namespaces: Set<String>, kinds: Set<String>) {
        lock.lock()
        defer { lock.unlock() }
        self.namespaces = namespaces
        self.kinds = kinds
    }

    func createsNamespace(_ name: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return namespaces.contains(name)
    }

    func createsKind(group: String, kind: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return kinds.contains("\(group)/\(kind)")
    }
}
