import Foundation
import PlumbAudit
import PlumbController
import PlumbKube
import PlumbTesting
import XCTest

/// A push while a sync of an older commit runs (waiting for its Deployment to become
/// available): that sync stops after the step under way, its record says interrupted, and the
/// newest commit is synced at once, not after the older one's health wait; never two syncs of
/// one Application at once.
final class WebhookRunningSyncTests: ControllerTestCase {
    /// Deployments take 12 s to become available: a sync that waits for one is long enough to
    /// push during.
    override var workloadDelay: Duration { .seconds(12) }

    func deployment(_ image: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
          annotations:
            plumb.dev/sync-wave: "0"
        spec:
          replicas: 1
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
            spec:
              containers:
              - name: api
                image: \(image)
        """
    }

    func testRunningSyncOfAnOlderCommitIsInterruptedAndTheNewestSyncedAtOnce() async throws {
        try commit(["apps/web/deploy.yaml": deployment("api:1"), "apps/web/cm.yaml": configMap("web", ["color": "blue"], wave: 1)])
        try applyApp("web", repoURL: url, interval: "10m")
        try kubectlOK(["patch", "application", "web", "-n", namespace, "--type=merge", "-p", #"{"spec":{"wait":true}}"#])
        let controller = startController()
        try await eventually("first sync", timeout: 40) { try await application("web").status.lastSyncedRevision == head() }
        let (http, group) = try await serveWebhooks(controller)
        defer { Task { await group.triggerGracefulShutdown() } }
        let before = try syncs("web").count

        let older = try commit(["apps/web/deploy.yaml": deployment("api:2"), "apps/web/cm.yaml": configMap("web", ["color": "older"], wave: 1)])
        _ = try await notify(http, commit: older)
        // The older commit is applied and its sync waits for the Deployment (12 s).
        try await eventually("the older commit applied") {
            try kubectlGet(["deployment", "api", "-n", namespace])[path: ["spec", "template", "spec", "containers"]]?
                .arrayValue?.first?["image"]?.stringValue == "api:2"
        }
        let newer = try commit(["apps/web/deploy.yaml": deployment("api:3"), "apps/web/cm.yaml": configMap("web", ["color": "newer"], wave: 1)])
        let pushed = Date()
        _ = try await notify(http, commit: newer)
        try await eventually("the newest commit is applied", timeout: 10) { await configMapData("web")?["color"] == "newer" }
        XCTAssertLessThan(Date().timeIntervalSince(pushed), 6, "not after the older sync's 12 s health wait")
        try await eventually("the newest commit is synced", timeout: 40) { try await application("web").status.lastSyncedRevision == newer }
        let records = try syncs("web").dropLast(before).reversed().map { $0 }
        XCTAssertEqual(records.map(\.revision), [older, newer], records.map { "\($0.revision.prefix(7)) \($0.result)" }.joined(separator: ", "))
        XCTAssertEqual(records.first?.result, .interrupted)
        XCTAssertEqual(records.last?.result, .synced)
        if records.count == 2, let olderEnd = records[0].endedAt {
            XCTAssertLessThanOrEqual(olderEnd, records[1].startedAt, "the newer sync started after the older one ended")
        }
    }
}
