import PlumbCore
import PlumbEngine
import PlumbManifests

extension ConditionReason {
    /// An enforced policy check failed (docs/governance.md, "Policy checks"): nothing was applied.
    public static let policyViolation = "PolicyViolation"
}

extension Reconciler {
    /// The controller's policy checks' verdict on the Application's desired objects (nil
    /// without a policy), with the modes of the Application's namespace and name.
    func judgePolicy(_ app: Application, desired: [Resource]) -> PolicyVerdict? {
        guard let policy = settings.policy else { return nil }
        return policy.engine(for: PolicyScope(namespace: app.key.namespace, name: app.key.name)).evaluate(desired)
    }

    /// The Ready failure of a sync the policy blocked: reason `PolicyViolation`, naming the
    /// first violation as `<object>: <check-id>: <message>` and how many more there are.
    static func policyFailure(_ verdict: PolicyVerdict, plan: Plan, revision: String) -> Failure {
        let objects = Set(verdict.enforced.map(\.ref)).count
        return Failure(
            ConditionReason.policyViolation,
            "\(verdict.summary); \(objects) of \(plan.objects.count) objects violate the policy, nothing was applied",
            revision: revision)
    }
}
