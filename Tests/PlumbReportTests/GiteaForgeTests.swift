import Foundation
import PlumbCore
import PlumbTesting
import XCTest

@testable import PlumbReport

/// A Gitea under `/api/v1` answering as its swagger documents; comments and pulls one to a
/// page with a `Link` header.
func giteaMock(_ store: CommentStore) async throws -> ForgeMockServer {
    try await ForgeMockServer.start { request in
        let root = "/api/v1/repos/acme/deploy"
        let path = request.path
        let here = "http://\(request.headers["host"] ?? "")"
        if request.method == "POST", path.hasPrefix(root + "/statuses/") {
            var status = try forgeFixture("gitea", "status.json")
            status["status"] = request.body?["state"]
            for key in ["context", "description", "target_url"] { status[key] = request.body?[key] ?? "" }
            return .json(201, status)
        }
        let template = try forgeFixture("gitea", "comment.json")
        func render(_ c: (id: Int, body: String)) -> Value {
            var v = template
            v["id"] = .int(Int64(c.id))
            v["body"] = .string(c.body)
            return v
        }
        if path == root + "/issues/7/comments" {
            if request.method == "POST" {
                let body = request.body?["body"]?.stringValue ?? ""
                return .json(201, render((store.add(body), body)))
            }
            let page = Int(request.query["page"] ?? "1") ?? 1
            let (items, more) = store.page(page, size: 2)
            let link = "<\(here)\(root)/issues/7/comments?page=\(page + 1)>; rel=\"next\""
            return .json(200, .array(items.map(render)), headers: more ? [("Link", link)] : [])
        }
        if request.method == "PATCH", path.hasPrefix(root + "/issues/comments/"),
            let id = Int(path.split(separator: "/").last ?? "")
        {
            guard store.edit(id, request.body?["body"]?.stringValue ?? "") else {
                return .json(404, ["message": "comment not found"])
            }
            return .json(200, render((id, request.body?["body"]?.stringValue ?? "")))
        }
        if request.method == "GET", path == root + "/pulls" {
            let page = Int(request.query["page"] ?? "1") ?? 1
            var pr = try forgeFixture("gitea", "pulls.json").arrayValue?.first ?? .null
            if page == 2 {
                pr["number"] = 3
                pr["base"]?["ref"] = "release"
                return .json(200, [pr], headers: [("X-Total-Count", "2")])
            }
            let link =
                "<\(here)\(root)/pulls?state=open&limit=50&page=2>; rel=\"next\",<\(here)\(root)/pulls?state=open&limit=50&page=2>; rel=\"last\""
            return .json(200, [pr], headers: [("Link", link), ("X-Total-Count", "2")])
        }
        return .json(404, ["message": "The target couldn't be found.", "errors": []])
    }
}

final class GiteaForgeTests: XCTestCase {
    let token = "0123456789abcdef0123456789abcdef01234567"

    func forge(_ server: ForgeMockServer) throws -> any Forge {
        try makeForge(
            ForgeConfiguration(kind: .gitea, baseURL: server.url, repository: "acme/deploy", auth: .token(token)))
    }

    func testSetStatusPostsTheDocumentedRequest() async throws {
        let server = try await giteaMock(CommentStore())
        defer { Task { await server.stop() } }
        try await forge(server).setStatus(
            CommitStatus(
                sha: "6dcb09b5", context: "plumb/web/preview", state: .error, description: "render failed",
                targetURL: "https://ci.example.com/2"))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/api/v1/repos/acme/deploy/statuses/6dcb09b5")
        XCTAssertEqual(request.headers["authorization"], "token \(token)")
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(request.headers["user-agent"], "plumb")
        XCTAssertEqual(
            request.body,
            [
                "state": "error", "description": "render failed", "context": "plumb/web/preview",
                "target_url": "https://ci.example.com/2",
            ])
    }

    func testStatesAreGiteas() {
        XCTAssertEqual(CommitState.allCases.map(GiteaForge.state), ["pending", "success", "failure", "error"])
    }

    func testSecondRunEditsTheComment() async throws {
        let store = CommentStore()
        for text in ["a", "b", "c"] { _ = store.add(text) }
        let server = try await giteaMock(store)
        defer { Task { await server.stop() } }
        let forge = try forge(server)
        let marker = "<!-- plumb:app=web -->"
        let created = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "one")
        _ = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "two")
        XCTAssertEqual(store.all.map(\.body), ["a", "b", "c", marker + "\ntwo"])
        let writes = server.requests.filter { $0.method != "GET" }
        XCTAssertEqual(writes.map(\.method), ["POST", "PATCH"])
        XCTAssertEqual(writes[0].path, "/api/v1/repos/acme/deploy/issues/7/comments")
        XCTAssertEqual(writes[1].path, "/api/v1/repos/acme/deploy/issues/comments/\(created.id)")
        XCTAssertEqual(writes[1].body, ["body": .string(marker + "\ntwo")])
    }

    func testOpenPullRequestsFollowTheLinkHeaderAndAreFilteredByBase() async throws {
        let server = try await giteaMock(CommentStore())
        defer { Task { await server.stop() } }
        let prs = try await forge(server).openPullRequests(base: "main")
        XCTAssertEqual(
            prs,
            [
                PullRequest(
                    number: 2, headSHA: "2222222222222222222222222222222222222222", headBranch: "bump-web",
                    baseBranch: "main")
            ])
        XCTAssertEqual(server.requests.map { $0.query["page"] }, [nil, "2"])
        XCTAssertEqual(server.requests.first?.query["state"], "open")
    }

    func testGiteaNeedsItsServer() {
        XCTAssertThrowsError(try makeForge(ForgeConfiguration(kind: .gitea, repository: "a/b", auth: .token("t")))) {
            XCTAssertTrue("\($0)".hasPrefix("gitea: a base URL is required"), "\($0)")
        }
    }
}
