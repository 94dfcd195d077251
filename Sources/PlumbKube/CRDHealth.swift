import PlumbCore

/// CustomResourceDefinitions: Healthy once Established; a NamesAccepted=False is Degraded.
enum CRDHealth {
    static func assess(_ o: Value) -> HealthStatus {
        if let names = KubeHealth.condition(o, "NamesAccepted"), names["status"]?.stringValue == "False" {
            return HealthStatus(.degraded, names["message"]?.stringValue ?? "names not accepted")
        }
        if let est = KubeHealth.condition(o, "Established"), est["status"]?.stringValue == "True" { return .healthy }
        return HealthStatus(.progressing, "not established yet")
    }
}
