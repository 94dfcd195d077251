import PlumbAudit
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
    /// The refusal is recorded once per revision and message: a `rejected` audit record with
    /// no objects, its error the refused objects.
    func checkTenancy(_ app: Application, spec: ApplicationSpec, loaded: LoadedSource, desired: [Resource])
        throws(Failure)
    {
        guard let tenancy = settings.tenancy else { return }
        let violations = tenancy.violations(desired.map(\.ref), namespace: app.key.namespace)
        guard !violations.isEmpty else { return }
        let message = violations.joined(separator: "; ")
        let revision = loaded.commit.id.hex
        let last = try? audit.history(app: app.key.description, limit: 1).first
        if !(last?.revision == revision && last?.result == .rejected && last?.error == message) {
            let audited = AuditedSync(
                store: audit, app: app.key.description, targetName: settings.targetName, repo: spec.source.repoURL,
                initiator: AuditInitiator.controller,
                auditOptions: ["path": .string(spec.source.path), "generation": .int(app.generation)])
            _ = try? audited.recordRefusal(loaded, error: message)
        }
        throw Failure(ConditionReason.notPermitted, message, revision: revision)
    }
}
