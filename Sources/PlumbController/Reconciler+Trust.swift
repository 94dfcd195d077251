import PlumbAudit
import PlumbCore
import PlumbGit
import PlumbManifests

extension Reconciler {
    /// Judges the loaded revision with the controller's trust policy (nil without one). A
    /// refused revision is recorded once in the audit trail and throws a `Failure` with
    /// reason `SignatureVerificationFailed` naming the commit and the path: the reconcile
    /// stops before planning, so the Application stays on its last synced revision.
    func verifyTrust(_ app: Application, spec: ApplicationSpec, loaded: LoadedSource) async throws -> TrustVerdict? {
        guard let policy = settings.trustPolicy else { return nil }
        let revision = loaded.commit.id
        let appName = app.key.description
        let since = AuditedSync.lastVerifiedRevision(audit, app: appName)
        let url = spec.source.repoURL
        let git = settings.git
        let verdict: TrustVerdict
        do {
            verdict = try await GitSources.offload {
                // The clone the fetch phase updated, opened without fetching: the commit judged is the commit loaded.
                let repository: GitRepository
                if let path = try GitSource.cachePath(for: url, options: git) {
                    repository = try GitRepository.open(path: path)
                } else {
                    repository = try GitSource.open(url: url, options: git)
                }
                let base = since.flatMap { (try? repository.commit($0)) != nil ? $0 : nil }
                return try policy.check(repository, revision: revision, since: base)
            }
        } catch {
            throw Failure(
                ConditionReason.signatureVerificationFailed, "cannot verify \(revision.short): \(error)",
                revision: revision.hex)
        }
        guard verdict.passed else {
            let message = "signature verification failed: \(verdict.message)"
            // One record per refused revision, not one per reconcile.
            let newest = try? audit.history(app: appName, limit: 1).first
            if newest?.revision != revision.hex || newest?.error != message {
                let audited = AuditedSync(
                    store: audit, app: appName, targetName: settings.targetName, repo: url,
                    initiator: AuditInitiator.controller,
                    auditOptions: ["path": .string(spec.source.path), "generation": .int(app.generation)])
                _ = try? audited.refuse(loaded, trust: verdict)
            }
            throw Failure(ConditionReason.signatureVerificationFailed, message, revision: revision.hex)
        }
        return verdict
    }
}
