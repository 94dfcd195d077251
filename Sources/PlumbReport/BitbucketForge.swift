import Crypto
import PlumbCore
import PlumbKube

/// Bitbucket Cloud, REST API 2.0, with a Bearer access token (repository, project or
/// workspace token) or Basic auth (an Atlassian API token or app password).
///
/// - status: `POST /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build` with
///   `key`, `state`, `name`, `url`, `description` ("Create a build status for a commit");
/// - comments: `GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}/comments`,
///   `POST` to the same path, `PUT .../comments/{comment_id}`, each with `content.raw`;
/// - pull requests: `GET /repositories/{workspace}/{repo_slug}/pullrequests?state=OPEN`.
///
/// Lists follow the `next` URL of each page, 50 items a page (the most Bitbucket allows).
public struct BitbucketForge: Forge {
    /// Characters in a pull request comment: Bitbucket documents none; Plumb keeps to 32,768,
    /// a figure long comments of other tools stay under.
    public static let commentLimit = 32_768
    /// Characters in a build status key: Bitbucket answers a longer one with 400 "key: Ensure
    /// this value has at most 40 characters".
    public static let keyLimit = 40
    /// Characters in a status name and description (Plumb's safe figures, one line each).
    public static let nameLimit = 255
    public static let descriptionLimit = 255

    public var commentLimit: Int { Self.commentLimit }
    let http: ForgeHTTP
    let repo: String
    let workspace: String
    let slug: String

    public init(_ configuration: ForgeConfiguration) throws {
        (workspace, slug) = try configuration.ownerAndName()
        repo = "/repositories/\(percentEncoded(workspace))/\(percentEncoded(slug))"
        http = try ForgeHTTP.make(configuration, style: .bearer, headers: [HTTPHeader("Accept", "application/json")])
    }

    /// Plumb's states in Bitbucket's: `INPROGRESS`, `SUCCESSFUL`, and `FAILED` for both a
    /// failure and an error (`STOPPED` is a cancelled build and would not block a merge).
    public static func state(_ state: CommitState) -> String {
        switch state {
        case .pending: return "INPROGRESS"
        case .success: return "SUCCESSFUL"
        case .failure, .error: return "FAILED"
        }
    }

    /// The status key for a context: the context itself when it fits, else its first 31
    /// characters and 8 hex digits of its SHA-256, so two long contexts stay apart.
    public static func key(_ context: String) -> String {
        guard context.count > keyLimit else { return context }
        let digest = SHA256.hash(data: Array(context.utf8)).map { String($0, radix: 16).leftPadded(2) }.joined()
        return String(context.prefix(keyLimit - 9)) + "-" + digest.prefix(8)
    }

    public func setStatus(_ status: CommitStatus) async throws {
        // Bitbucket requires a URL; without one the status links to the commit.
        let url =
            status.targetURL
            ?? "https://bitbucket.org/\(percentEncoded(workspace))/\(percentEncoded(slug))/commits/\(status.sha)"
        let body: Value = [
            "key": .string(Self.key(status.context)),
            "state": .string(Self.state(status.state)),
            "name": .string(clipped(status.context, to: Self.nameLimit)),
            "url": .string(url),
            "description": .string(clipped(status.description, to: Self.descriptionLimit)),
        ]
        _ = try await http.send(
            ForgeRequest(
                "POST", "\(repo)/commit/\(percentEncoded(status.sha))/statuses/build", body: body, idempotent: true))
    }

    public func comments(pullRequest: Int) async throws -> [ForgeComment] {
        let path = "\(repo)/pullrequests/\(pullRequest)/comments"
        let items = try await http.all(path + "?pagelen=100", pagination: .bodyNext)
        return try items.compactMap { item in
            if item["deleted"]?.boolValue == true { return nil }
            return try comment(item, "GET", path)
        }
    }

    public func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        let path = "\(repo)/pullrequests/\(pullRequest)/comments"
        let response = try await http.send(ForgeRequest("POST", path, body: ["content": ["raw": .string(body)]]))
        return try comment(response.json, "POST", path)
    }

    public func editComment(pullRequest: Int, id: String, body: String) async throws {
        let path = "\(repo)/pullrequests/\(pullRequest)/comments/\(percentEncoded(id))"
        _ = try await http.send(ForgeRequest("PUT", path, body: ["content": ["raw": .string(body)]]))
    }

    /// Open pull requests. Bitbucket gives the head commit's hash abbreviated (12 digits);
    /// its commit endpoints take it as it is.
    public func openPullRequests(base: String?) async throws -> [PullRequest] {
        let path = "\(repo)/pullrequests?state=OPEN&pagelen=50"
        let items = try await http.all(path, pagination: .bodyNext)
        return try items.compactMap { item in
            guard let id = item["id"]?.intValue, let sha = item[path: ["source", "commit", "hash"]]?.stringValue else {
                throw ForgeError(
                    kind: .unexpectedAnswer, forge: "bitbucket", method: "GET", path: path,
                    message: "a pull request without id and source.commit.hash")
            }
            let pr = PullRequest(
                number: Int(id), headSHA: sha, headBranch: item[path: ["source", "branch", "name"]]?.stringValue ?? "",
                baseBranch: item[path: ["destination", "branch", "name"]]?.stringValue ?? "")
            return base == nil || pr.baseBranch == base ? pr : nil
        }
    }

    private func comment(_ item: Value, _ method: String, _ path: String) throws -> ForgeComment {
        guard let id = item["id"]?.intValue else {
            throw ForgeError(
                kind: .unexpectedAnswer, forge: "bitbucket", method: method, path: path, message: "a comment without id"
            )
        }
        return ForgeComment(id: String(id), body: item[path: ["content", "raw"]]?.stringValue ?? "")
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
