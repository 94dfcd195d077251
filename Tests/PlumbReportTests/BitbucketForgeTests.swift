import Foundation
import PlumbCore
import PlumbTesting
import XCTest

@testable import PlumbReport

/// Bitbucket Cloud under `/2.0`, answering as its REST reference documents: paginated
/// lists with `values` and a `next` URL, two comments a page.
func bitbucketMock(_ store: CommentStore) async throws -> ForgeMockServer {
    try await ForgeMockServer.start { request in
        let root = "/2.0/repositories/acme/deploy"
        let path = request.path
        let here = "http://\(request.headers["host"] ?? "")"
        if request.method == "POST", path.hasPrefix(root + "/commit/"), path.hasSuffix("/statuses/build") {
            guard request.body?["key"] != nil, request.body?["url"] != nil else {
                return .json(400, try forgeFixture("bitbucket", "error.json"))
            }
            var status = try forgeFixture("bitbucket", "status.json")
            for key in ["key", "state", "name", "url", "description"] { status[key] = request.body?[key] }
            return .json(201, status)
        }
        let template = try forgeFixture("bitbucket", "comment.json")
        func render(_ c: (id: Int, body: String)) -> Value {
            var v = template
            v["id"] = .int(Int64(c.id))
            v["content"]?["raw"] = .string(c.body)
            return v
        }
        if path == root + "/pullrequests/7/comments" {
            if request.method == "POST" {
                let body = request.body?[path: ["content", "raw"]]?.stringValue ?? ""
                return .json(201, render((store.add(body), body)))
            }
            let page = Int(request.query["page"] ?? "1") ?? 1
            let (items, more) = store.page(page, size: 2)
            var answer: Value = [
                "size": .int(Int64(store.all.count)), "page": .int(Int64(page)), "pagelen": 2,
                "values": .array(items.map(render)),
            ]
            if more { answer["next"] = .string("\(here)\(root)/pullrequests/7/comments?pagelen=2&page=\(page + 1)") }
            return .json(200, answer)
        }
        if request.method == "PUT", path.hasPrefix(root + "/pullrequests/7/comments/"),
            let id = Int(path.split(separator: "/").last ?? "")
        {
            guard store.edit(id, request.body?[path: ["content", "raw"]]?.stringValue ?? "") else {
                return .json(404, ["type": "error", "error": ["message": "No such comment"]])
            }
            return .json(200, render((id, request.body?[path: ["content", "raw"]]?.stringValue ?? "")))
        }
        if request.method == "GET", path == root + "/pullrequests" {
            return .json(200, try forgeFixture("bitbucket", "pullrequests.json"))
        }
        return .json(404, ["type": "error", "error": ["message": "Repository not found"]])
    }
}

final class BitbucketForgeTests: XCTestCase {
    let token = "ATCTT3xFfGN0exampleTOKENnotReal"

    func forge(_ server: ForgeMockServer) throws -> any Forge {
        try makeForge(
            ForgeConfiguration(kind: .bitbucket, baseURL: server.url, repository: "acme/deploy", auth: .token(token)))
    }

    func testSetStatusPostsTheDocumentedRequest() async throws {
        let server = try await bitbucketMock(CommentStore())
        defer { Task { await server.stop() } }
        try await forge(server).setStatus(
            CommitStatus(
                sha: "e10dae226959c2194f2b07b077c07762d93821cf", context: "plumb/web", state: .success,
                description: "2 to update, 1 to prune"))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(
            request.path, "/2.0/repositories/acme/deploy/commit/e10dae226959c2194f2b07b077c07762d93821cf/statuses/build"
        )
        XCTAssertEqual(request.headers["authorization"], "Bearer \(token)")
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(request.headers["user-agent"], "plumb")
        XCTAssertEqual(
            request.body,
            [
                "key": "plumb/web", "state": "SUCCESSFUL", "name": "plumb/web",
                "url": "https://bitbucket.org/acme/deploy/commits/e10dae226959c2194f2b07b077c07762d93821cf",
                "description": "2 to update, 1 to prune",
            ])
    }

