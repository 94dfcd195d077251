import PlumbCore

/// Who a request is from, as kube-apiserver's authenticators and impersonation produce it.
public struct ClusterUser: Sendable, Equatable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }

    /// The holder of the cluster's token: a member of `system:masters`, allowed everything.
    public static let admin = ClusterUser(name: APIServer.userName, groups: APIServer.userGroups)

    /// `system:masters` bypasses authorization, as in kube-apiserver.
    var isMaster: Bool { groups.contains("system:masters") }

    /// `system:serviceaccount:<namespace>:<name>` split into its namespace and name.
    var serviceAccount: (namespace: String, name: String)? {
        ClusterUser.serviceAccount(name)
    }

    static func serviceAccount(_ user: String) -> (namespace: String, name: String)? {
        let prefix = "system:serviceaccount:"
        guard user.hasPrefix(prefix) else { return nil }
        let parts = user.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}

/// What is asked of the authorizer: kube-apiserver's `authorizer.Attributes` for a resource request.
struct AuthorizationRequest: Sendable {
    var user: ClusterUser
    var verb: String
    var group: String
    var resource: String
    var subresource: String?
    var namespace: String
    var name: String?

    /// `resource/subresource` as RBAC rules name it.
    var combinedResource: String { subresource.map { "\(resource)/\($0)" } ?? resource }

    /// kube-apiserver's 403: `responsewriters.Forbidden` and `apierrors.NewForbidden`, with
    /// `details.kind` the resource and no reason suffix (RBAC gives none for a plain denial).
    var forbidden: APIError {
        let scope =
            namespace.isEmpty ? "at the cluster scope" : "in the namespace \(ClusterResponder.quoted(namespace))"
        let why =
            "User \(ClusterResponder.quoted(user.name)) cannot \(verb) resource \(ClusterResponder.quoted(combinedResource)) "
            + "in API group \(ClusterResponder.quoted(group)) \(scope)"
        let qualified = APIError.qualified(resource, group)
        let message: String
        if let name, !name.isEmpty {
            message = "\(qualified) \(ClusterResponder.quoted(name)) is forbidden: \(why)"
        } else {
            message = "\(qualified) is forbidden: \(why)"
        }
        return APIError(code: 403, reason: "Forbidden", message: message, name: name, group: group, kind: resource)
    }
}

/// RBAC over the stored Roles, ClusterRoles, RoleBindings and ClusterRoleBindings, as
/// kube-apiserver's RBAC authorizer decides: a request is allowed when a rule of a role bound
/// to the user (by name, group, or service account) in the request's namespace or cluster-wide
/// covers its verb, API group, resource (`*`, `deployments/scale`, `*/scale`) and name.
/// Aggregated ClusterRoles and non-resource URLs are not evaluated (discovery and health paths
/// are open to every authenticated user, as `system:discovery` makes them).
enum RBACAuthorizer {
    static let group = "rbac.authorization.k8s.io"

    static func allows(_ request: AuthorizationRequest, store: ClusterStore) async -> Bool {
        if request.user.isMaster { return true }
        for (_, binding) in await store.list(
            GroupResource(group: group, resource: "clusterrolebindings"), namespace: nil)
        {
            guard binds(binding, request.user), let ref = roleRef(binding), ref.kind == "ClusterRole" else { continue }
            if let role = await store.get(
                GroupResource(group: group, resource: "clusterroles"), namespace: "", name: ref.name),
                covers(role, request)
            {
                return true
            }
        }
        guard !request.namespace.isEmpty else { return false }
        for (_, binding) in await store.list(
            GroupResource(group: group, resource: "rolebindings"), namespace: request.namespace)
        {
            guard binds(binding, request.user), let ref = roleRef(binding) else { continue }
            let role: Value?
            switch ref.kind {
            case "ClusterRole":
                role = await store.get(
                    GroupResource(group: group, resource: "clusterroles"), namespace: "", name: ref.name)
            case "Role":
                role = await store.get(
                    GroupResource(group: group, resource: "roles"), namespace: request.namespace, name: ref.name)
            default:
                role = nil
            }
            if let role, covers(role, request) { return true }
        }
        return false
    }

    private static func roleRef(_ binding: Value) -> (kind: String, name: String)? {
        guard let kind = binding[path: ["roleRef", "kind"]]?.stringValue,
            let name = binding[path: ["roleRef", "name"]]?.stringValue
        else { return nil }
        return (kind, name)
    }

    /// Whether one of the binding's subjects is the user (`rbac.appliesTo`).
    static func binds(_ binding: Value, _ user: ClusterUser) -> Bool {
        guard case .array(let subjects)? = binding[path: ["subjects"]] else { return false }
        let bindingNamespace = binding.meta("namespace") ?? ""
        for subject in subjects {
            let name = subject[path: ["name"]]?.stringValue ?? ""
            switch subject[path: ["kind"]]?.stringValue {
            case "User"?:
                if user.name == name { return true }
            case "Group"?:
                if user.groups.contains(name) { return true }
            case "ServiceAccount"?:
                var namespace = subject[path: ["namespace"]]?.stringValue ?? ""
                if namespace.isEmpty { namespace = bindingNamespace }
                if user.name == "system:serviceaccount:\(namespace):\(name)" { return true }
            default:
                continue
            }
        }
        return false
    }

