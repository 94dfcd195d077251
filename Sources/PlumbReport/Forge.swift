/// Plumb's state of a commit status; each forge maps it to its own states
/// (GitLab `running`/`failed`, Bitbucket `INPROGRESS`/`SUCCESSFUL`/`FAILED`, ...).
public enum CommitState: String, Sendable, Equatable, CaseIterable {
    case pending, success, failure, error
}

/// One commit status to set: `plumb/<app>` on a commit, with a one-line description.
public struct CommitStatus: Sendable, Equatable {
    public var sha: String
    /// The status's name on the forge (GitHub `context`, GitLab `name`, Bitbucket `key`).
    public var context: String
    public var state: CommitState
    public var description: String
    public var targetURL: String?

    public init(sha: String, context: String, state: CommitState, description: String, targetURL: String? = nil) {
        self.sha = sha
        self.context = context
        self.state = state
        self.description = description
        self.targetURL = targetURL
    }
}

/// An open pull (merge) request and the commit its head branch points at.
public struct PullRequest: Sendable, Equatable {
    public var number: Int
    public var headSHA: String
    public var headBranch: String
    public var baseBranch: String

    public init(number: Int, headSHA: String, headBranch: String, baseBranch: String) {
        self.number = number
        self.headSHA = headSHA
        self.headBranch = headBranch
        self.baseBranch = baseBranch
    }
}

/// A comment on a pull request, by the forge's id for it.
public struct ForgeComment: Sendable, Equatable {
    public var id: String
    public var body: String

    public init(id: String, body: String) {
        self.id = id
        self.body = body
    }
}

/// One forge's REST API for one repository: what Plumb needs to report a plan and a sync.
public protocol Forge: Sendable {
    /// The most characters a comment body may have on this forge.
    var commentLimit: Int { get }
    func setStatus(_ status: CommitStatus) async throws
    /// Every comment of a pull request (all pages).
    func comments(pullRequest: Int) async throws -> [ForgeComment]
    func createComment(pullRequest: Int, body: String) async throws -> ForgeComment
    func editComment(pullRequest: Int, id: String, body: String) async throws
    /// The open pull requests, optionally only those into `base`.
    func openPullRequests(base: String?) async throws -> [PullRequest]
}

extension Forge {
    /// Keeps one comment per marker on a pull request: edits the comment that holds `marker`
    /// (a hidden HTML comment) in place, or creates it. Returns the comment as it now is.
    @discardableResult
    public func upsertComment(pullRequest: Int, marker: String, body: String) async throws -> ForgeComment {
        let full = body.contains(marker) ? body : marker + "\n" + body
        if let existing = try await comments(pullRequest: pullRequest).first(where: { $0.body.contains(marker) }) {
            if existing.body != full {
                try await editComment(pullRequest: pullRequest, id: existing.id, body: full)
            }
            return ForgeComment(id: existing.id, body: full)
        }
        return try await createComment(pullRequest: pullRequest, body: full)
    }
}
