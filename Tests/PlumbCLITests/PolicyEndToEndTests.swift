import Foundation
import PlumbAudit
import PlumbCore
import XCTest

/// `--policy` on `plumb diff` and `plumb sync` against the sandbox cluster: an enforced
/// violation writes nothing and exits 2, a warned one syncs, exceptions and overrides per
/// namespace waive checks, the verdict lands in the audit record, and an admission webhook's
/// denial during the server dry-run is reported in the same `<object>: <policy>: <message>` form.
final class PolicyEndToEndTests: SandboxTestCase {
    let tagLine = "apps/v1 Deployment web/web: PLB-IMG-002: container web: image nginx:latest has the tag latest"

    func writePolicy(_ text: String) throws -> String {
        let path = directory + "/policy.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func latestRecord() throws -> AuditRecord {
        let store = try SQLiteAuditStore(path: directory + "/audit.db")
        return try XCTUnwrap(try store.history(app: "web", limit: 1).first)
    }

    func testEnforcedViolationStopsTheSyncBeforeAnyWrite() throws {
        try startSandbox()
        try writeApp(image: "nginx:latest")
        try repo.commit("web on latest")
        let policy = try writePolicy("defaultMode: off\nchecks:\n  PLB-IMG-002: enforce\n  PLB-IMG-001: warn\n")
        let r = try sync(["--policy", policy])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("error: \(tagLine)\n"), r.stderr)
        XCTAssertTrue(
            r.stderr.contains("error: nothing was applied, audit #1 (1 enforced policy violation in 1 of 3 objects)"),
            r.stderr)
        // The warned check is printed too, as a warning.
        XCTAssertTrue(
            r.stderr.contains(
                "warning: apps/v1 Deployment web/web: PLB-IMG-001: container web: image nginx:latest is not pinned by digest"
            ),
            r.stderr)
        // Nothing was written: not even the namespace the sync would have created first.
        let ns = try kubectl("get", "namespace", "web")
        XCTAssertNotEqual(ns.status, 0)
        XCTAssertTrue(ns.stderr.contains("NotFound"), ns.stderr)
        // The record is failed, with every object untouched and the verdict with its modes.
        let record = try latestRecord()
        XCTAssertEqual(record.result, .failed)
        XCTAssertEqual(record.error, tagLine)
        XCTAssertEqual(record.objects.filter { $0.action == .created || $0.action == .configured }, [])
        let verdict = try XCTUnwrap(record.policy)
        XCTAssertTrue(verdict.blocked)
        XCTAssertEqual(
            verdict.violations.map { "\($0.mode ?? "") \($0.line)" }.sorted(),
            [
                "enforce \(tagLine)",
                "warn apps/v1 Deployment web/web: PLB-IMG-001: container web: image nginx:latest is not pinned by digest",
            ])
        // `plumb history show` prints it.
        let show = try plumb(["history", "show", "1"])
        XCTAssertTrue(show.stdout.contains("policy     blocked: 1 enforced, 1 warned, 0 waived\n"), show.stdout)
        XCTAssertTrue(show.stdout.contains("           enforce  \(tagLine)\n"), show.stdout)
        // The chain still verifies with the new field.
        let verify = try plumb(["audit", "verify"])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
    }

    func testWarnedViolationIsPrintedAndTheSyncGoesOn() throws {
        try startSandbox()
        try writeApp(image: "nginx:latest")
        try repo.commit("web on latest")
        let policy = try writePolicy("defaultMode: off\nchecks:\n  PLB-IMG-002: warn\n")
        let r = try sync(["--policy", policy])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: \(tagLine)\n"), r.stderr)
        XCTAssertEqual(
            try kubectl(
                "get", "deployment", "web", "-n", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"
            ).stdout, "nginx:latest")
        let record = try latestRecord()
        XCTAssertEqual(record.result, .synced)
        XCTAssertEqual(record.policy?.violations.map(\.mode), ["warn"])
        XCTAssertEqual(record.policy?.blocked, false)
    }

    func testExceptionsAndNamespaceOverridesWaiveChecks() throws {
        try startSandbox()
        try writeApp(image: "nginx:latest")
        try repo.commit("web on latest")
        let excepted = try writePolicy(
            """
            defaultMode: off
            checks: {PLB-IMG-002: enforce}
            exceptions:
              - name: web-canary
                check: PLB-IMG-002
                objects: [{kind: Deployment, namespace: web, name: web}]
                reason: tracks upstream on purpose (CHG-42)

            """)
        let r = try sync(["--policy", excepted, "--dry-run"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "policy: \(tagLine): waived by exception web-canary (tracks upstream on purpose (CHG-42))"), r.stderr)
        let record = try latestRecord()
        XCTAssertEqual(record.policy?.exempted.map(\.exception), ["web-canary"])
        XCTAssertEqual(record.policy?.violations, [])

        // An override for the app's namespace (-n) turns the enforced check off there only.
        let overridden = try writePolicy(
            "defaultMode: off\nchecks: {PLB-IMG-002: enforce}\noverrides:\n  - namespaces: [team-*]\n    checks: {PLB-IMG-002: off}\n"
        )
        // (The namespace must exist: objects of a namespace this sync creates are dry-run in the default one.)
        XCTAssertEqual(try kubectl("create", "namespace", "team-a").status, 0)
        let team = try sync(["--policy", overridden, "--dry-run", "-n", "team-a"])
        XCTAssertEqual(team.status, 0, team.stderr)
        XCTAssertEqual(try sync(["--policy", overridden, "--dry-run", "-n", "prod"]).status, 2)
    }

    func testDiffListsViolationsAndExitsTwo() throws {
        try startSandbox()
        try writeApp(image: "nginx:latest")
        try repo.commit("web on latest")
        let policy = try writePolicy("defaultMode: off\nchecks: {PLB-IMG-002: enforce, PLB-RES-002: warn}\n")
        let r = try diff(["--policy", policy])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stdout.contains("apps/v1 Deployment web/web"), r.stdout)  // the diff is still shown
        XCTAssertTrue(r.stderr.contains("error: \(tagLine)\n"), r.stderr)
        XCTAssertTrue(
            r.stderr.contains("warning: apps/v1 Deployment web/web: PLB-RES-002: container web: no memory limit"),
            r.stderr)
        // A bad policy file is one error line naming the file and field.
        let bad = try writePolicy("checks: {PLB-IMG-002: strict}\n")
        let b = try diff(["--policy", bad])
        XCTAssertEqual(b.status, 2)
        XCTAssertTrue(b.stderr.contains("\(bad): checks.PLB-IMG-002: expected enforce, warn or off"), b.stderr)
    }

    func testWebhookDenialDuringTheDryRunIsReportedAsAPolicy() throws {
        try startSandbox()
        let webhook = try PythonWebhook(directory: directory)
        defer { webhook.stop() }
        let configuration = """
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingWebhookConfiguration
            metadata: {name: deny-labelled.plumb.test}
            webhooks:
              - name: deny-labelled.plumb.test
                clientConfig:
                  url: https://127.0.0.1:\(webhook.port)/validate
                  caBundle: \(webhook.caBundle)
                rules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
                failurePolicy: Fail
                sideEffects: None
                admissionReviewVersions: [v1]

            """
        try configuration.write(toFile: directory + "/webhook.yaml", atomically: true, encoding: .utf8)
        let applied = try kubectl("apply", "-f", directory + "/webhook.yaml")
        XCTAssertEqual(applied.status, 0, applied.stderr)
        try writeApp()
        // The ConfigMap carries the label the webhook refuses.
        try repo.write(
            "apps/web/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\n  labels: {deny: \"yes\"}\ndata:\n  LOG_LEVEL: info\n"
        )
        try repo.commit("labelled config")
        let policy = try writePolicy("defaultMode: off\n")
        let r = try sync(["--policy", policy])
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertTrue(
            r.stderr.contains(
                "error: v1 ConfigMap default/settings: deny-labelled.plumb.test: objects labelled deny=yes are refused\n"
            ),
            r.stderr)
        XCTAssertTrue(r.stderr.contains("nothing was applied"), r.stderr)
        XCTAssertNotEqual(try kubectl("get", "namespace", "web").status, 0)
        XCTAssertGreaterThan(webhook.requests(), 0)
        // The record keeps the denial in the same form.
        let record = try latestRecord()
        XCTAssertEqual(
            record.objects.first { $0.ref.kind == "ConfigMap" }?.error,
            "v1 ConfigMap default/settings: deny-labelled.plumb.test: objects labelled deny=yes are refused")
    }
}

