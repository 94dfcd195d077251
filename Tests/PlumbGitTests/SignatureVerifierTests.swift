import Foundation
import PlumbTesting
import XCTest

@testable import PlumbGit

/// Commit signatures made by the `git` CLI with real gpg and ssh-keygen keys, verified by
/// `SignatureVerifier` against a keyring and an allowed_signers file.
final class SignatureVerifierTests: XCTestCase {
    var keys: SigningKeys!
    var work: TempDir!
    var repo: String { work.path }

    override func setUpWithError() throws {
        keys = try SigningKeys()
        work = try TempDir("plumb-sig")
        try git(["init", "-q"], in: repo)
        try write(repo + "/README", "signed commits\n")
        try git(["add", "-A"], in: repo)
        try git(["commit", "-q", "-m", "root"], in: repo)
    }

    override func tearDown() {
        keys?.shutdown()
        keys = nil
        work = nil
    }

    func verdict(_ sha: String, _ verifier: SignatureVerifier) throws -> SignatureVerdict {
        let repository = try GitRepository.open(path: repo)
        return verifier.verify(try repository.signature(of: XCTUnwrap(GitOID(hex: sha))))
    }

    func testGoodOpenPGPSignatureNamesSignerAndPrimaryFingerprint() throws {
        let fpr = try keys.gpgKey("Ada <ada@acme.dev>")
        let keyring = keys.dir.sub("trusted.gpg")
        try keys.exportKeyring([fpr], to: keyring)
        let sha = try keys.commit(in: repo, ["apps/web/a.yaml": "a: 1\n"], signing: .gpg(fpr))
        let v = try verdict(sha, SignatureVerifier(gpgKeyrings: [keyring]))
        XCTAssertEqual(v.status, .good, v.reason)
        XCTAssertEqual(v.format, .gpg)
        XCTAssertEqual(v.signer, "Ada <ada@acme.dev>")
        XCTAssertEqual(v.signerEmail, "ada@acme.dev")
        XCTAssertEqual(v.fingerprint, fpr)
    }

