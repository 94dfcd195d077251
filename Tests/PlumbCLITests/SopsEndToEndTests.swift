import Foundation
import PlumbCore
import PlumbManifests
import PlumbYAML
import XCTest

/// A repository with a SOPS-encrypted ConfigMap and Secret (age): `plumb render`, `diff`,
/// `sync`, `history` and `audit` run as the built binary against a sandbox cluster; the objects
/// reach the cluster decrypted, and no output, error or audit row holds a decrypted value.
final class SopsEndToEndTests: SandboxTestCase {
    let urlV1 = "postgres://app:Sup3r-S3cret-Url-1@db/app"
    let urlV2 = "postgres://app:Sup3r-S3cret-Url-2@db/app"
    let password = "An0ther-Secret-Passw0rd"

    var keyFile = ""
    var recipient = ""

    func makeKey() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen") else {
            throw XCTSkip("age is not installed")
        }
        keyFile = directory + "/age.txt"
        let r = try CLI.run("/usr/bin/age-keygen", ["-o", keyFile])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOfFile: keyFile, encoding: .utf8)
        recipient = String(text.split(separator: "\n").first { $0.hasPrefix("# public key: ") }!.dropFirst(14))
    }

    /// `object` encrypted as `sops --encrypt --age RECIPIENT --encrypted-regex '^(data|stringData)$'`
    /// would: the data key wrapped by the real `age`.
    func encrypted(_ object: Value) throws -> String {
        let dataKey = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let dk = directory + "/datakey"
        _ = FileManager.default.createFile(atPath: dk, contents: Data(dataKey))
        defer { try? FileManager.default.removeItem(atPath: dk) }
        let wrapped = try CLI.run("/usr/bin/age", ["-r", recipient, "-a", dk])
        XCTAssertEqual(wrapped.status, 0, wrapped.stderr)
        let doc = try Sops.encrypt(
            object, dataKey: dataKey, age: [.init(recipient: recipient, enc: wrapped.stdout)],
            lastModified: "2026-12-01T10:00:00Z", encryptedRegex: "^(data|stringData)$")
        return YAMLWriter().string(doc)
    }

    func writeEncrypted(url: String) throws {
        try repo.write("apps/web/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n")
        try repo.write(
            "apps/web/settings.enc.yaml",
            try encrypted([
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "web"],
                "data": ["DATABASE_URL": .string(url), "LOG_LEVEL": "info"],
            ]))
        try repo.write(
            "apps/web/creds.enc.yaml",
            try encrypted([
                "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "creds", "namespace": "web"],
                "type": "Opaque", "stringData": ["password": .string(password)],
            ]))
    }

    func run(_ args: [String], key: Bool = true) throws -> CommandResult {
        var args = args
        let command = args.first ?? ""
        if ["sync", "diff"].contains(command) { args += ["--kubeconfig", kubeconfig] }
        if ["sync", "history", "audit"].contains(command) { args += ["--audit-db", directory + "/audit.db"] }
        return try CLI.plumb(
            args, in: directory, environment: key ? ["SOPS_AGE_KEY_FILE": keyFile] : ["SOPS_AGE_KEY_FILE": ""])
    }

    func assertNoLeak(_ r: CommandResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in [urlV1, urlV2, password, "Sup3r-S3cret", SecretData.base64Encode(Array(password.utf8))] {
            XCTAssertFalse(
                r.stdout.contains(secret), "\(what) stdout shows \(secret):\n\(r.stdout)", file: file, line: line)
            XCTAssertFalse(
                r.stderr.contains(secret), "\(what) stderr shows \(secret):\n\(r.stderr)", file: file, line: line)
        }
    }

    func testNoOutputShowsADecryptedValue() throws {
        try makeKey()
        try startSandbox()
        try writeEncrypted(url: urlV1)
        try repo.commit("encrypted settings")
        let source = ["--repo", repo.path, "--path", "apps/web"]

        for output in ["yaml", "json"] {
            let r = try run(["render"] + source + ["-o", output])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("settings"), r.stdout)
            XCTAssertTrue(r.stdout.contains("LOG_LEVEL"), r.stdout)
            assertNoLeak(r, "render -o \(output)")
        }
        var r = try run(["diff"] + source)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stdout.contains("v1 ConfigMap web/settings"), r.stdout)
        assertNoLeak(r, "diff")
        r = try run(["diff"] + source + ["-o", "json"])
        assertNoLeak(r, "diff -o json")
        r = try run(["sync"] + source)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        assertNoLeak(r, "sync")

        // The cluster has the decrypted values.
        let live = try kubectl("get", "configmap", "settings", "-n", "web", "-o", "jsonpath={.data.DATABASE_URL}")
        XCTAssertEqual(live.stdout, urlV1)
        let secret = try kubectl("get", "secret", "creds", "-n", "web", "-o", "jsonpath={.data.password}")
        XCTAssertEqual(secret.stdout, SecretData.base64Encode(Array(password.utf8)))

        // A new value: the diff and the sync name the field, masked, without either value.
        try writeEncrypted(url: urlV2)
        try repo.commit("rotate the database password")
        r = try run(["diff"] + source)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stdout.contains("data.DATABASE_URL"), r.stdout)
        XCTAssertTrue(r.stdout.contains("bytes masked"), r.stdout)
        assertNoLeak(r, "diff after rotation")
        r = try run(["diff"] + source + ["--diff-format", "unified"])
        assertNoLeak(r, "diff --diff-format unified")
        r = try run(["sync"] + source + ["--output", "json"])
        assertNoLeak(r, "sync -o json")
        r = try run(["history"])
        assertNoLeak(r, "history")
        r = try run(["audit", "verify"])
        assertNoLeak(r, "audit verify")
        let db = try Data(contentsOf: URL(fileURLWithPath: directory + "/audit.db"))
        for s in [urlV1, urlV2, password] {
            XCTAssertNil(db.range(of: Data(s.utf8)), "the audit database holds \(s)")
        }

        // Without the key: one error naming the file, exit 2, no value.
        r = try run(["diff"] + source, key: false)
        XCTAssertEqual(r.status, 2, r.stdout + r.stderr)
        XCTAssertTrue(
            r.stderr.contains("apps/web/creds.enc.yaml: sops: cannot decrypt the data key: age \(recipient)"), r.stderr)
        assertNoLeak(r, "diff without the key")
    }
}
