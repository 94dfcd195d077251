import PlumbCore

extension InstallManifests {
    /// The verbs the controller needs on the objects Git holds: read them through list+watch
    /// (the live cache) and get, write them with server-side apply (patch; create and update
    /// for the kinds and fallbacks that need them), delete them when pruned.
    public static let managedVerbs: [String] = ["get", "list", "watch", "create", "update", "patch", "delete"]

    /// The rules of the controller's ClusterRole, or of its Role in a namespaced install (where
    /// they reach that namespace only). docs/controller.md says why each is there.
    public static let rules: [Value] = [
            // Applications: the watch, and `plumb.dev/reconcile-at` read from the object.
            ["apiGroups": ["plumb.dev"], "resources": ["applications"], "verbs": ["get", "list", "watch"]],
            // Status is written through the status subresource only.
            ["apiGroups": ["plumb.dev"], "resources": ["applications/status"], "verbs": ["get", "update", "patch"]],
            // Events on Applications (sync started/succeeded/failed, health changes).
            ["apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]],
            // Everything an Application's path may hold, Secrets included (which also covers
            // reading spec.source.secretRef).
            ["apiGroups": ["*"], "resources": ["*"], "verbs": .array(managedVerbs.map { .string($0) })],
    ]

    static func rbac(_ o: Options) -> [Value] {
        let roleKind = o.namespaced ? "Role" : "ClusterRole"
        let roleMeta = o.namespaced ? metadata(name, namespace: o.namespace) : metadata(name)
        let role: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": .string(roleKind), "metadata": roleMeta,
            "rules": .array(rules),
        ]
        let binding: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": .string(o.namespaced ? "RoleBinding" : "ClusterRoleBinding"),
            "metadata": roleMeta,
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": .string(roleKind), "name": .string(name)],
            "subjects": [["kind": "ServiceAccount", "name": .string(name), "namespace": .string(o.namespace)]],
        ]
        return [role, binding]
    }
}
