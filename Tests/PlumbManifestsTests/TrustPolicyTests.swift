import Foundation
import PlumbGit
import PlumbManifests
import PlumbTesting
import XCTest

/// The trust policy on real signed history: per-path rules, HEAD and every-commit modes, and
/// the policy file's errors.
final class TrustPolicyTests: XCTestCase {
    var keys: SigningKeys!
    var work: TempDir!
    var repo: String { work.path }
    var ada = ""  // platform team, may sign anything but payments
    var pay = ""  // payments team
    var bob: (path: String, publicKey: String) = ("", "")

    override func setUpWithError() throws {
        keys = try SigningKeys()
        work = try TempDir("plumb-trust")
        ada = try keys.gpgKey("Ada <ada@platform.acme.dev>")
        pay = try keys.gpgKey("Pia <pia@payments.acme.dev>")
        bob = try keys.sshKey("bob")
        try keys.exportKeyring([ada, pay], to: keys.dir.sub("keys.gpg"))
        try write(keys.dir.sub("allowed_signers"), "bob@platform.acme.dev \(bob.publicKey)\n")
        try git(["init", "-q"], in: repo)
        try keys.commit(in: repo, ["README": "deploy\n"], message: "root", signing: .gpg(ada))
    }

    override func tearDown() {
        keys?.shutdown()
        keys = nil
        work = nil
    }

    func policy(mode: String = "HEAD", extra: String = "") throws -> TrustPolicy {
        let text = """
            apiVersion: plumb.dev/v1alpha1
            kind: TrustPolicy
            mode: \(mode)
            gpgKeyring: keys.gpg
            allowedSigners: allowed_signers
            rules:
              - paths: ["apps/payments/**"]
                keys: ["\(pay)"]
              - paths: ["apps/**", "README"]
                signers: ["*@platform.acme.dev", "*@payments.acme.dev"]
            \(extra)
            """
        try write(keys.dir.sub("trust.yaml"), text)
        return try TrustPolicy.load(keys.dir.sub("trust.yaml"))
    }

    func check(_ p: TrustPolicy, _ sha: String, since: String? = nil) throws -> TrustVerdict {
        let repository = try GitRepository.open(path: repo)
        return try p.check(repository, revision: XCTUnwrap(GitOID(hex: sha)), since: since.flatMap(GitOID.init(hex:)))
    }

    func testAllowedSignersPass() throws {
        let p = try policy()
        let web = try keys.commit(in: repo, ["apps/web/deploy.yaml": "a: 1\n"], signing: .ssh(bob.path))
        let v = try check(p, web)
        XCTAssertTrue(v.passed, v.message)
        XCTAssertEqual(v.signature.signer, "bob@platform.acme.dev")
        let payments = try keys.commit(in: repo, ["apps/payments/deploy.yaml": "a: 1\n"], signing: .gpg(pay))
        let pv = try check(p, payments)
        XCTAssertTrue(pv.passed, pv.message)
        XCTAssertEqual(pv.signature.fingerprint, pay)
    }

    func testPaymentsPathSignedByAnotherTeamFailsNamingThePath() throws {
        let p = try policy()
        let sha = try keys.commit(
            in: repo, ["apps/web/deploy.yaml": "a: 2\n", "apps/payments/deploy.yaml": "b: 2\n"], message: "both",
            signing: .gpg(ada))
        let v = try check(p, sha)
        XCTAssertFalse(v.passed)
        XCTAssertEqual(v.signature.status, .notAllowed)
        XCTAssertEqual(v.failingPath, "apps/payments/deploy.yaml")
        XCTAssertEqual(v.failingCommit?.hex, sha)
        XCTAssertTrue(
            v.message.hasPrefix(
                "commit \(sha.prefix(7)): apps/payments/deploy.yaml: not-allowed: signed by Ada <ada@platform.acme.dev>"
            ), v.message)
        XCTAssertTrue(v.message.contains("apps/payments/**"), v.message)
    }

