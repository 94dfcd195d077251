import Foundation
import PlumbCore

/// Stands in for the controllers: after a delay, workloads report the status their
/// controllers would write, Jobs complete and PVCs bind. Tests can make one fail or stay unready.
actor Simulation {
    enum Outcome: Sendable { case healthy, unready, failed }

    private let store: ClusterStore
    private var delay: Duration
    private var outcomes: [String: Outcome] = [:]

    init(store: ClusterStore, delay: Duration) {
        self.store = store
        self.delay = delay
    }

    func setDelay(_ d: Duration) { delay = d }

    func setOutcome(namespace: String, name: String, _ outcome: Outcome) {
        outcomes["\(namespace)/\(name)"] = outcome
    }

    static let simulated: Set<String> = [
        "apps/deployments", "apps/statefulsets", "apps/daemonsets", "apps/replicasets", "batch/jobs",
        "/persistentvolumeclaims", "/services",
    ]

    /// Called after every client write; schedules a status update for simulated kinds.
    nonisolated func observe(_ type: ResourceType, _ object: Value) {
        guard Self.simulated.contains("\(type.group)/\(type.resource)") else { return }
        Task { await self.reconcile(type.groupResource, namespace: object.meta("namespace") ?? "", name: object.meta("name") ?? "") }
    }

    private func reconcile(_ gr: GroupResource, namespace: String, name: String) async {
        try? await Task.sleep(for: delay)
        let outcome = outcomes["\(namespace)/\(name)"] ?? .healthy
        let now = ObjectMeta.timestamp(Date())
        try? await store.simulateChildren(gr, namespace: namespace, name: name, ready: outcome == .healthy)
        try? await store.setStatus(gr, namespace: namespace, name: name) { object in
            Simulation.status(for: gr, object: object, outcome: outcome, now: now)
        }
    }

    /// The status a controller would write for `object`, or nil to leave it alone.
    static func status(for gr: GroupResource, object: Value, outcome: Outcome, now: String) -> Value? {
        let generation = object[path: ["metadata", "generation"]]?.intValue ?? 1
        let replicas = object[path: ["spec", "replicas"]]?.intValue ?? 1
        let name = object.meta("name") ?? ""
        let rsName = "\(name)-\(podTemplateHash(object))"
        func condition(_ type: String, _ status: String, _ reason: String, _ message: String, update: Bool = true) -> Value {
            var c = ValueObject()
            c["type"] = .string(type)
            c["status"] = .string(status)
            if update { c["lastUpdateTime"] = .string(now) }
            c["lastTransitionTime"] = .string(now)
            c["reason"] = .string(reason)
            c["message"] = .string(message)
            return .object(c)
        }
        var s = ValueObject()
        switch (gr.group, gr.resource) {
        case ("apps", "deployments"):
            s["observedGeneration"] = .int(generation)
            if replicas > 0 { s["replicas"] = .int(replicas); s["updatedReplicas"] = .int(replicas) }
            switch outcome {
            case .healthy:
                if replicas > 0 {
                    s["readyReplicas"] = .int(replicas)
                    s["availableReplicas"] = .int(replicas)
                }
                s["conditions"] = [
                    condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
                    condition("Progressing", "True", "NewReplicaSetAvailable", "ReplicaSet \"\(rsName)\" has successfully progressed."),
                ]
            case .unready:
                if replicas > 0 { s["unavailableReplicas"] = .int(replicas) }
                s["conditions"] = [
                    condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                    condition("Progressing", "True", "ReplicaSetUpdated", "ReplicaSet \"\(rsName)\" is progressing."),
                ]
            case .failed:
                if replicas > 0 { s["unavailableReplicas"] = .int(replicas) }
                s["conditions"] = [
                    condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
                    condition("Progressing", "False", "ProgressDeadlineExceeded", "ReplicaSet \"\(rsName)\" has timed out progressing."),
                ]
            }
        case ("apps", "statefulsets"), ("apps", "replicasets"):
            s["observedGeneration"] = .int(generation)
            s["replicas"] = .int(replicas)
            let ready = outcome == .healthy ? replicas : 0
            if gr.resource == "replicasets" { s["fullyLabeledReplicas"] = .int(replicas) }
            if ready > 0 { s["readyReplicas"] = .int(ready); s["availableReplicas"] = .int(ready) }
            if gr.resource == "statefulsets" {
                let revision = Value.string(rsName)
                s["currentReplicas"] = .int(replicas)
                s["updatedReplicas"] = .int(replicas)
                s["currentRevision"] = revision
                s["updateRevision"] = revision
                s["collisionCount"] = 0
            }
        case ("apps", "daemonsets"):
            let ready: Int64 = outcome == .healthy ? 1 : 0
            s["currentNumberScheduled"] = 1
            s["numberMisscheduled"] = 0
            s["desiredNumberScheduled"] = 1
            s["numberReady"] = .int(ready)
            s["observedGeneration"] = .int(generation)
            s["updatedNumberScheduled"] = 1
            if ready > 0 { s["numberAvailable"] = 1 } else { s["numberUnavailable"] = 1 }
        case ("batch", "jobs"):
            let completions = object[path: ["spec", "completions"]]?.intValue ?? 1
            s["startTime"] = .string(now)
            switch outcome {
            case .healthy:
                s["completionTime"] = .string(now)
                s["succeeded"] = .int(completions)
                s["conditions"] = [
                    condition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", update: false),
                    condition("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", update: false),
                ]
            case .unready:
                s["active"] = 1
            case .failed:
                s["failed"] = .int((object[path: ["spec", "backoffLimit"]]?.intValue ?? 6) + 1)
                s["conditions"] = [
                    condition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", update: false),
                    condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", update: false),
                ]
            }
            s["ready"] = 0
            s["terminating"] = 0
            s["uncountedTerminatedPods"] = [:]
        case ("", "services"):
            // A load balancer controller gives LoadBalancer Services an address; others keep theirs.
            guard object[path: ["spec", "type"]]?.stringValue == "LoadBalancer", outcome == .healthy else { return nil }
            let last = (object.meta("uid") ?? "").utf8.reduce(0) { ($0 &* 31 &+ Int($1)) % 200 } + 10  // stable per Service
            s["loadBalancer"] = ["ingress": [["ip": .string("172.18.255.\(last)"), "ipMode": "VIP"]]]
        case ("", "persistentvolumeclaims"):
            guard outcome == .healthy else { return nil }
            s["phase"] = "Bound"
            s["accessModes"] = object[path: ["spec", "accessModes"]] ?? ["ReadWriteOnce"]
            if let storage = object[path: ["spec", "resources", "requests", "storage"]] { s["capacity"] = ["storage": storage] }
        default:
            return nil
        }
        return .object(s)
    }

    /// A stable stand-in for the pod-template-hash label: ten characters from the template.
    static func podTemplateHash(_ object: Value) -> String {
        let bytes = (try? JSONWriter(sortKeys: true).bytes(object[path: ["spec", "template"]] ?? .null)) ?? []
        var h: UInt64 = 14_695_981_039_346_656_037
        for b in bytes { h = (h ^ UInt64(b)) &* 1_099_511_628_211 }
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        var out = ""
        for _ in 0..<10 {
            out.append(alphabet[Int(h % UInt64(alphabet.count))])
            h /= UInt64(alphabet.count)
        }
        return out
    }
}

