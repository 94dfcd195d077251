import PlumbCore
import PlumbKube
import PlumbYAML
import XCTest

/// The per-kind health rules, driven by a table of live objects.
final class HealthTests: XCTestCase {
    func object(_ yaml: String) throws -> Value {
        try YAML.parseDocuments(yaml, file: "test.yaml")[0].value
    }

    func testRulesPerKind() throws {
        let table: [(String, HealthStatus.State, String)] = [
            ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 2}\nspec: {replicas: 2}\nstatus: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}", .healthy, ""),
            ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 3}\nspec: {replicas: 2}\nstatus: {observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2}", .progressing, "generation 3"),
            ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 1}\nspec: {replicas: 2}\nstatus: {observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 1}", .progressing, "1 of 2"),
            ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {generation: 1}\nspec: {replicas: 2}\nstatus:\n  observedGeneration: 1\n  conditions:\n  - {type: Progressing, status: \"False\", reason: ProgressDeadlineExceeded, message: timed out}", .degraded, "ProgressDeadlineExceeded: timed out"),
            ("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {generation: 1}\nspec: {replicas: 3}\nstatus: {observedGeneration: 1, readyReplicas: 2, updatedReplicas: 3}", .progressing, "2 of 3"),
            ("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {generation: 1}\nstatus: {observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2}", .healthy, ""),
            ("apiVersion: batch/v1\nkind: Job\nstatus:\n  conditions:\n  - {type: Complete, status: \"True\"}", .healthy, ""),
            ("apiVersion: batch/v1\nkind: Job\nstatus:\n  conditions:\n  - {type: Failed, status: \"True\", reason: BackoffLimitExceeded}", .degraded, "BackoffLimitExceeded"),
            ("apiVersion: v1\nkind: PersistentVolumeClaim\nstatus: {phase: Bound}", .healthy, ""),
            ("apiVersion: v1\nkind: PersistentVolumeClaim\nstatus: {phase: Pending}", .progressing, "Pending"),
            ("apiVersion: v1\nkind: Service\nspec: {type: LoadBalancer}", .progressing, "load balancer"),
            ("apiVersion: v1\nkind: Service\nspec: {type: LoadBalancer}\nstatus: {loadBalancer: {ingress: [{ip: 10.0.0.1}]}}", .healthy, ""),
            ("apiVersion: v1\nkind: Service\nspec: {type: ClusterIP}", .healthy, ""),
            ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nstatus:\n  conditions:\n  - {type: Established, status: \"True\"}", .healthy, ""),
            ("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nstatus: {}", .progressing, "established"),
            ("apiVersion: acme.dev/v1\nkind: Widget\nstatus:\n  conditions:\n  - {type: Ready, status: \"False\", message: no quota}", .degraded, "no quota"),
            ("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}", .healthy, ""),
        ]
        for (yaml, state, message) in table {
            let health = KubeHealth.assess(try object(yaml))
            XCTAssertEqual(health.state, state, yaml)
            XCTAssertTrue(message.isEmpty || health.message.contains(message), "\(health.message) should contain \(message): \(yaml)")
        }
    }

    func testFieldManagerConflictNamesManagersAndTellsUpdatesFromAppliers() {
        let error = StatusError(
            reason: .conflict, code: 409, message: "Apply failed with 2 conflicts",
            causes: [
                .init(reason: "FieldManagerConflict", field: ".data.a", message: "conflict with \"other\""),
                .init(reason: "FieldManagerConflict", field: ".data.b", message: "conflict with \"other\""),
            ])
        let conflict = FieldManagerConflict(error)
        XCTAssertEqual(conflict?.description, "conflict with \"other\": .data.a, .data.b (use --force-conflicts to take these fields)")
        XCTAssertEqual(conflict?.onlyUpdates, false)
        let drift = StatusError(
            reason: .conflict, code: 409, message: "Apply failed with 1 conflict",
            causes: [.init(reason: "FieldManagerConflict", field: ".spec.replicas", message: "conflict with \"kubectl-edit\" using apps/v1")])
        XCTAssertEqual(FieldManagerConflict(drift)?.onlyUpdates, true)
        XCTAssertNil(FieldManagerConflict(StatusError(reason: .conflict, code: 409, message: "stale")))
    }
}
