extension MergeSchema {
    /// Group and kind, the key of the built-in tables.
    public struct Kind: Sendable, Hashable {
        /// The API group, empty for the core group.
        public var group: String
        /// The kind, such as `Deployment`.
        public var kind: String
        /// The key of `group`/`kind`.
        public init(group: String, kind: String) {
            self.group = group
            self.kind = kind
        }
    }

    /// The schema for an object's apiVersion and kind: a built-in one, or the deduced one
    /// that custom resources without a known schema get.
    public static func forObject(_ object: Value) -> MergeSchema {
        let (group, _) = ObjectRef.split(apiVersion: object["apiVersion"]?.stringValue ?? "")
        return forKind(group: group, kind: object["kind"]?.stringValue ?? "")
    }

    /// The built-in schema of `group`/`kind`, or the deduced schema for anything else.
    public static func forKind(group: String, kind: String) -> MergeSchema {
        builtinSchemas[Kind(group: group, kind: kind)] ?? deduced
    }

    /// The built-in schemas, built once: a diff asks for one per object.
    private static let builtinSchemas: [Kind: MergeSchema] = builtinRules.mapValues { MergeSchema(rules: commonRules + $0) }

    /// Custom resources: metadata as usual, everything else granular maps and atomic lists.
    public static let deduced = MergeSchema(
        rules: [Rule("apiVersion", .field), Rule("kind", .field)] + metadataRules, deduced: true)

    /// Rules of `metadata` (ObjectMeta), which every object has.
    public static let metadataRules: [Rule] = [
        Rule("metadata", .map(.fields)),
        Rule("metadata.labels", .map(.granular)),
        Rule("metadata.annotations", .map(.granular)),
        Rule("metadata.ownerReferences", .list(.map(keys: ["uid"]))),
        Rule("metadata.finalizers", .list(.set)),
    ]

    /// Rules every built-in object has: its metadata, and `status.conditions` keyed by type.
    public static let commonRules: [Rule] = metadataRules + [
        Rule("status.conditions", .list(.map(keys: ["type"]))),
    ]

    /// Rules of a pod spec at `prefix` (`spec` for a Pod, `spec.template.spec` for a Deployment).
    public static func podSpecRules(at prefix: String) -> [Rule] {
        var rules: [Rule] = [
            Rule("\(prefix).volumes", .list(.map(keys: ["name"]))),
            Rule("\(prefix).imagePullSecrets", .list(.map(keys: ["name"]))),
            Rule("\(prefix).tolerations", .list(.atomic)),
            Rule("\(prefix).nodeSelector", .map(.atomic)),
            Rule("\(prefix).overhead", .map(.granular)),
        ]
        for containers in ["containers", "initContainers", "ephemeralContainers"] {
            let c = "\(prefix).\(containers)"
            rules += [
                Rule(c, .list(.map(keys: ["name"]))),
                Rule("\(c)[].ports", .list(.map(keys: ["containerPort", "protocol"], defaults: ["protocol": "TCP"]))),
                Rule("\(c)[].env", .list(.map(keys: ["name"]))),
                Rule("\(c)[].volumeMounts", .list(.map(keys: ["mountPath"]))),
                Rule("\(c)[].resources.limits", .map(.granular)),
                Rule("\(c)[].resources.requests", .map(.granular)),
            ]
        }
        return rules
    }

    /// Rules of a pod template at `prefix` (`spec.template`).
    public static func podTemplateRules(at prefix: String) -> [Rule] {
        [
            Rule("\(prefix).metadata.labels", .map(.granular)),
            Rule("\(prefix).metadata.annotations", .map(.granular)),
        ] + podSpecRules(at: "\(prefix).spec")
    }

    /// Label selectors are atomic structs (`+structType=atomic`).
    static let workloadRules: [Rule] =
        [Rule("spec.selector", .map(.atomic))] + podTemplateRules(at: "spec.template")

