import PlumbCore
import PlumbEngine
import PlumbReport
import Synchronization
import XCTest

/// Previews follow the pull requests: published when the head moves or the plan changes,
/// left alone otherwise, forgotten when closed.
final class PreviewTests: XCTestCase {
    func pr(_ number: Int, _ sha: String, base: String = "main") -> PullRequest {
        PullRequest(number: number, headSHA: sha, headBranch: "topic-\(number)", baseBranch: base)
    }

    func testPreviewsFollowTheHeadAndTheLiveState() async throws {
        let forge = RecordingForge()
        let tracker = PreviewTracker()
        await forge.setOpen([pr(1, "aaaaaaa1"), pr(2, "bbbbbbb1"), pr(3, "ccccccc1", base: "release")])
        let plans = Mutex<[String: Plan]>(["aaaaaaa1": PlanFixtures.web, "bbbbbbb1": PlanFixtures.unchanged])
        let planned = Mutex<[String]>([])
        let plan: @Sendable (PullRequest) async -> PlanReport = { pr in
            planned.withLock { $0.append(pr.headSHA) }
            guard let p = plans.withLock({ $0[pr.headSHA] }) else {
                return PlanReport(app: "web", plan: nil, error: "render failed", revision: pr.headSHA)
            }
            return PlanReport(app: "web", plan: p, revision: pr.headSHA)
        }
        var updates = try await tracker.refresh(app: "web", forge: forge, branch: "main", plan: plan)
        XCTAssertEqual(updates.map(\.pullRequest), [1, 2], "only pull requests into main")
        XCTAssertEqual(updates.map(\.published), [true, true])
        var statuses = await forge.statuses
        XCTAssertEqual(statuses.map(\.context), ["plumb/web/preview", "plumb/web/preview"])
        XCTAssertEqual(statuses.map(\.sha), ["aaaaaaa1", "bbbbbbb1"])
        XCTAssertEqual(statuses.map(\.description), ["1 to create, 2 to update, 1 to prune", "no changes"])
        let body = await forge.comments[1]?.first?.body ?? ""
        XCTAssertTrue(body.contains("Preview of \\#1 at aaaaaaa against the live cluster"), body)

        // Nothing moved: planned again, nothing sent.
        updates = try await tracker.refresh(app: "web", forge: forge, branch: "main", plan: plan)
        XCTAssertEqual(updates.map(\.published), [false, false])
        statuses = await forge.statuses
        XCTAssertEqual(statuses.count, 2)

        // The head of #1 moves: its comment is edited and the new head gets the status.
        plans.withLock { $0["aaaaaaa2"] = PlanFixtures.unchanged }
        await forge.setOpen([pr(1, "aaaaaaa2"), pr(2, "bbbbbbb1")])
        updates = try await tracker.refresh(app: "web", forge: forge, branch: "main", plan: plan)
        XCTAssertEqual(updates.map(\.published), [true, false])
        statuses = await forge.statuses
        XCTAssertEqual(statuses.last?.sha, "aaaaaaa2")
        XCTAssertEqual(statuses.last?.state, .success)
        let comments = await forge.comments[1] ?? []
        XCTAssertEqual(comments.count, 1, "edited, not duplicated")
        XCTAssertTrue(comments[0].body.contains("no changes"), comments[0].body)

        // The live state drifts under #2 (same head, new plan): published again.
        plans.withLock { $0["bbbbbbb1"] = PlanFixtures.web }
        updates = try await tracker.refresh(app: "web", forge: forge, branch: "main", plan: plan)
        XCTAssertEqual(updates.map(\.published), [false, true])
        XCTAssertEqual(tracker.remembered(app: "web"), [1: "aaaaaaa2", 2: "bbbbbbb1"])

        // #2 is closed: forgotten. A head that does not render fails its status.
        await forge.setOpen([pr(1, "aaaaaaa3")])
        updates = try await tracker.refresh(app: "web", forge: forge, branch: "main", plan: plan)
        XCTAssertEqual(tracker.remembered(app: "web"), [1: "aaaaaaa3"])
        statuses = await forge.statuses
        XCTAssertEqual(statuses.last?.state, .failure)
        XCTAssertEqual(statuses.last?.description, "plan failed: render failed")
    }
}
