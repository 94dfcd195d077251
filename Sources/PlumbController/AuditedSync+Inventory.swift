import PlumbCore
import PlumbEngine

extension AuditedSync {
    /// The container images of each desired object of `plan` that runs any, for its audit entry.
    static func images(_ plan: Plan) -> [ObjectRef: [String]] {
        var out: [ObjectRef: [String]] = [:]
        for object in plan.objects {
            let images = object.resource.containerImages
            if !images.isEmpty { out[object.ref] = images }
        }
        return out
    }
}
