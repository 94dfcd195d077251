import PlumbCore

extension InstallManifests {
    /// What leader election and sharding do with Leases in the controller's namespace: read
    /// and list them (a standby looks at the leader's, a shard at its peers'), create and
    /// update its own (renewals are updates at the resourceVersion read), and delete the
    /// shard Leases of replicas gone for good.
    public static let leaseRules: [Value] = [
        ["apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "list", "create", "update", "delete"]]
    ]

    /// The Role and RoleBinding of the leases, with `--leader-elect` or `--shards` only.
    static func leaseRBAC(_ o: Options) -> [Value] {
        guard o.leaderElect || o.shards != nil else { return [] }
        let name = InstallManifests.name + "-leases"
        let role: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": metadata(name, namespace: o.namespace),
            "rules": .array(leaseRules),
        ]
        let binding: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": metadata(name, namespace: o.namespace),
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": .string(name)],
            "subjects": [["kind": "ServiceAccount", "name": .string(InstallManifests.name), "namespace": .string(o.namespace)]],
        ]
        return [role, binding]
    }

    /// The flags of leader election or sharding.
    static func haArguments(_ o: Options) -> [String] {
        var args: [String] = []
        if o.leaderElect { args.append("--leader-elect") }
        if let shards = o.shards { args.append("--shards=\(shards)") }
        return args
    }
}
