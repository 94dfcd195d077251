import Foundation
import PlumbController
import PlumbCore
import PlumbTesting
import XCTest

/// Pushes that move a branch to a commit the controller's clone already has (from another
/// branch): a fast-forward merge, and a burst of ref updates whose commits reached the server
/// first, as `Benchmarks controller-scale` sends it. And a changed Application overtaking the
/// backlog of an earlier push.
final class WebhookBurstTests: ControllerTestCase {
    /// Commits `files` in the working copy and pushes the commit to `branch` of the served
    /// repository only; its SHA.
    func commit(_ files: [String: String], to branch: String, message: String) throws -> String {
        for (path, text) in files { try write(work + "/" + path, text) }
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", message], in: work)
        let sha = try head()
        try git(["push", "-q", "-f", tmp.sub("served/repo.git"), "\(sha):refs/heads/\(branch)"], in: work)
        return sha
    }

    /// Points main of the served repository at `sha` (what receive-pack does last).
    func moveMain(to sha: String) throws {
        try git(["--git-dir", tmp.sub("served/repo.git"), "update-ref", "refs/heads/main", sha], in: work)
    }

    func testABranchFastForwardedToACommitTheCloneHasIsFetchedAndSynced() async throws {
        try applyApp("web", repoURL: url, interval: "10m")
        let controller = startController()
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        let (http, group) = try await serveWebhooks(controller)
        defer { Task { await group.triggerGracefulShutdown() } }
        // main gets green; a feature branch one commit ahead gets red; the push of main
        // fetches both.
        let green = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])], to: "main", message: "green")
        let red = try commit(["apps/web/cm.yaml": configMap("web", ["color": "red"])], to: "feature", message: "red")
        var (status, text) = try await notify(http, commit: green)
        XCTAssertEqual(status, 200, text)
        try await eventually("green synced", timeout: 10) { try await application("web").status.lastSyncedRevision == green }
        // The feature branch is merged by a fast-forward: main moves to a commit the clone has.
        try moveMain(to: red)
        (status, text) = try await notify(http, commit: red)
        XCTAssertEqual(status, 200, text)
        XCTAssertTrue(text.contains("1 Application enqueued"), text)
        try await eventually("the merged commit is synced long before the 10-minute interval", timeout: 10) {
            await configMapData("web")?["color"] == "red"
        }
        try await eventually("status at the merged commit") { try await application("web").status.lastSyncedRevision == red }
    }

    func testBurstOfRefUpdatesToCommitsAlreadyServedIsOneFetchAndOneSyncOfTheLast() async throws {
        let names = (0..<20).map { String(format: "svc-%02d", $0) }
        var files: [String: String?] = [:]
        for name in names { files["apps/\(name)/cm.yaml"] = configMap(name, ["value": "v0"]) }
        try commit(files)
        // A long interval: every reconcile after the start is one a push or a watch event asked for.
        for name in names { try applyApplication(name, path: "apps/\(name)", interval: "10m", selfHeal: true) }
        let controller = startController()
        try await eventually("all Synced", timeout: 60) {
            let head = try self.head()
            for name in names where try await application(name).status.lastSyncedRevision != head { return false }
            return true
        }
        try await settle(controller)
        let (http, group) = try await serveWebhooks(controller)
        defer { Task { await group.triggerGracefulShutdown() } }
        // The commits reach the server on a side branch first; then main moves through them.
        var commits: [String] = []
        for n in 1...20 {
            commits.append(try commit(["apps/svc-07/cm.yaml": configMap("svc-07", ["value": "burst-\(n)"])], to: "burst", message: "burst \(n)"))
        }
        let fetchesBefore = fetchesServed
        let syncsBefore = try syncs("svc-07").count
        let (url, secret) = (self.url, self.secret)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { tasks in
            for (n, sha) in commits.enumerated() {
                try await Task.sleep(until: start + .milliseconds(40 * n), clock: .continuous)
                try moveMain(to: sha)
                // Sent without waiting for the answer to the one before, as a forge delivers.
                tasks.addTask { try await Self.notify(http, url: url, secret: secret, commit: sha).0 }
            }
            for try await status in tasks { XCTAssertEqual(status, 200) }
        }
        try await eventually("the last commit is synced", timeout: 15) { await configMapData("svc-07")?["value"] == "burst-20" }
        try await eventually("every Application at the last commit", timeout: 30) {
            for name in names where try await application(name).status.syncRevision != commits.last { return false }
            return true
        }
        try await Task.sleep(for: .seconds(1))
        let records = try syncs("svc-07").dropLast(syncsBefore)
        XCTAssertEqual(
            records.map(\.revision), [commits.last!],
            "one sync, of the last commit: \(records.map { "#\((commits.firstIndex(of: $0.revision) ?? -2) + 1) \($0.result)" })")
        XCTAssertEqual(fetchesServed - fetchesBefore, 1, "one fetch for the burst")
        for name in names where name != "svc-07" {
            XCTAssertEqual(try syncs(name).count, 1, "\(name): only its revision moved")
        }
    }

    func testAnUrgentKeyOvertakesTheBacklog() async {
        let queue = WorkQueue<String>()
        for i in 0..<50 { await queue.add("moved-\(i)") }
        try? await Task.sleep(for: .milliseconds(5))
        await queue.add("changed", urgent: true)
        await queue.add("later")
        let first = await queue.get()
        XCTAssertEqual(first, "changed", "the changed Application before the 50 queued earlier")
        let second = await queue.get()
        XCTAssertEqual(second, "moved-0", "then the others by time")
        // Added again (not urgent) while waiting: still first.
        await queue.add("again", urgent: true)
        await queue.add("again")
        let third = await queue.get()
        XCTAssertEqual(third, "again")
        await queue.shutDown()
    }

    /// Waits until no reconcile has finished for a second (the start's watch events handled).
    func settle(_ controller: ApplicationController) async throws {
        var last = -1
        for _ in 0..<60 {
            let now = controller.reconciles
            if now == last { return }
            last = now
            try await Task.sleep(for: .seconds(1))
        }
        XCTFail("the controller did not settle")
    }
}
