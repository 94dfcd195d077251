import Foundation
import XCTest

/// `plumb sync`/`diff --trust-policy` end to end: commits signed by `git` with gpg and SSH keys,
/// synced into an in-process sandbox; refused commits exit 2 with one line, and every verdict
/// is in `plumb history show`.
final class TrustPolicyCommandTests: XCTestCase {
    var directory = ""
    var repo: TestRepository!
    var gnupgHome = ""
    var ada = ""  // platform team
    var pia = ""  // payments team

    var env: [String: String] { TestRepository.identity.merging(["GNUPGHOME": gnupgHome]) { $1 } }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "plumb-trust-" + UUID().uuidString
        gnupgHome = directory + "/gnupg"
        try FileManager.default.createDirectory(
            atPath: gnupgHome, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        repo = try TestRepository()
        ada = try gpgKey("Ada <ada@platform.acme.dev>")
        pia = try gpgKey("Pia <pia@payments.acme.dev>")
        let export = try CLI.run(
            "gpg", ["--batch", "--yes", "--output", directory + "/keys.gpg", "--export", ada, pia], environment: env)
        XCTAssertEqual(export.status, 0, export.stderr)
        try """
        mode: every-commit
        gpgKeyring: keys.gpg
        allowedSigners: allowed_signers
        rules:
          - paths: ["apps/payments/**"]
            keys: ["\(pia)"]
          - paths: ["apps/**"]
            signers: ["*@acme.dev", "*.acme.dev"]
        """.write(toFile: directory + "/trust.yaml", atomically: true, encoding: .utf8)
        try "".write(toFile: directory + "/allowed_signers", atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        _ = try? CLI.run("gpgconf", ["--kill", "all"], environment: env)
        repo = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    func gpgKey(_ uid: String) throws -> String {
        let made = try CLI.run(
            "gpg",
            [
                "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", uid, "ed25519", "sign",
                "0",
            ], environment: env)
        XCTAssertEqual(made.status, 0, made.stderr)
        let listing = try CLI.run("gpg", ["--batch", "--with-colons", "--list-keys", "=" + uid], environment: env)
            .stdout
        let fpr = listing.split(separator: "\n").first { $0.hasPrefix("fpr:") }?.split(
            separator: ":", omittingEmptySubsequences: false)[9]
        return String(try XCTUnwrap(fpr))
    }

    /// Commits `files`, signed with `key` (a gpg fingerprint, an SSH key path, or nil).
    @discardableResult
    func commit(_ files: [String: String], key: String?, ssh: Bool = false, message: String = "change") throws -> String
    {
        for (path, text) in files { try repo.write(path, text) }
        XCTAssertEqual(try CLI.run("git", ["add", "-A"], in: repo.path, environment: env).status, 0)
        var args: [String] = []
        if let key {
            args = (ssh ? ["-c", "gpg.format=ssh"] : []) + ["-c", "user.signingkey=\(key)", "commit", "-q", "-S"]
        } else {
            args = ["commit", "-q"]
        }
        let r = try CLI.run("git", args + ["-m", message], in: repo.path, environment: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try repo.git("rev-parse", "HEAD")
    }

    func configMap(_ name: String, _ value: String) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n  namespace: default\ndata:\n  v: \"\(value)\"\n"
    }

    func plumb(_ args: [String]) throws -> CommandResult {
        try CLI.plumb(
            args + ["--repo", repo.path, "--sandbox", "--trust-policy", directory + "/trust.yaml"], in: directory,
            environment: env)
    }

    func show(_ id: Int) throws -> String {
        try CLI.plumb(["history", "show", "\(id)", "--audit-db", directory + "/.plumb/audit.db"], in: directory).stdout
    }

    func testSignedCommitSyncsAndTheVerdictIsInTheHistory() throws {
        try commit(["apps/web/cm.yaml": configMap("web", "1")], key: ada)
        let r = try plumb(["sync", "--path", "apps/web"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("verified: good gpg signature by Ada <ada@platform.acme.dev>"), r.stdout)
        let record = try show(1)
        XCTAssertTrue(
            record.contains("signature  good gpg signature by Ada <ada@platform.acme.dev>, key \(ada)"), record)
    }

    func testPaymentsChangeSignedByAnotherTeamIsRefusedWithOneLine() throws {
        try commit(["apps/payments/cm.yaml": configMap("payments", "1")], key: pia)
        XCTAssertEqual(try plumb(["sync", "--path", "apps/payments"]).status, 0)
        let sha = try commit(["apps/payments/cm.yaml": configMap("payments", "2")], key: ada)
        for command in ["diff", "sync"] {
            let r = try plumb([command, "--path", "apps/payments"])
            XCTAssertEqual(r.status, 2, "\(command): \(r.stdout) \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(
                r.stderr.hasPrefix(
                    "error: signature verification failed: commit \(sha.prefix(7)): apps/payments/cm.yaml: not-allowed: signed by Ada <ada@platform.acme.dev>"
                ),
                r.stderr)
        }
        let refused = try show(2)
        XCTAssertTrue(refused.hasPrefix("sync #2  failed"), refused)
        XCTAssertTrue(refused.contains("objects    0"), "nothing was written: \(refused)")
        XCTAssertTrue(
            refused.contains(
                "signature  not-allowed: commit \(sha.prefix(7)): apps/payments/cm.yaml: signed by Ada <ada@platform.acme.dev>"
            ), refused)
    }

    func testEveryCommitFindsAnUnsignedCommitBetweenVerifiedRevisions() throws {
        try commit(["apps/web/cm.yaml": configMap("web", "1")], key: ada)
        XCTAssertEqual(try plumb(["sync", "--path", "apps/web"]).status, 0)
        let unsigned = try commit(["apps/web/other.yaml": configMap("other", "1")], key: nil)
        try commit(["apps/web/cm.yaml": configMap("web", "2")], key: ada)
        let r = try plumb(["sync", "--path", "apps/web"])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(
            r.stderr,
            "error: signature verification failed: commit \(unsigned.prefix(7)): apps/web/other.yaml: unsigned: the commit is not signed\n"
        )
    }

    func testSSHSignedCommitSyncs() throws {
        let key = directory + "/bob"
        XCTAssertEqual(try CLI.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bob", "-f", key]).status, 0)
        let pub = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        try "bob@platform.acme.dev \(pub)".write(
            toFile: directory + "/allowed_signers", atomically: true, encoding: .utf8)
        try commit(["apps/web/cm.yaml": configMap("web", "1")], key: key, ssh: true)
        let r = try plumb(["sync", "--path", "apps/web"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try show(1).contains("signature  good ssh signature by bob@platform.acme.dev, key SHA256:"))
    }

    func testBadPolicyFileFailsBeforeAnything() throws {
        try "mode: sometimes\ngpgKeyring: keys.gpg\n".write(
            toFile: directory + "/trust.yaml", atomically: true, encoding: .utf8)
        try commit(["apps/web/cm.yaml": configMap("web", "1")], key: ada)
        let r = try plumb(["sync", "--path", "apps/web"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("trust.yaml: mode: expected HEAD or every-commit"), r.stderr)
    }
}