    /// The built-in kinds and their rules; add a kind here to teach merge about it.
    public static let builtinRules: [Kind: [Rule]] = [
        Kind(group: "", kind: "Pod"): podSpecRules(at: "spec"),
        Kind(group: "", kind: "PodTemplate"): podTemplateRules(at: "template"),
        Kind(group: "", kind: "ReplicationController"): podTemplateRules(at: "spec.template")
            + [Rule("spec.selector", .map(.granular))],
        Kind(group: "apps", kind: "Deployment"): workloadRules,
        Kind(group: "apps", kind: "StatefulSet"): workloadRules,
        Kind(group: "apps", kind: "DaemonSet"): workloadRules,
        Kind(group: "apps", kind: "ReplicaSet"): workloadRules,
        Kind(group: "batch", kind: "Job"): workloadRules,
        Kind(group: "batch", kind: "CronJob"): [Rule("spec.jobTemplate.spec.selector", .map(.atomic))]
            + podTemplateRules(at: "spec.jobTemplate.spec.template"),
        Kind(group: "", kind: "Service"): [
            Rule("spec.ports", .list(.map(keys: ["port", "protocol"], defaults: ["protocol": "TCP"]))),
            Rule("spec.selector", .map(.atomic)),
        ],
        Kind(group: "", kind: "ConfigMap"): [
            Rule("data", .map(.granular)),
            Rule("binaryData", .map(.granular)),
        ],
        Kind(group: "", kind: "Secret"): [
            Rule("data", .map(.granular)),
            Rule("stringData", .map(.granular)),
        ],
        Kind(group: "", kind: "Namespace"): [Rule("spec.finalizers", .list(.set))],
    ].merging(apiRules) { a, _ in a }

