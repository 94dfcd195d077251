import Foundation
import PlumbCore
import PlumbTesting
import XCTest

@testable import PlumbReport

/// A GitHub (Enterprise Server: under `/api/v3`) that answers as the REST API documents,
/// with the documented example answers, keeping comments two to a page so that lists follow
/// the `Link` header.
func gitHubMock(_ store: CommentStore, pageSize: Int = 2) async throws -> ForgeMockServer {
    try await ForgeMockServer.start { request in
        let path = request.path
        let root = "/api/v3/repos/acme/deploy"
        if request.method == "POST", path.hasPrefix(root + "/statuses/") {
            var status = try forgeFixture("github", "status.json")
            for key in ["state", "description", "context", "target_url"] { status[key] = request.body?[key] }
            return .json(201, status)
        }
        if path == root + "/issues/7/comments" {
            let template = try forgeFixture("github", "issue-comment.json")
            func render(_ c: (id: Int, body: String)) -> Value {
                var v = template
                v["id"] = .int(Int64(c.id))
                v["body"] = .string(c.body)
                return v
            }
            if request.method == "POST" {
                let id = store.add(request.body?["body"]?.stringValue ?? "")
                return .json(201, render((id, request.body?["body"]?.stringValue ?? "")))
            }
            let page = Int(request.query["page"] ?? "1") ?? 1
            let (items, more) = store.page(page, size: pageSize)
            // GitHub's links point at /repositories/{id}/..., not the path asked for.
            let next =
                "http://127.0.0.1:\(request.headers["host"]?.split(separator: ":").last ?? "")/api/v3/repositories/1296269/issues/7/comments?per_page=100&page=\(page + 1)"
            let headers = more ? [("Link", "<\(next)>; rel=\"next\", <\(next)>; rel=\"last\"")] : []
            return .json(200, .array(items.map(render)), headers: headers)
        }
        if path == "/api/v3/repositories/1296269/issues/7/comments" {
            let page = Int(request.query["page"] ?? "1") ?? 1
            let template = try forgeFixture("github", "issue-comment.json")
            let (items, _) = store.page(page, size: pageSize)
            return .json(
                200,
                .array(
                    items.map {
                        var v = template
                        v["id"] = .int(Int64($0.id))
                        v["body"] = .string($0.body)
                        return v
                    }))
        }
        if request.method == "PATCH", path.hasPrefix(root + "/issues/comments/"),
            let id = Int(path.split(separator: "/").last ?? "")
        {
            guard store.edit(id, request.body?["body"]?.stringValue ?? "") else {
                return .json(404, ["message": "Not Found"])
            }
            var v = try forgeFixture("github", "issue-comment.json")
            v["id"] = .int(Int64(id))
            v["body"] = request.body?["body"]
            return .json(200, v)
        }
        if request.method == "GET", path == root + "/pulls" {
            var pulls = try forgeFixture("github", "pulls.json").arrayValue ?? []
            var other = pulls[0]
            other["number"] = 1348
            other["head"]?["sha"] = "1111111111111111111111111111111111111111"
            other["base"]?["ref"] = "release"
            pulls.append(other)
            if let base = request.query["base"] {
                pulls = pulls.filter { $0[path: ["base", "ref"]]?.stringValue == base }
            }
            return .json(200, .array(pulls))
        }
        return .json(404, ["message": "Not Found", "documentation_url": "https://docs.github.com/rest"])
    }
}

final class GitHubForgeTests: XCTestCase {
    let token = "ghp_exampleTOKENnotReal1234567890abcd"

    func forge(_ server: ForgeMockServer) throws -> any Forge {
        try makeForge(
            ForgeConfiguration(kind: .github, baseURL: server.url, repository: "acme/deploy", auth: .token(token)))
    }

    func testSetStatusPostsTheDocumentedRequest() async throws {
        let server = try await gitHubMock(CommentStore())
        defer { Task { await server.stop() } }
        let long = String(repeating: "x", count: 200)
        try await forge(server).setStatus(
            CommitStatus(
                sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e", context: "plumb/web", state: .failure,
                description: long, targetURL: "https://ci.example.com/1"))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(server.requests.count, 1)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/api/v3/repos/acme/deploy/statuses/6dcb09b5b57875f334f61aebed695e2e4193db5e")
        XCTAssertEqual(request.headers["authorization"], "Bearer \(token)")
        XCTAssertEqual(request.headers["accept"], "application/vnd.github+json")
        XCTAssertEqual(request.headers["x-github-api-version"], "2022-11-28")
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(request.headers["user-agent"], "plumb")
        let body = try XCTUnwrap(request.body)
        XCTAssertEqual(body["state"], "failure")
        XCTAssertEqual(body["context"], "plumb/web")
        XCTAssertEqual(body["target_url"], "https://ci.example.com/1")
        let description = try XCTUnwrap(body["description"]?.stringValue)
        XCTAssertEqual(description.count, 140)
        XCTAssertTrue(description.hasSuffix("…"))
        XCTAssertEqual(body.objectValue?.count, 4)
    }

