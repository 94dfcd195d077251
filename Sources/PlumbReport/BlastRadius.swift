import PlumbCore
import PlumbEngine

/// What a plan touches beyond its field changes, as a reviewer weighs it: the namespaces
/// it writes in, the workloads whose pod template changes (each rolls its pods) and the
/// objects it deletes.
public struct BlastRadius: Sendable, Equatable {
    /// A workload whose pods are replaced because its pod template changes.
    public struct Rollout: Sendable, Equatable {
        public var ref: ObjectRef
        /// The pods replaced: the desired replicas (Kubernetes' default 1 when Git sets none
        /// and the live object shows none); nil for a DaemonSet (one per eligible node).
        public var pods: Int?
        /// The changed fields under the pod template, as the diff names them.
        public var fields: [String]
    }

    /// The namespaces written in (created, updated or pruned objects), sorted.
    public var namespaces: [String]
    /// How many cluster-scoped objects are written.
    public var clusterScoped: Int
    /// The workloads that roll, in apply order.
    public var rollouts: [Rollout]
    /// The objects deleted, in delete order.
    public var deleted: [ObjectRef]

    /// The pods replaced by all rollouts that have a count.
    public var podsReplaced: Int { rollouts.compactMap(\.pods).reduce(0, +) }

    /// Kinds whose `spec.template` is a pod template, and where it is.
    static let podTemplates: [String: String] = [
        "apps/Deployment": "spec.template.", "apps/StatefulSet": "spec.template.", "apps/DaemonSet": "spec.template.",
        "apps/ReplicaSet": "spec.template.", "/ReplicationController": "spec.template.",
    ]

    /// The blast radius of `plan`.
    public init(_ plan: Plan) {
        var namespaces = Set<String>()
        var clusterScoped = 0
        var rollouts: [Rollout] = []
        for object in plan.objects where object.action != .unchanged {
            let ref = object.ref
            if ref.namespace.isEmpty {
                clusterScoped += 1
                if ref.group.isEmpty && ref.kind == "Namespace" { namespaces.insert(ref.name) }
            } else {
                namespaces.insert(ref.namespace)
            }
            guard object.action == .configured, let prefix = Self.podTemplates["\(ref.group)/\(ref.kind)"] else {
                continue
            }
            let fields = object.diff.changes.map(\.path).filter { $0.hasPrefix(prefix) }
            guard !fields.isEmpty else { continue }
            rollouts.append(Rollout(ref: ref, pods: Self.replicas(object), fields: fields))
        }
        for item in plan.prune {
            if item.ref.namespace.isEmpty { clusterScoped += 1 } else { namespaces.insert(item.ref.namespace) }
        }
        self.namespaces = namespaces.sorted()
        self.clusterScoped = clusterScoped
        self.rollouts = rollouts
        self.deleted = plan.prune.map(\.ref)
    }

    /// The replicas a rolling workload will run: Git's, else the live object's, else 1.
    static func replicas(_ object: PlannedObject) -> Int? {
        if object.ref.kind == "DaemonSet" { return nil }
        for side in [object.resource.body, object.diff.after, object.diff.before] {
            if let n = side?[path: ["spec", "replicas"]]?.intValue { return Int(n) }
        }
        return 1
    }
}
