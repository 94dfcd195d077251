/// One built-in policy check: a stable ID, what it finds, why it matters and how to fix it.
/// The IDs never change meaning; a new check gets a new ID. See docs/governance.md,
/// "Policy checks".
public struct PolicyCheck: Sendable, Hashable {
    /// `PLB-IMG-001`.
    public var id: String
    /// One line: what the check finds.
    public var summary: String
    /// Why it matters.
    public var why: String
    /// How to fix a violation.
    public var fix: String

    public init(id: String, summary: String, why: String, fix: String) {
        self.id = id
        self.summary = summary
        self.why = why
        self.fix = fix
    }
}

extension PolicyCheck {
    public static let imageDigest = PolicyCheck(
        id: "PLB-IMG-001", summary: "a container image is not pinned by digest (@sha256:...)",
        why: "a tag can be moved: the same commit may deploy different code tomorrow",
        fix: "reference the image as name@sha256:<digest> (a tag may stay in front: name:1.2@sha256:...)")
    public static let imageTag = PolicyCheck(
        id: "PLB-IMG-002", summary: "a container image has no tag or the tag latest, and no digest",
        why: "the image that runs depends on when the node pulled it; rollbacks cannot restore it",
        fix: "give an explicit version tag (nginx:1.27.2) or a digest")
    public static let imageRegistry = PolicyCheck(
        id: "PLB-IMG-003", summary: "a container image comes from a registry outside parameters.allowedRegistries",
        why: "images from unvetted registries bypass the organisation's scanning and provenance",
        fix: "mirror the image into an allowed registry, or add the registry to allowedRegistries")
    public static let resourceRequests = PolicyCheck(
        id: "PLB-RES-001", summary: "a container sets no cpu or no memory request",
        why: "the scheduler places pods by requests; without them a node can be overcommitted",
        fix: "set resources.requests.cpu and resources.requests.memory")
    public static let resourceLimits = PolicyCheck(
        id: "PLB-RES-002", summary: "a container sets no memory limit",
        why: "a container without a memory limit can exhaust its node and evict its neighbours",
        fix: "set resources.limits.memory (a cpu limit is not required: it only throttles)")
    public static let privileged = PolicyCheck(
        id: "PLB-SEC-001", summary: "a container runs privileged (securityContext.privileged: true)",
        why: "a privileged container has every capability and the host's devices: it owns the node",
        fix: "remove privileged; grant the single capability needed under securityContext.capabilities.add")
    public static let runAsRoot = PolicyCheck(
        id: "PLB-SEC-002", summary: "a container may run as root (runAsNonRoot not true, or runAsUser: 0)",
        why: "root in a container is root on the host after any container escape",
        fix: "set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser")
    public static let hostPath = PolicyCheck(
        id: "PLB-HOST-001", summary: "a pod mounts a hostPath volume",
        why: "a hostPath volume exposes the node's file system to the pod",
        fix: "use a PersistentVolumeClaim, a ConfigMap, a Secret or an emptyDir")
    public static let hostNamespaces = PolicyCheck(
        id: "PLB-HOST-002",
        summary: "a pod shares the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC)",
        why: "host namespaces let the pod see and reach the node's processes and traffic",
        fix: "remove hostNetwork, hostPID and hostIPC; expose ports through a Service")
    public static let serviceType = PolicyCheck(
        id: "PLB-NET-001", summary: "a Service is of type LoadBalancer or NodePort",
        why: "these types expose the workload outside the cluster, past the ingress and its controls",
        fix: "use type ClusterIP behind the Ingress or Gateway, or add a named exception")
    public static let rbacWildcard = PolicyCheck(
        id: "PLB-RBAC-001", summary: "a Role or ClusterRole grants * in verbs, resources or apiGroups",
        why: "a wildcard grants every present and future permission of its kind, secrets included",
        fix: "list the verbs, resources and API groups the subject needs")
    public static let requiredLabels = PolicyCheck(
        id: "PLB-META-001", summary: "an object lacks a label of parameters.requiredLabels",
        why: "cost allocation, ownership and alert routing key on these labels",
        fix: "add the label under metadata.labels (for every object, or through Kustomize's labels)")

    /// Every built-in check, in the order the documentation lists them.
    public static let catalogue: [PolicyCheck] = [
        imageDigest, imageTag, imageRegistry, resourceRequests, resourceLimits, privileged, runAsRoot, hostPath,
        hostNamespaces, serviceType, rbacWildcard, requiredLabels,
    ]

    /// The check with ID `id` (case-insensitive), if built in.
    public static func named(_ id: String) -> PolicyCheck? {
        let wanted = id.uppercased()
        return catalogue.first { $0.id == wanted }
    }
}
