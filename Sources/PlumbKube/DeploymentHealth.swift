import PlumbCore

/// Rollout health of Deployments, StatefulSets and DaemonSets: the controller has seen the
/// current generation and every replica is updated, ready and available.
enum DeploymentHealth {
    static func deployment(_ o: Value) -> HealthStatus {
        if let stale = staleGeneration(o) { return stale }
        if let p = KubeHealth.condition(o, "Progressing"), p["reason"]?.stringValue == "ProgressDeadlineExceeded" {
            let message = p["message"]?.stringValue ?? "exceeded its progress deadline"
            return HealthStatus(.degraded, "ProgressDeadlineExceeded: \(message)")
        }
        if o[path: ["spec", "paused"]]?.boolValue == true { return HealthStatus(.progressing, "rollout is paused") }
        let want = o[path: ["spec", "replicas"]]?.intValue ?? 1
        let updated = KubeHealth.int(o, ["status", "updatedReplicas"])
        let total = KubeHealth.int(o, ["status", "replicas"])
        let available = KubeHealth.int(o, ["status", "availableReplicas"])
        if updated < want { return HealthStatus(.progressing, "\(updated) of \(want) replicas updated") }
        if total > updated { return HealthStatus(.progressing, "\(total - updated) old replicas pending termination") }
        if available < updated { return HealthStatus(.progressing, "\(available) of \(updated) updated replicas available") }
        return .healthy
    }

    static func statefulSet(_ o: Value) -> HealthStatus {
        if let stale = staleGeneration(o) { return stale }
        let want = o[path: ["spec", "replicas"]]?.intValue ?? 1
        let ready = KubeHealth.int(o, ["status", "readyReplicas"])
        let updated = KubeHealth.int(o, ["status", "updatedReplicas"])
        if updated < want { return HealthStatus(.progressing, "\(updated) of \(want) replicas updated") }
        if ready < want { return HealthStatus(.progressing, "\(ready) of \(want) replicas ready") }
        return .healthy
    }

    static func daemonSet(_ o: Value) -> HealthStatus {
        if let stale = staleGeneration(o) { return stale }
        let want = KubeHealth.int(o, ["status", "desiredNumberScheduled"])
        let updated = KubeHealth.int(o, ["status", "updatedNumberScheduled"])
        let available = KubeHealth.int(o, ["status", "numberAvailable"])
        if updated < want { return HealthStatus(.progressing, "\(updated) of \(want) pods updated") }
        if available < want { return HealthStatus(.progressing, "\(available) of \(want) pods available") }
        return .healthy
    }

    /// Progressing while the controller has not observed the latest spec.
    static func staleGeneration(_ o: Value) -> HealthStatus? {
        let generation = KubeHealth.int(o, ["metadata", "generation"])
        let observed = KubeHealth.int(o, ["status", "observedGeneration"])
        return observed < generation ? HealthStatus(.progressing, "waiting for the controller to observe generation \(generation)") : nil
    }
}
