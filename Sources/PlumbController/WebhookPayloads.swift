import Foundation

/// The push payloads of each forge, as documented, read into a `WebhookPush`.
enum WebhookPayloads {
    /// A payload that is not what its event says it is.
    struct Malformed: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    static func object(_ body: [UInt8]) throws(Malformed) -> [String: Any] {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(body)), let object = parsed as? [String: Any] else {
            throw Malformed("the body is not a JSON object")
        }
        return object
    }

    /// GitHub `push` (and Gitea/Forgejo, whose push payload has GitHub's shape): `ref`,
    /// `after`, `repository.{clone_url,ssh_url,html_url,git_url,default_branch}`.
    static func githubPush(_ body: [UInt8]) throws(Malformed) -> WebhookPush {
        let json = try object(body)
        guard let ref = json["ref"] as? String else { throw Malformed("push: no ref") }
        guard let repository = json["repository"] as? [String: Any] else { throw Malformed("push: no repository") }
        let urls = ["clone_url", "ssh_url", "html_url", "git_url", "url"].compactMap { repository[$0] as? String }
        guard !urls.isEmpty else { throw Malformed("push: repository has no URL") }
        return WebhookPush(
            repositoryURLs: urls, ref: ref, defaultBranch: repository["default_branch"] as? String,
            commit: nonZero(json["after"] as? String))
    }

    /// GitLab `Push Hook` / `Tag Push Hook`: `ref`, `checkout_sha` (or `after`),
    /// `project.{git_http_url,git_ssh_url,web_url,default_branch}` (older payloads also
    /// `repository.{git_http_url,git_ssh_url,homepage}`).
    static func gitlabPush(_ body: [UInt8]) throws(Malformed) -> WebhookPush {
        let json = try object(body)
        guard let ref = json["ref"] as? String else { throw Malformed("push: no ref") }
        let project = json["project"] as? [String: Any] ?? [:]
        let repository = json["repository"] as? [String: Any] ?? [:]
        let urls = ["git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url"].compactMap { project[$0] as? String }
            + ["git_http_url", "git_ssh_url", "homepage"].compactMap { repository[$0] as? String }
        guard !urls.isEmpty else { throw Malformed("push: project has no URL") }
        return WebhookPush(
            repositoryURLs: urls, ref: ref, defaultBranch: project["default_branch"] as? String,
            commit: nonZero(json["checkout_sha"] as? String) ?? nonZero(json["after"] as? String))
    }

    /// Bitbucket Cloud `repo:push`: `repository.links.html.href` (or `full_name` on
    /// bitbucket.org) and `push.changes[].new.{type,name,target.hash}`, one push per changed
    /// branch or tag (a deleted one, `new: null`, is skipped).
    static func bitbucketPush(_ body: [UInt8]) throws(Malformed) -> [WebhookPush] {
        let json = try object(body)
        guard let repository = json["repository"] as? [String: Any] else { throw Malformed("repo:push: no repository") }
        var urls: [String] = []
        if let links = repository["links"] as? [String: Any], let html = links["html"] as? [String: Any], let href = html["href"] as? String {
            urls.append(href)
        }
        if urls.isEmpty, let fullName = repository["full_name"] as? String { urls.append("https://bitbucket.org/\(fullName)") }
        guard !urls.isEmpty else { throw Malformed("repo:push: repository has no URL") }
        let mainBranch = (repository["mainbranch"] as? [String: Any])?["name"] as? String
        guard let push = json["push"] as? [String: Any], let changes = push["changes"] as? [[String: Any]] else {
            throw Malformed("repo:push: no push.changes")
        }
        return changes.compactMap { change -> WebhookPush? in
            guard let new = change["new"] as? [String: Any], let name = new["name"] as? String else { return nil }
            let prefix = (new["type"] as? String) == "tag" ? "refs/tags/" : "refs/heads/"
            let hash = (new["target"] as? [String: Any])?["hash"] as? String
            return WebhookPush(repositoryURLs: urls, ref: prefix + name, defaultBranch: mainBranch, commit: nonZero(hash))
        }
    }

    /// Plumb's own: `{"repository": "<url>", "ref": "refs/heads/main"}`, with optional
    /// `"commit"` and `"defaultBranch"`.
    static func genericPush(_ body: [UInt8]) throws(Malformed) -> WebhookPush {
        let json = try object(body)
        guard let repository = json["repository"] as? String, !repository.isEmpty else { throw Malformed("repository: expected a URL") }
        guard let ref = json["ref"] as? String, !ref.isEmpty else { throw Malformed("ref: expected refs/heads/<branch> or refs/tags/<tag>") }
        return WebhookPush(
            repositoryURLs: [repository], ref: ref, defaultBranch: json["defaultBranch"] as? String, commit: nonZero(json["commit"] as? String))
    }

    /// A commit ID, not the all-zero one of a deleted ref.
    static func nonZero(_ sha: String?) -> String? {
        guard let sha, !sha.isEmpty, sha.contains(where: { $0 != "0" }) else { return nil }
        return sha
    }
}
