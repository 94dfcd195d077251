import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbTesting
import XCTest

/// `syncPolicy.rollbackOnFailure` in the controller: a revision whose second wave fails is
/// rolled back to the previous synced revision under a record linked to the failed one, and
/// the controller does not try that revision again until a newer commit.
final class RollbackOnFailureReconcileTests: ControllerTestCase {
    func worker(_ image: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: worker
          annotations:
            plumb.dev/sync-wave: "1"
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: worker
          template:
            metadata:
              labels:
                app: worker
            spec:
              containers:
                - name: worker
                  image: \(image)

        """
    }

    func records() throws -> [AuditRecord] { try audit.history(app: "\(namespace)/web", limit: 100) }

    func testFailedWaveIsRolledBackAndNotRetried() async throws {
        try applyApplication("web", prune: true, wait: true, extra: "")
        try kubectlOK(["patch", "application", "web", "-n", namespace, "--type=merge", "-p", #"{"spec":{"syncPolicy":{"rollbackOnFailure":true}}}"#])
        let v1 = try head()
        startController()
        try await eventually("v1 synced") { try await application("web").status.lastSyncedRevision == v1 }

        await cluster.failWorkload(namespace: namespace, name: "worker")
        let v2 = try commit(
            ["apps/web/cm.yaml": configMap("web", ["color": "green"], wave: 0), "apps/web/worker.yaml": worker("busybox:1.36")],
            message: "green, and a worker that never gets ready")
        try await eventually("v2 rolled back", timeout: 30) { try await application("web").status.rolledBackRevision == v2 }

        // Wave 0 of v2 is undone, and the worker v2 created is pruned again.
        let data = await configMapData("web")
        XCTAssertEqual(data?["color"], "blue")
        let pruned = try kubectl(["get", "deployment", "worker", "-n", namespace])
        XCTAssertNotEqual(pruned.status, 0, "the worker of the failed revision is pruned by the rollback")

        let app = try await application("web")
        XCTAssertEqual(app.status.lastSyncedRevision, v1)
        XCTAssertEqual(app.status.health, .degraded)
        XCTAssertEqual(app.status.healthMessage, "Degraded, rolled back: \(v2.prefix(7)) failed")
        let ready = try XCTUnwrap(app.status.condition(Condition.ready))
        XCTAssertEqual(ready.reason, "RolledBack")
        XCTAssertTrue(ready.message.contains("rolled back to \(v1.prefix(7))"), ready.message)
        XCTAssertTrue(ready.message.contains("not retried until a newer commit"), ready.message)
        XCTAssertEqual(app.policySummary, "auto+prune+rollback")

        let failed = try XCTUnwrap(try records().first { $0.revision == v2 && $0.kind == .sync })
        XCTAssertEqual(failed.result, .failed)
        let rollback = try XCTUnwrap(try records().first { $0.kind == .rollback })
        XCTAssertEqual(rollback.result, .synced)
        XCTAssertEqual(rollback.revision, v1)
        XCTAssertEqual(rollback.options["rollbackOf"], .int(failed.id), "linked to the failed record")
        XCTAssertEqual(app.status.lastAuditID, failed.id)

        // No retry storm: with a 1 s interval and a 100 ms backoff, three seconds later there is
        // still one failed sync and one rollback, and the ConfigMap is still blue.
        let before = try records().count
        try await Task.sleep(for: .seconds(3))
        XCTAssertEqual(try records().count, before, "the rolled-back revision is not synced again")
        let still = await configMapData("web")
        XCTAssertEqual(still?["color"], "blue")
        let held = try await application("web")
        XCTAssertEqual(held.status.rolledBackRevision, v2)
        XCTAssertEqual(held.status.syncStatus, .outOfSync)

        // A newer commit is synced, and the rolled-back mark goes.
        await cluster.makeHealthy(namespace: namespace, name: "worker")
        let v3 = try commit(["apps/web/worker.yaml": worker("busybox:1.37")], message: "a worker that starts")
        try await eventually("v3 synced", timeout: 30) { try await application("web").status.lastSyncedRevision == v3 }
        let synced = try await application("web")
        XCTAssertNil(synced.status.rolledBackRevision)
        XCTAssertEqual(synced.status.condition(Condition.ready)?.reason, "Succeeded")
        let green = await configMapData("web")
        XCTAssertEqual(green?["color"], "green")
    }

    func testRevertCommitIsPushedAfterTheRollback() async throws {
        // The served repository again, behind a git-daemon that takes pushes.
        let port = try freePort()
        let direct = FileManager.default.isExecutableFile(atPath: "/usr/lib/git-core/git-daemon")
        let root = tmp.sub("served")
        let pushable = try Server(
            direct ? "/usr/lib/git-core/git-daemon" : "/usr/bin/git",
            (direct ? [] : ["daemon"]) + [
                "--export-all", "--enable=receive-pack", "--base-path=\(root)", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", root,
            ],
            log: tmp.sub("pushable.log"))
        defer {
            if pushable.isRunning { kill(pushable.pid, SIGKILL) }
            pushable.stop()
        }
        try waitForPort(port, server: pushable)
        url = "git://127.0.0.1:\(port)/repo.git"
        try applyApplication("web", prune: true, wait: true)
        try kubectlOK([
            "patch", "application", "web", "-n", namespace, "--type=merge", "-p",
            #"{"spec":{"syncPolicy":{"rollbackOnFailure":true,"revertCommitOnRollback":true}}}"#,
        ])
        let v1 = try head()
        startController()
        try await eventually("v1 synced") { try await application("web").status.lastSyncedRevision == v1 }

        await cluster.failWorkload(namespace: namespace, name: "worker")
        let v2 = try commit(
            ["apps/web/cm.yaml": configMap("web", ["color": "green"], wave: 0), "apps/web/worker.yaml": worker("busybox:1.36")],
            message: "green, and a worker that never gets ready")
        let bare = root + "/repo.git"
        func tip() throws -> String { try git(["--git-dir", bare, "rev-parse", "main"], in: tmp.path) }
        try await eventually("the revert pushed", timeout: 30) { try tip() != v2 }
        let revert = try tip()
        let log = try git(["--git-dir", bare, "log", "-1", "--format=%an <%ae>|%s|%P", "main"], in: tmp.path)
        XCTAssertEqual(log, "Plumb <plumb@localhost>|Revert \"green, and a worker that never gets ready\"|\(v2)")
        let body = try git(["--git-dir", bare, "log", "-1", "--format=%b", "main"], in: tmp.path)
        XCTAssertTrue(body.contains("This reverts commit \(v2)."), body)
        XCTAssertTrue(body.contains("rolled back \(namespace)/web to \(v1.prefix(7))"), body)
        let files = try git(["--git-dir", bare, "ls-tree", "--name-only", "main", "apps/web/"], in: tmp.path)
        XCTAssertEqual(files, "apps/web/cm.yaml", "the worker the failed commit added is gone from Git too")

        // The controller takes the revert as the newest revision: Git and the cluster agree.
        try await eventually("the revert is the Application's revision", timeout: 30) {
            let app = try await application("web")
            return app.status.syncRevision == revert && app.status.condition(Condition.ready)?.status == .true
        }
        let data = await configMapData("web")
        XCTAssertEqual(data?["color"], "blue")
        let rolledBack = try XCTUnwrap(try records().first { $0.kind == .rollback })
        XCTAssertEqual(rolledBack.revision, v1)
    }

    func testSpecFieldMustBeABoolean() throws {
        let spec: Value = ["source": ["repoURL": "https://example.com/r.git"], "syncPolicy": ["rollbackOnFailure": "yes"]]
        XCTAssertThrowsError(try ApplicationSpec(spec, namespace: "a")) { error in
            XCTAssertEqual("\(error)", "spec.syncPolicy.rollbackOnFailure: must be true or false, not string")
        }
        let on = try ApplicationSpec(["source": ["repoURL": "https://example.com/r.git"], "syncPolicy": ["rollbackOnFailure": true]], namespace: "a")
        XCTAssertTrue(on.rollbackOnFailure)
    }
}
