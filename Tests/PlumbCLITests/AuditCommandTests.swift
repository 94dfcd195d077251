import Foundation
import PlumbAudit
import PlumbCore
import XCTest

final class AuditCommandTests: XCTestCase {
    /// Two completed syncs and one failed with a health problem, written through the store.
    func makeTrail() throws -> AuditFixture {
        let f = try AuditFixture()
        let store = try f.store()
        try f.addSyncs(1, to: store)
        let id = try store.begin(
            AuditFixture.record(
                app: "api", revision: "9d01e77aa00000000000000000000000000000000",
                startedAt: AuditTimestamp(iso8601: "2026-11-22T08:40:03.000Z")!, author: "Lin Wu <lin@acme.dev>",
                initiator: "controller"))
        let deployment = AuditObjectEntry(
            ref: ObjectRef(apiVersion: "apps/v1", kind: "Deployment", namespace: "api", name: "api"),
            action: .configured, changedPaths: ["spec.template.spec.containers[api].image"], health: .degraded,
            error: "progress deadline exceeded")
        try store.complete(
            id, result: .failed, endedAt: .now(), objects: [deployment],
            error: "apps/v1 Deployment api/api: not healthy after 5m")
        return f
    }

    func testHistoryPrintsATableNewestFirst() throws {
        let f = try makeTrail()
        let r = try CLI.plumb(["history", "--audit-db", f.dbPath])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, "")
        XCTAssertEqual(
            r.stdout,
            """
            ID  STARTED              REVISION  AUTHOR  RESULT  CHANGES      BY
            2   2026-11-22 08:40:03  9d01e77   lin     failed  ~1 (health)  controller
            1   2026-11-21 19:02:11  3f9c2ab   ada     synced  +1 ~2 -1     ci@runner-7

            """)
        let web = try CLI.plumb(["history", "--app", "web", "--audit-db", f.dbPath])
        XCTAssertEqual(web.stdout.split(separator: "\n").count, 2, web.stdout)
        let limited = try CLI.plumb(["history", "--limit", "1", "--audit-db", f.dbPath, "-o", "json"])
        XCTAssertEqual(limited.status, 0, limited.stderr)
        let items = try XCTUnwrap(try JSONReader().parse(limited.stdout).arrayValue)
        XCTAssertEqual(items.map { $0["id"] }, [.int(2)])
    }

    func testHistoryUsesTheDefaultDatabaseInTheWorkingDirectory() throws {
        let f = try makeTrail()
        let r = try CLI.plumb(["history"], in: f.directory)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("ID  STARTED"), r.stdout)
    }

    func testHistoryShowPrintsEveryFieldAndOneLinePerObject() throws {
        let f = try makeTrail()
        let r = try CLI.plumb(["history", "show", "1", "--audit-db", f.dbPath])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "sync #1  synced")
        for expected in [
            "started    2026-11-21T19:02:11.042Z", "app        web", "author     Ada Lovelace <ada@acme.dev>",
            "signature  absent", "by         ci@runner-7", "objects    4",
            "  created     v1 Namespace web",
            "  configured  apps/v1 Deployment web/web  spec.replicas, spec.template.spec.containers[web].image  health Healthy",
            "  configured  v1 Secret web/creds  data.password",
            "  pruned      v1 ConfigMap web/legacy",
        ] {
            XCTAssertTrue(lines.contains(expected), "missing \(expected) in\n\(r.stdout)")
        }
        let json = try CLI.plumb(["history", "show", "2", "--audit-db", f.dbPath, "-o", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let value = try JSONReader().parse(json.stdout)
        XCTAssertEqual(value["result"], "failed")
        XCTAssertEqual(value["objects"]?.arrayValue?.first?["health"], "Degraded")
        XCTAssertEqual(value["hash"]?.stringValue?.count, 64)

        let missing = try CLI.plumb(["history", "show", "7", "--audit-db", f.dbPath])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "error: no audit record #7 in \(f.dbPath)\n")
    }

    func testAuditVerifyExitsZeroWhenIntactAndOneNamingTheEditedRecord() throws {
        let f = try makeTrail()
        let head = try XCTUnwrap(try f.store().record(2)?.hash)
        let ok = try CLI.plumb(["audit", "verify", "--audit-db", f.dbPath])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout, "2 records, chain intact (head \(head.prefix(4))…\(head.suffix(4)))\n")

        try f.sql("UPDATE audit_record SET message = 'harmless' WHERE id = 1")
        let broken = try CLI.plumb(["audit", "verify", "--audit-db", f.dbPath])
        XCTAssertEqual(broken.status, 1, broken.stderr)
        XCTAssertEqual(broken.stdout, "audit chain broken at record 1: hash does not match its contents (edited?)\n")
        let json = try CLI.plumb(["audit", "verify", "--audit-db", f.dbPath, "-o", "json"])
        XCTAssertEqual(json.status, 1)
        XCTAssertEqual(try JSONReader().parse(json.stdout)["brokenAt"], .int(1))
    }

    func testAuditExportWritesOneCanonicalJSONLinePerRecord() throws {
        let f = try makeTrail()
        let r = try CLI.plumb(["audit", "export", "--format", "jsonl", "--audit-db", f.dbPath])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3, "two records and the final newline")
        XCTAssertEqual(lines.last, "")
        var previousHeader = AuditChain.genesis
        for (i, line) in lines.dropLast().enumerated() {
            let value = try JSONReader().parse(String(line))
            XCTAssertEqual(value["id"], .int(Int64(i + 1)))
            XCTAssertEqual(value["prevHash"]?.stringValue, previousHeader)
            XCTAssertEqual(AuditChain.canonicalJSON(value), String(line), "lines are canonical")
            previousHeader = try XCTUnwrap(value["headerHash"]?.stringValue)
        }
    }

    func testAuditVerifyChecksAnExportWithoutTheDatabase() throws {
        let f = try makeTrail()
        try f.addSyncs(1, to: try f.store())
        let exported = try CLI.plumb(["audit", "export", "--audit-db", f.dbPath])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let file = f.directory + "/audit.jsonl"
        try exported.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: f.dbPath)
        let ok = try CLI.plumb(["audit", "verify", "--export", file])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.hasPrefix("3 records, chain intact (head "), ok.stdout)

        var lines = exported.stdout.split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"result\":\"failed\"", with: "\"result\":\"synced\"")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let edited = try CLI.plumb(["audit", "verify", "--export", file])
        XCTAssertEqual(edited.status, 1)
        XCTAssertEqual(edited.stdout, "audit chain broken at record 2: hash does not match its contents (edited?)\n")

        lines = exported.stdout.split(separator: "\n").map(String.init)
        lines.remove(at: 1)
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let deleted = try CLI.plumb(["audit", "verify", "--export", file])
        XCTAssertEqual(deleted.status, 1)
        XCTAssertEqual(deleted.stdout, "audit chain broken at record 3: record 2 is missing (deleted?)\n")

        try "{\"id\": 1, \"kind\": \"sync\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let garbage = try CLI.plumb(["audit", "verify", "--export", file])
        XCTAssertEqual(garbage.status, 1)
        XCTAssertEqual(garbage.stdout, "audit chain broken at record 1: line 1: process is missing (edited?)\n")
    }

    func testAMissingDatabaseIsAClearError() throws {
        let f = try AuditFixture()
        for command in [["history"], ["history", "show", "1"], ["audit", "verify"], ["audit", "export"]] {
            let r = try CLI.plumb(command + ["--audit-db", f.dbPath])
            XCTAssertEqual(r.status, 2, "\(command)")
            XCTAssertEqual(
                r.stderr, "error: audit database \(f.dbPath) does not exist (no sync has been recorded there)\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: f.dbPath))
        }
    }

    func testAFileThatIsNoDatabaseIsAnErrorNotACrash() throws {
        let f = try AuditFixture()
        try FileManager.default.createDirectory(atPath: f.directory + "/.plumb", withIntermediateDirectories: true)
        try "not a database, just text that is long enough to fill a page header\n".write(
            toFile: f.dbPath, atomically: true, encoding: .utf8)
        let r = try CLI.plumb(["audit", "verify", "--audit-db", f.dbPath])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.hasPrefix("error: audit database \(f.dbPath): "), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
    }

    func testAnInterruptedSyncIsReportedAndRecorded() throws {
        let f = try AuditFixture()
        let here = AuditProcess.current()
        let dead = AuditProcess(pid: try AuditFixture.deadPID(), host: here.host, bootID: here.bootID, startTime: 1)
        _ = try f.store().begin(AuditFixture.record(process: dead))
        let r = try CLI.plumb(["history", "--audit-db", f.dbPath])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(
            r.stderr,
            "warning: sync #1 (app web, revision 3f9c2ab) was interrupted at 2026-11-21 19:02:11; "
                + "its changes may be partly applied\n")
        XCTAssertTrue(r.stdout.contains("  interrupted  ?  "), r.stdout)
        let again = try CLI.plumb(["audit", "verify", "--audit-db", f.dbPath])
        XCTAssertEqual(again.stderr, "", "reported once")
        XCTAssertEqual(again.status, 0)
    }

    func testEveryAuditCommandHasHelpWithAnExample() throws {
        for command in [["history"], ["history", "show"], ["audit"], ["audit", "verify"], ["audit", "export"]] {
            let r = try CLI.plumb(command + ["--help"])
            XCTAssertEqual(r.status, 0, "\(command): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("plumb \(command.joined(separator: " "))"), r.stdout)
            XCTAssertTrue(r.stdout.lowercased().contains("example"), r.stdout)
        }
    }
}
