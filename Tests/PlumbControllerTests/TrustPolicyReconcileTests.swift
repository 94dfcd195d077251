import Foundation
import PlumbAudit
import PlumbController
import PlumbGit
import PlumbManifests
import PlumbTesting
import XCTest

/// The controller under a trust policy: a revision that fails it is not synced, the
/// Application stays on its last verified revision with Ready=False SignatureVerificationFailed
/// (and an Event), and the verdicts are in the audit trail.
final class TrustPolicyReconcileTests: ControllerTestCase {
    var keys: SigningKeys!
    var ada = ""

    override func setUp() async throws {
        try await super.setUp()
        keys = try SigningKeys()
        ada = try keys.gpgKey("Ada <ada@acme.dev>")
        try keys.exportKeyring([ada], to: keys.dir.sub("keys.gpg"))
        try write(
            keys.dir.sub("trust.yaml"),
            "mode: HEAD\ngpgKeyring: keys.gpg\nrules:\n  - paths: [\"apps/**\"]\n    signers: [\"*@acme.dev\"]\n")
    }

    override func tearDown() async throws {
        keys?.shutdown()
        keys = nil
        try await super.tearDown()
    }

    func trustedReconciler() throws -> Reconciler {
        let git = GitSources(cacheDirectory: tmp.sub("cache"))
        let objects = ManagedObjects(client: client, namespace: nil) { _ in }
        var settings = Reconciler.Settings(
            git: GitSourceOptions(cacheDirectory: tmp.sub("cache"), lockTimeout: .seconds(20), environment: [:]),
            scratchDirectory: tmp.sub("scratch"), targetName: "kube:test")
        settings.cacheSyncTimeout = .seconds(5)
        settings.trustPolicy = try TrustPolicy.load(keys.dir.sub("trust.yaml"))
        return Reconciler(client: client, git: git, objects: objects, audit: audit, settings: settings)
    }

    /// Commits `files` signed as `signing` and pushes them to the served repository.
    @discardableResult
    func signedCommit(_ files: [String: String], signing: SigningKeys.Signing) throws -> String {
        let sha = try keys.commit(in: work, files, signing: signing)
        try git(["push", "-q", tmp.sub("served/repo.git"), "main"], in: work)
        Thread.sleep(forTimeInterval: 1.1)  // the interval: the next reconcile fetches
        return sha
    }

    func testUnsignedRevisionIsRefusedAndTheAppStaysOnTheLastVerified() async throws {
        let reconciler = try trustedReconciler()
        try applyApplication("web", interval: "1s")
        let root = try head()

        // The served history has one unsigned commit: refused, nothing written.
        let refused = await reconciler.reconcile(try await application("web"))
        XCTAssertNil(refused.sync)
        let ready = refused.status.condition("Ready")
        XCTAssertEqual(ready?.status, .false)
        XCTAssertEqual(ready?.reason, "SignatureVerificationFailed")
        XCTAssertEqual(
            ready?.message,
            "signature verification failed: commit \(root.prefix(7)): apps/web/cm.yaml: unsigned: the commit is not signed"
        )
        XCTAssertTrue(
            refused.events.contains { $0.reason == "SignatureVerificationFailed" && $0.type == .warning },
            "\(refused.events)")
        let nothing = await configMapData("web")
        XCTAssertNil(nothing, "nothing was applied")
        _ = await reconciler.reconcile(try await application("web"))
        let records = try audit.history(app: "\(namespace)/web", limit: 10)
        XCTAssertEqual(records.count, 1, "one record per refused revision, not per reconcile")
        XCTAssertEqual(records.first?.result, .failed)
        XCTAssertEqual(records.first?.signature.status, .unsigned)

        // A commit signed by a trusted key: synced, and the verdict is in the record.
        let signed = try signedCommit(["apps/web/cm.yaml": configMap("web", ["color": "green"])], signing: .gpg(ada))
        let synced = await reconciler.reconcile(try await application("web"))
        XCTAssertEqual(synced.sync?.result.succeeded, true, "\(synced.status.conditions)")
        XCTAssertEqual(synced.status.lastSyncedRevision, signed)
        let color = await configMapData("web")?["color"]
        XCTAssertEqual(color, "green")
        let record = try XCTUnwrap(try audit.record(XCTUnwrap(synced.sync?.auditID)))
        XCTAssertEqual(record.signature.status, .good)
        XCTAssertEqual(record.signature.fingerprint, ada)
        XCTAssertEqual(record.signature.signer, "Ada <ada@acme.dev>")
        XCTAssertEqual(record.signature.format, "gpg")
        _ = try await client.patch(
            try await application("web").ref, .merge(["status": synced.status.value]), subresource: "status")

        // Then an unsigned commit: refused; the cluster stays on the verified revision.
        let unsigned = try signedCommit(["apps/web/cm.yaml": configMap("web", ["color": "red"])], signing: .none)
        let again = await reconciler.reconcile(try await application("web"))
        XCTAssertNil(again.sync)
        XCTAssertEqual(again.status.condition("Ready")?.reason, "SignatureVerificationFailed")
        XCTAssertTrue(
            again.status.condition("Ready")?.message.contains(
                "commit \(unsigned.prefix(7)): apps/web/cm.yaml: unsigned") ?? false)
        XCTAssertEqual(again.status.lastSyncedRevision, signed, "still on the last verified revision")
        let stillGreen = await configMapData("web")?["color"]
        XCTAssertEqual(stillGreen, "green")
        guard case .intact(let count, _) = try audit.verify() else {
            return XCTFail("the chain holds verified and unverified records")
        }
        XCTAssertEqual(count, 3, "refused, synced, refused")
    }
}
