import Foundation
import PlumbAudit
import PlumbController
import PlumbCore
import PlumbRollout
import XCTest

/// `rollbackOnFailure`: a sync that fails after its first write (a wave applied, a later one
/// unhealthy) is followed by a sync of the previous synced revision, recorded as a rollback
/// linked to the failed record.
final class RollbackOnFailureTests: RolloutTestCase {
    func configMap(_ color: String) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
          annotations:
            plumb.dev/sync-wave: "0"
        data:
          color: \(color)

        """
    }

    func worker() -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: worker
          namespace: shop
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
                  image: busybox:1.36

        """
    }

    func color() async throws -> String? {
        try await client.get(ObjectRef(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: "settings"))[path: ["data", "color"]]?
            .stringValue
    }

    func testFailedWaveRestoresThePreviousRevision() async throws {
        let v1 = try commit(["app/settings.yaml": configMap("blue")], message: "blue")
        let first = try await syncer.run(nil, rollbackOnFailure: true)
        XCTAssertTrue(first.result.succeeded, "\(first.result.failures)")
        await cluster.failWorkload(namespace: namespace, name: "worker")
        try commit(["app/settings.yaml": configMap("green"), "app/worker.yaml": worker()], message: "green and a worker")
        let outcome = try await syncer.run(nil, timeout: .seconds(10), rollbackOnFailure: true)
        XCTAssertFalse(outcome.result.succeeded, "the worker is unhealthy")
        let rollback = try XCTUnwrap(outcome.rollback)
        XCTAssertNil(rollback.error)
        XCTAssertEqual(rollback.revision, v1)
        XCTAssertEqual(rollback.result?.succeeded, true, "\(rollback.result?.failures ?? [])")
        let restored = try await color()
        XCTAssertEqual(restored, "blue", "wave 0 of the failed revision is undone")
        let failed = try XCTUnwrap(try audit.record(outcome.auditID))
        XCTAssertEqual(failed.result, .failed)
        XCTAssertEqual(failed.kind, .sync)
        let record = try XCTUnwrap(try audit.record(try XCTUnwrap(rollback.auditID)))
        XCTAssertEqual(record.kind, .rollback)
        XCTAssertEqual(record.result, .synced)
        XCTAssertEqual(record.revision, v1)
        XCTAssertEqual(record.options["rollbackOf"], .int(outcome.auditID), "linked to the failed record")
    }

    func testNothingWrittenMeansNoRollback() async throws {
        try commit(["app/settings.yaml": configMap("blue")], message: "blue")
        _ = try await syncer.run(nil, rollbackOnFailure: true)
        // A declaration error fails before any write: nothing to undo.
        try commit(
            ["app/settings.yaml": configMap("green"), "app/web.yaml": deployment(image: "nginx:1.25"), "app/rollout.yaml": strategy(["setWeight: 500"])],
            message: "bad rollout")
        let outcome = try await syncer.run(runner(), rollbackOnFailure: true)
        XCTAssertFalse(outcome.result.succeeded)
        XCTAssertNil(outcome.rollback)
        let kept = try await color()
        XCTAssertEqual(kept, "blue")
    }
}
