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
    let http: ForgeHTTP
    let repo: String

    public init(_ configuration: ForgeConfiguration) throws {
        let (owner, name) = try configuration.ownerAndName()
        repo = "/repos/\(percentEncoded(owner))/\(percentEncoded(name))"
        http = try ForgeHTTP.make(
            configuration, style: .bearer,
            headers: [
                HTTPHeader("Accept", "application/vnd.github+json"), HTTPHeader("X-GitHub-Api-Version", "2022-11-28"),
            ])
    }

    /// GitHub's states are Plumb's: `error`, `failure`, `pending`, `success`.
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
        let items = try await http.all("\(repo)/issues/\(pullRequest)/comments?per_page=100", pagination: .linkHeader)
        return try items.map { try comment($0, "GET", "\(repo)/issues/\(pullRequest)/comments") }
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
        var path = "\(repo)/pulls?state=open&per_page=100"
        if let base { path += "&base=\(percentEncoded(base))" }
        let items = try await http.all(path, pagination: .linkHeader)
        return try GitHubShapedAnswers.pullRequests(items, base: base, forge: "github", path: path)
    }

    private func comment(_ item: Value, _ method: String, _ path: String) throws -> ForgeComment {
        try GitHubShapedAnswers.comment(item, forge: "github", method: method, path: path)
    }
}
