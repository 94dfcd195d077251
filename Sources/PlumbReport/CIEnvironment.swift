import Foundation
import PlumbCore

/// What a CI job tells about the pull request it runs for, read from the variables each CI
/// documents, so that `plumb diff --report github` needs no other flag in a pipeline:
///
/// - GitHub Actions (`GITHUB_ACTIONS=true`): `GITHUB_REPOSITORY`, `GITHUB_API_URL`, the event
///   file at `GITHUB_EVENT_PATH` (`pull_request.number`, `pull_request.head.sha`,
///   `pull_request.base.ref`), else `GITHUB_SHA`; the run at `GITHUB_SERVER_URL`/…/`GITHUB_RUN_ID`.
/// - Gitea Actions (`GITEA_ACTIONS=true`, with the same `GITHUB_*` variables and event file).
/// - GitLab CI (`GITLAB_CI=true`): `CI_PROJECT_ID` (else `CI_PROJECT_PATH`), `CI_API_V4_URL`,
///   `CI_MERGE_REQUEST_IID`, `CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` (merged-results pipelines)
///   else `CI_COMMIT_SHA`, `CI_MERGE_REQUEST_TARGET_BRANCH_NAME`, `CI_JOB_URL`.
/// - Bitbucket Pipelines (`BITBUCKET_BUILD_NUMBER` set): `BITBUCKET_WORKSPACE` and
///   `BITBUCKET_REPO_SLUG`, `BITBUCKET_PR_ID`, `BITBUCKET_COMMIT`,
///   `BITBUCKET_PR_DESTINATION_BRANCH`, `BITBUCKET_REPO_FULL_NAME` for the run's link.
public struct CIEnvironment: Sendable, Equatable {
    /// The CI systems recognised.
    public enum Provider: String, Sendable, CaseIterable {
        case githubActions = "GitHub Actions"
        case giteaActions = "Gitea Actions"
        case gitlabCI = "GitLab CI"
        case bitbucketPipelines = "Bitbucket Pipelines"

        /// The forge the CI belongs to (`--report` value).
        public var forge: String {
            switch self {
            case .githubActions: return "github"
            case .giteaActions: return "gitea"
            case .gitlabCI: return "gitlab"
            case .bitbucketPipelines: return "bitbucket"
            }
        }
    }

    public var provider: Provider
    /// `owner/repo`, GitLab's project ID (or path), Bitbucket's `workspace/slug`.
    public var repository: String?
    /// The pull (merge) request the job runs for.
    public var pullRequest: Int?
    /// The pull request's head commit (the commit reviewers see), else the job's commit.
    public var headSHA: String?
    /// The branch the pull request targets.
    public var baseBranch: String?
    /// The forge's API root as the CI names it (`https://api.github.com`, `.../api/v4`).
    public var apiURL: String?
    /// The link to this CI run, for the status and the comment.
    public var runURL: String?

    public init(
        provider: Provider, repository: String? = nil, pullRequest: Int? = nil, headSHA: String? = nil,
        baseBranch: String? = nil,
        apiURL: String? = nil, runURL: String? = nil
    ) {
        self.provider = provider
        self.repository = repository
        self.pullRequest = pullRequest
        self.headSHA = headSHA
        self.baseBranch = baseBranch
        self.apiURL = apiURL
        self.runURL = runURL
    }

