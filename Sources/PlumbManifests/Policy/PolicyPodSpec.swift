import PlumbCore

/// The pod spec inside a workload object, wherever its kind keeps it, with its containers.
struct PolicyPodSpec {
    /// One container of the spec, from `containers`, `initContainers` or `ephemeralContainers`.
    struct Container {
        /// `container web`, `init container migrate`, `ephemeral container debug`: how messages name it.
        var label: String
        var body: Value
        var image: String? { body["image"]?.stringValue }
    }

    var spec: Value
    var containers: [Container]

    /// The path of the pod spec in each workload kind that has one (core and batch/apps groups).
    static let paths: [String: [String]] = [
        "Pod": ["spec"],
        "PodTemplate": ["template", "spec"],
        "ReplicationController": ["spec", "template", "spec"],
        "Deployment": ["spec", "template", "spec"],
        "StatefulSet": ["spec", "template", "spec"],
        "DaemonSet": ["spec", "template", "spec"],
        "ReplicaSet": ["spec", "template", "spec"],
        "Job": ["spec", "template", "spec"],
        "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    ]

    /// The pod spec of `resource`, when its kind is a workload of the core, apps or batch group.
    init?(_ resource: Resource) {
        guard ["", "apps", "batch"].contains(resource.ref.group), let path = Self.paths[resource.kind],
            let spec = resource.body[path: path], spec.objectValue != nil
        else { return nil }
        self.spec = spec
        var containers: [Container] = []
        for (field, label) in [
            ("initContainers", "init container"), ("containers", "container"),
            ("ephemeralContainers", "ephemeral container"),
        ] {
            for (i, c) in (spec[field]?.arrayValue ?? []).enumerated() {
                containers.append(Container(label: "\(label) \(c["name"]?.stringValue ?? "#\(i)")", body: c))
            }
        }
        self.containers = containers
    }
}
