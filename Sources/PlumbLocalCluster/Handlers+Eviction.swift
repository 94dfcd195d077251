import Foundation
import PlumbCore

/// `pods/<name>/eviction`: a `policy/v1 Eviction` deletes the pod unless a PodDisruptionBudget
/// forbids it, as kube-apiserver's EvictionREST (pkg/registry/core/pod/storage/eviction.go) does.
/// There is no disruption controller here, so the budget's status (healthy and desired pods,
/// disruptions allowed) is computed from the pods at the time of the eviction, as that
/// controller would compute it, and written to the budget.
extension APIServer {
    func evict(_ request: APIRequest, _ t: Target) async throws(APIError) -> APIResult {
        guard let name = t.name else { throw APIError.methodNotAllowed() }
        let body = try request.jsonBody()
        guard case .object = body else {
            throw APIError.badRequest(
                "Eviction in version \"v1\" cannot be handled as a Eviction: json: cannot unmarshal \(body.typeName) into Go value of type struct"
            )
        }
        if let av = body["apiVersion"]?.stringValue, av != "policy/v1" && av != "policy/v1beta1" {
            throw APIError.badRequest(
                "the API version in the data (\(av)) does not match the expected API version (policy/v1)")
        }
        if let kind = body["kind"]?.stringValue, kind != "Eviction" {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (Eviction)")
        }
        if (body.meta("name") ?? "") != name {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        var options = DeleteOptions()
        options.dryRun = try request.isDryRun()
        if let d = body["deleteOptions"] {
            if d["dryRun"]?.arrayValue?.contains("All") == true { options.dryRun = true }
            options.preconditionUID = d[path: ["preconditions", "uid"]]?.stringValue
            options.preconditionResourceVersion = d[path: ["preconditions", "resourceVersion"]]?.stringValue
            if let p = d["propagationPolicy"]?.stringValue {
                options.propagation = DeleteOptions.Propagation(rawValue: p)
            }
        }
        var pod = t
        pod.subresource = nil
        try await store.evict(pod, options: options)
        return .created(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201])
    }
}

extension ClusterStore {
    static let podDisruptionBudgets = GroupResource(group: "policy", resource: "poddisruptionbudgets")

