import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbKube
import XCTest

/// The controller against a local cluster and a repository served by `git daemon`.
final class ControllerSyncTests: ControllerTestCase {
    func testApplicationIsSyncedAuditedAndReported() async throws {
        startController()
        try applyApplication("web")
        try await eventually("the ConfigMap is synced") { await configMapData("web")?["color"] == "blue" }
        let sha = try head()
        try await eventually("status Ready") {
            let s = try await application("web").status
            return s.condition("Ready")?.status == .true && s.syncStatus == .synced && s.health == .healthy
        }
        // kubectl is the judge of what the status and the object hold.
        let app = try kubectlGet(["application", "web", "-n", namespace])
        XCTAssertEqual(app[path: ["status", "sync", "status"]]?.stringValue, "Synced")
        XCTAssertEqual(app[path: ["status", "lastSyncedRevision"]]?.stringValue, sha)
        XCTAssertEqual(app[path: ["status", "observedGeneration"]]?.intValue, app[path: ["metadata", "generation"]]?.intValue)
        let ready = app[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"]?.stringValue == "Ready" }
        XCTAssertEqual(ready?["reason"]?.stringValue, "Succeeded")
        XCTAssertEqual(app[path: ["status", "resources"]]?.arrayValue?.first?["kind"]?.stringValue, "ConfigMap")
        XCTAssertEqual(app[path: ["status", "resources"]]?.arrayValue?.first?["status"]?.stringValue, "Synced")
        let cm = try kubectlGet(["configmap", "web", "-n", namespace])
        XCTAssertEqual(cm[path: ["metadata", "labels", "plumb.dev/app"]]?.stringValue, "team-a.web")
        // The audit trail: initiator controller, the Application's namespace/name, the commit.
        let auditID = app[path: ["status", "lastAuditID"]]?.intValue
        let record = try XCTUnwrap(try audit.record(try XCTUnwrap(auditID)))
        XCTAssertEqual(record.initiator, "controller")
        XCTAssertEqual(record.app, "team-a/web")
        XCTAssertEqual(record.revision, sha)
        XCTAssertEqual(record.result, .synced)
        XCTAssertEqual(record.objects.map(\.ref.name), ["web"])
        // Events on the Application, as kubectl shows them.
        try await eventually("events recorded") {
            let events = try kubectlGet(["events.v1.events.k8s.io", "-n", namespace])["items"]?.arrayValue ?? []
            let mine = events.filter { $0[path: ["regarding", "kind"]]?.stringValue == "Application" && $0[path: ["regarding", "name"]]?.stringValue == "web" }
            let reasons = Set(mine.compactMap { $0["reason"]?.stringValue })
            return reasons.isSuperset(of: ["Progressing", "ReconciliationSucceeded", "HealthChanged"])
                && mine.allSatisfy { $0["type"]?.stringValue == "Normal" && $0["reportingController"]?.stringValue == "plumb.dev/controller" }
        }
    }

    func testNewCommitIsSyncedWithinOneInterval() async throws {
        startController()
        try applyApplication("web", interval: "1s")
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        let sha = try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        let pushed = Date()
        try await eventually("the new commit is synced", timeout: 5) { await configMapData("web")?["color"] == "green" }
        let took = Date().timeIntervalSince(pushed)
        XCTAssertLessThan(took, 2.5, "synced \(took)s after the push; the interval is 1s")
        try await eventually("lastSyncedRevision") { try await application("web").status.lastSyncedRevision == sha }
    }

    func testDriftIsRevertedBySelfHealWithoutWaitingForTheInterval() async throws {
        startController()
        try applyApplication("web", interval: "1h", selfHeal: true)
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        try await eventually("Ready") { try await application("web").status.condition("Ready")?.status == .true }
        // A kubectl edit by another field manager.
        try kubectlOK(["patch", "configmap", "web", "-n", namespace, "--type=merge", "-p", #"{"data":{"color":"red"}}"#])
        let edited = Date()
        try await eventually("the drift is reverted", timeout: 5) { await configMapData("web")?["color"] == "blue" }
        XCTAssertLessThan(Date().timeIntervalSince(edited), 3, "the interval is 1h: only the watch can have done it")
        let records = try audit.history(app: "team-a/web", limit: 10)
        XCTAssertEqual(records.count, 2, "the first sync and the repair")
        XCTAssertTrue(records.allSatisfy { $0.result == .synced })
    }

    func testDriftIsReportedNotRepairedWithoutSelfHeal() async throws {
        startController()
        try applyApplication("web", interval: "1h", selfHeal: false)
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        try kubectlOK(["patch", "configmap", "web", "-n", namespace, "--type=merge", "-p", #"{"data":{"color":"red"}}"#])
        try await eventually("OutOfSync") { try await application("web").status.syncStatus == .outOfSync }
        let status = try await application("web").status
        XCTAssertEqual(status.condition("Ready")?.reason, "OutOfSync")
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "red")
    }

    func testInvalidManifestLeavesTheClusterAsItWasAndSetsDryRunFailed() async throws {
        startController()
        try applyApplication("web")
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        let good = try head()
        // One valid change and one object the API server refuses: nothing may be applied.
        let bad = try commit([
            "apps/web/cm.yaml": configMap("web", ["color": "green"]),
            "apps/web/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
        ])
        try await eventually("Ready=False DryRunFailed") {
            let s = try await application("web").status
            return s.condition("Ready")?.status == .false && s.condition("Ready")?.reason == "DryRunFailed"
        }
        let status = try await application("web").status
        XCTAssertEqual(status.lastSyncedRevision, good)
        XCTAssertEqual(status.lastAttemptedRevision, bad)
        XCTAssertTrue(status.condition("Ready")?.message.contains("ConfigMap team-a/Bad_Name: dry-run failed") ?? false, status.condition("Ready")?.message ?? "")
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "blue")
        XCTAssertNotEqual(try kubectl(["get", "configmap", "Bad_Name", "-n", namespace]).status, 0)
        // Retried (limit 3, 100 ms backoff doubling): each attempt a failed record of the bad commit.
        let records = try audit.history(app: "team-a/web", limit: 10).filter { $0.revision == bad && $0.result != .started }
        XCTAssertFalse(records.isEmpty)
        XCTAssertTrue(records.allSatisfy { $0.result == .failed && $0.objects.allSatisfy { !$0.action.writes } }, "\(records.map(\.result))")
    }

    func testPruneDeletesWhatLeftGit() async throws {
        try commit(["apps/web/extra.yaml": configMap("extra", ["k": "v"])])
        startController()
        try applyApplication("web", prune: true)
        try await eventually("both synced") {
            let extra = await configMapData("extra"), web = await configMapData("web")
            return extra != nil && web != nil
        }
        try commit(["apps/web/extra.yaml": nil])
        try await eventually("extra pruned") { await configMapData("extra") == nil }
        let web = await configMapData("web")
        XCTAssertNotNil(web)
        let last = try audit.history(app: "team-a/web", limit: 1).first
        XCTAssertEqual(last?.objects.first { $0.ref.name == "extra" }?.action, .pruned)
    }

    func testTwoApplicationsOfOneNameInTwoNamespacesDoNotPruneEachOther() async throws {
        try kubectlOK(["create", "namespace", "team-b"])
        startController()
        try applyApplication("web", prune: true)
        let other = """
            apiVersion: plumb.dev/v1alpha1
            kind: Application
            metadata: {name: web, namespace: team-b}
            spec:
              source: {repoURL: "\(url)", path: apps/web}
              destination: {namespace: team-b}
              interval: 1s
              syncPolicy: {automated: true, prune: true}
            """
        try kubectlOK(["apply", "--server-side", "-f", "-"], stdin: other)
        let refB = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "team-b", name: "web")
        try await eventually("both synced") {
            let a = await configMapData("web"), b = try? await client.get(refB)
            return a != nil && b != nil
        }
        // Several intervals: neither Application prunes the other's ConfigMap.
        try await Task.sleep(for: .milliseconds(2500))
        let a = await configMapData("web")
        XCTAssertNotNil(a)
        let b = try await client.get(refB)
        XCTAssertEqual(b[path: ["metadata", "labels", "plumb.dev/app"]]?.stringValue, "team-b.web")
    }

    func testSuspendStopsSyncingAndResumeSyncs() async throws {
        startController()
        try applyApplication("web")
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        try applyApplication("web", suspend: true)
        try await eventually("the suspension is seen") {
            let app = try await application("web")
            return app.status.observedGeneration == app.generation
        }
        try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        try await Task.sleep(for: .seconds(3))  // three intervals
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "blue")
        try applyApplication("web", suspend: false)
        try await eventually("synced after resume") { await configMapData("web")?["color"] == "green" }
    }

    func testTwoApplicationsOnOneRepositoryFetchItOncePerInterval() async throws {
        try commit(["apps/api/cm.yaml": configMap("api", ["color": "red"])])
        startController()
        let before = fetchesServed
        let started = Date()
        try applyApplication("web", interval: "2s")
        try applyApplication("api", path: "apps/api", interval: "2s")
        try await eventually("both synced") {
            let web = await configMapData("web"), api = await configMapData("api")
            return web != nil && api != nil
        }
        try await Task.sleep(for: .seconds(5))
        let elapsed = Date().timeIntervalSince(started)
        let fetches = fetchesServed - before
        // At most one fetch per 2 s interval (plus the first); two Applications fetching on
        // their own would make about twice as many.
        XCTAssertGreaterThanOrEqual(fetches, 2)
        XCTAssertLessThanOrEqual(fetches, Int(elapsed / 2) + 1, "\(fetches) fetches in \(elapsed)s")
        let counted = await controller!.reconciler.git.fetches[url] ?? 0
        XCTAssertEqual(counted, fetches)
    }

    func testReconcileAtAnnotationFetchesAndSyncsAtOnce() async throws {
        startController()
        try applyApplication("web", interval: "1h")
        try await eventually("first sync") { await configMapData("web")?["color"] == "blue" }
        try commit(["apps/web/cm.yaml": configMap("web", ["color": "green"])])
        try kubectlOK(["annotate", "application", "web", "-n", namespace, "--overwrite", "plumb.dev/reconcile-at=2026-12-07T01:00:00Z"])
        try await eventually("synced on request", timeout: 5) { await configMapData("web")?["color"] == "green" }
        try await eventually("handled") { try await application("web").status.lastHandledReconcileAt == "2026-12-07T01:00:00Z" }
    }

    /// `--namespace`: Applications of other namespaces are left alone; objects are watched
    /// in that namespace only (a namespaced install has no cluster-wide list permission),
    /// and pruning works from those watches.
    func testOneNamespaceOnly() async throws {
        try kubectlOK(["create", "namespace", "team-b"])
        let holder = ControllerHolder()
        let c = ApplicationController(client: client, reconciler: makeReconciler(holder: holder, namespace: "team-b"), namespace: "team-b")
        holder.controller = c
        controller = c
        controllerTask = Task { try await c.run() }
        try applyApplication("web")
        let other = """
            apiVersion: plumb.dev/v1alpha1
            kind: Application
            metadata: {name: api, namespace: team-b}
            spec:
              source: {repoURL: "\(url)", path: apps/web}
              destination: {namespace: team-b}
              interval: 1s
              syncPolicy: {automated: true, prune: true}
            """
        try commit(["apps/web/extra.yaml": configMap("extra", ["k": "v"])])
        try kubectlOK(["apply", "--server-side", "-f", "-"], stdin: other)
        let refB = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "team-b", name: "web")
        let extraB = ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: "team-b", name: "extra")
        try await eventually("team-b's Application synced") { (try? await client.get(extraB)) != nil }
        XCTAssertFalse(requests.all.contains { $0.hasPrefix("GET /api/v1/configmaps") }, "no cluster-wide list")
        try commit(["apps/web/extra.yaml": nil])
        try await eventually("extra pruned") { (try? await client.get(extraB)) == nil }
        let webB = try? await client.get(refB)
        XCTAssertNotNil(webB)
        let app = try await application("web")
        XCTAssertNil(app.object["status"], "team-a's Application is not this controller's")
        let web = await configMapData("web")
        XCTAssertNil(web)
    }

    func testBadSpecIsStalledNamingTheField() async throws {
        startController()
        try applyApplication("web", extra: "  ignoreDifferences:\n  - kind: ConfigMap\n    jsonPointers: [\"data\"]")
        try await eventually("Stalled") { try await application("web").status.condition("Stalled")?.status == .true }
        let stalled = try await application("web").status.condition("Stalled")
        XCTAssertEqual(stalled?.reason, "InvalidSpec")
        XCTAssertTrue(stalled?.message.hasPrefix("spec.ignoreDifferences[0].jsonPointers") ?? false, stalled?.message ?? "")
        let web = await configMapData("web")
        XCTAssertNil(web)
    }
}
