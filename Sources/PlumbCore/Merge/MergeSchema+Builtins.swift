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
    ]
}
