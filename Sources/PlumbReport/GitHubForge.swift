import PlumbCore
import PlumbKube

/// GitHub and GitHub Enterprise Server, REST API version 2022-11-28.
///
/// - status: `POST /repos/{owner}/{repo}/statuses/{sha}` with `state`, `target_url`,
///   `description`, `context` ("Create a commit status");
/// - comments: `GET /repos/{owner}/{repo}/issues/{number}/comments` (pull requests are
///   issues), `POST` to the same path, `PATCH /repos/{owner}/{repo}/issues/comments/{id}`;
/// - pull requests: `GET /repos/{owner}/{repo}/pulls?state=open&base=`.
///
/// Lists follow the `Link` header, 100 items a page.
public struct GitHubForge: Forge {
    /// Characters in an issue or pull request comment body.
    public static let commentLimit = 65_536
    /// Characters in a status description.
    public static let descriptionLimit = 140
    /// Characters in a status context (Plumb's choice, GitHub states none; longer contexts
    /// are cut to keep the checks list readable).
    public static let contextLimit = 255

    public var commentLimit: Int { Self.commentLimit }
    let api: GitHubShapedAPI

    public init(_ configuration: ForgeConfiguration) throws {
        api = try GitHubShapedAPI(
            configuration, forge: "github", style: .bearer,
            headers: [
                HTTPHeader("Accept", "application/vnd.github+json"), HTTPHeader("X-GitHub-Api-Version", "2022-11-28"),
            ],
            descriptionLimit: Self.descriptionLimit, contextLimit: Self.contextLimit, commentListQuery: "?per_page=100")
    }

    /// GitHub's states are Plumb's: `error`, `failure`, `pending`, `success`.
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
        var query = "?state=open&per_page=100"
        if let base { query += "&base=\(percentEncoded(base))" }
        return try await api.openPullRequests(query: query, base: base)
    }
}
