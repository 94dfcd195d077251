import Foundation
import PlumbController
import PlumbCore
import PlumbKube
import Synchronization

/// The controller's dashboard asks the API server who a token is (`TokenReview`) and what
/// its user may do (`SubjectAccessReview` on `plumb.dev` `applications`), as kube-rbac-proxy
/// and the Kubernetes dashboard do. Answers are kept for a few seconds per user and question,
/// so a page of many rows asks once.
final class AccessReviews: Sendable {
    let client: KubeClient
    let ttl: Duration
    private let cache = Mutex<[String: (allowed: Bool, at: ContinuousClock.Instant)]>([:])

    init(client: KubeClient, ttl: Duration = .seconds(10)) {
        self.client = client
        self.ttl = ttl
    }

    /// The user of a bearer token, or nil when the API server does not authenticate it.
    /// Throws when the review itself cannot be made. The token goes only into the review's body.
    func authenticate(_ token: String) async throws -> Viewer? {
        let review: Value = [
            "apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
            "spec": ["token": .string(token)],
        ]
        let answer = try await Self.post(client, "/apis/authentication.k8s.io/v1/tokenreviews", review)
        guard answer[path: ["status", "authenticated"]]?.boolValue == true,
            let name = answer[path: ["status", "user", "username"]]?.stringValue, !name.isEmpty
        else { return nil }
        let groups = (answer[path: ["status", "user", "groups"]]?.arrayValue ?? []).compactMap(\.stringValue)
        var extra: [String: [String]] = [:]
        for entry in answer[path: ["status", "user", "extra"]]?.objectValue ?? ValueObject() {
            extra[entry.key] = (entry.value.arrayValue ?? []).compactMap(\.stringValue)
        }
        return Viewer(
            name: name, uid: answer[path: ["status", "user", "uid"]]?.stringValue ?? "", groups: groups, extra: extra)
    }

    /// Whether `viewer` may `verb` Applications (or another `plumb.dev` `resource`) in
    /// `namespace` (every namespace, or a cluster-scoped resource, when empty), or the one named `name`.
    func allowed(
        _ viewer: Viewer, _ verb: String, namespace: String, name: String? = nil, resource: String = "applications"
    ) async throws -> Bool {
        let key = [viewer.name, viewer.groups.joined(separator: ","), verb, namespace, name ?? "", resource].joined(separator: "\u{0}")
        let now = ContinuousClock.now
        if let hit = cache.withLock({ $0[key] }), now - hit.at < ttl { return hit.allowed }
        var attributes: Value = [
            "group": "plumb.dev", "resource": .string(resource), "verb": .string(verb), "namespace": .string(namespace),
        ]
        if let name { attributes["name"] = .string(name) }
        var spec: Value = [
            "user": .string(viewer.name), "groups": .array(viewer.groups.map(Value.string)),
            "resourceAttributes": attributes,
        ]
        if !viewer.uid.isEmpty { spec["uid"] = .string(viewer.uid) }
        if !viewer.extra.isEmpty {
            var extra: Value = [:]
            for (k, v) in viewer.extra.sorted(by: { $0.key < $1.key }) { extra[k] = .array(v.map(Value.string)) }
            spec["extra"] = extra
        }
        let review: Value = [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview", "spec": spec,
        ]
        let answer = try await Self.post(client, "/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
        let allowed = answer[path: ["status", "allowed"]]?.boolValue == true
            && answer[path: ["status", "denied"]]?.boolValue != true
        cache.withLock { entries in
            if entries.count > 10_000 { entries = entries.filter { now - $0.value.at < ttl } }
            entries[key] = (allowed, now)
        }
        return allowed
    }

    /// POSTs a review to its collection, as kube-apiserver serves them (no name, nothing stored).
    static func post(_ client: KubeClient, _ path: String, _ review: Value) async throws -> Value {
        let request = KubeRequest(
            method: "POST", path: path, headers: [HTTPHeader("Content-Type", "application/json")],
            body: try JSONWriter().bytes(review))
        return try JSONReader().parse(try await client.perform(request).body)
    }

    /// The user of `client`'s own credentials (a `SelfSubjectReview`), or nil when the API
    /// server does not say (before Kubernetes 1.28).
    static func whoAmI(_ client: KubeClient) async -> Viewer? {
        let review: Value = ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"]
        guard let answer = try? await post(client, "/apis/authentication.k8s.io/v1/selfsubjectreviews", review),
            let name = answer[path: ["status", "userInfo", "username"]]?.stringValue, !name.isEmpty
        else { return nil }
        let groups = (answer[path: ["status", "userInfo", "groups"]]?.arrayValue ?? []).compactMap(\.stringValue)
        return Viewer(name: name, uid: answer[path: ["status", "userInfo", "uid"]]?.stringValue ?? "", groups: groups)
    }
}