    /// More kinds, as the Kubernetes 1.36 OpenAPI declares them (`x-kubernetes-list-type`,
    /// `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`, and `x-kubernetes-patch-strategy:
    /// merge` with `x-kubernetes-patch-merge-key` where no list type is given). A list or object
    /// not named is an atomic list or a struct; `status` is left out (apply resets it). A kind
    /// listed with no rules is still typed: its objects are structs, not deduced maps.
    static let apiRules: [Kind: [Rule]] = [
        Kind(group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration"): webhookRules,
        Kind(group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration"): webhookRules,
        Kind(group: "admissionregistration.k8s.io", kind: "ValidatingAdmissionPolicy"): [
            Rule("spec.matchConditions", .list(.map(keys: ["name"]))),
            Rule("spec.matchConstraints", .map(.atomic)),
            Rule("spec.paramKind", .map(.atomic)),
            Rule("spec.variables", .list(.map(keys: ["name"]))),
            Rule("spec.variables[]", .map(.atomic)),
        ],
        Kind(group: "admissionregistration.k8s.io", kind: "ValidatingAdmissionPolicyBinding"): [
            Rule("spec.matchResources", .map(.atomic)),
            Rule("spec.paramRef", .map(.atomic)),
            Rule("spec.validationActions", .list(.set)),
        ],
        // ingress, egress, their peers and ports are atomic lists.
        Kind(group: "networking.k8s.io", kind: "NetworkPolicy"): [
            Rule("spec.podSelector", .map(.atomic)),
            Rule("spec.ingress[].from[].podSelector", .map(.atomic)),
            Rule("spec.ingress[].from[].namespaceSelector", .map(.atomic)),
            Rule("spec.egress[].to[].podSelector", .map(.atomic)),
            Rule("spec.egress[].to[].namespaceSelector", .map(.atomic)),
        ],
        Kind(group: "networking.k8s.io", kind: "Ingress"): [
            Rule("spec.defaultBackend.resource", .map(.atomic)),
            Rule("spec.defaultBackend.service.port", .map(.atomic)),
            Rule("spec.rules[].http.paths[].backend.resource", .map(.atomic)),
            Rule("spec.rules[].http.paths[].backend.service.port", .map(.atomic)),
        ],
        Kind(group: "networking.k8s.io", kind: "IngressClass"): [],
        Kind(group: "policy", kind: "PodDisruptionBudget"): [Rule("spec.selector", .map(.atomic))],
        Kind(group: "autoscaling", kind: "HorizontalPodAutoscaler"): [
            Rule("spec.metrics[].external.metric.selector", .map(.atomic)),
            Rule("spec.metrics[].object.metric.selector", .map(.atomic)),
            Rule("spec.metrics[].pods.metric.selector", .map(.atomic)),
        ],
        Kind(group: "apiregistration.k8s.io", kind: "APIService"): [],
        Kind(group: "scheduling.k8s.io", kind: "PriorityClass"): [],
        Kind(group: "storage.k8s.io", kind: "StorageClass"): [
            Rule("parameters", .map(.granular)),
            Rule("allowedTopologies[]", .map(.atomic)),
        ],
        Kind(group: "discovery.k8s.io", kind: "EndpointSlice"): [
            Rule("endpoints[].addresses", .list(.set)),
            Rule("endpoints[].deprecatedTopology", .map(.granular)),
            Rule("endpoints[].targetRef", .map(.atomic)),
            Rule("ports[]", .map(.atomic)),
        ],
        Kind(group: "", kind: "Endpoints"): [
            Rule("subsets[].addresses[]", .map(.atomic)),
            Rule("subsets[].notReadyAddresses[]", .map(.atomic)),
            Rule("subsets[].ports[]", .map(.atomic)),
        ],
        Kind(group: "", kind: "LimitRange"): [
            Rule("spec.limits[].default", .map(.granular)),
            Rule("spec.limits[].defaultRequest", .map(.granular)),
            Rule("spec.limits[].max", .map(.granular)),
            Rule("spec.limits[].maxLimitRequestRatio", .map(.granular)),
            Rule("spec.limits[].min", .map(.granular)),
        ],
        Kind(group: "", kind: "ResourceQuota"): [
            Rule("spec.hard", .map(.granular)),
            Rule("spec.scopeSelector", .map(.atomic)),
        ],
        Kind(group: "", kind: "Node"): [Rule("spec.podCIDRs", .list(.set))],
        Kind(group: "", kind: "PersistentVolume"): [
            Rule("spec.capacity", .map(.granular)),
            Rule("spec.nodeAffinity.required", .map(.atomic)),
            Rule("spec.csi.volumeAttributes", .map(.granular)),
            Rule("spec.csi.controllerExpandSecretRef", .map(.atomic)),
            Rule("spec.csi.controllerPublishSecretRef", .map(.atomic)),
            Rule("spec.csi.nodeExpandSecretRef", .map(.atomic)),
            Rule("spec.csi.nodePublishSecretRef", .map(.atomic)),
            Rule("spec.csi.nodeStageSecretRef", .map(.atomic)),
            Rule("spec.flexVolume.options", .map(.granular)),
        ],
        Kind(group: "", kind: "PersistentVolumeClaim"): [
            Rule("spec.dataSource", .map(.atomic)),
            Rule("spec.resources.limits", .map(.granular)),
            Rule("spec.resources.requests", .map(.granular)),
            Rule("spec.selector", .map(.atomic)),
        ],
        Kind(group: "", kind: "ServiceAccount"): [
            Rule("secrets", .list(.map(keys: ["name"]))),
            Rule("secrets[]", .map(.atomic)),
            Rule("imagePullSecrets[]", .map(.atomic)),
        ],
        // RBAC: rules and subjects are atomic lists; roleRef and each subject atomic structs.
        Kind(group: "rbac.authorization.k8s.io", kind: "Role"): [],
        Kind(group: "rbac.authorization.k8s.io", kind: "ClusterRole"): [Rule("aggregationRule.clusterRoleSelectors[]", .map(.atomic))],
        Kind(group: "rbac.authorization.k8s.io", kind: "RoleBinding"): [Rule("roleRef", .map(.atomic)), Rule("subjects[]", .map(.atomic))],
        Kind(group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding"): [Rule("roleRef", .map(.atomic)), Rule("subjects[]", .map(.atomic))],
    ]

    /// Admission webhooks are keyed by name; their selectors are atomic.
    static let webhookRules: [Rule] = [
        Rule("webhooks", .list(.map(keys: ["name"]))),
        Rule("webhooks[].matchConditions", .list(.map(keys: ["name"]))),
        Rule("webhooks[].namespaceSelector", .map(.atomic)),
        Rule("webhooks[].objectSelector", .map(.atomic)),
    ]
}
