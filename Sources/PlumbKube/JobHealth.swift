import PlumbCore

/// Jobs: Healthy once Complete, Degraded once Failed (with the reason), else Progressing.
enum JobHealth {
    static func assess(_ o: Value) -> HealthStatus {
        if let failed = KubeHealth.condition(o, "Failed"), failed["status"]?.stringValue == "True" {
            let why = [failed["reason"]?.stringValue, failed["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
            return HealthStatus(.degraded, why.isEmpty ? "job failed" : why)
        }
        if let done = KubeHealth.condition(o, "Complete"), done["status"]?.stringValue == "True" { return .healthy }
        return HealthStatus(.progressing, "\(KubeHealth.int(o, ["status", "succeeded"])) completions so far")
    }
}
