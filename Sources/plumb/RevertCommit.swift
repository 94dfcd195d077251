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
        guard let reason = outcome.revertReason(app: app) else { return }
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
}