    func testStatesAndKeysFitBitbucket() {
        XCTAssertEqual(
            CommitState.allCases.map(BitbucketForge.state), ["INPROGRESS", "SUCCESSFUL", "FAILED", "FAILED"])
        let long = "plumb/payments-production-eu-west-1/preview"
        let key = BitbucketForge.key(long)
        XCTAssertEqual(key.count, 40)
        XCTAssertTrue(key.hasPrefix("plumb/payments-production-eu-we-"), key)
        XCTAssertNotEqual(key, BitbucketForge.key(long + "2"))
        XCTAssertEqual(BitbucketForge.key("plumb/web"), "plumb/web")
    }

    func testSecondRunEditsTheCommentFollowingNext() async throws {
        let store = CommentStore()
        for text in ["a", "b", "c"] { _ = store.add(text) }
        let server = try await bitbucketMock(store)
        defer { Task { await server.stop() } }
        let forge = try forge(server)
        let marker = "<!-- plumb:app=web -->"
        let created = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "one")
        _ = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "two")
        XCTAssertEqual(store.all.map(\.body), ["a", "b", "c", marker + "\ntwo"])
        let writes = server.requests.filter { $0.method != "GET" }
        XCTAssertEqual(writes.map(\.method), ["POST", "PUT"])
        XCTAssertEqual(writes[0].path, "/2.0/repositories/acme/deploy/pullrequests/7/comments")
        XCTAssertEqual(writes[0].body, ["content": ["raw": .string(marker + "\none")]])
        XCTAssertEqual(writes[1].path, "/2.0/repositories/acme/deploy/pullrequests/7/comments/\(created.id)")
        XCTAssertEqual(writes[1].body, ["content": ["raw": .string(marker + "\ntwo")]])
        XCTAssertTrue(server.requests.contains { $0.method == "GET" && $0.query["page"] == "2" })
    }

    func testOpenPullRequests() async throws {
        let server = try await bitbucketMock(CommentStore())
        defer { Task { await server.stop() } }
        let prs = try await forge(server).openPullRequests(base: "main")
        XCTAssertEqual(
            prs, [PullRequest(number: 5, headSHA: "e10dae226959", headBranch: "bump-web", baseBranch: "main")])
        XCTAssertEqual(server.requests.first?.query["state"], "OPEN")
        let none = try await forge(server).openPullRequests(base: "release")
        XCTAssertEqual(none, [])
    }

    func testAnErrorCarriesBitbucketsMessage() async throws {
        let server = try await ForgeMockServer.start { _ in .json(400, try forgeFixture("bitbucket", "error.json")) }
        defer { Task { await server.stop() } }
        do {
            try await forge(server).setStatus(
                CommitStatus(sha: "abc", context: "plumb/web", state: .success, description: "ok"))
            XCTFail("400 is an error")
        } catch let error as ForgeError {
            XCTAssertEqual(
                error.description,
                "bitbucket: POST /repositories/acme/deploy/commit/abc/statuses/build: 400 key: Ensure this value has at most 40 characters (it has 48)."
            )
            XCTAssertFalse(error.isTransient)
        }
    }

    func testBasicAuthForAPITokens() async throws {
        let server = try await bitbucketMock(CommentStore())
        defer { Task { await server.stop() } }
        let forge = try makeForge(
            ForgeConfiguration(
                kind: .bitbucket, baseURL: server.url, repository: "acme/deploy",
                auth: .basic(username: "ada@acme.dev", password: "secret-api-token")))
        _ = try await forge.openPullRequests(base: nil)
        XCTAssertEqual(
            server.requests.first?.headers["authorization"],
            "Basic " + Data("ada@acme.dev:secret-api-token".utf8).base64EncodedString())
    }
}
