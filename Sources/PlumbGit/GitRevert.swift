import CGit2
import Foundation

/// Who a commit Plumb writes is by (author and committer).
public struct GitAuthor: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var email: String

    public init(name: String, email: String) {
        self.name = name
        self.email = email
    }

    /// `Plumb <plumb@localhost>`.
    public static let plumb = GitAuthor(name: "Plumb", email: "plumb@localhost")

    /// Parses `Name <email>`; nil when it is not of that form.
    public init?(parsing text: String) {
        guard let open = text.lastIndex(of: "<"), text.hasSuffix(">") else { return nil }
        let name = text[..<open].trimmingCharacters(in: .whitespaces)
        let email = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        guard !name.isEmpty, !email.isEmpty, !email.contains("<"), !email.contains(">") else { return nil }
        self.init(name: name, email: email)
    }

    public var description: String { "\(name) <\(email)>" }
}

/// A revert commit pushed to a branch (`--revert-commit`, `syncPolicy.revertCommitOnRollback`):
/// after a rollback, Git gets the state the cluster was put back to.
public enum GitRevert {
    /// Reverts `commit` on the tip of `branch` of the remote `url` (through its cache clone,
    /// fetched first) and pushes the revert to that branch with `options`' credentials. The push
    /// is a fast-forward: a branch that moved on in the meantime gets the revert on top of its
    /// new tip; a revert that conflicts with later commits is an error and nothing is pushed.
    /// Returns the revert commit's id.
    public static func push(
        url: String, branch: String, commit: String, author: GitAuthor, reason: String, options: GitSourceOptions
    ) throws -> GitOID {
        ensureLibgit2()
        let remote = try GitRemoteURL(url)
        guard remote.isRemote else {
            throw GitError(
                .invalidArgument, "\(remote.display): a revert commit is pushed to a remote (git://, http(s)://, ssh://), not to a local path")
        }
        let cache = GitCache(remote: remote, options: options)
        let repo = try cache.update()
        let tracking = "refs/remotes/origin/\(branch)"
        let tip = try repo.resolveID(tracking)
        let reverted = try repo.resolveID(commit)
        let info = try repo.commit(reverted)
        let message = "Revert \"\(info.summary)\"\n\nThis reverts commit \(reverted.hex).\n\n\(reason)\n"
        let revert = try repo.revertCommit(reverted, onto: tip, author: author, message: message, branch: branch)
        let local = "refs/plumb/revert"
        try repo.setReference(local, to: revert)
        try push(repo, remote: remote, options: options, refspec: "\(local):refs/heads/\(branch)")
        // A rejected push (the branch moved) is reported per reference, not by the call: fetch and look.
        let after = try cache.update().resolveID(tracking)
        guard after == revert else {
            throw GitError(
                .invalidArgument,
                "\(remote.display): the push of the revert \(revert.short) to \(branch) was refused (\(branch) is at \(after.short))")
        }
        return revert
    }

    private static func push(_ repo: GitRepository, remote: GitRemoteURL, options: GitSourceOptions, refspec: String) throws {
        let session = try RemoteSession(remote: remote, options: options)
        let origin = try GitHandle.make("git_remote_lookup", subject: remote.display, free: git_remote_free) {
            git_remote_lookup($0, repo.pointer, "origin")
        }
        var opts = git_push_options()
        try session.check(git_push_options_init(&opts, UInt32(GIT_PUSH_OPTIONS_VERSION)), "git_push_options_init")
        opts.callbacks = try session.callbacks()
        let spec = strdup(refspec)
        defer { free(spec) }
        var strings: [UnsafeMutablePointer<CChar>?] = [spec]
        let code = strings.withUnsafeMutableBufferPointer { buffer in
            var specs = git_strarray(strings: buffer.baseAddress, count: 1)
            return withExtendedLifetime(session) { git_remote_push(origin.pointer, &specs, &opts) }
        }
        try session.check(code, "git_remote_push")
    }
}

extension GitRepository {
    /// The commit reverting `commit` on top of `tip` (not on any branch yet).
    func revertCommit(_ commit: GitOID, onto tip: GitOID, author: GitAuthor, message: String, branch: String) throws -> GitOID {
        let theirs = try lookupCommit(commit)
        let ours = try lookupCommit(tip)
        var merge = git_merge_options()
        try check(git_merge_options_init(&merge, UInt32(GIT_MERGE_OPTIONS_VERSION)), "git_merge_options_init")
        let index = try GitHandle.make("git_revert_commit", subject: displayName, free: git_index_free) {
            git_revert_commit($0, pointer, theirs.pointer, ours.pointer, 0, &merge)
        }
        guard git_index_has_conflicts(index.pointer) == 0 else {
            throw GitError(
                .invalidArgument,
                "\(displayName): reverting \(commit.short) conflicts with the later commits on \(branch); revert it by hand")
        }
        var treeID = git_oid()
        try check(git_index_write_tree_to(&treeID, index.pointer, pointer), "git_index_write_tree_to")
        let tree = try GitHandle.make("git_tree_lookup", subject: displayName, free: git_tree_free) {
            git_tree_lookup($0, pointer, &treeID)
        }
        var signature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_now(&signature, author.name, author.email), "git_signature_now")
        defer { git_signature_free(signature) }
        var out = git_oid()
        var parents: [OpaquePointer?] = [ours.pointer]
        let code = parents.withUnsafeMutableBufferPointer { buffer in
            git_commit_create(&out, pointer, nil, signature, signature, "UTF-8", message, tree.pointer, 1, buffer.baseAddress)
        }
        try check(code, "git_commit_create")
        return GitOID(out)
    }

    /// Points reference `name` at `id`, creating or moving it.
    func setReference(_ name: String, to id: GitOID) throws {
        var oid = id.raw
        var ref: OpaquePointer?
        try check(git_reference_create(&ref, pointer, name, &oid, 1, "plumb: revert"), "git_reference_create")
        git_reference_free(ref)
    }
}