/// A validating admission webhook in Python's http.server over TLS (openssl makes its CA and
/// certificate for 127.0.0.1): refuses objects labelled `deny=yes` with code 403.
final class PythonWebhook {
    let process = Process()
    let port: Int
    let caBundle: String
    let log: String

    init(directory: String) throws {
        let dir = directory + "/webhook"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func openssl(_ args: [String]) throws {
            let r = try CLI.run("openssl", args, in: dir, timeout: 30)
            guard r.status == 0 else { throw XCTSkip("openssl \(args.first ?? ""): \(r.stderr)") }
        }
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
            "-subj", "/CN=plumb-test-ca",
        ])
        try openssl([
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj", "/CN=127.0.0.1",
        ])
        try "subjectAltName=IP:127.0.0.1\n".write(toFile: dir + "/san.ext", atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", "tls.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "tls.pem",
            "-days", "1",
            "-extfile", "san.ext",
        ])
        caBundle = try Data(contentsOf: URL(fileURLWithPath: dir + "/ca.pem")).base64EncodedString()
        log = dir + "/requests.log"
        let script = """
            import http.server, json, ssl, sys
            class H(http.server.BaseHTTPRequestHandler):
                def log_message(self, *a): pass
                def do_POST(self):
                    review = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
                    with open('requests.log', 'a') as f: f.write('review\\n')
                    req = review['request']
                    labels = (req.get('object') or {}).get('metadata', {}).get('labels') or {}
                    resp = {'uid': req['uid'], 'allowed': labels.get('deny') != 'yes'}
                    if not resp['allowed']:
                        resp['status'] = {'code': 403, 'message': 'objects labelled deny=yes are refused'}
                    body = json.dumps({'apiVersion': 'admission.k8s.io/v1', 'kind': 'AdmissionReview', 'response': resp}).encode()
                    self.send_response(200)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
            server = http.server.HTTPServer(('127.0.0.1', 0), H)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain('tls.pem', 'tls.key')
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
            print(server.server_address[1], flush=True)
            server.serve_forever()

            """
        try script.write(toFile: dir + "/webhook.py", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "webhook.py"]
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The first line is the bound port; bounded by the read of one line.
        var line = Data()
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        guard let p = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw XCTSkip("the python webhook did not start")
        }
        port = p
    }

    /// How many AdmissionReviews it answered.
    func requests() -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
