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
    let http: ForgeHTTP
    let repo: String

    public init(_ configuration: ForgeConfiguration) throws {
        let (owner, name) = try configuration.ownerAndName()
        repo = "/repos/\(percentEncoded(owner))/\(percentEncoded(name))"
        http = try ForgeHTTP.make(
            configuration, style: .giteaToken, headers: [HTTPHeader("Accept", "application/json")])
    }

    /// Gitea has Plumb's four states (and `warning`, which Plumb does not use).
    public static func state(_ state: CommitState) -> String { state.rawValue }

    public func setStatus(_ status: CommitStatus) async throws {
        var body: Value = [
            "state": .string(Self.state(status.state)),
            "description": .string(clipped(status.description, to: Self.descriptionLimit)),
            "context": .string(clipped(status.context, to: Self.contextLimit)),
        ]
        if let url = status.targetURL { body["target_url"] = .string(url) }
        _ = try await http.send(
            ForgeRequest("POST", "\(repo)/statuses/\(percentEncoded(status.sha))", body: body, idempotent: true))
    }

    public func comments(pullRequest: Int) async throws -> [ForgeComment] {
        let path = "\(repo)/issues/\(pullRequest)/comments"
        let items = try await http.all(path, pagination: .linkHeader)
        return try items.map { try comment($0, "GET", path) }
    }

    public func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        let path = "\(repo)/issues/\(pullRequest)/comments"
        let response = try await http.send(ForgeRequest("POST", path, body: ["body": .string(body)]))
        return try comment(response.json, "POST", path)
    }

    public func editComment(pullRequest: Int, id: String, body: String) async throws {
        _ = try await http.send(
            ForgeRequest("PATCH", "\(repo)/issues/comments/\(percentEncoded(id))", body: ["body": .string(body)]))
    }

    public func openPullRequests(base: String?) async throws -> [PullRequest] {
        // Gitea's list has no base-branch filter: Plumb filters the answer.
        let path = "\(repo)/pulls?state=open&limit=50"
        let items = try await http.all(path, pagination: .linkHeader)
        return try GitHubShapedAnswers.pullRequests(items, base: base, forge: "gitea", path: path)
    }

    private func comment(_ item: Value, _ method: String, _ path: String) throws -> ForgeComment {
        try GitHubShapedAnswers.comment(item, forge: "gitea", method: method, path: path)
    }
}
