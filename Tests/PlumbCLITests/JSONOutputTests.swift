import Foundation
import PlumbCore
import XCTest

/// `-o json` of sync, rollback, history, history show, audit verify and version, run as the
/// built binary: each prints one JSON document (docs/cli.md) on stdout and exits as documented.
final class JSONOutputTests: SandboxTestCase {
    func parse(_ r: CommandResult, _ what: String) throws -> Value {
        do {
            return try JSONReader().parse(r.stdout)
        } catch {
            XCTFail("\(what): stdout is not JSON (\(error)):\n\(r.stdout)\nstderr:\n\(r.stderr)")
            throw error
        }
    }

    func testSyncRollbackHistoryAndVerifyPrintTheirJSONShapes() throws {
        try startSandbox()
        try writeApp()
        let first = try repo.commit("first")
        let s1 = try sync(["--wait", "-o", "json"])
        XCTAssertEqual(s1.status, 0, s1.stderr)
        let one = try parse(s1, "sync")
        XCTAssertEqual(one["kind"], "sync")
        XCTAssertEqual(one["app"], "web")
        XCTAssertEqual(one["revision"]?.stringValue, first)
        XCTAssertEqual(one["auditID"], .int(1))
        XCTAssertEqual(one["result"], "synced")
        XCTAssertEqual(one["dryRun"], false)
        XCTAssertNotNil(one["durationSeconds"]?.doubleValue)
        XCTAssertEqual(one["summary"]?["created"], .int(3))
        XCTAssertEqual(one["summary"]?["failed"], .int(0))
        XCTAssertNil(one["interruption"])
        let objects = try XCTUnwrap(one["objects"]?.arrayValue)
        XCTAssertEqual(objects.count, 3)
        XCTAssertEqual(Set(objects.compactMap { $0["action"]?.stringValue }), ["created"])
        let deployment = try XCTUnwrap(objects.first { $0["ref"]?["kind"] == "Deployment" })
        XCTAssertEqual(deployment["ref"]?["group"], "apps")
        XCTAssertEqual(deployment["ref"]?["namespace"], "web")
        XCTAssertEqual(deployment["health"]?["status"], "Healthy")
        // Progress and the summary go to stderr, so stdout is the document alone.
        XCTAssertTrue(s1.stderr.contains("revision \(first.prefix(7))"), s1.stderr)
        XCTAssertTrue(s1.stderr.contains("wave 0"), s1.stderr)
        XCTAssertTrue(s1.stderr.contains("synced \(first.prefix(7))"), s1.stderr)
        XCTAssertTrue(s1.stdout.hasPrefix("{"), s1.stdout)

        try writeApp(replicas: 2)
        try repo.commit("scale")
        XCTAssertEqual(try sync().status, 0)

        let back = try plumb(["rollback", "--to", "1", "--repo", repo.path, "--path", "apps/web", "-o", "json"])
        XCTAssertEqual(back.status, 0, back.stderr)
        let rollback = try parse(back, "rollback")
        XCTAssertEqual(rollback["kind"], "rollback")
        XCTAssertEqual(rollback["revision"]?.stringValue, first)
        XCTAssertEqual(rollback["auditID"], .int(3))
        XCTAssertEqual(rollback["result"], "synced")
        XCTAssertEqual(rollback["summary"]?["configured"], .int(1))
        let scaled = try XCTUnwrap(rollback["objects"]?.arrayValue?.first { $0["action"] == "configured" })
        XCTAssertEqual(scaled["changes"]?.arrayValue?.first?["path"], "spec.replicas")
        XCTAssertEqual(scaled["changes"]?.arrayValue?.first?["old"], .int(2))
        XCTAssertEqual(scaled["changes"]?.arrayValue?.first?["new"], .int(1))

        let list = try plumb(["history", "-o", "json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let records = try XCTUnwrap(try parse(list, "history").arrayValue)
        XCTAssertEqual(records.map { $0["id"] }, [.int(3), .int(2), .int(1)])
        XCTAssertEqual(records.map { $0["kind"] }, ["rollback", "sync", "sync"])

        let show = try plumb(["history", "show", "3", "-o", "json"])
        XCTAssertEqual(show.status, 0, show.stderr)
        let record = try parse(show, "history show")
        XCTAssertEqual(record["revision"]?.stringValue, first)
        XCTAssertEqual(record["result"], "synced")
        XCTAssertEqual(record["objects"]?.arrayValue?.count, 3)
        let head = try XCTUnwrap(record["hash"]?.stringValue)
        XCTAssertEqual(try plumb(["history", "show", "9", "-o", "json"]).status, 2)

        let verify = try plumb(["audit", "verify", "-o", "json"])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        let intact = try parse(verify, "audit verify")
        XCTAssertEqual(intact["intact"], true)
        XCTAssertEqual(intact["records"], .int(3))
        XCTAssertEqual(intact["head"]?.stringValue, head)
        XCTAssertEqual(intact["brokenAt"], .null)

        let edit = try CLI.run("sqlite3", [directory + "/audit.db", "UPDATE audit_record SET app = 'evil' WHERE id = 2"])
        XCTAssertEqual(edit.status, 0, edit.stderr)
        let tampered = try plumb(["audit", "verify", "-o", "json"])
        XCTAssertEqual(tampered.status, 1, tampered.stderr)
        let broken = try parse(tampered, "audit verify (broken)")
        XCTAssertEqual(broken["intact"], false)
        XCTAssertEqual(broken["brokenAt"], .int(2))
        XCTAssertNotNil(broken["problem"]?.stringValue)
    }

    func testAFailedSyncPrintsItsJSONAndExitsOne() throws {
        try startSandbox()
        try writeApp(replicas: -1)
        let sha = try repo.commit("bad")
        let r = try sync(["-o", "json"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let doc = try parse(r, "failed sync")
        XCTAssertEqual(doc["result"], "failed")
        XCTAssertEqual(doc["revision"]?.stringValue, sha)
        XCTAssertEqual(doc["auditID"], .int(1))
        XCTAssertEqual(doc["summary"]?["failed"], .int(1))
        XCTAssertEqual(doc["summary"]?["skipped"], .int(2))
        let failed = try XCTUnwrap(doc["objects"]?.arrayValue?.first { $0["action"] == "failed" })
        XCTAssertEqual(failed["ref"]?["kind"], "Deployment")
        XCTAssertTrue(failed["error"]?.stringValue?.contains("spec.replicas") == true, "\(failed)")
        XCTAssertTrue(r.stderr.contains("nothing was applied (1 of 3 objects failed validation)"), r.stderr)

        let dry = try sync(["--dry-run", "-o", "json"])
        XCTAssertEqual(dry.status, 1, dry.stderr)
        XCTAssertEqual(try parse(dry, "dry run")["dryRun"], true)
    }

    func testErrorsBeforeASyncExitTwoWithNothingOnStdout() throws {
        try startSandbox()
        try writeApp()
        try repo.commit("first")
        let bad = try sync(["-o", "json", "--revision", "no-such-branch"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertEqual(bad.stdout, "")
        XCTAssertTrue(bad.stderr.hasPrefix("error: "), bad.stderr)
        let missing = try plumb(["rollback", "--to", "42", "--repo", repo.path, "--path", "apps/web", "-o", "json"])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertEqual(missing.stdout, "")
        let usage = try sync(["-o", "yaml"])
        XCTAssertEqual(usage.status, 2, usage.stderr)
    }

    func testVersionNamesTheLibrariesItRunsWith() throws {
        let r = try CLI.plumb(["version", "-o", "json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let v = try parse(r, "version")
        XCTAssertEqual(v["plumb"]?.stringValue?.isEmpty, false)
        for library in ["libgit2", "libcurl", "libyaml"] {
            let version = try XCTUnwrap(v[library]?.stringValue, "\(library) in \(r.stdout)")
            XCTAssertNotNil(version.range(of: #"^\d+\.\d+(\.\d+)?"#, options: .regularExpression), "\(library) \(version)")
        }
        // The library answers at run time: libcurl's version is the one curl-config reports for
        // the installed library.
        let curl = try CLI.run("curl-config", ["--version"])
        if curl.status == 0 {
            XCTAssertEqual("libcurl " + (v["libcurl"]?.stringValue ?? ""), curl.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let text = try CLI.plumb(["version"])
        XCTAssertEqual(text.status, 0)
        XCTAssertTrue(text.stdout.contains("libcurl \(v["libcurl"]?.stringValue ?? "?")"), text.stdout)
    }
}
