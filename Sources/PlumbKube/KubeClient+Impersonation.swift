/// Who a client acts as when it is not itself: the user and groups of `Impersonate-User` and
/// `Impersonate-Group`, as kubectl's `--as`/`--as-group` and Flux's `serviceAccountName` send them.
public struct Impersonation: Sendable, Equatable {
    public var user: String
    public var groups: [String]

    public init(user: String, groups: [String] = []) {
        self.user = user
        self.groups = groups
    }

    /// A service account: `system:serviceaccount:<namespace>:<name>`, with no group headers:
    /// kube-apiserver then gives it a service account's groups itself (`system:serviceaccounts`,
    /// `system:serviceaccounts:<namespace>`, `system:authenticated`), and the impersonator
    /// needs `impersonate` on serviceaccounts only, not on groups (which would let it act as
    /// any group, `system:masters` included). Flux's kustomize-controller sends the same.
    public static func serviceAccount(_ name: String, namespace: String) -> Impersonation {
        Impersonation(user: "system:serviceaccount:\(namespace):\(name)")
    }

    /// The headers that carry it, one `Impersonate-Group` per group.
    public var headers: [HTTPHeader] {
        [HTTPHeader("Impersonate-User", user)] + groups.map { HTTPHeader("Impersonate-Group", $0) }
    }
}

extension KubeClient {
    /// A client that sends every request as `impersonation`: the same server, credentials,
    /// rate limiter, discovery cache and reachability as this one, with the impersonation
    /// headers added to each request (reads, writes, dry-runs, watches). The credentials of
    /// this client need `impersonate` on the user (or service account) and groups.
    public func impersonating(_ impersonation: Impersonation) -> KubeClient {
        var options = self.options
        options.headers.removeAll { $0.name.lowercased().hasPrefix("impersonate-") }
        options.headers += impersonation.headers
        return KubeClient(deriving: self, options: options)
    }
}
