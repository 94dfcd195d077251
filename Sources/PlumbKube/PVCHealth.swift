import PlumbCore

/// PersistentVolumeClaims: Healthy when Bound, Degraded when Lost, else Progressing.
enum PVCHealth {
    static func assess(_ o: Value) -> HealthStatus {
        switch o[path: ["status", "phase"]]?.stringValue {
        case "Bound": return .healthy
        case "Lost": return HealthStatus(.degraded, "the claim lost its volume")
        case let phase: return HealthStatus(.progressing, "phase \(phase ?? "Pending")")
        }
    }
}
