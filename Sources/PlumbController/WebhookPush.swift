import Foundation

/// What a forge's push event says, reduced to what selects Applications: the repository (every
/// URL the payload gives for it), the pushed ref, the repository's default branch when the
/// payload names it, and the commit the ref now points at when it does.
public struct WebhookPush: Sendable, Equatable {
    /// The repository's URLs as the payload gives them (clone, SSH, web); any may match.
    public var repositoryURLs: [String]
    /// The full ref: `refs/heads/main`, `refs/tags/v1.2.0`.
    public var ref: String
    /// The repository's default branch (`main`), when the payload names it: an Application on
    /// `HEAD` follows it.
    public var defaultBranch: String?
    /// The commit the ref points at after the push, when the payload gives it.
    public var commit: String?

    public init(repositoryURLs: [String], ref: String, defaultBranch: String? = nil, commit: String? = nil) {
        self.repositoryURLs = repositoryURLs
        self.ref = ref
        self.defaultBranch = defaultBranch
        self.commit = commit
    }

    /// Whether an Application reading `revision` of `repoURL` follows this push: the URLs name
    /// one repository (`RepositoryURL.key`) and the revision is the pushed branch or tag, by
    /// full or short name; `HEAD` (or no revision) follows the default branch (any branch when
    /// the payload does not name one: a needless reconcile costs less than a missed push).
    public func matches(repoURL: String, revision: String) -> Bool {
        guard let key = RepositoryURL.key(repoURL),
            repositoryURLs.contains(where: { RepositoryURL.key($0) == key })
        else { return false }
        let wanted = revision.isEmpty ? "HEAD" : revision
        if wanted == "HEAD" {
            guard ref.hasPrefix("refs/heads/") else { return false }
            guard let defaultBranch else { return true }
            return ref == "refs/heads/" + defaultBranch || ref == defaultBranch
        }
        if wanted == ref { return true }
        for prefix in ["refs/heads/", "refs/tags/"] where ref.hasPrefix(prefix) {
            if String(ref.dropFirst(prefix.count)) == wanted { return true }
        }
        return false
    }
}

/// One key per repository, whatever form its URL takes: `https://Host/owner/repo(.git)`,
/// `ssh://git@host[:port]/owner/repo.git`, scp-style `git@host:owner/repo.git`, `git://`.
public enum RepositoryURL {
    /// `host/owner/repo`: the host in lower case without user or port, the path without a
    /// trailing `.git` or `/`; nil for a text that names no remote repository.
    public static func key(_ text: String) -> String? {
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        var host: Substring
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            host = rest[..<end]
            rest = rest[end...]
            if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
            if host.hasPrefix("[") {
                if let close = host.firstIndex(of: "]") { host = host[...close] }
            } else if let colon = host.firstIndex(of: ":") {
                host = host[..<colon]
            }
        } else if let colon = rest.firstIndex(of: ":"), !rest[..<colon].contains("/") {
            // scp-style `[user@]host:path`.
            host = rest[..<colon]
            if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
            rest = rest[rest.index(after: colon)...]
        } else {
            return nil
        }
        var path = String(rest)
        while path.hasSuffix("/") { path.removeLast() }
        if path.hasSuffix(".git") { path.removeLast(4) }
        while path.hasPrefix("/") { path.removeFirst() }
        guard !host.isEmpty, !path.isEmpty else { return nil }
        return host.lowercased() + "/" + path
    }
}
