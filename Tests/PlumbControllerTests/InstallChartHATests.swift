import PlumbController
import PlumbCore
import XCTest

/// Leader election and sharding in the chart and the export: the flags, and a Role on Leases
/// only when one of them is on.
extension InstallChartTests {
    private func haKey(_ o: Value) -> String {
        ["kind", "namespace", "name"].map { field in
            (field == "kind" ? o["kind"] : o[path: ["metadata", field]])?.stringValue ?? ""
        }.joined(separator: "/")
    }

    private func haCanonical(_ v: Value) -> String {
        (try? JSONWriter(style: .pretty(indent: 2), sortKeys: true).string(v)) ?? ""
    }

    /// The chart's objects equal the export's, but the Namespace (Helm's `--create-namespace`)
    /// and the CRDs (testEmbeddedCRDIsTheChartsFile compares those).
    private func assertChart(_ all: [Value], equalsExport options: InstallManifests.Options, file: StaticString = #filePath, line: UInt = #line) {
        let skipped: Set<String> = ["Namespace", "CustomResourceDefinition"]
        let chart = all.filter { !skipped.contains($0["kind"]?.stringValue ?? "") }
        let export = InstallManifests.objects(options).filter { !skipped.contains($0["kind"]?.stringValue ?? "") }
        XCTAssertEqual(chart.map(haKey).sorted(), export.map(haKey).sorted(), file: file, line: line)
        let byKey = Dictionary(chart.map { (haKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        for object in export {
            XCTAssertEqual(byKey[haKey(object)].map(haCanonical), haCanonical(object), "\(haKey(object)) differs", file: file, line: line)
        }
    }

    private func args(_ objects: [Value]) -> [String] {
        let deployment = objects.first { $0["kind"]?.stringValue == "Deployment" }
        return (deployment?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["args"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    private static let databaseURL = "postgres://plumb@audit-db:5432/audit?sslmode=require"
    private static let database: Value = ["url": .string(databaseURL)]

    func testLeaderElectionValuesRenderTheExportWithALeaseRole() throws {
        var options = InstallManifests.Options()
        options.replicas = 2
        options.leaderElect = true
        options.auditDatabase = InstallManifests.SharedAuditDatabase(url: Self.databaseURL)
        let chart = try renderChart(overrides: [
            "replicas": 2, "leaderElection": ["enabled": true], "auditDatabase": Self.database,
        ])
        assertChart(chart, equalsExport: options)
        XCTAssertTrue(args(chart).contains("--leader-elect"), "\(args(chart))")
        let role = try XCTUnwrap(chart.first { $0["kind"]?.stringValue == "Role" && $0[path: ["metadata", "name"]]?.stringValue == "plumb-controller-leases" })
        XCTAssertEqual(role[path: ["metadata", "namespace"]]?.stringValue, "plumb-system", "Leases in the controller's namespace only")
        let rule = try XCTUnwrap(role["rules"]?.arrayValue?.first)
        XCTAssertEqual(rule["apiGroups"], ["coordination.k8s.io"])
        XCTAssertEqual(rule["resources"], ["leases"])
        for verb in ["get", "create", "update"] { XCTAssertTrue(rule["verbs"]?.arrayValue?.contains(.string(verb)) ?? false, verb) }
        let binding = try XCTUnwrap(chart.first { $0["kind"]?.stringValue == "RoleBinding" && $0[path: ["metadata", "name"]]?.stringValue == "plumb-controller-leases" })
        XCTAssertEqual(binding["subjects"]?.arrayValue?.first?["name"]?.stringValue, "plumb-controller")
    }

    func testShardValuesRenderTheExport() throws {
        var options = InstallManifests.Options()
        options.replicas = 3
        options.shards = 3
        options.auditDatabase = InstallManifests.SharedAuditDatabase(url: Self.databaseURL)
        let chart = try renderChart(overrides: ["replicas": 3, "shards": 3, "auditDatabase": Self.database])
        assertChart(chart, equalsExport: options)
        XCTAssertTrue(args(chart).contains("--shards=3"), "\(args(chart))")
        XCTAssertFalse(args(chart).contains("--leader-elect"))
        XCTAssertTrue(chart.contains { $0[path: ["metadata", "name"]]?.stringValue == "plumb-controller-leases" })
    }

    /// Several replicas cannot share the SQLite file on a ReadWriteOnce volume: the chart and
    /// the export refuse, and with a shared database there is no PVC, the Git cache is on an
    /// emptyDir and pods roll one by one.
    func testSeveralReplicasNeedTheSharedAuditDatabase() throws {
        for overrides: [String: Value] in [["leaderElection": ["enabled": true]], ["shards": 2]] {
            XCTAssertThrowsError(try renderChart(overrides: overrides)) {
                XCTAssertTrue("\($0)".contains("need auditDatabase.url (PostgreSQL)"), "\($0)")
            }
        }
        var options = InstallManifests.Options()
        options.replicas = 2
        options.leaderElect = true
        XCTAssertEqual(
            options.problem,
            "several replicas (--replicas above 1, --leader-elect or --shards) need a PostgreSQL audit database"
                + " (--audit-db postgres://...): the SQLite one lives on a ReadWriteOnce volume only one pod can use")
        options.auditDatabase = InstallManifests.SharedAuditDatabase(url: Self.databaseURL)
        XCTAssertNil(options.problem)
        let chart = try renderChart(overrides: [
            "replicas": 2, "leaderElection": ["enabled": true], "auditDatabase": Self.database,
        ])
        XCTAssertFalse(chart.contains { $0["kind"]?.stringValue == "PersistentVolumeClaim" })
        let deployment = try XCTUnwrap(chart.first { $0["kind"]?.stringValue == "Deployment" })
        XCTAssertNil(deployment[path: ["spec", "strategy"]], "the default RollingUpdate")
        let volumes = deployment[path: ["spec", "template", "spec", "volumes"]]?.arrayValue ?? []
        let data = try XCTUnwrap(volumes.first { $0["name"]?.stringValue == "data" })
        XCTAssertNotNil(data["emptyDir"], "\(data)")
        XCTAssertNil(data["persistentVolumeClaim"], "\(data)")
        // The default keeps one replica on the PVC, stopped before its successor starts.
        let single = try renderChart()
        XCTAssertTrue(single.contains { $0["kind"]?.stringValue == "PersistentVolumeClaim" })
        XCTAssertEqual(
            single.first { $0["kind"]?.stringValue == "Deployment" }?[path: ["spec", "strategy", "type"]]?.stringValue,
            "Recreate")
    }

    func testNoLeaseRoleByDefault() throws {
        let chart = try renderChart()
        XCTAssertFalse(chart.contains { $0[path: ["metadata", "name"]]?.stringValue == "plumb-controller-leases" })
        XCTAssertFalse(args(chart).contains { $0.hasPrefix("--leader-elect") || $0.hasPrefix("--shards") })
    }
}
