import Foundation

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

/// The forges Plumb reports to.
public enum ForgeKind: String, Sendable, CaseIterable {
    case github, gitlab, gitea, bitbucket

    /// The API root of the public service; Gitea has none (every instance is self-hosted).
    public var defaultBaseURL: String? {
        switch self {
        case .github: return "https://api.github.com"
        case .gitlab: return "https://gitlab.com/api/v4"
        case .gitea: return nil
        case .bitbucket: return "https://api.bitbucket.org/2.0"
        }
    }
}

/// Which forge and repository to report to, and how to authenticate.
public struct ForgeConfiguration: Sendable, CustomStringConvertible {
    public var kind: ForgeKind
    /// The forge's address; nil for the public service. GitHub Enterprise `https://host`
    /// or `https://host/api/v3`; self-managed GitLab `https://host` or `https://host/api/v4`;
    /// Gitea/Forgejo `https://host` or `https://host/api/v1`; Bitbucket Cloud
    /// `https://api.bitbucket.org/2.0`. The API path is added when missing.
    public var baseURL: String?
    /// GitHub and Gitea `owner/name`; GitLab the project's path (`group/sub/project`) or
    /// numeric ID; Bitbucket `workspace/repo_slug`.
    public var repository: String
    public var auth: ForgeAuth
    /// A PEM CA bundle to trust (a self-hosted forge's own CA); nil trusts the system store.
    public var certificateAuthorityPEM: [UInt8]?
    public var insecureSkipTLSVerify: Bool = false
    public var connectTimeout: Duration = .seconds(10)
    public var requestTimeout: Duration = .seconds(30)
    public var retry = ForgeRetryPolicy()
    /// Where a line goes when a request is retried or waits for a rate limit. Never given a credential.
    public var log: @Sendable (String) -> Void = { _ in }
    /// Seconds since 1970 now; tests move it to expire a GitHub App token.
    var wallClock: @Sendable () -> Double = { Date().timeIntervalSince1970 }

    public init(kind: ForgeKind, baseURL: String? = nil, repository: String, auth: ForgeAuth) {
        self.kind = kind
        self.baseURL = baseURL
        self.repository = repository
        self.auth = auth
    }

    public var description: String {
        "\(kind.rawValue) \(repository) at \((try? apiRoot()) ?? baseURL ?? "?") (\(auth))"
    }

    /// The API root requests go under: the base URL with the forge's API path added when missing.
    public func apiRoot() throws -> String {
        guard var base = baseURL ?? kind.defaultBaseURL, !base.isEmpty else {
            throw ForgeError(
                kind: .credentials, forge: kind.rawValue, method: "", path: "",
                message: "a base URL is required (the Gitea or Forgejo server, e.g. https://gitea.example.com)")
        }
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URLComponents(string: base), let scheme = url.scheme, scheme == "https" || scheme == "http",
            url.host?.isEmpty == false
        else {
            throw ForgeError(
                kind: .credentials, forge: kind.rawValue, method: "", path: "",
                message: "base URL \(base) is not an http(s) URL")
        }
        let path = url.path
        switch kind {
        case .github:
            // github.com's API lives on its own host; GitHub Enterprise Server's under /api/v3.
            if url.host != "api.github.com" && !path.hasSuffix("/api/v3") { base += "/api/v3" }
        case .gitlab:
            if !path.hasSuffix("/api/v4") { base += "/api/v4" }
        case .gitea:
            if !path.hasSuffix("/api/v1") { base += "/api/v1" }
        case .bitbucket:
            if !path.hasSuffix("/2.0") { base += "/2.0" }
        }
        return base
    }

    /// The two halves of `owner/name` (`workspace/repo_slug`), or an error naming the forge.
    func ownerAndName() throws -> (String, String) {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ForgeError(
                kind: .credentials, forge: kind.rawValue, method: "", path: "",
                message: "repository \"\(repository)\" is not owner/name")
        }
        return (parts[0], parts[1])
    }
}

/// A client for the configured forge and repository, on Plumb's libcurl transport.
public func makeForge(_ configuration: ForgeConfiguration) throws -> any Forge {
    switch configuration.kind {
    case .github: return try GitHubForge(configuration)
    case .gitlab: return try GitLabForge(configuration)
    case .gitea: return try GiteaForge(configuration)
    case .bitbucket: return try BitbucketForge(configuration)
    }
}

/// `text` cut to at most `limit` characters, the last of them an ellipsis when it was cut.
func clipped(_ text: String, to limit: Int) -> String {
    guard text.count > limit else { return text }
    guard limit > 0 else { return "" }
    return String(text.prefix(limit - 1)) + "…"
}
