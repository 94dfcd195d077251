import PlumbGit
import PlumbManifests

extension AuditedSync.Outcome {
    /// Why the synced commit should be reverted in Git, when this sync rolled something back: a
    /// rollout it rolled back (not one merely still blocked), or the rollback of a failed wave.
    public func revertReason(app: String) -> String? {
        if let rollout = rollouts.first(where: { $0.phase == .degraded && $0.action != "blocked" }) {
            return "Plumb rolled back \(rollout.target.qualifiedName) (\(rollout.strategy.qualifiedName)): \(rollout.message)"
        }
        if let rollback, let id = rollback.auditID, rollback.error == nil, rollback.result?.succeeded == true {
            return "Plumb rolled back \(app) to \(rollback.revision.prefix(7)) after the sync failed (audit #\(auditID), rollback #\(id))."
        }
        return nil
    }
}

extension Reconciler {
    /// `syncPolicy.revertCommitOnRollback`: after a rollback, the synced commit is reverted on
    /// the source's branch and pushed with the Application's credentials (its secretRef), by
    /// `Plumb <plumb@localhost>`. Returns the Event that says what was pushed, or why not.
    func revertCommit(_ app: Application, spec: ApplicationSpec, loaded: LoadedSource, outcome: AuditedSync.Outcome) async -> [AppEvent] {
        guard spec.revertCommitOnRollback, let reason = outcome.revertReason(app: app.key.description) else { return [] }
        let short = loaded.commit.id.short
        guard let branch = loaded.branch else {
            return [AppEvent(.warning, reason: "RevertCommitFailed", action: "Revert", message: "\(short) is on no branch: nothing to revert on")]
        }
        do {
            let options = try await gitOptions(app, spec)
            let url = spec.source.repoURL
            let commit = loaded.commit.id.hex
            // libgit2 blocks: the fetch, the revert and the push run off the cooperative pool.
            let revert = try await Task.detached {
                try GitRevert.push(url: url, branch: branch, commit: commit, author: .plumb, reason: reason, options: options)
            }.value
            return [AppEvent(.normal, reason: "RevertCommitPushed", action: "Revert", message: "Reverted \(short) on \(branch): pushed \(revert.short) by \(GitAuthor.plumb)")]
        } catch {
            return [AppEvent(.warning, reason: "RevertCommitFailed", action: "Revert", message: "Revert of \(short) on \(branch): \(error)")]
        }
    }
}
