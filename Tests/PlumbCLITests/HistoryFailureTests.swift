import Foundation
import PlumbAudit
import PlumbCore
import XCTest

/// How `plumb history` and `history show` read for failed syncs: what failed in CHANGES, and a
/// reason many skipped objects share stated once.
final class HistoryFailureTests: SandboxTestCase {
    static func ref(_ kind: String, _ name: String) -> ObjectRef {
        ObjectRef(apiVersion: kind == "Deployment" ? "apps/v1" : "v1", kind: kind, namespace: "web", name: name)
    }

    /// A sync whose validation failed for 2 of 6 objects: the executor's entries as it writes them.
    func addValidationFailure(to f: AuditFixture) throws {
        let store = try f.store()
        let id = try store.begin(AuditFixture.record(revision: "aaaaaaa000000000000000000000000000000000"))
        let why = "not applied: 2 of 6 objects failed validation"
        var objects = [
            AuditObjectEntry(
                ref: Self.ref("Deployment", "web"), action: .failed,
                error: "apps/v1 Deployment web/web: dry-run failed: spec.replicas: Invalid value: -1"),
            AuditObjectEntry(
                ref: Self.ref("ConfigMap", "Bad_Name"), action: .failed,
                error: "v1 ConfigMap web/Bad_Name: dry-run failed: metadata.name: Invalid value"),
        ]
        for name in ["a", "b", "c", "d"] {
            let ref = Self.ref("ConfigMap", name)
            objects.append(AuditObjectEntry(ref: ref, action: .skipped, error: "\(ref): \(why)"))
        }
        let pruned = Self.ref("ConfigMap", "legacy")
        objects.append(
            AuditObjectEntry(ref: pruned, action: .skipped, error: "\(pruned): not pruned: 2 of 6 objects failed validation"))
        try store.complete(id, result: .failed, endedAt: .now(), objects: objects, error: objects[0].error)
    }

    func testFailuresShowInChangesAndTheSharedReasonOnce() throws {
        let f = try AuditFixture()
        try f.addSyncs(1, to: try f.store())
        try addValidationFailure(to: f)

        let table = try CLI.plumb(["history", "--audit-db", f.dbPath])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, table.stdout)
        XCTAssertTrue(lines[1].hasPrefix("2 "), table.stdout)
        XCTAssertTrue(lines[1].contains(" failed  2 failed  "), table.stdout)
        XCTAssertTrue(lines[2].contains("+1 ~2 -1"), "a successful sync keeps its counts:\n\(table.stdout)")

        let show = try CLI.plumb(["history", "show", "2", "--audit-db", f.dbPath])
        XCTAssertEqual(show.status, 0, show.stderr)
        let text = show.stdout
        XCTAssertEqual(text.components(separatedBy: "not applied: 2 of 6 objects failed validation").count - 1, 1, text)
        XCTAssertTrue(text.contains("skipped    4 objects: not applied: 2 of 6 objects failed validation\n"), text)
        for name in ["a", "b", "c", "d"] {
            XCTAssertTrue(text.contains("  skipped  v1 ConfigMap web/\(name)\n"), text)
        }
        // A reason one object alone has stays on its line; failures keep their own error.
        XCTAssertTrue(text.contains("  skipped  v1 ConfigMap web/legacy  error: v1 ConfigMap web/legacy: not pruned:"), text)
        XCTAssertTrue(text.contains("  failed   apps/v1 Deployment web/web  error: apps/v1 Deployment web/web: dry-run failed:"), text)
    }

    func testAnOutageIsStatedOnceForEveryObjectNotAttempted() throws {
        let f = try AuditFixture()
        let store = try f.store()
        let id = try store.begin(AuditFixture.record())
        let why = "not attempted: server unreachable since 12:03:04 (waited 60s)"
        let objects = ["a", "b", "c"].map { name -> AuditObjectEntry in
            let ref = Self.ref("ConfigMap", name)
            return AuditObjectEntry(ref: ref, action: .skipped, error: "\(ref): \(why)")
        }
        try store.complete(id, result: .failed, endedAt: .now(), objects: objects, error: why)
        let show = try CLI.plumb(["history", "show", "1", "--audit-db", f.dbPath])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("skipped    3 objects: \(why)\n"), show.stdout)
        XCTAssertFalse(show.stdout.contains("web/a  error:"), show.stdout)
    }

    func testARealFailedSyncReadsTheSameWay() throws {
        try startSandbox()
        try writeApp(replicas: -1)
        try repo.commit("bad")
        XCTAssertEqual(try sync().status, 1)
        let table = try plumb(["history"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains(" failed  1 failed  "), table.stdout)
        let show = try plumb(["history", "show", "1"])
        XCTAssertTrue(show.stdout.contains("skipped    2 objects: not applied: 1 of 3 objects failed validation\n"), show.stdout)
        XCTAssertEqual(show.stdout.components(separatedBy: "objects failed validation").count - 1, 1, show.stdout)
    }
}
