import PlumbController
import PlumbGit
import PlumbManifests

/// `plumb sync --revert-commit`: after an automatic rollback, the synced commit is reverted on
/// its branch and pushed, so Git holds what the cluster was put back to.
enum RevertCommit {
    /// Pushes the revert when `outcome` rolled something back; says what it pushed, or why not.
    static func afterRollback(
        _ outcome: AuditedSync.Outcome, app: String, loaded: LoadedSource, source: RepoOptions, author: String, say: (String) -> Void
    ) {
        guard let reason = reason(outcome, app: app) else { return }
        let short = loaded.commit.id.short
        guard let branch = loaded.branch else {
            Terminal.writeErr("error: revert commit: revision \(short) is on no branch (give --revision a branch name)\n")
            return
        }
        do {
            let revert = try GitRevert.push(
                url: source.repo, branch: branch, commit: loaded.commit.id.hex, author: GitAuthor(parsing: author) ?? .plumb,
                reason: reason, options: source.sourceOptions)
            say("reverted \(short) on \(branch): pushed \(revert.short) by \(GitAuthor(parsing: author) ?? .plumb)\n")
        } catch {
            Terminal.writeErr("error: revert commit of \(short) on \(branch): \(error)\n")
        }
    }

    /// Why the commit is reverted, when the sync rolled back: a rollout rolled back by this
    /// sync (not one merely still blocked), or the rollback of a failed wave.
    static func reason(_ outcome: AuditedSync.Outcome, app: String) -> String? {
        if let rollout = outcome.rollouts.first(where: { $0.phase == .degraded && $0.action != "blocked" }) {
            return "Plumb rolled back \(rollout.target.qualifiedName) (\(rollout.strategy.qualifiedName)): \(rollout.message)"
        }
        if let rollback = outcome.rollback, let id = rollback.auditID, rollback.error == nil, rollback.result?.succeeded == true {
            return "Plumb rolled back \(app) to \(rollback.revision.prefix(7)) after the sync failed (audit #\(outcome.auditID), rollback #\(id))."
        }
        return nil
    }
}
