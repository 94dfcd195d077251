import PlumbReport
import Synchronization
import XCTest

/// Log lines a notifier wrote.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var sink: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
    var all: [String] { lines.withLock { $0 } }
}

final class StatusNotifierTests: XCTestCase {
    func status(_ state: CommitState, _ sha: String = "abc1234", _ description: String = "") -> CommitStatus {
        CommitStatus(sha: sha, context: "plumb/web", state: state, description: description)
    }

    func fast(capacity: Int = 256, attempts: Int = 8) -> StatusNotifier.Settings {
        var s = StatusNotifier.Settings()
        s.capacity = capacity
        s.maxAttempts = attempts
        s.initialBackoff = .milliseconds(5)
        s.maxBackoff = .milliseconds(40)
        return s
    }

    func testStatusesArriveInOrder() async throws {
        let forge = RecordingForge()
        let log = LogLines()
        let notifier = StatusNotifier(settings: fast(), log: log.sink)
        notifier.enqueue(status(.pending), on: forge)
        notifier.enqueue(status(.success), on: forge)
        notifier.enqueue(status(.pending, "def5678"), on: forge)
        let idle = await notifier.waitUntilIdle(timeout: .seconds(5))
        XCTAssertTrue(idle)
        let states = await forge.statuses.map { "\($0.sha) \($0.state.rawValue)" }
        XCTAssertEqual(states, ["abc1234 pending", "abc1234 success", "def5678 pending"])
        XCTAssertEqual(notifier.sent, 3)
        XCTAssertEqual(log.all, [])
    }

    func testAForgeOutageIsRetriedWithBackoffAndKeepsTheOrder() async throws {
        let forge = RecordingForge()
        await forge.failStatuses(3)
        let log = LogLines()
        let delays = Mutex<[Duration]>([])
        let notifier = StatusNotifier(settings: fast(), log: log.sink) { d in
            delays.withLock { $0.append(d) }
            try? await Task.sleep(for: d)
        }
        notifier.enqueue(status(.pending), on: forge)
        notifier.enqueue(status(.success), on: forge)
        let idle = await notifier.waitUntilIdle(timeout: .seconds(5))
        XCTAssertTrue(idle)
        let states = await forge.statuses.map(\.state)
        XCTAssertEqual(states, [.pending, .success], "delayed, not lost or reordered")
        XCTAssertEqual(
            delays.withLock { $0 }, [.milliseconds(5), .milliseconds(10), .milliseconds(20)], "doubling backoff")
        XCTAssertEqual(log.all.count, 3)
        XCTAssertTrue(
            log.all[0].hasPrefix("commit status plumb/web pending on abc1234 failed (attempt 1), retrying in"),
            log.all[0])
    }

    func testAFullQueueDropsTheOldestWithALogLine() async throws {
        let forge = RecordingForge()
        await forge.setStatusDelay(.milliseconds(200))
        let log = LogLines()
        let notifier = StatusNotifier(settings: fast(capacity: 3), log: log.sink)
        let start = ContinuousClock.now
        for i in 0..<6 { notifier.enqueue(status(.pending, "sha\(i)aaaa"), on: forge) }
        XCTAssertLessThan(ContinuousClock.now - start, .milliseconds(100), "enqueue never waits for the forge")
        XCTAssertLessThanOrEqual(notifier.waiting, 4, "three waiting and one being sent")
        let idle = await notifier.waitUntilIdle(timeout: .seconds(10))
        XCTAssertTrue(idle)
        let shas = await forge.statuses.map(\.sha)
        XCTAssertEqual(Array(shas.suffix(3)), ["sha3aaaa", "sha4aaaa", "sha5aaaa"], "the newest are kept")
        XCTAssertEqual(notifier.dropped + notifier.sent, 6)
        XCTAssertTrue(
            log.all.contains {
                $0.hasPrefix("commit status queue full (3): dropped the oldest, plumb/web pending on sha")
            }, "\(log.all)")
    }

    func testAPermanentErrorIsNotRetried() async throws {
        let forge = RecordingForge()
        await forge.failStatuses(
            1,
            with: ForgeError(
                kind: .status(404), forge: "github", method: "POST", path: "/repos/a/b/statuses/abc",
                message: "Not Found"))
        let log = LogLines()
        let notifier = StatusNotifier(settings: fast(), log: log.sink)
        notifier.enqueue(status(.pending), on: forge)
        notifier.enqueue(status(.success), on: forge)
        let idle = await notifier.waitUntilIdle(timeout: .seconds(5))
        XCTAssertTrue(idle)
        let states = await forge.statuses.map(\.state)
        XCTAssertEqual(states, [.success])
        XCTAssertEqual(
            log.all,
            [
                "commit status plumb/web pending on abc1234 dropped (not retried): github: POST /repos/a/b/statuses/abc: Not Found"
            ])
    }

    func testAForgeThatStaysDownIsGivenUpAfterTheAttempts() async throws {
        let forge = RecordingForge()
        await forge.failStatuses(100)
        let log = LogLines()
        let notifier = StatusNotifier(settings: fast(attempts: 3), log: log.sink)
        notifier.enqueue(status(.pending), on: forge)
        let idle = await notifier.waitUntilIdle(timeout: .seconds(5))
        XCTAssertTrue(idle)
        XCTAssertEqual(notifier.dropped, 1)
        XCTAssertTrue(log.all.last?.contains("dropped (gave up after 3 attempts)") ?? false, "\(log.all)")
    }
}