    func testUnsignedCommitFails() throws {
        let p = try policy()
        let sha = try keys.commit(in: repo, ["apps/web/deploy.yaml": "a: 3\n"], signing: .none)
        let v = try check(p, sha)
        XCTAssertEqual(v.signature.status, .unsigned)
        XCTAssertEqual(v.message, "commit \(sha.prefix(7)): apps/web/deploy.yaml: unsigned: the commit is not signed")
    }

    func testHeadModeOnlyJudgesTheTipButForEverythingSinceTheLastVerified() throws {
        let p = try policy(mode: "HEAD")
        let base = try git(["rev-parse", "HEAD"], in: repo)
        try keys.commit(in: repo, ["apps/payments/deploy.yaml": "x: 1\n"], signing: .none)
        let tip = try keys.commit(in: repo, ["apps/web/deploy.yaml": "y: 1\n"], signing: .gpg(ada))
        // Alone the tip changes only apps/web: Ada may.
        XCTAssertTrue(try check(p, tip).passed)
        // Since base, apps/payments changed too, and Ada answers for it: refused.
        let v = try check(p, tip, since: base)
        XCTAssertEqual(v.signature.status, .notAllowed, v.message)
        XCTAssertEqual(v.failingPath, "apps/payments/deploy.yaml")
    }

    func testEveryCommitModeFindsTheUnsignedCommitInBetween() throws {
        let p = try policy(mode: "every-commit")
        let base = try git(["rev-parse", "HEAD"], in: repo)
        let good = try keys.commit(in: repo, ["apps/web/a.yaml": "1\n"], signing: .gpg(ada))
        let unsigned = try keys.commit(in: repo, ["apps/web/b.yaml": "2\n"], signing: .none)
        let tip = try keys.commit(in: repo, ["apps/web/c.yaml": "3\n"], signing: .gpg(ada))
        let v = try check(p, tip, since: base)
        XCTAssertEqual(v.failingCommit?.hex, unsigned)
        XCTAssertEqual(v.signature.status, .unsigned)
        XCTAssertEqual(v.failingPath, "apps/web/b.yaml")
        XCTAssertEqual(v.commitsChecked, 3)
        // From the unsigned one on, only the tip is left: it passes.
        XCTAssertTrue(try check(p, tip, since: unsigned).passed)
        XCTAssertTrue(try check(p, good, since: base).passed)
    }

    func testRevisionAlreadyVerifiedPasses() throws {
        let p = try policy(mode: "every-commit")
        let head = try git(["rev-parse", "HEAD"], in: repo)
        let v = try check(p, head, since: head)
        XCTAssertTrue(v.passed)
        XCTAssertEqual(v.signature.status, .good)
    }

    func testPolicyFileErrorsNameFileAndField() throws {
        let file = keys.dir.sub("bad.yaml")
        func error(_ text: String) -> String {
            try? write(file, text)
            do {
                _ = try TrustPolicy.load(file)
                return "no error"
            } catch {
                return error.description
            }
        }
        XCTAssertEqual(error("mode: sometimes\ngpgKeyring: keys.gpg\n"), "\(file): mode: expected HEAD or every-commit")
        XCTAssertEqual(
            error("gpgKeyring: keys.gpg\nrules:\n  - paths: [apps/**]\n"),
            "\(file): rules[0]: give keys or signers (who may sign these paths)")
        XCTAssertEqual(
            error("gpgKeyring: keys.gpg\nrules:\n  - paths: [apps/**]\n    keys: [nothex]\n"),
            "\(file): rules[0].keys[0]: \"nothex\" is not an OpenPGP fingerprint (40 hex digits) or key ID (16), nor an SSH SHA256: fingerprint"
        )
        XCTAssertEqual(
            error("rules: []\n"), "\(file): give gpgKeyring or allowedSigners (the keys signatures are checked against)"
        )
        let missing = error("gpgKeyring: missing.gpg\n")
        XCTAssertTrue(missing.hasPrefix("\(file): /") && missing.hasSuffix("/missing.gpg: cannot be read"), missing)
        XCTAssertEqual(
            error("gpgKeyring: keys.gpg\nsigners: [x]\n"),
            "\(file): signers: unknown field (expected one of allowedSigners, apiVersion, gpgKeyring, gpgKeyrings, kind, mode, rules, sshRevokedKeys)"
        )
    }
}
