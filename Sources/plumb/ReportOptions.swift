import ArgumentParser
import Foundation
import PlumbCore
import PlumbEngine
import PlumbReport

/// `--report github|gitlab|gitea|bitbucket` and its flags: where `plumb diff` posts its plan
/// (a sticky pull-request comment and a `plumb/<app>` commit status). What is not given is
/// read from the CI's variables (`CIEnvironment`). Tokens come from the environment or a
/// file, never from a flag.
struct ReportOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Post the plan on this forge's pull request: github, gitlab, gitea or bitbucket.",
            discussion:
                "A sticky comment (edited in place on every run) and a commit status plumb/<app> on the head commit. A forge that fails is one warning line; the exit status stays the diff's."
        ))
    var report: ReportForge?

    @Option(
        help: "The repository: owner/name (GitLab: project path or ID; Bitbucket: workspace/slug). Default from the CI."
    )
    var reportRepo: String?

    @Option(help: "The pull (merge) request number. Default from the CI; without one only the status is set.")
    var reportPr: Int?

    @Option(help: "The commit to set the status on. Default the pull request's head from the CI.")
    var reportSha: String?

    @Option(
        help:
            "The forge's API address (GitHub Enterprise, self-managed GitLab, Gitea). Default from the CI, else the public service."
    )
    var reportBaseUrl: String?

    @Option(
        help:
            "Environment variable holding the forge token (default GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN or BITBUCKET_TOKEN)."
    )
    var reportTokenEnv: String?

    @Option(help: "File holding the forge token.")
    var reportTokenFile: String?

    @Option(help: "User name for HTTP Basic with the token as password (Bitbucket app passwords and API tokens).")
    var reportUsername: String?

    @Option(help: "GitHub App ID (with --report-github-installation-id and --report-github-private-key-file).")
    var reportGithubAppId: String?

    @Option(help: "GitHub App installation ID.")
    var reportGithubInstallationId: String?

    @Option(help: "GitHub App private key (PEM).")
    var reportGithubPrivateKeyFile: String?

    @Flag(help: "Post no comment when nothing changes (an existing comment is still updated to say so).")
    var reportOnlyOnChanges = false

    @Option(help: "The commit status's name (default plumb/<app>).")
    var reportContext: String?

    enum ReportForge: String, ExpressibleByArgument, CaseIterable {
        case github, gitlab, gitea, bitbucket
        var kind: ForgeKind { ForgeKind(rawValue: rawValue) ?? .github }
        var defaultTokenEnv: [String] {
            switch self {
            case .github: return ["GITHUB_TOKEN"]
            case .gitlab: return ["GITLAB_TOKEN"]
            case .gitea: return ["GITEA_TOKEN", "GITHUB_TOKEN"]
            case .bitbucket: return ["BITBUCKET_TOKEN"]
            }
        }
    }

    var githubApp: Bool {
        reportGithubAppId != nil || reportGithubInstallationId != nil || reportGithubPrivateKeyFile != nil
    }

    func validate() throws {
        let named = [
            "--report-repo": reportRepo != nil, "--report-pr": reportPr != nil, "--report-sha": reportSha != nil,
            "--report-base-url": reportBaseUrl != nil, "--report-token-env": reportTokenEnv != nil,
            "--report-token-file": reportTokenFile != nil, "--report-only-on-changes": reportOnlyOnChanges,
            "--report-context": reportContext != nil, "--report-username": reportUsername != nil,
            "--report-github-app-id": githubApp,
        ]
        if report == nil, let flag = named.filter(\.value).keys.sorted().first {
            throw ValidationError("\(flag) needs --report github|gitlab|gitea|bitbucket")
        }
        if reportTokenEnv != nil && reportTokenFile != nil {
            throw ValidationError("give one of --report-token-env and --report-token-file")
        }
        if githubApp {
            guard report == .github else {
                throw ValidationError("GitHub App credentials work only with --report github")
            }
            guard reportGithubAppId != nil, reportGithubInstallationId != nil, reportGithubPrivateKeyFile != nil else {
                throw ValidationError(
                    "a GitHub App needs --report-github-app-id, --report-github-installation-id and --report-github-private-key-file"
                )
            }
            if reportTokenEnv != nil || reportTokenFile != nil {
                throw ValidationError("give a token or a GitHub App, not both")
            }
        }
        if let reportPr, reportPr < 1 { throw ValidationError("--report-pr must be 1 or more") }
        if let reportSha, reportSha.count < 7 || !reportSha.allSatisfy(\.isHexDigit) {
            throw ValidationError("--report-sha \(reportSha): not a commit SHA")
        }
    }

    /// The reporter for this command, or nil without `--report`. A configuration the CI and
    /// the flags leave incomplete (no repository, no token) is one warning, and no report.
    func reporter(app: String, localCommand: String) -> DiffReporter? {
        guard let report else { return nil }
        do {
            let ci = try CIEnvironment.detect()
            if let ci, ci.provider.forge != report.rawValue {
                Terminal.writeErr(
                    "warning: --report \(report.rawValue) in \(ci.provider.rawValue): the CI's repository and pull request are used as they are\n"
                )
            }
            guard let repository = reportRepo ?? ci?.repository else {
                throw CLIError("no repository: pass --report-repo (no CI variables name one)")
            }
            var configuration = ForgeConfiguration(
                kind: report.kind, baseURL: reportBaseUrl ?? ci?.apiURL, repository: repository, auth: try auth(report))
            configuration.log = { Terminal.writeErr("\($0)\n") }
            let forge = try makeForge(configuration)
            let destination = PlanDestination(
                pullRequest: reportPr ?? ci?.pullRequest, sha: reportSha ?? ci?.headSHA, context: reportContext,
                onlyOnChanges: reportOnlyOnChanges, runURL: ci?.runURL, localCommand: localCommand)
            if destination.pullRequest == nil && destination.sha == nil {
                throw CLIError(
                    "no pull request and no commit: pass --report-pr or --report-sha (no CI variables name them)")
            }
            return DiffReporter(
                forge: forge, forgeName: report.rawValue, repository: repository, destination: destination)
        } catch {
            Terminal.writeErr("warning: --report \(report.rawValue): \(error); nothing is reported\n")
            return nil
        }
    }

    private func auth(_ forge: ReportForge) throws -> ForgeAuth {
        if let id = reportGithubAppId, let installation = reportGithubInstallationId,
            let key = reportGithubPrivateKeyFile
        {
            return .githubApp(try GitHubAppCredentials(appID: id, installationID: installation, privateKeyFile: key))
        }
        var token: ForgeAuth
        if reportTokenEnv != nil || reportTokenFile != nil {
            token = try ForgeAuth.token(env: reportTokenEnv, file: reportTokenFile)
        } else {
            let env = ProcessInfo.processInfo.environment
            guard let name = forge.defaultTokenEnv.first(where: { env[$0].map { !$0.isEmpty } ?? false }) else {
                throw CLIError(
                    "no token: set \(forge.defaultTokenEnv.joined(separator: " or ")), or pass --report-token-env or --report-token-file"
                )
            }
            token = try ForgeAuth.token(env: name, file: nil)
        }
        if let user = reportUsername, case .token(let secret) = token {
            token = .basic(username: user, password: secret)
        }
        return token
    }
}