    /// The CI the variables describe, or nil outside a recognised CI. `readFile` reads the
    /// event file (a test passes its own); an unreadable event file is an error naming it.
    public static func detect(
        _ env: [String: String] = ProcessInfo.processInfo.environment,
        readFile: (String) throws -> String = { try String(contentsOfFile: $0, encoding: .utf8) }
    ) throws(CIEnvironmentError) -> CIEnvironment? {
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        if value("GITEA_ACTIONS") == "true" {
            return try github(.giteaActions, value, readFile: readFile)
        }
        if value("GITHUB_ACTIONS") == "true" {
            return try github(.githubActions, value, readFile: readFile)
        }
        if value("GITLAB_CI") == "true" {
            var ci = CIEnvironment(provider: .gitlabCI)
            ci.repository = value("CI_PROJECT_ID") ?? value("CI_PROJECT_PATH")
            ci.apiURL = value("CI_API_V4_URL")
            ci.pullRequest = try number(value("CI_MERGE_REQUEST_IID"), "CI_MERGE_REQUEST_IID")
            ci.headSHA = value("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") ?? value("CI_COMMIT_SHA")
            ci.baseBranch = value("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
            ci.runURL = value("CI_JOB_URL") ?? value("CI_PIPELINE_URL")
            return ci
        }
        if value("BITBUCKET_BUILD_NUMBER") != nil || value("BITBUCKET_COMMIT") != nil {
            var ci = CIEnvironment(provider: .bitbucketPipelines)
            if let workspace = value("BITBUCKET_WORKSPACE"), let slug = value("BITBUCKET_REPO_SLUG") {
                ci.repository = "\(workspace)/\(slug)"
            } else {
                ci.repository = value("BITBUCKET_REPO_FULL_NAME")
            }
            ci.pullRequest = try number(value("BITBUCKET_PR_ID"), "BITBUCKET_PR_ID")
            ci.headSHA = value("BITBUCKET_COMMIT")
            ci.baseBranch = value("BITBUCKET_PR_DESTINATION_BRANCH")
            if let full = value("BITBUCKET_REPO_FULL_NAME"), let build = value("BITBUCKET_BUILD_NUMBER") {
                ci.runURL = "https://bitbucket.org/\(full)/pipelines/results/\(build)"
            }
            return ci
        }
        return nil
    }

    /// GitHub Actions and Gitea Actions: the same variables and the same event payload.
    private static func github(
        _ provider: Provider, _ value: (String) -> String?, readFile: (String) throws -> String
    ) throws(CIEnvironmentError) -> CIEnvironment {
        var ci = CIEnvironment(provider: provider)
        ci.repository = value("GITHUB_REPOSITORY")
        ci.apiURL = value("GITHUB_API_URL")
        ci.headSHA = value("GITHUB_SHA")
        if let server = value("GITHUB_SERVER_URL"), let repo = ci.repository {
            // Gitea numbers a repository's runs itself: its run pages use the run number.
            let run = provider == .giteaActions ? value("GITHUB_RUN_NUMBER") : value("GITHUB_RUN_ID")
            if let run { ci.runURL = "\(server)/\(repo)/actions/runs/\(run)" }
        }
        guard let path = value("GITHUB_EVENT_PATH") else { return ci }
        let event: Value
        do {
            event = try JSONReader().parse(try readFile(path))
        } catch {
            throw CIEnvironmentError("GITHUB_EVENT_PATH \(path): \(error)")
        }
        // pull_request and pull_request_target events carry the pull request; a push does not.
        if let pr = event["pull_request"], pr.objectValue != nil {
            guard let n = pr["number"]?.intValue else {
                throw CIEnvironmentError("GITHUB_EVENT_PATH \(path): pull_request.number: not a number")
            }
            ci.pullRequest = Int(n)
            // GITHUB_SHA is the test merge commit of the pull request; the status belongs on its head.
            if let sha = pr[path: ["head", "sha"]]?.stringValue { ci.headSHA = sha }
            ci.baseBranch = pr[path: ["base", "ref"]]?.stringValue
        }
        return ci
    }

    private static func number(_ text: String?, _ name: String) throws(CIEnvironmentError) -> Int? {
        guard let text else { return nil }
        guard let n = Int(text), n > 0 else {
            throw CIEnvironmentError("\(name) \(Value.string(text).jsonString): not a pull request number")
        }
        return n
    }
}

/// A CI variable or event file that does not read; the message starts with which.
public struct CIEnvironmentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
