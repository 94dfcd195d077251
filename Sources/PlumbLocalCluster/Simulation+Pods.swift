import Foundation
import PlumbCore

/// What the workload controllers create: a ReplicaSet per Deployment template (older ones
/// scaled to zero), and Pods for ReplicaSets, StatefulSets (`name-0`...) and DaemonSets (one
/// node), all owned through ownerReferences so deletion cascades as on a real cluster.
extension ClusterStore {
    static let podsResource = GroupResource(group: "", resource: "pods")
    static let replicaSetsResource = GroupResource(group: "apps", resource: "replicasets")

    /// Creates or scales what a workload owns; `ready` decides the Pods' readiness.
    func simulateChildren(_ gr: GroupResource, namespace: String, name: String, ready: Bool) throws(APIError) {
        guard let owner = get(gr, namespace: namespace, name: name), owner.meta("deletionTimestamp") == nil else { return }
        let replicas = Int(owner[path: ["spec", "replicas"]]?.intValue ?? 1)
        let template = owner[path: ["spec", "template"]] ?? .object(ValueObject())
        switch (gr.group, gr.resource) {
        case ("apps", "deployments"):
            let hash = Simulation.podTemplateHash(owner)
            let rsName = "\(name)-\(hash)"
            for (_, rs) in list(Self.replicaSetsResource, namespace: namespace)
            where Self.isOwned(rs, by: owner) && rs.meta("name") != rsName {
                try ensurePods(owner: rs, kind: "ReplicaSet", count: 0, template: template, ordinal: false, ready: ready)
                if rs[path: ["spec", "replicas"]]?.intValue != 0 {
                    var scaled = rs
                    scaled["spec"]?["replicas"] = 0
                    scaled["status"] = ["replicas": 0, "observedGeneration": rs[path: ["metadata", "generation"]] ?? 1]
                    try commit(Self.replicaSetsResource, namespace: namespace, name: rs.meta("name") ?? "", object: scaled, event: "MODIFIED")
                }
            }
            var labels = template[path: ["metadata", "labels"]]?.objectValue ?? ValueObject()
            labels["pod-template-hash"] = .string(hash)
            var rsTemplate = template
            rsTemplate["metadata"]?["labels"] = .object(labels)
            var selector = owner[path: ["spec", "selector"]]?.objectValue ?? ValueObject()
            var matchLabels = selector["matchLabels"]?.objectValue ?? ValueObject()
            matchLabels["pod-template-hash"] = .string(hash)
            selector["matchLabels"] = .object(matchLabels)
            let readyCount: Value = ready && replicas > 0 ? .int(Int64(replicas)) : .null
            var rs: Value = get(Self.replicaSetsResource, namespace: namespace, name: rsName) ?? [
                "apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": [
                    "name": .string(rsName), "namespace": .string(namespace), "labels": .object(labels),
                    "annotations": ["deployment.kubernetes.io/desired-replicas": .string(String(replicas))],
                    "ownerReferences": [Self.ownerReference(owner, kind: "Deployment")],
                ],
                "spec": ["replicas": .int(Int64(replicas)), "selector": .object(selector), "template": rsTemplate],
            ]
            let before = rs
            let previous = rs.meta("uid") == nil ? 0 : rs[path: ["spec", "replicas"]]?.intValue ?? 0
            if previous != Int64(replicas) {
                let verb = previous < Int64(replicas) ? "up" : "down"
                try event(
                    about: owner, reason: "ScalingReplicaSet", component: "deployment-controller",
                    message: "Scaled \(verb) replica set \(rsName) from \(previous) to \(replicas)")
            }
            rs["spec"]?["replicas"] = .int(Int64(replicas))
            var status = ValueObject()
            status["replicas"] = .int(Int64(replicas))
            status["fullyLabeledReplicas"] = .int(Int64(replicas))
            if !readyCount.isNull { status["readyReplicas"] = readyCount; status["availableReplicas"] = readyCount }
            status["observedGeneration"] = rs[path: ["metadata", "generation"]] ?? 1
            rs["status"] = .object(status)
            if rs.meta("uid") == nil {
                rs = try insert(Self.replicaSetsResource, rs)
            } else if rs != before {
                rs = try commit(Self.replicaSetsResource, namespace: namespace, name: rsName, object: rs, event: "MODIFIED")
            }
            try ensurePods(owner: rs, kind: "ReplicaSet", count: replicas, template: rsTemplate, ordinal: false, ready: ready)
            if owner[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == nil {
                var annotated = owner
                var annotations = owner[path: ["metadata", "annotations"]]?.objectValue ?? ValueObject()
                annotations["deployment.kubernetes.io/revision"] = "1"
                setMeta(&annotated, "annotations", .object(annotations))
                try commit(gr, namespace: namespace, name: name, object: annotated, event: "MODIFIED")
            }
        case ("apps", "replicasets") where !owner.hasControllerOwner:
            try ensurePods(owner: owner, kind: "ReplicaSet", count: replicas, template: template, ordinal: false, ready: ready)
        case ("apps", "statefulsets"):
            try ensurePods(owner: owner, kind: "StatefulSet", count: replicas, template: template, ordinal: true, ready: ready)
        case ("apps", "daemonsets"):
            try ensurePods(owner: owner, kind: "DaemonSet", count: 1, template: template, ordinal: false, ready: ready)
        default:
            return
        }
    }

    static func isOwned(_ object: Value, by owner: Value) -> Bool {
        let uid = owner.meta("uid")
        return object[path: ["metadata", "ownerReferences"]]?.arrayValue?.contains { $0["uid"]?.stringValue == uid } ?? false
    }

    static func ownerReference(_ owner: Value, kind: String) -> Value {
        [
            "apiVersion": owner["apiVersion"] ?? "apps/v1", "kind": .string(kind), "name": .string(owner.meta("name") ?? ""),
            "uid": .string(owner.meta("uid") ?? ""), "controller": true, "blockOwnerDeletion": true,
        ]
    }

    /// Makes `count` Pods owned by `owner` exist with the given readiness; extra ones go.
    private func ensurePods(owner: Value, kind: String, count: Int, template: Value, ordinal: Bool, ready: Bool) throws(APIError) {
        let namespace = owner.meta("namespace") ?? ""
        let ownerName = owner.meta("name") ?? ""
        var pods = list(Self.podsResource, namespace: namespace).map(\.object).filter { Self.isOwned($0, by: owner) }
        let desired = ordinal ? Set((0..<count).map { "\(ownerName)-\($0)" }) : nil
        pods.sort { ($0.meta("name") ?? "") < ($1.meta("name") ?? "") }
        var kept: [Value] = []
        for pod in pods {
            let surplus = desired.map { !$0.contains(pod.meta("name") ?? "") } ?? (kept.count >= count)
            if surplus {
                try commit(Self.podsResource, namespace: namespace, name: pod.meta("name") ?? "", object: nil, event: "DELETED", deletedObject: pod)
            } else {
                kept.append(pod)
            }
        }
        let now = Value.string(ObjectMeta.timestamp(clock()))
        // Each Pod gets its own address from the node's 10.244.0.0/16 range.
        func status() -> Value {
            [
                "phase": ready ? "Running" : "Pending",
                "conditions": [
                    ["type": "PodScheduled", "status": "True", "lastTransitionTime": now],
                    ["type": "Ready", "status": ready ? "True" : "False", "lastTransitionTime": now],
                ],
                "hostIP": "10.0.0.10", "podIP": .string("10.244.\(Int.random(in: 0..<256)).\(Int.random(in: 2..<255))"),
                "startTime": now,
            ]
        }
        for pod in kept where pod[path: ["status", "phase"]]?.stringValue != (ready ? "Running" : "Pending") {
            var updated = pod
            updated["status"] = status()
            if let ip = pod[path: ["status", "podIP"]] { updated["status"]?["podIP"] = ip }  // a Pod keeps its address
            try commit(Self.podsResource, namespace: namespace, name: pod.meta("name") ?? "", object: updated, event: "MODIFIED")
        }
        var names = Set(kept.compactMap { $0.meta("name") })
        var missing: [String] = desired.map { $0.subtracting(names).sorted() } ?? []
        if desired == nil {
            while names.count + missing.count < count {
                let candidate = "\(ownerName)-\(ObjectMeta.randomSuffix())"
                if !names.contains(candidate) && !missing.contains(candidate) { missing.append(candidate) }
            }
        }
        for podName in missing {
            names.insert(podName)
            var labels = template[path: ["metadata", "labels"]]?.objectValue ?? ValueObject()
            if ordinal { labels["statefulset.kubernetes.io/pod-name"] = .string(podName) }
            var pod: Value = [
                "apiVersion": "v1", "kind": "Pod",
                "metadata": [
                    "name": .string(podName), "namespace": .string(namespace), "labels": .object(labels),
                    "ownerReferences": [Self.ownerReference(owner, kind: kind)],
                ],
                "spec": template["spec"] ?? [:],
            ]
            pod["spec"]?["nodeName"] = "plumb-node"
            pod["status"] = status()
            _ = try insert(Self.podsResource, pod)
        }
    }

    /// Records a Normal core/v1 Event about `object`, as a controller reports what it did.
    private func event(about object: Value, reason: String, component: String, message: String) throws(APIError) {
        let namespace = object.meta("namespace") ?? "default"
        let now = Value.string(ObjectMeta.timestamp(clock()))
        let suffix = String(UInt64.random(in: 0..<UInt64.max) & 0xffff_ffff_ffff, radix: 16)
        let e: Value = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": .string("\(object.meta("name") ?? "").\(suffix)"), "namespace": .string(namespace)],
            "involvedObject": [
                "kind": object["kind"] ?? "", "namespace": .string(namespace), "name": .string(object.meta("name") ?? ""),
                "uid": .string(object.meta("uid") ?? ""), "apiVersion": object["apiVersion"] ?? "",
                "resourceVersion": .string(object.meta("resourceVersion") ?? ""),
            ],
            "reason": .string(reason), "message": .string(message), "source": ["component": .string(component)],
            "firstTimestamp": now, "lastTimestamp": now, "count": 1, "type": "Normal", "eventTime": nil,
            "reportingComponent": .string(component), "reportingInstance": "",
        ]
        _ = try insert(GroupResource(group: "", resource: "events"), e)
    }

    /// Stores a controller-made object: identity, defaults, then an ADDED event.
    private func insert(_ gr: GroupResource, _ object: Value) throws(APIError) -> Value {
        var o = object
        guard let type = types.anyVersion(of: gr) else { return object }
        setMeta(&o, "uid", .string(ObjectMeta.uid()))
        setMeta(&o, "creationTimestamp", .string(ObjectMeta.timestamp(clock())))
        if ObjectMeta.tracksGeneration(type) { setMeta(&o, "generation", 1) }
        Defaults.apply(&o, type: type)
        o = ObjectMeta.normalized(o)
        return try commit(gr, namespace: o.meta("namespace") ?? "", name: o.meta("name") ?? "", object: o, event: "ADDED")
    }
}

extension Value {
    /// Whether an ownerReference marks a controller (a Deployment's ReplicaSet, say).
    var hasControllerOwner: Bool {
        self[path: ["metadata", "ownerReferences"]]?.arrayValue?.contains { $0["controller"]?.boolValue == true } ?? false
    }
}