/// Posts one plan (or the failure that stopped it) where `ReportOptions` said.
struct DiffReporter {
    var forge: any Forge
    var forgeName: String
    var repository: String
    var destination: PlanDestination

    /// Publishes `report` and says on stderr what happened; forge errors are warnings.
    func publish(_ report: PlanReport) async {
        var report = report
        var destination = destination
        if let sha = destination.sha, report.revision.isEmpty { report.revision = sha }
        // Outside a CI, the status goes on the commit planned.
        if destination.sha == nil, !report.revision.isEmpty { destination.sha = report.revision }
        let result = await report.publish(on: forge, to: destination)
        for problem in result.problems {
            Terminal.writeErr(
                "warning: --report \(forgeName): \(problem.split(separator: "\n").first.map(String.init) ?? problem)\n")
        }
        var done: [String] = []
        if result.statusSet {
            done.append(
                "status \(destination.context ?? PlanReport.context(app: report.app)) \(report.succeeded ? "success" : "failure")"
            )
        }
        switch result.comment {
        case .created, .edited: done.append("comment \(result.comment.rawValue) on #\(destination.pullRequest ?? 0)")
        case .skipped: done.append("no comment (nothing changes)")
        case .unchanged: done.append("comment on #\(destination.pullRequest ?? 0) already current")
        case .none: break
        }
        if !done.isEmpty {
            Terminal.writeErr("reported to \(forgeName) \(repository): \(done.joined(separator: ", "))\n")
        }
    }
}

extension RepoOptions {
    /// The command that shows the same plan locally, for the comment's cut line; a URL's
    /// user and password are left out.
    func diffCommand(app: String, prune: Bool) -> String {
        var repo = self.repo
        if let scheme = repo.range(of: "://"), let at = repo[scheme.upperBound...].firstIndex(of: "@"),
            !repo[scheme.upperBound..<at].contains("/")
        {
            repo.removeSubrange(scheme.upperBound...at)
        }
        let quote = { (s: String) in
            s.allSatisfy { $0.isLetter || $0.isNumber || "-_./:@".contains($0) }
                ? s : "'\(s.replacingOccurrences(of: "'", with: ""))'"
        }
        return "plumb diff --repo \(quote(repo)) --path \(quote(path)) --app \(quote(app))" + (prune ? " --prune" : "")
    }
}
