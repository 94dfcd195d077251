import PlumbController
import XCTest

final class WorkQueueTests: XCTestCase {
    /// A key added again while it waits is held once.
    func testAKeyWaitingIsHeldOnce() async {
        let q = WorkQueue<String>()
        await q.add("a")
        await q.add("a")
        await q.add("b")
        let depth = await q.depth
        XCTAssertEqual(depth, 2)
        let first = await q.get()
        let second = await q.get()
        XCTAssertEqual(Set([first, second]), ["a", "b"])
        let left = await q.depth
        XCTAssertEqual(left, 0)
    }

    /// A key added while processed comes back after `done`, once.
    func testAKeyAddedWhileProcessedComesBackAfterDone() async {
        let q = WorkQueue<String>()
        await q.add("a")
        let a = await q.get()
        XCTAssertEqual(a, "a")
        await q.add("a")
        await q.add("a")
        let waiting = await q.depth
        XCTAssertEqual(waiting, 0, "not handed out twice at once")
        await q.done("a")
        let again = await q.depth
        XCTAssertEqual(again, 1)
    }

    /// A delayed key is handed out when due, an earlier add wins.
    func testDelaysAndEarlierAddWins() async {
        let q = WorkQueue<String>()
        let start = ContinuousClock.now
        await q.add("late", after: .milliseconds(200))
        await q.add("late", after: .milliseconds(50))
        let key = await q.get()
        let took = ContinuousClock.now - start
        XCTAssertEqual(key, "late")
        XCTAssertGreaterThanOrEqual(took, .milliseconds(50))
        XCTAssertLessThan(took, .milliseconds(190))
    }

    func testRateLimit() async {
        let q = WorkQueue<Int>(rate: 20, burst: 2)
        for i in 0..<4 { await q.add(i, rateLimited: true) }
        let start = ContinuousClock.now
        for _ in 0..<4 { _ = await q.get() }
        // Two at once (the burst), then 20 per second: about 100 ms for the other two.
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(90))
    }

    /// Events and interval requeues are not held back by the bucket: a key added plainly is
    /// handed out at once even when the bucket is empty.
    func testPlainAddsTakeNoToken() async {
        let q = WorkQueue<Int>(rate: 1, burst: 1)
        await q.add(0, rateLimited: true)
        _ = await q.get()
        for i in 1...50 { await q.add(i) }
        let start = ContinuousClock.now
        for _ in 1...50 { _ = await q.get() }
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(500), "50 keys at rate 1/s would take 50 s")
    }

    func testShutDownReleasesWaiters() async {
        let q = WorkQueue<String>()
        let waiter = Task { await q.get() }
        try? await Task.sleep(for: .milliseconds(20))
        await q.shutDown()
        let got = await waiter.value
        XCTAssertNil(got)
    }
}
