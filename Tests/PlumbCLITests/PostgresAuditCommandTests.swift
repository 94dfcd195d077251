import Foundation
import PlumbAudit
import PlumbCore
import PlumbTesting
import XCTest

/// `--audit-db postgres://...` as users run it: several `plumb sync` processes (each with its
/// own sandbox cluster, as several clusters would) appending to one database at once, `plumb
/// audit verify` catching an edit made with psql, the password from a file or the environment
/// and never printed, and clear errors for a server that is not there.
final class PostgresAuditCommandTests: XCTestCase {
    var server: PostgresServer!
    var directory: TempDir!

    override func setUpWithError() throws {
        directory = try TempDir("plumb-pg-cli")
    }

    override func tearDown() {
        server?.stop()
        server = nil
        directory = nil
    }

    /// A repository with one app: a namespace and a ConfigMap.
    func makeRepository() throws -> TestRepository {
        let repo = try TestRepository()
        try repo.write("apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
        try repo.write(
            "apps/web/settings.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: web\ndata:\n  color: blue\n")
        try repo.commit("web")
        return repo
    }

    func testSeveralSyncProcessesAppendToOneChainThatVerifies() throws {
        server = try PostgresServer()
        let url = server.url(database: "postgres")
        let repo = try makeRepository()
        // Each worker is its own cluster (a sandbox in its own directory), as several clusters
        // or controller replicas writing one database are; all run at once.
        let workers = 6
        let syncsEach = 4
        let results = NSLock()
        nonisolated(unsafe) var failures: [String] = []
        let base = directory.path
        let repoPath = repo.path
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let dir = base + "/worker-\(w)"
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                for _ in 0..<syncsEach {
                    let r = try CLI.plumb(
                        ["sync", "--repo", repoPath, "--path", "apps/web", "--sandbox", "--audit-db", url], in: dir,
                        timeout: 120)
                    if r.status != 0 { results.withLock { failures.append("worker \(w): \(r.stderr)") } }
                }
            } catch {
                results.withLock { failures.append("worker \(w): \(error)") }
            }
        }
        XCTAssertEqual(failures, [])
        let total = workers * syncsEach
        let verify = try CLI.plumb(["audit", "verify", "--audit-db", url])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.hasPrefix("\(total) records, chain intact (head "), verify.stdout)
        // No fork: no two records link to the same one; ids 1...total without a gap; every
        // record completed by the process that began it.
        XCTAssertEqual(
            try server.psql("SELECT count(*) FROM (SELECT prev_hash FROM audit_record GROUP BY prev_hash HAVING count(*) > 1) f"), "0")
        XCTAssertEqual(try server.psql("SELECT count(*), min(id), max(id) FROM audit_record"), "\(total)|1|\(total)")
        XCTAssertEqual(try server.psql("SELECT count(DISTINCT pid) FROM audit_record"), "\(total)")
        XCTAssertEqual(try server.psql("SELECT DISTINCT result FROM audit_record"), "synced")
        // They did run at once: records of different processes were in flight together.
        let overlapping = try server.psql(
            """
            SELECT count(*) FROM audit_record a JOIN audit_record b
            ON a.id < b.id AND a.pid <> b.pid AND b.started_at < a.ended_at
            """)
        XCTAssertGreaterThan(Int(overlapping) ?? 0, 0, "no two syncs overlapped")

        let history = try CLI.plumb(["history", "--app", "web", "--limit", "50", "--audit-db", url, "-o", "json"])
        XCTAssertEqual(history.status, 0, history.stderr)
        let records = try JSONReader().parse(history.stdout).arrayValue ?? []
        XCTAssertEqual(records.count, total)
        XCTAssertEqual(records.first?["id"]?.intValue, Int64(total))
        // The export verifies on its own, as a SQLite export does.
        let export = try CLI.plumb(["audit", "export", "--audit-db", url])
        XCTAssertEqual(export.status, 0, export.stderr)
        let file = directory.sub("audit.jsonl")
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        let offline = try CLI.plumb(["audit", "verify", "--export", file])
        XCTAssertEqual(offline.status, 0, offline.stdout + offline.stderr)
        XCTAssertTrue(offline.stdout.hasPrefix("\(total) records, chain intact"), offline.stdout)
    }

    func testAuditVerifyFindsARecordEditedOrDeletedInTheDatabase() throws {
        server = try PostgresServer()
        let url = server.url()
        let store = try PostgresAuditStore(url: PostgresAuditURL(url))
        try AuditFixture().addSyncs(3, to: store)
        let ok = try CLI.plumb(["audit", "verify", "--audit-db", url])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.hasPrefix("3 records, chain intact"), ok.stdout)

        try server.psql("UPDATE audit_record SET revision = 'ffffffffffffffffffffffffffffffffffffffff' WHERE id = 2")
        let edited = try CLI.plumb(["audit", "verify", "--audit-db", url])
        XCTAssertEqual(edited.status, 1)
        XCTAssertEqual(edited.stdout, "audit chain broken at record 2: hash does not match its contents (edited?)\n")
        try server.psql("UPDATE audit_record SET revision = '3f9c2ab5d1e0c0ffee00112233445566778899aa' WHERE id = 2")

        try server.psql("UPDATE audit_object SET changed_paths = '[\"spec.replicas\"]' WHERE record_id = 1 AND position = 1")
        let object = try CLI.plumb(["audit", "verify", "--audit-db", url, "-o", "json"])
        XCTAssertEqual(object.status, 1)
        XCTAssertEqual(try JSONReader().parse(object.stdout)["brokenAt"]?.intValue, 1)
        try server.psql(
            "UPDATE audit_object SET changed_paths = '[\"spec.replicas\",\"spec.template.spec.containers[web].image\"]' WHERE record_id = 1 AND position = 1")
        XCTAssertEqual(try CLI.plumb(["audit", "verify", "--audit-db", url]).status, 0)

        try server.psql("DELETE FROM audit_record WHERE id = 3")
        let deleted = try CLI.plumb(["audit", "verify", "--audit-db", url])
        XCTAssertEqual(deleted.status, 1)
        XCTAssertEqual(deleted.stdout, "audit chain broken at record 3: record 3 is missing (deleted?)\n")
    }

    func testThePasswordComesFromAFileOrTheEnvironmentAndIsNeverPrinted() throws {
        let password = "pg-Secret-\(UUID().uuidString.prefix(8))"
        server = try PostgresServer(password: password)
        let url = server.url()
        let file = directory.sub("password")
        try (password + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let wrong = directory.sub("wrong")
        try "not-the-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        var outputs: [CommandResult] = []
        func plumb(_ args: [String], environment: [String: String] = [:]) throws -> CommandResult {
            let r = try CLI.plumb(args, in: directory.path, environment: environment)
            outputs.append(r)
            return r
        }

        let none = try plumb(["audit", "verify", "--audit-db", url], environment: ["PLUMB_AUDIT_DB_PASSWORD": ""])
        XCTAssertEqual(none.status, 2)
        XCTAssertEqual(
            none.stderr,
            "error: audit database \(url): the server asks for a password: give --audit-db-password-file or PLUMB_AUDIT_DB_PASSWORD\n")

        let refused = try plumb(["history", "--audit-db", url, "--audit-db-password-file", wrong])
        XCTAssertEqual(refused.status, 2)
        XCTAssertEqual(
            refused.stderr,
            "error: audit database postgres://plumb:***@127.0.0.1:\(server.port)/postgres?sslmode=disable: authentication failed: password authentication failed for user \"plumb\"\n")
        XCTAssertFalse(refused.stderr.contains("not-the-password"))

        let fromFile = try plumb(["audit", "verify", "--audit-db", url, "--audit-db-password-file", file])
        XCTAssertEqual(fromFile.status, 0, fromFile.stderr)
        XCTAssertTrue(fromFile.stdout.hasPrefix("0 records, chain intact"), fromFile.stdout)
        XCTAssertEqual(fromFile.stderr, "")

        let fromEnvironment = try plumb(["history", "--audit-db", url], environment: ["PLUMB_AUDIT_DB_PASSWORD": password])
        XCTAssertEqual(fromEnvironment.status, 0, fromEnvironment.stderr)
        XCTAssertEqual(fromEnvironment.stderr, "no records\n")

        // In the URL it works, with a warning that names the URL masked.
        let inURL = url.replacingOccurrences(of: "plumb@", with: "plumb:\(password)@")
        let warned = try plumb(["audit", "export", "--audit-db", inURL], environment: ["PLUMB_AUDIT_DB_PASSWORD": ""])
        XCTAssertEqual(warned.status, 0, warned.stderr)
        XCTAssertTrue(warned.stderr.hasPrefix("warning: --audit-db postgres://plumb:***@127.0.0.1:"), warned.stderr)
        XCTAssertTrue(warned.stderr.contains("--audit-db-password-file or PLUMB_AUDIT_DB_PASSWORD"), warned.stderr)

        // A sync records into it; the controller logs the URL masked.
        let repo = try makeRepository()
        let synced = try plumb(
            ["sync", "--repo", repo.path, "--path", "apps/web", "--sandbox", "--audit-db", url], environment: ["PLUMB_AUDIT_DB_PASSWORD": password])
        XCTAssertEqual(synced.status, 0, synced.stderr)
        XCTAssertTrue(synced.stdout.contains("audit #1"), synced.stdout)
        let log = try controllerLog(auditDB: inURL)
        XCTAssertTrue(log.contains("auditDb=\"postgres://"), log)
        XCTAssertTrue(log.contains("127.0.0.1:\(server.port)/postgres?sslmode=disable"), log)
        XCTAssertTrue(log.contains("controller started"), log)

        for r in outputs {
            XCTAssertFalse(r.stdout.contains(password) || r.stderr.contains(password), r.stdout + r.stderr)
        }
        XCTAssertFalse(log.contains(password), log)
        XCTAssertFalse(server.log.contains(password))
    }

    /// Starts `plumb controller --sandbox` with `auditDB`, waits until it logged its start,
    /// stops it with SIGTERM and returns what it logged.
    func controllerLog(auditDB: String) throws -> String {
        let dir = directory.sub("controller")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let log = directory.sub("controller.log")
        var environment = ProcessInfo.processInfo.environment
        environment["PLUMB_AUDIT_DB_PASSWORD"] = nil
        environment["KUBECONFIG"] = nil
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.plumbPath)
        process.arguments = ["controller", "--sandbox", "--audit-db", auditDB, "--metrics-address", "off", "--log-format", "text"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.environment = environment
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            try? handle.close()
        }
        let deadline = Date().addingTimeInterval(60)
        func text() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
        while process.isRunning && Date() < deadline && !text().contains("controller started") { usleep(100_000) }
        kill(process.processIdentifier, SIGTERM)
        let stop = Date().addingTimeInterval(20)
        while process.isRunning && Date() < stop { usleep(50_000) }
        return text()
    }

    func testAServerThatIsNotThereOrABadURLIsAOneLineErrorWithExitTwo() throws {
        let port = try freePort()
        let unreachable = "postgres://plumb@127.0.0.1:\(port)/audit?sslmode=disable"
        for command in [["history"], ["audit", "verify"], ["audit", "export"], ["history", "show", "1"]] {
            let r = try CLI.plumb(command + ["--audit-db", unreachable], in: directory.path)
            XCTAssertEqual(r.status, 2, "\(command)")
            XCTAssertTrue(r.stderr.hasPrefix("error: audit database \(unreachable): cannot connect to 127.0.0.1:\(port)"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        let bad = try CLI.plumb(["history", "--audit-db", "postgres://ops:hunter2@/audit"], in: directory.path)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix("error: audit database postgres://ops:***@/audit: no host"), bad.stderr)
        XCTAssertFalse(bad.stderr.contains("hunter2"))
        let passwordForAFile = try CLI.plumb(
            ["history", "--audit-db", "x.db", "--audit-db-password-file", "/dev/null"], in: directory.path)
        XCTAssertEqual(passwordForAFile.status, 2)
        XCTAssertTrue(passwordForAFile.stderr.contains("only a postgres:// --audit-db takes a password"), passwordForAFile.stderr)
    }
}
