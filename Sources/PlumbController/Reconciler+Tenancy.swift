import PlumbCore
import PlumbKube
import PlumbManifests

extension Reconciler {
    /// The client an Application's sync writes, dry-runs and reads through: the controller's
    /// own, or with `spec.serviceAccountName` one that impersonates that service account of the
    /// Application's namespace (as Flux's kustomize-controller does), so the API server
    /// authorizes every request of the sync (discovery, observe, dry-run, apply, prune, health
    /// reads from the API) against the service account's RBAC, and a missing permission fails
    /// the dry-run before any write. Reads from the controller's shared watch caches stay the
    /// controller's own: they are one cache for every Application, and only decide what to plan.
    func syncClient(_ app: Application, spec: ApplicationSpec) -> KubeClient {
        guard let name = spec.serviceAccountName else { return client }
        return client.impersonating(.serviceAccount(name, namespace: app.key.namespace))
    }

    /// Fails the reconcile with `NotPermitted`, before anything is observed or written, when an
    /// object of the revision is outside the tenancy allowance of the Application's namespace.
    func checkTenancy(_ app: Application, desired: [Resource], revision: String) throws(Failure) {
        guard let tenancy = settings.tenancy else { return }
        let violations = tenancy.violations(desired.map(\.ref), namespace: app.key.namespace)
        guard !violations.isEmpty else { return }
        throw Failure(ConditionReason.notPermitted, violations.joined(separator: "; "), revision: revision)
    }
}
