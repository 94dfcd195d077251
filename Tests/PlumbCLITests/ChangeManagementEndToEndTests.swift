import Foundation
import PlumbCore
import PlumbTesting
import XCTest

/// `plumb sync` with an approval endpoint, sync windows and an audit sink (a real HTTP endpoint
/// on 127.0.0.1), and `plumb audit export --format cyclonedx|jsonl` of what it deployed.
final class ChangeManagementEndToEndTests: SandboxTestCase {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    func json(_ lines: [String]) -> [Value] { lines.compactMap { try? JSONReader().parse($0) } }

    func testRejectedAndTimedOutSyncsWriteNothingAndAreRecorded() throws {
        try startSandbox()
        try writeApp()
        try repo.commit("first")
        let hook = try HookEndpoint()
        try hook.decisions(["rejected:change freeze"])
        let approval = [
            "--approval-url", hook.url + "/approve", "--approval-secret-file", hook.keyFile, "--approval-poll-interval",
            "1s",
        ]

        var s = try sync(approval)
        XCTAssertEqual(s.status, 2, s.stdout + s.stderr)
        let errors = s.stderr.split(separator: "\n").filter { $0.hasPrefix("error:") }
        XCTAssertEqual(errors.count, 1, s.stderr)
        XCTAssertTrue(
            errors[0].hasPrefix("error: approval rejected: change freeze; nothing was synced (audit #1)"), s.stderr)
        XCTAssertNotEqual(try kubectl("get", "namespace", "web").status, 0, "nothing was written")
        let request = try XCTUnwrap(json(hook.lines("requests.jsonl")).first)
        XCTAssertEqual(request["signatureOK"], true)
        XCTAssertEqual(request["body"]?["app"], "web")
        XCTAssertEqual(request["body"]?["counts"]?["created"], 3)
        XCTAssertEqual(request["body"]?["message"], "first\n")
        XCTAssertEqual(request["body"]?["objects"]?.arrayValue?.count, 3)

        try hook.decisions(["pending"])
        s = try sync(approval + ["--approval-timeout", "2s"])
        XCTAssertEqual(s.status, 2, s.stdout + s.stderr)
        XCTAssertTrue(s.stderr.contains("awaiting approval from \(hook.url)/approve"), s.stderr)
        XCTAssertTrue(s.stderr.contains("error: approval timed out after 2s; nothing was synced (audit #2)"), s.stderr)

        let h = try plumb(["history", "-o", "json"])
        XCTAssertEqual(h.status, 0, h.stderr)
        XCTAssertTrue(h.stdout.contains("approval rejected: change freeze"), h.stdout)
        XCTAssertTrue(h.stdout.contains("approval timed out after 2s"), h.stdout)
        XCTAssertEqual(h.stdout.components(separatedBy: "\"rejected\"").count - 1, 2, h.stdout)

        try hook.decisions(["pending-poll", "approved:CAB-7"])
        s = try sync(approval)
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertTrue(s.stdout.contains("3 created"), s.stdout)
        XCTAssertEqual(try plumb(["audit", "verify"]).status, 0)
    }

    func testSyncWindowsRefuseAManualSyncOnlyWhenTheyDoNotAllowIt() throws {
        try startSandbox()
        try writeApp()
        try repo.commit("first")
        let closed = directory + "/closed.yaml"
        // A deny window that is always open, for manual syncs too.
        try "windows:\n  - kind: deny\n  schedule: \"* * * * *\"\n  duration: 1h\n".replacingOccurrences(
            of: "\n  schedule", with: "\n    schedule"
        )
        .replacingOccurrences(of: "\n  duration", with: "\n    duration").write(
            toFile: closed, atomically: true, encoding: .utf8)
        var s = try sync(["--sync-windows", closed])
        XCTAssertEqual(s.status, 2, s.stdout + s.stderr)
        // Opened every minute for an hour: it never closes.
        XCTAssertEqual(
            s.stderr,
            "error: sync window closed: deny window \"* * * * *\" for 1h is open; no window opens again; nothing was synced\n"
        )
        XCTAssertNotEqual(try kubectl("get", "namespace", "web").status, 0)

        let manual = directory + "/manual.yaml"
        try "- kind: deny\n  schedule: \"* * * * *\"\n  duration: 1h\n  manualSync: true\n".write(
            toFile: manual, atomically: true, encoding: .utf8)
        s = try sync(["--sync-windows", manual])
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)

