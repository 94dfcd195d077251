import Synchronization
import XCTest

@testable import PlumbKube

/// A clock that never waits: `sleep` records the duration and moves time forward.
final class ManualClock: KubeClock {
    private let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))

    func now() -> Duration { state.withLock { $0.now } }

    func sleep(for duration: Duration) async throws {
        state.withLock {
            $0.sleeps.append(duration)
            $0.now += duration
        }
    }

    var sleeps: [Duration] { state.withLock { $0.sleeps } }
}

final class RateLimiterTests: XCTestCase {
    func testBurstThenSteadyRate() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(qps: 10, burst: 3, clock: clock)
        for _ in 0..<3 { try await limiter.acquire() }
        XCTAssertEqual(clock.sleeps, [], "the burst is free")
        try await limiter.acquire()
        try await limiter.acquire()
        XCTAssertEqual(clock.sleeps.count, 2)
        XCTAssertEqual(Double(clock.sleeps[0].components.attoseconds) / 1e18, 0.1, accuracy: 1e-6)
        XCTAssertEqual(Double(clock.sleeps[1].components.attoseconds) / 1e18, 0.1, accuracy: 1e-6)
    }

    func testZeroQPSDisablesLimiting() async throws {
        let clock = ManualClock()
        let limiter = RateLimiter(qps: 0, burst: 1, clock: clock)
        for _ in 0..<100 { try await limiter.acquire() }
        XCTAssertEqual(clock.sleeps, [])
    }

    func testLimiterStepsAsideWhenTheServerShowsFlowControl() async throws {
        let clock = ManualClock()
        let paced = KubeResponse(status: 200, headers: ["x-kubernetes-pf-flowschema-uid": "6998f575"])
        var options = KubeClientOptions()
        options.clock = clock
        options.qps = 1
        options.burst = 1
        let client = KubeClient(transport: ScriptedTransport([paced]), options: options)
        for _ in 0..<20 { _ = try await client.perform(KubeRequest(method: "GET", path: "/x")) }
        XCTAssertEqual(clock.sleeps, [], "the first answer named a flow schema: no client-side waits after it")
        XCTAssertTrue(client.limiter.steppedAside)
    }

    func testLimiterHoldsWithoutFlowControlOrWhenChosenExplicitly() async throws {
        let paced = KubeResponse(status: 200, headers: ["x-kubernetes-pf-prioritylevel-uid": "a1"])
        for (response, serverFlowControl) in [(KubeResponse(status: 200), true), (paced, false)] {
            let clock = ManualClock()
            var options = KubeClientOptions()
            options.clock = clock
            options.qps = 10
            options.burst = 1
            options.serverFlowControl = serverFlowControl
            let client = KubeClient(transport: ScriptedTransport([response]), options: options)
            for _ in 0..<3 { _ = try await client.perform(KubeRequest(method: "GET", path: "/x")) }
            XCTAssertEqual(clock.sleeps.count, 2, "10 QPS with a burst of 1: the 2nd and 3rd request wait")
            XCTAssertFalse(client.limiter.steppedAside)
        }
    }

    func testRetryRules() {
        var policy = RetryPolicy()
        policy.jitter = 0
        let get = KubeRequest(method: "GET", path: "/x")
        let post = KubeRequest(method: "POST", path: "/x")
        let patch = KubeRequest(method: "PATCH", path: "/x")
        let tooMany = KubeResponse(status: 429, headers: ["retry-after": "2"])
        XCTAssertEqual(policy.delay(after: tooMany, request: post, attempt: 0), .seconds(2))
        XCTAssertEqual(policy.delay(after: KubeResponse(status: 503), request: get, attempt: 0), .milliseconds(250))
        XCTAssertEqual(policy.delay(after: KubeResponse(status: 503), request: get, attempt: 2), .seconds(1))
        XCTAssertNil(policy.delay(after: KubeResponse(status: 500), request: patch, attempt: 0))
        XCTAssertNil(policy.delay(after: KubeResponse(status: 409), request: get, attempt: 0))
        XCTAssertNil(policy.delay(after: tooMany, request: get, attempt: 5), "retries are bounded")
        let refused = KubeTransportError(kind: .connect, method: "POST", url: "u", message: "m")
        let reset = KubeTransportError(kind: .other, method: "POST", url: "u", message: "m")
        XCTAssertNotNil(policy.delay(after: refused, request: post, attempt: 0), "a refused connection never reached the server")
        XCTAssertNil(policy.delay(after: refused, request: post, attempt: 0, answered: false), "before any answer: a wrong address")
        XCTAssertNil(policy.delay(after: reset, request: post, attempt: 0), "a reset POST may have been applied")
        XCTAssertNotNil(policy.delay(after: reset, request: get, attempt: 0))
        XCTAssertEqual(policy.backoff(attempt: 20), .seconds(10), "backoff is capped")
        XCTAssertEqual(
            policy.delay(after: KubeResponse(status: 429, headers: ["retry-after": "3600"]), request: get, attempt: 0), .seconds(60))
    }

    func testClientRetriesOn429WithInjectedClock() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport([KubeResponse(status: 429, headers: ["retry-after": "7"]), KubeResponse(status: 200)])
        var options = KubeClientOptions()
        options.clock = clock
        options.qps = 0
        let client = KubeClient(transport: transport, options: options)
        let response = try await client.perform(KubeRequest(method: "PATCH", path: "/x"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(clock.sleeps, [.seconds(7)])
        XCTAssertEqual(transport.sent, 2)
    }
}

/// A transport answering (or failing) from a list, for tests without a server; the last
/// entry repeats.
final class ScriptedTransport: KubeTransport {
    private let state: Mutex<(results: [Result<KubeResponse, KubeTransportError>], sent: Int)>

    init(_ results: [Result<KubeResponse, KubeTransportError>]) { state = Mutex((results, 0)) }
    convenience init(_ responses: [KubeResponse]) { self.init(responses.map { .success($0) }) }

    var sent: Int { state.withLock { $0.sent } }

    func send(_ request: KubeRequest) async throws -> KubeResponse {
        try state.withLock { s in
            s.sent += 1
            return s.results.count > 1 ? s.results.removeFirst() : s.results[0]
        }.get()
    }

    func stream(_ request: KubeRequest) -> AsyncThrowingStream<[UInt8], any Error> {
        AsyncThrowingStream { $0.finish(throwing: KubeClientError(message: "no streams here")) }
    }
}
