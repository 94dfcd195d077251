import Foundation
import PlumbAudit
import PlumbCore
import XCTest

/// The signature verdict in the audit record: kept through SQLite and export, in the hash
/// chain, and absent from the hashed form of records without one so older records keep their hashes.
final class AuditSignatureTests: XCTestCase {
    let good = AuditSignature(
        status: .good, format: "gpg", signer: "Ada <ada@acme.dev>",
        fingerprint: "DB4F73A305DA8851AA94A6D1CB9B25EE24A24454",
        reason: "good OpenPGP signature by Ada <ada@acme.dev>")

    func testUnverifiedRecordsHashAsBeforeVerificationExisted() {
        var r = AuditFixture.record()
        r.signature = .present
        XCTAssertNil(r.headerValue["signatureDetail"], "no new field in the hashed header")
        XCTAssertEqual(r.headerValue["signature"], "present")
        // The header as records were hashed before: these fields and no others.
        let keys = Set(r.headerValue.objectValue?.keys ?? [])
        XCTAssertEqual(
            keys,
            [
                "id", "kind", "startedAt", "app", "target", "repo", "revision", "author", "committer", "message",
                "signature",
                "previousRevision", "initiator", "options", "process", "prevHash",
            ])
    }

    func testVerdictRoundTripsThroughSQLiteAndExportInOneChain() throws {
        let f = try AuditFixture()
        let store = try f.store()
        let old = try store.begin(AuditFixture.record())
        try store.complete(old, result: .synced, endedAt: .now(), objects: AuditFixture.objects, error: nil)
        var verified = AuditFixture.record()
        verified.signature = good
        let id = try store.begin(verified)
        try store.complete(id, result: .synced, endedAt: .now(), objects: [], error: nil)
        var refused = AuditFixture.record()
        refused.signature = AuditSignature(
            status: .notAllowed, format: "ssh", signer: "bob@acme.dev", fingerprint: "SHA256:abc",
            reason: "commit 3f9c2ab: apps/payments/a.yaml: not-allowed")
        let rid = try store.begin(refused)
        try store.complete(rid, result: .failed, endedAt: .now(), objects: [], error: "signature verification failed")

        XCTAssertEqual(try store.record(old)?.signature, .absent)
        XCTAssertEqual(try store.record(id)?.signature, good)
        XCTAssertEqual(try store.record(rid)?.signature, refused.signature)
        guard case .intact(let count, _) = try store.verify() else { return XCTFail("chain broken") }
        XCTAssertEqual(count, 3)

        var lines: [String] = []
        try store.export(format: .jsonl) { lines.append($0) }
        XCTAssertFalse(lines[0].contains("signatureDetail"))
        XCTAssertTrue(
            lines[1].contains(
                #""signature":"good","signatureDetail":{"fingerprint":"DB4F73A305DA8851AA94A6D1CB9B25EE24A24454","format":"gpg""#
            ), lines[1])
        let back = try AuditRecord(exportValue: JSONReader().parse(lines[1]))
        XCTAssertEqual(back.signature, good)
        XCTAssertEqual(back.hash, try store.record(id)?.hash)
    }

    /// A database made before verdicts (schema v2) opens, migrates, keeps its chain, and takes verdicts.
    func testAnOlderDatabaseMigrates() throws {
        let f = try AuditFixture()
        do {
            let store = try f.store()
            try f.addSyncs(2, to: store)
        }
        // Back to the v2 schema: no signature_detail column, no v3 migration recorded.
        let downgrade = try CLI.run(
            "sqlite3",
            [
                f.dbPath,
                "ALTER TABLE audit_record DROP COLUMN signature_detail; DELETE FROM grdb_migrations WHERE identifier LIKE 'v3%';",
            ])
        XCTAssertEqual(downgrade.status, 0, downgrade.stderr)
        let store = try f.store()
        XCTAssertEqual(try store.record(1)?.signature, .absent)
        var verified = AuditFixture.record()
        verified.signature = good
        let id = try store.begin(verified)
        XCTAssertEqual(try store.record(id)?.signature, good)
        guard case .intact(let count, _) = try store.verify() else { return XCTFail("chain broken") }
        XCTAssertEqual(count, 3)
    }

    func testHistoryShowPrintsTheVerdict() throws {
        XCTAssertEqual(
            good.display, "good gpg signature by Ada <ada@acme.dev>, key DB4F73A305DA8851AA94A6D1CB9B25EE24A24454")
        XCTAssertEqual(AuditSignature.absent.display, "absent")
        XCTAssertEqual(
            AuditSignature(status: .revokedKey, reason: "signed by Ada with key DB4F, which was revoked").display,
            "revoked-key: signed by Ada with key DB4F, which was revoked")
    }
}
