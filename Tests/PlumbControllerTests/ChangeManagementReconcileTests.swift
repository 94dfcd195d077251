import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbTesting
import XCTest

/// The controller's change-management hooks: a closed sync window holds automated syncs
/// (Ready=False SyncWindowClosed); an approval endpoint (a real HTTP server on 127.0.0.1) holds
/// a sync while pending (AwaitingApproval), lets it through once approved, and a rejection is
/// recorded once with nothing written (ApprovalRejected).
final class ChangeManagementReconcileTests: ControllerTestCase {
    func applyApplication(_ name: String, syncPolicy: String) throws {
        let yaml = """
            apiVersion: plumb.dev/v1alpha1
            kind: Application
            metadata:
              name: \(name)
              namespace: \(namespace)
            spec:
              source:
                repoURL: \(url)
                path: apps/web
              destination:
                namespace: \(namespace)
              interval: 1s
              syncPolicy:
                automated: true
            \(syncPolicy)
            """
        try kubectlOK(["apply", "--server-side", "--field-manager=test", "-f", "-"], stdin: yaml)
    }

    func testAClosedWindowHoldsAutomatedSyncs() async throws {
        let reconciler = makeReconciler(holder: ControllerHolder())
        try applyApplication(
            "web",
            syncPolicy: "    windows:\n      - kind: deny\n        schedule: \"* * * * *\"\n        duration: 1h\n")
        let held = await reconciler.reconcile(try await application("web"))
        XCTAssertNil(held.sync)
        let ready = held.status.condition("Ready")
        XCTAssertEqual(ready?.reason, "SyncWindowClosed")
        XCTAssertEqual(ready?.status, .false)
        XCTAssertTrue(
            ready?.message.contains("deny window \"* * * * *\" for 1h is open; no window opens again") ?? false,
            ready?.message ?? "")
        let configMap = await configMapData("web")
        XCTAssertNil(configMap, "nothing was written")

        // An allow window open now lets it through.
        try applyApplication(
            "web",
            syncPolicy: "    windows:\n      - kind: allow\n        schedule: \"* * * * *\"\n        duration: 1h\n")
        let synced = await reconciler.reconcile(try await application("web"))
        XCTAssertNotNil(synced.sync, "\(synced.status.conditions)")
        let data = await configMapData("web")
        XCTAssertEqual(data?["color"], "blue")
    }

    func testBadWindowIsAnInvalidSpecNamingTheField() async throws {
        let reconciler = makeReconciler(holder: ControllerHolder())
        try applyApplication(
            "web",
            syncPolicy: "    windows:\n      - kind: deny\n        schedule: \"0 25 * * *\"\n        duration: 1h\n")
        let outcome = await reconciler.reconcile(try await application("web"))
        let conditions = outcome.status.conditions.map { "\($0.type)=\($0.reason): \($0.message)" }.joined(
            separator: "\n")
        XCTAssertTrue(
            conditions.contains(
                "spec.syncPolicy.windows[0].schedule: cron \"0 25 * * *\": hour field \"25\": 25 is outside 0-23"),
            conditions)
        XCTAssertNil(outcome.sync)
    }

    func testApprovalPendingThenApprovedThenANewRevisionRejected() async throws {
        let hook = try HookEndpoint()
        try kubectlOK([
            "create", "secret", "generic", "approval-key", "-n", namespace, "--from-literal=secret=\(hook.key)",
        ])
        let reconciler = makeReconciler(holder: ControllerHolder())
        try applyApplication(
            "web",
            syncPolicy: """
                    approval:
                      url: \(hook.url)/approve
                      timeout: 1m
                      pollInterval: 200ms
                      secretRef: {name: approval-key}
                """)
        try hook.decisions(["pending-poll", "approved:CAB-7"])
        let pending = await reconciler.reconcile(try await application("web"))
        XCTAssertNil(pending.sync)
        XCTAssertEqual(pending.status.condition("Ready")?.reason, "AwaitingApproval")
        XCTAssertTrue(pending.status.condition("Ready")?.message.contains("waiting for the CAB") ?? false)
        XCTAssertEqual(pending.requeueAfter, .milliseconds(200), "asked again after the poll interval")
        let none = await configMapData("web")
        XCTAssertNil(none)

        let approved = await reconciler.reconcile(try await application("web"))
        XCTAssertNotNil(approved.sync, "\(approved.status.conditions)")
        let data = await configMapData("web")
        XCTAssertEqual(data?["color"], "blue")
        let requests = hook.requests
        XCTAssertEqual(requests.map { $0["method"]?.stringValue ?? "" }, ["POST", "GET"])
        XCTAssertEqual(requests[0]["signatureOK"], true, "signed with the Secret's key")
        XCTAssertEqual(requests[0]["body"]?["app"], "team-a/web")
        XCTAssertEqual(requests[0]["body"]?["initiator"], "controller")

        // A new revision, rejected: recorded once, nothing written, not asked again.
        try hook.decisions(["rejected:change freeze"])
        let revision = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        try await Task.sleep(for: .milliseconds(1100))  // the interval: the next reconcile fetches
        let rejected = await reconciler.reconcile(try await application("web"))
        XCTAssertNil(rejected.sync)
        let ready = rejected.status.condition("Ready")
        XCTAssertEqual(ready?.reason, "ApprovalRejected")
        XCTAssertTrue(
            ready?.message.contains("sha1:\(revision) was not synced: approval rejected: change freeze, audit #")
                ?? false, ready?.message ?? "")
        XCTAssertTrue(rejected.events.contains { $0.reason == "ApprovalRejected" && $0.type == .warning })
        let unchanged = await configMapData("web")
        XCTAssertEqual(unchanged?["color"], "blue")
        let again = await reconciler.reconcile(try await application("web"))
        XCTAssertEqual(again.status.condition("Ready")?.reason, "ApprovalRejected")
        XCTAssertEqual(hook.requests.count, 3, "a refused revision is not asked for again")
        let records = try audit.history(app: "team-a/web", limit: 10)
        XCTAssertEqual(records.map(\.result), [.rejected, .synced])
        XCTAssertEqual(records[0].revision, revision)
        XCTAssertEqual(records[0].error, "approval rejected: change freeze")
        XCTAssertEqual(records[0].objects, [])
    }
}
