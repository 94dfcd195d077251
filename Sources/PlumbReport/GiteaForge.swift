import PlumbCore
import PlumbKube

/// Gitea and Forgejo, API v1, with `Authorization: token`.
///
/// - status: `POST /repos/{owner}/{repo}/statuses/{sha}` with `state`, `target_url`,
///   `description`, `context` (`CreateStatusOption`);
/// - comments: `GET /repos/{owner}/{repo}/issues/{index}/comments`, `POST` to the same path,
///   `PATCH /repos/{owner}/{repo}/issues/comments/{id}` (`CreateIssueCommentOption`,
///   `EditIssueCommentOption`);
/// - pull requests: `GET /repos/{owner}/{repo}/pulls?state=open`.
///
/// Lists follow the `Link` header (50 items a page, Gitea's default maximum).
public struct GiteaForge: Forge {
    /// Characters in a comment: Gitea documents no limit (the column is `LONGTEXT`); Plumb
    /// keeps to GitHub's figure, which renders comfortably.
    public static let commentLimit = 65_536
    /// Characters in a status description and context (Plumb's choice: Gitea stores `TEXT`
    /// but shows one line).
    public static let descriptionLimit = 255
    public static let contextLimit = 255

    public var commentLimit: Int { Self.commentLimit }
    let api: GitHubShapedAPI

    public init(_ configuration: ForgeConfiguration) throws {
        api = try GitHubShapedAPI(
            configuration, forge: "gitea", style: .giteaToken, headers: [HTTPHeader("Accept", "application/json")],
            descriptionLimit: Self.descriptionLimit, contextLimit: Self.contextLimit, commentListQuery: "")
    }

    /// Gitea has Plumb's four states (and `warning`, which Plumb does not use).
    public static func state(_ state: CommitState) -> String { state.rawValue }

    public func setStatus(_ status: CommitStatus) async throws {
        try await api.setStatus(status, state: Self.state(status.state))
    }

    public func comments(pullRequest: Int) async throws -> [ForgeComment] {
        try await api.comments(pullRequest: pullRequest)
    }

    public func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        try await api.createComment(pullRequest: pullRequest, body: body)
    }

    public func editComment(pullRequest: Int, id: String, body: String) async throws {
        try await api.editComment(id: id, body: body)
    }

    public func openPullRequests(base: String?) async throws -> [PullRequest] {
        // Gitea's list has no base-branch filter: Plumb filters the answer.
        try await api.openPullRequests(query: "?state=open&limit=50", base: base)
    }
}