    /// Evicts (deletes) a pod when no PodDisruptionBudget that selects it forbids that.
    func evict(_ t: Target, options: DeleteOptions) throws(APIError) {
        guard let name = t.name, let pod = get(t.type.groupResource, namespace: t.namespace, name: name) else {
            throw APIError.notFound(t.type, t.name ?? "")
        }
        // A terminal, pending or terminating pod has already disrupted whatever it could.
        let phase = pod[path: ["status", "phase"]]?.stringValue ?? ""
        if ["Succeeded", "Failed", "Pending"].contains(phase) || pod.meta("deletionTimestamp") != nil {
            _ = try delete(t, options: options)
            return
        }
        let budgets = list(Self.podDisruptionBudgets, namespace: t.namespace).map(\.object).filter { pdb in
            guard let selector = Self.selector(pdb[path: ["spec", "selector"]]) else { return false }
            return selector.matches(pod)
        }
        if budgets.count > 1 {
            throw APIError(
                code: 500, reason: "",
                message:
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
        }
        guard let pdb = budgets.first else {
            _ = try delete(t, options: options)
            return
        }
        let pdbName = pdb.meta("name") ?? ""
        var status = disruptionStatus(pdb, namespace: t.namespace)
        let healthy = status["currentHealthy"]?.intValue ?? 0
        let desired = status["desiredHealthy"]?.intValue ?? 0
        // An unready pod does not count towards healthy: taking it away costs nothing.
        if !Self.isReady(pod) && healthy >= desired && desired > 0 {
            _ = try delete(t, options: options)
            return
        }
        if (status["disruptionsAllowed"]?.intValue ?? 0) <= 0 {
            var error = APIError(
                code: 429, reason: "TooManyRequests",
                message: "Cannot evict pod as it would violate the pod's disruption budget.")
            error.causes = [
                .init(
                    reason: "DisruptionBudget",
                    message:
                        "The disruption budget \(pdbName) needs \(desired) healthy pods and has \(healthy) currently")
            ]
            try writeDisruptionStatus(pdb, status, namespace: t.namespace, dryRun: options.dryRun)
            throw error
        }
        _ = try delete(t, options: options)
        if options.dryRun { return }
        status = disruptionStatus(pdb, namespace: t.namespace)
        try writeDisruptionStatus(pdb, status, namespace: t.namespace, dryRun: false)
    }

    private func writeDisruptionStatus(_ pdb: Value, _ status: ValueObject, namespace: String, dryRun: Bool)
        throws(APIError)
    {
        guard !dryRun, var object = get(Self.podDisruptionBudgets, namespace: namespace, name: pdb.meta("name") ?? "")
        else { return }
        var merged = status
        if let conditions = object[path: ["status", "conditions"]], merged["conditions"] == nil {
            merged["conditions"] = conditions
        }
        if object["status"] == .object(merged) { return }
        object["status"] = .object(merged)
        try commit(
            Self.podDisruptionBudgets, namespace: namespace, name: pdb.meta("name") ?? "", object: object,
            event: "MODIFIED")
    }

    /// The status the disruption controller gives a budget: pods that match it, healthy ones
    /// (ready and not terminating), the healthy count it wants and the disruptions that leaves.
    func disruptionStatus(_ pdb: Value, namespace: String) -> ValueObject {
        let pods =
            Self.selector(pdb[path: ["spec", "selector"]]).map { selector in
                list(GroupResource(group: "", resource: "pods"), namespace: namespace).map(\.object).filter {
                    selector.matches($0)
                }
            } ?? []
        let live = pods.filter { $0.meta("deletionTimestamp") == nil }
        let healthy = Int64(live.filter(Self.isReady).count)
        var expected = Int64(pods.count)
        var desired: Int64 = 0
        if let maxUnavailable = pdb[path: ["spec", "maxUnavailable"]], !maxUnavailable.isNull {
            expected = expectedScale(pods, namespace: namespace)
            desired = max(0, expected - Self.scaled(maxUnavailable, of: expected))
        } else if let minAvailable = pdb[path: ["spec", "minAvailable"]], !minAvailable.isNull {
            if let n = minAvailable.intValue {
                desired = n
            } else {
                expected = expectedScale(pods, namespace: namespace)
                desired = Self.scaled(minAvailable, of: expected)
            }
        }
        var s = ValueObject()
        s["observedGeneration"] = pdb[path: ["metadata", "generation"]] ?? 1
        s["disruptionsAllowed"] = .int(max(0, healthy - desired))
        s["currentHealthy"] = .int(healthy)
        s["desiredHealthy"] = .int(desired)
        s["expectedPods"] = .int(expected)
        let allowed = healthy - desired > 0
        s["conditions"] = [
            [
                "type": "DisruptionAllowed", "status": allowed ? "True" : "False",
                "reason": allowed ? "SufficientPods" : "InsufficientPods", "message": "",
                "observedGeneration": pdb[path: ["metadata", "generation"]] ?? 1,
                "lastTransitionTime": .string(ObjectMeta.timestamp(clock())),
            ]
        ]
        return s
    }

    /// The replicas the pods' controllers want, summed over the controllers (a pod without one counts once).
    private func expectedScale(_ pods: [Value], namespace: String) -> Int64 {
        var seen: Set<String> = []
        var total: Int64 = 0
        for pod in pods {
            guard
                let owner = (pod[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).first(where: {
                    $0["controller"]?.boolValue == true
                }),
                let uid = owner["uid"]?.stringValue
            else {
                total += 1
                continue
            }
            guard seen.insert(uid).inserted else { continue }
            let kind = owner["kind"]?.stringValue ?? ""
            let resource: GroupResource
            switch kind {
            case "ReplicaSet": resource = GroupResource(group: "apps", resource: "replicasets")
            case "StatefulSet": resource = GroupResource(group: "apps", resource: "statefulsets")
            case "ReplicationController": resource = GroupResource(group: "", resource: "replicationcontrollers")
            default:
                total += 1
                continue
            }
            let controller = get(resource, namespace: namespace, name: owner["name"]?.stringValue ?? "")
            total += controller?[path: ["spec", "replicas"]]?.intValue ?? 1
        }
        return total
    }

    /// An int-or-percent scaled to `total`, rounding up (intstr.GetScaledValueFromIntOrPercent).
    static func scaled(_ value: Value, of total: Int64) -> Int64 {
        if let n = value.intValue { return n }
        let text = value.stringValue ?? ""
        guard text.hasSuffix("%"), let percent = Int64(text.dropLast()) else { return 0 }
        return (percent * total + 99) / 100
    }

    static func isReady(_ pod: Value) -> Bool {
        (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
    }

    /// A `metav1.LabelSelector` as a selector; nil for a missing or empty one, which selects nothing.
    static func selector(_ value: Value?) -> LabelSelector? {
        guard let value else { return nil }
        let text = APIServer.scaleSelector(value, plainMap: false)
        if text.isEmpty { return nil }
        return try? LabelSelector(parsing: text)
    }
}