        let bad = directory + "/bad.yaml"
        try "- kind: deny\n  schedule: \"* * *\"\n  duration: 1h\n".write(
            toFile: bad, atomically: true, encoding: .utf8)
        s = try sync(["--sync-windows", bad])
        XCTAssertEqual(s.status, 2, s.stderr)
        XCTAssertTrue(s.stderr.contains("\(bad): windows[0].schedule: cron \"* * *\": expected 5 fields"), s.stderr)
    }

    func testAuditSinkGetsEveryRecordAndTheInventoryListsObjectsAndImages() throws {
        try startSandbox()
        try writeApp(image: "registry.example.com:5000/acme/web:1.27@\(Self.digest)")
        try repo.commit("first")
        let hook = try HookEndpoint()
        let sink = [
            "--audit-sink", hook.url + "/sink", "--audit-sink-secret-file", hook.keyFile, "--audit-sink-timeout", "20s",
        ]
        // The endpoint is down during the first sync: the record stays queued, the sync succeeds.
        hook.flag("down", true)
        var s = try sync(sink + ["--audit-sink-timeout", "1s"])
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        XCTAssertTrue(s.stderr.contains("1 audit sink deliveries stay queued"), s.stderr)
        XCTAssertTrue(hook.lines("received.jsonl").isEmpty)
        hook.flag("down", false)
        try writeApp(replicas: 2, image: "registry.example.com:5000/acme/web:1.27@\(Self.digest)")
        try repo.commit("scale")
        s = try sync(sink)
        XCTAssertEqual(s.status, 0, s.stdout + s.stderr)
        let received = json(hook.lines("received.jsonl"))
        XCTAssertEqual(
            received.map { $0["body"]?["id"]?.intValue ?? 0 }, [1, 2], "the queued record first, then the new one")
        XCTAssertEqual(received.map { $0["signatureOK"] }, [true, true])
        XCTAssertEqual(received[1]["body"]?["message"], "scale\n")

        // The inventory of the second sync.
        let revision = try repo.git("rev-parse", "HEAD").trimmingCharacters(in: .whitespacesAndNewlines)
        let cdx = try plumb(["audit", "export", "--format", "cyclonedx", "--revision", String(revision.prefix(7))])
        XCTAssertEqual(cdx.status, 0, cdx.stderr)
        let bom = try JSONReader().parse(cdx.stdout)
        try Self.validateCycloneDX(bom)
        XCTAssertEqual(bom["metadata"]?["component"]?["version"]?.stringValue, revision)
        let components = bom["components"]?.arrayValue ?? []
        let data = components.filter { $0["type"] == "data" }
        XCTAssertEqual(
            Set(data.compactMap { $0["description"]?.stringValue }),
            ["v1 Namespace web", "apps/v1 Deployment web/web", "v1 ConfigMap web/settings"])
        let containers = components.filter { $0["type"] == "container" }
        XCTAssertEqual(containers.count, 1)
        XCTAssertEqual(containers[0]["name"], "registry.example.com:5000/acme/web")
        XCTAssertEqual(containers[0]["version"], "1.27")
        XCTAssertEqual(
            containers[0]["hashes"]?.arrayValue?.first?["content"]?.stringValue, String(repeating: "ab", count: 32))
        XCTAssertEqual(
            containers[0]["purl"]?.stringValue,
            "pkg:oci/web@sha256%3A\(String(repeating: "ab", count: 32))?repository_url=registry.example.com:5000/acme/web&tag=1.27"
        )

        let lines = try plumb(["audit", "export", "--format", "jsonl", "--record", "2"])
        XCTAssertEqual(lines.status, 0, lines.stderr)
        let objects = json(lines.stdout.split(separator: "\n").map(String.init))
        XCTAssertEqual(objects.count, 3)
        let deployment = try XCTUnwrap(objects.first { $0["kind"] == "Deployment" })
        XCTAssertEqual(
            deployment["images"], .array([.string("registry.example.com:5000/acme/web:1.27@\(Self.digest)")]))
        XCTAssertEqual(deployment["action"], "configured")

        let missing = try plumb(["audit", "export", "--format", "cyclonedx", "--revision", "0000000"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("error: no synced record of revision 0000000"), missing.stderr)
        XCTAssertEqual(try plumb(["audit", "verify"]).status, 0, "images in the objects keep the chain intact")
    }

    /// The fields CycloneDX 1.5's JSON schema requires, and the shapes of those Plumb writes.
    static func validateCycloneDX(_ bom: Value, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(bom["bomFormat"], "CycloneDX", file: file, line: line)
        XCTAssertEqual(bom["specVersion"], "1.5", file: file, line: line)
        let serial = bom["serialNumber"]?.stringValue ?? ""
        let uuid = #"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"#
        XCTAssertNotNil(serial.range(of: uuid, options: .regularExpression), serial, file: file, line: line)
        XCTAssertGreaterThanOrEqual(bom["version"]?.intValue ?? 0, 1, file: file, line: line)
        XCTAssertNotNil(bom["metadata"]?["timestamp"]?.stringValue, file: file, line: line)
        let types: Set<String> = [
            "application", "framework", "library", "container", "platform", "operating-system", "device",
            "device-driver",
            "firmware", "file", "machine-learning-model", "data",
        ]
        var refs = Set<String>()
        for c in (bom["components"]?.arrayValue ?? []) + [bom["metadata"]?["component"] ?? .null] {
            XCTAssertTrue(
                types.contains(c["type"]?.stringValue ?? ""), "component type of \(c)", file: file, line: line)
            XCTAssertFalse((c["name"]?.stringValue ?? "").isEmpty, "component name of \(c)", file: file, line: line)
            let ref = try XCTUnwrap(c["bom-ref"]?.stringValue, file: file, line: line)
            XCTAssertTrue(refs.insert(ref).inserted, "bom-ref \(ref) is unique", file: file, line: line)
            for d in c["data"]?.arrayValue ?? [] {
                XCTAssertTrue(
                    ["source-code", "configuration", "dataset", "definition", "other"].contains(
                        d["type"]?.stringValue ?? ""), file: file, line: line)
            }
            for h in c["hashes"]?.arrayValue ?? [] {
                XCTAssertEqual(h["alg"], "SHA-256", file: file, line: line)
                XCTAssertNotNil(
                    h["content"]?.stringValue?.range(of: "^[a-fA-F0-9]{64}$", options: .regularExpression), file: file,
                    line: line)
            }
            for p in c["properties"]?.arrayValue ?? [] {
                XCTAssertNotNil(p["name"]?.stringValue, file: file, line: line)
            }
        }
        for d in bom["dependencies"]?.arrayValue ?? [] {
            XCTAssertTrue(refs.contains(d["ref"]?.stringValue ?? ""), "dependency ref \(d)", file: file, line: line)
            for on in d["dependsOn"]?.arrayValue ?? [] {
                XCTAssertTrue(refs.contains(on.stringValue ?? ""), "dependsOn \(on)", file: file, line: line)
            }
        }
    }
}
