import PlumbCore
import PlumbEngine

extension KubernetesTarget {
    /// Reads the object and judges it by the rule for its kind; an absent object is Missing.
    public func health(of ref: ObjectRef) async throws -> HealthStatus {
        let live: Value
        do {
            live = try await client.get(ref)
        } catch let error as StatusError where error.reason == .notFound {
            return HealthStatus(.missing, "not found")
        }
        return KubeHealth.assess(live)
    }
}

/// The health rules per kind, as gitops-engine's `health_*.go`: pure functions of a live object.
public enum KubeHealth {
    /// The health of a live object by its kind's rule, else its `Ready` condition, else Healthy.
    public static func assess(_ object: Value) -> HealthStatus {
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let group = ObjectRef.split(apiVersion: apiVersion).group
        switch (group, object["kind"]?.stringValue ?? "") {
        case ("apps", "Deployment"): return DeploymentHealth.deployment(object)
        case ("apps", "StatefulSet"): return DeploymentHealth.statefulSet(object)
        case ("apps", "DaemonSet"): return DeploymentHealth.daemonSet(object)
        case ("batch", "Job"): return JobHealth.assess(object)
        case ("", "PersistentVolumeClaim"): return PVCHealth.assess(object)
        case ("", "Service"): return ServiceHealth.assess(object)
        case ("apiextensions.k8s.io", "CustomResourceDefinition"): return CRDHealth.assess(object)
        default: return ConditionHealth.assess(object)
        }
    }

    /// The condition of `type` in `status.conditions`.
    static func condition(_ object: Value, _ type: String) -> Value? {
        object[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    /// An integer field of the object, 0 when absent.
    static func int(_ object: Value, _ path: [String]) -> Int64 { object[path: path]?.intValue ?? 0 }
}

/// Generic objects: a `Ready` condition decides; without one the object is Healthy once it exists.
enum ConditionHealth {
    static func assess(_ object: Value) -> HealthStatus {
        guard let ready = KubeHealth.condition(object, "Ready") else { return .healthy }
        let message = ready["message"]?.stringValue ?? ready["reason"]?.stringValue ?? ""
        switch ready["status"]?.stringValue {
        case "True": return .healthy
        case "False": return HealthStatus(.degraded, message)
        default: return HealthStatus(.progressing, message)
        }
    }
}
