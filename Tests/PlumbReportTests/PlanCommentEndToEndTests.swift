import Foundation
import PlumbCore
import PlumbReport
import PlumbTesting
import XCTest

/// `plumb diff --report github` run as a user runs it: the built binary plans a repository
/// against a sandbox cluster and reports through the real GitHub client to a mock GitHub on
/// 127.0.0.1 that answers as GitHub documents.
final class PlanCommentEndToEndTests: XCTestCase {
    let token = "ghp_endToEndTOKENnotReal0987654321zyxw"
    var tmp: TempDir!
    var repo: String { tmp.sub("repo") }

    /// The `plumb` executable next to the test bundle (or `$PLUMB_BIN`).
    static var plumbPath: String {
        if let env = ProcessInfo.processInfo.environment["PLUMB_BIN"] { return env }
        var dir = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("plumb").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "plumb"
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.plumbPath), "the plumb binary is not built")
        tmp = try TempDir("plumbreport")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        try git(["init", "-q"], in: repo)
        try write(repo + "/apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
        try write(repo + "/apps/web/deployment.yaml", deployment(replicas: 2, image: "nginx:1.25"))
        try write(repo + "/apps/web/secret.yaml", secret("hunter2-old-pw"))
        try write(
            repo + "/apps/web/legacy.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: legacy\n  namespace: web\ndata:\n  a: b\n")
        try git(["add", "-A"], in: repo)
        try git(["commit", "-q", "-m", "web"], in: repo)
        let sync = try plumb(["sync", "--repo", repo, "--path", "apps/web", "--sandbox", "--prune"])
        XCTAssertEqual(sync.status, 0, sync.stderr)
    }

    override func tearDown() {
        tmp = nil
    }

    func deployment(replicas: Int, image: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: web
        spec:
          replicas: \(replicas)
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: web
                image: \(image)

        """
    }

    func secret(_ password: String) -> String {
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: web\nstringData:\n  password: \(password)\n"
    }

    /// The change a pull request brings: an image bump, one more replica, a new Secret value,
    /// a new ConfigMap, the legacy ConfigMap removed.
    @discardableResult
    func change() throws -> String {
        try write(repo + "/apps/web/deployment.yaml", deployment(replicas: 3, image: "nginx:1.26"))
        try write(repo + "/apps/web/secret.yaml", secret("correct-horse-battery"))
        try write(
            repo + "/apps/web/settings.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: web\ndata:\n  color: blue\n")
        try FileManager.default.removeItem(atPath: repo + "/apps/web/legacy.yaml")
        try git(["add", "-A"], in: repo)
        try git(["commit", "-q", "-m", "web: 1.26"], in: repo)
        return try git(["rev-parse", "HEAD"], in: repo)
    }

    /// Runs plumb in the test's directory with only the environment given (no CI variables of
    /// the machine running the tests).
    func plumb(_ args: [String], env: [String: String] = [:]) throws -> RunResult {
        var environment = [
            "PATH": "/usr/bin:/bin", "HOME": tmp.path, "NO_COLOR": "1", "PLUMB_CACHE_DIR": tmp.sub("cache"),
        ]
        for (k, v) in env { environment[k] = v }
        return try runTool(Self.plumbPath, args, cwd: tmp.path, env: environment, check: false)
    }

    func diff(_ server: ForgeMockServer, _ extra: [String], env: [String: String] = [:]) throws -> RunResult {
        try plumb(
            [
                "diff", "--repo", repo, "--path", "apps/web", "--sandbox", "--prune", "--report", "github",
                "--report-base-url", server.url,
            ]
                + extra, env: ["GITHUB_TOKEN": token].merging(env) { $1 })
    }

    func testThePlanIsPostedAsTheStickyCommentWithAStatus() async throws {
        let store = CommentStore()
        _ = store.add("a reviewer's comment")
        let server = try await gitHubMock(store)
        defer { Task { await server.stop() } }
        let head = try change()
        let flags = ["--report-repo", "acme/deploy", "--report-pr", "7", "--report-sha", head]
        let first = try diff(server, flags)
        XCTAssertEqual(first.status, 1, "changes: the diff's exit status, reported or not\n\(first.stderr)")
        XCTAssertTrue(first.stdout.contains("1 to create, 2 to update, 1 to prune, 1 unchanged"), first.stdout)
        XCTAssertTrue(
            first.stderr.contains("reported to github acme/deploy: status plumb/web success, comment created on #7"),
            first.stderr)
        let status = try XCTUnwrap(
            server.requests.first { $0.method == "POST" && $0.path.hasPrefix("/api/v3/repos/acme/deploy/statuses/") })
        XCTAssertEqual(status.path, "/api/v3/repos/acme/deploy/statuses/\(head)")
        XCTAssertEqual(status.body?["state"], "success")
        XCTAssertEqual(status.body?["context"], "plumb/web")
        XCTAssertEqual(status.body?["description"], "1 to create, 2 to update, 1 to prune")
        XCTAssertEqual(status.headers["authorization"], "Bearer \(token)")
        let comment = try XCTUnwrap(store.all.last?.body)
        XCTAssertTrue(
            comment.hasPrefix(
                "<!-- plumb:app=web -->\n### Plumb plan for web: 1 to create, 2 to update, 1 to prune, 1 unchanged"),
            comment)
        XCTAssertTrue(
            comment.contains(
                "spec.template.spec.containers[web].image\n                                   nginx:1.25 → nginx:1.26"),
            comment)
        XCTAssertTrue(comment.contains("- **Pods replaced:** 3 in 1 workload"), comment)
        XCTAssertTrue(comment.contains("- 🔴 prune <code>v1 ConfigMap web/legacy</code>"), comment)
        XCTAssertTrue(comment.contains("bytes masked"), comment)
        for secret in ["hunter2-old-pw", "correct-horse-battery", token] {
            XCTAssertFalse(comment.contains(secret), "\(secret) in the comment")
            XCTAssertFalse(first.stdout.contains(secret) || first.stderr.contains(secret), "\(secret) in the output")
        }
        if let out = ProcessInfo.processInfo.environment["PLUMB_WRITE_EXAMPLE_COMMENT"] {
            try comment.write(toFile: out, atomically: true, encoding: .utf8)
        }

        // A second run edits the same comment.
        let second = try diff(server, flags + ["--report-only-on-changes"])
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.contains("comment on #7 already current"), second.stderr)
        XCTAssertEqual(store.all.count, 2, "one sticky comment beside the reviewer's")
        // The changes are synced: the comment turns into "no changes", the status says so.
        XCTAssertEqual(try plumb(["sync", "--repo", repo, "--path", "apps/web", "--sandbox", "--prune"]).status, 0)
        let third = try diff(server, flags + ["--report-only-on-changes"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stderr.contains("comment edited on #7"), third.stderr)
        XCTAssertEqual(store.all.count, 2)
        XCTAssertTrue(
            store.all.last?.body.contains("✅ Plumb plan for web: no changes") ?? false, store.all.last?.body ?? "")
        let statuses = server.requests.filter { $0.path.contains("/statuses/") }.compactMap {
            $0.body?["description"]?.stringValue
        }
        XCTAssertEqual(
            statuses, ["1 to create, 2 to update, 1 to prune", "1 to create, 2 to update, 1 to prune", "no changes"])
    }

    func testGitHubActionsVariablesAreEnough() async throws {
        let store = CommentStore()
        let server = try await gitHubMock(store)
        defer { Task { await server.stop() } }
        try change()
        let event = tmp.sub("event.json")
        let head = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
        try write(
            event,
            #"{"number": 7, "pull_request": {"number": 7, "head": {"sha": "\#(head)"}, "base": {"ref": "main"}}}"#)
        let result = try plumb(
            ["diff", "--repo", repo, "--path", "apps/web", "--sandbox", "--prune", "--report", "github"],
            env: [
                "GITHUB_TOKEN": token, "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/deploy",
                "GITHUB_EVENT_PATH": event,
                "GITHUB_API_URL": server.url + "/api/v3", "GITHUB_SERVER_URL": "https://github.example",
                "GITHUB_RUN_ID": "55",
            ])
        XCTAssertEqual(result.status, 1, result.stderr)
        let status = try XCTUnwrap(server.requests.first { $0.path.contains("/statuses/") })
        XCTAssertEqual(
            status.path, "/api/v3/repos/acme/deploy/statuses/\(head)", "the pull request's head, from the event file")
        XCTAssertEqual(status.body?["target_url"], "https://github.example/acme/deploy/actions/runs/55")
        XCTAssertEqual(store.all.count, 1)
    }

    /// GitLab CI, Gitea Actions and Bitbucket Pipelines: their variables alone name the
    /// project, the pull request and the head, and the forge's client posts there.
    func testEachCIsVariablesAreEnoughForItsForge() async throws {
        let head = try change()
        let diffArgs = ["diff", "--repo", repo, "--path", "apps/web", "--sandbox", "--prune", "--report"]

        let gitlabStore = CommentStore()
        let gitlab = try await gitLabMock(gitlabStore)
        defer { Task { await gitlab.stop() } }
        var result = try plumb(
            diffArgs + ["gitlab"],
            env: [
                "GITLAB_TOKEN": token, "GITLAB_CI": "true", "CI_PROJECT_PATH": "group/sub/deploy",
                "CI_API_V4_URL": gitlab.url + "/api/v4",
                "CI_MERGE_REQUEST_IID": "7", "CI_COMMIT_SHA": head,
                "CI_JOB_URL": "https://gitlab.example/group/sub/deploy/-/jobs/9",
            ])
        XCTAssertEqual(result.status, 1, result.stderr)
        var status = try XCTUnwrap(gitlab.requests.first { $0.path.contains("/statuses/") })
        XCTAssertEqual(status.path, "/api/v4/projects/group%2Fsub%2Fdeploy/statuses/\(head)")
        XCTAssertEqual(status.body?["state"], "success")
        XCTAssertEqual(status.body?["name"], "plumb/web")
        XCTAssertEqual(status.headers["private-token"], token)
        XCTAssertTrue(gitlabStore.all.last?.body.hasPrefix("<!-- plumb:app=web -->") ?? false)

        let giteaStore = CommentStore()
        let gitea = try await giteaMock(giteaStore)
        defer { Task { await gitea.stop() } }
        let event = tmp.sub("gitea-event.json")
        try write(event, #"{"pull_request": {"number": 7, "head": {"sha": "\#(head)"}, "base": {"ref": "main"}}}"#)
        result = try plumb(
            diffArgs + ["gitea"],
            env: [
                "GITEA_TOKEN": token, "GITHUB_ACTIONS": "true", "GITEA_ACTIONS": "true",
                "GITHUB_REPOSITORY": "acme/deploy",
                "GITHUB_API_URL": gitea.url + "/api/v1", "GITHUB_EVENT_PATH": event,
            ])
        XCTAssertEqual(result.status, 1, result.stderr)
        status = try XCTUnwrap(gitea.requests.first { $0.path.contains("/statuses/") })
        XCTAssertEqual(status.path, "/api/v1/repos/acme/deploy/statuses/\(head)")
        XCTAssertEqual(status.headers["authorization"], "token \(token)")
        XCTAssertEqual(giteaStore.all.count, 1)

        let bitbucketStore = CommentStore()
        let bitbucket = try await bitbucketMock(bitbucketStore)
        defer { Task { await bitbucket.stop() } }
        result = try plumb(
            diffArgs + ["bitbucket", "--report-base-url", bitbucket.url],
            env: [
                "BITBUCKET_TOKEN": token, "BITBUCKET_BUILD_NUMBER": "31", "BITBUCKET_WORKSPACE": "acme",
                "BITBUCKET_REPO_SLUG": "deploy",
                "BITBUCKET_REPO_FULL_NAME": "acme/deploy", "BITBUCKET_PR_ID": "7", "BITBUCKET_COMMIT": head,
            ])
        XCTAssertEqual(result.status, 1, result.stderr)
        status = try XCTUnwrap(bitbucket.requests.first { $0.path.contains("/statuses/") })
        XCTAssertEqual(status.path, "/2.0/repositories/acme/deploy/commit/\(head)/statuses/build")
        XCTAssertEqual(status.body?["state"], "SUCCESSFUL")
        XCTAssertEqual(status.body?["url"], "https://bitbucket.org/acme/deploy/pipelines/results/31")
        let comment = try XCTUnwrap(bitbucketStore.all.last?.body)
        XCTAssertFalse(comment.contains("<details>"), "Bitbucket renders no HTML")
        XCTAssertTrue(comment.contains("**🟡 update** `apps/v1 Deployment web/web`: 2 fields"), comment)
        for output in [result.stdout, result.stderr] { XCTAssertFalse(output.contains(token)) }
    }

    func testARenderFailureFailsTheStatusAndKeepsExitTwo() async throws {
        let store = CommentStore()
        let server = try await gitHubMock(store)
        defer { Task { await server.stop() } }
        try write(repo + "/apps/web/broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n")
        try git(["add", "-A"], in: repo)
        try git(["commit", "-q", "-m", "broken"], in: repo)
        let head = try git(["rev-parse", "HEAD"], in: repo)
        let result = try diff(server, ["--report-repo", "acme/deploy", "--report-pr", "7", "--report-sha", head])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(
            result.stderr.contains("error: apps/web/broken.yaml:5:3: mapping key \"name\" already defined at line 4"),
            result.stderr)
        let status = try XCTUnwrap(server.requests.first { $0.path.contains("/statuses/") })
        XCTAssertEqual(status.body?["state"], "failure")
        XCTAssertTrue(
            status.body?["description"]?.stringValue?.hasPrefix("plan failed: apps/web/broken.yaml:5:3") ?? false,
            "\(status.body ?? .null)")
        XCTAssertTrue(store.all.last?.body.contains("### ❌ Plumb plan for web failed") ?? false)
    }

    func testReportFlagsWithoutReportAreRefused() throws {
        let result = try plumb(["diff", "--repo", repo, "--path", "apps/web", "--sandbox", "--report-pr", "7"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertNotEqual(result.status, 1, "not mistaken for changes")
        XCTAssertTrue(result.stderr.contains("--report-pr needs --report github|gitlab|gitea|bitbucket"), result.stderr)
        let noRepo = try plumb(
            ["diff", "--repo", repo, "--path", "apps/web", "--sandbox", "--report", "gitlab"],
            env: ["GITLAB_TOKEN": token])
        XCTAssertEqual(noRepo.status, 0, "nothing changed; the report could not be made: \(noRepo.stderr)")
        XCTAssertTrue(
            noRepo.stderr.contains(
                "warning: --report gitlab: no repository: pass --report-repo (no CI variables name one); nothing is reported"
            ),
            noRepo.stderr)
    }

    func testAForgeThatIsDownIsOneWarningAndTheExitStatusStays() async throws {
        let port = try freePort()
        try change()
        let start = Date()
        let result = try plumb(
            [
                "diff", "--repo", repo, "--path", "apps/web", "--sandbox", "--prune", "--report", "github",
                "--report-base-url", "http://127.0.0.1:\(port)", "--report-repo", "acme/deploy", "--report-pr", "7",
                "--report-sha", "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            ], env: ["GITHUB_TOKEN": token])
        XCTAssertEqual(result.status, 1, "the diff's exit status\n\(result.stderr)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
        let warnings = result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: --report github:") }
        XCTAssertEqual(warnings.count, 2, "one line for the status, one for the comment: \(result.stderr)")
        XCTAssertFalse(result.stderr.contains(token))
        XCTAssertTrue(result.stdout.contains("1 to create, 2 to update, 1 to prune"), result.stdout)
    }
}
