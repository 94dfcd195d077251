import PlumbCore
import XCTest

/// The chart's audit database values: SQLite on the volume by default; a PostgreSQL URL with
/// the password from a Secret the chart only names.
extension InstallChartTests {
    private func controller(_ objects: [Value]) -> Value? {
        objects.first { $0["kind"]?.stringValue == "Deployment" }?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first
    }

    func testTheAuditDatabaseIsSQLiteOnTheVolumeByDefault() throws {
        let container = controller(try renderChart())
        let args = (container?["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        XCTAssertTrue(args.contains("--audit-db=/var/lib/plumb/audit.db"), "\(args)")
        let env = (container?["env"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        XCTAssertFalse(env.contains("PLUMB_AUDIT_DB_PASSWORD"), "\(env)")
    }

    func testAPostgresAuditDatabaseTakesItsPasswordFromTheNamedSecret() throws {
        let url = "postgres://plumb@audit-db:5432/audit?sslmode=require"
        let container = controller(
            try renderChart(overrides: ["auditDatabase": ["url": .string(url), "passwordSecret": ["name": "db", "key": "pw"]]]))
        let args = (container?["args"]?.arrayValue ?? []).compactMap(\.stringValue)
        XCTAssertTrue(args.contains("--audit-db=\(url)"), "\(args)")
        XCTAssertEqual(args.filter { $0.hasPrefix("--audit-db") }.count, 1, "\(args)")
        let password = container?["env"]?.arrayValue?.first { $0["name"]?.stringValue == "PLUMB_AUDIT_DB_PASSWORD" }
        XCTAssertEqual(password?[path: ["valueFrom", "secretKeyRef", "name"]]?.stringValue, "db")
        XCTAssertEqual(password?[path: ["valueFrom", "secretKeyRef", "key"]]?.stringValue, "pw")
        XCTAssertNil(password?["value"], "the password itself is never in the chart")
    }
}
