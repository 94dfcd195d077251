import Foundation
import PlumbController
import PlumbCore
import PlumbTesting
import XCTest

/// The approval protocol against a real HTTP endpoint: approved, rejected, pending then
/// approved (by polling the pollURL, or the same POST again), timeout, and a service error.
final class ApprovalGateTests: XCTestCase {
    let summary: Value = [
        "app": "web", "revision": "3f9c2ab5d1e0c0ffee00112233445566778899aa", "target": "sandbox",
        "author": "Ada <ada@acme.dev>", "message": "Bump web to 1.26",
        "counts": ["created": 1, "configured": 0, "pruned": 0, "unchanged": 2],
        "objects": [
            [
                "apiVersion": "v1", "kind": "Secret", "namespace": "web", "name": "creds", "action": "created",
                "changedPaths": ["data.password"],
            ]
        ],
    ]

    func gate(_ hook: HookEndpoint, timeout: Duration = .seconds(10), key: Bool = true) -> ApprovalGate {
        ApprovalGate(
            settings: ApprovalSettings(url: hook.url + "/approve", timeout: timeout, pollInterval: .milliseconds(100)),
            key: key ? Array(hook.key.utf8) : nil)
    }

    func testApprovedAndRejected() async throws {
        let hook = try HookEndpoint()
        try hook.decisions(["approved:CAB-42"])
        let approved = await gate(hook).decide(summary)
        XCTAssertEqual(approved, .approved(reason: "CAB-42"))
        let request = try XCTUnwrap(hook.requests.first)
        XCTAssertEqual(request["method"], "POST")
        XCTAssertEqual(request["signatureOK"], true, "X-Plumb-Signature-256 is the HMAC-SHA256 of the body")
        XCTAssertEqual(request["body"], summary, "the plan summary as sent")
        XCTAssertEqual(request["event"], "approval")
        XCTAssertEqual(request["approvalID"]?.stringValue?.count, 32)

        try hook.decisions(["rejected:change freeze until Monday"])
        let rejected = await gate(hook).decide(summary)
        XCTAssertEqual(rejected, .rejected(reason: "change freeze until Monday"))
        XCTAssertEqual(rejected.message, "approval rejected: change freeze until Monday")
    }

    func testPendingIsPolledUntilApproved() async throws {
        let hook = try HookEndpoint()
        // With a pollURL: GETs of it. Without: the same POST again, with the same approval id.
        try hook.decisions(["pending-poll", "pending", "approved"])
        let pendings = SharedBox(0)
        let decision = await gate(hook).decide(summary) { reason in
            pendings.withLock { $0 += 1 }
            XCTAssertEqual(reason, "waiting for the CAB")
        }
        XCTAssertEqual(decision, .approved(reason: nil))
        XCTAssertEqual(pendings.withLock { $0 }, 1, "told once")
        let requests = hook.requests
        XCTAssertEqual(requests.map { $0["method"]?.stringValue ?? "" }, ["POST", "GET", "GET"])
        XCTAssertEqual(requests.map { $0["path"]?.stringValue ?? "" }, ["/approve", "/poll/1", "/poll/1"])

        try hook.decisions(["pending", "approved"])
        let again = await gate(hook).decide(summary)
        XCTAssertEqual(again, .approved(reason: nil))
        let posts = hook.requests.suffix(2)
        XCTAssertEqual(posts.map { $0["method"]?.stringValue ?? "" }, ["POST", "POST"])
        XCTAssertEqual(Set(posts.map { $0["approvalID"] }).count, 1, "a repeated request keeps its id")
    }

    func testPendingPastTheTimeoutIsNotApproved() async throws {
        let hook = try HookEndpoint()
        try hook.decisions(["pending"])
        let started = ContinuousClock.now
        let decision = await gate(hook, timeout: .milliseconds(600)).decide(summary)
        XCTAssertEqual(decision, .timedOut(after: .milliseconds(600)))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        XCTAssertGreaterThanOrEqual(hook.requests.count, 3, "asked again every poll interval")
    }

    func testServiceErrorsAndUnreachableService() async throws {
        let hook = try HookEndpoint()
        try hook.decisions(["404"])
        let notFound = await gate(hook).decide(summary)
        XCTAssertEqual(notFound, .failed("\(hook.url)/approve: answered HTTP 404"))
        // 503s are waited out until the timeout.
        try hook.decisions(["503", "approved"])
        let afterOutage = await gate(hook).decide(summary)
        XCTAssertEqual(afterOutage, .approved(reason: nil))
        hook.stop()
        let down = await gate(hook, timeout: .milliseconds(300)).decide(summary)
        guard case .failed(let why) = down else { return XCTFail("\(down)") }
        XCTAssertTrue(why.contains("127.0.0.1:\(hook.port)"), why)
        XCTAssertFalse(down.isApproved)
    }
}

/// A counter shared with a `@Sendable` closure.
final class SharedBox<T: Sendable>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func withLock<R>(_ body: (inout T) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