    func testArmouredKeyringIsAccepted() throws {
        let fpr = try keys.gpgKey("Ada <ada@acme.dev>")
        let keyring = keys.dir.sub("trusted.asc")
        try keys.exportKeyring([fpr], to: keyring, armor: true)
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .gpg(fpr))
        XCTAssertEqual(try verdict(sha, SignatureVerifier(gpgKeyrings: [keyring])).status, .good)
    }

    func testUnsignedCommit() throws {
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .none)
        let v = try verdict(sha, SignatureVerifier(gpgKeyrings: []))
        XCTAssertEqual(v.status, .unsigned)
        XCTAssertFalse(v.isGood)
    }

    func testKeyOutsideTheKeyringIsUnknown() throws {
        let trusted = try keys.gpgKey("Ada <ada@acme.dev>")
        let stranger = try keys.gpgKey("Mallory <mallory@evil.example>")
        let keyring = keys.dir.sub("trusted.gpg")
        try keys.exportKeyring([trusted], to: keyring)
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .gpg(stranger))
        let v = try verdict(sha, SignatureVerifier(gpgKeyrings: [keyring]))
        XCTAssertEqual(v.status, .unknownKey)
        XCTAssertEqual(v.fingerprint, stranger, "the unknown key is named")
        XCTAssertTrue(v.reason.contains(stranger), v.reason)
    }

    func testRevokedKeyIsRefusedThoughGpgvExitsZero() throws {
        let fpr = try keys.gpgKey("Ada <ada@acme.dev>")
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .gpg(fpr))
        try keys.revoke(fpr)
        let keyring = keys.dir.sub("trusted.gpg")
        try keys.exportKeyring([fpr], to: keyring)
        let v = try verdict(sha, SignatureVerifier(gpgKeyrings: [keyring]))
        XCTAssertEqual(v.status, .revokedKey, v.reason)
        XCTAssertEqual(v.fingerprint, fpr)
    }

    func testExpiredKeyIsRefused() throws {
        let fpr = try keys.gpgKey("Old <old@acme.dev>", expired: true)
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .expiredGPG(fpr))
        let keyring = keys.dir.sub("trusted.gpg")
        try keys.exportKeyring([fpr], to: keyring)
        let v = try verdict(sha, SignatureVerifier(gpgKeyrings: [keyring]))
        XCTAssertEqual(v.status, .expiredKey, v.reason)
        XCTAssertEqual(v.signer, "Old <old@acme.dev>")
    }

    func testTamperedOpenPGPCommitIsBad() throws {
        let fpr = try keys.gpgKey("Ada <ada@acme.dev>")
        let keyring = keys.dir.sub("trusted.gpg")
        try keys.exportKeyring([fpr], to: keyring)
        let sha = try keys.commit(in: repo, ["a": "1"], message: "bump web", signing: .gpg(fpr))
        let forged = try keys.tamper(in: repo, sha, message: "bump web and open the firewall")
        XCTAssertNotEqual(forged, sha)
        let v = try verdict(forged, SignatureVerifier(gpgKeyrings: [keyring]))
        XCTAssertEqual(v.status, .badSignature, v.reason)
        XCTAssertEqual(try verdict(sha, SignatureVerifier(gpgKeyrings: [keyring])).status, .good)
    }

    func testGoodSSHSignatureNamesPrincipalAndFingerprint() throws {
        let key = try keys.sshKey("bob")
        let allowed = keys.dir.sub("allowed_signers")
        try write(allowed, "bob@acme.dev namespaces=\"git\" \(key.publicKey)\n")
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .ssh(key.path))
        let v = try verdict(sha, SignatureVerifier(allowedSigners: allowed))
        XCTAssertEqual(v.status, .good, v.reason)
        XCTAssertEqual(v.format, .ssh)
        XCTAssertEqual(v.signer, "bob@acme.dev")
        let expected = try runTool("/usr/bin/ssh-keygen", ["-l", "-f", key.path + ".pub"]).stdout.split(separator: " ")[
            1]
        XCTAssertEqual(v.fingerprint, String(expected))
    }

    func testSSHKeyNotInAllowedSignersIsUnknown() throws {
        let bob = try keys.sshKey("bob")
        let eve = try keys.sshKey("eve")
        let allowed = keys.dir.sub("allowed_signers")
        try write(allowed, "bob@acme.dev \(bob.publicKey)\n")
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .ssh(eve.path))
        let v = try verdict(sha, SignatureVerifier(allowedSigners: allowed))
        XCTAssertEqual(v.status, .unknownKey, v.reason)
        XCTAssertNotNil(v.fingerprint)
    }

    func testSSHKeyPastItsValidityIsExpired() throws {
        let bob = try keys.sshKey("bob")
        let allowed = keys.dir.sub("allowed_signers")
        try write(allowed, "bob@acme.dev valid-before=\"20200101\" \(bob.publicKey)\n")
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .ssh(bob.path))
        XCTAssertEqual(try verdict(sha, SignatureVerifier(allowedSigners: allowed)).status, .expiredKey)
    }

    func testRevokedSSHKeyIsRefused() throws {
        let bob = try keys.sshKey("bob")
        let allowed = keys.dir.sub("allowed_signers")
        try write(allowed, "bob@acme.dev \(bob.publicKey)\n")
        let revoked = keys.dir.sub("revoked_keys")
        try write(revoked, "")
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .ssh(bob.path))
        XCTAssertEqual(
            try verdict(sha, SignatureVerifier(allowedSigners: allowed, sshRevokedKeys: revoked)).status, .good)
        try write(revoked, bob.publicKey + "\n")
        let v = try verdict(sha, SignatureVerifier(allowedSigners: allowed, sshRevokedKeys: revoked))
        XCTAssertEqual(v.status, .revokedKey, v.reason)
        XCTAssertEqual(v.signer, "bob@acme.dev")
    }

    func testTamperedSSHCommitIsBad() throws {
        let bob = try keys.sshKey("bob")
        let allowed = keys.dir.sub("allowed_signers")
        try write(allowed, "bob@acme.dev \(bob.publicKey)\n")
        let sha = try keys.commit(in: repo, ["a": "1"], message: "one", signing: .ssh(bob.path))
        let forged = try keys.tamper(in: repo, sha, message: "two")
        XCTAssertEqual(try verdict(forged, SignatureVerifier(allowedSigners: allowed)).status, .badSignature)
    }

    func testOpenPGPSignatureWithoutKeyringIsUnknown() throws {
        let fpr = try keys.gpgKey("Ada <ada@acme.dev>")
        let sha = try keys.commit(in: repo, ["a": "1"], signing: .gpg(fpr))
        let v = try verdict(sha, SignatureVerifier(allowedSigners: nil))
        XCTAssertEqual(v.status, .unknownKey)
        XCTAssertTrue(v.reason.contains("gpgKeyring"), v.reason)
    }

    func testStatusLinesParsing() {
        let lines = """
            [GNUPG:] NEWSIG
            [GNUPG:] ERRSIG CB9B25EE24A24454 22 8 00 1796612241 9 DB4F73A305DA8851AA94A6D1CB9B25EE24A24454
            [GNUPG:] NO_PUBKEY CB9B25EE24A24454
            """
        let v = SignatureVerifier.gpgVerdict(statusLines: lines, stderr: "")
        XCTAssertEqual(v.status, .unknownKey)
        XCTAssertEqual(v.fingerprint, "DB4F73A305DA8851AA94A6D1CB9B25EE24A24454")
        let empty = SignatureVerifier.gpgVerdict(statusLines: "", stderr: "gpgv: keyblock resource: No such file\n")
        XCTAssertEqual(empty.status, .error)
        XCTAssertTrue(empty.reason.contains("No such file"))
    }
}
