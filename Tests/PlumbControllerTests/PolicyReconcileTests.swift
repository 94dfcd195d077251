import Foundation
import PlumbAudit
import PlumbController
import PlumbGit
import PlumbManifests
import PlumbTesting
import XCTest

/// The controller under policy checks: an enforced violation leaves the cluster untouched with
/// Ready=False PolicyViolation (and an Event), the verdict is in the audit record, and a fixed
/// commit syncs; overrides per Application namespace turn a check off.
final class PolicyReconcileTests: ControllerTestCase {
    func reconciler(policy: String) throws -> Reconciler {
        try write(tmp.sub("policy.yaml"), policy)
        let git = GitSources(cacheDirectory: tmp.sub("cache"))
        let objects = ManagedObjects(client: client, namespace: nil) { _ in }
        var settings = Reconciler.Settings(
            git: GitSourceOptions(cacheDirectory: tmp.sub("cache"), lockTimeout: .seconds(20), environment: [:]),
            scratchDirectory: tmp.sub("scratch"), targetName: "kube:test")
        settings.cacheSyncTimeout = .seconds(5)
        settings.policy = try PolicyConfig.load(tmp.sub("policy.yaml"))
        return Reconciler(client: client, git: git, objects: objects, audit: audit, settings: settings)
    }

    static let labels = "defaultMode: off\nchecks: {PLB-META-001: enforce}\nparameters: {requiredLabels: [team]}\n"

    func testEnforcedViolationBlocksTheSyncUntilACommitFixesIt() async throws {
        let reconciler = try reconciler(policy: Self.labels)
        try applyApplication("web", interval: "1s")
        let blocked = await reconciler.reconcile(try await application("web"))
        let ready = blocked.status.condition("Ready")
        XCTAssertEqual(ready?.status, .false)
        XCTAssertEqual(ready?.reason, "PolicyViolation")
        XCTAssertEqual(
            ready?.message,
            "1 enforced policy violation: v1 ConfigMap team-a/web: PLB-META-001: missing label team; 1 of 1 objects violate the policy, nothing was applied"
        )
        XCTAssertTrue(
            blocked.events.contains { $0.reason == "PolicyViolation" && $0.type == .warning }, "\(blocked.events)")
        let nothing = await configMapData("web")
        XCTAssertNil(nothing, "nothing was applied")
        let record = try XCTUnwrap(try audit.history(app: "\(namespace)/web", limit: 1).first)
        XCTAssertEqual(record.result, .failed)
        XCTAssertEqual(record.policy?.blocked, true)
        XCTAssertEqual(
            record.policy?.violations.map(\.line), ["v1 ConfigMap team-a/web: PLB-META-001: missing label team"])

        // The label in Git: the sync goes through, and the record says the policy passed.
        try commit([
            "apps/web/cm.yaml": configMap("web", ["color": "blue"]).replacingOccurrences(
                of: "  name: web\n", with: "  name: web\n  labels: {team: web}\n")
        ])
        try await Task.sleep(for: .milliseconds(1100))  // the interval: the next reconcile fetches
        let synced = await reconciler.reconcile(try await application("web"))
        XCTAssertEqual(
            synced.status.condition("Ready")?.reason, "Succeeded",
            "\(String(describing: synced.status.condition("Ready")))")
        let data = await configMapData("web")
        XCTAssertEqual(data, ["color": "blue"])
        let passed = try XCTUnwrap(try audit.history(app: "\(namespace)/web", limit: 1).first)
        XCTAssertEqual(passed.result, .synced)
        XCTAssertEqual(passed.policy?.violations, [])
    }

    func testAnOverrideForTheApplicationsNamespaceTurnsTheCheckOff() async throws {
        let reconciler = try reconciler(
            policy: Self.labels + "overrides:\n  - namespaces: [team-*]\n    checks: {PLB-META-001: warn}\n")
        try applyApplication("web", interval: "1s")
        let outcome = await reconciler.reconcile(try await application("web"))
        XCTAssertEqual(outcome.status.condition("Ready")?.reason, "Succeeded")
        let data = await configMapData("web")
        XCTAssertEqual(data, ["color": "blue"])
        let record = try XCTUnwrap(try audit.history(app: "\(namespace)/web", limit: 1).first)
        XCTAssertEqual(record.policy?.violations.map(\.mode), ["warn"])
    }
}
