import PlumbReport
import XCTest

/// Each CI's variables as its documentation lists them, and what `--report` reads from them.
final class CIEnvironmentTests: XCTestCase {
    /// A pull_request event as GitHub (and Gitea) write it to GITHUB_EVENT_PATH, trimmed.
    let pullRequestEvent = """
        {"action": "synchronize", "number": 42,
         "pull_request": {"number": 42, "state": "open",
           "head": {"ref": "bump-web", "sha": "1111111111111111111111111111111111111111"},
           "base": {"ref": "main", "sha": "2222222222222222222222222222222222222222"}},
         "repository": {"full_name": "acme/deploy"}}
        """

    func files(_ map: [String: String]) -> (String) throws -> String {
        { path in
            guard let text = map[path] else { throw CIEnvironmentError("no such file") }
            return text
        }
    }

    func testGitHubActionsPullRequest() throws {
        let env = [
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/deploy",
            "GITHUB_API_URL": "https://api.github.com",
            "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "987", "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": "/runner/event.json", "GITHUB_SHA": "3333333333333333333333333333333333333333",
        ]
        let ci = try XCTUnwrap(try CIEnvironment.detect(env, readFile: files(["/runner/event.json": pullRequestEvent])))
        XCTAssertEqual(
            ci,
            CIEnvironment(
                provider: .githubActions, repository: "acme/deploy", pullRequest: 42,
                headSHA: "1111111111111111111111111111111111111111", baseBranch: "main",
                apiURL: "https://api.github.com",
                runURL: "https://github.com/acme/deploy/actions/runs/987"))
        XCTAssertEqual(ci.provider.forge, "github")
    }

    func testGitHubActionsPushHasNoPullRequest() throws {
        let env = [
            "GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/deploy", "GITHUB_EVENT_PATH": "/e.json",
            "GITHUB_SHA": "3333333333333333333333333333333333333333",
        ]
        let ci = try XCTUnwrap(
            try CIEnvironment.detect(env, readFile: files(["/e.json": #"{"ref": "refs/heads/main", "after": "3333"}"#]))
        )
        XCTAssertNil(ci.pullRequest)
        XCTAssertEqual(ci.headSHA, "3333333333333333333333333333333333333333", "the status goes on the pushed commit")
    }

    func testGiteaActionsReadsTheSameVariablesAndNamesGitea() throws {
        let env = [
            "GITHUB_ACTIONS": "true", "GITEA_ACTIONS": "true", "GITHUB_REPOSITORY": "ops/deploy",
            "GITHUB_API_URL": "https://gitea.example.com/api/v1", "GITHUB_SERVER_URL": "https://gitea.example.com",
            "GITHUB_RUN_NUMBER": "12", "GITHUB_RUN_ID": "345", "GITHUB_EVENT_PATH": "/e.json",
        ]
        let ci = try XCTUnwrap(try CIEnvironment.detect(env, readFile: files(["/e.json": pullRequestEvent])))
        XCTAssertEqual(ci.provider, .giteaActions)
        XCTAssertEqual(ci.provider.forge, "gitea")
        XCTAssertEqual(ci.repository, "ops/deploy")
        XCTAssertEqual(ci.pullRequest, 42)
        XCTAssertEqual(ci.headSHA, "1111111111111111111111111111111111111111")
        XCTAssertEqual(ci.apiURL, "https://gitea.example.com/api/v1")
        XCTAssertEqual(ci.runURL, "https://gitea.example.com/ops/deploy/actions/runs/12")
    }

    func testGitLabMergeRequestPipelines() throws {
        var env = [
            "GITLAB_CI": "true", "CI_PROJECT_ID": "278964", "CI_PROJECT_PATH": "acme/deploy",
            "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
            "CI_MERGE_REQUEST_IID": "17", "CI_COMMIT_SHA": "4444444444444444444444444444444444444444",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
            "CI_JOB_URL": "https://gitlab.example.com/acme/deploy/-/jobs/5",
        ]
        var ci = try XCTUnwrap(try CIEnvironment.detect(env))
        XCTAssertEqual(
            ci,
            CIEnvironment(
                provider: .gitlabCI, repository: "278964", pullRequest: 17,
                headSHA: "4444444444444444444444444444444444444444",
                baseBranch: "main", apiURL: "https://gitlab.example.com/api/v4",
                runURL: "https://gitlab.example.com/acme/deploy/-/jobs/5"))
        // A merged-results pipeline builds a merge commit; the MR's head is its own variable.
        env["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"] = "5555555555555555555555555555555555555555"
        ci = try XCTUnwrap(try CIEnvironment.detect(env))
        XCTAssertEqual(ci.headSHA, "5555555555555555555555555555555555555555")
        // A branch pipeline: no merge request, the status only.
        env["CI_MERGE_REQUEST_IID"] = nil
        env["CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"] = nil
        ci = try XCTUnwrap(try CIEnvironment.detect(env))
        XCTAssertNil(ci.pullRequest)
    }

    func testBitbucketPipelinesPullRequest() throws {
        let env = [
            "CI": "true", "BITBUCKET_BUILD_NUMBER": "77", "BITBUCKET_WORKSPACE": "acme",
            "BITBUCKET_REPO_SLUG": "deploy",
            "BITBUCKET_REPO_FULL_NAME": "acme/deploy", "BITBUCKET_PR_ID": "9",
            "BITBUCKET_COMMIT": "6666666666666666666666666666666666666666",
            "BITBUCKET_PR_DESTINATION_BRANCH": "main",
        ]
        let ci = try XCTUnwrap(try CIEnvironment.detect(env))
        XCTAssertEqual(
            ci,
            CIEnvironment(
                provider: .bitbucketPipelines, repository: "acme/deploy", pullRequest: 9,
                headSHA: "6666666666666666666666666666666666666666", baseBranch: "main", apiURL: nil,
                runURL: "https://bitbucket.org/acme/deploy/pipelines/results/77"))
        XCTAssertEqual(ci.provider.forge, "bitbucket")
    }

    func testOutsideACINothingIsRead() throws {
        XCTAssertNil(try CIEnvironment.detect(["HOME": "/root", "CI": "true"]))
    }

    func testABadEventFileOrNumberIsAnErrorNamingIt() {
        let env = ["GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": "/e.json"]
        XCTAssertThrowsError(try CIEnvironment.detect(env, readFile: files(["/e.json": "{not json"]))) { error in
            XCTAssertTrue("\(error)".hasPrefix("GITHUB_EVENT_PATH /e.json: "), "\(error)")
        }
        XCTAssertThrowsError(try CIEnvironment.detect(env, readFile: files([:]))) { error in
            XCTAssertTrue("\(error)".hasPrefix("GITHUB_EVENT_PATH /e.json: "), "\(error)")
        }
        XCTAssertThrowsError(try CIEnvironment.detect(["GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "x1"])) { error in
            XCTAssertEqual("\(error)", #"CI_MERGE_REQUEST_IID "x1": not a pull request number"#)
        }
    }
}
