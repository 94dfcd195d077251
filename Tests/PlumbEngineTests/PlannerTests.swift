import PlumbCore
import PlumbEngine
import XCTest

final class PlannerTests: XCTestCase {
    func plan(_ desired: [Value], target: FakeTarget, app: String = "shop") async throws -> Plan {
        let set = resources(desired)
        let observation = try await target.observe(set, app: app)
        return try Planner(app: app).plan(desired: set, observation: observation, target: target)
    }

    func testStepsBySyncWaveThenPhase() async throws {
        let target = FakeTarget()
        let plan = try await plan([
            object("apps/v1", "Deployment", "web"),
            object("v1", "ConfigMap", "settings"),
            object("v1", "Namespace", "web", namespace: nil),
            object("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "guard", namespace: nil),
            object("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.acme", namespace: nil),
            object("acme/v1", "Widget", "w1", annotations: [SyncLabels.syncWave: "1"]),
            object("v1", "ServiceAccount", "web"),
            object("v1", "Service", "web"),
            object("batch/v1", "Job", "migrate", annotations: [SyncLabels.syncWave: "-1"]),
        ], target: target)
        let steps = plan.steps.map { step in "\(step.syncWave):" + step.objects.map(\.ref.kind).joined(separator: ",") }
        XCTAssertEqual(steps, [
            "-1:Job",
            "0:Namespace,CustomResourceDefinition",
            "0:ServiceAccount", "0:ConfigMap", "0:Service", "0:Deployment",
            "0:ValidatingWebhookConfiguration",
            "1:Widget",
        ])
        XCTAssertEqual(plan.objects.map(\.action), Array(repeating: .created, count: 9))
    }

    func testPlumbLabelsAreStamped() async throws {
        let plan = try await plan([object("v1", "ConfigMap", "settings")], target: FakeTarget(), app: "shop")
        let labels = plan.objects[0].resource.labels
        XCTAssertEqual(labels["app.kubernetes.io/managed-by"], "plumb")
        XCTAssertEqual(labels["plumb.dev/app"], "shop")
    }

    func testEveryProblemIsReportedNamingTheObject() async throws {
        do {
            _ = try await plan([
                object("v1", "ConfigMap", "a", annotations: [SyncLabels.syncWave: "first"]),
                object("v1", "ConfigMap", "b", annotations: [SyncLabels.syncWave: "1.5"]),
                object("v1", "ConfigMap", "c", annotations: ["test/invalid": "yes"]),
                object("v1", "ConfigMap", "d"), object("v1", "ConfigMap", "d"),
                object("v1", "ConfigMap", "e", annotations: [SyncLabels.syncWave: " -3 "]),
            ], target: FakeTarget())
            XCTFail("expected a plan error")
        } catch let error as PlanError {
            XCTAssertEqual(error.problems, [
                #"v1 ConfigMap web/a: annotation plumb.dev/sync-wave: "first" is not an integer"#,
                #"v1 ConfigMap web/b: annotation plumb.dev/sync-wave: "1.5" is not an integer"#,
                "v1 ConfigMap web/c: spec: not valid",
                "v1 ConfigMap web/d: defined more than once",
            ])
        }
    }

    func testUnchangedAndConfigured() async throws {
        let target = FakeTarget(live: [object("v1", "ConfigMap", "same"), object("v1", "ConfigMap", "old", spec: ["x": 0])])
        let plan = try await plan([object("v1", "ConfigMap", "same"), object("v1", "ConfigMap", "old")], target: target)
        XCTAssertEqual(plan.objects.map { "\($0.ref.name) \($0.action)" }, ["old configured", "same unchanged"])
        XCTAssertTrue(plan.hasChanges)
    }

    func testPruneCandidatesProtectionAndOtherApps() async throws {
        let mine = [SyncLabels.app: "shop"]
        let target = FakeTarget(appObjects: [
            object("v1", "ConfigMap", "legacy", labels: mine),
            object("v1", "ConfigMap", "kept", annotations: [SyncLabels.prune: "disabled"], labels: mine),
            object("v1", "ConfigMap", "theirs", labels: [SyncLabels.app: "billing"]),
            object("v1", "ConfigMap", "settings", labels: mine),
        ])
        let plan = try await plan([object("v1", "ConfigMap", "settings")], target: target)
        XCTAssertEqual(plan.prune.map(\.ref.name), ["legacy"])
        XCTAssertEqual(plan.protected.map(\.name), ["kept"])
        XCTAssertEqual(plan.changeSet.summary, "1 created, 1 pruned")
    }

    func testPruneOrderIsReversed() async throws {
        let mine = [SyncLabels.app: "shop"]
        let target = FakeTarget(appObjects: [
            object("v1", "Namespace", "old-ns", namespace: nil, labels: mine),
            object("v1", "ConfigMap", "old-config", labels: mine),
            object("apps/v1", "Deployment", "old-web", labels: mine),
            object("v1", "ConfigMap", "late", annotations: [SyncLabels.syncWave: "2"], labels: mine),
            object("v1", "ConfigMap", "early", annotations: [SyncLabels.syncWave: "-1"], labels: mine),
        ])
        let plan = try await plan([], target: target)
        XCTAssertEqual(plan.prune.map(\.ref.name), ["late", "old-web", "old-config", "old-ns", "early"])
    }

    func testReconcileOrderTable() {
        let order = ReconcileOrder.kubernetes
        let ranks = [
            ("apiextensions.k8s.io", "CustomResourceDefinition"), ("", "Namespace"), ("rbac.authorization.k8s.io", "Role"),
            ("", "ServiceAccount"), ("", "ConfigMap"), ("", "Secret"), ("", "Service"), ("apps", "Deployment"),
            ("networking.k8s.io", "Ingress"), ("acme", "Widget"),
            ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ].map { order.tier(of: ObjectRef(group: $0.0, version: "v1", kind: $0.1, name: "x")) }
        XCTAssertEqual(ranks, [
            .namespacesAndDefinitions, .namespacesAndDefinitions, .identity, .identity, .configuration, .configuration,
            .services, .workloads, .other, .other, .admission,
        ])
        // A kind of the same name in another group is not the built-in one.
        XCTAssertEqual(order.tier(of: ObjectRef(group: "serving.knative.dev", version: "v1", kind: "Service", name: "x")), .other)
    }
}
