import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import XCTest

/// `Reconciler.reconcile` called directly, with no queue and no controller around it.
final class ReconcileWithoutQueueTests: ControllerTestCase {
    func deployment() -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: main
                image: nginx:1.27
                ports:
                - containerPort: 80

        """
    }

    /// After a sync, a reconcile with no drift sends nothing to the API server: the live side
    /// comes from the watch caches and the dry-run answers are remembered by the target.
    func testANoDriftReconcileMakesNoAPIRequest() async throws {
        try commit(["apps/web/deploy.yaml": deployment()])
        let reconciler = makeReconciler(holder: ControllerHolder())
        try applyApplication("web", interval: "1h", selfHeal: true)
        let first = await reconciler.reconcile(try await application("web"))
        XCTAssertNotNil(first.sync, "the first reconcile syncs")
        XCTAssertEqual(first.sync?.result.succeeded, true, "\(first.status.conditions)")
        XCTAssertEqual(Set(first.phases.keys), [.fetch, .render, .plan, .apply], "timed phases (no health wait: spec.wait is off)")
        _ = try await client.patch(try await application("web").ref, .merge(["status": first.status.value]), subresource: "status")
        // Let the watch caches see the sync's writes (and the cluster's status updates).
        try await Task.sleep(for: .milliseconds(500))
        // The first reconcile after a sync may confirm a predicted update once per new
        // resourceVersion; it writes nothing.
        let before = try await application("web")
        requests.reset()
        let second = await reconciler.reconcile(before)
        XCTAssertNil(second.sync)
        XCTAssertEqual(second.status.syncStatus, .synced)
        let writes = requests.all.filter { !$0.hasPrefix("GET") && !$0.contains("dryRun=All") }
        XCTAssertEqual(writes, [], "a no-drift reconcile writes nothing")
        let app = try await application("web")
        requests.reset()
        let third = await reconciler.reconcile(app)
        XCTAssertNil(third.sync)
        XCTAssertEqual(third.status.syncStatus, .synced)
        XCTAssertEqual(third.status.condition("Ready")?.status, .true)
        XCTAssertEqual(requests.all, [], "no API request at all")
    }

    /// A Git outage changes no object, is reported as GitFetchFailed and backs off, capped at
    /// the interval.
    func testGitOutageChangesNothingAndBacksOff() async throws {
        let reconciler = makeReconciler(holder: ControllerHolder())
        try applyApplication("web", interval: "2s")
        let first = await reconciler.reconcile(try await application("web"))
        XCTAssertEqual(first.sync?.result.succeeded, true)
        if let daemon { kill(daemon.pid, SIGKILL) }
        daemon?.stop()
        try await Task.sleep(for: .seconds(2))  // the interval: the next reconcile fetches
        requests.reset()
        var delays: [Duration] = []
        XCTAssertFalse(daemon?.isRunning ?? false)
        for _ in 0..<4 {
            let out = await reconciler.reconcile(try await application("web"))
            XCTAssertEqual(out.status.condition("Ready")?.reason, "GitFetchFailed", "\(out.status.conditions)")
            XCTAssertNil(out.sync)
            delays.append(out.requeueAfter)
        }
        XCTAssertEqual(delays, [.milliseconds(100), .milliseconds(200), .milliseconds(400), .seconds(2)], "backoff 100ms doubling; limit 3, then the interval")
        XCTAssertEqual(requests.all.filter { !$0.hasPrefix("GET") }, [], "no object changed")
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "blue")
    }
}