    func testEveryPlumbStateIsAGitHubState() {
        XCTAssertEqual(CommitState.allCases.map(GitHubForge.state), ["pending", "success", "failure", "error"])
    }

    func testSecondRunEditsTheStickyCommentAcrossPages() async throws {
        let store = CommentStore()
        for text in ["first review", "LGTM", "please rebase"] { _ = store.add(text) }
        let server = try await gitHubMock(store)
        defer { Task { await server.stop() } }
        let forge = try forge(server)
        let marker = "<!-- plumb:app=prod/web -->"
        let created = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "1 to update")
        let edited = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "2 to update, 1 to prune")
        XCTAssertEqual(created.id, edited.id)
        XCTAssertEqual(store.all.count, 4)
        XCTAssertEqual(store.all.last?.body, marker + "\n2 to update, 1 to prune")
        let writes = server.requests.filter { $0.method != "GET" }
        XCTAssertEqual(writes.map(\.method), ["POST", "PATCH"])
        XCTAssertEqual(writes[0].path, "/api/v3/repos/acme/deploy/issues/7/comments")
        XCTAssertEqual(writes[0].body, ["body": .string(marker + "\n1 to update")])
        XCTAssertEqual(writes[1].path, "/api/v3/repos/acme/deploy/issues/comments/\(created.id)")
        XCTAssertEqual(writes[1].body, ["body": .string(marker + "\n2 to update, 1 to prune")])
        XCTAssertEqual(writes[1].headers["content-type"], "application/json")
        // The comment was found on the second page, through the Link header.
        let reads = server.requests.filter { $0.method == "GET" }
        XCTAssertTrue(
            reads.contains { $0.path == "/api/v3/repositories/1296269/issues/7/comments" && $0.query["page"] == "2" },
            "\(reads.map(\.target))")
        XCTAssertEqual(reads.first?.query["per_page"], "100")
        // The same plan again writes nothing.
        _ = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "2 to update, 1 to prune")
        XCTAssertEqual(server.requests.filter { $0.method != "GET" }.count, 2)
    }

    func testOpenPullRequestsIntoABranch() async throws {
        let server = try await gitHubMock(CommentStore())
        defer { Task { await server.stop() } }
        let prs = try await forge(server).openPullRequests(base: "master")
        XCTAssertEqual(
            prs,
            [
                PullRequest(
                    number: 1347, headSHA: "6dcb09b5b57875f334f61aebed695e2e4193db5e", headBranch: "new-topic",
                    baseBranch: "master")
            ])
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.path, "/api/v3/repos/acme/deploy/pulls")
        XCTAssertEqual(request.query["state"], "open")
        XCTAssertEqual(request.query["base"], "master")
        let all = try await forge(server).openPullRequests(base: nil)
        XCTAssertEqual(all.map(\.number), [1347, 1348])
    }

    func testPublicGitHubUsesItsOwnAPIHost() throws {
        XCTAssertEqual(
            try ForgeConfiguration(kind: .github, repository: "a/b", auth: .token("t")).apiRoot(),
            "https://api.github.com")
        XCTAssertEqual(
            try ForgeConfiguration(
                kind: .github, baseURL: "https://ghe.example.com/", repository: "a/b", auth: .token("t")
            ).apiRoot(),
            "https://ghe.example.com/api/v3")
        XCTAssertEqual(
            try ForgeConfiguration(
                kind: .github, baseURL: "https://ghe.example.com/api/v3", repository: "a/b", auth: .token("t")
            ).apiRoot(),
            "https://ghe.example.com/api/v3")
        XCTAssertThrowsError(
            try makeForge(ForgeConfiguration(kind: .github, repository: "just-a-name", auth: .token("t")))
        ) {
            XCTAssertEqual("\($0)", #"github: repository "just-a-name" is not owner/name"#)
        }
    }

    func testAValidationErrorNamesTheForgeTheRequestAndGitHubsMessage() async throws {
        let server = try await ForgeMockServer.start { _ in
            .json(422, try forgeFixture("github", "validation-failed.json"))
        }
        defer { Task { await server.stop() } }
        do {
            try await forge(server).setStatus(
                CommitStatus(sha: "abc", context: "plumb/web", state: .success, description: "ok"))
            XCTFail("a 422 is an error")
        } catch let error as ForgeError {
            XCTAssertEqual(error.kind, .status(422))
            XCTAssertEqual(
                error.description,
                "github: POST /repos/acme/deploy/statuses/abc: 422 Validation Failed: description is too long (maximum is 140 characters)"
            )
        }
        XCTAssertEqual(server.requests.count, 1, "a 4xx is not retried")
    }
}
