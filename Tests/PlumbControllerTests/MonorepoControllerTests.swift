import Foundation
import PlumbController
import PlumbCore
import XCTest

/// Monorepos: a pushed commit re-renders only the Applications whose inputs it touches; the
/// others move `status.sync.revision` with one status write and no other API request, and
/// drift is still repaired on the watch events that follow.
final class MonorepoControllerTests: ControllerTestCase {
    let count = 20

    func name(_ i: Int) -> String { String(format: "svc-%02d", i) }

    /// The requests whose path names `name` as a whole segment (`.../applications/svc-03/status`).
    func requests(naming name: String) -> [String] {
        requests.all.filter { line in
            line.split(separator: " ").dropFirst().first.map { path in
                path.split(whereSeparator: { $0 == "/" || $0 == "?" }).contains { $0 == name }
            } ?? false
        }
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

    @discardableResult
    func push(_ controller: ApplicationController, _ sha: String) async -> [AppKey] {
        await controller.pushed([WebhookPush(repositoryURLs: [url], ref: "refs/heads/main", defaultBranch: "main", commit: sha)])
    }

    func statuses() async throws -> [String: ApplicationStatus] {
        var out: [String: ApplicationStatus] = [:]
        for item in try await client.list(apiVersion: Application.apiVersion, kind: Application.kind, namespace: namespace).items {
            if let app = Application(item) { out[app.key.name] = app.status }
        }
        return out
    }

    func testACommitTouchingOneOfTwentyRendersOneAndMovesNineteenWithOneStatusWriteEach() async throws {
        var files: [String: String?] = [:]
        for i in 0..<count { files["apps/\(name(i))/cm.yaml"] = configMap(name(i), ["value": "v1"]) }
        let first = try commit(files, message: "twenty applications")
        // A long interval: every reconcile after the start is one a push or a watch event asked for.
        for i in 0..<count { try applyApplication(name(i), path: "apps/\(name(i))", interval: "10m", selfHeal: true) }
        let controller = startController()
        try await eventually("all \(count) Synced at the first commit", timeout: 60) {
            let s = try await statuses()
            return s.count == count && s.values.allSatisfy { $0.syncStatus == .synced && $0.lastSyncedRevision == first }
        }
        try await settle(controller)
        XCTAssertEqual(controller.reconciler.renders, count, "each Application rendered once at the start")

        requests.reset()
        let renders = controller.reconciler.renders
        let moves = controller.reconciler.statusOnlyMoves
        let changed = 7
        let sha = try commit(["apps/\(name(changed))/cm.yaml": configMap(name(changed), ["value": "v2"])], message: "svc-07: v2")
        let enqueued = await push(controller, sha)
        XCTAssertEqual(enqueued.count, count, "the push names every Application of the repository")
        try await eventually("all \(count) at the new commit", timeout: 30) {
            try await statuses().values.filter { $0.syncRevision == sha }.count == count
        }
        try await eventually("\(name(changed)) synced") {
            try await statuses()[name(changed)]?.lastSyncedRevision == sha
        }
        try await Task.sleep(for: .milliseconds(500))

        XCTAssertEqual(controller.reconciler.renders - renders, 1, "only the Application whose path the commit touched is rendered")
        XCTAssertEqual(controller.reconciler.statusOnlyMoves - moves, count - 1)
        let data = await configMapData(name(changed))
        XCTAssertEqual(data?["value"], "v2")
        for i in 0..<count where i != changed {
            XCTAssertEqual(
                requests(naming: name(i)), ["PATCH /apis/plumb.dev/v1alpha1/namespaces/\(namespace)/applications/\(name(i))/status?fieldManager=plumb"],
                "\(name(i)): one status write and nothing else")
        }
        let touched = requests(naming: name(changed))
        XCTAssertTrue(touched.contains { $0.hasPrefix("PATCH /api/v1/namespaces/\(namespace)/configmaps/\(name(changed))") }, "\(touched)")
        let moved = try await statuses()[name(3)]
        XCTAssertEqual(moved?.syncStatus, .synced)
        XCTAssertEqual(moved?.lastSyncedRevision, first, "nothing was synced for it at the new commit")
        let ready = moved?.conditions.first { $0.type == "Ready" }
        XCTAssertEqual(ready?.status, .true)
        XCTAssertTrue(ready?.message.contains(sha) == true, ready?.message ?? "")

        // Drift of an Application moved without a comparison is still repaired on its watch event.
        try kubectlOK(["patch", "configmap", name(3), "-n", namespace, "--type=merge", "-p", #"{"data":{"value":"edited"}}"#])
        try await eventually("\(name(3)) drift repaired") { await self.configMapData(self.name(3))?["value"] == "v1" }
    }

    func testAKustomizeBaseOutsideThePathIsAnInputAndAFileOfNoOneRendersNothing() async throws {
        let kustomization = "resources:\n- ../../shared/base\nnamePrefix: k-\n"
        let first = try commit([
            "apps/kust/kustomization.yaml": kustomization,
            "shared/base/kustomization.yaml": "resources:\n- cm.yaml\n",
            "shared/base/cm.yaml": configMap("base", ["value": "v1"]),
            "apps/plain/cm.yaml": configMap("plain", ["value": "v1"]),
        ])
        try applyApplication("kust", path: "apps/kust", interval: "10m")
        try applyApplication("plain", path: "apps/plain", interval: "10m")
        let controller = startController()
        try await eventually("both Synced", timeout: 30) {
            let s = try await statuses()
            return s.count == 2 && s.values.allSatisfy { $0.lastSyncedRevision == first }
        }
        try await settle(controller)

        // The base is outside apps/kust but read by its render: the Kustomize Application is rendered.
        var renders = controller.reconciler.renders
        let base = try commit(["shared/base/cm.yaml": configMap("base", ["value": "v2"])], message: "base: v2")
        await push(controller, base)
        try await eventually("the base change synced") { await self.configMapData("k-base")?["value"] == "v2" }
        try await eventually("plain at the new commit") { try await statuses()["plain"]?.syncRevision == base }
        XCTAssertEqual(controller.reconciler.renders - renders, 1, "kust rendered, plain not")

        // A file no Application reads: nothing rendered, nothing but the two status writes.
        try await settle(controller)
        requests.reset()
        renders = controller.reconciler.renders
        let moves = controller.reconciler.statusOnlyMoves
        let readme = try commit(["README.md": "# deploy\n"], message: "readme")
        await push(controller, readme)
        try await eventually("both at the README commit") {
            try await statuses().values.filter { $0.syncRevision == readme }.count == 2
        }
        try await Task.sleep(for: .milliseconds(300))
        XCTAssertEqual(controller.reconciler.renders, renders)
        XCTAssertEqual(controller.reconciler.statusOnlyMoves - moves, 2)
        XCTAssertEqual(
            // The controller's requests (this test's own lists of Applications left out).
            requests.all.filter { !$0.contains("watch=") && !$0.hasPrefix("GET /apis/plumb.dev/v1alpha1/namespaces/\(namespace)/applications?") }.sorted(),
            [
                "PATCH /apis/plumb.dev/v1alpha1/namespaces/\(namespace)/applications/kust/status?fieldManager=plumb",
                "PATCH /apis/plumb.dev/v1alpha1/namespaces/\(namespace)/applications/plain/status?fieldManager=plumb",
            ])
    }

    func testAnOutOfSyncApplicationIsComparedOnAPushNotMoved() async throws {
        let first = try commit(["apps/a/cm.yaml": configMap("a", ["value": "v1"]), "apps/b/cm.yaml": configMap("b", ["value": "v1"])])
        // selfHeal off: the drift is seen by the watch event's reconcile, and left alone.
        try applyApplication("a", path: "apps/a", interval: "10m")
        let controller = startController()
        try await eventually("a Synced") { try await statuses()["a"]?.lastSyncedRevision == first }
        try await settle(controller)
        try kubectlOK(["patch", "configmap", "a", "-n", namespace, "--type=merge", "-p", #"{"data":{"value":"edited"}}"#])
        try await eventually("the drift seen") { try await statuses()["a"]?.syncStatus == .outOfSync }
        // A push touching only b: a is not moved as if in sync; it is compared, and the new
        // commit is synced (automated sync acts on a new revision even without selfHeal).
        let moves = controller.reconciler.statusOnlyMoves
        let renders = controller.reconciler.renders
        let sha = try commit(["apps/b/cm.yaml": configMap("b", ["value": "v2"])])
        await push(controller, sha)
        try await eventually("a synced at the new commit") { try await statuses()["a"]?.lastSyncedRevision == sha }
        XCTAssertEqual(controller.reconciler.statusOnlyMoves, moves, "an OutOfSync Application is compared, not moved")
        XCTAssertEqual(controller.reconciler.renders, renders, "its render is still reused")
        let data = await configMapData("a")
        XCTAssertEqual(data?["value"], "v1")
    }
}
