import PlumbCore

/// Answers that GitHub and Gitea (whose API follows GitHub's) write alike: pull requests with
/// `number`, `head.sha`, `head.ref`, `base.ref`, and issue comments with `id` and `body`.
enum GitHubShapedAnswers {
    /// The pull requests of a list answer, only those into `base` when it is given.
    static func pullRequests(_ items: [Value], base: String?, forge: String, path: String) throws -> [PullRequest] {
        try items.compactMap { item in
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

    static func comment(_ item: Value, forge: String, method: String, path: String) throws -> ForgeComment {
        guard let id = item["id"]?.intValue else {
            throw ForgeError(kind: .unexpectedAnswer, forge: forge, method: method, path: path, message: "a comment without id")
        }
        return ForgeComment(id: String(id), body: item["body"]?.stringValue ?? "")
    }
}
