import PlumbReport
import XCTest

/// A forge kept in memory, to check the sticky-comment rule apart from any one forge's API.
private actor MemoryForge: Forge {
    nonisolated var commentLimit: Int { 65_536 }
    var stored: [Int: [ForgeComment]] = [:]
    var edits = 0
    var nextID = 1

    func setStatus(_ status: CommitStatus) async throws {}
    func comments(pullRequest: Int) async throws -> [ForgeComment] { stored[pullRequest] ?? [] }
    func createComment(pullRequest: Int, body: String) async throws -> ForgeComment {
        let comment = ForgeComment(id: String(nextID), body: body)
        nextID += 1
        stored[pullRequest, default: []].append(comment)
        return comment
    }
    func editComment(pullRequest: Int, id: String, body: String) async throws {
        edits += 1
        stored[pullRequest] = stored[pullRequest]?.map { $0.id == id ? ForgeComment(id: id, body: body) : $0 }
    }
    func openPullRequests(base: String?) async throws -> [PullRequest] { [] }
}

final class StickyCommentTests: XCTestCase {
    func testASecondPlanEditsTheCommentInsteadOfAddingOne() async throws {
        let forge = MemoryForge()
        _ = try await forge.createComment(pullRequest: 7, body: "looks good")
        let marker = "<!-- plumb:app=prod/web -->"
        let first = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "1 to update")
        let second = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "2 to update")
        XCTAssertEqual(first.id, second.id)
        let all = try await forge.comments(pullRequest: 7)
        XCTAssertEqual(all.map(\.body), ["looks good", marker + "\n2 to update"])
        // The same plan again changes nothing on the forge.
        _ = try await forge.upsertComment(pullRequest: 7, marker: marker, body: "2 to update")
        let edits = await forge.edits
        XCTAssertEqual(edits, 1)
    }

    func testEachApplicationHasItsOwnComment() async throws {
        let forge = MemoryForge()
        try await forge.upsertComment(pullRequest: 3, marker: "<!-- plumb:app=a -->", body: "a")
        try await forge.upsertComment(pullRequest: 3, marker: "<!-- plumb:app=b -->", body: "b")
        let count = try await forge.comments(pullRequest: 3).count
        XCTAssertEqual(count, 2)
    }
}