    /// Whether a rule of the role allows the request (`rbac.RuleAllows`).
    static func covers(_ role: Value, _ request: AuthorizationRequest) -> Bool {
        guard case .array(let rules)? = role[path: ["rules"]] else { return false }
        return rules.contains { rule in
            let verbs = strings(rule, "verbs")
            let groups = strings(rule, "apiGroups")
            let resources = strings(rule, "resources")
            let names = strings(rule, "resourceNames")
            guard verbs.contains("*") || verbs.contains(request.verb) else { return false }
            guard groups.contains("*") || groups.contains(request.group) else { return false }
            guard resourceMatches(resources, request) else { return false }
            guard !names.isEmpty else { return true }
            guard let name = request.name, !name.isEmpty else { return false }
            return names.contains(name)
        }
    }

    /// `rbac.ResourceMatches`: `*`, the combined `resource/subresource`, or `*/subresource`.
    private static func resourceMatches(_ resources: [String], _ request: AuthorizationRequest) -> Bool {
        for resource in resources {
            if resource == "*" || resource == request.combinedResource { return true }
            if let sub = request.subresource, resource == "*/\(sub)" { return true }
        }
        return false
    }

    private static func strings(_ rule: Value, _ field: String) -> [String] {
        guard case .array(let items)? = rule[path: [field]] else { return [] }
        return items.compactMap(\.stringValue)
    }
}

extension APIServer {
    /// Authorizes a resource request for its user; throws kube-apiserver's 403 when RBAC denies it.
    func authorize(_ request: APIRequest, _ target: Target) async throws(APIError) {
        guard !request.user.isMaster else { return }
        // system:basic-user: every authenticated user may ask what it may do.
        if request.method == "POST", Self.selfReviews.contains(target.type.resource) { return }
        let verb: String
        switch (request.method, target.name) {
        case ("GET", nil), ("HEAD", nil): verb = request.flag("watch") ? "watch" : "list"
        case ("GET", _?), ("HEAD", _?): verb = request.flag("watch") ? "watch" : "get"
        case ("POST", _): verb = "create"
        case ("PUT", _): verb = "update"
        case ("PATCH", _): verb = "patch"
        case ("DELETE", nil): verb = "deletecollection"
        case ("DELETE", _?): verb = "delete"
        default: verb = request.method.lowercased()
        }
        let attributes = AuthorizationRequest(
            user: request.user, verb: verb, group: target.type.group, resource: target.type.resource,
            subresource: target.subresource, namespace: target.namespace, name: target.name)
        guard await RBACAuthorizer.allows(attributes, store: store) else { throw attributes.forbidden }
    }

    static let selfReviews: Set<String> = ["selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"]

    /// The user a request acts as: its bearer token's user, or the user it impersonates
    /// (`Impersonate-User`, `Impersonate-Group`) when that user may `impersonate` them, as
    /// kube-apiserver's impersonation filter decides. nil for an unknown token.
    func authenticate(
        authorization: String?, impersonateUser: String?, impersonateGroups: [String]
    ) async -> Result<ClusterUser, APIError>? {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return nil }
        let token = String(authorization.dropFirst("Bearer ".count))
        let requester: ClusterUser
        if token == self.token {
            requester = .admin
        } else if let user = users[token] {
            requester = user
        } else {
            return nil
        }
        guard let name = impersonateUser, !name.isEmpty else {
            if !impersonateGroups.isEmpty {
                return .failure(
                    APIError.internalError("requested groups \(impersonateGroups) without impersonating a user"))
            }
            return .success(requester)
        }
        // Each impersonated name needs `impersonate` on it: a service account (namespaced), a
        // user, each group.
        var checks: [AuthorizationRequest] = []
        let serviceAccount = ClusterUser.serviceAccount(name)
        if let serviceAccount {
            checks.append(
                AuthorizationRequest(
                    user: requester, verb: "impersonate", group: "", resource: "serviceaccounts",
                    namespace: serviceAccount.namespace, name: serviceAccount.name))
        } else {
            checks.append(
                AuthorizationRequest(
                    user: requester, verb: "impersonate", group: "", resource: "users", namespace: "", name: name))
        }
        for group in impersonateGroups {
            checks.append(
                AuthorizationRequest(
                    user: requester, verb: "impersonate", group: "", resource: "groups", namespace: "", name: group))
        }
        for check in checks where !(await RBACAuthorizer.allows(check, store: store)) {
            return .failure(check.forbidden)
        }
        var groups = impersonateGroups
        if let serviceAccount, groups.isEmpty {
            groups = ["system:serviceaccounts", "system:serviceaccounts:\(serviceAccount.namespace)"]
        }
        if name != "system:anonymous", !groups.contains("system:authenticated") {
            groups.append("system:authenticated")
        }
        return .success(ClusterUser(name: name, groups: groups))
    }
}
