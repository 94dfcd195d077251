import PlumbAudit
import PlumbCore
import PlumbEngine
import PlumbManifests

extension AuditPolicy {
    /// The audit trail's form of the policy checks' verdict.
    public init(_ verdict: PolicyVerdict) {
        self.init(
            violations: verdict.violations.map {
                Entry(
                    object: $0.ref.description, check: $0.finding.check, message: $0.finding.message,
                    mode: $0.mode.rawValue)
            },
            exempted: verdict.exempted.map {
                Entry(
                    object: $0.finding.ref.description, check: $0.finding.check, message: $0.finding.message,
                    exception: $0.exception, reason: $0.reason)
            })
    }
}

extension AuditedSync {
    /// What a sync that the policy blocks did: nothing. Each object with an enforced
    /// violation failed (its error the first violation's `<object>: <check-id>: <message>`
    /// line), every other object and prune was skipped, as after a failed dry-run.
    public static func blocked(_ plan: Plan, by verdict: PolicyVerdict) -> ChangeSet {
        var byObject: [ObjectRef: [PolicyViolation]] = [:]
        for v in verdict.enforced { byObject[v.ref, default: []].append(v) }
        let n = verdict.enforced.count
        let why = "\(n) enforced policy violation\(n == 1 ? "" : "s")"
        var objects: [ObjectChange] = plan.objects.map { object in
            guard let violations = byObject.removeValue(forKey: object.ref) else {
                return ObjectChange(ref: object.ref, action: .skipped, error: "\(object.ref): not applied: \(why)")
            }
            let more = violations.count > 1 ? " (and \(violations.count - 1) more)" : ""
            return ObjectChange(ref: object.ref, action: .failed, error: violations[0].line + more)
        }
        // Violations of objects the plan does not list (a caller that planned a subset) still fail.
        for (ref, violations) in byObject.sorted(by: { $0.key < $1.key }) {
            objects.append(ObjectChange(ref: ref, action: .failed, error: violations[0].line))
        }
        objects += plan.prune.map {
            ObjectChange(ref: $0.ref, action: .skipped, error: "\($0.ref): not pruned: \(why)")
        }
        return ChangeSet(objects)
    }
}