extension ClusterStore {
    /// Writes a controller-computed status if the object still exists and the status changed.
    func setStatus(_ gr: GroupResource, namespace: String, name: String, _ compute: @Sendable (Value) -> Value?) throws(APIError) {
        guard var object = get(gr, namespace: namespace, name: name), object.meta("deletionTimestamp") == nil,
            let status = compute(object)
        else { return }
        if gr.group.isEmpty && gr.resource == "persistentvolumeclaims" && object[path: ["spec", "volumeName"]] == nil {
            let volume = "pvc-\(object.meta("uid") ?? "")"
            object["spec"]?["volumeName"] = .string(volume)
        }
        if Self.withoutTimes(object["status"] ?? .null) == Self.withoutTimes(status) { return }
        let before = object
        object["status"] = status
        // The controller's status write is recorded like kube-controller-manager's.
        if let type = types.anyVersion(of: gr) {
            let t = Target(type: type, namespace: namespace, name: name, subresource: "status")
            setMeta(&object, "managedFields", updatedManagedFields(t, old: before, new: object, manager: "kube-controller-manager"))
        }
        try commit(gr, namespace: namespace, name: name, object: object, event: "MODIFIED")
    }
}

extension ClusterStore {
    /// A status with its timestamps removed, to tell a real change from a rewrite.
    static func withoutTimes(_ v: Value) -> Value {
        switch v {
        case .object(let o):
            var out = ValueObject()
            for e in o where !["lastUpdateTime", "lastTransitionTime", "startTime", "completionTime"].contains(e.key) {
                out.appendUnchecked(key: e.key, value: withoutTimes(e.value))
            }
            return .object(out)
        case .array(let a): return .array(a.map(withoutTimes))
        default: return v
        }
    }
}
