import Foundation
import PlumbCore
import PlumbTesting
import XCTest

@testable import PlumbReport

/// A self-managed GitLab under `/api/v4`, project `group/sub/deploy`, answering as the REST
/// API documents; notes two to a page with `X-Next-Page`.
func gitLabMock(_ store: CommentStore, statusAnswer: (@Sendable (RecordedRequest) throws -> MockAnswer)? = nil)
    async throws -> ForgeMockServer
{
    try await ForgeMockServer.start { request in
        let root = "/api/v4/projects/group%2Fsub%2Fdeploy"
        let path = request.path
        if request.method == "POST", path.hasPrefix(root + "/statuses/") {
            if let statusAnswer { return try statusAnswer(request) }
            var status = try forgeFixture("gitlab", "status.json")
            status["status"] = request.body?["state"]
            for key in ["name", "description", "target_url"] { status[key] = request.body?[key] ?? .null }
            return .json(201, status)
        }
        let template = try forgeFixture("gitlab", "note.json")
        func render(_ c: (id: Int, body: String)) -> Value {
            var v = template
            v["id"] = .int(Int64(c.id))
            v["body"] = .string(c.body)
            return v
        }
        if path == root + "/merge_requests/7/notes" {
            if request.method == "POST" {
                let body = request.body?["body"]?.stringValue ?? ""
                return .json(201, render((store.add(body), body)))
            }
            let page = Int(request.query["page"] ?? "1") ?? 1
            let (items, more) = store.page(page, size: 2)
            return .json(
                200, .array(items.map(render)),
                headers: [("X-Next-Page", more ? String(page + 1) : ""), ("X-Page", String(page))])
        }
        if request.method == "PUT", path.hasPrefix(root + "/merge_requests/7/notes/"),
            let id = Int(path.split(separator: "/").last ?? "")
        {
            guard store.edit(id, request.body?["body"]?.stringValue ?? "") else {
                return .json(404, ["message": "404 Not found"])
            }
            return .json(200, render((id, request.body?["body"]?.stringValue ?? "")))
        }
        if request.method == "GET", path == root + "/merge_requests" {
            var mrs = try forgeFixture("gitlab", "merge-requests.json").arrayValue ?? []
            if let target = request.query["target_branch"] {
                mrs = mrs.filter { $0["target_branch"]?.stringValue == target }
            }
            return .json(200, .array(mrs), headers: [("X-Next-Page", "")])
        }
        return .json(404, ["message": "404 Project Not Found"])
    }
}

final class GitLabForgeTests: XCTestCase {
    let token = "glpat-exampleTOKENnotReal12345"

    func forge(_ server: ForgeMockServer) throws -> any Forge {
        try makeForge(
            ForgeConfiguration(kind: .gitlab, baseURL: server.url, repository: "group/sub/deploy", auth: .token(token)))
    }

    func testSetStatusPostsTheDocumentedRequest() async throws {
        let server = try await gitLabMock(CommentStore())
        defer { Task { await server.stop() } }
        let long = String(repeating: "y", count: 300)
        try await forge(server).setStatus(
            CommitStatus(
                sha: "18f3e63d05582537db6d183d9d557be09e1f90c8", context: "plumb/web", state: .pending,
                description: long))
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(
            request.path, "/api/v4/projects/group%2Fsub%2Fdeploy/statuses/18f3e63d05582537db6d183d9d557be09e1f90c8")
        XCTAssertEqual(request.headers["private-token"], token)
        XCTAssertNil(request.headers["authorization"])
        XCTAssertEqual(request.headers["content-type"], "application/json")
        XCTAssertEqual(request.headers["user-agent"], "plumb")
        let body = try XCTUnwrap(request.body)
        XCTAssertEqual(body["state"], "running")
        XCTAssertEqual(body["name"], "plumb/web")
        XCTAssertNil(body["target_url"])
        XCTAssertEqual(body["description"]?.stringValue?.count, 255)
        XCTAssertEqual(body["description"]?.stringValue?.hasSuffix("…"), true)
    }

    func testStatesMapToGitLabs() {
        XCTAssertEqual(CommitState.allCases.map(GitLabForge.state), ["running", "success", "failed", "failed"])
    }

    func testAStatusAlreadyInThatStateIsNotAnError() async throws {
        let server = try await gitLabMock(CommentStore()) { _ in
            .json(400, try forgeFixture("gitlab", "cannot-transition.json"))
        }
        defer { Task { await server.stop() } }
        try await forge(server).setStatus(
            CommitStatus(sha: "abc", context: "plumb/web", state: .pending, description: "syncing"))
        XCTAssertEqual(server.requests.count, 1)
    }

    func testSecondRunEditsTheNoteAcrossPages() async throws {
        let store = CommentStore()
        for text in ["first review", "LGTM", "please rebase"] { _ = store.add(text) }
        let server = try await gitLabMock(store)
        defer { Task { await server.stop() } }
        let forge = try forge(server)
        let marker = "<!-- plumb:app=prod/web -->"
        let created = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "plan A")
        let edited = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "plan B")
        XCTAssertEqual(created.id, edited.id)
        XCTAssertEqual(store.all.map(\.body), ["first review", "LGTM", "please rebase", marker + "\nplan B"])
        let writes = server.requests.filter { $0.method != "GET" }
        XCTAssertEqual(writes.map(\.method), ["POST", "PUT"])
        XCTAssertEqual(writes[0].path, "/api/v4/projects/group%2Fsub%2Fdeploy/merge_requests/7/notes")
        XCTAssertEqual(writes[0].body, ["body": .string(marker + "\nplan A")])
        XCTAssertEqual(writes[1].path, "/api/v4/projects/group%2Fsub%2Fdeploy/merge_requests/7/notes/\(created.id)")
        XCTAssertEqual(writes[1].body, ["body": .string(marker + "\nplan B")])
        let pages = server.requests.filter { $0.method == "GET" }.prefix(2).map { $0.query["page"] }
        XCTAssertEqual(pages, [nil, "2"], "the second page is asked for by X-Next-Page")
    }

    func testOpenMergeRequestsIntoABranch() async throws {
        let server = try await gitLabMock(CommentStore())
        defer { Task { await server.stop() } }
        let mrs = try await forge(server).openPullRequests(base: "main")
        XCTAssertEqual(
            mrs,
            [
                PullRequest(
                    number: 1, headSHA: "8888888888888888888888888888888888888888", headBranch: "test1",
                    baseBranch: "main")
            ])
        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.path, "/api/v4/projects/group%2Fsub%2Fdeploy/merge_requests")
        XCTAssertEqual(request.query["state"], "opened")
        XCTAssertEqual(request.query["target_branch"], "main")
    }

    func testANumericProjectIDAndAnAPIRootAsGiven() throws {
        let c = ForgeConfiguration(
            kind: .gitlab, baseURL: "https://gitlab.example.com/api/v4", repository: "42", auth: .token("t"))
        XCTAssertEqual(try c.apiRoot(), "https://gitlab.example.com/api/v4")
        XCTAssertEqual(try GitLabForge(c).project, "/projects/42")
        XCTAssertEqual(
            try ForgeConfiguration(kind: .gitlab, repository: "a/b", auth: .token("t")).apiRoot(),
            "https://gitlab.com/api/v4")
    }
}
