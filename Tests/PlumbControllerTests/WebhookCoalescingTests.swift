import Foundation
import PlumbController
import PlumbGit
import PlumbTesting
import XCTest

/// The pieces under "latest commit wins": the queue lets a push overtake a retry's backoff and
/// holds a key being processed; a fetch in progress serves every reconcile asking meanwhile.
final class WebhookCoalescingTests: XCTestCase {
    func testAPushOvertakesARetryWaitingForItsBackoff() async {
        let queue = WorkQueue<String>(rate: 1, burst: 1)
        await queue.add("web", after: .seconds(60), rateLimited: true)
        await queue.add("web")
        let start = ContinuousClock.now
        let key = await queue.get()
        XCTAssertEqual(key, "web")
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(1), "not after the 60 s backoff")
    }

    func testTwentyPushesWhileProcessingAreOneMoreRunAfterIt() async throws {
        let queue = WorkQueue<String>()
        await queue.add("web")
        let first = await queue.get()
        XCTAssertEqual(first, "web")
        for _ in 0..<20 { await queue.add("web") }
        // Not handed out again while processed: never two reconciles of one key at once.
        let early = Task { await queue.get() }
        try await Task.sleep(for: .milliseconds(300))
        let depth = await queue.depth
        XCTAssertEqual(depth, 0, "held back while processed")
        await queue.done("web")
        let again = await early.value
        XCTAssertEqual(again, "web")
        let waiting = await queue.depth
        XCTAssertEqual(waiting, 0, "twenty pushes are one run")
        await queue.shutDown()
    }

    func testAFetchInProgressServesEveryCallerAfterAPush() async throws {
        let tmp = try TempDir("plumbhooks")
        defer { _ = tmp }
        let work = tmp.sub("work")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try git(["init", "-q", "-b", "main"], in: work)
        try write(work + "/a.yaml", "a: 1\n")
        try git(["add", "-A"], in: work)
        try git(["commit", "-q", "-m", "one"], in: work)
        let url = work
        let sources = GitSources(cacheDirectory: tmp.sub("cache"))
        let options = GitSourceOptions(cacheDirectory: tmp.sub("cache"))
        try await sources.fetchIfDue(url: url, interval: .seconds(600)) { options }
        let news = await sources.announce(url: url, commit: nil)
        XCTAssertTrue(news)
        // Ten reconciles ask at once after one push: one fetch.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 { group.addTask { try await sources.fetchIfDue(url: url, interval: .seconds(600)) { options } } }
            var fetched = 0
            for try await did in group where did { fetched += 1 }
            XCTAssertEqual(fetched, 1)
        }
        let fetches = await sources.fetches[url]
        XCTAssertEqual(fetches, 2, "the first fetch and one for the push")
        // Within the interval and without a push: nothing.
        let idle = try await sources.fetchIfDue(url: url, interval: .seconds(600)) { options }
        XCTAssertFalse(idle)
    }
}
