import Foundation
import PlumbCore
import PlumbKube

/// GitLab.com and self-managed GitLab, REST API v4, with a `PRIVATE-TOKEN`.
///
/// - status: `POST /projects/:id/statuses/:sha` with `state`, `name`, `target_url`,
///   `description` ("Set the pipeline status of a commit");
/// - notes: `GET /projects/:id/merge_requests/:merge_request_iid/notes`, `POST` to the same
///   path, `PUT /projects/:id/merge_requests/:merge_request_iid/notes/:note_id`;
/// - merge requests: `GET /projects/:id/merge_requests?state=opened&target_branch=`.
///
/// `:id` is the numeric project ID or the URL-encoded path (`group%2Fproject`). Lists follow
/// `X-Next-Page`, 100 items a page.
public struct GitLabForge: Forge {
    /// Characters in a note (GitLab's limit since 12.x, `Gitlab::Database::MAX_TEXT_SIZE_LIMIT`).
    public static let commentLimit = 1_000_000
    /// Characters in a status description and name (both are `varchar(255)` columns).
    public static let descriptionLimit = 255
    public static let nameLimit = 255

    public var commentLimit: Int { Self.commentLimit }
    let http: ForgeHTTP
    let project: String

    public init(_ configuration: ForgeConfiguration) throws {
        let id = configuration.repository.trimmingCharacters(in: .init(charactersIn: "/"))
        guard !id.isEmpty else {
            throw ForgeError(
                kind: .credentials, forge: "gitlab", method: "", path: "", message: "no project path or ID given")
        }
        project = "/projects/\(percentEncoded(id))"
        http = try ForgeHTTP.make(
            configuration, style: .privateToken, headers: [HTTPHeader("Accept", "application/json")])
    }

    /// Plumb's states in GitLab's: a sync under way is `running` (GitLab's `pending` means
    /// queued), a failure or an error is `failed` (GitLab has no `error`; `canceled` would not
    /// block a merge).
    public static func state(_ state: CommitState) -> String {
        switch state {
        case .pending: return "running"
        case .success: return "success"
        case .failure, .error: return "failed"
        }
    }

    public func setStatus(_ status: CommitStatus) async throws {
        var body: Value = [
            "state": .string(Self.state(status.state)),
            "name": .string(clipped(status.context, to: Self.nameLimit)),
            "description": .string(clipped(status.description, to: Self.descriptionLimit)),
        ]
        if let url = status.targetURL { body["target_url"] = .string(url) }
        let request = ForgeRequest(
            "POST", "\(project)/statuses/\(percentEncoded(status.sha))", body: body, idempotent: true)
        let response = try await http.exchange(request)
        if (200..<300).contains(response.status) { return }
        // GitLab refuses to move a status into the state it is in ("Cannot transition status
        // via :run from :running"): the commit already shows what Plumb meant to say.
        if response.status == 400, http.forgeMessage(response).contains("Cannot transition status") { return }
        throw http.failure(request, response)
    }

    public func comments(pullRequest: Int) async throws -> [ForgeComment] {
        let path = "\(project)/merge_requests/\(pullRequest)/notes"
        let items = try await http.all(path + "?sort=asc&order_by=created_at&per_page=100", pagination: .nextPageHeader)
        return try items.map { try note($0, "GET", path) }
    }

    public func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        let path = "\(project)/merge_requests/\(pullRequest)/notes"
        let response = try await http.send(ForgeRequest("POST", path, body: ["body": .string(body)]))
        return try note(response.json, "POST", path)
    }

    public func editComment(pullRequest: Int, id: String, body: String) async throws {
        let path = "\(project)/merge_requests/\(pullRequest)/notes/\(percentEncoded(id))"
        _ = try await http.send(ForgeRequest("PUT", path, body: ["body": .string(body)]))
    }

    public func openPullRequests(base: String?) async throws -> [PullRequest] {
        var path = "\(project)/merge_requests?state=opened&per_page=100"
        if let base { path += "&target_branch=\(percentEncoded(base))" }
        let items = try await http.all(path, pagination: .nextPageHeader)
        return try items.compactMap { item in
            guard let iid = item["iid"]?.intValue, let sha = item["sha"]?.stringValue else {
                throw ForgeError(
                    kind: .unexpectedAnswer, forge: "gitlab", method: "GET", path: path,
                    message: "a merge request without iid and sha")
            }
            let mr = PullRequest(
                number: Int(iid), headSHA: sha, headBranch: item["source_branch"]?.stringValue ?? "",
                baseBranch: item["target_branch"]?.stringValue ?? "")
            return base == nil || mr.baseBranch == base ? mr : nil
        }
    }

    private func note(_ item: Value, _ method: String, _ path: String) throws -> ForgeComment {
        guard let id = item["id"]?.intValue else {
            throw ForgeError(
                kind: .unexpectedAnswer, forge: "gitlab", method: method, path: path, message: "a note without id")
        }
        return ForgeComment(id: String(id), body: item["body"]?.stringValue ?? "")
    }
}
