import PlumbCore

/// Services: a LoadBalancer needs an ingress address; other types are Healthy once they exist.
enum ServiceHealth {
    static func assess(_ o: Value) -> HealthStatus {
        guard o[path: ["spec", "type"]]?.stringValue == "LoadBalancer" else { return .healthy }
        let ingress = o[path: ["status", "loadBalancer", "ingress"]]?.arrayValue ?? []
        return ingress.isEmpty ? HealthStatus(.progressing, "waiting for a load balancer address") : .healthy
    }
}
