import PlumbCore
import PlumbYAML

// The NodeConfig CRD is charts/plumb/crds/nodeconfigs.plumb.dev.yaml; NodeAgentTests keeps the
// two equal.

extension InstallManifests {
    /// The NodeConfig CRD, exactly as charts/plumb/crds/nodeconfigs.plumb.dev.yaml holds it.
    public static let nodeConfigCRDYAML = #"""
# The NodeConfig resource of plumb.dev: the files, sysctls, Debian packages and systemd units
# of the nodes a nodeSelector picks (docs/nodes.md). Cluster-scoped, like the nodes it
# configures. `plumb node-agent` (the DaemonSet of nodeAgent.enabled) applies it on each node
# and reports per node in status.nodes.<node>, through the status subresource.
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: nodeconfigs.plumb.dev
  labels:
    app.kubernetes.io/name: plumb
    app.kubernetes.io/component: crd
spec:
  group: plumb.dev
  scope: Cluster
  names:
    kind: NodeConfig
    listKind: NodeConfigList
    plural: nodeconfigs
    singular: nodeconfig
    shortNames:
      - nc
    categories:
      - plumb
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources:
        status: {}
      additionalPrinterColumns:
        - name: Selector
          type: string
          jsonPath: .spec.nodeSelector
        - name: Age
          type: date
          jsonPath: .metadata.creationTimestamp
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            apiVersion:
              type: string
            kind:
              type: string
            metadata:
              type: object
            spec:
              type: object
              description: What the selected nodes must have; docs/nodes.md lists every field.
              properties:
                nodeSelector:
                  type: object
                  description: Labels a node must have to be selected.
                  additionalProperties:
                    type: string
                hosts:
                  type: array
                  description: Node (or inventory host) names selected by name.
                  items:
                    type: string
                groups:
                  type: array
                  description: Inventory groups (plumb node diff|sync --inventory only).
                  items:
                    type: string
                files:
                  type: array
                  items:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                sysctls:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                packages:
                  type: array
                  items:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                units:
                  type: array
                  items:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                healthChecks:
                  type: array
                  items:
                    type: object
                    x-kubernetes-preserve-unknown-fields: true
                rollout:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                disruptive:
                  type: boolean
            status:
              type: object
              properties:
                nodes:
                  type: object
                  description: Per node, written by that node's plumb node-agent.
                  additionalProperties:
                    type: object
                    properties:
                      revision:
                        type: string
                        description: The revision applied or tried (plumb.dev/revision, else metadata.generation).
                      phase:
                        type: string
                        enum: [Waiting, Applying, Synced, Failed]
                      changed:
                        type: boolean
                        description: Whether the agent changed the node for this revision.
                      message:
                        type: string
                      lastTransitionTime:
                        type: string
                        format: date-time
                      heartbeatTime:
                        type: string
                        format: date-time
                        description: Renewed while Applying; an older one than the turn timeout frees the turn.

"""#

    /// The CRD parsed from `nodeConfigCRDYAML`.
    public static let nodeConfigCRD: Value = {
        // The text is checked by a test: parsing it cannot fail in a build that passed.
        (try? YAML.parseDocuments(nodeConfigCRDYAML, file: "nodeconfigs.plumb.dev.yaml"))?.first?.value ?? .null
    }()
}

extension InstallManifests {
    /// The name of the node agent's ServiceAccount, ClusterRole, ClusterRoleBinding and DaemonSet.
    public static let nodeAgentName = "plumb-node-agent"

    /// What `plumb node-agent` does with the API: list and watch NodeConfigs (and get one to
    /// write its status at the resourceVersion read), replace their status subresource (its
    /// own entry, `status.nodes.<node>`, which is also how nodes take turns), read its node's
    /// labels; for a `disruptive` NodeConfig, cordon and uncordon its node (patch) and evict
    /// the node's pods (list pods, create evictions, which PodDisruptionBudgets govern).
    /// No Secrets, no pod deletes, no other writes.
    public static let nodeAgentRules: [Value] = [
        ["apiGroups": ["plumb.dev"], "resources": ["nodeconfigs"], "verbs": ["get", "list", "watch"]],
        ["apiGroups": ["plumb.dev"], "resources": ["nodeconfigs/status"], "verbs": ["get", "update"]],
        ["apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "patch"]],
        ["apiGroups": [""], "resources": ["pods"], "verbs": ["list"]],
        ["apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]],
    ]

    /// The capabilities the agent keeps (every other one is dropped); docs/nodes.md says why
    /// each is needed.
    public static let nodeAgentCapabilities: [String] = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "NET_ADMIN", "SETGID", "SETUID",
        "SYS_ADMIN", "SYS_CHROOT",
    ]

    /// The node agent's objects, with `nodeAgent` only: ServiceAccount, ClusterRole,
    /// ClusterRoleBinding and the DaemonSet.
    static func nodeAgentObjects(_ o: Options) -> [Value] {
        guard o.nodeAgent else { return [] }
        let component = "node-agent"
        let serviceAccount: Value = [
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": metadata(nodeAgentName, namespace: o.namespace, component: component),
        ]
        let role: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": metadata(nodeAgentName, component: component), "rules": .array(nodeAgentRules),
        ]
        let binding: Value = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": metadata(nodeAgentName, component: component),
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(nodeAgentName)],
            "subjects": [["kind": "ServiceAccount", "name": .string(nodeAgentName), "namespace": .string(o.namespace)]],
        ]
        let container: Value = [
            "name": "node-agent",
            "image": .string(o.image),
            "imagePullPolicy": "IfNotPresent",
            "args": ["node-agent", "--host-root=/host", .string("--interval=\(o.nodeAgentInterval)")],
            "env": [["name": "NODE_NAME", "valueFrom": ["fieldRef": ["fieldPath": "spec.nodeName"]]]],
            "resources": ["requests": ["cpu": "10m", "memory": "32Mi"], "limits": ["memory": "256Mi"]],
            "securityContext": [
                "runAsUser": 0,
                "readOnlyRootFilesystem": true,
                "capabilities": ["drop": ["ALL"], "add": .array(nodeAgentCapabilities.map { .string($0) })],
            ],
            "volumeMounts": [
                ["name": "host", "mountPath": "/host"],
                ["name": "systemd", "mountPath": "/run/systemd"],
                ["name": "tmp", "mountPath": "/tmp"],
            ],
        ]
        let daemonSet: Value = [
            "apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": metadata(nodeAgentName, namespace: o.namespace, component: component),
            "spec": [
                "selector": ["matchLabels": labels(component)],
                "updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1]],
                "template": [
                    "metadata": ["labels": labels(component)],
                    "spec": [
                        "serviceAccountName": .string(nodeAgentName),
                        // net.* sysctls belong to a network namespace: the host's, not the pod's.
                        "hostNetwork": true,
                        "dnsPolicy": "ClusterFirstWithHostNet",
                        // Every node, control plane and tainted ones included.
                        "tolerations": [["operator": "Exists"]],
                        "terminationGracePeriodSeconds": 60,
                        "containers": [container],
                        "volumes": [
                            ["name": "host", "hostPath": ["path": "/", "type": "Directory"]],
                            ["name": "systemd", "hostPath": ["path": "/run/systemd", "type": "DirectoryOrCreate"]],
                            ["name": "tmp", "emptyDir": [:]],
                        ],
                    ],
                ],
            ],
        ]
        return [serviceAccount, role, binding, daemonSet]
    }
}
