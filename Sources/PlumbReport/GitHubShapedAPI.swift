import PlumbCore
import PlumbKube

/// The requests and answers that GitHub and Gitea (whose API follows GitHub's) share:
/// statuses at `POST {repo}/statuses/{sha}`, issue comments at `{repo}/issues/{n}/comments`
/// and `{repo}/issues/comments/{id}` with `id` and `body`, and pull requests with `number`,
/// `head.sha`, `head.ref`, `base.ref`. Lists follow the `Link` header.
struct GitHubShapedAPI: Sendable {
    let http: ForgeHTTP
    /// `/repos/{owner}/{repo}`, percent-encoded.
    let repo: String
    /// The forge's name in errors.
    let forge: String
    let descriptionLimit: Int
    let contextLimit: Int
    /// Query added to the comment list (the page size, where the forge takes one).
    let commentListQuery: String

    init(
        _ configuration: ForgeConfiguration, forge: String, style: TokenStyle, headers: [HTTPHeader],
        descriptionLimit: Int, contextLimit: Int, commentListQuery: String
    ) throws {
        let (owner, name) = try configuration.ownerAndName()
        repo = "/repos/\(percentEncoded(owner))/\(percentEncoded(name))"
        http = try ForgeHTTP.make(configuration, style: style, headers: headers)
        self.forge = forge
        self.descriptionLimit = descriptionLimit
        self.contextLimit = contextLimit
        self.commentListQuery = commentListQuery
    }

    /// Sets a commit status; `state` is already the forge's word.
    func setStatus(_ status: CommitStatus, state: String) async throws {
        var body: Value = [
            "state": .string(state),
            "description": .string(clipped(status.description, to: descriptionLimit)),
            "context": .string(clipped(status.context, to: contextLimit)),
        ]
        if let url = status.targetURL { body["target_url"] = .string(url) }
        _ = try await http.send(
            ForgeRequest("POST", "\(repo)/statuses/\(percentEncoded(status.sha))", body: body, idempotent: true))
    }

    func comments(pullRequest: Int) async throws -> [ForgeComment] {
        let path = "\(repo)/issues/\(pullRequest)/comments"
        let items = try await http.all(path + commentListQuery, pagination: .linkHeader)
        return try items.map { try comment($0, method: "GET", path: path) }
    }

    func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        let path = "\(repo)/issues/\(pullRequest)/comments"
        let response = try await http.send(ForgeRequest("POST", path, body: ["body": .string(body)]))
        return try comment(response.json, method: "POST", path: path)
    }

    func editComment(id: String, body: String) async throws {
        _ = try await http.send(
            ForgeRequest("PATCH", "\(repo)/issues/comments/\(percentEncoded(id))", body: ["body": .string(body)]))
    }

    /// The open pull requests listed at `query` (below `{repo}/pulls`), only those into `base`
    /// when it is given.
    func openPullRequests(query: String, base: String?) async throws -> [PullRequest] {
        let path = "\(repo)/pulls\(query)"
        let items = try await http.all(path, pagination: .linkHeader)
        return try items.compactMap { item in
            guard let number = item["number"]?.intValue, let sha = item[path: ["head", "sha"]]?.stringValue else {
                throw ForgeError(
                    kind: .unexpectedAnswer, forge: forge, method: "GET", path: path,
                    message: "a pull request without number and head.sha")
            }
            let pr = PullRequest(
                number: Int(number), headSHA: sha, headBranch: item[path: ["head", "ref"]]?.stringValue ?? "",
                baseBranch: item[path: ["base", "ref"]]?.stringValue ?? "")
            return base == nil || pr.baseBranch == base ? pr : nil
        }
    }

    private func comment(_ item: Value, method: String, path: String) throws -> ForgeComment {
        guard let id = item["id"]?.intValue else {
            throw ForgeError(kind: .unexpectedAnswer, forge: forge, method: method, path: path, message: "a comment without id")
        }
        return ForgeComment(id: String(id), body: item["body"]?.stringValue ?? "")
    }
}
