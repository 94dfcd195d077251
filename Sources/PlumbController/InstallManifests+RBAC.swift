import PlumbCore

extension InstallManifests {
    /// The verbs the controller needs on the objects Git holds: list+watch (the live cache) and
    /// get (health, observe fallback); patch for server-side apply, and create because
    /// kube-apiserver authorizes an apply that creates its object as `create` too
    /// (https://kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply); delete
    /// to prune. Nothing uses update.
    public static let managedVerbs: [String] = ["get", "list", "watch", "create", "patch", "delete"]

    /// The rules of the controller's ClusterRole, or of its Role in a namespaced install (where
    /// they reach that namespace only). docs/controller.md says why each is there.
    public static let rules: [Value] = [
        // Applications: the watch, and `plumb.dev/reconcile-at` read from the object.
        ["apiGroups": ["plumb.dev"], "resources": ["applications"], "verbs": ["get", "list", "watch"]],
        // Status is written through the status subresource only, as a merge patch.
        ["apiGroups": ["plumb.dev"], "resources": ["applications/status"], "verbs": ["patch"]],
        // events.k8s.io/v1 Events on Applications (sync started/succeeded/failed, health).
        ["apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": ["create"]],
        // Everything an Application's path may hold, Secrets included (which also covers
        // reading spec.source.secretRef).
        ["apiGroups": ["*"], "resources": ["*"], "verbs": .array(managedVerbs.map { .string($0) })],
        // Syncing an Application with `spec.serviceAccountName` as that service account
        // (`Impersonate-User`; kube-apiserver adds its groups, so none on groups).
        ["apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]],
    ]

    static func rbac(_ o: Options) -> [Value] {
        let roleKind = o.namespaced ? "Role" : "ClusterRole"
        let roleMeta = o.namespaced ? metadata(name, namespace: o.namespace) : metadata(name)
        let role: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": .string(roleKind), "metadata": roleMeta,
            "rules": .array(rules),
        ]
        let binding: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": .string(o.namespaced ? "RoleBinding" : "ClusterRoleBinding"),
            "metadata": roleMeta,
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(roleKind), "name": .string(name)],
            "subjects": [["kind": "ServiceAccount", "name": .string(name), "namespace": .string(o.namespace)]],
        ]
        return [role, binding] + leaseRBAC(o)
    }
}
